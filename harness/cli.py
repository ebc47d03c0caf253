"""`memharness`: one entry point, subcommands that say what they do.

Exit status: 0 the run did what was expected; 1 it did not (reset, fault, timeout, refused);
2 a usage mistake (option, board, scenario, YAML, kernel path); 3 the machine lacks something
or the emulator died (toolchain, QEMU, kernel); 130 interrupted (Ctrl-C, SIGTERM, SIGHUP).

Every mistake is one `memharness: error: ...` line and a `fix:` line, never a traceback; what
the firmware printed is shown as text (never as markup, control characters escaped).
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import re
import shlex
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

from harness.app.options import add_options as add_app_options
from harness.emulators import NAMES as EMULATORS
from harness.emulators import backend as find_backend
from harness.emulators.esp_qemu import ENV as ESP_ENV
from harness.emulators.esp_qemu import use_location
from harness.emulators.renode_install import ENV_RENODE
from harness.errors import ExitStatus, HarnessError, ResultsError, UsageError
from harness.image_cli import add_image_options, run_elf
from harness.kernel import DEFAULT_VERSION, install_kernel, resolve_kernel
from harness.outcome import FLOOD_LINES, Outcome
from harness.scenarios import CATALOGUE, parse_assignments, validate
from harness.variant import DEFAULT_BOARD, HEAPS, PROFILES
from harness.workloads import STATIC, WORKLOADS

if TYPE_CHECKING:
    from rich.console import Console

    from harness.build import Firmware
    from harness.esp_idf_console import HeapPattern
    from harness.observe.target import ImageRun
    from harness.platforms import Board
    from harness.run import Run

# Imports are lazy where they are heavy: the run machinery and its event types with the command
# that runs, rich in main(), the board schema (pydantic, YAML) only when a board file is validated,
# matplotlib and the comparison's report only for `compare`, qemu.qmp only when a probe needs
# QMP, so each command pays for nothing it does not use (tests/unit/test_lazy_imports.py).

EPILOG = f"""exit status:
  0    the run ended as expected (--expect, default done)
  1    it ended otherwise: reset (hook, assert, fault, reset_loop), timeout, rejected, flood
       (more than {FLOOD_LINES} lines in a row without a record)
  2    a usage mistake: option, board, scenario, parameter, platform YAML, kernel path or version
  3    the machine lacks something or the emulator died: toolchain, QEMU, kernel, a results
       folder that cannot be written (the run's outcome is printed first)
  130  interrupted (Ctrl-C, SIGTERM, SIGHUP): the emulator is stopped, the results of what ran kept

environment:
  MEMHARNESS_PLATFORMS  a folder of board files to use instead of platforms/
  MEMHARNESS_ESP_QEMU   Espressif's QEMU (a folder with bin/ and rom/) for esp32, esp32c3
  MEMHARNESS_BUILD_DIR  where variants are built (default build/)
  MEMHARNESS_CACHE      the kernel cache (default ~/.cache/memharness)
  MEMHARNESS_RENODE     the folder holding Renode's `renode` launcher (as --renode)
  MEMHARNESS_RENODE_DRIVER  pyrenode3 (in-process, the default when installed) or console
  FREERTOS_KERNEL_PATH  a FreeRTOS-Kernel tree to build against"""
MAX_TIMEOUT = 24 * 3600.0

_SUMMARY_EVENTS = frozenset({"done", "malloc_failed", "stack_overflow", "assert", "fault", "error"})
_HEAP_COLUMNS = ("free", "min_ever", "largest", "smallest", "free_blocks", "allocs", "frees", "arena")


class _Parser(argparse.ArgumentParser):
    """argparse, with its complaints in the harness's one-line form and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(ExitStatus.USAGE, f"memharness: error: {message}\n  fix: see `{self.prog} --help`\n")


def _parser() -> argparse.ArgumentParser:
    top = _Parser(
        prog="memharness", description="FreeRTOS memory behaviour on emulated boards.", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("boards", help="list the boards")
    sub.add_parser("scenarios", help="list the scenarios and their parameters")

    def gate_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--baseline", type=Path, default=None, metavar="FILE",
                       help="compare every figure with this baseline; exit 1 on a regression beyond its tolerance")
        p.add_argument("--update-baseline", action="store_true", help="write the --baseline file from this run")

    def variant_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--board", default=None, help=f"default {DEFAULT_BOARD} (with --app: the project's)")
        p.add_argument("--heap", choices=HEAPS, default=None, help="heap scheme (default heap_4)")
        p.add_argument("--profile", choices=PROFILES, default="dynamic")
        p.add_argument("--kernel-version", default=None, help=f"default {DEFAULT_VERSION}")
        p.add_argument("--kernel", type=Path, default=None, help="a FreeRTOS-Kernel tree to use")
        p.add_argument("--heap-size", type=int, default=None, help="configTOTAL_HEAP_SIZE in bytes")
        p.add_argument("--overflow-check", type=int, choices=(0, 1, 2), default=2)

    build = sub.add_parser("build", help="build a variant's firmware (or a user's app) and print the ELF's path")
    variant_options(build)
    add_app_options(build)

    run = sub.add_parser("run", help="run one scenario and write its results", epilog=EPILOG)
    variant_options(run)
    add_app_options(run)
    run.add_argument("--scenario", default=None,
                     help="the scenario to run (or --elf: a user's image, --app: a user's app, "
                          "--image: an ESP-IDF build)")
    run.add_argument("params", nargs="*", metavar="key=value", help="scenario parameters")
    run.add_argument("--emulator", choices=EMULATORS, default=None,
                     help="qemu or renode (default: the board's first emulator, see `memharness boards`)")
    run.add_argument("--renode", type=Path, default=None,
                     help=f"the folder holding the `renode` launcher (default ${ENV_RENODE}, then the usual places)")
    run.add_argument("--image", type=Path, default=None,
                     help="an ESP-IDF build folder or 4 MiB flash image to run instead of our firmware "
                          "(esp32, esp32c3)")
    run.add_argument("--until", default=None, help="with --image: done once this regex has matched a line")
    run.add_argument("--count", type=int, default=1, help="with --image: ... this many times (default 1)")
    run.add_argument("--app-elf", type=Path, default=None,
                     help="with --image: the app's ELF for decoding a panic's PC (default: the build folder's)")
    run.add_argument("--heap-pattern", action="append", default=[], metavar="LABEL=REGEX",
                     help="with --image: a line giving a heap figure, its first group in bytes (repeatable)")
    run.add_argument("--esp-qemu", type=Path, default=None,
                     help=f"Espressif's QEMU folder (bin/, rom/); else ${ESP_ENV}, ~/.espressif/tools, PATH")
    run.add_argument("--timeout", type=float, default=30.0, help="seconds for the scenario")
    run.add_argument("--boot-timeout", type=float, default=10.0, help="seconds from power-on to `ready`")
    run.add_argument("--expect", choices=[o.value for o in Outcome], default="done",
                     help="the outcome that counts as success (default done)")
    run.add_argument("--results", type=Path, default=Path("results"))
    run.add_argument("--print-command", action="store_true", help="print the emulator command and exit")
    gate_options(run)
    add_image_options(run)

    comp = sub.add_parser("compare", help="every heap scheme on the standard workloads, side by side",
                          epilog=EPILOG)
    add_app_options(comp)
    comp.add_argument("--board", default=None, help=f"board, comma list, or all (default {DEFAULT_BOARD})")
    comp.add_argument("--heap", default=None,
                      help="comma list of schemes (heap_1..heap_5, static); default all of them")
    comp.add_argument("--kernel-version", default=None,
                      help=f"comma list of kernel releases (default {DEFAULT_VERSION})")
    comp.add_argument("--workload", default=",".join(WORKLOADS), help=f"comma list of: {', '.join(WORKLOADS)}")
    comp.add_argument("--jobs", type=int, default=2, help="runs at once (default 2)")
    comp.add_argument("--emulator", default=None,
                      help="qemu, renode, a comma list, or all: side by side (default: each board's first emulator)")
    comp.add_argument("--renode", type=Path, default=None, help="the folder holding Renode's `renode` launcher")
    comp.add_argument("--results", type=Path, default=Path("results/compare"))
    comp.add_argument("--esp-qemu", type=Path, default=None, help="Espressif's QEMU folder (bin/, rom/)")
    gate_options(comp)
    comp.add_argument("--shard", default=None, metavar="K/N",
                      help="run the K-th of N deterministic parts of the matrix (join them with `merge`)")

    merge = sub.add_parser("merge", help="join the shards' reports into one (compare and Robot)", epilog=EPILOG)
    merge.add_argument("shards", nargs="+", type=Path, metavar="FOLDER",
                       help="a shard's results: its compare folder (compare.json), its Robot folder "
                            "(output.xml), or a folder holding compare/ and robot/")
    merge.add_argument("--results", type=Path, default=Path("results/merged"))
    gate_options(merge)

    kernel = sub.add_parser("kernel", help="install or locate the FreeRTOS-Kernel")
    ksub = kernel.add_subparsers(dest="kernel_command", required=True, metavar="ACTION")
    install = ksub.add_parser("install", help="clone a kernel release into the cache")
    install.add_argument("--version", default=DEFAULT_VERSION)
    install.add_argument("--from", dest="origin", default=None, help="a git URL or a local git clone")
    path = ksub.add_parser("path", help="print the kernel tree that builds would use")
    path.add_argument("--version", default=DEFAULT_VERSION)
    path.add_argument("--kernel", type=Path, default=None)
    return top


def _prepare(args: argparse.Namespace) -> Firmware:
    from harness import api

    return api.prepare(
        board=args.board or DEFAULT_BOARD, heap=args.heap, profile=args.profile,
        kernel_version=args.kernel_version or DEFAULT_VERSION, kernel_path=args.kernel, heap_size=args.heap_size,
        overflow_check=args.overflow_check,
    )


def _boards(console: Console) -> int:
    from rich.table import Table

    from harness.platforms import load_all_boards

    table = Table("board", "cpu", "port", "fpu", "RAM", "emulators", "overflow detection", "runs")
    boards = load_all_boards()
    for b in boards:
        emulators = ", ".join(f"{name} (default)" if name == b.default_emulator else name
                              for name in b.emulator_names)
        ram = " + ".join(f"{r.size // 1024} KiB" for r in (b.memory.ram, b.memory.ram2) if r is not None)
        runs = ", ".join({"firmware": "our firmware", "esp_idf": "ESP-IDF images"}[r] for r in b.runs)
        table.add_row(b.name, b.cpu, b.port or "-", b.fpu if b.runs_firmware else "-", ram, emulators,
                      ", ".join(b.overflow_detection), runs)
    console.print(table)
    for b in boards:
        for note in b.notes:
            console.print(f"  {b.name}: {note}", markup=False)
    return ExitStatus.OK


def _scenarios(console: Console) -> int:
    from rich.table import Table

    table = Table("scenario", "parameters (default, range)", "schemes", "what it does")
    for s in CATALOGUE:
        params = "\n".join(f"{p.name}={p.default} [{p.minimum}..{p.maximum}]" for p in s.params) or "-"
        schemes = s.where()
        table.add_row(s.name + (" (test)" if s.test_only else ""), params, schemes, s.doc)
    console.print(table)
    return ExitStatus.OK


def shown(text: str) -> str:
    """Firmware text made safe for a terminal: control characters escaped, markup inert."""
    from rich.markup import escape

    if not text.isprintable():
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return escape(text)


def summarise(run: Run, console: Console) -> None:
    """The short readable account of a run: outcome, heap figures, the scenario's own summary."""
    from rich.table import Table

    from harness.events import Event, Fault, Heap
    from harness.failures import FailureKind, ending, reset_loop
    from harness.run import record_text

    colour = "green" if run.outcome is Outcome.DONE else "red"
    console.print(
        f"[bold]{run.board} {run.heap} {run.profile} {run.kernel}[/] {run.scenario} "
        f"-> [{colour}]{run.outcome.value}[/] ({shown(run.reason)}) in {run.wall_time:.2f} s, "
        f"{len(run.boots)} boot(s)"
    )
    heaps = run.events(Heap)
    if heaps:
        columns = [c for c in _HEAP_COLUMNS if any(getattr(h, c) is not None for h in heaps)]
        table = Table("at", *columns, title="heap figures (bytes; absent: not available on this scheme)")
        for h in heaps:
            table.add_row(shown(h.at), *("-" if getattr(h, c) is None else str(getattr(h, c)) for c in columns))
        console.print(table)
    cause = run.cause
    for event in run.entries:
        if isinstance(event, Event) and event.kind in _SUMMARY_EVENTS and event is not cause:
            console.print("  " + shown(record_text(event).removeprefix("@mh ")))
    if cause is not None:
        console.print(f"  cause: {shown(record_text(cause))} (UART line {cause.line})")
    if isinstance(cause, Fault) and cause.function is not None:
        console.print(f"  at: {shown(cause.function)} ({shown(cause.source or 'no line')}), pc {cause.pc or 0:#010x}")
    kind, loop = ending(run), reset_loop(run)
    if kind is not FailureKind.NONE:
        console.print(f"  failure kind: {kind.value}")
    if loop is not None:
        console.print(f"  reset loop: {loop.cause} in {shown(loop.task or '?')}, {loop.count} resets in a row")
    if run.outcome is not Outcome.DONE:
        console.print("  last lines:")
        for line in run.tail(6):
            console.print(f"    {shown(line)}")
    if run.outcome is Outcome.EMULATOR_DIED and run.command:
        console.print(f"  emulator command: {shown(shlex.join(run.command))}")
    for warning in run.warnings:
        console.print(f"  [yellow]warning:[/] {shown(warning)}")


def _check_run_options(args: argparse.Namespace) -> None:
    for name in ("timeout", "boot_timeout"):
        value = getattr(args, name)
        if not (math.isfinite(value) and 0 < value <= MAX_TIMEOUT):
            option = "--" + name.replace("_", "-")
            raise UsageError(f"{option} {value:g} is not a time limit", f"give {option} in seconds, above 0")


def _heap_patterns(given: Sequence[str]) -> tuple[HeapPattern, ...]:
    from harness.esp_idf_console import DEFAULT_HEAP_PATTERNS, HeapPattern

    patterns = list(DEFAULT_HEAP_PATTERNS)
    for text in given:
        label, sep, regex = text.partition("=")
        try:
            if not sep or not label:
                raise ValueError("expected LABEL=REGEX")
            patterns.append(HeapPattern(label, regex))
        except (ValueError, re.error) as exc:
            raise UsageError(f"--heap-pattern {text!r}: {exc}",
                             r"give LABEL=REGEX, e.g. free='Free heap: (\d+)'") from None
    return tuple(patterns)


def _run_image(args: argparse.Namespace, console: Console) -> int:
    if args.scenario or args.params:
        raise UsageError("--image runs an image as it is: it takes no --scenario or key=value",
                         "drop --scenario and the parameters, or drop --image")
    from harness.image_run import run_image  # pyelftools: only when an image is run
    from harness.platforms import load_board
    from harness.run import Interrupted

    _check_run_options(args)
    board = load_board(args.board)
    patterns = _heap_patterns(args.heap_pattern)
    emulator = find_backend(args.emulator or board.default_emulator)
    emulator.require(board)
    interrupted = False
    try:
        run = run_image(board, args.image, args.results, until=args.until, count=args.count, timeout=args.timeout,
                        elf=args.app_elf, heap_patterns=patterns, emulator=args.emulator)
    except Interrupted as stop:
        run, interrupted = stop.run, True
    return _finish_run(run, args, console, interrupted)


def _use_renode(folder: Path | None) -> None:
    """`--renode DIR` is the same as MEMHARNESS_RENODE=DIR for this process."""
    if folder is not None:
        os.environ[ENV_RENODE] = str(folder.resolve())


def _emulator_for(board: Board, chosen: str | None) -> str:
    """The emulator to run `board` on: the one asked for (if the board has it), else its default."""
    if chosen is None:
        return board.default_emulator
    if chosen not in board.emulator_names:
        raise UsageError(
            f"board {board.name} does not run on {chosen} (it runs on: {', '.join(board.emulator_names)})",
            f"pass --emulator {board.default_emulator}, or pick a board with {chosen} in `memharness boards`",
        )
    return chosen


def _run(args: argparse.Namespace, console: Console) -> int:
    from harness import api  # the run machinery: with the command that runs
    from harness.platforms import load_board
    from harness.run import Interrupted

    args.board = args.board or DEFAULT_BOARD
    use_location(args.esp_qemu)
    if args.image is not None:
        return _run_image(args, console)
    if args.elf is not None:
        _check_run_options(args)
        return run_elf(args, console)
    if args.scenario is None:
        raise UsageError("run needs --scenario NAME (our firmware), --elf PATH (your image), --app DIR (your app) "
                         "or --image BUILD_DIR (an ESP-IDF build)",
                         "see `memharness scenarios`, or give --elf, --app or --image")
    params = parse_assignments(args.params)
    validate(args.scenario, params)  # before anything is built: a typo costs no build
    _check_run_options(args)
    _use_renode(args.renode)
    board = load_board(args.board)
    args.emulator = _emulator_for(board, args.emulator)
    emulator = find_backend(args.emulator)
    if not args.print_command:
        emulator.require(board)  # a missing emulator costs no build either
    firmware = _prepare(args)
    if args.print_command:
        print(shlex.join(api.emulator_command(firmware, args.emulator)))
        return ExitStatus.OK
    interrupted = False
    try:
        run = api.run_scenario(firmware, args.scenario, params, args.results, emulator=args.emulator,
                               timeout=args.timeout, boot_timeout=args.boot_timeout)
    except Interrupted as stop:
        run, interrupted = stop.run, True
    return _finish_run(run, args, console, interrupted)


def _finish_run(run: Run, args: argparse.Namespace, console: Console, interrupted: bool) -> int:
    from harness.report import write_run

    summarise(run, console)
    try:
        report = write_run(run, run.uart_log.parent)
    except ResultsError:
        console.print("  results: [red]not written[/] (see the error below)")
        raise
    console.print(f"  results: {shown(str(report.parent))}")
    if interrupted or run.outcome is Outcome.INTERRUPTED:
        return ExitStatus.INTERRUPTED
    if run.outcome is Outcome.EMULATOR_DIED:
        return ExitStatus.INFRASTRUCTURE
    status = ExitStatus.OK if run.outcome.value == args.expect else ExitStatus.FAILED
    return max(int(status), gate_run(run, args, report.parent, console))


def gate_run(source: Run | ImageRun, args: argparse.Namespace, folder: Path, console: Console) -> int:
    """`run --baseline FILE`: the run's figures against the baseline (or into it, --update-baseline)."""
    if args.baseline is None and not args.update_baseline:
        return ExitStatus.OK
    from harness.compare_gate import run_gate  # the gate's schema is loaded only when asked for

    return run_gate(source, args.baseline, args.update_baseline, folder, console)


def _choices(text: str, allowed: Sequence[str], what: str) -> list[str]:
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [c for c in chosen if c not in allowed]
    if unknown or not chosen:
        raise UsageError(f"unknown {what} '{', '.join(unknown) or text}'", f"choose from: {', '.join(allowed)}")
    return chosen


def _compare(args: argparse.Namespace, console: Console) -> int:
    from rich.markup import escape
    from rich.progress import Progress

    from harness import plots, shard
    from harness.compare import compare, plan
    from harness.compare_report import versions, write_all
    from harness.compare_table import tables
    from harness.platforms import board_names, load_board

    board = args.board or DEFAULT_BOARD
    boards = board_names() if board == "all" else _choices(board, board_names(), "board")
    _use_renode(args.renode)
    use_location(args.esp_qemu)
    images_only = [b.name for b in map(load_board, boards) if not b.runs_firmware]
    if images_only and board != "all":
        raise UsageError(f"board {', '.join(images_only)} runs ESP-IDF images only: compare builds our firmware",
                         "leave it out of --board (memharness boards says what each board runs)")
    for name in images_only:
        console.print(f"  {name}: left out (runs ESP-IDF images only, not our firmware)")
    boards = [b for b in boards if b not in images_only]
    if board == "all":
        boards = _runnable(boards, args.emulator, console)
    emulators = _compare_emulators(boards, args.emulator)
    schemes = _choices(args.heap or ",".join((*HEAPS, STATIC)), (*HEAPS, STATIC), "heap scheme")
    workloads = _choices(args.workload, WORKLOADS, "workload")
    kernels = [k.strip() for k in (args.kernel_version or DEFAULT_VERSION).split(",") if k.strip()]
    for kernel in kernels:
        resolve_kernel(kernel)  # a missing kernel is reported before anything is built
    if args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs} is not a number of runs", "give 1 or more")
    part = shard.parse(args.shard) if args.shard else None
    if part is not None and (args.baseline or args.update_baseline):
        raise UsageError("--baseline gates the whole matrix, not a shard",
                         "gate the merged report: memharness merge SHARD... --baseline FILE")
    asked = {"boards": list(boards), "kernels": kernels, "schemes": schemes, "workloads": workloads}
    baseline = None
    if args.baseline is not None or args.update_baseline:
        from harness import compare_gate  # the gate's schema (pydantic): only for a gate

        baseline = compare_gate.open_gate(args.baseline, args.update_baseline, compare_gate.matrix(**asked))
    whole = plan(boards, kernels, schemes, workloads, emulators)
    extra: dict[str, object] = {"matrix": asked}
    # matplotlib's import (about a second) in a thread beside the runs, which mostly wait on
    # their emulators: compare.html's plots then do not wait for it at the end.
    threading.Thread(target=plots.warm_up, name="import-matplotlib", daemon=True).start()
    if part is not None:
        extra["shard"] = shard.record(whole, part)
    started, clock = datetime.datetime.now(datetime.timezone.utc), time.monotonic()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("building", total=len(shard.select(whole, part)) if part else len(whole))
        comparison = compare(
            boards, kernels, schemes, workloads, args.results, args.jobs,
            on_done=lambda r: progress.update(task, advance=1, description=f"{r.cell.scheme} {r.cell.name}"),
            on_build=lambda name: progress.update(task, description=f"building {name}"), emulators=emulators,
            select=(lambda cells: shard.select(cells, part)) if part is not None else None,
        )
    if part is not None:
        console.print(f"shard {part.text}: {len(comparison.cells)} of {len(whole)} runs "
                      f"({', '.join(sorted({c.cell.scheme for c in comparison.cells})) or 'none'})")
    for table in tables(comparison.figures):  # fits 100 columns: one column per scheme
        console.print(table)
    for cell in comparison.cells:
        if cell.outcome != Outcome.DONE.value:
            console.print(f"  [red]{escape(cell.cell.scheme)} {escape(cell.cell.name)}: {cell.outcome}[/] "
                          f"({escape(cell.reason)})")
    used = {c.cell.emulator for c in comparison.cells}
    written = write_all(comparison, args.results, versions(boards, used), started, time.monotonic() - clock, extra)
    console.print("  results: " + ", ".join(str(p) for p in written))
    if comparison.interrupted:
        return ExitStatus.INTERRUPTED
    status = int(ExitStatus.OK if comparison.ok else ExitStatus.FAILED)
    if args.baseline is not None:
        from harness import compare_gate

        report = json.loads((args.results / "compare.json").read_text(encoding="utf-8"))
        gated = compare_gate.close_gate(report, args.baseline, args.update_baseline, baseline, args.results, console)
        status = max(status, gated)
    return status


def _merge(args: argparse.Namespace, console: Console) -> int:
    from harness import compare_gate, merge  # loaded only when merging
    from harness.baseline import Matrix
    from harness.compare_table import tables

    merged = merge.merge(args.shards, args.results, console)
    status = int(ExitStatus.OK if merged.ok else ExitStatus.FAILED)
    if merged.report is not None:
        for table in tables(merged.report["schemes"]):
            console.print(table)
    if args.baseline is not None or args.update_baseline:
        if merged.report is None:
            raise UsageError("--baseline needs compare shards to gate", "pass the shards' compare folders too")
        asked = Matrix.model_validate(merged.report["matrix"])
        baseline = compare_gate.open_gate(args.baseline, args.update_baseline, asked)
        assert args.baseline is not None  # open_gate refuses --update-baseline without it
        gated = compare_gate.close_gate(merged.report, args.baseline, args.update_baseline, baseline, args.results,
                                        console)
        status = max(status, gated)
    console.print("  results: " + ", ".join(str(p) for p in merged.written))
    return status


def _runnable(boards: Sequence[str], text: str | None, console: Console) -> list[str]:
    """`--board all`: the boards whose emulators can run here; the others are named and left out
    (a board named on its own with a missing emulator is an error instead)."""
    from rich.markup import escape

    from harness.platforms import load_board

    kept = []
    for name in boards:
        board = load_board(name)
        wanted = [board.default_emulator] if text is None else [e for e in board.emulator_names
                                                                if text == "all" or e in text.split(",")]
        reasons = [r for r in (find_backend(e).available(board) for e in wanted) if r]
        if wanted and not reasons:
            kept.append(name)
        elif reasons:
            console.print(f"  left out: {name} ({escape(reasons[0])})")
    return kept


def _compare_emulators(boards: Sequence[str], text: str | None) -> list[str] | None:
    """None (each board's default), or the emulators named (`all`: every one), each checked:
    a named emulator no chosen board has, or one that is missing here, is an error now."""
    if text is None:
        return None
    from harness.platforms import load_board

    chosen = list(EMULATORS) if text == "all" else _choices(text, EMULATORS, "emulator")
    loaded = [load_board(b) for b in boards]
    for name in chosen:
        having = [b for b in loaded if name in b.emulator_names]
        if not having and text != "all":
            raise UsageError(f"none of the boards runs on {name}", "see the emulators column of `memharness boards`")
        for board in having:
            find_backend(name).require(board)
    return chosen


def _kernel(args: argparse.Namespace) -> int:
    if args.kernel_command == "install":
        kernel = install_kernel(args.version, args.origin) if args.origin else install_kernel(args.version)
        print(f"FreeRTOS-Kernel {kernel.version} at {kernel.path}")
    else:
        print(resolve_kernel(args.version, args.kernel, allow_clone=False).path)
    return ExitStatus.OK


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM/SIGHUP end a run the same way as Ctrl-C: emulator stopped, report kept


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from rich.console import Console

    # A terminal's own width (or COLUMNS when set); logs get 160 columns.
    console = Console(highlight=False, width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) is not signal.SIG_IGN:  # `nohup` and friends are respected
            signal.signal(sig, _terminate)
    try:
        if getattr(args, "app", None) is not None:
            from harness.app.cli import main as app_main  # loaded only for --app commands

            return app_main(args, console)
        if args.command == "boards":
            return _boards(console)
        if args.command == "scenarios":
            return _scenarios(console)
        if args.command == "build":
            firmware = _prepare(args)
            print(firmware.elf)
            return ExitStatus.OK
        if args.command == "run":
            return _run(args, console)
        if args.command == "compare":
            return _compare(args, console)
        if args.command == "merge":
            return _merge(args, console)
        return _kernel(args)
    except HarnessError as exc:
        print(f"memharness: error: {exc}", file=sys.stderr)
        return int(exc.status)
    except KeyboardInterrupt:
        print("memharness: interrupted", file=sys.stderr)
        return ExitStatus.INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
