"""Shards merged equal the unsharded run: one `compare` against three `--shard K/3` joined by `merge`.

A reduced matrix (three schemes; the boot and queue workloads, each run well under a second) keeps
it quick; that compare's figures are identical run to run, cycles included, is test_compare.py's.
The shards run once (one test); the refusals reuse them.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rich.console import Console

from harness.errors import ExitStatus, UsageError
from harness.merge import merge

pytestmark = pytest.mark.e2e

MATRIX = ("--heap", "heap_2,heap_4,static", "--workload", "boot,queue")


def memharness(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "COLUMNS": "100", **(env or {})})


def _shards_and_merge(out: Path) -> None:
    whole = memharness("compare", *MATRIX, "--results", str(out / "whole"), cwd=out)
    assert whole.returncode == 0, whole.stdout + whole.stderr
    for k in (1, 2, 3):
        shard = memharness("compare", *MATRIX, "--shard", f"{k}/3", "--results", str(out / f"shard{k}"), cwd=out)
        assert shard.returncode == 0, shard.stdout + shard.stderr
        assert f"shard {k}/3: " in shard.stdout
    merged = memharness("merge", *(str(out / f"shard{k}") for k in (1, 2, 3)), "--results", str(out / "merged"),
                        cwd=out)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert "compare: 3 shard(s) merged" in merged.stdout


def _cases(path: Path) -> list[tuple[str | None, str | None, bool]]:
    return [(c.get("classname"), c.get("name"), c.find("failure") is not None) for c in ET.parse(path).iter("testcase")]


def test_three_shards_merged_equal_one_unsharded_run_byte_for_byte(tmp_path: Path) -> None:
    runs = tmp_path
    _shards_and_merge(runs)
    whole, merged = (runs / "whole" / "compare.json").read_bytes(), (runs / "merged" / "compare.json").read_bytes()
    report = json.loads(whole)
    assert [s["scheme"] for s in report["schemes"]] == ["heap_2", "heap_4", "static"]
    assert report["schemes"][1]["queue_cost"] == 216
    assert merged == whole
    shards = [json.loads((runs / f"shard{k}" / "compare.json").read_text()) for k in (1, 2, 3)]
    assert sorted(len(s["schemes"]) for s in shards) == [1, 1, 1]  # each shard really ran a part
    assert _cases(runs / "merged" / "junit.xml") == _cases(runs / "whole" / "junit.xml")
    for run in report["runs"]:
        assert (runs / "merged" / run["uart_log"]).is_file(), run["uart_log"]
    assert (runs / "merged" / "compare.html").read_text().count("data:image/svg+xml;base64,") == 4
    _merge_refuses_an_incomplete_or_foreign_set(runs)


def _merge_refuses_an_incomplete_or_foreign_set(runs: Path) -> None:
    """In-process (each refusal comes before anything is written); the CLI's rendering of a
    UsageError as one line and exit status 2 is the same for every command."""
    quiet = Console(file=io.StringIO())
    for args, said in (
        ((runs / "shard1", runs / "shard3"), "shard 2/3 missing: got 2 of 3"),
        ((runs / "shard1", runs / "shard1", runs / "shard2"), "shard 1/3 given twice"),
        ((runs / "whole",), "was written without --shard"),
        ((runs / "nothing-here",), "is not a folder"),
        ((runs / "shard1", runs / "shard2", runs / "shard3"), "is one of the shards"),
    ):
        target = runs / "shard3" if "one of the shards" in said else runs / "refused"
        with pytest.raises(UsageError) as caught:
            merge(list(args), target, quiet)
        assert said in str(caught.value) and caught.value.fix and caught.value.status == ExitStatus.USAGE
        assert not (runs / "refused").exists()


def test_a_shard_cannot_be_gated_alone(tmp_path: Path) -> None:
    proc = memharness("compare", *MATRIX, "--shard", "1/3", "--baseline", str(tmp_path / "b.json"),
                      "--results", str(tmp_path / "x"), cwd=tmp_path)
    assert proc.returncode == 2 and "gate the merged report" in proc.stderr
