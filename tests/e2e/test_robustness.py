"""Every bad input and every fault gets a clear answer; nothing is orphaned, nothing is lost.

One test (or one parametrized case) per entry of issue 7's catalogue. Each runs `memharness` as
a user does (a subprocess, its exit status, its stdout and stderr) and asserts the message, the
status, that no emulator of the test survives (`stray_emulators`, tests/conftest.py) and that
the report of what did run is on disk.

Real faults run the real firmware on real QEMU (`fault_inject`, `overflow`). UART input no real
firmware would send (binary noise, a 1 MiB line, records from a newer protocol) comes from a
stand-in emulator: a small script put in place of `qemu-system-arm` through a board file in a
private platforms folder (`MEMHARNESS_PLATFORMS`), which replays bytes the test chose. It goes
through the very same backend, reader thread, parser and report as QEMU does.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from harness import api
from harness.emulators.base import Session
from harness.emulators.qemu import CUT_MARK, MAX_LINE, QemuBackend
from harness.events import Event, Start
from harness.kernel import resolve_kernel
from harness.paths import FIRMWARE_DIR, PLATFORMS_DIR, PROJECT_ROOT
from harness.platforms import board_names
from harness.report import write_run
from harness.run import FLOOD_LINES, RESET_LOOP_BOOTS, Outcome
from harness.scenarios import BY_NAME

pytestmark = pytest.mark.e2e

BOARD = "mps2-an385"
QEMU = "qemu-system-arm"
GCC = "arm-none-eabi-gcc"
GONE_WITHIN_S = 1.0  # the bound for every QEMU of an interrupted run
Strays = Callable[..., list[tuple[int, str]]]

if shutil.which(QEMU) is None or shutil.which(GCC) is None:
    pytest.skip(f"needs {QEMU} and {GCC} on PATH (`make setup` installs them)", allow_module_level=True)


# --- running memharness as a user does --------------------------------------------------------
def _env(extra: dict[str, str | None] | None) -> dict[str, str]:
    env = {**os.environ, "COLUMNS": "160", "PYTHONPATH": str(PROJECT_ROOT)}
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def memharness(
    *args: str, cwd: Path, env: dict[str, str | None] | None = None, timeout: float = 120,
    preexec: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *args], cwd=cwd, capture_output=True, text=True,
        timeout=timeout, env=_env(env), preexec_fn=preexec, check=False,
    )


def _as_from_a_terminal() -> None:
    """Ctrl-C as a shell in a terminal delivers it: a worker may have SIGINT ignored, and an
    ignored SIGINT is inherited (and then rightly respected by Python)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_memharness(*args: str, cwd: Path, env: dict[str, str | None] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "harness.cli", *args], cwd=cwd, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=_env(env), preexec_fn=_as_from_a_terminal,
    )


def one_error(proc: subprocess.CompletedProcess[str], status: int, *needles: str) -> str:
    """The run ended with `status` and exactly one `memharness: error:` line plus its fix."""
    assert proc.returncode == status, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("memharness: error: ")]
    assert len(errors) == 1, proc.stderr
    assert "  fix: " in proc.stderr, proc.stderr
    for needle in needles:
        assert needle in proc.stderr, proc.stderr
    return errors[0]


def report_of(results: Path) -> dict[str, Any]:
    [path] = results.rglob("report.json")
    report: dict[str, Any] = json.loads(path.read_text())
    return report


def events_of(results: Path) -> list[dict[str, Any]]:
    [path] = results.rglob("events.jsonl")
    return [json.loads(line) for line in path.read_text().splitlines()]


