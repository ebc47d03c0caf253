"""The two examples on every heap scheme, real builds on real QEMU, every figure read from outside.

The ESP-IDF tutorial in its three versions: the overflow is caught on every scheme; the leak's
NULL comes after exactly as many loops as the scheme's allocation rule (harness/heap_rules.py)
fits into the free blocks the outside reader saw when the task started; the fix holds the free
heap still over many loops (heap_1, which cannot free, asserts). The plain app is compared
through the CLI: table, verdict, files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.app.build import AppVariantSpec, build_app
from harness.app.cli import with_defines
from harness.app.project import Project, load_project
from harness.app.run import AppRun, figures, run_app
from harness.events import StackOverflow, Text
from harness.heap_rules import allocation_cost
from harness.observe.snapshot import When
from harness.run import Outcome

pytestmark = pytest.mark.e2e
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCHEMES = ("heap_1", "heap_2", "heap_3", "heap_4", "heap_5")
LEAK_BYTES = 1024 * 4  # the tutorial's pvPortMalloc( 1024 * sizeof( int ) )


def tutorial(version: int, **more: int) -> Project:
    defines = [f"TUTORIAL_VERSION={version}", *(f"{k}={v}" for k, v in more.items())]
    return with_defines(load_project(EXAMPLES / "esp-idf-tutorial"), defines)


def run(project: Project, heap: str, tmp_path: Path, **kwargs: object) -> AppRun:
    firmware = build_app(project, AppVariantSpec("mps2-an385", "V11.3.0", heap, None))
    return run_app(project, firmware, tmp_path, **kwargs)  # type: ignore[arg-type]  # at_calls only


def lines(app_run: AppRun) -> list[str]:
    return [e.text for e in app_run.run.entries if isinstance(e, Text)]


@pytest.mark.parametrize("heap", SCHEMES)
def test_tutorial_overflow_is_caught_on_every_scheme(heap: str, tmp_path: Path) -> None:
    app_run = run(tutorial(1), heap, tmp_path)
    assert app_run.run.outcome is Outcome.RESET and app_run.run.reason == "stack_overflow", app_run.run.describe()
    [caught] = app_run.run.events(StackOverflow)
    assert caught.task == "TestTask"
    assert "2" in lines(app_run)  # the task printed b[0] before the check caught it at its first delay
    assert app_run.snapshots[-1].how is When.FAULT


@pytest.mark.parametrize("heap", SCHEMES)
def test_tutorial_leak_runs_out_when_the_schemes_rule_says(heap: str, tmp_path: Path) -> None:
    # esp_get_free_heap_size's 2nd call: app_main made the 1st; TestTask's first "Heap before malloc" this one.
    app_run = run(tutorial(2), heap, tmp_path, at_calls=[("esp_get_free_heap_size", 2)])
    text = lines(app_run)
    assert "Not enough heap." in text, app_run.run.describe()
    first_null = text.index("Not enough heap.")
    leaked = sum(1 for line in text[:first_null] if line.startswith("Heap after malloc"))
    fig = figures(app_run)
    assert fig["malloc_failed"] == 20 - leaked  # every later loop fails: the hook caught from outside
    start = next(s for s in app_run.snapshots if s.label == "esp_get_free_heap_size#2")  # before the 1st leak
    cost = allocation_cost(heap, LEAK_BYTES)
    if heap == "heap_1":
        assert leaked == start.heap.free // cost  # one block: what is left of the arena
    elif heap in ("heap_2", "heap_4", "heap_5"):
        # first fit (best fit on heap_2) of equal requests: each free block holds size // cost of them
        assert start.heap.blocks, "the outside reader walked the free list"
        assert leaked == sum(block.size // cost for block in start.heap.blocks)
    else:  # heap_3 is newlib's malloc: no exact rule, but the same arena runs out
        assert 1 <= leaked < fig["heap_size"] // LEAK_BYTES
    assert app_run.run.outcome is Outcome.DONE and fig["resets"] == []


@pytest.mark.parametrize("heap", SCHEMES)
def test_tutorial_fix_holds_the_heap_over_many_loops(heap: str, tmp_path: Path) -> None:
    app_run = run(tutorial(3, TUTORIAL_LOOPS=150, TUTORIAL_DELAY_MS=2), heap, tmp_path)
    fig = figures(app_run)
    if heap == "heap_1":  # heap_1 cannot free: the fix's vPortFree asserts at once
        assert app_run.run.outcome is Outcome.RESET and app_run.run.reason == "assert"
        return
    assert app_run.run.outcome is Outcome.DONE and fig["malloc_failed"] == 0 and fig["resets"] == []
    assert any("tutorial: done after 150 loops" in line for line in lines(app_run))
    looping = [p for p in fig["series"] if p["tick"] is not None and 0 < p["tick"] <= 280]
    assert len(looping) >= 10
    if heap != "heap_3":  # heap_3's figures are newlib's, not readable from outside
        assert len({p["free"] for p in looping}) == 1, looping  # not a byte lost over the loops
        if heap in ("heap_4", "heap_5"):
            assert len({p["min_ever"] for p in looping}) == 1
    assert fig["tasks"]["TestTask"]["hwm_bytes"] > 0


def test_plain_freertos_compare_prints_the_table_and_verdict_and_writes_the_files(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "harness.cli", "compare", "--app", str(EXAMPLES / "plain-freertos"),
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
    assert "<img" in (folder / "compare.html").read_text()


def test_run_app_prints_tables_and_keeps_the_results(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", "--app", str(EXAMPLES / "esp-idf-tutorial"), "--heap", "heap_4",
         "--results", str(tmp_path)], capture_output=True, text=True, timeout=600, env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "-> done (ticks=500)" in proc.stdout and "TestTask" in proc.stdout
    folder = tmp_path / "esp-idf-tutorial" / "mps2-an385-heap_4-dynamic-V11.3.0-ovf2"
    assert {"uart.log", "report.json", "snapshots.json", "timeline.html"} <= {p.name for p in folder.iterdir()}
    assert "tutorial: done after 20 loops" in (folder / "uart.log").read_text()


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
    assert "tutorial: done after 20 loops" in (report.parent / "uart.log").read_text()
