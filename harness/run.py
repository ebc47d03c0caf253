"""A run: one scenario on one booted image, from the first UART byte to how it ended.

`execute()` drives a backend session through the protocol (wait for `ready`, send the command,
follow records until `done`, a reset, a deadline or the emulator's end) and returns a `Run`, the
timeline every assertion, report and keyword reads. The session is stopped on every path out,
and SIGINT/SIGTERM arriving while it starts or stops are held back until that is done, so an
interrupt can never leave an emulator without its owner.

Whatever the firmware does, the run ends with an outcome and a reason: no `ready` or a hang is a
`timeout`, four boots in a row without a `ready` is a `reset` of kind `reset_loop`, and a busy
loop printing text with no record in between is a `flood`, ended before it fills memory or disk.
"""

from __future__ import annotations

import dataclasses
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from harness.build import Firmware
from harness.emulators import backend as find_backend
from harness.emulators.base import EmulatorExited, Session
from harness.errors import EmulatorError
from harness.events import (
    PROTOCOL_VERSION,
    Assert,
    BadRecord,
    Boot,
    Done,
    Entry,
    Error,
    Event,
    Fault,
    Heap,
    Ready,
    ResetRequest,
    StackOverflow,
    Text,
    Unknown,
)
from harness.heap_rules import CORTEX_M, FIGURES, NotAvailable, PortLayout
from harness.outcome import FLOOD_LINES as FLOOD_LINES  # re-exported: callers name it harness.run's
from harness.outcome import Outcome as Outcome
from harness.protocol import parse_line

E = TypeVar("E", bound=Event)

TAIL_LINES = 12
RESET_LOOP_BOOTS = 4  # this many boots in a row with no `ready` between them is a reset loop
_HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True)
class Run:
    """One scenario's timeline: entries in UART order, boots, how and why it ended, timing."""

    label: str
    board: str
    heap: str
    profile: str
    kernel: str
    scenario: str
    params: Mapping[str, int]
    entries: tuple[Entry, ...]
    outcome: Outcome
    reason: str  # for a reset: its kind (stack_overflow, assert, hardfault, ...); else detail
    wall_time: float
    uart_log: Path
    command: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    # --- reading the timeline ---------------------------------------------------------------
    def events(self, cls: type[E]) -> list[E]:
        return [e for e in self.entries if isinstance(e, cls)]

    def first(self, cls: type[E]) -> E | None:
        found = self.events(cls)
        return found[0] if found else None

    def last(self, cls: type[E]) -> E | None:
        found = self.events(cls)
        return found[-1] if found else None

    @property
    def boots(self) -> list[Boot]:
        return self.events(Boot)

    @property
    def layout(self) -> PortLayout:
        """The port's alignment and stack word as the first boot record gives them (Cortex-M's if
        the firmware predates those keys)."""
        boot = self.boots[0] if self.boots else None
        if boot is None or boot.align is None:
            return CORTEX_M
        return PortLayout(boot.align, boot.stack_word or CORTEX_M.word)

    @property
    def resets(self) -> int:
        return max(len(self.boots) - 1, 0)

    @property
    def texts(self) -> list[str]:
        return [e.text for e in self.entries if isinstance(e, Text)]

    @property
    def bad_records(self) -> list[BadRecord]:
        return [e for e in self.entries if isinstance(e, BadRecord)]

    def boot_phase(self) -> list[Entry]:
        """Entries from the first boot record up to the first `ready`."""
        out: list[Entry] = []
        for entry in self.entries:
            out.append(entry)
            if isinstance(entry, Ready):
                break
        return out

    def heap_at(self, label: str) -> Heap:
        """The last heap record labelled `label` (KeyError naming what was seen if none)."""
        for entry in reversed(self.entries):
            if isinstance(entry, Heap) and entry.at == label:
                return entry
        seen = sorted({e.at for e in self.events(Heap)})
        raise KeyError(f"no heap record at={label!r} in this run (seen: {', '.join(seen) or 'none'})")

    def figure(self, label: str, name: str) -> int:
        """One heap figure; NotAvailable (never 0) when the scheme does not report it."""
        value = getattr(self.heap_at(label), name)
        if value is None:
            if name not in FIGURES.get(self.heap, frozenset()):
                raise NotAvailable(name, self.heap)
            raise KeyError(f"heap record at={label!r} lacks {name} although {self.heap} reports it")
        assert isinstance(value, int)
        return value

    def tail(self, lines: int = TAIL_LINES) -> list[str]:
        out: list[str] = []
        for entry in self.entries[-lines:]:
            out.append(entry.text if isinstance(entry, (Text, BadRecord)) else record_text(entry))
        return out

    @property
    def cause(self) -> Event | None:
        """The record that tells why the run ended badly: the hook's or fault handler's own
        record (stack_overflow, assert, fault) for a reset, the `error` record for a refusal;
        failing those, the boot record that reports a reset of a running board."""
        if self.outcome not in (Outcome.RESET, Outcome.REJECTED):
            return None
        for entry in reversed(self.entries):
            if isinstance(entry, (StackOverflow, Assert, Fault, Error)):
                return entry
        for boot in reversed(self.boots):
            if boot.reset not in ("power_on", ""):
                return boot
        return None

    def describe(self) -> str:
        """One paragraph for a failure message: how it ended, the last lines, the full log."""
        lines = "\n".join(f"    {t}" for t in self.tail())
        cause = self.cause
        because = f"\n  cause: {record_text(cause)}" if cause is not None else ""
        return (
            f"{self.label} {self.scenario}: {self.outcome.value} ({self.reason}) after "
            f"{self.wall_time:.2f} s{because}\n  last lines:\n{lines}\n  full UART log: {self.uart_log}"
        )


