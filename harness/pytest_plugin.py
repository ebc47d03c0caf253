"""pytest plugin: a few prefixed options and fixtures over `harness.api`, nothing more.

    def test_leak(memharness):
        run = memharness.run("leak", heap="heap_4", size=4096)
        assert run.outcome is Outcome.DONE, run.describe()

`--board` takes one board, several joined by commas, or `all`. With more than one, every test
that uses the `memharness` fixture runs once per board (its id ends in the board's name); with
one, ids stay as they are. A test that only makes sense on some boards says so with
`only_boards(...)`: it is left out on the others (or skipped, naming why, when the one board
chosen lacks what it needs). `--emulator qemu|renode` runs every test on that emulator and leaves
out the boards that lack it; without it each board runs on its first emulator.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from harness import api
from harness.build import Firmware
from harness.emulators import NAMES as EMULATORS
from harness.emulators import backend
from harness.errors import HarnessError, UsageError
from harness.kernel import DEFAULT_VERSION
from harness.observe.plan import Plan
from harness.observe.target import ImageRun
from harness.platforms import Board, board_names, load_board
from harness.report import write_run
from harness.run import Run
from harness.shard import owners as shard_owners
from harness.shard import parse as parse_shard

if TYPE_CHECKING:
    from harness.gate import Verdict


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("memharness")
    group.addoption(
        "--board", default=api.DEFAULT_BOARD,
        help="board(s) for end-to-end tests: a name, names joined by commas, or 'all' (default %(default)s)",
    )
    group.addoption("--kernel-version", default=DEFAULT_VERSION, help="FreeRTOS-Kernel release")
    group.addoption(
        "--emulator", default=None, choices=EMULATORS,
        help="run end-to-end tests on this emulator (default: each board's first; a board without it is skipped)",
    )
    group.addoption("--mh-results", default=None, help="keep run results here (default: pytest's tmp)")
    group.addoption("--shard", default=None, metavar="K/N",
                    help="run the K-th of N deterministic parts of the collected tests (whole files, dealt by size)")
    group.addoption("--update-baseline", action="store_true",
                    help="memharness.gate(...) adds the figures to its baseline file instead of checking them")


@dataclass
class Bench:
    """Builds (once per variant per session) and runs scenarios for one test."""

    board: str
    kernel_version: str
    results: Path
    _firmware: dict[tuple[object, ...], Firmware] = field(default_factory=dict)
    emulator: str = "qemu"

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

    def gate(self, run: Run | ImageRun, baseline: str | Path) -> Verdict:
        """The baseline gate in one call: the run's heap figures and stack high-water marks (or a
        user image run's snapshot floors) against the baseline file; fails with the table of what
        got worse (`--update-baseline` writes)."""
        from harness.gate import assert_within_baseline  # the baseline's schema, loaded when used

        return assert_within_baseline(run, baseline)

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
        run = api.run_scenario(fw, scenario, params, self.results, timeout=timeout, max_resets=max_resets,
                               emulator=self.emulator)
        write_run(run, run.uart_log.parent)
        return run

    def run_elf(self, elf: Path, plan: Plan | None = None, *, timeout: float = 30.0, max_resets: int = 0,
                assert_symbol: str | None = None) -> ImageRun:
        """A user's image on this board, read from outside (`harness.api.run_elf`):

            result = memharness.run_elf(Path("app.elf"), Plan(end_ticks=200))
            assert result.hwm("IDLE") >= 64 and result.heap().free > 1024
        """
        result = api.run_elf(elf, self.board, plan, self.results, timeout=timeout, max_resets=max_resets,
                             assert_symbol=assert_symbol)
        write_run(result.run, result.run.uart_log.parent)
        return result


_BENCHES: dict[str, Bench] = {}
ALL_BOARDS = "all"
_MARK = "mh_boards"


def only_boards(applies: Callable[[Board], bool], why: str) -> pytest.MarkDecorator:
    """Mark a test as meaningful only on boards for which `applies(board)` is true.

        @only_boards(lambda b: "stack_limit" in b.overflow_detection, "needs a hardware stack limit")
    """
    decorator: pytest.MarkDecorator = getattr(pytest.mark, _MARK)
    return decorator(applies=applies, why=why)


def selected_boards(config: pytest.Config) -> list[str]:
    """The boards `--board` names, each checked against platforms/; a wrong name is a usage error."""
    raw = str(config.getoption("--board"))
    names = board_names() if raw == ALL_BOARDS else [n.strip() for n in raw.split(",") if n.strip()]
    try:
        for name in names:
            load_board(name)
    except HarnessError as exc:
        raise pytest.UsageError(f"--board: {exc}") from None
    if not names:
        raise pytest.UsageError(f"--board: no board given; name one, several joined by commas, or '{ALL_BOARDS}'")
    return names


def _refusal(node: pytest.Item, board: Board) -> str | None:
    """Why the test cannot run on `board` (its only_boards mark), or None."""
    for mark in node.iter_markers(_MARK):
        if not mark.kwargs["applies"](board):
            return f"{board.name}: {mark.kwargs['why']}"
    return None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{_MARK}(applies, why): the test runs only on boards where applies(board)")
    config.addinivalue_line("markers", "per_board: part of the subset `make test` runs on every board")
    if config.getoption("--update-baseline"):
        from harness.gate import UPDATE_ENV

        os.environ[UPDATE_ENV] = "1"  # xdist workers start after this and inherit it
    if config.getoption("--board") != api.DEFAULT_BOARD:
        selected_boards(config)  # a wrong name is a usage error before anything is collected


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`--shard K/N`: keep the K-th of N parts. Whole files are dealt (a module's shared fixture
    is built once), the largest first, to the part with the fewest tests so far: the same on
    every CI job and every xdist worker, since it depends only on what was collected."""
    text = config.getoption("--shard")
    if not text:
        return
    try:
        part = parse_shard(str(text))
    except UsageError as exc:
        raise pytest.UsageError(f"--shard: {exc.message}") from None
    files: dict[str, int] = {}
    for item in items:
        name = item.nodeid.split("::", 1)[0]
        files[name] = files.get(name, 0) + 1
    owner = shard_owners(sorted(files.items()), part.count)
    keep = [i for i in items if owner[i.nodeid.split("::", 1)[0]] == part.index - 1]
    dropped = [i for i in items if owner[i.nodeid.split("::", 1)[0]] != part.index - 1]
    items[:] = keep
    config.hook.pytest_deselected(items=dropped)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """With several boards chosen, run each `memharness` test once per board it applies to."""
    if "mh_board" not in metafunc.fixturenames:
        return
    names = selected_boards(metafunc.config)
    if len(names) < 2:
        return
    marks = list(metafunc.definition.iter_markers(_MARK))
    boards = [load_board(n) for n in names]
    emulator = metafunc.config.getoption("--emulator")
    if emulator is not None:  # boards without the emulator asked for are left out, as with only_boards
        boards = [b for b in boards if emulator in b.emulator_names] or boards
    # Boards the test does not apply to, and boards that run others' images only (esp32), are left
    # out; if that is all of them, each is kept and skips naming why (not pytest's "empty parameter set").
    chosen = [b.name for b in boards if b.runs_firmware and all(m.kwargs["applies"](b) for m in marks)] or names
    metafunc.parametrize("mh_board", chosen, indirect=True, ids=chosen)


