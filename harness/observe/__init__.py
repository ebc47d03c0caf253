"""Reading a FreeRTOS image's kernel state from outside: no records, no change to its code.

The public API others build on (apps per heap scheme, other backends, baselines):

Reading (backend-independent: `read_memory(address, size) -> bytes` is any reader of target RAM,
a gdb stub, QMP, Renode's sysbus; the target must stand still while it is read):
- `image.load_image(elf, board=None) -> KernelImage`: check an ELF (an ELF, the board's
  architecture, load addresses and vector table, debug info, a FreeRTOS kernel; else `ImageError`,
  a UsageError with the fix) and index it: `SymbolTable` (file-local statics by source file),
  the heap scheme (`heap_1`..`heap_5`, `none`), `Layouts`, the vector table.
- `layouts.layouts(elf) -> Layouts`: `TCB_t`, `List_t`, `ListItem_t`, `MiniListItem_t`,
  `BlockLink_t`, `HeapRegion_t` as `Layout` (size; members' offsets and sizes) from DWARF.
- `heap_state.heap_state(image, read, regions=()) -> HeapState`: every figure the scheme keeps
  and its free-list walk (`FreeBlock`s), corruption reported with the block's address.
- `task_state.tasks(image, read) -> tuple[TaskState, ...]`: every task of every kernel list:
  name, priority, state, stack base, size (and where it came from), use, high-water mark.
- `snapshot.take_snapshot(image, read_memory, label=, how=When...) -> Snapshot`: both at one
  point, frozen, with `task(name)`, `deterministic` and `to_json()`.

Running (QEMU today; a backend serves it by `start(..., debug=True)` and `Session.debug_endpoint`):
- `gdbstub.GdbRemote(endpoint)`: the debug-interface client (RAM, registers, breakpoints,
  run/stop) for a gdb stub on a private Unix socket (`unix:<path>`) or loopback (`tcp:host:port`).
- `plan.Plan`: snapshot points (ticks, a function's Nth call, UART lines) and the end condition.
- `target.run_image(image, board, uart_log, plan) -> ImageRun`: boot and watch a user's image;
  `ImageRun.run` is a `harness.run.Run`, `.snapshots`, `.heap()`, `.tasks()`, `.hwm(task)`.
  `harness.api.run_elf(elf, board, plan)` is the same from a path.
- `crosscheck.crosscheck(firmware, commands, uart_log) -> list[Pair]`: our own firmware's
  records, each paired with a snapshot taken as it is printed.
- `image_report`: the heap/task tables, `snapshots.json` and `timeline.html`.
"""

from __future__ import annotations

from harness.observe.heap_state import FreeBlock, HeapRegionInfo, HeapState, heap_state
from harness.observe.image import ImageError, KernelImage, load_image
from harness.observe.layouts import Layout, Layouts, layouts
from harness.observe.plan import Plan
from harness.observe.snapshot import Snapshot, When, take_snapshot
from harness.observe.task_state import TaskState, tasks

__all__ = [
    "FreeBlock", "HeapRegionInfo", "HeapState", "ImageError", "KernelImage", "Layout", "Layouts", "Plan",
    "Snapshot", "TaskState", "When", "heap_state", "layouts", "load_image", "take_snapshot", "tasks",
]
