"""The compare table fits 100 columns: every figure readable, no cell cut or wrapped."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from table_check import assert_every_cell_whole, render

DATA = Path(__file__).parent / "data" / "compare-schemes.json"  # a real compare run's records (series cut)


def test_the_table_of_a_real_comparison_fits_100_columns() -> None:
    records = json.loads(DATA.read_text())
    assert len(records) == 6
    text = render(records)
    assert_every_cell_whole(text, records)
    assert "heap_2" in text and "1015.07" in text


def test_wider_figures_still_fit() -> None:
    records = json.loads(DATA.read_text())
    wide = copy.deepcopy(records)
    for r in wide:
        if r.get("cycles"):
            r["cycles"]["malloc"]["mean"] = 12345.67  # ten times the slowest mean measured
        r["footprint"]["image_ram"] = 1048576
    assert_every_cell_whole(render(wide), wide)


def test_one_table_per_board_and_kernel() -> None:
    records = json.loads(DATA.read_text())
    other = [{**copy.deepcopy(r), "kernel": "V11.1.0"} for r in records[:2]]
    text = render([*records, *other])
    assert text.count("mps2-an385, FreeRTOS-Kernel V11.3.0") == 1
    assert text.count("mps2-an385, FreeRTOS-Kernel V11.1.0") == 1
