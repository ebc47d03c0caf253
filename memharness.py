"""The short name of the Robot Framework library: `Library    memharness`.

Robot Framework uses the class named like the module, so this is `harness.robot.MemHarness`
under a name that is quicker to type; the keywords and their documentation are the same.
"""

from harness.robot import MemHarness


class memharness(MemHarness):  # Robot Framework finds the library class by the module's own name
    __doc__ = MemHarness.__doc__


__all__ = ["memharness"]
