"""A client of the GDB Remote Serial Protocol, for the emulator's gdb stub: RAM, registers, breakpoints.

Why a client of our own rather than gdb: the harness needs a handful of packets (`qSupported`,
`m`, `M`, `g`, `Z0`/`z0`, `c`, `s`, the interrupt byte, `D`) and nothing of gdb's symbol machinery
(pyelftools already reads the ELF). Measured side by side by bench/bench_observe.py (mps2-an385,
QEMU 7.2, a loaded 2-core machine): a snapshot of the heap and 10 tasks through this client takes
6.7 ms (median; an `m` round trip is 0.2 to 0.4 ms), while `gdb-multiarch -batch` needs 325 ms
just to start and load the ELF before its first read, and every read through gdb/MI would add a
hop to gdb on top of gdb's own to the stub. pygdbmi would add a dependency and still need that gdb.
This file is about 300 lines and is tested against QEMU's stub (tests/e2e/test_observe_image.py,
tests/unit/test_observe.py).

The endpoint is `unix:<path>` (QEMU's `-gdb unix:<path>,server=on,wait=off`, in the run's private
folder) or `tcp:127.0.0.1:<port>` (Renode's gdb server on loopback). QEMU stops the CPU when a
client connects; `resume()` lets it run, `wait_stop()` returns the next stop (a breakpoint, an
interrupt) or None when none came in time, and `detach()` lets the target run on without us.
"""

from __future__ import annotations

import select
import socket
import time
from dataclasses import dataclass

from harness.errors import EmulatorError

_INTERRUPT = b"\x03"
SIGINT, SIGTRAP = 2, 5  # stop reasons: the host's interrupt, a breakpoint or step
PC_REGISTER = 15  # r15 on ARM
SP_REGISTER = 13
_EXCEPTION_MASK = 0x1FF  # xPSR's IPSR: the number of the exception being handled, 0 in a task
_READ_CHUNK = 1024  # bytes per `m` packet: well inside QEMU's 4096-byte packet buffer


class StubError(EmulatorError):
    """The gdb stub refused a request or the connection broke."""


class TargetExited(StubError):
    """The target ended (a `W`/`X` stop reply, or the stub closed the connection)."""


@dataclass(frozen=True)
class StopReply:
    """Why the target stopped: `signal` (5 = SIGTRAP: a breakpoint or interrupt), the raw reply."""

    signal: int
    raw: str


def _checksum(data: bytes) -> bytes:
    return b"%02x" % (sum(data) & 0xFF)


def _decode_rle(data: bytes) -> bytes:
    if b"*" not in data:
        return data
    out = bytearray()
    i = 0
    while i < len(data):
        if data[i : i + 1] == b"*" and out and i + 1 < len(data):
            out += out[-1:] * (data[i + 1] - 29)
            i += 2
        else:
            out.append(data[i])
            i += 1
    return bytes(out)


