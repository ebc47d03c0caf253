"""End to end on real QEMU: the scenario catalogue (issue 3) on every heap scheme and profile.

Each scenario runs on the five heap schemes and once on each static profile (`static`, `mixed`)
wherever it applies; where it does not, the firmware must refuse it with `not_applicable` and the
harness must say why. Expected figures come from the rules (harness.heap_rules,
harness.stack_rules) and from the image itself (symbols and DWARF sizes), never from an earlier run.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from harness import api
from harness.build import Firmware
from harness.elf import symbols, type_sizes
from harness.emulators import backend
from harness.errors import ScenarioError
from harness.events import (
    Alive,
    Alloc,
    CallocOverflow,
    CallocResult,
    Cycle,
    Done,
    Entry,
    Error,
    Exhausted,
    Fault,
    Fits,
    Frag,
    Heap,
    HeapWalk,
    Malloc,
    MallocFailed,
    MinEverReset,
    NullGuard,
    NullWrite,
    ObjectCost,
    Ready,
    Region,
    Release,
    Restart,
    Smash,
    Stack,
    StackMeasured,
    StackOverflow,
    Start,
    TaskCost,
    Workload,
)
from harness.failures import FailureKind, ending, failure_kinds, reset_loop
from harness.heap2_walk import HeapWalkProbe, anchors
from harness.heap_rules import (
    CAN_FREE,
    OBJECT_TYPES,
    STATIC_TYPES,
    allocation_cost,
    blocks_that_fit,
    heap5_region_free,
    object_request,
    round_up,
    task_cost,
)
from harness.platforms import Board
from harness.protocol import parse_line
from harness.pytest_plugin import Bench
from harness.report import write_run
from harness.run import Outcome, Probe, Run
from harness.scenarios import CATALOGUE, scenario, validate
from harness.stack_probe import stack_probe, synced_stack_probe
from harness.stack_rules import minimum_depth, touched_bytes, usable_bytes
from harness.variant import HEAPS, NO_HEAP

pytestmark = pytest.mark.e2e

# The five schemes, then each static profile once: (heap, profile).
VARIANTS = [*((h, "dynamic") for h in HEAPS), (NO_HEAP, "static"), ("heap_4", "mixed")]
IDS = [f"{h}-{p}" for h, p in VARIANTS]
# heap_3 is newlib's malloc: no exact cost rule, but one more block would need `size` plus a chunk
# header of a few words; the same bound test_heaps.py uses for the leak.
NEWLIB_SLACK = 64
SMASH_WORD = 0xFFFFFFF0  # overflowSMASH_WORD in firmware/scenarios/overflow.c
SYSTICK_EXCEPTION = 15
IPSR_MASK = 0x1FF
CFSR_DACCVIOL, CFSR_MMARVALID = 1 << 1, 1 << 7  # MemManage: data access violation, MMFAR valid

# The seed's printf lines (seeds/000: the tutorial's task), kept verbatim by the harness as text.
SEED_LINES = {
    "b0": r"(-?\d+)",  # Serial.println(b[0])
    "stack": r"Remaining Stack Memory (\d+) \(words\)",
    "before": r"Heap before malloc (\d+) \(bytes\)",
    "after": r"Heap after malloc (\d+) \(bytes\)",
    "nomem": r"Not enough heap\.",
}


def has_stack_limit(board: Board) -> bool:
    """The board stops a task at its stack's end in hardware (ARMv8-M PSPLIM) before any canary check."""
    return "stack_limit" in board.overflow_detection


def applicable(name: str) -> list[tuple[str, str]]:
    spec = scenario(name)
    return [v for v in VARIANTS if spec.applies(*v)]


def ids(variants: list[tuple[str, str]]) -> list[str]:
    return [f"{h}-{p}" for h, p in variants]


def fw_of(bench: Bench, heap: str, profile: str = "dynamic", overflow_check: int = 2) -> Firmware:
    return bench.firmware(None if heap == NO_HEAP else heap, profile, None, overflow_check)


def run(bench: Bench, name: str, heap: str, profile: str = "dynamic", *, probe: Probe | None = None,
        max_resets: int = 1, overflow_check: int = 2, timeout: float = 30.0, **params: int) -> Run:
    """memharness.run with a probe (the fixture's own run() takes none)."""
    fw = fw_of(bench, heap, profile, overflow_check)
    result = api.run_scenario(fw, name, params, bench.results, timeout=timeout, max_resets=max_resets, probe=probe)
    write_run(result, result.uart_log.parent)
    return result


def done(result: Run) -> Run:
    assert result.outcome is Outcome.DONE, result.describe()
    end = result.last(Done)
    assert end is not None and end.status == "ok", result.describe()
    return result


