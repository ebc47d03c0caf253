"""Measure a task's stack from outside: read it from target RAM and count the untouched 0xa5 fill.

The firmware's `stack` records taken while the task is quiescent carry the stack's bounds
(`stack_base`, `depth_words`); for each of them this probe reads the stack over the emulator's
memory interface (QMP `pmemsave` on QEMU) and adds a `StackMeasured` event to the timeline. The
figure is counted by the harness, with no help from the kernel, so comparing it to the kernel's
own `hwm_words` checks both.

    run = run_scenario(fw, "stack_hwm", probe=stack_probe)
"""

from __future__ import annotations

from harness.emulators.base import Session
from harness.events import Event, Stack, StackMeasured, harness_event
from harness.heap2_walk import ACK
from harness.stack_rules import WORD, untouched_bytes


def synced_stack_probe(event: Event, session: Session) -> list[Event]:
    """`stack_probe` for a run with sync=1: the firmware waits after each quiescent record until
    the harness has read the stack (on a fast board it would otherwise free it first)."""
    try:
        return stack_probe(event, session)
    finally:
        if isinstance(event, Stack) and event.stack_base is not None:
            session.write_line(ACK)


def stack_probe(event: Event, session: Session) -> list[Event]:
    """A `Probe`: one StackMeasured for each stack record that gives its bounds."""
    if not isinstance(event, Stack) or event.stack_base is None or event.depth_words is None:
        return []
    data = session.read_memory(event.stack_base, event.depth_words * WORD)
    fill = untouched_bytes(data)
    return [
        harness_event(
            StackMeasured, task=event.task, at=event.at, stack_base=event.stack_base,
            depth_words=event.depth_words, untouched_bytes=fill, untouched_words=fill // WORD,
        )
    ]
