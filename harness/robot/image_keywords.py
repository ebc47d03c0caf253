"""Robot keywords for a user's own image: boot it, read its heap and stacks from outside, check them.

A keyword group of the `MemHarness` library (which mixes it in), over `harness.api.run_elf` and
`harness.observe`: the same calls the `memharness run --elf` command and the pytest fixture make.
After `Run Image`, the library's run keywords (`Run Should End With`, `Board Should Reset Within`,
`Run Should Have Line`, ...) read the image's run, as they read a scenario's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from harness import api
from harness.expect import parse_amount
from harness.observe.image import KernelImage, load_image
from harness.observe.image_report import write_image_run
from harness.observe.plan import Plan
from harness.observe.snapshot import Snapshot
from harness.observe.target import ImageRun
from harness.platforms import load_board
from harness.report import write_run
from harness.run import Run


@dataclass
class _Image:
    elf: Path
    board: str
    image: KernelImage
    result: ImageRun | None = None


def _calls(text: str | None) -> tuple[tuple[str, int], ...]:
    out = []
    for part in (text or "").split(","):
        name, _, count = part.strip().partition(":")
        if name:
            out.append((name, int(count) if count else 1))
    return tuple(out)


class ImageKeywords:
    """Keywords of the `MemHarness` library for images that are not ours (mixed into it)."""

    _image: _Image | None = None
    _image_latest = False  # the last run was an image's: the run keywords read it

    def _results_root(self) -> Path:
        raise NotImplementedError  # MemHarness's

    def _context(self) -> Path:
        raise NotImplementedError  # MemHarness's

    def _log_run(self, run: Run) -> None:
        raise NotImplementedError  # MemHarness's

    def start_board_with_image(self, elf: str, board: str | None = None) -> None:
        """Check a user's FreeRTOS ELF for ``board`` (default: the library's) and make it the image
        the next `Run Image` boots. Refuses, with the fix, a file that is not such an image.

        | `Start Board With Image` | ${CURDIR}/app.elf | board=mps2-an385 |
        """
        name = str(board or getattr(self, "_default_board", api.DEFAULT_BOARD))
        path = Path(elf).resolve()
        self._image = _Image(path, name, load_image(path, load_board(name)))
        logger.info(f"{path}: {self._image.image.heap}, board {name}")

    def run_image(
        self,
        ticks: int | None = None,
        every: int | None = None,
        at_call: str | None = None,
        until_call: str | None = None,
        until_line: str | None = None,
        at_line: str | None = None,
        timeout: float = 30.0,
        max_resets: int = 0,
        assert_function: str | None = None,
    ) -> None:
        """Boot the image from power-on and read it from outside until it ends.

        ``ticks``: end after that many kernel ticks (1000 when no end is given); ``every``: a
        snapshot every N ticks; ``at_call``: ``FUNC[:N],...`` snapshots at calls; ``until_call``,
        ``until_line``: other ends; ``at_line``: a snapshot when a line contains the text.

        | `Run Image` | ticks=200 | every=50 |
        | `Run Image` | at_call=vAppWork:3 | until_line=app: done |
        """
        image = self._active_image()
        end_ticks = ticks if ticks is not None or until_call or until_line else 1000
        end_hits = _calls(until_call)
        plan = Plan(every_ticks=every, at_hits=_calls(at_call), at_lines=(at_line,) if at_line else (),
                    end_ticks=end_ticks, end_hit=end_hits[0] if end_hits else None, end_line=until_line)
        results = self._results_root() / self._context()
        result = api.run_elf(image.elf, image.board, plan, results, timeout=timeout, max_resets=max_resets,
                             assert_symbol=assert_function)
        image.result = result
        self._image_latest = True
        folder = result.run.uart_log.parent
        write_run(result.run, folder)
        write_image_run(result, folder)
        self._log_run(result.run)
        for snap in result.snapshots:
            logger.info(f"snapshot {snap.label}: free={snap.heap.free} min_ever={snap.heap.min_ever} "
                        + " ".join(f"{t.name}:hwm={t.hwm_bytes}" for t in snap.tasks))

    def take_snapshot(self, ticks: int = 100) -> dict[str, Any]:
        """Boot the image, run it ``ticks`` kernel ticks, and return the snapshot there (a dictionary:
        ``heap``, ``tasks``, ``tick``, ...), identical in every run.

        | ${snap}= | `Take Snapshot` | ticks=100 |
        | Should Be True | ${snap}[heap][free] > 1024 |
        """
        self.run_image(ticks=ticks)
        return self._snapshot(None).to_json()

    def get_snapshot(self, label: str | None = None) -> dict[str, Any]:
        """The last run's snapshot ``label`` (``tick 50``, ``vAppWork#3``, ``end``...; default the last)."""
        return self._snapshot(label).to_json()

    def free_heap_should_be_at_least(self, amount: str, at: str | None = None) -> None:
        """The image's free heap at snapshot ``at`` (default the last) is at least ``amount``
        (``4096``, ``4 KiB``)."""
        snap = self._snapshot(at)
        wanted = parse_amount(amount)
        free = snap.heap.free
        if free is None:
            raise AssertionError(f"the free heap is not available from outside: {snap.heap.not_available}")
        if free < wanted:
            raise AssertionError(f"expected at least {wanted} bytes of free heap at {snap.label}, there are {free}")

    def heap_should_not_be_corrupt(self, at: str | None = None) -> None:
        """The free list walks to its end and its total matches the scheme's own counter."""
        snap = self._snapshot(at)
        if snap.heap.corruption:
            raise AssertionError(f"heap corruption at {snap.label}: {snap.heap.corruption}")

    def task_stack_high_water_mark_should_be_at_least(self, task: str, amount: str, at: str | None = None) -> None:
        """``task`` has at least ``amount`` (``64 bytes``, ``16 words``) of never-touched stack."""
        snap = self._snapshot(at)
        wanted = parse_amount(amount)
        try:
            left = snap.task(task).hwm_bytes
        except KeyError as exc:
            raise AssertionError(str(exc)) from None
        if left < wanted:
            raise AssertionError(f"expected {task} to have at least {wanted} bytes of stack never touched at "
                                 f"{snap.label}, it has {left}")

    @keyword("No Task Should Have Less Than ${amount} Of Stack Left")
    def no_task_should_have_less_than(self, amount: str) -> None:
        """Every task at the last snapshot has at least ``amount`` of never-touched stack.

        | `No Task Should Have Less Than 128 bytes Of Stack Left` |
        """
        snap = self._snapshot(None)
        wanted = parse_amount(amount)
        short = [f"{t.name} ({t.hwm_bytes} bytes)" for t in snap.tasks if t.hwm_bytes < wanted]
        if short:
            raise AssertionError(f"tasks with less than {wanted} bytes of stack left at {snap.label}: "
                                 + ", ".join(short))

    def _active_image(self) -> _Image:
        if self._image is None:
            raise AssertionError("no image: call Start Board With Image first")
        return self._image

    def _image_run(self) -> Run | None:
        """The image's last run, if the last thing run was an image (the run keywords read it)."""
        return self._image.result.run if self._image is not None and self._image.result is not None else None

    def _snapshot(self, label: str | None) -> Snapshot:
        image = self._active_image()
        if image.result is None:
            raise AssertionError("the image has not run: call Run Image first")
        try:
            return image.result.snapshot(label)
        except KeyError as exc:
            raise AssertionError(str(exc)) from None
