"""The UART protocol parser: a pure function from lines to typed events.

`@mh <event> key=value ...`; values are decimal integers, 0x hex, or bare tokens. Every other
line is the firmware's own text. The parser never raises on input: a malformed record becomes a
`BadRecord` entry in its place (via `ProtocolError`, the only exception `parse_record` raises), so
the lines around it are never lost.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Iterable, Iterator

from harness.events import (
    EVENT_TYPES,
    KEY_ALIASES,
    BadRecord,
    Entry,
    Event,
    Text,
    Unknown,
    Value,
)

PREFIX = "@mh"
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_EVENT = re.compile(r"^[a-z][a-z0-9_]*$")
_DECIMAL = re.compile(r"^[0-9]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
MAX_NUMBER_DIGITS = 40  # far beyond any 64-bit figure; a longer run of digits is text, not a number


class ProtocolError(ValueError):
    """A line that claims to be a record but is not a valid one."""


def parse_value(token: str) -> Value:
    """A decimal or 0x hex integer, else the token itself (kept as text, never evaluated)."""
    if len(token) <= MAX_NUMBER_DIGITS + 2:
        if _DECIMAL.match(token):
            return int(token)
        if _HEX.match(token):
            return int(token, 16)
    return token


_SPECS: dict[type[Event], dict[str, tuple[bool, bool | None]]] = {}


def _field_types(cls: type[Event]) -> dict[str, tuple[bool, bool | None]]:
    """For each field of `cls`: (required, wants an int: True, text: False, either: None)."""
    if cls in _SPECS:
        return _SPECS[cls]
    hints = typing.get_type_hints(cls)
    out: dict[str, tuple[bool, bool | None]] = {}
    for f in dataclasses.fields(cls):
        if f.name in ("line", "fields"):
            continue
        hint = hints[f.name]
        args = typing.get_args(hint) or (hint,)
        wants_int = None if int in args and str in args else int in args
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        out[f.name] = (required, wants_int)
    _SPECS[cls] = out
    return out


def parse_record(text: str, line: int = 0) -> Event:
    """Parse one record line (starting with `@mh `) into its typed event."""
    parts = text.split()
    if len(parts) < 2 or parts[0] != PREFIX:
        raise ProtocolError("not a record: no event name after '@mh'")
    name = parts[1]
    if not _EVENT.match(name):
        raise ProtocolError(f"bad event name {name!r}")
    fields: dict[str, Value] = {}
    tokens: dict[str, str] = {}
    for token in parts[2:]:
        key, sep, raw = token.partition("=")
        if not sep or not _KEY.match(key) or not raw:
            raise ProtocolError(f"bad key=value token {token!r}")
        if key in fields:
            raise ProtocolError(f"duplicate key {key!r}")
        fields[key] = parse_value(raw)
        tokens[key] = raw
    cls = EVENT_TYPES.get(name)
    if cls is None:
        return Unknown(name=name, line=line, fields=fields)
    spec = _field_types(cls)
    kwargs: dict[str, Value] = {}
    for key, value in fields.items():
        attr = KEY_ALIASES.get((name, key), key)
        if attr not in spec:
            continue  # a newer firmware's extra key: kept in `fields`
        if attr in kwargs:
            raise ProtocolError(f"{name}: {key} repeats a key already given under another name")
        wants_int = spec[attr][1]
        if wants_int and not isinstance(value, int):
            raise ProtocolError(f"{name}: {key}={value!r} is not a number")
        # A text field keeps its token as written: `at=10` is the label "10", not a number.
        kwargs[attr] = tokens[key] if wants_int is False else value
    missing = [a for a, (required, _) in spec.items() if required and a not in kwargs]
    if missing:
        raise ProtocolError(f"{name}: missing {', '.join(missing)}")
    return cls(line=line, fields=fields, **kwargs)


def parse_line(text: str, line: int) -> Entry:
    """One UART line to one entry: an event, the firmware's own text, or a bad record."""
    stripped = text.rstrip("\r\n")
    if stripped.startswith(PREFIX + " ") or stripped == PREFIX:
        try:
            return parse_record(stripped, line)
        except ProtocolError as exc:
            return BadRecord(text=stripped, line=line, reason=str(exc))
    return Text(text=stripped, line=line)


def parse_lines(lines: Iterable[str], first_line: int = 1) -> Iterator[Entry]:
    for number, text in enumerate(lines, start=first_line):
        yield parse_line(text, number)
