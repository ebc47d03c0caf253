"""`memharness build --app DIR`: a user's sources built per board x heap scheme x profile x kernel.

Three layers of objects, each cached by the content of everything that goes into it (the same
digest and atomic publishing as `harness.build`):

- the kernel, compiled against the app's generated FreeRTOSConfig.h: shared by every heap
  scheme and heap size of one board, kernel, profile and overflow-check method;
- the app's own sources: the same, per heap size (an app may use configTOTAL_HEAP_SIZE);
- per variant only the heap scheme's file, the harness's start-up, hooks and board support
  (and the ESP-IDF compatibility layer), then the link.

A compiler error is the user's mistake: quoted with the user's own file:line, exit status 2.
A link error that says the app does not fit a scheme (it calls a heap function the scheme lacks,
or allocates in the static profile) is reported as such, so a comparison can show it per scheme.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from harness.app.config import (
    ConfigNote,
    UserValue,
    check_project_defines,
    generated_config,
    notes,
    owned_keys,
    read_user_config,
)
from harness.app.project import STATIC, Project
from harness.build import (
    _COMMON_CFLAGS,
    KERNEL_SOURCES,
    MEMORY_SCRIPT,
    Firmware,
    _board_dirs,
    _digest,
    _files_digest,
    _publish,
    compiler_identity,
    cpu_flags,
    kernel_flags,
    memory_script,
    port_sources,
    toolchain,
    variant_flags,
)
from harness.errors import UsageError
from harness.kernel import resolve_kernel
from harness.paths import FIRMWARE_DIR, build_dir
from harness.platforms import load_board
from harness.variant import NO_HEAP, Variant, make_variant

APP_DIR = FIRMWARE_DIR / "app"
ESP_IDF_DIR = APP_DIR / "esp_idf"
# The harness's own files an app links: start-up, hooks, reset reasons, heap memory, printf.
SUPPORT_SOURCES = (
    FIRMWARE_DIR / "hooks.c", FIRMWARE_DIR / "record.c", FIRMWARE_DIR / "reset_reason.c",
    FIRMWARE_DIR / "heap_figures.c", FIRMWARE_DIR / "boot_record.c",
    APP_DIR / "app_start.c", APP_DIR / "app_malloc.c", APP_DIR / "app_stdio.c", APP_DIR / "app_ticks.c",
)
TICK_TRACE = "traceTASK_INCREMENT_TICK"  # the app's own trace macro, if it has one, is kept
# What the harness's own lines in an app's UART start with: text for a reader, not protocol records
# (the outside reader catches boots, hooks and faults itself).
TEXT_PREFIX = "memharness: "
# Functions a heap scheme may lack (FREERTOS-FACTS.md): an app calling one does not fit that scheme.
HEAP_API = ("xPortGetFreeHeapSize", "xPortGetMinimumEverFreeHeapSize", "vPortGetHeapStats",
            "xPortResetHeapMinimumEverFreeHeapSize", "vPortDefineHeapRegions", "pvPortCalloc")
_DYNAMIC_API = re.compile(r"^(pvPortMalloc|vPortFree|x\w+Create\w*|pvPortCalloc|xPort\w*Heap\w*)$")
_UNDEFINED = re.compile(r"undefined reference to `([^']+)'")
_MULTIPLE = re.compile(r"multiple definition of `([^']+)'")


class AppBuildError(UsageError):
    """The app does not compile or link; the compiler's words, with the user's paths, are in it."""


class SchemeUnfitError(AppBuildError):
    """The app cannot be built for this scheme or profile (it calls what the scheme lacks)."""


@dataclass(frozen=True)
class AppFirmware:
    """One built variant of the app, and what the build had to say about the app's config."""

    project: Project
    firmware: Firmware
    notes: tuple[ConfigNote, ...]
    user_values: Mapping[str, UserValue] = field(default_factory=dict)  # the app's own config, as read

    @property
    def variant(self) -> Variant:
        return self.firmware.variant

    @property
    def elf(self) -> Path:
        return self.firmware.elf


@dataclass(frozen=True)
class AppVariantSpec:
    board: str
    kernel: str
    scheme: str  # heap_1..heap_5 or "static"
    heap_size: int | None  # None: the app's own configTOTAL_HEAP_SIZE, else the board's default


def variants(project: Project, boards: Sequence[str] | None = None, schemes: Sequence[str] | None = None,
             kernels: Sequence[str] | None = None) -> list[AppVariantSpec]:
    """The project's matrix (or the part the command line asks for), in a stable order."""
    out = []
    for board in boards or project.build.boards:
        for kernel in kernels or project.build.kernels:
            for scheme in schemes or project.build.schemes:
                for size in project.build.sizes():
                    out.append(AppVariantSpec(board, kernel, scheme, size))
    return out


