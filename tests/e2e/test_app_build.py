"""`memharness build --app`: a user's sources per heap scheme, and every way a user's input goes wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.app.build import AppBuildError, AppVariantSpec, SchemeUnfitError, build_app
from harness.app.project import load_project
from harness.elf import symbols

pytestmark = pytest.mark.e2e
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

MAIN = """#include "FreeRTOS.h"
#include "task.h"
int main( void ) { vTaskStartScheduler(); for( ;; ) {} }
"""


def memharness(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "COLUMNS": "200"})


def app(tmp_path: Path, sources: dict[str, str], extra: str = "", app_extra: str = "") -> Path:
    folder = tmp_path / "app"
    folder.mkdir(parents=True)
    (folder / "memharness.toml").write_text(
        f'[app]\nname = "t{abs(hash(tmp_path)) % 10**8}"\nsources = ["*.c"]\n{app_extra}\n'
        f'[build]\nschemes = ["heap_4"]\n{extra}\n[run]\nuntil = {{ ticks = 10 }}\n')
    for name, body in sources.items():
        (folder / name).write_text(body)
    return folder


def test_plain_freertos_builds_on_every_scheme_with_its_config_notes(tmp_path: Path) -> None:
    proc = memharness("build", "--app", str(EXAMPLES / "plain-freertos"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    elves = [Path(line.split()[0]) for line in proc.stdout.splitlines() if line.endswith(("(built)", "(cached)"))]
    assert [e.parent.name.split("-")[2] for e in elves] == ["heap_1", "heap_2", "heap_3", "heap_4", "heap_5"]
    text = " ".join(proc.stdout.split())
    # The example's own config differs on owned keys: each said once, by key and line, the harness's value winning.
    assert "configCHECK_FOR_STACK_OVERFLOW: FreeRTOSConfig.h:39 sets 1; memharness's 2 wins" in text
    assert "configUSE_MALLOC_FAILED_HOOK: FreeRTOSConfig.h:40 sets 0; memharness's 1 wins" in text
    assert text.count("configAPPLICATION_ALLOCATED_HEAP:") == 1
    assert "configTOTAL_HEAP_SIZE" not in text  # the app's own 20 KiB is used: no conflict
    for elf in elves:
        names = symbols(elf)
        assert "main" in names and "__wrap_main" in names and "vApplicationMallocFailedHook" in names
    assert "ucHeap" in symbols(elves[0]) and "xFreeBytesRemaining" in symbols(elves[3])


def test_the_kernel_and_app_objects_are_shared_by_the_schemes(tmp_path: Path) -> None:
    project = load_project(EXAMPLES / "esp-idf-tutorial")
    builds = [build_app(project, AppVariantSpec("mps2-an385", "V11.3.0", heap, None)) for heap in ("heap_2", "heap_4")]

    def inputs(map_file: Path, folder: str) -> set[str]:
        """The content-keyed object folders (and files) the link took, e.g. kernel-ARM_CM3-V11.3.0-<key>/..."""
        words = map_file.read_text().split()
        return {f"{Path(w).parent.name}/{Path(w).name}" for w in words if f"/{folder}-" in w and w.endswith(".o")}

    kernel = [inputs(b.firmware.map_file, "kernel") for b in builds]
    sources = [inputs(b.firmware.map_file, "sources") for b in builds]
    assert kernel[0] and kernel[0] == kernel[1]  # the same kernel objects in both links
    assert sources[0] and sources[0] == sources[1]  # and the same app objects
    support = [inputs(b.firmware.map_file, "support") for b in builds]
    assert support[0] != support[1]  # only the heap scheme's side differs
    again = build_app(project, AppVariantSpec("mps2-an385", "V11.3.0", "heap_4", None))
    assert not again.firmware.built and again.elf == builds[1].elf


def test_a_compile_error_is_quoted_with_the_users_file_and_line(tmp_path: Path) -> None:
    folder = app(tmp_path, {"main.c": MAIN, "broken.c": "int broken( void )\n{\n    return undeclared;\n}\n"})
    proc = memharness("build", "--app", str(folder), cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "memharness: error: compiling broken.c (the app) failed: broken.c:3:12: error: 'undeclared'" in proc.stderr
    assert "fix: correct the source" in proc.stderr and "Traceback" not in proc.stderr


def test_no_entry_point(tmp_path: Path) -> None:
    folder = app(tmp_path, {"task.c": "int helper( void ) { return 1; }\n"})
    proc = memharness("build", "--app", str(folder), cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "no entry point: 'app.entry' is \"main\" but no source in app.sources defines main()" in proc.stderr
    folder2 = app(tmp_path / "b", {"main.c": MAIN}, app_extra='entry = "app_main"')
    proc = memharness("build", "--app", str(folder2), cwd=tmp_path)
    assert proc.returncode == 2 and "defines app_main()" in proc.stderr, proc.stderr


def test_a_missing_source_names_the_pattern(tmp_path: Path) -> None:
    folder = app(tmp_path, {"main.c": MAIN})
    text = (folder / "memharness.toml").read_text().replace('sources = ["*.c"]', 'sources = ["*.c", "drivers/*.c"]')
    (folder / "memharness.toml").write_text(text)
    proc = memharness("build", "--app", str(folder), cwd=tmp_path)
    assert proc.returncode == 2
    assert "'app.sources': 'drivers/*.c' matches no file" in proc.stderr and "memharness.toml" in proc.stderr


def test_an_owned_key_in_the_project_defines_is_refused(tmp_path: Path) -> None:
    folder = app(tmp_path, {"main.c": MAIN}, app_extra="defines = { configTOTAL_HEAP_SIZE = 4096 }")
    proc = memharness("build", "--app", str(folder), cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "'app.defines.configTOTAL_HEAP_SIZE': memharness owns configTOTAL_HEAP_SIZE" in proc.stderr
    assert "set heap sizes, schemes and the overflow check under [build]" in proc.stderr


def test_a_config_conflict_says_which_value_wins(tmp_path: Path) -> None:
    config = (EXAMPLES / "plain-freertos" / "FreeRTOSConfig.h").read_text().replace(
        "( ( size_t ) ( 20 * 1024 ) )", "( ( size_t ) ( 12 * 1024 ) )")
    folder = app(tmp_path, {"main.c": MAIN, "FreeRTOSConfig.h": config},
                 extra="heap_size = 16384", app_extra='config = "FreeRTOSConfig.h"')
    proc = memharness("build", "--app", str(folder), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = " ".join(proc.stdout.split())
    assert ("configTOTAL_HEAP_SIZE: FreeRTOSConfig.h:33 sets ( ( size_t ) ( 12 * 1024 ) ) (= 12288); "
            "memharness's ( ( size_t ) ( MH_TOTAL_HEAP_SIZE ) ) wins (the variant's heap size, 16384 bytes)") in text


def test_a_scheme_the_app_does_not_fit_is_named_per_scheme(tmp_path: Path) -> None:
    source = MAIN.replace("vTaskStartScheduler();",
                          "( void ) xPortGetMinimumEverFreeHeapSize(); vTaskStartScheduler();")
    folder = app(tmp_path, {"main.c": source})
    project = load_project(folder)
    with pytest.raises(SchemeUnfitError, match="calls xPortGetMinimumEverFreeHeapSize, which heap_2 does not have"):
        build_app(project, AppVariantSpec("mps2-an385", "V11.3.0", "heap_2", None))
    with pytest.raises(SchemeUnfitError, match="the static profile does not fit this app"):
        build_app(project, AppVariantSpec("mps2-an385", "V11.3.0", "static", None))
    assert build_app(project, AppVariantSpec("mps2-an385", "V11.3.0", "heap_4", None)).elf.is_file()
    proc = memharness("build", "--app", str(folder), "--heap", "heap_1", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "mps2-an385 heap_1 V11.3.0: does not fit (the app calls xPortGetMinimumEverFreeHeapSize" in proc.stdout
    assert "fits none of the schemes asked for" in proc.stderr


def test_an_app_that_defines_ucheap_is_told_to_drop_it(tmp_path: Path) -> None:
    folder = app(tmp_path, {"main.c": MAIN + "unsigned char ucHeap[ 1024 ];\n"})
    with pytest.raises(AppBuildError, match="the app defines ucHeap, and memharness supplies the heap array"):
        build_app(load_project(folder), AppVariantSpec("mps2-an385", "V11.3.0", "heap_4", None))
