"""The two things the tool is about: a comment to label, and one annotator's labels on it."""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from types import MappingProxyType
from typing import Any, NamedTuple

ID_LENGTH = 12
EXCERPT_LENGTH = 70
NO_EXTRA: Mapping[str, Any] = MappingProxyType({})  # shared by every comment or entry with no other keys


def text_id(text: str) -> str:
    """The id of a comment given without one: the first 12 hex digits of SHA-256 of its UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:ID_LENGTH]


class Comment(NamedTuple):
    """A comment to label, with where it came from (file relative to the project, 1-based line).

    A named tuple: immutable, and the cheapest object to make by the hundred thousand.
    """

    id: str
    text: str
    source: str
    line: int
    author: str | None = None
    url: str | None = None
    parent: str | None = None  # the id of the comment it replies to (perhaps not in the corpus)
    context: str | None = None  # the text it replies to, as the seed gives it (its `context` field)
    meta: Mapping[str, Any] = NO_EXTRA  # the seed's other fields


_SPACES = re.compile(r"\s+")


def one_line(text: str) -> str:
    """`text` on one line, safe in a TOML comment: whitespace runs become one space, and
    control and formatting characters (ANSI escapes, bidi overrides, NUL) are dropped."""
    if "  " not in text and text.isprintable():  # (the usual text, 10x faster than the regex: in a
        return text.strip()  # printable text the only whitespace is " ", so there is no run to join)
    flat = _SPACES.sub(" ", text).strip()
    if flat.isprintable():
        return flat
    return "".join(ch for ch in flat if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn"})


def quoted(text: str) -> str:
    """`text` as a JSON string on one line, with every character that does not print escaped
    (a newline as `\\n`, ESC as `\\u001b`, a bidi override as `\\u202e`): a note that changed
    only in them reads as changed, and nothing in it acts on a terminal."""
    dumped = json.dumps(text, ensure_ascii=False)
    if dumped.isprintable():
        return dumped
    return "".join(ch if ch.isprintable() else json.dumps(ch)[1:-1] for ch in dumped)


_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str, keep_newlines: bool = True) -> str:
    """`text` made safe to draw in a terminal, visibly: control characters become their
    Unicode pictures (ESC shows as ␛), tabs become spaces, bidirectional overrides become �.
    Newlines are kept unless `keep_newlines` is false (then they show as ␤)."""
    if text.isprintable() and not (keep_newlines is False and "\n" in text):
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\n":
            out.append("\n" if keep_newlines else "\u2424")
        elif ch == "\t":
            out.append("    ")
        elif code < 0x20:
            out.append(chr(0x2400 + code))
        elif code == 0x7F:
            out.append("\u2421")
        elif 0x80 <= code < 0xA0 or ch in _BIDI_CONTROLS or unicodedata.category(ch) in {"Cs", "Co"}:
            out.append("\ufffd")
        else:
            out.append(ch)
    return "".join(out)


def excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    """The first `length` characters of `text` on one line, with '…' where it was cut."""
    window = 2 * max(length, 16)  # the flattened start of a text is the start of the flattened text:
    while True:  # flatten only as much as the excerpt needs
        part = text[:window]
        flat = one_line(part)
        if len(flat) > length or len(part) == len(text):
            break
        window *= 4
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


def excerpts(texts: Iterable[str], length: int = EXCERPT_LENGTH) -> list[str]:
    """`excerpt` of each of `texts`, for many at once. The usual text is cut in a few passes: when
    its first `length` + 2 characters are printable, hold no run of spaces and do not start with
    one, they are the start of the flattened text, which goes on past them (one of the last two
    is not a space), so the excerpt is their first `length` - 1 characters and '…'. `excerpt`
    makes the others."""
    texts = texts if type(texts) is list else list(texts)
    heads = [text[: length + 2] for text in texts]
    return [
        head[: length - 1].rstrip() + "…"
        if len(head) > length + 1 and head.isprintable() and "  " not in head and head[0] != " "
        else excerpt(text, length)
        for text, head in zip(texts, heads)
    ]


def utc_now() -> datetime:
    """Now, in UTC, to the second: the resolution of `updated` in the files."""
    return datetime.now(UTC).replace(microsecond=0)


FIELDS = ("stance", "topics", "note", "flagged", "seconds", "updated")


class InvalidEntry(ValueError):
    """An entry whose values have the wrong types: `problems` holds (field, what was expected)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in problems))
        self.problems = problems


class _Entry(NamedTuple):
    stance: str | None = None
    topics: tuple[str, ...] = ()
    note: str | None = None
    flagged: bool = False
    seconds: float = 0.0
    updated: datetime | None = None
    extra: Mapping[str, Any] = NO_EXTRA


