"""The end-to-end tests: the median test's time, and `make test`'s own wall time.

Runs the default-board e2e tests of test_heaps and test_catalogue and reads pytest's per-test
durations (JUnit XML): one at a time, a test's own time, judged against a median of 0.10 s (the
floor is one QEMU run of the scenario); then under -n 2 as `make test` runs them, where two tests
and their QEMUs share the 2 cores, printed beside it. `make test` is not run here (it takes
minutes on a shared machine): it records its own wall time, set-up excluded, in
results/make-test.json each time it passes, and this prints that record against its 20-minute
budget. Asserts nothing.
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

from side_by_side import load, verdict

RECORD = Path("results") / "make-test.json"
SUITES = ("tests/e2e/test_heaps.py", "tests/e2e/test_catalogue.py")


def session(workers: str, junit: Path) -> tuple[list[float], float, float]:
    """Run the two suites with `-n workers`: each test's wall time (pytest's durations), and the
    session's wall and CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", workers, "-p", "no:cacheprovider", *SUITES,
                    f"--junitxml={junit}"], check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    times = [float(case.get("time", "0")) for case in ET.parse(junit).iter("testcase")]
    return times, wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        alone, alone_wall, _ = session("0", Path(tmp) / "serial.xml")
        paired, wall, cpu = session("2", Path(tmp) / "parallel.xml")
    median = statistics.median(alone)
    print(f"end-to-end tests (test_heaps + test_catalogue): {len(alone)} tests, {load()}")
    print(f"  one at a time     median {median * 1000:7.1f} ms, 90th percentile "
          f"{statistics.quantiles(alone, n=10)[-1] * 1000:7.1f} ms, slowest {max(alone) * 1000:7.1f} ms; "
          f"session {alone_wall:.1f} s")
    print(f"  -n 2 (make test)  median {statistics.median(paired) * 1000:7.1f} ms (two tests share the 2 cores, "
          f"each with its QEMU); session {wall:.1f} s wall, {cpu:.1f} s CPU")
    print(f"  median test, one at a time: {verdict(median * 1000, 100)} ms (its floor: one QEMU run of a "
          "scenario, of which QEMU's own start is ~40 ms)")
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
