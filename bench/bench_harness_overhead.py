"""A run through the harness against raw qemu-system-arm on the same ELF and scenario, side by side.

Three figures: the run in-process (`run_scenario`) against raw QEMU (target 1.05x), from its own
long series of rounds (a leak run is 30 ms, and QEMU's own time varies by 15% from run to run,
so a few dozen rounds leave the median a few per cent apart between two runs of the bench); the
whole `memharness run` command, Python start-up included, against raw QEMU (target 2x); and
`import harness.cli` alone (target 150 ms, measured as a process that imports it minus one that
does not). Raw QEMU is fed the command line on stdin and stopped at the `done` record, the least
any harness could do. Prints; asserts nothing.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from side_by_side import interleave, judged, load, rounds, verdict

from harness.api import prepare, run_scenario
from harness.emulators.qemu import QemuBackend, dying_with_parent

SCENARIO, PARAMS = "leak", {"size": 4096}
# The least a Python command that starts QEMU and reads its UART imports: the floor of "command".
STDLIB = "import argparse, dataclasses, json, pathlib, queue, re, subprocess, threading"
# What a `memharness run` loads above that floor, in the order it loads it: each step's own time,
# measured one after another in a fresh process (medians of ABOVE_ROUNDS processes).
ABOVE = (
    ("the typed events (harness.events: 42 frozen dataclasses)", "import harness.events"),
    ("the board schema (harness.platforms: its dataclasses, hashlib, pickle)", "import harness.platforms"),
    ("the rest of the CLI (harness.cli: argparse, the scenario catalogue, the options)", "import harness.cli"),
    ("the rest of the run machinery (harness.api, report, failures)",
     "import harness.api, harness.report, harness.failures"),
    ("rich (the summary table)", "import rich.console, rich.table"),
)
ABOVE_ROUNDS = 7
ABOVE_SCRIPT = f"""
import json, sys, time
exec({STDLIB!r})
took = []
for code in sys.argv[1:]:
    start = time.perf_counter()
    exec(code)
    took.append(time.perf_counter() - start)
print(json.dumps(took))
"""


def above_the_floor() -> list[float]:
    """Seconds each ABOVE step takes on top of the standard library floor (medians)."""
    samples = [json.loads(subprocess.run([sys.executable, "-c", ABOVE_SCRIPT, *(code for _, code in ABOVE)],
                                         check=True, capture_output=True, text=True).stdout)
               for _ in range(ABOVE_ROUNDS)]
    return [statistics.median(column) for column in zip(*samples, strict=True)]


def raw_qemu(command: list[str]) -> None:
    """Start QEMU, send the command at once, read lines until `done`, kill it."""
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"run leak size=4096\n")
    proc.stdin.flush()
    for line in proc.stdout:
        if line.startswith(b"@mh done"):
            break
    proc.kill()
    proc.wait()


def process(command: list[str]) -> Callable[[], None]:
    def side() -> None:
        subprocess.run(command, check=True, capture_output=True)

    return side


def main() -> int:
    firmware = prepare(heap="heap_4")
    count = rounds(24)  # even: the odd and even halves have as many rounds each
    pairs = max(count, 120)
    with tempfile.TemporaryDirectory() as tmp:
        results = Path(tmp) / "results"
        command = [w for w in QemuBackend().command(firmware.variant.board, firmware.elf, Path(tmp)) if w]
        qmp = command.index("-qmp")
        del command[qmp : qmp + 2]
        # The installed `memharness` script, as a user runs it (`python -m harness.cli` would compile
        # cli.py on every call: a __main__ module's bytecode is never cached).
        cli = [str(Path(sys.executable).with_name("memharness")), "run", "--heap", "heap_4", "--scenario", SCENARIO,
               "size=4096", "--results", str(results)]

        def in_process() -> None:
            run = run_scenario(firmware, SCENARIO, PARAMS, results)
            assert run.outcome.value == "done", run.describe()

        # The no-orphan guarantee's own cost: QEMU started through setpriv (PDEATHSIG), as the harness does.
        dying = dying_with_parent(command)[0]
        runs = interleave({
            "raw": lambda: raw_qemu(command),
            "in_process": in_process,
            "setpriv": lambda: raw_qemu(dying),
        }, pairs)
        sides = interleave({
            "raw": lambda: raw_qemu(command),
            "command": process(cli),
            "python": process([sys.executable, "-c", "pass"]),
            "import": process([sys.executable, "-c", "import harness.cli"]),
            "stdlib": process([sys.executable, "-c", STDLIB]),
        }, count)
    by_cpu = judged()
    print(f"{SCENARIO} on {firmware.variant.label}, {pairs} and {count} interleaved rounds, {load()}:")
    print(f"  {'median per round':34} {'wall ms':>9} {'CPU ms':>9}")
    for measured, side, name in ((runs, "raw", "raw qemu-system-arm"), (runs, "in_process", "run_scenario in-process"),
                                 (runs, "setpriv", "raw QEMU started through setpriv"),
                                 (sides, "command", "memharness run (whole process)"),
                                 (sides, "python", "python -c pass"),
                                 (sides, "import", "python -c 'import harness.cli'")):
        print(f"  {name:34} {measured.median(side) * 1000:9.1f} {measured.median(side, cpu=True) * 1000:9.1f}")
    for measured, top, name, target in ((runs, "in_process", "in-process/raw", 1.05),
                                        (sides, "command", "command/raw", 2.0)):
        wall, cpu = measured.ratio(top, "raw"), measured.ratio(top, "raw", cpu=True)
        value = cpu[0] if by_cpu else wall[0]
        print(f"  ratio {name:28} wall {wall[0]:5.2f} ({wall[1]:.2f}..{wall[2]:.2f})  CPU {cpu[0]:5.2f} "
              f"({cpu[1]:.2f}..{cpu[2]:.2f})  {verdict(value, target)}")
        print(f"  {'':34} {measured.stability(top, 'raw', cpu=by_cpu)}")
        if top == "in_process":
            guarantee = runs.ratio("setpriv", "raw", cpu=by_cpu)[0]
            print(f"  of which the no-orphan guarantee  {guarantee:5.2f}: raw QEMU started through "
                  "`setpriv --pdeathsig KILL`, as the harness starts it")
    floor = sides.ratio("stdlib", "raw", cpu=by_cpu)[0] + 1
    print(f"  floor of command/raw {'':13} {floor:5.2f}: a Python process importing only the standard library a "
          "run needs (python -c '" + STDLIB + "'), then raw QEMU")
    print(f"  above the floor, {'':16} each in a fresh process after the last (ms, median of {ABOVE_ROUNDS}):")
    for (name, _), took in zip(ABOVE, above_the_floor(), strict=True):
        print(f"    {took * 1000:6.1f}  {name}")
    wall_ms, cpu_ms = sides.difference("import", "python") * 1000, sides.difference("import", "python", True) * 1000
    print(f"  import harness.cli {'':15} wall {wall_ms:6.1f} ms  CPU {cpu_ms:6.1f} ms  "
          f"{verdict(cpu_ms if by_cpu else wall_ms, 150)} ms")
    if by_cpu:
        print("  (the machine is busier than its cores: targets judged on CPU time, see bench/side_by_side.py)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