def after_start(result: Run) -> list[Entry]:
    start = result.first(Start)
    assert start is not None, result.describe()
    return list(result.entries[result.entries.index(start):])


def sizes(fw: Firmware) -> dict[str, int]:
    return type_sizes(fw.elf)


# --- 1. stack_hwm ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("heap", "profile"), applicable("stack_hwm"), ids=ids(applicable("stack_hwm")))
def test_stack_hwm_inside_and_outside_agree(memharness: Bench, heap: str, profile: str) -> None:
    depth, use, tasks, step = 256, 128, 3, 64
    result = done(run(memharness, "stack_hwm", heap, profile, probe=stack_probe,
                      depth=depth, use=use, tasks=tasks, depth_step=step))
    stacks = result.events(Stack)
    layout = result.layout
    measured = {m.task: m for m in result.events(StackMeasured)}
    touched_after: list[int] = []
    for k in range(tasks):
        name, depth_k, use_k = f"hwm{k}", depth + k * step, use * (k + 1)
        mine = {s.at: s for s in stacks if s.task == name}
        before, after, still = mine["before"], mine["after"], mine["suspended"]
        for s in (before, after, still):
            assert s.hwm_bytes == layout.word * s.hwm_words and s.depth_words == depth_k
        assert before.use_bytes == after.use_bytes == use_k
        assert still.hwm_words <= after.hwm_words < before.hwm_words  # marks only fall
        # The outside count (0xa5 bytes read over QMP) is the kernel's figure, exactly.
        outside = measured[name]
        assert outside.stack_base == still.stack_base and outside.untouched_words == still.hwm_words, (outside, still)
        assert outside.untouched_bytes // layout.word == still.hwm_words
        assert still.stack_top is not None and still.stack_base is not None
        # pxEndOfStack is the top of stack aligned down to portBYTE_ALIGNMENT: touched_bytes counts from it.
        assert still.stack_top - still.stack_base == usable_bytes(depth_k, layout, still.stack_base)
        touched = touched_bytes(depth_k, after.hwm_words, layout, still.stack_base)
        assert touched >= use_k  # it wrote use_k bytes of its stack
        touched_after.append(touched)
    # Same code, only the alloca differs: the touched stack grows by exactly what was written,
    # rounded to the stack alignment (8 by the AAPCS, 16 by the RISC-V psABI: the port's alignment).
    for k in range(1, tasks):
        assert touched_after[k] - touched_after[0] == (round_up(use * (k + 1), layout.alignment)
                                                       - round_up(use, layout.alignment))


# --- 2. task_overhead ------------------------------------------------------------------------------

LOOPS = 3


@pytest.mark.parametrize(("heap", "profile"), applicable("task_overhead"), ids=ids(applicable("task_overhead")))
def test_task_overhead(memharness: Bench, heap: str, profile: str) -> None:
    depth = 256
    result = done(run(memharness, "task_overhead", heap, profile, probe=synced_stack_probe, depth=depth,
                      loops=LOOPS, sync=1))
    fw = fw_of(memharness, heap, profile)
    tcb = sizes(fw)["TCB_t"]
    layout = result.layout
    cost = result.last(TaskCost)
    assert cost is not None and cost.tcb_size == tcb  # sizeof(StaticTask_t) == sizeof(TCB_t)
    mallocs = [e.size for e in after_start(result) if isinstance(e, Malloc)]
    if profile == "static":
        assert cost.taken is None and mallocs == []  # no heap at all
    else:
        assert mallocs == [depth * layout.word, tcb]  # the stack first (it grows down, away from the TCB)
        assert cost.taken is not None
        rule = task_cost(heap, depth, tcb, layout)
        if rule is not None:
            assert cost.taken == rule  # stack + TCB + two block headers, rounded to the alignment
        else:
            assert cost.taken >= depth * layout.word + tcb  # heap_3: the C library's chunk headers on top
        if CAN_FREE[heap]:
            assert result.figure("end", "free") == result.figure("before", "free")  # deleted, given back
    still = next(s for s in result.events(Stack) if s.task == "idle_loop")
    outside = result.last(StackMeasured)
    assert outside is not None and outside.untouched_words == still.hwm_words
    touched = touched_bytes(depth, still.hwm_words, layout)
    smallest = minimum_depth(touched, layout=layout)
    if still.stack_base is not None and still.stack_base % layout.alignment:
        # The C library's malloc (heap_3 on picolibc) aligns blocks to less than the port does, so
        # where the top of a new stack rounds down to is not known before it is allocated: the rule
        # holds with one alignment unit to spare.
        spare = smallest + layout.alignment // layout.word
        fits = done(run(memharness, "task_overhead", heap, profile, depth=depth, loops=LOOPS, try_depth=spare))
        assert fits.last(Fits) is not None and fits.last(StackOverflow) is None
        return
    # The rule's smallest depth runs its loops without tripping the check; one word less trips it.
    fits = done(run(memharness, "task_overhead", heap, profile, depth=depth, loops=LOOPS, try_depth=smallest))
    fit = fits.last(Fits)
    assert fit is not None and fit.depth_words == smallest and fits.last(StackOverflow) is None
    trips = run(memharness, "task_overhead", heap, profile, depth=depth, loops=LOOPS, try_depth=smallest - 1)
    assert trips.outcome is Outcome.RESET and trips.reason == "stack_overflow", trips.describe()
    hook = trips.last(StackOverflow)
    assert hook is not None and hook.task == "empty" and trips.last(Fits) is None
    print(f"\ntask_overhead {heap}/{profile}: xTaskCreate({depth} words) took {cost.taken} bytes "
          f"(TCB {tcb}); an idle-looping task touches {touched} bytes; smallest depth {smallest} words")


