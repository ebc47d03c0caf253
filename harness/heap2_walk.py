"""Walk a heap scheme's free list from target RAM: the largest free block heap_2 never reports.

heap_2 keeps its free blocks in a list sorted by size, from `static BlockLink_t xStart` to
`static BlockLink_t xEnd` (heap_2.c); heap_4 and heap_5 keep theirs by address, from `xStart` to
the block `static BlockLink_t * pxEnd` points at. A BlockLink_t is {next, size} (two 32-bit words
on Cortex-M); the top bit of a size marks an allocated block (heapBLOCK_ALLOCATED_BITMASK), never
set on a free one. The addresses of these statics come from the ELF's local symbols of the heap
file itself, so a same-named static elsewhere cannot be taken for them. Pointers are plain while
configENABLE_HEAP_PROTECTOR is 0 (FreeRTOSConfig.h).

Walking heap_4/heap_5 too lets a test check the walker against vPortGetHeapStats's own figures.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from harness.emulators.base import Session
from harness.events import Event, Frag, HeapWalk, harness_event

WORD = 4
LINK_BYTES = 2 * WORD  # sizeof(BlockLink_t)
ALLOCATED_BIT = 1 << 31  # heapBLOCK_ALLOCATED_BITMASK for a 32-bit size_t
MAX_BLOCKS = 100_000  # a corrupt list must not loop for ever
ACK = "go"  # the line the firmware waits for after a record taken with sync=1

Read = Callable[[int, int], bytes]


class HeapWalkError(RuntimeError):
    """The free list in RAM is not a list: a loop, an allocated block, or a pointer to nowhere.

    `block` is the address of the block where the walk found it broken.
    """

    def __init__(self, message: str, block: int) -> None:
        super().__init__(message)
        self.block = block


@dataclass(frozen=True)
class FreeList:
    """The free blocks (address, size in bytes, header included) in list order."""

    blocks: tuple[tuple[int, int], ...]

    @property
    def total(self) -> int:
        return sum(size for _, size in self.blocks)

    @property
    def largest(self) -> int:
        return max((size for _, size in self.blocks), default=0)

    @property
    def smallest(self) -> int | None:
        return min((size for _, size in self.blocks), default=None)


@dataclass(frozen=True)
class ListAnchors:
    """Where a scheme's free list starts and how its end is found."""

    start: int  # &xStart
    end: int  # &xEnd (heap_2), or &pxEnd whose value is the end block (heap_4/5)
    end_is_pointer: bool


class PagedReader:
    """Reads target memory a page at a time and keeps the pages: one walk touches hundreds of
    blocks, and each read over QMP or a gdb stub costs a round trip (about as much as copying
    64 KiB), so a page holds a whole default heap and its anchors; every board's RAM is a multiple
    of it."""

    PAGE = 64 * 1024

    def __init__(self, read: Read, page: int = PAGE) -> None:
        self._read = read
        self._page = page
        self._pages: dict[int, bytes] = {}

    def __call__(self, address: int, size: int) -> bytes:
        out = b""
        while size > 0:
            base = address - address % self._page
            if base not in self._pages:
                self._pages[base] = self._read(base, self._page)
            chunk = self._pages[base][address - base : address - base + size]
            out += chunk
            address += len(chunk)
            size -= len(chunk)
        return out


def _word(read: Read, address: int) -> int:
    value: int = struct.unpack("<I", read(address, WORD))[0]
    return value


def walk(read: Read, anchors: ListAnchors, next_offset: int = 0, size_offset: int = WORD) -> FreeList:
    """Follow the list from xStart to its end marker, reading RAM through `read(address, size)`.

    `next_offset`/`size_offset` place BlockLink_t's pxNextFreeBlock and xBlockSize (the outside
    reader passes them from the image's DWARF). A read that fails (a pointer to nowhere) is a
    HeapWalkError at that block too.
    """
    end = _word(read, anchors.end) if anchors.end_is_pointer else anchors.end
    blocks: list[tuple[int, int]] = []
    seen: set[int] = set()
    previous = anchors.start
    block = _word(read, anchors.start + next_offset)
    while block != end:
        if block == 0 or block in seen or len(blocks) >= MAX_BLOCKS:
            raise HeapWalkError(
                f"the free list is broken at block {block:#010x} (linked from {previous:#010x}) after "
                f"{len(blocks)} blocks", block)
        seen.add(block)
        try:
            following = _word(read, block + next_offset)
            size = _word(read, block + size_offset)
        except (OSError, ValueError) as exc:
            raise HeapWalkError(f"the free list points at {block:#010x}, which cannot be read ({exc})", block) from None
        if size & ALLOCATED_BIT:
            raise HeapWalkError(f"block {block:#010x} on the free list is marked allocated", block)
        blocks.append((block, size))
        previous, block = block, following
    return FreeList(tuple(blocks))


@lru_cache(maxsize=32)
def _file_locals(elf: Path, source: str) -> dict[str, int]:
    """Local symbols defined by one source file (they follow its STT_FILE entry in .symtab)."""
    found: dict[str, int] = {}
    with elf.open("rb") as f:
        table = ELFFile(f).get_section_by_name(".symtab")
        if not isinstance(table, SymbolTableSection):
            return found
        current = ""
        for sym in table.iter_symbols():
            if sym["st_info"]["type"] == "STT_FILE":
                current = sym.name
            elif current == source and sym["st_info"]["bind"] == "STB_LOCAL" and sym.name:
                found[sym.name] = int(sym["st_value"])
    return found


def anchors(elf: Path, heap: str) -> ListAnchors:
    """The free list's anchors in this image (heap_2, heap_4 or heap_5)."""
    names = _file_locals(elf, f"{heap}.c")
    if heap == "heap_2":
        keys = ("xStart", "xEnd")
    elif heap in ("heap_4", "heap_5"):
        keys = ("xStart", "pxEnd")
    else:
        raise ValueError(f"{heap} keeps no free list to walk")
    missing = [k for k in keys if k not in names]
    if missing:
        raise ValueError(f"{elf} has no local symbol {', '.join(missing)} from {heap}.c (built without symbols?)")
    return ListAnchors(start=names[keys[0]], end=names[keys[1]], end_is_pointer=heap != "heap_2")


class HeapWalkProbe:
    """A `Probe` for the fragmentation scenario: walks the free list at each `frag` record and,
    when the firmware waits for it (sync=1), lets it go on once the walk is done."""

    def __init__(self, list_anchors: ListAnchors, *, acknowledge: bool) -> None:
        self.anchors = list_anchors
        self.acknowledge = acknowledge

    def __call__(self, event: Event, session: Session) -> list[Event]:
        if not isinstance(event, Frag):
            return []
        try:
            free = walk(PagedReader(session.read_memory), self.anchors)
        finally:
            if self.acknowledge:
                session.write_line(ACK)
        return [
            harness_event(
                HeapWalk, step=event.step, free_blocks=len(free.blocks), total=free.total,
                largest=free.largest, smallest=free.smallest,
            )
        ]
