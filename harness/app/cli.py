"""`memharness build|run|compare --app DIR`: the app commands, kept apart from the scenario ones.

`harness.cli` adds the `--app` and `-D` options to its three subcommands (`harness.app.options`)
and hands a command with `--app` over to `main` here. Options given on the command line narrow the project
file's matrix: `--board`, `--heap` (one scheme, or a comma list for compare, `static` included),
`--kernel-version`, `--heap-size`; `-D NAME=VALUE` adds to (or replaces) the project's defines.
"""

from __future__ import annotations

import argparse
import datetime
import json
import time

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress

from harness.app.build import AppBuildError, AppFirmware, AppVariantSpec, SchemeUnfitError, build_app, variants
from harness.app.compare import compare_app, verdict
from harness.app.project import SCHEMES, Project, load_project
from harness.app.report import tables, write_all
from harness.app.run import clean, run_app
from harness.compare_report import versions
from harness.emulators import backend as find_backend
from harness.emulators.qemu import ICOUNT
from harness.errors import ExitStatus, UsageError
from harness.image_cli import conclude_image_run
from harness.observe.image import load_image
from harness.observe.target import ImageRun
from harness.platforms import board_names, load_board
from harness.run import Interrupted
from harness.variant import DEFAULT_HEAP


def _split(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def with_defines(project: Project, assignments: list[str]) -> Project:
    """The project with `-D NAME=VALUE` (or `-D NAME`, meaning 1) added to its defines."""
    if not assignments:
        return project
    defines: dict[str, int | str] = dict(project.app.defines)
    for item in assignments:
        name, _, value = item.partition("=")
        if not name.isidentifier():
            raise UsageError(f"-D {item}: '{name}' is not a C macro name", "write -D NAME=VALUE")
        defines[name] = int(value) if value.lstrip("-").isdigit() else (value or 1)
    app = project.app.model_copy(update={"defines": defines})
    model = project.model.model_copy(update={"app": app})
    return Project(project.path, project.root, model, project.sources, project.include, project.config)


def selection(args: argparse.Namespace, project: Project) -> list[AppVariantSpec]:
    """The variants the command line asks for: the project file's, narrowed by the options."""
    boards = _split(getattr(args, "board", None))
    if boards == ["all"]:
        boards = board_names()
    for board in boards or []:
        if board not in board_names():
            raise UsageError(f"unknown board '{board}'", f"choose from: {', '.join(board_names())}")
    heap = getattr(args, "heap", None)
    schemes = _split(heap)
    if getattr(args, "profile", "dynamic") == "static":
        schemes = ["static"]
    for scheme in schemes or []:
        if scheme not in SCHEMES:
            raise UsageError(f"unknown heap scheme '{scheme}'", f"choose from: {', '.join(SCHEMES)}")
    kernels = _split(getattr(args, "kernel_version", None))
    specs = variants(project, boards, schemes, kernels)
    size = getattr(args, "heap_size", None)
    if size is not None:
        specs = [AppVariantSpec(s.board, s.kernel, s.scheme, size) for s in specs]
    return list(dict.fromkeys(specs))


def load(args: argparse.Namespace) -> Project:
    return with_defines(load_project(args.app), list(args.define))


def build_all(project: Project, specs: list[AppVariantSpec], console: Console) -> list[AppFirmware | SchemeUnfitError]:
    """Build every variant; a scheme the app does not fit is kept as its error, others raise."""
    out: list[AppFirmware | SchemeUnfitError] = []
    shown_notes: set[str] = set()
    for spec in specs:
        try:
            firmware = build_app(project, spec)
        except SchemeUnfitError as exc:
            out.append(exc)
            continue
        for note in firmware.notes:
            if str(note) not in shown_notes:
                shown_notes.add(str(note))
                console.print(f"  [yellow]config:[/] {escape(str(note))}")
        out.append(firmware)
    return out


def build_command(args: argparse.Namespace, console: Console) -> int:
    project = load(args)
    specs = selection(args, project)
    results = build_all(project, specs, console)
    unfit = 0
    for spec, result in zip(specs, results, strict=True):
        if isinstance(result, SchemeUnfitError):
            unfit += 1
            console.print(f"{spec.board} {spec.scheme} {spec.kernel}: [red]does not fit[/] "
                          f"({escape(result.message)})")
        else:
            state = "built" if result.firmware.built else "cached"
            print(f"{result.elf}  ({state})")
    if unfit == len(results):
        raise AppBuildError(f"{project.name} fits none of the schemes asked for", "see the reasons above")
    return ExitStatus.OK


def _one(args: argparse.Namespace, project: Project) -> AppVariantSpec:
    """The one variant `run --app` runs: --board/--heap, else the project's first board and heap_4."""
    specs = selection(args, project)
    if args.heap is None and args.profile != "static":
        preferred = [s for s in specs if s.scheme == DEFAULT_HEAP] or specs
        specs = [s for s in preferred if s.board == preferred[0].board]
    return specs[0]


def run_command(args: argparse.Namespace, console: Console) -> int:
    if args.scenario is not None or args.params or args.elf is not None:
        raise UsageError("--app runs the app as its project file says: no --scenario, key=value or --elf",
                         "drop them, or drop --app")
    project = load(args)
    spec = _one(args, project)
    board = load_board(spec.board)
    emulator = args.emulator or board.default_emulator
    find_backend(emulator).require(board)
    [built] = build_all(project, [spec], console)
    if isinstance(built, SchemeUnfitError):
        raise built
    interrupted = False
    try:
        app_run = run_app(project, built, args.results, timeout=None, emulator=emulator)
        result = app_run.image_run
        folder = app_run.folder
    except Interrupted as stop:
        result, interrupted = ImageRun(stop.run, (), load_image(built.elf, built.variant.board)), True
        folder = args.results / project.name / built.variant.label
    missing = [f"no UART line contained {text!r}" for text in project.run.expect
               if not any(text in line for line in result.run.texts)]
    return conclude_image_run(result, folder, interrupted, missing, args, console)


def compare_command(args: argparse.Namespace, console: Console) -> int:
    project = load(args)
    specs = selection(args, project)
    if args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs} is not a number of runs", "give 1 or more")
    for board in {s.board for s in specs}:
        find_backend("qemu").require(load_board(board))
    results = args.results / project.name
    gate = None
    if args.baseline is not None or args.update_baseline:  # refused before anything is built
        from harness.compare_gate import matrix, open_gate

        asked = matrix(sorted({s.board for s in specs}), sorted({s.kernel for s in specs}),
                       [s.scheme for s in specs], [project.name])
        gate = open_gate(args.baseline, args.update_baseline, asked)
    started, clock = datetime.datetime.now(datetime.timezone.utc), time.monotonic()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("building", total=len(specs))
        comparison = compare_app(
            project, specs, results, args.jobs,
            on_build=lambda s: progress.update(task, description=f"building {s.scheme}"),
            on_done=lambda c: progress.update(task, advance=1, description=f"ran {c.spec.scheme}"),
        )
    shown_notes = sorted({n for c in comparison.cells for n in c.figures.get("notes", [])})
    for note in shown_notes:
        console.print(f"  [yellow]config:[/] {escape(note)}")
    wide = console if console.is_terminal else Console(highlight=False, width=200)
    for table in tables(comparison):
        wide.print(table)
    console.print("[bold]verdict[/]")
    for line in verdict(comparison):
        console.print(escape(line))
    meta = {**versions(sorted({s.board for s in specs})), "icount": ICOUNT}  # app runs count at shift 0
    written = write_all(comparison, results, meta, started, time.monotonic() - clock)
    console.print("  results: " + ", ".join(escape(str(p)) for p in written))
    if comparison.interrupted:
        return ExitStatus.INTERRUPTED
    if comparison.emulator_died:
        return ExitStatus.INFRASTRUCTURE
    status = int(ExitStatus.OK if any(clean(c.figures) for c in comparison.cells) else ExitStatus.FAILED)
    if args.baseline is not None:
        from harness.compare_gate import close_gate

        report = json.loads((results / "compare.json").read_text(encoding="utf-8"))
        status = max(status, close_gate(report, args.baseline, args.update_baseline, gate, results, console))
    return status


def main(args: argparse.Namespace, console: Console) -> int:
    """Dispatch an `--app` command; errors are HarnessErrors the top level prints."""
    if args.command == "build":
        return build_command(args, console)
    if args.command == "run":
        return run_command(args, console)
    if args.command == "compare":
        return compare_command(args, console)
    raise UsageError(f"`memharness {args.command}` takes no --app", "use build, run or compare with --app")
