"""ESP-IDF's console read into the harness's events (harness/esp_idf_console.py), from canned lines.

The same parser runs end to end on the shared ESP-IDF images in tests/e2e/test_esp_idf.py.
"""

from __future__ import annotations

import pytest

from harness.esp_idf_console import HeapPattern, parse_console, reset_kind
from harness.events import Assert, Boot, Event, Fault, Heap, StackOverflow, Text

RISCV_PANIC = [
    "ESP-ROM:esp32c3-api1-20210207",
    "rst:0x1 (POWERON),boot:0x8 (SPI_FAST_FLASH_BOOT)",
    "Hello world!",
    "Guru Meditation Error: Core  0 panic'ed (Store access fault). Exception was unhandled.",
    "",
    "Core  0 register dump:",
    "MEPC    : 0x42005440  RA      : 0x42005436  SP      : 0x3fc8c5d0  GP      : 0x3fc89800  ",
    "S0/FP   : 0x3c012000  S1      : 0x00000000  A0      : 0x00000000  A1      : 0x00000000  ",
    "MSTATUS : 0x00001880  MTVEC   : 0x40380001  MCAUSE  : 0x00000007  MTVAL   : 0x00000000  ",
    "MHARTID : 0x00000000  ",
    "",
    "Stack memory:",
    "3fc8c5d0: 0x00000000 0x3fc8cde8",
    "Rebooting...",
    "ESP-ROM:esp32c3-api1-20210207",
    "rst:0xc (RTC_SW_CPU_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)",
]

XTENSA_PANIC = [
    "rst:0x1 (POWERON_RESET),boot:0x12 (SPI_FAST_FLASH_BOOT)",
    "\x1b[0;32mI (612) boot: End of partition table\x1b[0m",
    "Guru Meditation Error: Core  0 panic'ed (StoreProhibited). Exception was unhandled.",
    "Core  0 register dump:",
    "PC      : 0x400d5a2e  PS      : 0x00060830  A0      : 0x800d8b1c  A1      : 0x3ffb5a60  ",
    "EXCVADDR: 0x00000000  LBEG    : 0x4000c2e0  LEND    : 0x4000c2f6  LCOUNT  : 0x00000000  ",
    "",
    "Backtrace: 0x400d5a2b:0x3ffb5a60 0x400d8b19:0x3ffb5a80",
    "",
    "ELF file SHA256: 0000000000000000",
]


def events(lines: list[str]) -> list[Event]:
    return [e for e in parse_console(lines, "esp32c3") if isinstance(e, Event)]


def test_every_line_is_kept_as_text_in_order() -> None:
    entries = parse_console(RISCV_PANIC, "esp32c3")
    texts = [e for e in entries if isinstance(e, Text)]
    assert [t.text for t in texts] == RISCV_PANIC and [t.line for t in texts] == list(range(1, len(RISCV_PANIC) + 1))


def test_a_risc_v_guru_meditation_is_one_fault_with_its_cause_and_registers() -> None:
    boot, fault, second = events(RISCV_PANIC)
    assert isinstance(boot, Boot) and (boot.boot, boot.reset, boot.board) == (1, "power_on", "esp32c3")
    assert isinstance(fault, Fault) and fault.line == 4
    assert (fault.fault, fault.cause, fault.pc, fault.lr, fault.mcause, fault.mtval) == (
        "store_access_fault", "Store access fault", 0x42005440, 0x42005436, 7, 0)
    assert fault.fields["sp"] == 0x3FC8C5D0 and fault.fields["mstatus"] == 0x1880 and "s0_fp" not in fault.fields
    assert isinstance(second, Boot) and (second.boot, second.reset, second.fields["rst_name"]) == (
        2, "panic", "RTC_SW_CPU_RST")


def test_an_xtensa_panic_gives_pc_excvaddr_and_backtrace_and_ansi_colour_is_ignored() -> None:
    boot, fault = events(XTENSA_PANIC)
    assert isinstance(boot, Boot) and boot.reset == "power_on"
    assert isinstance(fault, Fault) and fault.fault == "store_prohibited" and fault.pc == 0x400D5A2E
    assert fault.mtval == 0 and fault.mcause is None
    assert fault.fields["backtrace"] == "0x400d5a2b:0x3ffb5a60 0x400d8b19:0x3ffb5a80"


