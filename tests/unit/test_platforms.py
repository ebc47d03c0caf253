"""The board schema's port, FPU and memory fields, the memory map the build derives from them, and
the pytest plugin's `--board` option (through pytester, no emulator needed)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.build import memory_script, port_sources
from harness.errors import KernelNotFoundError, PlatformError, UsageError
from harness.kernel import Kernel, resolve_kernel
from harness.paths import PLATFORMS_DIR
from harness.platforms import board_names, load_all_boards, load_board, load_board_file
from harness.variant import make_variant

pytest_plugins = ["pytester"]

KERNEL_VERSIONS = ("V11.3.0", "V11.1.0")  # the releases `make setup` installs
AN505 = (PLATFORMS_DIR / "mps2-an505.yaml").read_text()


def _write(tmp_path: Path, text: str, name: str = "mps2-an505") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("version", KERNEL_VERSIONS)
def test_every_board_names_port_files_the_kernel_has(version: str) -> None:
    try:
        kernel = resolve_kernel(version, allow_clone=False)
    except KernelNotFoundError:
        pytest.skip(f"FreeRTOS-Kernel {version} is not installed (`make setup` installs it)")
    for board in [b for b in load_all_boards() if b.runs_firmware]:
        files = port_sources(make_variant(board, kernel))
        assert [f.name for f in files] == list(board.port_sources) and all(f.is_file() for f in files)


def test_a_port_file_the_kernel_lacks_is_refused_naming_the_board_file(tmp_path: Path) -> None:
    kernel_tree = tmp_path / "kernel"
    (kernel_tree / "portable" / "GCC" / "ARM_CM33_NTZ" / "non_secure").mkdir(parents=True)
    (kernel_tree / "portable" / "GCC" / "ARM_CM33_NTZ" / "non_secure" / "port.c").write_text("")
    variant = make_variant(load_board("mps2-an505"), Kernel(kernel_tree, "V10.0.0", "explicit"))
    with pytest.raises(PlatformError, match=r"mps2-an505\.yaml: .*portasm\.c.*V10\.0\.0 does not have"):
        port_sources(variant)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("fpu: fpv5-sp-d16", "fpu: vfp9"), "'fpu'"),
        (("port_dir: ARM_CM33_NTZ/non_secure", "port_dir: ../../etc"), "'port_dir'"),
        (("port_sources: [port.c, portasm.c]", "port_sources: [non_secure/port.c]"), "not a .c or .S file name"),
        (("port_sources: [port.c, portasm.c]", "port_sources: []"), "'port_sources'"),
        (("  ram2: {base: 0x38200000, size: 0x00200000}\n", ""), "heap5_regions names ram2, but memory has no ram2"),
        (("heap5_regions: [ram, ram2]", "heap5_regions: [ram, ram3]"), "'heap5_regions.1'"),
        (("overflow_detection: [canary, stack_limit]", "overflow_detection: [magic]"), "'overflow_detection.0'"),
        (("    cpu: cortex-m33\n", "    cpu: cortex-m33\n    serial_port: 9\n"), "'emulators.qemu.serial_port'"),
        (("family: mps2", "family: mps3"), "'family': .*mps3 does not exist"),
        (("linker_script: cortex_m/cortex_m.ld", "linker_script: cortex_m/nope.ld"), "'linker_script'"),
    ],
)
def test_board_fields_are_checked_and_named(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    old, new = change
    assert AN505.count(old) == 1
    path = _write(tmp_path, AN505.replace(old, new))
    with pytest.raises(PlatformError, match=rf"mps2-an505\.yaml: .*{message}"):
        load_board_file(path)


def test_the_memory_map_comes_from_the_yaml() -> None:
    an505, an385 = load_board("mps2-an505"), load_board("mps2-an385")
    script = memory_script(an505)
    assert "RAM2  ( rwx ) : ORIGIN = 0x38200000, LENGTH = 0x200000" in script
    assert 'REGION_ALIAS( "HEAP5_REGION0", RAM );' in script and 'REGION_ALIAS( "HEAP5_REGION1", RAM2 );' in script
    assert "__mh_ram_end = 0x38200000;" in script
    plain = memory_script(an385)
    assert "RAM2" not in plain.split("}")[0] and plain.count('", RAM );') == 2
    assert re.search(r"__mh_ram2_start = 0x0+;", plain)


def test_float_flags_follow_the_fpu() -> None:
    assert load_board("mps2-an385").float_flags() == ("-mfloat-abi=soft",)
    assert load_board("mps2-an386").float_flags() == ("-mfpu=fpv4-sp-d16", "-mfloat-abi=hard")
    assert all(b.has_fpu == (b.fpu != "none") for b in load_all_boards())


# --- the pytest plugin's --board ---------------------------------------------------------------
PROBE = """
from harness.pytest_plugin import only_boards

