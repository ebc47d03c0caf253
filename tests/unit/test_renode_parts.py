"""Renode's pieces that need no Renode: finding it, reading its monitor's answers, the board schema."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from harness.emulators.renode_install import ENV_DRIVER, ENV_RENODE, driver_name, find_renode
from harness.emulators.renode_monitor import _PROMPT, _refusal
from harness.errors import ExitStatus, ToolMissingError
from harness.platforms import load_all_boards, load_board, validate


def _fake_renode(folder: Path) -> Path:
    (folder / "platforms").mkdir(parents=True)
    (folder / "renode").write_text("#!/bin/sh\n")
    return folder


def test_renode_is_found_where_the_option_or_the_variable_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = _fake_renode(tmp_path / "r")
    assert find_renode(tree).root == tree.resolve()
    monkeypatch.setenv(ENV_RENODE, str(tree))
    assert find_renode().launcher == tree.resolve() / "renode"


def test_a_folder_without_renode_is_exit_3_naming_it_and_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_RENODE, str(tmp_path))
    with pytest.raises(ToolMissingError) as caught:
        find_renode()
    assert caught.value.status is ExitStatus.INFRASTRUCTURE
    assert f"{ENV_RENODE} names {tmp_path}, which holds no Renode" in str(caught.value)
    assert "Antmicro's packages" in str(caught.value) and "pyrenode3" in str(caught.value)


def test_the_driver_can_be_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_DRIVER, "console")
    assert driver_name() == "console"


def test_monitor_answers_are_read_as_renode_prints_them() -> None:
    assert _PROMPT.search(b"0x00000000\r\r\n(mh) ")
    assert _PROMPT.search(b"Renode, version 1.16.1\n\r\n\r(monitor) ")
    assert not _PROMPT.search(b"@mh ready (x) more")
    refused = _refusal("\r\nThere was an error executing command 'sysbus LoadELF @x'\r\nParameters did not match\r\n")
    assert refused == "There was an error executing command 'sysbus LoadELF @x' Parameters did not match"
    assert _refusal("No such command or device: bogus\r\n") == "No such command or device: bogus"
    assert _refusal("0x00000000\r\n") is None


def test_boards_name_their_emulators_and_the_first_is_the_default() -> None:
    assert load_board("netduinoplus2").emulator_names == ("qemu", "renode")
    assert load_board("netduinoplus2").default_emulator == "qemu"
    for name in ("stm32f746", "nrf52840"):
        assert load_board(name).emulator_names == ("renode",) and load_board(name).default_emulator == "renode"
    assert all(b.emulator_names for b in load_all_boards())


def test_a_board_with_no_emulator_is_refused() -> None:
    data = dataclasses.asdict(load_board("netduinoplus2"))
    data["emulators"] = {}
    with pytest.raises(ValueError, match="emulators names none"):
        validate(data)
