"""The QEMU backend: `qemu-system-arm` with `-icount`, no network, QMP on a private Unix socket.

All UART output goes through one sink (`_fill`, run by whoever reads a line) into both the raw
log (harness.emulators.uart_log) and the line buffer, so what a test saw and what the log holds
are the same bytes. There is no reader thread: a thread's start and a queue hand-over per line
cost more than a short run's whole scenario, and QEMU's output waits in a pipe made large enough
(`PIPE_BYTES`) that the guest never finds its UART full while the harness is busy elsewhere (a
gdb stop, a QMP read). The process is started in its own session and `stop()` kills the whole
process group, whatever happened before; on Linux it also dies with the thread that started it
(PR_SET_PDEATHSIG), so even a harness killed by SIGKILL leaves no QEMU behind.

Nothing the firmware prints can hurt the harness: a line longer than `MAX_LINE` bytes is cut
(the log keeps it whole), bytes that are not UTF-8 become U+FFFD, and a log file that cannot be
written (disk full, read-only folder) is reported in `log_error` while the run goes on.
"""

from __future__ import annotations

import collections
import fcntl
import functools
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from harness.emulators.base import EmulatorExited, Replay
from harness.emulators.uart_log import UartLog
from harness.errors import EmulatorError, ToolMissingError

if TYPE_CHECKING:  # qemu.qmp (asyncio) loads only when a probe first needs QMP; see _monitor()
    from qemu.qmp.legacy import QEMUMonitorProtocol

    from harness.platforms import Board, QemuTarget

# Instruction-counted virtual time: every instruction takes 2^shift ns, so timer-based figures
# are identical run to run. Runs use shift 0 (1 ns per instruction). Timing runs use shift 7:
# with 128 ns per instruction a SysTick tick (40 ns at 25 MHz) is finer than one instruction,
# so the ticks an operation spans convert back to its exact instruction count.
ICOUNT_SHIFT = 0
TIMING_ICOUNT_SHIFT = 7


def icount(shift: int) -> str:
    return f"shift={shift},align=off,sleep=off"


ICOUNT = icount(ICOUNT_SHIFT)
_LIVE: set[QemuSession] = set()
_LIVE_LOCK = threading.Lock()


def stop_all_sessions() -> int:
    """Kill every QEMU this process is running (Ctrl-C in a threaded matrix); returns how many.

    Only the process groups are killed here; each session's own `stop()`, in the thread that
    owns it, still publishes the log and removes the private folder.
    """
    with _LIVE_LOCK:
        live = list(_LIVE)
    for session in live:
        session.kill()
    return len(live)
MAX_LINE = 64 * 1024  # a longer line is cut, so a flood without newlines cannot exhaust memory
CUT_MARK = f" [memharness: line cut at {MAX_LINE} bytes; uart.log holds all of it]"
# The UART pipe's size: QEMU writes into it while the harness is not reading (a gdb stop, a QMP
# read); a full pipe would make the guest see its UART busy and spin, moving virtual time on.
PIPE_BYTES = 1 << 20
# Seconds the reader waits, once woken, before it reads. QEMU writes the UART a byte at a time, a
# write() per character; a reader already waiting on the pipe makes each of those writes wake it
# on the other core, which costs QEMU more than the byte. Waking once per burst instead made the
# scenario part of a leak run 1.2 ms (23%) faster than a reader woken per byte (bench/README.md);
# 20 us and 200 us were slower. It is not a poll: the reader still sleeps until data comes.
COALESCE = 50e-6
_PR_SET_PDEATHSIG = 1


def dying_with_parent(command: list[str]) -> tuple[list[str], Callable[[], None] | None]:
    """`command` set up to be killed when the thread that starts it ends (Linux's PDEATHSIG), so a
    harness killed outright leaves no emulator behind: (the command to run, a pre-exec step).

    util-linux's `setpriv --pdeathsig KILL` sets it and execs the emulator (the flag survives the
    exec). A pre-exec step in Python would do the same, but it makes subprocess fork the whole
    interpreter instead of vfork-ing: about 25 ms for a 150 MB pytest worker, against under 1 ms,
    on every emulator start. The step is the fallback where setpriv is missing.
    """
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return command, None  # PDEATHSIG follows the starting *thread*; a worker thread may end before QEMU should
    setpriv = _setpriv()
    if setpriv is not None:  # the program by its path: setpriv's own search tries an exec per PATH entry
        return [setpriv, "--pdeathsig", "KILL", which(command[0]) or command[0], *command[1:]], None
    import ctypes  # only for this fallback

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return command, None

    def die_with_parent() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    return command, die_with_parent


