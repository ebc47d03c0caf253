"""`memharness compare --app DIR`: the user's app on every heap scheme, side by side, and a verdict.

Every variant is built first (a scheme the app does not fit is kept as such), then run `jobs` at a
time, each read from outside (`harness.app.run`). The verdict says in plain words which schemes
ran the workload to its end without an allocation failure or a reset, ranked by their minimum-ever
free heap, and what each of the others hit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from harness.app.build import AppFirmware, AppVariantSpec, SchemeUnfitError, build_app
from harness.app.project import Project
from harness.app.run import AppRun, clean, figures, run_app
from harness.elf import locate
from harness.emulators.qemu import stop_all_sessions
from harness.events import Assert, Fault, StackOverflow
from harness.run import Interrupted, Outcome


@dataclass(frozen=True)
class AppCell:
    """One variant of the comparison: its figures, or why it was not run."""

    spec: AppVariantSpec
    figures: dict[str, Any]
    app_run: AppRun | None  # None: the app does not fit the scheme, or the run never started

    @property
    def key(self) -> tuple[str, str]:
        return (self.spec.board, self.spec.kernel)


@dataclass(frozen=True)
class AppComparison:
    project: Project
    cells: tuple[AppCell, ...]
    interrupted: bool = False

    @property
    def ran(self) -> list[AppCell]:
        return [c for c in self.cells if c.app_run is not None]

    @property
    def emulator_died(self) -> bool:
        return any(c.figures.get("outcome") == Outcome.EMULATOR_DIED.value for c in self.cells)


def _unfit(spec: AppVariantSpec, error: SchemeUnfitError) -> dict[str, Any]:
    return {"board": spec.board, "kernel": spec.kernel, "scheme": spec.scheme, "outcome": "does_not_fit",
            "reason": error.message, "resets": [], "malloc_failed": None, "tasks": {}, "series": [], "notes": []}


def compare_app(project: Project, specs: Sequence[AppVariantSpec], results: Path, jobs: int = 2,
                on_build: Callable[[AppVariantSpec], None] | None = None,
                on_done: Callable[[AppCell], None] | None = None,
                timeout: float | None = None) -> AppComparison:
    """Build every variant, run them `jobs` at a time, and gather each one's figures."""
    built: dict[AppVariantSpec, AppFirmware | SchemeUnfitError] = {}
    for spec in specs:
        if on_build is not None:
            on_build(spec)
        try:
            built[spec] = build_app(project, spec)
        except SchemeUnfitError as exc:
            built[spec] = exc
    cells: dict[AppVariantSpec, AppCell] = {}
    lock = threading.Lock()
    cancelled = threading.Event()

    def one(spec: AppVariantSpec) -> None:
        firmware = built[spec]
        if isinstance(firmware, SchemeUnfitError):
            cell = AppCell(spec, _unfit(spec, firmware), None)
        elif cancelled.is_set():
            return
        else:
            try:
                app_run = run_app(project, firmware, results / "runs", timeout=timeout)
            except Interrupted:
                return
            cell = AppCell(spec, figures(app_run), app_run)
        with lock:
            cells[spec] = cell
        if on_done is not None:
            on_done(cell)

    interrupted = False
    pool = ThreadPoolExecutor(max_workers=max(jobs, 1), thread_name_prefix="app-compare")
    try:
        for future in as_completed([pool.submit(one, spec) for spec in specs]):
            future.result()
    except KeyboardInterrupt:
        interrupted = True
        cancelled.set()
        stop_all_sessions()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    ordered = tuple(cells[s] for s in specs if s in cells)
    return AppComparison(project, ordered, interrupted)


# --- the verdict ----------------------------------------------------------------------------------

