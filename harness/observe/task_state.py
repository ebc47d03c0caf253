"""Every task the kernel knows, read from outside: the kernel's lists walked, each stack measured.

Lists walked (tasks.c statics): `pxReadyTasksLists[0..configMAX_PRIORITIES-1]`, `xDelayedTaskList1`
and `xDelayedTaskList2`, `xPendingReadyList`, `xSuspendedTaskList` (when INCLUDE_vTaskSuspend) and
`xTasksWaitingTermination` (when INCLUDE_vTaskDelete), plus `pxCurrentTCB`. A list is
{uxNumberOfItems, pxIndex, xListEnd}; its items run from xListEnd.pxNext back to &xListEnd, each
item's pvOwner is the TCB. Offsets come from DWARF (`layouts.py`); the number of ready lists from
the size of the `pxReadyTasksLists` symbol.

State, as eTaskGetState tells it: the current task is `running`; a ready list or the pending-ready
list means `ready`; a delayed list `blocked`; the suspended list `suspended`, unless the task waits
on an event for ever (its event item is in a list), which is `blocked`; waiting for termination
is `deleted`.

Stack: `pxStack` is its lowest address. Its size comes from the first of: `pxEndOfStack` (the
image records it with configRECORD_STACK_HIGH_ADDRESS=1; size = end + 4 - pxStack, the aligned
usable part), the heap block header in front of a stack pvPortMalloc gave (its payload size), the
size of the static buffer symbol at pxStack. `size_source` says which. The high-water mark counts
the 0xa5 fill from pxStack up, as uxTaskGetStackHighWaterMark does (words = bytes // 4). Current
use is from the saved `pxTopOfStack` to the top; for the running task that is where it last
switched out unless the caller gives the live stack pointer.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from harness.heap2_walk import Read
from harness.observe.heap_state import block_size_before
from harness.observe.image import KernelImage, symbol_table
from harness.stack_rules import FILL, WORD

MAX_TASKS = 1024  # a list longer than this is corrupt, not busy
_CHUNK = 256


class TaskListError(RuntimeError):
    """A kernel list in RAM does not close on itself (a loop, NULL, or too many items)."""


@dataclass(frozen=True)
class TaskState:
    name: str
    handle: int  # the TCB's address
    priority: int
    state: str  # running, ready, blocked, suspended, deleted
    stack_base: int  # pxStack, lowest address
    stack_size: int | None  # bytes; None when nothing in the image tells it
    size_source: str  # "pxEndOfStack", "heap block", "symbol <name>", or "unknown"
    stack_pointer: int  # pxTopOfStack (or the live SP of the running task, if given)
    used_bytes: int | None  # top of stack - stack pointer
    hwm_bytes: int  # untouched fill bytes from pxStack up
    base_priority: int | None = None
    static: bool | None = None  # TCB and stack from the application (xTaskCreateStatic)

    @property
    def hwm_words(self) -> int:
        return self.hwm_bytes // WORD

    @property
    def stack_top(self) -> int | None:
        return None if self.stack_size is None else self.stack_base + self.stack_size


def _word(read: Read, address: int) -> int:
    value: int = struct.unpack("<I", read(address, WORD))[0]
    return value


def list_items(image: KernelImage, read: Read, list_address: int) -> Iterator[int]:
    """The owners (TCB addresses) of the items of the List_t at `list_address`, in list order."""
    lay = image.layouts
    end = list_address + lay.list.offset("xListEnd")
    mini = lay.mini_list_item or lay.list_item
    count = _word(read, list_address + lay.list.offset("uxNumberOfItems"))
    if count > MAX_TASKS:
        raise TaskListError(f"the list at {list_address:#010x} claims {count} items")
    item = _word(read, end + mini.offset("pxNext"))
    seen = 0
    while item != end:
        if item == 0 or seen > count:
            raise TaskListError(f"the list at {list_address:#010x} does not close (item {item:#010x} after {seen})")
        yield _word(read, item + lay.list_item.offset("pvOwner"))
        item = _word(read, item + lay.list_item.offset("pxNext"))
        seen += 1


def _kernel_lists(image: KernelImage) -> list[tuple[str, int]]:
    """(state, address) of every list that holds tasks, ready lists first, highest priority first."""
    lay = image.layouts
    found: list[tuple[str, int]] = []
    ready = image.symbols.get("pxReadyTasksLists", "tasks.c")
    if ready is not None:
        count = max(ready.size // lay.list.size, 1)
        found += [("ready", ready.address + i * lay.list.size) for i in reversed(range(count))]
    for name, state in (
        ("xPendingReadyList", "ready"), ("xDelayedTaskList1", "blocked"), ("xDelayedTaskList2", "blocked"),
        ("xSuspendedTaskList", "suspended"), ("xTasksWaitingTermination", "deleted"),
    ):
        address = image.kernel(name)
        if address is not None:
            found.append((state, address))
    return found


@lru_cache(maxsize=32)
def _objects_at(elf: Path) -> dict[int, tuple[str, int]]:
    """Data symbols with a size, by address: a static stack buffer's name and size."""
    table = symbol_table(elf)
    found: dict[int, tuple[str, int]] = {}
    for symbols in (table.globals, *table.locals.values()):
        for sym in symbols.values():
            if not sym.function and sym.size > 0:
                found.setdefault(sym.address, (sym.name, sym.size))
    return found