# --- 3. kernel_objects -----------------------------------------------------------------------------


@pytest.mark.parametrize(("heap", "profile"), applicable("kernel_objects"), ids=ids(applicable("kernel_objects")))
def test_kernel_objects_cost_their_size_formula(memharness: Bench, heap: str, profile: str) -> None:
    params = {"length": 8, "item_size": 16, "stream_size": 256, "count_max": 5}
    result = done(run(memharness, "kernel_objects", heap, profile, **params))
    known = sizes(memharness.firmware(heap, profile))
    seen: list[str] = []
    requests: list[int] = []
    rows = []
    for entry in after_start(result):
        if isinstance(entry, Malloc):
            requests.append(entry.size)
        elif isinstance(entry, ObjectCost):
            name = entry.name
            request = object_request(name, known[OBJECT_TYPES[name]], length=8, item_size=16, stream_size=256)
            assert entry.created == 1 and requests == [request], (name, requests, request)
            assert entry.static_size == known[OBJECT_TYPES[name]]  # Static..._t is as big as the real one
            assert entry.taken is not None
            rule = allocation_cost(heap, request, result.layout)
            if rule is not None:
                assert entry.taken == rule, name
            else:
                assert entry.taken >= request, name
            if CAN_FREE[heap]:
                assert entry.given_back == entry.taken, name  # deleting gives it all back
            else:
                assert entry.given_back is None  # heap_1: never deleted (vPortFree would assert)
            seen.append(name)
            rows.append(f"{name}={entry.taken}")
            requests = []
    assert seen == list(OBJECT_TYPES)
    print(f"\nkernel_objects {heap}/{profile}: " + " ".join(rows))


# --- 4. overflow: methods, a smash the canary cannot catch, a reset loop ---------------------------


@pytest.mark.parametrize("method", [1, 2])
@pytest.mark.parametrize(("heap", "profile"), applicable("overflow"), ids=ids(applicable("overflow")))
def test_overflow_check_methods(memharness: Bench, mh_board: Board, heap: str, profile: str, method: int) -> None:
    result = run(memharness, "overflow", heap, profile, overflow_check=method, depth=64)
    assert result.boots[0].overflow_check == method
    if has_stack_limit(mh_board):
        # PSPLIM stops the 400-byte array at its first write past the stack: no switch, no canary.
        assert result.outcome is Outcome.RESET and result.reason == "stack_limit", result.describe()
        assert ending(result) is FailureKind.STACK_LIMIT and result.last(StackOverflow) is None
        return
    assert result.outcome is Outcome.RESET and result.reason == "stack_overflow", result.describe()
    hook = result.last(StackOverflow)
    assert hook is not None and hook.task == "TestTask" and hook.method == method
    assert ending(result) is FailureKind.CANARY


