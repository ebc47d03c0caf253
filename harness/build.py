"""Compile and link a variant's firmware, keyed by content so nothing is built twice.

The kernel's objects depend only on the board, the kernel, the allocation profile and the
overflow-check method, never on the heap scheme, so the five heap variants share one set of
kernel objects. Every output folder is filled under a temporary name and renamed into place,
so concurrent builds of the same variant (pytest-xdist, two shells) never see half a build.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import BuildError, PlatformError, ToolMissingError
from harness.paths import FIRMWARE_DIR, build_dir, platforms_dir
from harness.variant import Variant

if TYPE_CHECKING:  # annotations only: the board schema (pydantic) loads with the first board
    from harness.platforms import Board

GCC = "arm-none-eabi-gcc"
MEMORY_SCRIPT = "mh_memory.ld"  # generated from the board's YAML; the family's linker script INCLUDEs it
KERNEL_SOURCES = ("tasks.c", "list.c", "queue.c", "timers.c", "event_groups.c", "stream_buffer.c")
_PROFILE_NUMBER = {"dynamic": 0, "static": 1, "mixed": 2}
_COMMON_CFLAGS = (
    "-O2", "-g3", "-ffunction-sections", "-fdata-sections", "-Wall", "-Wextra", "-std=gnu11",
)


@dataclass(frozen=True)
class Firmware:
    """A built image and where it came from."""

    variant: Variant
    elf: Path
    map_file: Path
    key: str
    built: bool  # False when the cache already held it
    kernel_objects_built: bool


def toolchain() -> str:
    gcc = shutil.which(GCC)
    if gcc is None:
        raise ToolMissingError(
            f"{GCC} is not installed",
            "run `make setup` (as root it installs gcc-arm-none-eabi and libnewlib-arm-none-eabi), "
            "or: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi",
        )
    return gcc


def compiler_identity(gcc: str) -> str:
    out = subprocess.run([gcc, "--version"], capture_output=True, text=True, check=False)
    return out.stdout.splitlines()[0] if out.stdout else gcc


def _digest(parts: Iterable[str | bytes]) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()[:16]


def _files_digest(files: Iterable[Path]) -> list[str | bytes]:
    parts: list[str | bytes] = []
    for path in sorted(files):
        parts += [str(path), path.read_bytes()]
    return parts


def cpu_flags(board: Board) -> list[str]:
    """The board's CPU and floating-point flags, for every compile and the link alike."""
    return [*board.cflags, *board.float_flags()]


def kernel_flags(variant: Variant) -> list[str]:
    board = variant.board
    return [
        f"-DMH_SUPPORT_STATIC={int(variant.supports_static)}",
        f"-DMH_SUPPORT_DYNAMIC={int(variant.supports_dynamic)}",
        f"-DMH_CHECK_FOR_STACK_OVERFLOW={variant.overflow_check}",
        f"-DMH_CPU_CLOCK_HZ={board.clock_hz}",
        f"-DMH_PORT_{board.port}=1",  # selects FreeRTOSConfig.h's port-specific block
        f"-DMH_FPU={int(board.has_fpu)}",
        f"-DMH_STACK_LIMIT={int('stack_limit' in board.overflow_detection)}",
    ]


def variant_flags(variant: Variant) -> list[str]:
    board = variant.board
    return [
        *kernel_flags(variant),
        f"-DMH_HEAP_SCHEME={variant.heap_number}",
        f"-DMH_TOTAL_HEAP_SIZE={variant.heap_size}",
        f"-DMH_PROFILE={_PROFILE_NUMBER[variant.profile]}",
        f'-DMH_BOARD_NAME="{board.name}"',
        f'-DMH_CPU_NAME="{board.cpu}"',
        f'-DMH_PORT_NAME="{board.port}"',
        f"-DMH_UART_BASE={board.uart.base:#x}",
    ]


def _board_dirs(board: Board) -> list[Path]:
    """The board's family folder and its core's shared folder, under firmware/boards/."""
    return [FIRMWARE_DIR / "boards" / board.family, FIRMWARE_DIR / "boards" / board.core]


def include_flags(variant: Variant) -> list[str]:
    kernel = variant.kernel.path
    dirs = [
        FIRMWARE_DIR, FIRMWARE_DIR / "boards", *_board_dirs(variant.board), FIRMWARE_DIR / "scenarios",
        kernel / "include", kernel / "portable" / "GCC" / variant.board.port_dir,
    ]
    return [f"-I{d}" for d in dirs]


def firmware_sources(variant: Variant) -> list[Path]:
    board_sources = [src for folder in _board_dirs(variant.board) for src in folder.glob("*.c")]
    return sorted([*FIRMWARE_DIR.glob("*.c"), *(FIRMWARE_DIR / "scenarios").glob("*.c"), *board_sources])


def _headers() -> list[Path]:
    return sorted(FIRMWARE_DIR.rglob("*.h"))


def port_sources(variant: Variant) -> list[Path]:
    """The port's files the board's YAML names; a kernel that lacks one is refused by name."""
    board = variant.board
    folder = variant.kernel.path / "portable" / "GCC" / board.port_dir
    sources = [folder / name for name in board.port_sources]
    missing = [str(path) for path in sources if not path.is_file()]
    if missing:
        raise PlatformError(
            f"{platforms_dir() / (board.name + '.yaml')}: port_dir/port_sources name {', '.join(missing)}, "
            f"which FreeRTOS-Kernel {variant.kernel.version} does not have",
            "correct port_dir and port_sources for this kernel, or use a kernel release that has the port",
        )
    return sources


def _kernel_sources(variant: Variant) -> list[Path]:
    k = variant.kernel.path
    return [k / name for name in KERNEL_SOURCES] + port_sources(variant)


