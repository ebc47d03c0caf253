"""Espressif's QEMU fork (machines `esp32` and `esp32c3`): a 4 MiB flash image, the chip's ROM.

The ROM boots from flash as on silicon, so an image is a flash file: an ESP-IDF build folder's
parts placed at the offsets its `flasher_args.json` gives, a flash file given as is, or our own
firmware's ELF packaged with esptool as the second stage the ROM loads from offset 0. The
emulator is found by option (`--esp-qemu`), by `MEMHARNESS_ESP_QEMU` (a folder with `bin/` and
`rom/`), in ESP-IDF's tools folder (`~/.espressif/tools/qemu-*`) or on PATH; the watchdog is off,
the gdb stub and QMP listen on Unix sockets in the session's private folder. The session itself
is the QEMU backend's (one UART sink, process group killed at stop).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness.emulators.base import Replay
from harness.emulators.qemu import QemuSession
from harness.errors import EmulatorError, ToolMissingError, UsageError
from harness.paths import build_dir

if TYPE_CHECKING:  # annotations only: the board schema (pydantic) loads with the first board
    from harness.platforms import Board, EspQemuTarget

ENV = "MEMHARNESS_ESP_QEMU"
ESPRESSIF_TOOLS = Path("~/.espressif/tools")
FLASH_SIZE = 4 * 1024 * 1024
FLASH_SIZE_NAME = "4MB"
ELF_MAGIC = b"\x7fELF"
_location: Path | None = None  # set by `use_location` (the CLI's --esp-qemu)


def use_location(folder: Path | None) -> None:
    """Use Espressif's QEMU from `folder` (with bin/ and rom/) before the other places."""
    global _location
    _location = folder


@dataclass(frozen=True)
class EspQemu:
    """Where the emulator binary and the chips' ROM images are, and how they were found."""

    binary: Path
    rom_dir: Path | None  # None: the binary's own data folder holds the ROMs
    found_by: str


def _from_folder(folder: Path, binary: str, how: str) -> EspQemu | None:
    candidate = folder / "bin" / binary
    if not candidate.is_file():
        return None
    for rom in (folder / "rom", folder / "share" / "qemu"):
        if rom.is_dir():
            return EspQemu(candidate, rom, how)
    return EspQemu(candidate, None, how)


def _places(binary: str) -> list[tuple[Path, str]]:
    places: list[tuple[Path, str]] = []
    if _location is not None:
        places.append((_location, "--esp-qemu"))
    if os.environ.get(ENV):
        places.append((Path(os.environ[ENV]), ENV))
    tools = ESPRESSIF_TOOLS.expanduser()
    if tools.is_dir():
        for folder in sorted(tools.glob("qemu-*/*/qemu"), reverse=True):
            places.append((folder, f"{tools}"))
    return places


def locate(target: EspQemuTarget) -> EspQemu | str:
    """The emulator for `target`, or every place that was tried, for the error message."""
    tried: list[str] = []
    for folder, how in _places(target.binary):
        found = _from_folder(folder, target.binary, how)
        if found is not None:
            return found
        tried.append(f"{how}: {folder / 'bin' / target.binary} does not exist")
    on_path = shutil.which(target.binary)
    if on_path is not None:
        return _from_folder(Path(on_path).resolve().parent.parent, target.binary, "PATH") or EspQemu(
            Path(on_path), None, "PATH")
    tried.append(f"PATH: no {target.binary}")
    return "; ".join(tried)


def esp_target(board: Board) -> EspQemuTarget:
    if board.emulators.esp_qemu is None:
        raise EmulatorError(f"board {board.name} has no Espressif QEMU machine", "run it with another --emulator")
    return board.emulators.esp_qemu


