"""A user's image, read purely from outside: tests/fixtures/user_app on real QEMU.

The app links plain FreeRTOS, its own FreeRTOSConfig.h and main.c and a board's start-up code;
no record library, no console. Every figure asserted comes from the app's source (task stacks,
priorities, allocations), the ELF, or the kernel's rules, never from a previous run.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

import pytest

from harness import expect
from harness.elf import locate
from harness.events import Assert, Fault, MallocFailed, StackOverflow
from harness.kernel import resolve_kernel
from harness.observe.image import load_image
from harness.observe.plan import Plan
from harness.observe.target import ImageRun, run_image
from harness.platforms import Board
from harness.pytest_plugin import Bench, only_boards
from harness.run import Outcome

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fixtures" / "user_app"))
from build_app import APP_DIR, build_user_app

pytestmark = [pytest.mark.e2e]

WORD = 4
HEAP_BYTES = 24 * 1024  # configTOTAL_HEAP_SIZE in the app's FreeRTOSConfig.h
# name: (priority, stack bytes, where the size comes from), from main.c and the kernel defaults
TASKS = {
    "producer": (2, 256 * WORD, "heap block"),
    "consumer": (3, 200 * WORD, "heap block"),
    "logger": (1, 160 * WORD, "symbol uxLoggerStack"),
    "IDLE": (0, 128 * WORD, "symbol uxIdleTaskStack"),
    "Tmr Svc": (5, 256 * WORD, "symbol uxTimerTaskStack"),
}
CONSUMER_USE_BYTES = 400  # appCONSUMER_USE_BYTES: the consumer touches at least this much
APP_ALLOCATIONS = 3 + 1 + 2 * 2  # three blocks, the queue, two tasks' stack and TCB
APP_FREES = 1
FAULT_AFTER_TICKS = 30
PRODUCER_PERIOD_TICKS = 5  # the producer's vTaskDelay(pdMS_TO_TICKS(5)) at a 1 kHz tick


def app(board: Board, fault: str = "none", kernel: str | None = None) -> Path:
    return build_user_app(board, resolve_kernel(kernel) if kernel else resolve_kernel(), fault)


def watch(board: Board, fault: str, plan: Plan, folder: Path, kernel: str | None = None) -> ImageRun:
    return run_image(load_image(app(board, fault, kernel), board), board, folder / "uart.log", plan, timeout=60)


def figures(result: ImageRun) -> list[object]:
    """Everything a snapshot says about the image, without how long reading it took."""
    return [dataclasses.replace(s, read_seconds=0.0) for s in result.snapshots]


def test_heap_tasks_and_stacks_are_read_from_outside(mh_board: Board, tmp_path: Path) -> None:
    plan = Plan(at_hits=(("vAppWork", 3),), every_ticks=25, end_ticks=100)
    result = watch(mh_board, "none", plan, tmp_path / "a")
    run = result.run
    assert run.outcome is Outcome.DONE, run.describe()
    assert "app: boot" in run.texts and "app: tick" in run.texts  # the UART text is kept
    assert [s.label for s in result.snapshots] == ["vAppWork#3", "tick 25", "tick 50", "tick 75", "end"]
    assert all(s.deterministic for s in result.snapshots), run.warnings
    assert result.snapshot("tick 50").tick == 50
    # The stops cost the image nothing (recorded, then replayed): the producer sends an item every
    # PRODUCER_PERIOD_TICKS from tick 0, so the consumer's third vAppWork call is at tick 2 periods.
    assert result.snapshot("vAppWork#3").tick == 2 * PRODUCER_PERIOD_TICKS

    end = result.snapshot("end")
    heap = end.heap
    assert heap.scheme == "heap_4" and heap.arena == HEAP_BYTES
    assert (heap.allocs, heap.frees) == (APP_ALLOCATIONS, APP_FREES)
    assert heap.corruption is None and heap.walked_total == heap.free
    assert heap.free_blocks == len(heap.blocks) == 2  # the freed middle block, part reused, and the rest
    assert heap.largest == max(b.size for b in heap.blocks) and heap.smallest == min(b.size for b in heap.blocks)
    assert heap.min_ever is not None and heap.min_ever <= heap.free

    assert {t.name for t in end.tasks} == set(TASKS)
    for task in end.tasks:
        priority, size, source = TASKS[task.name]
        assert (task.priority, task.stack_size) == (priority, size), task
        assert task.size_source.startswith(source), task
        assert 0 < task.hwm_bytes < size and task.hwm_words == task.hwm_bytes // WORD
        assert task.used_bytes is not None and task.used_bytes <= size - task.hwm_bytes
    assert end.task("consumer").hwm_bytes <= TASKS["consumer"][1] - CONSUMER_USE_BYTES
    assert result.snapshot("vAppWork#3").task("consumer").state == "running"

    # existing assertions read the run like one of ours
    expect.free_heap_should_be(run, heap.free or 0, at="end")
    expect.stack_high_water_mark_should_be_at_least(run, "consumer", end.task("consumer").hwm_bytes)
    expect.board_should_not_reset(run)

    again = watch(mh_board, "none", plan, tmp_path / "b")
    assert all(s.deterministic for s in again.snapshots), again.run.warnings
    assert figures(again) == figures(result), "deterministic points give identical figures run to run"


def test_resets_are_counted_and_a_reset_loop_ends_the_run(mh_board: Board, tmp_path: Path) -> None:
    image = load_image(app(mh_board, "reset"), mh_board)
    once = run_image(image, mh_board, tmp_path / "a" / "uart.log", Plan(end_ticks=500), timeout=60)
    assert (once.run.outcome, once.run.reason, once.run.resets) == (Outcome.RESET, "external", 1), once.run.describe()
    loop = run_image(image, mh_board, tmp_path / "b" / "uart.log", Plan(end_ticks=500), timeout=60, max_resets=10)
    assert (loop.run.outcome, loop.run.reason) == (Outcome.RESET, "reset_loop"), loop.run.describe()
    assert len(loop.run.boots) == 4  # caught at the fourth boot's reset handler, before it prints
    assert loop.run.texts.count("app: boot") == loop.run.texts.count("app: fault now") == 3


def _assert_line(path: Path) -> int:
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if "configASSERT" in line and "ulAppWorkDone" in line:
            return number
    raise AssertionError("main.c has no configASSERT line")


@pytest.mark.parametrize("fault", ["overflow", "hardfault", "assert", "malloc_failed", "hang"])
def test_each_fault_is_caught_from_outside(mh_board: Board, fault: str, tmp_path: Path) -> None:
    plan = Plan(end_ticks=FAULT_AFTER_TICKS + 40)
    image = load_image(app(mh_board, fault), mh_board)
    result = run_image(image, mh_board, tmp_path / "uart.log", plan, timeout=60, hang_seconds=1.0)
    run = result.run
    assert "app: fault now" in run.texts, run.describe()
    if fault == "hang":
        assert run.outcome is Outcome.TIMEOUT and run.reason.startswith("hang: the tick count stayed at"), run.reason
        assert result.snapshots[-1].tick == FAULT_AFTER_TICKS and not result.snapshots[-1].deterministic
        return
    if fault == "malloc_failed":
        assert run.outcome is Outcome.DONE, run.describe()  # counted, the run goes on
        assert result.malloc_failures == 1 and len(run.events(MallocFailed)) == 1
        assert "app: the huge allocation failed, going on" in run.texts
        return
    assert run.outcome is Outcome.RESET, run.describe()
    last = result.snapshots[-1]
    assert last.label == run.reason and last.tick is not None and last.tick >= FAULT_AFTER_TICKS
    if fault == "overflow":
        expect.board_should_reset(run, "canary")
        assert run.events(StackOverflow)[0].task == "victim"
    elif fault == "hardfault":
        expect.board_should_reset(run, "fault")
        event = run.events(Fault)[0]
        assert event.task == "victim" and event.pc is not None and event.cfsr is not None
        assert locate(result.image.elf, event.pc).function == "prvVictim"
        assert event.bfar == 0xFFFFFFF0 or event.hfsr  # the write to appBAD_ADDRESS
    else:
        expect.board_should_reset(run, "assert")
        event = run.events(Assert)[0]
        assert event.file.endswith("main.c") and event.line_number == _assert_line(APP_DIR / "main.c")


@pytest.mark.per_board
@only_boards(lambda b: "qemu" in b.emulator_names,
             "a user's image is read through QEMU's gdb stub (Renode's listens on every interface)")
def test_the_image_runs_and_its_hardfault_is_caught_on_every_board(memharness: Bench, mh_board: Board,
                                                                    tmp_path: Path) -> None:
    result = memharness.run_elf(app(mh_board, "hardfault", memharness.kernel_version), Plan(at_ticks=(10,)))
    run = result.run
    assert run.outcome is Outcome.RESET and run.reason == "hardfault", run.describe()
    ten = result.snapshot("tick 10")
    assert {t.name for t in result.tasks("tick 10")} == {*TASKS, "victim"}
    assert result.hwm("consumer", "tick 10") <= TASKS["consumer"][1] - CONSUMER_USE_BYTES
    assert result.heap("tick 10") == ten.heap
    assert ten.heap.corruption is None and ten.heap.arena == HEAP_BYTES
    caught = [t for t in run.texts if t.startswith("memharness: caught from outside")]
    assert caught and re.search(r"in task victim at prvVictim", caught[0]), caught


def test_the_gdb_client_reads_what_qmp_reads_and_stops_where_asked(mh_board: Board, tmp_path: Path) -> None:
    from harness.emulators.qemu import QemuBackend
    from harness.observe.gdbstub import SIGTRAP, GdbRemote

    elf = app(mh_board)
    image = load_image(elf, mh_board)
    session = QemuBackend().start(mh_board, elf, tmp_path / "uart.log", debug=True)
    try:
        assert session.debug_endpoint is not None and session.debug_endpoint.startswith("unix:")
        gdb = GdbRemote(session.debug_endpoint)
        assert gdb.registers()[15] == image.vectors[1] & ~1  # held at reset until we let it run
        tick_function = image.function("xTaskIncrementTick")
        assert tick_function is not None
        gdb.set_breakpoint(tick_function)
        gdb.resume()
        stop = gdb.wait_stop(30)
        assert stop is not None and stop.signal == SIGTRAP and gdb.registers()[15] == tick_function
        base = mh_board.memory.ram.base
        assert gdb.read_memory(base, 1500) == session.read_memory(base, 1500)  # three `m` packets, one QMP read
        with pytest.raises(OSError):
            gdb.read_memory(0xFFFFFFF0 - 0x10000000, 4)  # no memory there
        gdb.remove_breakpoint(tick_function)
        gdb.resume()
        assert gdb.interrupt().signal != SIGTRAP  # a stop the host asked for
        gdb.detach()
    finally:
        session.stop()