def _setpriv() -> str | None:
    return which("setpriv")


def which(program: str) -> str | None:
    """`shutil.which`, remembered per PATH: each emulator start looked its binary up again, a
    stat per PATH entry (0.07 ms here)."""
    return _which(program, os.environ.get("PATH", os.defpath))


@functools.lru_cache(maxsize=64)
def _which(program: str, path: str) -> str | None:
    return shutil.which(program, path=path)


class LineSplitter:
    """Bytes off the UART to text lines: a newline ends a line, carriage returns before it are dropped.

    A line longer than `limit` bytes is handed over cut to `limit` bytes plus `CUT_MARK` as
    soon as it is that long, and the rest of it, up to its newline, is skipped.
    """

    def __init__(self, limit: int = MAX_LINE) -> None:
        self._limit = limit
        self._pending = bytearray()
        self._skipping = False

    @staticmethod
    def _text(data: bytes | bytearray) -> str:
        return bytes(data).decode("utf-8", errors="replace").rstrip("\r")

    def feed(self, data: bytes) -> list[str]:
        self._pending += data
        out: list[str] = []
        while True:
            cut = self._pending.find(b"\n")
            if self._skipping:
                if cut < 0:
                    self._pending.clear()
                    return out
                del self._pending[: cut + 1]
                self._skipping = False
                continue
            if cut < 0:
                if len(self._pending) >= self._limit:
                    out.append(self._text(self._pending[: self._limit]) + CUT_MARK)
                    self._pending.clear()
                    self._skipping = True
                return out
            line = self._pending[:cut]
            out.append(self._text(line) if len(line) <= self._limit else self._text(line[: self._limit]) + CUT_MARK)
            del self._pending[: cut + 1]

    def end(self) -> list[str]:
        """The last line, if the output stopped without a newline."""
        rest = [] if self._skipping or not self._pending else [self._text(self._pending)]
        self._pending.clear()
        return rest


def qemu_target(board: Board) -> QemuTarget:
    if board.emulators.qemu is None:
        raise EmulatorError(f"board {board.name} has no QEMU machine", "run it with another --emulator")
    return board.emulators.qemu


