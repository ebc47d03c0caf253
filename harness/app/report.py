"""What `memharness compare --app` writes: the tables, compare.json, compare-host.json, junit.xml
and compare.html (the tables, the verdict and the plots), like `memharness compare` does for the
standard workloads.

compare.json holds only what the `-icount` runs measured (byte-identical from run to run: the
tick points are instruction-exact); wall times and the time of day go to compare-host.json.
"""

from __future__ import annotations

import datetime
import html
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table

from harness import plots as plotting
from harness.app.compare import AppCell, AppComparison, hit, verdict
from harness.app.run import clean
from harness.errors import ResultsError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

REPORT_VERSION = 1
COLUMNS: tuple[tuple[str, str], ...] = (
    ("scheme", "scheme"),
    ("outcome", "outcome"),
    ("resets", "resets"),
    ("malloc_failed", "malloc\nfailed"),
    ("free_end", "free\nat end"),
    ("min_ever", "min ever\nfree"),
    ("largest", "largest block\nend (lowest)"),
    ("blocks", "free blocks\nend (most)"),
    ("least_stack", "least stack left\n(task: bytes)"),
    ("image", "image\nflash/RAM"),
    ("heap_share", "heap share\nof RAM"),
)


def _show(value: Any) -> str:
    return "n/a" if value is None else str(value)


def row(fig: dict[str, Any]) -> dict[str, str]:
    """One scheme's figures as table cells; `n/a` where the scheme (or the outside view) has none."""
    foot = fig.get("footprint") or {}
    tasks = fig.get("tasks") or {}
    least = min(tasks.items(), key=lambda kv: kv[1]["hwm_bytes"], default=None)
    resets = fig.get("resets") or []
    min_ever = _show(fig.get("min_ever_free"))
    if fig.get("min_ever_source") == "snapshots":
        min_ever += "*"
    outcome = str(fig.get("outcome"))
    if outcome not in ("done", "does_not_fit"):
        outcome += f" ({fig.get('reason')})"
    largest = _show(fig.get("largest_end"))
    if fig.get("largest_end_min") is not None and fig.get("largest_end_min") != fig.get("largest_end"):
        largest += f" ({fig['largest_end_min']})"
    blocks = _show(fig.get("free_blocks_end"))
    if fig.get("free_blocks_max") is not None and fig.get("free_blocks_max") != fig.get("free_blocks_end"):
        blocks += f" ({fig['free_blocks_max']})"
    return {
        "scheme": str(fig.get("scheme")),
        "outcome": outcome,
        "resets": ", ".join(resets) if resets else "0",
        "malloc_failed": _show(fig.get("malloc_failed")),
        "free_end": _show(fig.get("free_end")),
        "min_ever": min_ever,
        "largest": largest,
        "blocks": blocks,
        "least_stack": f"{least[0]}: {least[1]['hwm_bytes']}" if least else "n/a",
        "image": f"{foot['image_flash']}/{foot['image_ram']}" if foot else "n/a",
        "heap_share": f"{foot['heap_share_of_ram']:.0%}" if foot.get("heap_share_of_ram") is not None else "n/a",
    }


def _groups(comparison: AppComparison) -> dict[tuple[str, str], list[AppCell]]:
    out: dict[tuple[str, str], list[AppCell]] = {}
    for cell in comparison.cells:
        out.setdefault(cell.key, []).append(cell)
    return out


def _title(comparison: AppComparison, board: str, kernel: str) -> str:
    return f"{comparison.project.name} on {board}, FreeRTOS-Kernel {kernel} (bytes, read from outside)"


def tables(comparison: AppComparison) -> list[Table]:
    """Per board and kernel: the schemes side by side, then every task's high-water mark per scheme."""
    out = []
    for (board, kernel), cells in _groups(comparison).items():
        table = Table(*(t for _, t in COLUMNS), title=_title(comparison, board, kernel),
                      caption="* lowest free seen in the tick-spaced snapshots: the scheme keeps no minimum")
        for cell in cells:
            cells_row = row(cell.figures)
            table.add_row(*(cells_row[k] for k, _ in COLUMNS))
        out.append(table)
        names = sorted({name for c in cells for name in (c.figures.get("tasks") or {})})
        if names:
            stacks = Table("task", "stack bytes", *(c.spec.scheme for c in cells),
                           title="stack high-water marks (bytes never touched, lowest seen)")
            for name in names:
                sizes = {str(c.figures["tasks"][name]["stack_size"]) for c in cells if name in c.figures["tasks"]}
                stacks.add_row(name, "/".join(sorted(sizes)), *(
                    _show((c.figures.get("tasks") or {}).get(name, {}).get("hwm_bytes")) for c in cells))
            out.append(stacks)
    return out


