"""The gate in pytest (one call) and Robot (one keyword), on real runs; pytest's --shard K/N.

Each front end writes a baseline (update mode), passes against it, then fails against a
baseline that promises 64 bytes more free heap than the firmware has, quoting the table.
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
from harness.platforms import load_board

pytestmark = pytest.mark.e2e

PYTEST_CASE = '''
def test_heap_report_within_baseline(memharness):
    run = memharness.run("heap_report", heap="heap_4")
    memharness.gate(run, {baseline!r})
'''

ROBOT_SUITE = '''*** Settings ***
Library    memharness

*** Test Cases ***
Heap report within baseline
    Start Board    heap=heap_4
    Run Scenario    heap_report
    Figures Should Be Within Baseline    {baseline}
    [Teardown]    Stop All Boards
'''


@pytest.fixture
def qemu() -> None:
    reason = backend("qemu").available(load_board(DEFAULT_BOARD))
    if reason:
        pytest.skip(reason)


def _tamper(path: Path, figure: str, by: int) -> None:
    data = json.loads(path.read_text())
    (entry,) = [f for f in data["figures"] if f["figure"] == figure]
    entry["value"] += by
    path.write_text(json.dumps(data))


def _run(args: list[str], cwd: Path, update: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "120"}
    env.pop("MEMHARNESS_UPDATE_BASELINE", None)
    if update:
        env["MEMHARNESS_UPDATE_BASELINE"] = "1"
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env=env)


@pytest.mark.usefixtures("qemu")
def test_pytest_gates_a_run_in_one_call(tmp_path: Path) -> None:
    baseline = tmp_path / "runs.json"
    (tmp_path / "test_case.py").write_text(PYTEST_CASE.format(baseline=str(baseline)))
    pytest_args = ["pytest", "-q", "-p", "no:cacheprovider", "test_case.py"]
    first = _run([*pytest_args, "--update-baseline"], tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    figures = {f["figure"]: f["value"] for f in json.loads(baseline.read_text())["figures"]}
    assert figures["heap.report.free"] > 0 and all(f.startswith(("heap.", "stack.")) for f in figures)
    again = _run(pytest_args, tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    _tamper(baseline, "heap.report.free", 64)
    failed = _run(pytest_args, tmp_path)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "regressions: mps2-an385, FreeRTOS-Kernel V11.3.0" in failed.stdout
    assert "heap.report.free" in failed.stdout and "-64 (" in failed.stdout
    assert "baseline gate FAILED: 1 regression(s)" in failed.stdout


@pytest.mark.usefixtures("qemu")
def test_robot_gates_a_run_in_one_keyword(tmp_path: Path) -> None:
    baseline = tmp_path / "runs.json"
    (tmp_path / "gate.robot").write_text(ROBOT_SUITE.format(baseline=baseline))
    robot_args = ["robot", "--outputdir", str(tmp_path / "out"), "--console", "dotted", "gate.robot"]
    assert _run(robot_args, tmp_path, update=True).returncode == 0
    assert _run(robot_args, tmp_path).returncode == 0
    _tamper(baseline, "heap.report.free", 64)
    failed = _run(robot_args, tmp_path)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "heap.report.free" in failed.stdout and "baseline gate FAILED: 1 regression(s)" in failed.stdout


def test_pytest_shards_split_whole_files_deterministically(tmp_path: Path) -> None:
    for name, count in (("a", 5), ("b", 3), ("c", 2), ("d", 1)):
        body = "".join(f"def test_{name}{i}():\n    pass\n\n" for i in range(count))
        (tmp_path / f"test_{name}.py").write_text(body)
    collected = []
    for k in (1, 2):
        proc = _run(["pytest", "-q", "-p", "no:cacheprovider", "--collect-only", f"--shard={k}/2"], tmp_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        collected.append({line.split("::")[0] for line in proc.stdout.splitlines() if "::" in line})
    assert collected == [{"test_a.py", "test_d.py"}, {"test_b.py", "test_c.py"}]  # 5 + 1 against 3 + 2
    bad = _run(["pytest", "-q", "-p", "no:cacheprovider", "--shard=3/2"], tmp_path)
    assert bad.returncode == 4 and "--shard: --shard 3/2: K must be between 1 and N" in bad.stderr


def test_compare_refuses_a_foreign_or_missing_baseline_before_running(tmp_path: Path) -> None:
    committed = Path(__file__).resolve().parents[2] / "examples" / "ci" / "baseline.json"  # the default matrix
    for args, said in (
        (["--heap", "heap_4", "--baseline", str(committed)], "was measured on another scheme set"),
        (["--kernel-version", "V11.1.0", "--baseline", str(committed)], "another kernel set"),
        (["--baseline", str(tmp_path / "none.json")], "does not exist"),
        (["--update-baseline"], "--update-baseline needs --baseline FILE"),
    ):
        proc = _run(["harness.cli", "compare", "--results", str(tmp_path / "out"), *args], tmp_path)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert said in proc.stderr and "fix:" in proc.stderr and "Traceback" not in proc.stderr
        assert not (tmp_path / "out").exists()  # refused before anything ran
