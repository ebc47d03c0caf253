"""End to end on real QEMU: the five heap schemes against the rules of FREERTOS-FACTS.md.

Every figure asserted here comes from firmware running on an emulated board against the real
kernel; the expected values come from `harness.heap_rules`, never from a previous run.
"""

from __future__ import annotations

import itertools

import pytest

from harness.elf import type_size
from harness.events import Assert, Boot, Done, Free, Leak, Malloc, MallocFailed, Ready, Region, Stack, StackOverflow
from harness.expect import initial_free
from harness.heap_rules import (
    NotAvailable,
    allocation_cost,
    blocks_that_fit,
    free_before_first_allocation,
    round_up,
)
from harness.pytest_plugin import Bench
from harness.run import Outcome, Run
from harness.variant import HEAPS

pytestmark = pytest.mark.e2e
EXACT = ("heap_1", "heap_2", "heap_4", "heap_5")  # schemes whose cost per allocation is a rule


def done(run: Run) -> Run:
    assert run.outcome is Outcome.DONE, run.describe()
    return run


@pytest.mark.parametrize("heap", HEAPS)
def test_boot_figures_and_the_schedulers_own_allocations(memharness: Bench, heap: str) -> None:
    run = done(memharness.run("heap_report", heap))
    boot = run.boots[0]
    total = boot.heap_size
    assert (boot.heap, boot.profile, boot.reset, boot.boot) == (heap, "dynamic", "power_on", 1)
    tcb = type_size(memharness.firmware(heap).elf, "TCB_t")
    assert tcb is not None and boot.tcb_size == tcb  # the firmware's claim, checked against DWARF

    at_boot = run.heap_at("boot")
    expected_boot = free_before_first_allocation(heap, total, run.layout)
    if expected_boot is not None:
        assert at_boot.free == expected_boot  # heap_4: 0 until the first pvPortMalloc initialises it
    if heap == "heap_5":
        regions = run.events(Region)
        assert len(regions) >= 2
        assert all(a.addr + a.size < b.addr for a, b in itertools.pairwise(regions))  # non-contiguous
        assert sum(r.size for r in regions) == total
        assert at_boot.free == initial_free(run)

    mallocs = [e for e in run.boot_phase() if isinstance(e, Malloc)]
    sizes = [m.size for m in mallocs]
    assert sizes.count(tcb) >= 3, sizes  # console, idle and timer tasks each have a TCB
    assert all(m.ptr != 0 for m in mallocs)
    at_ready = run.figure("ready", "free")
    if heap in EXACT:
        costs = [allocation_cost(heap, s, run.layout) or 0 for s in sizes]
        assert at_ready == initial_free(run) - sum(costs)
        previous = initial_free(run)
        for m, cost in zip(mallocs, costs):
            assert m.free == previous - cost, m
            previous = previous - cost
    else:
        assert at_boot.free == total  # heap_3: the whole sbrk arena, nothing taken yet
        assert at_ready <= total - sum(sizes)


@pytest.mark.parametrize("heap", HEAPS)
def test_alloc_free_gives_back_what_it_took(memharness: Bench, heap: str) -> None:
    size = 1024
    run = done(memharness.run("alloc_free", heap, size=size))
    before, after_alloc, after_free = (run.figure(at, "free") for at in ("before", "after_alloc", "after_free"))
    freed = run.last(Free)
    assert freed is not None
    if heap == "heap_1":
        assert freed.released == 0  # heap_1's vPortFree would assert on a non-NULL pointer
        assert after_alloc == after_free == before - round_up(size, run.layout.alignment)
    elif heap == "heap_3":
        assert after_alloc <= before - size
        assert after_free == before
    else:
        assert freed.released == 1
        assert after_alloc == before - (allocation_cost(heap, size, run.layout) or 0)
        assert after_free == before


@pytest.mark.parametrize("heap", HEAPS)
def test_leak_until_null(memharness: Bench, heap: str) -> None:
    size = 4096
    run = done(memharness.run("leak", heap, size=size))
    leaks = run.events(Leak)
    got = [leak for leak in leaks if leak.ptr != 0]
    assert leaks[-1].ptr == 0, "the loop must end in a NULL"
    failed = run.events(MallocFailed)
    assert failed and failed[0].size == size
    assert "Not enough heap." in run.texts
    finished = run.last(Done)
    assert finished is not None and finished.fields.get("leaked") == len(got)
    start = run.figure("ready", "free")
    figures = [start] + [leak.free for leak in got if leak.free is not None]
    assert len(figures) == len(got) + 1
    steps = [a - b for a, b in itertools.pairwise(figures)]
    cost = allocation_cost(heap, size, run.layout)
    end = run.figure("end", "free")
    assert end == figures[-1]  # the failed attempt took nothing
    if cost is not None:
        assert steps == [cost] * len(got)  # exactly round8(N + 8), or round8(N) on heap_1
        if heap in ("heap_4", "heap_5"):
            assert run.figure("end", "largest") < cost <= run.figure("ready", "largest")
        if heap != "heap_5":  # heap_5's free figure is spread over its regions
            assert len(got) == blocks_that_fit(heap, start, cost)  # as many as the free heap holds, not one more
            assert blocks_that_fit(heap, end, cost) == 0
    else:
        assert all(step >= size for step in steps)  # heap_3: at least N, plus newlib's chunk header
        assert end < size + 64  # not enough arena left for one more


@pytest.mark.parametrize("heap", ("heap_1", "heap_2", "heap_3"))
def test_figures_the_scheme_lacks_are_not_available(memharness: Bench, heap: str) -> None:
    run = done(memharness.run("heap_report", heap))
    with pytest.raises(NotAvailable, match=f"min_ever is not available on {heap}"):
        run.figure("report", "min_ever")


def test_heap5_allocating_before_its_regions_asserts(memharness: Bench) -> None:
    run = memharness.run("heap5_early", "heap_5", timeout=20)
    assert run.outcome is Outcome.RESET, run.describe()
    assert run.reason == "assert"
    failure = run.last(Assert)
    assert failure is not None and failure.file == "heap_5.c" and failure.line_number > 0
    boot = run.boots[-1]
    assert (boot.reset, boot.reset_file, boot.reset_line) == ("assert", "heap_5.c", failure.line_number)


@pytest.mark.parametrize("heap", HEAPS)
def test_overflow_trips_the_canary_and_resets(memharness: Bench, heap: str) -> None:
    run = memharness.run("overflow", heap, depth=64)
    assert run.outcome is Outcome.RESET, run.describe()
    assert run.reason == "stack_overflow"
    hook = run.last(StackOverflow)
    assert hook is not None and hook.task == "TestTask" and hook.method == 2
    boot = run.boots[-1]
    assert boot.boot == 2 and boot.reset == "stack_overflow" and boot.reset_task == "TestTask"
    assert isinstance(run.entries[-1], Ready)


@pytest.mark.parametrize("heap", HEAPS)
def test_overflow_stack_that_fits_runs_fifty_iterations(memharness: Bench, heap: str) -> None:
    run = done(memharness.run("overflow", heap, depth=256, iterations=50))
    stacks = run.events(Stack)
    assert len(stacks) == 50 and {s.task for s in stacks} == {"TestTask"}
    assert all(0 < s.hwm_words < 256 and s.hwm_bytes == 4 * s.hwm_words for s in stacks)
    assert len(run.boots) == 1 and run.last(StackOverflow) is None
    assert run.texts.count("2") == 50  # the seed prints b[0]
    assert isinstance(run.boots[0], Boot)
