"""memharness: what FreeRTOS firmware does with memory, measured on emulated boards.

The data flows board -> build -> emulator -> events -> assertions -> report; each step is one
module here, and `harness.api` is the one Python API that the CLI, the pytest plugin and the
Robot library all call.
"""

__version__ = "0.1.0"
