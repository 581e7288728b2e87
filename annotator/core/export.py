"""Exporting the labels: one record per comment, in seed order, as JSONL, CSV or Prodigy JSONL.

Deterministic: the same comments and labels give the same bytes (JSON keys sorted, fixed columns,
`\\n` line ends, seconds to one decimal). Lines are produced one at a time, so that a large export
streams to its file (`annotator.core.output` writes them). The fields are documented in the README,
under `annotator export`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from collections import Counter
from itertools import compress, islice, repeat
from operator import itemgetter
from typing import Any

import msgspec

from annotator.core.columns import Joined, SeedColumns
from annotator.core.config import Schema
from annotator.core.errors import AnnotatorError
from annotator.core.models import NO_EXTRA, Annotation, Comment
from annotator.core.progress import Progress, tracked
from annotator.core.resolve import MAJORITY, Decision, Resolution, Resolver
from annotator.core.seeds import Corpus
from annotator.core.store import GOLD
from annotator.core.store.columns import locate_by

FORMATS = ("jsonl", "csv", "prodigy")
LIST_SEPARATOR = ";"
COMMENT_FIELDS = ("id", "text", "source", "line", "author", "url", "parent", "context")
DECISION_FIELDS = ("stance", "stance_tie", "topics", "topics_tie", "note", "flagged", "seconds", "decided_by")
ANNOTATOR_FIELDS = ("stance", "topics", "note", "flagged", "seconds")
TOPIC_COLUMN = "topic:"
BATCH = 4096  # comments decided at a time
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may take for a formula

_DECIDED_BY, _STANCE_TIE = itemgetter(7), itemgetter(1)  # fields of a `Decision`
Ordering = Callable[[Iterable[str]], tuple[str, ...]]  # labels into schema order


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """What to export and how: the format, which comments to leave out, and whether CSV cells that
    a spreadsheet would take for a formula are made plain text."""

    format: str = "jsonl"
    only_labeled: bool = False
    exclude_flagged: bool = False
    excel_safe: bool = False


@dataclass(slots=True)
class ExportCounts:
    """How the comments' labels were decided, counted as the export goes: for the line on stderr
    that says what the export holds, and what it left out."""

    comments: int = 0
    written: int = 0
    decided_by: dict[str | None, int] = field(default_factory=dict)  # None: nobody labeled the comment
    stance_ties: int = 0
    undecided_left_out: int = 0
    flagged_left_out: int = 0

    def count(self, decision: Decision) -> None:
        self.comments += 1
        self.decided_by[decision.decided_by] = self.decided_by.get(decision.decided_by, 0) + 1
        if decision.stance_tie:
            self.stance_ties += 1

    def count_all(self, decisions: list[Decision]) -> None:
        """`count` each of `decisions`, a column at a time."""
        self.comments += len(decisions)
        for decided_by, count in Counter(map(_DECIDED_BY, decisions)).items():
            self.decided_by[decided_by] = self.decided_by.get(decided_by, 0) + count
        self.stance_ties += sum(map(bool, map(_STANCE_TIE, decisions)))

    def count_columns(self, decisions: list[list[Any]]) -> None:
        """`count` each decision of `decisions`, given as columns (`Resolver.decision_columns`)."""
        self.comments += len(decisions[7])
        for decided_by, count in Counter(decisions[7]).items():
            self.decided_by[decided_by] = self.decided_by.get(decided_by, 0) + count
        self.stance_ties += sum(map(bool, decisions[1]))

    def summary(self, resolution: Resolution) -> str:
        """One line: `5 comments: 1 from gold, 3 by vote, 1 undecided; 4 written (--only-labeled
        left out 1)`; with gold or annotator:NAME, how many that file labeled and how many not."""
        undecided = self.decided_by.get(None, 0)
        single = resolution.single
        if single is None:
            ties = f" ({self.stance_ties} with a stance tie)" if self.stance_ties else ""
            parts = f"{self.decided_by.get(GOLD, 0)} from gold, {self.decided_by.get(MAJORITY, 0)} by vote{ties}, " \
                    f"{undecided} undecided"
        else:
            parts = f"{self.comments - undecided} labeled by {single}, {undecided} not"
        line = f"{self.comments} comments: {parts}"
        left_out = [f"{flag} left out {count}" for flag, count in (
            ("--only-labeled", self.undecided_left_out), ("--exclude-flagged", self.flagged_left_out)) if count]
        if left_out:
            line += f"; {self.written} written ({', '.join(left_out)})"
        if single == GOLD and undecided:
            line += "; --resolve majority (the default) takes the vote where gold has no labels"
        return line


def export_lines(
    comments: Iterable[Comment], schema: Schema, resolver: Resolver, options: ExportOptions,
    counts: ExportCounts | None = None,
) -> Iterator[str]:
    """The export, line by line (each ends with `\\n`), for `comments` in their order; `counts`,
    when given, counts what the lines hold as they are made."""
    _check(options, resolver)
    batches = _selected(comments, resolver, options, ExportCounts() if counts is None else counts)
    with_annotators = resolver.resolution.mode == "all"
    if options.format == "jsonl":
        return _jsonl_lines(batches, resolver, with_annotators)
    if options.format == "csv":
        return _csv_lines(_rows(batches), schema, resolver, with_annotators, options.excel_safe)
    if options.format == "prodigy":
        return _prodigy_lines(_rows(batches), schema)
    raise AnnotatorError(f"--format {options.format!r}: expected one of {', '.join(FORMATS)}")


def export_chunks(
    corpus: Corpus, schema: Schema, resolver: Resolver, options: ExportOptions, counts: ExportCounts | None = None,
    progress: str | None = None,
) -> Iterator[str | bytes]:
    """The export of `corpus`, for `output.write_output`: the lines of `export_lines`; or for
    JSONL of one record per comment (not `--resolve all`) of a corpus read from the parse cache,
    the same lines as UTF-8, a chunk of many lines at a time, made a column at a time
    (`jsonl_chunk`), each file's entries found by position in the corpus (`Resolver.in_corpus`).
    `progress`: the label of a progress bar on stderr (drawn on a terminal only)."""
    _check(options, resolver)
    counts = ExportCounts() if counts is None else counts
    comments = corpus.comments
    parts = [(0, comments)] if isinstance(comments, SeedColumns) and comments.unique else \
        comments.parts() if isinstance(comments, Joined) else None
    if options.format != "jsonl" or resolver.resolution.mode == "all" or parts is None:
        if progress is not None:
            comments = tracked(comments, progress, len(comments))
        return export_lines(comments, schema, resolver, options, counts)
    resolver.in_corpus(locate_by(comments.positions), comments.ids_digest(), len(comments))  # type: ignore[union-attr]
    return _jsonl_chunks(parts, resolver, options, counts, None if progress is None else Progress(progress, len(comments)))


def _check(options: ExportOptions, resolver: Resolver) -> None:
    """Refuse options that do not go together."""
    if options.format == "prodigy" and resolver.resolution.mode == "all":
        raise AnnotatorError(
            "--format prodigy holds one answer per comment: it cannot carry --resolve all",
            hint="use --resolve majority, gold or annotator:NAME, or --format jsonl",
        )
    if options.excel_safe and options.format != "csv":
        raise AnnotatorError(
            f"--excel-safe applies to --format csv only, not {options.format}",
            hint="add --format csv, or leave out --excel-safe",
        )


def _jsonl_chunks(parts: list[tuple[int, SeedColumns]], resolver: Resolver, options: ExportOptions,
                  counts: ExportCounts, progress: Progress | None) -> Iterator[bytes]:
    """The JSONL records of each part of a corpus (a seed file's columns, with the position of its
    first comment), `BATCH` comments a chunk, selected and counted as `_selected` does."""
    leave_out = options.only_labeled or options.exclude_flagged
    try:
        for offset, part in parts:
            for start in range(0, len(part), BATCH):
                stop = min(start + BATCH, len(part))
                fields = part.fields(start, stop)
                decisions = resolver.decision_columns(fields[0], offset + start)  # type: ignore[arg-type]
                counts.count_columns(decisions)
                if leave_out:
                    fields, decisions = _kept(fields, decisions, options, counts)
                counts.written += len(decisions[7])
                yield jsonl_chunk(fields, decisions)
                if progress is not None:
                    progress.update(offset + stop)
    finally:
        if progress is not None:
            progress.close()


def _kept(fields: list[Iterable[Any]], decisions: list[list[Any]], options: ExportOptions,
          counts: ExportCounts) -> tuple[list[Iterable[Any]], list[list[Any]]]:
    """The fields and decisions (columns both) of the comments `--only-labeled` and
    `--exclude-flagged` keep, with those left out counted (as `_selected` does)."""
    keep = []
    for decided_by, flagged in zip(decisions[7], decisions[5]):
        if options.only_labeled and decided_by is None:
            counts.undecided_left_out += 1
            keep.append(False)
        elif options.exclude_flagged and flagged:
            counts.flagged_left_out += 1
            keep.append(False)
        else:
            keep.append(True)
    return [list(compress(column, keep)) for column in fields], [list(compress(column, keep)) for column in decisions]


def _selected(
    comments: Iterable[Comment], resolver: Resolver, options: ExportOptions, counts: ExportCounts
) -> Iterator[tuple[list[Comment], list[Decision]]]:
    """The comments to write and their decisions, a batch at a time, counted as they go."""
    leave_out = options.only_labeled or options.exclude_flagged
    for batch, decisions in _decided(comments, resolver):
        counts.count_all(decisions)
        if not leave_out:
            counts.written += len(batch)
            yield batch, decisions
            continue
        kept: tuple[list[Comment], list[Decision]] = ([], [])
        for comment, decision in zip(batch, decisions):
            if options.only_labeled and decision.decided_by is None:
                counts.undecided_left_out += 1
                continue
            if options.exclude_flagged and decision.flagged:
                counts.flagged_left_out += 1
                continue
            counts.written += 1
            kept[0].append(comment)
            kept[1].append(decision)
        yield kept


def _decided(comments: Iterable[Comment], resolver: Resolver) -> Iterator[tuple[list[Comment], list[Decision]]]:
    """The comments a batch at a time, with their decisions, decided a batch at a time
    (`Resolver.decisions`): the output still streams, and each file's entries are fetched a
    column at a time."""
    comments = iter(comments)
    while batch := list(islice(comments, BATCH)):
        yield batch, list(resolver.decisions(list(map(_ID, batch))))


def _rows(batches: Iterable[tuple[list[Comment], list[Decision]]]) -> Iterator[tuple[Comment, Decision]]:
    """Each comment with its decision, one at a time."""
    for batch, decisions in batches:
        yield from zip(batch, decisions)


_ID = itemgetter(0)  # a comment's id


# JSONL -----------------------------------------------------------------------------------------


def _jsonl_lines(
    batches: Iterator[tuple[list[Comment], list[Decision]]], resolver: Resolver, with_annotators: bool
) -> Iterator[str]:
    if not with_annotators:
        for batch, decisions in batches:
            yield from record_lines(batch, decisions)
        return
    for comment, decision in _rows(batches):
        record = comment_record(comment, decision)
        record["annotators"] = {
            name: annotator_record(entry, resolver.ordered) for name, entry in resolver.entries(comment.id)
        }
        yield _json_line(record)


def record_lines(comments: list[Comment], decisions: list[Decision]) -> list[str]:
    """`record_line` of each comment and its decision, made a field at a time: each field of
    every record encoded in one pass (`map`), then the lines filled in without a call per line."""
    if not comments:
        return []
    ids, texts, sources, numbers, authors, urls, parents, contexts, _ = zip(*comments)
    stances, stance_ties, topics, topics_ties, notes, flagged, seconds, decided_by = zip(*decisions)
    lines = [
        f'{{"author": {author}, "context": {context}, {decided}, "id": {comment_id}, "line": {number!r}, '
        f'"note": {note}, "parent": {parent}, "seconds": {spent!r}, "source": {source}, "stance": {stance}, '
        f'"text": {text}, "topics": {topic}, "url": {url}}}\n'
        for author, context, decided, comment_id, number, note, parent, spent, source, stance, text, topic, url in zip(
            _json_strings(authors), _json_strings(contexts), map(_decided_by, decided_by, flagged), map(_ascii, ids),
            numbers, _json_strings(notes), _json_strings(parents), seconds, map(_ascii, sources),
            map(_stance, stances, stance_ties), map(_ascii, texts), map(_topics, topics, topics_ties), _json_strings(urls))
    ]
    for index in compress(range(len(lines)), map(str.__contains__, lines, repeat("\\u"))):
        lines[index] = _json_line(comment_record(comments[index], decisions[index]))  # (as `record_line` does)
    return lines


def _json_strings(values: tuple[str | None, ...]) -> Iterable[str]:
    """Each of `values` as a JSON string, or null."""
    if None not in values:
        return map(_ascii, values)
    return ["null" if value is None else _ascii(value) for value in values]


def record_line(comment: Comment, decision: Decision) -> str:
    """`comment_record` as a JSONL line, byte for byte as `_json_line` writes it, but written
    here field by field: a tenth of the time per record, which an export of 100,000 notices. The
    decision's fields come in few combinations: each pair of neighbouring fields is encoded once."""
    comment_id, text, source, number, author, url, parent, context, _ = comment
    stance, stance_tie, topics, topics_tie, note, flagged, seconds, decided_by = decision
    line = (
        f'{{"author": {"null" if author is None else _ascii(author)}, '
        f'"context": {"null" if context is None else _ascii(context)}, {_decided_by(decided_by, flagged)}, '
        f'"id": {_ascii(comment_id)}, "line": {number!r}, "note": {"null" if note is None else _ascii(note)}, '
        f'"parent": {"null" if parent is None else _ascii(parent)}, "seconds": {seconds!r}, '
        f'"source": {_ascii(source)}, "stance": {_stance(stance, stance_tie)}, "text": {_ascii(text)}, '
        f'"topics": {_topics(topics, topics_tie)}, "url": {"null" if url is None else _ascii(url)}}}\n'
    )
    if "\\u" in line:  # something to keep as UTF-8 (or a backslash-u in the text): the general way
        return _json_line(comment_record(comment, decision))
    return line


