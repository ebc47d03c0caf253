"""The comparison's schedule: runs start while later variants build, the longest queued run first,
and the results come back in the plan's order. Builds and runs are stand-ins here (the real ones
are tested end to end in tests/e2e/test_compare.py); what is tested is the order."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness import compare
from harness.compare import cost, plan
from harness.run import Outcome
from harness.variant import HEAPS
from harness.workloads import STATIC


@dataclass(frozen=True)
class _Run:
    outcome: Outcome = Outcome.DONE
    reason: str = "ok"
    wall_time: float = 0.0


def test_the_longest_queued_run_goes_first_and_results_keep_the_plan_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cells = plan(["mps2-an385"], ["V11.3.0"], (*HEAPS, STATIC))
    variants = len({c.scheme for c in cells})
    built: list[str] = []
    all_built = threading.Event()
    started: list[compare.Cell] = []

    def prepare(**kwargs: Any) -> str:
        built.append(str(kwargs.get("heap")))
        if len(built) == variants:
            all_built.set()
        return "firmware"

    def run_scenario(fw: str, scenario: str, params: Any, folder: Path, **kwargs: Any) -> _Run:
        cell = next(c for c in cells if c.scenario == scenario and folder.parent.name == c.scheme
                    and folder.name == c.name)
        if not started:
            assert all_built.wait(30)  # the first run holds the only worker until every variant is built
        started.append(cell)
        return _Run()

    monkeypatch.setattr(compare.api, "prepare", prepare)
    monkeypatch.setattr(compare.api, "run_scenario", run_scenario)
    monkeypatch.setattr(compare, "_probe", lambda cell, fw: None)
    done, interrupted, _ = compare.run_matrix(cells, tmp_path, jobs=1)

    assert not interrupted and len(started) == len(cells)
    assert started[0].scheme == "heap_1"  # it ran while the others were still building
    rest = [cost(c) for c in started[1:]]
    assert rest == sorted(rest, reverse=True) and rest[0] == 3  # a walked fragmentation run first
    assert [r.cell for r in done] == cells
