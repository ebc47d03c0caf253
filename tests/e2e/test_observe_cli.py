"""`memharness run --elf` as a user runs it: the tables, the files, and every bad input refused.

Each refusal is one `memharness: error:` line with its fix, exit 2 (the user's input) and no
emulator left running; a snapshot point that never comes ends at the deadline with the partial
report kept.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.build import GCC
from harness.kernel import resolve_kernel
from harness.platforms import load_board

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fixtures" / "user_app"))
from build_app import build_user_app

pytestmark = pytest.mark.e2e

BOARD = "mps2-an385"
NOT_FREERTOS_C = """
__attribute__((section(".vectors"), used)) const unsigned int vectors[2] = { 0x20001000u, 0x41u };
int main(void) { for (;;) { } }
"""


def memharness(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *args], cwd=cwd, capture_output=True, text=True,
        timeout=300, env={**os.environ, "COLUMNS": "160"},
    )


@pytest.fixture(scope="module")
def app_elf() -> Path:
    return build_user_app(load_board(BOARD), resolve_kernel())


def test_run_elf_prints_the_heap_and_task_tables_and_writes_the_files(app_elf: Path, tmp_path: Path) -> None:
    proc = memharness("run", "--elf", str(app_elf), "--board", BOARD, "--ticks", "60", "--every", "20",
                      "--expect-line", "app: boot", "--results", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "app.elf (heap_4) -> done (ticks=60)" in out
    # The end's tick is in the title; on a loaded host the end can be reached a tick late (marked so
    # in snapshots.json), which test_observe_image's run-to-run checks cover: here, the tables.
    assert "heap at end (tick " in out and "heap_4; bytes)" in out and "tasks at end" in out
    for name in ("producer", "consumer", "logger", "IDLE", "Tmr Svc", "symbol uxLoggerStack", "heap block"):
        assert name in out, name
    folder = tmp_path / f"{BOARD}-app"
    data = json.loads((folder / "snapshots.json").read_text())
    assert [s["label"] for s in data["snapshots"]] == ["tick 20", "tick 40", "end"]
    assert data["snapshots"][-1]["heap"]["scheme"] == "heap_4"
    assert json.loads((folder / "report.json").read_text())["outcome"] == "done"
    assert "app: boot" in (folder / "uart.log").read_text()
    assert (folder / "timeline.html").read_text().count("data:image/svg+xml;base64,") == 2  # heap, stacks


def _not_an_elf(tmp: Path, app: Path) -> Path:
    path = tmp / "firmware.bin"
    path.write_bytes(b"\x00\x10\x00\x20" * 64)
    return path


def _other_architecture(tmp: Path, app: Path) -> Path:
    return Path(os.path.realpath(sys.executable))  # an ELF for the host, not a Cortex-M


def _no_debug_info(tmp: Path, app: Path) -> Path:
    path = tmp / "stripped.elf"
    subprocess.run(["arm-none-eabi-objcopy", "--strip-debug", str(app), str(path)], check=True)
    return path


def _not_freertos(tmp: Path, app: Path) -> Path:
    source = tmp / "bare.c"
    source.write_text(NOT_FREERTOS_C)
    path = tmp / "bare.elf"
    subprocess.run([GCC, "-g", "-mcpu=cortex-m3", "-mthumb", "-nostdlib", "-nostartfiles", "-e", "main",
                    "-Wl,--section-start=.vectors=0", "-Wl,-Ttext=0x100", str(source), "-o", str(path)], check=True)
    return path


BAD_IMAGES: dict[str, tuple[Callable[[Path, Path], Path], tuple[str, ...], str]] = {
    "not an ELF": (_not_an_elf, (), "is not an ELF file"),
    "another architecture": (_other_architecture, (), "is built for EM_X86_64"),
    "another board": (lambda tmp, app: app, ("--board", "mps2-an505"), "outside mps2-an505's flash and RAM"),
    "no debug information": (_no_debug_info, (), "build the image with -g"),
    "not FreeRTOS": (_not_freertos, (), "is not a FreeRTOS image"),
    "no such function": (lambda tmp, app: app, ("--at-call", "vNoSuchFunction"), "has no function vNoSuchFunction"),
    "no such file": (lambda tmp, app: tmp / "missing.elf", (), "does not exist"),
}


@pytest.mark.parametrize("case", list(BAD_IMAGES))
def test_a_bad_image_is_refused_with_the_fix(case: str, app_elf: Path, tmp_path: Path,
                                              stray_emulators: Callable[[float], list[tuple[int, str]]]) -> None:
    if case == "no debug information" and shutil.which("arm-none-eabi-objcopy") is None:
        pytest.skip("arm-none-eabi-objcopy is not installed")
    make, extra, said = BAD_IMAGES[case]
    elf = make(tmp_path, app_elf)
    proc = memharness("run", "--elf", str(elf), "--board", BOARD, *extra, "--results", str(tmp_path / "r"),
                      cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert said in proc.stderr and "memharness: error:" in proc.stderr and "fix:" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert stray_emulators(5.0) == []


def test_a_point_that_never_comes_ends_at_the_deadline_with_the_report_kept(
        app_elf: Path, tmp_path: Path, stray_emulators: Callable[[float], list[tuple[int, str]]]) -> None:
    proc = memharness("run", "--elf", str(app_elf), "--board", BOARD, "--until-line", "never printed",
                      "--timeout", "3", "--results", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "timeout (the deadline passed)" in proc.stdout and "heap at end" in proc.stdout
    folder = tmp_path / f"{BOARD}-app"
    assert json.loads((folder / "report.json").read_text())["outcome"] == "timeout"
    [snap] = json.loads((folder / "snapshots.json").read_text())["snapshots"]
    assert snap["label"] == "end" and snap["deterministic"] is False  # host-timed: the deadline
    assert stray_emulators(5.0) == []
