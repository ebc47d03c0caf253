"""Emulator backends, found by name; each implements `harness.emulators.base.Backend`."""

from __future__ import annotations

from harness.emulators.base import Backend, Session
from harness.errors import UsageError

ALIASES = {"esp-qemu": "esp_qemu", "espressif": "esp_qemu"}  # friendlier spellings for --emulator
NAMES = ("qemu", "esp_qemu")


def backend(name: str) -> Backend:
    """The backend called `name` (a board's `emulators` key: qemu, esp_qemu)."""
    name = ALIASES.get(name, name)
    if name == "qemu":
        from harness.emulators.qemu import QemuBackend

        return QemuBackend()
    if name == "esp_qemu":
        from harness.emulators.esp_qemu import EspQemuBackend

        return EspQemuBackend()
    raise UsageError(f"unknown emulator '{name}'", f"use --emulator with one of: {', '.join(NAMES)}")


__all__ = ["Backend", "Session", "backend"]