def wait_for_uart(results: Path, text: bytes, within: float = 30.0) -> None:
    """Until the run's UART log (still under its temporary name) holds `text`."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for log in [*results.rglob(".uart.log.*.part"), *results.rglob("uart.log")]:
            try:
                if text in log.read_bytes():
                    return
            except OSError:
                continue
        time.sleep(0.02)
    raise AssertionError(f"{text!r} never reached the UART log under {results}")


def assert_nothing_left(results: Path) -> None:
    """No temporary file of the harness survives in the results folder."""
    assert not list(results.rglob("*.part")), list(results.rglob("*"))


# --- a board with a stand-in emulator ---------------------------------------------------------
FAKE_EMULATOR = '''#!{python}
"""Stand-in for qemu-system-*: replays the UART bytes a test chose, then idles like a board."""
import json, os, sys, time

args = sys.argv[1:]
steps = json.load(open(args[args.index("-mh-replay") + 1]))
out = sys.stdout.buffer
for kind, value in steps:
    if kind == "out":
        out.write(bytes.fromhex(value))
        out.flush()
    elif kind == "fill":
        out.write(bytes([value[0]]) * value[1])
        out.flush()
    elif kind == "command":
        sys.stdin.buffer.readline()
    elif kind == "exit":
        sys.stderr.write(value[1])
        sys.stderr.flush()
        os._exit(value[0])
while True:
    time.sleep(3600)
'''

Step = tuple[str, object]
BOOT = b"@mh boot proto=1 board=mps2-an385 kernel=V11.3.0 heap=heap_4 profile=dynamic heap_size=32768 " \
       b"overflow_check=2 boot=1 reset=power_on\n"
READY = b"@mh ready proto=1 scenarios=heap_report\n"
DONE = b"@mh done scenario=heap_report status=ok\n"


def out(data: bytes) -> Step:
    return ("out", data.hex())


def boot_and_command() -> list[Step]:
    return [out(BOOT + READY), ("command", None)]


def board_file(platforms: Path, **qemu: object) -> Path:
    """A copy of the real board file in a private platforms folder, its `emulators.qemu` changed."""
    platforms.mkdir(parents=True, exist_ok=True)
    data = yaml.safe_load((PLATFORMS_DIR / f"{BOARD}.yaml").read_text())
    data["emulators"]["qemu"].update(qemu)
    path = platforms / f"{BOARD}.yaml"
    path.write_text(yaml.safe_dump(data))
    return platforms


def fake_board(tmp_path: Path, steps: Sequence[Step]) -> dict[str, str | None]:
    """The environment that makes `memharness` run BOARD on the stand-in emulator."""
    script = tmp_path / "bin" / "qemu-system-fake"
    script.parent.mkdir(exist_ok=True)
    script.write_text(FAKE_EMULATOR.format(python=sys.executable))
    script.chmod(0o755)
    replay = tmp_path / "replay.json"
    replay.write_text(json.dumps(list(steps)))
    platforms = board_file(tmp_path / "platforms", binary=str(script), extra_args=["-mh-replay", str(replay)])
    return {"MEMHARNESS_PLATFORMS": str(platforms)}


def run_fake(tmp_path: Path, steps: Sequence[Step], *extra: str) -> subprocess.CompletedProcess[str]:
    results = tmp_path / "results"
    return memharness("run", "--board", BOARD, "--scenario", "heap_report", "--results", str(results),
                      "--timeout", "5", "--boot-timeout", "5", *extra, cwd=tmp_path, env=fake_board(tmp_path, steps))


@pytest.fixture(scope="module")
def firmware_built() -> None:
    """The default variant, built before any test takes tools off PATH."""
    api.prepare(board=BOARD)


# === 1. platform YAML ==========================================================================
def _broken_yaml(tmp_path: Path, change: Callable[[list[str]], list[str]]) -> tuple[dict[str, str | None], Path]:
    lines = (PLATFORMS_DIR / f"{BOARD}.yaml").read_text().splitlines()
    platforms = tmp_path / "platforms"
    platforms.mkdir()
    path = platforms / f"{BOARD}.yaml"
    path.write_text("\n".join(change(lines)) + "\n")
    return {"MEMHARNESS_PLATFORMS": str(platforms)}, path


def _top_level(lines: list[str], key: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(f"{key}:"))


def _replace(key: str, value: str) -> Callable[[list[str]], list[str]]:
    def change(lines: list[str]) -> list[str]:
        lines[_top_level(lines, key)] = f"{key}: {value}"
        return lines
    return change


def _drop(key: str) -> Callable[[list[str]], list[str]]:
    def change(lines: list[str]) -> list[str]:
        del lines[_top_level(lines, key)]
        return lines
    return change


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda lines: [*lines, "colour: blue"], "unknown key 'colour'"),
        (_drop("cpu"), "missing field 'cpu'"),
        (_replace("clock_hz", "fast"), "'clock_hz'"),
        (_replace("heap_size", "-1"), "'heap_size'"),
    ],
    ids=["unknown-key", "missing-field", "wrong-type", "out-of-range"],
)
def test_platform_yaml_mistakes_name_the_file_and_the_key(
    tmp_path: Path, stray_emulators: Strays, change: Callable[[list[str]], list[str]], needle: str
) -> None:
    env, path = _broken_yaml(tmp_path, change)
    proc = memharness("run", "--scenario", "heap_report", "--results", str(tmp_path / "r"), cwd=tmp_path, env=env)
    error = one_error(proc, 2, needle)
    assert str(path) in error
    assert not (tmp_path / "r").exists() and not stray_emulators()


def test_platform_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    broken: list[int] = []

    def change(lines: list[str]) -> list[str]:
        index = _top_level(lines, "cpu")
        broken.append(index + 1)
        lines[index] = lines[index].replace("cpu: ", "cpu: [", 1)
        return lines

    env, path = _broken_yaml(tmp_path, change)
    error = one_error(memharness("boards", cwd=tmp_path, env=env), 2, "YAML syntax error")
    found = re.search(rf"{re.escape(str(path))}: line (\d+):", error)
    assert found, error
    assert int(found.group(1)) in (broken[0], broken[0] + 1)  # PyYAML marks where it noticed


def test_platform_yaml_is_loaded_safely(tmp_path: Path) -> None:
    marker = tmp_path / "evaluated"
    unsafe = f"colour: !!python/object/apply:os.system ['touch {marker}']"
    env, _ = _broken_yaml(tmp_path, lambda lines: [*lines, unsafe])
    one_error(memharness("boards", cwd=tmp_path, env=env), 2)
    assert not marker.exists()


def test_unknown_board_lists_the_known_ones_and_the_nearest(tmp_path: Path) -> None:
    known = board_names()
    typo = next(t for t in (BOARD[:-2] + BOARD[-1] + BOARD[-2], BOARD + "x", "no-such-board") if t not in known)
    nearest = difflib.get_close_matches(typo, known, n=1)
    proc = memharness("run", "--board", typo, "--scenario", "heap_report", cwd=tmp_path)
    error = one_error(proc, 2, f"unknown board '{typo}'", "Known boards: " + ", ".join(known))
    if nearest:
        assert f"Did you mean '{nearest[0]}'?" in error


# === 2. names and parameters ===================================================================
@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--heap", "heap_6", "--scenario", "heap_report"), "argument --heap: invalid choice: 'heap_6'"),
        (("--profile", "frugal", "--scenario", "heap_report"), "argument --profile: invalid choice: 'frugal'"),
        (("--scenario", "laek"), "unknown scenario 'laek'. Did you mean 'leak'?"),
        (("--scenario", "leak", "bogus=1"), "scenario 'leak' has no parameter 'bogus'"),
        (("--scenario", "leak", "size=0"), "leak: size=0 is out of range"),
        (("--scenario", "leak", "size=lots"), "leak: size='lots' is not a number"),
        (("--scenario", "leak", "size"), "'size' is not key=value"),
        (("--heap", "heap_4", "--scenario", "heap5_early"), "scenario 'heap5_early' does not apply to heap_4"),
        (("--scenario", "heap_report", "--heap-size", "10"), "heap size 10 is out of range"),
        (("--scenario", "heap_report", "--timeout", "0"), "--timeout 0 is not a time limit"),
        (("--scenario", "heap_report", "--timeout", "inf"), "--timeout inf is not a time limit"),
        (("--scenario", "heap_report", "--emulator", "bochs"), "argument --emulator: invalid choice: 'bochs'"),
    ],
    ids=lambda v: v if isinstance(v, str) and " " not in v else None,
)
def test_wrong_names_and_values_exit_2_with_one_message(
    tmp_path: Path, stray_emulators: Strays, args: tuple[str, ...], needle: str
) -> None:
    proc = memharness("run", *args, "--results", str(tmp_path / "r"), cwd=tmp_path)
    one_error(proc, 2, needle)
    assert not (tmp_path / "r").exists() and not stray_emulators()


def test_range_in_the_message_comes_from_the_catalogue(tmp_path: Path) -> None:
    size = BY_NAME["leak"].param("size")
    assert size is not None
    proc = memharness("run", "--scenario", "leak", f"size={size.maximum + 1}", cwd=tmp_path)
    one_error(proc, 2, f"choose {size.minimum} <= size <= {size.maximum}")


# === 3. the machine: toolchain, QEMU, kernel ===================================================
def _path_with(tmp_path: Path, *tools: str) -> str:
    """A PATH holding only `tools` (links to the real ones)."""
    folder = tmp_path / "path"
    folder.mkdir(exist_ok=True)
    for tool in tools:
        real = shutil.which(tool)
        assert real is not None
        (folder / tool).symlink_to(real)
    return str(folder)


def test_missing_toolchain_names_the_package(tmp_path: Path, stray_emulators: Strays) -> None:
    proc = memharness("run", "--scenario", "heap_report", "--results", str(tmp_path / "r"),
                      cwd=tmp_path, env={"PATH": _path_with(tmp_path, QEMU)})
    one_error(proc, 3, f"{GCC} is not installed", "apt-get install gcc-arm-none-eabi")
    assert not stray_emulators()


def test_missing_qemu_names_the_package(tmp_path: Path, firmware_built: None, stray_emulators: Strays) -> None:
    proc = memharness("run", "--scenario", "heap_report", "--results", str(tmp_path / "r"),
                      cwd=tmp_path, env={"PATH": _path_with(tmp_path, GCC)})
    one_error(proc, 3, f"{QEMU} is not installed", "apt-get install qemu-system-arm")
    assert not stray_emulators()


NO_NETWORK = {"GIT_ALLOW_PROTOCOL": "file", "FREERTOS_KERNEL_PATH": None}  # a clone from upstream fails at once


def test_missing_kernel_names_what_was_tried_and_the_fix(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    proc = memharness("run", "--scenario", "heap_report", cwd=tmp_path,
                      env={**NO_NETWORK, "MEMHARNESS_CACHE": str(cache)})
    one_error(proc, 3, "FreeRTOS-Kernel V11.3.0 not found", f"the cache {cache / 'kernel' / 'V11.3.0'} (empty)",
              "memharness kernel install --version V11.3.0 --from")


def test_kernel_path_that_is_not_a_kernel(tmp_path: Path) -> None:
    (tmp_path / "not-a-kernel").mkdir()
    proc = memharness("run", "--scenario", "heap_report", "--kernel", str(tmp_path / "not-a-kernel"), cwd=tmp_path)
    one_error(proc, 2, "is not a FreeRTOS-Kernel tree (no tasks.c and include/task.h)")


def test_kernel_version_that_is_not_a_version(tmp_path: Path) -> None:
    proc = memharness("run", "--scenario", "heap_report", "--kernel-version", "11.3", cwd=tmp_path)
    one_error(proc, 2, "'11.3' is not a FreeRTOS-Kernel version")


def test_kernel_version_that_does_not_exist(tmp_path: Path) -> None:
    env = {**NO_NETWORK, "MEMHARNESS_CACHE": str(tmp_path / "cache")}
    proc = memharness("run", "--scenario", "heap_report", "--kernel-version", "V99.0.0", cwd=tmp_path, env=env)
    one_error(proc, 3, "FreeRTOS-Kernel V99.0.0 not found")
    clone = resolve_kernel().path
    if not (clone / ".git").exists():
        pytest.skip(f"the cached kernel {clone} is not a git clone, so it cannot stand in for upstream")
    proc = memharness("kernel", "install", "--version", "V99.0.0", "--from", str(clone), cwd=tmp_path, env=env)
    one_error(proc, 3, "git clone of V99.0.0", "Remote branch V99.0.0 not found")


# === 4. never ready, hangs, floods =============================================================
@pytest.mark.parametrize(
    ("steps", "reason"),
    [
        ([out(BOOT + b"booting, but never ready\n")], "no ready record within 1 s of power-on"),
        ([], "no ready record within 1 s of power-on (no UART output at all)"),
    ],
    ids=["boot-only", "silent"],
)
def test_firmware_that_never_prints_ready(
    tmp_path: Path, stray_emulators: Strays, steps: list[Step], reason: str
) -> None:
    proc = run_fake(tmp_path, steps, "--boot-timeout", "1")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"-> timeout ({reason})" in proc.stdout
    report = report_of(tmp_path / "results")
    assert (report["outcome"], report["reason"]) == ("timeout", reason)
    if steps:
        assert "booting, but never ready" in proc.stdout  # the last lines are quoted
    assert not stray_emulators()


@pytest.mark.parametrize("kind", [2, 4], ids=["busy-hang", "idle-forever"])
def test_firmware_that_hangs_mid_scenario_times_out_with_its_last_lines(
    tmp_path: Path, stray_emulators: Strays, kind: int
) -> None:
    results = tmp_path / "results"
    proc = memharness("run", "--scenario", "fault_inject", f"kind={kind}", "--timeout", "1",
                      "--results", str(results), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "-> timeout (no done record within 1 s)" in proc.stdout
    start = f"@mh start scenario=fault_inject kind={kind}"
    assert "last lines:" in proc.stdout and start in proc.stdout
    report = report_of(results)
    assert report["outcome"] == "timeout"
    assert start in (results / str(report["variant"]["label"]) / "fault_inject" / "uart.log").read_text()
    assert_nothing_left(results)
    assert not stray_emulators()


def test_a_uart_flood_ends_the_run_as_flood(tmp_path: Path, stray_emulators: Strays) -> None:
    results = tmp_path / "results"
    proc = memharness("run", "--scenario", "fault_inject", "kind=3", "--timeout", "60",
                      "--results", str(results), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"-> flood ({FLOOD_LINES} lines in a row without a record)" in proc.stdout
    assert re.search(r"^\s+flood line \d+$", proc.stdout, re.MULTILINE)
    report = report_of(results)
    assert report["outcome"] == "flood" and float(report["wall_time_s"]) < 60
    texts = [e for e in events_of(results) if "text" in e]
    assert len(texts) >= FLOOD_LINES
    assert not stray_emulators()


# === 5. asserts, faults, canary, stack limit, reset loops ======================================
def _source_line(path: Path, pattern: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if re.search(pattern, line))


def _define(path: Path, name: str) -> int:
    found = re.search(rf"#define\s+{name}\s+(0x[0-9A-Fa-f]+|\d+)", path.read_text())
    assert found, name
    return int(found.group(1), 0)


def _cause(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    results = tmp_path / "results"
    proc = memharness("run", *args, "--results", str(results), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    report = report_of(results)
    assert report["outcome"] == "reset"
    cause = report["cause"]
    assert isinstance(cause, dict), report
    assert "  cause: @mh " in proc.stdout
    return proc, cause


def test_an_assert_is_a_reset_of_kind_assert_with_file_and_line(tmp_path: Path, stray_emulators: Strays) -> None:
    source = FIRMWARE_DIR / "scenarios" / "fault_inject.c"
    proc, cause = _cause(tmp_path, "--scenario", "fault_inject", "kind=0")
    assert "-> reset (assert)" in proc.stdout
    assert cause["event"] == "assert" and cause["file"] == source.name
    assert cause["line_number"] == _source_line(source, r"^\s+configASSERT\(")
    assert not stray_emulators()


def test_a_hardfault_is_a_reset_of_kind_hardfault_with_the_registers(
    tmp_path: Path, firmware_built: None, stray_emulators: Strays
) -> None:
    source = FIRMWARE_DIR / "scenarios" / "fault_inject.c"
    proc, cause = _cause(tmp_path, "--scenario", "fault_inject", "kind=1")
    assert "-> reset (hardfault)" in proc.stdout
    assert cause["event"] == "fault" and cause["kind"] == "hardfault"
    bfar_valid, precise = 1 << 15, 1 << 9  # CFSR.BFSR: BFARVALID, PRECISERR (Armv7-M ARM B3.2.15)
    cfsr = int(cause["cfsr"])
    assert cfsr & bfar_valid and cfsr & precise
    assert cause["bfar"] == _define(source, "faultINVALID_ADDRESS")
    assert f"bfar={cause['bfar']:#010x}" in proc.stdout  # registers are shown in hex
    assert _function_at(api.prepare(board=BOARD).elf, int(cause["pc"])) == "prvRun"
    assert not stray_emulators()


def _function_at(elf: Path, address: int) -> str | None:
    """The function symbol whose code holds `address` (the Thumb bit ignored)."""
    with elf.open("rb") as f:
        table = ELFFile(f).get_section_by_name(".symtab")
        assert isinstance(table, SymbolTableSection)
        for sym in table.iter_symbols():
            start = int(sym["st_value"]) & ~1
            if sym["st_info"]["type"] == "STT_FUNC" and start <= address < start + int(sym["st_size"]):
                return str(sym.name)
    return None


def test_a_canary_trip_is_a_reset_of_kind_stack_overflow_naming_the_task(
    tmp_path: Path, stray_emulators: Strays
) -> None:
    source = (FIRMWARE_DIR / "scenarios" / "overflow.c").read_text()
    task = re.search(r'#define\s+overflowTASK_NAME\s+"([^"]+)"', source)
    proc, cause = _cause(tmp_path, "--scenario", "overflow", "depth=64")
    assert "-> reset (stack_overflow)" in proc.stdout
    assert cause["event"] == "stack_overflow" and cause["method"] == 2  # the variant's --overflow-check
    if task:
        assert cause["task"] == task.group(1)
    assert not stray_emulators()


def test_an_m33_stack_limit_trip_is_its_own_kind(tmp_path: Path, stray_emulators: Strays) -> None:
    board_path = PLATFORMS_DIR / "mps2-an505.yaml"
    if not board_path.is_file():
        pytest.skip(f"{board_path} does not exist yet (the boards issue adds the Cortex-M33 board)")
    board = yaml.safe_load(board_path.read_text())
    if "stack_limit" not in board.get("overflow_detection", ()):
        pytest.skip(f"{board_path} declares no stack_limit detection")
    proc, cause = _cause(tmp_path, "--board", "mps2-an505", "--overflow-check", "0",
                         "--scenario", "overflow", "depth=64")
    stkof = 1 << 20  # CFSR.UFSR.STKOF: the PSPLIM stack limit was crossed (Armv8-M ARM)
    assert cause["event"] == "fault" and int(cause["cfsr"]) & stkof, cause
    assert f"-> reset ({cause['kind']})" in proc.stdout and cause["kind"] != "hardfault"
    assert not stray_emulators()


ASSERT = b"@mh assert file=heap_5.c line=226\n"


def _boot(n: int, reset: str) -> bytes:
    return BOOT.replace(b"boot=1 reset=power_on", f"boot={n} reset={reset}".encode())


@pytest.mark.parametrize("after_command", [False, True], ids=["before-ready", "mid-scenario"])
def test_a_reset_loop_is_its_own_kind(tmp_path: Path, stray_emulators: Strays, after_command: bool) -> None:
    loop = b"".join(ASSERT + _boot(n, "assert") for n in range(2, RESET_LOOP_BOOTS + 3))
    steps = [*boot_and_command(), out(loop)] if after_command else [out(BOOT + loop)]
    proc = run_fake(tmp_path, steps)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "-> reset (reset_loop)" in proc.stdout and "cause: @mh assert file=heap_5.c line=226" in proc.stdout
    report = report_of(tmp_path / "results")
    assert (report["outcome"], report["reason"]) == ("reset", "reset_loop")
    assert report["boots"] == RESET_LOOP_BOOTS + (1 if after_command else 0)  # + the power-on boot
    assert not stray_emulators()


# === 6. the emulator dies ======================================================================
def test_qemu_killed_from_outside_mid_run(tmp_path: Path, stray_emulators: Strays) -> None:
    results = tmp_path / "results"
    cli = start_memharness("run", "--scenario", "fault_inject", "kind=4", "--timeout", "60",
                           "--results", str(results), cwd=tmp_path)
    try:
        wait_for_uart(results, b"@mh start scenario=fault_inject")
        [(pid, _)] = stray_emulators()
        os.kill(pid, signal.SIGKILL)
        stdout, stderr = cli.communicate(timeout=30)
    finally:
        cli.kill()
    assert cli.returncode == 3, stdout + stderr
    assert "-> emulator_died (killed by SIGKILL)" in stdout
    assert f"emulator command: {QEMU} " in stdout
    report = report_of(results)
    assert report["outcome"] == "emulator_died"
    assert "@mh start" in next(results.rglob("uart.log")).read_text()
    assert not stray_emulators()


def test_qemu_exiting_with_an_error(tmp_path: Path, stray_emulators: Strays) -> None:
    env = {"MEMHARNESS_PLATFORMS": str(board_file(tmp_path / "platforms", machine="no-such-machine"))}
    results = tmp_path / "results"
    proc = memharness("run", "--scenario", "heap_report", "--results", str(results), cwd=tmp_path, env=env)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "-> emulator_died (exited with status 1: " in proc.stdout and "no-such-machine" in proc.stdout
    assert "-M no-such-machine" in proc.stdout  # the command, to try by hand
    assert report_of(results)["outcome"] == "emulator_died"
    assert not stray_emulators()


def test_qemu_dying_under_a_probe_is_still_a_run_with_a_report(tmp_path: Path, stray_emulators: Strays) -> None:
    """A probe reading RAM through QMP from a QEMU that just died: the run says so, not a traceback."""
    firmware = api.prepare(board=BOARD)

    def kill_then_read(event: Event, session: Session) -> list[Event]:
        if isinstance(event, Start):
            [(pid, _)] = stray_emulators()
            os.kill(pid, signal.SIGKILL)
            while stray_emulators():
                time.sleep(0.01)
            session.read_memory(firmware.variant.board.memory.ram.base, 4)
        return []

    run = api.run_scenario(firmware, "fault_inject", {"kind": 4}, tmp_path, timeout=20, probe=kill_then_read)
    assert run.outcome is Outcome.EMULATOR_DIED and "QMP" in run.reason, run.describe()
    report = json.loads(write_run(run, run.uart_log.parent).read_text())
    assert report["outcome"] == "emulator_died"
    assert "@mh start scenario=fault_inject" in run.uart_log.read_text()
    assert not stray_emulators()


# === 7. UART input that is not ours ============================================================
NOISE = bytes(range(256)) * 3  # every byte value: NUL, ESC sequences, 0xff, lone continuation bytes


def _entries(tmp_path: Path) -> list[dict[str, Any]]:
    return events_of(tmp_path / "results")


def _uart_bytes(tmp_path: Path) -> bytes:
    return next((tmp_path / "results").rglob("uart.log")).read_bytes()


def test_binary_noise_is_kept_as_text_and_the_log_is_verbatim(tmp_path: Path, stray_emulators: Strays) -> None:
    sent = BOOT + READY + NOISE + b"\nafter the noise\n" + DONE
    proc = run_fake(tmp_path, [out(BOOT + READY), ("command", None), out(NOISE + b"\nafter the noise\n" + DONE)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _uart_bytes(tmp_path) == sent
    entries = _entries(tmp_path)
    assert len(entries) == sent.count(b"\n")
    assert {"line": len(entries) - 1, "text": "after the noise"} in entries
    assert not stray_emulators()


def test_invalid_utf8_becomes_replacement_characters(tmp_path: Path) -> None:
    proc = run_fake(tmp_path, [*boot_and_command(), out(b"caf\xe9 \xff\xfe ok\n" + DONE)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {"line": 3, "text": "caf\ufffd \ufffd\ufffd ok"} in _entries(tmp_path)


def test_a_line_of_one_mebibyte_is_cut_and_the_next_line_kept(tmp_path: Path) -> None:
    size = 1024 * 1024
    proc = run_fake(tmp_path, [*boot_and_command(), ("fill", [ord("x"), size]), out(b"\nthe next line\n" + DONE)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    entries = _entries(tmp_path)
    assert entries[2] == {"line": 3, "text": "x" * MAX_LINE + CUT_MARK}
    assert entries[3] == {"line": 4, "text": "the next line"}
    assert len(_uart_bytes(tmp_path)) == len(BOOT + READY + DONE) + size + len(b"\nthe next line\n")


def test_truncated_records_are_kept_as_bad_records(tmp_path: Path) -> None:
    proc = run_fake(tmp_path, [*boot_and_command(), out(b"@mh heap at=ready fr\n@mh boot proto=1 board=mps2\n"
                                                         b"between\n" + DONE)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    entries = _entries(tmp_path)
    assert entries[2]["bad_record"] == "@mh heap at=ready fr" and "bad key=value" in str(entries[2]["reason"])
    assert entries[3]["bad_record"] == "@mh boot proto=1 board=mps2" and "missing" in str(entries[3]["reason"])
    assert entries[4] == {"line": 5, "text": "between"}
    assert report_of(tmp_path / "results")["bad_records"] == 2
    assert "2 malformed record(s)" in proc.stdout


def test_a_record_cut_by_the_emulators_end_is_kept(tmp_path: Path, stray_emulators: Strays) -> None:
    proc = run_fake(tmp_path, [*boot_and_command(), out(b"@mh heap at=end fr"), ("exit", [1, "guest crashed\n"])])
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "-> emulator_died (exited with status 1: guest crashed)" in proc.stdout
    assert _entries(tmp_path)[-1]["bad_record"] == "@mh heap at=end fr"
    assert not stray_emulators()


def test_unknown_and_duplicate_keys(tmp_path: Path) -> None:
    proc = run_fake(tmp_path, [*boot_and_command(), out(b"@mh heap at=ready free=100 newer_figure=7\n"
                                                         b"@mh heap at=x at=y\n" + DONE)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    entries = _entries(tmp_path)
    assert entries[2] == {"line": 3, "event": "heap", "at": "ready", "free": 100, "newer_figure": 7}
    assert entries[3]["bad_record"] == "@mh heap at=x at=y" and "duplicate key 'at'" in str(entries[3]["reason"])
    assert report_of(tmp_path / "results")["heap"] == {"ready": {"free": 100}}


def test_records_from_a_newer_protocol_are_kept_with_a_warning(tmp_path: Path) -> None:
    newer = BOOT.replace(b"proto=1", b"proto=2")
    proc = run_fake(tmp_path, [out(newer + READY), ("command", None), out(b"@mh cycles op=malloc n=12\n" + DONE)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "warning: firmware speaks protocol 2, this harness 1" in proc.stdout
    report = report_of(tmp_path / "results")
    assert any("protocol 2" in str(w) for w in report["warnings"])
    assert {"line": 3, "event": "cycles", "unknown": True, "op": "malloc", "n": 12} in _entries(tmp_path)


def test_what_the_firmware_prints_is_never_markup_nor_a_path(tmp_path: Path) -> None:
    boot = BOOT.replace(b"board=mps2-an385", b"board=../../../escaped")
    spoof = b"[bold red]not markup[/] \x1b[2J\n@mh error code=[/red] name=../../../escaped\n"
    proc = run_fake(tmp_path, [out(boot + READY), ("command", None), out(spoof)])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "-> rejected (code=[/red] name=../../../escaped)" in proc.stdout  # shown, not interpreted
    assert "[bold red]not markup[/] \\x1b[2J" in proc.stdout  # the control character escaped
    assert "\x1b" not in proc.stdout and "Traceback" not in proc.stderr
    assert not [p for p in tmp_path.parent.rglob("escaped*")]
    [report] = (tmp_path / "results").rglob("report.json")
    assert report.parent.parent.name.startswith(f"{BOARD}-") and report.parent.name == "heap_report"


# === 8. Ctrl-C, SIGTERM, SIGHUP, and a killed harness ==========================================
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_stops_qemu_within_a_second_and_keeps_the_results(
    tmp_path: Path, stray_emulators: Strays, sig: signal.Signals
) -> None:
    results = tmp_path / "results"
    cli = start_memharness("run", "--scenario", "fault_inject", "kind=4", "--timeout", "60",
                           "--results", str(results), cwd=tmp_path)
    try:
        wait_for_uart(results, b"@mh start scenario=fault_inject")
        assert len(stray_emulators()) == 1
        cli.send_signal(sig)
        sent = time.monotonic()
        left = stray_emulators(GONE_WITHIN_S)
        gone_after = time.monotonic() - sent
        stdout, stderr = cli.communicate(timeout=30)
    finally:
        cli.kill()
    assert not left, f"QEMU still running {gone_after:.2f} s after {sig.name}"
    assert cli.returncode == 130, stdout + stderr
    assert "-> interrupted (interrupted by the user)" in stdout and "Traceback" not in stderr
    assert report_of(results)["outcome"] == "interrupted"
    assert "@mh start scenario=fault_inject" in next(results.rglob("uart.log")).read_text()
    assert_nothing_left(results)


def test_a_harness_killed_outright_takes_its_qemu_along(tmp_path: Path, stray_emulators: Strays) -> None:
    results = tmp_path / "results"
    cli = start_memharness("run", "--scenario", "fault_inject", "kind=4", "--timeout", "60",
                           "--results", str(results), cwd=tmp_path)
    try:
        wait_for_uart(results, b"@mh start scenario=fault_inject")
        cli.kill()  # SIGKILL: no handler runs, only the kernel's PR_SET_PDEATHSIG can help
        cli.communicate(timeout=30)
    finally:
        cli.kill()
    assert not stray_emulators(GONE_WITHIN_S)


# === 9. two runs of the same variant at once ===================================================
def test_two_runs_of_one_variant_at_once_share_nothing_but_the_build(tmp_path: Path, stray_emulators: Strays) -> None:
    build = tmp_path / "build"  # empty: both runs build the same variant at the same moment
    results = tmp_path / "results"
    env = {"MEMHARNESS_BUILD_DIR": str(build)}
    clis = [start_memharness("run", "--scenario", "heap_report", "--results", str(results), cwd=tmp_path, env=env)
            for _ in range(2)]
    outputs = [cli.communicate(timeout=300) for cli in clis]
    for cli, (stdout, stderr) in zip(clis, outputs):
        assert cli.returncode == 0, stdout + stderr
        assert "heap_report -> done (ok)" in stdout
    assert len([p for p in build.iterdir() if p.name.startswith(f"{BOARD}-")]) == 1
    objects = list((build / "objects").iterdir())  # both compiled them: each is there once, whole
    assert objects and not [p for p in objects if p.name.startswith(".")]
    assert len({p.name.rsplit("-", 1)[0] for p in objects}) == len(objects)
    assert not [p for p in build.iterdir() if p.name.startswith(".")]  # no staging folder left
    log = next(results.rglob("uart.log")).read_text().splitlines()  # one run's log, whole, never two mixed
    assert log[0].startswith("@mh boot ") and sum(line.startswith("@mh boot ") for line in log) == 1
    assert sum(line.startswith("@mh done scenario=heap_report ") for line in log) == 1
    assert report_of(results)["outcome"] == "done"
    assert_nothing_left(results)
    assert not stray_emulators()


def test_concurrent_sessions_have_private_sockets_removed_at_the_end(tmp_path: Path, stray_emulators: Strays) -> None:
    firmware = api.prepare(board=BOARD)
    qemu = QemuBackend()
    sessions = [qemu.start(firmware.variant.board, firmware.elf, tmp_path / f"{n}" / "uart.log") for n in range(2)]
    try:
        assert all(s.read_line(10) for s in sessions)  # both booted: QMP is listening
        sockets = [Path(next(a for a in s.command if a.startswith("unix:")).split(",")[0][5:]) for s in sessions]
        assert sockets[0] != sockets[1]
        for socket in sockets:
            assert stat.S_IMODE(socket.parent.stat().st_mode) == 0o700
        seen = [s.read_memory(firmware.variant.board.memory.ram.base, 16) for s in sessions]
        assert all(len(m) == 16 for m in seen)
        assert all("-nic" in s.command and s.command[s.command.index("-nic") + 1] == "none" for s in sessions)
        assert not any(a in ("-net", "-netdev", "-device") for s in sessions for a in s.command)
    finally:
        for session in sessions:
            session.stop()
    assert not any(socket.parent.exists() for socket in sockets)
    assert not stray_emulators()


# === 10. results folder not writable, disk full ================================================
def _limit_file_size(limit: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def _results_failure(proc: subprocess.CompletedProcess[str], reason: str) -> None:
    one_error(proc, 3, "cannot write the results folder", reason, "pass --results with a writable folder")
    assert "heap_report -> done (ok)" in proc.stdout  # the outcome is printed all the same
    assert "results: not written" in proc.stdout


def test_results_folder_that_cannot_be_created(tmp_path: Path, stray_emulators: Strays) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    proc = memharness("run", "--scenario", "heap_report", "--results", str(blocker / "results"), cwd=tmp_path)
    _results_failure(proc, "Not a directory")
    assert "warning: UART log: cannot write" in proc.stdout
    assert not stray_emulators()


def test_disk_full_while_writing_the_results(tmp_path: Path, firmware_built: None, stray_emulators: Strays) -> None:
    """RLIMIT_FSIZE makes every write past the limit fail, the way a full disk does."""
    results = tmp_path / "results"
    proc = memharness("run", "--scenario", "heap_report", "--results", str(results), cwd=tmp_path,
                      preexec=_limit_file_size(256))
    _results_failure(proc, "File too large")
    assert "the log is incomplete" in proc.stdout
    assert not list(results.rglob("report.json")) and not list(results.rglob("events.jsonl"))
    assert_nothing_left(results)
    assert not stray_emulators()


def _in_mount_namespace(tmp_path: Path, options: str) -> list[str]:
    """A command prefix running the rest with a private tmpfs (`options`) on tmp_path/mnt."""
    mount = tmp_path / "mnt"
    mount.mkdir()
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare (util-linux) is not installed: no private mount to fill up")
    probe = subprocess.run([unshare, "--mount", "--map-root-user", "sh", "-c",
                            f"mount -t tmpfs -o {options} tmpfs {mount}"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a private tmpfs here: {probe.stderr.strip()}")
    return [unshare, "--mount", "--map-root-user", "sh", "-c",
            f'mount -t tmpfs -o {options} tmpfs {mount} && exec "$0" "$@"']


@pytest.mark.parametrize(
    ("options", "reason"),
    [("size=4k", "No space left on device"), ("ro", "Read-only file system")],
    ids=["tmpfs-full", "read-only"],
)
def test_results_on_a_real_full_or_read_only_filesystem(
    tmp_path: Path, firmware_built: None, stray_emulators: Strays, options: str, reason: str
) -> None:
    prefix = _in_mount_namespace(tmp_path, options)
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "harness.cli", "run", "--scenario", "heap_report",
         "--results", str(tmp_path / "mnt" / "results")],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env=_env(None), check=False,
    )
    _results_failure(proc, reason)
    assert not stray_emulators()


# === the end-of-session check itself ===========================================================
LEAKY_TEST = '''
import subprocess, sys

def test_leaves_an_emulator_behind(tmp_path):
    fake = tmp_path / "qemu-system-fake"
    fake.write_text("#!" + sys.executable + "\\nimport time\\ntime.sleep(120)\\n")
    fake.chmod(0o755)
    subprocess.Popen([str(fake)], start_new_session=True)

def test_clean():
    pass
'''


def test_the_session_fails_when_an_xdist_worker_leaves_an_emulator(tmp_path: Path, stray_emulators: Strays) -> None:
    shutil.copy(Path(__file__).resolve().parent.parent / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_leaky.py").write_text(LEAKY_TEST)
    proc = subprocess.run(  # xdist alone of the installed plugins: an xdist worker, started quickly
        [sys.executable, "-m", "pytest", "-q", "-p", "xdist.plugin", "-n", "1", "-p", "no:cacheprovider",
         str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
        env=_env({"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}),
    )
    assert "2 passed" in proc.stdout, proc.stdout + proc.stderr
    assert proc.returncode == pytest.ExitCode.TESTS_FAILED, proc.stdout + proc.stderr
    assert re.search(r"left 1 emulator process\(es\) running: pid \d+ \(qemu-system-fak\) \(now killed\)", proc.stdout)
    assert not stray_emulators(GONE_WITHIN_S)  # and the check killed it