@pytest.mark.parametrize(("heap", "profile"), applicable("overflow"), ids=ids(applicable("overflow")))
def test_overflow_that_smashes_a_neighbour_is_a_hardfault(memharness: Bench, mh_board: Board, heap: str,
                                                          profile: str) -> None:
    result = run(memharness, "overflow", heap, profile, depth=128, smash=256)
    smash = result.last(Smash)
    assert smash is not None and smash.reached == 1, result.describe()
    assert smash.stack_base - smash.bytes <= smash.neighbour_tcb < smash.stack_base
    fault = result.last(Fault)
    assert fault is not None and fault.task == "TestTask", result.describe()
    assert result.last(StackOverflow) is None and FailureKind.CANARY not in failure_kinds(result)
    if has_stack_limit(mh_board):
        # The hardware limit catches what the canary cannot, at the first write past the stack.
        assert (result.reason, fault.fault, ending(result)) == ("stack_limit", "stack_limit", FailureKind.STACK_LIMIT)
        return
    assert result.outcome is Outcome.RESET and result.reason == "hardfault", result.describe()
    assert result.boots[-1].reset == "hardfault"
    # The kernel followed the neighbour's corrupted list item, before any context switch could run
    # the canary check: the bus refused the smash word (a pointer now) plus a field's offset.
    if fault.mcause is not None:  # RISC-V: a classified trap, its cause and faulting address
        assert fault.fault in ("load_access_fault", "store_access_fault")
        assert fault.mtval is not None and SMASH_WORD <= fault.mtval <= 0xFFFFFFFF
    else:  # Cortex-M: a HardFault in the SysTick handler, the address in BFAR
        assert fault.fault == "hardfault"
        assert fault.bfar is not None and SMASH_WORD <= fault.bfar <= 0xFFFFFFFF
        assert fault.psr is not None and fault.psr & IPSR_MASK == SYSTICK_EXCEPTION
    assert ending(result) is FailureKind.HARDFAULT


@pytest.mark.parametrize(("heap", "profile"), applicable("overflow"), ids=ids(applicable("overflow")))
def test_reset_loop_is_detected_with_its_count(memharness: Bench, mh_board: Board, heap: str, profile: str) -> None:
    resets = 3
    cause = "stack_limit" if has_stack_limit(mh_board) else "stack_overflow"
    result = run(memharness, "overflow", heap, profile, max_resets=resets, depth=64, restart=1)
    assert result.outcome is Outcome.RESET and result.reason == cause, result.describe()
    loop = reset_loop(result)
    assert loop is not None and (loop.cause, loop.task, loop.count) == (cause, "TestTask", resets)
    assert loop.restarts == resets  # every boot after the first restarted the task, and it overflowed again
    assert [r.count for r in result.events(Restart)] == list(range(1, resets + 1))
    assert [b.boot for b in result.boots] == list(range(1, resets + 2))
    assert len([e for e in result.entries if isinstance(e, (StackOverflow, Fault))]) == resets


def test_failure_kinds_are_told_apart(memharness: Bench, mh_board: Board) -> None:
    heap = "heap_4"
    # The canary alone: a depth one word short of what an empty task needs (see test_task_overhead).
    measured = done(run(memharness, "task_overhead", heap, loops=1))
    still = next(s for s in measured.events(Stack) if s.task == "idle_loop")
    assert still.depth_words is not None
    layout = measured.layout
    short = minimum_depth(touched_bytes(still.depth_words, still.hwm_words, layout), layout=layout) - 1
    canary = run(memharness, "task_overhead", heap, loops=1, try_depth=short)
    smash = run(memharness, "overflow", heap, depth=128, smash=256)
    asserted = run(memharness, "fault_inject", heap, kind=0)
    exhausted = done(run(memharness, "malloc_failed", heap, size=4096, failures=1))
    hang = run(memharness, "fault_inject", heap, kind=2, timeout=1.0)
    runs = (canary, smash, asserted, exhausted, hang)
    beyond = FailureKind.STACK_LIMIT if has_stack_limit(mh_board) else FailureKind.HARDFAULT
    kinds = [ending(r) for r in runs]
    assert kinds == [FailureKind.CANARY, beyond, FailureKind.ASSERT, FailureKind.MALLOC_FAILED,
                     FailureKind.DEADLINE], [r.describe() for r in runs]
    assert len(set(kinds)) == len(kinds)
    assert hang.outcome is Outcome.TIMEOUT
    assert exhausted.outcome is Outcome.DONE  # a malloc failure does not stop the system


# --- 5. fragmentation ------------------------------------------------------------------------------


def fragmentation(bench: Bench, heap: str, profile: str = "dynamic") -> Run:
    """The standard workload (the scenario's defaults), the free list walked from RAM at each report."""
    fw = fw_of(bench, heap, profile)
    walker = HeapWalkProbe(anchors(fw.elf, heap), acknowledge=True) if heap != "heap_3" else None
    params = {"sync": 1} if walker else {}
    return done(run(bench, "fragmentation", heap, profile, probe=walker, **params))


