"""The per-board subset: every scenario and every heap scheme on each board, on real QEMU.

Run on one board with `--board NAME`, on all with `--board all` (what `make test` does, for each
kernel release it supports). The expected figures come from the board's YAML, the heap rules
(`harness.heap_rules`) and the ELF, never from a previous run. Two tests are about what sets
boards apart: the extended frame of a task that uses the FPU (M4F, M7, M33), and the ARMv8-M
stack limit, which stops an overflow at the instruction that crosses the stack's end where
FreeRTOS's canary sees it only at the next context switch.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from harness import api
from harness.elf import type_size
from harness.events import (
    Assert,
    Done,
    Event,
    Fault,
    Free,
    Leak,
    Malloc,
    Ready,
    Region,
    Stack,
    StackOverflow,
    Start,
    TaskCost,
    Text,
    Unknown,
)
from harness.expect import initial_free
from harness.heap_rules import allocation_cost, round_up
from harness.kernel import parse_version
from harness.platforms import Board, board_names
from harness.pytest_plugin import Bench, only_boards
from harness.run import Outcome, Run
from harness.scenarios import CATALOGUE
from harness.variant import HEAPS, NO_HEAP

pytestmark = [pytest.mark.e2e, pytest.mark.per_board]

EXACT = ("heap_1", "heap_2", "heap_4", "heap_5")  # schemes whose cost per allocation is a rule
SEED_TASK = "TestTask"  # the overflow scenario's task
SEED_TASK_SOURCE = "scenarios/overflow.c"
OVERFLOWING_DEPTH = 64  # words: the seed's int b[100] (400 bytes) cannot fit in 256 bytes
CANARY_REFERENCE = api.DEFAULT_BOARD  # a canary-only board to hold the stack-limit board against
WORD = 4  # sizeof(StackType_t) on every board here (Cortex-M and RV32); runs give theirs (Run.layout)
# A task that has used the FPU is switched with the extended frame: the hardware also stacks
# s0-s15, FPSCR and a reserved word (18 words), and the port saves s16-s31 (16 words).
FPU_EXTENDED_FRAME_BYTES = (18 + 16) * WORD
MIN_EVER_RESET_SINCE = (11, 2, 0)  # xPortResetHeapMinimumEverFreeHeapSize, heap_4 and heap_5 only
# Scenarios the tests above run for themselves; every other one runs in test_every_other_scenario.
COVERED_ABOVE = frozenset(
    {"heap_report", "alloc_free", "leak", "overflow", "heap5_early", "fault_inject", "task_overhead"}
)
# Parameters that keep a scenario short (seed_task's defaults idle a whole second of virtual time);
# seed_task version 2 never frees, so it runs on heap_1 too (version 3's vPortFree asserts there).
SHORT = {"fragmentation": {"steps": 300}, "seed_task": {"version": 2, "delay_ms": 1, "loops": 3}}
OTHER_SCENARIOS = sorted(s.name for s in CATALOGUE if s.name not in COVERED_ABOVE)


def has_stack_limit(board: Board) -> bool:
    return "stack_limit" in board.overflow_detection


def rotating_heap(board: Board, offset: int = 0) -> str:
    """A different scheme on each board, so single-scheme tests cover every scheme across boards."""
    return HEAPS[(board_names().index(board.name) + offset) % len(HEAPS)]


def done(run: Run) -> Run:
    assert run.outcome is Outcome.DONE, run.describe()
    return run


def source_of(elf: Path, address: int) -> str:
    """The C file whose code holds `address`, from the DWARF address ranges of each unit."""
    with elf.open("rb") as f:
        dwarf = ELFFile(f).get_dwarf_info()
        aranges = dwarf.get_aranges()
        assert aranges is not None, f"{elf} has no .debug_aranges"
        unit = dwarf.get_CU_at(aranges.cu_offset_at_addr(address))
        return str(unit.get_top_DIE().get_full_path())


def between(run: Run, first: type[Event], last: type[Event]) -> list[object]:
    """The entries after the first `first` and before the first `last` that follows it."""
    entries = list(run.entries)
    start = next(i for i, e in enumerate(entries) if isinstance(e, first))
    end = next(i for i, e in enumerate(entries) if i > start and isinstance(e, last))
    return entries[start + 1 : end]


@pytest.mark.parametrize("heap", HEAPS)
def test_each_scheme_boots_and_reports_the_board_its_yaml_describes(memharness: Bench, mh_board: Board,
                                                                     heap: str) -> None:
    run = done(memharness.run("heap_report", heap))
    boot = run.boots[0]
    assert (boot.board, boot.cpu, boot.port, boot.heap, boot.kernel) == (
        mh_board.name, mh_board.cpu, mh_board.port, heap, memharness.firmware(heap).variant.kernel.version)
    assert boot.reset == "power_on" and boot.heap_size == mh_board.heap_size
    tcb = type_size(memharness.firmware(heap).elf, "TCB_t")
    assert tcb is not None and boot.tcb_size == tcb

    mallocs = [e for e in run.boot_phase() if isinstance(e, Malloc)]
    sizes = [m.size for m in mallocs]
    assert sizes.count(tcb) >= 3, sizes  # console, idle and timer tasks
    ram = range(mh_board.memory.ram.base, mh_board.memory.ram.base + mh_board.memory.ram.size)
    ram2 = mh_board.memory.ram2
    rams = [ram] + ([range(ram2.base, ram2.base + ram2.size)] if ram2 else [])
    assert all(any(m.ptr in r for r in rams) for m in mallocs), "every block lies in the board's RAM"
    total = boot.heap_size
    if heap == "heap_5":
        regions = run.events(Region)
        assert len(regions) == len(mh_board.heap5_regions) == 2
        for region, where in zip(regions, mh_board.heap5_regions):
            home = mh_board.ram_region(where)
            assert home.base <= region.addr and region.addr + region.size <= home.base + home.size, where
        assert all(a.addr + a.size < b.addr for a, b in itertools.pairwise(regions))  # non-contiguous
    ready = run.figure("ready", "free")
    if heap in EXACT:
        assert ready == initial_free(run) - sum(allocation_cost(heap, s, run.layout) or 0 for s in sizes)
    else:
        assert run.figure("boot", "free") == total and ready <= total - sum(sizes)


def test_static_profile_boots_with_no_heap_at_all(memharness: Bench, mh_board: Board) -> None:
    run = done(memharness.run("heap_report", profile="static"))
    boot = run.boots[0]
    assert (boot.board, boot.heap, boot.profile, boot.heap_size) == (mh_board.name, "none", "static", 0)
    assert not run.events(Malloc)
    assert run.heap_at("report").free is None  # no scheme linked: no figure, not a zero


@pytest.mark.parametrize("heap", ["heap_1", "heap_4"])
def test_alloc_free_gives_back_what_it_took(memharness: Bench, heap: str) -> None:
    size = 1000
    run = done(memharness.run("alloc_free", heap, size=size))
    before, after_alloc, after_free = (run.figure(at, "free") for at in ("before", "after_alloc", "after_free"))
    freed = run.last(Free)
    assert freed is not None
    if heap == "heap_1":
        assert freed.released == 0 and after_alloc == after_free == before - round_up(size, run.layout.alignment)
    else:
        assert freed.released == 1 and after_alloc == before - (allocation_cost(heap, size, run.layout) or 0)
        assert after_free == before


def test_leak_until_null(memharness: Bench, mh_board: Board) -> None:
    heap, size = rotating_heap(mh_board), 3000
    run = done(memharness.run("leak", heap, size=size))
    got = [leak for leak in run.events(Leak) if leak.ptr != 0]
    assert run.events(Leak)[-1].ptr == 0 and "Not enough heap." in run.texts
    finished = run.last(Done)
    assert finished is not None and finished.fields.get("leaked") == len(got)
    figures = [run.figure("ready", "free")] + [leak.free for leak in got if leak.free is not None]
    steps = [a - b for a, b in itertools.pairwise(figures)]
    cost = allocation_cost(heap, size, run.layout)
    if cost is not None:
        assert steps == [cost] * len(got)
        assert run.figure("end", "free") < cost or heap == "heap_5"  # heap_5: spread over its regions
    else:
        assert len(got) > 0 and all(step >= size for step in steps)


def test_a_stack_that_fits_runs_every_iteration(memharness: Bench) -> None:
    run = done(memharness.run("overflow", depth=256, iterations=20))
    stacks = run.events(Stack)
    assert len(stacks) == 20 and {s.task for s in stacks} == {SEED_TASK}
    assert all(0 < s.hwm_words < 256 for s in stacks)
    assert len(run.boots) == 1 and run.last(Fault) is None and run.last(StackOverflow) is None


def test_an_overflow_is_caught_and_the_next_boot_says_why(memharness: Bench, mh_board: Board) -> None:
    run = memharness.run("overflow", depth=OVERFLOWING_DEPTH)
    assert run.outcome is Outcome.RESET, run.describe()
    boot = run.boots[-1]
    assert boot.boot == 2 and boot.reset_task == SEED_TASK and isinstance(run.entries[-1], Ready)
    if has_stack_limit(mh_board):
        fault = run.last(Fault)
        assert run.reason == "stack_limit" and fault is not None and fault.fault == "stack_limit"
        assert fault.task == SEED_TASK and boot.reset == "stack_limit" and boot.reset_pc == fault.pc
        assert run.last(StackOverflow) is None  # the hardware caught it before any context switch
    else:
        hook = run.last(StackOverflow)
        assert run.reason == "stack_overflow" and hook is not None and hook.task == SEED_TASK
        assert boot.reset == "stack_overflow" and run.last(Fault) is None


@only_boards(has_stack_limit, "needs a hardware stack limit (ARMv8-M PSPLIM)")
def test_the_stack_limit_stops_the_overflow_at_the_crossing_instruction(
        memharness: Bench, mh_board: Board) -> None:
    """The canary is checked at a context switch: the task overflows, keeps running, prints its line
    and its stack record, and only the switch in vTaskDelay finds the damage. PSPLIM faults at the
    instruction that moves the stack pointer past the stack's end: nothing of the loop runs."""
    canary_bench = Bench(CANARY_REFERENCE, memharness.kernel_version, memharness.results / CANARY_REFERENCE)
    canary = canary_bench.run("overflow", depth=OVERFLOWING_DEPTH)
    limit = memharness.run("overflow", depth=OVERFLOWING_DEPTH)
    assert (canary.reason, limit.reason) == ("stack_overflow", "stack_limit"), canary.describe() + limit.describe()

    before_hook = between(canary, Start, StackOverflow)
    assert [e.text for e in before_hook if isinstance(e, Text)] == ["2"]  # the seed's printf of b[0]
    assert [e.task for e in before_hook if isinstance(e, Stack)] == [SEED_TASK]

    before_fault = between(limit, Start, Fault)
    assert not [e for e in before_fault if isinstance(e, (Text, Stack))], before_fault
    fault = limit.last(Fault)
    assert fault is not None and fault.pc is not None
    assert source_of(memharness.firmware().elf, fault.pc).endswith(SEED_TASK_SOURCE)  # the task's own code
    cfsr = fault.cfsr or 0
    assert cfsr & (1 << 20), f"UFSR.STKOF not set: cfsr={cfsr:#x}"
    print(f"\n{mh_board.name}: canary run {canary.texts[-3:]} then hook; stack-limit run: fault kind={fault.fault} "
          f"task={fault.task} pc={fault.pc:#010x} cfsr={cfsr:#010x} limit={fault.fields.get('limit', 0):#010x}")