def _missing(target: EspQemuTarget, tried: str) -> ToolMissingError:
    return ToolMissingError(
        f"Espressif's QEMU ({target.binary}, machine {target.machine}) was not found ({tried})",
        f"pass --esp-qemu DIR or set {ENV}=DIR (a folder with bin/{target.binary} and rom/), "
        f"install it with ESP-IDF (`idf_tools.py install qemu-riscv32 qemu-xtensa`, into {ESPRESSIF_TOOLS}/qemu-*), "
        f"or put {target.binary} on PATH",
    )


# --- flash images -----------------------------------------------------------------------------
def _esptool(args: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "esptool", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        said = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        raise EmulatorError(
            f"esptool {args[2] if len(args) > 2 else ''} failed: {said[-1] if said else proc.returncode}",
            "check the image (esptool comes with memharness: `make venv`)",
        )


def _publish(made: Path, target: Path) -> Path:
    """Rename a finished file into place; concurrent makers of the same image keep one."""
    os.replace(made, target)
    return target


def flash_parts(build: Path) -> list[tuple[int, Path]]:
    """The (offset, file) parts of an ESP-IDF build folder, from its flasher_args.json."""
    args = build / "flasher_args.json"
    try:
        data = json.loads(args.read_text(encoding="utf-8"))
        parts = [(int(offset, 16), build / name) for offset, name in data["flash_files"].items()]
    except (OSError, ValueError, KeyError, AttributeError) as exc:
        raise UsageError(
            f"{build} is not an ESP-IDF build folder: cannot read {args.name} ({exc})",
            "pass the build/ folder `idf.py build` made, or a 4 MiB flash image",
        ) from None
    missing = [str(path) for _, path in parts if not path.is_file()]
    if missing:
        raise UsageError(f"{args}: names {', '.join(missing)}, which does not exist", "rebuild the app (idf.py build)")
    return sorted(parts)


def app_elf(build: Path) -> Path | None:
    """The application's ELF in an ESP-IDF build folder (for decoding a panic's PC), if there is one."""
    try:
        data = json.loads((build / "flasher_args.json").read_text(encoding="utf-8"))
        app = build / str(data["app"]["file"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    elf = app.with_suffix(".elf")
    return elf if elf.is_file() else None


def _digest(paths: list[Path], extra: str) -> str:
    import hashlib  # OpenSSL loads with the first digest, not with `import harness.cli`

    h = hashlib.sha256(extra.encode())
    for path in paths:
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def flash_image(target: EspQemuTarget, source: Path, cache: Path | None = None) -> Path:
    """A 4 MiB flash file for `source`: an ESP-IDF build folder, our firmware's ELF, or a flash file.

    Made images are cached by content (next to an ELF, or under the build folder's `esp-flash/`),
    so a second run of the same image costs no esptool call.
    """
    if source.is_dir():
        parts = flash_parts(source)
        folder = cache or build_dir() / "esp-flash"
        key = _digest([p for _, p in parts], f"{target.chip} {[o for o, _ in parts]}")
        out = folder / f"{source.resolve().parent.name}-{target.chip}-{key}.flash"
        if out.is_file():
            return out
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder, prefix=".flash-") as tmp:
            made = Path(tmp) / "flash.bin"
            pairs = [str(x) for offset, path in parts for x in (hex(offset), path)]
            _esptool(["--chip", target.chip, "merge-bin", "--pad-to-size", FLASH_SIZE_NAME, "-o", str(made), *pairs])
            return _publish(made, out)
    try:
        head = source.open("rb").read(4)
    except OSError as exc:
        raise UsageError(f"cannot read the image {source}: {exc.strerror or exc}", "pass an existing file") from None
    if head == ELF_MAGIC:
        out = source.with_suffix(".flash")
        if out.is_file() and out.stat().st_mtime >= source.stat().st_mtime:
            return out
        with tempfile.TemporaryDirectory(dir=source.parent, prefix=".flash-") as tmp:
            app, made = Path(tmp) / "app.img", Path(tmp) / "flash.bin"
            _esptool(["--chip", target.chip, "elf2image", "--flash-mode", "dio", "--flash-freq", "80m",
                      "--flash-size", FLASH_SIZE_NAME, "-o", str(app), str(source)])
            _esptool(["--chip", target.chip, "merge-bin", "--pad-to-size", FLASH_SIZE_NAME, "-o", str(made),
                      hex(target.bootloader_offset), str(app)])
            return _publish(made, out)
    if source.stat().st_size != FLASH_SIZE:
        raise UsageError(
            f"{source} is neither an ELF, an ESP-IDF build folder, nor a {FLASH_SIZE_NAME} flash image "
            f"({source.stat().st_size} bytes)",
            "pass the build/ folder, or a flash image made with `esptool merge-bin --pad-to-size 4MB`",
        )
    return source


class EspQemuBackend:
    name = "esp_qemu"
    replays = False

    def available(self, board: Board) -> str | None:
        if board.emulators.esp_qemu is None:
            return f"board {board.name} has no Espressif QEMU machine"
        found = locate(board.emulators.esp_qemu)
        return found if isinstance(found, str) else None

    def require(self, board: Board) -> EspQemu:
        target = esp_target(board)
        found = locate(target)
        if isinstance(found, str):
            raise _missing(target, found)
        return found

    def command(
        self, board: Board, elf: Path, workdir: Path, icount_shift: int | None = None, *, debug: bool = False
    ) -> list[str]:
        """The command for `elf`: our firmware's ELF runs from its cached flash image, read-only (it
        never writes flash); anything else from a private copy `start` puts in `workdir` (an
        ESP-IDF app may write its flash: NVS), so the user's image is never changed."""
        target = esp_target(board)
        flash = flash_image(target, elf)
        drive = f"file={flash},if=mtd,format=raw,readonly=on" if flash != elf and not elf.is_dir() else (
            f"file={workdir / 'flash.bin'},if=mtd,format=raw")
        found = locate(target)
        binary, rom = (Path(target.binary), None) if isinstance(found, str) else (found.binary, found.rom_dir)
        shift = target.icount_shift if icount_shift is None else icount_shift
        return [
            str(binary),
            *(["-L", str(rom)] if rom is not None else []),
            "-machine", target.machine,
            "-nographic",
            "-nic", "none",
            "-monitor", "none",
            "-serial", "stdio",
            *(["-icount", f"shift={shift},align=off,sleep=off"] if shift is not None else []),
            "-drive", drive,
            "-global", f"driver={target.watchdog},property=wdt_disable,value=true",
            "-qmp", f"unix:{workdir / 'qmp.sock'},server=on,wait=off",
            "-gdb", f"unix:{workdir / 'gdb.sock'},server=on,wait=off",
            *(["-S"] if debug else []),  # held at reset until a debugger lets it run
            *target.extra_args,
        ]

    def start(
        self, board: Board, elf: Path, uart_log: Path, icount_shift: int | None = None, *, debug: bool = False,
        replay: Replay | None = None,
    ) -> QemuSession:
        """Boot `elf` (our ELF, an ESP-IDF build folder or a flash file) from power-on; `debug`: held
        at reset until a client of the gdb stub (always on, in the private folder) lets it run.
        No `replay`: the esp32 machines' record/replay is not checked here (their timers and
        flash are devices the record may not cover), so exact tick points come from host looks."""
        if replay is not None:
            raise EmulatorError("record/replay is not supported on Espressif's QEMU here",
                                "take exact tick points on a Cortex-M board under QEMU")
        self.require(board)
        workdir = Path(tempfile.mkdtemp(prefix="memharness-espqemu-"))  # mode 0700: private sockets
        try:
            command = self.command(board, elf, workdir, icount_shift, debug=debug)
            if f"file={workdir / 'flash.bin'}," in " ".join(command):
                shutil.copyfile(flash_image(esp_target(board), elf), workdir / "flash.bin")
            return QemuSession(command, workdir, workdir / "qmp.sock", uart_log, f"unix:{workdir / 'gdb.sock'}")
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
