"""The gate on a user's image (issue 10's outside reader): snapshot floors, then a regressed build.

`run --elf ... --baseline` keeps the free heap and every task's stack high-water mark of each
deterministic snapshot as floors; the same app built with one more task (its TCB and stack taken
from the heap) must fail the gate, naming the snapshot and by how much the free heap dropped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.api import DEFAULT_BOARD
from harness.emulators import backend
from harness.kernel import resolve_kernel
from harness.platforms import load_board

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fixtures" / "user_app"))
from build_app import build_user_app

pytestmark = pytest.mark.e2e

SNAPSHOTS = ("--ticks", "60", "--every", "20")


def memharness(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "COLUMNS": "120"})


def test_snapshot_floors_of_a_user_image_fail_on_a_regressed_build(tmp_path: Path) -> None:
    board = load_board(DEFAULT_BOARD)
    reason = backend("qemu").available(board)
    if reason:
        pytest.skip(reason)
    good = build_user_app(board, resolve_kernel())
    baseline = tmp_path / "image.json"
    common = ("run", "--board", DEFAULT_BOARD, *SNAPSHOTS, "--results", str(tmp_path / "out"), "--baseline",
              str(baseline))
    written = memharness(*common, "--elf", str(good), "--update-baseline", cwd=tmp_path)
    assert written.returncode == 0, written.stdout + written.stderr
    assert "baseline updated" in written.stdout
    figures = json.loads(baseline.read_text())["figures"]
    assert {f["workload"] for f in figures} == {"app.elf @ tick 20", "app.elf @ tick 40", "app.elf @ end"}
    assert {f["profile"] for f in figures} == {"image"} and any(f["figure"] == "heap.free" for f in figures)
    assert sum(f["figure"].startswith("stack.") for f in figures) >= 3 * 2  # every task of every snapshot

    again = memharness(*common, "--elf", str(good), cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "baseline gate passed: 0 regression(s)" in again.stdout

    regressed = build_user_app(board, resolve_kernel(), root=tmp_path / "regressed", extra_tasks=1)
    assert regressed.name == good.name  # the same image name: the same snapshots' keys
    failed = memharness(*common, "--elf", str(regressed), cwd=tmp_path)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "regressions: mps2-an385, FreeRTOS-Kernel unknown" in failed.stdout
    assert "app.elf @ tick 20" in failed.stdout and "heap.free" in failed.stdout
    assert "new figures" in failed.stdout  # the extra task's high-water mark: listed, not failing
    verdict = json.loads((tmp_path / "out" / f"{DEFAULT_BOARD}-app" / "gate.json").read_text())
    assert not verdict["ok"] and all(r["now"] < r["baseline"] for r in verdict["regressions"])


ROBOT_SUITE = """*** Settings ***
Library    memharness

*** Test Cases ***
Image within baseline
    Start Board With Image    ${ELF}
    Run Image    ticks=60    every=20
    Figures Should Be Within Baseline    ${BASELINE}
"""


def test_robot_gates_a_user_image_in_one_keyword(tmp_path: Path) -> None:
    board = load_board(DEFAULT_BOARD)
    reason = backend("qemu").available(board)
    if reason:
        pytest.skip(reason)
    good = build_user_app(board, resolve_kernel())
    regressed = build_user_app(board, resolve_kernel(), root=tmp_path / "regressed", extra_tasks=1)
    (tmp_path / "image.robot").write_text(ROBOT_SUITE)
    baseline = tmp_path / "image.json"

    def robot(elf: Path, update: bool = False) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "MEMHARNESS_UPDATE_BASELINE"}
        if update:
            env["MEMHARNESS_UPDATE_BASELINE"] = "1"
        return subprocess.run([sys.executable, "-m", "robot", "--outputdir", str(tmp_path / "out"), "--console",
                               "dotted", "--variable", f"ELF:{elf}", "--variable", f"BASELINE:{baseline}",
                               "image.robot"], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)

    assert robot(good, update=True).returncode == 0 and baseline.is_file()
    assert robot(good).returncode == 0
    failed = robot(regressed)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "app.elf @ tick 20" in failed.stdout and "heap.free" in failed.stdout
    assert "baseline gate FAILED: 9 regression(s)" in failed.stdout
