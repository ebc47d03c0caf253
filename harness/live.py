"""A live board: one powered-on image driven line by line, for UART-level tests (Renode-style).

`harness.run.execute` owns a whole scenario from power-on to its end; a `LiveBoard` instead keeps
the emulator running and lets the caller wait for lines, send lines and watch for lines that must
never come. Every line read is kept, in order, so a failure quotes the tail and the log's path.

    board = LiveBoard.start(api.prepare(heap="heap_4"), Path("results/live/uart.log"))
    board.wait_for_line(LinePattern("@mh ready"), timeout=5)
    board.write_line("run leak size=4096")
    board.wait_for_line(LinePattern(r"leaked=(\\d+)", regex=True), timeout=5).groups
    board.stop()

A wait scans from the first line no earlier wait has matched; a line matched by a wait, and every
line before it, is consumed. A wait that times out consumes nothing (Renode's terminal tester
behaves the same way).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from harness.build import Firmware
from harness.emulators import backend
from harness.emulators.base import EmulatorExited, Session
from harness.events import Event
from harness.expect import ExpectationFailed, event_kind, fields_match
from harness.protocol import parse_line
from harness.run import TAIL_LINES


@dataclass(frozen=True)
class LinePattern:
    """What a line must contain: the text itself, or a regular expression searched in the line."""

    text: str
    regex: bool = False
    _compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            compiled = re.compile(self.text if self.regex else re.escape(self.text))
        except re.error as exc:
            raise ExpectationFailed(f"{self.text!r} is not a valid regular expression: {exc}") from None
        object.__setattr__(self, "_compiled", compiled)

    def search(self, line: str) -> re.Match[str] | None:
        return self._compiled.search(line)

    def describe(self) -> str:
        return f"a line matching the regex {self.text!r}" if self.regex else f"a line containing {self.text!r}"


@dataclass(frozen=True)
class LineMatch:
    """A line that matched: its text, its 1-based number in the UART log, the regex groups."""

    line: str
    number: int
    groups: tuple[str | None, ...] = ()


class LiveBoard:
    """One running emulator with a line buffer; `stop()` is idempotent and always safe."""

    def __init__(self, firmware: Firmware, session: Session) -> None:
        self.firmware = firmware
        self.session = session
        self.uart_log = session.uart_log
        self.lines: list[str] = []
        self.failing: list[LinePattern] = []
        self._cursor = 0  # index of the first line no wait has consumed
        self._exited: EmulatorExited | None = None
        self._stopped = False

    @classmethod
    def start(cls, firmware: Firmware, uart_log: Path, emulator: str | None = None) -> LiveBoard:
        """Power the image on; its UART text goes to `uart_log` from the first byte."""
        board = firmware.variant.board
        return cls(firmware, backend(emulator or board.default_emulator).start(board, firmware.elf, uart_log))

    @property
    def running(self) -> bool:
        return not self._stopped and self._exited is None

    # --- lines in ---------------------------------------------------------------------------
    def _pull(self, timeout: float) -> bool:
        """Read one more line into the buffer; False when none came in time or the emulator ended."""
        if not self.running:
            return False
        try:
            line = self.session.read_line(max(timeout, 0.0))
        except EmulatorExited as exc:
            self._exited = exc
            return False
        if line is None:
            return False
        self.lines.append(line)
        return True

    def _check_failing(self, index: int) -> None:
        line = self.lines[index]
        for pattern in self.failing:
            if pattern.search(line):
                self._cursor = index + 1
                raise ExpectationFailed(
                    f"the UART printed line {index + 1} {line!r}, which matches the failing string "
                    f"{pattern.text!r}\n{self.describe()}"
                )

    def wait_for_line(self, pattern: LinePattern, timeout: float, *, next_only: bool = False) -> LineMatch:
        """The first unconsumed line matching `pattern`, waiting up to `timeout` seconds for it;
        with `next_only`, the next unconsumed line must be the one."""
        deadline = time.monotonic() + timeout
        index = self._cursor
        while True:
            while index < len(self.lines):
                self._check_failing(index)
                found = pattern.search(self.lines[index])
                if found:
                    self._cursor = index + 1
                    return LineMatch(self.lines[index], index + 1, found.groups())
                if next_only:
                    self._cursor = index + 1
                    raise ExpectationFailed(
                        f"expected the next line to be {pattern.describe()}, line {index + 1} is "
                        f"{self.lines[index]!r}\n{self.describe()}"
                    )
                index += 1
            if not self._pull(deadline - time.monotonic()):
                raise ExpectationFailed(
                    f"expected {pattern.describe()} on the UART within {timeout:g} s, "
                    f"{self._why_not()}\n{self.describe()}"
                )

    def should_not_see(self, pattern: LinePattern, timeout: float) -> None:
        """Watch the UART for `timeout` seconds; fail on the first unconsumed line matching."""
        deadline = time.monotonic() + timeout
        index = self._cursor
        while True:
            while index < len(self.lines):
                self._check_failing(index)
                if pattern.search(self.lines[index]):
                    raise ExpectationFailed(
                        f"expected no {pattern.describe().removeprefix('a ')} for {timeout:g} s, "
                        f"line {index + 1} is {self.lines[index]!r}\n{self.describe()}"
                    )
                index += 1
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (not self._pull(remaining) and not self.running):
                return

    def wait_for_record(self, kind: str, fields: Mapping[str, int | str], timeout: float) -> Event:
        """The first unconsumed `@mh <kind>` record whose fields hold the given values."""
        wanted = " ".join(["@mh", kind, *(f"{k}={v}" for k, v in fields.items())])
        deadline = time.monotonic() + timeout
        index = self._cursor
        while True:
            while index < len(self.lines):
                self._check_failing(index)
                entry = parse_line(self.lines[index], index + 1)
                if isinstance(entry, Event) and event_kind(entry) == kind and fields_match(entry, fields):
                    self._cursor = index + 1
                    return entry
                index += 1
            if not self._pull(deadline - time.monotonic()):
                raise ExpectationFailed(
                    f"expected a record `{wanted}` on the UART within {timeout:g} s, {self._why_not()}\n"
                    f"{self.describe()}"
                )

    def _why_not(self) -> str:
        if self._exited is not None:
            return f"but the emulator ended (status {self._exited.returncode})"
        if self._stopped:
            return "but the board was stopped"
        return "none came"

    # --- lines out --------------------------------------------------------------------------
    def write_line(self, text: str) -> None:
        if not self.running:
            raise ExpectationFailed(f"cannot write {text!r}: the board is not running ({self._why_not()})")
        try:
            self.session.write_line(text)
        except EmulatorExited as exc:
            self._exited = exc
            raise ExpectationFailed(
                f"cannot write {text!r}: the emulator ended (status {exc.returncode})\n{self.describe()}"
            ) from None

    # --- the end ----------------------------------------------------------------------------
    def tail(self, lines: int = TAIL_LINES) -> list[str]:
        return self.lines[-lines:]

    def describe(self) -> str:
        """The last lines that arrived and the path of the full UART log, for failure messages."""
        shown = "\n".join(f"    {line}" for line in self.tail()) or "    (nothing yet)"
        label = self.firmware.variant.label
        return f"{label} live board, {len(self.lines)} line(s) so far\n  last lines:\n{shown}\n" \
               f"  full UART log: {self.uart_log}"

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self.session.stop()

    def __enter__(self) -> LiveBoard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
