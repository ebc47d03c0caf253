"""Typed events: what the firmware's `@mh` records mean, one frozen dataclass per record kind.

A field the firmware left out is None, which means "not available on this scheme", never 0.
Keys this version does not know are kept in `fields` (every key=value of the record) so a newer
firmware's extra figures are not lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

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
    kind: ClassVar[str] = "stack"
    task: str
    hwm_words: int
    hwm_bytes: int | None = None
    depth_words: int | None = None
    stack_base: int | None = None


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


@dataclass(frozen=True)
class ResetRequest(Event):
    """The firmware announces a reset it asked for on purpose (a test-only scenario)."""

    kind: ClassVar[str] = "reset_request"
    why: str


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
    )
}

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
