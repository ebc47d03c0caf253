"""Espressif's QEMU: harness wall time against the raw emulator, side by side, on the esp32c3.

1. Our firmware (heap_4) running the leak scenario: raw qemu-system-riscv32 on the same flash
   image, fed the command on stdin and stopped at the `done` record, against `run_scenario`.
2. ESP-IDF's hello_world (../shared/fixtures/esp-idf): power-on to `Hello world!` raw against
   `run_image(until="Hello world!")`.
Prints the ratios (target: within 1.2x); asserts nothing. Needs MEMHARNESS_ESP_QEMU (or
~/.espressif/tools, PATH) like the harness itself.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.api import prepare, run_scenario
from harness.emulators.esp_qemu import EspQemuBackend, esp_target, flash_image
from harness.image_run import run_image
from harness.platforms import load_board

ROUNDS = 7
BOARD = "esp32c3"
HELLO = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "esp-idf" / "hello_world_esp32c3" / "build"


def raw(command: list[str], until: bytes, send: bytes = b"") -> float:
    """Seconds from launch to the first line starting with `until`, the emulator then killed."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdin is not None and proc.stdout is not None
    if send:
        proc.stdin.write(send)
        proc.stdin.flush()
    for line in proc.stdout:
        if line.startswith(until):
            break
    proc.kill()
    proc.wait()
    return time.perf_counter() - start


def raw_command(source: Path, workdir: Path) -> list[str]:
    """The backend's own command line without the QMP and gdb sockets (what a person types), its
    flash in place (the private copy the backend makes for an ESP-IDF image)."""
    board = load_board(BOARD)
    command = EspQemuBackend().command(board, source, workdir)
    for option in ("-qmp", "-gdb"):
        at = command.index(option)
        del command[at : at + 2]
    if f"file={workdir / 'flash.bin'}," in " ".join(command):
        shutil.copyfile(flash_image(esp_target(board), source), workdir / "flash.bin")
    return command


def report(title: str, raw_times: list[float], ours_times: list[float]) -> None:
    bare, ours = statistics.median(raw_times), statistics.median(ours_times)
    print(f"{title}, median of {ROUNDS}:")
    print(f"  raw qemu-system-riscv32  {bare * 1000:8.1f} ms")
    print(f"  memharness               {ours * 1000:8.1f} ms")
    print(f"  ratio harness/raw        {ours / bare:8.2f}")


def main() -> int:
    board = load_board(BOARD)
    EspQemuBackend().require(board)
    firmware = prepare(board=BOARD, heap="heap_4")
    with tempfile.TemporaryDirectory() as tmp:
        command = raw_command(firmware.elf, Path(tmp))
        raw_times, ours_times = [], []
        for _ in range(ROUNDS):  # interleaved, so both see the same machine load
            raw_times.append(raw(command, b"@mh done", b"run leak size=4096\n"))
            start = time.perf_counter()
            run = run_scenario(firmware, "leak", {"size": 4096}, Path(tmp) / "results")
            ours_times.append(time.perf_counter() - start)
            assert run.outcome.value == "done", run.describe()
        report(f"leak on {firmware.variant.label}", raw_times, ours_times)

        if not HELLO.is_dir():
            print(f"ESP-IDF hello_world: skipped, {HELLO} is not there")
            return 0
        command = raw_command(HELLO, Path(tmp))
        raw_times, ours_times = [], []
        for _ in range(ROUNDS):
            raw_times.append(raw(command, b"Hello world!"))
            start = time.perf_counter()
            run = run_image(board, HELLO, Path(tmp) / "results", until="Hello world!")
            ours_times.append(time.perf_counter() - start)
            assert run.outcome.value == "done", run.describe()
        report("ESP-IDF hello_world on esp32c3, power-on to `Hello world!`", raw_times, ours_times)
    return 0


if __name__ == "__main__":
    sys.exit(main())
