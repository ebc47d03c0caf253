"""The baseline file: figures a CI gate compares against, as versioned JSON with a schema.

A baseline holds one entry per figure, keyed by board, kernel, scheme, profile, workload and
figure name (`harness.figures.FigureKey`), each with its unit and which way is better. So the
figures of `compare`, of a user's app (per heap scheme) and of a snapshot of a user's image
(per-task high-water marks, free-heap floors) all fit the same file and the same gate.

Tolerances are rules in the file: the last rule whose patterns (fnmatch) match a figure sets how
much it may get worse, in the figure's own unit (`absolute`) or in percent of the baseline
value; with no rule, heap and stack figures may not get worse at all and deterministic figures
(cycles under -icount) may not change. `--update-baseline` rewrites the figures and keeps the
rules, so a team's tolerances survive an update.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.errors import ResultsError, UsageError
from harness.figures import FigureKey, Measured

FORMAT: Literal["memharness-baseline"] = "memharness-baseline"
VERSION: Literal[1] = 1
Source = Literal["compare", "app", "snapshot", "runs"]


class BaselineError(UsageError):
    """A baseline that cannot be used: missing, malformed, or measured on another matrix."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tolerance(_Strict):
    """How much a figure may get worse: the larger of `absolute` (in its unit) and `percent`."""

    absolute: float = Field(default=0, ge=0)
    percent: float = Field(default=0, ge=0)

    def allowed(self, baseline: float) -> float:
        return max(self.absolute, abs(baseline) * self.percent / 100)

    def text(self, unit: str) -> str:
        parts = [f"{self.absolute:g} {unit}"] if self.absolute else []
        parts += [f"{self.percent:g}%"] if self.percent else []
        return " or ".join(parts) or "0"


class ToleranceRule(Tolerance):
    """A tolerance for the figures whose key matches every pattern (fnmatch; default `*`)."""

    board: str = "*"
    kernel: str = "*"
    scheme: str = "*"
    profile: str = "*"
    workload: str = "*"
    figure: str = "*"

    def matches(self, key: FigureKey) -> bool:
        return all(fnmatch.fnmatchcase(getattr(key, name), getattr(self, name))
                   for name in ("board", "kernel", "scheme", "profile", "workload", "figure"))


class BaselineFigure(_Strict):
    board: str
    kernel: str
    scheme: str
    profile: str
    workload: str
    figure: str
    value: int | float | None
    unit: Literal["bytes", "cycles", "count", "words"]
    better: Literal["higher", "lower", "exact"]

    @property
    def key(self) -> FigureKey:
        return FigureKey(self.board, self.kernel, self.scheme, self.profile, self.workload, self.figure)


class Matrix(_Strict):
    """What a compare baseline was measured on; a run on anything else is refused."""

    boards: list[str]
    kernels: list[str]
    schemes: list[str]
    workloads: list[str]

    def text(self) -> str:
        return "; ".join(f"{name} {', '.join(getattr(self, name))}" for name in ("boards", "kernels", "schemes",
                                                                                  "workloads"))

    @classmethod
    def of(cls, boards: Sequence[str], kernels: Sequence[str], schemes: Sequence[str],
           workloads: Sequence[str]) -> Matrix:
        return cls(boards=list(boards), kernels=list(kernels), schemes=list(schemes), workloads=list(workloads))


class Baseline(_Strict):
    format: Literal["memharness-baseline"] = FORMAT
    version: Literal[1] = VERSION
    source: Source
    matrix: Matrix | None = None  # compare baselines: the whole matrix; other sources: None
    versions: dict[str, str] = Field(default_factory=dict)  # informational: emulator, compiler
    tolerances: list[ToleranceRule] = Field(default_factory=list)
    figures: list[BaselineFigure]

    def tolerance(self, key: FigureKey) -> Tolerance:
        for rule in reversed(self.tolerances):
            if rule.matches(key):
                return rule
        return Tolerance()

    def by_key(self) -> dict[FigureKey, BaselineFigure]:
        return {f.key: f for f in self.figures}


def load(path: Path) -> Baseline:
    """Read and validate a baseline; a missing or malformed file is a usage error naming the fix."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(f"baseline {path} does not exist",
                         "write it first with --update-baseline (or pass the right path)") from None
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}", "pass a readable file") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"baseline {path}: not JSON: {exc.msg} at line {exc.lineno}",
                         "restore it from version control or write it again with --update-baseline") from None
    if isinstance(data, dict) and data.get("format") == FORMAT and data.get("version") != VERSION:
        raise BaselineError(f"baseline {path} has version {data.get('version')!r}; this memharness reads "
                         f"version {VERSION}", "write it again with --update-baseline")
    try:
        return Baseline.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise BaselineError(f"baseline {path}: {where}: {first['msg']}",
                         "fix that entry (schema: harness/baseline.py) or write it again with "
                         "--update-baseline") from None


def build(source: Source, figures: Iterable[Measured], *, matrix: Matrix | None = None,
          versions: dict[str, str] | None = None, keep: Baseline | None = None) -> Baseline:
    """A baseline of these figures; `keep` (the file being replaced) lends its tolerance rules."""
    entries = [BaselineFigure(board=m.key.board, kernel=m.key.kernel, scheme=m.key.scheme, profile=m.key.profile,
                              workload=m.key.workload, figure=m.key.figure, value=m.value, unit=m.unit,
                              better=m.better) for m in figures if m.value is not None]  # n/a: not kept
    return Baseline(source=source, matrix=matrix, versions=dict(versions or {}),
                    tolerances=list(keep.tolerances) if keep else [], figures=entries)


def merged(old: Baseline, figures: Sequence[Measured]) -> Baseline:
    """`old` with these figures added or replaced (pytest and Robot update one run at a time)."""
    new = build(old.source, figures)
    replaced = {f.key for f in new.figures}
    kept = [f for f in old.figures if f.key not in replaced]
    return old.model_copy(update={"figures": sorted([*kept, *new.figures], key=_order)})


def _order(f: BaselineFigure) -> tuple[str, ...]:
    return (f.board, f.kernel, f.scheme, f.profile, f.workload, f.figure)


def save(baseline: Baseline, path: Path) -> None:
    """Write it as stable, reviewable JSON (sorted keys, one figure per entry)."""
    text = json.dumps(baseline.model_dump(mode="json"), indent=1, sort_keys=True) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ResultsError(f"cannot write the baseline {path}: {exc.strerror or exc}",
                           "pass --baseline with a writable path") from None


def json_schema() -> dict[str, object]:
    """The file's JSON Schema, for editors and other tools."""
    return Baseline.model_json_schema()
