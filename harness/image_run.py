"""Run an image that is not ours (an ESP-IDF build) and read its console into a `Run`.

Our firmware waits for a command and ends with a `done` record; an ESP-IDF app just runs. So a
run here ends when the caller's `until` line has appeared `count` times (outcome done), when a
panic, overflow, assert or heap corruption has reset the board `max_resets` times (reset, its
kind as the reason, `reset_loop` after RESET_LOOP_BOOTS boots that each panicked), or at the
deadline (done if `until` was not asked for and nothing went wrong, else timeout). A faulting PC
is decoded to function and file:line from the app's ELF. The result is the same `Run` our
scenarios give, so pytest, Robot, reports and `harness.expect` read it unchanged.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Sequence
from pathlib import Path

from harness.elf import locate
from harness.emulators import backend as find_backend
from harness.emulators.base import EmulatorExited, Session
from harness.emulators.esp_qemu import app_elf
from harness.errors import EmulatorError, UsageError
from harness.esp_idf_console import DEFAULT_HEAP_PATTERNS, HEAP, EspIdfConsole, HeapPattern
from harness.events import Assert, Boot, Entry, Fault, StackOverflow
from harness.platforms import Board
from harness.run import RESET_LOOP_BOOTS, Interrupted, Outcome, Run, _deliver, _signals_held

IMAGE_SCENARIO = "image"


def image_name(image: Path) -> str:
    """A short name for an image: its build folder's project folder, or the file's stem."""
    image = image.resolve()
    return image.parent.name if image.is_dir() and image.name == "build" else image.stem


def decode(entry: Entry, elf: Path | None) -> Entry:
    """A Fault with its pc decoded to function and file:line from `elf`; other entries as they are."""
    if elf is None or not isinstance(entry, Fault) or entry.pc is None:
        return entry
    where = locate(elf, entry.pc)
    source = f"{Path(where.file).name}:{where.line}" if where.file and where.line else None
    fields = dict(entry.fields)
    fields.update({k: v for k, v in (("function", where.function), ("source", source)) if v is not None})
    return dataclasses.replace(entry, function=where.function, source=source, fields=fields)


class _Follow:
    """Where the run stands: matches of `until`, panic resets in a row, the last bad event."""

    def __init__(self, until: re.Pattern[str] | None, count: int, max_resets: int) -> None:
        self.until, self.count, self.max_resets = until, count, max_resets
        self.matches = 0
        self.resets = 0
        self.panic_boots = 0
        self.cause = ""

    def step(self, entry: Entry) -> tuple[Outcome, str] | None:
        if isinstance(entry, Fault):
            self.cause = "panic"  # the Fault itself (run.cause) names its kind
        elif isinstance(entry, StackOverflow):
            self.cause = "stack_overflow"
        elif isinstance(entry, Assert):
            self.cause = "assert"
        elif isinstance(entry, Boot):
            if entry.reset == "panic":
                self.resets += 1
                self.panic_boots += 1
                if self.panic_boots + 1 >= RESET_LOOP_BOOTS:
                    return Outcome.RESET, "reset_loop"
                if self.resets >= self.max_resets:
                    return Outcome.RESET, self.cause or "panic"
            else:
                self.panic_boots = 0
        elif self.until is not None and hasattr(entry, "text") and self.until.search(str(entry.text)):
            self.matches += 1
            if self.matches >= self.count:
                return Outcome.DONE, f"{self.until.pattern!r} seen {self.matches} time(s)"
        return None


def run_image(
    board: Board,
    image: Path,
    results: Path = Path("results"),
    *,
    until: str | None = None,
    count: int = 1,
    timeout: float = 30.0,
    max_resets: int = 1,
    elf: Path | None = None,
    heap_patterns: Sequence[HeapPattern] = DEFAULT_HEAP_PATTERNS,
    emulator: str | None = None,
    icount_shift: int | None = None,
) -> Run:
    """Power `image` (an ESP-IDF build folder or a flash file) on and follow its console."""
    if not board.runs_esp_idf:
        raise UsageError(f"board {board.name} does not run ESP-IDF images", "pick esp32 or esp32c3 (memharness boards)")
    if count < 1:
        raise UsageError(f"--count {count} is not a number of matches", "give 1 or more")
    try:
        wanted = re.compile(until) if until is not None else None
    except re.error as exc:
        raise UsageError(f"--until {until!r} is not a regular expression: {exc}",
                         "escape it, e.g. 'Hello world!'") from None
    elf = elf or (app_elf(image) if image.is_dir() else None)
    name = image_name(image)
    label = f"{board.name}-{HEAP}-{name}"
    uart_log = results / label / IMAGE_SCENARIO / "uart.log"
    chosen = find_backend(emulator or board.default_emulator)
    console = EspIdfConsole(board.name, heap_patterns)
    follow = _Follow(wanted, count, max_resets)
    entries: list[Entry] = []
    started = time.monotonic()
    outcome, reason = (Outcome.TIMEOUT, f"{until!r} not seen {count} time(s) within {timeout:g} s") if wanted else (
        Outcome.DONE, f"ran {timeout:g} s")
    session: Session | None = None
    interrupted = False
    try:
        with _signals_held() as early:
            session = chosen.start(board, image, uart_log, icount_shift)
        _deliver(early)
        deadline = started + timeout
        ended: tuple[Outcome, str] | None = None
        lines = 0
        while ended is None:
            text = session.read_line(deadline - time.monotonic())
            if text is None:
                break
            lines += 1
            for entry in console.feed(text, lines):
                entries.append(decode(entry, elf))
                ended = ended or follow.step(entry)
        if ended is not None:
            outcome, reason = ended
        elif follow.cause and wanted is None:
            outcome, reason = (Outcome.RESET if follow.resets else Outcome.DONE), follow.cause
    except EmulatorExited as exc:
        outcome, reason = Outcome.EMULATOR_DIED, exc.describe()
    except EmulatorError as exc:
        if session is None:
            raise
        outcome, reason = Outcome.EMULATOR_DIED, exc.message
    except KeyboardInterrupt:
        outcome, reason, interrupted = Outcome.INTERRUPTED, "interrupted by the user", True
    finally:
        if session is not None:
            with _signals_held():
                session.stop()
    entries += [decode(e, elf) for e in console.end()]
    run = Run(
        label=label, board=board.name, heap=HEAP, profile="esp_idf", kernel="esp-idf", scenario=IMAGE_SCENARIO,
        params={}, entries=tuple(entries), outcome=outcome, reason=reason, wall_time=time.monotonic() - started,
        uart_log=uart_log, command=tuple(getattr(session, "command", ())),
        warnings=(f"UART log: {session.log_error}",) if session is not None and session.log_error else (),
    )
    if interrupted:
        raise Interrupted(run)
    return run
