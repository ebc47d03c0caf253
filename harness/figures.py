"""The named figures of a comparison: one list that the terminal table and the baseline gate share.

compare.json keeps each (board, kernel, scheme)'s figures as a nested record; the table shows them
one row per figure and the gate compares them one by one, so both read them through `FIGURES`:
each entry names the workload that produced the figure, the figure's name within it, its unit and
which way is better. A figure a scheme cannot give is None, never 0.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from harness.events import Heap, Stack

if TYPE_CHECKING:
    from harness.observe.target import ImageRun
    from harness.run import Run

Unit = Literal["bytes", "cycles", "count", "words"]
Better = Literal["higher", "lower", "exact"]  # exact: deterministic figures that may not change at all
Value = int | float | None


@dataclass(frozen=True)
class FigureKey:
    """Where a figure comes from: the key a baseline stores it under."""

    board: str
    kernel: str
    scheme: str
    profile: str
    workload: str
    figure: str

    def text(self) -> str:
        return f"{self.board} {self.kernel} {self.scheme} {self.profile} {self.workload} {self.figure}"


@dataclass(frozen=True)
class FigureSpec:
    """One figure of the comparison: how to read it from a scheme's record and how to judge it."""

    group: str
    workload: str
    figure: str
    label: str
    unit: Unit
    better: Better
    read: Callable[[Mapping[str, Any]], Value]


@dataclass(frozen=True)
class Measured:
    """A figure's value as measured, with the rule the gate judges it by."""

    key: FigureKey
    value: Value
    unit: Unit
    better: Better


def _path(*names: str) -> Callable[[Mapping[str, Any]], Value]:
    def read(record: Mapping[str, Any]) -> Value:
        node: Any = record
        for name in names:
            if not isinstance(node, Mapping):
                return None
            node = node.get(name)
        return node if isinstance(node, int | float) and not isinstance(node, bool) else None
    return read


def _specs() -> tuple[FigureSpec, ...]:
    heap = "free heap (bytes)"
    cost = "heap taken (bytes)"
    specs = [
        FigureSpec(heap, "boot", "free_at_boot", "at boot", "bytes", "higher", _path("free_at_boot")),
        FigureSpec(heap, "boot", "free_after_scheduler", "scheduler running", "bytes", "higher",
                   _path("free_after_scheduler")),
        FigureSpec(heap, "boot", "min_ever_free", "minimum ever", "bytes", "higher", _path("min_ever_free")),
    ]
    for size in ("1", "100", "1000"):
        specs.append(FigureSpec(cost, f"overhead-size{size}", "taken", f"by a {size} B block", "bytes", "lower",
                                _path("overhead_per_allocation", size, "taken")))
    specs += [
        FigureSpec(cost, "task", "taken", "by a task", "bytes", "lower", _path("task_cost")),
        FigureSpec(cost, "queue", "taken", "by a queue", "bytes", "lower", _path("queue_cost")),
    ]
    for op, name in (("malloc", "pvPortMalloc"), ("free", "vPortFree")):
        for stat in ("mean", "median", "worst"):
            specs.append(FigureSpec(f"cycles per {name}", "fragmentation", f"cycles.{op}.{stat}", stat, "cycles",
                                    "exact", _path("cycles", op, stat)))
    frag = "fragmentation, at the end"
    specs += [
        FigureSpec(frag, "fragmentation", "failures", "failed allocations", "count", "lower",
                   _path("fragmentation", "failures")),
        FigureSpec(frag, "fragmentation", "largest_free_block", "largest free block", "bytes", "higher",
                   _path("fragmentation", "largest_free_block_end")),
        FigureSpec(frag, "fragmentation", "free_blocks", "free blocks", "count", "lower",
                   _path("fragmentation", "free_blocks_end")),
        FigureSpec(frag, "fragmentation", "free", "free heap", "bytes", "higher", _path("fragmentation", "free_end")),
    ]
    foot = "footprint (bytes)"
    specs += [
        FigureSpec(foot, "image", "heap_text", "heap scheme .text", "bytes", "lower", _path("footprint", "heap_text")),
        FigureSpec(foot, "image", "flash", "image flash", "bytes", "lower", _path("footprint", "image_flash")),
        FigureSpec(foot, "image", "ram", "image RAM", "bytes", "lower", _path("footprint", "image_ram")),
    ]
    return tuple(specs)