def test_fragmentation_heap2_fails_where_heap4_and_heap5_do_not(memharness: Bench) -> None:
    spec = scenario("fragmentation")
    max_size = spec.filled({})["max_size"]
    failures: dict[str, int] = {}
    for heap in spec.heaps:
        result = fragmentation(memharness, heap)
        reports, walks = result.events(Frag), result.events(HeapWalk)
        end = result.last(Done)
        assert end is not None and end.fields["failures"] == reports[-1].failures
        assert len(result.events(MallocFailed)) == reports[-1].failures  # the hook ran once per NULL
        failures[heap] = reports[-1].failures
        if heap == "heap_3":
            assert walks == []
            continue
        assert [w.step for w in walks] == [r.step for r in reports]
        for report, walk in zip(reports, walks):
            assert walk.total == report.free, (report, walk)  # the walk accounts for every free byte
            if report.largest is not None:  # heap_4/5 report their own: the walk must agree
                assert (walk.largest, walk.free_blocks) == (report.largest, report.free_blocks)
        if heap == "heap_2":
            last = walks[-1]
            # Enough free memory in all, but in pieces too small: fragmentation, not exhaustion.
            assert last.total >= max_size > last.largest, last
        assert result.figure("end", "free") == result.figure("start", "free")  # all given back
    assert failures["heap_2"] > 0 and failures["heap_4"] == 0 and failures["heap_5"] == 0, failures
    print(f"\nfragmentation (standard workload) failures: {failures}")


def test_fragmentation_on_mixed(memharness: Bench) -> None:
    result = fragmentation(memharness, "heap_4", "mixed")
    assert result.events(Frag)[-1].failures == 0


# --- 6. heap1_no_free ------------------------------------------------------------------------------


@pytest.mark.parametrize(("heap", "profile"), applicable("heap1_no_free"), ids=ids(applicable("heap1_no_free")))
def test_heap1_never_gives_back(memharness: Bench, heap: str, profile: str) -> None:
    size, cycles = 256, 6
    result = done(run(memharness, "heap1_no_free", heap, profile, size=size, cycles=cycles))
    start = result.figure("start", "free")
    allocated, released = result.events(Cycle), result.events(Release)
    assert len(allocated) == len(released) == cycles
    if heap == "heap_1":
        falls = [start] + [c.free for c in allocated]
        assert all(r.released == 0 and r.free == c.free for c, r in zip(allocated, released))
        block = round_up(size, result.layout.alignment)
        assert [a - b for a, b in itertools.pairwise(falls)] == [block] * cycles  # only falls
        assert result.figure("end", "free") == start - cycles * block
    else:
        assert all(r.released == 1 and r.free == start for r in released)  # back after every free
        assert result.figure("end", "free") == start
        cost = allocation_cost(heap, size, result.layout)
        if cost is not None:
            assert all(c.free == start - cost for c in allocated)


def test_heap1_vportfree_asserts(memharness: Bench) -> None:
    result = run(memharness, "heap1_no_free", "heap_1", size=256, cycles=2, call_free=1)
    assert result.outcome is Outcome.RESET and result.reason == "assert", result.describe()
    cycle = result.last(Cycle)
    assert cycle is not None and cycle.n == 0 and cycle.free == (result.figure("start", "free")
                                                           - round_up(256, result.layout.alignment))
    assert result.boots[-1].reset_file == "heap_1.c" and ending(result) is FailureKind.ASSERT


# --- 7. malloc_failed ------------------------------------------------------------------------------


@pytest.mark.parametrize(("heap", "profile"), applicable("malloc_failed"), ids=ids(applicable("malloc_failed")))
def test_malloc_failed(memharness: Bench, heap: str, profile: str) -> None:
    size, nulls = 1024, 3
    result = done(run(memharness, "malloc_failed", heap, profile, size=size, failures=nulls))
    hooks = [e for e in after_start(result) if isinstance(e, MallocFailed)]
    assert len(hooks) == nulls and all(h.size == size for h in hooks)  # the hook: once per NULL
    gone = result.last(Exhausted)
    alive = result.last(Alive)
    assert gone is not None and gone.nulls == nulls
    assert alive is not None and alive.ticks >= alive.expected > 0  # it still schedules
    start, left = result.figure("start", "free"), result.figure("exhausted", "free")
    cost = allocation_cost(heap, size, result.layout)
    if cost is not None:
        assert left == start - gone.blocks * cost
        if heap == "heap_5":  # its free figure is spread over its regions: no region holds one more
            assert result.figure("exhausted", "largest") < cost
        else:
            assert blocks_that_fit(heap, left, cost) == 0 and gone.blocks == blocks_that_fit(heap, start, cost)
    else:
        assert left < start - gone.blocks * size and left < size + NEWLIB_SLACK  # heap_3: not one more fits
    if CAN_FREE[heap]:
        assert result.figure("freed", "free") == start
    reset = result.last(MinEverReset)
    assert reset is not None
    if heap in ("heap_4", "heap_5"):
        assert result.figure("exhausted", "min_ever") == left  # the remaining slack
        assert result.figure("freed", "min_ever") == left  # freeing does not raise the minimum
        assert reset.available == 1  # V11.2.0+
        assert result.figure("min_reset", "min_ever") == result.figure("min_reset", "free") == start
    else:
        assert reset.available == 0


