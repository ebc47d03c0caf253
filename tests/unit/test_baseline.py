"""The baseline file and the gate: schema, tolerances, directions, refusals, the table."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.baseline import Baseline, BaselineError, Matrix, ToleranceRule, build, load, save
from harness.errors import ExitStatus
from harness.figures import FigureKey, Measured, from_snapshot, measured
from harness.gate import UPDATE_ENV, assert_within_baseline, check, require_matrix

DATA = Path(__file__).parent / "data" / "compare-schemes.json"
MATRIX = Matrix(boards=["mps2-an385"], kernels=["V11.3.0"],
                schemes=["heap_1", "heap_2", "heap_3", "heap_4", "heap_5", "static"],
                workloads=["boot", "fragmentation", "overhead", "task", "queue"])


def _records() -> list[dict[str, object]]:
    records: list[dict[str, object]] = json.loads(DATA.read_text())
    return records


def _baseline(tmp_path: Path, rules: list[ToleranceRule] | None = None) -> tuple[Baseline, Path]:
    base = build("compare", measured(_records()), matrix=MATRIX)
    if rules:
        base = base.model_copy(update={"tolerances": rules})
    path = tmp_path / "baseline.json"
    save(base, path)
    return load(path), path


def _changed(figure: str, scheme: str, value: float) -> list[Measured]:
    out = []
    for m in measured(_records()):
        if m.key.figure == figure and m.key.scheme == scheme:
            m = Measured(m.key, value, m.unit, m.better)
        out.append(m)
    return out


def test_a_baseline_round_trips_and_the_same_figures_pass(tmp_path: Path) -> None:
    base, path = _baseline(tmp_path)
    assert base.figures and all(f.value is not None for f in base.figures)
    verdict = check(base, path, measured(_records()), complete=True)
    assert verdict.ok and verdict.checked == len(base.figures)
    assert not verdict.improvements and not verdict.new
    assert json.loads(path.read_text())["version"] == 1


def test_less_free_heap_fails_with_where_and_how_much(tmp_path: Path) -> None:
    base, path = _baseline(tmp_path)
    verdict = check(base, path, _changed("free_after_scheduler", "heap_4", 28632 - 64), complete=True)
    assert not verdict.ok
    (change,) = verdict.regressions
    assert change.key == FigureKey("mps2-an385", "V11.3.0", "heap_4", "dynamic", "boot", "free_after_scheduler")
    assert (change.baseline, change.now, change.delta(), change.kind) == (28632, 28568, "-64 (-0.2%)", "worse")
    text = verdict.text()
    assert "regressions: mps2-an385, FreeRTOS-Kernel V11.3.0" in text
    assert "heap_4" in text and "free_after_scheduler" in text and "-64 (-0.2%)" in text
    assert "baseline gate FAILED: 1 regression(s)" in text


def test_more_free_heap_is_an_improvement_listed_apart(tmp_path: Path) -> None:
    base, path = _baseline(tmp_path)
    verdict = check(base, path, _changed("free_after_scheduler", "heap_4", 30000), complete=True)
    assert verdict.ok and len(verdict.improvements) == 1 and "improvements" in verdict.text()


def test_cycles_may_not_change_either_way(tmp_path: Path) -> None:
    base, path = _baseline(tmp_path)
    for value in (215.43, 215.45):
        verdict = check(base, path, _changed("cycles.malloc.mean", "heap_4", value), complete=True)
        assert [c.kind for c in verdict.regressions] == ["changed"], value


def test_a_larger_cost_is_worse_and_tolerances_allow_it(tmp_path: Path) -> None:
    worse = _changed("taken", "heap_4", 1136 + 16)  # task_cost and queue_cost are both `taken`; both checked
    base, path = _baseline(tmp_path)
    assert {c.key.workload for c in check(base, path, worse, complete=True).regressions} == {
        "task", "queue", "overhead-size1", "overhead-size100", "overhead-size1000"}
    rules = [ToleranceRule(figure="taken", absolute=8), ToleranceRule(workload="task", absolute=16)]
    base, path = _baseline(tmp_path, rules)
    left = check(base, path, worse, complete=True).regressions
    assert {c.key.workload for c in left} == {"queue", "overhead-size1", "overhead-size100", "overhead-size1000"}
    assert all(c.allowed == "8 B" for c in left)
    base, path = _baseline(tmp_path, [ToleranceRule(scheme="heap_4", percent=7200)])  # 16 -> 1152 B is +7100%
    assert check(base, path, worse, complete=True).ok


def test_a_figure_that_disappears_is_a_regression(tmp_path: Path) -> None:
    base, path = _baseline(tmp_path)
    figures = [m for m in measured(_records()) if not (m.key.scheme == "heap_2" and m.key.workload == "fragmentation")]
    verdict = check(base, path, figures, complete=True)
    assert verdict.regressions and {c.kind for c in verdict.regressions} == {"missing"}


def test_a_baseline_of_another_matrix_is_refused(tmp_path: Path) -> None:
    base, path = _baseline(tmp_path)
    other = MATRIX.model_copy(update={"kernels": ["V11.1.0"], "schemes": ["heap_4"]})
    with pytest.raises(BaselineError) as caught:
        require_matrix(base, path, other)
    message = str(caught.value)
    assert "another kernel, scheme set" in message and "V11.1.0" in message and "--update-baseline" in message
    assert caught.value.status == ExitStatus.USAGE
    require_matrix(base, path, MATRIX.model_copy(update={"schemes": list(reversed(MATRIX.schemes))}))


@pytest.mark.parametrize(("text", "said"), [
    ("{", "not JSON"),
    ('{"format": "memharness-baseline", "version": 2, "source": "compare", "figures": []}', "version 2"),
    ('{"source": "compare", "figures": [], "colour": 1}', "colour: Extra inputs are not permitted"),
    ('{"source": "compare", "figures": [{"board": "b"}]}', "figures.0.kernel: Field required"),
])
def test_a_malformed_baseline_is_a_usage_error_naming_what(tmp_path: Path, text: str, said: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(text)
    with pytest.raises(BaselineError, match=said):
        load(path)
    with pytest.raises(BaselineError, match="does not exist.*\n.*--update-baseline"):
        load(tmp_path / "none.json")


def test_an_update_keeps_the_tolerance_rules(tmp_path: Path) -> None:
    rules = [ToleranceRule(figure="cycles.*", percent=1)]
    old, _ = _baseline(tmp_path, rules)
    new = build("compare", measured(_records()), matrix=MATRIX, keep=old)
    assert new.tolerances == rules


def test_the_one_call_gate_of_pytest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "runs.json"
    key = FigureKey("mps2-an385", "V11.3.0", "heap_4", "dynamic", "leak size=4096", "heap.end.free")
    monkeypatch.setenv(UPDATE_ENV, "1")
    assert_within_baseline([Measured(key, 4008, "bytes", "higher")], path)  # writes it
    monkeypatch.delenv(UPDATE_ENV)
    assert assert_within_baseline([Measured(key, 4008, "bytes", "higher")], path).ok
    with pytest.raises(AssertionError, match=r"(?s)leak size=4096.*heap\.end\.free.*-8 \(-0\.2%\)"):
        assert_within_baseline([Measured(key, 4000, "bytes", "higher")], path)
    elsewhere = FigureKey("mps2-an386", "V11.3.0", "heap_4", "dynamic", "leak size=4096", "heap.end.free")
    with pytest.raises(BaselineError, match="holds no figures for mps2-an386 V11.3.0 heap_4 dynamic"):
        assert_within_baseline([Measured(elsewhere, 4008, "bytes", "higher")], path)


@dataclass(frozen=True)
class _Heap:  # the fields of issue 10's HeapState that the gate reads
    scheme: str
    free: int | None
    min_ever: int | None = None
    largest: int | None = None
    free_blocks: int | None = None


@dataclass(frozen=True)
class _Task:
    name: str
    hwm_bytes: int


@dataclass(frozen=True)
class _Snapshot:
    label: str
    heap: _Heap
    tasks: tuple[_Task, ...]
    deterministic: bool = True


def test_snapshot_floors_gate_hwm_and_free_heap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    where = {"board": "mps2-an385", "kernel": "V11.3.0", "image": "app.elf"}
    snap = _Snapshot("tick 100", _Heap("heap_4", 9000, 8800), (_Task("IDLE", 400), _Task("worker", 120)))
    figures = from_snapshot(snap, **where)
    assert {m.key.figure for m in figures} == {"heap.free", "heap.min_ever", "stack.IDLE.hwm_bytes",
                                               "stack.worker.hwm_bytes"}
    assert {m.key.workload for m in figures} == {"app.elf @ tick 100"} and figures[0].key.profile == "image"
    path = tmp_path / "image.json"
    monkeypatch.setenv(UPDATE_ENV, "1")
    assert_within_baseline(figures, path)
    monkeypatch.delenv(UPDATE_ENV)
    shrunk = _Snapshot("tick 100", _Heap("heap_4", 9000, 8800), (_Task("IDLE", 400), _Task("worker", 96)))
    with pytest.raises(AssertionError, match=r"(?s)app\.elf @ tick 100.*stack\.worker\.hwm_bytes.*-24 \(-20\.0%\)"):
        assert_within_baseline(from_snapshot(shrunk, **where), path)
    with pytest.raises(ValueError, match="host-timed"):
        from_snapshot(_Snapshot("line ready", snap.heap, (), deterministic=False), **where)


def test_the_gate_table_fits_100_columns(tmp_path: Path) -> None:
    base, path = _baseline(tmp_path)
    worse = [Measured(m.key, None if m.value is None else m.value * 1.1 + 1, m.unit, m.better)
             for m in measured(_records())]  # everything moves: every kind of row, the widest names
    text = check(base, path, worse, complete=True).text(width=100)
    lines = text.splitlines()
    assert "…" not in text and max(len(line) for line in lines) <= 100
    assert "overhead-size1000" in text and "cycles.malloc.median" in text and "free_after_scheduler" in text


def _app_report(worker_hwm: int, free_end: int) -> dict[str, object]:
    """compare --app's compare.json as issue 11 writes it (one record per scheme, read from outside)."""
    def record(scheme: str) -> dict[str, object]:
        return {"board": "mps2-an385", "kernel": "V11.3.0", "scheme": scheme, "outcome": "done", "free_end": free_end,
                "min_ever_free": free_end - 100, "largest_end": 2000, "largest_end_min": 1500, "free_blocks_end": 3,
                "malloc_failed": 0, "tasks": {"IDLE": {"hwm_bytes": 300, "stack_size": 512},
                                              "worker": {"hwm_bytes": worker_hwm, "stack_size": 1024}},
                "footprint": {"image_flash": 20000, "image_ram": 40000}}
    return {"app": "plain-freertos", "meta": {}, "interrupted": False,
            "schemes": [record("heap_2"), record("heap_4")]}


