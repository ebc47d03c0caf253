"""The baseline gate: every figure against its baseline; a regression beyond tolerance fails.

A gate answers what got worse, by how much, and where (board, kernel, scheme, workload), and
lists improvements apart so they can be taken into the baseline. The same `check` serves
`memharness compare --baseline`, a user's app, a snapshot of a user's image, and the one-call
forms for pytest (`assert_within_baseline`) and Robot (`Figures Should Be Within Baseline`).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from harness.baseline import Baseline, BaselineError, Matrix, Source, build, load, merged, save
from harness.figures import FigureKey, Measured, Value, from_app_report, from_image_run, from_run, measured, shown
from harness.observe.target import ImageRun
from harness.run import Run

Kind = Literal["worse", "changed", "missing", "better", "new"]
UPDATE_ENV = "MEMHARNESS_UPDATE_BASELINE"  # set to 1: the pytest and Robot gates write instead of check
_UNITS = {"bytes": "B", "cycles": "cyc", "count": "", "words": "words"}
UNITS_NOTE = "units: bytes; cycles.* instructions; failures, free_blocks counts; *_words words"


@dataclass(frozen=True)
class Change:
    """One figure that differs from its baseline."""

    key: FigureKey
    unit: str
    baseline: Value
    now: Value
    allowed: str
    kind: Kind

    def delta(self) -> str:
        if self.baseline is None or self.now is None:
            return "now n/a" if self.now is None else "was n/a"
        diff = self.now - self.baseline
        text = f"{diff:+.2f}".rstrip("0").rstrip(".")  # in the figure's unit, which the table's title names
        return text + (f" ({diff / self.baseline * 100:+.1f}%)" if self.baseline else "")


@dataclass(frozen=True)
class Verdict:
    baseline: Path
    checked: int
    regressions: tuple[Change, ...]
    improvements: tuple[Change, ...]
    new: tuple[Change, ...]  # figures the baseline does not hold: shown, never failing

    @property
    def ok(self) -> bool:
        return not self.regressions

    def summary(self) -> str:
        head = "passed" if self.ok else "FAILED"
        return (f"baseline gate {head}: {len(self.regressions)} regression(s), {len(self.improvements)} "
                f"improvement(s), {len(self.new)} new figure(s); {self.checked} figures checked against "
                f"{self.baseline}")

    def tables(self) -> list[RenderableType]:
        out: list[RenderableType] = []
        for title, changes in (("regressions", self.regressions), ("improvements (take them into the baseline "
                               "with --update-baseline)", self.improvements), ("new figures", self.new)):
            groups: dict[tuple[str, str], list[Change]] = {}
            for c in changes:
                groups.setdefault((c.key.board, c.key.kernel), []).append(c)
            for (board, kernel), group in groups.items():
                tolerant = any(c.allowed not in ("0", "-") for c in group)  # else one note says so
                out.append(Text(f"{title}: {board}, FreeRTOS-Kernel {kernel}", style="bold"))
                out.append(Text(UNITS_NOTE + ("" if tolerant else "; no tolerance")))
                table = Table()
                for name in ("scheme", "workload", "figure"):
                    table.add_column(name, no_wrap=True)
                for name in ("baseline", "now", "change", *(("allowed",) if tolerant else ())):
                    table.add_column(name, justify="right", no_wrap=True)
                for c in group:
                    scheme = c.key.scheme if c.key.profile in ("dynamic", c.key.scheme) else \
                        f"{c.key.scheme} ({c.key.profile})"
                    table.add_row(scheme, c.key.workload, c.key.figure, shown(c.baseline), shown(c.now), c.delta(),
                                  *((c.allowed,) if tolerant else ()))
                out.append(table)
        return out

    def text(self, width: int = 120) -> str:
        """The summary and tables as plain text (a pytest or Robot failure message)."""
        console = Console(width=width, record=True, color_system=None, highlight=False, file=open(os.devnull, "w"))
        for table in self.tables():
            console.print(table)
        console.print(self.summary())
        return console.export_text()

    def as_json(self) -> dict[str, Any]:
        def entries(changes: Sequence[Change]) -> list[dict[str, Any]]:
            return [{**vars(c.key), "unit": c.unit, "baseline": c.baseline, "now": c.now, "change": c.delta(),
                     "allowed": c.allowed, "kind": c.kind} for c in changes]
        return {"baseline": str(self.baseline), "ok": self.ok, "checked": self.checked,
                "regressions": entries(self.regressions), "improvements": entries(self.improvements),
                "new": entries(self.new)}


def report_figures(report: Mapping[str, Any]) -> tuple[list[Measured], Matrix]:
    """A compare.json's figures and the matrix they cover: our scenarios' comparison, or a user's
    app's (`compare --app`, whose workload is the app)."""
    if "app" in report:
        records = report["schemes"]
        asked = Matrix.of(sorted({r["board"] for r in records}), sorted({r["kernel"] for r in records}),
                       [r["scheme"] for r in records], [str(report["app"])])
        return from_app_report(report), asked
    return measured(report["schemes"]), Matrix.model_validate(report["matrix"])


