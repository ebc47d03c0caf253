"""One run of a user's app on one variant, read from outside, and the figures a comparison shows.

The app prints what it prints; every figure here comes from the outside reader
(`harness.observe`): tick-spaced snapshots of the heap and every task, the hooks and fault
handlers caught by breakpoints, resets caught at the reset handler. The run ends as the project
file's `[run] until` says (a UART line, a tick count, virtual milliseconds, app_main returning),
at the first reset (unless `max_resets` allows more), or at the deadline, with every snapshot
taken so far kept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.app.build import AppFirmware, end_tick
from harness.app.project import Project
from harness.elf import symbols
from harness.events import Boot, Event
from harness.footprint import image_size
from harness.observe.image import load_image
from harness.observe.plan import Plan
from harness.observe.snapshot import Snapshot
from harness.observe.target import ImageRun, run_image
from harness.run import Interrupted, Outcome

ENTRY_RETURNED = "vMhAppEntryReturned"  # firmware/app/app_start.c, after app_main() returns
TICK_POINT = "vMhTickPoint"  # firmware/app/app_ticks.c: every snapshot_every_ticks ticks
TICK_END = "vMhTickEnd"  # firmware/app/app_ticks.c: the run's end, when it is bounded by ticks
MAX_TICK_POINTS = 2000
HARNESS_ASSERT = "vMhAssertFailed"  # the configASSERT the harness gives an app that has none
_CAUGHT = ("stack_overflow", "assert", "fault")


@dataclass(frozen=True)
class AppRun:
    """An app's run on one variant: the image run (timeline and snapshots) and where it came from."""

    firmware: AppFirmware
    image_run: ImageRun
    folder: Path

    @property
    def run(self) -> Any:
        return self.image_run.run

    @property
    def snapshots(self) -> tuple[Snapshot, ...]:
        return self.image_run.snapshots