class QemuSession:
    """One running QEMU. Use as a context manager or call `stop()`; both are idempotent."""

    def __init__(
        self, command: list[str], workdir: Path, qmp_path: Path, uart_log: Path, debug_endpoint: str | None = None,
        term_grace: float = 0.5,
    ) -> None:
        self.command = command
        # Seconds QEMU gets to end on SIGTERM before SIGKILL: a recording QEMU writes its log then,
        # which a loaded machine can make take longer than a plain one's half second.
        self._term_grace = term_grace
        self.uart_log = uart_log
        # `unix:<path>` of QEMU's gdb stub in the private folder when started with `debug`
        # (harness.observe.gdbstub connects to it); None otherwise.
        self.debug_endpoint = debug_endpoint
        self._workdir = workdir
        self._qmp_path = qmp_path
        self._qmp: QEMUMonitorProtocol | None = None
        self._lines: collections.deque[str] = collections.deque()
        self._splitter = LineSplitter()
        self._ended = False  # the UART pipe reached its end: QEMU is gone
        self._reading = threading.Lock()  # one reader at a time; kill() needs no lock
        self._stderr_path = workdir / "qemu.stderr"
        self._stopped = False
        started, pre_exec = dying_with_parent(command)
        with self._stderr_path.open("wb") as stderr:
            try:
                self._proc = subprocess.Popen(
                    started,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=stderr,
                    start_new_session=True,
                    cwd=workdir,
                    preexec_fn=pre_exec,
                )
            except OSError as exc:
                raise EmulatorError(
                    f"cannot start {command[0]}: {exc.strerror or exc}",
                    "check the emulator binary named in the board's platform file",
                ) from None
        with _LIVE_LOCK:
            _LIVE.add(self)
        # Opened while QEMU starts (its output waits in the pipe): a file created on ext4 is 0.1 ms.
        self._log = UartLog(uart_log)
        assert self._proc.stdout is not None
        self._uart = self._proc.stdout.fileno()
        try:
            fcntl.fcntl(self._uart, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        except OSError:  # over /proc/sys/fs/pipe-max-size for this user: the default 64 KiB serves
            pass
        self._poll = select.poll()  # registered once: QEMU writes a byte at a time, so this is a hot loop
        self._poll.register(self._uart, select.POLLIN)

    def kill(self, meanwhile: Callable[[], None] | None = None) -> None:
        """End the emulator's process group now; safe from any thread. `meanwhile` runs while it
        dies (only if it was still running)."""
        if self._proc.poll() is None:
            _kill_group(self._proc, self._term_grace, meanwhile)

    @property
    def pid(self) -> int:
        return self._proc.pid

    # --- UART -----------------------------------------------------------------------------
    def _fill(self, timeout: float, coalesce: float = COALESCE) -> bool:
        """Read what QEMU has written within `timeout` seconds into the log and the line buffer;
        False if it wrote nothing in that time."""
        if not self._poll.poll(max(timeout, 0.0) * 1000):
            return False
        if coalesce:
            time.sleep(coalesce)  # let the burst that woke us finish: see COALESCE
        try:
            chunk = os.read(self._uart, PIPE_BYTES)
        except OSError:
            chunk = b""
        if chunk:
            self._log.write(chunk)
            self._lines.extend(self._splitter.feed(chunk))
        else:
            self._lines.extend(self._splitter.end())
            self._ended = True
        return True

    @property
    def log_error(self) -> str | None:
        """Why the raw log is missing or incomplete, if it is."""
        return self._log.error

    def stderr_text(self) -> str:
        try:
            return self._stderr_path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return ""

    def read_line(self, timeout: float) -> str | None:
        deadline = time.monotonic() + timeout
        with self._reading:
            while not self._lines:
                if self._ended:
                    try:
                        returncode: int | None = self._proc.wait(timeout=2)
                    except subprocess.TimeoutExpired:  # it closed its output but lives on: stop() ends it
                        returncode = None
                    raise EmulatorExited(returncode, self.stderr_text())
                if not self._fill(deadline - time.monotonic()):
                    return None
            return self._lines.popleft()

    def write_line(self, text: str) -> None:
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(text.encode() + b"\n")
            self._proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            raise EmulatorExited(self._proc.poll(), self.stderr_text()) from None

    # --- QMP ------------------------------------------------------------------------------
    def _monitor(self) -> QEMUMonitorProtocol:
        if self._qmp is None:
            from qemu.qmp.legacy import QEMUMonitorProtocol

            qmp = QEMUMonitorProtocol(str(self._qmp_path))
            try:
                qmp.connect()
            except Exception as exc:  # qemu.qmp raises several types; all mean the same here
                raise EmulatorError(f"cannot reach QEMU's QMP socket {self._qmp_path}: {exc}") from None
            self._qmp = qmp
        return self._qmp

    def read_memory(self, address: int, size: int) -> bytes:
        """Memory as CPU 0 sees it, through QMP `memsave` into the session's private folder.

        Not `pmemsave`: that reads the system address space, which on a TrustZone board
        (mps2-an505) is the non-secure view, all zeros at the secure RAM the firmware runs in.
        M-profile cores have no MMU, so the CPU's view is the physical memory it uses.
        """
        dump = self._workdir / "memory.bin"
        self._monitor().cmd("memsave", val=address, size=size, filename=str(dump), **{"cpu-index": 0})
        data = dump.read_bytes()
        dump.unlink()
        return data

    def reset(self) -> None:
        self._monitor().cmd("system_reset")

    def stop(self) -> None:
        """End QEMU and its process group, then publish the log and remove the private folder."""
        if self._stopped:
            return
        self._stopped = True
        if self._qmp is not None:
            try:
                self._qmp.close()
            except Exception:  # closing a monitor whose QEMU is gone may raise anything
                pass
            self._qmp = None
        # The private folder goes while the kernel tears QEMU down (2 ms, on the other core).
        self.kill(meanwhile=lambda: remove_private_folder(self._workdir))
        with _LIVE_LOCK:
            _LIVE.discard(self)
        if self._proc.stdin is not None:
            try:
                self._proc.stdin.close()
            except OSError:
                pass
        self._drain()
        self._log.publish()
        remove_private_folder(self._workdir)  # if QEMU had ended by itself, nothing removed it meanwhile

    def _drain(self) -> None:
        """The rest of QEMU's output, into the log: after the kill its pipe ends within moments."""
        deadline = time.monotonic() + 2
        with self._reading:
            while not self._ended and self._fill(deadline - time.monotonic(), coalesce=0):
                pass
            self._ended = True  # later reads get the lines left, then EmulatorExited
            assert self._proc.stdout is not None
            self._proc.stdout.close()

    def __enter__(self) -> QemuSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def remove_private_folder(folder: Path) -> None:
    """Remove a session's private folder (sockets, QEMU's stderr: no subfolders). Unlinking its
    entries by name takes half the time of shutil.rmtree's careful descent, which stays the fallback."""
    try:
        for entry in os.scandir(folder):
            os.unlink(entry.path)
        os.rmdir(folder)
    except FileNotFoundError:  # removed already, while QEMU was dying
        return
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)


