"""The standard workloads `compare` runs on every heap scheme, and what each one means as runs.

Apart from harness.compare so that the command line can offer `--workload` without importing
the comparison machinery (`import harness.cli` stays light; tests/unit/test_lazy_imports.py).
"""

from __future__ import annotations

STATIC = "static"  # the static profile's column in the comparison (it links no heap scheme)
OVERHEAD_SIZES = (1, 100, 1000)
STANDARD_WORKLOAD: dict[str, int] = {"seed": 1, "steps": 2000, "min_size": 16, "max_size": 1024,
                                     "slots": 32, "every": 50, "timing": 1}
WORKLOADS = ("boot", "fragmentation", "overhead", "task", "queue")


def workload_runs(workload: str) -> list[tuple[str, dict[str, int]]]:
    """The (scenario, parameters) runs one workload is made of."""
    if workload == "boot":
        return [("heap_report", {})]
    if workload == "fragmentation":
        return [("fragmentation", dict(STANDARD_WORKLOAD))]
    if workload == "overhead":
        return [("alloc_free", {"size": size}) for size in OVERHEAD_SIZES]
    if workload == "task":
        return [("task_overhead", {})]
    if workload == "queue":
        return [("kernel_objects", {})]
    raise ValueError(workload)
