"""Two ways to speak Renode's monitor: pyrenode3 in this process, or a Renode process's console.

Both give `execute(command) -> output` and raise `MonitorError` when Renode refuses a command,
so the backend above them is one piece of code. pyrenode3 is the fast one (Renode loads into
this process in about 2 s, no process to look after). The console driver starts Renode with its
monitor on stdin/stdout: Renode's `--port` monitor listens on every interface (measured: it
binds 0.0.0.0), and the harness opens no socket that is not private, so the fallback uses the
process's pipes instead of a port. Its process is started in its own session and dies with the
harness (PR_SET_PDEATHSIG), like QEMU.
"""

from __future__ import annotations

import atexit
import importlib
import logging
import os
import re
import select
import signal
import subprocess
import threading
import time
import warnings
from pathlib import Path
from typing import Any, Protocol

from harness.emulators.base import EmulatorExited
from harness.emulators.qemu import _kill_group, dying_with_parent
from harness.emulators.renode_install import RenodeInstall
from harness.errors import EmulatorError

START_TIMEOUT_S = 90.0  # Mono's start-up is seconds; on a loaded 2-core machine, many
COMMAND_TIMEOUT_S = 60.0
_ERROR_MARKS = ("There was an error executing command", "No such command or device", "Could not find")
_PLATFORM_LOAD = "machine LoadPlatformDescription"
_CHDIR_LOCK = threading.Lock()
_PROMPT = re.compile(rb"\r?\n?\r?\(([A-Za-z0-9_.-]+)\) ?$")


class MonitorError(Exception):
    """Renode refused a monitor command; the message is Renode's own."""


class Monitor(Protocol):
    driver: str
    pid: int | None

    def execute(self, command: str) -> str:
        """Renode's answer to one monitor command; MonitorError if it refused it,
        EmulatorExited if Renode is gone."""

    def write_uart(self, machine: str, uart: str, data: bytes) -> None:
        """Bytes into a UART's receiver, as if they arrived on its RX line."""

    def alive(self) -> bool: ...

    def close(self) -> None:
        """End Renode (the console driver's process; in-process, clear the emulation)."""


def _refusal(output: str) -> str | None:
    for mark in _ERROR_MARKS:
        if mark in output:
            lines = [line.strip() for line in output.replace("\r", "\n").splitlines() if line.strip()]
            at = next(i for i, line in enumerate(lines) if mark in line)
            return " ".join(lines[at:at + 3])
    return None


def _skip_runtime_shutdown() -> None:
    """Leave Mono to the operating system when the process ends.

    pythonnet's and clr_loader's exit handlers shut the runtime down politely, which took 26 s
    and 18 s here after one run (the process is ending anyway); Renode's own emulation is still
    cleared first, by pyrenode3's exit handler and `stop_host`.
    """
    for module, name in (("pythonnet", "unload"), ("clr_loader.mono", "_release")):
        handler = getattr(importlib.import_module(module), name, None)
        if handler is not None:
            atexit.unregister(handler)


