"""A snapshot: the heap and every task of a FreeRTOS image at one point, read from outside.

    image = load_image(Path("app.elf"), load_board("mps2-an385"))
    snap = take_snapshot(image, session.read_memory, label="tick 100", how=When.TICKS)
    snap.heap.free, snap.task("IDLE").hwm_bytes

`read_memory(address, size) -> bytes` is any reader of target RAM (a gdb stub, QMP, Renode's
sysbus): the snapshot does not care which, so every backend serves it. Reads go through a small
page cache (256 bytes a page), since a TCB, a list item and a stack's bottom each cost one round
trip otherwise. The target must stand still while a snapshot is read (a breakpoint, a stopped
CPU); `deterministic` says whether the point is one the image reaches identically every run under
`-icount` (a tick count, a function's Nth hit, the end of a tick-bounded run) or one the host chose
(a UART line arrived, "now").
"""

from __future__ import annotations

import enum
import time
from dataclasses import asdict, dataclass
from typing import Any

from harness.heap2_walk import PagedReader, Read
from harness.observe.heap_state import HeapRegionInfo, HeapState, heap_state
from harness.observe.image import KernelImage
from harness.observe.task_state import TaskListError, TaskState, tasks

CACHE_PAGE = 256


class When(str, enum.Enum):
    """How a snapshot's point was chosen."""

    TICKS = "ticks"  # after N kernel ticks (deterministic)
    HIT = "hit"  # at the Nth call of a function (deterministic)
    END = "end"  # at the end of the run (deterministic when the run ends at a tick count)
    LINE = "line"  # when a UART line arrived (host-timed)
    NOW = "now"  # whenever the host asked (host-timed)
    FAULT = "fault"  # at a hook or fault handler's breakpoint (deterministic)

    @property
    def deterministic(self) -> bool:
        return self not in (When.LINE, When.NOW)


@dataclass(frozen=True)
class Snapshot:
    """One point's heap and tasks; `tick` is xTickCount there, `read_seconds` what reading took."""

    label: str
    how: When
    heap: HeapState
    tasks: tuple[TaskState, ...]
    tick: int | None = None
    current: str | None = None  # the running task's name
    task_error: str | None = None  # a kernel list that is corrupt: tasks is what was read before it
    read_seconds: float = 0.0
    on_time: bool = True  # False: the point was missed (a host deadline, a tick count already past)

    @property
    def deterministic(self) -> bool:
        return self.how.deterministic and self.on_time

    def task(self, name: str) -> TaskState:
        """The task called `name` (KeyError naming the tasks there are)."""
        for entry in self.tasks:
            if entry.name == name:
                return entry
        raise KeyError(f"no task {name!r} in snapshot {self.label!r} (tasks: {', '.join(t.name for t in self.tasks)})")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["how"] = self.how.value
        data["deterministic"] = self.deterministic
        for entry, task in zip(data["tasks"], self.tasks, strict=True):
            entry["hwm_words"] = task.hwm_words
        return data


def _word(read: Read, address: int) -> int:
    return int.from_bytes(read(address, 4), "little")


def take_snapshot(
    image: KernelImage,
    read_memory: Read,
    *,
    label: str = "now",
    how: When = When.NOW,
    current_sp: int | None = None,
    regions: tuple[HeapRegionInfo, ...] = (),
    on_time: bool = True,
) -> Snapshot:
    """Read the heap and every task of `image` through `read_memory`; the target must be stopped.

    `current_sp` is the running task's live stack pointer if the caller has it (its use is then
    exact, else it is where the task last switched out); `regions` are heap_5's, as caught at
    vPortDefineHeapRegions.
    """
    started = time.perf_counter()
    read = PagedReader(read_memory, CACHE_PAGE)
    tick_address = image.kernel("xTickCount")
    tick = _word(read, tick_address) if tick_address is not None else None
    heap = heap_state(image, read, regions)
    error = None
    try:
        found = tasks(image, read, current_sp)
    except TaskListError as exc:
        found, error = (), str(exc)
    running = next((t.name for t in found if t.state == "running"), None)
    return Snapshot(
        label=label, how=how, heap=heap, tasks=found, tick=tick, current=running, task_error=error,
        read_seconds=time.perf_counter() - started, on_time=on_time,
    )
