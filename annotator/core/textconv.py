"""An annotation file as git's diff should see it: one readable line per entry.

`git diff`, `git log -p` and `git show` run `annotator git-textconv FILE` (set up by
`annotator git-setup`) and diff its output, so each changed line is one changed entry:

    0b9c6c0f4a8e  Thanks for sharing this, I believe…  stance=agree topics=dl-theory,scaling flagged note="…"

Unknown top-level keys come first, one per line. `seconds` and `updated` are left out, as
`annotator diff` leaves them out. A merge's conflict table shows as `annotator diff` shows it:
`conflict=stance (theirs agree, base mixed)`. A file that does not parse (a merge in progress, a hand edit
gone wrong) is shown as it is, so the diff still works.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

from annotator.core.diff import parse_bytes
from annotator.core.models import Annotation, one_line, quoted
from annotator.core.reports.diff import conflict_summary
from annotator.core.store import CONFLICT_KEY, StoreError

NO_LABELS = "(no labels)"


def textconv(data: bytes, name: str) -> str:
    """The lines git diffs for the annotation file `data` (named `name` in messages)."""
    try:
        parsed = parse_bytes(data, name)
    except StoreError:
        return data.decode("utf-8", "replace")
    lines = [f"{one_line(key)}={_value(value)}" for key, value in sorted(parsed.extra.items())]
    for comment_id in sorted(parsed.entries):
        quote = parsed.excerpts.get(comment_id, "")
        parts = [one_line(comment_id), one_line(quote), entry_labels(parsed.entries[comment_id])]
        lines.append("  ".join(part for part in parts if part))
    return "".join(f"{line}\n" for line in lines)


def entry_labels(entry: Annotation) -> str:
    """`stance=agree topics=a,b flagged note="..."` and any unknown keys as `key=<JSON>` (a
    conflict table as the fields that clash, with theirs and the base)."""
    parts = []
    if entry.stance is not None:
        parts.append(f"stance={one_line(entry.stance)}")
    if entry.topics:
        parts.append(f"topics={','.join(one_line(topic) for topic in entry.topics)}")
    if entry.flagged:
        parts.append("flagged")
    if entry.note:
        parts.append(f"note={_value(entry.note)}")
    parts.extend(
        f"{one_line(key)}={conflict_summary(value) if key == CONFLICT_KEY and isinstance(value, dict) else _value(value)}"
        for key, value in sorted(entry.extra.items())
    )
    return " ".join(parts) or NO_LABELS


def _value(value: Any) -> str:
    """A value on one line, as JSON: a string quoted, with what does not print escaped (a
    change to a newline in a note shows); in a table or list, control characters dropped."""
    if isinstance(value, str):
        return quoted(value)
    return json.dumps(_flat(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _flat(value: Any) -> Any:
    if isinstance(value, str):
        return one_line(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {one_line(str(key)): _flat(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_flat(item) for item in value]
    return value
