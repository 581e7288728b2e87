"""A small labeled project for the export, import and stats tests: five comments, three annotators.

What the majority makes of it (the expected exports in tests/cli/__snapshots__/test_export/ show it in full):

- c1: agree (2 of 3) and scaling (3 of 3); forecasting has 1 of 3, so it is out.
- c2: alice disagree, bob agree: a stance tie; dl-theory has 1 of 2, so it is a topic tie.
- c3: mixed (2 of 3), reasoning (2 of 3); alice flagged it and wrote a note.
- c4: carol alone: neutral, with a note. Its text looks like a spreadsheet formula.
- c5: nobody labeled it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from annotator.core.models import Annotation
from annotator.core.store import AnnotationFile
from tests.conftest import make_project

UPDATED = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)

COMMENTS = [
    {"id": "c1", "text": "Scaling laws say more compute helps.", "author": "ann", "url": "https://example.org/c1"},
    {"id": "c2", "text": 'I disagree, "emergence" is a mirage,\nsee the follow-up.', "parent": "c1"},
    {"id": "c3", "text": "Café: naïve question — what about ε-greedy?", "context": "Which exploration should we try first?"},
    {"id": "c4", "text": "=SUM(A1:A2), a comment that looks like a formula"},
    {"id": "c5", "text": "Nobody labeled this one."},
]

LABELS: dict[str, dict[str, dict]] = {
    "alice": {
        "c1": {"stance": "agree", "topics": ["scaling"], "seconds": 20.0},
        "c2": {"stance": "disagree", "topics": ["dl-theory"], "seconds": 31.5},
        "c3": {"stance": "mixed", "note": "unsure: ε?", "flagged": True, "seconds": 12.5},
    },
    "bob": {
        "c1": {"stance": "agree", "topics": ["scaling", "forecasting"], "seconds": 8.0},
        "c2": {"stance": "agree", "seconds": 4.0},
        "c3": {"stance": "mixed", "topics": ["reasoning"], "seconds": 3.0},
    },
    "carol": {
        "c1": {"stance": "disagree", "topics": ["scaling"], "seconds": 15.0},
        "c3": {"stance": "neutral", "topics": ["reasoning"], "seconds": 9.5},
        "c4": {"stance": "neutral", "note": "formula-looking text", "seconds": 6.0},
    },
}

GOLD = {"c2": {"stance": "disagree", "topics": ["dl-theory"], "note": "adjudicated"}}


def seeds_jsonl() -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in COMMENTS)


def write_labels(root: Path, annotator: str, labels: dict[str, dict]) -> AnnotationFile:
    store = AnnotationFile.open(root, annotator)
    texts = {record["id"]: record["text"] for record in COMMENTS}
    for comment_id, fields in labels.items():
        store.set(comment_id, Annotation.from_dict(fields | {"updated": UPDATED}), text=texts[comment_id])
    store.save()
    return store


def labeled_project(root: Path, gold: bool = False) -> Path:
    """The project described above at `root` (with `annotations/gold.toml` if `gold`)."""
    make_project(root, {"comments.jsonl": seeds_jsonl()})
    for annotator, labels in LABELS.items():
        write_labels(root, annotator, labels)
    if gold:
        write_labels(root, "gold", GOLD)
    return root
