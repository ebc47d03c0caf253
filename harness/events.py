"""Typed events: what the firmware's `@mh` records mean, one frozen dataclass per record kind.

A field the firmware left out is None, which means "not available on this scheme", never 0.
Keys this version does not know are kept in `fields` (every key=value of the record) so a newer
firmware's extra figures are not lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar

Value = int | str

PROTOCOL_VERSION = 1


@dataclass(frozen=True)
class Event:
    """Base of every record; `line` is its 1-based line number in the run's UART log."""

    kind: ClassVar[str] = ""
    line: int = field(default=0, kw_only=True)
    fields: Mapping[str, Value] = field(default_factory=dict, kw_only=True, repr=False)


@dataclass(frozen=True)
class Boot(Event):
    kind: ClassVar[str] = "boot"
    proto: int
    board: str
    heap: str
    profile: str
    kernel: str
    heap_size: int
    overflow_check: int
    boot: int
    reset: str
    cpu: str | None = None
    port: str | None = None
    tcb_size: int | None = None
    reset_task: str | None = None
    reset_file: str | None = None
    reset_line: int | None = None
    reset_pc: int | None = None
    reset_cfsr: int | None = None
    reset_mcause: int | None = None  # RISC-V: the trap cause of the fault that reset the board
    align: int | None = None  # portBYTE_ALIGNMENT: heap blocks and stack tops are aligned to it
    stack_word: int | None = None  # sizeof(StackType_t): the unit of stack depths and high-water marks


@dataclass(frozen=True)
class Region(Event):
    kind: ClassVar[str] = "region"
    index: int
    addr: int
    size: int


@dataclass(frozen=True)
class Heap(Event):
    """The heap figures at a labelled point; absent figures are those the scheme cannot give."""

    kind: ClassVar[str] = "heap"
    at: str
    free: int | None = None
    min_ever: int | None = None
    largest: int | None = None
    smallest: int | None = None
    free_blocks: int | None = None
    allocs: int | None = None
    frees: int | None = None
    arena: int | None = None


@dataclass(frozen=True)
class Malloc(Event):
    kind: ClassVar[str] = "malloc"
    size: int
    ptr: int
    free: int | None = None


@dataclass(frozen=True)
class Ready(Event):
    kind: ClassVar[str] = "ready"
    proto: int
    scenarios: str = ""


@dataclass(frozen=True)
class ScenarioInfo(Event):
    kind: ClassVar[str] = "scenario"
    name: str
    params: str = "-"


@dataclass(frozen=True)
class Error(Event):
    """The firmware refused a command (unknown scenario or key, bad value)."""

    kind: ClassVar[str] = "error"
    code: str
    name: str | None = None
    key: str | None = None
    value: Value | None = None


@dataclass(frozen=True)
class Start(Event):
    kind: ClassVar[str] = "start"
    scenario: str


@dataclass(frozen=True)
class Done(Event):
    kind: ClassVar[str] = "done"
    scenario: str
    status: str


@dataclass(frozen=True)
class Alloc(Event):
    kind: ClassVar[str] = "alloc"
    size: int
    ptr: int


@dataclass(frozen=True)
class Free(Event):
    kind: ClassVar[str] = "free"
    ptr: int
    released: int


@dataclass(frozen=True)
class Leak(Event):
    kind: ClassVar[str] = "leak"
    iter: int
    ptr: int
    free: int | None = None


@dataclass(frozen=True)
class Stack(Event):
    """A task's high-water mark (words, as the kernel counts them) at a labelled point.

    `stack_base`/`stack_top` (lowest and highest word of the stack) come with records taken while
    the task is quiescent, so the harness can read the stack from outside (harness/stack_probe.py).
    """

    kind: ClassVar[str] = "stack"
    task: str
    hwm_words: int
    hwm_bytes: int | None = None
    depth_words: int | None = None
    stack_base: int | None = None
    at: str | None = None
    use_bytes: int | None = None
    used_bytes: int | None = None
    stack_top: int | None = None


@dataclass(frozen=True)
class MallocFailed(Event):
    kind: ClassVar[str] = "malloc_failed"
    size: int | None = None


