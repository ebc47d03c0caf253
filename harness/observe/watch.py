"""The loop of an image run: UART lines in, gdb stops, snapshots, faults, resets and hangs.

One `Watcher` owns the gdb connection of one run and turns what it sees into timeline entries
(`harness.events`) and snapshots; `target.run_image` sets it up and tears it down. Stops the host
asks for (gdb's interrupt: a UART line point, a look at the tick count, a hang check) cost the image
nothing; a breakpoint stop ends the image's current tick early (see `ticks.py`), so breakpoints are
only where a point or a fault needs them.

How tick points are reached (`TickMode`): "arm" looks from the host and puts the breakpoint in at
N (`ticks.py`; late under load); "look" never stops the image at a tick, a point is taken at the
first look at or past N (a QEMU run being recorded: the exact points come from its replay);
"break" stops at every tick (a replay, where stops change nothing).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Literal

from harness.emulators.base import Session
from harness.events import Boot, Event, Stack, Text, harness_event
from harness.observe.faults import (
    MALLOC_FAILED_HOOK,
    STACK_OVERFLOW_HOOK,
    Caught,
    assert_function,
    decode_fault,
    decode_hook,
    fault_handlers,
)
from harness.observe.gdbstub import SIGTRAP, GdbRemote
from harness.observe.heap_state import HeapRegionInfo
from harness.observe.image import KernelImage
from harness.observe.plan import Plan
from harness.observe.snapshot import Snapshot, When, take_snapshot
from harness.observe.task_state import current_task
from harness.observe.ticks import MIN_LOOK, TickApproach
from harness.platforms import Board
from harness.run import RESET_LOOP_BOOTS, Outcome

POLL = 0.0005  # seconds to wait for a stop before looking at the UART again
UART_SETTLE = 0.02  # seconds for UART bytes already sent to reach the log
TICK_FUNCTION = "xTaskIncrementTick"
HEAP5_REGIONS = "vPortDefineHeapRegions"
END = "end"
RECORD_MARGIN = 2  # ticks a record runs past its last point: a replay stops a little short of its record's end

TickMode = Literal["arm", "look", "break"]


class UsageProblem(Exception):
    """The plan asks for something the image does not have (run_image turns it into a UsageError)."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message, self.fix = message, fix


def check_plan(image: KernelImage, plan: Plan) -> None:
    """Refuse, before anything starts, a plan the image cannot serve."""
    if plan.tick_points() and (image.function(TICK_FUNCTION) is None or image.kernel("xTickCount") is None):
        raise UsageProblem("the image has no xTaskIncrementTick/xTickCount to count ticks by",
                           "snapshot at a function's call or a UART line instead")
    names = [f for f, _ in plan.at_hits] + ([plan.end_hit[0]] if plan.end_hit else [])
    for name in names:
        if image.function(name) is None:
            raise UsageProblem(f"the image has no function {name} (or the compiler inlined it)",
                               "name a function the image has (see arm-none-eabi-nm), or mark it noinline")


@dataclass
class WatchState:
    entries: list[Event | Text] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)
    regions: tuple[HeapRegionInfo, ...] = ()
    boots: int = 0
    resets: int = 0
    malloc_failures: int = 0
    hits: dict[str, int] = field(default_factory=dict)
    last_tick: int = -1
    last_progress: float = 0.0


def _boot_event(board: Board, image: KernelImage, boot: int, reset: str) -> Boot:
    return harness_event(
        Boot, proto=0, board=board.name, heap=image.heap, profile="image", kernel="unknown", heap_size=0,
        overflow_check=-1, boot=boot, reset=reset, cpu=board.cpu,
    )


def _u32(data: bytes) -> int:
    return int.from_bytes(data[:4], "little")


def snapshot_events(snap: Snapshot) -> list[Event]:
    """A snapshot as timeline events: one `heap` and a `stack` per task, labelled with the snapshot."""
    events: list[Event] = [snap.heap.to_event(snap.label)]
    for task in snap.tasks:
        depth = None if task.stack_size is None else task.stack_size // 4
        events.append(harness_event(
            Stack, task=task.name, hwm_words=task.hwm_words, hwm_bytes=task.hwm_bytes, depth_words=depth,
            stack_base=task.stack_base, at=snap.label, used_bytes=task.used_bytes,
        ))
    return events


