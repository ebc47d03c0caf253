"""What `memharness compare` writes: a terminal table, compare.json, compare-host.json,
junit.xml and compare.html (plots embedded, readable without the terminal).

compare.json holds only figures from `-icount` runs and the versions that produced them, so two
runs of the same command give byte-identical files; host timings and the time of day go to
compare-host.json.
"""

from __future__ import annotations

import datetime
import html
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness import __version__
from harness import plots as plotting
from harness.build import TOOLCHAINS, compiler_identity
from harness.compare import Comparison
from harness.emulators.esp_qemu import locate
from harness.emulators.qemu import TIMING_ICOUNT_SHIFT, icount
from harness.errors import ResultsError
from harness.platforms import Board, load_board
from harness.workloads import STANDARD_WORKLOAD

if TYPE_CHECKING:
    from matplotlib.figure import Figure

REPORT_VERSION = 1


def versions(boards: Iterable[str], emulators: Iterable[str] = ("qemu",)) -> dict[str, str]:
    """The emulator and compiler versions the figures depend on."""
    out: dict[str, str] = {"memharness": __version__, "icount": icount(TIMING_ICOUNT_SHIFT)}
    cores: set[str] = set()
    if "renode" in emulators:
        from harness.emulators.renode import renode_version

        out["renode"] = renode_version()
    for board in sorted(set(boards)):
        loaded = load_board(board)
        cores.add(loaded.core)
        binary = _emulator_binary(loaded)
        if binary and binary not in out:
            proc = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
            out[Path(binary).name] = proc.stdout.splitlines()[0] if proc.stdout else "unknown"
    for core in sorted(cores):
        chain = TOOLCHAINS.get(core)
        gcc = shutil.which(chain.gcc) if chain else None
        out["compiler" if core == "cortex_m" else f"compiler_{core}"] = compiler_identity(gcc) if gcc else "unknown"
    return out


def _emulator_binary(board: Board) -> str | None:
    """The path of the board's default emulator binary, if it is there."""
    if board.default_emulator == "esp_qemu" and board.emulators.esp_qemu is not None:
        found = locate(board.emulators.esp_qemu)
        return None if isinstance(found, str) else str(found.binary)
    target = board.emulators.qemu
    return shutil.which(target.binary) if target else None


def _key(figures: dict[str, Any]) -> tuple[str, str, str, str]:
    return (figures["board"], figures["kernel"], figures["scheme"], figures.get("emulator", "qemu"))


def compare_json(comparison: Comparison, meta: dict[str, str], results: Path,
                 extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    runs = []
    for c in comparison.cells:
        log = c.run.uart_log if c.run is not None else None
        runs.append({
            "board": c.cell.board, "kernel": c.cell.kernel, "scheme": c.cell.scheme, "emulator": c.cell.emulator,
            "workload": c.cell.name, "scenario": c.cell.scenario, "params": dict(c.cell.params),
            "outcome": c.outcome, "reason": c.reason,
            "uart_log": str(log.relative_to(results)) if log is not None and log.is_relative_to(results) else None,
        })
    return {
        "report_version": REPORT_VERSION,
        "meta": meta,
        "standard_workload": STANDARD_WORKLOAD,
        "interrupted": comparison.interrupted,
        "schemes": sorted(comparison.figures, key=_key),
        "runs": runs,
        **(extra or {}),  # the matrix asked for; a shard's place in it
    }


def host_json(comparison: Comparison, started: datetime.datetime, wall: float) -> dict[str, Any]:
    return {
        "started": started.isoformat(timespec="seconds"),
        "wall_time_s": round(wall, 3),
        "runs": [{"board": c.cell.board, "kernel": c.cell.kernel, "scheme": c.cell.scheme,
                  "emulator": c.cell.emulator, "workload": c.cell.name, "wall_time_s": round(c.wall_time, 3)}
                 for c in comparison.cells],
    }


def junit_xml(comparison: Comparison) -> bytes:
    """One testcase per run of the matrix; a run that did not end `done` is a failure."""
    suites = ET.Element("testsuites", name="memharness compare")
    by_suite: dict[str, ET.Element] = {}
    for c in comparison.cells:
        name = f"{c.cell.board}.{c.cell.kernel}"
        suite = by_suite.get(name)
        if suite is None:
            suite = by_suite[name] = ET.SubElement(suites, "testsuite", name=name)
        scheme = c.cell.scheme if c.cell.emulator == "qemu" else f"{c.cell.scheme}.{c.cell.emulator}"
        case = ET.SubElement(suite, "testcase", classname=f"{name}.{scheme}", name=c.cell.name,
                             time=f"{c.wall_time:.3f}")
        if c.outcome != "done":
            failure = ET.SubElement(case, "failure", message=f"{c.outcome}: {c.reason}")
            failure.text = c.run.describe() if c.run is not None else "not run"
    for suite in by_suite.values():
        cases = suite.findall("testcase")
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(1 for case in cases if case.find("failure") is not None)))
    data: bytes = ET.tostring(suites, encoding="utf-8", xml_declaration=True)
    return data


