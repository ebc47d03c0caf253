"""Renode, for real: the same STM32F4 image under QEMU and Renode, Renode's start-up paid once,
and Renode missing or dying mid-run.

The figures test is the issue's promise: heap and stack figures are properties of the firmware,
so every scenario prints the same records on both emulators, scheme by scheme (cycle figures
are per emulator and left out). Renode runs in this worker's process through pyrenode3 (one
start per pytest-xdist worker); the dying test uses the console driver, whose Renode is a
process that can be killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from harness import api
from harness.emulators import renode
from harness.emulators.base import Session
from harness.emulators.renode import RenodeBackend
from harness.emulators.renode_install import ENV_DRIVER, ENV_RENODE, pyrenode3_installed
from harness.errors import EmulatorError
from harness.events import Done, Event, Stack, StackMeasured, Text
from harness.observe import Snapshot, load_image, take_snapshot
from harness.paths import PROJECT_ROOT
from harness.platforms import load_board
from harness.run import Outcome, Run
from harness.scenarios import CATALOGUE
from harness.stack_probe import stack_probe
from harness.variant import HEAPS, NO_HEAP

pytestmark = pytest.mark.e2e

BOARD = "netduinoplus2"  # QEMU's netduinoplus2 and Renode's stm32f4_discovery: one image, USART2 on both
NOT_FIRMWARE_FIGURES = frozenset({"op_times", "cycle", "timer_base"})  # timing: per emulator
Strays = Callable[..., list[tuple[int, str]]]

_missing = RenodeBackend().available(load_board(BOARD))
if _missing:
    pytest.skip(f"Renode is not available here: {_missing}", allow_module_level=True)


def figures(run: Run) -> list[tuple[str, tuple[tuple[str, object], ...]]]:
    """Every record the firmware printed, in order, but the timing ones."""
    return [(e.kind, tuple(sorted(e.fields.items()))) for e in run.entries
            if isinstance(e, Event) and e.kind not in NOT_FIRMWARE_FIGURES]


@pytest.mark.parametrize("scheme", [*HEAPS, "static"])
def test_every_scenario_gives_the_same_heap_and_stack_figures_on_qemu_and_renode(
    scheme: str, tmp_path: Path
) -> None:
    profile = "static" if scheme == "static" else "dynamic"
    heap = NO_HEAP if scheme == "static" else scheme
    firmware = api.prepare(board=BOARD, heap=None if scheme == "static" else scheme, profile=profile)
    compared = 0
    for scenario in CATALOGUE:
        if scenario.test_only or not scenario.applies(heap, profile):
            continue
        qemu = api.run_scenario(firmware, scenario.name, {}, tmp_path / "qemu", emulator="qemu")
        on_renode = api.run_scenario(firmware, scenario.name, {}, tmp_path / "renode", emulator="renode")
        assert (on_renode.outcome, on_renode.reason) == (qemu.outcome, qemu.reason), on_renode.describe()
        assert figures(on_renode) == figures(qemu), (
            f"{scheme} {scenario.name}: the records differ between QEMU and Renode\n"
            f"{qemu.uart_log}\n{on_renode.uart_log}"
        )
        assert any(e.kind in ("heap", "stack", "task_cost", "malloc") for e in on_renode.events(Event))
        compared += 1
    assert compared >= 5  # static has the fewest: the scenarios that need no heap


def test_renode_starts_once_per_process_and_runs_are_deterministic(tmp_path: Path) -> None:
    firmware = api.prepare(board=BOARD, heap="heap_4")
    first = api.run_scenario(firmware, "stack_hwm", {}, tmp_path / "1", emulator="renode")
    started = renode.running_host()
    second = api.run_scenario(firmware, "stack_hwm", {}, tmp_path / "2", emulator="renode")
    assert renode.running_host() is started is not None  # reused: no second Mono start-up
    assert first.outcome is second.outcome is Outcome.DONE, second.describe()
    assert [e.text for e in first.entries if isinstance(e, Text)] == [e.text for e in second.entries
                                                                      if isinstance(e, Text)]
    assert figures(first) == figures(second)
    assert first.uart_log.read_bytes() == second.uart_log.read_bytes()


def test_a_reset_on_renode_is_counted_and_explained(tmp_path: Path) -> None:
    """SYSRESETREQ reboots the machine (Renode's reset macro reloads the ELF); the reset reason in
    .noinit survives it, as on QEMU and silicon, and the next run starts from power-on again."""
    firmware = api.prepare(board=BOARD, heap="heap_4")
    run = api.run_scenario(firmware, "overflow", {"depth": 64}, tmp_path / "o", emulator="renode")
    assert run.outcome is Outcome.RESET and run.reason == "stack_overflow", run.describe()
    assert [b.reset for b in run.boots] == ["power_on", "stack_overflow"]
    after = api.run_scenario(firmware, "heap_report", {}, tmp_path / "h", emulator="renode")
    assert [b.reset for b in after.boots] == ["power_on"], after.describe()


def test_ram_is_read_through_the_system_bus(tmp_path: Path) -> None:
    """The stack_hwm scenario's outside check: the stack's 0xa5 fill counted in RAM read over the
    system bus equals uxTaskGetStackHighWaterMark, on Renode as on QEMU."""
    firmware = api.prepare(board=BOARD, heap="heap_4")
    run = api.run_scenario(firmware, "stack_hwm", {}, tmp_path, emulator="renode", probe=stack_probe)
    measured = run.events(StackMeasured)
    assert run.outcome is Outcome.DONE and len(measured) == 3, run.describe()
    reported = {(s.task, s.at): s.hwm_words for s in run.events(Stack)}
    for event in measured:
        assert event.untouched_words == reported[(event.task, event.at)], event


@pytest.mark.parametrize("heap", ["heap_2", "heap_4", "heap_5"])
def test_the_outside_reader_reads_renode_through_the_system_bus(heap: str, tmp_path: Path) -> None:
    """Issue 10's reader (`harness.observe`) on Renode: the kernel's heap and tasks read from RAM
    over the system bus, with the machine paused at the scenario's `done`, agree with the
    firmware's own last heap record and stack records."""
    firmware = api.prepare(board=BOARD, heap=heap)
    image = load_image(firmware.elf, firmware.variant.board)
    taken: list[Snapshot] = []

    def snapshot_at_done(event: Event, session: Session) -> list[Event]:
        if isinstance(event, Done):
            taken.append(take_snapshot(image, session.read_memory, label="done"))
        return []

    run = api.run_scenario(firmware, "alloc_free", {"size": 100}, tmp_path, emulator="renode",
                           probe=snapshot_at_done)
    assert run.outcome is Outcome.DONE and len(taken) == 1, run.describe()
    [snap] = taken
    record = run.heap_at("after_free")
    assert snap.heap.free == record.free
    if heap != "heap_2":
        assert (snap.heap.free_blocks, snap.heap.largest) == (record.free_blocks, record.largest)
    assert {"console", "IDLE", "Tmr Svc"} <= {t.name for t in snap.tasks}


def test_user_images_ask_for_qemu_on_renode(tmp_path: Path) -> None:
    """The gdb stub the outside reader drives is QEMU's: Renode's listens on every interface."""
    firmware = api.prepare(board=BOARD, heap="heap_4")
    with pytest.raises(EmulatorError, match="Renode offers no private debug interface") as caught:
        RenodeBackend().start(firmware.variant.board, firmware.elf, tmp_path / "uart.log", debug=True)
    assert "--emulator qemu" in str(caught.value)


# --- Renode missing, Renode dying ----------------------------------------------------------------
def _as_from_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # a worker may have SIGINT ignored; a shell's Ctrl-C is not


def _cli(*args: str, env: dict[str, str | None], timeout: float = 300) -> subprocess.Popen[str]:
    full = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "COLUMNS": "160"}
    for key, value in env.items():
        if value is None:
            full.pop(key, None)
        else:
            full[key] = value
    return subprocess.Popen([sys.executable, "-m", "harness.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=full, preexec_fn=_as_from_a_terminal)


def test_renode_missing_is_exit_3_naming_how_to_install_it(tmp_path: Path, stray_emulators: Strays) -> None:
    empty = tmp_path / "no-renode"
    empty.mkdir()
    proc = _cli("run", "--board", BOARD, "--emulator", "renode", "--scenario", "leak",
                "--results", str(tmp_path / "r"), env={ENV_RENODE: str(empty)})
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 3, out + err
    assert "Traceback" not in err
    assert f"memharness: error: {ENV_RENODE} names {empty}, which holds no Renode" in err
    assert "fix: install Renode from Antmicro's packages" in err and "pyrenode3" in err
    assert not (tmp_path / "r").exists() and not stray_emulators()


def test_a_board_without_renode_is_a_usage_error(tmp_path: Path) -> None:
    proc = _cli("run", "--board", "mps2-an385", "--emulator", "renode", "--scenario", "leak",
                "--results", str(tmp_path / "r"), env={})
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err
    assert "board mps2-an385 does not run on renode (it runs on: qemu)" in err


def _started(results: Path) -> bool:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:  # the scenario has started: its log has the start record
        found = list(results.rglob(".uart.log.*.part"))
        if found and b"@mh start" in found[0].read_bytes():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("driver", ["pyrenode3", "console"])
def test_ctrl_c_stops_a_renode_run_with_its_report_kept(
    driver: str, tmp_path: Path, stray_emulators: Strays
) -> None:
    if driver == "pyrenode3" and not pyrenode3_installed():
        pytest.skip("pyrenode3 is not installed in this environment (make setup installs it beside Renode)")
    api.prepare(board=BOARD, heap="heap_4")
    proc = _cli("run", "--board", BOARD, "--heap", "heap_4", "--emulator", "renode", "--scenario", "leak",
                "size=16", "delay_ms=100", "--timeout", "600", "--results", str(tmp_path / "r"),
                env={ENV_DRIVER: driver})
    assert _started(tmp_path / "r"), "the run never started"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    assert "-> interrupted" in out and "Traceback" not in out + err
    assert (tmp_path / "r" / f"{BOARD}-heap_4-dynamic-V11.3.0-ovf2" / "leak" / "report.json").is_file()
    assert not stray_emulators(2.0)


def test_renode_dying_mid_run_is_exit_3_and_leaves_nothing(tmp_path: Path, stray_emulators: Strays) -> None:
    api.prepare(board=BOARD, heap="heap_4")  # built before the clock starts
    proc = _cli("run", "--board", BOARD, "--heap", "heap_4", "--emulator", "renode", "--scenario", "leak",
                "size=16", "delay_ms=100", "--timeout", "600", "--results", str(tmp_path / "r"),
                env={ENV_DRIVER: "console"})
    assert _started(tmp_path / "r"), "the run never started"
    running = stray_emulators()
    assert running, "no tagged Renode process to kill"
    for pid, _ in running:
        os.kill(pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 3, out + err
    assert "-> emulator_died (" in out and ("Killed" in out or "killed by SIGKILL" in out), out
    assert "Traceback" not in out + err
    assert (tmp_path / "r" / f"{BOARD}-heap_4-dynamic-V11.3.0-ovf2" / "leak" / "report.json").is_file()
    assert not stray_emulators(2.0)