class Watcher:
    """One image run's loop, until the run ends; `state` holds what it saw."""

    def __init__(
        self, image: KernelImage, board: Board, session: Session, gdb: GdbRemote, plan: Plan,
        assert_symbol: str | None, hang_seconds: float, max_resets: int, tick_mode: TickMode = "arm",
    ) -> None:
        self.image, self.board, self.session, self.gdb, self.plan = image, board, session, gdb, plan
        self.tick_mode = tick_mode
        self.hang_seconds, self.max_resets = hang_seconds, max_resets
        self.state = WatchState(last_progress=time.monotonic())
        self.ticks = TickApproach(plan.tick_points())
        self.handlers = fault_handlers(image)
        self.assert_at = assert_function(image, assert_symbol)
        self.reset_at = image.vectors[1] & ~1 if len(image.vectors) > 1 else None
        self.tick_at = image.function(TICK_FUNCTION)
        self.tick_count = image.kernel("xTickCount")
        self.suspended = image.kernel("uxSchedulerSuspended")
        self.hit_functions: dict[int, str] = {}
        self.hooks: set[int] = set()
        self.regions_at = image.function(HEAP5_REGIONS) if image.heap == "heap_5" else None

    # --- set-up -----------------------------------------------------------------------------
    def arm(self) -> None:
        image = self.image
        check_plan(image, self.plan)
        # Recording ("look"), only stops that end the run or come before the tick starts: every
        # breakpoint stop there moves the clock on, so a step over one meets a pending tick
        # interrupt again and again. Function hits and malloc failures are the replay's to see.
        recording = self.tick_mode == "look"
        for name in (STACK_OVERFLOW_HOOK,) if recording else (STACK_OVERFLOW_HOOK, MALLOC_FAILED_HOOK):
            hook = image.function(name)
            if hook is not None:
                self.hooks.add(hook)
        if self.assert_at is not None:
            self.hooks.add(self.assert_at)
        names = [f for f, _ in self.plan.at_hits] + ([self.plan.end_hit[0]] if self.plan.end_hit else [])
        for name in [] if recording else names:
            start = image.function(name)
            if start is not None:
                self.hit_functions[start] = name
        wanted = {*self.handlers, *self.hooks, *self.hit_functions}
        wanted |= {a for a in (self.reset_at, self.regions_at) if a is not None}
        if self.tick_mode == "break" and self.ticks.points and self.tick_at is not None:
            wanted.add(self.tick_at)
            self.ticks.armed = True
        for address in sorted(wanted):
            self.gdb.set_breakpoint(address)

    # --- evidence ---------------------------------------------------------------------------
    def add(self, entry: Event | Text) -> None:
        self.state.entries.append(dataclasses.replace(entry, line=len(self.state.entries) + 1))

    def drain_uart(self) -> str | None:
        """Take every UART line waiting; END if the end line came, else a snapshot line if one did."""
        hit = None
        while True:
            line = self.session.read_line(0)
            if line is None:
                return hit
            self.add(Text(line, 0))
            if self.plan.end_line and self.plan.end_line in line:
                return END
            if hit is None and any(text in line for text in self.plan.at_lines):
                hit = line

    def snapshot(self, label: str, how: When, on_time: bool = True) -> Snapshot:
        snap = take_snapshot(
            self.image, self.gdb.read_memory, label=label, how=how, regions=self.state.regions, on_time=on_time,
        )
        self.state.snapshots.append(snap)
        for event in snapshot_events(snap):
            self.add(event)
        return snap

    def read_tick(self) -> int:
        return _u32(self.gdb.read_memory(self.tick_count, 4)) if self.tick_count is not None else -1

    # --- the loop ---------------------------------------------------------------------------
    def pause(self) -> tuple[bool, tuple[Outcome, str] | None]:
        """Stop the target from the host. (True, None) when our interrupt stopped it; (False, how
        the run ended or None) when a breakpoint had stopped it first: that stop is handled here,
        so no hit is lost, and the caller's look is off."""
        stop = self.gdb.interrupt()
        if stop.signal == SIGTRAP:
            return False, self.at_stop()
        return True, None

    def go_on(self) -> None:
        """Resume after our own interrupt: a breakpoint at the PC has not fired yet and must."""
        self.gdb.resume(step_over=False)

    def watch(self, deadline: float) -> tuple[Outcome, str]:
        self.state.boots = 1
        self.add(_boot_event(self.board, self.image, 1, "power_on"))
        self.gdb.resume()
        while True:
            line = self.drain_uart()
            if line is not None:
                paused, ended = self.pause()
                while not paused and ended is None:  # a breakpoint stop came first and was handled
                    paused, ended = self.pause()
                if ended is not None:
                    return ended
                if line == END:
                    return self.finish(Outcome.DONE, f"line {self.plan.end_line!r}", When.LINE)
                self.snapshot(f"line {len(self.state.entries)}", When.LINE)
                if paused:
                    self.go_on()
            stop = self.gdb.wait_stop(POLL)
            if stop is not None:
                ended = self.at_stop()
                if ended is not None:
                    return ended
                continue
            now = time.monotonic()
            if now > deadline:
                paused, ended = self.pause()
                while not paused and ended is None:  # a breakpoint stop came first and was handled
                    paused, ended = self.pause()
                if ended is not None:
                    return ended
                self.drain_uart()
                return self.finish(Outcome.TIMEOUT, "the deadline passed", When.END, on_time=False)
            ended = None
            if now - self.state.last_progress > self.hang_seconds:
                ended = self.look_for_hang(now)
            elif self.ticks.due(now):
                ended = self.look_at_ticks(now)
            if ended is not None:
                return ended

    def look_for_hang(self, now: float) -> tuple[Outcome, str] | None:
        paused, ended = self.pause()
        if not paused:
            return ended
        tick = self.read_tick()
        if tick == self.state.last_tick:
            return self.finish(
                Outcome.TIMEOUT, f"hang: the tick count stayed at {tick} for {self.hang_seconds:g} s",
                When.END, on_time=False,
            )
        self.state.last_tick, self.state.last_progress = tick, now
        self.go_on()
        return None

    def look_at_ticks(self, now: float) -> tuple[Outcome, str] | None:
        """A host-timed look at the tick count (no perturbation); arm the breakpoint at N."""
        paused, ended = self.pause()
        if not paused:
            return ended
        tick = self.read_tick()
        if tick != self.state.last_tick:
            self.state.last_tick, self.state.last_progress = tick, now
        decision = self.ticks.observe(tick, now)
        if self.tick_mode == "look":  # well past N, so the record holds tick N's entry: the replay takes it
            decision = "late" if tick > (self.ticks.target or 0) + RECORD_MARGIN else "wait"
            self.ticks.next_look = min(self.ticks.next_look, now + MIN_LOOK) if decision == "wait" else now
        if decision == "arm":
            assert self.tick_at is not None
            self.gdb.set_breakpoint(self.tick_at)
            self.ticks.armed = True
        elif decision == "late":
            ended = self.tick_point(tick, on_time=False)
            if ended is not None:
                return ended
        self.go_on()
        return None

    def tick_point(self, tick: int, on_time: bool = True) -> tuple[Outcome, str] | None:
        point = self.ticks.reached(time.monotonic())
        if self.tick_mode == "break" and self.ticks.points:
            self.ticks.armed = True  # stays in: every tick is looked at
        elif self.tick_at is not None and (self.tick_mode == "break" or on_time):
            self.gdb.remove_breakpoint(self.tick_at)
        if self.plan.end_ticks is not None and point >= self.plan.end_ticks:
            return self.finish(Outcome.DONE, f"ticks={self.plan.end_ticks}", When.END, on_time=on_time)
        label = f"tick {point}"
        self.snapshot(label, When.TICKS, on_time=on_time)
        return None

    def at_stop(self) -> tuple[Outcome, str] | None:
        """A breakpoint stopped the target: handle it, then go on past it unless the run ended."""
        regs = self.gdb.registers()
        pc = regs[15]
        if self.drain_uart() == END:  # the end line came while the target ran to this stop
            return self.finish(Outcome.DONE, f"line {self.plan.end_line!r}", When.LINE)
        ended: tuple[Outcome, str] | None = None
        if pc == self.reset_at:
            ended = self.on_reset()
        elif pc in self.handlers:
            running = current_task(self.image, self.gdb.read_memory)
            caught = decode_fault(self.image, self.gdb.read_memory, regs, running)
            ended = self.on_caught(caught) if caught is not None else None
        elif pc in self.hooks:
            caught = decode_hook(self.image, self.gdb.read_memory, pc, regs, self.assert_at)
            if caught is not None and caught.fatal:
                ended = self.on_caught(caught)
            elif caught is not None:
                self.state.malloc_failures += 1
                self.add(caught.event)
        elif pc == self.regions_at:
            self.read_regions(regs[0])
        elif pc == self.tick_at and self.ticks.armed:
            suspended = _u32(self.gdb.read_memory(self.suspended, 4)) if self.suspended is not None else 0
            tick = self.read_tick()
            due = self.tick_mode != "break" or tick >= (self.ticks.target or 0)
            if due and not suspended:  # suspended: a heap or list operation may be half done; the next tick
                ended = self.tick_point(tick)
        if ended is None and pc in self.hit_functions:
            ended = self.on_hit(self.hit_functions[pc])
            shared = pc in self.hooks or pc in self.handlers
            if ended is None and not shared and self.hits_done(self.hit_functions[pc]):
                del self.hit_functions[pc]  # every stop costs the image time: none that is not needed
                self.gdb.remove_breakpoint(pc)
        if ended is None:
            self.gdb.resume(pc)
        return ended

    def hits_done(self, name: str) -> bool:
        """Whether no point or end still waits for a later call of `name`."""
        wanted = [n for f, n in self.plan.at_hits if f == name]
        wanted += [self.plan.end_hit[1]] if self.plan.end_hit and self.plan.end_hit[0] == name else []
        return self.state.hits.get(name, 0) >= max(wanted, default=0)

    def on_hit(self, name: str) -> tuple[Outcome, str] | None:
        count = self.state.hits.get(name, 0) + 1
        self.state.hits[name] = count
        if (name, count) in self.plan.at_hits:
            self.snapshot(f"{name}#{count}", When.HIT)
        if self.plan.end_hit == (name, count):
            return self.finish(Outcome.DONE, f"{name} called {count} time(s)", When.END)
        return None

    def on_reset(self) -> tuple[Outcome, str] | None:
        self.state.boots += 1
        self.state.resets += 1
        self.add(_boot_event(self.board, self.image, self.state.boots, "external"))
        if self.state.boots >= RESET_LOOP_BOOTS:
            return Outcome.RESET, "reset_loop"
        if self.state.resets > self.max_resets:
            return Outcome.RESET, "external"
        return None

    def on_caught(self, caught: Caught) -> tuple[Outcome, str]:
        time.sleep(UART_SETTLE)  # what the image printed before it failed is still on its way
        self.drain_uart()
        self.add(caught.event)
        self.add(Text(f"memharness: caught from outside: {caught.where}", 0))
        kind = caught.event.kind if caught.event.kind != "fault" else str(caught.event.fields["fault"])
        self.snapshot(kind, When.FAULT)
        return Outcome.RESET, kind

    def read_regions(self, array: int) -> None:
        """heap_5's regions, from vPortDefineHeapRegions's argument (ended by a zero size)."""
        lay = self.image.layouts.heap_region
        if lay is None:
            return
        found = []
        for index in range(16):
            raw = self.gdb.read_memory(array + index * lay.size, lay.size)
            size = _u32(raw[lay.offset("xSizeInBytes") :])
            if size == 0:
                break
            found.append(HeapRegionInfo(_u32(raw[lay.offset("pucStartAddress") :]), size))
        self.state.regions = tuple(found)

    def finish(self, outcome: Outcome, reason: str, how: When, on_time: bool = True) -> tuple[Outcome, str]:
        if self.plan.snapshot_at_end:
            self.snapshot(END, how, on_time=on_time)
        return outcome, reason