def test_min_ever_reset_is_not_available_on_v11_1(memharness: Bench) -> None:
    fw = api.prepare(board=memharness.board, heap="heap_4", kernel_version="V11.1.0")
    assert fw.variant.kernel.version == "V11.1.0"
    result = done(api.run_scenario(fw, "malloc_failed", {"size": 1024, "failures": 1}, memharness.results))
    reset = result.last(MinEverReset)
    assert result.boots[0].kernel == "V11.1.0" and reset is not None and reset.available == 0
    assert "xPortResetHeapMinimumEverFreeHeapSize" not in symbols(fw.elf)
    with pytest.raises(KeyError, match="min_reset"):
        result.heap_at("min_reset")


# --- 8. heap5_regions ------------------------------------------------------------------------------


def test_heap5_allocations_land_in_every_region(memharness: Bench) -> None:
    size = 2048
    result = done(run(memharness, "heap5_regions", "heap_5", size=size))
    regions = result.events(Region)
    assert len(regions) >= 2 and all(a.addr + a.size < b.addr for a, b in itertools.pairwise(regions))
    assert result.figure("boot", "free") == sum(heap5_region_free(r.size, r.addr, result.layout) for r in regions)
    cost = allocation_cost("heap_5", size, result.layout)
    assert cost is not None
    blocks = result.events(Alloc)
    per_region = [[b for b in blocks if r.addr <= b.ptr and b.ptr + size <= r.addr + r.size] for r in regions]
    assert all(per_region) and sum(map(len, per_region)) == len(blocks)  # each block in one region
    for region, inside in zip(regions, per_region):
        assert len(inside) <= heap5_region_free(region.size, region.addr, result.layout) // cost
    start = result.figure("start", "free")
    assert result.figure("full", "free") == start - len(blocks) * cost
    assert result.figure("full", "largest") < cost
    assert result.figure("freed", "free") == start


# --- 9. calloc -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("heap", "profile"), applicable("calloc"), ids=ids(applicable("calloc")))
def test_calloc_zeroes_and_costs_like_malloc(memharness: Bench, heap: str, profile: str) -> None:
    count, size = 16, 64
    result = done(run(memharness, "calloc", heap, profile, count=count, size=size))
    got = result.last(CallocResult)
    assert got is not None and got.ptr != 0 and got.zeroed == 1
    assert got.reused == 1  # it got the block just dirtied with 0x5A, so the zeroes are calloc's
    before = result.figure("before", "free")
    assert before - result.figure("after", "free") == allocation_cost(heap, count * size, result.layout)
    assert result.figure("freed", "free") == before
    overflow = result.last(CallocOverflow)
    assert overflow is not None and overflow.ptr == 0  # count * size past SIZE_MAX


# --- 10. static allocation profiles ----------------------------------------------------------------


def test_static_image_links_no_heap(memharness: Bench) -> None:
    static = symbols(memharness.firmware(None, "static").elf)
    for name in ("pvPortMalloc", "vPortFree", "ucHeap", "xPortGetFreeHeapSize", "__wrap_pvPortMalloc"):
        assert name not in static, name
    mixed = symbols(memharness.firmware("heap_4", "mixed").elf)
    assert "pvPortMalloc" in mixed and "ucHeap" in mixed  # the check would see a heap if there were one
    result = done(run(memharness, "heap_report", NO_HEAP, "static"))
    boot = result.boots[0]
    assert (boot.heap, boot.profile, boot.heap_size) == (NO_HEAP, "static", 0)
    heaps = result.events(Heap)
    assert heaps and all(set(h.fields) == {"at"} for h in heaps)  # no figures at all


@pytest.mark.parametrize(("heap", "profile"), applicable("static_objects"), ids=ids(applicable("static_objects")))
def test_static_objects(memharness: Bench, heap: str, profile: str) -> None:
    params = {"depth": 128, "length": 4, "item_size": 8, "stream_size": 64}
    result = done(run(memharness, "static_objects", heap, profile, **params))
    known = sizes(fw_of(memharness, heap, profile))
    made = [o for o in result.events(ObjectCost) if o.mode == "static"]
    assert [o.name for o in made] == ["queue", "binary_semaphore", "counting_semaphore", "mutex",
                                      "event_group", "timer", "stream_buffer", "task"]
    for obj in made:
        assert obj.static_size == known[STATIC_TYPES[obj.name]], obj
    work = result.last(Workload)
    assert work is not None
    assert (work.items, work.counted, work.mutex, work.timer, work.stream) == (4, 4, 1, 1, 64)
    if profile == "static":
        assert all(o.taken is None for o in made)  # no heap figures
        assert all(set(h.fields) == {"at"} for h in result.events(Heap))
        return
    assert all(o.taken == 0 for o in made)  # static creation leaves the free heap unchanged
    assert result.figure("created", "free") == result.figure("before", "free")
    dynamic = next(o for o in result.events(ObjectCost) if o.mode == "dynamic")
    measured = done(run(memharness, "task_overhead", heap, profile, depth=params["depth"], loops=1)).last(TaskCost)
    assert measured is not None and dynamic.taken == measured.taken  # exactly what task_overhead measured
    assert dynamic.taken == task_cost(heap, params["depth"], known["TCB_t"], result.layout)


