"""Our firmware on the ESP32-C3 (Espressif's QEMU, machine esp32c3): what is particular to the chip.

The per-board subset (tests/e2e/test_boards.py, `--board esp32c3` or `all`) runs every scenario
and every heap scheme here like on any board; these tests add what only this board shows: the
port's 16-byte alignment in the figures, -icount figures identical run to run, the canary with
both check methods, and a runaway write ending as a classified RISC-V trap decoded from the ELF.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import api
from harness.elf import locate, symbols
from harness.emulators import backend
from harness.events import Boot, Fault, Frag, Smash, StackOverflow
from harness.heap_rules import PortLayout, allocation_cost
from harness.platforms import load_board
from harness.run import Outcome, Run

pytestmark = pytest.mark.e2e

BOARD = "esp32c3"
RISCV = PortLayout(alignment=16, word=4)  # portBYTE_ALIGNMENT and StackType_t of the RISC-V port (RV32)
LOAD_ACCESS_FAULT = 5
STORE_ACCESS_FAULT = 7


@pytest.fixture(scope="module", autouse=True)
def _emulator() -> None:
    reason = backend("esp_qemu").available(load_board(BOARD))
    if reason:
        pytest.skip(f"Espressif's QEMU is not available: {reason}")


def run(scenario: str, results: Path, heap: str | None = "heap_4", overflow_check: int = 2, **params: int) -> Run:
    firmware = api.prepare(board=BOARD, heap=heap, overflow_check=overflow_check)
    return api.run_scenario(firmware, scenario, params, results, timeout=30)


def test_the_boot_record_gives_the_ports_layout_and_the_rules_follow_it(tmp_path: Path) -> None:
    result = run("alloc_free", tmp_path, "heap_4", size=100)
    assert result.outcome is Outcome.DONE, result.describe()
    boot = result.boots[0]
    assert (boot.board, boot.cpu, boot.port, boot.align, boot.stack_word) == (BOARD, "rv32imc", "RISC_V", 16, 4)
    assert result.layout == RISCV and RISCV.header == 16
    taken = result.figure("before", "free") - result.figure("after_alloc", "free")
    assert taken == allocation_cost("heap_4", 100, RISCV) == 128  # 100 + 16-byte header, rounded to 16
    assert allocation_cost("heap_4", 100) == 112  # the same request on Cortex-M: 8-byte header and alignment


def test_figures_are_identical_run_to_run(tmp_path: Path) -> None:
    first = run("fragmentation", tmp_path / "a", "heap_4", steps=300)
    second = run("fragmentation", tmp_path / "b", "heap_4", steps=300)
    assert first.outcome is second.outcome is Outcome.DONE, first.describe()
    assert [f.fields for f in first.events(Frag)] == [f.fields for f in second.events(Frag)]
    assert len(first.events(Frag)) > 2


@pytest.mark.parametrize("method", [1, 2])
def test_the_canary_catches_the_seeds_overflow_with_either_method(tmp_path: Path, method: int) -> None:
    result = run("overflow", tmp_path, "heap_4", overflow_check=method, depth=64)
    assert (result.outcome, result.reason) == (Outcome.RESET, "stack_overflow"), result.describe()
    hook = result.last(StackOverflow)
    assert hook is not None and hook.task == "TestTask" and hook.method == method
    boot = result.boots[-1]
    assert isinstance(boot, Boot) and (boot.boot, boot.reset, boot.reset_task) == (2, "stack_overflow", "TestTask")
    assert result.last(Fault) is None


def test_a_runaway_write_ends_as_a_classified_risc_v_trap(tmp_path: Path) -> None:
    """The smash writes over the neighbour task's TCB without a context switch, so no canary check
    runs; the kernel then follows the smashed list pointers and the bus refuses the address."""
    result = run("overflow", tmp_path, "heap_4", depth=128, smash=256)
    smash = result.last(Smash)
    assert smash is not None and smash.reached == 1, result.describe()
    assert (result.outcome, result.reason) == (Outcome.RESET, "hardfault"), result.describe()
    fault = result.last(Fault)
    assert fault is not None and fault.pc is not None and fault.mcause is not None and fault.mtval is not None
    assert fault.mcause in (LOAD_ACCESS_FAULT, STORE_ACCESS_FAULT)
    assert fault.fault == {LOAD_ACCESS_FAULT: "load_access_fault", STORE_ACCESS_FAULT: "store_access_fault"}[
        fault.mcause]
    assert fault.mtval >= 0xFFFFFFF0  # the smash word 0xfffffff0 (a pointer now) plus a field offset
    elf = api.prepare(board=BOARD, heap="heap_4").elf
    where = locate(elf, fault.pc)
    assert where.function is not None and where.file is not None and where.function in symbols(elf)
    assert result.boots[-1].reset == "hardfault" and result.boots[-1].fields["reset_mcause"] == fault.mcause
    print(f"\nesp32c3 runaway write: {fault.fault} mcause={fault.mcause} mepc={fault.pc:#010x} "
          f"mtval={fault.mtval:#010x} in {where}")


def test_a_bad_load_is_decoded_to_the_scenarios_source(tmp_path: Path) -> None:
    result = run("fault_inject", tmp_path, "heap_4", kind=1)
    fault = result.last(Fault)
    assert result.outcome is Outcome.RESET and fault is not None and fault.pc is not None, result.describe()
    assert (fault.fault, fault.mcause, fault.mtval, fault.task) == ("load_access_fault", 5, 0xFFFFFFF0, "console")
    where = locate(api.prepare(board=BOARD, heap="heap_4").elf, fault.pc)
    assert where.file is not None and where.file.endswith("fault_inject.c") and where.function == "prvRun"
