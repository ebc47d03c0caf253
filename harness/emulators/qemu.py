"""The QEMU backend: `qemu-system-arm` with `-icount`, no network, QMP on a private Unix socket.

All UART output goes through one sink (the reader thread) into both the raw log file and the
line queue, so what a test saw and what the log holds are the same bytes. The process is started
in its own session and `stop()` kills the whole process group, whatever happened before.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import BinaryIO

from qemu.qmp.legacy import QEMUMonitorProtocol

from harness.emulators.base import EmulatorExited
from harness.errors import EmulatorError, ToolMissingError
from harness.platforms import Board, QemuTarget

ICOUNT = "shift=0,align=off,sleep=off"  # instruction-counted time: cycle figures identical run to run
MAX_LINE = 64 * 1024  # a longer line is split, so a flood cannot exhaust memory
_EOF = object()


def qemu_target(board: Board) -> QemuTarget:
    if board.emulators.qemu is None:
        raise EmulatorError(f"board {board.name} has no QEMU machine", "run it with another --emulator")
    return board.emulators.qemu


class QemuSession:
    """One running QEMU. Use as a context manager or call `stop()`; both are idempotent."""

    def __init__(self, command: list[str], workdir: Path, qmp_path: Path, uart_log: Path) -> None:
        self.command = command
        self.uart_log = uart_log
        self._workdir = workdir
        self._qmp_path = qmp_path
        self._qmp: QEMUMonitorProtocol | None = None
        self._lines: queue.Queue[object] = queue.Queue()
        self._stderr_path = workdir / "qemu.stderr"
        uart_log.parent.mkdir(parents=True, exist_ok=True)
        self._log: BinaryIO = uart_log.open("wb")
        with self._stderr_path.open("wb") as stderr:
            try:
                self._proc = subprocess.Popen(
                    command,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=stderr,
                    start_new_session=True,
                    cwd=workdir,
                )
            except OSError as exc:
                self._log.close()
                raise EmulatorError(f"cannot start {command[0]}: {exc}") from None
        self._reader = threading.Thread(target=self._pump, name="qemu-uart", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self._proc.pid

    def _pump(self) -> None:
        assert self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        pending = b""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            self._log.write(chunk)
            self._log.flush()
            pending += chunk
            while True:
                cut = pending.find(b"\n")
                if cut < 0 and len(pending) >= MAX_LINE:
                    cut = MAX_LINE - 1
                if cut < 0:
                    break
                self._lines.put(pending[: cut + 1].decode("utf-8", errors="replace").rstrip("\r\n"))
                pending = pending[cut + 1 :]
        if pending:
            self._lines.put(pending.decode("utf-8", errors="replace").rstrip("\r\n"))
        self._lines.put(_EOF)

    def stderr_text(self) -> str:
        try:
            return self._stderr_path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return ""

    def read_line(self, timeout: float) -> str | None:
        try:
            item = self._lines.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            return None
        if item is _EOF:
            self._lines.put(_EOF)  # every later read sees the end too
            returncode = self._proc.wait()
            raise EmulatorExited(returncode, self.stderr_text())
        assert isinstance(item, str)
        return item

    def write_line(self, text: str) -> None:
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(text.encode() + b"\n")
            self._proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            raise EmulatorExited(self._proc.poll(), self.stderr_text()) from None

    def _monitor(self) -> QEMUMonitorProtocol:
        if self._qmp is None:
            qmp = QEMUMonitorProtocol(str(self._qmp_path))
            try:
                qmp.connect()
            except Exception as exc:  # qemu.qmp raises several types; all mean the same here
                raise EmulatorError(f"cannot reach QEMU's QMP socket {self._qmp_path}: {exc}") from None
            self._qmp = qmp
        return self._qmp

    def read_memory(self, address: int, size: int) -> bytes:
        """Physical memory through QMP `pmemsave` into the session's private folder."""
        dump = self._workdir / "memory.bin"
        self._monitor().cmd("pmemsave", val=address, size=size, filename=str(dump))
        data = dump.read_bytes()
        dump.unlink()
        return data

    def reset(self) -> None:
        self._monitor().cmd("system_reset")

    def stop(self) -> None:
        if self._qmp is not None:
            try:
                self._qmp.close()
            except Exception:  # closing a monitor whose QEMU is gone may raise anything
                pass
            self._qmp = None
        if self._proc.poll() is None:
            _kill_group(self._proc)
        if self._proc.stdin is not None:
            try:
                self._proc.stdin.close()
            except OSError:
                pass
        self._reader.join(timeout=2)
        self._log.close()
        shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> QemuSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 1.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


class QemuBackend:
    name = "qemu"

    def available(self, board: Board) -> str | None:
        if board.emulators.qemu is None:
            return f"board {board.name} has no QEMU machine"
        binary = board.emulators.qemu.binary
        if shutil.which(binary) is None:
            return f"{binary} is not installed (apt-get install qemu-system-arm)"
        return None

    def command(self, board: Board, elf: Path, workdir: Path) -> list[str]:
        target = qemu_target(board)
        return [
            target.binary,
            "-M", target.machine,
            "-cpu", target.cpu,
            "-nodefaults",
            "-nic", "none",
            "-display", "none",
            "-serial", "stdio",
            "-icount", ICOUNT,
            "-qmp", f"unix:{workdir / 'qmp.sock'},server=on,wait=off",
            "-kernel", str(elf),
            *target.extra_args,
        ]

    def start(self, board: Board, elf: Path, uart_log: Path) -> QemuSession:
        target = qemu_target(board)
        if shutil.which(target.binary) is None:
            raise ToolMissingError(
                f"{target.binary} is not installed",
                "run `make setup`, or: apt-get install qemu-system-arm",
            )
        workdir = Path(tempfile.mkdtemp(prefix="memharness-qemu-"))  # mode 0700: private sockets
        command = self.command(board, elf, workdir)
        try:
            return QemuSession(command, workdir, workdir / "qmp.sock", uart_log)
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
