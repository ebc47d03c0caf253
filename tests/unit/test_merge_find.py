"""merge finds each shard's compare folder and Robot outputs, per board subset, whatever the layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import UsageError
from harness.merge import _find


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")


def test_results_folders_compare_folders_and_robot_folders(tmp_path: Path) -> None:
    one, two, three = tmp_path / "shard-1", tmp_path / "shard-2", tmp_path / "robot-3"
    for shard in (one, two):  # a whole results folder, as the CI jobs upload it
        _touch(shard / "compare" / "compare.json")
        _touch(shard / "robot" / "output.xml")
        _touch(shard / "robot" / "mps2-an505" / "output.xml")
        _touch(shard / "robot" / "pabot_results" / "output.xml")  # pabot's own per-process output: not a shard
    _touch(three / "output.xml")  # a Robot output folder given directly
    compares, robots = _find([one, two, three])
    assert compares == [one / "compare", two / "compare"]
    assert robots == {"": [one / "robot" / "output.xml", two / "robot" / "output.xml", three / "output.xml"],
                      "mps2-an505": [one / "robot" / "mps2-an505" / "output.xml",
                                     two / "robot" / "mps2-an505" / "output.xml"]}


def test_a_folder_without_results_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="holds no shard results"):
        _find([tmp_path / "empty"])
