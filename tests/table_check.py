"""Checks that the compare table fits a terminal width with no cell cut (shared by unit and e2e tests)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console

from harness.compare_table import tables
from harness.figures import FIGURES, shown


def render(records: Sequence[Mapping[str, Any]], width: int = 100) -> str:
    console = Console(width=width, record=True, highlight=False, color_system=None)
    for t in tables(records):
        console.print(t)
    return console.export_text()


def assert_every_cell_whole(text: str, records: Sequence[Mapping[str, Any]], width: int = 100) -> None:
    """Each figure's row holds exactly the values compare.json holds, in scheme order."""
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "…" not in text
    header = next(line for line in lines if "figure" in line and "┃" in line)
    schemes = [cell.strip() for cell in header.strip("┃").split("┃")][1:]
    assert schemes == sorted(str(r["scheme"]) for r in records)
    by_scheme = {str(r["scheme"]): r for r in records}
    shown_rows = [line for line in lines if line.startswith("│   ")]  # figure rows are indented under headings
    assert len(shown_rows) == sum(1 for spec in FIGURES if any(spec.read(r) is not None for r in records))
    rows = iter(shown_rows)
    for spec in FIGURES:
        if all(spec.read(r) is None for r in records):
            continue  # its workload was not run: no row
        cells = [cell.strip() for cell in next(rows).strip("│").split("│")]
        assert cells[0] == spec.label
        assert cells[1:] == [shown(spec.read(by_scheme[s])) for s in schemes], spec.label
    for r in records:
        if r.get("cannot"):
            assert f"{r['scheme']} cannot: {', '.join(r['cannot'])}" in text
