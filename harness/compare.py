"""`memharness compare`: every heap scheme on one workload set, side by side, from real runs.

The matrix is board x kernel x variant (heap_1..heap_5, plus the static profile) x workload.
Each cell is one boot of the real firmware under QEMU's `-icount`, so every figure is identical
run to run; host timings are collected apart (`HostTiming`) and never mixed into the figures.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import api
from harness.build import Firmware
from harness.emulators.qemu import TIMING_ICOUNT_SHIFT, stop_all_sessions
from harness.events import Frag, HeapWalk, ObjectCost, OpTimes, TaskCost, TimerBase
from harness.heap_rules import CAN_FREE, COALESCES, FIGURES, allocation_cost
from harness.run import Interrupted, Outcome, Probe, Run
from harness.scenarios import scenario
from harness.variant import HEAPS, NO_HEAP
from harness.workloads import OVERHEAD_SIZES, STANDARD_WORKLOAD, STATIC, WORKLOADS, workload_runs


@dataclass(frozen=True)
class Cell:
    """One run of the matrix."""

    board: str
    kernel: str
    scheme: str  # heap_1..heap_5 or "static"
    workload: str
    scenario: str
    params: Mapping[str, int]
    emulator: str = "qemu"

    @property
    def heap(self) -> str:
        return NO_HEAP if self.scheme == STATIC else self.scheme

    @property
    def profile(self) -> str:
        return "static" if self.scheme == STATIC else "dynamic"

    @property
    def name(self) -> str:
        extra = "".join(f"-{k}{v}" for k, v in self.params.items() if self.workload == "overhead")
        return f"{self.workload}{extra}"


@dataclass(frozen=True)
class CellResult:
    cell: Cell
    outcome: str
    reason: str
    run: Run | None  # None when the cell was not run (interrupted before it started)
    wall_time: float


@dataclass(frozen=True)
class Comparison:
    cells: tuple[CellResult, ...]
    figures: tuple[dict[str, Any], ...]  # one per (board, kernel, scheme): the deterministic part
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.interrupted and all(c.outcome == Outcome.DONE.value for c in self.cells)


def board_emulators(board: str, emulators: Sequence[str] | None) -> list[str]:
    """The emulators a board's cells run on: those asked for that the board has, else its default."""
    from harness.platforms import load_board  # pydantic: with the first board, not at import

    names = load_board(board).emulator_names
    return list(names[:1]) if emulators is None else [e for e in emulators if e in names]


def plan(boards: Sequence[str], kernels: Sequence[str], schemes: Sequence[str],
         workloads: Sequence[str] = WORKLOADS, emulators: Sequence[str] | None = None) -> list[Cell]:
    """The cells to run; a workload a scheme cannot do (per the catalogue) is left out, not failed.

    `emulators` None runs each board on its default emulator; several put them side by side
    (the same image on each: heap and stack figures agree, cycles are each emulator's own).
    """
    cells: list[Cell] = []
    for board in boards:
        for emulator in board_emulators(board, emulators):
            for kernel in kernels:
                for scheme in schemes:
                    heap = NO_HEAP if scheme == STATIC else scheme
                    profile = "static" if scheme == STATIC else "dynamic"
                    for workload in workloads:
                        for name, params in workload_runs(workload):
                            if scenario(name).applies(heap, profile):
                                cells.append(Cell(board, kernel, scheme, workload, name, params, emulator))
    return cells


# heap_4 and heap_5 report their largest block and free blocks themselves (vPortGetHeapStats), so
# only heap_2's free list is walked: a walk makes the firmware wait for the harness at each report.
_WALKED = ("heap_2",)


def _probe(cell: Cell, firmware: Firmware) -> Probe | None:
    """heap_2 never reports its largest free block: walk its free list from RAM at each report."""
    if cell.scenario == "fragmentation" and cell.heap in _WALKED:
        from harness.heap2_walk import HeapWalkProbe, anchors  # pyelftools: only when a walk is run

        return HeapWalkProbe(anchors(firmware.elf, cell.heap), acknowledge=True)
    return None


