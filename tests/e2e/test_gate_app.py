"""The gate on a user's app (`compare --app`): per scheme, the heap at the end and its floors,
allocation failures, every task's lowest high-water mark and the image's footprint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.api import DEFAULT_BOARD
from harness.emulators import backend
from harness.paths import PROJECT_ROOT
from harness.platforms import load_board

pytestmark = pytest.mark.e2e

APP = PROJECT_ROOT / "examples" / "plain-freertos"


def memharness(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "COLUMNS": "100"})


@pytest.fixture(autouse=True)
def _qemu_here() -> None:
    """Every test here runs the app under QEMU on the default board: skipped, naming why, without it."""
    reason = backend("qemu").available(load_board(DEFAULT_BOARD))
    if reason:
        pytest.skip(reason)


def test_an_app_comparison_is_gated_against_its_baseline(tmp_path: Path) -> None:
    baseline = tmp_path / "app.json"
    args = ("compare", "--app", str(APP), "--heap", "heap_2,heap_4", "--baseline", str(baseline))
    written = memharness(*args, "--update-baseline", "--results", str(tmp_path / "a"), cwd=tmp_path)
    assert written.returncode == 0, written.stdout + written.stderr
    data = json.loads(baseline.read_text())
    assert data["source"] == "app" and data["matrix"]["workloads"] == ["plain-freertos"]
    assert {f["figure"] for f in data["figures"]} >= {"heap.free_end", "image.flash"}
    assert any(f["figure"].startswith("stack.") for f in data["figures"])

    again = memharness(*args, "--results", str(tmp_path / "b"), cwd=tmp_path)
    assert again.returncode == 0 and "baseline gate passed: 0 regression(s)" in again.stdout, again.stdout

    for entry in data["figures"]:  # a baseline that promises 128 bytes more at the end on heap_4
        if entry["scheme"] == "heap_4" and entry["figure"] == "heap.free_end":
            entry["value"] += 128
    baseline.write_text(json.dumps(data))
    failed = memharness(*args, "--results", str(tmp_path / "c"), cwd=tmp_path)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "heap_4 │ plain-freertos │ heap.free_end" in failed.stdout and "-128 (" in failed.stdout
    assert "baseline gate FAILED: 1 regression(s)" in failed.stdout

    other = memharness("compare", "--app", str(APP), "--heap", "heap_4", "--baseline", str(baseline),
                       "--results", str(tmp_path / "d"), cwd=tmp_path)
    assert other.returncode == 2 and "another scheme set" in other.stderr


def test_one_app_run_is_gated_against_its_snapshot_floors(tmp_path: Path) -> None:
    """`run --app --baseline`: the run's snapshots as floors (the gate of `run --elf`), not ignored."""
    baseline = tmp_path / "run.json"
    args = ("run", "--app", str(APP), "--heap", "heap_4", "--baseline", str(baseline))
    written = memharness(*args, "--update-baseline", "--results", str(tmp_path / "a"), cwd=tmp_path)
    assert written.returncode == 0, written.stdout + written.stderr
    figures = json.loads(baseline.read_text())["figures"]
    assert any(f["figure"] == "heap.free" for f in figures) and any(f["figure"].startswith("stack.") for f in figures)

    again = memharness(*args, "--results", str(tmp_path / "b"), cwd=tmp_path)
    assert again.returncode == 0 and "baseline gate passed: 0 regression(s)" in again.stdout, again.stdout

    data = json.loads(baseline.read_text())
    for entry in data["figures"]:  # floors 64 bytes above what the app keeps free
        if entry["figure"] == "heap.free":
            entry["value"] += 64
    baseline.write_text(json.dumps(data))
    failed = memharness(*args, "--results", str(tmp_path / "c"), cwd=tmp_path)
    assert failed.returncode == 1 and "baseline gate FAILED" in failed.stdout, failed.stdout + failed.stderr
