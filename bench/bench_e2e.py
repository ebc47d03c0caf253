"""The end-to-end tests: the median test's time, and `make test`'s own wall time.

Runs the default-board e2e tests of test_heaps and test_catalogue under pytest -n 2 and reads
pytest's per-test durations (JUnit XML): target a median of 0.10 s, where the floor is one QEMU
run of the scenario. `make test` is not run here (it takes minutes on a shared machine): it
records its own wall time, set-up excluded, in results/make-test.json each time it passes, and
this prints that record against its 20-minute budget. Asserts nothing.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from side_by_side import judged, load, verdict

RECORD = Path("results") / "make-test.json"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "e2e.xml"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider",
                        "tests/e2e/test_heaps.py", "tests/e2e/test_catalogue.py", f"--junitxml={junit}"],
                       check=True, capture_output=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times = [float(case.get("time", "0")) for case in ET.parse(junit).iter("testcase")]
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    median = statistics.median(times)
    print(f"end-to-end tests (test_heaps + test_catalogue, -n 2): {len(times)} tests, {load()}")
    print(f"  median per test  {median * 1000:8.1f} ms   (wall, from pytest's durations)")
    print(f"  90th percentile  {statistics.quantiles(times, n=10)[-1] * 1000:8.1f} ms")
    print(f"  slowest          {max(times) * 1000:8.1f} ms")
    print(f"  whole session    {wall:8.1f} s wall, {cpu:.1f} s CPU: {cpu / len(times) * 1000:.1f} ms CPU per test")
    judged_ms = cpu / len(times) * 1000 if judged() else median * 1000
    print(f"  {verdict(judged_ms, 100)} ms" + (" (judged on CPU per test: the machine is busier than its cores)"
                                               if judged() else ""))
    if RECORD.is_file():
        record = json.loads(RECORD.read_text())
        minutes = record["wall_time_s"] / 60
        print(f"make test (set-up excluded), recorded {record['finished']} with -n {record['jobs']} on "
              f"{record['cores']} cores: {minutes:.1f} min ({verdict(minutes, 20)} min)")
    else:
        print(f"make test: no record yet ({RECORD} is written when `make test` passes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
