"""The plots of compare.html (`memharness compare`, `compare --app`, `merge`) and of an image
run's timeline.html (`run --elf`, `run --app`), drawn cheaply.

Both reports drew their plots with the same scaffolding, the costliest part of a warm `compare`
after the runs: pyplot (it selects a backend and keeps every figure in global state until closed)
and `savefig(bbox_inches="tight")` PNGs (the tight box costs an extra draw that measures every
text, then Agg rasterises and PIL encodes). Here, once for both:

- a bare `matplotlib.figure.Figure`: no pyplot, no backend selection, nothing to close;
- fixed margins, in inches, instead of the tight box or a layout engine (`layout="constrained"`
  measured slower than the tight box: it too draws once to measure, then again to save), so a
  figure is drawn once; tests/unit/test_plots.py checks that the titles, labels and legends,
  the one outside the axes included, stay inside the figure;
- SVG with its text as `<text>` (vector, no rasteriser or encoder, sharp at any zoom): faster
  than PNG and than SVG with glyph outlines, and smaller; a fixed `svg.hashsalt` and no date
  make the same figures give the same bytes;
- embedded as an `<img>` data URI, so each plot keeps its own SVG ids and its alt text.

compare.html's four plots, warm: 1.3 s -> 0.7 s (medians on 2 busy cores; best 1.06 -> 0.50 s);
in a fresh process, report import and first page, 2.4 s -> 1.8 s. matplotlib is imported on the
first figure, never when this module is: `import harness.cli` stays light
(tests/unit/test_lazy_imports.py).
"""

from __future__ import annotations

import base64
import html
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MEDIA_TYPE = "image/svg+xml"

# Room around the axes, in inches: the y tick labels (up to six digits) and the y label on the
# left, the x tick labels and the x label below, the title above, a legend outside on the right.
_LEFT, _RIGHT, _BOTTOM, _TOP, _LEGEND = 0.95, 0.25, 0.6, 0.4, 1.75


def warm_up() -> None:
    """Import what drawing needs, ahead: `compare` calls this in a thread while its runs go on."""
    import importlib

    for name in ("matplotlib.figure", "matplotlib.backends.backend_svg"):
        importlib.import_module(name)


def figure(width: float, height: float, ncols: int = 1, *, sharey: bool = False,
           legend_outside: bool = False, label_room: float = 0.0) -> tuple[Figure, list[Axes]]:
    """A figure of `width` x `height` inches with `ncols` axes side by side in fixed margins.

    Fixed margins rather than a layout engine or a tight bounding box, which measure every text
    in an extra draw: `legend_outside` leaves the room on the right for a legend placed there,
    `label_room` more inches below for slanted x tick labels (`slanted_room`).
    tests/unit/test_plots.py checks that nothing of the reports' plots falls outside the figure.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    right = _RIGHT + (_LEGEND if legend_outside else 0.0)
    fig.subplots_adjust(left=_LEFT / width, right=1 - right / width, bottom=(_BOTTOM + label_room) / height,
                        top=1 - _TOP / height)
    axes = fig.subplots(1, ncols, sharey=sharey, squeeze=False)
    return fig, list(axes[0])


def log_axis(ax: Axes) -> None:
    """A logarithmic y axis labelled 100, 1000, 10000: the default labels (10 to a power) are
    mathtext, which matplotlib parses for every label of every draw (half of a bar chart's time)."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.0f}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def slanted_room(labels: list[str], *, inch_per_char: float = 0.065) -> float:
    """The room below the axes that x tick labels slanted at 45 degrees take beyond a level one."""
    return inch_per_char * max((len(label) for label in labels), default=0)


def svg(fig: Figure) -> bytes:
    """The figure as an SVG document, the same bytes for the same figure."""
    import matplotlib

    buffer = io.BytesIO()
    # Read when the figure is saved, so set only around savefig: an importer's rcParams stay theirs.
    with matplotlib.rc_context({"svg.hashsalt": "memharness", "svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def embed(name: str, fig: Figure) -> str:
    """The page's HTML for one plot: a heading named `name`, then the figure as an SVG image."""
    data = base64.b64encode(svg(fig)).decode()
    label = html.escape(name)
    return f"<h3>{label}</h3><img alt='{label}' src='data:{MEDIA_TYPE};base64,{data}'>"
