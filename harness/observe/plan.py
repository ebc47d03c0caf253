"""What an image run looks for: its snapshot points and its end condition, as data."""

from __future__ import annotations

from dataclasses import dataclass

from harness.errors import UsageError

SERIES_LIMIT = 10_000  # snapshots a series without an end may take


@dataclass(frozen=True)
class Plan:
    """When to take snapshots and when the run ends (None/empty: not by that means).

    Tick points are counts of xTickCount; `every_ticks` makes a series (N, 2N, ...) up to the end.
    A hit is (function, n): its nth call. A line point is text a UART line contains.
    """

    every_ticks: int | None = None
    at_ticks: tuple[int, ...] = ()
    at_hits: tuple[tuple[str, int], ...] = ()
    at_lines: tuple[str, ...] = ()
    end_ticks: int | None = None
    end_hit: tuple[str, int] | None = None
    end_line: str | None = None
    snapshot_at_end: bool = True

    def __post_init__(self) -> None:
        numbers = [*self.at_ticks, *(n for _, n in self.at_hits)]
        numbers += [n for n in (self.every_ticks, self.end_ticks) if n is not None]
        numbers += [self.end_hit[1]] if self.end_hit else []
        if any(n < 1 for n in numbers):
            raise UsageError("tick counts and hit counts must be at least 1", "give a positive number")

    def tick_points(self) -> list[int]:
        """Every tick point in order, the end tick last if the run ends by ticks."""
        points = set(self.at_ticks)
        if self.every_ticks:
            top = self.end_ticks if self.end_ticks is not None else self.every_ticks * SERIES_LIMIT
            points |= set(range(self.every_ticks, top + 1, self.every_ticks))
        if self.end_ticks is not None:
            points = {p for p in points if p < self.end_ticks} | {self.end_ticks}
        return sorted(points)