def _config_file(project: Project) -> Path:
    return project.config if project.config is not None else APP_DIR / "default_config.h"


def _define_flags(project: Project) -> list[str]:
    return [f"-D{name}={value}" for name, value in sorted(project.app.defines.items())]


@functools.lru_cache(maxsize=64)
def _user_values(gcc: str, config: Path, stamp: float, flags: tuple[str, ...], shown: str) -> dict[str, UserValue]:
    return read_user_config(gcc, config, flags, shown)


def user_values(project: Project, variant: Variant, gcc: str) -> dict[str, UserValue]:
    """The app's own config values (none when it uses the harness's config)."""
    if project.config is None:
        return {}
    flags = (*cpu_flags(variant.board), *_define_flags(project), *(f"-I{d}" for d in project.include),
             *kernel_flags(variant))
    return _user_values(gcc, project.config, project.config.stat().st_mtime, flags, project.shown(project.config))


def make_app_variant(project: Project, spec: AppVariantSpec, gcc: str) -> tuple[Variant, dict[str, UserValue]]:
    """The Variant for a spec; without a heap size anywhere the app's own config value is used."""
    board = load_board(spec.board)
    kernel = resolve_kernel(spec.kernel)
    profile = "static" if spec.scheme == STATIC else "dynamic"
    heap = None if spec.scheme == STATIC else spec.scheme
    probe = make_variant(board, kernel, heap=heap, profile=profile, overflow_check=project.build.overflow_check)
    values = user_values(project, probe, gcc)
    size = spec.heap_size
    if size is None and profile != "static":
        theirs = values.get("configTOTAL_HEAP_SIZE")
        size = theirs.number if theirs is not None and theirs.number else None
    variant = make_variant(board, kernel, heap=heap, profile=profile, heap_size=size,
                           overflow_check=project.build.overflow_check)
    return variant, values


def tick_rate(values: Mapping[str, UserValue]) -> int:
    """configTICK_RATE_HZ as the app's config sets it (the harness's own config: 1000)."""
    value = values.get("configTICK_RATE_HZ")
    return value.number if value is not None and value.number else 1000


def end_tick(project: Project, values: Mapping[str, UserValue]) -> int:
    """The tick count a run ends at, when the project file bounds it by ticks or milliseconds; else 0."""
    until = project.run.until
    if until.ticks is not None:
        return until.ticks
    if until.ms is not None:
        return max(1, until.ms * tick_rate(values) // 1000)
    return 0


def tick_flags(project: Project, values: Mapping[str, UserValue]) -> list[str]:
    return [f"-DMH_TICK_POINT_EVERY={project.run.snapshot_every_ticks}UL",
            f"-DMH_TICK_END={end_tick(project, values)}UL"]


def _relative(text: str, project: Project) -> str:
    """Compiler output with the app's absolute paths shortened to the user's own relative ones."""
    return text.replace(f"{project.root}{os.sep}", "")


def _compile(gcc: str, jobs: Sequence[tuple[Path, Path]], flags: Sequence[str], project: Project,
             what: str) -> None:
    def one(job: tuple[Path, Path]) -> str | None:
        source, obj = job
        proc = subprocess.run([gcc, *flags, "-c", str(source), "-o", str(obj)],
                              capture_output=True, text=True, check=False)
        if proc.returncode == 0:
            return None
        errors = [line for line in proc.stderr.splitlines() if ": error: " in line or ": fatal error: " in line]
        first = _relative(errors[0], project) if errors else ""
        return (f"compiling {_relative(str(source), project)} ({what}) failed"
                + (f": {first}" if first else "") + "\n" + _relative(proc.stderr.strip(), project))

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        failures = [f for f in pool.map(one, jobs) if f is not None]
    if failures:
        raise AppBuildError(failures[0], "correct the source at the file:line quoted above")


def _objects(sources: Sequence[Path], out: Path) -> list[tuple[Path, Path]]:
    return [(src, out / f"{i:02d}-{src.stem}.o") for i, src in enumerate(sources)]


def _cached_objects(root: Path, name: str, key: str, gcc: str, sources: Sequence[Path], flags: Sequence[str],
                    project: Project, what: str) -> list[Path]:
    folder = root / f"{name}-{key}"
    if not folder.is_dir():
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=root, prefix=f".{name}-") as tmp:
            staging = Path(tmp) / "objects"
            staging.mkdir()
            _compile(gcc, _objects(sources, staging), flags, project, what)
            _publish(staging, folder)
    return sorted(folder.glob("*.o"))


def _config_headers(project: Project) -> list[Path]:
    """What the kernel's objects depend on besides the kernel: the config and what it can include."""
    if project.config is None:
        return [APP_DIR / "default_config.h"]
    folders = {*project.include, project.config.parent}
    return sorted({h for folder in folders for h in folder.rglob("*.h")} | {project.config})