FIGURES: tuple[FigureSpec, ...] = _specs()


@functools.cache
def _default_emulator(board: str) -> str | None:
    from harness.platforms import board_names, load_board  # the board schema: only for a gate

    return load_board(board).default_emulator if board in board_names() else None


def board_key(board: str, emulator: str | None) -> str:
    """The board part of a figure's key: `board`, or `board@emulator` when the figure came from an
    emulator other than the board's default (`compare --emulator all` runs the same images on QEMU
    and Renode: their heap figures agree, their cycles are each emulator's own), so the rows of
    two emulators never share a key and a baseline written on one never judges the other."""
    if emulator is None or emulator == _default_emulator(board):
        return board
    return f"{board}@{emulator}"


def key_of(record: Mapping[str, Any], spec: FigureSpec) -> FigureKey:
    board = board_key(str(record["board"]), record.get("emulator"))
    return FigureKey(board, str(record["kernel"]), str(record["scheme"]),
                     str(record.get("profile", "dynamic")), spec.workload, spec.figure)


def measured(records: Iterable[Mapping[str, Any]]) -> list[Measured]:
    """Every figure of compare.json's `schemes` records, flat, in table order."""
    return [Measured(key_of(r, spec), spec.read(r), spec.unit, spec.better) for r in records for spec in FIGURES]


