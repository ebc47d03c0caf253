"""Failure kinds and reset loops (harness/failures.py) from canned UART lines."""

from __future__ import annotations

from pathlib import Path

from harness.failures import FailureKind, ending, failure_kinds, kind_of, reset_loop
from harness.protocol import parse_line, parse_lines
from harness.run import Outcome, Run

BOOT = ("@mh boot proto=1 board=b heap=heap_4 profile=dynamic kernel=V11.3.0 heap_size=32768 "
        "overflow_check=2 boot={n} reset={reset}{task}")


def boot(n: int, reset: str = "power_on", task: str | None = None) -> str:
    return BOOT.format(n=n, reset=reset, task=f" reset_task={task}" if task else "")


def make_run(lines: list[str], outcome: Outcome = Outcome.DONE) -> Run:
    return Run(
        label="t", board="b", heap="heap_4", profile="dynamic", kernel="V11.3.0", scenario="s", params={},
        entries=tuple(parse_lines(lines)), outcome=outcome, reason="", wall_time=0.0, uart_log=Path("/dev/null"),
    )


READY = "@mh ready proto=1"


def test_each_record_has_its_own_kind() -> None:
    cases = {
        "@mh stack_overflow task=T method=2": FailureKind.CANARY,
        "@mh fault kind=stack_limit task=T pc=0x1 cfsr=0x00100000": FailureKind.STACK_LIMIT,
        "@mh fault kind=hardfault pc=0x1 cfsr=0x00100000": FailureKind.STACK_LIMIT,  # UFSR.STKOF
        "@mh fault kind=hardfault pc=0x1 cfsr=0x00008200": FailureKind.HARDFAULT,
        "@mh assert file=heap_1.c line=151": FailureKind.ASSERT,
        "@mh malloc_failed size=4096": FailureKind.MALLOC_FAILED,
    }
    for line, kind in cases.items():
        event = parse_line(line, 1)
        assert kind_of(event) is kind, line
    assert kind_of(parse_line("@mh heap at=x free=1", 1)) is None


def test_a_malloc_failure_the_run_survives() -> None:
    run = make_run([boot(1), READY, "@mh malloc_failed size=8", "@mh done scenario=s status=ok"])
    assert ending(run) is FailureKind.MALLOC_FAILED and failure_kinds(run) == (FailureKind.MALLOC_FAILED,)


def test_the_fatal_record_wins_over_an_earlier_malloc_failure() -> None:
    run = make_run([boot(1), READY, "@mh malloc_failed size=8", "@mh fault kind=hardfault mmfar=0x0",
                    boot(2, "hardfault", "TestTask"), READY], Outcome.RESET)
    assert ending(run) is FailureKind.HARDFAULT
    assert failure_kinds(run) == (FailureKind.MALLOC_FAILED, FailureKind.HARDFAULT)


def test_a_hang_is_a_deadline() -> None:
    run = make_run([boot(1), READY, "@mh start scenario=s"], Outcome.TIMEOUT)
    assert ending(run) is FailureKind.DEADLINE and failure_kinds(run) == (FailureKind.DEADLINE,)
    assert ending(make_run([boot(1), READY])) is FailureKind.NONE


def test_reset_loop_counts_the_same_cause_in_a_row() -> None:
    lines = [boot(1), READY, "@mh stack_overflow task=TestTask method=2"]
    for n in range(2, 5):
        lines += [boot(n, "stack_overflow", "TestTask"), f"@mh restart task=TestTask count={n - 1}", READY]
    loop = reset_loop(make_run(lines, Outcome.RESET))
    assert loop is not None
    assert (loop.cause, loop.task, loop.count, loop.restarts) == ("stack_overflow", "TestTask", 3, 3)


def test_one_reset_or_mixed_causes_are_no_loop() -> None:
    one = [boot(1), READY, boot(2, "stack_overflow", "TestTask"), READY]
    assert reset_loop(make_run(one, Outcome.RESET)) is None
    mixed = [boot(1), READY, boot(2, "assert", "console"), READY, boot(3, "stack_overflow", "TestTask"), READY]
    assert reset_loop(make_run(mixed, Outcome.RESET)) is None
    tail = [*mixed, boot(4, "stack_overflow", "TestTask"), READY]
    loop = reset_loop(make_run(tail, Outcome.RESET))
    assert loop is not None and loop.count == 2 and loop.restarts == 0
