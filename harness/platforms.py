"""Boards are data: `platforms/<board>.yaml`, validated by a schema into frozen dataclasses.

An unknown key, a missing field or a wrong type is an error naming the file and the key, so a
typo in a board file never turns into a silently different build.

The schema is these dataclasses, checked by pydantic (`TypeAdapter`). Every command reads a
board, and importing pydantic and building the schema costs about 150 ms, more than a whole
QEMU run of a scenario; so a board file's validated form is kept (pickled) in the build folder,
keyed by the file's bytes and this module's own source, and a later process that finds it
imports neither pydantic nor YAML. Any edit of the file or of the schema validates it again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import hashlib
import os
import pickle
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from harness.errors import PlatformError, UnknownBoardError, UsageError
from harness.paths import FIRMWARE_DIR, build_dir
from harness.paths import platforms_dir as default_platforms_dir

if TYPE_CHECKING:  # constraint markers: resolved by pydantic only when a file is validated (_validate)
    from annotated_types import Ge, Gt, Le, MinLen
    from pydantic_core import ErrorDetails

# Every schema class refuses keys it does not know (pydantic reads this from a stdlib dataclass).
_FORBID: dict[str, str] = {"extra": "forbid"}


@dataclass(frozen=True, kw_only=True)
class MemoryRegion:
    __pydantic_config__: ClassVar[dict[str, str]] = _FORBID
    base: Annotated[int, Ge(0)]
    size: Annotated[int, Gt(0)]


@dataclass(frozen=True, kw_only=True)
class Memory:
    __pydantic_config__: ClassVar[dict[str, str]] = _FORBID
    flash: MemoryRegion
    ram: MemoryRegion
    ram2: MemoryRegion | None = None  # a second, separate RAM (e.g. another SRAM bank)
    # Where initialised data goes when the boot ROM loads it in place (ESP32-C3), rather than the
    # start-up code copying it from flash into `ram`.
    data: MemoryRegion | None = None


RamName = Literal["ram", "ram2"]
# What a board can run: our firmware (built per variant) and/or ESP-IDF images (a user's build).
Runnable = Literal["firmware", "esp_idf"]
CoreName = Literal["cortex_m", "riscv", "xtensa"]
# Keys only a board that runs our firmware needs; a board that runs images only may leave them out.
FIRMWARE_KEYS = (
    "port", "port_dir", "port_sources", "fpu", "family", "linker_script", "cflags", "heap5_regions", "uart",
    "heap_size",
)
FpuName = Literal["none", "fpv4-sp-d16", "fpv5-d16", "fpv5-sp-d16"]
_PORT_DIR = r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$"  # under portable/GCC/, no '..'
_PORT_SOURCE = r"^[A-Za-z0-9_]+\.[cS]$"


@dataclass(frozen=True, kw_only=True)
class Uart:
    __pydantic_config__: ClassVar[dict[str, str]] = _FORBID
    driver: Literal["cmsdk", "stm32_usart", "stm32f7_usart", "nrf_uarte", "esp32c3_uart"]
    base: Annotated[int, Ge(0)]


@dataclass(frozen=True, kw_only=True)
class QemuTarget:
    __pydantic_config__: ClassVar[dict[str, str]] = _FORBID
    binary: str
    machine: str
    cpu: str
    # Which `-serial` the board's console UART is wired to (0: the first). QEMU's
    # netduinoplus2 wires the n-th `-serial` to USART(n+1), so its USART2 is 1.
    serial_port: Annotated[int, Ge(0), Le(7)] = 0
    extra_args: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class EspQemuTarget:
    """Espressif's QEMU fork: the machine, the chip name esptool knows, and how to make its flash."""

    __pydantic_config__: ClassVar[dict[str, str]] = _FORBID

    binary: str  # qemu-system-riscv32 / qemu-system-xtensa, looked up in the esp-qemu folder's bin/
    machine: str  # -machine esp32c3 / esp32
    chip: str  # esptool's --chip
    bootloader_offset: Annotated[int, Ge(0)]  # where the ROM loads the second stage from (0x0 or 0x1000)
    watchdog: str  # the TIMG driver whose wdt_disable property turns the watchdog off
    # -icount shift for runs, or None where instruction counting stalls the machine (esp32's flash)
    icount_shift: Annotated[int, Ge(0), Le(10)] | None = None
    extra_args: tuple[str, ...] = ()
