"""`memharness compare` cold (empty build cache) and warm, on `--jobs 2`, side by side.

Each round runs the real command in fresh processes: cold in an empty build folder of its own,
then warm on what the cold one built. Targets, for the default board on 2 cores: warm 4 s, cold
10 s. Also prints the matrix's floor from compare-host.json: the sum of the runs' times over the
two workers, and the longest run (scheduled first). On a machine busier than its cores, the CPU
time over the 2 cores stands in for the wall time an idle machine would take. Asserts nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from side_by_side import interleave, judged, load, rounds, verdict

JOBS = 2


def compare(build: Path, results: Path) -> Callable[[], None]:
    def side() -> None:
        subprocess.run([str(Path(sys.executable).with_name("memharness")), "compare", "--jobs", str(JOBS),
                        "--results", str(results)], check=True, capture_output=True,
                       env={**os.environ, "MEMHARNESS_BUILD_DIR": str(build)})

    return side


def main() -> int:
    count = rounds(2)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        builds = iter(root / f"build{i}" for i in range(count))  # each round's cold side starts empty
        this_round: list[Path] = []

        def cold() -> None:
            this_round[:] = [next(builds)]
            compare(this_round[0], root / "cold")()

        def warm() -> None:
            compare(this_round[0], root / "warm")()

        sides = interleave({"cold": cold, "warm": warm}, count)
        host = json.loads((root / "warm" / "compare-host.json").read_text())
    runs = [r["wall_time_s"] for r in host["runs"]]
    by_cpu = judged()
    print(f"memharness compare (mps2-an385, 5 schemes + static, standard workloads, --jobs {JOBS}), "
          f"{count} interleaved rounds, {load()}:")
    print(f"  {'median per round':26} {'wall s':>8} {'CPU s':>8} {'CPU/2 s':>8}")
    for side, target in (("cold", 10.0), ("warm", 4.0)):
        wall, cpu = sides.median(side), sides.median(side, cpu=True)
        judged_by = cpu / JOBS if by_cpu else wall
        print(f"  {side:26} {wall:8.2f} {cpu:8.2f} {cpu / JOBS:8.2f}   {verdict(judged_by, target)} s")
    ratio = sides.ratio("cold", "warm")[0]
    print(f"  ratio cold/warm            {ratio:8.2f}")
    print(f"  the warm matrix's floor: {len(runs)} runs, sum {sum(runs):.2f} s / {JOBS} workers = "
          f"{sum(runs) / JOBS:.2f} s; the longest run {max(runs):.2f} s; the whole command {host['wall_time_s']:.2f} s")
    built = sides.median("cold", cpu=True) - sides.median("warm", cpu=True)
    print(f"  cold - warm: {built:.2f} s of CPU compiling: the dynamic and the static profile each compile every "
          "kernel and firmware object (their configs differ), the other four heap variants 3 objects each")
    print(f"  outside the matrix (Python start-up and imports, the tables, compare.html's plots): "
          f"{sides.median('warm') - host['wall_time_s']:.2f} s of the warm command's wall time")
    if by_cpu:
        print("  (the machine is busier than its cores: targets judged on CPU time over 2 cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
