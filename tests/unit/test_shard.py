"""--shard K/N: a deterministic deal of whole variants, every cell in exactly one shard."""

from __future__ import annotations

import pytest

from harness.compare import plan
from harness.errors import UsageError
from harness.shard import Shard, deal, parse, record, select
from harness.variant import HEAPS
from harness.workloads import STATIC, WORKLOADS

BOARDS = ["mps2-an385", "mps2-an505"]
PLAN = plan(BOARDS, ["V11.3.0", "V11.1.0"], [*HEAPS, STATIC], WORKLOADS)


@pytest.mark.parametrize("count", [1, 2, 3, 5, 30])
def test_every_cell_is_in_exactly_one_shard_and_no_variant_is_split(count: int) -> None:
    parts = deal(PLAN, count)
    assert len(parts) == count
    assert sorted(map(id, (c for part in parts for c in part))) == sorted(map(id, PLAN))
    owners: dict[tuple[str, str, str], set[int]] = {}
    for i, part in enumerate(parts):
        assert part == [c for c in PLAN if c in part]  # plan order kept within a shard
        for c in part:
            owners.setdefault((c.board, c.kernel, c.scheme), set()).add(i)
    assert all(len(o) == 1 for o in owners.values())


def test_the_deal_is_deterministic_and_balanced() -> None:
    assert deal(PLAN, 3) == deal(list(PLAN), 3)
    sizes = [len(part) for part in deal(PLAN, 3)]
    assert max(sizes) - min(sizes) <= max(sum(1 for c in PLAN if c.scheme == s) for s in HEAPS) // 4 + 1, sizes
    assert select(PLAN, Shard(2, 3)) == deal(PLAN, 3)[1]


def test_the_record_names_the_plan_so_merge_can_check_it() -> None:
    one, two = record(PLAN, Shard(1, 3)), record(PLAN, Shard(3, 3))
    assert one["fingerprint"] == two["fingerprint"] and len(one["plan"]) == len(PLAN)
    assert record(PLAN[:-1], Shard(1, 3))["fingerprint"] != one["fingerprint"]


@pytest.mark.parametrize(("text", "said"), [("2", "is not K/N"), ("0/3", "between 1 and N"),
                                            ("4/3", "between 1 and N"), ("a/b", "is not K/N")])
def test_a_wrong_shard_is_a_usage_error(text: str, said: str) -> None:
    with pytest.raises(UsageError, match=said):
        parse(text)
    assert parse(" 2 / 3 ") == Shard(2, 3)
