"""The Renode backend: one Renode per process, reused run after run, virtual time in steps.

Mono's start-up costs seconds, so a process (a pytest-xdist worker, a pabot process, the CLI)
starts Renode once (`RenodeHost`) and every run reuses it: the machine stays loaded while the
board stays the same, and a new run zeroes the board's RAM, points the reset macro at the new
ELF and resets the machine, which is power-on for the firmware. Another board clears the
emulation and loads its platform.

Time only moves when the harness asks: `read_line` advances virtual time in steps of
`STEP_S` (`emulation RunFor`) until a line is complete, and a command is written while the
machine is paused, so a run is the same instructions every time, whatever the host's load.
The console UART goes to a file backend in the host's private folder; every byte read from it
goes through one sink into both the run's raw log and its line queue, as with QEMU.

Renode deletes folders named `renode-*` in the system temporary folder when it starts, so the
private folder is called `memharness-renode-*`.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from harness.emulators.base import EmulatorExited, Replay
from harness.emulators.qemu import LineSplitter
from harness.emulators.renode_install import (
    INSTALL_HINT,
    RenodeInstall,
    driver_name,
    find_renode,
    mono_missing,
    pyrenode3_installed,
)
from harness.emulators.renode_monitor import ConsoleMonitor, InProcessMonitor, Monitor, MonitorError
from harness.emulators.uart_log import UartLog
from harness.errors import EmulatorError, ToolMissingError
from harness.platforms import Board, RenodeTarget

_BYTE = re.compile(r"0x([0-9A-Fa-f]{2})\b")  # `sysbus ReadBytes` prints a list of 0xNN
_SYST_CVR = 0xE000E018  # Cortex-M SysTick current value register
STEP_S = 0.01  # virtual seconds per RunFor: a line is rarely more than one step away
MACHINE = "mh"


def renode_target(board: Board) -> RenodeTarget:
    if board.emulators.renode is None:
        raise EmulatorError(f"board {board.name} has no Renode platform", "run it with --emulator qemu")
    return board.emulators.renode


def settings(target: RenodeTarget) -> tuple[str, ...]:
    """The monitor commands that set the board up after its platform loads and after each reset."""
    return (f"cpu PerformanceInMips {target.mips}", *target.commands)


@dataclass(frozen=True)
class _Loaded:
    board: Board
    uart_file: Path


class RenodeHost:
    """This process's Renode: started on first use, reused by every run, stopped at exit.

    One run at a time uses it (`take`); a second thread waits for the first run to stop.
    """

    def __init__(self, install: RenodeInstall, driver: str) -> None:
        self.install = install
        self.driver = driver
        self.workdir = Path(tempfile.mkdtemp(prefix="memharness-renode-"))  # not renode-*: Renode deletes those
        self._lease = threading.Lock()
        self._holder: int | None = None  # the thread whose run has the machine
        self._loaded: _Loaded | None = None
        self._machines = 0
        started = time.monotonic()
        try:
            self.monitor: Monitor = (
                InProcessMonitor(install) if driver == "pyrenode3" else ConsoleMonitor(install, self.workdir)
            )
            self.monitor.execute(f"path add @{install.root}")  # platforms' own `using` and scripts
            self.monitor.execute("logLevel 3")
            self.monitor.execute(f"logFile @{self.workdir / 'renode.log'}")
        except BaseException:
            shutil.rmtree(self.workdir, ignore_errors=True)
            raise
        self.start_time = time.monotonic() - started

    @property
    def pid(self) -> int | None:
        return self.monitor.pid

    def take(self) -> None:
        """The machine for one run; another thread's run waits for it, this thread's is an error
        (it would wait for itself: a live board still on while a scenario runs)."""
        if self._holder == threading.get_ident():
            raise EmulatorError(
                "this process's Renode is already running a board (one machine at a time)",
                "stop the running board first (Robot: Stop All Boards; Python: session.stop())",
            )
        self._lease.acquire()
        self._holder = threading.get_ident()

    def give_back(self) -> None:
        self._holder = None
        self._lease.release()

    def execute(self, command: str) -> str:
        try:
            return self.monitor.execute(command)
        except MonitorError as exc:
            raise EmulatorError(f"Renode refused `{command}`: {exc}") from None

    def load(self, board: Board, elf: Path) -> Path:
        """The board powered on with `elf` loaded, paused; returns the UART's output file."""
        target = renode_target(board)
        if self._loaded is None or self._loaded.board != board:
            self._create(board, target)
        assert self._loaded is not None
        for region in (board.memory.ram, board.memory.ram2):
            if region is not None:  # the reset reason word of the last run must not survive
                self.execute(f"sysbus ZeroRange {region.base:#x} {region.size:#x}")
        # Renode runs the reset macro at every reset (ours and the firmware's SYSRESETREQ): the
        # ELF again, and the board's settings, which a reset returns to the platform's values.
        steps = "\n".join((f"sysbus LoadELF @{elf.resolve()}", *settings(target)))
        self.execute(f'macro reset """\n{steps}\n"""')
        self.execute("machine Reset")
        return self._loaded.uart_file

    def _create(self, board: Board, target: RenodeTarget) -> None:
        self.execute("Clear")
        self._loaded = None
        self._machines += 1
        self.execute(f'mach create "{MACHINE}"')
        self.execute(f"machine LoadPlatformDescription @{self.install.platform(target.platform)}")
        if target.platform_lines:
            text = "\n".join(target.platform_lines).replace('"', '\\"')
            self.execute(f'machine LoadPlatformDescriptionFromString "{text}"')
        for command in settings(target):
            self.execute(command)
        uart_file = self.workdir / f"uart-{self._machines}.bin"
        self.execute(f"{target.uart} CreateFileBackend @{uart_file} true")
        uart_file.touch()
        self._loaded = _Loaded(board, uart_file)

    def forget(self) -> None:
        """The next run loads its platform afresh (after an error left the machine unknown)."""
        self._loaded = None

    def alive(self) -> bool:
        return self.monitor.alive()

    def stop(self) -> None:
        self.monitor.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


