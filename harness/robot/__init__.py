"""Robot Framework keyword library: `Library    harness.robot.MemHarness` (or `Library    memharness`).

Thin over the Python API (`harness.api`, `harness.expect`, `harness.live`); see `library.py`.
"""

from harness.robot.library import MemHarness

__all__ = ["MemHarness"]