def compare_json(comparison: AppComparison, meta: dict[str, str], results: Path) -> dict[str, Any]:
    schemes = []
    for cell in comparison.cells:
        fig = {k: v for k, v in cell.figures.items() if k not in ("wall_time_s", "uart_log")}
        log = cell.figures.get("uart_log")
        if log is not None:
            path = Path(log)
            fig["uart_log"] = str(path.relative_to(results)) if path.is_relative_to(results) else str(path)
        schemes.append(fig)
    project = comparison.project
    return {
        "report_version": REPORT_VERSION, "meta": meta, "app": project.name,
        "project_file": project.path.name, "defines": dict(project.app.defines),
        "until": project.run.until.describe(), "snapshot_every_ticks": project.run.snapshot_every_ticks,
        "interrupted": comparison.interrupted, "schemes": schemes, "verdict": verdict(comparison),
    }


def host_json(comparison: AppComparison, started: datetime.datetime, wall: float) -> dict[str, Any]:
    return {"started": started.isoformat(timespec="seconds"), "wall_time_s": round(wall, 3),
            "runs": [{"board": c.spec.board, "kernel": c.spec.kernel, "scheme": c.spec.scheme,
                      "wall_time_s": c.figures.get("wall_time_s")} for c in comparison.cells]}


def junit_xml(comparison: AppComparison) -> bytes:
    """One testcase per variant: a run that was not clean (failure, reset, no end) fails."""
    suites = ET.Element("testsuites", name=f"memharness compare --app {comparison.project.name}")
    for (board, kernel), cells in _groups(comparison).items():
        suite = ET.SubElement(suites, "testsuite", name=f"{comparison.project.name}.{board}.{kernel}")
        failures = skipped = 0
        for cell in cells:
            case = ET.SubElement(suite, "testcase", classname=f"{comparison.project.name}.{board}.{kernel}",
                                 name=cell.spec.scheme, time=f"{cell.figures.get('wall_time_s') or 0:.3f}")
            if cell.app_run is None:
                skipped += 1
                ET.SubElement(case, "skipped", message=hit(cell))
            elif not clean(cell.figures):
                failures += 1
                failure = ET.SubElement(case, "failure", message=hit(cell))
                failure.text = cell.app_run.run.describe()
        suite.set("tests", str(len(cells)))
        suite.set("failures", str(failures))
        suite.set("skipped", str(skipped))
    data: bytes = ET.tostring(suites, encoding="utf-8", xml_declaration=True)
    return data


# --- the page -------------------------------------------------------------------------------------

