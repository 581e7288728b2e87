"""Importing labels made elsewhere (a model, Prodigy, another tool, our own export) into one
annotator's file.

Each JSONL line names a comment by `id` (or `meta.id`, as in Prodigy records) or else by its exact
`text`, and gives labels in one of two shapes:

- plain (also our own `annotator export` JSONL): `stance`, `topics`, `note`, `flagged`, each
  optional; a key that is absent leaves that field as it is;
- Prodigy `choice` answers: `answer` and `accept`, the ids of the chosen options (at most one
  stance, any topics). Answers other than "accept" are skipped.

The whole source is checked before anything changes: unknown comments, labels outside
annotator.toml and malformed values are reported with their lines. A comment the annotator
already labeled is kept unless `overwrite` is given, and a line with no stance and no topics never
removes labels. Changes go through `AnnotationFile`, which writes the file atomically.
"""

from __future__ import annotations

import io
import json
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat
from operator import itemgetter
from typing import Any, BinaryIO, NamedTuple

from annotator.core.config import Schema
from annotator.core.models import NO_EXTRA, Annotation, excerpt
from annotator.core.progress import Progress
from annotator.core.seeds import Corpus, id_problem, json_kind, json_lines_in
from annotator.core.sources import ImportProblems
from annotator.core.store import AnnotationFile

LABEL_KEYS = ("stance", "topics")
LABEL_FIELDS = ("stance", "topics", "note", "flagged")  # what a plain line may set
_ABSENT = object()  # a key the line does not have
_NOTHING = Annotation()
PRODIGY_SKIPPED = ("reject", "ignore")


class LabelRow(NamedTuple):
    """One usable line of the source: the comment it labels and the fields it sets (a named tuple:
    an import makes one per line)."""

    line: int
    comment_id: str
    fields: dict[str, Any]


@dataclass(slots=True)
class LabelRows:
    """The usable lines, and how many lines were skipped (answers other than accept, empty lines)."""

    rows: list[LabelRow] = field(default_factory=list)
    skipped: int = 0