def _stack_used(run: Run) -> int:
    [stack] = [s for s in run.events(Stack) if s.task == "idle_loop"]
    assert stack.depth_words is not None
    return (stack.depth_words - stack.hwm_words) * run.layout.word


def test_task_overhead_and_the_fpu_extended_frame(memharness: Bench, mh_board: Board) -> None:
    """What a task costs, and what using the FPU adds to its stack on a board that has one."""
    heap, depth = "heap_4", 256
    plain = done(memharness.run("task_overhead", heap, depth=depth, fpu=0))
    fpu = done(memharness.run("task_overhead", heap, depth=depth, fpu=1))
    tcb = type_size(memharness.firmware(heap).elf, "TCB_t")
    assert tcb is not None
    for run in (plain, fpu):
        cost = run.last(TaskCost)
        assert cost is not None and cost.tcb_size == tcb
        layout = run.layout
        assert cost.taken == (allocation_cost(heap, depth * layout.word, layout) or 0) + (
            allocation_cost(heap, tcb, layout) or 0)
    extra = _stack_used(fpu) - _stack_used(plain)
    if mh_board.has_fpu:
        assert extra == FPU_EXTENDED_FRAME_BYTES, (_stack_used(plain), _stack_used(fpu))
    else:
        assert extra < FPU_EXTENDED_FRAME_BYTES  # soft float: library calls, no extended frame
    taken = [c.taken for c in plain.events(TaskCost)]
    print(f"\n{mh_board.name} task_overhead heap_4 depth={depth}: taken={taken} "
          f"stack used {_stack_used(plain)} B, with the FPU {_stack_used(fpu)} B (+{extra})")


