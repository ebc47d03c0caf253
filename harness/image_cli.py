"""`memharness run --elf PATH`: a user's own image on a board, its heap and stacks read from outside.

Kept apart from cli.py (which only adds these options to `run` and hands `--elf` runs here) so
the subcommands stay small. The image needs no change: it is booted held at reset with QEMU's gdb
stub on a private Unix socket, and read as harness/observe/ describes.

    memharness run --elf build/app.elf --board mps2-an385 --ticks 200 --every 50
    memharness run --elf app.elf --at-call vAppWork:3 --until-line "app: done" --expect-line "app: ok"
"""

from __future__ import annotations

import argparse
import math
import re
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import ExitStatus, UsageError

if TYPE_CHECKING:  # cli.py imports this module for its options: the reader loads with an --elf run
    from rich.console import Console

    from harness.observe.plan import Plan
    from harness.observe.target import ImageRun

DEFAULT_TICKS = 1000  # a run with no end condition ends after this many ticks (one virtual second)
_CAUGHT = frozenset({"stack_overflow", "malloc_failed", "fault", "assert"})


def add_image_options(run: argparse.ArgumentParser) -> None:
    """The options of `run` that only `--elf` runs use."""
    group = run.add_argument_group("a user's image (--elf): snapshots read from outside, no records needed")
    group.add_argument("--elf", type=Path, default=None, help="run this FreeRTOS ELF instead of a scenario")
    group.add_argument("--ticks", type=int, default=None,
                       help=f"end after this many kernel ticks (default {DEFAULT_TICKS} when no other end is given)")
    group.add_argument("--every", type=int, default=None, metavar="N", help="a snapshot every N ticks")
    group.add_argument("--at-tick", type=int, action="append", default=[], metavar="N", help="a snapshot at tick N")
    group.add_argument("--at-call", action="append", default=[], metavar="FUNC[:N]",
                       help="a snapshot at the Nth call of FUNC (default the first)")
    group.add_argument("--at-line", action="append", default=[], metavar="TEXT",
                       help="a snapshot when a UART line contains TEXT (host-timed)")
    group.add_argument("--until-call", default=None, metavar="FUNC[:N]", help="end at the Nth call of FUNC")
    group.add_argument("--until-line", default=None, metavar="TEXT", help="end when a UART line contains TEXT")
    group.add_argument("--assert-function", default=None, metavar="NAME",
                       help="the image's assert function (default: vAssertCalled, vApplicationAssert, __assert_func)")
    group.add_argument("--expect-line", action="append", default=[], metavar="TEXT",
                       help="a UART line must contain TEXT")
    group.add_argument("--expect-regex", action="append", default=[], metavar="REGEX",
                       help="a UART line must match REGEX")
    group.add_argument("--max-resets", type=int, default=0, help="resets to ride through before ending (default 0)")
    group.add_argument("--hang-seconds", type=float, default=3.0,
                       help="a tick count that stands still this long (host seconds) is a hang")


def _call(text: str) -> tuple[str, int]:
    name, _, count = text.partition(":")
    try:
        number = int(count) if count else 1
    except ValueError:
        raise UsageError(f"'{text}' is not FUNC or FUNC:N", "e.g. --at-call vAppWork:3") from None
    if not name or number < 1:
        raise UsageError(f"'{text}' is not FUNC or FUNC:N", "e.g. --at-call vAppWork:3")
    return name, number


def plan_from(args: argparse.Namespace) -> Plan:
    from harness.observe.plan import Plan

    ends = [args.ticks, args.until_call, args.until_line]
    ticks = args.ticks if args.ticks is not None or any(e is not None for e in ends[1:]) else DEFAULT_TICKS
    for pattern in args.expect_regex:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise UsageError(f"--expect-regex {pattern!r} is not a regular expression: {exc}",
                             "fix the pattern") from None
    if not (math.isfinite(args.hang_seconds) and args.hang_seconds > 0):
        raise UsageError(f"--hang-seconds {args.hang_seconds:g} is not a time", "give seconds above 0")
    return Plan(
        every_ticks=args.every, at_ticks=tuple(args.at_tick), at_hits=tuple(_call(c) for c in args.at_call),
        at_lines=tuple(args.at_line), end_ticks=ticks,
        end_hit=_call(args.until_call) if args.until_call else None, end_line=args.until_line,
    )


