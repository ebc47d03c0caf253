"""`memharness merge`: the shards of a CI matrix joined into the report an unsharded run writes.

compare shards: every shard of one plan must be there (same count, same plan fingerprint, same
emulator and compiler versions), and the merged compare.json is the one an unsharded `compare`
writes, byte for byte: figures sorted as compare sorts them, runs back in plan order, each
shard's run folders copied so the UART log paths hold. junit.xml is rebuilt in that order and
compare.html drawn from the merged figures. Robot shards (pabot --shard) are merged with rebot,
per folder (the default suites, and each board's subset).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from harness.compare import Comparison
from harness.compare_report import page
from harness.errors import ResultsError, UsageError

COMPARE = "compare.json"
ROBOT = "output.xml"
_SAME = ("report_version", "meta", "standard_workload", "matrix")


@dataclass(frozen=True)
class Merged:
    report: dict[str, Any] | None  # the merged compare.json, if compare shards were given
    written: list[Path]
    ok: bool  # every run ended done and every Robot test passed


def _find(folders: Sequence[Path]) -> tuple[list[Path], dict[str, list[Path]]]:
    """The compare folders, and the Robot outputs grouped by their folder below robot/."""
    compares: list[Path] = []
    robots: dict[str, list[Path]] = {}
    for folder in folders:
        if not folder.is_dir():
            raise UsageError(f"{folder} is not a folder", "pass the shards' results folders")
        found = False
        for candidate in (folder, folder / "compare"):
            if (candidate / COMPARE).is_file():
                compares.append(candidate)
                found = True
        root = next((r for r in (folder, folder / "robot") if (r / ROBOT).is_file()), None)
        if root is not None:  # the suites' output.xml, and each board's subset in a folder below
            found = True
            for output in [root / ROBOT, *sorted(root.glob(f"*/{ROBOT}"))]:
                if output.parent.name != "pabot_results":
                    robots.setdefault("" if output.parent == root else output.parent.name, []).append(output)
        if not found:
            raise UsageError(f"{folder} holds no shard results ({COMPARE} or Robot's {ROBOT})",
                             "pass the --results folder of `compare --shard K/N` or of `make robot SHARD=K/N`")
    return compares, robots


def _load(folder: Path) -> dict[str, Any]:
    path = folder / COMPARE
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}", "pass the folder a finished compare shard wrote") from None
    if not isinstance(data.get("shard"), dict):
        raise UsageError(f"{path} is not a shard's report (it was written without --shard)",
                         "merge the results of `memharness compare --shard K/N` runs, one per K")
    return data


def merge_reports(reports: Sequence[tuple[Path, dict[str, Any]]]) -> dict[str, Any]:
    """The unsharded compare.json from every shard's; refuses shards that do not make one whole."""
    first_path, first = reports[0]
    count, fingerprint = first["shard"]["count"], first["shard"]["fingerprint"]
    seen: dict[int, Path] = {}
    for path, data in reports:
        shard = data["shard"]
        if shard["count"] != count or shard["fingerprint"] != fingerprint:
            raise UsageError(f"{path} is shard {shard['index']}/{shard['count']} of another matrix than {first_path} "
                             f"(plan {shard['fingerprint']} against {fingerprint})",
                             "merge the shards of one compare command, run with the same options")
        if shard["index"] in seen:
            raise UsageError(f"shard {shard['index']}/{count} given twice: {seen[shard['index']]} and {path}",
                             "pass each shard's folder once")
        seen[shard["index"]] = path
        for name in _SAME:
            if data.get(name) != first.get(name):
                raise UsageError(f"{path} and {first_path} differ in {name}: {data.get(name)} against "
                                 f"{first.get(name)}", "run every shard with the same memharness, emulator, "
                                 "compiler and options")
    missing = [f"{i}/{count}" for i in range(1, count + 1) if i not in seen]
    if missing:
        raise UsageError(f"shard {', '.join(missing)} missing: got {len(seen)} of {count}",
                         "wait for every shard's job and pass all of their folders")
    order = {tuple(cell): i for i, cell in enumerate(first["shard"]["plan"])}
    runs = [run for _, data in reports for run in data["runs"]]
    runs.sort(key=lambda r: order.get((r["board"], r["kernel"], r["scheme"], r.get("emulator", "qemu"), r["workload"]),
                                      len(order)))
    schemes = sorted((s for _, data in reports for s in data["schemes"]),  # as compare_report sorts them
                     key=lambda s: (s["board"], s["kernel"], s["scheme"], s.get("emulator", "qemu")))
    merged = {name: first[name] for name in first if name not in ("shard", "runs", "schemes", "interrupted")}
    merged.update(schemes=schemes, runs=runs, interrupted=any(data["interrupted"] for _, data in reports))
    return merged


