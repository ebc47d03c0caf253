"""The project file: `memharness.toml` in the app's folder, validated by a schema.

One file per app, beside its sources (not `[tool.memharness]` in a pyproject.toml: a firmware
repository rarely has one, and a file of its own is found by its name). Every path in it is
relative to the folder that holds it. An unknown key, a missing field or a wrong type is an
error naming the file and the key, so a typo never turns into a silently different build.

    [app]
    name = "plain-freertos"
    sources = ["src/*.c"]            # globs
    include = ["include"]
    defines = { MESSAGES = 200 }      # -D NAME=VALUE for the app's sources and the kernel
    config = "include/FreeRTOSConfig.h"  # optional: without it the harness's own config is used
    entry = "main"                   # or "app_main", started in a task after the board's start-up
    esp_idf = false                  # true: the ESP-IDF compatibility headers

    [build]
    boards = ["mps2-an385"]
    schemes = ["heap_1", "heap_2", "heap_3", "heap_4", "heap_5"]   # and "static" where it fits
    heap_size = 32768                # configTOTAL_HEAP_SIZE (or heap_sizes = [...])
    kernels = ["V11.3.0"]
    overflow_check = 2

    [run]
    until = { uart = "all done" }    # text a UART line contains; or { ticks = N }, { ms = N }, { returns = true }
    deadline = 30                    # wall-clock seconds before the run is a timeout
    snapshot_every_ticks = 100       # the outside reader's tick-spaced snapshots
    max_resets = 0                   # the first reset ends the run, unless the app means to restart
    expect = ["all done"]            # lines the app must print for the run to count as clean

An end by ticks (or ms, or app_main returning) is instruction-exact: two runs give byte-identical
figures. An end at a UART line is host-timed: the host stops the target when it sees the line, a
little later each time; for a comparison, end by ticks and `expect` the line instead.
"""

from __future__ import annotations

import glob
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same module under its PyPI name
    import tomli as tomllib

from harness.errors import UsageError
from harness.kernel import DEFAULT_VERSION
from harness.variant import OVERFLOW_CHECKS

PROJECT_FILE = "memharness.toml"
STATIC = "static"  # the static profile: no heap scheme linked, where the app allocates nothing
SchemeName = Literal["heap_1", "heap_2", "heap_3", "heap_4", "heap_5", "static"]
SCHEMES: tuple[SchemeName, ...] = ("heap_1", "heap_2", "heap_3", "heap_4", "heap_5", "static")
_NAME = r"^[A-Za-z0-9_.-]+$"
_MACRO = r"^[A-Za-z_][A-Za-z0-9_]*$"
DEFAULT_BOARD = "mps2-an385"


class ProjectError(UsageError):
    """The project file is missing, unreadable or does not match the schema."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AppSection(_Strict):
    name: str = Field(pattern=_NAME)
    sources: tuple[str, ...] = Field(min_length=1)
    include: tuple[str, ...] = ()
    defines: dict[str, int | str] = Field(default_factory=dict)
    config: str | None = None
    entry: Literal["main", "app_main"] = "main"
    esp_idf: bool = False

    @field_validator("defines")
    @classmethod
    def _macro_names(cls, defines: dict[str, int | str]) -> dict[str, int | str]:
        for name in defines:
            if not re.match(_MACRO, name):
                raise ValueError(f"'{name}' is not a C macro name")
        return defines


class BuildSection(_Strict):
    boards: tuple[str, ...] = Field(default=(DEFAULT_BOARD,), min_length=1)
    schemes: tuple[SchemeName, ...] = Field(default=SCHEMES[:-1], min_length=1)
    heap_size: int | None = Field(default=None, ge=1024)
    heap_sizes: tuple[int, ...] | None = Field(default=None, min_length=1)
    kernels: tuple[str, ...] = Field(default=(DEFAULT_VERSION,), min_length=1)
    overflow_check: int = 2

    @field_validator("overflow_check")
    @classmethod
    def _method(cls, value: int) -> int:
        if value not in OVERFLOW_CHECKS:
            raise ValueError("must be 0 (off), 1 (stack pointer) or 2 (also the canary bytes)")
        return value

    @model_validator(mode="after")
    def _one_size_key(self) -> BuildSection:
        if self.heap_size is not None and self.heap_sizes is not None:
            raise ValueError("give heap_size or heap_sizes, not both")
        return self

    def sizes(self) -> tuple[int | None, ...]:
        """The heap sizes to build; None: the board's default."""
        if self.heap_sizes is not None:
            return self.heap_sizes
        return (self.heap_size,)