def print_image_run(result: ImageRun, console: Console) -> None:
    from rich.markup import escape

    from harness.events import Event
    from harness.observe.image_report import heap_notes, heap_table, series_table, task_table
    from harness.run import Outcome, record_text

    run = result.run
    colour = "green" if run.outcome is Outcome.DONE else "red"
    console.print(
        f"[bold]{escape(run.board)} {escape(result.image.elf.name)} ({escape(result.image.heap)})[/] -> "
        f"[{colour}]{run.outcome.value}[/] ({escape(run.reason)}) in {run.wall_time:.2f} s, "
        f"{len(run.boots)} boot(s), {len(result.snapshots)} snapshot(s)"
    )
    for entry in run.entries:
        if isinstance(entry, Event) and entry.kind in _CAUGHT:
            console.print("  caught from outside: " + escape(record_text(entry).removeprefix("@mh ")))
    if result.malloc_failures:
        console.print(f"  malloc failed {result.malloc_failures} time(s)")
    if len(result.snapshots) > 1:
        console.print(series_table(result.snapshots))
    if result.snapshots:
        last = result.snapshots[-1]
        console.print(heap_table(last))
        for note in heap_notes(last):
            console.print(f"  {escape(note)}")
        console.print(task_table(last))
    if run.outcome is not Outcome.DONE:
        console.print("  last lines:")
        for line in run.tail(6):
            console.print(f"    {escape(line)}")
    for warning in run.warnings:
        console.print(f"  [yellow]warning:[/] {escape(warning)}")


def run_elf(args: argparse.Namespace, console: Console) -> int:
    """`memharness run --elf`: check everything before booting, run, print, write, judge."""

    from harness.emulators import backend as find_backend
    from harness.live import LinePattern
    from harness.observe.image import load_image
    from harness.observe.target import ImageRun, run_image
    from harness.platforms import load_board
    from harness.run import Interrupted

    if args.scenario is not None or args.params:
        raise UsageError("--elf runs the image as it is: it takes no --scenario or key=value parameters",
                         "drop --scenario and the parameters, or drop --elf")
    if args.heap is not None or args.heap_size is not None:
        raise UsageError("--heap and --heap-size do not apply to --elf: the image links its own heap scheme",
                         "drop them; the scheme is read from the image")
    board = load_board(args.board)
    plan = plan_from(args)
    emulator_name = args.emulator or board.default_emulator
    emulator = find_backend(emulator_name)
    if args.print_command:
        print(shlex.join(emulator.command(board, args.elf, Path("<private-tmpdir>"), debug=True)))
        return ExitStatus.OK
    emulator.require(board)
    image = load_image(args.elf.resolve(), board)
    folder = args.results / f"{board.name}-{args.elf.stem}"
    interrupted = False
    try:
        result = run_image(image, board, folder / "uart.log", plan, emulator=emulator_name, timeout=args.timeout,
                           hang_seconds=args.hang_seconds, max_resets=args.max_resets,
                           assert_symbol=args.assert_function)
    except Interrupted as stop:
        result, interrupted = ImageRun(stop.run, (), image), True
    wanted = [LinePattern(t) for t in args.expect_line] + [LinePattern(r, regex=True) for r in args.expect_regex]
    missing = [f"expected {p.describe()} on the UART, none came" for p in wanted
               if not any(p.search(text) for text in result.run.texts)]
    return conclude_image_run(result, folder, interrupted, missing, args, console)


def conclude_image_run(
    result: ImageRun, folder: Path, interrupted: bool, missing: list[str], args: argparse.Namespace, console: Console,
) -> int:
    """How every run of an image ends (`run --elf`, `run --app`): its tables and files, the exit
    status (the expected outcome, every expectation in `missing` named), and the baseline gate of
    its snapshots' floors when --baseline asks."""
    from rich.markup import escape

    from harness.observe.image_report import write_image_run
    from harness.report import write_run
    from harness.run import Outcome

    print_image_run(result, console)
    written = [write_run(result.run, folder), *write_image_run(result, folder)]
    console.print("  results: " + ", ".join(escape(str(p)) for p in written))
    if interrupted or result.run.outcome is Outcome.INTERRUPTED:
        return ExitStatus.INTERRUPTED
    if result.run.outcome is Outcome.EMULATOR_DIED:
        return ExitStatus.INFRASTRUCTURE
    for text in missing:
        console.print(f"  [red]expectation failed:[/] {escape(text)}")
    status = int(ExitStatus.FAILED if result.run.outcome.value != args.expect or missing else ExitStatus.OK)
    if args.baseline is not None or args.update_baseline:  # the snapshots' floors against a baseline
        from harness.compare_gate import run_gate

        status = max(status, run_gate(result, args.baseline, args.update_baseline, folder, console))
    return status