# --- the table ----------------------------------------------------------------------------------

COLUMNS: tuple[tuple[str, str], ...] = (
    ("scheme", "scheme"),
    ("free_at_boot", "free@boot"),
    ("free_after_scheduler", "free@ready"),
    ("min_ever_free", "min ever"),
    ("malloc_cycles", "malloc cyc\nmean/med/worst"),
    ("free_cycles", "free cyc\nmean/med/worst"),
    ("overhead_100", "overhead\n100 B"),
    ("frag_failures", "frag\nfailures"),
    ("frag_largest", "largest\nblock end"),
    ("frag_blocks", "free\nblocks end"),
    ("task_cost", "task\ncost"),
    ("queue_cost", "queue\ncost"),
    ("heap_text", "heap .text"),
    ("image", "image\nflash/RAM"),
    ("cannot", "cannot"),
)


def _cycles(stats: dict[str, Any] | None) -> str:
    if not stats:
        return "n/a"
    return f"{stats['mean']:g}/{stats['median']:g}/{stats['worst']}"


def row(figures: dict[str, Any]) -> dict[str, str]:
    """One scheme's figures as table cells; `n/a` where the scheme or workload cannot give one."""
    def show(value: Any) -> str:
        return "n/a" if value is None else str(value)

    frag = figures.get("fragmentation") or {}
    cyc = figures.get("cycles") or {}
    over = (figures.get("overhead_per_allocation") or {}).get("100") or {}
    foot = figures["footprint"]
    return {
        "scheme": figures["scheme"],
        "emulator": figures.get("emulator", "qemu"),
        "free_at_boot": show(figures.get("free_at_boot")),
        "free_after_scheduler": show(figures.get("free_after_scheduler")),
        "min_ever_free": show(figures.get("min_ever_free")),
        "malloc_cycles": _cycles(cyc.get("malloc")),
        "free_cycles": _cycles(cyc.get("free")),
        "overhead_100": show(over.get("overhead")),
        "frag_failures": show(frag.get("failures")),
        "frag_largest": show(frag.get("largest_free_block_end")),
        "frag_blocks": show(frag.get("free_blocks_end")),
        "task_cost": show(figures.get("task_cost")),
        "queue_cost": show(figures.get("queue_cost")),
        "heap_text": show(foot.get("heap_text")),
        "image": f"{foot['image_flash']}/{foot['image_ram']}",
        "cannot": ", ".join(figures.get("cannot") or []) or "-",
    }


