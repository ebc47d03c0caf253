"""Emulator backends, found by name; each implements `harness.emulators.base.Backend`."""

from __future__ import annotations

from harness.emulators.base import Backend, Session
from harness.errors import UsageError


def backend(name: str) -> Backend:
    """The backend called `name` ("qemu" here; Renode and Espressif QEMU arrive with their issues)."""
    if name == "qemu":
        from harness.emulators.qemu import QemuBackend

        return QemuBackend()
    raise UsageError(f"unknown emulator '{name}'", "use --emulator qemu")


__all__ = ["Backend", "Session", "backend"]
