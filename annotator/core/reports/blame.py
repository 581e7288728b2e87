"""`annotator blame`'s report: one comment's label history as text or JSON."""

from __future__ import annotations

from annotator.core.blame import History, LabelEvent
from annotator.core.diff import FieldChange
from annotator.core.models import one_line
from annotator.core.reports.diff import describe, fields_json
from annotator.core.reports.jsondoc import JSON_FORMAT, dumps


def visible_events(history: History, timing: bool = False) -> list[tuple[LabelEvent, list[FieldChange]]]:
    """Each event with the fields to show; those that changed only timing are left out unless `timing`."""
    pairs = [(event, event.fields(timing)) for event in history.events]
    return [(event, fields) for event, fields in pairs if fields]


def render_text(history: History, timing: bool = False) -> str:
    """The comment's id and excerpt, then one line per change:
    `annotator  commit  date  author  kind: field: old -> new; ...`."""
    lines = ["  ".join(part for part in (history.comment_id, one_line(history.excerpt)) if part)]
    for event, fields in visible_events(history, timing):
        what = "; ".join(describe(field) for field in fields)
        who = f"{event.annotator}  {event.short}  {event.date[:10]}  {one_line(event.author)}"
        lines.append(f"{who}  {event.kind}: {what}")
    return "".join(f"{line}\n" for line in lines)


def render_json(history: History, timing: bool = False) -> str:
    """The history as JSON: stable (sorted keys; by annotator, then oldest first)."""
    return dumps({
        "format": JSON_FORMAT,
        "comment": history.comment_id,
        "excerpt": history.excerpt,
        "history": [
            {
                "annotator": event.annotator,
                "commit": event.commit,
                "short": event.short,
                "author": event.author,
                "date": event.date,
                "change": event.kind,
                "fields": fields_json(fields),
            }
            for event, fields in visible_events(history, timing)
        ],
    })
