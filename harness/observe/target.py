"""Boot a user's FreeRTOS image and watch it from outside: snapshots, faults, resets, hangs.

    result = run_image(image, board, Path("results/app"), plan=Plan(every_ticks=10, end_ticks=100))
    result.run.outcome, result.snapshots[-1].heap.free, result.snapshot("tick 50").task("IDLE")

The image does not speak the protocol: its UART text is kept in the run's log as `Text` entries
(records only if it prints them), and the harness adds the events it makes from outside, so every
existing assertion, keyword and report reads the result (`ImageRun.run` is a `harness.run.Run`):
- a `boot` per power-on and per reset (a breakpoint on the reset handler from the vector table);
- at each snapshot, a `heap` event labelled with the snapshot and a `stack` event per task;
- `stack_overflow`, `malloc_failed` (counted, the run goes on), `fault` (hardfault, memmanage,
  busfault, usagefault, stack_limit) and `assert` from breakpoints on the hooks and handlers.

Snapshot points. Deterministic under `-icount` (identical figures run to run): after N kernel
ticks (at xTaskIncrementTick's entry with xTickCount == N, reached as `ticks.py` says; a tick at
which the scheduler is suspended is passed over for the next, so no heap operation is half done),
at the Nth call of a function, at the end of a run bounded by ticks or by a call. Each breakpoint
stop before a point ends the image's current tick early (QEMU's icount clock, `ticks.py`): the same
in every run, so figures stay identical run to run, but a function hit a thousand times costs the
image a thousand shortened ticks; count ticks where you can. Host-timed: when a UART line arrives
(the target is interrupted, wherever it is). A run ends when its end condition is met (outcome
`done`), at a fatal hook or handler (outcome `reset`, reason its kind, as our firmware's hooks
report), after `max_resets` resets or a reset loop, when the tick count stops advancing for
`hang_seconds` (`timeout`, reason `hang`), or at the wall-clock `timeout` (a partial result, every
snapshot taken so far kept).

The gdb stub is connected from power-on (QEMU is started held at reset so breakpoints are in
place first) and only for image runs; our own firmware's runs never start one.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

from harness.emulators import backend as find_backend
from harness.emulators.base import EmulatorExited, Session
from harness.errors import EmulatorError, UsageError
from harness.observe.gdbstub import GdbRemote, StubError, TargetExited
from harness.observe.heap_state import HeapState
from harness.observe.image import KernelImage
from harness.observe.plan import Plan
from harness.observe.snapshot import Snapshot, When
from harness.observe.task_state import TaskState
from harness.observe.watch import UsageProblem, Watcher, WatchState, check_plan
from harness.platforms import Board
from harness.run import Interrupted, Outcome, Run

ATTEMPTS = 3  # runs to catch every tick point on time (see ticks.py)


@dataclass(frozen=True)
class ImageRun:
    """A user image's run: the timeline (`run`, like any scenario's) and the snapshots taken."""

    run: Run
    snapshots: tuple[Snapshot, ...]
    image: KernelImage
    malloc_failures: int = 0

    def snapshot(self, label: str | None = None) -> Snapshot:
        """The snapshot labelled `label`, or the last one."""
        if not self.snapshots:
            raise KeyError(f"no snapshot was taken ({self.run.outcome.value}: {self.run.reason})")
        if label is None:
            return self.snapshots[-1]
        for snap in self.snapshots:
            if snap.label == label:
                return snap
        raise KeyError(f"no snapshot {label!r} (taken: {', '.join(s.label for s in self.snapshots)})")

    def heap(self, label: str | None = None) -> HeapState:
        """The heap at snapshot `label` (default: the last)."""
        return self.snapshot(label).heap

    def tasks(self, label: str | None = None) -> tuple[TaskState, ...]:
        """Every task at snapshot `label` (default: the last)."""
        return self.snapshot(label).tasks

    def hwm(self, task: str, label: str | None = None) -> int:
        """`task`'s high-water mark in bytes (never-touched stack) at snapshot `label`."""
        return self.snapshot(label).task(task).hwm_bytes