# --- 11. the seed's examples -----------------------------------------------------------------------

LOOPS_SEED = 10


def seed_lines(result: Run) -> list[tuple[str, int | None]]:
    """The seed's own text lines, each as (kind, number)."""
    out: list[tuple[str, int | None]] = []
    for text in result.texts:
        for kind, pattern in SEED_LINES.items():
            m = re.fullmatch(pattern, text)
            if m:
                out.append((kind, int(m.group(1)) if m.groups() else None))
    return out


@pytest.mark.parametrize(("heap", "profile"), applicable("seed_task"), ids=ids(applicable("seed_task")))
def test_seed_fixed_version_keeps_the_heap(memharness: Bench, heap: str, profile: str) -> None:
    result = run(memharness, "seed_task", heap, profile, version=3, delay_ms=1, loops=LOOPS_SEED)
    lines = seed_lines(result)
    if not CAN_FREE[heap]:
        # The fix needs a scheme that frees: heap_1's vPortFree asserts on the first block.
        assert result.outcome is Outcome.RESET and result.reason == "assert", result.describe()
        assert [k for k, _ in lines] == ["b0", "stack", "before"]
        assert result.boots[-1].reset_file == "heap_1.c" and result.boots[-1].reset_task == "TestTask"
        return
    done(result)
    assert [k for k, _ in lines] == ["b0", "stack", "before", "after"] * LOOPS_SEED
    assert all(v == 2 for k, v in lines if k == "b0")  # Serial.println(b[0])
    depth = scenario("seed_task").filled({})["depth"]
    assert all(v is not None and 0 < v < depth for k, v in lines if k == "stack")  # words, not bytes
    befores = [v for k, v in lines if k == "before"]
    afters = [v for k, v in lines if k == "after"]
    assert afters == befores and len(set(befores)) == 1  # vPortFree gives each block back
    assert "Not enough heap." not in result.texts and not result.events(MallocFailed)


def seed_loops(result: Run) -> list[dict[str, int | None]]:
    """The seed's lines grouped per loop (each loop starts with its b[0] line)."""
    loops: list[dict[str, int | None]] = []
    for kind, value in seed_lines(result):
        if kind == "b0":
            loops.append({})
        loops[-1][kind] = value
    return loops


@pytest.mark.parametrize(("heap", "profile"), applicable("seed_task"), ids=ids(applicable("seed_task")))
def test_seed_leak_with_null_check_runs_out_and_goes_on(memharness: Bench, heap: str, profile: str) -> None:
    result = done(run(memharness, "seed_task", heap, profile, version=2, delay_ms=1, loops=LOOPS_SEED))
    loops = seed_loops(result)
    assert len(loops) == LOOPS_SEED  # it goes on after the heap ran out
    failed = [loop for loop in loops if "nomem" in loop]
    leaked = loops[: len(loops) - len(failed)]
    assert failed and leaked and all("nomem" not in loop for loop in leaked)  # once out, always out
    assert len(result.events(MallocFailed)) == len(failed)  # the hook, once per NULL
    cost = allocation_cost(heap, 1024 * 4, result.layout)
    for loop in leaked:
        before, after = loop["before"], loop["after"]
        assert before is not None and after is not None
        assert before - after == cost if cost is not None else before - after >= 1024 * 4
    assert all(loop["before"] == loop["after"] == failed[0]["before"] for loop in failed)  # a NULL takes nothing
    assert [loop["before"] for loop in leaked[1:]] == [loop["after"] for loop in leaked[:-1]]  # nothing comes back


@pytest.mark.parametrize(("heap", "profile"), applicable("seed_task"), ids=ids(applicable("seed_task")))
def test_seed_leak_without_check_writes_through_null_and_resets(memharness: Bench, heap: str, profile: str) -> None:
    result = run(memharness, "seed_task", heap, profile, version=1, delay_ms=1, loops=LOOPS_SEED)
    guard = result.last(NullGuard)
    assert guard is not None, result.describe()
    if not guard.enabled:  # a core without the ARMv7-M MPU: the write is reported, not done
        assert done(result).last(NullWrite) is not None
        return
    assert result.outcome is Outcome.RESET and result.reason == "hardfault", result.describe()
    fault = result.last(Fault)
    assert fault is not None and fault.task == "TestTask" and fault.mmfar == 0  # the write went to NULL
    assert fault.cfsr is not None and fault.cfsr & (CFSR_DACCVIOL | CFSR_MMARVALID) == CFSR_DACCVIOL | CFSR_MMARVALID
    lines = [k for k, _ in seed_lines(result)]
    assert lines[-1] == "before" and "nomem" not in lines  # no check: straight from malloc to the write
    assert result.last(MallocFailed) is not None
    assert ending(result) is FailureKind.HARDFAULT


