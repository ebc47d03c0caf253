"""The Python API: the one surface the CLI, the pytest plugin and the Robot library call.

    fw = prepare(board="mps2-an385", heap="heap_4")
    run = run_scenario(fw, "leak", {"size": 4096})
    run.figure("ready", "free")
    app = run_app(Path("examples/plain-freertos"), "heap_4")   # a user's app, read from outside
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from harness.build import Firmware, build
from harness.emulators import backend
from harness.kernel import DEFAULT_VERSION, resolve_kernel
from harness.run import Probe, Run, execute
from harness.scenarios import validate
from harness.variant import DEFAULT_BOARD as DEFAULT_BOARD  # re-exported: the API's default
from harness.variant import make_variant

if TYPE_CHECKING:  # the app machinery loads when an app is used; the outside reader with --elf
    from harness.app.build import AppFirmware
    from harness.app.project import Project
    from harness.app.run import AppRun
    from harness.observe.plan import Plan
    from harness.observe.target import ImageRun



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
    emulator: str | None = None,
    timeout: float = 30.0,
    boot_timeout: float = 10.0,
    max_resets: int = 1,
    probe: Probe | None = None,
    icount_shift: int | None = None,
) -> Run:
    """Validate the parameters, boot the image and run one scenario on it (on the board's default
    emulator unless `emulator` names another).

    A results folder that cannot be written does not stop the run: its outcome is worth having;
    the run carries a warning, and `report.write_run` raises ResultsError naming the folder.
    """
    checked = validate(scenario, params or {}, firmware.variant.heap, firmware.variant.profile)
    folder = results / firmware.variant.label / scenario
    return execute(
        firmware, scenario, checked, folder / "uart.log", emulator=emulator, timeout=timeout,
        boot_timeout=boot_timeout, max_resets=max_resets, probe=probe, icount_shift=icount_shift,
    )


def run_elf(
    elf: Path,
    board: str = DEFAULT_BOARD,
    plan: Plan | None = None,
    results: Path = Path("results"),
    *,
    emulator: str = "qemu",
    timeout: float = 30.0,
    max_resets: int = 0,
    assert_symbol: str | None = None,
) -> ImageRun:
    """Boot a user's FreeRTOS image (no records needed) and read it from outside as `plan` says.

        result = run_elf(Path("app.elf"), plan=Plan(every_ticks=50, end_ticks=200))
        result.heap().free, result.hwm("IDLE"), result.run.outcome

    The image is checked first (ELF, board, debug info, FreeRTOS: ImageError with the fix);
    its results go to `results/<board>-<elf stem>/`.
    """
    from harness.observe.image import load_image  # pyelftools and the gdb client: only for an image run
    from harness.observe.target import run_image
    from harness.platforms import load_board

    chosen = load_board(board)
    image = load_image(elf.resolve(), chosen)
    folder = results / f"{chosen.name}-{elf.stem}"
    return run_image(image, chosen, folder / "uart.log", plan, emulator=emulator, timeout=timeout,
                     max_resets=max_resets, assert_symbol=assert_symbol)


def emulator_command(firmware: Firmware, emulator: str | None = None) -> list[str]:
    """The command the backend would run, with a placeholder for its private folder."""
    board = firmware.variant.board
    return backend(emulator or board.default_emulator).command(board, firmware.elf, Path("<private-tmpdir>"))


# --- a user's app (a folder with a memharness.toml), built per scheme and read from outside -------

def app_project(folder: Path, defines: Mapping[str, int | str] | None = None) -> Project:
    """The app's project file, validated, with `defines` added to (or replacing) its own."""
    from harness.app.cli import with_defines
    from harness.app.project import load_project

    return with_defines(load_project(folder), [f"{k}={v}" for k, v in (defines or {}).items()])


def build_app(
    app: Path | Project,
    heap: str = "heap_4",
    board: str | None = None,
    kernel_version: str | None = None,
    heap_size: int | None = None,
    defines: Mapping[str, int | str] | None = None,
) -> AppFirmware:
    """Build one variant of the app (`heap` may be "static"); board and kernel default to the
    project file's first. A scheme the app does not fit raises SchemeUnfitError."""
    from harness.app.build import AppVariantSpec
    from harness.app.build import build_app as build_variant
    from harness.app.project import Project

    project = app if isinstance(app, Project) else app_project(app, defines)
    spec = AppVariantSpec(board or project.build.boards[0], kernel_version or project.build.kernels[0], heap,
                          heap_size if heap_size is not None else project.build.sizes()[0])
    return build_variant(project, spec)


def run_app(
    app: Path | Project,
    heap: str = "heap_4",
    results: Path = Path("results"),
    *,
    board: str | None = None,
    kernel_version: str | None = None,
    defines: Mapping[str, int | str] | None = None,
    at_calls: tuple[tuple[str, int], ...] = (),
    timeout: float | None = None,
) -> AppRun:
    """Build (or reuse) the app for `heap`, run it as its project file says, read it from outside.

        result = run_app(Path("examples/plain-freertos"), "heap_2")
        result.run.outcome, result.image_run.malloc_failures, result.snapshots[-1].heap.largest
    """
    from harness.app.project import Project
    from harness.app.run import run_app as run_variant

    project = app if isinstance(app, Project) else app_project(app, defines)
    firmware = build_app(project, heap, board, kernel_version)
    return run_variant(project, firmware, results, timeout=timeout, at_calls=at_calls)
