"""`memharness`, the installed command, and `python -m harness`: harness.cli's main() as a process.

A Python process tears its interpreter down at exit, freeing the objects of every module it loaded
one by one: 11 ms after a `memharness run` (bench/README.md), a third of a leak run's whole
emulation. A command has nothing left to do by then, so once main() has returned, the exit
handlers have run (Renode's host, temporary folders, logging) and the output is flushed, the
process ends at once. Only while a thread other than the main one is still alive does it take the
normal way out, which waits for that thread.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn

from harness.cli import main as command


def main() -> NoReturn:
    status = command()
    if threading.active_count() > 1:
        sys.exit(status)
    atexit._run_exitfuncs()  # what the normal exit runs first; CPython's own entry point for it
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # the reader went away (`memharness run | head -1`): there is no one to tell
        pass
    os._exit(status)


if __name__ == "__main__":
    main()
