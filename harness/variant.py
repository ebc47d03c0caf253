"""A variant is one firmware image: board x heap scheme x allocation profile x kernel x options.

It is the unit of building and caching; `harness.build` keys its output by everything here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.errors import UsageError

if TYPE_CHECKING:  # annotations only: `import harness.cli` must not pay for the board schema
    from harness.kernel import Kernel
    from harness.platforms import Board

HEAPS = ("heap_1", "heap_2", "heap_3", "heap_4", "heap_5")
NO_HEAP = "none"
PROFILES = ("dynamic", "static", "mixed")
OVERFLOW_CHECKS = (0, 1, 2)
DEFAULT_HEAP = "heap_4"
DEFAULT_BOARD = "mps2-an385"


@dataclass(frozen=True)
class Variant:
    board: Board
    heap: str
    profile: str
    kernel: Kernel
    heap_size: int
    overflow_check: int = 2

    @property
    def heap_number(self) -> int:
        return 0 if self.heap == NO_HEAP else int(self.heap.removeprefix("heap_"))

    @property
    def supports_static(self) -> bool:
        return self.profile in ("static", "mixed")

    @property
    def supports_dynamic(self) -> bool:
        return self.profile in ("dynamic", "mixed")

    @property
    def label(self) -> str:
        return f"{self.board.name}-{self.heap}-{self.profile}-{self.kernel.version}-ovf{self.overflow_check}"


def make_variant(
    board: Board,
    kernel: Kernel,
    heap: str | None = None,
    profile: str = "dynamic",
    heap_size: int | None = None,
    overflow_check: int = 2,
) -> Variant:
    """Check the combination and fill defaults; every refusal says what to pass instead."""
    board.require_firmware()
    if profile not in PROFILES:
        raise UsageError(f"unknown profile '{profile}'", f"use one of: {', '.join(PROFILES)}")
    if profile == "static":
        if heap not in (None, NO_HEAP):
            raise UsageError(
                f"the static profile links no heap scheme, but --heap {heap} was given",
                "drop --heap, or use --profile mixed to have both",
            )
        heap = NO_HEAP
    else:
        heap = heap or DEFAULT_HEAP
        if heap not in HEAPS:
            raise UsageError(f"unknown heap scheme '{heap}'", f"use one of: {', '.join(HEAPS)}")
    if overflow_check not in OVERFLOW_CHECKS:
        raise UsageError(
            f"unknown stack-overflow check method {overflow_check}",
            "use 0 (off), 1 (stack pointer at context switch) or 2 (also the canary bytes)",
        )
    size = board.heap_size if heap_size is None else heap_size
    if heap == NO_HEAP:
        size = 0
    elif not 1024 <= size <= board.memory.ram.size // 2:
        raise UsageError(
            f"heap size {size} is out of range for {board.name}",
            f"choose between 1024 and {board.memory.ram.size // 2} bytes",
        )
    return Variant(board, heap, profile, kernel, size, overflow_check)