def _attempt(
    image: KernelImage, board: Board, uart_log: Path, plan: Plan, emulator: str, timeout: float,
    hang_seconds: float, max_resets: int, assert_symbol: str | None, label: str | None, care: int,
) -> ImageRun:
    chosen = find_backend(emulator)
    started = time.monotonic()
    session: Session | None = None
    gdb: GdbRemote | None = None
    watcher: Watcher | None = None
    outcome, reason = Outcome.TIMEOUT, ""
    command: tuple[str, ...] = ()
    interrupted = False
    try:
        session = chosen.start(board, image.elf, uart_log, debug=True)
        command = tuple(getattr(session, "command", ()))
        endpoint = session.debug_endpoint
        if endpoint is None:
            raise EmulatorError(
                f"the {emulator} backend offers no debug interface", "run user images with --emulator qemu"
            )
        gdb = GdbRemote(endpoint)
        watcher = Watcher(image, board, session, gdb, plan, assert_symbol, hang_seconds, max_resets)
        watcher.ticks.care = care
        watcher.arm()
        outcome, reason = watcher.watch(started + timeout)
    except UsageProblem as exc:
        raise UsageError(exc.message, exc.fix) from None
    except (TargetExited, EmulatorExited) as exc:
        outcome, reason = Outcome.EMULATOR_DIED, str(exc)
    except StubError as exc:
        if session is None or gdb is None:
            raise
        outcome, reason = Outcome.EMULATOR_DIED, exc.message
    except KeyboardInterrupt:
        outcome, reason, interrupted = Outcome.INTERRUPTED, "interrupted by the user", True
    finally:
        if gdb is not None:
            gdb.close()
        if session is not None:
            session.stop()
            if watcher is not None:
                try:
                    watcher.drain_uart()  # the lines still on their way when it stopped
                except EmulatorExited:
                    pass
    state = watcher.state if watcher is not None else WatchState()
    run = Run(
        label=label or f"{board.name}-{image.elf.stem}", board=board.name, heap=image.heap, profile="image",
        kernel="unknown", scenario="image", params={}, entries=tuple(state.entries), outcome=outcome,
        reason=reason, wall_time=time.monotonic() - started, uart_log=uart_log, command=command,
        warnings=tuple([session.log_error] if session is not None and session.log_error else []),
    )
    result = ImageRun(run, tuple(state.snapshots), image, state.malloc_failures)
    if interrupted:
        raise Interrupted(run)
    return result


def run_image(
    image: KernelImage,
    board: Board,
    uart_log: Path,
    plan: Plan | None = None,
    *,
    emulator: str = "qemu",
    timeout: float = 30.0,
    hang_seconds: float = 3.0,
    max_resets: int = 0,
    assert_symbol: str | None = None,
    label: str | None = None,
    attempts: int = ATTEMPTS,
) -> ImageRun:
    """Boot `image` on `board`, watch it as `plan` says, and return the timeline and snapshots.

    Never leaves the emulator running; raises `harness.run.Interrupted` (with the run so far) on
    Ctrl-C. A plan naming a function the image lacks is a UsageError. A tick point the host was too
    slow to catch (`ticks.py`) makes the whole run go again from power-on, which under -icount
    replays it exactly, looking more often, up to `attempts` runs; a point still missed is kept,
    marked `on_time=False`, with a warning.
    """
    plan = plan or Plan()
    try:
        check_plan(image, plan)
    except UsageProblem as exc:
        raise UsageError(exc.message, exc.fix) from None
    result = None
    for care in range(max(attempts, 1)):
        result = _attempt(image, board, uart_log, plan, emulator, timeout, hang_seconds, max_resets,
                          assert_symbol, label, care)
        late = [s.label for s in result.snapshots if s.how is When.TICKS and not s.on_time]
        if not late:
            break
    assert result is not None
    if late:
        warning = (f"tick point(s) {', '.join(late)} passed before the host could look (a loaded machine); "
                   f"taken late, not deterministic, after {attempts} run(s)")
        result = dataclasses.replace(result, run=dataclasses.replace(
            result.run, warnings=(*result.run.warnings, warning)))
    return result


__all__ = ["ImageRun", "Plan", "run_image"]
