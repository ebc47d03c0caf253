"""Our own firmware read from outside at the moment it prints a record: both views, side by side.

Each `heap`, `frag` and `stack` record the firmware prints goes through vMhRecord; a breakpoint
there stops the target while the record's figures are in its arguments but before any of them is
printed, and a snapshot is taken. The record that then arrives on the UART is paired with that
snapshot. Several scenarios run in one boot (the console prints `ready` after each), so a variant
costs one emulator start however many points are checked.

    pairs = crosscheck(firmware, ["run alloc_free", "run stack_hwm"], Path("results/x/uart.log"))
    for record, snap in pairs: ...

The test that the two views agree exactly is tests/e2e/test_observe_crosscheck.py.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.build import Firmware
from harness.emulators import backend
from harness.events import Event, Frag, Heap, Ready, Stack
from harness.observe.gdbstub import GdbRemote
from harness.observe.image import load_image
from harness.observe.snapshot import Snapshot, When, take_snapshot
from harness.protocol import parse_line

RECORD_FUNCTION = "vMhRecord"
CHECKED = ("heap", "frag", "stack")
_NAME_BYTES = 16


class CrosscheckError(RuntimeError):
    """The run did not reach every command's `ready`, or a record came with no snapshot."""


@dataclass(frozen=True)
class Pair:
    record: Heap | Frag | Stack
    snapshot: Snapshot


def crosscheck(
    firmware: Firmware, commands: Sequence[str], uart_log: Path, *, timeout: float = 120.0
) -> list[Pair]:
    """Boot `firmware`, send each command after a `ready`, and pair every checked record with a
    snapshot taken as vMhRecord was entered for it."""
    board = firmware.variant.board
    image = load_image(firmware.elf, board)
    record_at = image.function(RECORD_FUNCTION)
    if record_at is None:
        raise CrosscheckError(f"{firmware.elf} has no {RECORD_FUNCTION}")
    session = backend("qemu").start(board, firmware.elf, uart_log, debug=True)
    pending: dict[str, deque[Snapshot]] = {kind: deque() for kind in CHECKED}
    pairs: list[Pair] = []
    to_send = list(commands)
    deadline = time.monotonic() + timeout
    try:
        assert session.debug_endpoint is not None
        gdb = GdbRemote(session.debug_endpoint)
        gdb.set_breakpoint(record_at)
        gdb.resume()
        number = 0
        while True:
            if time.monotonic() > deadline:
                raise CrosscheckError(f"commands left unsent after {timeout:g} s: {to_send}; see {uart_log}")
            stop = gdb.wait_stop(0.002)
            if stop is not None:
                regs = gdb.registers()
                kind = gdb.read_memory(regs[0], _NAME_BYTES).split(b"\0", 1)[0].decode(errors="replace")
                if kind in pending:
                    number += 1
                    pending[kind].append(take_snapshot(image, gdb.read_memory, label=f"{kind} {number}", how=When.HIT))
                gdb.resume(regs[15])
            while (line := session.read_line(0)) is not None:
                entry = parse_line(line, 0)
                if isinstance(entry, (Heap, Frag, Stack)):
                    if not pending[entry.kind]:
                        raise CrosscheckError(f"a {entry.kind} record came with no snapshot: {line}")
                    pairs.append(Pair(entry, pending[entry.kind].popleft()))
                elif isinstance(entry, Ready):
                    if not to_send:
                        gdb.interrupt()
                        gdb.close()
                        return pairs
                    session.write_line(to_send.pop(0))
                elif isinstance(entry, Event) and entry.kind in ("error", "fault", "assert", "stack_overflow"):
                    raise CrosscheckError(f"the firmware reported {line}; see {uart_log}")
    finally:
        session.stop()
