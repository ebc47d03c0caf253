"""Emulator backends, found by name; each implements `harness.emulators.base.Backend`."""

from __future__ import annotations

from harness.emulators.base import Backend, Session
from harness.errors import UsageError

NAMES = ("qemu", "renode")


def backend(name: str) -> Backend:
    """The backend called `name`: one of `NAMES`."""
    if name == "qemu":
        from harness.emulators.qemu import QemuBackend

        return QemuBackend()
    if name == "renode":
        from harness.emulators.renode import RenodeBackend

        return RenodeBackend()
    raise UsageError(f"unknown emulator '{name}'", f"use --emulator with one of: {', '.join(NAMES)}")


__all__ = ["NAMES", "Backend", "Session", "backend"]