# --- applicability and parameters ------------------------------------------------------------------


def firmware_answers(fw: Firmware, commands: list[str], timeout: float = 10.0) -> list[Error | None]:
    """Boot once, send each command, and collect each answer's error record (None: it ran)."""
    workdir = Path(tempfile.mkdtemp(prefix="memharness-answers-"))
    session = backend(fw.variant.board.default_emulator).start(fw.variant.board, fw.elf, workdir / "uart.log")
    answers: list[Error | None] = []
    try:
        deadline = time.monotonic() + timeout
        pending = list(commands)
        error: Error | None = None
        started = False
        while True:
            line = session.read_line(deadline - time.monotonic())
            assert line is not None, f"no answer to {pending[:1]} within {timeout} s"
            entry = parse_line(line, 0)
            if isinstance(entry, Error):
                error = entry
            elif isinstance(entry, Ready):
                if started:
                    answers.append(error)
                    error = None
                if not pending:
                    break
                session.write_line(pending.pop(0))
                started = True
    finally:
        session.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return answers


@pytest.mark.parametrize(("heap", "profile"), VARIANTS, ids=IDS)
def test_scenarios_that_do_not_apply_are_refused_with_the_reason(memharness: Bench, heap: str, profile: str) -> None:
    refused = [s for s in CATALOGUE if not s.applies(heap, profile)]
    for spec in refused:
        with pytest.raises(ScenarioError, match="does not apply") as caught:
            validate(spec.name, {}, heap, profile)
        if spec.not_applicable:
            assert spec.not_applicable in str(caught.value)
    fw = fw_of(memharness, heap, profile)
    errors = firmware_answers(fw, [f"run {s.name}" for s in refused])
    for spec, error in zip(refused, errors):
        assert error is not None and (error.code, error.name) == ("not_applicable", spec.name), spec.name


def test_new_scenarios_refuse_unknown_keys_and_broken_rules(memharness: Bench) -> None:
    fw = memharness.firmware("heap_4")
    new = ["stack_hwm", "task_overhead", "kernel_objects", "fragmentation", "heap1_no_free", "malloc_failed",
           "calloc", "static_objects", "seed_task"]
    commands = [f"run {n} bogus=1" for n in new if scenario(n).applies("heap_4", "dynamic")]
    commands += ["run stack_hwm use=2048", "run fragmentation min_size=600 max_size=500", "run seed_task version=4"]
    errors = firmware_answers(fw, commands)
    for command, error in zip(commands, errors):
        assert error is not None, command
    assert [(e.code, e.key) for e in errors[:-3] if e] == [("unknown_param", "bogus")] * (len(commands) - 3)
    assert [(e.code, e.key) for e in errors[-3:] if e] == [
        ("bad_value", "use"), ("bad_value", "min_size"), ("bad_value", "version")]
    # The harness says so before anything boots.
    with pytest.raises(ScenarioError, match="no parameter 'bogus'"):
        validate("stack_hwm", {"bogus": 1})
    with pytest.raises(ScenarioError, match="task 0 would write 2048 bytes"):
        validate("stack_hwm", {"use": 2048})
    with pytest.raises(ScenarioError, match="min_size=600 is above max_size=500"):
        validate("fragmentation", {"min_size": 600, "max_size": 500})


def test_cli_lists_every_scenario_and_rejects_a_bad_key(tmp_path: Path) -> None:
    listing = subprocess.run([sys.executable, "-m", "harness.cli", "scenarios"], capture_output=True, text=True,
                             timeout=120, env={**os.environ, "COLUMNS": "200"}, check=False)
    assert listing.returncode == 0, listing.stderr
    for spec in CATALOGUE:
        assert spec.name in listing.stdout
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "run", "--scenario", "fragmentation", "seeds=3"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False)
    assert proc.returncode == 2 and "no parameter 'seeds'" in proc.stderr and "Traceback" not in proc.stderr


def test_every_variant_runs_the_catalogue() -> None:
    """The parametrisation above covers the five schemes and both static profiles: nothing skipped."""
    covered = {v for spec in CATALOGUE for v in VARIANTS if spec.applies(*v)}
    assert covered == set(VARIANTS)
