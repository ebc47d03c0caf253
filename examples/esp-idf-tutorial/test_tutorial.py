"""The ESP-IDF tutorial on every heap scheme: real builds, real QEMU, every figure read from outside.

Copy this next to your own app's memharness.toml. The three versions: the overflow is caught on
every scheme; the leak's NULL comes after exactly as many loops as the scheme's allocation rule
(harness/heap_rules.py) fits into the free blocks the outside reader saw just before the first
leak; the fix holds the free heap still over many loops (heap_1, which cannot free, asserts).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import api
from harness.app.project import Project
from harness.app.run import AppRun, figures
from harness.events import StackOverflow, Text
from harness.heap_rules import allocation_cost
from harness.observe.snapshot import When
from harness.run import Outcome

pytestmark = pytest.mark.e2e
APP = Path(__file__).resolve().parent
SCHEMES = ("heap_1", "heap_2", "heap_3", "heap_4", "heap_5")
LEAK_BYTES = 1024 * 4  # the tutorial's pvPortMalloc( 1024 * sizeof( int ) )


def tutorial(version: int, **more: int) -> Project:
    return api.app_project(APP, {"TUTORIAL_VERSION": version, **more})


def run(project: Project, heap: str, tmp_path: Path, at_calls: tuple[tuple[str, int], ...] = ()) -> AppRun:
    return api.run_app(project, heap, tmp_path, at_calls=at_calls)


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
    app_run = run(tutorial(2), heap, tmp_path, at_calls=(("esp_get_free_heap_size", 2),))
    text = lines(app_run)
    assert "Not enough heap." in text, app_run.run.describe()
    first_null = text.index("Not enough heap.")
    leaked = sum(1 for line in text[:first_null] if line.startswith("Heap after malloc"))
    fig = figures(app_run)
    assert fig["malloc_failed"] == 50 - leaked  # every later loop fails: the hook caught from outside
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
    app_run = run(tutorial(3), heap, tmp_path)  # the project's 50 loops, 5 ms apart
    fig = figures(app_run)
    if heap == "heap_1":  # heap_1 cannot free: the fix's vPortFree asserts at once
        assert app_run.run.outcome is Outcome.RESET and app_run.run.reason == "assert"
        return
    assert app_run.run.outcome is Outcome.DONE and fig["malloc_failed"] == 0 and fig["resets"] == []
    assert any("tutorial: done after 50 loops" in line for line in lines(app_run))
    looping = [p for p in fig["series"] if p["tick"] is not None and 0 < p["tick"] < 250]
    assert len(looping) >= 10
    if heap != "heap_3":  # heap_3's figures are newlib's, not readable from outside
        assert len({p["free"] for p in looping}) == 1, looping  # not a byte lost over the loops
        if heap in ("heap_4", "heap_5"):
            assert len({p["min_ever"] for p in looping}) == 1
    assert fig["tasks"]["TestTask"]["hwm_bytes"] > 0
