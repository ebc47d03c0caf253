"""The Robot Framework library checks itself.

A suite of deliberately wrong expectations (robot/selftest/) runs on real QEMU and every test in
it must fail with the message issue 5 asks for: what was expected (the record, line or figure),
the last lines that arrived, and the path of the full UART log, which must exist and hold them.
A figure the scheme cannot give must fail as not available, never as a comparison against 0.
And every scenario of the catalogue has Robot tests on every heap scheme it is defined for.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from robot.api import ExecutionResult
from robot.api import TestSuiteBuilder as SuiteBuilder  # renamed: pytest would try to collect Test*
from robot.model import TestSuite as RobotSuite

from harness.api import DEFAULT_BOARD
from harness.emulators import backend
from harness.paths import PROJECT_ROOT
from harness.platforms import load_board
from harness.scenarios import CATALOGUE
from harness.variant import HEAPS, NO_HEAP

ROBOT_DIR = PROJECT_ROOT / "robot"
LOG_PATH = re.compile(r"full UART log: (\S+)")


def _tests(suite: RobotSuite) -> list[tuple[str, str, str, list[str]]]:
    found = [(t.name, getattr(t, "status", ""), getattr(t, "message", ""), list(t.tags)) for t in suite.tests]
    for child in suite.suites:
        found += _tests(child)
    return found


@pytest.fixture(scope="module")
def selftest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    reason = backend("qemu").available(load_board(DEFAULT_BOARD))
    if reason:
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("robot-selftest")
    proc = subprocess.run(
        [sys.executable, "-m", "robot", "--outputdir", str(out), "--console", "dotted",
         str(ROBOT_DIR / "selftest")],
        capture_output=True, text=True, timeout=300, cwd=out, env=dict(os.environ),
    )
    result = ExecutionResult(str(out / "output.xml"))
    tests = {name: (status, message) for name, status, message, _ in _tests(result.suite)}
    assert proc.returncode == len(tests), proc.stdout + proc.stderr  # robot exits with the failure count
    return tests


def _log_of(message: str) -> str:
    found = LOG_PATH.search(message)
    assert found, f"no UART log path in: {message}"
    log = Path(found.group(1))
    assert log.is_file(), f"the quoted UART log {log} does not exist"
    return log.read_text(encoding="utf-8", errors="replace")


def _last_lines(message: str) -> list[str]:
    assert "\n  last lines:\n" in message, message
    tail = message.split("\n  last lines:\n", 1)[1].split("\n  full UART log:", 1)[0]
    return [line.strip() for line in tail.splitlines()]


@pytest.mark.e2e
def test_every_selftest_fails(selftest: dict[str, tuple[str, str]]) -> None:
    assert len(selftest) == 5
    assert {status for status, _ in selftest.values()} == {"FAIL"}, selftest


@pytest.mark.e2e
def test_a_wrong_figure_quotes_the_record_the_last_lines_and_the_log(selftest: dict[str, tuple[str, str]]) -> None:
    _, message = selftest["A wrong free heap figure"]
    first = message.splitlines()[0]
    found = re.match(r"expected free heap at=after_free to be 1 bytes, it was (\d+) \((@mh heap at=after_free .*)\)$",
                     first)
    assert found, message
    log = _log_of(message)
    assert found.group(2) in log.splitlines()  # the record quoted is the line the firmware printed
    last = _last_lines(message)
    assert last[-1].startswith("@mh done scenario=alloc_free status=ok")
    assert all(line in log.splitlines() for line in last)  # the tail is the log's own last lines


@pytest.mark.e2e
def test_a_missing_record_quotes_what_was_expected_and_what_came(selftest: dict[str, tuple[str, str]]) -> None:
    _, message = selftest["A record that never comes"]
    assert message.startswith("expected a record `@mh done status=never`, none matched "
                              "(the last done record: @mh done scenario=leak status=ok"), message
    log = _log_of(message)
    assert "Not enough heap." in _last_lines(message)
    assert "@mh done scenario=leak status=ok" in log


@pytest.mark.e2e
def test_a_uart_line_that_never_comes_quotes_the_pattern_and_the_tail(
    selftest: dict[str, tuple[str, str]],
) -> None:
    _, message = selftest["A UART line that never comes"]
    assert message.startswith("expected a line containing 'this line never comes' on the UART within 1 s, none came")
    last = _last_lines(message)
    assert last[-1].startswith("@mh ready ")  # the board booted and waited: the line simply never came
    assert last[-1] in _log_of(message)


@pytest.mark.e2e
def test_an_expected_reset_that_did_not_happen_says_how_the_run_ended(
    selftest: dict[str, tuple[str, str]],
) -> None:
    _, message = selftest["A reset that does not happen"]
    assert message.startswith("expected the board to reset (canary), the run ended done (ok)"), message
    assert "@mh stack task=TestTask" in _log_of(message)


@pytest.mark.e2e
def test_a_figure_the_scheme_cannot_give_is_not_compared_against_zero(
    selftest: dict[str, tuple[str, str]],
) -> None:
    _, message = selftest["A figure the scheme cannot give"]
    assert message == "NotAvailable: min_ever is not available on heap_2: the scheme does not report it"


def test_every_scenario_has_robot_tests_on_every_heap_scheme() -> None:
    """A scenario added to the catalogue needs its rows in robot/suites/ (tags scenario:X heap:Y)."""
    suite = SuiteBuilder().build(str(ROBOT_DIR / "suites"))
    covered: set[tuple[str, str]] = set()
    for _, _, _, tags in _tests(suite):
        scenarios = [t.removeprefix("scenario:") for t in tags if t.startswith("scenario:")]
        heaps = [t.removeprefix("heap:") for t in tags if t.startswith("heap:")]
        covered |= {(s, h) for s in scenarios for h in heaps}
    wanted = {
        (s.name, heap) for s in CATALOGUE for heap in (*HEAPS, NO_HEAP) if heap in HEAPS or heap in s.heaps
    }
    missing = sorted(wanted - covered)
    assert not missing, f"scenario x heap scheme pairs without a Robot test: {missing}"