def groups(figures: Sequence[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for f in sorted(figures, key=_key):
        out.setdefault((f["board"], f["kernel"]), []).append(f)
    return out


# --- the page -----------------------------------------------------------------------------------

def plots(figs: list[dict[str, Any]]) -> dict[str, Figure]:
    """The four plots of one board and kernel (matplotlib is imported here, on the first one)."""
    out: dict[str, Figure] = {}
    with_series = [f for f in figs if f.get("fragmentation")]
    for key, title, label in (("free", "Free heap over the standard workload", "free heap (bytes)"),
                              ("largest", "Largest free block over the standard workload", "bytes")):
        fig, (ax,) = plotting.figure(8, 4)
        for f in with_series:
            points = [(p["step"], p[key]) for p in f["fragmentation"]["series"] if p.get(key) is not None]
            if points:
                ax.plot(*zip(*points, strict=True), label=f["scheme"], marker=".")
        ax.set(title=title, xlabel="step", ylabel=label)
        ax.legend()
        ax.grid(alpha=0.3)
        out[key] = fig
    fig, axes = plotting.figure(10, 4, ncols=2, sharey=True)
    timed = [f for f in figs if f.get("cycles") and f["cycles"]["samples"]["malloc"]]
    for ax, op in zip(axes, ("malloc", "free"), strict=True):
        data = [f["cycles"]["samples"][op] for f in timed]
        if data:
            ax.boxplot(data, tick_labels=[f["scheme"] for f in timed], showfliers=True)
        ax.set(title=f"cycles per {'pvPortMalloc' if op == 'malloc' else 'vPortFree'}", ylabel="cycles")
        ax.grid(alpha=0.3)
    out["cycles"] = fig
    fig, (ax,) = plotting.figure(8, 4, legend_outside=True)
    names = [f["scheme"] for f in figs]
    heap_text = [f["footprint"]["heap_text"] or 0 for f in figs]
    flash = [f["footprint"]["image_flash"] for f in figs]
    xs = range(len(figs))
    ax.bar([x - 0.2 for x in xs], heap_text, width=0.4, label="heap scheme .text")
    ax.bar([x + 0.2 for x in xs], flash, width=0.4, label="whole image flash")
    ax.set_xticks(list(xs), names)
    ax.set(title="Footprint (bytes; heap_3's .text is the wrapper, newlib's malloc is in the image)")
    plotting.log_axis(ax)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    out["footprint"] = fig
    return out


def page(comparison: Comparison, meta: dict[str, str]) -> str:
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>memharness compare</title>",
             "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
             "td,th{border:1px solid #999;padding:3px 6px;font-size:90%}th{background:#eee}"
             "img{max-width:100%}</style></head><body><h1>memharness compare</h1>"]
    parts.append("<p>" + "; ".join(f"{html.escape(k)}: {html.escape(v)}" for k, v in meta.items()) + "</p>")
    parts.append(f"<p>Standard workload: {html.escape(json.dumps(STANDARD_WORKLOAD))}. Cycles are instructions "
                 "counted under QEMU -icount (one per cycle), measured around each call in the firmware.</p>")
    if comparison.interrupted:
        parts.append("<p><b>Interrupted: only the runs that finished are shown.</b></p>")
    for (board, kernel), figs in groups(comparison.figures).items():
        parts.append(f"<h2>{html.escape(board)}, FreeRTOS-Kernel {html.escape(kernel)}</h2><table><tr>")
        parts.append("".join(f"<th>{html.escape(t)}</th>" for _, t in COLUMNS) + "</tr>")
        for f in figs:
            cells = row(f)
            parts.append("<tr>" + "".join(f"<td>{html.escape(cells[k])}</td>" for k, _ in COLUMNS) + "</tr>")
        parts.append("</table>")
        parts.extend(plotting.embed(name, fig) for name, fig in plots(figs).items())
    parts.append("</body></html>")
    return "\n".join(parts)


def write_all(comparison: Comparison, results: Path, meta: dict[str, str], started: datetime.datetime,
              wall: float, extra: Mapping[str, Any] | None = None) -> list[Path]:
    """Write the four files; a folder that cannot be written is a ResultsError naming it."""
    files = {
        "compare.json": json.dumps(compare_json(comparison, meta, results, extra), indent=2, sort_keys=True) + "\n",
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
