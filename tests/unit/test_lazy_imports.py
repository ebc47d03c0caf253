"""`memharness` pays only for what a command uses: the heavy libraries stay out of the imports.

Not a timed test (speed is measured in bench/): it names the modules that must not be imported,
so a module-level `import matplotlib` (or pydantic, qemu.qmp, ...) added to the CLI's import
chain fails here, with the chain that pulled it in. Import a heavy library inside the function
that uses it instead.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Loaded only by the commands that use them: the comparison's plots, the board schema (pydantic,
# YAML) with the first board, rich when main() prints, QMP (asyncio) when a probe reads RAM,
# pyelftools when an ELF is read.
HEAVY = ("matplotlib", "numpy", "PIL", "pydantic", "pydantic_core", "yaml", "rich", "qemu", "asyncio",
         "elftools")
_SHOW = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(sys.modules)))
"""


def modules_after(module: str) -> set[str]:
    """Every module a fresh interpreter holds after importing `module`."""
    out = subprocess.run([sys.executable, "-c", _SHOW, module], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


def imported_by(module: str) -> set[str]:
    """The top-level packages a fresh interpreter holds after importing `module`."""
    return {name.split(".")[0] for name in modules_after(module)}


def chain(module: str, heavy: str) -> str:
    """Who imported `heavy`: the importtime lines up to its first appearance, for the failure message."""
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"], capture_output=True,
                         text=True, check=True).stderr.splitlines()
    first = next((i for i, line in enumerate(err) if line.rstrip().endswith(f" {heavy}")), len(err))
    return "\n".join(err[max(first - 8, 0): first + 1])


@pytest.mark.parametrize("module", ["harness.cli", "harness.api", "harness.run"])
def test_the_command_line_and_the_api_import_no_heavy_library(module: str) -> None:
    loaded = imported_by(module) & set(HEAVY)
    assert not loaded, f"import {module} loads {sorted(loaded)}:\n" + "\n".join(chain(module, h) for h in loaded)


def test_the_comparison_imports_no_plotting_until_it_writes_its_report() -> None:
    loaded = imported_by("harness.compare") & {"matplotlib", "numpy", "PIL", "elftools", "qemu"}
    assert not loaded, f"import harness.compare loads {sorted(loaded)}"


def test_the_command_line_loads_the_run_machinery_only_for_a_command_that_runs() -> None:
    """`memharness --help`, `boards`, `scenarios`, `kernel` and the parser itself need neither the
    run loop nor its event types (whose dataclasses cost more than the rest of the CLI)."""
    loaded = modules_after("harness.cli") & {"harness.api", "harness.run", "harness.events", "harness.build",
                                            "harness.compare", "harness.platforms", "harness.report"}
    assert not loaded, f"import harness.cli loads {sorted(loaded)}"


@pytest.mark.parametrize("module", ["harness.compare_report", "harness.app.report", "harness.merge"])
def test_the_reports_import_matplotlib_only_when_they_draw(module: str) -> None:
    assert "matplotlib" not in imported_by(module), chain(module, "matplotlib")


_DRAW = """
import json, sys
from harness import compare_report
from harness.compare import Comparison
figures = tuple(json.loads(open(sys.argv[1]).read()))
assert compare_report.page(Comparison(cells=(), figures=figures), {}).count("data:image/svg+xml;base64,") == 4
print(json.dumps(sorted(name for name in sys.modules if name.startswith("matplotlib.backends"))
                 + ["matplotlib.pyplot"] * ("matplotlib.pyplot" in sys.modules)))
"""


def test_the_plots_are_drawn_without_pyplot_or_a_gui_backend() -> None:
    """A bare Figure, written by the SVG backend: pyplot's backend selection and figure registry never load."""
    data = Path(__file__).parent / "data" / "compare-schemes.json"
    out = subprocess.run([sys.executable, "-c", _DRAW, str(data)], capture_output=True, text=True, check=True)
    svg = {"backend_svg", "backend_mixed", "backend_agg", "_backend_agg", "registry"}  # svg rasterises with Agg
    assert set(json.loads(out.stdout)) <= {"matplotlib.backends", *(f"matplotlib.backends.{b}" for b in svg)}
