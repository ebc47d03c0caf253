"""pytest plugin: a few prefixed options and fixtures over `harness.api`, nothing more.

    def test_leak(memharness):
        run = memharness.run("leak", heap="heap_4", size=4096)
        assert run.outcome is Outcome.DONE, run.describe()
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness import api
from harness.build import Firmware
from harness.emulators import backend
from harness.kernel import DEFAULT_VERSION
from harness.platforms import load_board
from harness.report import write_run
from harness.run import Run


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("memharness")
    group.addoption("--board", default=api.DEFAULT_BOARD, help="board for end-to-end tests")
    group.addoption("--kernel-version", default=DEFAULT_VERSION, help="FreeRTOS-Kernel release")
    group.addoption("--mh-results", default=None, help="keep run results here (default: pytest's tmp)")


@dataclass
class Bench:
    """Builds (once per variant per session) and runs scenarios for one test."""

    board: str
    kernel_version: str
    results: Path
    _firmware: dict[tuple[object, ...], Firmware] = field(default_factory=dict)

    def firmware(
        self,
        heap: str | None = None,
        profile: str = "dynamic",
        heap_size: int | None = None,
        overflow_check: int = 2,
    ) -> Firmware:
        key = (heap, profile, heap_size, overflow_check)
        if key not in self._firmware:
            self._firmware[key] = api.prepare(
                board=self.board, heap=heap, profile=profile, kernel_version=self.kernel_version,
                heap_size=heap_size, overflow_check=overflow_check,
            )
        return self._firmware[key]

    def run(
        self,
        scenario: str,
        heap: str | None = None,
        profile: str = "dynamic",
        *,
        timeout: float = 30.0,
        max_resets: int = 1,
        heap_size: int | None = None,
        overflow_check: int = 2,
        **params: int,
    ) -> Run:
        fw = self.firmware(heap, profile, heap_size, overflow_check)
        run = api.run_scenario(fw, scenario, params, self.results, timeout=timeout, max_resets=max_resets)
        write_run(run, run.uart_log.parent)
        return run


_BENCHES: dict[str, Bench] = {}


@pytest.fixture
def memharness(request: pytest.FixtureRequest, tmp_path: Path) -> Bench:
    """Builds and runs on the board given by --board; skips, naming what is missing, if it cannot."""
    config = request.config
    board_name = str(config.getoption("--board"))
    reason = backend("qemu").available(load_board(board_name))
    if reason:
        pytest.skip(reason)
    kept = config.getoption("--mh-results")
    results = Path(str(kept)) / request.node.name if kept else tmp_path / "results"
    shared = _BENCHES.setdefault(
        board_name, Bench(board_name, str(config.getoption("--kernel-version")), results)
    )
    return Bench(shared.board, shared.kernel_version, results, shared._firmware)
