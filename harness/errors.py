"""One exception class per kind of mistake, each carrying the fix, and the exit status it maps to.

The CLI turns these into one message and an exit status, never a traceback: a user's mistake is
not a bug in the harness.
"""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    """Exit statuses of `memharness`, documented in `--help` and the README."""

    OK = 0
    FAILED = 1  # the run ended other than expected (a reset, a fault, a timeout, a failed check)
    USAGE = 2  # the user's input is wrong: option, board, scenario, YAML, kernel path
    INFRASTRUCTURE = 3  # the machine lacks something or the emulator died: toolchain, QEMU, kernel
    INTERRUPTED = 130  # Ctrl-C or SIGTERM


class HarnessError(Exception):
    """Base of every error the harness reports to a user as a message."""

    status = ExitStatus.USAGE

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return self.message if not self.fix else f"{self.message}\n  fix: {self.fix}"


class UsageError(HarnessError):
    """A wrong option, name or value given by the user."""


class PlatformError(HarnessError):
    """A platform YAML file that is malformed or does not match the schema."""


class UnknownBoardError(UsageError):
    """A board name with no platform file."""


class ScenarioError(UsageError):
    """An unknown scenario, parameter, or a value out of range."""


class KernelNotFoundError(HarnessError):
    """No FreeRTOS-Kernel at any of the places tried."""

    status = ExitStatus.INFRASTRUCTURE


class KernelPathError(UsageError):
    """A path given as a kernel that does not hold one."""


class ToolMissingError(HarnessError):
    """A program the harness needs (compiler, emulator) is not installed."""

    status = ExitStatus.INFRASTRUCTURE


class BuildError(HarnessError):
    """The firmware did not compile or link; the compiler's own words are in the message."""

    status = ExitStatus.INFRASTRUCTURE


class EmulatorError(HarnessError):
    """The emulator could not start, or died in a way that is not the firmware's doing."""

    status = ExitStatus.INFRASTRUCTURE


class ResultsError(HarnessError):
    """The results folder cannot be written."""

    status = ExitStatus.INFRASTRUCTURE