@dataclass(frozen=True, kw_only=True)
class RenodeTarget:
    """How Renode runs the board: its platform description, the console UART peripheral, and
    monitor commands run after the platform loads (clocks, performance) and again at each reset."""

    __pydantic_config__: ClassVar[dict[str, str]] = _FORBID
    platform: str  # under Renode's folder, e.g. platforms/cpus/x.repl
    uart: str  # the console peripheral, e.g. sysbus.usart2
    mips: Annotated[int, Gt(0)] = 100  # instructions per virtual microsecond (`cpu PerformanceInMips`)
    commands: tuple[str, ...] = ()  # monitor commands, e.g. "nvic Frequency 168000000"
    platform_lines: tuple[str, ...] = ()  # extra platform description lines (peripherals the .repl lacks)

    def __post_init__(self) -> None:
        _match(r"^[A-Za-z0-9_./-]+\.repl$", self.platform, "a .repl file under Renode's folder", "platform")
        _match(r"^sysbus\.[A-Za-z0-9_]+$", self.uart, "a peripheral named sysbus.<name>", "uart")


@dataclass(frozen=True, kw_only=True)
class Emulators:
    __pydantic_config__: ClassVar[dict[str, str]] = _FORBID
    qemu: QemuTarget | None = None
    esp_qemu: EspQemuTarget | None = None
    renode: RenodeTarget | None = None  # last: a board QEMU also runs keeps QEMU as its default

    def __post_init__(self) -> None:
        if all(getattr(self, name) is None for name in EMULATOR_KEYS):
            raise ValueError("emulators names none: give at least one (qemu, esp_qemu, renode)")


EMULATOR_KEYS = tuple(f.name for f in dataclasses.fields(Emulators))  # the schema's order: the default first


def _match(pattern: str, text: str, what: str, key: str) -> None:
    if not re.match(pattern, text):
        raise ValueError(f"'{key}': '{text}' is not {what}")


