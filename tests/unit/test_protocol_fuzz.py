"""The protocol parser under hypothesis: whatever the UART carries, the parser answers.

It never raises anything but `ProtocolError` (and `parse_line` never raises at all), every line
becomes exactly one entry in order, text lines come back verbatim, and a malformed record costs
only its own line, never the lines around it. Valid records are generated from the event classes
themselves, so a field added to `harness.events` is fuzzed without touching this file.
"""

from __future__ import annotations

import dataclasses
import typing

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.events import EVENT_TYPES, KEY_ALIASES, BadRecord, Done, Event, Text, Unknown
from harness.protocol import PREFIX, ProtocolError, parse_line, parse_lines, parse_record, parse_value

SETTINGS = settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

_RECORD_KEY = {(kind, attr): key for (kind, key), attr in KEY_ALIASES.items()}

no_space = st.characters(codec="utf-8", exclude_categories=("Zs", "Zl", "Zp", "Cc")).filter(lambda c: not c.isspace())
token = st.text(no_space, min_size=1, max_size=12)
word_char = st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789_")
key = st.builds(lambda head, tail: head + tail, st.sampled_from("abcdefghijklmnopqrstuvwxyz"),
                st.text(word_char, max_size=8))
number = st.integers(min_value=0, max_value=2**64)
number_token = st.one_of(number.map(str), number.map(hex))
# Printable words without '=' at the start: the form the firmware prints text values in.
text_token = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:/-"),
                     min_size=1, max_size=16)


def _spec(cls: type[Event]) -> list[tuple[str, bool, type | None]]:
    """(attribute, required, int / str / None for either) for each record field of `cls`."""
    hints = typing.get_type_hints(cls)
    out: list[tuple[str, bool, type | None]] = []
    for f in dataclasses.fields(cls):
        if f.name in ("line", "fields"):
            continue
        args = typing.get_args(hints[f.name]) or (hints[f.name],)
        wanted: type | None = None if int in args and str in args else (int if int in args else str)
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        out.append((f.name, required, wanted))
    return out


@st.composite
def valid_record(draw: st.DrawFn) -> tuple[str, type[Event], dict[str, object]]:
    """A well-formed record of a known kind, and the attribute values it must parse into."""
    kind = draw(st.sampled_from(sorted(EVENT_TYPES)))
    cls = EVENT_TYPES[kind]
    tokens: list[str] = []
    expected: dict[str, object] = {}
    for attr, required, wanted in _spec(cls):
        if not required and not draw(st.booleans()):
            continue
        raw = draw(number_token if wanted is int else text_token)
        tokens.append(f"{_RECORD_KEY.get((kind, attr), attr)}={raw}")
        expected[attr] = int(raw, 0) if wanted is int else (raw if wanted is str else parse_value(raw))
    tokens = draw(st.permutations(tokens))
    return " ".join([PREFIX, kind, *tokens]), cls, expected


@st.composite
def uart_line(draw: st.DrawFn) -> str:
    """One line as the backend hands it over: no newline inside, anything else possible."""
    choice = draw(st.integers(0, 4))
    if choice == 0:
        return draw(valid_record())[0]
    if choice == 1:  # a record cut short, or with its tokens mangled
        text = draw(valid_record())[0]
        return text[: draw(st.integers(0, len(text)))] + draw(st.sampled_from(["", " =", " x", " k=", "=v"]))
    if choice == 2:  # random tokens after the prefix
        return " ".join([PREFIX, *draw(st.lists(token, max_size=6))])
    if choice == 3:  # bytes off the wire, decoded as the QEMU backend decodes them
        data = draw(st.binary(max_size=80)).replace(b"\n", b"")
        return data.decode("utf-8", errors="replace")
    return draw(st.text(st.characters(codec="utf-8", exclude_characters="\n"), max_size=80))


@SETTINGS
@given(st.text(max_size=200))
def test_parse_record_raises_only_protocol_error(text: str) -> None:
    for candidate in (text, f"{PREFIX} {text}", f"{PREFIX} heap {text}"):
        try:
            event = parse_record(candidate, line=1)
        except ProtocolError:
            continue
        assert isinstance(event, Event)