def memory_script(board: Board) -> str:
    """The board's memory map for the linker, from its YAML, so the map is written down once.

    Defines FLASH, RAM and (if the board has one) RAM2, the aliases HEAP5_REGION0/1 the family
    script places heap_5's regions in, and `__mh_ram*` bounds the fault handler checks frames against.
    """
    mem = board.memory
    lines = [
        f"/* Generated by memharness from platforms/{board.name}.yaml. */",
        "MEMORY",
        "{",
        f"    FLASH ( rx )  : ORIGIN = {mem.flash.base:#010x}, LENGTH = {mem.flash.size:#x}",
        f"    RAM   ( rwx ) : ORIGIN = {mem.ram.base:#010x}, LENGTH = {mem.ram.size:#x}",
    ]
    if mem.ram2 is not None:
        lines.append(f"    RAM2  ( rwx ) : ORIGIN = {mem.ram2.base:#010x}, LENGTH = {mem.ram2.size:#x}")
    lines.append("}")
    for index, name in enumerate(board.heap5_regions):
        lines.append(f'REGION_ALIAS( "HEAP5_REGION{index}", {name.upper()} );')
    ram2 = mem.ram2
    lines += [
        f"__mh_ram_start = {mem.ram.base:#010x};",
        f"__mh_ram_end = {mem.ram.base + mem.ram.size:#010x};",
        f"__mh_ram2_start = {ram2.base if ram2 else 0:#010x};",
        f"__mh_ram2_end = {ram2.base + ram2.size if ram2 else 0:#010x};",
        "",
    ]
    return "\n".join(lines)


def _compile_all(gcc: str, jobs: Sequence[tuple[Path, Path]], flags: Sequence[str]) -> None:
    def one(job: tuple[Path, Path]) -> None:
        source, obj = job
        proc = subprocess.run(
            [gcc, *flags, "-c", str(source), "-o", str(obj)], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise BuildError(f"compiling {source} failed:\n{proc.stderr.strip()}")

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        list(pool.map(one, jobs))


def _publish(staging: Path, target: Path) -> None:
    """Move a finished build into place; if another process won the race, keep theirs."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        staging.rename(target)
    except OSError:
        if not target.exists():
            raise


def _objects_for(sources: Sequence[Path], out: Path) -> list[tuple[Path, Path]]:
    return [(src, out / f"{i:02d}-{src.stem}.o") for i, src in enumerate(sources)]


def build(variant: Variant, root: Path | None = None) -> Firmware:
    """Build `variant` (or reuse the cached image) and return where its ELF is."""
    gcc = toolchain()
    root = root or build_dir()
    root.mkdir(parents=True, exist_ok=True)
    board = variant.board
    compiler = compiler_identity(gcc)
    header_parts = _files_digest(_headers())
    kflags = [*cpu_flags(board), *_COMMON_CFLAGS, *include_flags(variant), *kernel_flags(variant)]
    kernel_key = _digest(
        [compiler, str(variant.kernel.path), variant.kernel.version, *kflags, *header_parts]
    )
    kernel_dir = root / "kernel" / f"{board.port}-{variant.kernel.version}-{kernel_key}"
    kernel_built = False
    if not kernel_dir.is_dir():
        with tempfile.TemporaryDirectory(dir=root, prefix=".kernel-") as tmp:
            staging = Path(tmp) / "objects"
            staging.mkdir()
            _compile_all(gcc, _objects_for(_kernel_sources(variant), staging), kflags)
            _publish(staging, kernel_dir)
            kernel_built = True
    kernel_objects = sorted(kernel_dir.glob("*.o"))

    vflags = [*cpu_flags(board), *_COMMON_CFLAGS, *include_flags(variant), *variant_flags(variant)]
    sources = firmware_sources(variant)
    if variant.heap_number:
        sources.append(variant.kernel.path / "portable" / "MemMang" / f"{variant.heap}.c")
    linker_script = FIRMWARE_DIR / "boards" / board.linker_script
    memory = memory_script(board)
    ldflags = [
        *cpu_flags(board), "-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs",
        f"-T{linker_script}", "-Wl,--gc-sections",
        f"-Wl,--defsym=__mh_heap3_arena_size={variant.heap_size if variant.heap == 'heap_3' else 0}",
    ]
    if variant.supports_dynamic:
        ldflags.append("-Wl,--wrap=pvPortMalloc")
    key = _digest(
        [kernel_key, *vflags, *ldflags, memory, *_files_digest([*sources, linker_script]), *header_parts]
    )
    out = root / f"{variant.label}-{key}"
    elf, map_file = out / "firmware.elf", out / "firmware.map"
    if (out / "firmware.elf").is_file():
        return Firmware(variant, elf, map_file, key, False, kernel_built)
    with tempfile.TemporaryDirectory(dir=root, prefix=".variant-") as tmp:
        staging = Path(tmp) / "out"
        staging.mkdir()
        jobs = _objects_for(sources, staging)
        _compile_all(gcc, jobs, vflags)
        (staging / MEMORY_SCRIPT).write_text(memory, encoding="utf-8")
        link = [
            gcc, *ldflags, f"-L{staging}", f"-Wl,-Map={staging / 'firmware.map'}",
            *(str(o) for _, o in jobs), *(str(o) for o in kernel_objects),
            "-o", str(staging / "firmware.elf"),
        ]
        proc = subprocess.run(link, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise BuildError(f"linking {variant.label} failed:\n{proc.stderr.strip()}")
        _publish(staging, out)
    return Firmware(variant, elf, map_file, key, True, kernel_built)