class InProcessMonitor:
    """Renode loaded into this process through pyrenode3 (Mono hosted by pythonnet)."""

    driver = "pyrenode3"
    pid: int | None = None

    def __init__(self, install: RenodeInstall) -> None:
        self._root = install.root
        os.environ.setdefault("PYRENODE_RUNTIME", "mono")
        os.environ["PYRENODE_BUILD_DIR"] = str(install.root)
        for name in ("PYRENODE_PKG", "PYRENODE_BIN"):  # pyrenode3 refuses more than one source
            os.environ.pop(name, None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pythonnet warns about Mono < 6.12; it works here
            previous = logging.root.manager.disable
            logging.disable(logging.WARNING)  # pyrenode3 logs a warning for a source build
            try:
                wrappers = importlib.import_module("pyrenode3.wrappers")  # loads Mono and Renode's assemblies
                interface = importlib.import_module("Antmicro.Renode.UserInterface")  # .NET, through pythonnet
            except Exception as exc:  # pythonnet/Mono failures come as many types
                raise EmulatorError(
                    f"pyrenode3 cannot load Renode from {install.root}: {exc}",
                    "check that mono-complete is installed, or set MEMHARNESS_RENODE_DRIVER=console",
                ) from None
            finally:
                logging.disable(previous)
            self._eater: Any = interface.CommandInteractionEater
            self._monitor: Any = wrappers.Monitor().internal
            self._wrappers: Any = wrappers
        self._uarts: dict[tuple[str, str], Any] = {}  # the UART objects of the machine now loaded
        _skip_runtime_shutdown()

    def execute(self, command: str) -> str:
        eater = self._eater()
        if command.startswith(("Clear", "mach ")):
            self._uarts.clear()
        if command.startswith(_PLATFORM_LOAD):
            # A platform's Python peripherals name their scripts relative to Renode's folder,
            # which only the working folder resolves (pyrenode3 changes it for every command;
            # here only while a platform loads, once per board a process runs).
            with _CHDIR_LOCK:
                previous = os.getcwd()
                os.chdir(self._root)
                try:
                    self._monitor.HandleCommand(command, eater)
                finally:
                    os.chdir(previous)
        else:
            self._monitor.HandleCommand(command, eater)
        output, error = str(eater.GetContents() or ""), str(eater.GetError() or "")
        if error.strip():
            raise MonitorError(_refusal(error) or error.strip())
        return output

    def write_uart(self, machine: str, uart: str, data: bytes) -> None:
        """One .NET call per byte, without the monitor's parsing (about 5 ms a byte through it)."""
        target = self._uarts.get((machine, uart))
        if target is None:  # found through pyrenode3's wrappers once per machine: they are slow
            peripheral: Any = self._wrappers.Emulation().get_mach(machine).sysbus
            for name in uart.split(".")[1:]:
                peripheral = getattr(peripheral, name)
            target = self._uarts[(machine, uart)] = peripheral.internal
        for byte in data:
            target.WriteChar(byte)

    def alive(self) -> bool:
        return True

    def close(self) -> None:
        try:
            self.execute("Clear")
        except Exception:  # a dying runtime at interpreter exit: nothing left to clear
            pass


class ConsoleMonitor:
    """A Renode process whose monitor is its stdin/stdout (`--console --plain`)."""

    driver = "console"

    def __init__(self, install: RenodeInstall, workdir: Path) -> None:
        self._stderr_path = workdir / "renode.stderr"
        command = [str(install.launcher), "--console", "--disable-xwt", "--plain", "--hide-log"]
        started, pre_exec = dying_with_parent(command)
        with self._stderr_path.open("wb") as stderr:
            try:
                self._proc = subprocess.Popen(
                    started, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                    start_new_session=True, cwd=install.root, preexec_fn=pre_exec,
                )
            except OSError as exc:
                raise EmulatorError(f"cannot start {command[0]}: {exc.strerror or exc}") from None
        self.pid: int | None = self._proc.pid
        self._lock = threading.Lock()
        self._buffer = bytearray()
        try:
            self._until_prompt(START_TIMEOUT_S)
        except BaseException:
            self.close()
            raise

    def _read(self, deadline: float) -> bool:
        assert self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], max(0.0, min(0.5, deadline - time.monotonic())))
        if not ready:
            return True
        chunk = os.read(fd, 65536)
        if not chunk:
            return False
        self._buffer += chunk
        return True

    def _until_prompt(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while not _PROMPT.search(self._buffer):
            if not self._read(deadline):
                raise EmulatorExited(self._wait(), self.stderr_text())
            if time.monotonic() >= deadline:
                self.close()
                raise EmulatorError(f"Renode's monitor did not answer within {timeout:g} s")
        text = _PROMPT.sub(b"", bytes(self._buffer)).decode("utf-8", errors="replace")
        self._buffer.clear()
        return text

    def _wait(self) -> int | None:
        try:
            return self._proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return None

    def stderr_text(self) -> str:
        try:
            return self._stderr_path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return ""

    def execute(self, command: str) -> str:
        with self._lock:
            assert self._proc.stdin is not None
            try:
                self._proc.stdin.write(command.encode() + b"\n")
                self._proc.stdin.flush()
            except (BrokenPipeError, ValueError):
                raise EmulatorExited(self._wait(), self.stderr_text()) from None
            answer = self._until_prompt(COMMAND_TIMEOUT_S)
        _echo, _, output = answer.partition("\n")  # the console echoes the command first
        refused = _refusal(output)
        if refused:
            raise MonitorError(refused)
        return output

    def write_uart(self, machine: str, uart: str, data: bytes) -> None:
        for byte in data:
            self.execute(f"{uart} WriteChar {byte:#x}")

    def alive(self) -> bool:
        return self._proc.poll() is None

    def close(self) -> None:
        if self._proc.poll() is None:
            try:
                os.killpg(self._proc.pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
            _kill_group(self._proc)
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