def require_matrix(baseline: Baseline, path: Path, matrix: Matrix) -> None:
    """A compare baseline measured on other boards, kernels, schemes or workloads is refused."""
    if baseline.matrix is None:
        raise BaselineError(f"baseline {path} holds {baseline.source} figures, not a comparison's",
                            "pass a baseline written by `memharness compare --update-baseline`")
    mine, theirs = matrix.model_dump(), baseline.matrix.model_dump()
    differ = [name for name in ("boards", "kernels", "schemes", "workloads") if sorted(mine[name]) !=
              sorted(theirs[name])]
    if differ:
        raise BaselineError(
            f"baseline {path} was measured on another {', '.join(d[:-1] for d in differ)} set: "
            f"it holds {baseline.matrix.text()}; this run has {matrix.text()}",
            "run compare with the baseline's --board/--kernel-version/--heap/--workload, or write a new "
            "baseline for this matrix with --update-baseline")


def _judge(now: Value, then: Value, better: str, allowed: float) -> Kind | None:
    if then is None:
        return None if now is None else "new"
    if now is None:
        return "missing"
    diff = now - then
    if better == "exact":
        return "changed" if abs(diff) > allowed else None
    worse = -diff if better == "higher" else diff
    if worse > allowed:
        return "worse"
    return "better" if worse < 0 else None


def check(baseline: Baseline, path: Path, figures: Sequence[Measured], *, complete: bool) -> Verdict:
    """Judge every figure. `complete`: the run is the baseline's whole matrix, so a figure the
    baseline holds and the run lacks is a regression; otherwise only the run's figures count, and
    a variant (board, kernel, scheme, profile) the baseline knows nothing of is refused."""
    known = baseline.by_key()
    if not complete:
        variants = {(k.board, k.kernel, k.scheme, k.profile) for k in known}
        strange = sorted({(m.key.board, m.key.kernel, m.key.scheme, m.key.profile) for m in figures} - variants)
        if strange:
            raise BaselineError(f"baseline {path} holds no figures for {' '.join(strange[0])}",
                                f"use a baseline measured there, or set {UPDATE_ENV}=1 to add this run's figures")
    worse: list[Change] = []
    better: list[Change] = []
    new: list[Change] = []
    seen: set[FigureKey] = set()
    for m in figures:
        seen.add(m.key)
        entry = known.get(m.key)
        if entry is None:
            if m.value is not None:
                new.append(Change(m.key, m.unit, None, m.value, "-", "new"))
            continue
        tolerance = baseline.tolerance(m.key)
        kind = _judge(m.value, entry.value, entry.better, tolerance.allowed(entry.value or 0))
        if kind is None:
            continue
        change = Change(m.key, entry.unit, entry.value, m.value, tolerance.text(_UNITS.get(entry.unit, "") or
                                                                                  entry.unit), kind)
        (better if kind == "better" else new if kind == "new" else worse).append(change)
    if complete:
        for key, entry in known.items():
            if key not in seen and entry.value is not None:
                worse.append(Change(key, entry.unit, entry.value, None, "-", "missing"))
    checked = sum(1 for m in figures if m.value is not None or m.key in known)
    return Verdict(path, checked, tuple(worse), tuple(better), tuple(new))


def updating() -> bool:
    return os.environ.get(UPDATE_ENV, "") not in ("", "0")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One writer at a time: pytest-xdist workers and pabot processes update one file. The lock
    file lives in the temporary folder, so none is left beside a committed baseline."""
    name = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"memharness-baseline-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def gate(figures: Sequence[Measured], path: Path, source: Source = "runs") -> Verdict:
    """The one call behind pytest's and Robot's gate: check these figures against the baseline at
    `path`, or, with MEMHARNESS_UPDATE_BASELINE=1, add them to it (creating it) and pass."""
    if updating():
        with _locked(path):
            old = load(path) if path.exists() else None
            save(merged(old, figures) if old is not None else build(source, figures), path)
        return Verdict(path, len(figures), (), (), ())
    return check(load(path), path, figures, complete=False)


def gate_report(report: Path, path: Path) -> Verdict:
    """A compare.json (one run's, or shards merged) against a compare baseline, as `--baseline`."""
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BaselineError(f"cannot read the report {report}: {exc}", "pass the compare.json of a finished "
                            "compare or merge") from None
    figures, asked = report_figures(data)
    if updating():
        with _locked(path):
            old = load(path) if path.exists() else None
            save(build("app" if "app" in data else "compare", figures, matrix=asked, versions=data["meta"],
                       keep=old), path)
        return Verdict(path, len(figures), (), (), ())
    baseline = load(path)
    require_matrix(baseline, path, asked)
    return check(baseline, path, figures, complete=True)


def figures_of(source: Run | ImageRun) -> list[Measured]:
    """A scenario run's figures, or a user image run's snapshot floors (refused if it has none
    taken at a deterministic point)."""
    if isinstance(source, Run):
        return from_run(source)
    try:
        return from_image_run(source)
    except ValueError as exc:
        raise BaselineError(str(exc), "take snapshots at tick counts: --ticks N, --every N") from None


def assert_within_baseline(figures: Sequence[Measured] | Run | ImageRun | Path | str, path: Path | str) -> Verdict:
    """pytest's one call: a run's figures, a user image run's snapshot floors, a list of figures,
    or a compare.json (a path) against the baseline; fails with the table of what regressed."""
    if isinstance(figures, Run | ImageRun):
        verdict = gate(figures_of(figures), Path(path))
    elif isinstance(figures, Path | str):
        verdict = gate_report(Path(figures), Path(path))
    else:
        verdict = gate(figures, Path(path))
    if not verdict.ok:
        raise AssertionError("\n" + verdict.text())
    return verdict