def record_text(event: Event) -> str:
    """A record as the firmware printed it (addresses and registers in hex)."""
    body = " ".join(f"{k}={v:#010x}" if k in _HEX_KEYS and isinstance(v, int) else f"{k}={v}"
                    for k, v in event.fields.items())
    name = event.name if isinstance(event, Unknown) else event.kind
    return f"@mh {name} {body}".rstrip()


_HEX_KEYS = frozenset({
    "ptr", "addr", "pc", "lr", "psr", "cfsr", "hfsr", "mmfar", "bfar", "stack_base", "reset_pc", "reset_cfsr",
    "reset_mcause", "limit",
    "mcause", "mtval", "mepc", "ra", "sp", "excvaddr", "mstatus", "ps", "a0", "a1",
})


Probe = Callable[[Event, Session], list[Event]]
"""Called with each record while the board runs; may read target RAM through the session and
returns harness-made events (e.g. a stack measured from outside) to add to the timeline."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM arrived during a run; `run` is what had happened up to then.

    A KeyboardInterrupt, so pytest, Robot and `except Exception` treat it as the user's stop,
    never as a failed test; the emulator is already stopped when it is raised.
    """

    def __init__(self, run: Run) -> None:
        super().__init__("interrupted")
        self.run = run


def command_line(scenario: str, params: Mapping[str, int]) -> str:
    return " ".join(["run", scenario, *(f"{k}={v}" for k, v in params.items())])


class _Timeline:
    """Collects entries as lines arrive and knows where the protocol stands."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.warnings: list[str] = []
        self.started = time.monotonic()
        self.not_records = 0  # lines in a row that were not records (flood detection)
        self._newer_protocol = False

    def add_measured(self, events: list[Event]) -> None:
        for event in events:
            self.entries.append(dataclasses.replace(event, line=len(self.entries) + 1))

    def add(self, text: str) -> Entry:
        entry = parse_line(text, len(self.entries) + 1)
        self.entries.append(entry)
        self.not_records = 0 if isinstance(entry, Event) else self.not_records + 1
        if isinstance(entry, (Boot, Ready)) and entry.proto > PROTOCOL_VERSION and not self._newer_protocol:
            self._newer_protocol = True
            self.warnings.append(
                f"firmware speaks protocol {entry.proto}, this harness {PROTOCOL_VERSION}: "
                "unknown keys and records are kept but not interpreted (update memharness)"
            )
        return entry

    def closing_warnings(self, session: Session | None) -> None:
        """What the report must say about the run's own evidence: bad records, a lost log."""
        bad = [e for e in self.entries if isinstance(e, BadRecord)]
        if bad:
            self.warnings.append(
                f"{len(bad)} malformed record(s) kept as bad_record entries; the first, line "
                f"{bad[0].line}: {bad[0].reason}"
            )
        log_error = getattr(session, "log_error", None)
        if log_error:
            self.warnings.append(f"UART log: {log_error}")


