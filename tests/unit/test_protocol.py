from __future__ import annotations

import pytest

from harness.events import Assert, BadRecord, Boot, Fault, Heap, Malloc, Text, Unknown
from harness.protocol import ProtocolError, parse_line, parse_lines, parse_record

BOOT = (
    "@mh boot proto=1 board=mps2-an385 cpu=cortex-m3 port=ARM_CM3 kernel=V11.3.0 heap=heap_4 "
    "profile=dynamic heap_size=32768 overflow_check=2 tcb_size=88 boot=2 reset=stack_overflow "
    "reset_task=TestTask"
)


def test_boot_record_becomes_typed_event() -> None:
    event = parse_record(BOOT, line=3)
    assert isinstance(event, Boot)
    assert (event.heap, event.heap_size, event.boot, event.reset) == ("heap_4", 32768, 2, "stack_overflow")
    assert event.reset_task == "TestTask" and event.tcb_size == 88 and event.line == 3


def test_absent_figure_is_none_not_zero() -> None:
    event = parse_record("@mh heap at=ready free=32760")
    assert isinstance(event, Heap)
    assert event.free == 32760
    assert event.min_ever is None and event.largest is None


def test_hex_and_decimal_values() -> None:
    event = parse_record("@mh malloc size=512 ptr=0x20001a08 free=0")
    assert isinstance(event, Malloc)
    assert (event.size, event.ptr, event.free) == (512, 0x20001A08, 0)


def test_renamed_keys() -> None:
    a = parse_record("@mh assert file=heap_5.c line=226")
    f = parse_record("@mh fault kind=hardfault pc=0x00000102 cfsr=0x00008200")
    assert isinstance(a, Assert) and a.file == "heap_5.c" and a.line_number == 226
    assert isinstance(f, Fault) and f.fault == "hardfault" and f.pc == 0x102


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("@mh heap at=x at=y", "duplicate key"),
        ("@mh heap free=1", "missing at"),
        ("@mh heap at=x free=lots", "not a number"),
        ("@mh heap at=x broken", "bad key=value"),
        ("@mh", "no event name"),
        ("@mh Heap at=x", "bad event name"),
    ],
)
def test_malformed_records_raise_protocol_error(line: str, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        parse_record(line)


def test_unknown_event_and_extra_keys_are_kept() -> None:
    unknown = parse_record("@mh cycles op=malloc n=12")
    assert isinstance(unknown, Unknown) and unknown.name == "cycles" and unknown.fields["n"] == 12
    heap = parse_record("@mh heap at=x free=8 newer_figure=3")
    assert isinstance(heap, Heap) and heap.fields["newer_figure"] == 3


def test_text_lines_kept_verbatim_in_order_around_a_bad_record() -> None:
    entries = list(parse_lines(["Heap before malloc 100 (bytes)", "@mh heap at=x at=y", "2\r"]))
    assert isinstance(entries[0], Text) and entries[0].text == "Heap before malloc 100 (bytes)"
    assert isinstance(entries[1], BadRecord) and "duplicate" in entries[1].reason
    assert isinstance(entries[2], Text) and entries[2].text == "2"
    assert [e.line for e in entries] == [1, 2, 3]


def test_a_line_merely_starting_with_the_prefix_is_text() -> None:
    assert isinstance(parse_line("@mhx not a record", 1), Text)