def shown(value: Value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")  # means are kept to two decimals
    return str(value)


def from_run(run: Run) -> list[Measured]:
    """A scenario run's figures, for the pytest and Robot gates: each heap record's figures under
    `heap.<at>.<name>` (the last record of each `at`) and each task's stack high-water mark under
    `stack.<task>.hwm_words`. The workload is the scenario with its parameters."""
    workload = " ".join([run.scenario, *(f"{k}={v}" for k, v in sorted(run.params.items()))])

    def key(figure: str) -> FigureKey:
        return FigureKey(run.board, run.kernel, run.heap, run.profile, workload, figure)

    heaps: dict[str, Heap] = {h.at: h for h in run.events(Heap)}
    out: list[Measured] = []
    for at, record in heaps.items():
        for name, unit, better in _HEAP_FIGURES:
            value = getattr(record, name)
            if value is not None:
                out.append(Measured(key(f"heap.{at}.{name}"), value, unit, better))
    stacks: dict[str, Stack] = {s.task: s for s in run.events(Stack)}
    for task, stack in stacks.items():
        out.append(Measured(key(f"stack.{task}.hwm_words"), stack.hwm_words, "words", "higher"))
    return out


_HEAP_FIGURES: tuple[tuple[str, Unit, Better], ...] = (
    ("free", "bytes", "higher"), ("min_ever", "bytes", "higher"), ("largest", "bytes", "higher"),
    ("free_blocks", "count", "lower"),
)


class _HeapLike(Protocol):
    @property
    def scheme(self) -> str: ...
    @property
    def free(self) -> int | None: ...
    @property
    def min_ever(self) -> int | None: ...
    @property
    def largest(self) -> int | None: ...
    @property
    def free_blocks(self) -> int | None: ...


class _TaskLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def hwm_bytes(self) -> int: ...


class SnapshotLike(Protocol):
    """What the gate needs of a snapshot of a user's image read from outside
    (`harness.observe.snapshot.Snapshot` has it): its label, whether its point is deterministic,
    the heap's figures and each task's high-water mark."""

    @property
    def label(self) -> str: ...
    @property
    def heap(self) -> _HeapLike: ...
    @property
    def tasks(self) -> Sequence[_TaskLike]: ...
    @property
    def deterministic(self) -> bool: ...


def from_snapshot(snapshot: SnapshotLike, *, board: str, kernel: str, image: str) -> list[Measured]:
    """A snapshot's floors: free heap (and minimum ever, largest block) may not drop, and no task's
    stack high-water mark may shrink. The workload is the image and the snapshot's label, the
    scheme the one read from the image (`profile` "image": not built by the harness). A snapshot
    taken at a host-timed point (a UART line) differs run to run, so it cannot be gated."""
    if not snapshot.deterministic:
        raise ValueError(f"snapshot {snapshot.label!r} was taken at a host-timed point; gate snapshots taken "
                         "at a tick count, a function's Nth hit or the end of a tick-bounded run")
    workload = f"{image} @ {snapshot.label}"

    def key(figure: str) -> FigureKey:
        return FigureKey(board, kernel, snapshot.heap.scheme, "image", workload, figure)

    out: list[Measured] = []
    for name, unit, better in _HEAP_FIGURES:
        value = getattr(snapshot.heap, name)
        if value is not None:
            out.append(Measured(key(f"heap.{name}"), value, unit, better))
    for task in snapshot.tasks:
        out.append(Measured(key(f"stack.{task.name}.hwm_bytes"), task.hwm_bytes, "bytes", "higher"))
    return out


_APP_FIGURES: tuple[tuple[str, str, Unit, Better], ...] = (
    ("free_end", "heap.free_end", "bytes", "higher"),
    ("min_ever_free", "heap.min_ever", "bytes", "higher"),
    ("largest_end", "heap.largest_end", "bytes", "higher"),
    ("largest_end_min", "heap.largest_min", "bytes", "higher"),
    ("free_blocks_end", "heap.free_blocks_end", "count", "lower"),
    ("malloc_failed", "malloc_failed", "count", "lower"),
)


def from_app_report(report: Mapping[str, Any]) -> list[Measured]:
    """The figures of `compare --app`'s compare.json (issue 11: one record per scheme, read from
    outside): the heap at the end and its floors, allocation failures, every task's lowest
    high-water mark, the image's flash and RAM. The workload is the app's name."""
    out: list[Measured] = []
    for record in report["schemes"]:
        def key(figure: str, r: Mapping[str, Any] = record) -> FigureKey:
            return FigureKey(str(r["board"]), str(r["kernel"]), str(r["scheme"]), str(r.get("profile", "dynamic")),
                             str(report["app"]), figure)
        for source, name, unit, better in _APP_FIGURES:
            out.append(Measured(key(name), _path(source)(record), unit, better))
        for task, stack in sorted((record.get("tasks") or {}).items()):
            out.append(Measured(key(f"stack.{task}.hwm_bytes"), _path("hwm_bytes")(stack), "bytes", "higher"))
        for name in ("image_flash", "image_ram"):
            out.append(Measured(key(name.replace("_", ".")), _path("footprint", name)(record), "bytes", "lower"))
    return out


def from_image_run(result: ImageRun) -> list[Measured]:
    """The floors of every deterministic snapshot of a user image's run (`run --elf`, the pytest
    fixture's `run_elf`, Robot's `Run Image`); host-timed snapshots are left out, and a run with
    none deterministic cannot be gated (ValueError naming why)."""
    usable = [s for s in result.snapshots if s.deterministic]
    if not usable:
        taken = ", ".join(s.label for s in result.snapshots) or "none"
        raise ValueError(f"no snapshot of {result.image.elf.name} was taken at a deterministic point (taken: {taken}); "
                         "gate snapshots at a tick count (--ticks, --every), a function's Nth hit or the end")
    return [m for snap in usable
            for m in from_snapshot(snap, board=result.run.board, kernel=result.run.kernel, image=result.image.elf.name)]
