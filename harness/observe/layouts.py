"""Struct layouts of the kernel's types, read from the image's DWARF: no offset is written by hand.

A FreeRTOS image's `TCB_t` changes with its configuration (MPU wrappers, trace facility, mutexes,
notifications, `configRECORD_STACK_HIGH_ADDRESS`...), its list items with
`configUSE_LIST_DATA_INTEGRITY_CHECK_BYTES` and `configUSE_MINI_LIST_ITEM`. Reading the layout the
compiler actually used is the only way to walk any image's kernel state, so every offset the
outside reader uses comes from here, and a member the image's configuration left out is simply
absent (`Layout.has`).

    lay = layouts(Path("firmware.elf"))
    lay.tcb.offset("pcTaskName"), lay.tcb.size_of("pcTaskName"), lay.list.size

Only the compile units that define the types are read (tasks.c, list.c, the heap file), which
keeps a first read of a large image short; the result is cached per ELF path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from elftools.dwarf.die import DIE
from elftools.elf.elffile import ELFFile

# typedef name -> the struct tag the kernel gives it (either name finds it).
KERNEL_TYPES: dict[str, str] = {
    "TCB_t": "tskTaskControlBlock",
    "List_t": "xLIST",
    "ListItem_t": "xLIST_ITEM",
    "MiniListItem_t": "xMINI_LIST_ITEM",
    "BlockLink_t": "A_BLOCK_LINK",
    "HeapRegion_t": "HeapRegion",
}
_KERNEL_UNITS = ("tasks.c", "list.c", "heap_1.c", "heap_2.c", "heap_3.c", "heap_4.c", "heap_5.c")


class LayoutError(ValueError):
    """The image's DWARF does not describe a type the reader needs."""


@dataclass(frozen=True)
class Member:
    name: str
    offset: int
    size: int


@dataclass(frozen=True)
class Layout:
    """One struct: its size and its members' offsets and sizes, as the compiler laid them out."""

    name: str
    size: int
    members: Mapping[str, Member]

    def has(self, member: str) -> bool:
        return member in self.members

    def offset(self, member: str) -> int:
        try:
            return self.members[member].offset
        except KeyError:
            raise LayoutError(f"{self.name} has no member {member} in this image") from None

    def offset_of_any(self, *names: str) -> int:
        """The offset of the first of `names` the image has (a member renamed across kernel releases)."""
        for name in names:
            if name in self.members:
                return self.members[name].offset
        raise LayoutError(f"{self.name} has none of {', '.join(names)} in this image")

    def size_of(self, member: str) -> int:
        try:
            return self.members[member].size
        except KeyError:
            raise LayoutError(f"{self.name} has no member {member} in this image") from None


@dataclass(frozen=True)
class Layouts:
    """The kernel types an image describes; a type its configuration does not use is None
    (no heap file: no BlockLink_t; no heap_5: no HeapRegion_t; mini list items off: no MiniListItem_t)."""

    tcb: Layout
    list: Layout
    list_item: Layout
    mini_list_item: Layout | None
    block_link: Layout | None
    heap_region: Layout | None
    pointer_size: int


def _strip(die: DIE) -> DIE | None:
    """Follow typedefs and qualifiers to the type that has a size (or to an array)."""
    seen = 0
    while die.tag in ("DW_TAG_typedef", "DW_TAG_const_type", "DW_TAG_volatile_type", "DW_TAG_restrict_type"):
        if "DW_AT_type" not in die.attributes or seen > 32:
            return None
        die = die.get_DIE_from_attribute("DW_AT_type")
        seen += 1
    return die


def type_size(die: DIE) -> int | None:
    """sizeof a DWARF type, arrays included (element size times every dimension)."""
    target = _strip(die)
    if target is None:
        return None
    if "DW_AT_byte_size" in target.attributes:
        return int(target.attributes["DW_AT_byte_size"].value)
    if target.tag == "DW_TAG_array_type" and "DW_AT_type" in target.attributes:
        element = type_size(target.get_DIE_from_attribute("DW_AT_type"))
        if element is None:
            return None
        count = 1
        for sub in target.iter_children():
            if sub.tag != "DW_TAG_subrange_type":
                continue
            if "DW_AT_count" in sub.attributes:
                count *= int(sub.attributes["DW_AT_count"].value)
            elif "DW_AT_upper_bound" in sub.attributes:
                count *= int(sub.attributes["DW_AT_upper_bound"].value) + 1
            else:
                return None
        return element * count
    return None


def _layout(name: str, struct: DIE) -> Layout | None:
    size = struct.attributes.get("DW_AT_byte_size")
    if size is None:
        return None  # a declaration only
    members: dict[str, Member] = {}
    for child in struct.iter_children():
        if child.tag != "DW_TAG_member" or "DW_AT_name" not in child.attributes:
            continue
        location = child.attributes.get("DW_AT_data_member_location")
        if location is None or not isinstance(location.value, int):
            continue
        member_size = type_size(child.get_DIE_from_attribute("DW_AT_type")) or 0
        member = child.attributes["DW_AT_name"].value.decode()
        members[member] = Member(member, int(location.value), member_size)
    return Layout(name, int(size.value), members)


def _scan(dies: Iterable[DIE], wanted: set[str], found: dict[str, Layout]) -> None:
    tags = {tag: typedef for typedef, tag in KERNEL_TYPES.items()}
    for die in dies:
        if die.tag not in ("DW_TAG_typedef", "DW_TAG_structure_type"):
            continue
        attr = die.attributes.get("DW_AT_name")
        if attr is None:
            continue
        name = attr.value.decode()
        typedef = name if die.tag == "DW_TAG_typedef" else tags.get(name)
        if typedef is None or typedef not in wanted or typedef in found:
            continue
        struct = _strip(die)
        if struct is None or struct.tag != "DW_TAG_structure_type":
            continue
        layout = _layout(typedef, struct)
        if layout is not None:
            found[typedef] = layout


@lru_cache(maxsize=32)
def layouts(elf: Path) -> Layouts:
    """The kernel's struct layouts in `elf`; LayoutError if it has no DWARF or no TCB/list types."""
    wanted = set(KERNEL_TYPES)
    found: dict[str, Layout] = {}
    with elf.open("rb") as f:
        image = ELFFile(f)
        if not image.has_dwarf_info():
            raise LayoutError(f"{elf} has no debug information")
        dwarf = image.get_dwarf_info()
        pointer_size = 4
        later = []
        for cu in dwarf.iter_CUs():
            pointer_size = cu["address_size"]
            top = cu.get_top_DIE()
            unit = Path(top.attributes["DW_AT_name"].value.decode()).name if "DW_AT_name" in top.attributes else ""
            if unit in _KERNEL_UNITS:
                _scan(cu.iter_DIEs(), wanted, found)
            else:
                later.append(cu)
        if not {"TCB_t", "List_t", "ListItem_t"} <= set(found):
            for cu in later:  # an image whose kernel units are named otherwise (a unity build)
                _scan(cu.iter_DIEs(), wanted, found)
                if wanted <= set(found):
                    break
    missing = [name for name in ("TCB_t", "List_t", "ListItem_t") if name not in found]
    if missing:
        raise LayoutError(f"{elf}'s debug information does not describe {', '.join(missing)}")
    return Layouts(
        tcb=found["TCB_t"], list=found["List_t"], list_item=found["ListItem_t"],
        mini_list_item=found.get("MiniListItem_t"), block_link=found.get("BlockLink_t"),
        heap_region=found.get("HeapRegion_t"), pointer_size=pointer_size,
    )