def _where(scenario: str, board: Board) -> tuple[str, str]:
    """A (heap, profile) the scenario runs on, a different scheme on each board where it can."""
    spec = next(s for s in CATALOGUE if s.name == scenario)
    if "dynamic" not in spec.profiles:
        return NO_HEAP, "static"
    profile = "dynamic"
    start = board_names().index(board.name) + OTHER_SCENARIOS.index(scenario)
    heaps = [HEAPS[(start + k) % len(HEAPS)] for k in range(len(HEAPS))]
    return next(h for h in heaps if spec.applies(h, profile)), profile


def _records(run: Run, kind: str) -> list[Event]:
    return [e for e in run.entries if isinstance(e, Event)
            and (e.kind == kind or (isinstance(e, Unknown) and e.name == kind))]


@pytest.mark.parametrize("scenario", OTHER_SCENARIOS)
def test_every_other_scenario_runs_to_its_end(memharness: Bench, mh_board: Board, scenario: str) -> None:
    heap, profile = _where(scenario, mh_board)
    run = done(memharness.run(scenario, heap, profile, **SHORT.get(scenario, {})))
    finished = run.last(Done)
    assert finished is not None and finished.status == "ok" and len(run.boots) == 1
    assert run.boots[0].board == mh_board.name and run.last(Fault) is None
    if scenario == "malloc_failed":
        [reset] = _records(run, "min_ever_reset")
        has_it = heap in ("heap_4", "heap_5") and parse_version(run.kernel) >= MIN_EVER_RESET_SINCE
        assert reset.fields.get("available") == int(has_it), (heap, run.kernel)


def test_the_subset_runs_every_scenario_of_the_catalogue() -> None:
    assert {s.name for s in CATALOGUE} == COVERED_ABOVE | set(OTHER_SCENARIOS)
    assert COVERED_ABOVE <= {s.name for s in CATALOGUE}, "a scenario this module runs left the catalogue"


def test_an_assert_and_a_fault_reset_the_board_and_say_where(memharness: Bench) -> None:
    early = memharness.run("heap5_early", "heap_5", timeout=20)
    assert early.outcome is Outcome.RESET and early.reason == "assert", early.describe()
    failure = early.last(Assert)
    assert failure is not None and failure.file == "heap_5.c" and early.boots[-1].reset_line == failure.line_number

    fault = memharness.run("fault_inject", kind=1)
    if memharness.emulator == "renode":
        # Renode reads 0 from an address no peripheral answers (and logs it): no BusFault there.
        assert fault.outcome is Outcome.DONE and fault.last(Fault) is None, fault.describe()
        return
    assert fault.outcome is Outcome.RESET and fault.reason == "hardfault", fault.describe()
    record = fault.last(Fault)
    assert record is not None and record.pc is not None
    assert fault.boots[-1].reset == "hardfault" and fault.boots[-1].reset_pc == record.pc
