"""Median wall time per end-to-end test, from a real pytest run of the default-board e2e tests.

Reads pytest's own per-test durations (JUnit XML); prints the median and the spread; asserts nothing.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "e2e.xml"
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "2", "tests/e2e/test_heaps.py",
                        "tests/e2e/test_catalogue.py", f"--junitxml={junit}"], check=True, capture_output=True)
        times = [float(case.get("time", "0")) for case in ET.parse(junit).iter("testcase")]
    print(f"end-to-end tests (test_heaps + test_catalogue, -n 2): {len(times)} tests")
    print(f"  median per test  {statistics.median(times) * 1000:8.1f} ms")
    print(f"  90th percentile  {statistics.quantiles(times, n=10)[-1] * 1000:8.1f} ms")
    print(f"  slowest          {max(times) * 1000:8.1f} ms")
    print(f"  ratio slowest/median {max(times) / statistics.median(times):6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