class Until(_Strict):
    """How a run of the app ends well: exactly one of these."""

    uart: str | None = None  # text a UART line contains (the line may hold more)
    ticks: int | None = Field(default=None, gt=0)  # the kernel's tick count reaches this
    ms: int | None = Field(default=None, gt=0)  # virtual (instruction-counted) milliseconds since power-on
    returns: bool | None = None  # the entry (app_main) returned

    @model_validator(mode="after")
    def _exactly_one(self) -> Until:
        given = [k for k in ("uart", "ticks", "ms", "returns") if getattr(self, k) not in (None, False)]
        if len(given) != 1:
            raise ValueError("give exactly one of uart, ticks, ms or returns = true")
        if self.uart is not None and not self.uart.strip():
            raise ValueError("uart: give the text a line contains")
        return self

    def describe(self) -> str:
        if self.uart is not None:
            return f"a UART line containing {self.uart!r}"
        if self.ticks is not None:
            return f"{self.ticks} kernel ticks"
        if self.ms is not None:
            return f"{self.ms} ms of virtual time"
        return "the entry returning"


class RunSection(_Strict):
    until: Until
    deadline: float = Field(default=30.0, gt=0, le=24 * 3600)
    snapshot_every_ticks: int = Field(default=100, gt=0)
    max_resets: int = Field(default=0, ge=0, le=100)  # resets to ride through (esp_restart) before ending
    expect: tuple[str, ...] = ()  # texts UART lines must contain by the end, else the run is not clean


class ProjectModel(_Strict):
    app: AppSection
    build: BuildSection = BuildSection()
    run: RunSection

    @model_validator(mode="after")
    def _returns_needs_app_main(self) -> ProjectModel:
        if self.run.until.returns and self.app.entry != "app_main":
            raise ValueError("run.until.returns needs app.entry = \"app_main\" (a main() that starts "
                             "the scheduler never returns)")
        return self


@dataclass(frozen=True)
class Project:
    """A validated project file with its paths resolved: what the app build and the runs read."""

    path: Path  # the project file
    root: Path  # the folder holding it; every relative path is from here
    model: ProjectModel
    sources: tuple[Path, ...]
    include: tuple[Path, ...]
    config: Path | None

    @property
    def name(self) -> str:
        return self.model.app.name

    @property
    def app(self) -> AppSection:
        return self.model.app

    @property
    def build(self) -> BuildSection:
        return self.model.build

    @property
    def run(self) -> RunSection:
        return self.model.run

    def shown(self, path: Path) -> str:
        """A path as the user wrote it: relative to the project folder when inside it."""
        try:
            return str(path.resolve().relative_to(self.root))
        except ValueError:
            return str(path)


def _describe(error: ErrorDetails) -> str:
    where = ".".join(str(part) for part in error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown key '{where}'"
    if kind == "missing":
        return f"missing key '{where}'"
    message = str(error["msg"]).removeprefix("Value error, ")
    if not where:
        return message
    return f"'{where}': {message} (got {error.get('input')!r})"


def find_project_file(folder: Path) -> Path:
    """`folder/memharness.toml` (or `folder` itself when it names the file)."""
    if folder.is_file():
        return folder
    path = folder / PROJECT_FILE
    if not folder.is_dir():
        raise ProjectError(f"app folder {folder} does not exist", "pass --app with the folder holding memharness.toml")
    if not path.is_file():
        raise ProjectError(f"{folder} has no {PROJECT_FILE}",
                           f"write {path} (see `memharness build --help` and README.md, section Your application)")
    return path


def load_project(folder: Path) -> Project:
    """Read and validate the project file and resolve its paths; every mistake names file and key."""
    path = find_project_file(folder)
    root = path.parent.resolve()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{path}: TOML syntax error: {exc}", "correct the TOML at that line") from None
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        model = ProjectModel.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(e) for e in exc.errors())
        raise ProjectError(f"{path}: {problems}",
                           "see README.md, section Your application, for the project file's keys") from None
    sources: list[Path] = []
    for pattern in model.app.sources:
        found = sorted(Path(p) for p in glob.glob(str(root / pattern), recursive=True) if Path(p).is_file())
        if not found:
            raise ProjectError(f"{path}: 'app.sources': '{pattern}' matches no file in {root}",
                               "correct the pattern or add the source file")
        sources += [p.resolve() for p in found if p.suffix in (".c", ".S", ".s")]
    include = []
    for folder_name in model.app.include:
        inc = (root / folder_name).resolve()
        if not inc.is_dir():
            raise ProjectError(f"{path}: 'app.include': {folder_name} is not a folder in {root}",
                               "correct the path or create the folder")
        include.append(inc)
    config = None
    if model.app.config is not None:
        config = (root / model.app.config).resolve()
        if not config.is_file():
            raise ProjectError(f"{path}: 'app.config': {model.app.config} does not exist in {root}",
                               "name your FreeRTOSConfig.h, or drop the key to use the harness's own")
        if config.name != "FreeRTOSConfig.h":
            raise ProjectError(f"{path}: 'app.config': {model.app.config} is not named FreeRTOSConfig.h",
                               "the kernel includes it by that name: rename it")
    if not sources:
        raise ProjectError(f"{path}: 'app.sources' names no .c file", "list the app's C sources")
    return Project(path, root, model, tuple(dict.fromkeys(sources)), tuple(include), config)