def _headers(project: Project) -> list[Path]:
    folders = {*project.include, project.root, *(s.parent for s in project.sources)}
    found = {h for folder in folders for h in folder.rglob("*.h")}
    return sorted(found)


def build_app(project: Project, spec: AppVariantSpec, root: Path | None = None) -> AppFirmware:
    """Build one variant of the app (or reuse it) and return its ELF and the config notes."""
    from harness.platforms import load_board

    core = load_board(spec.board).core
    if core != "cortex_m":  # the app's start-up, hooks and the outside reader's fault decoding are Cortex-M's
        raise UsageError(f"apps are built for Cortex-M boards; board {spec.board} has a {core} core",
                         "pick a Cortex-M board (`memharness boards`), or build your image yourself and run it "
                         "with --elf (or an ESP-IDF build with --image)")
    gcc = toolchain()
    variant, values = make_app_variant(project, spec, gcc)
    board, kernel = variant.board, variant.kernel
    shared = (root or build_dir()) / "app"  # kernel and support objects any app with the same config can use
    base = shared / project.name
    keys = owned_keys(variant, values)
    check_project_defines(project.app.defines, keys, project.path)
    config_text = generated_config(_config_file(project), keys, "configASSERT" in values, TICK_TRACE not in values)
    compiler = compiler_identity(gcc)
    # The app's defines reach the kernel and the harness's files only through the app's own config
    # (which may test them) or as MH_* settings of the harness's (e.g. MH_ESP_PORT_STACK_BYTES).
    defines = _define_flags(project)
    config_defines = defines if project.config is not None else [d for d in defines if d.startswith("-DMH_")]
    common = [*cpu_flags(board), *_COMMON_CFLAGS, *kernel_flags(variant), *config_defines]
    config_key = _digest([config_text])
    config_dir = shared / f"config-{config_key}"
    if not (config_dir / "FreeRTOSConfig.h").is_file():
        base.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=shared, prefix=".config-") as tmp:
            staging = Path(tmp) / "config"
            staging.mkdir()
            (staging / "FreeRTOSConfig.h").write_text(config_text, encoding="utf-8")
            _publish(staging, config_dir)
    port = kernel.path / "portable" / "GCC" / board.port_dir
    kernel_includes = [config_dir, *project.include, kernel.path / "include", port]
    esp = [ESP_IDF_DIR] if project.app.esp_idf else []
    app_includes = [config_dir, *project.include, *esp, kernel.path / "include", port]
    support_includes = [config_dir, FIRMWARE_DIR, FIRMWARE_DIR / "boards", *_board_dirs(board), APP_DIR, *esp,
                        *project.include, kernel.path / "include", port]

    def inc(dirs: Sequence[Path]) -> list[str]:
        return [f"-I{d}" for d in dirs]

    config_deps = _files_digest(_config_headers(project))
    kflags = [*common, *inc(kernel_includes)]
    kernel_sources = [kernel.path / name for name in KERNEL_SOURCES] + port_sources(variant)
    kernel_key = _digest([compiler, str(kernel.path), kernel.version, *kflags, config_text, *config_deps])
    kernel_objects = _cached_objects(shared, f"kernel-{board.port}-{kernel.version}", kernel_key, gcc,
                                     kernel_sources, kflags, project, "the FreeRTOS kernel, with the app's config")

    user_idle = values.get("configUSE_IDLE_HOOK") is not None and values["configUSE_IDLE_HOOK"].number == 1
    rename = ["-DvApplicationIdleHook=vMhAppIdleHook"] if user_idle else []
    aflags = [*common, *[d for d in defines if d not in config_defines], f"-DMH_TOTAL_HEAP_SIZE={variant.heap_size}",
              *rename, *inc(app_includes)]
    app_key = _digest([compiler, *aflags, config_text, *_files_digest(project.sources), *_files_digest(
        _headers(project)), *config_deps])
    app_objects = _cached_objects(shared, f"sources-{board.name}-{kernel.version}", app_key, gcc,
                                  project.sources, aflags, project, "the app")

    entry = ["-DMH_APP_ENTRY_APP_MAIN=1"] if project.app.entry == "app_main" else []
    if esp:
        entry.append("-DMH_ESP_IDF=1")
    if user_idle:
        entry.append("-DMH_APP_USER_IDLE_HOOK=1")
    sflags = [*cpu_flags(board), *_COMMON_CFLAGS, *variant_flags(variant), *config_defines, *entry,
              f'-DmhRECORD_PREFIX="{TEXT_PREFIX}"', *tick_flags(project, values), *inc(support_includes)]
    board_sources = sorted(src for folder in _board_dirs(board) for src in folder.glob("*.c"))
    # The core's fault handler (under mh/, kept out of user images of our board support) reports a
    # fault and resets the board, as the hooks do: an app links it, the outside reader breaks on it.
    board_sources += sorted((FIRMWARE_DIR / "boards" / board.core / "mh").glob("fault.c"))
    support = [*SUPPORT_SOURCES, *board_sources, *([ESP_IDF_DIR / "esp_compat.c"] if esp else [])]
    if variant.heap_number:
        support.append(kernel.path / "portable" / "MemMang" / f"{variant.heap}.c")
    firmware_headers = _files_digest(sorted(FIRMWARE_DIR.rglob("*.h")))
    support_key = _digest([compiler, *sflags, config_text, *config_deps, *_files_digest(support), *firmware_headers])
    support_objects = _cached_objects(shared, f"support-{variant.label}", support_key, gcc, support, sflags, project,
                                      "memharness's start-up and board support, with the app's config")
    linker_script = FIRMWARE_DIR / "boards" / board.linker_script
    memory = memory_script(board)
    ldflags = [
        *cpu_flags(board), "-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs",
        f"-T{linker_script}", "-Wl,--gc-sections", "-Wl,--wrap=main",
        f"-Wl,--defsym=__mh_heap3_arena_size={variant.heap_size if variant.heap == 'heap_3' else 0}",
    ]
    if variant.supports_dynamic:
        ldflags.append("-Wl,--wrap=pvPortMalloc")
    key = _digest([kernel_key, app_key, support_key, *ldflags, memory, *_files_digest([linker_script])])
    out = base / f"{variant.label}-{key}"
    elf, map_file = out / "firmware.elf", out / "firmware.map"
    found = tuple(notes(keys, values))
    if elf.is_file():
        return AppFirmware(project, Firmware(variant, elf, map_file, key, False, False), found, values)
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=base, prefix=".variant-") as tmp:
        staging = Path(tmp) / "out"
        staging.mkdir()
        (staging / MEMORY_SCRIPT).write_text(memory, encoding="utf-8")
        link = [gcc, *ldflags, f"-L{staging}", f"-Wl,-Map={staging / 'firmware.map'}",
                *(str(o) for o in support_objects), *(str(o) for o in app_objects),
                *(str(o) for o in kernel_objects), "-o", str(staging / "firmware.elf")]
        proc = subprocess.run(link, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise link_error(proc.stderr, project, variant)
        _publish(staging, out)
    return AppFirmware(project, Firmware(variant, elf, map_file, key, True, False), found, values)


def link_error(stderr: str, project: Project, variant: Variant) -> AppBuildError:
    """The link's failure in the user's terms: no entry, a scheme the app does not fit, a clash."""
    undefined = list(dict.fromkeys(_UNDEFINED.findall(stderr)))
    multiple = list(dict.fromkeys(_MULTIPLE.findall(stderr)))
    quoted = _relative(stderr.strip(), project)
    scheme = "the static profile" if variant.heap == NO_HEAP else variant.heap
    if "__real_main" in undefined or "main" in undefined:
        return AppBuildError(f"{project.path}: no entry point: 'app.entry' is \"main\" but no source in "
                             "app.sources defines main()",
                             "add the source that defines main(), or set entry = \"app_main\" if the app has one")
    if "app_main" in undefined:
        return AppBuildError(f"{project.path}: no entry point: 'app.entry' is \"app_main\" but no source in "
                             "app.sources defines app_main()",
                             "add the source that defines app_main(), or set entry = \"main\"")
    lacking = [name for name in undefined if name in HEAP_API and variant.heap != NO_HEAP]
    if lacking:
        return SchemeUnfitError(f"the app calls {', '.join(lacking)}, which {scheme} does not have "
                                "(FreeRTOS heap API per scheme)",
                                f"leave {variant.heap} out of build.schemes, or guard the call for this scheme")
    dynamic = [name for name in undefined if _DYNAMIC_API.match(name)]
    if variant.heap == NO_HEAP and dynamic:
        return SchemeUnfitError(f"the static profile does not fit this app: it allocates at run time "
                                f"({', '.join(dynamic[:4])})",
                                "leave \"static\" out of build.schemes, or create every object statically")
    if "ucHeap" in multiple:
        return AppBuildError("the app defines ucHeap, and memharness supplies the heap array "
                             "(it owns configAPPLICATION_ALLOCATED_HEAP and configTOTAL_HEAP_SIZE)",
                             "drop the app's ucHeap definition: the heap is the variant's")
    return AppBuildError(f"linking {project.name} for {variant.label} failed:\n{quoted}",
                         "define what the linker names above in the app's sources, or list the source that does")
