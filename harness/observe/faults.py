"""Faults caught from outside: what the breakpoints on hooks and fault handlers turn into events.

No cooperation from the image: the handlers are found in its vector table (HardFault, MemManage,
BusFault, UsageFault: entries 3 to 6, often one shared default handler, so the exception number
is read from IPSR), the hooks by their FreeRTOS names, the assert function by a symbol the user
may name. At a handler's first instruction r0-r3 and r12 still hold what the hardware stacked;
the frame is on MSP (r13) when EXC_RETURN's bit 2 is clear, else on the task's stack (PSP, which
QEMU 7.2's gdb stub does not expose): there it is found as the lowest place in the running task's
stack holding r0, r1, r2, r3, r12 in a row. The stacked PC and LR are decoded to function and line
(`harness.elf.locate`); CFSR, HFSR, MMFAR and BFAR are read from the System Control Block.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from harness.elf import locate
from harness.events import Assert, Fault, MallocFailed, StackOverflow, harness_event
from harness.heap2_walk import Read
from harness.observe.image import KernelImage

CFSR, HFSR, MMFAR, BFAR = 0xE000ED28, 0xE000ED2C, 0xE000ED34, 0xE000ED38
CFSR_STKOF = 1 << 20  # UFSR.STKOF (ARMv8-M): a stack limit was crossed
EXCEPTIONS = {3: "hardfault", 4: "memmanage", 5: "busfault", 6: "usagefault"}
FAULT_VECTORS = (3, 4, 5, 6)
SP, LR, PC = 13, 14, 15
EXC_RETURN_PSP = 1 << 2
STACK_OVERFLOW_HOOK = "vApplicationStackOverflowHook"
MALLOC_FAILED_HOOK = "vApplicationMallocFailedHook"
ASSERT_FUNCTIONS = ("vAssertCalled", "vApplicationAssert", "__assert_func")  # tried in this order
_NAME_BYTES = 64


@dataclass(frozen=True)
class Caught:
    """A fault or hook seen at a breakpoint: its event, whether the run ends there, and a line for
    the log that says where."""

    event: StackOverflow | MallocFailed | Fault | Assert
    fatal: bool
    where: str


def fault_handlers(image: KernelImage) -> dict[int, int]:
    """Handler address -> the exception number its vector names first (3 to 6)."""
    found: dict[int, int] = {}
    for number in FAULT_VECTORS:
        if number < len(image.vectors) and image.vectors[number]:
            found.setdefault(image.vectors[number] & ~1, number)
    return found


def assert_function(image: KernelImage, name: str | None) -> int | None:
    """Where the image's assert function starts: `name` if given, else a well-known one."""
    for candidate in (name,) if name else ASSERT_FUNCTIONS:
        address = image.function(candidate) if candidate else None
        if address is not None:
            return address
    return None


def _word(read: Read, address: int) -> int:
    value: int = struct.unpack("<I", read(address, 4))[0]
    return value


def _string(read: Read, address: int) -> str | None:
    try:
        raw = read(address, _NAME_BYTES)
    except OSError:
        return None
    text = raw.split(b"\0", 1)[0]
    return text.decode("utf-8", errors="replace") if text.isascii() else None


def task_name(image: KernelImage, read: Read, tcb: int) -> str | None:
    if not tcb:
        return None
    lay = image.layouts.tcb
    try:
        raw = read(tcb + lay.offset("pcTaskName"), lay.size_of("pcTaskName"))
    except OSError:
        return None
    return raw.split(b"\0", 1)[0].decode("utf-8", errors="replace")


def _frame(image: KernelImage, read: Read, regs: list[int], current_tcb: int) -> int | None:
    """The address of the exception frame (r0 r1 r2 r3 r12 lr pc xpsr)."""
    if not regs[LR] & EXC_RETURN_PSP:
        return regs[SP]
    if not current_tcb:
        return None
    lay = image.layouts.tcb
    try:
        base = _word(read, current_tcb + lay.offset("pxStack"))
        top = _word(read, current_tcb + lay.offset("pxEndOfStack")) + 4 if lay.has("pxEndOfStack") else base + 64 * 1024
        data = read(base, top - base)
    except OSError:
        return None
    wanted = struct.pack("<5I", *regs[0:4], regs[12])
    for offset in range(0, len(data) - 32 + 1, 4):
        if data[offset : offset + 16] == wanted[:16] and data[offset + 16 : offset + 20] == wanted[16:]:
            return base + offset
    return None


def decode_fault(image: KernelImage, read: Read, regs: list[int], current_tcb: int) -> Caught | None:
    """A Fault event at a fault handler's entry; None when IPSR says it is not a fault (an
    unhandled interrupt that shares the default handler)."""
    exception = regs[-1] & 0x1FF
    kind = EXCEPTIONS.get(exception)
    if kind is None:
        return None
    cfsr, hfsr, mmfar, bfar = (_word(read, a) for a in (CFSR, HFSR, MMFAR, BFAR))
    if cfsr & CFSR_STKOF:
        kind = "stack_limit"
    pc = lr = psr = None
    frame = _frame(image, read, regs, current_tcb)
    if frame is not None:
        try:
            lr, pc, psr = struct.unpack("<3I", read(frame + 20, 12))
        except OSError:
            pass
    task = task_name(image, read, current_tcb)
    event = harness_event(
        Fault, fault=kind, pc=pc, lr=lr, psr=psr, cfsr=cfsr, hfsr=hfsr, mmfar=mmfar, bfar=bfar, task=task,
    )
    where = f"{kind} in task {task or '?'}"
    if pc is not None:
        where += f" at {locate(image.elf, pc)}"
    if lr is not None:
        where += f", called from {locate(image.elf, lr)}"
    return Caught(event, True, where)


def decode_hook(image: KernelImage, read: Read, address: int, regs: list[int], assert_at: int | None) -> Caught | None:
    """The event for a hook's breakpoint at `address` (arguments in r0, r1 at its entry)."""
    if address == image.function(STACK_OVERFLOW_HOOK):
        name = task_name(image, read, regs[0]) or _string(read, regs[1]) or "?"
        return Caught(harness_event(StackOverflow, task=name), True, f"stack overflow in task {name}")
    if address == image.function(MALLOC_FAILED_HOOK):
        return Caught(harness_event(MallocFailed), False, "pvPortMalloc returned NULL (malloc failed hook)")
    if assert_at is not None and address == assert_at:
        file = _string(read, regs[0]) or "?"
        line = regs[1] if regs[1] < 1 << 24 else 0
        return Caught(harness_event(Assert, file=file, line_number=line), True, f"assert failed at {file}:{line}")
    return None