@contextmanager
def _signals_held() -> Iterator[list[int]]:
    """Hold SIGINT/SIGTERM back while an emulator starts or stops; yields those that came.

    The caller re-delivers them (`_deliver`) once the emulator has an owner again. Signal
    handlers can only be set from the main thread; elsewhere this holds nothing.
    """
    held: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield held
        return
    previous = {sig: signal.getsignal(sig) for sig in _HELD_SIGNALS}
    for sig in _HELD_SIGNALS:
        signal.signal(sig, lambda signum, frame: held.append(signum))
    try:
        yield held
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def _deliver(held: list[int]) -> None:
    """Send the held signals again, now to their own handlers (Ctrl-C: KeyboardInterrupt)."""
    for signum in dict.fromkeys(held):
        signal.raise_signal(signum)


def execute(
    firmware: Firmware,
    scenario: str,
    params: Mapping[str, int],
    uart_log: Path,
    *,
    emulator: str | None = None,
    icount_shift: int | None = None,
    timeout: float = 30.0,
    boot_timeout: float = 10.0,
    max_resets: int = 1,
    probe: Probe | None = None,
    flood_lines: int = FLOOD_LINES,
) -> Run:
    """Boot `firmware`, run `scenario`, and return the timeline. Never leaves the emulator running.

    Raises `Interrupted` (with the timeline so far) on Ctrl-C or SIGTERM, after the emulator
    has stopped.
    """
    variant = firmware.variant
    chosen = find_backend(emulator or variant.board.default_emulator)
    timeline = _Timeline()
    outcome, reason = Outcome.TIMEOUT, ""
    session: Session | None = None
    command: tuple[str, ...] = ()
    interrupted = False
    late: list[int] = []

    def finish(outcome: Outcome, reason: str) -> Run:
        return Run(
            label=variant.label, board=variant.board.name, heap=variant.heap, profile=variant.profile,
            kernel=variant.kernel.version, scenario=scenario, params=dict(params),
            entries=tuple(timeline.entries), outcome=outcome, reason=reason,
            wall_time=time.monotonic() - timeline.started, uart_log=uart_log, command=command,
            warnings=tuple(timeline.warnings),
        )

    try:
        with _signals_held() as early:
            session = chosen.start(variant.board, firmware.elf, uart_log, icount_shift)
        command = tuple(getattr(session, "command", ()))
        _deliver(early)
        outcome, reason = _drive(
            session, timeline, scenario, params, timeout, boot_timeout, max_resets, probe, flood_lines
        )
    except EmulatorExited as exc:
        outcome, reason = Outcome.EMULATOR_DIED, exc.describe()
    except EmulatorError as exc:
        if session is None:
            raise  # it never started: the user needs the error and its fix, there is no run
        outcome, reason = Outcome.EMULATOR_DIED, exc.message  # e.g. QMP gone under a probe
    except KeyboardInterrupt:
        outcome, reason, interrupted = Outcome.INTERRUPTED, "interrupted by the user", True
    finally:
        if session is not None:
            with _signals_held() as late:
                session.stop()
    timeline.closing_warnings(session)
    run = finish(outcome, reason)
    if late and not interrupted:
        try:
            _deliver(late)  # a default SIGTERM ends the process here, as it would have anyway
        except KeyboardInterrupt:
            interrupted = True
    if interrupted:
        raise Interrupted(run)
    return run


