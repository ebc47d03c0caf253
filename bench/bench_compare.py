"""`memharness compare` cold (empty build cache) against warm, on `--jobs 2`, side by side.

Prints wall times and the ratio; asserts nothing. Each side runs the real command in a fresh
process; the cold side gets an empty build folder of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def compare(build: Path, results: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "harness.cli", "compare", "--jobs", "2", "--results", str(results)],
                   check=True, capture_output=True, env={**os.environ, "MEMHARNESS_BUILD_DIR": str(build)})
    return time.perf_counter() - start


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cold = compare(root / "build", root / "cold")
        warm = compare(root / "build", root / "warm")
    print("memharness compare (mps2-an385, 5 schemes + static, standard workloads, --jobs 2):")
    print(f"  cold (empty build cache) {cold:8.2f} s")
    print(f"  warm (everything cached) {warm:8.2f} s")
    print(f"  ratio cold/warm          {cold / warm:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
