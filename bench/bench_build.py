"""Building the five heap variants against building one, from an empty cache, side by side.

The kernel's objects are shared by the five variants, so five should cost far less than five
times one. Prints wall times and the ratio; asserts nothing.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from harness.build import build
from harness.kernel import resolve_kernel
from harness.platforms import load_board
from harness.variant import HEAPS, make_variant


def timed(heaps: tuple[str, ...]) -> float:
    board, kernel = load_board("mps2-an385"), resolve_kernel()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MEMHARNESS_BUILD_DIR"] = tmp
        start = time.perf_counter()
        for heap in heaps:
            build(make_variant(board, kernel, heap=heap), Path(tmp))
        return time.perf_counter() - start


def main() -> int:
    one = timed(("heap_4",))
    five = timed(HEAPS)
    print("building firmware from an empty cache (mps2-an385, V11.3.0):")
    print(f"  one variant (heap_4)   {one:8.2f} s")
    print(f"  five heap variants     {five:8.2f} s")
    print(f"  ratio five/one         {five / one:8.2f}   (5.00 if nothing were shared)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