class Annotation(_Entry):
    """One annotator's labels on one comment, as stored in `annotations/<annotator>.toml`.

    Immutable and small: a named tuple, because a corpus holds hundreds of thousands and a tuple
    is the cheapest immutable object Python makes. Construct it from trusted values directly,
    or from a file's table with `from_dict`, which checks the types; `_make` takes all seven
    values as they are, for readers whose values are already normalized (sorted topics, a float
    of seconds, no empty note). Keys this version does not know are kept in `extra` and written
    back unchanged. (Not hashable: `extra` is a mapping.)
    """

    __slots__ = ()

    def __new__(
        cls,
        stance: str | None = None,
        topics: Iterable[str] = (),  # a set in meaning: kept sorted, so that equal sets are equal
        note: str | None = None,  # never empty: "" is stored as None
        flagged: bool = False,
        seconds: float = 0.0,  # to the tenth (`from_dict` rounds), the file's resolution
        updated: datetime | None = None,
        extra: Mapping[str, Any] = NO_EXTRA,
    ) -> Annotation:
        if type(topics) is not tuple or (len(topics) > 1 and sorted(topics) != list(topics)):
            topics = tuple(sorted(topics))
        return tuple.__new__(cls, (stance, topics, note or None, flagged, float(seconds), updated, extra))

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Annotation:
        """An entry from untrusted values (a TOML table, a JSON record); raise `InvalidEntry`
        naming each field of the wrong type. Keys other than the known fields go to `extra`."""
        problems: list[tuple[str, str]] = []
        stance = values.get("stance")
        if stance is not None and type(stance) is not str:
            problems.append(("stance", expected("text", stance)))
        topics = values.get("topics", ())
        if not isinstance(topics, (list, tuple)):
            problems.append(("topics", expected("a list of topic names", topics)))
            topics = ()
        problems.extend(
            (f"topics.{number}", expected("text", topic)) for number, topic in enumerate(topics) if type(topic) is not str
        )
        note = values.get("note")
        if note is not None and type(note) is not str:
            problems.append(("note", expected("text", note)))
        flagged = values.get("flagged", False)
        if type(flagged) is not bool:
            problems.append(("flagged", expected("true or false", flagged)))
        seconds = values.get("seconds", 0.0)
        if type(seconds) not in (int, float):
            problems.append(("seconds", expected("a number", seconds)))
        elif not 0 <= seconds < math.inf:
            problems.append(("seconds", expected("a number of seconds, 0 or more", float(seconds))))
        updated = values.get("updated")
        if updated is not None and not isinstance(updated, datetime):
            problems.append(("updated", expected("a date and time", updated)))
        if problems:
            raise InvalidEntry(problems)
        extra = {key: value for key, value in values.items() if key not in FIELDS}
        return cls(stance, tuple(topics), note, flagged, round(seconds, 1), updated, extra or NO_EXTRA)

    def as_dict(self) -> dict[str, Any]:
        """Every field by name, then the unknown keys: the inverse of `from_dict`."""
        values = {name: getattr(self, name) for name in FIELDS}
        return values | dict(self.extra)

    def replace(self, **changes: Any) -> Annotation:
        """A copy with `changes` made to the known fields (normalized as on construction)."""
        return Annotation(**(self._asdict() | changes))

    _replace = replace  # the named tuple's own would skip the normalizing

    @property
    def is_labeled(self) -> bool:
        """Whether a stance or at least one topic is set (a note or a flag alone is not a label)."""
        return self.stance is not None or bool(self.topics)

    @property
    def is_empty(self) -> bool:
        """Nothing worth a line in the file: no label, note, flag, time or unknown keys."""
        return not (self.is_labeled or self.note or self.flagged or self.seconds or self.extra)

    def to_toml_dict(self) -> dict[str, Any]:
        """The entry as TOML values, in file order: known keys first, then unknown ones, sorted."""
        data: dict[str, Any] = {}
        if self.stance is not None:
            data["stance"] = self.stance
        data["topics"] = list(self.topics)
        if self.note:
            data["note"] = self.note
        data["flagged"] = self.flagged
        if self.seconds:
            data["seconds"] = self.seconds
        if self.updated is not None:
            data["updated"] = self.updated
        for key in sorted(self.extra):
            data[key] = self.extra[key]
        return data


def expected(what: str, got: Any) -> str:
    """`expected text, got 3`, with TOML dates and times shown as written."""
    if isinstance(got, (dict, list)):
        shown = type(got).__name__
    elif isinstance(got, (date, time)):
        shown = f"{got.isoformat()} (a {'date' if isinstance(got, date) else 'time'} alone)"
    else:
        shown = repr(got)
    return f"expected {what}, got {one_line(shown)[:60]}"
