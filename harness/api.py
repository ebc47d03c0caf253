"""The Python API: the one surface the CLI, the pytest plugin and the Robot library call.

    fw = prepare(board="mps2-an385", heap="heap_4")
    run = run_scenario(fw, "leak", {"size": 4096})
    run.figure("ready", "free")
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from harness.build import Firmware, build
from harness.emulators import backend
from harness.kernel import DEFAULT_VERSION, resolve_kernel
from harness.run import Probe, Run, execute
from harness.scenarios import validate
from harness.variant import make_variant

DEFAULT_BOARD = "mps2-an385"


def prepare(
    board: str = DEFAULT_BOARD,
    heap: str | None = None,
    profile: str = "dynamic",
    kernel_version: str = DEFAULT_VERSION,
    kernel_path: Path | None = None,
    heap_size: int | None = None,
    overflow_check: int = 2,
) -> Firmware:
    """Resolve the board and kernel, check the combination, and build (or reuse) the image."""
    from harness.platforms import load_board  # the schema (pydantic, YAML) loads with the first board

    variant = make_variant(
        load_board(board),
        resolve_kernel(kernel_version, kernel_path),
        heap=heap,
        profile=profile,
        heap_size=heap_size,
        overflow_check=overflow_check,
    )
    return build(variant)


def run_scenario(
    firmware: Firmware,
    scenario: str,
    params: Mapping[str, int | str] | None = None,
    results: Path = Path("results"),
    *,
    emulator: str = "qemu",
    timeout: float = 30.0,
    boot_timeout: float = 10.0,
    max_resets: int = 1,
    probe: Probe | None = None,
    icount_shift: int = 0,
) -> Run:
    """Validate the parameters, boot the image and run one scenario on it.

    A results folder that cannot be written does not stop the run: its outcome is worth having;
    the run carries a warning, and `report.write_run` raises ResultsError naming the folder.
    """
    checked = validate(scenario, params or {}, firmware.variant.heap, firmware.variant.profile)
    folder = results / firmware.variant.label / scenario
    return execute(
        firmware, scenario, checked, folder / "uart.log", emulator=emulator, timeout=timeout,
        boot_timeout=boot_timeout, max_resets=max_resets, probe=probe, icount_shift=icount_shift,
    )


def emulator_command(firmware: Firmware, emulator: str = "qemu") -> list[str]:
    """The command the backend would run, with a placeholder for its private folder."""
    return backend(emulator).command(firmware.variant.board, firmware.elf, Path("<private-tmpdir>"))
