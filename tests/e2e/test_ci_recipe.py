"""The CI recipes' commands, run here: shards, merge, the gate, and a regressed build that fails it.

examples/ci/ci.sh holds the steps that the GitHub Actions workflow and the GitLab CI file call;
this test calls the same script with the same arguments, on a smaller matrix (two schemes, the
boot and queue workloads; two small Robot suites) so it stays quick. The regressed build is the
same firmware with a build define that gives the console task 512 bytes more stack, taken from
the heap before the scheduler runs: the gate must fail and say where and by how much.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from robot.api import ExecutionResult

from harness.api import DEFAULT_BOARD
from harness.baseline import load
from harness.emulators import backend
from harness.paths import PLATFORMS_DIR, PROJECT_ROOT
from harness.platforms import load_board

pytestmark = pytest.mark.e2e

SCRIPT = PROJECT_ROOT / "examples" / "ci" / "ci.sh"
SHARDS = 2
SMALL = {
    "COMPARE_ARGS": "--heap heap_2,heap_4 --workload boot,queue",
    "ROBOT_SUITES": "robot/suites/calloc.robot robot/suites/heap1_no_free.robot",  # the Makefile's variables
    "ROBOT_OTHER_BOARDS": "",
}
REGRESSION = "-DconsoleTASK_STACK_DEPTH=640"  # 128 * 4 words by default: 512 bytes more


def ci(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "COLUMNS": "120", **SMALL, **env}
    if "UPDATE_BASELINE" not in env:
        full.pop("UPDATE_BASELINE", None)
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=900, env=full)


def regressed_boards(folder: Path) -> Path:
    """The board files with the regression's define added to the default board's flags."""
    shutil.copytree(PLATFORMS_DIR, folder)
    path = folder / f"{DEFAULT_BOARD}.yaml"
    data = yaml.safe_load(path.read_text())
    data["cflags"] = [*data["cflags"], REGRESSION]
    path.write_text(yaml.safe_dump(data))
    return folder


def test_the_ci_recipe_gates_a_regressed_build(tmp_path: Path) -> None:
    reason = backend("qemu").available(load_board(DEFAULT_BOARD))
    if reason:
        pytest.skip(reason)
    if shutil.which("make") is None:
        pytest.skip("make is not installed: the recipe's Robot shard runs `make robot`")
    baseline = tmp_path / "baseline.json"

    good = [tmp_path / "good" / str(k) for k in range(1, SHARDS + 1)]
    for k, folder in enumerate(good, start=1):
        shard = ci("shard", str(k), str(SHARDS), RESULTS=str(folder))
        assert shard.returncode == 0, shard.stdout + shard.stderr
    written = ci("merge", *map(str, good), RESULTS=str(tmp_path / "good"), BASELINE=str(baseline),
                 UPDATE_BASELINE="1")
    assert written.returncode == 0, written.stdout + written.stderr
    assert "baseline written" in written.stdout and baseline.is_file()
    robot = ExecutionResult(str(tmp_path / "good" / "merged" / "robot" / "output.xml"))
    assert (robot.statistics.total.passed, robot.statistics.total.failed) == (12, 0)  # 6 + 6 tests, both shards

    passed = ci("merge", *map(str, good), RESULTS=str(tmp_path / "again"), BASELINE=str(baseline))
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "baseline gate passed: 0 regression(s)" in passed.stdout

    bad = [tmp_path / "bad" / str(k) for k in range(1, SHARDS + 1)]
    boards = regressed_boards(tmp_path / "platforms")
    for k, folder in enumerate(bad, start=1):
        shard = ci("shard", str(k), str(SHARDS), RESULTS=str(folder), ROBOT="0", MEMHARNESS_PLATFORMS=str(boards))
        assert shard.returncode == 0, shard.stdout + shard.stderr
    failed = ci("merge", *map(str, bad), RESULTS=str(tmp_path / "bad"), BASELINE=str(baseline))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    out = failed.stdout
    assert "regressions: mps2-an385, FreeRTOS-Kernel V11.3.0" in out
    for scheme in ("heap_2", "heap_4"):
        row = rf"{scheme}\s+│\s+boot\s+│\s+free_after_scheduler\s+│\s+28632\s+│\s+28120\s+│\s+-512 \(-1\.8%\)"
        assert re.search(row, out), out
    assert "baseline gate FAILED: 3 regression(s)" in out  # and heap_4's minimum ever free
    assert (tmp_path / "bad" / "merged" / "gate.json").is_file()


def test_both_recipes_run_the_steps_this_test_runs() -> None:
    """The workflow and the GitLab file parse, and their jobs call ci.sh's two steps."""
    github = yaml.safe_load((SCRIPT.parent / "github-actions.yml").read_text())
    gitlab = yaml.safe_load((SCRIPT.parent / "gitlab-ci.yml").read_text())
    github_runs = {job: " ".join(str(s.get("run", "")) for s in spec["steps"]) for job, spec in github["jobs"].items()}
    assert "examples/ci/ci.sh shard ${{ matrix.shard }} ${{ env.SHARDS }}" in github_runs["shard"]
    assert "examples/ci/ci.sh merge shards/shard-*" in github_runs["merge"]
    assert github["jobs"]["merge"]["needs"] == "shard"
    assert len(github["jobs"]["shard"]["strategy"]["matrix"]["shard"]) == int(github["env"]["SHARDS"])

    def flat(script: list[object]) -> str:
        return " ".join(flat(s) if isinstance(s, list) else str(s) for s in script)

    assert 'examples/ci/ci.sh shard "$CI_NODE_INDEX" "$CI_NODE_TOTAL"' in flat(gitlab["shard"]["script"])
    assert "examples/ci/ci.sh merge results/shard-*" in flat(gitlab["merge"]["script"])
    assert gitlab["shard"]["parallel"] == 3 and gitlab["stages"] == ["shard", "merge"]
    baseline = load(SCRIPT.parent / "baseline.json")  # valid, and of the default matrix, as ci.sh runs it
    assert baseline.matrix is not None and baseline.matrix.boards == [DEFAULT_BOARD]
    assert len(baseline.matrix.schemes) == 6 and len(baseline.figures) == 92