@dataclass(frozen=True, kw_only=True)
class Board:
    """One board: what the build and the emulator backends need to know about it."""

    __pydantic_config__: ClassVar[dict[str, str]] = _FORBID

    name: str
    description: str
    cpu: str
    runs: Annotated[tuple[Runnable, ...], MinLen(1)] = ("firmware",)
    # The firmware keys (FIRMWARE_KEYS) are required where `runs` has firmware; elsewhere their
    # defaults are never read (harness.build refuses such a board by name first).
    port: str = ""  # the FreeRTOS port's name, as the boot record and tables show it
    port_dir: str = "-"  # under portable/GCC/: portmacro.h is here
    port_sources: tuple[str, ...] = ()  # files in port_dir to compile
    # More folders under portable/GCC/ for the include path (RISC-V: its chip-specific extensions).
    port_includes: tuple[str, ...] = ()
    fpu: FpuName = "none"  # "none": soft float; else -mfpu=<fpu> -mfloat-abi=hard
    core: CoreName  # directory under firmware/boards/: the CPU's start-up and traps, shared by families
    family: str = ""  # directory under firmware/boards/: the board family's vector table and drivers
    linker_script: str = ""  # path under firmware/boards/
    cflags: tuple[str, ...] = ()  # compile and link flags for the CPU
    clock_hz: Annotated[int, Gt(0)]
    # The op timer's count rate (compare's cycles per operation), where it is not the CPU clock.
    op_timer_hz: Annotated[int, Gt(0)] | None = None
    memory: Memory
    heap5_regions: tuple[RamName, RamName] = ("ram", "ram")  # where heap_5's two regions go
    uart: Uart | None = None
    overflow_detection: Annotated[tuple[Literal["canary", "stack_limit", "watchpoint"], ...], MinLen(1)]
    heap_size: Annotated[int, Gt(0)] = 1  # the default configTOTAL_HEAP_SIZE in bytes
    emulators: Emulators
    notes: tuple[str, ...] = ()  # facts a user of this board should know, shown by `memharness boards`

    @property
    def first_overflow_catch(self) -> str:
        """What ends a stack overflow first here: the hardware limit at the crossing instruction
        where the port sets PSPLIM, else FreeRTOS's canary at the next context switch."""
        return "stack_limit" if "stack_limit" in self.overflow_detection else "canary"

    def __post_init__(self) -> None:
        """Checks across fields; `_validate` adds the one that needs the file's keys (FIRMWARE_KEYS)."""
        if self.port_dir != "-":
            _match(_PORT_DIR, self.port_dir, "a folder under portable/GCC/", "port_dir")
        for folder in self.port_includes:
            _match(_PORT_DIR, folder, "a folder under portable/GCC/", "port_includes")
        for source in self.port_sources:
            _match(_PORT_SOURCE, source, "a .c or .S file name in port_dir", "port_sources")
        if "ram2" in self.heap5_regions and self.memory.ram2 is None:
            raise ValueError("heap5_regions names ram2, but memory has no ram2")

    @property
    def runs_firmware(self) -> bool:
        """Our firmware builds and runs here (else the board runs others' images only)."""
        return "firmware" in self.runs

    def require_firmware(self) -> None:
        """Refuse, naming the fix, a board that runs others' images only (no compiler for its CPU here)."""
        if not self.runs_firmware:
            raise UsageError(
                f"board {self.name} runs {', '.join(self.runs)} only: memharness builds no firmware for it",
                f"run an image on it (memharness run --board {self.name} --image BUILD_DIR), or pick a board "
                "that runs our firmware (memharness boards)",
            )

    @property
    def runs_esp_idf(self) -> bool:
        return "esp_idf" in self.runs

    @property
    def timer_hz(self) -> int:
        """The rate of the clock the op timer counts (compare converts its ticks to cycles)."""
        return self.op_timer_hz or self.clock_hz

    @property
    def console(self) -> Uart:
        """The console UART; only firmware boards are asked (the validator guarantees it there)."""
        assert self.uart is not None, f"{self.name} runs no firmware of ours"
        return self.uart

    @property
    def emulator_names(self) -> tuple[str, ...]:
        """The emulators this board file says how to start, in the schema's order; the first is the default."""
        return tuple(name for name in EMULATOR_KEYS if getattr(self.emulators, name) is not None)

    @property
    def default_emulator(self) -> str:
        return self.emulator_names[0]

    @property
    def has_fpu(self) -> bool:
        return self.fpu != "none"

    def float_flags(self) -> tuple[str, ...]:
        """Compiler flags for the board's floating point: hard-float ABI with its FPU, or soft.

        Only ARM's compiler takes -mfloat-abi; on RISC-V the float ABI is part of `cflags` (-mabi).
        """
        if self.core != "cortex_m":
            return ()
        if self.fpu == "none":
            return ("-mfloat-abi=soft",)
        return (f"-mfpu={self.fpu}", "-mfloat-abi=hard")

    def ram_region(self, name: RamName) -> MemoryRegion:
        region = self.memory.ram if name == "ram" else self.memory.ram2
        assert region is not None  # _regions_exist
        return region


def _describe(error: ErrorDetails) -> str:
    where = ".".join(str(part) for part in error["loc"])
    kind = error["type"]
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        return f"unknown key '{where}'"
    if kind in ("missing", "missing_keyword_only_argument", "missing_argument"):
        return f"missing field '{where}'"
    message = str(error["msg"]).removeprefix("Value error, ")
    if not where or kind == "value_error":  # a check across fields: its message names them
        return f"'{where}': {message}" if where and not message.startswith("'") else message
    return f"'{where}': {message} (got {error.get('input')!r})"


def load_board_file(path: Path) -> Board:
    """Parse and validate one platform file; errors name the file, and the line for YAML syntax.

    The same bytes are parsed and validated once per process (boards are frozen, so a test
    session or a comparison shares one Board per file content), and once at all while the
    kept form in the build folder matches them (see the module's docstring).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlatformError(f"{path}: cannot read: {exc}") from None
    board = _load_board_text(path, text)
    if board.name != path.stem:
        raise PlatformError(
            f"{path}: name '{board.name}' does not match the file name '{path.stem}'",
            f"rename the file to {board.name}.yaml or set name: {path.stem}",
        )
    boards_dir = FIRMWARE_DIR / "boards"
    checked = (("core", board.core), ("family", board.family), ("linker_script", board.linker_script))
    for key, relative in checked if board.runs_firmware else ():
        if not (boards_dir / relative).exists():
            raise PlatformError(
                f"{path}: '{key}': {boards_dir / relative} does not exist",
                f"name a folder or file under {boards_dir}",
            )
    return board


@lru_cache(maxsize=1)
def _schema_digest() -> bytes:
    """This module's source: a change of the schema makes every kept board stale."""
    return hashlib.sha256(Path(__file__).read_bytes()).digest()


