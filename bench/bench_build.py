"""Building the five heap variants against building one, each from an empty cache, side by side.

Only heap_figures.c and heap_N.c see the heap scheme, so five variants cost one build plus four
times two small compiles and a link: target 1.5x one variant (5.00 if nothing were shared).
Rounds alternate the two sides, each in an empty build folder of its own. Prints; asserts nothing.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from side_by_side import interleave, judged, load, rounds, verdict

from harness.build import build
from harness.kernel import resolve_kernel
from harness.platforms import load_board
from harness.variant import HEAPS, make_variant


def from_empty(heaps: tuple[str, ...]) -> Callable[[], None]:
    board, kernel = load_board("mps2-an385"), resolve_kernel()

    def side() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            for heap in heaps:
                build(make_variant(board, kernel, heap=heap), Path(tmp))

    return side


def main() -> int:
    count = rounds(4)  # even: the odd and even halves have as many rounds each
    sides = interleave({"one": from_empty(("heap_4",)), "five": from_empty(HEAPS)}, count)
    wall, cpu = sides.ratio("five", "one"), sides.ratio("five", "one", cpu=True)
    value = cpu[0] if judged() else wall[0]
    print(f"building firmware from an empty cache (mps2-an385, V11.3.0), {count} interleaved rounds, {load()}:")
    print(f"  {'median per round':26} {'wall s':>8} {'CPU s':>8}")
    print(f"  one variant (heap_4)       {sides.median('one'):8.2f} {sides.median('one', cpu=True):8.2f}")
    print(f"  five heap variants         {sides.median('five'):8.2f} {sides.median('five', cpu=True):8.2f}")
    print(f"  ratio five/one             wall {wall[0]:.2f} ({wall[1]:.2f}..{wall[2]:.2f})  CPU {cpu[0]:.2f} "
          f"({cpu[1]:.2f}..{cpu[2]:.2f})  {verdict(value, 1.5)}  (5.00 if nothing were shared)")
    print(f"  {'':26} {sides.stability('five', 'one', cpu=judged())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
