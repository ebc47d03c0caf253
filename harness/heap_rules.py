"""What each heap scheme can report and what an allocation costs: FREERTOS-FACTS.md as code.

The assertions of the test suites rest on these rules, so they live in one place and say where
they come from; nothing here is measured, everything here is checked by a measurement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.variant import NO_HEAP

LINK_BYTES = 8  # sizeof(BlockLink_t) on a 32-bit core: a pointer and a size_t


def round_up(n: int, to: int = 8) -> int:
    """`n` rounded up to a multiple of `to` (by default Cortex-M's portBYTE_ALIGNMENT)."""
    return (n + to - 1) // to * to


@dataclass(frozen=True)
class PortLayout:
    """What the port's build gives the rules: portBYTE_ALIGNMENT and sizeof(StackType_t).

    Read from the boot record (`align=`, `stack_word=`), which the firmware prints from the
    kernel's own macros, so nothing here is special-cased per board.
    """

    alignment: int = 8  # 8 on the ARM_CM* ports, 16 on RV32 (RISC-V port)
    word: int = 4

    @property
    def header(self) -> int:
        """heap_2/4/5's xHeapStructSize: the block header rounded up to the alignment."""
        return round_up(LINK_BYTES, self.alignment)


CORTEX_M = PortLayout()
ALIGNMENT = CORTEX_M.alignment  # portBYTE_ALIGNMENT on Cortex-M
HEADER = CORTEX_M.header  # sizeof(BlockLink_t) rounded up, heap_2/4/5
MINIMUM_BLOCK = 2 * HEADER  # heapMINIMUM_BLOCK_SIZE: a block is split only if more is left over

# Figures each scheme's record carries (absent ones are "not available", never zero).
FIGURES: dict[str, frozenset[str]] = {
    "heap_1": frozenset({"free"}),
    "heap_2": frozenset({"free"}),
    "heap_3": frozenset({"free", "arena"}),  # computed by the firmware from newlib, not by heap_3
    "heap_4": frozenset({"free", "min_ever", "largest", "smallest", "free_blocks", "allocs", "frees"}),
    "heap_5": frozenset({"free", "min_ever", "largest", "smallest", "free_blocks", "allocs", "frees"}),
    NO_HEAP: frozenset(),
    "esp_idf": frozenset({"free", "min_ever", "largest"}),  # what an ESP-IDF app prints (patterns)
}

CAN_FREE = {"heap_1": False, "heap_2": True, "heap_3": True, "heap_4": True, "heap_5": True}
# heap_2 is best fit and never merges neighbours; heap_4/5 coalesce; heap_3 is newlib's (it does).
COALESCES = {"heap_1": False, "heap_2": False, "heap_3": True, "heap_4": True, "heap_5": True}


class NotAvailable(LookupError):
    """A figure the linked heap scheme cannot give; raised instead of comparing against 0."""

    def __init__(self, figure: str, heap: str) -> None:
        super().__init__(f"{figure} is not available on {heap}: the scheme does not report it")
        self.figure = figure
        self.heap = heap


def allocation_cost(heap: str, size: int, layout: PortLayout = CORTEX_M) -> int | None:
    """Bytes of free heap that `pvPortMalloc(size)` takes, or None where no exact rule exists.

    heap_2/4/5 add the block header and round to the alignment (8 and 8 on Cortex-M, 16 and 16
    on RV32); heap_1 rounds to the alignment only; heap_3 is the C library's malloc, whose cost
    depends on its own chunk layout.
    """
    if heap == "heap_1":
        return round_up(size, layout.alignment)
    if heap in ("heap_2", "heap_4", "heap_5"):
        return round_up(size + layout.header, layout.alignment)
    return None


def blocks_that_fit(heap: str, free: int, cost: int) -> int:
    """How many allocations costing `cost` the free figure `free` still holds.

    heap_1 hands a block out only if a byte stays free after it (heap_1.c: `xNextFreeByte +
    xWantedSize < configADJUSTED_HEAP_SIZE`), which shows when the free figure is an exact
    multiple of the cost (RV32: 16-byte alignment, 4096-byte blocks).
    """
    return (free - 1) // cost if heap == "heap_1" else free // cost


def free_before_first_allocation(heap: str, total: int, layout: PortLayout = CORTEX_M) -> int | None:
    """The free figure at boot: heap_1/2 report TOTAL - alignment at once, heap_4 reports 0 until
    the first allocation initialises it; heap_5 depends on its regions; heap_3 has no figure of its own.
    """
    if heap in ("heap_1", "heap_2"):
        return total - layout.alignment
    if heap == "heap_4":
        return 0
    return None


def free_after_initialisation(
    heap: str, total: int, regions: Sequence[tuple[int, int]] = (), layout: PortLayout = CORTEX_M
) -> int | None:
    """The free figure once the scheme has set itself up (aligned application heap); heap_5's
    is the sum over its (size, address) regions of what each adds."""
    if heap in ("heap_1", "heap_2"):
        return total - layout.alignment
    if heap == "heap_4":
        return total - layout.header  # the end marker, at the aligned end of an aligned heap
    if heap == "heap_5" and regions:
        return sum(heap5_region_free(size, address, layout) for size, address in regions)
    return None


def heap5_region_free(size: int, address: int, layout: PortLayout = CORTEX_M) -> int:
    """What one heap_5 region adds to the free figure: its alignment slack and end marker go."""
    start = round_up(address, layout.alignment)
    end = (address + size - layout.header) // layout.alignment * layout.alignment
    return end - start


# --- What a kernel object asks pvPortMalloc for (FreeRTOS-Kernel V11.x, one allocation each) ---
# queue.c xQueueGenericCreate: sizeof(Queue_t) + length * item size; the semaphores and the mutex
# are queues of items of size 0. event_groups.c xEventGroupCreate: sizeof(EventGroup_t).
# timers.c xTimerCreate: sizeof(Timer_t). stream_buffer.c xStreamBufferGenericCreate:
# sizeof(StreamBuffer_t) + size + 1 (one byte is always kept free); a message buffer is a stream
# buffer. The struct sizes are read from the image's DWARF (harness.elf.type_size).
OBJECT_TYPES: dict[str, str] = {
    "queue": "Queue_t",
    "binary_semaphore": "Queue_t",
    "counting_semaphore": "Queue_t",
    "mutex": "Queue_t",
    "event_group": "EventGroup_t",
    "timer": "Timer_t",
    "stream_buffer": "StreamBuffer_t",
    "message_buffer": "StreamBuffer_t",
}

# The application-side Static..._t the kernel asserts is as big as the private type.
STATIC_TYPES: dict[str, str] = {
    "queue": "StaticQueue_t",
    "binary_semaphore": "StaticSemaphore_t",
    "counting_semaphore": "StaticSemaphore_t",
    "mutex": "StaticSemaphore_t",
    "event_group": "StaticEventGroup_t",
    "timer": "StaticTimer_t",
    "stream_buffer": "StaticStreamBuffer_t",
    "message_buffer": "StaticMessageBuffer_t",
    "task": "StaticTask_t",
}


def object_request(name: str, type_size: int, *, length: int = 0, item_size: int = 0, stream_size: int = 0) -> int:
    """Bytes the kernel requests from pvPortMalloc to create object `name` (its struct is `type_size`)."""
    if name == "queue":
        return type_size + length * item_size
    if name in ("stream_buffer", "message_buffer"):
        return type_size + stream_size + 1
    if name in OBJECT_TYPES:
        return type_size
    raise KeyError(f"no allocation rule for kernel object {name!r}")


def task_cost(heap: str, depth_words: int, tcb_size: int, layout: PortLayout = CORTEX_M) -> int | None:
    """Free heap xTaskCreate takes: the stack (depth * word, allocated first on a stack that grows
    down) and the TCB, each one allocation (tasks.c prvCreateTask); None where no exact rule exists."""
    stack = allocation_cost(heap, depth_words * layout.word, layout)
    tcb = allocation_cost(heap, tcb_size, layout)
    return None if stack is None or tcb is None else stack + tcb
