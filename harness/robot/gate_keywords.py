"""The Robot keyword of the baseline gate, kept apart from the run keywords in library.py."""

from __future__ import annotations

from pathlib import Path

from robot.api import logger

from harness.gate import assert_within_baseline
from harness.observe.target import ImageRun
from harness.run import Run


class GateKeywords:
    """Mixed into `MemHarness`; uses its last run."""

    def _last_run(self) -> Run:
        raise NotImplementedError  # MemHarness provides it

    def _image_run_result(self) -> ImageRun | None:
        """The user image's run, if the last thing run was one (`Run Image`): its snapshots are gated."""
        image = getattr(self, "_image", None)
        return image.result if getattr(self, "_image_latest", False) and image is not None else None

    def figures_should_be_within_baseline(self, baseline: str, report: str | None = None) -> None:
        """Fails when a figure got worse than the baseline file allows, with the table of what got
        worse, by how much, on which board, kernel, scheme and workload.

        Without `report`, the figures are the last run's: each heap record's figures and each
        task's stack high-water mark; after `Run Image`, the floors of each snapshot taken at a
        deterministic point (free heap and every task's high-water mark may not drop). With
        `report`, a `compare.json` (of `memharness compare` or of shards merged) against a
        baseline written by `compare --update-baseline`.
        With the environment variable `MEMHARNESS_UPDATE_BASELINE=1` the figures are written into
        the file instead (added to it, or creating it) and the keyword passes.

        | `Run Scenario` | leak | size=4096 |
        | `Figures Should Be Within Baseline` | ${CURDIR}/baselines/runs.json |
        | `Figures Should Be Within Baseline` | ${CURDIR}/baselines/compare.json | report=results/merged/compare.json |
        """
        image = self._image_run_result()
        source: Path | Run | ImageRun = Path(report) if report else image if image is not None else self._last_run()
        verdict = assert_within_baseline(source, baseline)
        logger.info(verdict.summary())
