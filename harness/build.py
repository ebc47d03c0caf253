"""Compile and link a variant's firmware, keyed by content so nothing is built twice.

Every object is cached on its own in `objects/`, keyed by what goes into it: the compiler (the
board core's toolchain, TOOLCHAINS), its flags and C library specs, its source's bytes and every
header it may include (the firmware's and the kernel's); the link uses the same toolchain. Only
the heap scheme's own object (heap_N.c), its glue (heap_figures.c) and the fragmentation workload
(see PER_HEAP) see the heap scheme and the heap size; the kernel, the board support, the other
scenarios and the console see only the board, the kernel, the profile and the overflow check, so
the five heap variants of one board x kernel x profile share them and each costs three small
compiles and a link. A changed input rebuilds exactly the objects whose key it enters, and the
link of every image that uses them. Objects and output folders are written under a temporary
name and renamed into place, so concurrent builds of the same variant (pytest-xdist, two shells)
never see half a build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import BuildError, PlatformError, ToolMissingError, UsageError
from harness.paths import FIRMWARE_DIR, PROJECT_ROOT, build_dir, platforms_dir
from harness.variant import Variant

if TYPE_CHECKING:  # annotations only: the board schema (pydantic) loads with the first board
    from harness.platforms import Board


@dataclass(frozen=True)
class Toolchain:
    """The compiler and C library for one CPU core (the board's `core`)."""

    gcc: str
    packages: str  # the Debian packages that provide it (`make setup` installs them)
    compile_specs: tuple[str, ...]  # the C library's specs at every compile (its headers)
    link_specs: tuple[str, ...]  # ... and at the link (its libraries)


TOOLCHAINS: dict[str, Toolchain] = {
    "cortex_m": Toolchain("arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi",
                          (), ("--specs=nano.specs", "--specs=nosys.specs")),
    "riscv": Toolchain("riscv64-unknown-elf-gcc", "gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf",
                       ("--specs=picolibc.specs",), ("--specs=picolibc.specs",)),
}
GCC = TOOLCHAINS["cortex_m"].gcc
MEMORY_SCRIPT = "mh_memory.ld"  # generated from the board's YAML; the family's linker script INCLUDEs it
KERNEL_SOURCES = ("tasks.c", "list.c", "queue.c", "timers.c", "event_groups.c", "stream_buffer.c")
HEAP_GLUE = "heap_figures.c"  # the firmware's source that sees the heap scheme and size
# Compiled per heap scheme too: fragmentation.c times each allocation right after the harness's
# heap walk, and with its report compiled for all schemes at once two runs of a walked workload
# differed by one cycle in one sample (tests/e2e/test_compare.py, byte-identical figures).
PER_HEAP = (HEAP_GLUE, "fragmentation.c")
_PROFILE_NUMBER = {"dynamic": 0, "static": 1, "mixed": 2}
_COMMON_CFLAGS = (
    "-O2", "-g", "-pipe", "-ffunction-sections", "-fdata-sections", "-Wall", "-Wextra", "-std=gnu11",
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
    compiled: tuple[Path, ...] = ()  # the sources this call compiled (the rest came from the cache)


def board_toolchain(board: Board) -> Toolchain:
    """The toolchain for the board's core; a board that runs no firmware of ours is refused by name."""
    board.require_firmware()
    chain = TOOLCHAINS.get(board.core)
    if chain is None:
        raise UsageError(f"board {board.name}: no toolchain is known for core {board.core}",
                         f"set core to one of: {', '.join(TOOLCHAINS)}")
    return chain


def toolchain(board: Board | None = None) -> str:
    chain = TOOLCHAINS["cortex_m"] if board is None else board_toolchain(board)
    gcc = shutil.which(chain.gcc)
    if gcc is None:
        raise ToolMissingError(
            f"{chain.gcc} is not installed",
            f"run `make setup` (as root it installs {chain.packages}), or: apt-get install {chain.packages}",
        )
    return gcc


@lru_cache(maxsize=8)
def compiler_identity(gcc: str) -> str:
    out = subprocess.run([gcc, "--version"], capture_output=True, text=True, check=False)
    return out.stdout.splitlines()[0] if out.stdout else gcc


def _digest(parts: Iterable[str | bytes]) -> str:
    import hashlib  # OpenSSL loads with the first digest, not with `import harness.cli`

    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()[:16]


def _files_digest(files: Iterable[Path]) -> list[str | bytes]:
    parts: list[str | bytes] = []
    for path in sorted(files):
        parts += [str(path), _content_digest(path)]
    return parts


_CONTENT: dict[tuple[Path, int, int, int], str] = {}
_SETTLED_NS = 2_000_000_000  # a file changed less than this long ago is hashed again every time


def _content_digest(path: Path) -> str:
    """A file's content digest, remembered while its size, mtime and inode stay the same, so a
    process that checks many variants (compare, a test session) reads each source once.

    Only a file that had not changed for two seconds when it was hashed is remembered (git's
    "racy" rule): file times are coarse, so a same-size edit within one tick would keep its stamp.
    """
    st = path.stat()
    stamp = (path, st.st_size, st.st_mtime_ns, st.st_ino)
    digest = _CONTENT.get(stamp)
    if digest is None:
        import hashlib

        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if time.time_ns() - st.st_mtime_ns > _SETTLED_NS:
            _CONTENT[stamp] = digest
    return digest


def cpu_flags(board: Board) -> list[str]:
    """The board's CPU and floating-point flags, for every compile and the link alike."""
    return [*board.cflags, *board.float_flags()]


def kernel_flags(variant: Variant) -> list[str]:
    board = variant.board
    return [
        # __FILE__ (configASSERT's records) names sources relative to the checkout and the kernel
        # tree, so an image's bytes, and its flash figure in a CI baseline, do not depend on where
        # the repository or the kernel cache happens to be.
        f"-fmacro-prefix-map={PROJECT_ROOT}/=",
        f"-fmacro-prefix-map={variant.kernel.path}/=FreeRTOS-Kernel/",
        f"-DMH_SUPPORT_STATIC={int(variant.supports_static)}",
        f"-DMH_SUPPORT_DYNAMIC={int(variant.supports_dynamic)}",
        f"-DMH_CHECK_FOR_STACK_OVERFLOW={variant.overflow_check}",
        f"-DMH_CPU_CLOCK_HZ={board.clock_hz}",
        f"-DMH_PORT_{board.port}=1",  # selects FreeRTOSConfig.h's port-specific block
        f"-DMH_FPU={int(board.has_fpu)}",
        f"-DMH_STACK_LIMIT={int('stack_limit' in board.overflow_detection)}",
    ]


def firmware_flags(variant: Variant) -> list[str]:
    """The flags of every firmware source: the kernel's, the profile and the board's names; no heap."""
    board = variant.board
    return [
        *kernel_flags(variant),
        f"-DMH_PROFILE={_PROFILE_NUMBER[variant.profile]}",
        f'-DMH_BOARD_NAME="{board.name}"',
        f'-DMH_CPU_NAME="{board.cpu}"',
        f'-DMH_PORT_NAME="{board.port}"',
        f"-DMH_UART_BASE={board.console.base:#x}",
    ]


def heap_flags(variant: Variant) -> list[str]:
    """What only heap_N.c and the heap glue see."""
    return [f"-DMH_HEAP_SCHEME={variant.heap_number}", f"-DMH_TOTAL_HEAP_SIZE={variant.heap_size}"]


def variant_flags(variant: Variant) -> list[str]:
    return [*firmware_flags(variant), *heap_flags(variant)]


def _board_dirs(board: Board) -> list[Path]:
    """The board's family folder and its core's shared folder, under firmware/boards/."""
    return [FIRMWARE_DIR / "boards" / board.family, FIRMWARE_DIR / "boards" / board.core]


def include_flags(variant: Variant) -> list[str]:
    kernel = variant.kernel.path
    dirs = [
        FIRMWARE_DIR, FIRMWARE_DIR / "boards", *_board_dirs(variant.board), FIRMWARE_DIR / "scenarios",
        kernel / "include", kernel / "portable" / "GCC" / variant.board.port_dir,
        *(kernel / "portable" / "GCC" / extra for extra in variant.board.port_includes),
    ]
    return [f"-I{d}" for d in dirs]


def firmware_sources(variant: Variant) -> list[Path]:
    """Our firmware's sources: its own, the scenarios, the board support, and each board folder's
    `mh/` (what only our firmware needs of the core or family: fault report, op timer)."""
    folders = [sub for folder in _board_dirs(variant.board) for sub in (folder, folder / "mh")]
    board_sources = [src for folder in folders for ext in ("*.c", "*.S") for src in folder.glob(ext)]
    return sorted([*FIRMWARE_DIR.glob("*.c"), *(FIRMWARE_DIR / "scenarios").glob("*.c"), *board_sources])


def heap_sources(variant: Variant) -> list[Path]:
    """The heap glue and the scheme's heap_N.c (none in the static profile)."""
    sources = [FIRMWARE_DIR / HEAP_GLUE, FIRMWARE_DIR / "scenarios" / PER_HEAP[1]]
    if variant.heap_number:
        sources.append(variant.kernel.path / "portable" / "MemMang" / f"{variant.heap}.c")
    return sources


def _headers() -> list[Path]:
    return sorted(FIRMWARE_DIR.rglob("*.h"))


def _kernel_headers(variant: Variant) -> list[Path]:
    """The kernel's headers an object may include, so a kernel tree edited in place is seen."""
    kernel = variant.kernel.path
    ports = [kernel / "portable" / "GCC" / d for d in (variant.board.port_dir, *variant.board.port_includes)]
    return sorted([*(kernel / "include").glob("*.h"), *(h for port in ports for h in port.glob("*.h"))])


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
    if mem.data is not None:
        lines.append(f"    DATA  ( rw )  : ORIGIN = {mem.data.base:#010x}, LENGTH = {mem.data.size:#x}")
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


@dataclass(frozen=True)
class _Object:
    """One object file of an image: its source, the flags it is compiled with, its cache key."""

    source: Path
    flags: tuple[str, ...]
    key: str

    @property
    def name(self) -> str:
        return f"{self.source.stem}-{self.key}.o"


def _compile_missing(gcc: str, objects: Sequence[_Object], store: Path) -> list[_Object]:
    """Compile the objects the store lacks, in parallel; returns those compiled."""
    missing = [o for o in objects if not (store / o.name).is_file()]
    if not missing:
        return []
    store.mkdir(parents=True, exist_ok=True)

    def one(obj: _Object) -> None:
        fd, temporary = tempfile.mkstemp(dir=store, prefix=f".{obj.source.stem}-", suffix=".o")
        os.close(fd)
        try:
            proc = subprocess.run(
                [gcc, *obj.flags, "-c", str(obj.source), "-o", temporary], capture_output=True, text=True,
                check=False,
            )
            if proc.returncode != 0:
                raise BuildError(f"compiling {obj.source} failed:\n{proc.stderr.strip()}")
            os.replace(temporary, store / obj.name)  # another process may have won: same bytes
        finally:
            Path(temporary).unlink(missing_ok=True)

    from concurrent.futures import ThreadPoolExecutor  # with logging: only when something is compiled

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        list(pool.map(one, missing))
    return missing


def _publish(staging: Path, target: Path) -> None:
    """Move a finished build into place; if another process won the race, keep theirs."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        staging.rename(target)
    except OSError:
        if not target.exists():
            raise


def _objects(sources: Sequence[Path], flags: Sequence[str], common: Sequence[str | bytes]) -> list[_Object]:
    return [_Object(src, tuple(flags), _digest([*common, *flags, *_files_digest([src])])) for src in sources]


def build(variant: Variant, root: Path | None = None) -> Firmware:
    """Build `variant` (or reuse the cached image and objects) and return where its ELF is."""
    board = variant.board
    gcc = toolchain(board)
    chain = board_toolchain(board)
    root = root or build_dir()
    root.mkdir(parents=True, exist_ok=True)
    common = [_digest([compiler_identity(gcc), *_files_digest([*_headers(), *_kernel_headers(variant)])])]
    base = [*cpu_flags(board), *chain.compile_specs, *_COMMON_CFLAGS, *include_flags(variant)]
    kernel = _objects(_kernel_sources(variant), [*base, *kernel_flags(variant)], common)
    shared = [src for src in firmware_sources(variant) if src.name not in PER_HEAP]
    firmware = _objects(shared, [*base, *firmware_flags(variant)], common)
    heap = _objects(heap_sources(variant), [*base, *variant_flags(variant)], common)
    objects = [*firmware, *heap, *kernel]

    linker_script = FIRMWARE_DIR / "boards" / board.linker_script
    memory = memory_script(board)
    ldflags = [
        *cpu_flags(board), *chain.link_specs, "-nostartfiles",
        f"-T{linker_script}", "-Wl,--gc-sections",
        f"-Wl,--defsym=__mh_heap3_arena_size={variant.heap_size if variant.heap == 'heap_3' else 0}",
    ]
    if variant.supports_dynamic:
        ldflags.append("-Wl,--wrap=pvPortMalloc")
    key = _digest([*ldflags, memory, *_files_digest([linker_script]), *(o.key for o in objects)])
    out = root / f"{variant.label}-{key}"
    elf, map_file = out / "firmware.elf", out / "firmware.map"
    if elf.is_file():
        return Firmware(variant, elf, map_file, key, False, False)
    store = root / "objects"
    compiled = _compile_missing(gcc, objects, store)
    with tempfile.TemporaryDirectory(dir=root, prefix=".variant-") as tmp:
        staging = Path(tmp) / "out"
        staging.mkdir()
        for obj in (o for o in heap if o.source.parent.name == "MemMang"):  # heap_N.o beside the image,
            shutil.copyfile(store / obj.name, staging / f"heap-{obj.source.name[:-2]}.o")
        (staging / MEMORY_SCRIPT).write_text(memory, encoding="utf-8")
        link = [
            gcc, *ldflags, f"-L{staging}", f"-Wl,-Map={staging / 'firmware.map'}",
            *(str(store / o.name) for o in objects), "-o", str(staging / "firmware.elf"),
        ]
        proc = subprocess.run(link, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise BuildError(f"linking {variant.label} failed:\n{proc.stderr.strip()}")
        _publish(staging, out)
    kernel_built = any(o in kernel for o in compiled)
    return Firmware(variant, elf, map_file, key, True, kernel_built, tuple(o.source for o in compiled))
