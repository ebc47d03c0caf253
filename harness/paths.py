"""Where things live: the project's own folders, the build folder and the user's kernel cache."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIRMWARE_DIR = PROJECT_ROOT / "firmware"
PLATFORMS_DIR = PROJECT_ROOT / "platforms"


def platforms_dir() -> Path:
    """The board files: `platforms/`, or `MEMHARNESS_PLATFORMS` (a folder of your own boards, or a test's)."""
    explicit = os.environ.get("MEMHARNESS_PLATFORMS")
    return Path(explicit).expanduser() if explicit else PLATFORMS_DIR


def cache_dir() -> Path:
    """`${MEMHARNESS_CACHE:-${XDG_CACHE_HOME:-~/.cache}/memharness}`, as DESIGN.md fixes it."""
    explicit = os.environ.get("MEMHARNESS_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "memharness"


def build_dir() -> Path:
    """Variants are built here; `MEMHARNESS_BUILD_DIR` moves it (tests use a private one)."""
    explicit = os.environ.get("MEMHARNESS_BUILD_DIR")
    return Path(explicit).expanduser() if explicit else PROJECT_ROOT / "build"