def cost(cell: Cell) -> int:
    """A cell's run time, roughly and relatively: the standard fragmentation workload runs 2000
    steps, and where the free list is walked from RAM the firmware waits for each walk."""
    if cell.scenario == "fragmentation":
        return 3 if cell.heap in _WALKED else 2
    return 1


def run_matrix(cells: Sequence[Cell], results: Path, jobs: int = 2,
               on_done: Callable[[CellResult], None] | None = None,
               on_build: Callable[[str], None] | None = None,
               ) -> tuple[list[CellResult], bool, dict[tuple[str, str, str], Firmware]]:
    """Build every variant once and run the cells `jobs` at a time, longest first.

    A variant's cells are queued as soon as its image is built, so runs start while the other
    variants build; each worker takes the longest queued cell, so no long run is left alone
    at the end while the other cores idle. Ctrl-C (or SIGTERM turned into it by the CLI) stops
    every running QEMU at once; the cells that finished are returned with `interrupted=True`, so
    their results are still written.
    """
    firmware: dict[tuple[str, str, str], Firmware] = {}
    done: list[CellResult] = []
    lock = threading.Lock()
    cancelled = threading.Event()
    queued: list[tuple[int, int, Cell]] = []  # a heap: the longest (then the first planned) on top

    def next_cell() -> CellResult:
        with lock:
            _, _, cell = heapq.heappop(queued)
        return one(cell)

    def one(cell: Cell) -> CellResult:
        if cancelled.is_set():
            return CellResult(cell, Outcome.INTERRUPTED.value, "not started", None, 0.0)
        fw = firmware[(cell.board, cell.kernel, cell.scheme)]
        folder = results / "runs" / cell.board / cell.kernel / cell.scheme
        if cell.emulator != "qemu":
            folder = folder / cell.emulator
        params = {**cell.params}
        probe = _probe(cell, fw)
        if probe is not None:
            params["sync"] = 1
        try:
            run = api.run_scenario(fw, cell.scenario, params, folder / cell.name, probe=probe, timeout=60,
                                   icount_shift=TIMING_ICOUNT_SHIFT, emulator=cell.emulator)
        except Interrupted as stop:
            run = stop.run
        outcome = run.outcome.value
        if cancelled.is_set() and run.outcome is not Outcome.DONE:
            outcome = Outcome.INTERRUPTED.value  # its QEMU was stopped by the interrupt, not by itself
        result = CellResult(cell, outcome, run.reason, run, run.wall_time)
        with lock:
            done.append(result)
        if on_done is not None:
            on_done(result)
        return result

    from concurrent.futures import ThreadPoolExecutor, as_completed  # loaded by the comparison only

    interrupted = False
    pool = ThreadPoolExecutor(max_workers=max(jobs, 1), thread_name_prefix="compare")
    try:
        futures = []
        for cell in cells:
            key = (cell.board, cell.kernel, cell.scheme)
            if key not in firmware:
                if on_build is not None:
                    on_build(f"{cell.board} {cell.kernel} {cell.scheme}")
                firmware[key] = api.prepare(board=cell.board, heap=None if cell.heap == NO_HEAP else cell.heap,
                                            profile=cell.profile, kernel_version=cell.kernel)
                mine = [(i, c) for i, c in enumerate(cells) if (c.board, c.kernel, c.scheme) == key]
                with lock:
                    for i, c in mine:
                        heapq.heappush(queued, (-cost(c), i, c))
                futures += [pool.submit(next_cell) for _ in mine]
        for future in as_completed(futures):
            future.result()
    except KeyboardInterrupt:
        interrupted = True
        cancelled.set()
        stop_all_sessions()
    except BaseException:
        cancelled.set()  # a build failed: the queued cells are not started
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    order = {id(cell): i for i, cell in enumerate(cells)}
    return sorted(done, key=lambda r: order[id(r.cell)]), interrupted, firmware


