"""`annotator validate`: every problem in a project, one `file:line: message` each."""

from __future__ import annotations

from dataclasses import replace
from itertools import compress
from operator import itemgetter, not_
from datetime import UTC, datetime, timedelta
from pathlib import Path

from annotator.core.config import CONFIG_NAME, Schema, load_config
from annotator.core.errors import AnnotatorError, Problem
from annotator.core.gitsetup import setup_problems, tracked_local_files
from annotator.core.merge import conflict_message
from annotator.core.seeds import SEEDS_DIR, Corpus, load_seeds
from annotator.core.labels import LabelFile, Unread, scan_labels
from annotator.core.store import CONFLICT_KEY, StoreError
from annotator.core.store.columns import EPOCH, MICROSECOND, LabelColumns

_CLOCK_SKEW = timedelta(minutes=5)


def validate_project(root: Path, now: datetime | None = None) -> tuple[list[Problem], str]:
    """All problems found under `root` (warnings included), and a one-line summary."""
    problems: list[Problem] = []
    schema: Schema | None = None
    corpus: Corpus | None = None
    try:
        loaded = load_config(root)
        schema = loaded.schema
        problems.extend(loaded.warnings)
    except AnnotatorError as error:
        problems.extend(_as_problems(error, CONFIG_NAME))
    try:
        corpus = load_seeds(root, allow_empty=True)
        problems.extend(corpus.warnings)
        if not corpus.comments:  # a new project: nothing is wrong yet (labels for no comment are orphans)
            problems.append(Problem(f"{SEEDS_DIR}/", None, "no comments yet: put .txt, .jsonl or .csv files of "
                                    "comments in it, or run `annotator import-comments FILE`", warning=True))
    except AnnotatorError as error:
        problems.extend(_as_problems(error, f"{SEEDS_DIR}/"))

    if schema is not None and schema.assign is not None and corpus is not None and corpus.comments:
        problems.extend(plan_problems(schema, corpus))

    files = 0
    entries = 0
    for item in scan_labels(root):
        if isinstance(item, Unread):
            problems.extend(_with_hint(item.problems, item.hint))
            continue
        files += 1
        entries += item.count
        problems.extend(item.warnings)
        problems.extend(check_entries(item, schema, corpus, now or datetime.now(UTC)))

    problems.extend(setup_problems(root))
    problems.extend(tracked_local_files(root))
    errors = sum(not problem.warning for problem in problems)
    comments = len(corpus) if corpus is not None else 0
    summary = (
        f"{counted(comments, 'comment')}, {counted(files, 'annotation file')}, {counted(entries, 'entry', 'entries')}: "
        + (counted(errors, "problem") if errors else "all valid")
    )
    return problems, summary


def plan_problems(schema: Schema, corpus: Corpus) -> list[Problem]:
    """Calibration ids in `[assign]` that are not comments in seeds/ (the rest the config loader checks)."""
    listed = schema.assign.calibration if schema.assign is not None else 0
    if isinstance(listed, int):
        return []
    return [
        Problem(CONFIG_NAME, None, f"assign.calibration: {comment_id!r} is not a comment in {SEEDS_DIR}/ (check the "
                "id: `annotator blame ID` shows where it went)")
        for comment_id in listed if comment_id not in corpus.by_id
    ]


def counted(number: int, one: str, many: str | None = None) -> str:
    """`1 comment`, `2 comments`: a number and its noun, singular or plural."""
    return f"{number} {one if number == 1 else many or one + 's'}"


def check_entries(store: LabelFile, schema: Schema | None, corpus: Corpus | None, now: datetime) -> list[Problem]:
    """Labels outside the schema, orphans, repeated topics and timestamps from the future."""
    return [
        problem for comment_id in _suspects(store, schema, corpus, now + _CLOCK_SKEW)
        for problem in _entry_problems(store, comment_id, schema, corpus, now)
    ]


def _suspects(store: LabelFile, schema: Schema | None, corpus: Corpus | None, latest: datetime) -> list[str]:
    """The ids of the entries that may have a problem, in line order: found a column at a time (the
    few distinct stances and topic lists are checked once each), so that a file of 100,000 valid
    entries costs one light pass."""
    columns = store.columns
    if columns is not None:
        return _column_suspects(columns, schema, corpus, latest)
    entries = store.entries
    stances = list(map(_STANCE, entries.values()))
    topics = list(map(_TOPICS, entries.values()))
    bad_stances = _bad_stances(set(stances), schema)
    bad_topics = _bad_topics(set(topics), schema)
    orphans = entries.keys() - corpus.by_id.keys() if corpus is not None else set()
    suspects = [
        comment_id for comment_id, stance, labels, updated, extra in zip(
            entries, stances, topics, map(_UPDATED, entries.values()), map(_EXTRA, entries.values())
        )
        if stance in bad_stances or labels in bad_topics or extra or comment_id in orphans
        or (updated is not None and (updated.tzinfo is None or updated > latest))
    ]
    return sorted(suspects, key=lambda comment_id: store.lines.get(comment_id) or 0)


