"""How an emulator is started so that it dies with the harness (PDEATHSIG), without making
subprocess fork the whole interpreter: through `setpriv` where it is installed, else a pre-exec
step. The end-to-end check (SIGKILL the CLI, its QEMU goes too) is in tests/e2e/test_robustness.py."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading

import pytest

from harness.emulators import qemu

COMMAND = ["qemu-system-arm", "--version"]


def test_setpriv_sets_the_parent_death_signal_and_lets_subprocess_vfork() -> None:
    if shutil.which("setpriv") is None:
        pytest.skip("util-linux's setpriv is not installed here (the pre-exec fallback is tested below)")
    started, pre_exec = qemu.dying_with_parent(COMMAND)
    program = shutil.which(COMMAND[0]) or COMMAND[0]  # by its path: setpriv need not search PATH
    assert started == [shutil.which("setpriv"), "--pdeathsig", "KILL", program, *COMMAND[1:]] and pre_exec is None
    # The flag survives setpriv's exec: the program it starts reads it back (PR_GET_PDEATHSIG).
    probe = [sys.executable, "-c", "import ctypes; v = ctypes.c_int(); "
             "ctypes.CDLL(None).prctl(2, ctypes.byref(v), 0, 0, 0); print(v.value)"]
    out = subprocess.run(qemu.dying_with_parent(probe)[0], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "9"  # PR_GET_PDEATHSIG: SIGKILL


def test_without_setpriv_a_pre_exec_step_sets_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(qemu, "_setpriv", lambda: None)
    started, pre_exec = qemu.dying_with_parent(COMMAND)
    assert started == COMMAND and pre_exec is not None


def test_from_a_worker_thread_no_parent_death_signal_is_set() -> None:
    """PDEATHSIG follows the thread that started the child; a pool thread may end before the run."""
    seen: list[object] = []
    worker = threading.Thread(target=lambda: seen.append(qemu.dying_with_parent(COMMAND)))
    worker.start()
    worker.join()
    assert seen == [(COMMAND, None)]
