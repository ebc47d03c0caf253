"""Harness wall time against raw qemu-system-arm on the same ELF and scenario, side by side.

Prints the ratio; asserts nothing (speed targets live here, never in tests). Raw QEMU is fed the
command line on stdin and stopped at the `done` record, the least any harness could do.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.api import prepare, run_scenario
from harness.emulators.qemu import QemuBackend

ROUNDS = 10
SCENARIO, PARAMS = "leak", {"size": 4096}


def raw_qemu(command: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"run leak size=4096\n")
    proc.stdin.flush()
    for line in proc.stdout:
        if line.startswith(b"@mh done"):
            break
    proc.kill()
    proc.wait()
    return time.perf_counter() - start


def main() -> int:
    firmware = prepare(heap="heap_4")
    with tempfile.TemporaryDirectory() as tmp:
        command = [w for w in QemuBackend().command(firmware.variant.board, firmware.elf, Path(tmp)) if w]
        qmp = command.index("-qmp")
        del command[qmp : qmp + 2]
        harness_times, raw_times = [], []
        for _ in range(ROUNDS):  # interleaved, so both see the same machine load
            raw_times.append(raw_qemu(command))
            start = time.perf_counter()
            run = run_scenario(firmware, SCENARIO, PARAMS, Path(tmp) / "results")
            harness_times.append(time.perf_counter() - start)
            assert run.outcome.value == "done", run.describe()
    raw, ours = statistics.median(raw_times), statistics.median(harness_times)
    print(f"{SCENARIO} on {firmware.variant.label}, median of {ROUNDS}:")
    print(f"  raw qemu-system-arm  {raw * 1000:8.1f} ms")
    print(f"  memharness run       {ours * 1000:8.1f} ms")
    print(f"  ratio harness/raw    {ours / raw:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