def _column_suspects(columns: LabelColumns, schema: Schema | None, corpus: Corpus | None, latest: datetime) -> list[str]:
    """`_suspects` of a file read as columns (no entry made): the entries whose stance or topics
    are among the few bad ones, whose comment is not in the corpus, or updated after `latest`.
    Columns hold no entry with other keys, and every time they hold has a zone."""
    bad_stances = _bad_stances(set(columns.stances), schema)
    bad_topics = _bad_topics(set(columns.topic_sets), schema)
    bad_stance_codes = {code for code, stance in enumerate(columns.stances) if stance in bad_stances}
    bad_topic_codes = {code for code, labels in enumerate(columns.topic_sets) if labels in bad_topics}
    ids = columns.ids
    suspect = set()
    if bad_stance_codes:
        suspect.update(compress(range(len(ids)), map(bad_stance_codes.__contains__, columns.stance_codes)))
    if bad_topic_codes:
        suspect.update(compress(range(len(ids)), map(bad_topic_codes.__contains__, columns.topic_codes)))
    if corpus is not None:  # orphans
        suspect.update(compress(range(len(ids)), map(not_, map(corpus.by_id.keys().__contains__, ids))))
    latest_time = (latest - EPOCH) // MICROSECOND
    if columns.updated and max(columns.updated) > latest_time:  # (NO_TIME, no time, is below any)
        suspect.update(compress(range(len(ids)), map(latest_time.__lt__, columns.updated)))
    return list(map(ids.__getitem__, sorted(suspect, key=columns.lines.__getitem__)))  # (in line order, not by id)


def _bad_stances(stances: set[str | None], schema: Schema | None) -> set[str | None]:
    """Those of `stances` the schema does not know (None, no stance, is never one)."""
    return stances - set(schema.stance_names) - {None} if schema else set()


def _bad_topics(topic_lists: set[tuple[str, ...]], schema: Schema | None) -> set[tuple[str, ...]]:
    """Those of `topic_lists` that repeat a topic or name one the schema does not know."""
    known_topics = set(schema.topic_names) if schema else None
    return {
        labels for labels in topic_lists
        if len(set(labels)) < len(labels) or (known_topics is not None and not known_topics.issuperset(labels))
    }


_STANCE, _TOPICS, _UPDATED, _EXTRA = itemgetter(0), itemgetter(1), itemgetter(5), itemgetter(6)  # Annotation's fields


def _entry_problems(
    store: LabelFile, comment_id: str, schema: Schema | None, corpus: Corpus | None, now: datetime
) -> list[Problem]:
    """The problems of one entry (`_suspects` found it may have some)."""
    name, line, entry = store.display, store.lines.get(comment_id), store.get(comment_id)
    problems = []
    if CONFLICT_KEY in entry.extra:
        problems.append(Problem(name, line, conflict_message(comment_id, entry)))
    if schema is not None and entry.stance is not None and entry.stance not in schema.stance_names:
        problems.append(Problem(name, line, f"comment {comment_id}: unknown stance {entry.stance!r} (kept)"))
    for topic in sorted(set(entry.topics)):
        if schema is not None and topic not in schema.topic_names:
            problems.append(Problem(name, line, f"comment {comment_id}: unknown topic {topic!r} (kept)"))
        if entry.topics.count(topic) > 1:
            problems.append(Problem(name, line, f"comment {comment_id}: topic {topic!r} listed twice"))
    if corpus is not None and comment_id not in corpus.by_id:
        quote = store.excerpts.get(comment_id, "")
        problems.append(Problem(name, line, f"comment {comment_id}: no such comment in seeds/ (orphan: \"{quote}\")"))
    updated = entry.updated
    if updated is not None and updated.tzinfo is None:  # written by hand without a zone: read as UTC
        updated = updated.replace(tzinfo=UTC)
    if updated is not None and updated > now + _CLOCK_SKEW:
        problems.append(
            Problem(name, line, f"comment {comment_id}: updated {updated.isoformat()} is in the future", warning=True)
        )
    return problems


def _as_problems(error: AnnotatorError, default_path: str) -> list[Problem]:
    if isinstance(error, StoreError):
        return _with_hint(error.problems, error.hint)
    problems = [Problem("", None, line) if ":" in line else Problem(default_path, None, line)
                for line in error.message.splitlines()]
    return _with_hint(problems, error.hint)


def _with_hint(problems: list[Problem], hint: str) -> list[Problem]:
    """`problems`, the last one followed by how to fix them (on its own line, as the app shows it)."""
    if not hint or not problems:
        return list(problems)
    last = problems[-1]
    return [*problems[:-1], replace(last, message=f"{last.message}\n  ({hint})")]
