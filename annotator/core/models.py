"""The two things the tool is about: a comment to label, and one annotator's labels on it."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

ID_LENGTH = 12
EXCERPT_LENGTH = 70


def text_id(text: str) -> str:
    """The id of a comment given without one: the first 12 hex digits of SHA-256 of its UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:ID_LENGTH]


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment to label, with where it came from (file relative to the project, 1-based line)."""

    id: str
    text: str
    source: str
    line: int
    author: str | None = None
    url: str | None = None
    parent: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


_SPACES = re.compile(r"\s+")


def one_line(text: str) -> str:
    """`text` on one line, safe in a TOML comment: whitespace runs become one space, and
    control and formatting characters (ANSI escapes, bidi overrides, NUL) are dropped."""
    flat = _SPACES.sub(" ", text).strip()
    if flat.isprintable():
        return flat
    return "".join(ch for ch in flat if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn"})


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
    flat = one_line(text)
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


def utc_now() -> datetime:
    """Now, in UTC, to the second: the resolution of `updated` in the files."""
    return datetime.now(UTC).replace(microsecond=0)


class Annotation(BaseModel):
    """One annotator's labels on one comment, as stored in `annotations/<annotator>.toml`.

    Keys this version does not know are kept in `model_extra` and written back unchanged.
    """

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)

    stance: str | None = None
    topics: tuple[str, ...] = ()
    note: str | None = None
    flagged: bool = False
    seconds: float = Field(default=0.0, ge=0)
    updated: datetime | None = None

    @field_validator("topics", mode="before")
    @classmethod
    def _topics_list(cls, value: Any) -> Any:
        if isinstance(value, list):
            return tuple(value)
        return value

    @field_validator("topics")
    @classmethod
    def _topics_sorted(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(value))  # a set in meaning; sorted so equal sets are equal

    @field_validator("seconds", mode="before")
    @classmethod
    def _seconds_number(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        return value

    @field_validator("seconds")
    @classmethod
    def _tenths(cls, value: float) -> float:
        return round(value, 1)  # the file's resolution, so that a value reads back equal

    @field_validator("note")
    @classmethod
    def _empty_note_is_none(cls, value: str | None) -> str | None:
        return value or None

    @property
    def is_labeled(self) -> bool:
        """Whether a stance or at least one topic is set (a note or a flag alone is not a label)."""
        return self.stance is not None or bool(self.topics)

    @property
    def is_empty(self) -> bool:
        """Nothing worth a line in the file: no label, note, flag, time or unknown keys."""
        return not (
            self.is_labeled or self.note or self.flagged or self.seconds or self.model_extra
        )

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
        for key in sorted(self.model_extra or {}):
            data[key] = self.model_extra[key]
        return data
