"""Facts read from a built image with pyelftools: symbols, section sizes, C type sizes from DWARF.

Tests check the firmware's own claims (e.g. `tcb_size` in the boot record) against these, so
a figure is never only what the firmware says about itself.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection


@lru_cache(maxsize=32)
def symbols(elf: Path) -> dict[str, int]:
    """Every defined symbol's name and address."""
    with elf.open("rb") as f:
        table = ELFFile(f).get_section_by_name(".symtab")
        if not isinstance(table, SymbolTableSection):
            return {}
        return {s.name: int(s["st_value"]) for s in table.iter_symbols() if s.name and s["st_shndx"] != "SHN_UNDEF"}


def type_size(elf: Path, name: str) -> int | None:
    """`sizeof(name)` for a typedef or struct tag from the DWARF info, None if not described."""
    return type_sizes(elf).get(name)


@lru_cache(maxsize=32)
def type_sizes(elf: Path) -> dict[str, int]:
    """`sizeof` of every named typedef and struct tag the DWARF info describes, in one pass.

    For tests that need many sizes from one image: `type_size` walks the DWARF once per name.
    A name described twice with different sizes (two CUs, two configurations) is left out.
    """
    found: dict[str, int] = {}
    clashes: set[str] = set()
    with elf.open("rb") as f:
        dwarf = ELFFile(f).get_dwarf_info()
        for cu in dwarf.iter_CUs():
            for die in cu.iter_DIEs():
                if die.tag not in ("DW_TAG_typedef", "DW_TAG_structure_type"):
                    continue
                attr = die.attributes.get("DW_AT_name")
                if attr is None:
                    continue
                target = die
                while target.tag == "DW_TAG_typedef" and "DW_AT_type" in target.attributes:
                    target = target.get_DIE_from_attribute("DW_AT_type")
                if "DW_AT_byte_size" not in target.attributes:
                    continue
                name, size = attr.value.decode(), int(target.attributes["DW_AT_byte_size"].value)
                if found.setdefault(name, size) != size:
                    clashes.add(name)
    return {k: v for k, v in found.items() if k not in clashes}


@dataclass(frozen=True)
class SourceLocation:
    """Where an address falls in the image: the function holding it and the line that made it."""

    address: int
    function: str | None
    file: str | None
    line: int | None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.file and self.line else "unknown line"
        return f"{self.function or '??'} at {where} (0x{self.address:08x})"


@lru_cache(maxsize=32)
def _functions(elf: Path) -> tuple[tuple[int, int, str], ...]:
    """(start, end, name) of every sized function symbol, sorted by start; Thumb bit cleared."""
    with elf.open("rb") as f:
        table = ELFFile(f).get_section_by_name(".symtab")
        if not isinstance(table, SymbolTableSection):
            return ()
        found = {
            (int(s["st_value"]) & ~1, (int(s["st_value"]) & ~1) + int(s["st_size"]), s.name)
            for s in table.iter_symbols()
            if s["st_info"]["type"] == "STT_FUNC" and s.name and int(s["st_size"]) > 0
        }
    return tuple(sorted(found))


def _rows(dwarf: object, cu: object) -> list[tuple[int, str, int]]:
    """(address, file, line) rows of one CU's DWARF line program; a row that ends a sequence has
    line 0, so an address past a sequence's end is not blamed on its last line."""
    rows: list[tuple[int, str, int]] = []
    program = dwarf.line_program_for_CU(cu)  # type: ignore[attr-defined]  # pyelftools is untyped
    if program is None:
        return rows
    names = program.header["file_entry"]
    base = 0 if program.header["version"] >= 5 else 1  # DWARF 5 numbers files from 0
    for entry in program.get_entries():
        state = entry.state
        if state is None:
            continue
        if state.end_sequence:
            rows.append((state.address, "", 0))
            continue
        index = state.file - base
        name = names[index].name.decode() if 0 <= index < len(names) else "?"
        rows.append((state.address, name, state.line))
    return rows


@lru_cache(maxsize=32)
def _line_table(elf: Path) -> tuple[tuple[int, str, int], ...]:
    """(address, file, line) rows of every CU's DWARF line program, sorted by address."""
    rows: list[tuple[int, str, int]] = []
    with elf.open("rb") as f:
        image = ELFFile(f)
        if not image.has_dwarf_info():
            return ()
        dwarf = image.get_dwarf_info()
        for cu in dwarf.iter_CUs():
            rows += _rows(dwarf, cu)
    rows.sort(key=lambda row: row[0])
    return tuple(rows)


@lru_cache(maxsize=256)
def _unit_line_table(elf: Path, address: int) -> tuple[tuple[int, str, int], ...] | None:
    """The rows of the one CU `.debug_aranges` says holds `address`, or None without aranges.

    A big image (an ESP-IDF app: thousands of units) is decoded in a fraction of a second this
    way, where reading every unit's line program takes seconds.
    """
    with elf.open("rb") as f:
        image = ELFFile(f)
        if not image.has_dwarf_info():
            return None
        dwarf = image.get_dwarf_info()
        aranges = dwarf.get_aranges()
        if aranges is None:
            return None
        offset = aranges.cu_offset_at_addr(address)
        if offset is None:
            return None
        return tuple(sorted(_rows(dwarf, dwarf.get_CU_at(offset)), key=lambda row: row[0]))


def locate(elf: Path, address: int) -> SourceLocation:
    """The function and source line of `address` in `elf` (addr2line, through pyelftools).

    Used to decode a faulting PC or a stacked LR. The Thumb bit is ignored. Parts that the
    image does not describe (no symbol, no DWARF line info) are None, never guessed.
    """
    address &= ~1
    function = None
    functions = _functions(elf)
    i = bisect.bisect_right(functions, (address, 2**64, "")) - 1
    if i >= 0 and functions[i][0] <= address < functions[i][1]:
        function = functions[i][2]
    rows = _unit_line_table(elf, address)
    if rows is None:
        rows = _line_table(elf)
    j = bisect.bisect_right(rows, (address, "\U0010ffff", 2**31)) - 1
    file, line = (rows[j][1], rows[j][2]) if j >= 0 and rows[j][2] > 0 else (None, None)
    return SourceLocation(address, function, file or None, line or None)
