"""ESP-IDF's console in the harness's own events: a pure function of the lines an image prints.

An ESP-IDF image prints no `@mh` records, but what it does print is regular: the ROM's reset line
(`rst:0x1 (POWERON)`), the panic handler's `Guru Meditation Error` and register dump, FreeRTOS's
stack-overflow line, the watchpoint on a stack's end, `assert failed:`, `CORRUPT HEAP` and
whatever heap figures the application prints. `EspIdfConsole.feed` turns each line into the same
typed events our firmware's records give (Boot, Fault, StackOverflow, Assert, Heap), so every
assertion, keyword and report works on an ESP-IDF image. Decoding a PC to a source line needs the
app's ELF and is done by the caller (`harness.image_run`); this module only reads text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from harness.events import Assert, Boot, Entry, Event, Fault, Heap, StackOverflow, Text, Value

PROTO = 0  # an image that speaks no protocol of ours
HEAP = "esp_idf"  # ESP-IDF's own allocator (heap_caps over TLSF), none of the kernel's heap_N
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_RESET = re.compile(r"^rst:(0x[0-9a-fA-F]+) \(([A-Z0-9_]+)\)")
_GURU = re.compile(r"^Guru Meditation Error: Core\s+(\d+) panic'ed \(([^)]*)\)")
_REGISTER = re.compile(r"([A-Z][A-Z0-9/]*)\s*:\s*(0x[0-9a-fA-F]+)")
_DUMP_HEAD = re.compile(r"^Core\s+\d+ register dump:")
_OVERFLOW = re.compile(r"\*\*\*ERROR\*\*\* A stack overflow in task (.+?) has been detected\.")
_CANARY = re.compile(r"Stack canary watchpoint triggered \((.+?)\)")
_ASSERT = re.compile(r"^assert failed: (\S+) (\S+?):(\d+) \((.*)\)")
_CORRUPT = re.compile(r"^CORRUPT HEAP: (.*)")
# The registers a fault record keeps (the whole dump stays in the UART log).
_KEPT = frozenset({"cause", "core", "backtrace", "mepc", "ra", "sp", "mstatus", "mcause", "mtval", "pc", "ps", "a0",
                   "a1", "excvaddr"})
_BACKTRACE = re.compile(r"^Backtrace:((?:\s+0x[0-9a-fA-F]+:0x[0-9a-fA-F]+)+)")


@dataclass(frozen=True)
class HeapPattern:
    """A heap figure an application prints: the regex's first group is the number of bytes.

    `figure` is the Heap field it fills (`free` or `min_ever`), `label` the Heap event's `at`.
    """

    label: str
    pattern: str
    figure: str = "free"

    def __post_init__(self) -> None:
        if self.figure not in ("free", "min_ever", "largest"):
            raise ValueError(f"a heap pattern fills free, min_ever or largest, not {self.figure!r}")
        if re.compile(self.pattern).groups < 1:
            raise ValueError(f"heap pattern {self.pattern!r} has no group for the number")


# `esp_get_minimum_free_heap_size()` as ESP-IDF's examples print it.
MINIMUM_FREE = HeapPattern("minimum_free", r"Minimum free heap size: (\d+) bytes", "min_ever")
DEFAULT_HEAP_PATTERNS: tuple[HeapPattern, ...] = (MINIMUM_FREE,)


def reset_kind(code: int, name: str, after_panic: bool) -> str:
    """The harness's word for a ROM reset reason (power_on, software, watchdog, panic, ...).

    A software reset that follows a panic report is the panic handler's own restart: `panic`.
    """
    if "POWERON" in name:
        return "power_on"
    if "WDT" in name:
        return "watchdog"
    if "SW" in name:
        return "panic" if after_panic else "software"
    if "BROWN" in name:
        return "brownout"
    if "DEEPSLEEP" in name:
        return "deep_sleep"
    return name.lower() or f"code_{code}"


def _snake(text: str) -> str:
    """`Store access fault` -> `store_access_fault`; `LoadProhibited` -> `load_prohibited`."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text.strip())
    return re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_") or "panic"


