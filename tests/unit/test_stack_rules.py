"""The stack rules (harness/stack_rules.py) and the outside stack count (harness/stack_probe.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.events import Heap, Stack, StackMeasured
from harness.stack_probe import stack_probe
from harness.stack_rules import (
    CANARY_BYTES,
    FILL,
    minimum_depth,
    touched_bytes,
    untouched_bytes,
    untouched_words,
    usable_bytes,
)


def test_usable_bytes_follow_the_8_byte_top_alignment() -> None:
    # Top word at pxStack + 4 * (depth - 1), rounded down to 8 (pxStack is 8-aligned).
    assert usable_bytes(29) == 112 and usable_bytes(28) == 104 and usable_bytes(30) == 112
    assert usable_bytes(256) == 1016
    with pytest.raises(ValueError):
        usable_bytes(0)


def test_touched_bytes_count_from_the_aligned_top() -> None:
    assert touched_bytes(256, 230) == 1016 - 920


@given(st.integers(min_value=0, max_value=4000))
def test_minimum_depth_is_the_smallest_that_keeps_the_canary(touched: int) -> None:
    depth = minimum_depth(touched)
    assert usable_bytes(depth) - touched >= CANARY_BYTES
    assert depth == 1 or usable_bytes(depth - 1) - touched < CANARY_BYTES


def test_minimum_depth_is_for_method_2_only() -> None:
    with pytest.raises(ValueError, match="method 2"):
        minimum_depth(96, method=1)


def test_untouched_fill_stops_at_the_first_other_byte() -> None:
    stack = bytes([FILL] * 10 + [0x00] + [FILL] * 5)
    assert untouched_bytes(stack) == 10 and untouched_words(stack) == 2
    assert untouched_bytes(b"") == 0 and untouched_bytes(bytes([FILL] * 8)) == 8


class _FakeSession:
    """Target RAM as a dict of bytes; records what was read."""

    uart_log = Path("/dev/null")

    def __init__(self, base: int, memory: bytes) -> None:
        self.base, self.memory, self.reads = base, memory, []

    def read_memory(self, address: int, size: int) -> bytes:
        self.reads.append((address, size))
        offset = address - self.base
        return self.memory[offset : offset + size]

    def write_line(self, text: str) -> None:
        raise AssertionError("the stack probe never writes")


def test_stack_probe_reads_the_recorded_bounds_and_counts() -> None:
    base, depth = 0x20001000, 16
    session = _FakeSession(base, bytes([FILL] * 20 + [0x11] * 44))
    record = Stack(task="t", hwm_words=5, depth_words=depth, stack_base=base, at="suspended")
    [measured] = stack_probe(record, session)
    assert isinstance(measured, StackMeasured)
    assert (measured.untouched_bytes, measured.untouched_words, measured.at) == (20, 5, "suspended")
    assert session.reads == [(base, depth * 4)]
    assert measured.fields["untouched_words"] == 5  # reports show it like a record


def test_stack_probe_ignores_records_without_bounds() -> None:
    session = _FakeSession(0, b"")
    assert stack_probe(Stack(task="t", hwm_words=5), session) == []
    assert stack_probe(Heap(at="x"), session) == []
    assert session.reads == []
