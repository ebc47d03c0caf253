"""ESP-IDF images on Espressif's QEMU (boards esp32 and esp32c3): the shared images, run end to end.

The images are real ESP-IDF builds (../shared/fixtures/esp-idf, see its README); the emulator is
found as the harness finds it (MEMHARNESS_ESP_QEMU, which `.ci/run` sets, ~/.espressif/tools, PATH).
Each test asserts on the harness's own events parsed from ESP-IDF's console, and on
`harness.expect`, the layer pytest and Robot share.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness import api, expect
from harness.emulators import backend
from harness.errors import UsageError
from harness.esp_idf_console import HeapPattern
from harness.events import Boot, Fault, Heap
from harness.image_run import run_image
from harness.platforms import load_board
from harness.run import Outcome

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "esp-idf"
HELLO = {"esp32": FIXTURES / "hello_world_esp32" / "build", "esp32c3": FIXTURES / "hello_world_esp32c3" / "build"}
PANIC = FIXTURES / "hello_world_esp32c3_panic" / "build"
PANIC_SOURCE = "hello_world_main.c:17"  # `*((int*) 0) = 0;` in the panic image's main/


def needs(board: str) -> None:
    """Skip, naming what is missing, where the image or Espressif's QEMU is really absent."""
    if not FIXTURES.is_dir():
        pytest.skip(f"the shared ESP-IDF images are not at {FIXTURES}")
    reason = backend("esp_qemu").available(load_board(board))
    if reason:
        pytest.skip(f"Espressif's QEMU is not available: {reason}")


@pytest.mark.parametrize("board", ["esp32", "esp32c3"])
def test_hello_world_boots_reports_its_heap_and_restarts_by_software(board: str, tmp_path: Path) -> None:
    needs(board)
    run = run_image(load_board(board), HELLO[board], tmp_path, until="Hello world!", count=2, timeout=90)
    assert run.outcome is Outcome.DONE, run.describe()
    first, second = run.boots
    assert (first.boot, first.reset, second.boot, second.reset) == (1, "power_on", 2, "software"), run.describe()
    assert second.fields["rst_name"] in ("SW_CPU_RESET", "RTC_SW_CPU_RST")
    line = next(t for t in run.texts if t.startswith("Minimum free heap size:"))
    printed = int(line.split(":")[1].split()[0])
    assert expect.heap_figure(run, "min_ever", "minimum_free") == printed > 0
    assert run.texts.count("Hello world!") == 2 and run.last(Fault) is None
    # Everything between the two boots is the countdown the app printed before esp_restart().
    restart = [t for t in run.texts if t.startswith("Restarting in")]
    assert restart[0] == "Restarting in 10 seconds..." and restart[-1] == "Restarting in 0 seconds..."
    # The raw log keeps every byte QEMU printed, up to its stop: at least both boots. Under icount
    # an idle countdown passes in no host time, so a loaded host may stop QEMU a boot later.
    raw = run.uart_log.read_text().splitlines()
    assert sum(line.startswith("rst:") for line in raw) >= 2 and raw[: len(run.texts)] == list(run.texts)


def test_the_panic_is_decoded_to_app_main_and_a_panic_at_every_boot_is_a_reset_loop(tmp_path: Path) -> None:
    needs("esp32c3")
    first = run_image(load_board("esp32c3"), PANIC, tmp_path / "first", timeout=60)
    assert first.outcome is Outcome.RESET and first.reason == "panic", first.describe()
    fault = first.cause
    assert isinstance(fault, Fault) and fault.cause == "Store access fault"
    assert (fault.function, fault.source) == ("app_main", PANIC_SOURCE), fault
    assert fault.fault == "store_access_fault" and fault.mcause == 7 and fault.mtval == 0
    assert fault.pc == fault.fields["mepc"]
    assert first.boots[-1].reset == "panic" and first.texts.index("Hello world!") + 1 < fault.line
    expect.board_should_reset(first, "fault")
    print(f"\npanic decoded: {fault.fault} at {fault.function} ({fault.source}), pc {fault.pc:#010x}")

    loop = run_image(load_board("esp32c3"), PANIC, tmp_path / "loop", timeout=60, max_resets=10)
    assert (loop.outcome, loop.reason) == (Outcome.RESET, "reset_loop"), loop.describe()
    assert [b.reset for b in loop.boots] == ["power_on", "panic", "panic", "panic"]
    assert [f.source for f in loop.events(Fault)] == [PANIC_SOURCE] * 3


def test_a_registered_heap_pattern_is_a_figure(tmp_path: Path) -> None:
    needs("esp32c3")
    chip = HeapPattern("chip", r"This is esp32c3 chip with (\d+) CPU core", "free")  # any number the app prints
    run = run_image(load_board("esp32c3"), HELLO["esp32c3"], tmp_path, until="Minimum free heap", timeout=60,
                    heap_patterns=[chip])
    assert run.outcome is Outcome.DONE, run.describe()
    [heap] = run.events(Heap)
    assert (heap.at, heap.free) == ("chip", 1) and [b.reset for b in run.events(Boot)] == ["power_on"]


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**env, "COLUMNS": "160"})


def test_the_cli_decodes_the_panic_and_exits_1(tmp_path: Path) -> None:
    needs("esp32c3")
    proc = _cli("run", "--board", "esp32c3", "--image", str(PANIC), "--results", str(tmp_path),
                env=dict(os.environ), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "-> reset (panic)" in proc.stdout and "kind=store_access_fault" in proc.stdout
    assert f"at: app_main ({PANIC_SOURCE})" in proc.stdout
    assert list(tmp_path.rglob("report.json")) and list(tmp_path.rglob("uart.log"))


def test_a_missing_emulator_exits_3_naming_every_way_to_provide_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MEMHARNESS_ESP_QEMU"}
    env.update(HOME=str(tmp_path), PATH="/usr/bin:/bin", MEMHARNESS_ESP_QEMU=str(tmp_path / "nowhere"))
    proc = _cli("run", "--board", "esp32c3", "--image", str(PANIC), "--results", str(tmp_path), env=env, cwd=tmp_path)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    message = proc.stderr
    assert message.startswith("memharness: error: Espressif's QEMU (qemu-system-riscv32, machine esp32c3)")
    for way in ("--esp-qemu", "MEMHARNESS_ESP_QEMU", ".espressif/tools", "PATH"):
        assert way in message, message
    assert "Traceback" not in message and not list(tmp_path.rglob("uart.log"))


def test_esp32_runs_images_only_and_says_so() -> None:
    with pytest.raises(UsageError, match=r"board esp32 runs esp_idf only: .*\n  fix: .*--image") as refused:
        api.prepare(board="esp32", heap="heap_4")
    assert refused.value.status == 2
