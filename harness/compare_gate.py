"""`--baseline` and `--update-baseline` on the command line: `compare` and `merge` (a comparison's
report as a CI gate) and `run` (a scenario's figures, or a user image's snapshot floors).

Opened before anything runs (a missing, malformed or foreign baseline costs no emulator time),
closed on the report as written, so `compare` and `merge` of shards judge exactly the figures in
their compare.json. The verdict goes to the terminal (what got worse, by how much, where) and to
`gate.json` beside the report.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from harness.baseline import Baseline, BaselineError, Matrix, Source, build, load, merged, save
from harness.errors import ExitStatus, ResultsError, UsageError
from harness.gate import check, figures_of, report_figures, require_matrix
from harness.observe.target import ImageRun
from harness.run import Run


def matrix(boards: Sequence[str], kernels: Sequence[str], schemes: Sequence[str], workloads: Sequence[str]) -> Matrix:
    return Matrix.of(boards, kernels, schemes, workloads)


def open_gate(path: Path | None, update: bool, asked: Matrix) -> Baseline | None:
    """The baseline to check against (refused now if it cannot serve this matrix), or, when
    updating, the file being replaced (for its tolerance rules) if there is one."""
    if path is None:
        if update:
            raise UsageError("--update-baseline needs --baseline FILE", "name the file to write: --baseline FILE")
        return None
    if update:
        return load(path) if path.exists() else None
    baseline = load(path)
    require_matrix(baseline, path, asked)
    return baseline


def close_gate(report: Mapping[str, Any], path: Path, update: bool, baseline: Baseline | None, results: Path,
               console: Console) -> int:
    """Write the baseline (update) or judge the report against it; the exit status of the gate."""
    figures, asked = report_figures(report)
    if update:
        unfinished = [r for r in report.get("runs", ()) if r["outcome"] != "done"]  # an app's scheme may not fit
        if report.get("interrupted") or unfinished:
            console.print(f"[red]baseline not written[/]: {len(unfinished)} run(s) did not end done"
                          f"{' (interrupted)' if report.get('interrupted') else ''}; fix them and run again")
            return ExitStatus.FAILED
        source: Source = "app" if "app" in report else "compare"
        written = build(source, figures, matrix=asked, versions=dict(report["meta"]), keep=baseline)
        save(written, path)
        console.print(f"baseline written: {escape(str(path))} ({len(written.figures)} figures; n/a ones are not kept)")
        return ExitStatus.OK
    if baseline is None:
        raise BaselineError(f"baseline {path} was not loaded", "pass --baseline FILE")
    verdict = check(baseline, path, figures, complete=True)
    for table in verdict.tables():
        console.print(table)
    colour = "green" if verdict.ok else "red"
    console.print(f"[{colour}]{escape(verdict.summary())}[/]")
    _write_verdict(results / "gate.json", verdict.as_json())
    return ExitStatus.OK if verdict.ok else ExitStatus.FAILED


def run_gate(source: Run | ImageRun, path: Path | None, update: bool, folder: Path, console: Console) -> int:
    """`run --baseline` (a scenario's heap figures and stack high-water marks, or a user image's
    snapshot floors): judge them against the file, or add them to it with --update-baseline."""
    if path is None:
        if update:
            raise UsageError("--update-baseline needs --baseline FILE", "name the file to write: --baseline FILE")
        return ExitStatus.OK
    figures = figures_of(source)
    if update:
        old = load(path) if path.exists() else None
        source_kind: Source = "runs" if isinstance(source, Run) else "snapshot"
        save(merged(old, figures) if old is not None else build(source_kind, figures), path)
        console.print(f"baseline updated: {escape(str(path))} ({len(figures)} figures of this run)")
        return ExitStatus.OK
    verdict = check(load(path), path, figures, complete=False)
    for table in verdict.tables():
        console.print(table)
    console.print(f"[{'green' if verdict.ok else 'red'}]{escape(verdict.summary())}[/]")
    _write_verdict(folder / "gate.json", verdict.as_json())
    return ExitStatus.OK if verdict.ok else ExitStatus.FAILED


def _write_verdict(target: Path, data: Mapping[str, Any]) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ResultsError(f"cannot write {target}: {exc.strerror or exc}", "pass a writable --results") from None
