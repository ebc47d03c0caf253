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