def _kill_group(proc: subprocess.Popen[bytes], grace: float = 0.5, meanwhile: Callable[[], None] | None = None) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds (at once when `grace` is 0): the group is gone
    well within the second a user may wait. `meanwhile` runs once the first signal is sent."""
    steps = ((signal.SIGTERM, grace),) if grace > 0 else ()
    for sig, wait in (*steps, (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        if meanwhile is not None:
            meanwhile()
            meanwhile = None
        try:
            _wait(proc, wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _wait(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """`proc.wait(timeout)`, woken the moment the process ends (a pidfd on Linux) instead of by
    Popen's polling sleeps, which overshoot an exit by up to half the time waited so far."""
    try:
        fd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):  # not Linux 5.3+, or already reaped
        proc.wait(timeout=timeout)
        return
    try:
        select.select([fd], [], [], timeout)
    finally:
        os.close(fd)
    proc.wait(timeout=0)  # reaps it, or raises TimeoutExpired if it is still there


class QemuBackend:
    name = "qemu"
    replays = True

    def available(self, board: Board) -> str | None:
        if board.emulators.qemu is None:
            return f"board {board.name} has no QEMU machine"
        binary = board.emulators.qemu.binary
        if which(binary) is None:
            return f"{binary} is not installed (apt-get install qemu-system-arm)"
        return None

    def require(self, board: Board) -> QemuTarget:
        """The board's QEMU target, or the error a user needs when QEMU cannot run it here."""
        target = qemu_target(board)
        if which(target.binary) is None:
            raise ToolMissingError(
                f"{target.binary} is not installed (or not on PATH)",
                "run `make setup`, or: apt-get install qemu-system-arm",
            )
        return target

    def command(
        self, board: Board, elf: Path, workdir: Path, icount_shift: int | None = None, *, debug: bool = False,
        replay: Replay | None = None,
    ) -> list[str]:
        """`debug`: a gdb stub on a Unix socket in `workdir`, the CPU held at reset (`-S`) until a
        client lets it run, so breakpoints are in place before the first instruction. `replay`:
        QEMU records the run to (or replays it from) the file; the log is complete once QEMU ends
        on SIGTERM, which `stop()` sends first."""
        target = qemu_target(board)
        icount_shift = ICOUNT_SHIFT if icount_shift is None else icount_shift
        rr = f",rr={replay.mode},rrfile={replay.path}" if replay is not None else ""
        stub = ["-gdb", f"unix:{workdir / 'gdb.sock'},server=on,wait=off", "-S"] if debug else []
        return [
            target.binary,
            "-M", target.machine,
            "-cpu", target.cpu,
            "-nodefaults",
            "-nic", "none",
            "-display", "none",
            *(["-serial", "null"] * target.serial_port),  # the console UART is the n-th -serial
            "-serial", "stdio",
            "-icount", icount(icount_shift) + rr,
            "-qmp", f"unix:{workdir / 'qmp.sock'},server=on,wait=off",
            "-kernel", str(elf),
            *stub,
            *target.extra_args,
        ]

    def start(
        self, board: Board, elf: Path, uart_log: Path, icount_shift: int | None = None, *, debug: bool = False,
        replay: Replay | None = None,
    ) -> QemuSession:
        self.require(board)
        workdir = Path(tempfile.mkdtemp(prefix="memharness-qemu-"))  # mode 0700: private sockets
        command = self.command(board, elf, workdir, icount_shift, debug=debug, replay=replay)
        endpoint = f"unix:{workdir / 'gdb.sock'}" if debug else None
        try:
            # A recording QEMU writes its log when told to end (SIGTERM); any other has nothing to
            # write (the UART went out through the pipe as it was printed), so it is killed at once.
            grace = 10.0 if replay is not None and replay.mode == "record" else 0.0
            return QemuSession(command, workdir, workdir / "qmp.sock", uart_log, endpoint, grace)
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
