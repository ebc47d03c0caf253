"""The Robot Framework keyword library: a thin layer over `harness.api`, `harness.expect`,
`harness.live` and `harness.heap_rules`, the same Python API the CLI and the pytest plugin use.

What belongs here is only what is Robot's: argument conversion (time strings, `key=value`
parameters), the active board, and writing each run's UART text and records into the Robot log.
Every check and every figure comes from the Python API, so a keyword and a pytest test that say
the same thing cannot disagree.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from robot.api import logger
from robot.api.deco import keyword
from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

from harness import api, expect
from harness.build import Firmware
from harness.emulators import backend
from harness.events import Event
from harness.heap_rules import CAN_FREE
from harness.image_run import run_image
from harness.kernel import DEFAULT_VERSION
from harness.live import LineMatch, LinePattern, LiveBoard
from harness.platforms import load_board
from harness.report import write_run
from harness.robot.app_keywords import AppKeywords
from harness.robot.gate_keywords import GateKeywords
from harness.run import Run
from harness.scenarios import STACK_HWM_MARGIN, scenario

__version__ = "0.1.0"

LOGGED_LINES = 2000  # a flood is cut in the Robot log; the UART log on disk keeps everything
LOGGED_BYTES = 256 * 1024
DEFAULT_UART_TIMEOUT = timedelta(seconds=8)  # Renode's default terminal-tester timeout
DEFAULT_RESULTS = Path("results") / "robot" / "runs"  # when Robot writes into the current folder

_BUILT: dict[tuple[object, ...], Firmware] = {}  # per process: the same variant is hashed once


@dataclass
class _Board:
    alias: str
    firmware: Firmware | None  # None: the board ran an image that is not ours (Run ESP-IDF Image)
    emulator: str = "qemu"
    live: LiveBoard | None = None
    last_run: Run | None = None
    runs: list[Run] = field(default_factory=list)


class MemHarness(AppKeywords, GateKeywords):  # AppKeywords builds on ImageKeywords
    """Keywords for FreeRTOS memory on emulated boards: build an image per heap scheme, run a
    scenario, and check heap and stack figures; plus Renode-style UART keywords.

    The library calls the same Python API as pytest and the `memharness` command
    (`harness.api`, `harness.expect`, `harness.live`), so the figures and rules are the same.

    %TOC%

    = Importing =

    | =Setting= | =Value= | =Arguments= |
    | Library | harness.robot.MemHarness | |
    | Library | memharness | board=mps2-an385 | # the short name, the same library |

    `board` and `kernel` are the defaults of `Start Board` and `Build Firmware`; `results` is
    where each run's folder goes (default: `runs/` in Robot's output directory, or
    `results/robot/runs/` when that is the current folder, Robot's own default);
    `emulator` is the default backend of `Start Board` (`qemu` or `renode`; default: each
    board's first, as `memharness boards` shows).

    = Boards and runs =

    `Start Board` builds (or reuses) the image of a variant (board, heap scheme, profile, kernel)
    and makes it the active board. `Run Scenario` powers that board on, sends
    `run <scenario> key=value ...`, follows its records until `done`, a reset, a deadline or the
    emulator's end, and stops it: every run starts from power-on, exactly as in pytest and the
    command line, so a leak in one test never shows in the next. The keywords that check figures
    (`Free Heap Should Be`, `Board Should Reset Within`, ...) read the active board's last run.

    Each run's UART text and its records are written into this log, and its files (`uart.log`,
    `events.jsonl`, `report.json`) into the results folder.

    | `Start Board` | heap=heap_4 |
    | `Run Scenario` | alloc_free | size=1024 |
    | `Allocation Should Cost The Rule` | 1024 | before=before | after=after_alloc |
    | `Free Heap Should Return To Baseline` | baseline=before | at=after_free |
    | [Teardown] | `Stop All Boards` |

    = Figures a scheme cannot give =

    heap_1 and heap_2 report only the free size, heap_3 (newlib's malloc) no counter of its own,
    and the static profile links no heap at all. A keyword that needs a figure the linked scheme
    cannot give fails with `NotAvailable: min_ever is not available on heap_2: the scheme does
    not report it`: it never compares against 0.

    = Failure messages =

    A failing check quotes what was expected (the record, the line, the figure), the record it
    found instead when there is one, the last lines that arrived, and the path of the full UART
    log, so a failure can be read without running again.

    = UART keywords (Renode style) =

    `Create Terminal Tester`, `Wait For Line On Uart`, `Should Not Be On Uart`,
    `Write Line To Uart` and `Register Failing Uart String` take Renode's names and arguments
    (`treatAsRegex`, `timeout`, `testerId`), so a Renode suite ports with few edits. They drive a
    live board: the active board powered on and kept running until `Stop All Boards`.

    | `Start Board` | heap=heap_4 |
    | `Create Terminal Tester` | sysbus.uart0 | timeout=5 |
    | `Register Failing Uart String` | @mh fault |
    | `Wait For Line On Uart` | @mh ready |
    | `Write Line To Uart` | run leak size=4096 |
    | ${m}= | `Wait For Line On Uart` | leaked=(\\\\d+) | treatAsRegex=true |

    == Differences from Renode ==

    - There is no `Execute Command` or `.resc` script: `Start Board` picks the image, and
      `Create Terminal Tester` powers it on. `Start Emulation` exists and does nothing more
      than make sure the board is on.
    - A board has one UART; the `uart` argument of `Create Terminal Tester` is accepted and
      only logged.
    - The firmware does not echo input: `waitForEcho` is accepted and ignored.
    - QEMU cannot be paused from here: `pauseEmulation` is accepted and ignored. On Renode
      (`Start Board    emulator=renode`) the board is always paused between waits: virtual
      time only moves while a keyword waits for a line.
    - Timeouts take Robot time strings (`5 s`, `500 ms`) as well as Renode's plain seconds.
    - `Wait For Line On Uart` returns an object with `line`, `number` (1-based line of the UART
      log) and `groups` (the regex groups); Renode's has `line` and `groups` too.
    - `Wait For Record` waits for a protocol record (`@mh <kind> key=value ...`) by kind and
      fields: it has no Renode counterpart.
    """

    ROBOT_LIBRARY_SCOPE = "SUITE"
    ROBOT_LIBRARY_VERSION = __version__
    ROBOT_LIBRARY_DOC_FORMAT = "ROBOT"

    def __init__(
        self,
        board: str = api.DEFAULT_BOARD,
        kernel: str = DEFAULT_VERSION,
        results: str | None = None,
        emulator: str | None = None,
    ) -> None:
        self._default_board = board
        self._default_kernel = kernel
        self._results = Path(results) if results else None
        self._emulator = emulator
        self._boards: dict[str, _Board] = {}
        self._active: str | None = None
        self._testers: dict[int, str] = {}
        self._timeouts: dict[int, timedelta] = {}
        self._runs = 0
        self.ROBOT_LIBRARY_LISTENER = _Closer(self)

    # ============================================================================================
    # Boards and runs
    # ============================================================================================
    def build_firmware(
        self,
        board: str | None = None,
        heap: str | None = None,
        profile: str = "dynamic",
        kernel: str | None = None,
        heap_size: int | None = None,
        overflow_check: int = 2,
    ) -> str:
        """Builds the image of a variant, or reuses the cached one, and returns the ELF's path.

        Builds are cached by content in `build/`, so a suite set-up that builds every variant it
        needs costs nothing the second time. `heap` is `heap_1` .. `heap_5` (default `heap_4`);
        `profile` is `dynamic`, `static` (no heap linked: leave `heap` empty) or `mixed`.

        | `Build Firmware` | heap=heap_2 |
        | ${elf}= | `Build Firmware` | profile=static |
        """
        return str(self._prepare(board, heap, profile, kernel, heap_size, overflow_check).elf)

    def start_board(
        self,
        board: str | None = None,
        heap: str | None = None,
        profile: str = "dynamic",
        kernel: str | None = None,
        heap_size: int | None = None,
        overflow_check: int = 2,
        alias: str | None = None,
        emulator: str | None = None,
    ) -> str:
        """Makes a board with the given image the active one; returns its alias.

        The image is built or reused as `Build Firmware` does. The board powers on for each
        `Run Scenario` (every run starts from power-on) and, for the UART keywords, when
        `Create Terminal Tester` is called. The default alias is the variant's label.
        `emulator` is `qemu` or `renode` (default: the library's, else the board's first); one
        image runs on both where the board has both (netduinoplus2).

        | `Start Board` | heap=heap_5 |
        | `Start Board` | board=mps2-an385 | profile=static | alias=static |
        | `Start Board` | heap=heap_4 | heap_size=16384 | kernel=V11.1.0 |
        | `Start Board` | board=netduinoplus2 | emulator=renode |
        """
        firmware = self._prepare(board, heap, profile, kernel, heap_size, overflow_check)
        known = firmware.variant.board
        chosen = emulator or self._emulator or known.default_emulator
        if chosen not in known.emulator_names:
            raise AssertionError(f"board {known.name} does not run on {chosen} (it runs on: "
                                 f"{', '.join(known.emulator_names)})")
        name = alias or firmware.variant.label
        old = self._boards.get(name)
        if old is not None and old.live is not None:
            self._stop_live(old)
        self._boards[name] = _Board(name, firmware, chosen)
        self._active = name
        logger.info(f"board {name}: {firmware.elf}")
        return name

    def switch_board(self, alias: str) -> str:
        """Makes the board started as `alias` the active one; returns the previous alias.

        | `Start Board` | heap=heap_2 | alias=two |
        | `Start Board` | heap=heap_4 | alias=four |
        | `Switch Board` | two |
        """
        if alias not in self._boards:
            raise AssertionError(f"no board called {alias!r}: started are {', '.join(self._boards) or 'none'}")
        previous, self._active = self._active or "", alias
        return previous

    def run_scenario(
        self,
        name: str,
        timeout: timedelta = timedelta(seconds=30),
        max_resets: int = 1,
        **params: str,
    ) -> Run:
        """Runs scenario `name` on the active board from power-on and returns the run.

        Parameters are `key=value` (`memharness scenarios` lists each scenario's). `timeout`
        bounds the scenario after the command is sent; `max_resets` is how many resets end the
        run. The run does not fail here whatever its outcome: check it with `Run Should End With`,
        `Board Should Reset Within` and the figure keywords. Its UART text and records go into
        the log, its files into the results folder.

        | `Run Scenario` | leak | size=4096 |
        | `Run Scenario` | overflow | depth=64 | timeout=10 s |
        | ${run}= | `Run Scenario` | heap_report |
        """
        board = self._board()
        self._runs += 1
        folder = self._results_root() / self._context() / f"{self._runs:03d}"
        run = api.run_scenario(
            self._firmware(board), name, params, folder, emulator=board.emulator,
            timeout=timeout.total_seconds(), max_resets=max_resets,
        )
        write_run(run, run.uart_log.parent)
        board.last_run = run
        board.runs.append(run)
        self._image_latest = False
        self._log_run(run)
        return run

    @keyword("Run ESP-IDF Image")
    def run_esp_idf_image(
        self,
        image: str,
        board: str = "esp32c3",
        until: str | None = None,
        count: int = 1,
        timeout: timedelta = timedelta(seconds=60),
        max_resets: int = 1,
    ) -> Run:
        """Runs an ESP-IDF image (its `build/` folder or a 4 MiB flash image) on `board` (`esp32`,
        `esp32c3`) from power-on, and makes it the active board, so the check keywords read its run.

        ESP-IDF's console becomes the same records as our firmware's: boots with their reason
        (`power_on`, `software`, `panic`, `watchdog`), a `Guru Meditation Error` as a fault with the
        PC decoded to function and file:line, stack overflows, asserts, `CORRUPT HEAP`, and the heap
        figure `Minimum free heap size: N bytes` as `min_ever` at `minimum_free`. The run is done
        once `until` (a regular expression) has matched `count` lines; without `until` it runs for
        `timeout` unless a panic resets the board `max_resets` times.

        | `Run ESP-IDF Image` | ${FIXTURES}/hello_world_esp32c3/build | until=Hello world! | count=2 |
        | `Run ESP-IDF Image` | ${FIXTURES}/hello_world_esp32c3_panic/build |
        | `Last Reset Reason Should Be` | panic |
        """
        folder = self._results_root() / self._context()
        run = run_image(load_board(board), Path(image), folder, until=until or None, count=count,
                        timeout=timeout.total_seconds(), max_resets=max_resets, emulator=self._emulator)
        write_run(run, run.uart_log.parent)
        alias = run.label
        emulator = self._emulator or load_board(board).default_emulator
        self._boards[alias] = _Board(alias, None, emulator, last_run=run, runs=[run])
        self._active = alias
        self._log_run(run)
        return run

    def skip_unless_emulator_is_available(self, emulator: str, board: str | None = None) -> None:
        """Skips the test (or the suite, from its set-up) when `emulator` cannot run `board` here,
        naming why: not installed, or the board has no such emulator.

        | Suite Setup | `Skip Unless Emulator Is Available` | renode | board=stm32f746 |
        """
        from robot.api import SkipExecution

        from harness.platforms import load_board

        reason = backend(emulator).available(load_board(board or self._default_board))
        if reason:
            raise SkipExecution(reason)

    def stop_all_boards(self) -> None:
        """Stops every live board (logging its UART text) and forgets every board; for teardowns.

        | [Teardown] | `Stop All Boards` |
        | Suite Teardown | `Stop All Boards` |
        """
        for board in self._boards.values():
            self._stop_live(board)
        self._boards.clear()
        self._testers.clear()
        self._active = None

    # ============================================================================================
    # Checks on the last run
    # ============================================================================================
    def run_should_end_with(self, outcome: str, reason: str | None = None) -> None:
        """Fails unless the last run ended with `outcome` (and `reason`, when given).

        Outcomes: `done` (the scenario's done record; reason is its status), `reset`
        (reason: stack_overflow, assert, hardfault, ...), `timeout`, `rejected`, `emulator_died`.

        | `Run Should End With` | done | ok |
        | `Run Should End With` | timeout |
        """
        expect.run_should_end_with(self._last_run(), outcome, reason)

    def scenario_should_finish(self) -> None:
        """Fails unless the last run's scenario printed its `done` record with status `ok`.

        | `Run Scenario` | heap_report |
        | `Scenario Should Finish` |
        """
        expect.run_should_end_with(self._last_run(), "done", "ok")

    def run_should_have_record(self, record: str, **fields: str) -> dict[str, Any]:
        """Fails unless the last run has a `@mh <record>` record holding every `key=value` given;
        returns the last such record's fields.

        | `Run Should Have Record` | malloc_failed | size=4096 |
        | ${done}= | `Run Should Have Record` | done | status=ok |
        | Should Be True | ${done}[leaked] > 0 |
        """
        return dict(expect.record_should_exist(self._last_run(), record, fields).fields)

    def run_should_have_line(self, text: str) -> None:
        """Fails unless the firmware printed `text` as a line of its own (not a record).

        | `Run Should Have Line` | Not enough heap. |
        """
        expect.line_should_exist(self._last_run(), text)

    def get_heap_figure(self, figure: str = "free", at: str | None = None) -> int:
        """Returns a heap figure of the last run's heap record `at` (default: its last one).

        Figures: free, min_ever, largest, smallest, free_blocks, allocs, frees, arena. One the
        scheme cannot give fails with `NotAvailable`.

        | ${free}= | `Get Heap Figure` | free | at=ready |
        | ${low}= | `Get Heap Figure` | min_ever |
        """
        return expect.heap_figure(self._last_run(), figure, at)

    def free_heap_should_be(self, expected: int, at: str | None = None) -> None:
        """Fails unless the free heap at the record `at` (default: the last one) is `expected` bytes.

        | ${before}= | `Get Heap Figure` | free | at=after_alloc |
        | `Free Heap Should Be` | ${before} | at=after_free |
        """
        expect.free_heap_should_be(self._last_run(), expected, at)

    def free_heap_should_return_to_baseline(self, baseline: str = "ready", at: str | None = None) -> None:
        """Fails unless the free heap at `at` (default: the last record) equals that at `baseline`.

        The default baseline is `ready`, the figure once the console waits for a command.

        | `Free Heap Should Return To Baseline` |
        | `Free Heap Should Return To Baseline` | baseline=before | at=after_free |
        """
        expect.free_heap_should_return_to_baseline(self._last_run(), baseline, at)

    def heap_should_not_leak_over(self, amount: str, baseline: str = "ready", at: str | None = None) -> None:
        """Fails if more than `amount` of heap was lost between `baseline` and `at`.

        `amount` is bytes (`4096`, `4 KiB`, `100 bytes`).

        | `Heap Should Not Leak Over` | 0 bytes |
        | `Heap Should Not Leak Over` | 4 KiB | baseline=before | at=after_free |
        """
        expect.heap_should_not_leak_over(self._last_run(), expect.parse_amount(amount), baseline, at)

    def minimum_ever_free_heap_should_be_at_least(self, amount: str, at: str | None = None) -> None:
        """Fails if the minimum ever free heap (heap_4, heap_5) fell below `amount`.

        On heap_1, heap_2 and heap_3 it fails with `NotAvailable`: they do not track it.

        | `Minimum Ever Free Heap Should Be At Least` | 8 KiB |
        | `Minimum Ever Free Heap Should Be At Least` | 1024 | at=after_free |
        """
        expect.minimum_ever_free_heap_should_be_at_least(self._last_run(), expect.parse_amount(amount), at)

    def heap_figures_should_match_the_scheme(self, at: str | None = None) -> None:
        """Fails unless the heap record `at` has exactly the figures the linked scheme reports.

        | `Run Scenario` | heap_report |
        | `Heap Figures Should Match The Scheme` | at=report |
        """
        expect.heap_figures_should_match_the_scheme(self._last_run(), at)

    def free_heap_at_boot_should_follow_the_rule(self) -> None:
        """Fails unless the free heap at boot is what the scheme's rule says.

        heap_1/2: total - 8; heap_4: 0 until the first allocation; heap_5: its regions less
        their alignment slack and end markers; heap_3: the whole arena.

        | `Run Scenario` | heap_report |
        | `Free Heap At Boot Should Follow The Rule` |
        """
        expect.boot_free_should_follow_the_rule(self._last_run())

    def allocation_should_cost_the_rule(self, size: int, before: str = "before", after: str = "after_alloc") -> None:
        """Fails unless one `pvPortMalloc(size)` between two heap records took what the rule says.

        heap_2/4/5: round8(size + 8); heap_1: round8(size); heap_3 (newlib) at least `size`.

        | `Run Scenario` | alloc_free | size=1000 |
        | `Allocation Should Cost The Rule` | 1000 |
        """
        expect.allocation_should_cost_the_rule(self._last_run(), size, before, after)

    def each_leak_should_cost_the_rule(self, size: int) -> None:
        """Fails unless every allocation of the `leak` scenario lowered the free heap by the rule.

        | `Run Scenario` | leak | size=4096 |
        | `Each Leak Should Cost The Rule` | 4096 |
        """
        expect.each_leak_should_cost_the_rule(self._last_run(), size)

    def heap_scheme_can_free(self) -> bool:
        """Returns whether the active board's heap scheme gives memory back (heap_1 does not).

        | ${frees}= | `Heap Scheme Can Free` |
        """
        return CAN_FREE.get(self._firmware(self._board()).variant.heap, False)

    def stack_use_should_show_in_the_high_water_mark(self) -> None:
        """Fails unless each task of `stack_hwm` shows its writes in its high-water mark: at most
        depth * 4 - use bytes untouched, and no less than that minus the catalogue's margin.

        | `Run Scenario` | stack_hwm | depth=256 | use=128 |
        | `Stack Use Should Show In The High Water Mark` |
        """
        expect.stack_use_should_show_in_the_high_water_mark(self._last_run(), STACK_HWM_MARGIN)

    def task_cost_should_follow_the_rule(self) -> None:
        """Fails unless each `task_cost` record took the stack and the TCB at the scheme's cost.

        With no heap (the static profile) it fails with `NotAvailable`.

        | `Run Scenario` | task_overhead | depth=256 |
        | `Task Cost Should Follow The Rule` |
        """
        expect.task_cost_should_follow_the_rule(self._last_run())

    def each_region_should_hold_an_allocation(self) -> None:
        """Fails unless every heap_5 region holds at least one block of the run's `alloc` records.

        | `Run Scenario` | heap5_regions | size=2048 |
        | `Each Region Should Hold An Allocation` |
        """
        expect.each_region_should_hold_an_allocation(self._last_run())

    def scenario_applies(self, name: str) -> bool:
        """Returns whether scenario `name` runs on the active board's heap scheme and profile
        (the catalogue says; `Run Scenario` refuses the others before starting anything).

        | ${applies}= | `Scenario Applies` | calloc |
        | IF | ${applies} | `Run Scenario` | calloc |
        """
        variant = self._firmware(self._board()).variant
        return scenario(name).applies(variant.heap, variant.profile)

    def stack_high_water_mark_should_be_at_least(self, task: str, amount: str) -> None:
        """Fails if the stack high-water mark of `task` fell below `amount` in the last run.

        `amount` is in words (4 bytes on Cortex-M) or bytes: `40 words`, `160 bytes`, `160`.
        The lowest mark among the task's `stack` records counts.

        | `Stack High Water Mark Should Be At Least` | TestTask | 40 words |
        | `Stack High Water Mark Should Be At Least` | TestTask | 160 bytes |
        """
        expect.stack_high_water_mark_should_be_at_least(self._last_run(), task, expect.parse_amount(amount))

    def overflow_is_caught_by(self) -> str:
        """Returns what catches a stack overflow first on the active board: `stack limit` on
        ARMv8-M (PSPLIM faults at the crossing instruction), else `canary` (the kernel's check at
        the next context switch), a kind for `Board Should Reset Within`.

        | ${kind}= | `Overflow Is Caught By` |
        | `Board Should Reset Within` | 10 s | ${kind} |
        """
        return self._firmware(self._board()).variant.board.first_overflow_catch.replace("_", " ")

    def board_should_reset_within(self, within: timedelta, kind: str = "any") -> None:
        """Fails unless the last run ended in a reset of `kind` within `within` of power-on.

        Kinds: `canary` (FreeRTOS's stack-overflow check), `stack limit` (ARMv8-M PSPLIM),
        `fault` (HardFault and the other fault handlers), `assert` (configASSERT), `any`.

        | `Run Scenario` | overflow | depth=64 |
        | `Board Should Reset Within` | 5 s | canary |
        """
        expect.board_should_reset(self._last_run(), kind, within.total_seconds())

    def board_should_not_reset(self) -> None:
        """Fails if the board reset during the last run.

        | `Run Scenario` | overflow | depth=256 |
        | `Board Should Not Reset` |
        """
        expect.board_should_not_reset(self._last_run())

    def last_reset_reason_should_be(self, reason: str) -> None:
        """Fails unless the last boot record of the last run gives `reason` for its reset.

        Reasons: `power_on`, `external`, or a reset kind as in `Board Should Reset Within`
        (or the firmware's own word: `stack_overflow`, `hardfault`, ...).

        | `Last Reset Reason Should Be` | stack_overflow |
        | `Last Reset Reason Should Be` | power_on |
        """
        expect.last_reset_reason_should_be(self._last_run(), reason)

    def image_should_not_link_a_heap(self) -> None:
        """Fails if the active board's image links a heap scheme or any of the heap API.

        | `Start Board` | profile=static |
        | `Image Should Not Link A Heap` |
        """
        expect.image_should_not_link_a_heap(self._firmware(self._board()).elf)

    # ============================================================================================
    # UART keywords, Renode style, on a live board
    # ============================================================================================
    def create_terminal_tester(
        self, uart: str = "sysbus.uart0", timeout: timedelta = DEFAULT_UART_TIMEOUT, **renode_options: str
    ) -> int:
        """Powers the active board on and returns a tester id for the UART keywords.

        `timeout` is the default of the waits that give none. Renode's other arguments
        (`machine`, `endLineOption`, ...) are accepted and ignored; see `Differences from Renode`.

        | `Start Board` | heap=heap_4 |
        | `Create Terminal Tester` | sysbus.uart0 | timeout=5 |
        """
        board = self._board()
        live = self._live(board, start=True)
        tester = len(self._testers) + 1
        self._testers[tester] = board.alias
        self._timeouts[tester] = timeout
        ignored = f" (ignored: {', '.join(renode_options)})" if renode_options else ""
        logger.info(f"tester {tester}: {uart} of {board.alias}, UART log {live.uart_log}{ignored}")
        return tester

    def start_emulation(self) -> None:
        """Makes sure the active board is powered on (the UART keywords need it running).

        `Create Terminal Tester` already powers it on: this keyword is here for ported suites.

        | `Create Terminal Tester` | sysbus.uart0 |
        | `Start Emulation` |
        """
        self._live(self._board(), start=True)

    def wait_for_line_on_uart(
        self,
        content: str,
        timeout: timedelta | None = None,
        testerId: int | None = None,  # Renode's argument names, camelCase
        treatAsRegex: bool = False,
        pauseEmulation: bool = False,
        matchNextLine: bool = False,
    ) -> LineMatch:
        """Waits for a line containing `content` (a regex searched in the line with
        `treatAsRegex=true`) and returns it as an object with `line`, `number` and `groups`.

        Lines up to the one matched are consumed; a wait that times out consumes nothing. With
        `matchNextLine=true` the next unconsumed line must match.

        | `Wait For Line On Uart` | @mh ready |
        | ${m}= | `Wait For Line On Uart` | leaked=(\\\\d+) | treatAsRegex=true | timeout=5 s |
        | Should Be True | ${m.groups}[0] > 0 |
        """
        live, wait = self._tester(testerId, timeout)
        found = live.wait_for_line(LinePattern(content, treatAsRegex), wait, next_only=matchNextLine)
        logger.info(f"line {found.number}: {found.line}")
        return found

    def should_not_be_on_uart(
        self,
        content: str,
        timeout: timedelta | None = None,
        testerId: int | None = None,
        treatAsRegex: bool = False,
    ) -> None:
        """Watches the UART for `timeout` and fails if a line containing `content` appears.

        | `Should Not Be On Uart` | @mh boot | timeout=1 s |
        | `Should Not Be On Uart` | reset=\\\\w+ | treatAsRegex=true |
        """
        live, wait = self._tester(testerId, timeout)
        live.should_not_see(LinePattern(content, treatAsRegex), wait)

    def write_line_to_uart(
        self,
        content: str = "",
        testerId: int | None = None,
        waitForEcho: bool = True,
    ) -> None:
        """Sends `content` and a newline to the board's UART (the firmware does not echo).

        | `Write Line To Uart` | run leak size=4096 |
        | `Write Line To Uart` | list |
        """
        live, _ = self._tester(testerId, None)
        live.write_line(content)

    def register_failing_uart_string(
        self,
        pattern: str,
        treatAsRegex: bool = False,
        testerId: int | None = None,
    ) -> None:
        """Makes every later UART wait fail when a line containing `pattern` goes by.

        | `Register Failing Uart String` | @mh fault |
        | `Register Failing Uart String` | reset=(stack_overflow|assert) | treatAsRegex=true |
        """
        live, _ = self._tester(testerId, None)
        live.failing.append(LinePattern(pattern, treatAsRegex))

    def unregister_failing_uart_string(
        self,
        pattern: str,
        testerId: int | None = None,
    ) -> None:
        """Forgets a pattern given to `Register Failing Uart String`.

        | `Unregister Failing Uart String` | @mh fault |
        """
        live, _ = self._tester(testerId, None)
        live.failing = [p for p in live.failing if p.text != pattern]

    def wait_for_record(
        self,
        record: str,
        timeout: timedelta | None = None,
        testerId: int | None = None,
        **fields: str,
    ) -> dict[str, Any]:
        """Waits on the live board for a `@mh <record>` record holding every `key=value` given and
        returns its fields. Consumes lines as `Wait For Line On Uart` does.

        | `Wait For Record` | ready |
        | `Write Line To Uart` | run alloc_free size=64 |
        | ${heap}= | `Wait For Record` | heap | at=after_free | timeout=2 s |
        """
        live, wait = self._tester(testerId, timeout)
        event = live.wait_for_record(record, fields, wait)
        logger.info(f"line {event.line}: {expect.record_text(event)}")
        return dict(event.fields)

    # ============================================================================================
    # Helpers (not keywords)
    # ============================================================================================
    def _prepare(
        self,
        board: str | None,
        heap: str | None,
        profile: str,
        kernel: str | None,
        heap_size: int | None,
        overflow_check: int,
    ) -> Firmware:
        key = (board or self._default_board, heap or None, profile, kernel or self._default_kernel,
               heap_size, overflow_check)
        if key not in _BUILT:
            _BUILT[key] = api.prepare(
                board=key[0], heap=heap or None, profile=profile, kernel_version=key[3],
                heap_size=heap_size, overflow_check=overflow_check,
            )
        return _BUILT[key]

    def _board(self) -> _Board:
        if self._active is None or self._active not in self._boards:
            raise AssertionError("no board started: call Start Board first")
        return self._boards[self._active]

    @staticmethod
    def _firmware(board: _Board) -> Firmware:
        if board.firmware is None:
            raise AssertionError(f"{board.alias} ran an ESP-IDF image, not our firmware: call Start Board first")
        return board.firmware

    def _last_run(self) -> Run:
        image_run = self._image_run()
        if image_run is not None and self._image_latest:
            return image_run
        board = self._board()
        if board.last_run is None:
            raise AssertionError(f"no scenario has run on {board.alias}: call Run Scenario first")
        return board.last_run

    def _live(self, board: _Board, *, start: bool) -> LiveBoard:
        if board.live is None or not board.live.running:
            if not start:
                raise AssertionError(f"{board.alias} is not powered on: call Create Terminal Tester first")
            folder = self._results_root() / self._context() / f"live-{_slug(board.alias)}"
            board.live = LiveBoard.start(self._firmware(board), folder / "uart.log", board.emulator)
        return board.live

    def _tester(self, tester: int | None, timeout: timedelta | None) -> tuple[LiveBoard, float]:
        if tester is None:
            if not self._testers:
                raise AssertionError("no terminal tester: call Create Terminal Tester first")
            tester = max(self._testers)  # Renode: the last one created
        if tester not in self._testers:
            raise AssertionError(f"no terminal tester {tester}: created are {sorted(self._testers)}")
        board = self._boards.get(self._testers[tester])
        if board is None:
            raise AssertionError(f"terminal tester {tester}'s board was stopped")
        wait = timeout if timeout is not None else self._timeouts.get(tester, DEFAULT_UART_TIMEOUT)
        return self._live(board, start=False), wait.total_seconds()

    def _stop_live(self, board: _Board) -> None:
        if board.live is None:
            return
        live, board.live = board.live, None
        live.stop()
        logger.info(f"live board {board.alias} stopped; UART log {live.uart_log}")
        _log_text(f"UART text of the live board {board.alias}", live.lines)

    def _results_root(self) -> Path:
        """`results`, else `runs/` beside Robot's output, else `results/robot/runs`.

        Robot's output directory defaults to the current one: a suite run from a checkout
        without `--outputdir` would scatter run folders into the source tree, so that case (and
        a call from Python) goes under `results/`, which is ignored.
        """
        if self._results is not None:
            return self._results
        try:
            out = BuiltIn().get_variable_value("${OUTPUT DIR}")
        except RobotNotRunningError:
            out = None
        if not out or Path(out).resolve() == Path.cwd().resolve():
            return Path.cwd() / DEFAULT_RESULTS  # absolute: failure messages quote a path that opens anywhere
        return Path(out) / "runs"  # not `memharness/`: in Robot's working folder it would shadow the library

    def _context(self) -> Path:
        try:
            suite = BuiltIn().get_variable_value("${SUITE NAME}") or "suite"
            test = BuiltIn().get_variable_value("${TEST NAME}") or "setup"
        except RobotNotRunningError:
            suite, test = "python", "call"
        return Path(_slug(suite)) / _slug(test)

    def _log_run(self, run: Run) -> None:
        summary = run.describe().splitlines()[0]
        params = " ".join(f"{k}={v}" for k, v in run.params.items())
        logger.info(f"{summary}; run {run.scenario} {params}".rstrip() + f"; UART log {run.uart_log}")
        try:
            with run.uart_log.open("rb") as log:
                lines = log.read(LOGGED_BYTES).decode("utf-8", errors="replace").splitlines()
        except OSError:
            lines = run.tail(len(run.entries))
        _log_text(f"UART text ({len(lines)} lines)", lines)
        shown = run.tail(len(run.entries))  # records in the UART's own notation (hex addresses)
        records = [f"{e.line:4d}  {text}" for e, text in zip(run.entries, shown, strict=True) if isinstance(e, Event)]
        _log_text(f"records as the harness read them ({len(records)}; number = UART log line)", records)
        for entry in run.bad_records:
            logger.warn(f"{run.uart_log}:{entry.line}: unreadable record {entry.text!r}: {entry.reason}")
        for warning in run.warnings:
            logger.warn(warning)


class _Closer:
    """Stops every live board when the library goes out of scope, even if a suite forgot to."""

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, library: MemHarness) -> None:
        self._library = library

    def close(self) -> None:
        for board in self._library._boards.values():
            if board.live is not None:
                board.live.stop()


def _log_text(title: str, lines: list[str]) -> None:
    shown = lines[:LOGGED_LINES]
    cut = f"\n... {len(lines) - LOGGED_LINES} more lines in the UART log" if len(lines) > LOGGED_LINES else ""
    body = html.escape("\n".join(shown) + cut)
    logger.info(f"<b>{html.escape(title)}</b><pre>{body}</pre>", html=True)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "_"
