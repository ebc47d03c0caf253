"""`memharness run --app`: one variant, its tables and files; an app that never reaches its end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness import api
from harness.app.run import clean, figures
from harness.platforms import Board
from harness.pytest_plugin import Bench, only_boards
from harness.run import Outcome

pytestmark = pytest.mark.e2e
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_run_app_prints_tables_and_keeps_the_results(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", "--app", str(EXAMPLES / "esp-idf-tutorial"), "--heap", "heap_4",
         "--results", str(tmp_path)], capture_output=True, text=True, timeout=600, env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "-> done (ticks=500)" in proc.stdout and "TestTask" in proc.stdout
    folder = tmp_path / "esp-idf-tutorial" / "mps2-an385-heap_4-dynamic-V11.3.0-ovf2"
    assert {"uart.log", "report.json", "snapshots.json", "timeline.html"} <= {p.name for p in folder.iterdir()}
    assert "tutorial: done after 50 loops" in (folder / "uart.log").read_text()


def test_an_app_that_never_reaches_its_end_keeps_a_partial_report(tmp_path: Path) -> None:
    folder = tmp_path / "app"
    folder.mkdir()
    text = (EXAMPLES / "esp-idf-tutorial" / "memharness.toml").read_text()
    text = text.replace('sources = ["main/*.c"]', f'sources = ["{EXAMPLES}/esp-idf-tutorial/main/*.c"]')
    text = text.replace("until = { ticks = 500 }", 'until = { uart = "never printed" }')
    (folder / "memharness.toml").write_text(text.replace("deadline = 20", "deadline = 3"))
    proc = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", "--app", str(folder), "--heap", "heap_4", "--results",
         str(tmp_path / "results")], capture_output=True, text=True, timeout=600, env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "-> timeout (the deadline passed)" in proc.stdout
    [report] = (tmp_path / "results").rglob("report.json")
    assert json.loads(report.read_text())["outcome"] == "timeout"
    snaps = json.loads((report.parent / "snapshots.json").read_text())["snapshots"]
    assert len(snaps) > 1 and snaps[-1]["label"] == "end"  # every snapshot taken before the deadline kept
    assert "tutorial: done after 50 loops" in (report.parent / "uart.log").read_text()


@pytest.mark.per_board
@only_boards(lambda b: b.core == "cortex_m" and "qemu" in b.emulator_names,
             "apps are Cortex-M builds read through QEMU's gdb stub (Renode's listens on every interface)")
def test_the_tutorial_on_this_board(mh_board: Board, memharness: Bench, tmp_path: Path) -> None:
    """The ESP-IDF tutorial on every board: the overflow caught (by the ARMv8-M stack limit at the
    crossing instruction where the board has one), the fix clean, its figures read from outside."""
    app = EXAMPLES / "esp-idf-tutorial"
    kernel = memharness.kernel_version
    overflow = api.run_app(app, "heap_4", tmp_path, board=mh_board.name, kernel_version=kernel,
                           defines={"TUTORIAL_VERSION": 1})
    expected = "stack_limit" if mh_board.first_overflow_catch == "stack_limit" else "stack_overflow"
    assert overflow.run.outcome is Outcome.RESET and overflow.run.reason == expected, overflow.run.describe()
    fixed = api.run_app(app, "heap_4", tmp_path, board=mh_board.name, kernel_version=kernel)
    fig = figures(fixed)
    assert clean(fig), fixed.run.describe()
    assert fig["tasks"]["TestTask"]["stack_size"] == 1500 - 768 + 64  # ESP-IDF bytes, the ESP32's budget
    assert 0 < fig["tasks"]["TestTask"]["hwm_bytes"] < fig["tasks"]["TestTask"]["stack_size"]


def test_a_run_can_end_when_app_main_returns(tmp_path: Path) -> None:
    folder = tmp_path / "app"
    folder.mkdir()
    text = (EXAMPLES / "esp-idf-tutorial" / "memharness.toml").read_text()
    text = text.replace('sources = ["main/*.c"]', f'sources = ["{EXAMPLES}/esp-idf-tutorial/main/*.c"]')
    text = text.replace("until = { ticks = 500 }", "until = { returns = true }")
    text = text.replace('expect = ["tutorial: done"]', "")
    (folder / "memharness.toml").write_text(text)
    result = api.run_app(folder, "heap_4", tmp_path / "results")
    assert result.run.outcome is Outcome.DONE and result.run.reason == "app_main returned", result.run.describe()
    assert result.snapshots[-1].task("TestTask").stack_size == 1500 - 768 + 64  # created, not yet run to its end