@SETTINGS
@given(st.lists(st.tuples(key, token), max_size=8), st.sampled_from([*sorted(EVENT_TYPES), "newer_kind"]))
def test_any_key_value_tokens_give_an_event_or_a_protocol_error(pairs: list[tuple[str, str]], kind: str) -> None:
    text = " ".join([PREFIX, kind, *(f"{k}={v}" for k, v in pairs)])
    try:
        event = parse_record(text)
    except ProtocolError as exc:
        assert str(exc)  # the reason is never empty: it ends up in the report
        return
    assert isinstance(event, Event)
    assert dict(event.fields) == {k: parse_value(v) for k, v in pairs}  # every key kept, known or not
    if kind == "newer_kind":
        assert isinstance(event, Unknown) and event.name == kind


@SETTINGS
@given(valid_record())
def test_valid_records_round_trip(case: tuple[str, type[Event], dict[str, object]]) -> None:
    text, cls, expected = case
    event = parse_record(text, line=7)
    assert type(event) is cls and event.line == 7
    assert {attr: getattr(event, attr) for attr in expected} == expected


@SETTINGS
@given(valid_record(), key.filter(lambda k: k not in {"line", "fields"}), number_token)
def test_a_duplicate_key_is_a_bad_record_not_a_silent_overwrite(
    case: tuple[str, type[Event], dict[str, object]], extra: str, value: str
) -> None:
    text = f"{case[0]} {extra}={value} {extra}={value}"
    entry = parse_line(text, 1)
    assert isinstance(entry, BadRecord) and "duplicate" in entry.reason and entry.text == text


@SETTINGS
@given(uart_line())
def test_parse_line_never_raises_and_keeps_the_text(text: str) -> None:
    entry = parse_line(text, 3)
    assert entry.line == 3
    if isinstance(entry, (Text, BadRecord)):
        assert entry.text == text.rstrip("\r\n")
    if isinstance(entry, BadRecord):
        assert entry.reason
    if isinstance(entry, Event):
        assert text.startswith(PREFIX)


@SETTINGS
@given(st.lists(uart_line(), max_size=30), st.integers(1, 1000))
def test_no_line_around_a_bad_record_is_lost(lines: list[str], first: int) -> None:
    entries = list(parse_lines(lines, first_line=first))
    assert len(entries) == len(lines)
    assert [e.line for e in entries] == list(range(first, first + len(lines)))
    for text, entry in zip(lines, entries):
        if not text.startswith(PREFIX):
            assert isinstance(entry, Text) and entry.text == text.rstrip("\r\n")
        elif isinstance(entry, (Text, BadRecord)):
            assert entry.text == text.rstrip("\r\n")


@SETTINGS
@given(st.binary(max_size=2000))
def test_random_bytes_split_into_lines_parse(data: bytes) -> None:
    lines = data.decode("utf-8", errors="replace").split("\n")
    entries = list(parse_lines(lines))
    assert len(entries) == len(lines)


def test_a_very_long_number_is_text_not_a_crash() -> None:
    """Python refuses int() of more than 4300 digits; the parser must not pass that on."""
    digits = "9" * 5000
    assert parse_value(digits) == digits
    entry = parse_line(f"{PREFIX} heap at=x free={digits}", 1)
    assert isinstance(entry, BadRecord) and "not a number" in entry.reason


def test_a_text_field_keeps_the_token_as_written() -> None:
    event = parse_record(f"{PREFIX} done scenario=0x10 status=007")
    assert isinstance(event, Done) and event.scenario == "0x10" and event.status == "007"
    assert event.fields["scenario"] == 16  # the raw mapping still reads numbers as numbers


def test_a_key_and_its_alias_together_are_a_bad_record() -> None:
    entry = parse_line(f"{PREFIX} assert file=a.c line=3 line_number=4", 1)
    assert isinstance(entry, BadRecord) and "repeats" in entry.reason