def read_label_rows(source: bytes | BinaryIO, name: str, schema: Schema, corpus: Corpus) -> LabelRows:
    """Every line of `source` (its bytes, or a file to read them from, a block at a time) checked;
    `ImportProblems` (nothing changes) if any line is bad."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    reader = _RowReader(name, schema, corpus)
    result = LabelRows()
    problems = reader.problems
    progress = Progress("reading", 1)
    size = len(source) if isinstance(source, bytes) else _size(stream)

    def read(done: int, lines: int) -> None:  # (the lines in all: guessed from those read)
        progress.total = max(lines * size // max(done, 1), lines, 1)
        progress.update(lines)

    try:
        for number, record in json_lines_in(stream, name, problems, read if progress.enabled else None):
            row = reader.row(number, record)
            if row is None:
                continue
            if row.fields:
                result.rows.append(row)
            else:
                result.skipped += 1
    finally:
        progress.close()
    if problems:
        raise ImportProblems(problems, hint="no labels were changed; fix these lines and import again")
    return result


def _size(stream: BinaryIO) -> int:
    """The size of the file `stream` reads, or 0 if it is not a file (a pipe)."""
    try:
        status = os.fstat(stream.fileno())
    except (OSError, AttributeError, ValueError):
        return 0
    return status.st_size if stat.S_ISREG(status.st_mode) else 0


class _RowReader:
    """Turns one parsed JSON line into a `LabelRow`, noting each problem with the line's number."""

    def __init__(self, name: str, schema: Schema, corpus: Corpus) -> None:
        self.name = name
        self.stances = frozenset(schema.stance_names)
        self.topics = frozenset(schema.topic_names)
        self.corpus = corpus
        self.known = corpus.by_id.keys()  # (a lookup in C where the index is a dict)
        self.problems: list[str] = []
        self._by_text: dict[str, str] | None = None
        self._seen: dict[str, int] = {}
        self._valid_topics: dict[tuple[Any, ...], tuple[str, ...]] = {}  # a topics list as given -> as stored
        self._fields: dict[tuple[Any, ...], dict[str, Any]] = {}  # `_plain_row`'s values -> a row's fields (shared)

    def row(self, number: int, record: Any) -> LabelRow | None:
        """The row of line `number`, or None (and a problem noted) if the line cannot be used."""
        return self._plain_row(number, record) or self._row(number, record)

    def _plain_row(self, number: int, record: Any) -> LabelRow | None:
        """The row of the usual line (our own export's: a plain record naming a comment by id,
        with values that were met before or need no check), made in one call; None for any other
        line, which `_row` reads (it reads this one alike)."""
        if type(record) is not dict or "answer" in record or "accept" in record:
            return None
        given = record.get("id")
        if type(given) is not str:
            return None
        comment_id = given.strip()
        if comment_id not in self.known or comment_id in self._seen:
            return None
        stance = record.get("stance", _ABSENT)
        if not (stance is None or stance is _ABSENT or (type(stance) is str and stance in self.stances)):
            return None
        topics = record.get("topics", _ABSENT)
        if topics is not None and topics is not _ABSENT:
            try:
                topics = self._valid_topics.get(tuple(topics)) if type(topics) is list else None
            except TypeError:  # (an element that cannot be a key: not a topic name)
                return None
            if topics is None:
                return None
        note = record.get("note", _ABSENT)
        if note is not None and note is not _ABSENT and type(note) is not str:
            return None
        flagged = record.get("flagged", _ABSENT)
        if flagged is not _ABSENT and type(flagged) is not bool:
            return None
        self._seen[comment_id] = number
        combination = (stance, topics, note, flagged)
        fields = self._fields.get(combination)
        if fields is None:  # (lines share a few combinations of values: each makes its fields once)
            fields = {key: value for key, value in zip(LABEL_FIELDS, combination) if value is not _ABSENT}
            if "topics" in fields and fields["topics"] is None:
                fields["topics"] = ()
            if "note" in fields:
                fields["note"] = fields["note"] or None
            fields = self._fields[combination] = _without_empty_labels(fields)
        return tuple.__new__(LabelRow, (number, comment_id, fields))

    def _row(self, number: int, record: Any) -> LabelRow | None:
        before = len(self.problems)
        if not isinstance(record, dict):
            self._problem(number, f"expected a JSON object, got {json_kind(record)}")
            return None
        comment_id = self._comment_id(number, record)
        is_prodigy = "answer" in record or "accept" in record
        fields = self._prodigy_fields(number, record) if is_prodigy else self._plain_fields(number, record)
        if comment_id is None or len(self.problems) > before:
            return None
        first = self._seen.setdefault(comment_id, number)
        if first != number:
            self._problem(number, f"comment {comment_id} is already labeled on line {first}")
            return None
        return tuple.__new__(LabelRow, (number, comment_id, _without_empty_labels(fields)))  # (as LabelRow(...), in C)

    def _problem(self, number: int, message: str) -> None:
        self.problems.append(f"{self.name}:{number}: {message}")

    # Which comment ---------------------------------------------------------------------------

    def _comment_id(self, number: int, record: dict[str, Any]) -> str | None:
        meta = record.get("meta")
        given = record.get("id")
        if given is None and isinstance(meta, dict):
            given = meta.get("id")
        if given is not None:
            return self._known_id(number, given)
        text = record.get("text")
        if isinstance(text, str) and text.strip():
            return self._id_of_text(number, text)
        self._problem(number, 'expected an "id" or a "text" naming the comment')
        return None

    def _known_id(self, number: int, given: Any) -> str | None:
        if type(given) is str:  # (the usual id: nothing else to check)
            comment_id = given.strip()
        else:
            problem = id_problem(given)
            if problem:
                self._problem(number, f'"id" must be {problem}')
                return None
            comment_id = str(given).strip()
        if comment_id not in self.known:
            self._problem(number, f"unknown comment id {excerpt(comment_id, 40)!r} (not in seeds/)")
            return None
        return comment_id

    def _id_of_text(self, number: int, text: str) -> str | None:
        if self._by_text is None:
            self._by_text = {comment.text: comment.id for comment in self.corpus.comments}
        comment_id = self._by_text.get(text.strip())
        if comment_id is None:
            self._problem(number, f"no comment in seeds/ has this text: {excerpt(text, 40)!r}")
        return comment_id

    # Which labels ----------------------------------------------------------------------------

    def _plain_fields(self, number: int, record: dict[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        if "stance" in record:
            stance = record["stance"]  # (a known stance needs no call)
            known = stance is None or (type(stance) is str and stance in self.stances)
            fields["stance"] = stance if known else self._stance(number, stance)
        if "topics" in record:
            fields["topics"] = self._topics(number, record["topics"])
        if "note" in record:
            note = record["note"]
            if note is not None and not isinstance(note, str):
                self._problem(number, f'"note" must be a string or null, got {json_kind(note)}')
            fields["note"] = note or None
        if "flagged" in record:
            flagged = record["flagged"]
            if not isinstance(flagged, bool):
                self._problem(number, f'"flagged" must be true or false, got {json_kind(flagged)}')
            fields["flagged"] = flagged is True
        return fields

    def _stance(self, number: int, stance: Any) -> str | None:
        if stance is None:
            return None
        if not isinstance(stance, str):
            self._problem(number, f'"stance" must be a string or null, got {json_kind(stance)}')
        elif stance not in self.stances:
            self._problem(number, f"unknown stance {stance!r} (not in annotator.toml)")
        return stance

    def _topics(self, number: int, topics: Any) -> tuple[str, ...]:
        if topics is None:
            return ()
        if type(topics) is list:  # the few valid lists there are, each checked once
            try:
                known = self._valid_topics.get(tuple(topics))
            except TypeError:  # (an element that cannot be a dict key: checked below)
                known = None
            if known is not None:
                return known
        before = len(self.problems)
        chosen = self._checked_topics(number, topics)
        if len(self.problems) == before:
            self._valid_topics[tuple(topics)] = chosen
        return chosen

    def _checked_topics(self, number: int, topics: Any) -> tuple[str, ...]:
        if not isinstance(topics, list) or not all(isinstance(topic, str) for topic in topics):
            self._problem(number, '"topics" must be a list of topic names')
            return ()
        for topic in topics:
            if topic not in self.topics:
                self._problem(number, f"unknown topic {topic!r} (not in annotator.toml)")
        return tuple(sorted(set(topics)))

    def _prodigy_fields(self, number: int, record: dict[str, Any]) -> dict[str, Any]:
        answer = record.get("answer")
        if answer in PRODIGY_SKIPPED or answer is None:
            return {}
        if answer != "accept":
            self._problem(number, f'"answer" must be accept, reject or ignore, got {answer!r}')
            return {}
        accept = record.get("accept", [])
        if not isinstance(accept, list) or not all(isinstance(label, str) for label in accept):
            self._problem(number, '"accept" must be a list of option ids')
            return {}
        stances = [label for label in accept if label in self.stances]
        for label in accept:
            if label not in self.stances and label not in self.topics:
                self._problem(number, f"unknown label {label!r} in accept (not in annotator.toml)")
        if len(stances) > 1:
            self._problem(number, f"more than one stance in accept: {', '.join(stances)}")
        topics = tuple(sorted({label for label in accept if label in self.topics}))
        return {"stance": stances[0] if stances else None, "topics": topics}


def _without_empty_labels(fields: dict[str, Any]) -> dict[str, Any]:
    """`fields` less stance and topics when it sets neither: such a line never removes labels.

    What is left (a note, a flag) is dropped too if it would not add anything.
    """
    if fields.get("stance") is None and not fields.get("topics"):
        fields = {key: value for key, value in fields.items() if key not in LABEL_KEYS}
        if not fields.get("note") and not fields.get("flagged"):
            return {}
    return fields


# Planning and applying ---------------------------------------------------------------------------


class LabelChange(NamedTuple):
    """One entry that the import adds (`before` is None) or changes (a named tuple: one per line)."""

    comment_id: str
    before: Annotation | None
    after: Annotation


@dataclass(slots=True)
class LabelPlan:
    """What importing does to the file: the changes, and the counts of what it leaves alone."""

    changes: list[LabelChange] = field(default_factory=list)
    unchanged: int = 0
    kept: int = 0
    skipped: int = 0

    @property
    def added(self) -> int:
        """Changes that create an entry (the others change one)."""
        return sum(change.before is None for change in self.changes)


def plan_label_import(rows: LabelRows, store: AnnotationFile, overwrite: bool, now: datetime) -> LabelPlan:
    """The changes `rows` make to `store`; labeled entries are kept unless `overwrite`."""
    plan = LabelPlan(skipped=rows.skipped)
    ids = list(map(_COMMENT_ID, rows.rows))
    store.entries.for_many_lookups()
    befores = list(map(store.entries.get, ids))
    if befores.count(None) == len(befores):  # (an import into a new file: every row adds an entry)
        fields = list(map(_FIELDS, rows.rows))
        keys = list(map(id, fields))  # (rows share their fields, `_plain_row` says; alive while `rows` is)
        made = {key: _merged(None, value, now) for key, value in dict(zip(keys, fields)).items()}
        plan.changes = list(map(tuple.__new__, repeat(LabelChange), zip(ids, befores, map(made.__getitem__, keys))))
        return plan
    for row, before in zip(rows.rows, befores):
        if before is not None and before.is_labeled and not overwrite:
            plan.kept += 1
            continue
        after = _merged(before, row.fields, now)
        if before is not None and _same_labels(before, after):
            plan.unchanged += 1
        else:
            plan.changes.append(tuple.__new__(LabelChange, (row.comment_id, before, after)))  # (as LabelChange(...))
    return plan


_COMMENT_ID, _FIELDS = itemgetter(1), itemgetter(2)  # of a `LabelRow`
_CHANGED_ID, _AFTER = itemgetter(0), itemgetter(2)  # of a `LabelChange`


def _merged(before: Annotation | None, fields: dict[str, Any], now: datetime) -> Annotation:
    """`before` with the row's `fields` (checked by `_RowReader`) and `updated` set to `now`: what
    `Annotation.from_dict` makes of them, without checking again values that were checked."""
    base = before if before is not None else _NOTHING
    return Annotation._make((  # (values as `Annotation` makes them: the row's are checked and sorted)
        fields.get("stance", base.stance), fields.get("topics", base.topics), fields.get("note", base.note),
        fields.get("flagged", base.flagged), round(base.seconds, 1), now, base.extra or NO_EXTRA,
    ))


def _same_labels(one: Annotation, other: Annotation) -> bool:
    keys = ("stance", "topics", "note", "flagged")
    return all(getattr(one, key) == getattr(other, key) for key in keys)


def apply_label_plan(plan: LabelPlan, store: AnnotationFile, corpus: Corpus) -> None:
    """Make the planned changes in `store` and save it (nothing is written if there are none)."""
    if not plan.changes:
        return
    ids = list(map(_CHANGED_ID, plan.changes))
    store.set_columns(ids, list(map(_AFTER, plan.changes)), list(corpus.texts(ids)))
    store.save()


DESCRIBED = ("stance", "topics", "note", "flagged")


def describe_changes(changes: Iterable[LabelChange]) -> Iterator[str]:
    """One line per change, for --dry-run: `add ID: stance agree; topics scaling`."""
    for change in changes:
        before = change.before or _NOTHING
        parts = []
        for key in DESCRIBED:
            old, new = getattr(before, key), getattr(change.after, key)
            if old != new:
                shown = _shown(key, new) if change.before is None else f"{_shown(key, old)} -> {_shown(key, new)}"
                parts.append(f"{key} {shown}")
        verb = "add" if change.before is None else "change"
        yield f"{verb} {change.comment_id}: {'; '.join(parts)}"


def _shown(key: str, value: Any) -> str:
    if key == "topics":
        return ", ".join(value) or "(none)"
    if key == "flagged":
        return "true" if value else "false"
    if value is None:
        return "(none)"
    return json.dumps(value, ensure_ascii=False) if key == "note" else str(value)


def summary(plan: LabelPlan, target: str, dry_run: bool) -> str:
    """One line saying what the import did (or, with `dry_run`, would do) to `target`."""
    changed = len(plan.changes) - plan.added
    counts = (
        f"{plan.added} added, {changed} changed, {plan.unchanged} unchanged, "
        f"{plan.kept} kept (already labeled), {plan.skipped} skipped"
    )
    if dry_run:
        return f"{target}: dry run, nothing written: would be {counts}"
    return f"{target}: {counts}"
