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
ticks (at xTaskIncrementTick's entry with xTickCount == N; a tick at which the scheduler is
suspended is passed over for the next, so no heap operation is half done), at the Nth call of a
function, at the end of a run bounded by ticks or by a call. A breakpoint stop ends the image's
current tick early (QEMU's icount clock, `ticks.py`), so on QEMU a run with such points is
recorded (QEMU's record/replay) while the host only looks (interrupts, which change nothing; only
stops that end the run are breakpoints), then replayed with breakpoints at the functions and at
every tick, where stops change nothing (the replay is never interrupted from the host: QEMU 7.2's
replay can end early when it is): the replay's timeline, exact and as the image runs
unwatched, with the recorded run's outcome. Where that cannot be (a run ending at a call, which
the record cannot see; Espressif's QEMU) the live run stops at the points, each stop shortening
one tick the same way every run, and the host puts the tick breakpoint in at N (`ticks.py`),
going again from power-on up to `attempts` runs when a loaded machine made it late. Host-timed:
when a UART line arrives (the target is interrupted, wherever it is). A run ends when its end condition is met (outcome
`done`), at a fatal hook or handler (outcome `reset`, reason its kind, as our firmware's hooks
report), after `max_resets` resets or a reset loop, when the tick count stops advancing for
`hang_seconds` (`timeout`, reason `hang`), or at the wall-clock `timeout` (a partial result, every
snapshot taken so far kept).

The gdb stub is connected from power-on (QEMU is started held at reset so breakpoints are in
place first) and only for image runs; our own firmware's runs never start one.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from harness.emulators import backend as find_backend
from harness.emulators.base import EmulatorExited, Replay, Session
from harness.errors import EmulatorError, UsageError
from harness.events import Entry, Event, Heap, Stack, Text
from harness.observe.gdbstub import GdbRemote, StubError, TargetExited
from harness.observe.heap_state import HeapState
from harness.observe.image import KernelImage
from harness.observe.plan import Plan
from harness.observe.snapshot import Snapshot, When
from harness.observe.task_state import TaskState
from harness.observe.watch import TickMode, UsageProblem, Watcher, WatchState, check_plan, snapshot_events
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


@dataclass(frozen=True)
class _Watching:
    """How one run of the image is watched (the same for every attempt and its replay)."""

    image: KernelImage
    board: Board
    emulator: str
    timeout: float
    hang_seconds: float
    max_resets: int
    assert_symbol: str | None
    label: str | None


def _attempt(
    how: _Watching, uart_log: Path, plan: Plan, care: int = 0, tick_mode: TickMode = "arm",
    replay: Replay | None = None,
) -> tuple[ImageRun, WatchState]:
    image, board, emulator, timeout = how.image, how.board, how.emulator, how.timeout
    hang_seconds, max_resets, assert_symbol, label = how.hang_seconds, how.max_resets, how.assert_symbol, how.label
    chosen = find_backend(emulator)
    started = time.monotonic()
    session: Session | None = None
    gdb: GdbRemote | None = None
    watcher: Watcher | None = None
    outcome, reason = Outcome.TIMEOUT, ""
    command: tuple[str, ...] = ()
    interrupted = False
    try:
        if replay is not None:
            session = chosen.start(board, image.elf, uart_log, debug=True, replay=replay)
        else:
            session = chosen.start(board, image.elf, uart_log, debug=True)
        command = tuple(getattr(session, "command", ()))
        endpoint = session.debug_endpoint
        if endpoint is None:
            raise EmulatorError(
                f"the {emulator} backend offers no debug interface", "run user images with --emulator qemu"
            )
        gdb = GdbRemote(endpoint)
        gdb.steps_take_interrupts = replay is not None
        watcher = Watcher(image, board, session, gdb, plan, assert_symbol, hang_seconds, max_resets, tick_mode)
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
    return result, state


def _recorded(how: _Watching, uart_log: Path, plan: Plan) -> ImageRun:
    """Record the run, stopping the image only where the run ends, then take every point from its
    replay (module docstring): the replay's timeline (the same UART text, hits, malloc failures,
    exact tick snapshots) with the recorded run's outcome. A replay that fails leaves the recorded
    run's late looks, with a warning."""
    with tempfile.TemporaryDirectory(prefix="memharness-replay-") as private:  # mode 0700
        log = Path(private) / "run.replay"
        live, _ = _attempt(how, uart_log, plan, tick_mode="look", replay=Replay("record", log))
        if live.run.outcome is Outcome.EMULATOR_DIED or not log.exists():
            return _late_warning(live, "the emulator ended before its record of the run was complete")
        try:  # no host stops in a replay: an interrupt can end QEMU's replay early (seen under load)
            exact, _ = _attempt(
                how, Path(private) / "replay-uart.log", dataclasses.replace(plan, end_line=None, at_lines=()),
                tick_mode="break", replay=Replay("replay", log),
            )
        except Interrupted:
            raise Interrupted(live.run) from None
    entries, snapshots = list(exact.run.entries), list(exact.snapshots)
    if exact.run.outcome is Outcome.EMULATOR_DIED:  # the replay ran out of record just before the run's end
        tail = _tail(live, entries, {s.label for s in snapshots})
        kept = {e.at for e in tail if isinstance(e, Heap)}
        entries += tail
        snapshots += [s for s in live.snapshots if s.label in kept]
    elif (exact.run.outcome, exact.run.reason) != (live.run.outcome, live.run.reason):
        return _late_warning(live, f"the replay ended otherwise ({exact.run.outcome.value}: {exact.run.reason})")
    entries, snapshots = _line_points(live, entries, snapshots)
    run = dataclasses.replace(
        live.run, entries=tuple(dataclasses.replace(e, line=n) for n, e in enumerate(entries, 1)),
        wall_time=live.run.wall_time + exact.run.wall_time,
    )
    return _late_warning(dataclasses.replace(live, run=run, snapshots=tuple(snapshots),
                                             malloc_failures=exact.malloc_failures), "the replay missed them")


def _line_points(live: ImageRun, entries: list[Entry], snapshots: list[Snapshot]) -> tuple[list[Entry], list[Snapshot]]:
    """The recorded run's UART-line snapshots (host-timed: the replay takes none) put into the
    replay's timeline after the same UART line they followed there."""
    have = {s.label for s in snapshots}
    lines = [s for s in live.snapshots if s.how is When.LINE and s.label not in have]
    if not lines:
        return entries, snapshots
    after: dict[str, int] = {}  # label -> how many UART lines came before it in the recorded run
    seen = 0
    for entry in live.run.entries:
        if isinstance(entry, Text):
            seen += 1
        elif isinstance(entry, Heap) and entry.at not in after:
            after[entry.at] = seen
    pending = sorted(lines, key=lambda s: after.get(s.label, 0))
    out: list[Entry] = []

    def place(seen: int) -> None:
        while pending and after.get(pending[0].label, 0) <= seen:
            out.extend(snapshot_events(pending.pop(0)))

    seen = 0
    place(seen)
    for entry in entries:
        out.append(entry)
        if isinstance(entry, Text):
            seen += 1
            place(seen)
    out += [e for s in pending for e in snapshot_events(s)]
    position = {e.at: n for n, e in reversed(list(enumerate(out))) if isinstance(e, Heap)}
    return out, sorted(snapshots + lines, key=lambda s: position.get(s.label, len(out)))


def _tail(live: ImageRun, replayed: list[Entry], taken: set[str]) -> list[Entry]:
    """What the recorded run saw that its replay could not reach (the last stops before the run
    ended), in the recorded run's order: its entries after the UART line the replay read last, and
    before that line any event beyond the replay's count of its kind and the run's end and fault
    snapshots (a line still on its way when the run stopped is read after the stop's events). Not
    the late looks at tick points, nor snapshots the replay took (`taken`)."""
    entries = live.run.entries
    texts = sum(isinstance(e, Text) for e in replayed)
    seen, start = 0, 1  # after the power-on boot when no line came
    for index, entry in enumerate(entries):
        if isinstance(entry, Text):
            seen += 1
            if seen == texts:
                start = index + 1
                break
    ends = {s.label for s in live.snapshots if s.how in (When.END, When.FAULT)} - taken

    def kind(entry: Entry) -> type | None:
        return type(entry) if isinstance(entry, Event) and not isinstance(entry, (Heap, Stack)) else None

    beyond = Counter(kind(e) for e in entries if kind(e)) - Counter(kind(e) for e in replayed if kind(e))
    beyond -= Counter(kind(e) for e in entries[start:] if kind(e))
    keep = set(range(start, len(entries)))
    for index in range(start - 1, 0, -1):
        entry = entries[index]
        cls = kind(entry)
        if cls is not None and beyond[cls] > 0:
            beyond[cls] -= 1
            keep.add(index)
        elif isinstance(entry, (Heap, Stack)) and entry.at in ends:
            keep.add(index)

    def late_or_taken(entry: Entry) -> bool:
        if not isinstance(entry, (Heap, Stack)) or entry.at in ends:
            return False
        return (entry.at or "").startswith("tick ") or entry.at in taken

    return [entries[i] for i in sorted(keep) if not late_or_taken(entries[i])]


def _late_warning(result: ImageRun, why: str) -> ImageRun:
    late = [s.label for s in result.snapshots if s.how in (When.TICKS, When.END) and not s.on_time]
    if not late:
        return result
    warning = f"tick point(s) {', '.join(late)} taken late, not deterministic: {why}"
    return dataclasses.replace(result, run=dataclasses.replace(result.run, warnings=(*result.run.warnings, warning)))


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
    how = _Watching(image, board, emulator, timeout, hang_seconds, max_resets, assert_symbol, label)
    if (plan.tick_points() or plan.at_hits) and plan.end_hit is None and find_backend(emulator).replays:
        return _recorded(how, uart_log, plan)
    result = None
    for care in range(max(attempts, 1)):
        result, _ = _attempt(how, uart_log, plan, care)
        late = [s.label for s in result.snapshots if s.how is When.TICKS and not s.on_time]
        if not late:
            break
    assert result is not None
    return _late_warning(result, f"passed before the host could look (a loaded machine), after {attempts} run(s)")


__all__ = ["ImageRun", "Plan", "run_image"]
