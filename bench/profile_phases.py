"""Where the time of one `memharness run` and of one warm `memharness compare` goes.

Not a benchmark (it asserts nothing and is not part of `make bench`): the table that tells what
to make faster. Run `.venv/bin/python bench/profile_phases.py`. Process-level phases are medians
of ROUNDS fresh processes, interleaved so every phase sees the same machine load; the phases
inside a run are timed in-process by timestamping the UART lines as the harness parses them
(medians of ROUNDS runs).
"""

from __future__ import annotations

import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROUNDS = 7
PY = sys.executable
# The installed script, as a user runs it: `python -m harness.cli` would compile cli.py each time.
MEMHARNESS = str(Path(sys.executable).with_name("memharness"))
RUN_MODULES = "import os, harness.cli, harness.api, harness.report, harness.failures, rich.console, rich.table"
HEAVY = ("matplotlib", "mpl_toolkits", "numpy", "PIL", "fontTools", "pyparsing", "dateutil", "pydantic",
         "pydantic_core", "annotated_types", "yaml", "rich", "qemu", "asyncio", "elftools", "argparse")


def wall_and_cpu(command: list[str]) -> tuple[float, float]:
    """Wall time, and CPU time (user + system) of the process and everything it waited for."""
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    took, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    return took, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def interleaved(sides: dict[str, list[str]]) -> dict[str, tuple[float, float]]:
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
    for _ in range(ROUNDS):
        for name, command in sides.items():
            times[name].append(wall_and_cpu(command))
    return {name: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t)) for name, t in times.items()}


def teardown(rounds: int = 25) -> float:
    """The interpreter's teardown at exit once a run's modules are loaded (what `memharness` skips,
    harness/__main__.py): the median of per-round differences between a process that imports
    them and exits normally and one that ends by os._exit, taken in turns."""
    differences = []
    for number in range(rounds):
        took = {}
        for direct in (False, True) if number % 2 == 0 else (True, False):
            took[direct] = wall_and_cpu([PY, "-c", RUN_MODULES + ("; os._exit(0)" if direct else "")])[0]
        differences.append(took[False] - took[True])
    return statistics.median(differences)


def import_groups(results: Path) -> tuple[dict[str, float], int]:
    """Import time (ms) of a whole `memharness run` summed per top-level package from each module's
    own (self) time in `python -X importtime`, and the number of modules imported."""
    out = subprocess.run([PY, "-X", "importtime", MEMHARNESS, "run", "--scenario", "leak", "size=4096",
                          "--results", str(results)], check=True, capture_output=True, text=True).stderr
    groups: dict[str, float] = {}
    modules = 0
    for line in out.splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)", line)
        if not found:
            continue
        modules += 1
        name = found.group(3)
        top = name.split(".")[0]
        top = name if top == "harness" else top if top in HEAVY else "others (stdlib, ...)"
        groups[top] = groups.get(top, 0.0) + int(found.group(1)) / 1000
    return groups, modules


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def run_phases(results: Path) -> dict[str, float]:
    """One run, in-process, cut into phases at the UART lines the harness parses."""
    from harness import api, run
    from harness.emulators.qemu import QemuBackend
    from harness.platforms import load_board
    from harness.report import write_run

    stamps: dict[str, float] = {}
    parse = run.parse_line

    def stamped(text: str, line: int) -> Any:
        entry = parse(text, line)
        kind = getattr(entry, "kind", "")
        if line == 1:
            stamps["first_line"] = time.perf_counter()
        if kind in ("ready", "done") and kind not in stamps:
            stamps[kind] = time.perf_counter()
        return entry

    start_qemu = QemuBackend.start

    def start(self: QemuBackend, *args: Any, **kwargs: Any) -> Any:
        session = start_qemu(self, *args, **kwargs)
        stamps["started"] = time.perf_counter()
        return session

    run.parse_line = stamped  # type: ignore[assignment]  # a profiler's timestamping hook
    QemuBackend.start = start  # type: ignore[method-assign]  # the same
    try:
        _, board = timed(lambda: load_board("mps2-an385"))
        firmware, check = timed(lambda: api.prepare(heap="heap_4"))
        begin = time.perf_counter()
        done = api.run_scenario(firmware, "leak", {"size": 4096}, results)
        end = time.perf_counter()
        _, report = timed(lambda: write_run(done, done.uart_log.parent))
    finally:
        run.parse_line = parse
        QemuBackend.start = start_qemu  # type: ignore[method-assign]
    return {
        "load the board (YAML + schema)": board,
        "build-cache check (api.prepare, warm)": check,
        "start QEMU (Popen)": stamps["started"] - begin,
        "QEMU boot to first UART line": stamps["first_line"] - stamps["started"],
        "first line to ready (kernel start)": stamps["ready"] - stamps["first_line"],
        "ready to done (the scenario)": stamps["done"] - stamps["ready"],
        "stop QEMU, publish the log": end - stamps["done"],
        "write events.jsonl + report.json": report,
    }


