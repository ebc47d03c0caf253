"""Renode against QEMU on the same STM32F4 image and scenario, side by side in one run.

Prints, per scenario: the first Renode run (Mono's start-up, the platform load and the run),
then the median per run after warm-up on Renode and on QEMU (interleaved, so both see the same
machine load) and their ratio. The target (issue 13): at most 0.3 s per Renode run after
warm-up. Asserts nothing: speed targets live here, never in tests. Needs a Renode
(MEMHARNESS_RENODE or `make setup RENODE=...`).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from harness.api import prepare, run_scenario
from harness.build import Firmware
from harness.emulators import renode
from harness.emulators.renode import RenodeBackend

BOARD = "netduinoplus2"
ROUNDS = 10
WARM_UP = 2
SCENARIOS: tuple[tuple[str, dict[str, int | str]], ...] = (
    ("heap_report", {}), ("leak", {"size": 4096}), ("stack_hwm", {}),
)
TARGET_S = 0.3


def timed(firmware: Firmware, scenario: str, params: dict[str, int | str], emulator: str, folder: Path) -> float:
    start = time.perf_counter()
    run = run_scenario(firmware, scenario, params, folder, emulator=emulator)
    elapsed = time.perf_counter() - start
    assert run.outcome.value == "done", run.describe()
    return elapsed


def main() -> int:
    firmware = prepare(board=BOARD, heap="heap_4")
    missing = RenodeBackend().available(firmware.variant.board)
    if missing:
        print(f"skipped: Renode is not available here ({missing})")
        return 0
    with tempfile.TemporaryDirectory(prefix="memharness-bench-") as tmp:
        folder = Path(tmp)
        first_scenario, first_params = SCENARIOS[0]
        start = time.perf_counter()
        timed(firmware, first_scenario, first_params, "renode", folder)
        first = time.perf_counter() - start
        host = renode.running_host()
        assert host is not None
        print(f"Renode ({host.driver}) on {firmware.variant.label}:")
        print(f"  first run, start-up included   {first:8.2f} s  (Renode's start {host.start_time:.2f} s)")
        for scenario, params in SCENARIOS:
            for _ in range(WARM_UP):
                timed(firmware, scenario, params, "renode", folder)
                timed(firmware, scenario, params, "qemu", folder)
            on_renode, on_qemu = [], []
            for _ in range(ROUNDS):
                on_renode.append(timed(firmware, scenario, params, "renode", folder))
                on_qemu.append(timed(firmware, scenario, params, "qemu", folder))
            r, q = statistics.median(on_renode), statistics.median(on_qemu)
            verdict = "within" if r <= TARGET_S else "over"
            print(f"  {scenario:12} median of {ROUNDS}: Renode {r * 1000:7.1f} ms, QEMU {q * 1000:7.1f} ms, "
                  f"ratio Renode/QEMU {r / q:5.2f} ({verdict} the {TARGET_S:g} s target)")
    renode.stop_host()
    return 0


if __name__ == "__main__":
    sys.exit(main())
