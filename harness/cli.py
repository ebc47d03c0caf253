"""`memharness`: one entry point, subcommands that say what they do.

Exit status: 0 the run did what was expected; 1 it did not (reset, fault, timeout, refused);
2 a usage mistake (option, board, scenario, YAML, kernel path); 3 the machine lacks something
or the emulator died (toolchain, QEMU, kernel); 130 interrupted (Ctrl-C, SIGTERM).
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from rich.console import Console
from rich.table import Table

from harness import api
from harness.build import Firmware
from harness.errors import ExitStatus, HarnessError
from harness.events import Event, Heap
from harness.kernel import DEFAULT_VERSION, install_kernel, resolve_kernel
from harness.platforms import load_all_boards
from harness.report import write_run
from harness.run import Interrupted, Outcome, Run
from harness.scenarios import CATALOGUE, parse_assignments, validate
from harness.variant import HEAPS, PROFILES

EPILOG = """exit status: 0 as expected, 1 the run ended otherwise (reset, fault, timeout, refused),
2 usage mistake, 3 missing tool/kernel or emulator died, 130 interrupted"""

_SUMMARY_EVENTS = frozenset({"done", "malloc_failed", "stack_overflow", "assert", "fault", "error"})
_HEAP_COLUMNS = ("free", "min_ever", "largest", "smallest", "free_blocks", "allocs", "frees", "arena")


def _parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="memharness", description="FreeRTOS memory behaviour on emulated boards.", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("boards", help="list the boards")
    sub.add_parser("scenarios", help="list the scenarios and their parameters")

    def variant_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--board", default=api.DEFAULT_BOARD)
        p.add_argument("--heap", choices=HEAPS, default=None, help="heap scheme (default heap_4)")
        p.add_argument("--profile", choices=PROFILES, default="dynamic")
        p.add_argument("--kernel-version", default=DEFAULT_VERSION)
        p.add_argument("--kernel", type=Path, default=None, help="a FreeRTOS-Kernel tree to use")
        p.add_argument("--heap-size", type=int, default=None, help="configTOTAL_HEAP_SIZE in bytes")
        p.add_argument("--overflow-check", type=int, choices=(0, 1, 2), default=2)

    build = sub.add_parser("build", help="build a variant's firmware and print the ELF's path")
    variant_options(build)

    run = sub.add_parser("run", help="run one scenario and write its results", epilog=EPILOG)
    variant_options(run)
    run.add_argument("--scenario", required=True)
    run.add_argument("params", nargs="*", metavar="key=value", help="scenario parameters")
    run.add_argument("--emulator", default="qemu")
    run.add_argument("--timeout", type=float, default=30.0, help="seconds for the scenario")
    run.add_argument("--expect", choices=[o.value for o in Outcome], default="done",
                     help="the outcome that counts as success (default done)")
    run.add_argument("--results", type=Path, default=Path("results"))
    run.add_argument("--print-command", action="store_true", help="print the emulator command and exit")

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
    return api.prepare(
        board=args.board, heap=args.heap, profile=args.profile, kernel_version=args.kernel_version,
        kernel_path=args.kernel, heap_size=args.heap_size, overflow_check=args.overflow_check,
    )


def _boards(console: Console) -> int:
    table = Table("board", "cpu", "port", "RAM", "emulators", "overflow detection")
    for b in load_all_boards():
        emulators = ", ".join(k for k, v in b.emulators if v is not None)
        table.add_row(b.name, b.cpu, b.port, f"{b.memory.ram.size // 1024} KiB", emulators,
                      ", ".join(b.overflow_detection))
    console.print(table)
    return ExitStatus.OK


def _scenarios(console: Console) -> int:
    table = Table("scenario", "parameters (default, range)", "schemes", "what it does")
    for s in CATALOGUE:
        params = "\n".join(f"{p.name}={p.default} [{p.minimum}..{p.maximum}]" for p in s.params) or "-"
        schemes = "all" if len(s.heaps) == len(HEAPS) + 1 else ", ".join(s.heaps)
        table.add_row(s.name + (" (test)" if s.test_only else ""), params, schemes, s.doc)
    console.print(table)
    return ExitStatus.OK


def summarise(run: Run, console: Console) -> None:
    """The short readable account of a run: outcome, heap figures, the scenario's own summary."""
    colour = "green" if run.outcome is Outcome.DONE else "red"
    console.print(
        f"[bold]{run.board} {run.heap} {run.profile} {run.kernel}[/] {run.scenario} "
        f"-> [{colour}]{run.outcome.value}[/] ({run.reason}) in {run.wall_time:.2f} s, "
        f"{len(run.boots)} boot(s)"
    )
    heaps = run.events(Heap)
    if heaps:
        columns = [c for c in _HEAP_COLUMNS if any(getattr(h, c) is not None for h in heaps)]
        table = Table("at", *columns, title="heap figures (bytes; absent: not available on this scheme)")
        for h in heaps:
            table.add_row(h.at, *("-" if getattr(h, c) is None else str(getattr(h, c)) for c in columns))
        console.print(table)
    for event in run.entries:
        if isinstance(event, Event) and event.kind in _SUMMARY_EVENTS:
            console.print("  " + " ".join([event.kind, *(f"{k}={v}" for k, v in event.fields.items())]))
    if run.outcome is not Outcome.DONE:
        console.print("  last lines:")
        for line in run.tail(6):
            console.print(f"    {line}", markup=False)
    for warning in run.warnings:
        console.print(f"  [yellow]warning:[/] {warning}")


def _run(args: argparse.Namespace, console: Console) -> int:
    params = parse_assignments(args.params)
    validate(args.scenario, params)  # before anything is built: a typo costs no build
    firmware = _prepare(args)
    if args.print_command:
        print(shlex.join(api.emulator_command(firmware, args.emulator)))
        return ExitStatus.OK
    try:
        run = api.run_scenario(firmware, args.scenario, params, args.results, emulator=args.emulator,
                               timeout=args.timeout)
    except Interrupted as stop:
        run = stop.run
    summarise(run, console)
    report = write_run(run, run.uart_log.parent)
    console.print(f"  results: {report.parent}")
    if run.outcome is Outcome.INTERRUPTED:
        return ExitStatus.INTERRUPTED
    if run.outcome is Outcome.EMULATOR_DIED:
        return ExitStatus.INFRASTRUCTURE
    return ExitStatus.OK if run.outcome.value == args.expect else ExitStatus.FAILED


def _kernel(args: argparse.Namespace) -> int:
    if args.kernel_command == "install":
        kernel = install_kernel(args.version, args.origin) if args.origin else install_kernel(args.version)
        print(f"FreeRTOS-Kernel {kernel.version} at {kernel.path}")
    else:
        print(resolve_kernel(args.version, args.kernel, allow_clone=False).path)
    return ExitStatus.OK


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM ends a run the same way as Ctrl-C: emulator stopped, report kept


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    signal.signal(signal.SIGTERM, _terminate)
    try:
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
        return _kernel(args)
    except HarnessError as exc:
        print(f"memharness: error: {exc}", file=sys.stderr)
        return int(exc.status)
    except KeyboardInterrupt:
        print("memharness: interrupted", file=sys.stderr)
        return ExitStatus.INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