def test_board(mh_board):
    print("BOARD", mh_board.name)

@only_boards(lambda b: "stack_limit" in b.overflow_detection, "needs a stack limit")
def test_limited(mh_board):
    print("LIMITED", mh_board.name)
"""


def test_board_all_runs_a_test_once_per_board_and_only_where_it_applies(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PROBE)
    result = pytester.runpytest("--board", "all", "-v", "-p", "no:randomly")
    firmware = [name for name in board_names() if load_board(name).runs_firmware]
    assert "esp32c3" in firmware and "esp32" not in firmware  # esp32 runs ESP-IDF images only
    result.assert_outcomes(passed=len(firmware) + 1)
    for name in firmware:
        result.stdout.fnmatch_lines([f"*test_board?{name}? PASSED*"])
    result.stdout.no_fnmatch_line("*test_board?esp32? *")
    result.stdout.fnmatch_lines(["*test_limited?mps2-an505? PASSED*"])


def test_one_board_keeps_plain_ids_and_skips_naming_why(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PROBE)
    result = pytester.runpytest("--board", "mps2-an385", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*mps2-an385: needs a stack limit*"])


def test_a_list_of_boards_and_a_wrong_name(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PROBE)
    result = pytester.runpytest("--board", "mps2-an385,netduinoplus2", "-rs")
    result.assert_outcomes(passed=2, skipped=2)
    result.stdout.fnmatch_lines(["*netduinoplus2: needs a stack limit*"])
    wrong = pytester.runpytest("--board", "mps2-an999")
    assert wrong.ret == pytest.ExitCode.USAGE_ERROR
    wrong.stderr.fnmatch_lines(["*--board: unknown board 'mps2-an999'*"])


def test_a_board_says_what_it_runs() -> None:
    esp32, esp32c3 = load_board("esp32"), load_board("esp32c3")
    assert (esp32.runs, esp32.default_emulator, esp32.core) == (("esp_idf",), "esp_qemu", "xtensa")
    assert (esp32c3.runs, esp32c3.default_emulator, esp32c3.core) == (("firmware", "esp_idf"), "esp_qemu", "riscv")
    assert load_board("mps2-an385").runs == ("firmware",) and load_board("mps2-an385").default_emulator == "qemu"
    with pytest.raises(UsageError, match="board esp32 runs esp_idf only: memharness builds no firmware"):
        esp32.require_firmware()


def test_a_firmware_board_must_give_the_firmware_keys(tmp_path: Path) -> None:
    text = (PLATFORMS_DIR / "esp32c3.yaml").read_text().replace("linker_script: esp32c3/esp32c3.ld\n", "")
    with pytest.raises(PlatformError, match="missing field 'linker_script'"):
        load_board_file(_write(tmp_path, text, "esp32c3"))
    images_only = text.replace("runs: [firmware, esp_idf]", "runs: [esp_idf]")
    assert load_board_file(_write(tmp_path, images_only, "esp32c3")).runs == ("esp_idf",)


_LOAD = """
import sys
from harness.errors import PlatformError
from harness.platforms import load_board
try:
    board = load_board("mps2-an385")
except PlatformError as exc:
    print("error:", exc)
else:
    print(board.clock_hz, "pydantic" in sys.modules, "yaml" in sys.modules)
"""


def test_a_validated_board_is_kept_and_any_edit_validates_it_again(tmp_path: Path) -> None:
    """The second process reads the kept board without importing pydantic or YAML; an edit of the
    file's bytes is validated afresh (a bad value is refused, naming it), and so is its repair."""
    platforms = tmp_path / "platforms"
    platforms.mkdir()
    path = platforms / "mps2-an385.yaml"
    path.write_text((PLATFORMS_DIR / "mps2-an385.yaml").read_text())
    env = {**os.environ, "MEMHARNESS_PLATFORMS": str(platforms), "MEMHARNESS_BUILD_DIR": str(tmp_path / "build")}

    def load() -> str:
        return subprocess.run([sys.executable, "-c", _LOAD], env=env, capture_output=True, text=True,
                              check=True).stdout.strip()

    clock = load_board("mps2-an385").clock_hz
    assert load() == f"{clock} True True"  # validated: the schema's libraries were needed
    assert load() == f"{clock} False False"  # kept: neither is imported
    assert len(list((tmp_path / "build" / "boards").glob("*.pickle"))) == 1
    path.write_text(path.read_text().replace(f"clock_hz: {clock}", "clock_hz: 0"))
    assert load().startswith("error:") and "'clock_hz'" in load()
    path.write_text(path.read_text().replace("clock_hz: 0", "clock_hz: 12000000"))
    assert load() == "12000000 True True"
    assert load() == "12000000 False False"