def test_an_app_comparison_is_gated_per_scheme_with_its_task_floors(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    report = tmp_path / "compare.json"
    report.write_text(json.dumps(_app_report(200, 5000)))
    path = tmp_path / "app.json"
    monkeypatch.setenv(UPDATE_ENV, "1")
    assert_within_baseline(report, path)
    written = load(path)
    assert written.source == "app" and written.matrix is not None and written.matrix.workloads == ["plain-freertos"]
    assert {f.figure for f in written.figures} >= {"heap.free_end", "stack.worker.hwm_bytes", "image.ram"}
    monkeypatch.delenv(UPDATE_ENV)
    assert assert_within_baseline(report, path).ok
    report.write_text(json.dumps(_app_report(160, 5000)))
    with pytest.raises(AssertionError, match=r"(?s)heap_2 .*plain-freertos.*stack\.worker\.hwm_bytes.*-40 \(-20\.0%\)"):
        assert_within_baseline(report, path)


def test_an_emulator_other_than_the_boards_default_keys_its_own_figures(tmp_path: Path) -> None:
    """`compare --emulator all`: QEMU's and Renode's rows of one board never share a key, so a
    baseline written on one emulator never judges the other's cycles."""
    record = _records()[0]
    on_qemu = {**record, "board": "netduinoplus2", "emulator": "qemu"}
    on_renode = {**record, "board": "netduinoplus2", "emulator": "renode"}
    qemu_keys = {m.key for m in measured([on_qemu])}
    renode_keys = {m.key for m in measured([on_renode])}
    assert {k.board for k in qemu_keys} == {"netduinoplus2"}  # the board's default: keys as before
    assert {k.board for k in renode_keys} == {"netduinoplus2@renode"}
    assert not qemu_keys & renode_keys
    base, path = _baseline(tmp_path)  # written on mps2-an385's QEMU: refuses the same board on another emulator
    with pytest.raises(BaselineError, match="holds no figures for mps2-an385@renode"):
        check(base, path, measured([{**record, "emulator": "renode"}]), complete=False)
