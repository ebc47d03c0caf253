"""Reading a FreeRTOS image's kernel state from outside: no records, no change to its code.

The public API others build on (apps per heap scheme, other backends, baselines):

- `image.load_image(elf, board=None) -> KernelImage`: check an ELF (an ELF, the board's
  architecture and memory, debug info, a FreeRTOS kernel; else `ImageError` with the fix) and
  index it: symbols (`SymbolTable`, file-local statics by source file), heap scheme, layouts.
- `layouts.layouts(elf) -> Layouts`: `TCB_t`, `List_t`, `ListItem_t`, `MiniListItem_t`,
  `BlockLink_t`, `HeapRegion_t` as `Layout` (size, members' offsets and sizes) from DWARF.
- `heap_state.heap_state(image, read) -> HeapState`: the scheme's figures and its free-list walk,
  corruption reported with the block's address.
- `task_state.tasks(image, read) -> tuple[TaskState, ...]`: every task of every kernel list,
  with its stack's base, size (and where the size came from), use and high-water mark.
- `snapshot.take_snapshot(image, read_memory, label=, how=) -> Snapshot`: both of the above
  at one point, a frozen dataclass with `task(name)` and `to_json()`.
- `gdbstub.GdbRemote(endpoint)`: the debug-interface client (RAM, registers, breakpoints,
  run/stop) for QEMU's gdb stub on a private Unix socket or a gdb server on loopback.
- `target.run_image(...) -> ImageRun`: boot a user's image and take snapshots at deterministic
  points (ticks, a function's Nth hit, the end) or at UART lines, faults caught by breakpoints.

`read_memory(address, size) -> bytes` is any RAM reader (gdb stub, QMP, Renode's sysbus); the
target must stand still while it is read.
"""

from __future__ import annotations

from harness.observe.heap_state import FreeBlock, HeapRegionInfo, HeapState, heap_state
from harness.observe.image import ImageError, KernelImage, load_image
from harness.observe.layouts import Layout, Layouts, layouts
from harness.observe.snapshot import Snapshot, When, take_snapshot
from harness.observe.task_state import TaskState, tasks

__all__ = [
    "FreeBlock", "HeapRegionInfo", "HeapState", "ImageError", "KernelImage", "Layout", "Layouts", "Snapshot",
    "TaskState", "When", "heap_state", "layouts", "load_image", "take_snapshot", "tasks",
]
