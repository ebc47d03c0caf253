"""What went wrong in a run, as distinct kinds, and whether the board is caught in a reset loop.

The firmware reports each failure with its own record (FreeRTOS-FACTS.md, "Stacks"): the
stack-overflow hook (`stack_overflow`, the canary checks of methods 1 and 2, run at a context
switch), the fault handler (`fault kind=stack_limit` for an ARMv8-M PSPLIM UsageFault, any other
`fault` a HardFault), `configASSERT` (`assert`), the malloc-failed hook (`malloc_failed`, after
which the system goes on), and a hang shows as no record at all before the deadline. These kinds
are kept apart here, so a test or a report can say which one happened, never just "it reset".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from harness.events import Assert, Boot, Event, Fault, MallocFailed, Restart, StackOverflow
from harness.run import Outcome, Run

CFSR_STKOF = 1 << 20  # UFSR.STKOF: a stack limit (PSPLIM/MSPLIM) was crossed, ARMv8-M
NOT_A_FAILURE = frozenset({"power_on", "external", ""})


class FailureKind(str, enum.Enum):
    NONE = "none"
    CANARY = "canary"  # vApplicationStackOverflowHook: check method 1 or 2 at a context switch
    STACK_LIMIT = "stack_limit"  # the hardware stack limit (ARMv8-M PSPLIM), a UsageFault
    HARDFAULT = "hardfault"  # any other fault the handler reported (bus, memory, usage)
    ASSERT = "assert"  # configASSERT
    MALLOC_FAILED = "malloc_failed"  # pvPortMalloc returned NULL (the hook ran; the run may go on)
    DEADLINE = "deadline"  # nothing decisive before the deadline: a hang


# The kinds that end a run (the board resets after the record); the others are not fatal.
FATAL = (FailureKind.CANARY, FailureKind.STACK_LIMIT, FailureKind.HARDFAULT, FailureKind.ASSERT)


def kind_of(event: Event) -> FailureKind | None:
    """The failure kind a record reports, None for every other record."""
    if isinstance(event, StackOverflow):
        return FailureKind.CANARY
    if isinstance(event, Fault):
        stkof = event.cfsr is not None and event.cfsr & CFSR_STKOF
        return FailureKind.STACK_LIMIT if event.fault == "stack_limit" or stkof else FailureKind.HARDFAULT
    if isinstance(event, Assert):
        return FailureKind.ASSERT
    if isinstance(event, MallocFailed):
        return FailureKind.MALLOC_FAILED
    return None


def failure_kinds(run: Run) -> tuple[FailureKind, ...]:
    """Every kind of failure the run reported, once each, in the order they first happened;
    DEADLINE last if the run timed out."""
    seen: list[FailureKind] = []
    for entry in run.entries:
        if isinstance(entry, Event):
            kind = kind_of(entry)
            if kind is not None and kind not in seen:
                seen.append(kind)
    if run.outcome is Outcome.TIMEOUT:
        seen.append(FailureKind.DEADLINE)
    return tuple(seen)


def ending(run: Run) -> FailureKind:
    """How the run ended, as one kind: the last fatal record, else a deadline, else a malloc
    failure it survived, else NONE."""
    fatal = [kind_of(e) for e in run.entries if isinstance(e, Event) and kind_of(e) in FATAL]
    if fatal and fatal[-1] is not None:
        return fatal[-1]
    if run.outcome is Outcome.TIMEOUT:
        return FailureKind.DEADLINE
    if any(isinstance(e, MallocFailed) for e in run.entries):
        return FailureKind.MALLOC_FAILED
    return FailureKind.NONE


@dataclass(frozen=True)
class ResetLoop:
    """The same failure reset the board `count` times in a row (the ESP32's repeated `rst:`)."""

    cause: str  # the boot record's reset reason: stack_overflow, hardfault, assert, stack_limit
    task: str | None  # the task running when it happened, if the firmware knew
    count: int  # consecutive resets with this cause and task, up to the last boot
    restarts: int  # how many of those boots restarted the task on purpose (`restart` records)


def reset_loop(run: Run, minimum: int = 2) -> ResetLoop | None:
    """The reset loop the run ended in, if its last `minimum` or more resets had one cause and task."""
    boots = run.events(Boot)
    tail: list[Boot] = []
    for boot in reversed(boots):
        if boot.reset in NOT_A_FAILURE:
            break
        if tail and (boot.reset, boot.reset_task) != (tail[0].reset, tail[0].reset_task):
            break
        tail.append(boot)
    if len(tail) < minimum:
        return None
    first = tail[-1]
    restarts = [e for e in run.entries[run.entries.index(first):] if isinstance(e, Restart)]
    return ResetLoop(cause=first.reset, task=first.reset_task, count=len(tail), restarts=len(restarts))
