"""Reaching "after N ticks" exactly in a live run, without stopping the target at every tick.

Used where a run cannot be recorded and replayed (`target.py`: on QEMU a replay takes tick points
with a breakpoint at every tick, which costs a replay nothing).

Why not a breakpoint on xTaskIncrementTick that counts: under `-icount sleep=off` QEMU moves its
virtual clock on to the next timer whenever every CPU stands still while the machine still counts
as running, and a breakpoint stops the CPU a moment before the machine stops. So each breakpoint
stop ends the image's current tick early; stopped at every tick, the image's tasks would never run
(measured: 100 ticks passed, no task woke). A stop the host asks for (gdb's interrupt) stops the
machine first and costs the image nothing.

So the host looks without perturbing: it interrupts, reads xTickCount, lets the target go on, and
only once the count *equals* N puts the breakpoint in; the next tick interrupt then stops the
target at xTaskIncrementTick's entry with xTickCount == N, an instruction-exact point the image
reaches identically every run. The host paces its looks by the fastest tick it has measured (host
seconds per tick) and looks continuously over the last two ticks before N. If the host was too
slow (the count already passed N: a loaded machine), the snapshot is taken at once and marked
`on_time=False`; `target.run_image` then runs the image again from power-on (under icount the
run replays exactly) looking more often.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

MIN_LOOK = 0.0003  # seconds between two looks, at the closest
MAX_LOOK = 0.05
FIRST_LOOK = 0.002


@dataclass
class TickApproach:
    """The tick points still to reach, in order, and when the host should next look."""

    points: list[int]
    armed: bool = False
    care: int = 0  # a run again after a miss: look this many times more often near N
    next_look: float = field(default_factory=time.monotonic)
    _seen: tuple[float, int] | None = None
    _per_tick: float | None = None

    @property
    def target(self) -> int | None:
        return self.points[0] if self.points else None

    def due(self, now: float) -> bool:
        return bool(self.points) and not self.armed and now >= self.next_look

    def observe(self, tick: int, now: float) -> str:
        """What to do after reading `tick` at `now`: "arm", "wait" or "late"."""
        if self._seen is not None and tick > self._seen[1]:
            rate = (now - self._seen[0]) / (tick - self._seen[1])
            self._per_tick = rate if self._per_tick is None else min(self._per_tick, rate)
        if self._seen is None or tick != self._seen[1]:
            self._seen = (now, tick)
        target = self.points[0]
        if tick == target:
            return "arm"
        if tick > target:
            return "late"
        ahead = target - tick
        if ahead <= 2 + self.care:
            wait = MIN_LOOK  # the last ticks before N: look all the time
        elif self._per_tick is None:
            wait = FIRST_LOOK
        else:
            wait = self._per_tick * (ahead - 2 - self.care) * 0.5  # the fastest tick seen, and some
        self.next_look = now + min(max(wait, MIN_LOOK), MAX_LOOK)
        return "wait"

    def reached(self, now: float) -> int:
        """The current target is done; returns it."""
        point = self.points.pop(0)
        self.armed = False
        self.next_look = now
        return point