def merge_junit(folders: Sequence[Path], report: Mapping[str, Any]) -> bytes:
    """One junit.xml: every shard's test cases, in the merged runs' order, suites per board.kernel."""
    cases: dict[tuple[str, str], ET.Element] = {}
    for folder in folders:
        try:
            tree = ET.parse(folder / "junit.xml")
        except (OSError, ET.ParseError) as exc:
            raise UsageError(f"cannot read {folder / 'junit.xml'}: {exc}", "pass complete shard folders") from None
        for element in tree.iter("testcase"):
            cases[(element.get("classname", ""), element.get("name", ""))] = element
    suites = ET.Element("testsuites", name="memharness compare")
    by_suite: dict[str, ET.Element] = {}
    for run in report["runs"]:
        name = f"{run['board']}.{run['kernel']}"
        emulator = run.get("emulator", "qemu")
        scheme = run["scheme"] if emulator == "qemu" else f"{run['scheme']}.{emulator}"  # as compare_report names it
        case = cases.get((f"{name}.{scheme}", run["workload"]))
        if case is None:
            continue
        if name not in by_suite:
            by_suite[name] = ET.SubElement(suites, "testsuite", name=name)
        by_suite[name].append(case)
    for suite in by_suite.values():
        found = suite.findall("testcase")
        suite.set("tests", str(len(found)))
        suite.set("failures", str(sum(1 for case in found if case.find("failure") is not None)))
    data: bytes = ET.tostring(suites, encoding="utf-8", xml_declaration=True)
    return data


def _host(folders: Sequence[Path]) -> dict[str, Any]:
    shards = []
    for folder in folders:
        try:
            shards.append(json.loads((folder / "compare-host.json").read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError):
            shards.append(None)
    known = [s for s in shards if s]
    return {"started": min((s["started"] for s in known), default=None),
            "wall_time_s": max((s["wall_time_s"] for s in known), default=None), "shards": shards}


def _write(path: Path, data: str | bytes) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    except OSError as exc:
        raise ResultsError(f"cannot write the results folder {path.parent}: {exc.strerror or exc}",
                           "pass --results with a writable folder that has free space") from None
    return path


def merge_robot(groups: Mapping[str, Sequence[Path]], results: Path, console: Console) -> tuple[list[Path], bool]:
    """rebot --merge per folder: the suites of every shard in one output.xml, log and report."""
    written, ok = [], True
    for group, outputs in sorted(groups.items()):
        target = results / "robot" / group
        target.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [sys.executable, "-m", "robot.rebot", "--merge", "--outputdir", str(target), "--output", ROBOT,
             "--xunit", "xunit.xml", *map(str, outputs)], capture_output=True, text=True, check=False)
        failed = proc.returncode
        if failed >= 250:  # rebot's own errors (bad input) rather than a count of failed tests
            said = ((proc.stderr or proc.stdout).strip().splitlines() or ["no message"])[-1]
            raise UsageError(f"rebot could not merge {', '.join(map(str, outputs))}: {said}",
                             "pass the output.xml files of finished Robot runs")
        ok = ok and failed == 0
        console.print(f"Robot {group or 'suites'}: {len(outputs)} output(s) merged, "
                      f"{failed} failed test(s) -> {escape(str(target / ROBOT))}")
        written.append(target / ROBOT)
    return written, ok


def merge(folders: Sequence[Path], results: Path, console: Console) -> Merged:
    compares, robots = _find(folders)
    if any(f.resolve() == results.resolve() for f in compares):
        raise UsageError(f"--results {results} is one of the shards", "write the merged report to a new folder")
    written: list[Path] = []
    report: dict[str, Any] | None = None
    ok = True
    if compares:
        report = merge_reports([(f, _load(f)) for f in compares])
        for folder in compares:
            if (folder / "runs").is_dir():
                shutil.copytree(folder / "runs", results / "runs", dirs_exist_ok=True)
        written.append(_write(results / COMPARE, json.dumps(report, indent=2, sort_keys=True) + "\n"))
        written.append(_write(results / "compare-host.json", json.dumps(_host(compares), indent=2) + "\n"))
        comparison = Comparison(cells=(), figures=tuple(report["schemes"]), interrupted=report["interrupted"])
        written.append(_write(results / "compare.html", page(comparison, report["meta"])))
        written.append(_write(results / "junit.xml", merge_junit(compares, report)))
        ok = all(r["outcome"] == "done" for r in report["runs"]) and not report["interrupted"]
        console.print(f"compare: {len(compares)} shard(s) merged, {len(report['runs'])} runs, "
                      f"{len(report['schemes'])} variants")
    if robots:
        robot_written, robot_ok = merge_robot(robots, results, console)
        written += robot_written
        ok = ok and robot_ok
    return Merged(report, written, ok)
