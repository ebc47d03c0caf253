"""Platform files, variants and scenario parameters: every refusal names the cause and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import PlatformError, ScenarioError, UnknownBoardError, UsageError
from harness.kernel import Kernel
from harness.paths import PLATFORMS_DIR, PROJECT_ROOT
from harness.platforms import load_all_boards, load_board, load_board_file
from harness.scenarios import CATALOGUE, parse_assignments, validate
from harness.variant import make_variant

GOOD = (PLATFORMS_DIR / "mps2-an385.yaml").read_text()
KERNEL = Kernel(Path("/nonexistent"), "V11.3.0", "explicit")


def test_every_platform_file_in_the_repository_validates() -> None:
    boards = load_all_boards()
    assert "mps2-an385" in [b.name for b in boards]


def test_every_yaml_file_in_the_repository_parses() -> None:
    import yaml

    for path in PROJECT_ROOT.rglob("*.y*ml"):
        if any(part in (".venv", "build", "results") for part in path.parts):
            continue
        yaml.safe_load(path.read_text())


def _write(tmp_path: Path, text: str, name: str = "mps2-an385") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def test_board_fields() -> None:
    board = load_board("mps2-an385")
    assert board.port == "ARM_CM3" and board.uart.base == 0x40004000
    assert board.memory.ram.base == 0x20000000 and board.emulators.qemu is not None


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("cpu: cortex-m3", "cpu: [cortex-m3"))
    with pytest.raises(PlatformError, match=r"mps2-an385.yaml: line \d+: YAML syntax error"):
        load_board_file(path)


def test_unknown_key_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + "colour: blue\n")
    with pytest.raises(PlatformError, match="unknown key 'colour'"):
        load_board_file(path)


def test_missing_field_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("port: ARM_CM3\n", ""))
    with pytest.raises(PlatformError, match="missing field 'port'"):
        load_board_file(path)


def test_wrong_type_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("clock_hz: 25000000", "clock_hz: fast"))
    with pytest.raises(PlatformError, match="'clock_hz'"):
        load_board_file(path)


def test_unknown_board_lists_known_and_nearest() -> None:
    with pytest.raises(UnknownBoardError, match=r"Did you mean 'mps2-an385'\?.*Known boards: .*mps2-an385"):
        load_board("mps2an385")  # a typo nearer an385 than any other board


def test_variant_defaults_and_refusals() -> None:
    board = load_board("mps2-an385")
    assert make_variant(board, KERNEL).heap == "heap_4"
    assert make_variant(board, KERNEL, profile="static").heap == "none"
    with pytest.raises(UsageError, match="unknown heap scheme 'heap_6'"):
        make_variant(board, KERNEL, heap="heap_6")
    with pytest.raises(UsageError, match="static profile links no heap"):
        make_variant(board, KERNEL, heap="heap_4", profile="static")
    with pytest.raises(UsageError, match="unknown profile"):
        make_variant(board, KERNEL, profile="frugal")
    with pytest.raises(UsageError, match="out of range"):
        make_variant(board, KERNEL, heap_size=10)


def test_scenario_validation() -> None:
    assert validate("leak", {"size": "0x100"}) == {"size": 256}
    with pytest.raises(ScenarioError, match="unknown scenario 'laek'. Did you mean 'leak'"):
        validate("laek", {})
    with pytest.raises(ScenarioError, match="no parameter 'bogus'"):
        validate("leak", {"bogus": "1"})
    with pytest.raises(ScenarioError, match="out of range"):
        validate("leak", {"size": "0"})
    with pytest.raises(ScenarioError, match="not a number"):
        validate("leak", {"size": "big"})
    with pytest.raises(ScenarioError, match="does not apply to heap_4"):
        validate("heap5_early", {}, "heap_4")
    with pytest.raises(ScenarioError, match="not key=value"):
        parse_assignments(["size"])


def test_catalogue_defaults_lie_in_their_ranges() -> None:
    for s in CATALOGUE:
        for p in s.params:
            assert p.minimum <= p.default <= p.maximum, (s.name, p.name)
