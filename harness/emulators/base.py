"""The one small interface every emulator backend implements.

A session is a running board: UART lines in and out with deadlines, target RAM reads, a reset,
and `stop()`, which must always leave no emulator process behind.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:  # annotations only: the board schema (pydantic) loads with the first board
    from harness.platforms import Board


@dataclass(frozen=True)
class Replay:
    """QEMU's record/replay of one run (`-icount ...,rr=record|replay,rrfile=path`).

    Why: under icount a breakpoint stop moves the virtual clock on (harness.observe.ticks), so a
    live run cannot stop at an exact tick without changing what the image does next. Recorded
    once with only host stops (which cost the image nothing), the run replays instruction for
    instruction however often a debugger stops it, so exact points are taken from the replay.
    """

    mode: Literal["record", "replay"]
    path: Path


class EmulatorExited(Exception):
    """The emulator process ended; `returncode` and its stderr tell how."""

    def __init__(self, returncode: int | None, stderr: str) -> None:
        super().__init__(f"emulator exited with status {returncode}")
        self.returncode = returncode
        self.stderr = stderr

    def describe(self) -> str:
        """How it ended, in words: `killed by SIGKILL`, `exited with status 1: <its first error line>`."""
        code = self.returncode
        if code is None:
            how = "closed its output"
        elif code < 0:
            try:
                how = f"killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"killed by signal {-code}"
        else:
            how = f"exited with status {code}"
        lines = [line.strip() for line in self.stderr.splitlines() if line.strip() and ": warning: " not in line]
        if lines:
            said = "; ".join(lines[:3])
            how += f": {said[:300]}"
        return how


class Session(Protocol):
    uart_log: Path

    @property
    def log_error(self) -> str | None:
        """Why `uart_log` is missing or incomplete (disk full, not writable), if it is."""
    # Where the debug interface listens when started with `debug=True` (`unix:<path>` in the
    # session's private folder, or `tcp:127.0.0.1:<port>`), for harness.observe.gdbstub; else None.
    debug_endpoint: str | None

    def read_line(self, timeout: float) -> str | None:
        """The next UART line, or None if none completes within `timeout` seconds.

        Raises EmulatorExited once the emulator has ended and every line it printed was read.
        """

    def write_line(self, text: str) -> None: ...

    def read_memory(self, address: int, size: int) -> bytes: ...

    def reset(self) -> None: ...

    def stop(self) -> None: ...


class Backend(Protocol):
    name: str
    replays: bool  # whether start() takes a `replay` (QEMU's record/replay)

    def available(self, board: Board) -> str | None:
        """None if this backend can run `board` here, else the reason it cannot."""

    def require(self, board: Board) -> object:
        """Raise the user's error (ToolMissingError, EmulatorError) if `board` cannot run here."""

    def command(
        self, board: Board, elf: Path, workdir: Path, icount_shift: int | None = None, *, debug: bool = False
    ) -> list[str]:
        """The exact command line, so a person can start the same emulator by hand.
        `icount_shift` None: the backend's (or board's) own setting."""

    def start(
        self, board: Board, elf: Path, uart_log: Path, icount_shift: int | None = None, *, debug: bool = False,
        replay: Replay | None = None,
    ) -> Session:
        """A running board. Creates `uart_log`'s folder; a log that cannot be written does not
        stop the run but is reported in the session's `log_error`.

        `debug`: the board is held at reset with a gdb stub listening at `debug_endpoint`; a
        client lets it run (harness.observe.target). Without it no debug interface is opened.
        `replay`: record this run to, or replay it from, a file (backends whose `replays` is True)."""