_HOST: RenodeHost | None = None
_HOST_LOCK = threading.Lock()


def host(install: RenodeInstall | None = None) -> RenodeHost:
    """This process's Renode, started now if it is not running (or died)."""
    global _HOST
    with _HOST_LOCK:
        if _HOST is not None and not _HOST.alive():
            _HOST.stop()
            _HOST = None
        if _HOST is None:
            _HOST = RenodeHost(install or find_renode(), driver_name())
        return _HOST


def renode_version() -> str:
    """Renode's own version line (`Renode, version 1.16.1 (...)`), from this process's Renode."""
    answer = host().execute("version").strip().splitlines()
    return answer[0].strip() if answer else "unknown"


def running_host() -> RenodeHost | None:
    return _HOST


def stop_host() -> None:
    """End this process's Renode (at exit, at a test session's end); the next run starts another."""
    global _HOST
    with _HOST_LOCK:
        current, _HOST = _HOST, None
    if current is not None:
        current.stop()


atexit.register(stop_host)


class RenodeSession:
    """One run on the process's Renode. `stop()` pauses the board and hands Renode back."""

    def __init__(self, renode: RenodeHost, board: Board, elf: Path, uart_log: Path) -> None:
        self.uart_log = uart_log
        self.debug_endpoint: str | None = None  # see RenodeBackend.start
        self.command = [f"renode ({renode.driver})", str(renode.install.platform(renode_target(board).platform)),
                        str(elf)]
        self._host = renode
        self._target = renode_target(board)
        self._log = UartLog(uart_log)
        self.log_error: str | None = self._log.error
        self._splitter = LineSplitter()
        self._lines: list[str] = []
        self._stopped = False
        self._dead: EmulatorExited | None = None
        self._systick_cleared = False
        try:
            self._uart_file = renode.load(board, elf)
            self._offset = self._uart_file.stat().st_size
        except BaseException:
            renode.forget()
            self._log.discard()
            raise

    def _execute(self, command: str) -> str:
        if self._dead is not None:
            raise self._dead
        try:
            return self._host.monitor.execute(command)
        except EmulatorExited as exc:
            self._dead = exc
            raise
        except MonitorError as exc:
            raise EmulatorError(f"Renode refused `{command}`: {exc}") from None

    def _collect(self) -> None:
        with self._uart_file.open("rb") as output:
            output.seek(self._offset)
            chunk = output.read()
        if chunk:
            self._offset += len(chunk)
            self._log.write(chunk)
            self.log_error = self._log.error
            self._lines.extend(self._splitter.feed(chunk))

    def read_line(self, timeout: float) -> str | None:
        deadline = time.monotonic() + max(timeout, 0.0)
        while not self._lines:
            if time.monotonic() >= deadline:
                return None
            self._execute(f'emulation RunFor "{STEP_S}"')
            self._collect()
        return self._lines.pop(0)

    def write_line(self, text: str) -> None:
        if not self._systick_cleared:
            # Renode's SysTick reloads from the LOAD it had when VAL is cleared, and the FreeRTOS
            # ports clear VAL before they write LOAD: the first tick would come 2^24 cycles late
            # (0.1 s of virtual time at 168 MHz, spent spinning in the idle task). By the first
            # command the scheduler runs, so clearing VAL again starts the tick as silicon does.
            self._execute(f"sysbus WriteDoubleWord {_SYST_CVR:#x} 0")
            self._systick_cleared = True
        if self._dead is not None:
            raise self._dead
        try:
            self._host.monitor.write_uart(MACHINE, self._target.uart, (text + "\n").encode())
        except EmulatorExited as exc:
            self._dead = exc
            raise

    def read_memory(self, address: int, size: int) -> bytes:
        """RAM as the system bus sees it, read while the machine is paused."""
        answer = self._execute(f"sysbus ReadBytes {address:#x} {size}")
        data = bytes(int(byte, 16) for byte in _BYTE.findall(answer))
        if len(data) != size:
            raise EmulatorError(f"Renode read {len(data)} of {size} bytes at {address:#x}")
        return data

    def reset(self) -> None:
        self._execute("machine Reset")

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        try:
            if self._dead is None and self._host.alive():
                self._collect()
        finally:
            self._log.publish()
            self.log_error = self._log.error
            self._host.give_back()

    def __enter__(self) -> RenodeSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class RenodeBackend:
    name = "renode"
    replays = False

    def available(self, board: Board) -> str | None:
        if board.emulators.renode is None:
            return f"board {board.name} has no Renode platform"
        try:
            self._check()
        except ToolMissingError as exc:
            return exc.message
        return None

    def _check(self) -> RenodeInstall:
        install = find_renode()
        missing = mono_missing()
        if missing:
            raise ToolMissingError(missing, INSTALL_HINT)
        if os.environ.get("MEMHARNESS_RENODE_DRIVER") == "pyrenode3" and not pyrenode3_installed():
            raise ToolMissingError("MEMHARNESS_RENODE_DRIVER=pyrenode3 but pyrenode3 is not installed", INSTALL_HINT)
        return install

    def require(self, board: Board) -> RenodeTarget:
        target = renode_target(board)
        self._check()
        return target

    def command(
        self, board: Board, elf: Path, workdir: Path, icount_shift: int | None = None, *, debug: bool = False
    ) -> list[str]:
        """The same run by hand: Renode's monitor commands (paste them into `renode --console`)."""
        target = renode_target(board)
        try:
            root = str(find_renode().root)
        except ToolMissingError:
            root = "<renode>"
        return [
            f"{root}/renode", "--console", "--disable-xwt", "-e",
            "; ".join([
                f'mach create "{MACHINE}"', f"machine LoadPlatformDescription @{root}/{target.platform}",
                *settings(target), f"showAnalyzer {target.uart}",
                f"sysbus LoadELF @{elf.resolve()}", "start",
            ]),
        ]

    def start(
        self, board: Board, elf: Path, uart_log: Path, icount_shift: int | None = None, *, debug: bool = False,
        replay: Replay | None = None,
    ) -> RenodeSession:
        """A board on this process's Renode. `debug` (a gdb stub for the outside reader) is refused:
        Renode's stub listens on every interface, with no option to bind it to loopback (measured:
        0.0.0.0), and the harness opens no socket that is not private. The outside reader's own
        functions (`harness.observe`: heap_state, tasks, take_snapshot) read Renode's RAM through
        `read_memory` (the system bus) instead, while the machine is paused."""
        if replay is not None:
            raise EmulatorError("Renode has no record/replay", "record and replay runs with --emulator qemu")
        if debug:
            raise EmulatorError(
                "Renode offers no private debug interface: its gdb stub listens on every network interface",
                "run user images (--elf) with --emulator qemu; on Renode, read RAM with session.read_memory",
            )
        install = self._check()
        renode_target(board)
        renode = host(install)
        renode.take()
        try:
            return RenodeSession(renode, board, elf, uart_log)
        except BaseException:
            renode.give_back()
            raise
