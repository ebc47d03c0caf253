"""Our firmware read from outside equals its own records, every heap scheme on every board.

One boot per variant runs alloc_free, fragmentation and stack_hwm (the images the per-board tests
build, shared through the build cache); at each `heap`, `frag` and `stack` record the outside
reader takes a snapshot as vMhRecord is entered (harness/observe/crosscheck.py), and every figure
the record carries must equal the outside one exactly: free, minimum ever, largest and smallest
block, block count, allocations and frees, and each task's high-water mark as measured when the
record is printed: the stack_hwm workers' `suspended` records (their `before`/`after` figures were
measured by the worker earlier and only printed now, so they are history, not the present state).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import ScenarioError
from harness.events import Frag, Heap, Stack
from harness.observe.crosscheck import crosscheck
from harness.observe.image import load_image
from harness.platforms import Board
from harness.pytest_plugin import Bench, only_boards
from harness.run import command_line
from harness.scenarios import validate
from harness.variant import HEAPS

pytestmark = [
    pytest.mark.e2e, pytest.mark.per_board,
    only_boards(lambda b: "qemu" in b.emulator_names,
                "the crosscheck stops at breakpoints through QEMU's gdb stub (Renode's listens on every interface)"),
]

SCENARIOS = (("alloc_free", {}), ("fragmentation", {"steps": 100}), ("stack_hwm", {}))
HEAP_FIGURES = ("free", "min_ever", "largest", "smallest", "free_blocks", "allocs", "frees")
FRAG_FIGURES = ("free", "largest", "free_blocks")


def commands(heap: str) -> list[str]:
    out = []
    for scenario, params in SCENARIOS:
        try:
            out.append(command_line(scenario, validate(scenario, params, heap, "dynamic")))
        except ScenarioError:
            continue  # fragmentation does not apply to heap_1
    return out


@pytest.mark.parametrize("heap", HEAPS)
def test_outside_figures_equal_the_firmwares_own_records(memharness: Bench, mh_board: Board, heap: str,
                                                         tmp_path: Path) -> None:
    firmware = memharness.firmware(heap)
    assert load_image(firmware.elf, mh_board).heap == heap  # the scheme told by its symbols alone
    pairs = crosscheck(firmware, commands(heap), tmp_path / "uart.log")
    compared = {"heap": 0, "frag": 0, "stack": 0}
    for pair in pairs:
        record, snap = pair.record, pair.snapshot
        where = f"{mh_board.name} {heap} {record.kind} record (line {record.line}) vs {snap.label}"
        if isinstance(record, (Heap, Frag)):
            if heap == "heap_3":
                assert snap.heap.not_available, where  # newlib's figures are not the kernel's
                continue
            assert snap.heap.corruption is None, f"{where}: {snap.heap.corruption}"
            names = HEAP_FIGURES if isinstance(record, Heap) else FRAG_FIGURES
            for name in names:
                expected = getattr(record, name)
                if expected is not None:
                    assert getattr(snap.heap, name) == expected, f"{where}: {name}"
            compared[record.kind] += 1
        elif isinstance(record, Stack):
            task = snap.task(record.task)
            if record.at == "suspended":
                assert task.hwm_words == record.hwm_words, f"{where}: {record.task} HWM"
                if record.stack_base is not None:
                    assert task.stack_base == record.stack_base, where
                compared["stack"] += 1
    assert compared["stack"] >= 2, compared  # stack_hwm's suspended workers
    if heap != "heap_3":
        assert compared["heap"] >= 4, compared
    if heap not in ("heap_1", "heap_3"):
        assert compared["frag"] >= 2, compared
