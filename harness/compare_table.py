"""The comparison as terminal tables that fit 100 columns.

One table per board and kernel: a column per heap scheme and a row per figure, grouped under
headings (free heap, heap taken, cycles, fragmentation, footprint), so no cell is wider than a
number; what a scheme cannot do is listed under the table rather than squeezed into a cell.
Built from compare.json's `schemes` records, so a merged report prints the same tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from harness.figures import FIGURES, shown

TITLE = "{board}, FreeRTOS-Kernel {kernel} (bytes; cycles = instructions under -icount)"


def by_board_and_kernel(records: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], list[Mapping[str, Any]]]:
    out: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for r in sorted(records, key=lambda r: (r["board"], r["kernel"], r["scheme"], r.get("emulator", "qemu"))):
        out.setdefault((r["board"], r["kernel"]), []).append(r)
    return out


def table(records: Sequence[Mapping[str, Any]]) -> Table:
    """Rows are figures, columns schemes; a group's heading row starts each section. A figure no
    scheme has (its workload was not run) is left out."""
    out = Table()
    out.add_column("figure", no_wrap=True)
    for r in records:  # a scheme on another emulator than QEMU says which under its name
        emulator = str(r.get("emulator", "qemu"))
        out.add_column(str(r["scheme"]) + ("" if emulator == "qemu" else f"\n{emulator}"), justify="right",
                       no_wrap=True)
    group = None
    for spec in FIGURES:
        values = [spec.read(r) for r in records]
        if all(v is None for v in values):
            continue
        if spec.group != group:
            if group is not None:
                out.add_section()
            group = spec.group
            out.add_row(Text(group, style="bold"), *("" for _ in records))
        out.add_row("  " + spec.label, *(shown(v) for v in values))
    return out


def cannot_lines(records: Sequence[Mapping[str, Any]]) -> Text:
    lines = [f"{r['scheme']} cannot: {', '.join(r['cannot'])}" for r in records if r.get("cannot")]
    return Text("\n".join(lines))


def tables(records: Iterable[Mapping[str, Any]]) -> list[RenderableType]:
    """Every board and kernel's table, each followed by what its schemes cannot do."""
    return [Group(Text(TITLE.format(board=board, kernel=kernel), style="bold"), table(recs), cannot_lines(recs))
            for (board, kernel), recs in by_board_and_kernel(records).items()]
