"""Shared test set-up: a private build folder per session so tests never race a user's build."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def _build_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Builds go to build/test (shared by xdist workers, atomic publish makes that safe)."""
    if "MEMHARNESS_BUILD_DIR" not in os.environ:
        os.environ["MEMHARNESS_BUILD_DIR"] = str(Path(__file__).resolve().parent.parent / "build" / "test")


def _our_emulators() -> list[str]:
    """QEMU processes whose parent is this pytest process (each xdist worker checks its own)."""
    found = []
    me = str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            name = stat.read_text().split("(", 1)[1].rsplit(")", 1)[0]
        except (OSError, IndexError):
            continue
        if fields[1] == me and name.startswith("qemu-system"):
            found.append(f"{stat.parent.name} {name}")
    return found


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the session if any QEMU it started is still running: nothing may be orphaned."""
    left = _our_emulators()
    if left:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print(f"\nmemharness: QEMU processes left behind by the tests: {', '.join(left)}")
