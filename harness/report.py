"""What a run leaves on disk beside its raw UART log: `events.jsonl` and `report.json`.

Written even when the run ended badly (reset, timeout, Ctrl-C): the report of what did run is
the thing a CI user opens first. Each file is written under a temporary name and renamed into
place, so a reader (or a second run writing the same folder) never sees half a file.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from harness.errors import ResultsError
from harness.events import KEY_ALIASES, BadRecord, Entry, Event, Heap, Text, Unknown
from harness.files import write_atomically
from harness.run import Run

REPORT_VERSION = 1
_NOT_FIGURES = frozenset({"at", "line", "fields"})
_RESERVED = frozenset({"line", "event", "unknown"})


def entry_json(entry: Entry) -> dict[str, Any]:
    if isinstance(entry, Text):
        return {"line": entry.line, "text": entry.text}
    if isinstance(entry, BadRecord):
        return {"line": entry.line, "bad_record": entry.text, "reason": entry.reason}
    assert isinstance(entry, Event)
    out: dict[str, Any] = {"line": entry.line, "event": entry.kind}
    if isinstance(entry, Unknown):
        out.update(event=entry.name, unknown=True)
    for key, value in entry.fields.items():
        # A record's own `line` (assert) or `event` key must not overwrite the entry's.
        name = KEY_ALIASES.get((entry.kind, key), f"{key}_") if key in _RESERVED else key
        out[name] = value
    return out


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
        "cause": entry_json(run.cause) if run.cause is not None else None,
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
    """Write `events.jsonl` and `report.json` into `folder`; returns the report's path.

    Raises ResultsError (naming the folder and the system's reason) when the folder cannot be
    written; the caller has the run in hand and shows its outcome anyway.
    """
    report = folder / "report.json"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(folder / "events.jsonl", (json.dumps(entry_json(e)) + "\n" for e in run.entries))
        write_atomically(report, [json.dumps(run_json(run), indent=2) + "\n"])
    except OSError as exc:
        raise ResultsError(
            f"cannot write the results folder {folder}: {exc.strerror or exc}",
            "pass --results with a writable folder that has free space",
        ) from None
    return report
