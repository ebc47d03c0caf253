"""Emulator backends, found by name; each implements `harness.emulators.base.Backend`."""

from __future__ import annotations

from harness.emulators.base import Backend, Session
from harness.errors import UsageError

ALIASES = {"esp-qemu": "esp_qemu", "espressif": "esp_qemu"}  # friendlier spellings for --emulator
NAMES = ("qemu", "esp_qemu", "renode")


def backend(name: str) -> Backend:
    """The backend called `name`: one of `NAMES` (or an alias)."""
    name = ALIASES.get(name, name)
    if name == "qemu":
        from harness.emulators.qemu import QemuBackend

        return QemuBackend()
    if name == "esp_qemu":
        from harness.emulators.esp_qemu import EspQemuBackend

        return EspQemuBackend()
    if name == "renode":
        from harness.emulators.renode import RenodeBackend

        return RenodeBackend()
    raise UsageError(f"unknown emulator '{name}'", f"use --emulator with one of: {', '.join(NAMES)}")


__all__ = ["NAMES", "Backend", "Session", "backend"]
