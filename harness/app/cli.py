"""`memharness build|run|compare --app DIR`: the app commands, kept apart from the scenario ones.

`harness.cli` adds the `--app` and `-D` options to its three subcommands (`add_options`) and hands
a command with `--app` over to `main` here. Options given on the command line narrow the project
file's matrix: `--board`, `--heap` (one scheme, or a comma list for compare, `static` included),
`--kernel-version`, `--heap-size`; `-D NAME=VALUE` adds to (or replaces) the project's defines.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from harness.app.build import AppBuildError, AppFirmware, AppVariantSpec, SchemeUnfitError, build_app, variants
from harness.app.project import SCHEMES, Project, ProjectError, load_project
from harness.errors import ExitStatus, UsageError
from harness.platforms import board_names


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--app", type=Path, default=None, metavar="DIR",
                        help="a user's app: the folder holding its memharness.toml")
    parser.add_argument("-D", "--define", action="append", default=[], metavar="NAME=VALUE",
                        help="with --app: a define for the app's sources (adds to app.defines)")


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


def main(args: argparse.Namespace, console: Console) -> int:
    """Dispatch an `--app` command; errors are HarnessErrors the top level prints."""
    if args.command == "build":
        return build_command(args, console)
    raise ProjectError(f"`memharness {args.command} --app` is not available yet", "use `memharness build --app`")