def compare_phases(results: Path) -> dict[str, float]:
    """A warm `compare` in-process: builds checked, matrix run, figures, files written."""
    import datetime

    from harness import compare as cmp
    from harness.compare_report import page, versions, write_all
    from harness.workloads import STATIC

    boards, kernels = ["mps2-an385"], ["V11.3.0"]
    cells = cmp.plan(boards, kernels, (*cmp.HEAPS, STATIC))
    for heap in cmp.HEAPS:  # warm: every variant built before anything is timed
        cmp.api.prepare(heap=heap)
    cmp.api.prepare(profile="static")
    prepared: list[float] = []
    prepare = cmp.api.prepare

    def counting(**kwargs: Any) -> Any:
        value, took = timed(lambda: prepare(**kwargs))
        prepared.append(took)
        return value

    matrix: list[Any] = []
    run_matrix = cmp.run_matrix

    def timed_matrix(*args: Any, **kwargs: Any) -> Any:
        value, took = timed(lambda: run_matrix(*args, **kwargs))
        matrix.append((value, took))
        return value

    cmp.api.prepare = counting  # type: ignore[assignment]  # a profiler's timing hook
    cmp.run_matrix = timed_matrix  # type: ignore[assignment]  # the same
    try:
        comparison, total = timed(lambda: cmp.compare(boards, kernels, results=results))
    finally:
        cmp.api.prepare = prepare
        cmp.run_matrix = run_matrix
    (done, _, _), matrix_time = matrix[0]
    meta, version_time = timed(lambda: versions(boards))
    _, html = timed(lambda: page(comparison, meta))
    _, files = timed(lambda: write_all(comparison, results, meta, datetime.datetime.now(datetime.timezone.utc), 1.0))
    runs = [c.wall_time for c in done]
    return {
        f"cells in the matrix ({len(cells)})": float(len(cells)),
        "build-cache checks (6 variants)": sum(prepared),
        "matrix: build checks and runs, 2 at a time (wall)": matrix_time,
        "matrix: sum of run times / 2 (the floor on 2 cores)": sum(runs) / 2,
        "matrix: the longest single run": max(runs),
        "compare() in all (builds, runs, figures)": total,
        "tool versions (qemu/gcc --version)": version_time,
        "compare.html (matplotlib plots)": html,
        "write_all (json, junit, html: the page drawn again)": files,
    }


def main() -> int:
    env_build = os.environ.get("MEMHARNESS_BUILD_DIR")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; "
          f"build folder {env_build or 'build/'}; medians of {ROUNDS}, interleaved\n")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        subprocess.run([MEMHARNESS, "run", "--scenario", "leak", "--results", str(root / "warm")],
                       check=False, capture_output=True)  # the variant is built before anything is timed
        process = interleaved({
            "python start-up (python -c pass)": [PY, "-c", "pass"],
            "python -c 'import harness.cli'": [PY, "-c", "import harness.cli"],
            "memharness run --scenario leak (whole process)": [MEMHARNESS, "run", "--scenario", "leak",
                                                               "size=4096", "--results", str(root / "p")],
        })
        groups, modules = import_groups(root / "imports")
        exit_cost = teardown()
        samples = [run_phases(root / "in") for _ in range(ROUNDS)]
        phases = {name: statistics.median(s[name] for s in samples) for name in samples[0]}
        comp = compare_phases(root / "compare")
    print("| phase of one `memharness run --heap heap_4 --scenario leak size=4096` | wall ms | CPU ms (imports: %) |")
    print("|---|---|---|")
    for name, (took, cpu) in process.items():
        print(f"| {name} | {took * 1000:.1f} | {cpu * 1000:.1f} |")
    print(f"| the interpreter's teardown at exit (not in the line above: `memharness` skips it, harness/__main__.py) | "
          f"{exit_cost * 1000:.1f} | |")
    total = sum(groups.values())
    print(f"| the run's imports (`-X importtime`, {modules} modules, {total:.0f} ms), share per package: | | |")
    for name, value in sorted(groups.items(), key=lambda kv: -kv[1]):
        if value >= total / 100:
            print(f"| &nbsp;&nbsp;{name} | {value:.1f} | {100 * value / total:.0f} % |")
    for name, value in phases.items():
        print(f"| {name} | {value * 1000:.1f} | |")
    print("\n| phase of a warm `memharness compare` (mps2-an385, --jobs 2) | s |")
    print("|---|---|")
    for name, value in comp.items():
        print(f"| {name} | {value:.0f} |" if name.startswith("cells") else f"| {name} | {value:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
