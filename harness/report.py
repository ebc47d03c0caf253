"""What a run leaves on disk beside its raw UART log: `events.jsonl` and `report.json`.

Written even when the run ended badly (reset, timeout, Ctrl-C): the report of what did run is
the thing a CI user opens first.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from harness.errors import ResultsError
from harness.events import BadRecord, Entry, Event, Heap, Text
from harness.run import Run

REPORT_VERSION = 1
_NOT_FIGURES = frozenset({"at", "line", "fields"})


def entry_json(entry: Entry) -> dict[str, Any]:
    if isinstance(entry, Text):
        return {"line": entry.line, "text": entry.text}
    if isinstance(entry, BadRecord):
        return {"line": entry.line, "bad_record": entry.text, "reason": entry.reason}
    assert isinstance(entry, Event)
    return {"line": entry.line, "event": entry.kind, **dict(entry.fields)}


def run_json(run: Run) -> dict[str, Any]:
    heaps = {
        e.at: {k: v for k, v in dataclasses.asdict(e).items() if k not in _NOT_FIGURES and v is not None}
        for e in run.events(Heap)
    }
    return {
        "report_version": REPORT_VERSION,
        "variant": {"label": run.label, "board": run.board, "heap": run.heap,
                    "profile": run.profile, "kernel": run.kernel},
        "scenario": run.scenario,
        "params": dict(run.params),
        "outcome": run.outcome.value,
        "reason": run.reason,
        "boots": len(run.boots),
        "resets": run.resets,
        "heap": heaps,
        "warnings": list(run.warnings),
        "bad_records": len(run.bad_records),
        "uart_log": str(run.uart_log),
        "command": list(run.command),
        "wall_time_s": round(run.wall_time, 3),
    }


def write_run(run: Run, folder: Path) -> Path:
    """Write `events.jsonl` and `report.json` into `folder`; returns the report's path."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "events.jsonl").open("w", encoding="utf-8") as out:
            for entry in run.entries:
                out.write(json.dumps(entry_json(entry)) + "\n")
        report = folder / "report.json"
        report.write_text(json.dumps(run_json(run), indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ResultsError(
            f"cannot write the results folder {folder}: {exc.strerror or exc}",
            "pass --results with a writable folder that has free space",
        ) from None
    return report
