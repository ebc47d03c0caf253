"""A run: one scenario on one booted image, from the first UART byte to how it ended.

`execute()` drives a backend session through the protocol (wait for `ready`, send the command,
follow records until `done`, a reset, a deadline or the emulator's end) and returns a `Run`, the
timeline every assertion, report and keyword reads. The session is stopped on every path out.
"""

from __future__ import annotations

import dataclasses
import enum
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from harness.build import Firmware
from harness.emulators import backend as find_backend
from harness.emulators.base import EmulatorExited, Session
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
)
from harness.heap_rules import FIGURES, NotAvailable
from harness.protocol import parse_line

E = TypeVar("E", bound=Event)

TAIL_LINES = 12


class Outcome(str, enum.Enum):
    DONE = "done"  # the scenario printed its done record
    RESET = "reset"  # the board reset (hook, assert, fault) and came back
    TIMEOUT = "timeout"  # a deadline passed: no ready, or a hang mid-scenario
    REJECTED = "rejected"  # the firmware refused the command (error record)
    EMULATOR_DIED = "emulator_died"  # the emulator process ended on its own
    INTERRUPTED = "interrupted"  # Ctrl-C or SIGTERM


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
            out.append(entry.text if isinstance(entry, (Text, BadRecord)) else _record_text(entry))
        return out

    def describe(self) -> str:
        """One paragraph for a failure message: how it ended, the last lines, the full log."""
        lines = "\n".join(f"    {t}" for t in self.tail())
        return (
            f"{self.label} {self.scenario}: {self.outcome.value} ({self.reason}) after "
            f"{self.wall_time:.2f} s\n  last lines:\n{lines}\n  full UART log: {self.uart_log}"
        )


def _record_text(event: Event) -> str:
    body = " ".join(f"{k}={v:#010x}" if k in _HEX_KEYS and isinstance(v, int) else f"{k}={v}"
                    for k, v in event.fields.items())
    return f"@mh {event.kind} {body}".rstrip()


_HEX_KEYS = frozenset({"ptr", "addr", "pc", "lr", "psr", "cfsr", "hfsr", "mmfar", "bfar", "stack_base"})


Probe = Callable[[Event, Session], list[Event]]
"""Called with each record while the board runs; may read target RAM through the session and
returns harness-made events (e.g. a stack measured from outside) to add to the timeline."""


class Interrupted(Exception):
    """Ctrl-C or SIGTERM arrived during a run; `run` is what had happened up to then."""

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

    def add_measured(self, events: list[Event]) -> None:
        for event in events:
            self.entries.append(dataclasses.replace(event, line=len(self.entries) + 1))

    def add(self, text: str) -> Entry:
        entry = parse_line(text, len(self.entries) + 1)
        self.entries.append(entry)
        if isinstance(entry, Boot) and entry.proto > PROTOCOL_VERSION:
            self.warnings.append(
                f"firmware speaks protocol {entry.proto}, this harness {PROTOCOL_VERSION}: "
                "unknown keys are kept but not interpreted"
            )
        return entry


def execute(
    firmware: Firmware,
    scenario: str,
    params: Mapping[str, int],
    uart_log: Path,
    *,
    emulator: str = "qemu",
    timeout: float = 30.0,
    boot_timeout: float = 10.0,
    max_resets: int = 1,
    probe: Probe | None = None,
) -> Run:
    """Boot `firmware`, run `scenario`, and return the timeline. Never leaves the emulator running."""
    variant = firmware.variant
    chosen = find_backend(emulator)
    timeline = _Timeline()
    outcome, reason = Outcome.TIMEOUT, ""
    session: Session | None = None
    command: tuple[str, ...] = ()

    def finish(outcome: Outcome, reason: str) -> Run:
        return Run(
            label=variant.label, board=variant.board.name, heap=variant.heap, profile=variant.profile,
            kernel=variant.kernel.version, scenario=scenario, params=dict(params),
            entries=tuple(timeline.entries), outcome=outcome, reason=reason,
            wall_time=time.monotonic() - timeline.started, uart_log=uart_log, command=command,
            warnings=tuple(timeline.warnings),
        )

    try:
        session = chosen.start(variant.board, firmware.elf, uart_log)
        command = tuple(getattr(session, "command", ()))
        outcome, reason = _drive(
            session, timeline, scenario, params, timeout, boot_timeout, max_resets, probe
        )
    except EmulatorExited as exc:
        detail = f"status {exc.returncode}" + (f": {exc.stderr.splitlines()[-1]}" if exc.stderr else "")
        outcome, reason = Outcome.EMULATOR_DIED, detail
    except KeyboardInterrupt:
        raise Interrupted(finish(Outcome.INTERRUPTED, "interrupted by the user")) from None
    finally:
        if session is not None:
            session.stop()
    return finish(outcome, reason)


def _drive(
    session: Session,
    timeline: _Timeline,
    scenario: str,
    params: Mapping[str, int],
    timeout: float,
    boot_timeout: float,
    max_resets: int,
    probe: Probe | None,
) -> tuple[Outcome, str]:
    deadline = time.monotonic() + boot_timeout
    while True:
        line = session.read_line(deadline - time.monotonic())
        if line is None:
            return Outcome.TIMEOUT, f"no ready record within {boot_timeout:g} s of power-on"
        if isinstance(timeline.add(line), Ready):
            break
    session.write_line(command_line(scenario, params))
    deadline = time.monotonic() + timeout
    resets = 0
    cause = ""
    expect_reset = False
    awaiting_ready = False
    while True:
        line = session.read_line(deadline - time.monotonic())
        if line is None:
            where = "after the reset, no ready" if awaiting_ready else "no done record"
            return Outcome.TIMEOUT, f"{where} within {timeout:g} s"
        entry = timeline.add(line)
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
            if expect_reset:
                expect_reset = False
                continue
            resets += 1
            cause = entry.reset if entry.reset not in ("power_on", "") else cause or "external"
            awaiting_ready = True
        elif isinstance(entry, Ready) and awaiting_ready:
            awaiting_ready = False
            if resets >= max_resets:
                return Outcome.RESET, cause


def firmware_catalogue(firmware: Firmware, *, emulator: str = "qemu", timeout: float = 10.0) -> list[str]:
    """The firmware's own scenario table (`list` command), as `name params` lines.

    Used to keep `harness.scenarios.CATALOGUE` and the C table from drifting apart.
    """
    from harness.events import ScenarioInfo

    chosen = find_backend(emulator)
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
