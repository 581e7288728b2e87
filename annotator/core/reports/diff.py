"""`annotator diff`'s report: label changes as plain text for a terminal, Markdown for a pull
request, JSON for tools (`annotator blame` lists its changes the same way).

Comment text, notes and labels read from the files are untrusted: in text, excerpts and labels
are flattened to one line (`one_line`) and notes quoted with what does not print written out
(`quoted`: a change to a line break shows); in Markdown they are code spans (no links,
mentions, HTML or tables broken); in JSON they are plain strings.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, time
from typing import Any

from annotator.core.diff import EntryChange, FieldChange
from annotator.core.models import one_line, quoted
from annotator.core.reports.jsondoc import JSON_FORMAT, dumps, json_value
from annotator.core.reports.markdown import code
from annotator.core.store import CONFLICT_KEY

NONE = "(none)"


def visible_changes(changes: list[EntryChange], timing: bool) -> list[tuple[EntryChange, list[FieldChange]]]:
    """Each change with the fields to show; changes with nothing to show (only timing, unless
    `timing`) are left out."""
    pairs = [(change, change.fields(timing)) for change in changes]
    return [(change, fields) for change, fields in pairs if fields]


def summary(changes: list[EntryChange], timing: bool = False,
            visible: list[tuple[EntryChange, list[FieldChange]]] | None = None) -> str:
    """One line: how many entries changed, and how (`visible`: `visible_changes`, if made already)."""
    kinds = Counter(change.kind for change, _ in (visible_changes(changes, timing) if visible is None else visible))
    total = sum(kinds.values())
    if not total:
        return "no label changes"
    parts = ", ".join(f"{kinds[kind]} {kind}" for kind in ("added", "removed", "changed") if kinds[kind])
    return f"{total} {'entry' if total == 1 else 'entries'}: {parts}"


def revision_range(old: str | None, new: str | None) -> str:
    """`HEAD → working tree`, in words."""
    return f"{old or 'working tree'} → {new or 'working tree'}"


# Plain text -----------------------------------------------------------------------------------


def render_text(changes: list[EntryChange], timing: bool = False,
                visible: list[tuple[EntryChange, list[FieldChange]]] | None = None) -> str:
    """One heading line per entry (annotator, comment id, kind, excerpt), then one line per field
    (`visible`: `visible_changes`, if made already)."""
    lines = []
    for change, fields in visible_changes(changes, timing) if visible is None else visible:
        heading = f"{change.annotator}  {change.comment_id}  {change.kind}"
        lines.append(f"{heading}  {one_line(change.excerpt)}" if change.excerpt else heading)
        lines.extend(f"    {describe(field)}" for field in fields)
    return "".join(f"{line}\n" for line in lines)


def describe(field: FieldChange) -> str:
    """`stance: agree -> disagree`, `topics: +scaling -dl-theory`, `flagged: no -> yes`."""
    if field.name == "topics":
        moves = [f"+{one_line(topic)}" for topic in field.added] + [f"-{one_line(topic)}" for topic in field.removed]
        return f"topics: {' '.join(moves)}"
    return f"{one_line(field.name)}: {shown(field.name, field.old)} -> {shown(field.name, field.new)}"


def shown(name: str, value: Any) -> str:
    """A field's value on one line: labels as they are, notes quoted, flags as yes or no."""
    if value is None:
        return NONE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name == "stance":
        return one_line(value)
    if name == CONFLICT_KEY and isinstance(value, dict):
        return conflict_summary(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, str):
        return quoted(value)
    return one_line(json.dumps(value, ensure_ascii=False, sort_keys=True, default=json_value))


def conflict_summary(table: dict[str, Any]) -> str:
    """A merge's conflict table as the fields that clash, each with theirs and the base
    (`stance (theirs agree, base mixed)`): ours is the entry's own value, shown beside it."""
    fields = table.get("fields")
    sides = [table.get(side) if isinstance(table.get(side), dict) else {} for side in ("theirs", "base")]
    if not isinstance(fields, list) or not fields:
        fields = sorted({key for side in sides for key in side} - {"seconds", "updated"})
    theirs, base = sides
    return ", ".join(
        f"{one_line(str(field))} (theirs {shown(field, theirs.get(field))}, base {shown(field, base.get(field))})"
        for field in fields
    )


# Markdown -------------------------------------------------------------------------------------


def render_markdown(changes: list[EntryChange], old: str | None, new: str | None, timing: bool = False) -> str:
    """A heading and a table, to paste into a pull request."""
    shown_changes = visible_changes(changes, timing)
    shown_new = code(new, cell=False) if new else "working tree"
    title = f"### Label changes: {code(old or 'working tree', cell=False)} → {shown_new}\n\n"
    if not shown_changes:
        return f"{title}No label changes.\n"
    rows = [
        f"| {code(change.annotator)} | {code(change.comment_id)} {code(change.excerpt) if change.excerpt else ''} "
        f"| {change.kind} | {'<br>'.join(_markdown_field(field) for field in fields)} |"
        for change, fields in shown_changes
    ]
    table = ["| annotator | comment | change | what changed |", "| --- | --- | --- | --- |", *rows]
    return f"{title}{summary(changes, timing)}.\n\n" + "".join(f"{row}\n" for row in table)


def _markdown_field(field: FieldChange) -> str:
    if field.name == "topics":
        moves = [f"+{code(topic)}" for topic in field.added] + [f"−{code(topic)}" for topic in field.removed]
        return f"topics {' '.join(moves)}"
    old, new = shown(field.name, field.old), shown(field.name, field.new)
    return f"{code(field.name)} {code(old, spaces=True)} → {code(new, spaces=True)}"


# JSON -----------------------------------------------------------------------------------------


def render_json(changes: list[EntryChange], old: str | None, new: str | None, timing: bool = False) -> str:
    """The changes as a JSON document: stable (sorted keys, changes sorted by annotator and id)."""
    document = {
        "format": JSON_FORMAT,
        "from": old,
        "to": new,
        "changes": [
            {
                "annotator": change.annotator,
                "comment": change.comment_id,
                "excerpt": change.excerpt,
                "change": change.kind,
                "fields": fields_json(fields),
            }
            for change, fields in visible_changes(changes, timing)
        ],
    }
    return dumps(document)


def fields_json(fields: list[FieldChange]) -> dict[str, Any]:
    """Each field as `{"old": ..., "new": ...}`; topics also with `added` and `removed`."""
    result: dict[str, Any] = {}
    for field in fields:
        item: dict[str, Any] = {"old": field.old, "new": field.new}
        if field.name == "topics":
            item |= {"added": field.added, "removed": field.removed}
        result[field.name] = item
    return result
