"""Which FreeRTOS-Kernel a build uses, and how it gets onto the machine.

Resolution order (DESIGN.md): an explicit path (`--kernel` or `FREERTOS_KERNEL_PATH`, the name the
FreeRTOS ecosystem already uses), then the cache `<cache>/kernel/<version>/`, then a clone of the
pinned tag from upstream into that cache. Kernel sources never enter the repository.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from harness.errors import KernelNotFoundError, KernelPathError, ToolMissingError, UsageError
from harness.paths import cache_dir

DEFAULT_VERSION = "V11.3.0"
UPSTREAM_URL = "https://github.com/FreeRTOS/FreeRTOS-Kernel.git"
_VERSION_RE = re.compile(r"^V\d+\.\d+\.\d+$")
_VERSION_IN_HEADER = re.compile(r'#define\s+tskKERNEL_VERSION_NUMBER\s+"(V[^"]+)"')


@dataclass(frozen=True)
class Kernel:
    """A kernel tree on disk and the version its `task.h` declares."""

    path: Path
    version: str
    source: str  # how it was found: "explicit", "environment", "cache" or "clone"

    def parsed_version(self) -> tuple[int, int, int]:
        return parse_version(self.version)


def parse_version(version: str) -> tuple[int, int, int]:
    if not _VERSION_RE.match(version):
        raise UsageError(
            f"'{version}' is not a FreeRTOS-Kernel version",
            f"write it as the release tag, e.g. {DEFAULT_VERSION}",
        )
    major, minor, patch = (int(part) for part in version[1:].split("."))
    return major, minor, patch


def kernel_cache_path(version: str) -> Path:
    return cache_dir() / "kernel" / version


def inspect_kernel(path: Path, source: str) -> Kernel:
    """A Kernel for `path`, or KernelPathError if it is not a kernel tree."""
    task_h = path / "include" / "task.h"
    if not (path / "tasks.c").is_file() or not task_h.is_file():
        raise KernelPathError(
            f"{path} is not a FreeRTOS-Kernel tree (no tasks.c and include/task.h)",
            "point --kernel or FREERTOS_KERNEL_PATH at the kernel's top folder, the one holding tasks.c",
        )
    match = _VERSION_IN_HEADER.search(task_h.read_text(encoding="utf-8", errors="replace"))
    if not match:
        raise KernelPathError(f"{task_h} declares no tskKERNEL_VERSION_NUMBER")
    return Kernel(path=path.resolve(), version=match.group(1), source=source)


def resolve_kernel(
    version: str = DEFAULT_VERSION, explicit: Path | None = None, allow_clone: bool = True
) -> Kernel:
    """Find the kernel to build against, cloning into the cache as the last resort."""
    parse_version(version)
    if explicit is not None:
        return inspect_kernel(explicit, "explicit")
    env_path = os.environ.get("FREERTOS_KERNEL_PATH")
    if env_path:
        return inspect_kernel(Path(env_path), "environment")
    cached = kernel_cache_path(version)
    if (cached / "tasks.c").is_file():
        return inspect_kernel(cached, "cache")
    tried = [
        "--kernel (not given)",
        "FREERTOS_KERNEL_PATH (not set)",
        f"the cache {cached} (empty)",
    ]
    if allow_clone:
        try:
            return install_kernel(version, UPSTREAM_URL)
        except KernelNotFoundError as exc:
            tried.append(f"a clone of {version} from {UPSTREAM_URL} ({exc.message})")
    raise KernelNotFoundError(
        f"FreeRTOS-Kernel {version} not found. Tried: " + "; ".join(tried) + ".",
        f"with network: `memharness kernel install --version {version}`; without: "
        f"`memharness kernel install --version {version} --from <a FreeRTOS-Kernel git clone or URL>`, "
        "or set FREERTOS_KERNEL_PATH to a kernel tree",
    )


def install_kernel(version: str = DEFAULT_VERSION, origin: str = UPSTREAM_URL) -> Kernel:
    """Clone tag `version` from `origin` (URL or local git dir) into the cache, atomically.

    The clone lands in a temporary sibling folder and is renamed into place, so a crash or a
    concurrent install never leaves a half-filled cache entry that later looks like a kernel.
    """
    parse_version(version)
    git = shutil.which("git")
    if git is None:
        raise ToolMissingError("git is not installed", "apt-get install git")
    target = kernel_cache_path(version)
    if (target / "tasks.c").is_file():
        return inspect_kernel(target, "cache")
    target.parent.mkdir(parents=True, exist_ok=True)
    local = Path(origin).expanduser()
    source = str(local.resolve()) if local.exists() else origin
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{version}-") as tmp:
        staging = Path(tmp) / "kernel"
        proc = subprocess.run(
            [git, "clone", "--quiet", "--depth", "1", "--branch", version, source, str(staging)],
            capture_output=True,
            text=True,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
            check=False,
        )
        if proc.returncode != 0:
            reason = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "git failed"
            raise KernelNotFoundError(
                f"git clone of {version} from {origin} failed: {reason}",
                f"check that {origin} is reachable and has the tag {version} (`git ls-remote --tags {origin}`), "
                "or set FREERTOS_KERNEL_PATH to a kernel tree",
            )
        kernel = inspect_kernel(staging, "clone")
        if kernel.version != version:
            raise KernelNotFoundError(
                f"{origin} tag {version} declares {kernel.version} in task.h",
                f"install from an origin whose tag {version} is that release, or use --kernel-version {kernel.version}",
            )
        try:
            staging.rename(target)
        except OSError:
            if not (target / "tasks.c").is_file():  # not a concurrent install that won the race
                raise
    return inspect_kernel(target, "clone")