def _drive(
    session: Session,
    timeline: _Timeline,
    scenario: str,
    params: Mapping[str, int],
    timeout: float,
    boot_timeout: float,
    max_resets: int,
    probe: Probe | None,
    flood_lines: int = FLOOD_LINES,
) -> tuple[Outcome, str]:
    deadline = time.monotonic() + boot_timeout
    boots = 0
    while True:
        line = session.read_line(deadline - time.monotonic())
        if line is None:
            silent = "" if timeline.entries else " (no UART output at all)"
            return Outcome.TIMEOUT, f"no ready record within {boot_timeout:g} s of power-on{silent}"
        entry = timeline.add(line)
        if isinstance(entry, Ready):
            break
        if isinstance(entry, Boot):
            boots += 1
            if boots >= RESET_LOOP_BOOTS:
                return Outcome.RESET, "reset_loop"
        if timeline.not_records >= flood_lines:
            return Outcome.FLOOD, f"{flood_lines} lines in a row without a record, before ready"
    session.write_line(command_line(scenario, params))
    deadline = time.monotonic() + timeout
    resets = 0
    boots = 0
    cause = ""
    expect_reset = False
    awaiting_ready = False
    while True:
        line = session.read_line(deadline - time.monotonic())
        if line is None:
            where = "after the reset, no ready" if awaiting_ready else "no done record"
            return Outcome.TIMEOUT, f"{where} within {timeout:g} s"
        entry = timeline.add(line)
        if timeline.not_records >= flood_lines:
            return Outcome.FLOOD, f"{flood_lines} lines in a row without a record"
        if probe is not None and isinstance(entry, Event):
            timeline.add_measured(probe(entry, session))
        if isinstance(entry, Done) and entry.scenario == scenario and not awaiting_ready:
            return Outcome.DONE, entry.status
        if isinstance(entry, Error) and not awaiting_ready:
            return Outcome.REJECTED, " ".join(f"{k}={v}" for k, v in entry.fields.items())
        if isinstance(entry, ResetRequest):
            expect_reset = True
        elif isinstance(entry, StackOverflow):
            cause = "stack_overflow"
        elif isinstance(entry, Assert):
            cause = "assert"
        elif isinstance(entry, Fault):
            cause = entry.fault
        elif isinstance(entry, Boot):
            boots += 1
            if boots >= RESET_LOOP_BOOTS:
                return Outcome.RESET, "reset_loop"
            if expect_reset:
                expect_reset = False
                continue
            resets += 1
            cause = entry.reset if entry.reset not in ("power_on", "") else cause or "external"
            awaiting_ready = True
        elif isinstance(entry, Ready):
            boots = 0
            if awaiting_ready:
                awaiting_ready = False
                if resets >= max_resets:
                    return Outcome.RESET, cause


def firmware_catalogue(firmware: Firmware, *, emulator: str | None = None, timeout: float = 10.0) -> list[str]:
    """The firmware's own scenario table (`list` command), as `name params` lines.

    Used to keep `harness.scenarios.CATALOGUE` and the C table from drifting apart.
    """
    from harness.events import ScenarioInfo

    chosen = find_backend(emulator or firmware.variant.board.default_emulator)
    with_log = Path(tempfile.mkdtemp(prefix="memharness-list-")) / "uart.log"
    session = chosen.start(firmware.variant.board, firmware.elf, with_log)
    timeline = _Timeline()
    try:
        deadline = time.monotonic() + timeout
        readies = 0
        while readies < 2:
            line = session.read_line(deadline - time.monotonic())
            if line is None:
                raise TimeoutError(f"no answer to `list` within {timeout:g} s")
            if isinstance(timeline.add(line), Ready):
                readies += 1
                if readies == 1:
                    session.write_line("list")
    finally:
        session.stop()
        shutil.rmtree(with_log.parent, ignore_errors=True)
    return [f"{e.name} {e.params}" for e in timeline.entries if isinstance(e, ScenarioInfo)]