def _name(read: Read, address: int, size: int) -> str:
    raw = read(address, size)
    return raw.split(b"\0", 1)[0].decode("utf-8", errors="replace")


def untouched(read: Read, base: int, size: int | None) -> int:
    """Fill bytes (0xa5) from `base` up to the first other byte, at most `size` bytes."""
    limit = size if size is not None else 64 * 1024
    count = 0
    while count < limit:
        chunk = read(base + count, min(_CHUNK, limit - count))
        for byte in chunk:
            if byte != FILL:
                return count
            count += 1
    return count


def task_state(
    image: KernelImage, read: Read, tcb: int, state: str, current_sp: int | None = None
) -> TaskState:
    """One task from its TCB at `tcb`."""
    lay = image.layouts.tcb
    base = _word(read, tcb + lay.offset("pxStack"))
    top_saved = _word(read, tcb + lay.offset("pxTopOfStack"))
    size: int | None = None
    source = "unknown"
    if lay.has("pxEndOfStack"):
        size, source = _word(read, tcb + lay.offset("pxEndOfStack")) + WORD - base, "pxEndOfStack"
    if size is None:
        size = block_size_before(image, read, base)
        source = "heap block" if size is not None else source
    if size is None and base in _objects_at(image.elf):
        name, size = _objects_at(image.elf)[base]
        source = f"symbol {name}"
    sp = current_sp if current_sp is not None else top_saved
    used = None if size is None or not base <= sp <= base + size else base + size - sp
    static = None
    if lay.has("ucStaticallyAllocated"):
        static = read(tcb + lay.offset("ucStaticallyAllocated"), 1)[0] != 0
    return TaskState(
        name=_name(read, tcb + lay.offset("pcTaskName"), lay.size_of("pcTaskName")),
        handle=tcb, priority=_word(read, tcb + lay.offset("uxPriority")), state=state,
        stack_base=base, stack_size=size, size_source=source, stack_pointer=sp, used_bytes=used,
        hwm_bytes=untouched(read, base, size),
        base_priority=_word(read, tcb + lay.offset("uxBasePriority")) if lay.has("uxBasePriority") else None,
        static=static,
    )


def current_task(image: KernelImage, read: Read) -> int:
    """pxCurrentTCB (core 0's on an SMP build); 0 before the first task is created."""
    address = image.kernel("pxCurrentTCB")
    if address is None:
        address = image.kernel("pxCurrentTCBs")
    return 0 if address is None else _word(read, address)


def tasks(image: KernelImage, read: Read, current_sp: int | None = None) -> tuple[TaskState, ...]:
    """Every task in the kernel's lists, ready ones first (highest priority first), then the rest.

    `current_sp`: the running task's live stack pointer (PSP), if the caller has it.
    TaskListError if a list is corrupt.
    """
    running = current_task(image, read)
    lay = image.layouts
    event_container = lay.tcb.offset("xEventListItem") + lay.list_item.offset_of_any("pxContainer", "pvContainer")
    seen: dict[int, str] = {}
    for state, address in _kernel_lists(image):
        for tcb in list_items(image, read, address):
            if tcb in seen:
                continue
            if state == "suspended" and _word(read, tcb + event_container) != 0:
                state_here = "blocked"
            else:
                state_here = state
            seen[tcb] = "running" if tcb == running else state_here
            if len(seen) > MAX_TASKS:
                raise TaskListError("more tasks than any image has: the kernel lists are corrupt")
    if running and running not in seen:
        seen[running] = "running"
    return tuple(
        task_state(image, read, tcb, state, current_sp if tcb == running else None) for tcb, state in seen.items()
    )
