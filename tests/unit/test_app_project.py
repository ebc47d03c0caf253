"""The project file's schema and the config reader's arithmetic: every mistake names file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.app.config import evaluate
from harness.app.project import ProjectError, load_project

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

GOOD = """
[app]
name = "demo"
sources = ["src/*.c"]
[run]
until = { uart = "done" }
"""


def write(tmp_path: Path, text: str, sources: dict[str, str] | None = None) -> Path:
    (tmp_path / "memharness.toml").write_text(text)
    for name, body in (sources if sources is not None else {"src/main.c": "int main(void){return 0;}"}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(body)
    return tmp_path


@pytest.mark.parametrize("example", ["plain-freertos", "esp-idf-tutorial"])
def test_the_examples_validate(example: str) -> None:
    project = load_project(EXAMPLES / example)
    assert project.sources and all(s.suffix == ".c" for s in project.sources)
    assert project.build.schemes == ("heap_1", "heap_2", "heap_3", "heap_4", "heap_5")


def test_defaults_fill_the_build_section(tmp_path: Path) -> None:
    project = load_project(write(tmp_path, GOOD))
    assert project.app.entry == "main" and project.build.boards == ("mps2-an385",)
    assert project.build.sizes() == (None,) and project.run.until.describe() == "a UART line containing 'done'"


@pytest.mark.parametrize(("text", "message"), [
    (GOOD + "colour = 1\n", "unknown key 'run.colour'"),
    (GOOD.replace('name = "demo"', 'name = "demo"\nentry = "start"'),
     "'app.entry': Input should be 'main' or 'app_main'"),
    (GOOD + "[build]\nheap_size = 'big'\n", "'build.heap_size': Input should be a valid integer"),
    (GOOD + "[build]\nschemes = ['heap_6']\n", "'build.schemes.0'"),
    (GOOD.replace('until = { uart = "done" }', "until = { uart = 'x', ticks = 5 }"), "exactly one of"),
    (GOOD.replace('[app]\nname = "demo"\n', "[app]\n"), "missing key 'app.name'"),
    (GOOD.replace('until = { uart = "done" }', "until = { returns = true }"), "needs app.entry = \"app_main\""),
    ("[app\n", "TOML syntax error"),
])
def test_a_wrong_project_file_names_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ProjectError) as caught:
        load_project(write(tmp_path, text))
    assert str(tmp_path / "memharness.toml") in caught.value.message
    assert message in caught.value.message, caught.value.message
    assert caught.value.fix


def test_a_source_pattern_that_matches_nothing_is_named(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=r"'app.sources': 'src/\*.c' matches no file"):
        load_project(write(tmp_path, GOOD, sources={}))


def test_a_config_must_exist_and_be_called_freertosconfig(tmp_path: Path) -> None:
    text = GOOD.replace('sources = ["src/*.c"]', 'sources = ["src/*.c"]\nconfig = "cfg.h"')
    with pytest.raises(ProjectError, match="'app.config': cfg.h does not exist"):
        load_project(write(tmp_path, text))
    (tmp_path / "cfg.h").write_text("")
    with pytest.raises(ProjectError, match="is not named FreeRTOSConfig.h"):
        load_project(tmp_path)


def test_no_project_file_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="has no memharness.toml"):
        load_project(tmp_path)
    with pytest.raises(ProjectError, match="does not exist"):
        load_project(tmp_path / "nowhere")


@pytest.mark.parametrize(("text", "value"), [
    ("( ( size_t ) ( 20 * 1024 ) )", 20480),
    ("( ( unsigned long ) 25000000 )", 25000000),
    ("( 5 << ( 8 - configPRIO_BITS ) )", 160),
    ("0x20UL", 32),
    ("( APP_KB * 1024U )", 8192),
    ("( ( TickType_t ) 1000 / 3 )", 333),
    ("SystemCoreClock", None),
    ("vAssertCalled( __FILE__ )", None),
])
def test_config_values_are_read_as_the_compiler_reads_them(text: str, value: int | None) -> None:
    assert evaluate(text, {"configPRIO_BITS": "3", "APP_KB": "( 8 )"}) == value


def test_an_end_in_milliseconds_counts_the_apps_ticks(tmp_path: Path) -> None:
    from harness.app.build import end_tick
    from harness.app.config import UserValue

    project = load_project(write(tmp_path, GOOD.replace('until = { uart = "done" }', "until = { ms = 250 }")))
    assert end_tick(project, {}) == 250  # the harness's config ticks at 1 kHz
    assert end_tick(project, {"configTICK_RATE_HZ": UserValue("( ( TickType_t ) 100 )", 100, "x")}) == 25