class GdbRemote:
    """One connection to a gdb stub. Not thread-safe: one owner drives it."""

    def __init__(self, endpoint: str, timeout: float = 5.0) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self._buffer = b""
        self._ack = True
        self._running = False
        self._breakpoints: set[int] = set()
        self.steps_take_interrupts = False  # a QEMU recording or replaying (see _step_over); Cortex-M only
        self._returning: tuple[int, int] | None = None  # (pc, sp) a step's interrupt will return to
        self._sock = self._connect(endpoint, timeout)
        supported = self._command(b"qSupported:swbreak+;hwbreak+")
        if b"QStartNoAckMode+" in supported and self._command(b"QStartNoAckMode") == b"OK":
            self._ack = False  # QEMU 7.2 does not offer it; later ones do

    @staticmethod
    def _connect(endpoint: str, timeout: float) -> socket.socket:
        kind, _, where = endpoint.partition(":")
        deadline = time.monotonic() + timeout
        while True:
            try:
                if kind == "unix":
                    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    sock.connect(where)
                elif kind == "tcp":
                    host, _, port = where.rpartition(":")
                    sock = socket.create_connection((host, int(port)), timeout=timeout)
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                else:
                    raise StubError(f"unknown gdb stub endpoint {endpoint!r}", "use unix:<path> or tcp:<host>:<port>")
                return sock
            except OSError as exc:
                if time.monotonic() > deadline:
                    raise StubError(f"cannot reach the gdb stub at {endpoint}: {exc.strerror or exc}") from None
                time.sleep(0.01)

    # --- packets ----------------------------------------------------------------------------
    def _send(self, payload: bytes) -> None:
        try:
            self._sock.sendall(b"$" + payload + b"#" + _checksum(payload))
        except OSError as exc:
            raise TargetExited(f"the gdb stub connection broke: {exc.strerror or exc}") from None

    def _fill(self, deadline: float | None) -> bool:
        """Read more bytes into the buffer; False if none came before `deadline`."""
        wait = None if deadline is None else max(deadline - time.monotonic(), 0.0)
        ready, _, _ = select.select([self._sock], [], [], wait)
        if not ready:
            return False
        try:
            chunk = self._sock.recv(65536)
        except OSError as exc:
            raise TargetExited(f"the gdb stub connection broke: {exc.strerror or exc}") from None
        if not chunk:
            raise TargetExited("the gdb stub closed the connection (the emulator ended)")
        self._buffer += chunk
        return True

    def _receive(self, deadline: float | None) -> bytes | None:
        """The next packet's payload; None if none completed before `deadline`."""
        while True:
            start = self._buffer.find(b"$")
            if start >= 0:
                end = self._buffer.find(b"#", start)
                if end >= 0 and len(self._buffer) >= end + 3:
                    payload = self._buffer[start + 1 : end]
                    self._buffer = self._buffer[end + 3 :]
                    if self._ack:
                        try:
                            self._sock.sendall(b"+")
                        except OSError as exc:  # the stub sent its last word and went (a replay's end)
                            raise TargetExited(f"the gdb stub connection broke: {exc.strerror or exc}") from None
                    return _decode_rle(payload)
            if not self._fill(deadline):
                return None

    def _command(self, payload: bytes) -> bytes:
        if self._running:
            raise StubError("the target is running: stop it before reading it")
        self._send(payload)
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._receive(deadline)
            if reply is None:
                raise StubError(f"the gdb stub did not answer {payload[:20]!r} within {self.timeout:g} s")
            if reply[:1] == b"T" and payload[:1] not in (b"?", b"s", b"c"):
                continue  # a late stop reply (an interrupt that met a breakpoint stop): not our answer
            if reply[:1] in (b"W", b"X") and len(reply) == 3:  # the target ended (a replay at its record's end)
                self._running = False
                raise TargetExited(f"the target ended ({reply.decode(errors='replace')})")
            return reply

    # --- memory and registers ---------------------------------------------------------------
    def read_memory(self, address: int, size: int) -> bytes:
        """`size` bytes from `address` as the CPU sees them; OSError if the target has none there."""
        out = bytearray()
        while size > 0:
            n = min(size, _READ_CHUNK)
            reply = self._command(b"m%x,%x" % (address, n))
            if not reply or reply.startswith(b"E"):
                said = reply.decode(errors="replace") or "no reply"
                raise OSError(f"cannot read {n} bytes at {address:#010x} ({said})")
            try:
                out += bytes.fromhex(reply.decode())
            except ValueError:
                raise StubError(f"the gdb stub gave no memory at {address:#010x} ({reply[:40]!r})") from None
            address, size = address + n, size - n
        return bytes(out)

    def write_memory(self, address: int, data: bytes) -> None:
        reply = self._command(b"M%x,%x:%s" % (address, len(data), data.hex().encode()))
        if reply != b"OK":
            raise OSError(f"cannot write {len(data)} bytes at {address:#010x} ({reply.decode(errors='replace')})")

    def registers(self) -> list[int]:
        """The `g` packet as 32-bit little-endian words (r0..r15 first on ARM; the last is xPSR)."""
        reply = self._command(b"g")
        try:
            raw = bytes.fromhex(reply.decode())
        except ValueError:  # an error reply (E..): a replaying QEMU at the end of its record says so
            raise StubError(f"the gdb stub cannot read the registers ({reply[:40].decode(errors='replace')})") from None
        return [int.from_bytes(raw[i : i + 4], "little") for i in range(0, len(raw) - 3, 4)]

    def register(self, number: int) -> int:
        reply = self._command(b"p%x" % number)
        if not reply or reply.startswith(b"E"):
            raise StubError(f"the gdb stub cannot read register {number} ({reply.decode(errors='replace')})")
        return int.from_bytes(bytes.fromhex(reply.decode()), "little")

    def target_xml(self, annex: str = "target.xml") -> str:
        """A target description document (its register names and numbers), read in pieces."""
        text = b""
        while True:
            reply = self._command(b"qXfer:features:read:%s:%x,%x" % (annex.encode(), len(text), 2048))
            if not reply or reply[:1] not in (b"m", b"l"):
                raise StubError(f"the gdb stub has no {annex} ({reply.decode(errors='replace')})")
            text += reply[1:]
            if reply[:1] == b"l":
                return text.decode()

    # --- breakpoints and running ------------------------------------------------------------
    def set_breakpoint(self, address: int, kind: int = 2) -> None:
        reply = self._command(b"Z0,%x,%x" % (address, kind))
        if reply != b"OK":
            raise StubError(f"the gdb stub refused a breakpoint at {address:#010x} ({reply.decode(errors='replace')})")
        self._breakpoints.add(address)

    def remove_breakpoint(self, address: int, kind: int = 2) -> None:
        self._command(b"z0,%x,%x" % (address, kind))
        self._breakpoints.discard(address)

    def step(self) -> StopReply:
        """Run one instruction."""
        self._send(b"s")
        self._running = True
        stop = self.wait_stop(self.timeout)
        if stop is None:
            raise StubError("the target did not stop after one instruction")
        return stop

    def resume(self, pc: int | None = None, *, step_over: bool = True) -> None:
        """Let the target run; `wait_stop` tells when it stops again.

        A stub stops at a breakpoint again at once if asked to go on from it, so when the target
        stopped on one of ours (`pc`, read from the registers unless given) it is lifted for one
        instruction, as gdb itself does. After an interrupt (`step_over=False`) the target has not
        executed the instruction at `pc` yet: a breakpoint there must still fire.
        """
        if self._breakpoints and step_over:
            here = self.registers()[PC_REGISTER] if pc is None else pc
            if here in self._breakpoints:
                self._step_over(here)
        self._send(b"c")
        self._running = True

    def _step_over(self, here: int) -> None:
        """Run the instruction at `here`, a breakpoint of ours, with the breakpoint lifted.

        QEMU steps with interrupts masked, except under record/replay, where it cannot
        (`steps_take_interrupts`): there a step may enter a pending interrupt's handler before the
        instruction runs, and the handler's return would meet the breakpoint again. Seen (the
        exception number changed), the return to `here` with the same stack is remembered, and
        `wait_stop` steps over it again instead of reporting it as a new hit.
        """
        before = self.registers() if self.steps_take_interrupts else []
        self._command(b"z0,%x,2" % here)
        self.step()
        self._command(b"Z0,%x,2" % here)
        if before:
            after = self.registers()
            if after[-1] & _EXCEPTION_MASK != before[-1] & _EXCEPTION_MASK:
                self._returning = (here, before[SP_REGISTER])

    def wait_stop(self, timeout: float | None) -> StopReply | None:
        """The next stop, or None if the target is still running after `timeout` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            reply = self._receive(deadline)
            if reply is None:
                return None
            kind = reply[:1]
            if kind in (b"T", b"S"):
                self._running = False
                stop = StopReply(int(reply[1:3], 16), reply.decode(errors="replace"))
                if self._returning is not None and stop.signal == SIGTRAP:
                    regs = self.registers()
                    if (regs[PC_REGISTER], regs[SP_REGISTER]) == self._returning:
                        self._returning = None  # back from the interrupt a step took: not a new hit
                        self.resume(regs[PC_REGISTER])
                        continue
                return stop
            if kind in (b"W", b"X"):
                self._running = False
                raise TargetExited(f"the target ended ({reply.decode(errors='replace')})")
            # 'O' console output and anything else a stub may send while running: ignore

    def interrupt(self, timeout: float | None = None) -> StopReply:
        """Stop a running target now (a host-timed point)."""
        if not self._running:
            return StopReply(0, "")
        self._sock.sendall(_INTERRUPT)
        stop = self.wait_stop(self.timeout if timeout is None else timeout)
        if stop is None:
            raise StubError("the target did not stop when interrupted")
        return stop

    @property
    def running(self) -> bool:
        return self._running

    def detach(self) -> None:
        """Remove every breakpoint and let the target run without us."""
        try:
            if self._running:
                self.interrupt()
            self._command(b"D")
        except StubError:
            pass
        self.close()

    def close(self) -> None:
        try:
            self._sock.close()
        except OSError:
            pass

    def __enter__(self) -> GdbRemote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
