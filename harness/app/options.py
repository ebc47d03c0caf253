"""The `--app` and `-D` options `harness.cli` adds to build, run and compare: argparse only, so
building the parser loads nothing of the app machinery (`harness.app.cli` loads when used)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--app", type=Path, default=None, metavar="DIR",
                        help="a user's app: the folder holding its memharness.toml")
    parser.add_argument("-D", "--define", action="append", default=[], metavar="NAME=VALUE",
                        help="with --app: a define for the app's sources (adds to app.defines)")
