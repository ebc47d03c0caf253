"""Facts read from a built image with pyelftools: symbols, section sizes, C type sizes from DWARF.

Tests check the firmware's own claims (e.g. `tcb_size` in the boot record) against these, so
a figure is never only what the firmware says about itself.
"""

from __future__ import annotations

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