def test_a_report_cut_short_still_gives_its_fault() -> None:
    [fault] = events(RISCV_PANIC[3:8])
    assert isinstance(fault, Fault) and fault.pc == 0x42005440 and fault.mcause is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("***ERROR*** A stack overflow in task main has been detected.", StackOverflow(task="main")),
        ("Debug exception reason: Stack canary watchpoint triggered (my task)", StackOverflow(task="my task")),
        ("assert failed: app_main hello_world_main.c:17 (x == 1)", Assert(file="hello_world_main.c", line_number=17)),
    ],
)
def test_overflow_lines_and_asserts_are_the_harness_events(line: str, expected: Event) -> None:
    [event] = events([line])
    assert type(event) is type(expected) and event.line == 1
    for name in ("task", "file", "line_number"):
        if hasattr(expected, name):
            assert getattr(event, name) == getattr(expected, name)


def test_the_overflow_detector_is_named() -> None:
    hook, watch = events(["***ERROR*** A stack overflow in task t1 has been detected.",
                          "Debug exception reason: Stack canary watchpoint triggered (t2)"])
    assert (hook.fields["detected_by"], watch.fields["detected_by"]) == ("hook", "watchpoint")


def test_corrupt_heap_is_a_fault_and_the_next_software_reset_a_panic() -> None:
    fault, boot = events(["CORRUPT HEAP: Bad head at 0x3fc8f2a0. Expected 0xabba1234 got 0x00000000",
                          "rst:0xc (SW_CPU_RESET),boot:0x12 (SPI_FAST_FLASH_BOOT)"])
    assert isinstance(fault, Fault) and fault.fault == "corrupt_heap" and "0x3fc8f2a0" in str(fault.fields["detail"])
    assert isinstance(boot, Boot) and boot.reset == "panic"


def test_esp_restart_is_a_software_reset() -> None:
    first, second = events(["rst:0x1 (POWERON),boot:0x8", "Restarting now.", "rst:0xc (RTC_SW_CPU_RST),boot:0x8"])
    assert isinstance(first, Boot) and isinstance(second, Boot)
    assert (first.reset, second.reset, second.boot) == ("power_on", "software", 2)


@pytest.mark.parametrize(
    ("code", "name", "after_panic", "kind"),
    [(1, "POWERON_RESET", False, "power_on"), (0xC, "SW_CPU_RESET", False, "software"),
     (0xC, "RTC_SW_CPU_RST", True, "panic"), (7, "TG0WDT_SYS_RESET", False, "watchdog"),
     (0x10, "RTCWDT_RTC_RESET", False, "watchdog"), (0xF, "BROWN_OUT_RESET", False, "brownout")],
)
def test_reset_reasons(code: int, name: str, after_panic: bool, kind: str) -> None:
    assert reset_kind(code, name, after_panic) == kind


def test_heap_figures_come_from_the_default_and_from_registered_patterns() -> None:
    [default] = events(["Minimum free heap size: 339008 bytes"])
    assert isinstance(default, Heap) and (default.at, default.min_ever, default.free) == ("minimum_free", 339008, None)
    mine = HeapPattern("after_alloc", r"free after alloc: (\d+)", "free")
    [heap] = [e for e in parse_console(["free after alloc: 1234"], "esp32", [mine]) if isinstance(e, Heap)]
    assert (heap.at, heap.free, heap.fields) == ("after_alloc", 1234, {"at": "after_alloc", "free": 1234})


def test_a_heap_pattern_needs_a_group_and_a_known_figure() -> None:
    with pytest.raises(ValueError, match="no group"):
        HeapPattern("x", r"free: \d+")
    with pytest.raises(ValueError, match="free, min_ever or largest"):
        HeapPattern("x", r"free: (\d+)", "total")
