"""Unit tests of the outside reader's pure parts: the RSP framing, the tick approach, the plan."""

from __future__ import annotations

import pytest

from harness.errors import UsageError
from harness.observe.gdbstub import _checksum, _decode_rle
from harness.observe.plan import Plan
from harness.observe.ticks import MIN_LOOK, TickApproach


def test_packets_are_checksummed_as_the_protocol_says() -> None:
    assert _checksum(b"") == b"00"
    assert _checksum(b"m20000000,4") == b"%02x" % (sum(b"m20000000,4") % 256)
    assert _checksum(b"\xff\xff") == b"fe"


def test_run_length_encoding_is_expanded() -> None:
    assert _decode_rle(b"0* ") == b"0000"  # ' ' is 32: three more repeats
    assert _decode_rle(b"ab") == b"ab"
    assert _decode_rle(b"1*\"2") == b"1111112"  # '"' is 34: five more


def test_the_breakpoint_goes_in_only_when_the_count_equals_the_point() -> None:
    approach = TickApproach([10])
    assert approach.observe(3, 0.0) == "wait"
    assert approach.observe(5, 0.010) == "wait"  # 5 ms a tick: the next look stays short of 8
    assert 0.0 < approach.next_look - 0.010 < 3 * 0.005
    assert approach.observe(8, 0.025) == "wait"
    assert approach.next_look - 0.025 == pytest.approx(MIN_LOOK)  # two ticks before: look all the time
    assert approach.observe(10, 0.035) == "arm"
    assert approach.reached(0.04) == 10 and approach.target is None and not approach.due(1.0)


def test_a_count_already_past_the_point_is_late() -> None:
    approach = TickApproach([10, 20])
    assert approach.observe(12, 0.0) == "late"
    assert approach.reached(0.0) == 10 and approach.target == 20


def test_the_plan_lists_its_tick_points_with_the_end_last() -> None:
    assert Plan(every_ticks=25, end_ticks=100).tick_points() == [25, 50, 75, 100]
    assert Plan(at_ticks=(7, 3), end_ticks=5).tick_points() == [3, 5]
    assert Plan(at_hits=(("f", 2),)).tick_points() == []
    with pytest.raises(UsageError):
        Plan(every_ticks=0)
