"""The write-ahead journal, `annotations/.<annotator>.journal`: one JSON line per change.

A record holds the fields a change set and the values they had before, never the whole entry:

    {"id": "0b9c6c0f4a8e", "was": {"stance": null}, "set": {"stance": "agree", ...}, "quote": "…", "by": "…"}

so that replaying it after a crash merges it field by field into whatever the file holds by then
(a `git pull` in between keeps its note), by the same rules as the running app merges an outside
change (`changes.apply`). `quote` is the excerpt line for the entry; `by` names the session that
wrote the record, so that a compaction trims only its own records. Dates and times are written
as `{"$datetime": "2026-11-27T17:41:38+00:00"}`. Records of the first version of the journal
(`{"id", "chunk"}`: a whole entry as TOML) are still read, as changes that set every field.
"""

from __future__ import annotations

import json
import os
import secrets
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, NamedTuple

from annotator.core.models import Annotation
from annotator.core.store.changes import FieldChange
from annotator.core.store.names import SUFFIX

JOURNAL_SUFFIX = ".journal"
_TIMES = {"$datetime": datetime, "$date": date, "$time": time}


class Record(NamedTuple):
    """One journal line: a field change, the excerpt for its entry, and the session that wrote it."""

    change: FieldChange
    quote: str | None
    by: str


def journal_path(path: Path) -> Path:
    """`annotations/.alice.journal` for `annotations/alice.toml`."""
    return path.with_name(f".{path.name.removesuffix(SUFFIX)}{JOURNAL_SUFFIX}")


def new_session_id() -> str:
    """A name for this process's records: its pid and a random part (pids are reused)."""
    return f"{os.getpid()}-{secrets.token_hex(4)}"


def encode(record: Record) -> str:
    """The journal line of `record`, with its line end."""
    change = record.change
    values = {"id": change.comment_id, "was": change.before, "set": change.after, "quote": record.quote, "by": record.by}
    return json.dumps(values, ensure_ascii=False, default=_tag_time) + "\n"


def read_journal(data: bytes) -> tuple[list[Record], int]:
    """The records of a journal, oldest first, and how many lines were unreadable (a line cut
    short by a crash, or not a record)."""
    records: list[Record] = []
    skipped = 0
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            records.append(_decode(json.loads(line, object_hook=_untag_time)))
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            skipped += 1
    return records, skipped


def record_author(line: bytes) -> str | None:
    """The `by` of a journal line, or None for a line that is not a record of this version."""
    try:
        value = json.loads(line).get("by")
    except (ValueError, AttributeError, RecursionError):
        return None
    return value if isinstance(value, str) else None


def _decode(values: dict[str, Any]) -> Record:
    comment_id = values["id"]
    if not isinstance(comment_id, str):
        raise TypeError("id")
    if "chunk" in values:  # the first version: the whole entry (or None: removed)
        return _whole_entry(comment_id, values["chunk"])
    before, after, quote, by = values["was"], values["set"], values.get("quote"), values.get("by", "")
    if not (isinstance(before, dict) and isinstance(after, dict) and set(before) == set(after)):
        raise TypeError("was, set")
    if not (quote is None or isinstance(quote, str)) or not isinstance(by, str):
        raise TypeError("quote, by")
    for side in (before, after):
        if isinstance(side.get("topics"), list):
            side["topics"] = tuple(sorted(side["topics"]))
    Annotation.from_dict({key: value for key, value in after.items() if value is not None})  # checks the types
    return Record(FieldChange(comment_id, before, after), quote, by)


def _whole_entry(comment_id: str, chunk: str | None) -> Record:
    if chunk is None:
        return Record(FieldChange.replacing(comment_id, None), None, "")
    table = tomllib.loads(chunk)["comments"][comment_id]
    quote = chunk.split("\n", 2)[1][2:] if chunk.startswith("\n# ") else None
    return Record(FieldChange.replacing(comment_id, Annotation.from_dict(table)), quote, "")


def _tag_time(value: Any) -> Any:
    for tag, kind in _TIMES.items():
        if isinstance(value, kind):
            return {tag: value.isoformat()}
    raise TypeError(f"cannot journal a {type(value).__name__}")


def _untag_time(values: dict[str, Any]) -> Any:
    if len(values) == 1:
        tag, text = next(iter(values.items()))
        kind = _TIMES.get(tag)
        if kind is not None and isinstance(text, str):
            return kind.fromisoformat(text)
    return values