def plots(cells: list[AppCell]) -> dict[str, Figure]:
    """Heap figures over the run per scheme, stack high-water marks, footprint (matplotlib imported here)."""
    out: dict[str, Figure] = {}
    for key, title in (("free", "Free heap over the run"), ("min_ever", "Minimum-ever free heap over the run"),
                       ("largest", "Largest free block over the run"), ("free_blocks", "Free blocks over the run")):
        fig, (ax,) = plotting.figure(8, 3.6)
        drawn = 0
        for cell in cells:
            points = [(p["tick"], p[key]) for p in cell.figures.get("series", [])
                      if p.get(key) is not None and p.get("tick") is not None]
            if points:
                ax.plot(*zip(*points, strict=True), marker=".", label=cell.spec.scheme)
                drawn += 1
        ax.set(title=title, xlabel="kernel tick", ylabel="count" if key == "free_blocks" else "bytes")
        if drawn:
            ax.legend(fontsize="small")
        ax.grid(alpha=0.3)
        out[key] = fig
    names = sorted({name for c in cells for name in (c.figures.get("tasks") or {})})
    fig, (ax,) = plotting.figure(8, 3.6)
    width = 0.8 / max(len(cells), 1)
    for i, cell in enumerate(cells):
        tasks = cell.figures.get("tasks") or {}
        ax.bar([x + i * width for x in range(len(names))], [tasks.get(n, {}).get("hwm_bytes", 0) for n in names],
               width=width, label=cell.spec.scheme)
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(names))], names)
    ax.set(title="Stack high-water mark per task (bytes never touched)", ylabel="bytes")
    ax.legend(fontsize="small")
    out["stacks"] = fig
    fig, (ax,) = plotting.figure(8, 3.6)
    ran = [c for c in cells if c.figures.get("footprint")]
    xs = range(len(ran))
    ax.bar([x - 0.2 for x in xs], [c.figures["footprint"]["image_flash"] for c in ran], width=0.4, label="flash")
    ax.bar([x + 0.2 for x in xs], [c.figures["footprint"]["image_ram"] for c in ran], width=0.4, label="RAM")
    ax.bar([x + 0.2 for x in xs], [c.figures["footprint"]["heap_bytes"] for c in ran], width=0.25,
           label="of which heap")
    ax.set_xticks(list(xs), [c.spec.scheme for c in ran])
    ax.set(title="Footprint (bytes)")
    ax.legend(fontsize="small")
    out["footprint"] = fig
    return out


def page(comparison: AppComparison, meta: dict[str, str]) -> str:
    project = comparison.project
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>memharness compare --app "
             f"{html.escape(project.name)}</title><style>body{{font-family:sans-serif;margin:2em}}"
             "table{border-collapse:collapse}td,th{border:1px solid #999;padding:3px 6px;font-size:90%}"
             "th{background:#eee}pre{white-space:pre-wrap}.bad{background:#fdd}.good{background:#dfd}img{max-width:100%}</style></head><body>",
             f"<h1>{html.escape(project.name)} on every heap scheme</h1>",
             "<p>" + "; ".join(f"{html.escape(k)}: {html.escape(v)}" for k, v in meta.items()) + "</p>",
             f"<p>Workload: the app itself, until {html.escape(project.run.until.describe())}; snapshots every "
             f"{project.run.snapshot_every_ticks} ticks, read from outside through QEMU's gdb stub.</p>",
             "<h2>Verdict</h2><pre>" + html.escape("\n".join(verdict(comparison))) + "</pre>"]
    for (board, kernel), cells in _groups(comparison).items():
        parts.append(f"<h2>{html.escape(_title(comparison, board, kernel))}</h2><table><tr>")
        parts.append("".join(f"<th>{html.escape(t)}</th>" for _, t in COLUMNS) + "</tr>")
        for cell in cells:
            cls = "good" if clean(cell.figures) else "bad"
            cells_row = row(cell.figures)
            parts.append(f"<tr class='{cls}'>" + "".join(f"<td>{html.escape(cells_row[k])}</td>"
                                                         for k, _ in COLUMNS) + "</tr>")
        parts.append("</table><p>* lowest free seen in the snapshots (the scheme keeps no minimum).</p>")
        notes = sorted({n for c in cells for n in c.figures.get("notes", [])})
        if notes:
            parts.append("<h3>FreeRTOSConfig.h keys memharness set</h3><ul>"
                         + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
        parts.extend(plotting.embed(name, fig) for name, fig in plots(cells).items())
    parts.append("</body></html>")
    return "\n".join(parts)


def write_all(comparison: AppComparison, results: Path, meta: dict[str, str], started: datetime.datetime,
              wall: float) -> list[Path]:
    files = {
        "compare.json": json.dumps(compare_json(comparison, meta, results), indent=2, sort_keys=True) + "\n",
        "compare-host.json": json.dumps(host_json(comparison, started, wall), indent=2) + "\n",
        "compare.html": page(comparison, meta),
    }
    try:
        results.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in files.items():
            (results / name).write_text(text, encoding="utf-8")
            written.append(results / name)
        (results / "junit.xml").write_bytes(junit_xml(comparison))
        written.append(results / "junit.xml")
    except OSError as exc:
        raise ResultsError(f"cannot write the results folder {results}: {exc.strerror or exc}",
                           "pass --results with a writable folder that has free space") from None
    return written
