"""What an image run leaves beside its UART log: `snapshots.json`, a heap and task table, a timeline.

`heap_table` and `task_table` are the terminal tables the CLI prints (rich); `write_image_run`
writes `snapshots.json` (every snapshot whole: heap figures, free blocks, tasks) and
`timeline.html` (free heap, minimum ever and each task's high-water mark over the snapshots, one
plot each, drawn by harness/plots.py) into the run's folder, the report.json of
`harness.report.write_run` beside them.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table

from harness.errors import ResultsError
from harness.files import write_atomically
from harness.observe.snapshot import Snapshot
from harness.observe.target import ImageRun

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SNAPSHOTS = "snapshots.json"
TIMELINE = "timeline.html"
REPORT_VERSION = 1


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


def heap_table(snap: Snapshot) -> Table:
    heap = snap.heap
    title = f"heap at {snap.label} (tick {_cell(snap.tick)}, {heap.scheme}; bytes)"
    table = Table("free", "min ever", "largest", "smallest", "free blocks", "allocs", "frees", "arena", title=title)
    table.add_row(*(_cell(v) for v in (heap.free, heap.min_ever, heap.largest, heap.smallest, heap.free_blocks,
                                         heap.allocs, heap.frees, heap.arena)))
    return table


def heap_notes(snap: Snapshot) -> list[str]:
    heap = snap.heap
    notes = []
    if heap.not_available:
        notes.append(f"heap figures not available from outside: {heap.not_available}")
    if heap.corruption:
        where = f" (block {heap.corrupt_block:#010x})" if heap.corrupt_block is not None else ""
        notes.append(f"HEAP CORRUPTION{where}: {heap.corruption}")
    for index, region in enumerate(heap.regions):
        notes.append(f"heap_5 region {index}: {region.start:#010x}, {region.size} bytes")
    if snap.task_error:
        notes.append(f"TASK LISTS CORRUPT: {snap.task_error}")
    return notes


def series_table(snaps: tuple[Snapshot, ...]) -> Table:
    """One row per snapshot: the heap figures and the task closest to its stack's end."""
    table = Table("snapshot", "how", "tick", "free", "min ever", "free blocks", "largest", "least stack left",
                  title="snapshots (bytes)")
    for snap in snaps:
        low = min(snap.tasks, key=lambda t: t.hwm_bytes, default=None)
        least = f"{low.name} {low.hwm_bytes}" if low is not None else "-"
        how = snap.how.value + ("" if snap.deterministic else " (host-timed)")
        table.add_row(snap.label, how, _cell(snap.tick), _cell(snap.heap.free), _cell(snap.heap.min_ever),
                      _cell(snap.heap.free_blocks), _cell(snap.heap.largest), least)
    return table


def task_table(snap: Snapshot) -> Table:
    table = Table("task", "prio", "state", "stack base", "size", "size from", "used", "HWM bytes", "HWM words",
                  title=f"tasks at {snap.label} (stack figures in bytes; HWM: never-touched bytes left)")
    for task in snap.tasks:
        table.add_row(
            task.name, str(task.priority), task.state, f"{task.stack_base:#010x}", _cell(task.stack_size),
            task.size_source, _cell(task.used_bytes), str(task.hwm_bytes), str(task.hwm_words),
        )
    return table


def _write(path: Path, text: str) -> None:
    try:
        write_atomically(path, [text])
    except OSError as exc:
        raise ResultsError(
            f"cannot write {path}: {exc.strerror or exc}", "choose a writable --results folder"
        ) from None


def snapshots_json(result: ImageRun) -> dict[str, Any]:
    return {
        "report_version": REPORT_VERSION,
        "elf": str(result.image.elf),
        "heap_scheme": result.image.heap,
        "outcome": result.run.outcome.value,
        "reason": result.run.reason,
        "malloc_failures": result.malloc_failures,
        "snapshots": [s.to_json() for s in result.snapshots],
    }


def timeline_plots(snaps: tuple[Snapshot, ...], heap: str) -> dict[str, Figure]:
    """The heap figures and each task's high-water mark over the snapshots, one plot each."""
    from harness import plots

    labels = [s.label for s in snaps]
    room = plots.slanted_room(labels)
    fig, (ax,) = plots.figure(8, 3.5 + room, label_room=room)
    for name in ("free", "min_ever"):
        values = [getattr(s.heap, name) for s in snaps]
        if any(v is not None for v in values):
            ax.plot(labels, [v if v is not None else float("nan") for v in values], marker="o", label=name)
    ax.set_ylabel("bytes")
    ax.set_title(f"heap over the run ({heap})")
    ax.legend()
    ax.tick_params(axis="x", rotation=45)
    out = {"heap timeline": fig}
    fig, (ax,) = plots.figure(8, 3.5 + room, label_room=room)
    for name in sorted({t.name for s in snaps for t in s.tasks}):
        values = [next((t.hwm_bytes for t in s.tasks if t.name == name), float("nan")) for s in snaps]
        ax.plot(labels, values, marker="o", label=name)
    ax.set_ylabel("bytes never touched")
    ax.set_title("stack high-water marks over the run")
    ax.legend(fontsize="small")
    ax.tick_params(axis="x", rotation=45)
    out["stack timeline"] = fig
    return out


def timeline_html(result: ImageRun) -> str:
    from harness import plots

    title = html.escape(f"{result.run.label}: {result.run.outcome.value} ({result.run.reason})")
    images = "".join(plots.embed(name, fig) for name, fig in timeline_plots(result.snapshots,
                                                                             result.image.heap).items())
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<h1>{title}</h1><p>{len(result.snapshots)} snapshot(s); figures in {SNAPSHOTS}</p>{images}</body></html>\n"
    )


def write_image_run(result: ImageRun, folder: Path) -> list[Path]:
    """snapshots.json and (with at least one snapshot) timeline.html in `folder`."""
    written = [folder / SNAPSHOTS]
    _write(written[0], json.dumps(snapshots_json(result), indent=1) + "\n")
    if result.snapshots:
        written.append(folder / TIMELINE)
        _write(written[1], timeline_html(result))
    return written