@lru_cache(maxsize=64)
def _load_board_text(path: Path, text: str) -> Board:
    kept = build_dir() / "boards" / (hashlib.sha256(_schema_digest() + text.encode()).hexdigest()[:32] + ".pickle")
    try:
        board = pickle.loads(kept.read_bytes())
        if isinstance(board, Board):
            return board
    except (OSError, pickle.UnpicklingError, EOFError, ImportError, AttributeError, IndexError, KeyError,
            ValueError, TypeError):
        pass  # not kept yet, or from another version: validate
    board = _validate(path, _parse(path, text))
    part = kept.with_name(f"{kept.name}.{os.getpid()}.part")
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        part.write_bytes(pickle.dumps(board))
        os.replace(part, kept)
    except OSError:  # a build folder that cannot be written only costs the next process a validation
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
    return board


def _parse(path: Path, text: str) -> dict[str, Any]:
    import yaml  # only when a board file is validated (see the module's docstring)

    loader = getattr(yaml, "CSafeLoader", None)  # libyaml: the same YAML, ten times faster
    try:
        try:
            data = yaml.load(text, Loader=loader) if loader else yaml.safe_load(text)
        except yaml.YAMLError:
            data = yaml.safe_load(text)  # the pure-Python parser words the error the same everywhere
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise PlatformError(
            f"{path}:{line}: YAML syntax error: {exc.problem}",
            "correct the YAML at that line",
        ) from None
    except (OSError, yaml.YAMLError) as exc:
        raise PlatformError(f"{path}: cannot read: {exc}") from None
    if not isinstance(data, dict):
        raise PlatformError(f"{path}: expected a mapping of keys, got {type(data).__name__}")
    return data


def validate(data: dict[str, Any]) -> Board:
    """The board `data` describes; a ValueError (pydantic's ValidationError) names what is wrong."""
    # The constraint markers the annotations name (Ge, Gt, ...) are resolved here, in this
    # frame's namespace (TypeAdapter's parent frame), so importing the module needs none of them.
    from annotated_types import Ge, Gt, Le, MinLen  # noqa: F401  # named by the schema's annotations
    from pydantic import TypeAdapter

    board = TypeAdapter(Board).validate_python(data)
    if board.runs_firmware:
        missing = [key for key in FIRMWARE_KEYS if key not in data]
        if missing:
            fields = ", ".join(repr(k) for k in missing)
            raise ValueError(f"missing field {fields} (a board whose `runs` has firmware needs it)")
        if not board.port_sources:
            raise ValueError("'port_sources' must name at least one file")
    return board


def _validate(path: Path, data: dict[str, Any]) -> Board:
    from pydantic import ValidationError

    try:
        return validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(e) for e in exc.errors())
        raise PlatformError(f"{path}: {problems}", "see platforms/README.md for the schema") from None
    except ValueError as exc:
        raise PlatformError(f"{path}: {exc}", "see platforms/README.md for the schema") from None


def board_names(platforms_dir: Path | None = None) -> list[str]:
    return sorted(p.stem for p in (platforms_dir or default_platforms_dir()).glob("*.yaml"))


def load_board(name: str, platforms_dir: Path | None = None) -> Board:
    """The board called `name`; an unknown name lists the known ones and the nearest match."""
    platforms_dir = platforms_dir or default_platforms_dir()
    path = platforms_dir / f"{name}.yaml"
    if not path.is_file():
        known = board_names(platforms_dir)
        near = difflib.get_close_matches(name, known, n=1)
        hint = f" Did you mean '{near[0]}'?" if near else ""
        raise UnknownBoardError(
            f"unknown board '{name}'.{hint} Known boards: {', '.join(known) or 'none'}",
            "pass --board with one of the known boards, or add platforms/<board>.yaml",
        )
    return load_board_file(path)


def load_all_boards(platforms_dir: Path | None = None) -> list[Board]:
    return [load_board_file(p) for p in sorted((platforms_dir or default_platforms_dir()).glob("*.yaml"))]
