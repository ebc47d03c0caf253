"""A run's raw UART log: written under a temporary name, put in place at the end (harness.files).

Two runs writing the same results folder never interleave their bytes in one file, and a log
that cannot be written (disk full, read-only folder) is reported in `error` while the run goes on.
On disk the log is current to its last whole line, so a person (or a test) can follow a run in
it while it goes on; the UART comes in bursts, and flushing every chunk was a write() per burst.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from harness.files import open_beside, put_in_place


class UartLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.error: str | None = None
        self._file: BinaryIO | None = None
        self._part: Path | None = None
        try:
            self._file, self._part = open_beside(path)
        except OSError as exc:
            self.error = f"cannot write {path}: {exc.strerror or exc}"

    def write(self, chunk: bytes) -> None:
        if self._file is None:
            return
        try:
            self._file.write(chunk)
            if b"\n" in chunk:
                self._file.flush()
        except OSError as exc:
            self.error = f"writing {self.path} failed: {exc.strerror or exc}; the log is incomplete"
            self._close()

    def _close(self) -> None:
        log, self._file = self._file, None
        if log is None:
            return
        try:
            log.close()
        except OSError as exc:
            self.error = self.error or f"writing {self.path} failed: {exc.strerror or exc}"

    def publish(self) -> None:
        """Close the log and put it in place under its own name."""
        self._close()
        part, self._part = self._part, None
        if part is None:
            return
        try:
            put_in_place(part, self.path)
        except OSError as exc:
            self.error = self.error or f"cannot write {self.path}: {exc.strerror or exc}"

    def discard(self) -> None:
        self._close()
        if self._part is not None:
            self._part.unlink(missing_ok=True)
            self._part = None
