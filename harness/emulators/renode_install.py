"""Where Renode is on this machine, and whether pyrenode3 can drive it in-process.

Renode is found, in this order, by the `--renode` option (a folder holding the `renode`
launcher), `MEMHARNESS_RENODE`, the places Antmicro's packages install it (`/opt/renode`,
`/usr/lib/renode`, `~/renode`) and `renode` on PATH. A missing Renode is exit status 3 with
the usual way to install it; the harness never downloads one.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from harness.errors import ToolMissingError

ENV_RENODE = "MEMHARNESS_RENODE"
ENV_DRIVER = "MEMHARNESS_RENODE_DRIVER"  # "pyrenode3" or "console"; default: pyrenode3 when installed
INSTALL_HINT = (
    "install Renode from Antmicro's packages (.deb, .rpm, portable .tar.gz or Docker image) and "
    "pyrenode3 (antmicro/pyrenode3 on GitHub: `pip install git+` its repository) with `pip install pythonnet`; point "
    f"{ENV_RENODE} at the folder holding the `renode` launcher (or `make setup RENODE=<folder>`)"
)
_PLACES = (Path("/opt/renode"), Path("/usr/lib/renode"), Path.home() / "renode")


@dataclass(frozen=True)
class RenodeInstall:
    """A Renode tree that runs in place: `root/renode` launches it, `root/platforms` holds its boards."""

    root: Path

    @property
    def launcher(self) -> Path:
        return self.root / "renode"

    def platform(self, relative: str) -> Path:
        return self.root / relative


def _is_renode(folder: Path) -> bool:
    return (folder / "renode").is_file() and (folder / "platforms").is_dir()


def _from_path() -> Path | None:
    found = shutil.which("renode")
    if found is None:
        return None
    real = Path(found).resolve().parent
    return real if _is_renode(real) else None


def find_renode(option: Path | None = None) -> RenodeInstall:
    """The Renode to use, or ToolMissingError naming what was tried and how to install it."""
    named = option or (Path(os.environ[ENV_RENODE]) if os.environ.get(ENV_RENODE) else None)
    if named is not None:
        if _is_renode(named):
            return RenodeInstall(named.resolve())
        source = "--renode" if option is not None else ENV_RENODE
        raise ToolMissingError(
            f"{source} names {named}, which holds no Renode (no `renode` launcher and `platforms/` folder there)",
            INSTALL_HINT,
        )
    for place in _PLACES:
        if _is_renode(place):
            return RenodeInstall(place)
    on_path = _from_path()
    if on_path is not None:
        return RenodeInstall(on_path)
    tried = ", ".join(str(p) for p in _PLACES)
    raise ToolMissingError(f"Renode is not installed (tried {ENV_RENODE}, {tried} and PATH)", INSTALL_HINT)


def mono_missing() -> str | None:
    """Why Renode's Mono runtime cannot start here, or None."""
    if shutil.which("mono") is None:
        return "Mono is not installed (apt-get install mono-complete), and Renode needs it"
    return None


def pyrenode3_installed() -> bool:
    return importlib.util.find_spec("pyrenode3") is not None and importlib.util.find_spec("clr_loader") is not None


def driver_name() -> str:
    """Which driver talks to Renode: `pyrenode3` (in-process) when installed, else `console`."""
    chosen = os.environ.get(ENV_DRIVER, "").strip()
    if chosen in ("pyrenode3", "console"):
        return chosen
    return "pyrenode3" if pyrenode3_installed() else "console"