def _cause(cell: AppCell) -> str:
    """What ended a run that reset: the hook or handler caught from outside, in words."""
    if cell.app_run is None:
        return str(cell.figures.get("reason", ""))
    for entry in reversed(cell.app_run.run.entries):
        if isinstance(entry, Assert):
            name = PurePath(entry.file).name
            extra = " (heap_1 cannot free: its vPortFree asserts)" if name == "heap_1.c" else ""
            return f"an assert in {name}:{entry.line_number}{extra}"
        if isinstance(entry, StackOverflow):
            return f"a stack overflow in task {entry.task}"
        if isinstance(entry, Fault):
            where = f" at {locate(cell.app_run.firmware.elf, entry.pc)}" if entry.pc is not None else ""
            return f"a {entry.fault} fault in task {entry.task or '?'}{where}"
    return str(cell.figures.get("reason", ""))


def hit(cell: AppCell) -> str:
    """What a run that was not clean ran into, in one phrase."""
    fig = cell.figures
    outcome = fig.get("outcome")
    if outcome == "does_not_fit":
        return f"does not fit: {fig['reason']}"
    parts = []
    if outcome == Outcome.RESET.value:
        tick = fig.get("ticks_end")
        parts.append(f"reset: {_cause(cell)}" + (f" (tick {tick})" if tick is not None else ""))
    elif outcome == Outcome.TIMEOUT.value:
        parts.append(f"never reached its end condition ({fig.get('reason')})")
    elif outcome not in (Outcome.DONE.value, None):
        parts.append(f"{outcome} ({fig.get('reason')})")
    failures = fig.get("malloc_failed") or 0
    if failures:
        text = f"{failures} allocation failure(s) (malloc-failed hook)"
        largest, free = fig.get("largest_end_min"), fig.get("free_at_largest_min")
        if largest is not None and free is not None and free > 2 * largest:
            text += f"; its largest free block fell to {largest} B while {free} B were free (fragmentation)"
        parts.append(text)
    missing = fig.get("missing_lines") or []
    if missing and outcome == Outcome.DONE.value:
        parts.append("never printed " + ", ".join(repr(m) for m in missing)
                     + (f" by tick {fig['ticks_end']}" if fig.get("ticks_end") is not None else ""))
    if fig.get("heap_corruption"):
        parts.append(f"heap corruption: {fig['heap_corruption']}")
    return "; ".join(parts) or "nothing"


def verdict(comparison: AppComparison) -> list[str]:
    """The plain-words verdict, one block per board and kernel."""
    lines: list[str] = []
    groups: dict[tuple[str, str], list[AppCell]] = {}
    for cell in comparison.cells:
        groups.setdefault(cell.key, []).append(cell)
    for (board, kernel), cells in groups.items():
        good = [c for c in cells if clean(c.figures)]
        good.sort(key=_rank)
        lines.append(f"{comparison.project.name} on {board}, FreeRTOS-Kernel {kernel}:")
        if good:
            ranked = ", ".join(f"{c.spec.scheme} ({_min_text(c.figures)})" for c in good)
            lines.append(f"  ran the workload without an allocation failure or a reset: {ranked}")
            best = good[0]
            if best.figures.get("min_ever_free") is not None:
                lines.append(f"  most headroom: {best.spec.scheme}, whose free heap never fell below "
                             f"{best.figures['min_ever_free']} bytes")
        else:
            lines.append("  no scheme ran the workload without an allocation failure or a reset")
        for cell in cells:
            if cell not in good:
                lines.append(f"  {cell.spec.scheme}: {hit(cell)}")
    if comparison.interrupted:
        lines.append("interrupted: only the runs that finished are judged")
    return lines


def _rank(cell: AppCell) -> tuple[int, int]:
    """Exact minimums first (the kernel's, heap_1's), highest first; then sampled ones; then none:
    a minimum seen only at the snapshots can miss a peak between them, so it never outranks one."""
    fig = cell.figures
    value, source = fig.get("min_ever_free"), fig.get("min_ever_source")
    order = 2 if value is None else (1 if source == "snapshots" else 0)
    return (order, -(value or 0))


def _min_text(fig: dict[str, Any]) -> str:
    value, source = fig.get("min_ever_free"), fig.get("min_ever_source")
    if value is None:
        return "minimum free not readable from outside"
    if source == "snapshots":
        return f"lowest free seen at the snapshots {value} B, a peak between them unseen"
    return f"minimum ever free {value} B"