_ascii = json.encoder.encode_basestring_ascii  # a JSON string, as the ASCII encoder writes it


def _string(value: str | None) -> str:
    return "null" if value is None else _ascii(value)


def _strings(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(map(_ascii, values)) + "]" if values else "[]"


@lru_cache(maxsize=64)
def _decided_by(decided_by: str | None, flagged: bool) -> str:
    return f'"decided_by": {_string(decided_by)}, "flagged": {"true" if flagged else "false"}'


@lru_cache(maxsize=4096)
def _stance(stance: str | None, tie: tuple[str, ...]) -> str:
    """The stance and `"stance_tie": [...]` after it (the key `"stance": ` comes before)."""
    return f'{_string(stance)}, "stance_tie": {_strings(tie)}'


@lru_cache(maxsize=4096)
def _topics(topics: tuple[str, ...], tie: tuple[str, ...]) -> str:
    """The topics and `"topics_tie": [...]` after them (the key `"topics": ` comes before)."""
    return f'{_strings(topics)}, "topics_tie": {_strings(tie)}'


def comment_record(comment: Comment, decision: Decision) -> dict[str, Any]:
    """The fields every JSONL record has: the comment, then its decided labels."""
    return {
        "id": comment.id,
        "text": comment.text,
        "source": comment.source,
        "line": comment.line,
        "author": comment.author,
        "url": comment.url,
        "parent": comment.parent,
        "context": comment.context,
        "stance": decision.stance,
        "stance_tie": list(decision.stance_tie),
        "topics": list(decision.topics),
        "topics_tie": list(decision.topics_tie),
        "note": decision.note,
        "flagged": decision.flagged,
        "seconds": decision.seconds,
        "decided_by": decision.decided_by,
    }


def annotator_record(entry: Annotation | None, ordered: Ordering) -> dict[str, Any]:
    """One annotator's labels on a comment, with the same keys whether or not there is an entry."""
    if entry is None:
        return {"stance": None, "topics": [], "note": None, "flagged": False, "seconds": 0.0}
    return {
        "stance": entry.stance,
        "topics": list(ordered(entry.topics)),
        "note": entry.note,
        "flagged": entry.flagged,
        "seconds": entry.seconds,
    }


# JSONL as bytes, a column at a time ----------------------------------------------------------

_json: Callable[[Any], bytes] = msgspec.json.Encoder().encode
"""A str, None or a list of str as JSON, as `_ENCODER` writes it, in UTF-8 (checked for every
character) but a tenth of the time; the line breaks of `_LINE_BREAKS` are left as they are."""
_UTF8_LINE_BREAKS = ((b"\xc2\x85", b"\\u0085"), (b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


def jsonl_chunk(fields: Sequence[Iterable[Any]], decisions: Sequence[Sequence[Any]]) -> bytes:
    """`record_line` of each comment and its decision, joined, in UTF-8: the comments given as
    columns (the fields of `Comment` but `meta`), and the decisions too (the fields of
    `Decision`, as `Resolver.decision_columns` gives them), all of the same length. Made a field
    at a time: each field of every record encoded in one pass, the few distinct label fields
    encoded once, and the records joined in one piece, with the fields that are the same in
    every record (null, mostly) written once into the text between the others."""
    ids, texts, sources, numbers, authors, urls, parents, contexts = fields
    stances, stance_ties, topics, topics_ties, notes, flagged, seconds, decided_by = decisions
    if not decided_by:
        return b""
    spent = _seconds(seconds)
    if spent is None:  # nan or inf, which `record_line` writes as repr does, `_json_line` as JSON does
        comments = list(map(tuple.__new__, repeat(Comment), zip(*fields, repeat(NO_EXTRA))))
        return "".join(record_lines(comments, list(map(Decision._make, zip(*decisions))))).encode("utf-8")
    segments: list[bytes | list[bytes]] = [
        b'{"author": ', _column(authors), b', "context": ', _column(contexts), b", ",
        _Few(map(_decided_json, decided_by, flagged)), b', "id": ', list(map(_json, ids)),
        b', "line": ', _numbers(repr(list(numbers))), b', "note": ', _column(notes), b', "parent": ', _column(parents),
        b', "seconds": ', spent, b', "source": ', _column(sources), b', "stance": ',
        _Few(map(_stance_json, stances, stance_ties)), b', "text": ', list(map(_json, texts)),
        b', "topics": ', _Few(map(_topics_json, topics, topics_ties)), b', "url": ', _column(urls), b"}\n",
    ]
    joined: list[bytes | list[bytes]] = []
    for segment in segments:  # (neighbouring constants in one piece)
        if type(segment) is bytes and joined and type(joined[-1]) is bytes:
            joined[-1] += segment  # type: ignore[operator]
        else:
            joined.append(segment)
    for index in range(len(joined)):  # (a column of few values takes in the constants on each side)
        part = joined[index]
        if type(part) is _Few:
            before = joined[index - 1] if index and type(joined[index - 1]) is bytes else b""
            after = joined[index + 1] if index + 1 < len(joined) and type(joined[index + 1]) is bytes else b""
            whole = {value: before + value + after for value in set(part)}
            joined[index] = list(map(whole.__getitem__, part))
            if before:
                joined[index - 1] = b""
            if after:
                joined[index + 1] = b""
    joined = [part for part in joined if part != b""]
    count, width = len(decided_by), len(joined)
    pieces: list[bytes] = [b""] * (count * width)  # (each column put in its place in one step: no tuple per record)
    for index, part in enumerate(joined):
        pieces[index::width] = [part] * count if type(part) is bytes else part  # type: ignore[list-item]
    chunk = b"".join(pieces)
    if not chunk.isascii():
        for line_break, escaped in _UTF8_LINE_BREAKS:
            if line_break in chunk:
                chunk = chunk.replace(line_break, escaped)
    return chunk


class _Few(list):  # type: ignore[type-arg]
    """A column of JSON fragments of which there are few distinct ones (the labels' fields)."""


def _column(values: Iterable[str | None]) -> bytes | list[bytes]:
    """Each of `values` as JSON (a string, or null), or one of them when they are all the same."""
    values = values if type(values) is list else list(values)
    first = values[0]
    if values.count(first) == len(values):
        return _json(first)
    return list(map(_json, values))


def _numbers(shown: str) -> list[bytes]:
    """The numbers of a list's repr, `[1, 2.5]`, each as JSON (int and finite float reprs are)."""
    return shown[1:-1].encode("ascii").split(b", ")


_SHOWN: dict[float, bytes] = {}  # the repr of the seconds met: a float's repr costs a microsecond
_SHOWN_MAX = 1 << 16


def _seconds(values: Sequence[float]) -> list[bytes] | None:
    """The repr of each of `values` (seconds), or None if one is nan or inf (not JSON). The
    seconds of a corpus repeat (they are to the tenth): each is shown once (`_SHOWN`)."""
    shown = _SHOWN
    if len(shown) > _SHOWN_MAX:
        shown.clear()
    for value in set(values).difference(shown):
        text = repr(value)
        if "n" in text:
            return None
        shown[value] = text.encode("ascii")
    column = list(map(shown.__getitem__, values))
    if 0.0 in shown:  # (0.0 and -0.0 are one key: each zero is shown as it is)
        for index in compress(range(len(column)), map((0.0).__eq__, values)):
            column[index] = repr(values[index]).encode("ascii")
    return column


@lru_cache(maxsize=64)
def _decided_json(decided_by: str | None, flagged: bool) -> bytes:
    return b'"decided_by": %s, "flagged": %s' % (_json(decided_by), b"true" if flagged else b"false")


@lru_cache(maxsize=4096)
def _stance_json(stance: str | None, tie: tuple[str, ...]) -> bytes:
    """The stance and `"stance_tie": [...]` after it (as `_stance`)."""
    return b'%s, "stance_tie": %s' % (_json(stance), _json_list(tie))


@lru_cache(maxsize=4096)
def _topics_json(topics: tuple[str, ...], tie: tuple[str, ...]) -> bytes:
    """The topics and `"topics_tie": [...]` after them (as `_topics`)."""
    return b'%s, "topics_tie": %s' % (_json_list(topics), _json_list(tie))


def _json_list(values: tuple[str, ...]) -> bytes:
    return b"[" + b", ".join(map(_json, values)) + b"]"


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)  # made once: faster per record
_ASCII_ENCODER = json.JSONEncoder(sort_keys=True)
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def _encode(value: Any) -> str:
    """JSON text, UTF-8 as it is, with the characters some readers take for line breaks escaped,
    so that one record stays one line for every JSONL reader.

    Most records are ASCII, and json's ASCII encoder is the faster one: where its output has no
    \\u escape, it is exactly what the UTF-8 encoder writes.
    """
    text = _ASCII_ENCODER.encode(value)
    if "\\u" not in text:
        return text
    text = _ENCODER.encode(value)
    return text.translate(_LINE_BREAKS) if not text.isascii() else text


def _json_line(record: dict[str, Any]) -> str:
    return _encode(record) + "\n"


# CSV -------------------------------------------------------------------------------------------


def csv_header(schema: Schema, annotators: Iterable[str] = ()) -> list[str]:
    """The CSV columns: the comment, its labels with one 0/1 column per topic, then each annotator's."""
    topic_columns = [f"{TOPIC_COLUMN}{name}" for name in schema.topic_names]
    decided = [*DECISION_FIELDS[:4], *topic_columns, *DECISION_FIELDS[4:]]
    per_annotator = [f"{name}.{field}" for name in annotators for field in ANNOTATOR_FIELDS]
    return [*COMMENT_FIELDS, *decided, *per_annotator]


def _csv_lines(
    rows: Iterator[tuple[Comment, Decision]], schema: Schema, resolver: Resolver, with_annotators: bool,
    excel_safe: bool = False,
) -> Iterator[str]:
    line = _CsvLine(excel_safe)
    yield line(csv_header(schema, resolver.files if with_annotators else ()))
    topics = schema.topic_names
    for comment, decision in rows:
        chosen = set(decision.topics)
        cells: list[Any] = [
            comment.id, comment.text, comment.source, comment.line, comment.author, comment.url,
            comment.parent, comment.context, decision.stance, _joined(decision.stance_tie), _joined(decision.topics),
            _joined(decision.topics_tie), *(int(topic in chosen) for topic in topics),
            decision.note, int(decision.flagged), _tenths(decision.seconds), decision.decided_by,
        ]
        if with_annotators:
            for _, entry in resolver.entries(comment.id):
                cells.extend(_annotator_cells(entry, resolver.ordered))
        yield line(cells)


def _annotator_cells(entry: Annotation | None, ordered: Ordering) -> list[Any]:
    if entry is None:
        return [None, "", None, 0, _tenths(0.0)]
    return [entry.stance, _joined(ordered(entry.topics)), entry.note, int(entry.flagged), _tenths(entry.seconds)]


class _CsvLine:
    """Turns a row of cells into one CSV record (quoted by the csv module, ending in `\\n`).

    Every field that holds a comma, a quote, a line feed or a carriage return (a lone one too) is
    quoted. The csv module quotes the fields that hold a character of its line terminator: with
    `\\n` alone, a lone `\\r` would go unquoted and split the row for every reader. So it writes with
    `\\r\\n`, and the `\\r` is taken off each record's end.

    With `excel_safe`, a text cell that starts with a character in `FORMULA_STARTS` gets a `'` in
    front, which spreadsheets take as "this is text": no formula runs when the file is opened.
    """

    def __init__(self, excel_safe: bool = False) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")
        self._excel_safe = excel_safe

    def __call__(self, cells: Iterable[Any]) -> str:
        self._writer.writerow(map(_as_text, cells) if self._excel_safe else cells)
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text[:-2] + "\n"


def _as_text(cell: Any) -> Any:
    return "'" + cell if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell


def _joined(labels: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(labels)


def _tenths(seconds: float) -> str:
    return f"{seconds:.1f}"


# Prodigy ---------------------------------------------------------------------------------------


def _prodigy_lines(rows: Iterator[tuple[Comment, Decision]], schema: Schema) -> Iterator[str]:
    options = prodigy_options(schema)
    # The options are the same in every record: encoded once and spliced in where sorted keys put
    # them (between "meta" and "text"), which gives the same bytes as encoding the whole record.
    options_json = _encode(options)
    known = {option["id"] for option in options}
    for comment, decision in rows:
        answer = _prodigy_answer(comment, decision)
        head = _encode(answer)
        unknown = list(dict.fromkeys(name for name in answer["accept"] if name not in known))  # (a stance and a topic alike: one)
        # (a label annotator.toml does not name, kept from the file: an option of its own, since
        # Prodigy takes only accepted ids among the options; `validate` reports it)
        shown = _encode(options + [{"id": name, "text": f"{name} (not in annotator.toml)"} for name in unknown]) \
            if unknown else options_json
        yield f'{head[:-1]}, "options": {shown}, "text": {_encode(comment.text)}}}\n'


def prodigy_options(schema: Schema) -> list[dict[str, str]]:
    """The choice options: every stance, then every topic, each with its name as id and text."""
    return [{"id": name, "text": name} for name in schema.stance_names + schema.topic_names]


def _prodigy_answer(comment: Comment, decision: Decision) -> dict[str, Any]:
    accept = ([decision.stance] if decision.stance else []) + list(decision.topics)
    meta: dict[str, Any] = {"id": comment.id, "source": comment.source, "line": comment.line}
    if comment.parent is not None:
        meta["parent"] = comment.parent
    if comment.context is not None:
        meta["context"] = comment.context
    if decision.stance_tie:
        meta["stance_tie"] = list(decision.stance_tie)
    if decision.topics_tie:
        meta["topics_tie"] = list(decision.topics_tie)
    return {"accept": accept, "answer": "accept" if accept else "ignore", "meta": meta}
