"""`locate` (addr2line through pyelftools) on a real built image: the address of a function's
first instructions lands in that function, in the file that defines it."""

from __future__ import annotations

import pytest

from harness import api
from harness.elf import locate, symbols


@pytest.mark.e2e
def test_locate_names_function_and_file() -> None:
    elf = api.prepare(heap="heap_4").elf
    table = symbols(elf)
    for function, source in (("pvPortMalloc", "heap_4.c"), ("vTaskSwitchContext", "tasks.c"), ("main", "main.c")):
        where = locate(elf, table[function] + 4)
        assert where.function == function
        assert where.file == source
        assert where.line is not None and where.line > 0
    assert locate(elf, 0xFFFFFFF0).function is None