def plan_for(project: Project, firmware: AppFirmware, at_calls: Sequence[tuple[str, int]] = ()) -> Plan:
    """The project file's end condition and snapshot spacing as the outside reader's plan.

    Tick-spaced snapshots are hits of the app's tick point (firmware/app/app_ticks.c), and a run
    bounded by ticks ends at its tick end; an app whose config has its own
    traceTASK_INCREMENT_TICK uses the outside reader's host-timed approach to tick counts instead.
    """
    until = project.run.until
    ends = end_tick(project, firmware.user_values)
    hit_end = (ENTRY_RETURNED, 1) if until.returns else None
    if symbols(firmware.elf).get(TICK_POINT) is None:
        return Plan(every_ticks=project.run.snapshot_every_ticks, end_ticks=ends or None, end_line=until.uart,
                    end_hit=hit_end, at_hits=tuple(at_calls))
    limit = min(MAX_TICK_POINTS, max(1, (ends or MAX_TICK_POINTS * project.run.snapshot_every_ticks)
                                     // project.run.snapshot_every_ticks))
    return Plan(at_hits=(*((TICK_POINT, n) for n in range(1, limit + 1)), *at_calls), end_line=until.uart,
                end_hit=(TICK_END, 1) if ends else hit_end)


def run_app(project: Project, firmware: AppFirmware, results: Path, *, timeout: float | None = None,
            emulator: str = "qemu", at_calls: Sequence[tuple[str, int]] = ()) -> AppRun:
    """Boot the variant, watch it until the project's end condition, and return what was seen.

    `at_calls` adds snapshots at the Nth call of functions of the app's, e.g. ("testTask", 1).

    Raises `harness.run.Interrupted` (the run so far inside) on Ctrl-C, with the emulator stopped.
    """
    variant = firmware.variant
    board = variant.board
    image = load_image(firmware.elf, board)
    folder = results / project.name / variant.label
    assert_symbol = HARNESS_ASSERT if "configASSERT" not in firmware.user_values else None
    try:
        result = run_image(
            image, board, folder / "uart.log", plan_for(project, firmware, at_calls), emulator=emulator,
            timeout=timeout if timeout is not None else project.run.deadline, max_resets=project.run.max_resets,
            assert_symbol=assert_symbol, label=variant.label,
        )
    except Interrupted as stop:
        stop.run = _named(stop.run, project, firmware)
        raise
    snaps = tuple(dataclasses.replace(s, label=label(s)) for s in result.snapshots)
    result = dataclasses.replace(result, run=_named(result.run, project, firmware), snapshots=snaps)
    return AppRun(firmware, result, folder)


def _named(run: Any, project: Project, firmware: AppFirmware) -> Any:
    """The image run as the app's: the variant's names, and the end condition in the user's words."""
    variant = firmware.variant
    reason = run.reason
    if reason.startswith(TICK_END):
        reason = f"ticks={end_tick(project, firmware.user_values)}"
    elif reason.startswith(ENTRY_RETURNED):
        reason = "app_main returned"
    return dataclasses.replace(run, label=variant.label, heap=variant.heap, profile=variant.profile,
                               kernel=variant.kernel.version, scenario=f"app:{project.name}", reason=reason)


def label(snap: Snapshot) -> str:
    """A snapshot's name for people: `tick 150` for a tick point, else the reader's own label."""
    return f"tick {snap.tick}" if snap.label.startswith(TICK_POINT) else snap.label


# --- figures ------------------------------------------------------------------------------------

def resets(app_run: AppRun) -> list[str]:
    """The kind of every reset in the run, in order (the hook or handler caught before it)."""
    kinds = []
    caught = ""
    for entry in app_run.run.entries:
        if isinstance(entry, Event) and entry.kind in _CAUGHT:
            caught = str(entry.fields.get("kind", entry.kind)) if entry.kind == "fault" else entry.kind
        if isinstance(entry, Boot) and entry.boot > 1:
            kinds.append(caught or entry.reset or "external")
            caught = ""
    if app_run.run.outcome is Outcome.RESET and len(kinds) < 1 + app_run.run.resets:
        kinds.append(app_run.run.reason)
    return kinds


def figures(app_run: AppRun) -> dict[str, Any]:
    """Every figure of one scheme's run, from the outside reader; None where the scheme has none."""
    run = app_run.run
    variant = app_run.firmware.variant
    snaps = app_run.snapshots
    # A host-timed point (the end at a UART line) is kept, but without its tick: where the host
    # stopped the target differs from run to run, the figures of a quiescent end do not.
    series = [{"label": label(s), "tick": s.tick if s.deterministic else None, "deterministic": s.deterministic,
               "free": s.heap.free, "min_ever": s.heap.min_ever, "largest": s.heap.largest,
               "free_blocks": s.heap.free_blocks} for s in snaps]
    timed = [s for s in snaps if s.deterministic]
    frees = [s.heap.free for s in snaps if s.heap.free is not None and s.heap.initialised]
    last = snaps[-1] if snaps else None
    min_ever = last.heap.min_ever if last is not None else None
    min_source = "kernel" if min_ever is not None else None
    if min_ever is None and frees:
        min_ever, min_source = min(frees), ("exact" if variant.heap == "heap_1" else "snapshots")
    stacks: dict[str, dict[str, Any]] = {}
    for snap in snaps:
        for task in snap.tasks:
            seen = stacks.get(task.name)
            if seen is None or task.hwm_bytes < seen["hwm_bytes"]:
                stacks[task.name] = {"stack_size": task.stack_size, "hwm_bytes": task.hwm_bytes,
                                     "priority": task.priority}
    with_largest = [s for s in snaps if s.heap.largest is not None and s.heap.initialised]
    tightest = min(with_largest, key=lambda s: s.heap.largest or 0, default=None)
    size = image_size(app_run.firmware.firmware)
    ram = size.data + size.bss
    heap_bytes = variant.heap_size if variant.heap_number else 0
    return {
        "board": variant.board.name, "kernel": variant.kernel.version, "scheme": _scheme(variant.heap),
        "heap_size": variant.heap_size if variant.heap_number else None,
        "outcome": run.outcome.value, "reason": run.reason, "resets": resets(app_run),
        "malloc_failed": app_run.image_run.malloc_failures,
        "ticks_end": timed[-1].tick if timed else None,  # the last point reached identically every run
        "free_end": last.heap.free if last is not None else None,
        "min_ever_free": min_ever, "min_ever_source": min_source,
        "largest_end": last.heap.largest if last is not None else None,
        "free_blocks_end": last.heap.free_blocks if last is not None else None,
        "largest_end_min": tightest.heap.largest if tightest is not None else None,
        "free_at_largest_min": tightest.heap.free if tightest is not None else None,
        "free_blocks_max": max((s.heap.free_blocks for s in snaps if s.heap.free_blocks is not None), default=None),
        "heap_not_available": last.heap.not_available if last is not None else None,
        "heap_corruption": next((s.heap.corruption for s in snaps if s.heap.corruption), None),
        "tasks": dict(sorted(stacks.items())),
        "footprint": {"image_flash": size.text + size.data, "image_ram": ram, "heap_bytes": heap_bytes,
                      "heap_share_of_ram": round(heap_bytes / ram, 3) if ram else None},
        "series": series,
        "missing_lines": [text for text in app_run.firmware.project.run.expect
                          if not any(text in line for line in run.texts)],
        "notes": [str(n) for n in app_run.firmware.notes],
        "uart_log": str(run.uart_log),
        "wall_time_s": round(run.wall_time, 3),
    }


def _scheme(heap: str) -> str:
    return "static" if heap == "none" else heap


def clean(fig: dict[str, Any]) -> bool:
    """Ran the workload to its end condition with no allocation failure and no reset."""
    return (fig.get("outcome") == Outcome.DONE.value and not fig.get("malloc_failed") and not fig.get("resets")
            and not fig.get("missing_lines"))
