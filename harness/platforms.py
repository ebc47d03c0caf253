"""Boards are data: `platforms/<board>.yaml`, validated by a schema into a frozen model.

An unknown key, a missing field or a wrong type is an error naming the file and the key, so a
typo in a board file never turns into a silently different build.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from harness.errors import PlatformError, UnknownBoardError, UsageError
from harness.paths import FIRMWARE_DIR
from harness.paths import platforms_dir as default_platforms_dir


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MemoryRegion(_Strict):
    base: int = Field(ge=0)
    size: int = Field(gt=0)


class Memory(_Strict):
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


class Uart(_Strict):
    driver: Literal["cmsdk", "stm32_usart", "stm32f7_usart", "nrf_uarte", "esp32c3_uart"]
    base: int = Field(ge=0)


class QemuTarget(_Strict):
    binary: str
    machine: str
    cpu: str
    # Which `-serial` the board's console UART is wired to (0: the first). QEMU's
    # netduinoplus2 wires the n-th `-serial` to USART(n+1), so its USART2 is 1.
    serial_port: int = Field(default=0, ge=0, le=7)
    extra_args: tuple[str, ...] = ()


class EspQemuTarget(_Strict):
    """Espressif's QEMU fork: the machine, the chip name esptool knows, and how to make its flash."""

    binary: str  # qemu-system-riscv32 / qemu-system-xtensa, looked up in the esp-qemu folder's bin/
    machine: str  # -machine esp32c3 / esp32
    chip: str  # esptool's --chip
    bootloader_offset: int = Field(ge=0)  # where the ROM loads the second stage from (0x0 or 0x1000)
    watchdog: str  # the TIMG driver whose wdt_disable property turns the watchdog off
    # -icount shift for runs, or None where instruction counting stalls the machine (esp32's flash)
    icount_shift: int | None = Field(default=None, ge=0, le=10)
    extra_args: tuple[str, ...] = ()
class RenodeTarget(_Strict):
    """How Renode runs the board: its platform description, the console UART peripheral, and
    monitor commands run after the platform loads (clocks, performance) and again at each reset."""

    platform: str = Field(pattern=r"^[A-Za-z0-9_./-]+\.repl$")  # under Renode's folder, e.g. platforms/cpus/x.repl
    uart: str = Field(pattern=r"^sysbus\.[A-Za-z0-9_]+$")  # the console peripheral, e.g. sysbus.usart2
    mips: int = Field(default=100, gt=0)  # instructions per virtual microsecond (`cpu PerformanceInMips`)
    commands: tuple[str, ...] = ()  # monitor commands, e.g. "nvic Frequency 168000000"
    platform_lines: tuple[str, ...] = ()  # extra platform description lines (peripherals the .repl lacks)


class Emulators(_Strict):
    qemu: QemuTarget | None = None
    esp_qemu: EspQemuTarget | None = None
    renode: RenodeTarget | None = None  # last: a board QEMU also runs keeps QEMU as its default

    @model_validator(mode="after")
    def _at_least_one(self) -> Emulators:
        if all(getattr(self, name) is None for name in type(self).model_fields):
            raise ValueError("emulators names none: give at least one (qemu, esp_qemu, renode)")
        return self


