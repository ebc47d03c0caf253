"""Expectations over a finished run: the checks the Robot library's keywords are, as plain Python.

Each check raises `ExpectationFailed` (an AssertionError) whose message quotes what was expected,
the record that was found instead if any, the run's last UART lines and the path of its full UART
log (`Run.describe`), so a failure can be read without running again. A figure the linked heap
scheme cannot give raises `harness.heap_rules.NotAvailable` (from `Run.figure`): such a check is
never turned into a comparison against 0. Expected figures come from `harness.heap_rules`.

    run = api.run_scenario(fw, "alloc_free", {"size": 1024})
    expect.allocation_should_cost_the_rule(run, 1024, before="before", after="after_alloc")
    expect.free_heap_should_return_to_baseline(run, baseline="before", at="after_free")
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import NoReturn

from harness.elf import symbols
from harness.errors import UsageError
from harness.events import Alloc, Boot, Event, Fault, Heap, Leak, Region, Stack, Unknown
from harness.heap_rules import (
    CAN_FREE,
    FIGURES,
    NotAvailable,
    allocation_cost,
    free_after_initialisation,
    free_before_first_allocation,
    heap5_region_free,
)
from harness.run import Outcome, Run
from harness.run import record_text as run_record_text

WORD_BYTES = 4  # sizeof(StackType_t) on every Cortex-M board: stack figures in words are 4 bytes each
CFSR_STKOF = 1 << 20  # ARMv8-M UFSR.STKOF: the stack-limit register (PSPLIM/MSPLIM) was crossed

# What a user names a reset by, and the reasons the harness records for it (`Run.reason`,
# the boot record's `reset`). "stack limit" is ARMv8-M's PSPLIM, reported as a UsageFault.
RESET_KINDS: dict[str, frozenset[str]] = {
    "canary": frozenset({"stack_overflow"}),
    "stack_limit": frozenset({"stack_limit", "usagefault"}),
    "fault": frozenset({"hardfault", "usagefault", "busfault", "memmanage", "stack_limit", "panic"}),
    "assert": frozenset({"assert"}),
    # ESP-IDF images (harness/esp_idf_console.py): esp_restart(), a panic's restart, a watchdog.
    "software": frozenset({"software"}),
    "panic": frozenset({"panic"}),
    "watchdog": frozenset({"watchdog"}),
}
HEAP_SYMBOLS = ("pvPortMalloc", "vPortFree", "xPortGetFreeHeapSize", "ucHeap")
_HEAP_FILES = tuple(f"heap_{n}.c" for n in range(1, 6))
_ALL_FIGURES = frozenset().union(*FIGURES.values())

_AMOUNT = re.compile(r"^\s*(0x[0-9a-fA-F]+|\d+)\s*([A-Za-z]*)\s*$")
_UNITS = {
    "": 1, "b": 1, "byte": 1, "bytes": 1,
    "word": WORD_BYTES, "words": WORD_BYTES,
    "k": 1024, "kb": 1024, "kib": 1024,
}


class ExpectationFailed(AssertionError):
    """A check did not hold; the message says what was expected and what the run shows."""

    ROBOT_SUPPRESS_NAME = True  # Robot Framework shows the message alone, as for AssertionError


def fail(run: Run, expected: str) -> NoReturn:
    raise ExpectationFailed(f"{expected}\n{run.describe()}")


def parse_amount(amount: int | str) -> int:
    """Bytes from `4096`, `'4096 bytes'`, `'40 words'` (4 bytes each), `'4 KiB'`."""
    if isinstance(amount, int):
        return amount
    found = _AMOUNT.match(amount)
    unit = found.group(2).lower() if found else ""
    if found is None or unit not in _UNITS:
        raise UsageError(
            f"'{amount}' is not an amount of memory",
            "write a number of bytes, or a number followed by bytes, words or KiB (e.g. 40 words)",
        )
    return int(found.group(1), 0) * _UNITS[unit]


def record_text(event: Event) -> str:
    """A record as the firmware printed it (addresses in hex), as `Run.tail` shows it."""
    return run_record_text(event)


# --- reading figures ------------------------------------------------------------------------

def last_heap_label(run: Run) -> str:
    heaps = run.events(Heap)
    if not heaps:
        fail(run, "expected heap records in the run, there are none")
    return heaps[-1].at


def heap_figure(run: Run, name: str = "free", at: str | None = None) -> int:
    """A figure of the heap record at `at` (default: the run's last one); NotAvailable if the
    scheme cannot give it."""
    label = at or last_heap_label(run)
    if name not in _ALL_FIGURES:
        raise UsageError(f"unknown heap figure '{name}'", f"use one of: {', '.join(sorted(_ALL_FIGURES))}")
    try:
        return run.figure(label, name)
    except KeyError as exc:
        fail(run, f"expected a heap record at={label} with {name}: {exc.args[0]}")


# --- heap checks ----------------------------------------------------------------------------

def free_heap_should_be(run: Run, expected: int, at: str | None = None) -> None:
    label = at or last_heap_label(run)
    got = heap_figure(run, "free", label)
    if got != expected:
        fail(run, f"expected free heap at={label} to be {expected} bytes, it was {got} "
                  f"({record_text(run.heap_at(label))})")


def free_heap_should_return_to_baseline(run: Run, baseline: str = "ready", at: str | None = None) -> None:
    label = at or last_heap_label(run)
    before, after = heap_figure(run, "free", baseline), heap_figure(run, "free", label)
    if after != before:
        why = " (heap_1 never gives memory back)" if not CAN_FREE.get(run.heap, True) else ""
        fail(run, f"expected free heap at={label} to return to its baseline at={baseline} ({before} bytes), "
                  f"it was {after}: {before - after} bytes short{why}")


def heap_should_not_leak_over(run: Run, amount: int, baseline: str = "ready", at: str | None = None) -> None:
    label = at or last_heap_label(run)
    before, after = heap_figure(run, "free", baseline), heap_figure(run, "free", label)
    lost = before - after
    if lost > amount:
        fail(run, f"expected at most {amount} bytes of heap lost between at={baseline} ({before}) and "
                  f"at={label} ({after}), {lost} bytes were lost")


def minimum_ever_free_heap_should_be_at_least(run: Run, amount: int, at: str | None = None) -> None:
    label = at or last_heap_label(run)
    got = heap_figure(run, "min_ever", label)
    if got < amount:
        fail(run, f"expected the minimum ever free heap at={label} to be at least {amount} bytes, it was {got}")


def heap_figures_should_match_the_scheme(run: Run, at: str | None = None) -> None:
    """Every figure the scheme reports is in the record and no other: absent means not available."""
    label = at or last_heap_label(run)
    try:
        record = run.heap_at(label)
    except KeyError as exc:
        fail(run, f"expected a heap record: {exc.args[0]}")
    present = {name for name in _ALL_FIGURES if getattr(record, name) is not None}
    wanted = FIGURES.get(run.heap, frozenset())
    if present != wanted:
        fail(run, f"expected the figures {sorted(wanted)} at={label} on {run.heap}, the record has "
                  f"{sorted(present)} ({record_text(record)})")


def initial_free(run: Run) -> int:
    """Free heap once the run's scheme has initialised itself, before anything is allocated
    (heap_1/2: TOTAL - alignment, heap_4: TOTAL - header; heap_5: from the regions its boot reported)."""
    regions = [(r.size, r.addr) for r in run.events(Region)]
    expected = free_after_initialisation(run.heap, run.boots[0].heap_size, regions, run.layout)
    if expected is None:
        fail(run, f"no rule gives the initialised free heap on {run.heap}")
    return expected


def boot_free_should_follow_the_rule(run: Run) -> None:
    """The free figure at boot: heap_1/2 TOTAL - 8, heap_4 0 (not yet initialised), heap_5 the
    sum of its regions less their slack, heap_3 the whole sbrk arena (nothing taken yet)."""
    boots = run.boots
    if not boots:
        fail(run, "expected a boot record")
    total = boots[0].heap_size
    expected = free_before_first_allocation(run.heap, total, run.layout)
    if run.heap == "heap_5":
        expected = sum(heap5_region_free(r.size, r.addr, run.layout) for r in run.events(Region))
    elif run.heap == "heap_3":
        expected = total
    if expected is None:
        heap_figure(run, "free", "boot")  # raises NotAvailable on a profile without a heap
        fail(run, f"no rule gives the free heap at boot on {run.heap}")
    free_heap_should_be(run, expected, "boot")


def allocation_should_cost_the_rule(run: Run, size: int, before: str, after: str) -> None:
    """One `pvPortMalloc(size)` between two heap records takes what heap_rules says (heap_3,
    newlib's malloc, has no exact rule: there it takes at least `size`)."""
    taken = heap_figure(run, "free", before) - heap_figure(run, "free", after)
    cost = allocation_cost(run.heap, size, run.layout)
    if cost is None and taken < size:
        fail(run, f"expected pvPortMalloc({size}) to take at least {size} bytes on {run.heap} "
                  f"(at={before} -> at={after}), it took {taken}")
    if cost is not None and taken != cost:
        fail(run, f"expected pvPortMalloc({size}) to take {cost} bytes on {run.heap} "
                  f"(at={before} -> at={after}), it took {taken}")


def each_leak_should_cost_the_rule(run: Run, size: int, baseline: str = "ready") -> None:
    """Each successful allocation of the leak loop lowers the free figure by the rule's cost."""
    leaks = [leak for leak in run.events(Leak) if leak.ptr != 0]
    if not leaks:
        fail(run, f"expected `@mh leak ... ptr=<non-zero>` records for size={size}, there are none")
    figures = [heap_figure(run, "free", baseline)]
    for leak in leaks:
        if leak.free is None:
            heap_figure(run, "free", baseline)  # NotAvailable where the scheme has no figure
            fail(run, f"expected a free figure in {record_text(leak)}")
        figures.append(leak.free)
    cost = allocation_cost(run.heap, size, run.layout)
    for leak, (a, b) in zip(leaks, itertools.pairwise(figures), strict=True):
        if (cost is not None and a - b != cost) or (cost is None and a - b < size):
            rule = f"{cost} bytes" if cost is not None else f"at least {size} bytes"
            fail(run, f"expected each leak of {size} bytes to take {rule} on {run.heap}, "
                      f"{record_text(leak)} took {a - b}")


# --- stacks ---------------------------------------------------------------------------------

def stack_high_water_mark_should_be_at_least(run: Run, task: str, amount: int) -> None:
    """The smallest high-water mark any `stack` record of `task` shows, in bytes."""
    records = [s for s in run.events(Stack) if s.task == task]
    if not records:
        seen = sorted({s.task for s in run.events(Stack)})
        fail(run, f"expected `@mh stack task={task} ...` records, there are none "
                  f"(tasks seen: {', '.join(seen) or 'none'})")
    lowest = min(records, key=lambda s: s.hwm_bytes if s.hwm_bytes is not None else s.hwm_words * run.layout.word)
    got = lowest.hwm_bytes if lowest.hwm_bytes is not None else lowest.hwm_words * run.layout.word
    if got < amount:
        fail(run, f"expected the stack high-water mark of {task} to stay at least {amount} bytes, it fell to "
                  f"{got} ({record_text(lowest)})")


def stack_use_should_show_in_the_high_water_mark(run: Run, margin: int) -> None:
    """Each `stack ... at=after use_bytes=U` record of a task with a `depth_words` stack: writing U
    bytes leaves at most depth * 4 - U untouched, and (frames, context and canary within
    `margin`) at least depth * 4 - U - margin."""
    records = [s for s in run.events(Stack) if s.fields.get("at") == "after" and "use_bytes" in s.fields]
    if not records:
        fail(run, "expected `@mh stack ... at=after use_bytes=...` records, there are none")
    for record in records:
        if record.depth_words is None or record.hwm_bytes is None:
            fail(run, f"expected depth_words and hwm_bytes in {record_text(record)}")
        use = int(record.fields["use_bytes"])
        most = record.depth_words * run.layout.word - use
        if not most - margin <= record.hwm_bytes <= most:
            fail(run, f"expected the high-water mark of {record.task} between {most - margin} and {most} bytes "
                      f"after writing {use} bytes of its {record.depth_words}-word stack, it is {record.hwm_bytes} "
                      f"({record_text(record)})")


def task_cost_should_follow_the_rule(run: Run) -> None:
    """`task_cost ... depth_words=D tcb_size=T taken=N`: xTaskCreate takes the stack and the TCB as
    two allocations, each costing what heap_rules says (heap_3: at least D * 4 + T)."""
    records = [e for e in run.entries if isinstance(e, Event) and event_kind(e) == "task_cost"]
    if not records:
        fail(run, "expected `@mh task_cost ...` records, there are none")
    for record in records:
        depth, tcb, taken = (record.fields.get(k) for k in ("depth_words", "tcb_size", "taken"))
        if not isinstance(depth, int) or not isinstance(tcb, int):
            fail(run, f"expected depth_words and tcb_size in {record_text(record)}")
        if taken is None and not FIGURES.get(run.heap):
            raise NotAvailable("the heap a task takes", run.heap)
        if not isinstance(taken, int):
            fail(run, f"expected a taken figure in {record_text(record)} on {run.heap}")
        word = run.layout.word
        stack, block = allocation_cost(run.heap, depth * word, run.layout), allocation_cost(run.heap, tcb, run.layout)
        if stack is None or block is None:
            if taken < depth * word + tcb:
                fail(run, f"expected a task to take at least {depth * word + tcb} bytes on {run.heap}, "
                          f"{record_text(record)}")
        elif taken != stack + block:
            fail(run, f"expected a {depth}-word task to take {stack} + {block} = {stack + block} bytes on "
                      f"{run.heap}, {record_text(record)}")


def each_region_should_hold_an_allocation(run: Run) -> None:
    """Every heap_5 region (`region` records) holds at least one `alloc` record's block."""
    regions = run.events(Region)
    if not regions:
        fail(run, f"expected `@mh region` records (heap_5's regions), there are none on {run.heap}")
    pointers = [e.ptr for e in run.events(Alloc) if e.ptr]
    for region in regions:
        if not any(region.addr <= ptr < region.addr + region.size for ptr in pointers):
            fail(run, f"expected an allocation inside {record_text(region)}, none of {len(pointers)} landed there")


# --- how the run ended ----------------------------------------------------------------------

def reset_kind(kind: str) -> frozenset[str] | None:
    """The reasons that count as `kind` (None: any reset); the firmware's own words pass through."""
    key = kind.strip().lower().replace(" ", "_").replace("-", "_")
    if key in ("", "any"):
        return None
    if key in RESET_KINDS:
        return RESET_KINDS[key]
    known = frozenset().union(*RESET_KINDS.values())
    if key in known:
        return frozenset({key})
    raise UsageError(f"unknown kind of reset '{kind}'",
                     "use canary, stack limit, fault, assert, software, panic, watchdog or any")


def _is_stack_limit(run: Run) -> bool:
    fault = run.last(Fault)
    return fault is not None and fault.cfsr is not None and bool(fault.cfsr & CFSR_STKOF)


def board_should_reset(run: Run, kind: str = "any", within: float | None = None) -> None:
    reasons = reset_kind(kind)
    if run.outcome is not Outcome.RESET:
        fail(run, f"expected the board to reset ({kind}), the run ended {run.outcome.value} ({run.reason})")
    if reasons is not None and run.reason not in reasons:
        if not (kind.replace(" ", "_") == "stack_limit" and _is_stack_limit(run)):
            fail(run, f"expected a reset of kind {kind} ({', '.join(sorted(reasons))}), the reset was {run.reason}")
    if within is not None and run.wall_time > within:
        fail(run, f"expected the reset within {within:g} s, it came back after {run.wall_time:.2f} s")


def board_should_not_reset(run: Run) -> None:
    if run.resets or run.outcome is Outcome.RESET:
        fail(run, f"expected no reset, the board reset {run.resets} time(s) ({run.reason})")


def last_reset_reason_should_be(run: Run, reason: str) -> None:
    """The `reset` word of the run's last boot record (`power_on`, `stack_overflow`, ...)."""
    boot = run.last(Boot)
    if boot is None:
        fail(run, "expected a boot record, there is none")
    if reason in ("power_on", "external"):
        matches = boot.reset == reason
    else:
        reasons = reset_kind(reason)
        stack_limit = reason.replace(" ", "_") == "stack_limit" and bool((boot.reset_cfsr or 0) & CFSR_STKOF)
        matches = boot.reset != "power_on" if reasons is None else boot.reset in reasons or stack_limit
    if not matches:
        fail(run, f"expected the last reset reason {reason}, the last boot says reset={boot.reset} "
                  f"({record_text(boot)})")


def run_should_end_with(run: Run, outcome: str, reason: str | None = None) -> None:
    """`done`, `reset`, `timeout`, `rejected`, `emulator_died`; `reason` is its detail (`ok`, ...)."""
    try:
        wanted = Outcome(outcome)
    except ValueError:
        raise UsageError(
            f"unknown outcome '{outcome}'", f"use one of: {', '.join(o.value for o in Outcome)}"
        ) from None
    if run.outcome is not wanted or (reason is not None and run.reason != reason):
        detail = f" ({reason})" if reason is not None else ""
        fail(run, f"expected the run to end {wanted.value}{detail}, it ended {run.outcome.value} ({run.reason})")


def record_should_exist(run: Run, kind: str, fields: Mapping[str, int | str]) -> Event:
    """The last record of `kind` whose fields hold every given value (compared as text or number)."""
    candidates = [e for e in run.entries if isinstance(e, Event) and event_kind(e) == kind]
    for event in reversed(candidates):
        if fields_match(event, fields):
            return event
    wanted = " ".join(["@mh", kind, *(f"{k}={v}" for k, v in fields.items())])
    nearest = f" (the last {kind} record: {record_text(candidates[-1])})" if candidates else ""
    fail(run, f"expected a record `{wanted}`, none matched{nearest}")


def event_kind(event: Event) -> str:
    """The record's name as printed (a record this version does not know keeps its own name)."""
    return event.name if isinstance(event, Unknown) else event.kind


def fields_match(event: Event, fields: Mapping[str, int | str]) -> bool:
    for key, value in fields.items():
        got = event.fields.get(key)
        if got is None:
            return False
        if isinstance(got, int):
            try:
                if got != (value if isinstance(value, int) else int(str(value), 0)):
                    return False
            except ValueError:
                return False
        elif str(got) != str(value):
            return False
    return True


def line_should_exist(run: Run, text: str) -> None:
    """A line of the firmware's own text (not a record) equal to `text`."""
    if text not in run.texts:
        fail(run, f"expected the line {text!r} on the UART, it never came")


# --- images ---------------------------------------------------------------------------------

def image_should_not_link_a_heap(elf: Path) -> None:
    """No heap_N.c and none of the heap API in the image (the static profile's promise)."""
    found = symbols(elf)
    linked = [name for name in (*HEAP_SYMBOLS, *_HEAP_FILES) if name in found]
    if linked:
        raise ExpectationFailed(f"expected {elf} to link no heap, it has: {', '.join(linked)}")
