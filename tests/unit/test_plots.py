"""compare.html's plots (harness/plots.py): inside their fixed margins, embedded as SVG, the same bytes twice."""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from harness import compare_report
from harness.app import report as app_report
from harness.compare import Comparison

DATA = Path(__file__).parent / "data" / "compare-schemes.json"
SVG = "{http://www.w3.org/2000/svg}"


def _records() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads(DATA.read_text())
    return records


def _app_cells() -> list[Any]:
    """Five schemes of an app: heap figures over 20 snapshots, four tasks' stacks, the footprint."""
    cells = []
    for i, scheme in enumerate(("heap_1", "heap_2", "heap_3", "heap_4", "heap_5")):
        series = [{"tick": 50 * k, "free": 20000 - 30 * k, "min_ever": 19000 - 30 * k, "largest": 18000 - 40 * k,
                   "free_blocks": k * i} for k in range(1, 21)]
        tasks = {name: {"hwm_bytes": 400 + 100 * j + i, "stack_size": 1024}
                 for j, name in enumerate(("IDLE", "Tmr Svc", "consumer", "producer"))}
        footprint = {"image_flash": 12000 + 100 * i, "image_ram": 26000, "heap_bytes": 20480}
        cells.append(SimpleNamespace(spec=SimpleNamespace(scheme=scheme),
                                     figures={"series": series, "tasks": tasks, "footprint": footprint}))
    return cells


def _plots() -> dict[str, Any]:
    return {**{f"compare {k}": f for k, f in compare_report.plots(_records()).items()},
            **{f"app {k}": f for k, f in app_report.plots(_app_cells()).items()}}


@pytest.mark.parametrize("name", ["compare free", "compare largest", "compare cycles", "compare footprint",
                                  "app free", "app min_ever", "app largest", "app free_blocks", "app stacks",
                                  "app footprint"])
def test_nothing_of_a_plot_falls_outside_its_fixed_margins(name: str) -> None:
    """Titles, tick labels, axis labels and legends (the footprint's, outside the axes) all inside the figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = _plots()[name]
    renderer = FigureCanvasAgg(fig).get_renderer()
    drawn = fig.get_tightbbox(renderer)  # inches
    width, height = fig.get_size_inches()
    assert drawn.x0 >= 0 and drawn.y0 >= 0 and drawn.x1 <= width and drawn.y1 <= height, (drawn, width, height)


def test_the_page_embeds_every_plot_as_an_svg_image_the_same_bytes_each_time() -> None:
    comparison = Comparison(cells=(), figures=tuple(_records()), interrupted=False)
    page = compare_report.page(comparison, {"memharness": "test"})
    images = re.findall(r"<h3>(\w+)</h3><img alt='(\w+)' src='data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)'>", page)
    assert [(h, alt) for h, alt, _ in images] == [(k, k) for k in ("free", "largest", "cycles", "footprint")]
    for _, _, data in images:
        root = ET.fromstring(base64.b64decode(data))
        assert root.tag == f"{SVG}svg"
    footprint = base64.b64decode(images[3][2]).decode()
    assert "Footprint (bytes; heap_3's .text is the wrapper" in footprint  # the title, as text
    assert "heap scheme .text" in footprint and "whole image flash" in footprint  # the legend, as text
    assert compare_report.page(comparison, {"memharness": "test"}) == page


def _snapshots() -> tuple[Any, ...]:
    """An image run's snapshots, as timeline.html plots them: labels as `run --elf` names them."""
    labels = ("vAppWork#3", "tick 50", "tick 100", "line 'app: tick'#2", "prvConsumerTask#12", "end")
    return tuple(
        SimpleNamespace(label=label, heap=SimpleNamespace(free=22000 - 40 * i, min_ever=21000 - 40 * i),
                        tasks=[SimpleNamespace(name=name, hwm_bytes=300 + 50 * j + i)
                               for j, name in enumerate(("IDLE", "Tmr Svc", "consumer", "producer"))])
        for i, label in enumerate(labels))


@pytest.mark.parametrize("name", ["heap timeline", "stack timeline"])
def test_the_timeline_of_an_image_run_keeps_its_slanted_labels_inside(name: str) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from harness.observe.image_report import timeline_plots

    fig = timeline_plots(_snapshots(), "heap_4")[name]
    drawn = fig.get_tightbbox(FigureCanvasAgg(fig).get_renderer())
    width, height = fig.get_size_inches()
    assert drawn.x0 >= 0 and drawn.y0 >= 0 and drawn.x1 <= width and drawn.y1 <= height, (drawn, width, height)
