"""A user's FreeRTOS image, checked and indexed: what the outside reader needs from the ELF alone.

`load_image(elf, board)` refuses, with the fix, what cannot be read from outside: a file that is
not an ELF, an ELF for another architecture or whose load addresses do not fit the board's memory,
an image without debug information (build with `-g`), an image without a FreeRTOS kernel. What it
returns names every kernel static the readers use (file-local statics of tasks.c and the heap file
come from the symbols that follow that file's STT_FILE entry, so a same-named static elsewhere is
never taken for them), the heap scheme, and the struct layouts from DWARF (`layouts.py`).

The heap scheme is told by what each heap file leaves in the image: heap_1 its `xNextFreeByte`,
heap_2 its size-sorted list's `xEnd`, heap_4 its `pxEnd` and minimum-ever counter, heap_5 its
`vPortDefineHeapRegions`, heap_3 a `pvPortMalloc` with none of these (it wraps the C library's
malloc); no `pvPortMalloc` at all is a static image ("none").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from harness.errors import UsageError
from harness.observe.layouts import LayoutError, Layouts, layouts
from harness.platforms import Board

NO_HEAP = "none"
HEAP_FILES = ("heap_1.c", "heap_2.c", "heap_3.c", "heap_4.c", "heap_5.c")
_MACHINES = {"cortex_m": "EM_ARM"}


class ImageError(UsageError):
    """The file given as an image cannot be read from outside; the message says why and the fix."""


@dataclass(frozen=True)
class Symbol:
    name: str
    address: int
    size: int
    function: bool


@dataclass(frozen=True)
class SymbolTable:
    """Global symbols by name, and each source file's local symbols by file then name."""

    globals: Mapping[str, Symbol]
    locals: Mapping[str, Mapping[str, Symbol]]

    def get(self, name: str, source: str | None = None) -> Symbol | None:
        """A symbol of `source` (its locals, then the globals), or any global by that name."""
        if source is not None:
            found = self.locals.get(source, {}).get(name)
            if found is not None:
                return found
        return self.globals.get(name)

    def address(self, name: str, source: str | None = None) -> int | None:
        sym = self.get(name, source)
        return None if sym is None else sym.address


@lru_cache(maxsize=32)
def symbol_table(elf: Path) -> SymbolTable:
    out: dict[str, Symbol] = {}
    local: dict[str, dict[str, Symbol]] = {}
    with elf.open("rb") as f:
        table = ELFFile(f).get_section_by_name(".symtab")
        if not isinstance(table, SymbolTableSection):
            return SymbolTable({}, {})
        current = ""
        for sym in table.iter_symbols():
            kind, bind = sym["st_info"]["type"], sym["st_info"]["bind"]
            if kind == "STT_FILE":
                current = Path(sym.name).name
                continue
            if not sym.name or sym["st_shndx"] == "SHN_UNDEF" or kind not in ("STT_OBJECT", "STT_FUNC", "STT_NOTYPE"):
                continue
            entry = Symbol(sym.name, int(sym["st_value"]), int(sym["st_size"]), kind == "STT_FUNC")
            if bind == "STB_LOCAL":
                local.setdefault(current, {})[sym.name] = entry
            else:
                out[sym.name] = entry
    return SymbolTable(out, local)


def _scheme(table: SymbolTable) -> str:
    for source in HEAP_FILES:
        if source in table.locals:
            return source.removesuffix(".c")
    if "pvPortMalloc" not in table.globals and "__wrap_pvPortMalloc" not in table.globals:
        return NO_HEAP
    if table.get("vPortDefineHeapRegions") is not None:
        return "heap_5"
    if table.get("xNextFreeByte") is not None:
        return "heap_1"
    if table.get("xMinimumEverFreeBytesRemaining") is not None:
        return "heap_4"
    if table.get("xEnd") is not None:
        return "heap_2"
    return "heap_3"


@dataclass(frozen=True)
class KernelImage:
    """One checked image: its path, symbols, heap scheme, struct layouts and vector table."""

    elf: Path
    symbols: SymbolTable
    heap: str  # heap_1..heap_5, or "none" for a static image
    layouts: Layouts
    vectors: tuple[int, ...] = field(default=())  # initial SP, reset, NMI, HardFault, MemManage, ...

    def kernel(self, name: str) -> int | None:
        """A kernel static or global of tasks.c (pxCurrentTCB, xTickCount, pxReadyTasksLists...)."""
        return self.symbols.address(name, "tasks.c")

    def heap_symbol(self, name: str) -> Symbol | None:
        """A static of the linked heap file (xStart, pxEnd, xFreeBytesRemaining...) or a global."""
        return self.symbols.get(name, f"{self.heap}.c")

    def function(self, name: str) -> int | None:
        """Where a function starts, the Thumb bit cleared (a breakpoint address)."""
        sym = self.symbols.get(name)
        return None if sym is None else sym.address & ~1


