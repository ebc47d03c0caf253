"""The heap as the kernel keeps it, read from outside: every figure the image's scheme has.

Per scheme (FreeRTOS-Kernel V11.x, portable/MemMang/heap_N.c; the sources are the authority):
- heap_1: `xNextFreeByte` into the arena `ucHeap`; free = sizeof(ucHeap) - portBYTE_ALIGNMENT -
  xNextFreeByte, as xPortGetFreeHeapSize computes it. Nothing is ever given back.
- heap_2: `xFreeBytesRemaining`, and the free list sorted by size from `xStart` to `xEnd`.
- heap_4 / heap_5: also `xMinimumEverFreeBytesRemaining`, `xNumberOfSuccessfulAllocations`,
  `xNumberOfSuccessfulFrees`, the free list by address from `xStart` to the block `pxEnd` points at.
  heap_5 leaves a zero-sized block at the end of every region but the last, linking to the next
  region; it is counted as a block, and left out of the smallest, as vPortGetHeapStats does, so
  these figures equal the kernel's own.
- heap_3: the C library's malloc keeps no figure the kernel knows; `free` is not available from
  outside and `not_available` says why.

The walk is checked: a list that does not end (a loop, NULL, a pointer that cannot be read, a
block marked allocated) or whose total differs from the scheme's free counter is reported as
`corruption`, with the block's address, never raised: a snapshot of a corrupt heap is a finding.
Before its first allocation heap_4 (and heap_5 before vPortDefineHeapRegions) has no list yet:
`initialised` is False and the figures are those the kernel reports then (free 0, no blocks).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, replace

from harness.events import Heap, harness_event
from harness.heap2_walk import ALLOCATED_BIT, HeapWalkError, ListAnchors, Read, walk
from harness.observe.image import NO_HEAP, KernelImage

PORT_BYTE_ALIGNMENT = 8  # portBYTE_ALIGNMENT on every ARM_CM* port (portmacro.h)


@dataclass(frozen=True)
class FreeBlock:
    address: int
    size: int  # bytes, the block's header included (xBlockSize)


@dataclass(frozen=True)
class HeapRegionInfo:
    """One heap_5 region as vPortDefineHeapRegions was given it."""

    start: int
    size: int


@dataclass(frozen=True)
class HeapState:
    """Every figure the scheme keeps; None where this scheme has no such figure (never 0)."""

    scheme: str
    initialised: bool
    free: int | None = None
    min_ever: int | None = None
    allocs: int | None = None
    frees: int | None = None
    arena: int | None = None  # bytes the scheme manages (sizeof ucHeap, or heap_5's regions)
    free_blocks: int | None = None  # as vPortGetHeapStats counts them
    largest: int | None = None
    smallest: int | None = None
    walked_total: int | None = None  # sum of the free list's block sizes
    blocks: tuple[FreeBlock, ...] = ()
    regions: tuple[HeapRegionInfo, ...] = ()
    corruption: str | None = None
    corrupt_block: int | None = None
    not_available: str | None = None  # why the scheme's figures cannot be read from outside

    def to_event(self, at: str) -> Heap:
        """The same `heap` event the firmware's own record gives, so assertions read either."""
        return harness_event(
            Heap, at=at, free=self.free, min_ever=self.min_ever, largest=self.largest, smallest=self.smallest,
            free_blocks=self.free_blocks, allocs=self.allocs, frees=self.frees, arena=self.arena,
        )


def _word(read: Read, address: int) -> int:
    value: int = struct.unpack("<I", read(address, 4))[0]
    return value


def _static(image: KernelImage, name: str) -> int | None:
    sym = image.heap_symbol(name)
    return None if sym is None else sym.address


def _read_static(image: KernelImage, read: Read, name: str) -> int | None:
    address = _static(image, name)
    return None if address is None else _word(read, address)