@dataclass(frozen=True)
class StackOverflow(Event):
    """FreeRTOS's canary check (method 1 or 2) fired at a context switch."""

    kind: ClassVar[str] = "stack_overflow"
    task: str
    method: int | None = None


@dataclass(frozen=True)
class Assert(Event):
    kind: ClassVar[str] = "assert"
    file: str
    line_number: int


@dataclass(frozen=True)
class Fault(Event):
    kind: ClassVar[str] = "fault"
    fault: str
    pc: int | None = None
    lr: int | None = None
    psr: int | None = None
    cfsr: int | None = None
    hfsr: int | None = None
    mmfar: int | None = None
    bfar: int | None = None
    task: str | None = None
    # RISC-V: the trap's cause and value (pc is mepc); ESP-IDF's panic gives its cause in words.
    mcause: int | None = None
    mtval: int | None = None
    cause: str | None = None
    # Where pc falls in the image, decoded from the ELF by the harness (harness.elf.locate).
    function: str | None = None
    source: str | None = None  # file:line


@dataclass(frozen=True)
class ResetRequest(Event):
    """The firmware announces a reset it asked for on purpose (a test-only scenario)."""

    kind: ClassVar[str] = "reset_request"
    why: str


@dataclass(frozen=True)
class StackMeasured(Event):
    """Made by the harness: a task's stack read from RAM over QMP, its untouched 0xa5 fill counted
    from the lowest address up, as uxTaskGetStackHighWaterMark counts it inside the firmware."""

    kind: ClassVar[str] = "stack_measured"
    task: str
    stack_base: int
    depth_words: int
    untouched_bytes: int
    untouched_words: int
    at: str | None = None


@dataclass(frozen=True)
class TaskCost(Event):
    """task_overhead: the free heap xTaskCreate took (absent without a heap figure)."""

    kind: ClassVar[str] = "task_cost"
    task: str
    depth_words: int
    tcb_size: int
    taken: int | None = None


@dataclass(frozen=True)
class Fits(Event):
    """task_overhead: a task of `depth_words` ran `loops` context switches without tripping the check."""

    kind: ClassVar[str] = "fits"
    task: str
    depth_words: int
    loops: int | None = None


@dataclass(frozen=True)
class ObjectCost(Event):
    """kernel_objects / static_objects: what creating one kernel object took from the heap."""

    kind: ClassVar[str] = "object"
    name: str
    static_size: int
    mode: str | None = None
    created: int | None = None
    taken: int | None = None
    given_back: int | None = None


@dataclass(frozen=True)
class Frag(Event):
    """fragmentation: the heap after `step` steps (largest/free_blocks where the scheme reports them)."""

    kind: ClassVar[str] = "frag"
    step: int
    free: int
    failures: int
    live: int
    largest: int | None = None
    free_blocks: int | None = None


@dataclass(frozen=True)
class HeapWalk(Event):
    """Made by the harness: the scheme's free list walked from RAM (harness/heap2_walk.py)."""

    kind: ClassVar[str] = "heap_walk"
    free_blocks: int
    total: int
    largest: int
    step: int | None = None
    smallest: int | None = None


@dataclass(frozen=True)
class Cycle(Event):
    """heap1_no_free: one block allocated; `free` just after."""

    kind: ClassVar[str] = "cycle"
    n: int
    ptr: int
    free: int | None = None


@dataclass(frozen=True)
class Release(Event):
    """heap1_no_free: the block given back (released=1) or kept (0); `free` just after."""

    kind: ClassVar[str] = "release"
    n: int
    released: int
    free: int | None = None


@dataclass(frozen=True)
class CallocResult(Event):
    kind: ClassVar[str] = "calloc"
    count: int
    size: int
    ptr: int
    zeroed: int
    reused: int | None = None


@dataclass(frozen=True)
class CallocOverflow(Event):
    """pvPortCalloc with count * size past SIZE_MAX: must be NULL."""

    kind: ClassVar[str] = "calloc_overflow"
    ptr: int


@dataclass(frozen=True)
class Exhausted(Event):
    """malloc_failed: blocks taken before the first NULL, and NULLs collected."""

    kind: ClassVar[str] = "exhausted"
    blocks: int
    nulls: int
    size: int | None = None


