"""Kernel resolution order and installation, against fake kernel trees and a local git origin."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from harness.errors import KernelNotFoundError, KernelPathError, UsageError
from harness.kernel import install_kernel, resolve_kernel


def _fake_kernel(path: Path, version: str) -> Path:
    (path / "include").mkdir(parents=True)
    (path / "tasks.c").write_text("/* fake */\n")
    (path / "include" / "task.h").write_text(f'#define tskKERNEL_VERSION_NUMBER "{version}"\n')
    return path


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEMHARNESS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("FREERTOS_KERNEL_PATH", raising=False)
    return tmp_path / "cache"


def test_explicit_path_wins_over_environment(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit = _fake_kernel(tmp_path / "a", "V11.3.0")
    monkeypatch.setenv("FREERTOS_KERNEL_PATH", str(_fake_kernel(tmp_path / "b", "V11.3.0")))
    kernel = resolve_kernel("V11.3.0", explicit)
    assert kernel.path == explicit.resolve() and kernel.source == "explicit"


def test_environment_then_cache(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_kernel(cache / "kernel" / "V11.3.0", "V11.3.0")
    assert resolve_kernel("V11.3.0", allow_clone=False).source == "cache"
    monkeypatch.setenv("FREERTOS_KERNEL_PATH", str(_fake_kernel(tmp_path / "env", "V11.1.0")))
    kernel = resolve_kernel("V11.3.0")
    assert kernel.source == "environment" and kernel.version == "V11.1.0"


def test_missing_kernel_names_version_places_and_both_fixes(cache: Path) -> None:
    with pytest.raises(KernelNotFoundError) as info:
        resolve_kernel("V11.3.0", allow_clone=False)
    text = str(info.value)
    assert "V11.3.0" in text and "FREERTOS_KERNEL_PATH" in text and str(cache / "kernel" / "V11.3.0") in text
    assert "memharness kernel install" in text and "--from" in text


def test_not_a_kernel(tmp_path: Path) -> None:
    with pytest.raises(KernelPathError, match="not a FreeRTOS-Kernel tree"):
        resolve_kernel("V11.3.0", tmp_path)


def test_bad_version_string(cache: Path) -> None:
    with pytest.raises(UsageError, match="not a FreeRTOS-Kernel version"):
        resolve_kernel("11.3")


def _origin(tmp_path: Path, version: str) -> Path:
    repo = _fake_kernel(tmp_path / "origin", version)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git[:3], "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "fake"], check=True)
    subprocess.run([*git, "tag", version], check=True)
    return repo


def test_install_from_a_local_clone_then_resolve_from_cache(cache: Path, tmp_path: Path) -> None:
    origin = _origin(tmp_path, "V99.0.0")
    kernel = install_kernel("V99.0.0", str(origin))
    assert kernel.path == (cache / "kernel" / "V99.0.0").resolve()
    assert resolve_kernel("V99.0.0", allow_clone=False).source == "cache"
    assert not [p for p in (cache / "kernel").iterdir() if p.name.startswith(".")]  # no staging left


def test_install_of_a_tag_that_does_not_exist(cache: Path, tmp_path: Path) -> None:
    origin = _origin(tmp_path, "V99.0.0")
    with pytest.raises(KernelNotFoundError, match="V98.0.0"):
        install_kernel("V98.0.0", str(origin))
    assert not (cache / "kernel" / "V98.0.0").exists()
