"""How FreeRTOS lays out and checks a task's stack on Cortex-M: the rules the stack assertions rest on.

Where each comes from (FreeRTOS-Kernel V11.x, the sources are the authority):
- tasks.c, prvInitialiseNewTask: the stack is filled with tskSTACK_FILL_BYTE (0xa5); its top is
  `&pxStack[depth - 1]` rounded down to portBYTE_ALIGNMENT (8 on the ARM_CM* ports).
- tasks.c, prvTaskCheckFreeStackSpace: the high-water mark counts 0xa5 bytes from pxStack (the
  lowest address) up to the first other byte, divided by sizeof(StackType_t) (4).
- include/stack_macros.h, method 2: at each switch-out the first 16 bytes at pxStack must still
  hold the fill (and the saved stack pointer must be above pxStack); method 1 checks the pointer only.
"""

from __future__ import annotations

from harness.heap_rules import CORTEX_M, PortLayout

WORD = 4  # sizeof(StackType_t) on Cortex-M
FILL = 0xA5  # tskSTACK_FILL_BYTE
ALIGNMENT = 8  # portBYTE_ALIGNMENT on the ARM_CM* ports
CANARY_BYTES = 16  # method 2: four words at pxStack


def usable_bytes(depth_words: int, layout: PortLayout = CORTEX_M, base: int = 0) -> int:
    """Bytes from pxStack up to the aligned top of stack (where the first frame goes below).

    The top word's address, pxStack + word * (depth - 1), rounds down to the port's alignment.
    With `base` (pxStack) the figure is exact; without, pxStack is taken as aligned, as heap_1/2/4/5
    blocks and the firmware's static stacks are (a C library's malloc may align less: heap_3).
    """
    if depth_words < 1:
        raise ValueError(f"a stack depth must be at least 1 word, not {depth_words}")
    top = base + layout.word * (depth_words - 1)
    return top // layout.alignment * layout.alignment - base


def touched_bytes(depth_words: int, hwm_words: int, layout: PortLayout = CORTEX_M, base: int = 0) -> int:
    """The stack a task has touched, counted down from the aligned top (independent of depth parity)."""
    return usable_bytes(depth_words, layout, base) - layout.word * hwm_words


def minimum_depth(touched: int, method: int = 2, layout: PortLayout = CORTEX_M) -> int:
    """The smallest depth (words) at which a task touching `touched` bytes below its aligned top
    passes check method 2: its deepest byte stays above the 16-byte canary at pxStack.

    Method 1 looks at the saved stack pointer only, which a high-water mark cannot tell; it
    passes at this depth too, but may pass at smaller ones.
    """
    if method != 2:
        raise ValueError("the minimum depth follows from the high-water mark for method 2 only")
    depth = 1
    while usable_bytes(depth, layout) - touched < CANARY_BYTES:
        depth += 1
    return depth


def untouched_bytes(stack: bytes) -> int:
    """The 0xa5 fill bytes at the bottom (lowest addresses) of a stack read from RAM."""
    count = 0
    for byte in stack:
        if byte != FILL:
            break
        count += 1
    return count


def untouched_words(stack: bytes) -> int:
    """What uxTaskGetStackHighWaterMark returns for this stack: untouched bytes // 4."""
    return untouched_bytes(stack) // WORD