def _fits(board: Board, start: int, size: int) -> bool:
    mem = board.memory
    regions = [mem.flash, mem.ram, *([mem.ram2] if mem.ram2 is not None else [])]
    return any(r.base <= start and start + size <= r.base + r.size for r in regions)


def _check_board(elf: Path, image: ELFFile, board: Board) -> tuple[int, ...]:
    """The vector table, after checking the image was linked for this board's memory."""
    machine = image["e_machine"]
    wanted = _MACHINES.get(board.core)
    if wanted is not None and machine != wanted:
        raise ImageError(
            f"{elf} is built for {machine}, but board {board.name} has a {board.cpu} ({wanted})",
            f"build the image for {board.cpu}, or choose a board of its architecture (memharness boards)",
        )
    loads = [s for s in image.iter_segments() if s["p_type"] == "PT_LOAD" and s["p_filesz"] > 0]
    for seg in loads:
        if not _fits(board, int(seg["p_paddr"]), int(seg["p_filesz"])):
            raise ImageError(
                f"{elf} loads {seg['p_filesz']} bytes at {seg['p_paddr']:#010x}, outside {board.name}'s "
                f"flash and RAM ({board.memory.flash.base:#010x}, {board.memory.ram.base:#010x})",
                f"link the image for {board.name}'s memory map, or choose the board it was built for",
            )
    flash = board.memory.flash.base
    for seg in loads:
        start = int(seg["p_paddr"])
        if start <= flash < start + int(seg["p_filesz"]):
            data = seg.data()[flash - start : flash - start + 16 * 4]
            words = tuple(int.from_bytes(data[i : i + 4], "little") for i in range(0, len(data) - 3, 4))
            if len(words) >= 2 and not _fits(board, words[0] - 4, 4):
                raise ImageError(
                    f"{elf}'s vector table gives an initial stack pointer {words[0]:#010x} outside {board.name}'s RAM",
                    f"link the image for {board.name}, or choose the board it was built for",
                )
            return words
    raise ImageError(
        f"{elf} has no vector table at {board.name}'s flash base {flash:#010x}",
        f"link the image for {board.name}'s memory map, or choose the board it was built for",
    )


def load_image(elf: Path, board: Board | None = None) -> KernelImage:
    """Check `elf` and index it; with `board`, also that it was linked for that board."""
    if not elf.is_file():
        raise ImageError(f"{elf} does not exist or is not a file", "give the path of the image's ELF file")
    try:
        with elf.open("rb") as f:
            image = ELFFile(f)
            vectors = _check_board(elf, image, board) if board is not None else ()
            has_dwarf = image.has_dwarf_info() and image.get_section_by_name(".debug_info") is not None
    except ELFError as exc:
        raise ImageError(
            f"{elf} is not an ELF file ({exc})", "give the ELF file the linker wrote (not a .bin or .hex)"
        ) from None
    except OSError as exc:
        raise ImageError(f"cannot read {elf}: {exc.strerror or exc}", "check the path and its permissions") from None
    table = symbol_table(elf)
    if table.get("pxCurrentTCB", "tasks.c") is None and table.get("pxCurrentTCBs", "tasks.c") is None:
        raise ImageError(
            f"{elf} is not a FreeRTOS image: it has no pxCurrentTCB (tasks.c's kernel state)",
            "give an image linked with the FreeRTOS kernel, with its symbol table (do not strip it)",
        )
    if not has_dwarf:
        raise ImageError(
            f"{elf} has no debug information, so the kernel's struct layouts cannot be read",
            "build the image with -g (debug info changes no code; strip a copy for flashing instead)",
        )
    try:
        lay = layouts(elf)
    except LayoutError as exc:
        raise ImageError(str(exc), "build tasks.c and list.c with -g, so DWARF describes TCB_t and List_t") from None
    return KernelImage(elf=elf, symbols=table, heap=_scheme(table), layouts=lay, vectors=vectors)