class Board(_Strict):
    """One board: what the build and the emulator backends need to know about it."""

    name: str
    description: str
    cpu: str
    runs: tuple[Runnable, ...] = Field(default=("firmware",), min_length=1)
    # The firmware keys (FIRMWARE_KEYS) are required where `runs` has firmware; elsewhere their
    # defaults are never read (harness.build refuses such a board by name first).
    port: str = ""  # the FreeRTOS port's name, as the boot record and tables show it
    port_dir: str = Field(default="-", pattern=_PORT_DIR)  # under portable/GCC/: portmacro.h is here
    port_sources: tuple[str, ...] = ()  # files in port_dir to compile
    # More folders under portable/GCC/ for the include path (RISC-V: its chip-specific extensions).
    port_includes: tuple[str, ...] = ()
    fpu: FpuName = "none"  # "none": soft float; else -mfpu=<fpu> -mfloat-abi=hard
    core: CoreName  # directory under firmware/boards/: the CPU's start-up and traps, shared by families
    family: str = ""  # directory under firmware/boards/: the board family's vector table and drivers
    linker_script: str = ""  # path under firmware/boards/
    cflags: tuple[str, ...] = ()  # compile and link flags for the CPU
    clock_hz: int = Field(gt=0)
    # The op timer's count rate (compare's cycles per operation), where it is not the CPU clock.
    op_timer_hz: int | None = Field(default=None, gt=0)
    memory: Memory
    heap5_regions: tuple[RamName, RamName] = ("ram", "ram")  # where heap_5's two regions go
    uart: Uart | None = None
    overflow_detection: tuple[Literal["canary", "stack_limit", "watchpoint"], ...] = Field(min_length=1)
    heap_size: int = Field(default=1, gt=0, description="default configTOTAL_HEAP_SIZE in bytes")
    emulators: Emulators
    notes: tuple[str, ...] = ()  # facts a user of this board should know, shown by `memharness boards`

    @property
    def first_overflow_catch(self) -> str:
        """What ends a stack overflow first here: the hardware limit at the crossing instruction
        where the port sets PSPLIM, else FreeRTOS's canary at the next context switch."""
        return "stack_limit" if "stack_limit" in self.overflow_detection else "canary"

    @field_validator("port_includes")
    @classmethod
    def _plain_folders(cls, folders: tuple[str, ...]) -> tuple[str, ...]:
        for folder in folders:
            if not re.match(_PORT_DIR, folder):
                raise ValueError(f"'{folder}' is not a folder under portable/GCC/")
        return folders

    @field_validator("port_sources")
    @classmethod
    def _plain_file_names(cls, sources: tuple[str, ...]) -> tuple[str, ...]:
        for source in sources:
            if not re.match(_PORT_SOURCE, source):
                raise ValueError(f"'{source}' is not a .c or .S file name in port_dir")
        return sources

    @model_validator(mode="after")
    def _regions_exist(self) -> Board:
        if "ram2" in self.heap5_regions and self.memory.ram2 is None:
            raise ValueError("heap5_regions names ram2, but memory has no ram2")
        if self.runs_firmware:
            missing = [key for key in FIRMWARE_KEYS if key not in self.model_fields_set]
            if missing:
                fields = ", ".join(repr(k) for k in missing)
                raise ValueError(f"missing field {fields} (a board whose `runs` has firmware needs it)")
            if not self.port_sources:
                raise ValueError("'port_sources' must name at least one file")
        return self

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
        return tuple(name for name in Emulators.model_fields if getattr(self.emulators, name) is not None)

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
    if kind == "extra_forbidden":
        return f"unknown key '{where}'"
    if kind == "missing":
        return f"missing field '{where}'"
    if not where:  # a check across fields: its message names them
        return str(error["msg"]).removeprefix("Value error, ")
    return f"'{where}': {error['msg']} (got {error.get('input')!r})"


def load_board_file(path: Path) -> Board:
    """Parse and validate one platform file; errors name the file, and the line for YAML syntax.

    The same bytes are parsed and validated once per process: boards are frozen, so a test
    session or a comparison shares one Board per file content.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlatformError(f"{path}: cannot read: {exc}") from None
    return _load_board_text(path, text)


_FAST_LOADER = getattr(yaml, "CSafeLoader", None)  # libyaml: the same YAML, ten times faster


@lru_cache(maxsize=64)
def _load_board_text(path: Path, text: str) -> Board:
    try:
        try:
            data = yaml.load(text, Loader=_FAST_LOADER) if _FAST_LOADER else yaml.safe_load(text)
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
    try:
        board = Board.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(e) for e in exc.errors())
        raise PlatformError(f"{path}: {problems}", "see platforms/README.md for the schema") from None
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
