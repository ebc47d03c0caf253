"""Boards are data: `platforms/<board>.yaml`, validated by a schema into a frozen model.

An unknown key, a missing field or a wrong type is an error naming the file and the key, so a
typo in a board file never turns into a silently different build.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from harness.errors import PlatformError, UnknownBoardError
from harness.paths import PLATFORMS_DIR


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MemoryRegion(_Strict):
    base: int = Field(ge=0)
    size: int = Field(gt=0)


class Memory(_Strict):
    flash: MemoryRegion
    ram: MemoryRegion


class Uart(_Strict):
    driver: Literal["cmsdk", "stm32_usart"]
    base: int = Field(ge=0)


class QemuTarget(_Strict):
    binary: str
    machine: str
    cpu: str
    extra_args: tuple[str, ...] = ()


class Emulators(_Strict):
    qemu: QemuTarget | None = None


class Board(_Strict):
    """One board: what the build and the emulator backends need to know about it."""

    name: str
    description: str
    cpu: str
    port: str  # directory under the kernel's portable/GCC/
    family: str  # directory under firmware/boards/
    linker_script: str
    cflags: tuple[str, ...]
    clock_hz: int = Field(gt=0)
    memory: Memory
    uart: Uart
    overflow_detection: tuple[Literal["canary", "stack_limit"], ...]
    heap_size: int = Field(gt=0, description="default configTOTAL_HEAP_SIZE in bytes")
    emulators: Emulators


def _describe(error: ErrorDetails) -> str:
    where = ".".join(str(part) for part in error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown key '{where}'"
    if kind == "missing":
        return f"missing field '{where}'"
    return f"'{where}': {error['msg']} (got {error.get('input')!r})"


def load_board_file(path: Path) -> Board:
    """Parse and validate one platform file; errors name the file, and the line for YAML syntax."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise PlatformError(
            f"{path}:{line}: YAML syntax error: {exc.problem}",
            "correct the YAML at that line",
        ) from None
    except (OSError, yaml.YAMLError) as exc:
        raise PlatformError(f"{path}: cannot read: {exc}") from None
    if not isinstance(data, dict):
        raise PlatformError(f"{path}: expected a mapping of keys, got {type(data).__name__}")
    try:
        board = Board.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(e) for e in exc.errors())
        raise PlatformError(f"{path}: {problems}", "see platforms/README.md for the schema") from None
    if board.name != path.stem:
        raise PlatformError(
            f"{path}: name '{board.name}' does not match the file name '{path.stem}'",
            f"rename the file to {board.name}.yaml or set name: {path.stem}",
        )
    return board


def board_names(platforms_dir: Path = PLATFORMS_DIR) -> list[str]:
    return sorted(p.stem for p in platforms_dir.glob("*.yaml"))


def load_board(name: str, platforms_dir: Path = PLATFORMS_DIR) -> Board:
    """The board called `name`; an unknown name lists the known ones and the nearest match."""
    path = platforms_dir / f"{name}.yaml"
    if not path.is_file():
        known = board_names(platforms_dir)
        near = difflib.get_close_matches(name, known, n=1)
        hint = f" Did you mean '{near[0]}'?" if near else ""
        raise UnknownBoardError(
            f"unknown board '{name}'.{hint} Known boards: {', '.join(known) or 'none'}",
            "pass --board with one of the known boards, or add platforms/<board>.yaml",
        )
    return load_board_file(path)


def load_all_boards(platforms_dir: Path = PLATFORMS_DIR) -> list[Board]:
    return [load_board_file(p) for p in sorted(platforms_dir.glob("*.yaml"))]
