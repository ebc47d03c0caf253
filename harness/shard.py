"""`--shard K/N`: a deterministic part of the comparison's matrix, for CI's parallel jobs.

Figures are computed per variant (board, kernel, scheme) from all of its cells' runs, so a
variant is never split: whole variants are dealt to shards, the largest first, each to the shard
with the fewest cells so far (ties to the lowest index). The deal depends only on the plan, so
every job that names the same matrix agrees on it without talking to the others; the plan's
fingerprint goes into each shard's compare.json so `memharness merge` can refuse shards of
different matrices.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from harness.compare import Cell
from harness.errors import UsageError

T = TypeVar("T")
_FORM = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based, as CI matrices count
    count: int

    @property
    def text(self) -> str:
        return f"{self.index}/{self.count}"


def parse(text: str) -> Shard:
    found = _FORM.match(text)
    if found is None:
        raise UsageError(f"--shard {text!r} is not K/N", "give the shard's number and the count, e.g. --shard 2/3")
    index, count = int(found[1]), int(found[2])
    if not 1 <= index <= count:
        raise UsageError(f"--shard {text}: K must be between 1 and N", f"give 1/{max(count, 1)} .. "
                         f"{max(count, 1)}/{max(count, 1)}")
    return Shard(index, count)


def _variant(cell: Cell) -> tuple[str, str, str, str]:
    return (cell.board, cell.kernel, cell.scheme, cell.emulator)


def owners(sizes: Sequence[tuple[T, int]], count: int) -> dict[T, int]:
    """Groups dealt to `count` parts (0-based), the largest first, each to the part with the
    fewest members so far, ties to the lowest part; equal sizes keep the order given."""
    load = [0] * count
    owner: dict[T, int] = {}
    for group, size in sorted(sizes, key=lambda gs: -gs[1]):  # sorted() is stable: ties keep their order
        owner[group] = min(range(count), key=lambda k: (load[k], k))
        load[owner[group]] += size
    return owner


def deal(cells: Sequence[Cell], count: int) -> list[list[Cell]]:
    """The plan split into `count` parts of whole variants, each in plan order."""
    sizes: dict[tuple[str, str, str, str], int] = {}
    for cell in cells:
        sizes[_variant(cell)] = sizes.get(_variant(cell), 0) + 1
    owner = owners(list(sizes.items()), count)
    parts: list[list[Cell]] = [[] for _ in range(count)]
    for cell in cells:
        parts[owner[_variant(cell)]].append(cell)
    return parts


def select(cells: Sequence[Cell], shard: Shard) -> list[Cell]:
    return deal(cells, shard.count)[shard.index - 1]


def cell_id(cell: Cell) -> list[str]:
    """How compare.json's runs name a cell: board, kernel, scheme, emulator, workload run."""
    return [cell.board, cell.kernel, cell.scheme, cell.emulator, cell.name]


def record(cells: Sequence[Cell], shard: Shard) -> dict[str, Any]:
    """What a shard's compare.json says about it: which part, of which plan (the whole plan's
    cells in order, so merge can put the runs back in the order an unsharded run has)."""
    plan = [cell_id(c) for c in cells]
    digest = hashlib.sha256(json.dumps(plan).encode()).hexdigest()[:16]
    return {"index": shard.index, "count": shard.count, "plan": plan, "fingerprint": digest}
