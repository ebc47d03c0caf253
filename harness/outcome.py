"""How a run ended: the outcomes the CLI, the reports and the assertions name.

Apart from harness.run so that the command line can offer `--expect` without importing the run
machinery and its event types (`import harness.cli` stays light; tests/unit/test_lazy_imports.py).
"""

from __future__ import annotations

import enum

FLOOD_LINES = 50_000  # this many lines in a row that are not records is a flood, not a scenario


class Outcome(str, enum.Enum):
    DONE = "done"  # the scenario printed its done record
    RESET = "reset"  # the board reset (hook, assert, fault) and came back
    TIMEOUT = "timeout"  # a deadline passed: no ready, or a hang mid-scenario
    REJECTED = "rejected"  # the firmware refused the command (error record)
    EMULATOR_DIED = "emulator_died"  # the emulator process ended on its own
    INTERRUPTED = "interrupted"  # Ctrl-C or SIGTERM
    FLOOD = "flood"  # the firmware printed FLOOD_LINES lines in a row, none of them a record