# --- figures ----------------------------------------------------------------------------------------

def _stats(values: list[int]) -> dict[str, float | int] | None:
    import statistics  # with fractions and decimal: only for the comparison's figures

    if not values:
        return None
    return {"n": len(values), "mean": round(statistics.fmean(values), 2),
            "median": statistics.median(values), "worst": max(values), "best": min(values)}


def instructions_per_second(board: str, emulator: str) -> float:
    """Virtual instructions per virtual second: QEMU's `-icount shift=S` gives 1e9 / 2^S,
    Renode its `cpu PerformanceInMips` (the board file's `mips`)."""
    if emulator == "renode":
        from harness.platforms import load_board

        target = load_board(board).emulators.renode
        assert target is not None  # plan() gives a board only the emulators it has
        return target.mips * 1e6
    return 1e9 / (1 << TIMING_ICOUNT_SHIFT)


def cycles(run: Run, clock_hz: int, per_second: float = 1e9 / (1 << TIMING_ICOUNT_SHIFT)) -> dict[str, list[int]]:
    """Per-operation cycles from the op timer's ticks (`clock_hz`: the board's `timer_hz`: SysTick at
    the CPU clock on Cortex-M, SYSTIMER at 16 MHz on the ESP32-C3).

    Compare runs every cell under `-icount shift=S` (S = TIMING_ICOUNT_SHIFT): each instruction
    takes 2^S ns of virtual time while the timer counts at its own rate (SysTick at the CPU clock
    on Cortex-M, SYSTIMER at 16 MHz on the ESP32-C3), so an operation's
    instruction count (cycles at one instruction per cycle) is ticks x tick_ns / 2^S, rounded;
    with S=7 a tick is finer than an instruction, so the rounding is exact. On Renode an
    instruction takes 1 / `mips` microseconds, so there a tick is coarser than an instruction
    and the figures are Renode's own (never compared with QEMU's).
    """
    def instructions(ticks: int) -> int:
        # Each reading is converted on its own: the start phase of the SysTick differs between
        # calls, so tick counts vary by one, but the instruction count they stand for does not.
        return round(ticks * per_second / clock_hz)

    base = run.last(TimerBase)
    empty = instructions(base.ticks) if base is not None else 0
    out: dict[str, list[int]] = {"malloc": [], "free": []}
    for batch in run.events(OpTimes):
        if batch.op in out:
            out[batch.op].extend(instructions(ticks) - empty for ticks in batch.samples)
    return out


def _series(run: Run) -> list[dict[str, int | None]]:
    walks = {w.step: w for w in run.events(HeapWalk) if w.step is not None}
    series: list[dict[str, int | None]] = []
    for frag in run.events(Frag):
        walk = walks.get(frag.step)
        series.append({
            "step": frag.step, "free": frag.free, "failures": frag.failures,
            "largest": frag.largest if frag.largest is not None else (walk.largest if walk else None),
            "free_blocks": frag.free_blocks if frag.free_blocks is not None else (walk.free_blocks if walk else None),
        })
    return series