@pytest.fixture
def mh_board(request: pytest.FixtureRequest) -> Board:
    """The board this test runs on: its parameter, or the one board `--board` names."""
    name = getattr(request, "param", None) or selected_boards(request.config)[0]
    board = load_board(str(name))
    refusal = _refusal(request.node, board)
    if refusal:
        pytest.skip(refusal)
    return board


@pytest.fixture
def memharness(request: pytest.FixtureRequest, tmp_path: Path, mh_board: Board) -> Bench:
    """Builds and runs on the board given by --board; skips, naming what is missing, if it cannot."""
    config = request.config
    board_name = mh_board.name
    if not mh_board.runs_firmware:
        pytest.skip(f"{mh_board.name} runs {', '.join(mh_board.runs)} only, not our firmware")
    emulator = chosen_emulator(config, mh_board)
    reason = backend(emulator).available(mh_board)
    if reason:
        pytest.skip(reason)
    kept = config.getoption("--mh-results")
    results = Path(str(kept)) / request.node.name if kept else tmp_path / "results"
    shared = _BENCHES.setdefault(
        board_name, Bench(board_name, str(config.getoption("--kernel-version")), results)
    )
    return Bench(shared.board, shared.kernel_version, results, shared._firmware, emulator)


def chosen_emulator(config: pytest.Config, board: Board) -> str:
    """`--emulator` if given (a board without it is skipped, naming why), else the board's default."""
    chosen = config.getoption("--emulator")
    if chosen is None:
        return board.default_emulator
    if chosen not in board.emulator_names:
        pytest.skip(f"{board.name} does not run on {chosen} (it runs on {', '.join(board.emulator_names)})")
    return str(chosen)


def pytest_unconfigure(config: pytest.Config) -> None:
    """This process's Renode (if a test started one) ends with the session, not at interpreter exit."""
    from harness.emulators.renode import stop_host

    stop_host()
