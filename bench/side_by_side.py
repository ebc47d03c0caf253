"""Side-by-side timing for the benchmarks: the sides of a comparison take turns, round after round.

On a shared machine the load changes from second to second; sides measured in turn see the same
load, and the ratio of each round's pair cancels most of it. The figure reported is the median of
those per-round ratios, with the spread (lowest and highest) so a reader sees how far to trust it.
`BENCH_ROUNDS` overrides a script's number of rounds. The order of the sides is reversed every
other round, so neither side always runs first (just after the other's cache misses, say).

Stability: two runs of `make bench` should agree within 5%. Each ratio is also computed from the
odd and the even rounds apart, two independent halves of this run interleaved in time; how far
their medians differ is printed beside the ratio (`stability`), a run-to-run check in one run.

Each side is timed twice: wall time, and CPU time (user + system of this process and of the
children it waited for: QEMU, compilers, `memharness` processes). On an idle machine the two agree
for these single-threaded jobs; on a busy one the wall time stretches with the load while the CPU
time barely moves, so when the load average is above the core count the CPU figures are the ones
to judge by (`judged()` picks them).
"""

from __future__ import annotations

import os
import resource
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


def rounds(default: int) -> int:
    return int(os.environ.get("BENCH_ROUNDS", default))


@dataclass(frozen=True)
class Sides:
    """Seconds per round of each side (wall and CPU), in the order the rounds ran."""

    times: Mapping[str, list[float]]
    cpu: Mapping[str, list[float]]

    def median(self, side: str, cpu: bool = False) -> float:
        return statistics.median((self.cpu if cpu else self.times)[side])

    def ratio(self, top: str, bottom: str, cpu: bool = False) -> tuple[float, float, float]:
        """The median, lowest and highest of the per-round ratios top/bottom."""
        times = self.cpu if cpu else self.times
        pairs = [a / b for a, b in zip(times[top], times[bottom], strict=True)]
        return statistics.median(pairs), min(pairs), max(pairs)

    def halves(self, top: str, bottom: str, cpu: bool = False) -> tuple[float, float]:
        """The median ratio top/bottom of the odd rounds and of the even rounds."""
        times = self.cpu if cpu else self.times
        pairs = [a / b for a, b in zip(times[top], times[bottom], strict=True)]
        return statistics.median(pairs[0::2]), statistics.median(pairs[1::2] or pairs)

    def stability(self, top: str, bottom: str, cpu: bool = False, within: float = 0.05) -> str:
        """How far the two halves' ratios differ, against the 5% two runs of `make bench` may differ."""
        first, second = self.halves(top, bottom, cpu)
        spread = abs(first - second) / ((first + second) / 2)
        return (f"halves {first:.2f}/{second:.2f}: " + ("agree" if spread <= within else "DIFFER")
                + f" within {spread:.1%} (<= {within:.0%})")

    def difference(self, top: str, bottom: str, cpu: bool = False) -> float:
        """The median of the per-round differences top - bottom."""
        times = self.cpu if cpu else self.times
        return statistics.median(a - b for a, b in zip(times[top], times[bottom], strict=True))


def _cpu() -> float:
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def judged() -> bool:
    """True when the targets are to be judged on CPU time: the machine is busier than its cores."""
    return os.getloadavg()[0] > (os.cpu_count() or 1)


def interleave(sides: Mapping[str, Callable[[], float | None]], count: int) -> Sides:
    """Run every side once per round, in turn, `count` rounds; a side returns its own seconds
    (when it must leave set-up out) or None to be timed whole."""
    times: dict[str, list[float]] = {name: [] for name in sides}
    cpu: dict[str, list[float]] = {name: [] for name in sides}
    names = list(sides)
    for number in range(count):
        for name in names if number % 2 == 0 else reversed(names):
            side = sides[name]
            start, start_cpu = time.perf_counter(), _cpu()
            took = side()
            times[name].append(took if took is not None else time.perf_counter() - start)
            cpu[name].append(_cpu() - start_cpu)
    return Sides(times, cpu)


def verdict(value: float, target: float) -> str:
    return f"target <= {target:g}: " + ("met" if value <= target else "NOT met")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {one:.1f} (5 min {five:.1f})"
