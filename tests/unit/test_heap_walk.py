"""Walking a free list from a memory image (harness/heap2_walk.py), no emulator needed."""

from __future__ import annotations

import struct

import pytest

from harness.heap2_walk import ALLOCATED_BIT, HeapWalkError, ListAnchors, PagedReader, walk

START, END_MARK, END_PTR = 0x20000000, 0x20000008, 0x20000010


class Memory:
    """Little-endian words at addresses; reading anything else is an error."""

    def __init__(self) -> None:
        self.words: dict[int, int] = {}
        self.reads = 0

    def link(self, address: int, following: int, size: int) -> None:
        self.words[address] = following
        self.words[address + 4] = size

    def __call__(self, address: int, size: int) -> bytes:
        self.reads += 1
        out = b""
        for at in range(address, address + size, 4):
            out += struct.pack("<I", self.words.get(at, 0))
        return out


def heap2_like() -> tuple[Memory, ListAnchors]:
    """xStart -> 0x100 (24) -> 0x200 (640) -> xEnd, sorted by size as heap_2 keeps it."""
    mem = Memory()
    mem.link(START, 0x20000100, 0)
    mem.link(0x20000100, 0x20000200, 24)
    mem.link(0x20000200, END_MARK, 640)
    return mem, ListAnchors(start=START, end=END_MARK, end_is_pointer=False)


def test_walk_heap2_list() -> None:
    mem, anchors = heap2_like()
    free = walk(mem, anchors)
    assert free.blocks == ((0x20000100, 24), (0x20000200, 640))
    assert (free.total, free.largest, free.smallest) == (664, 640, 24)


def test_walk_heap4_list_ends_where_pxend_points() -> None:
    mem = Memory()
    mem.link(START, 0x20000100, 0)
    mem.link(0x20000100, 0x20000300, 96)
    mem.words[END_PTR] = 0x20000300  # pxEnd
    free = walk(mem, ListAnchors(start=START, end=END_PTR, end_is_pointer=True))
    assert free.blocks == ((0x20000100, 96),)


def test_empty_list() -> None:
    mem = Memory()
    mem.link(START, END_MARK, 0)
    free = walk(mem, ListAnchors(START, END_MARK, False))
    assert free.blocks == () and free.largest == 0 and free.smallest is None


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (lambda m: m.link(0x20000200, 0x20000100, 640), "broken"),  # a loop
        (lambda m: m.link(0x20000200, 0, 640), "broken"),  # NULL before the end
        (lambda m: m.link(0x20000200, END_MARK, 640 | ALLOCATED_BIT), "marked allocated"),
    ],
)
def test_a_broken_list_is_an_error_not_a_hang(corrupt: object, message: str) -> None:
    mem, anchors = heap2_like()
    corrupt(mem)
    with pytest.raises(HeapWalkError, match=message):
        walk(mem, anchors)


def test_paged_reader_reads_each_page_once() -> None:
    mem, anchors = heap2_like()
    paged = PagedReader(mem)
    assert walk(paged, anchors).total == 664
    assert mem.reads == 1  # every block sits in one page
    assert paged(0x2000FFFC, 8) == mem(0x2000FFFC, 8)  # a read across a page boundary
