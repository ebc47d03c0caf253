"""`harness.expect` and `harness.live` on canned UART lines: the checks the Robot keywords are.

A Run is built from lines as the firmware prints them, so each check is exercised without an
emulator; the figures come from `harness.heap_rules`, never from a previous run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import expect
from harness.errors import UsageError
from harness.heap_rules import NotAvailable, allocation_cost
from harness.live import LinePattern
from harness.protocol import parse_lines
from harness.run import Outcome, Run

BOOT = ("@mh boot proto=1 board=mps2-an385 heap={heap} profile=dynamic kernel=V11.3.0 heap_size=32768 "
        "overflow_check=2 boot=1 reset=power_on")


def make_run(heap: str, lines: list[str], outcome: Outcome = Outcome.DONE, reason: str = "ok") -> Run:
    return Run(
        label=f"mps2-an385-{heap}", board="mps2-an385", heap=heap, profile="dynamic", kernel="V11.3.0",
        scenario="alloc_free", params={}, entries=tuple(parse_lines([BOOT.format(heap=heap), *lines])),
        outcome=outcome, reason=reason, wall_time=0.1, uart_log=Path("/results/uart.log"),
    )


def alloc_free(heap: str, before: int, after_alloc: int, after_free: int) -> Run:
    return make_run(heap, [
        f"@mh heap at=ready free={before}",
        "@mh ready proto=1",
        f"@mh heap at=before free={before}",
        f"@mh heap at=after_alloc free={after_alloc}",
        f"@mh heap at=after_free free={after_free}",
        "@mh done scenario=alloc_free status=ok",
    ])


@pytest.mark.parametrize(("text", "expected"), [
    ("4096", 4096), ("100 bytes", 100), ("1 byte", 1), ("40 words", 160), ("4 KiB", 4096), (64, 64), ("0x10", 16),
])
def test_amounts(text: str | int, expected: int) -> None:
    assert expect.parse_amount(text) == expected


def test_an_amount_that_is_not_one_says_how_to_write_it() -> None:
    with pytest.raises(UsageError, match="40 words"):
        expect.parse_amount("forty")


def test_allocation_cost_follows_the_rule_and_a_wrong_one_quotes_the_run() -> None:
    cost = allocation_cost("heap_4", 1024)
    assert cost is not None
    expect.allocation_should_cost_the_rule(alloc_free("heap_4", 28664, 28664 - cost, 28664), 1024, "before",
                                           "after_alloc")
    wrong = alloc_free("heap_4", 28664, 28664 - cost - 8, 28664)
    with pytest.raises(expect.ExpectationFailed) as failed:
        expect.allocation_should_cost_the_rule(wrong, 1024, "before", "after_alloc")
    message = str(failed.value)
    assert f"to take {cost} bytes on heap_4" in message and f"it took {cost + 8}" in message
    assert "last lines:" in message and "full UART log: /results/uart.log" in message


def test_return_to_baseline_names_what_is_missing() -> None:
    expect.free_heap_should_return_to_baseline(alloc_free("heap_2", 1000, 900, 1000), "before", "after_free")
    with pytest.raises(expect.ExpectationFailed, match="100 bytes short \\(heap_1 never gives memory back\\)"):
        expect.free_heap_should_return_to_baseline(alloc_free("heap_1", 1000, 900, 900), "before", "after_free")


def test_a_figure_the_scheme_lacks_is_not_available_never_zero() -> None:
    run = alloc_free("heap_2", 1000, 900, 1000)
    with pytest.raises(NotAvailable, match="min_ever is not available on heap_2"):
        expect.minimum_ever_free_heap_should_be_at_least(run, 0)


def test_a_missing_record_quotes_the_one_wanted_and_the_nearest() -> None:
    run = alloc_free("heap_4", 1000, 900, 1000)
    assert expect.record_should_exist(run, "done", {"status": "ok"}).fields["scenario"] == "alloc_free"
    with pytest.raises(expect.ExpectationFailed, match="`@mh done status=bad`, none matched \\(the last done"):
        expect.record_should_exist(run, "done", {"status": "bad"})


def test_resets_by_kind() -> None:
    run = make_run("heap_4", ["@mh stack_overflow task=TestTask method=2"], Outcome.RESET, "stack_overflow")
    expect.board_should_reset(run, "canary", within=1.0)
    expect.board_should_reset(run, "any")
    with pytest.raises(expect.ExpectationFailed, match="kind assert"):
        expect.board_should_reset(run, "assert")
    with pytest.raises(expect.ExpectationFailed, match="within 0.01 s"):
        expect.board_should_reset(run, "canary", within=0.01)
    with pytest.raises(UsageError, match="unknown kind of reset"):
        expect.board_should_reset(run, "meltdown")
    with pytest.raises(expect.ExpectationFailed, match="expected no reset"):
        expect.board_should_not_reset(run)


def test_stack_high_water_mark_takes_the_lowest_record() -> None:
    run = make_run("heap_4", [
        "@mh stack task=TestTask hwm_words=40 hwm_bytes=160",
        "@mh stack task=TestTask hwm_words=30 hwm_bytes=120",
    ])
    expect.stack_high_water_mark_should_be_at_least(run, "TestTask", expect.parse_amount("30 words"))
    with pytest.raises(expect.ExpectationFailed, match="fell to 120"):
        expect.stack_high_water_mark_should_be_at_least(run, "TestTask", 121)
    with pytest.raises(expect.ExpectationFailed, match="tasks seen: TestTask"):
        expect.stack_high_water_mark_should_be_at_least(run, "Other", 1)


def test_line_patterns() -> None:
    assert LinePattern("a.b").search("xa.by") and not LinePattern("a.b").search("axb")
    found = LinePattern(r"leaked=(\d+)", regex=True).search("@mh done leaked=6")
    assert found is not None and found.groups() == ("6",)
    with pytest.raises(expect.ExpectationFailed, match="not a valid regular expression"):
        LinePattern("(", regex=True)
