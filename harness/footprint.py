"""Code and memory footprint read from the built files: the heap scheme's object and the image.

Figures come from section headers (pyelftools), so they are exact and the same on every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile

from harness.build import Firmware


@dataclass(frozen=True)
class SectionSizes:
    text: int  # code and read-only data
    data: int  # initialised RAM (also stored in flash)
    bss: int  # zeroed or uninitialised RAM, including reserved heap arrays


def _sizes(path: Path) -> SectionSizes:
    text = data = bss = 0
    with path.open("rb") as f:
        for section in ELFFile(f).iter_sections():
            flags = section["sh_flags"]
            if not flags & SH_FLAGS.SHF_ALLOC or section["sh_size"] == 0:
                continue
            size = int(section["sh_size"])
            if section["sh_type"] == "SHT_NOBITS":
                bss += size
            elif flags & SH_FLAGS.SHF_WRITE:
                data += size
            else:
                text += size
    return SectionSizes(text, data, bss)


def heap_object(firmware: Firmware) -> Path | None:
    """The compiled heap_N.c of this image (None in the static profile, which links none)."""
    if firmware.variant.heap_number == 0:
        return None
    found = sorted(firmware.elf.parent.glob(f"*-{firmware.variant.heap}.o"))
    return found[0] if found else None


def heap_scheme_size(firmware: Firmware) -> SectionSizes | None:
    """text/data/bss of the heap scheme's own object, before linking (heap arrays are the app's)."""
    obj = heap_object(firmware)
    return _sizes(obj) if obj is not None else None


def image_size(firmware: Firmware) -> SectionSizes:
    """The whole image: flash = text + data, RAM = data + bss (heap arrays and stacks included)."""
    return _sizes(firmware.elf)
