"""The scenario catalogue as the harness knows it: names, parameters, ranges, where each applies.

The firmware validates too (it answers an `error` record); checking here first gives the user a
message before anything is built or started. A test boots the firmware, asks it for its own
table (`list`) and compares, so the two cannot drift apart.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from harness.errors import ScenarioError
from harness.variant import HEAPS, NO_HEAP


@dataclass(frozen=True)
class Param:
    name: str
    default: int
    minimum: int
    maximum: int
    doc: str


@dataclass(frozen=True)
class Scenario:
    name: str
    doc: str
    params: tuple[Param, ...] = ()
    heaps: tuple[str, ...] = (*HEAPS, NO_HEAP)
    test_only: bool = False

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


CATALOGUE: tuple[Scenario, ...] = (
    Scenario("heap_report", "every heap figure the linked scheme can give"),
    Scenario(
        "alloc_free",
        "report, allocate `size` bytes and write them, report, free, report (heap_1 cannot free)",
        (Param("size", 1024, 1, 1048576, "bytes to allocate"),),
        heaps=HEAPS,
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
    ),
    Scenario(
        "overflow",
        "the seed's TestTask: a local int b[100] filled in a loop, on a stack of `depth` words",
        (
            Param("depth", 256, 16, 4096, "task stack depth in words"),
            Param("iterations", 50, 1, 100000, "loop iterations before the task ends"),
            Param("guard", 512, 0, 65536, "bytes allocated just below the task to catch the overflow"),
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


def validate(name: str, params: Mapping[str, str | int], heap: str | None = None) -> dict[str, int]:
    """Parameters checked and converted, defaults not filled (the firmware fills and echoes them)."""
    spec = scenario(name)
    if heap is not None and heap not in spec.heaps:
        raise ScenarioError(
            f"scenario '{name}' does not apply to {heap}",
            f"it runs on: {', '.join(spec.heaps)}",
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