@dataclass(frozen=True)
class Alive(Event):
    """The scheduler still runs: `ticks` passed while the task asked to wait `expected`."""

    kind: ClassVar[str] = "alive"
    ticks: int
    expected: int


@dataclass(frozen=True)
class MinEverReset(Event):
    """xPortResetHeapMinimumEverFreeHeapSize was called (1) or does not exist here (0)."""

    kind: ClassVar[str] = "min_ever_reset"
    available: int


@dataclass(frozen=True)
class Restart(Event):
    """A boot restarted a task that overflowed before (a reset loop); `count` boots so far."""

    kind: ClassVar[str] = "restart"
    task: str
    count: int
    depth_words: int | None = None


@dataclass(frozen=True)
class Smash(Event):
    """overflow smash: where the overflow will write (reached=1: over the neighbour's TCB)."""

    kind: ClassVar[str] = "smash"
    task: str
    stack_base: int
    neighbour_tcb: int
    bytes: int
    reached: int


@dataclass(frozen=True)
class Workload(Event):
    """static_objects: what went through the statically created objects."""

    kind: ClassVar[str] = "workload"
    items: int
    counted: int
    mutex: int
    timer: int
    stream: int


@dataclass(frozen=True)
class NullGuard(Event):
    """seed_task version 1: the first `bytes` of the address space made read-only (enabled=1)."""

    kind: ClassVar[str] = "null_guard"
    enabled: int
    bytes: int | None = None


@dataclass(frozen=True)
class NullWrite(Event):
    """seed_task version 1 on a core without the guard: the write through NULL was not done."""

    kind: ClassVar[str] = "null_write"
    guarded: int


@dataclass(frozen=True)
class OpTimes(Event):
    """fragmentation with timing=1: the SysTick ticks of successive vPortFree calls, or of the
    pvPortMalloc calls that succeeded, up to 16 a record (one record per call was most of a
    timed run's emulation time: every UART character is an MMIO write)."""

    kind: ClassVar[str] = "op_times"
    op: str
    ticks: str  # decimal tick counts, comma-separated

    @property
    def samples(self) -> tuple[int, ...]:
        return tuple(int(tick) for tick in self.ticks.split(","))


@dataclass(frozen=True)
class TimerBase(Event):
    """The ticks an empty measurement takes, subtracted from every op_times sample."""

    kind: ClassVar[str] = "timer_base"
    ticks: int


@dataclass(frozen=True)
class Unknown(Event):
    """A well-formed record of a kind this version does not know; kept, not dropped."""

    kind: ClassVar[str] = "unknown"
    name: str


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        Boot, Region, Heap, Malloc, Ready, ScenarioInfo, Error, Start, Done, Alloc, Free, Leak,
        Stack, MallocFailed, StackOverflow, Assert, Fault, ResetRequest,
        StackMeasured, TaskCost, Fits, ObjectCost, Frag, HeapWalk, Cycle, Release, CallocResult,
        CallocOverflow, Exhausted, Alive, MinEverReset, Restart, Smash, Workload, NullGuard, NullWrite,
        OpTimes, TimerBase,
    )
}

E_co = TypeVar("E_co", bound=Event)


def harness_event(cls: type[E_co], **values: Value | None) -> E_co:
    """An event the harness made (a probe's measurement), its `fields` filled like a record's,
    so reports show it as they show the firmware's records (None values are left out)."""
    present = {k: v for k, v in values.items() if v is not None}
    return cls(fields=present, **values)  # type: ignore[arg-type]  # the caller names cls's own fields


# Record keys that clash with Python names or with the base class, renamed on the way in.
KEY_ALIASES: dict[tuple[str, str], str] = {
    ("assert", "line"): "line_number",
    ("fault", "kind"): "fault",
}


@dataclass(frozen=True)
class Text:
    """A line the firmware printed that is not a record, kept verbatim and in order."""

    text: str
    line: int


@dataclass(frozen=True)
class BadRecord:
    """A line that starts like a record but cannot be read as one; kept with the reason."""

    text: str
    line: int
    reason: str


Entry = Event | Text | BadRecord
