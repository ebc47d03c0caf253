"""The harness side of the scenario catalogue: where each applies, and parameter rules."""

from __future__ import annotations

import pytest

from harness.errors import ScenarioError
from harness.scenarios import BY_NAME, CATALOGUE, scenario, validate
from harness.variant import HEAPS, NO_HEAP, PROFILES


def test_every_scenario_says_why_it_leaves_a_scheme_or_profile_out() -> None:
    for spec in CATALOGUE:
        everywhere = set(spec.heaps) >= {*HEAPS, NO_HEAP} and tuple(spec.profiles) == PROFILES
        assert everywhere or spec.not_applicable or spec.test_only, spec.name
        for p in spec.params:
            assert p.minimum <= p.default <= p.maximum, (spec.name, p.name)


def test_not_applicable_names_the_reason() -> None:
    with pytest.raises(ScenarioError, match="pvPortCalloc exists only in heap_2, heap_4 and heap_5"):
        validate("calloc", {}, "heap_3", "dynamic")
    with pytest.raises(ScenarioError, match="configSUPPORT_STATIC_ALLOCATION"):
        validate("static_objects", {}, "heap_4", "dynamic")
    assert validate("static_objects", {}, "heap_4", "mixed") == {}
    assert validate("static_objects", {}, NO_HEAP, "static") == {}
    assert validate("kernel_objects", {"length": 4}, "heap_1") == {"length": 4}


def test_rules_between_parameters_use_the_defaults_too() -> None:
    assert scenario("stack_hwm").filled({"use": 64}) == {"depth": 256, "use": 64, "tasks": 3, "depth_step": 64}
    validate("stack_hwm", {"depth": 1024, "use": 512, "tasks": 4})
    with pytest.raises(ScenarioError, match="task 2 would write 1536 bytes on a 384-word stack"):
        validate("stack_hwm", {"use": 512, "tasks": 4})
    with pytest.raises(ScenarioError, match="min_size=9 is above max_size=8"):
        validate("fragmentation", {"min_size": 9, "max_size": 8})


def test_where_it_runs_reads_well() -> None:
    assert BY_NAME["stack_hwm"].where() == "all"
    assert BY_NAME["heap5_regions"].where().startswith("heap_5 (dynamic, mixed); not elsewhere: ")
