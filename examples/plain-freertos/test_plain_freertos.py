"""plain-freertos compared on every heap scheme through the command line: table, verdict, files.

Copy this next to your own app's memharness.toml; the figures asserted are the ones this app's
workload gives (heap_1 cannot free, heap_2 fragments, heap_3/4/5 run it clean).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
APP = Path(__file__).resolve().parent


def test_plain_freertos_compare_prints_the_table_and_verdict_and_writes_the_files(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "harness.cli", "compare", "--app", str(APP),
         "--results", str(tmp_path)], capture_output=True, text=True, timeout=600,
        env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = " ".join(proc.stdout.split())
    assert "plain-freertos on mps2-an385, FreeRTOS-Kernel V11.3.0 (bytes, read from outside)" in out
    assert "ran the workload without an allocation failure or a reset: heap_4" in out
    assert "heap_1: reset: an assert in heap_1.c:" in out and "heap_1 cannot free" in out
    assert "heap_2: 46 allocation failure(s)" in out and "(fragmentation)" in out
    folder = tmp_path / "plain-freertos"
    report = json.loads((folder / "compare.json").read_text())
    by = {s["scheme"]: s for s in report["schemes"]}
    assert by["heap_4"]["malloc_failed"] == 0 and by["heap_4"]["ticks_end"] == 1000
    assert by["heap_4"]["min_ever_free"] < by["heap_4"]["free_end"]
    assert by["heap_2"]["free_blocks_end"] > 10 * by["heap_4"]["free_blocks_end"]  # heap_2 never merges
    assert set(by["heap_5"]["tasks"]) == {"IDLE", "Tmr Svc", "consumer", "producer"}
    assert by["heap_3"]["heap_not_available"]  # said why, never a made-up 0
    junit = (folder / "junit.xml").read_text()
    assert 'tests="5" failures="2"' in junit
    # free, min_ever, largest, free_blocks, stacks, footprint
    assert (folder / "compare.html").read_text().count("src='data:image/svg+xml;base64,") == 6
