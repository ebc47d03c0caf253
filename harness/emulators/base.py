"""The one small interface every emulator backend implements.

A session is a running board: UART lines in and out with deadlines, target RAM reads, a reset,
and `stop()`, which must always leave no emulator process behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from harness.platforms import Board


class EmulatorExited(Exception):
    """The emulator process ended; `returncode` and its stderr tell how."""

    def __init__(self, returncode: int | None, stderr: str) -> None:
        super().__init__(f"emulator exited with status {returncode}")
        self.returncode = returncode
        self.stderr = stderr


class Session(Protocol):
    uart_log: Path

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

    def available(self, board: Board) -> str | None:
        """None if this backend can run `board` here, else the reason it cannot."""

    def command(self, board: Board, elf: Path, workdir: Path) -> list[str]:
        """The exact command line, so a person can start the same emulator by hand."""

    def start(self, board: Board, elf: Path, uart_log: Path) -> Session: ...
