"""The build cache is exact: a changed input rebuilds what depends on it, and nothing else.

Real compiles with the real toolchain, in a private build folder, against private copies of the
firmware sources, the board files and the kernel, so editing them disturbs no other test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import harness.build
from harness.build import Firmware, build, firmware_sources, heap_sources, port_sources
from harness.build import _kernel_sources as kernel_sources
from harness.kernel import inspect_kernel, resolve_kernel
from harness.paths import FIRMWARE_DIR, PLATFORMS_DIR
from harness.platforms import load_board
from harness.variant import Variant, make_variant

pytestmark = pytest.mark.e2e
BOARD = "mps2-an385"


def names(paths: tuple[Path, ...] | list[Path]) -> set[str]:
    return {p.name for p in paths}


def everything(variant: Variant) -> set[str]:
    return names([*firmware_sources(variant), *heap_sources(variant), *kernel_sources(variant)])


@pytest.fixture()
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Copies of firmware/, platforms/ and the kernel files a build reads, and a build folder."""
    shutil.copytree(FIRMWARE_DIR, tmp_path / "firmware")
    shutil.copytree(PLATFORMS_DIR, tmp_path / "platforms")
    kernel = resolve_kernel().path
    copy = tmp_path / "kernel-a"
    shutil.copytree(kernel / "include", copy / "include")
    shutil.copytree(kernel / "portable" / "MemMang", copy / "portable" / "MemMang")
    shutil.copytree(kernel / "portable" / "GCC" / "ARM_CM3", copy / "portable" / "GCC" / "ARM_CM3")
    for source in kernel.glob("*.c"):
        shutil.copy(source, copy)
    monkeypatch.setattr(harness.build, "FIRMWARE_DIR", tmp_path / "firmware")
    monkeypatch.setenv("MEMHARNESS_PLATFORMS", str(tmp_path / "platforms"))
    monkeypatch.setenv("MEMHARNESS_BUILD_DIR", str(tmp_path / "build"))
    return tmp_path


def variant(world: Path, heap: str, kernel: str = "kernel-a") -> Variant:
    return make_variant(load_board(BOARD), inspect_kernel(world / kernel, "explicit"), heap=heap)


def test_five_heap_variants_share_every_object_but_the_heap_schemes_own(world: Path) -> None:
    first = build(variant(world, "heap_1"))
    assert names(first.compiled) == everything(first.variant) and first.kernel_objects_built
    for heap in ("heap_2", "heap_3", "heap_4", "heap_5"):
        fw = build(variant(world, heap))
        assert fw.built and names(fw.compiled) == {"heap_figures.c", "fragmentation.c", f"{heap}.c"}, heap
        assert not fw.kernel_objects_built
        assert (fw.elf.parent / f"heap-{heap}.o").is_file()  # where footprint reads the scheme's size
    again = build(variant(world, "heap_4"))
    assert not again.built and again.compiled == ()


def test_a_changed_input_rebuilds_exactly_what_depends_on_it(world: Path) -> None:
    before: dict[str, Firmware] = {h: build(variant(world, h)) for h in ("heap_2", "heap_4")}

    leak = world / "firmware" / "scenarios" / "leak.c"
    leak.write_text(leak.read_text() + "\n/* edited by a test */\n")
    after = {h: build(variant(world, h)) for h in ("heap_2", "heap_4")}
    assert names(after["heap_2"].compiled) == {"leak.c"}  # the first build after the edit compiles it
    assert after["heap_4"].built and after["heap_4"].compiled == ()  # the second only links
    assert all(after[h].elf != before[h].elf for h in after)

    board_file = world / "platforms" / f"{BOARD}.yaml"
    board_file.write_text(board_file.read_text().replace("heap_size: 32768", "heap_size: 16384"))
    smaller = build(variant(world, "heap_4"))
    assert names(smaller.compiled) == {"heap_figures.c", "fragmentation.c", "heap_4.c"}
    assert smaller.variant.heap_size == 16384

    shutil.copytree(world / "kernel-a", world / "kernel-b")  # the same release at another path
    moved = build(variant(world, "heap_4", kernel="kernel-b"))
    assert names(moved.compiled) == everything(moved.variant) and moved.kernel_objects_built

    port = port_sources(moved.variant)[0]
    port.write_text(port.read_text() + "\n/* edited by a test */\n")
    ported = build(variant(world, "heap_4", kernel="kernel-b"))
    assert names(ported.compiled) == {port.name}