def figures_for(board_clock: Mapping[str, int], group: list[CellResult], firmware: Firmware) -> dict[str, Any]:
    """Every figure of one (board, kernel, scheme) from its cells' runs; absent figures are None."""
    first = group[0].cell
    heap = first.heap
    out: dict[str, Any] = {"board": first.board, "kernel": first.kernel, "scheme": first.scheme,
                           "profile": first.profile, "emulator": first.emulator}
    runs = {c.cell.name: c.run for c in group if c.run is not None and c.outcome == Outcome.DONE.value}
    boot = runs.get("boot")
    if boot is not None:
        def fig(at: str, name: str) -> int | None:
            try:
                value = getattr(boot.heap_at(at), name)
            except KeyError:
                return None
            return value if isinstance(value, int) else None
        out["free_at_boot"] = fig("boot", "free")
        out["free_after_scheduler"] = fig("ready", "free")
        out["min_ever_free"] = fig("ready", "min_ever")
    overhead: dict[str, dict[str, int | None]] = {}
    for size in OVERHEAD_SIZES:
        run = runs.get(f"overhead-size{size}")
        if run is None:
            continue
        taken = run.figure("before", "free") - run.figure("after_alloc", "free")
        rule = allocation_cost(heap, size, run.layout)
        overhead[str(size)] = {"taken": taken, "overhead": taken - size, "rule": rule}
    out["overhead_per_allocation"] = overhead or None
    frag = runs.get("fragmentation")
    if frag is not None:
        series = _series(frag)
        end = series[-1] if series else {}
        measured = cycles(frag, board_clock[first.board], instructions_per_second(first.board, first.emulator))
        out["fragmentation"] = {"workload": dict(STANDARD_WORKLOAD), "failures": end.get("failures"),
                                "largest_free_block_end": end.get("largest"),
                                "free_blocks_end": end.get("free_blocks"), "free_end": end.get("free"),
                                "series": series}
        out["cycles"] = {"malloc": _stats(measured["malloc"]), "free": _stats(measured["free"]),
                         "samples": measured}
    task = runs.get("task")
    cost = task.last(TaskCost) if task is not None else None
    out["task_cost"] = cost.taken if cost is not None else None
    queue = runs.get("queue")
    objects = [o for o in queue.events(ObjectCost) if o.name == "queue"] if queue is not None else []
    out["queue_cost"] = objects[0].taken if objects else None
    from harness.footprint import heap_scheme_size, image_size  # pyelftools: only for the figures

    scheme_size = heap_scheme_size(firmware)
    image = image_size(firmware)
    out["footprint"] = {
        "heap_text": scheme_size.text if scheme_size else None,
        "heap_data": scheme_size.data if scheme_size else None,
        "heap_bss": scheme_size.bss if scheme_size else None,
        "image_flash": image.text + image.data, "image_ram": image.data + image.bss,
    }
    out["cannot"] = cannot(heap)
    return out


def cannot(heap: str) -> list[str]:
    """What the scheme cannot do, as data (FREERTOS-FACTS.md)."""
    if heap == NO_HEAP:
        return ["allocate at run time (no heap scheme linked)"]
    lacks = []
    if not CAN_FREE[heap]:
        lacks.append("free")
    if not COALESCES[heap]:
        lacks.append("coalesce")
    if "min_ever" not in FIGURES[heap]:
        lacks.append("min_ever")
    if "largest" not in FIGURES[heap]:
        lacks.append("heap_stats")
    if heap == "heap_3":
        lacks.append("own_free_counter")
    return lacks


def compare(boards: Sequence[str], kernels: Sequence[str], schemes: Sequence[str] = (*HEAPS, STATIC),
            workloads: Sequence[str] = WORKLOADS, results: Path = Path("results/compare"), jobs: int = 2,
            on_done: Callable[[CellResult], None] | None = None,
            on_build: Callable[[str], None] | None = None, emulators: Sequence[str] | None = None,
            select: Callable[[list[Cell]], list[Cell]] | None = None) -> Comparison:
    """Run the matrix (or the part `select` keeps of its plan: a shard) and gather its figures."""
    cells = plan(boards, kernels, schemes, workloads, emulators)
    if select is not None:
        cells = select(cells)
    done, interrupted, firmware = run_matrix(cells, results, jobs, on_done, on_build)
    from harness.platforms import load_board

    clock = {b: load_board(b).timer_hz for b in boards}
    groups: dict[tuple[str, str, str, str], list[CellResult]] = {}
    for result in done:
        cell = result.cell
        groups.setdefault((cell.board, cell.kernel, cell.scheme, cell.emulator), []).append(result)
    figures = []
    for (board, kernel, scheme, _), group in groups.items():
        figures.append(figures_for(clock, group, firmware[(board, kernel, scheme)]))
    return Comparison(tuple(done), tuple(figures), interrupted)
