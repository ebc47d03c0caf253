"""Shared test set-up: a private build folder, and no emulator outliving the test run.

The controlling pytest process puts a fresh token into its environment (`MEMHARNESS_TEST_RUN`)
before pytest-xdist starts its workers, so every worker, every `memharness` subprocess a test
starts and every QEMU or Renode any of them starts carries it. At the end of the session the
controller looks for `qemu-system-*` and `mono` (Renode's console driver) processes carrying the
token: whoever started them, orphaned or not. (In-process Renode, through pyrenode3, lives and
ends with its worker.)
Any it finds are named, killed and the run fails, whatever the tests said.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

RUN_TOKEN = "MEMHARNESS_TEST_RUN"
CASE_TOKEN = "MEMHARNESS_TEST_CASE"
EMULATOR_PREFIX = ("qemu-system", "mono", "renode")  # Renode's console driver runs as `mono Renode.exe`
GRACE_S = 2.0  # an emulator being stopped right now gets this long to go


@pytest.fixture(scope="session", autouse=True)
def _build_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Builds go to build/test (shared by xdist workers, atomic publish makes that safe)."""
    if "MEMHARNESS_BUILD_DIR" not in os.environ:
        os.environ["MEMHARNESS_BUILD_DIR"] = str(Path(__file__).resolve().parent.parent / "build" / "test")


def emulators_tagged(variable: str, token: str) -> list[tuple[int, str]]:
    """Running (not zombie) emulator processes (`qemu-system-*`, Renode's `mono`) whose environment
    has variable=token."""
    wanted = f"{variable}={token}".encode()
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            stat = (proc / "stat").read_text()
            name = stat.split("(", 1)[1].rsplit(")", 1)[0]
            state = stat.rsplit(")", 1)[1].split()[0]
            if not name.startswith(EMULATOR_PREFIX) or state in ("Z", "X"):
                continue
            environment = (proc / "environ").read_bytes().split(b"\0")
        except (OSError, IndexError):
            continue  # gone meanwhile, or not ours to read
        if wanted in environment:
            found.append((int(proc.name), name))
    return found


def wait_until_gone(variable: str, token: str, within: float) -> list[tuple[int, str]]:
    """The tagged emulators still running after `within` seconds (returns as soon as none are)."""
    deadline = time.monotonic() + within
    while True:
        left = emulators_tagged(variable, token)
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.05)


@pytest.fixture
def stray_emulators(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], list[tuple[int, str]]]:
    """Tags every emulator this test starts (in-process or through a subprocess that inherits
    the environment); call it to list those still running after up to `within` seconds."""
    token = uuid.uuid4().hex
    monkeypatch.setenv(CASE_TOKEN, token)
    return lambda within=0.0: wait_until_gone(CASE_TOKEN, token, within)


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist)
        os.environ[RUN_TOKEN] = uuid.uuid4().hex


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the session if any QEMU of this test run is still running: nothing may be orphaned."""
    if hasattr(session.config, "workerinput"):
        return  # the controller checks once every worker is done, for all of them
    token = os.environ.get(RUN_TOKEN)
    if not token:
        return
    left = wait_until_gone(RUN_TOKEN, token, GRACE_S)
    if not left:
        return
    for pid, _ in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
    names = ", ".join(f"pid {pid} ({name})" for pid, name in left)
    message = f"memharness: the test run left {len(left)} emulator process(es) running: {names} (now killed)"
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(message, red=True, bold=True)
    else:
        print(message)