class EspIdfConsole:
    """Reads one image's console, line by line; keeps what a multi-line report needs.

    `feed(text, line)` returns the entries of that line: its Text and any event it completes.
    A Guru Meditation report is one Fault, given when its register dump ends; `end()` gives a
    report the output stopped in the middle of.
    """

    def __init__(self, board: str, heap_patterns: Sequence[HeapPattern] = DEFAULT_HEAP_PATTERNS) -> None:
        self.board = board
        self._patterns = [(p, re.compile(p.pattern)) for p in heap_patterns]
        self.boots = 0
        self._panicked = False  # a panic, overflow, assert or heap corruption since the last boot
        self._fault: dict[str, Value] | None = None  # a Guru Meditation report being read
        self._fault_line = 0

    def feed(self, raw: str, line: int) -> list[Entry]:
        text = _ANSI.sub("", raw).rstrip("\r\n")
        out: list[Entry] = [Text(text=raw.rstrip("\r\n"), line=line)]
        if self._fault is not None and not self._in_dump(text):
            out += self._finish_fault()
        out += self._events(text.strip(), line)
        return out

    def end(self) -> list[Entry]:
        return list(self._finish_fault()) if self._fault is not None else []

    # --- one line ----------------------------------------------------------------------------
    def _events(self, text: str, line: int) -> list[Event]:
        if match := _RESET.match(text):
            return [self._boot(int(match.group(1), 16), match.group(2), line)]
        if match := _GURU.match(text):
            self._panicked = True
            self._fault = {"cause": match.group(2), "core": int(match.group(1))}
            self._fault_line = line
            return []
        if match := _OVERFLOW.search(text):
            self._panicked = True
            task = match.group(1)
            return [StackOverflow(task=task, line=line, fields={"task": task, "detected_by": "hook"})]
        if match := _CANARY.search(text):
            self._panicked = True
            task = match.group(1)
            return [StackOverflow(task=task, line=line, fields={"task": task, "detected_by": "watchpoint"})]
        if match := _ASSERT.match(text):
            self._panicked = True
            function, file, number = match.group(1), match.group(2), int(match.group(3))
            fields: dict[str, Value] = {"file": file, "line": number, "function": function}
            return [Assert(file=file, line_number=number, line=line, fields=fields)]
        if match := _CORRUPT.match(text):
            self._panicked = True
            return [Fault(fault="corrupt_heap", line=line, fields={"kind": "corrupt_heap", "detail": match.group(1)})]
        return self._heap_figures(text, line)

    def _boot(self, code: int, name: str, line: int) -> Boot:
        self.boots += 1
        reset = reset_kind(code, name, self._panicked)
        self._panicked = False
        fields: dict[str, Value] = {"boot": self.boots, "reset": reset, "rst": code, "rst_name": name}
        return Boot(
            proto=PROTO, board=self.board, heap=HEAP, profile="esp_idf", kernel="esp-idf", heap_size=0,
            overflow_check=0, boot=self.boots, reset=reset, line=line, fields=fields,
        )

    def _heap_figures(self, text: str, line: int) -> list[Event]:
        out: list[Event] = []
        for pattern, regex in self._patterns:
            match = regex.search(text)
            if match:
                value = int(match.group(1))
                out.append(Heap(at=pattern.label, line=line, fields={"at": pattern.label, pattern.figure: value},
                                **{pattern.figure: value}))
        return out

    # --- the panic report --------------------------------------------------------------------
    def _in_dump(self, text: str) -> bool:
        """Still inside the Guru Meditation report: blank lines, its heading, register lines."""
        assert self._fault is not None
        stripped = text.strip()
        if not stripped or _DUMP_HEAD.match(stripped):
            return True
        pairs = _REGISTER.findall(stripped)
        if pairs and _REGISTER.sub("", stripped).strip() == "":
            for name, value in pairs:
                self._fault[name.lower().replace("/", "_")] = int(value, 16)
            return True
        if match := _BACKTRACE.match(stripped):
            self._fault["backtrace"] = " ".join(match.group(1).split())
            return True
        return False

    def _finish_fault(self) -> list[Event]:
        report, self._fault = self._fault or {}, None
        cause = str(report.get("cause", "panic"))
        pc = report.get("mepc", report.get("pc"))
        fields: dict[str, Value] = {"kind": _snake(cause), **{k: v for k, v in report.items() if k in _KEPT}}
        if isinstance(pc, int):
            fields["pc"] = pc
        def number(key: str) -> int | None:
            value = report.get(key)
            return value if isinstance(value, int) else None

        return [Fault(
            fault=_snake(cause), pc=pc if isinstance(pc, int) else None, lr=number("ra"), cause=cause,
            mcause=number("mcause"), mtval=number("mtval") if "mtval" in report else number("excvaddr"),
            line=self._fault_line, fields=fields,
        )]


def parse_console(lines: Iterable[str], board: str,
                  heap_patterns: Sequence[HeapPattern] = DEFAULT_HEAP_PATTERNS) -> list[Entry]:
    """Every entry of a whole console log (line numbers from 1)."""
    console = EspIdfConsole(board, heap_patterns)
    out: list[Entry] = []
    for number, text in enumerate(lines, start=1):
        out += console.feed(text, number)
    return out + console.end()
