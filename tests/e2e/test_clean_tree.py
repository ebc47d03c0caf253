"""A clean tree: run output never lands in the checkout, and none is committed.

Robot Framework writes into the current folder unless told otherwise; the library then puts its
run folders under `results/robot/runs/`, and `.gitignore` covers what Robot and pabot
themselves write. A suite run from the repository root must leave `git status` as it found it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.api import DEFAULT_BOARD
from harness.emulators import backend
from harness.paths import PROJECT_ROOT
from harness.platforms import load_board

pytestmark = pytest.mark.e2e

ROBOT_OWN = ("output.xml", "log.html", "report.html")
RUN_FILES = ("uart.log", "events.jsonl", "report.json", "output.xml", "log.html", "report.html", "xunit.xml",
             "compare.json", "junit.xml", ".pabotsuitenames")


def _git(*args: str) -> str:
    if shutil.which("git") is None or not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout (or git is not installed): nothing to keep clean")
    return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout


def test_no_run_output_is_committed() -> None:
    tracked = _git("ls-files").splitlines()
    output = [p for p in tracked if Path(p).name in RUN_FILES or p.startswith(("memharness/", "results/"))]
    assert output == []


def test_a_robot_suite_run_from_the_repository_root_leaves_git_status_clean() -> None:
    reason = backend("qemu").available(load_board(DEFAULT_BOARD))
    if reason:
        pytest.skip(reason)
    before = _git("status", "--porcelain", "--untracked-files=all")
    existed = {name for name in ROBOT_OWN if (PROJECT_ROOT / name).exists()}
    runs = PROJECT_ROOT / "results" / "robot" / "runs" / "Heap_Report"
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "robot", "--console", "dotted", "--test", "Report on heap_4*",
             "robot/suites/heap_report.robot"],
            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, env=dict(os.environ),
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert _git("status", "--porcelain", "--untracked-files=all") == before
        assert sorted(runs.glob("**/uart.log")), f"no run folder under {runs}"
    finally:
        for name in set(ROBOT_OWN) - existed:
            (PROJECT_ROOT / name).unlink(missing_ok=True)