def heap_state(image: KernelImage, read: Read, regions: tuple[HeapRegionInfo, ...] = ()) -> HeapState:
    """Read the heap of `image` through `read(address, size)`; `regions` as caught at
    vPortDefineHeapRegions (heap_5), if the caller saw the call."""
    scheme = image.heap
    if scheme == NO_HEAP:
        return HeapState(scheme, initialised=False, not_available="a static image: no heap scheme is linked")
    if scheme == "heap_3":
        return HeapState(
            scheme, initialised=True,
            not_available="heap_3 wraps the C library's malloc, which keeps no free-size figure the kernel "
            "knows; its free space depends on the image's own _sbrk limit",
        )
    if scheme == "heap_1":
        return _heap_1(image, read)
    return _listed(image, read, regions)


def _arena_size(image: KernelImage) -> int | None:
    sym = image.heap_symbol("ucHeap")
    return sym.size if sym is not None and sym.size else None


def _heap_1(image: KernelImage, read: Read) -> HeapState:
    next_free = _read_static(image, read, "xNextFreeByte")
    arena = _arena_size(image)
    if next_free is None or arena is None:
        why = "heap_1's xNextFreeByte or ucHeap is not in the symbols"
        return HeapState("heap_1", initialised=False, not_available=why)
    free = arena - PORT_BYTE_ALIGNMENT - next_free
    return HeapState("heap_1", initialised=True, free=free, arena=arena)


def _listed(image: KernelImage, read: Read, regions: tuple[HeapRegionInfo, ...]) -> HeapState:
    scheme = image.heap
    lay = image.layouts.block_link
    start = _static(image, "xStart")
    end_name = "xEnd" if scheme == "heap_2" else "pxEnd"
    end = _static(image, end_name)
    if lay is None or start is None or end is None:
        why = f"{scheme}'s xStart/{end_name} or BlockLink_t is not described"
        return HeapState(scheme, initialised=False, not_available=why)
    next_off, size_off = lay.offset("pxNextFreeBlock"), lay.offset("xBlockSize")
    counted = scheme != "heap_2"
    first = _word(read, start + next_off)
    base = HeapState(
        scheme,
        initialised=first != 0 if scheme == "heap_2" else _word(read, end) != 0,
        free=_read_static(image, read, "xFreeBytesRemaining"),
        min_ever=_read_static(image, read, "xMinimumEverFreeBytesRemaining") if counted else None,
        allocs=_read_static(image, read, "xNumberOfSuccessfulAllocations") if counted else None,
        frees=_read_static(image, read, "xNumberOfSuccessfulFrees") if counted else None,
        arena=sum(r.size for r in regions) if regions else _arena_size(image),
        regions=regions,
    )
    if not base.initialised:
        return replace(base, free_blocks=0 if counted else None)
    anchors = ListAnchors(start=start, end=end, end_is_pointer=scheme != "heap_2")
    try:
        found = walk(read, anchors, next_off, size_off)
    except HeapWalkError as exc:
        return replace(base, corruption=str(exc), corrupt_block=exc.block)
    blocks = tuple(FreeBlock(a, s) for a, s in found.blocks)
    sizes = [b.size for b in blocks if b.size != 0]
    corruption, where = None, None
    if base.free is not None and found.total != base.free:
        corruption = f"the free list holds {found.total} bytes but xFreeBytesRemaining says {base.free}"
        where = blocks[-1].address if blocks else start
    return replace(
        base, free_blocks=len(blocks), largest=max(sizes, default=0), smallest=min(sizes) if sizes else None,
        walked_total=found.total, blocks=blocks, corruption=corruption, corrupt_block=where,
    )


def block_size_before(image: KernelImage, read: Read, payload: int) -> int | None:
    """The payload bytes of the allocated heap block that starts at `payload` (a task's stack
    from pvPortMalloc), from the header in front of it; None if there is no such header."""
    lay = image.layouts.block_link
    if lay is None or image.heap not in ("heap_2", "heap_4", "heap_5"):
        return None
    header = (lay.size + PORT_BYTE_ALIGNMENT - 1) // PORT_BYTE_ALIGNMENT * PORT_BYTE_ALIGNMENT
    try:
        size = _word(read, payload - header + lay.offset("xBlockSize"))
    except (OSError, ValueError):
        return None
    if not size & ALLOCATED_BIT:
        return None  # heap_2/4/5 mark allocated blocks; without the mark this is not a block header
    size &= ~ALLOCATED_BIT
    return size - header if header < size < 1 << 24 else None
