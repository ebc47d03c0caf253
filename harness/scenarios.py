"""The scenario catalogue as the harness knows it: names, parameters, ranges, where each applies.

The firmware validates too (it answers an `error` record); checking here first gives the user a
message before anything is built or started. A test boots the firmware, asks it for its own
table (`list`) and compares, so the two cannot drift apart.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from harness.errors import ScenarioError
from harness.variant import HEAPS, NO_HEAP, PROFILES

Check = Callable[[Mapping[str, int]], str | None]
"""A rule between parameters (all filled in, defaults included): None if it holds, else what is wrong."""


@dataclass(frozen=True)
class Param:
    name: str
    default: int
    minimum: int
    maximum: int
    doc: str


@dataclass(frozen=True)
class Scenario:
    """One scenario of the firmware's table: its parameters and where it applies.

    `heaps` are the heap schemes it runs on (`none` is the static profile's), `profiles` the
    allocation profiles; `not_applicable` says why it leaves the others out (the firmware
    answers them with `error code=not_applicable`). `check` is a rule between parameters that
    the firmware enforces too.
    """

    name: str
    doc: str
    params: tuple[Param, ...] = ()
    heaps: tuple[str, ...] = (*HEAPS, NO_HEAP)
    test_only: bool = False
    profiles: tuple[str, ...] = PROFILES
    not_applicable: str = ""
    check: Check | None = None

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def applies(self, heap: str, profile: str | None = None) -> bool:
        """True if the scenario runs on this heap scheme (and profile, when given)."""
        return heap in self.heaps and (profile is None or profile in self.profiles)

    def where(self) -> str:
        """Where it runs, for listings: "all", or the schemes, then the profiles if not all."""
        schemes = "all" if set(self.heaps) >= {*HEAPS, NO_HEAP} else ", ".join(self.heaps)
        if tuple(self.profiles) != PROFILES:
            schemes += f" ({', '.join(self.profiles)})"
        return schemes + (f"; not elsewhere: {self.not_applicable}" if self.not_applicable else "")

    def filled(self, given: Mapping[str, int]) -> dict[str, int]:
        """Every parameter's value: the given ones, defaults for the rest (as the firmware fills them)."""
        return {p.name: int(given.get(p.name, p.default)) for p in self.params}


def _stack_hwm_check(values: Mapping[str, int]) -> str | None:
    for k in range(values["tasks"]):
        depth = values["depth"] + k * values["depth_step"]
        use = values["use"] * (k + 1)
        if use + STACK_HWM_MARGIN > depth * 4:
            return (
                f"task {k} would write {use} bytes on a {depth}-word stack: keep use * (k + 1) + "
                f"{STACK_HWM_MARGIN} <= (depth + k * depth_step) * 4 for every task k"
            )
    return None


def _fragmentation_check(values: Mapping[str, int]) -> str | None:
    if values["min_size"] > values["max_size"]:
        return f"min_size={values['min_size']} is above max_size={values['max_size']}"
    return None


STACK_HWM_MARGIN = 256  # stackhwmMARGIN_BYTES: frames, the saved context and the canary
DYNAMIC = ("dynamic", "mixed")
STATIC = ("static", "mixed")
CALLOC_HEAPS = ("heap_2", "heap_4", "heap_5")  # FREERTOS-FACTS.md: pvPortCalloc per scheme
FREEING_HEAPS = ("heap_2", "heap_3", "heap_4", "heap_5")


CATALOGUE: tuple[Scenario, ...] = (
    Scenario("heap_report", "every heap figure the linked scheme can give"),
    Scenario(
        "alloc_free",
        "report, allocate `size` bytes and write them, report, free, report (heap_1 cannot free)",
        (Param("size", 1024, 1, 1048576, "bytes to allocate"),),
        heaps=HEAPS,
        profiles=DYNAMIC,
        not_applicable="the static profile has no heap",
    ),
    Scenario(
        "leak",
        "the seed's loop that forgets vPortFree, until pvPortMalloc returns NULL",
        (
            Param("size", 4096, 1, 1048576, "bytes per leaked allocation"),
            Param("iterations", 0, 0, 100000, "stop after this many (0: until NULL)"),
            Param("delay_ms", 0, 0, 10000, "vTaskDelay between allocations"),
            Param("check_null", 1, 0, 1, "1: print 'Not enough heap.' and finish at NULL"),
        ),
        heaps=HEAPS,
        profiles=DYNAMIC,
        not_applicable="the static profile has no heap",
    ),
    Scenario(
        "overflow",
        "the seed's TestTask: a local int b[100] filled in a loop, on a stack of `depth` words",
        (
            Param("depth", 256, 16, 4096, "task stack depth in words"),
            Param("iterations", 50, 1, 100000, "loop iterations before the task ends"),
            Param("guard", 512, 0, 65536, "bytes allocated just below the task to catch the overflow"),
            Param("smash", 0, 0, 4096, "write this far below the stack, over a neighbour's TCB, no switch: HardFault"),
            Param("restart", 0, 0, 1, "1: restart the task at every boot (a reset loop)"),
        ),
    ),
    Scenario(
        "heap5_early",
        "test-only: reboot so that heap_5 allocates before its regions are defined (asserts)",
        heaps=("heap_5",),
        test_only=True,
    ),
    Scenario(
        "fault_inject",
        "test-only: 0 assert, 1 HardFault, 2 hang, 3 UART flood, 4 never finish",
        (Param("kind", 0, 0, 4, "what goes wrong"),),
        test_only=True,
    ),
    Scenario(
        "stack_hwm",
        "tasks of chosen depths write chosen stack amounts; high-water marks before/after, and the "
        "suspended stack's bounds so the harness counts its 0xa5 fill from outside",
        (
            Param("depth", 256, 64, 1024, "stack depth of the first task, in words"),
            Param("use", 128, 0, 2048, "bytes task k writes on its stack, times k + 1"),
            Param("tasks", 3, 1, 4, "how many tasks"),
            Param("depth_step", 64, 0, 256, "words added to each next task's depth"),
        ),
        check=_stack_hwm_check,
    ),
    Scenario(
        "task_overhead",
        "what a task costs: heap taken by xTaskCreate (stack + TCB + headers), the stack an "
        "idle-looping task touches, and (try_depth) whether a depth runs without tripping the check",
        (
            Param("depth", 256, 64, 1024, "depth of the measured task, in words"),
            Param("loops", 10, 1, 1000, "vTaskDelay(1) loops (context switches) each task runs"),
            Param("try_depth", 0, 0, 1024, "also run an empty task of this depth (0: no trial)"),
            Param("fpu", 0, 0, 1, "1: the tasks do float arithmetic (an FPU board then saves the extended frame)"),
            Param("sync", 0, 0, 1, "1: wait for the harness (`go`) after the quiescent stack record"),
        ),
    ),
    Scenario(
        "kernel_objects",
        "free heap taken and given back by a queue, semaphores, a mutex, an event group, a timer, "
        "a stream and a message buffer",
        (
            Param("length", 8, 1, 256, "queue length"),
            Param("item_size", 16, 1, 1024, "queue item size in bytes"),
            Param("stream_size", 256, 1, 4096, "stream/message buffer size in bytes"),
            Param("count_max", 5, 1, 100, "counting semaphore's maximum count"),
        ),
        heaps=HEAPS,
        profiles=DYNAMIC,
        not_applicable="the static profile has no heap to take from: see static_objects",
    ),
    Scenario(
        "fragmentation",
        "a seeded pseudo-random alloc/free workload; free, largest free block and failures every N steps",
        (
            Param("seed", 1, 1, 0xFFFFFFFF, "xorshift32 seed"),
            Param("steps", 2000, 1, 100000, "alloc/free steps"),
            Param("min_size", 16, 1, 8192, "smallest block in bytes"),
            Param("max_size", 1024, 1, 8192, "largest block in bytes"),
            Param("slots", 32, 1, 64, "live blocks at most"),
            Param("every", 100, 1, 100000, "report every this many steps"),
            Param("sync", 0, 0, 1, "1: wait for the harness after each report (it walks the heap from RAM)"),
            Param("timing", 0, 0, 1, "1: time each pvPortMalloc/vPortFree with SysTick (op_times records)"),
        ),
        heaps=FREEING_HEAPS,
        profiles=DYNAMIC,
        not_applicable="heap_1 cannot free, so nothing fragments; the static profile has no heap",
        check=_fragmentation_check,
    ),
    Scenario(
        "heap1_no_free",
        "allocate and give back, cycle after cycle: on heap_1 the free figure only falls "
        "(call_free=1: heap_1's vPortFree asserts)",
        (
            Param("size", 256, 1, 65536, "bytes per cycle"),
            Param("cycles", 8, 1, 1000, "alloc/free cycles"),
            Param("call_free", 0, 0, 1, "heap_1: call vPortFree anyway (it asserts)"),
        ),
        heaps=HEAPS,
        profiles=DYNAMIC,
        not_applicable="the static profile has no heap",
    ),
    Scenario(
        "malloc_failed",
        "exhaust the heap: NULLs, one hook call each, scheduling goes on; min-ever and its reset",
        (
            Param("size", 1024, 4, 65536, "bytes per allocation"),
            Param("failures", 3, 1, 100, "NULLs to collect"),
        ),
        heaps=HEAPS,
        profiles=DYNAMIC,
        not_applicable="the static profile has no heap",
    ),
    Scenario(
        "heap5_regions",
        "blocks until NULL, each reported, to show them landing in every heap_5 region",
        (Param("size", 2048, 4, 65536, "bytes per allocation"),),
        heaps=("heap_5",),
        profiles=DYNAMIC,
        not_applicable="only heap_5 spreads its heap over regions",
    ),
    Scenario(
        "calloc",
        "pvPortCalloc zeroes (over dirtied memory) and costs what pvPortMalloc(count * size) costs",
        (
            Param("count", 16, 1, 4096, "elements"),
            Param("size", 64, 1, 4096, "bytes per element"),
        ),
        heaps=CALLOC_HEAPS,
        profiles=DYNAMIC,
        not_applicable="pvPortCalloc exists only in heap_2, heap_4 and heap_5",
    ),
    Scenario(
        "static_objects",
        "a task, queue, semaphores, mutex, event group, timer and stream buffer from the ...Static "
        "APIs, a workload through them; in mixed, the same task from the heap to compare",
        (
            Param("depth", 128, 64, 512, "task stack depth in words"),
            Param("length", 4, 1, 16, "queue length (and counting semaphore maximum)"),
            Param("item_size", 8, 1, 64, "queue item size in bytes"),
            Param("stream_size", 64, 1, 256, "bytes through the stream buffer"),
        ),
        profiles=STATIC,
        not_applicable="needs configSUPPORT_STATIC_ALLOCATION: profiles static and mixed",
    ),
    Scenario(
        "seed_task",
        "the seed's task: b[100], high-water mark, free heap around pvPortMalloc(1024 * sizeof(int)); "
        "version 1 the leak, 2 the leak with the NULL check, 3 the fix with vPortFree",
        (
            Param("version", 3, 1, 3, "1 leak, 2 leak + NULL check, 3 fixed"),
            Param("depth", 256, 128, 2048, "TestTask's stack depth in words"),
            Param("delay_ms", 100, 0, 1000, "vTaskDelay per loop (the seed: 100 ms)"),
            Param("loops", 10, 1, 1000, "loops before the task stops"),
        ),
        heaps=HEAPS,
        profiles=DYNAMIC,
        not_applicable="the seed allocates with pvPortMalloc: the static profile has no heap",
    ),
)

BY_NAME: dict[str, Scenario] = {s.name: s for s in CATALOGUE}


def scenario(name: str) -> Scenario:
    found = BY_NAME.get(name)
    if found is None:
        near = difflib.get_close_matches(name, list(BY_NAME), n=1)
        hint = f" Did you mean '{near[0]}'?" if near else ""
        raise ScenarioError(
            f"unknown scenario '{name}'.{hint}",
            f"use one of: {', '.join(BY_NAME)} (`memharness scenarios` lists them)",
        )
    return found


def _number(text: str) -> int | None:
    try:
        return int(text, 0)
    except ValueError:
        return None


def validate(
    name: str, params: Mapping[str, str | int], heap: str | None = None, profile: str | None = None
) -> dict[str, int]:
    """Parameters checked and converted, defaults not filled (the firmware fills and echoes them)."""
    spec = scenario(name)
    if heap is not None and not spec.applies(heap, profile):
        where = heap if profile is None else f"{heap} ({profile} profile)"
        why = f" ({spec.not_applicable})" if spec.not_applicable else ""
        raise ScenarioError(
            f"scenario '{name}' does not apply to {where}{why}",
            f"it runs on: {', '.join(spec.heaps)}; profiles: {', '.join(spec.profiles)}",
        )
    out: dict[str, int] = {}
    for key, raw in params.items():
        param = spec.param(key)
        if param is None:
            known = ", ".join(p.name for p in spec.params) or "none"
            raise ScenarioError(
                f"scenario '{name}' has no parameter '{key}'",
                f"its parameters are: {known}",
            )
        value = raw if isinstance(raw, int) else _number(raw)
        if value is None:
            raise ScenarioError(f"{name}: {key}={raw!r} is not a number", "give a decimal or 0x hex integer")
        if not param.minimum <= value <= param.maximum:
            raise ScenarioError(
                f"{name}: {key}={value} is out of range",
                f"choose {param.minimum} <= {key} <= {param.maximum}",
            )
        out[key] = value
    if spec.check is not None:
        broken = spec.check(spec.filled(out))
        if broken:
            raise ScenarioError(f"{name}: {broken}", "change the parameters so the rule holds")
    return out


def parse_assignments(items: list[str]) -> dict[str, str]:
    """`key=value` words from the command line."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise ScenarioError(f"'{item}' is not key=value", "write scenario parameters as key=value")
        if key in out:
            raise ScenarioError(f"parameter '{key}' given twice")
        out[key] = value
    return out
