"""Robot keywords for a user's app: build it per heap scheme, run it, compare the schemes.

A keyword group of the `MemHarness` library (which mixes it in), over `harness.api.run_app` and
`harness.app.compare`: the calls `memharness run --app` and `compare --app` make. After `Run App`
the image keywords (`Free Heap Should Be At Least`, `Task Stack High Water Mark Should Be At
Least`, `No Task Should Have Less Than ... Of Stack Left`, `Get Snapshot`) and the run keywords
(`Run Should End With`, `Run Should Have Line`, ...) read the app's run.
"""

from __future__ import annotations

from pathlib import Path

from robot.api import logger

from harness import api
from harness.app.build import variants
from harness.app.compare import AppCell, AppComparison, compare_app, hit, verdict
from harness.app.run import AppRun, clean, figures
from harness.observe.image_report import write_image_run
from harness.report import write_run
from harness.robot.image_keywords import ImageKeywords, _calls, _Image


def _defines(text: str | None) -> dict[str, int | str]:
    out: dict[str, int | str] = {}
    for part in (text or "").split(","):
        name, _, value = part.strip().partition("=")
        if name:
            out[name] = int(value) if value.lstrip("-").isdigit() else (value or 1)
    return out


class AppKeywords(ImageKeywords):
    """Keywords of the `MemHarness` library for a user's app (a folder with a memharness.toml)."""

    _app_run: AppRun | None = None
    _comparison: AppComparison | None = None

    def run_app(self, app: str, heap: str = "heap_4", board: str | None = None, defines: str | None = None,
                at_call: str | None = None) -> None:
        """Build the app in folder ``app`` for ``heap`` (and ``board``, default the project's first),
        run it as its project file says, and read it from outside. ``defines``: ``NAME=VALUE,...``
        added to the project's; ``at_call``: ``FUNC[:N],...`` snapshots at calls.

        | `Run App` | ${EXAMPLES}/esp-idf-tutorial | heap=heap_2 | defines=TUTORIAL_VERSION=2 |
        """
        result = api.run_app(Path(app), heap, self._results_root() / self._context(), board=board,
                             defines=_defines(defines), at_calls=_calls(at_call))
        self._app_run = result
        run = result.image_run
        self._image = _Image(result.firmware.elf, result.firmware.variant.board.name, run.image, run)
        self._image_latest = True
        write_run(run.run, result.folder)
        write_image_run(run, result.folder)
        self._log_run(run.run)
        fig = figures(result)
        logger.info(f"malloc failed {fig['malloc_failed']} time(s); resets {fig['resets']}; "
                    f"min ever free {fig['min_ever_free']} ({fig['min_ever_source']})")

    def malloc_failures_should_be(self, count: int) -> None:
        """The malloc-failed hook was hit ``count`` times in the last `Run App` (caught from outside)."""
        seen = self._last_app().image_run.malloc_failures
        if seen != int(count):
            raise AssertionError(f"expected {count} allocation failure(s); the malloc-failed hook was hit {seen} "
                                 "time(s)")

    def app_should_run_clean(self) -> None:
        """The last `Run App` reached its end condition with no allocation failure, no reset, and
        printed every line its project file expects."""
        app_run = self._last_app()
        fig = figures(app_run)
        if not clean(fig):
            raise AssertionError(f"{fig['scheme']} did not run clean: {fig['outcome']} ({fig['reason']}), "
                                 f"{fig['malloc_failed']} allocation failure(s), resets {fig['resets']}, "
                                 f"missing lines {fig['missing_lines']}\n{app_run.run.describe()}")

    def compare_app(self, app: str, schemes: str | None = None, defines: str | None = None) -> list[str]:
        """Run the app on every scheme its project file lists (or ``schemes``, a comma list) and
        return the verdict's lines; the `Scheme Should ...` keywords then read the comparison.

        | ${verdict}= | `Compare App` | ${EXAMPLES}/plain-freertos |
        """
        project = api.app_project(Path(app), _defines(defines))
        chosen = [s.strip() for s in schemes.split(",")] if schemes else None
        comparison = compare_app(project, variants(project, schemes=chosen), self._results_root() / self._context())
        self._comparison = comparison
        lines = verdict(comparison)
        logger.info("\n".join(lines))
        return lines

    def scheme_should_run_clean(self, scheme: str) -> None:
        """In the last `Compare App`, ``scheme`` ran without an allocation failure or a reset."""
        cell = self._cell(scheme)
        if not clean(cell.figures):
            raise AssertionError(f"{scheme} did not run clean: {hit(cell)}")

    def scheme_should_hit(self, scheme: str, text: str) -> None:
        """In the last `Compare App`, ``scheme`` did not run clean, and what it hit contains ``text``
        (e.g. ``assert in heap_1.c``, ``allocation failure``)."""
        cell = self._cell(scheme)
        what = hit(cell)
        if clean(cell.figures) or text not in what:
            raise AssertionError(f"expected {scheme} to hit {text!r}; it hit: {what}")

    def _cell(self, scheme: str) -> AppCell:
        if self._comparison is None:
            raise AssertionError("nothing compared yet: call Compare App first")
        for cell in self._comparison.cells:
            if cell.spec.scheme == scheme:
                return cell
        raise AssertionError(f"{scheme} was not in the comparison")

    def _last_app(self) -> AppRun:
        if self._app_run is None:
            raise AssertionError("no app has run: call Run App first")
        return self._app_run
