"""`memharness` as a user runs it: real builds, real QEMU, files on disk, exit statuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.build import build
from harness.kernel import resolve_kernel
from harness.platforms import load_board
from harness.variant import make_variant

pytestmark = pytest.mark.e2e


def memharness(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *args], cwd=cwd, capture_output=True, text=True,
        timeout=300, env={**os.environ, "COLUMNS": "160"},
    )


def test_run_leak_prints_a_summary_and_writes_the_three_files(tmp_path: Path) -> None:
    proc = memharness("run", "--board", "mps2-an385", "--heap", "heap_4", "--scenario", "leak",
                      "size=4096", "--results", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "leak -> done" in proc.stdout and "malloc_failed size=4096" in proc.stdout
    [report_path] = tmp_path.rglob("report.json")
    report = json.loads(report_path.read_text())
    assert report["outcome"] == "done" and report["variant"]["heap"] == "heap_4"
    assert report["heap"]["ready"]["free"] > report["heap"]["end"]["free"]
    folder = report_path.parent
    assert "@mh ready" in (folder / "uart.log").read_text()
    events = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
    assert any(e.get("event") == "malloc_failed" for e in events)
    assert any(e.get("text") == "Not enough heap." for e in events)


def test_run_that_resets_exits_1_and_keeps_its_report(tmp_path: Path) -> None:
    proc = memharness("run", "--heap", "heap_4", "--scenario", "overflow", "depth=64",
                      "--results", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "reset (stack_overflow)" in proc.stdout
    [report_path] = tmp_path.rglob("report.json")
    assert json.loads(report_path.read_text())["reason"] == "stack_overflow"
    expected = memharness("run", "--heap", "heap_4", "--scenario", "overflow", "depth=64", "--expect", "reset",
                          "--results", str(tmp_path), cwd=tmp_path)
    assert expected.returncode == 0


def test_print_command_is_the_exact_qemu_command(tmp_path: Path) -> None:
    proc = memharness("run", "--heap", "heap_2", "--scenario", "leak", "--print-command", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    words = proc.stdout.split()
    assert words[0] == "qemu-system-arm" and words[words.index("-M") + 1] == "mps2-an385"
    assert "-icount" in words and words[words.index("-nic") + 1] == "none"
    assert words[words.index("-kernel") + 1].endswith("firmware.elf")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--scenario", "laek"), "unknown scenario 'laek'. Did you mean 'leak'"),
        (("--scenario", "leak", "bogus=1"), "no parameter 'bogus'"),
        (("--scenario", "leak", "size=0"), "out of range"),
        (("--board", "mps2an385", "--scenario", "leak"), "Did you mean 'mps2-an385'"),
    ],
)
def test_user_mistakes_exit_2_with_one_message(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    proc = memharness("run", *args, cwd=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert not list(tmp_path.rglob("report.json"))


def test_variants_are_cached_and_kernel_objects_shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEMHARNESS_BUILD_DIR", str(tmp_path))
    board, kernel = load_board("mps2-an385"), resolve_kernel()
    built = [build(make_variant(board, kernel, heap=h)) for h in ("heap_1", "heap_2", "heap_3", "heap_4", "heap_5")]
    assert [f.kernel_objects_built for f in built] == [True, False, False, False, False]
    assert len({f.elf for f in built}) == 5 and all(f.built for f in built)
    assert [len(f.compiled) for f in built[1:]] == [3, 3, 3, 3]  # heap_figures.c, fragmentation.c, heap_N.c
    again = build(make_variant(board, kernel, heap="heap_4"))
    assert not again.built and again.elf == built[3].elf


def test_firmware_scenario_table_matches_the_harness_catalogue() -> None:
    from harness.api import prepare
    from harness.run import firmware_catalogue
    from harness.scenarios import CATALOGUE

    listed = firmware_catalogue(prepare(heap="heap_4"))
    expected = [
        f"{s.name} " + (",".join(f"{p.name}:{p.default}:{p.minimum}:{p.maximum}" for p in s.params) or "-")
        for s in CATALOGUE
    ]
    assert sorted(listed) == sorted(expected)
