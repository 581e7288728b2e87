"""The annotation files, `annotations/<annotator>.toml`: every rule of the format lives here.

The layout, made for review in `git diff`::

    # annotator labels: one entry per comment, sorted by comment id. (two header comment lines)
    format = 1
    annotator = "alice"

    # Thanks for sharing this, I believe this kind of work is very promising…
    [comments.0b9c6c0f4a8e]
    stance = "agree"
    topics = [
        "dl-theory",
    ]
    flagged = false
    seconds = 41.5
    updated = 2026-11-27 17:41:38+00:00

Deterministic (the same annotations give the same bytes), one value per line, an excerpt of the
comment above each entry. Writes are atomic. A file that does not parse is never overwritten,
nor one that changed on disk since it was read. Keys and labels this version does not know are
kept and written back.

An unresolved merge (written by `annotator git-merge-driver` when two branches changed the same
comment in different ways) keeps the merged entry, with "ours" in the fields that clash, and adds
a `[comments.ID.conflict]` table: `fields` (the fields that clash), then the whole entry as it was
in the common ancestor (`[comments.ID.conflict.base]`) and on the other branch
(`[comments.ID.conflict.theirs]`). The file still parses; `annotator validate` reports the entry
until the table is deleted.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from array import array
from collections.abc import Mapping, MutableMapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import accumulate, compress, count, islice, repeat
from operator import is_
from pathlib import Path
from sys import intern
from typing import Any

import tomli_w

from annotator.core import cache
from annotator.core.errors import AnnotatorError, Problem
from annotator.core.models import Annotation, InvalidEntry, expected
from annotator.core.store.columns import (
    COLUMN_KINDS,
    EPOCH,
    MICROSECOND,
    NO_TIME,
    Entries,
    Excerpts,
    LabelColumns,
    Lines,
)

FORMAT_VERSION = 1
CONFLICT_KEY = "conflict"  # an entry's unresolved merge: see the module docstring
HEADER = (
    "# annotator labels: one entry per comment, sorted by comment id.\n"
    "# The comment line above each entry quotes the start of the comment it labels.\n"
)

_BARE_HEADER = re.compile(r"\[comments\.([A-Za-z0-9_-]+)\]")
_CONFLICT = re.compile(r"^(<<<<<<<|=======|>>>>>>>|\|\|\|\|\|\|\|)( |$)")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_KNOWN_TOP = ("format", "annotator", "comments")


class StoreError(AnnotatorError):
    """An annotation file that cannot be used as it is: each problem names the file and line."""

    def __init__(self, problems: list[Problem], hint: str = "") -> None:
        super().__init__("\n".join(str(problem) for problem in problems), hint)
        self.problems = problems


def render_head(annotator: str, extra: dict[str, Any]) -> str:
    """The start of a file: the header comment, the format stamp, the annotator, unknown keys."""
    return HEADER + tomli_w.dumps({"format": FORMAT_VERSION, "annotator": annotator} | extra)


def render_entry(comment_id: str, entry: Annotation, quote: str | None) -> str:
    """One entry as it stands in the file: a blank line, the excerpt comment, the table."""
    body = entry_table(comment_id, entry)
    return f"\n# {quote}\n{body}" if quote else f"\n{body}"


def entry_table(comment_id: str, entry: Annotation) -> str:
    """The TOML table of one entry, exactly as `tomli_w` writes it. Entries of plain text (no
    quote, backslash or control character) and no unknown keys, nearly all of them, are written
    here directly, several times faster; `tomli_w` writes the others."""
    stance, note = entry.stance, entry.note
    labels = _labels_lines(stance, entry.topics)
    if labels is None or entry.extra or not _BARE_KEY.fullmatch(comment_id) or (note and not _PLAIN.fullmatch(note)):
        return tomli_w.dumps({"comments": {comment_id: entry.to_toml_dict()}})
    parts = [f"[comments.{comment_id}]\n", labels]
    if note:
        parts.append(f'note = "{note}"\n')
    parts.append("flagged = true\n" if entry.flagged else "flagged = false\n")
    if entry.seconds:
        parts.append(f"seconds = {entry.seconds!r}\n")
    if entry.updated is not None:
        parts.append(_updated_line(entry.updated, entry.updated.utcoffset()))
    return "".join(parts)


def render_entries(ids: list[str], entries: list[Annotation], quotes: list[str | None]) -> bytes:
    """`render_entry` of each id with its entry and quote, joined, in UTF-8: the same text, made a
    field at a time (a command writing 100,000 new entries renders them in a fraction of the
    time). Each field is a column, of which the few distinct values (labels, flags, times) are
    written once, and the columns are laid out in place, record after record, with no string
    per record. An entry that `entry_table` gives to `tomli_w` is rendered by `render_entry`."""
    if not entries:
        return b""
    stances, topics, notes, flagged, seconds, updated, extra = zip(*entries)
    pairs = list(zip(stances, topics))
    labels_of = {pair: _labels_lines(*pair) for pair in set(pairs)}
    columns: list[bytes | list[bytes]] = [
        [b"\n# %s\n[comments." % quote.encode() if quote else b"\n[comments." for quote in quotes],
        list(map(str.encode, ids)), b"]\n",
        list(map({pair: (lines or "").encode() for pair, lines in labels_of.items()}.__getitem__, pairs)),
        [b'note = "%s"\n' % note.encode() if note else b"" for note in notes] if any(notes) else b"",
        list(map(_FLAGGED.__getitem__, map(bool, flagged))),
        [b"seconds = %s\n" % repr(spent).encode() if spent else b"" for spent in seconds] if any(seconds) else b"",
    ]
    first = updated[0]
    if all(map(is_, updated, repeat(first))):  # (an import's entries: one time)
        columns.append(b"" if first is None else _updated_line(first, first.utcoffset()).encode())
    else:
        columns.append([b"" if when is None else _updated_line(when, when.utcoffset()).encode() for when in updated])
    size, width = len(entries), len(columns)
    pieces: list[bytes] = [b""] * (size * width)
    for index, column in enumerate(columns):
        pieces[index::width] = [column] * size if type(column) is bytes else column  # type: ignore[list-item]
    suspects = [] if "" not in ids and _BARE_KEY.fullmatch("".join(ids)) else \
        [index for index, comment_id in enumerate(ids) if not _BARE_KEY.fullmatch(comment_id)]
    if None in labels_of.values():
        suspects += (index for index, pair in enumerate(pairs) if labels_of[pair] is None)
    if any(map(bool, extra)):
        suspects += compress(count(), map(bool, extra))
    suspects += (index for index in compress(count(), notes) if not _PLAIN.fullmatch(notes[index]))
    for index in set(suspects):  # (the text tomli_w writes in their place)
        pieces[index * width:(index + 1) * width] = [render_entry(ids[index], entries[index], quotes[index]).encode()] + \
            [b""] * (width - 1)
    return b"".join(pieces)


_FLAGGED = (b"flagged = false\n", b"flagged = true\n")


@lru_cache(maxsize=1024)
def _updated_line(updated: datetime, offset: Any) -> str:
    """The `updated` line of an entry (by its time and offset: equal times in two offsets are
    written apart). Writing a datetime costs some 2 µs; an import or a session's entries share
    a few times, so each is written once."""
    return f"updated = {updated}\n"


@lru_cache(maxsize=4096)
def _labels_lines(stance: str | None, topics: tuple[str, ...]) -> str | None:
    """The stance and topics lines of an entry, or None if a name needs escapes. A corpus has few
    combinations of labels, so each is written once."""
    if (stance is not None and not _PLAIN.fullmatch(stance)) or not all(_PLAIN.fullmatch(topic) for topic in topics):
        return None
    lines = f'stance = "{stance}"\n' if stance is not None else ""
    if not topics:
        return lines + "topics = []\n"
    return lines + "topics = [\n" + "".join(f'    "{topic}",\n' for topic in topics) + "]\n"


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_PLAIN = re.compile(r'[^"\\\x00-\x1f\x7f]*')  # a TOML basic string needs no escape


@dataclass(slots=True)
class ParsedFile:
    entries: Entries
    excerpts: MutableMapping[str, str]
    extra: dict[str, Any]
    warnings: list[Problem]
    lines: Mapping[str, int]


def parse_annotations(text: str | None, name: str, annotator: str | None = None,
                      source: Path | None = None) -> ParsedFile:
    """Parse the text of an annotation file; raise `StoreError` with every problem found.

    Given `source`, the file itself (and no `text`): a file in the canonical layout is read from
    the parse cache (`annotator.core.cache`) when this very content was read before, as columns
    read in place (`LabelColumns`), without decoding the file; else the file is read and parsed,
    and its columns cached.
    """
    canonical = None if source is None else _cached(cache.file_key(CACHE_KIND, source, ".columns"))
    if canonical is None:
        entry = None
        if text is None:
            encoded, entry = _read(source, name, keyed=True)  # type: ignore[arg-type]
            text = decoded(encoded, name)
        text = text.removeprefix("\ufeff")
        canonical = read_canonical(text)
        if canonical is not None and entry is not None:
            canonical = _as_columns(canonical, entry)

    def line_of(key: str) -> int | None:
        nonlocal text
        if text is None:  # (read from the cache: the file is decoded only for this message)
            text = decoded(_read(source, name)[0], name).removeprefix("\ufeff")  # type: ignore[arg-type]
        return _line_of_key(text, key)

    try:
        data = canonical.head if canonical else tomllib.loads(text)
    except RecursionError:  # (arrays in arrays, thousands deep: no annotation file holds them)
        raise StoreError([Problem(name, None, "invalid TOML: arrays or tables nested too deeply to read")],
                         hint="fix the file by hand; annotator will not overwrite it") from None
    except (tomllib.TOMLDecodeError, ValueError) as error:  # (ValueError: an integer of over 4,300 digits)
        # A conflict marker is never valid TOML, so a file that parses has none; one that does not
        # may: then the lines that are markers, outside a multi-line string (a note), say why.
        conflicts = [
            Problem(name, number, "git conflict marker: this file has an unresolved merge")
            for number in _conflict_marker_lines(text)
        ]
        if conflicts:
            raise StoreError(
                conflicts,
                hint="keep one version of each entry and delete the marker lines; "
                "`annotator git-setup` makes git merge annotation files entry by entry",
            ) from None
        message = str(error)
        position = _TOML_POSITION.search(message)
        where = f"{position[1]}:{position[2]}" if position else None
        reason = _TOML_POSITION.sub("", message).strip()
        problem = Problem(f"{name}:{where}" if where else name, None, f"invalid TOML: {reason}")
        raise StoreError([problem], hint="fix the file by hand; annotator will not overwrite it") from None

    lines, excerpts = (canonical.lines, canonical.excerpts) if canonical else _scan_entries(text)
    warnings: list[Problem] = []
    problems: list[Problem] = []
    version = data.get("format")
    if not data:
        warnings.append(Problem(name, None, "empty file: no annotations", warning=True))
    elif version is None:
        warnings.append(Problem(name, 1, f"no `format = {FORMAT_VERSION}` line", warning=True))
    elif not isinstance(version, int) or isinstance(version, bool):
        problems.append(Problem(name, line_of("format"), "`format` must be a whole number"))
    elif version > FORMAT_VERSION:
        problems.append(
            Problem(name, 1, f"format {version} is newer than this annotator reads ({FORMAT_VERSION})")
        )
    declared = data.get("annotator")
    if declared is not None and annotator is not None and declared != annotator:
        warnings.append(
            Problem(name, line_of("annotator"),
                    f"says annotator = {declared!r} but the file name says {annotator!r}", warning=True)
        )
    extra = {key: value for key, value in data.items() if key not in _KNOWN_TOP}
    for key in sorted(extra):
        warnings.append(Problem(name, line_of(key), f"unknown key {key!r} kept", warning=True))

    raw = data.get("comments", {})
    if not isinstance(raw, dict):
        problems.append(Problem(name, line_of("comments"), "`comments` must be a table of entries"))
        raw = {}
    entries = canonical.entries if canonical else Entries(changed=_entries(raw, name, lines, problems))
    for comment_id, entry in sorted(entries.with_extra()):
        for key in sorted(set(entry.extra) - {CONFLICT_KEY}):
            warnings.append(
                Problem(name, lines.get(comment_id), f"comment {comment_id}: unknown key {key!r} kept", warning=True)
            )
    if problems:
        raise StoreError(problems, hint="fix these entries by hand; annotator will not overwrite the file")
    return ParsedFile(entries, excerpts, extra, warnings, lines)


def _entries(raw: dict[str, Any], name: str, lines: dict[str, int], problems: list[Problem]) -> dict[str, Annotation]:
    """The entries of a `comments` table as `tomllib` gave it, checked; each bad field is added
    to `problems` with the line of its entry."""
    entries: dict[str, Annotation] = {}
    for comment_id, table in raw.items():
        if not isinstance(table, dict):
            problems.append(Problem(name, lines.get(comment_id), f"comment {comment_id}: entry: {expected('a table of keys', table)}"))
            continue
        try:
            entries[comment_id] = Annotation.from_dict(table)
        except InvalidEntry as error:
            problems.extend(
                Problem(name, lines.get(comment_id), f"comment {comment_id}: {field}: {message}")
                for field, message in error.problems
            )
    return entries


@dataclass(slots=True)
class CanonicalFile:
    """What `read_canonical` reads: the top-level keys, the entries, their lines and excerpts."""

    head: dict[str, Any]
    entries: Entries
    lines: Mapping[str, int]
    excerpts: MutableMapping[str, str]
    columns: LabelColumns | None = None


def read_canonical(text: str) -> CanonicalFile | None:
    """Read a file in exactly the layout `render` writes, several times faster than a TOML
    parser: what `tomllib` and `Annotation.from_dict` would give, the line of each entry and its
    excerpt. None for anything else (a hand edit, an unknown key, an escaped string): the caller
    then uses `tomllib`. The entries are read into columns (`LabelColumns`), not objects: each
    `Annotation` is made when asked for.

    Also noted (`LabelColumns.as_rendered`): whether each entry is byte for byte what
    `render_entry` writes of it, so that a store may keep the file's own text of the entries
    rather than render them all again (`RenderedEntries.of_file`). The layout allows a few
    spellings `render_entry` never writes (`seconds = 0.0`, unsorted topics, `updated` with
    a fraction of fewer than six digits, an escaped or empty note, an empty excerpt line).
    """
    reader = CanonicalReader()
    return reader.result() if reader.feed(text) else None


class CanonicalReader:
    """`read_canonical` of a text given in pieces (`feed`), each of whole entries: the first
    with the file's head, every other starting at an entry's blank line. A file of hundreds
    of megabytes is then read a block at a time (`cache_columns`), never held whole."""

    def __init__(self) -> None:
        self.head: dict[str, Any] | None = None
        self.id_pieces: list[str] = []  # the ids of each piece, joined by newlines (a list of them took 60 MB a million)
        self.count = 0  # entries read
        self.last_id: str | None = None
        self.in_order = True  # each id sorts after the one before (as annotator writes them)
        self.stances: list[str | None] = [None]
        self.stance_code: dict[str | None, int] = {None: 0}
        self.topic_sets: list[tuple[str, ...]] = [()]
        self.topic_code: dict[tuple[str, ...], int] = {(): 0}
        self.written_topics: dict[str, int] = {"[]": 0}  # as written -> its code: a few, shared by every entry
        self.written_seconds: dict[str, float | None] = {}
        self.notes: dict[int, str] = {}
        self.columns: dict[str, Any] = {name: array(kind) for name, kind in COLUMN_KINDS.items()}
        self.quotes = bytearray()  # the excerpts, in UTF-8 (grown in place: joined at the end, a million took twice their 65 MB)
        self.quote_ends = array("Q")
        self.as_rendered = True
        self.line = 0  # the line the next entry starts on (its blank line)

    def feed(self, text: str) -> bool:
        """Read the entries of `text`, the next piece of the file; False if it is not in the
        layout (the reader is then of no further use)."""
        position = 0
        if self.head is None:
            head_match = _CANONICAL_HEAD.match(text)
            if head_match is None:
                return False
            self.head = {"format": int(head_match["format"]), "annotator": head_match["annotator"]}
            position = head_match.end()
            self.line = text.count("\n", 0, position) + 1
        ids: list[str] = []
        stances, stance_code, topic_sets, base = self.stances, self.stance_code, self.topic_sets, self.count
        topic_code, written_topics, written_seconds, notes = self.topic_code, self.written_topics, self.written_seconds, self.notes
        columns = self.columns
        quotes: list[str] = []
        add_id, add_quote = ids.append, quotes.append
        add_stance, add_topics, add_flag, add_seconds, add_time, add_line, add_labeled, add_quoted = (
            columns[name].append
            for name in ("stance_codes", "topic_codes", "flagged", "seconds", "updated", "lines", "labeled", "quoted"))
        parse_time, epoch, microsecond, no_time = datetime.fromisoformat, EPOCH, MICROSECOND, NO_TIME
        as_rendered = self.as_rendered
        line = self.line
        size = len(text)
        while position < size:
            match = _CANONICAL_ENTRY.match(text, position)
            if match is None:
                return False
            quote, comment_id, stance, topics, note, flagged, seconds, updated = match.groups()
            if note is not None:
                written = note
                note = _string(note)
                if note is _ODD:
                    return False
                if note:
                    notes[base + len(ids)] = note
                as_rendered = as_rendered and bool(note) and written == f'"{note}"' and _PLAIN.fullmatch(note) is not None
            spent = written_seconds.get(seconds, _ODD) if seconds is not None else 0.0
            if spent is _ODD:
                spent = written_seconds[seconds] = _seconds(seconds)
                as_rendered = as_rendered and spent is not None and spent != 0 and repr(spent) == seconds
            if spent is None:
                return False  # not finite, or not to the tenth: `from_dict` decides
            code = stance_code.get(stance)
            if code is None:
                if len(stances) == 256:
                    return False
                code = stance_code[stance] = len(stances)
                stances.append(intern(stance))
                as_rendered = as_rendered and (stance is None or _PLAIN.fullmatch(stance) is not None)
            add_stance(code)
            labels = written_topics.get(topics)
            if labels is None:
                listed = _topic_list(topics)
                labels = written_topics[topics] = topic_code.setdefault(listed, len(topic_sets))
                if labels == len(topic_sets):
                    topic_sets.append(listed)
                as_rendered = as_rendered and _labels_lines(None, listed) == f"topics = {topics}\n"
            if updated is not None and (len(updated) != 25 and (len(updated) != 32 or updated[19:26] == ".000000")
                                        or updated[11:13] >= "24"):
                as_rendered = False  # (`str` of a time writes no fraction, or six digits; hours to 23)
            if quote == "":
                as_rendered = False  # (no excerpt line is written for an empty excerpt)
            add_topics(labels)
            add_labeled(code != 0 or labels != 0)
            add_id(comment_id)
            add_flag(flagged == "true")
            add_seconds(spent)
            if updated is None:
                add_time(no_time)
            else:
                try:
                    add_time((parse_time(updated) - epoch) // microsecond)
                except ValueError:
                    return False  # (month 13, hour 24: the TOML parser says where)
            header_line = line + (2 if quote is not None else 1)
            add_line(header_line)
            add_quoted(quote is not None)
            add_quote(quote or "")
            line = header_line + text.count("\n", match.start("id"), match.end())
            position = match.end()
        self.as_rendered, self.line = as_rendered, line
        if ids:
            if self.in_order:
                self.in_order = (self.last_id is None or self.last_id < ids[0]) and all(
                    map(str.__lt__, ids, islice(ids, 1, None)))
            self.last_id = ids[-1]
            self.count += len(ids)
            self.id_pieces.append("\n".join(ids))
        joined = "".join(quotes)
        if not joined.isprintable() and _NOT_IN_COMMENT.search(joined):
            return False  # (a control character in an excerpt line, a CR before its line end: the TOML parser decides)
        encoded = quotes if text.isascii() else [quote.encode("utf-8") for quote in quotes]
        ends = self.quote_ends
        ends.extend(islice(accumulate(map(len, encoded), initial=ends[-1] if ends else 0), 1, None))
        self.quotes += joined.encode("utf-8")
        return True

    def result(self) -> CanonicalFile | None:
        """The file read (None if an id repeats, or nothing was fed)."""
        if self.head is None:
            return None
        columns = self.columns
        columns["quote_ends"] = self.quote_ends
        columns["quotes"] = self.quotes
        ids = "\n".join(self.id_pieces)
        self.id_pieces = [ids]  # (joined once: asked again, the same)
        labels = LabelColumns.in_id_order(ids if self.in_order else ids.split("\n"), self.stances, self.topic_sets,
                                          self.notes, columns, self.as_rendered)
        return None if labels is None else CanonicalFile(self.head, Entries(labels), Lines(labels), Excerpts(labels), labels)


def cache_columns(source: Path) -> bool:
    """Parse the annotation file at `source` into the parse cache, as `parse_annotations` does
    when it finds the file in the canonical layout; False if it is not (a hand edit, say: that
    file is parsed by `tomllib` when it is read), cannot be read, or the cache is off. The file
    is read and parsed a block at a time (`CanonicalReader`): at a million entries, the file
    and its text held whole took 630 MB (its excerpts are not ASCII: two bytes a character)."""
    pieces = _Pieces(CanonicalReader())
    try:
        entry = cache.read_keyed_blocks(CACHE_KIND, source, ".columns", pieces.take)
        canonical = pieces.finish()
    except (OSError, UnicodeDecodeError, _NotCanonical):
        return False
    return canonical is not None and _save(canonical, entry)


class _NotCanonical(Exception):
    """The file being read a block at a time is not in the layout: reading it stops."""


class _Pieces:
    """Blocks of a file's bytes made into pieces of whole entries for a `CanonicalReader`: each
    cut at its last blank line (in the layout, a blank line only ever starts an entry), the
    rest carried over to the next block."""

    LONGEST = 16 * 2**20  # bytes with no blank line: an entry as long (a note of 16 MiB) is left to the app's own parse

    def __init__(self, reader: CanonicalReader) -> None:
        self._reader = reader
        self._rest = b""
        self._first = True

    def take(self, block: bytes) -> None:
        data = self._rest + block if self._rest else block
        cut = data.rfind(b"\n\n") + 1  # (0: none)
        if not cut and len(data) > self.LONGEST:
            raise _NotCanonical
        self._rest = data[cut:]
        if cut:
            self._feed(data[:cut])

    def finish(self) -> CanonicalFile | None:
        if self._rest or self._first:
            self._feed(self._rest)
        return self._reader.result()

    def _feed(self, data: bytes) -> None:
        text = data.decode("utf-8")
        if self._first:
            text, self._first = text.removeprefix("\ufeff"), False
        if not self._reader.feed(text):
            raise _NotCanonical


def _read(path: Path, name: str, keyed: bool = False) -> tuple[bytes, Path | None]:
    """The bytes of the file at `path`, with their key in the parse cache if `keyed`
    (`cache.read_keyed`); `StoreError` if it cannot be read."""
    try:
        return cache.read_keyed(CACHE_KIND, path, ".columns") if keyed else (path.read_bytes(), None)
    except OSError as error:
        raise StoreError([Problem(name, None, f"cannot be read: {error.strerror}")]) from None


def decoded(data: bytes, name: str) -> str:
    """The text of a file's bytes; `StoreError` if they are not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise StoreError([Problem(name, None, f"not UTF-8 (offset {error.start})")]) from None


CACHE_KIND = "labels"  # the parse cache's name for the columns of a canonical file


def _cached(entry: Path | None) -> CanonicalFile | None:
    """The canonical file cached at `entry` (a key of the parse cache), or None."""
    read = LabelColumns.read(cache.mapped(entry))
    if read is None:
        return None
    read[1].source = entry.name  # type: ignore[union-attr]
    return _from_columns(*read)


def _as_columns(canonical: CanonicalFile, entry: Path | None) -> CanonicalFile:
    """`canonical`, its columns cached at `entry` for the next read, and read from there (the
    excerpts then cost memory only when a compaction reads them)."""
    return (_cached(entry) or canonical) if _save(canonical, entry) else canonical


def _save(canonical: CanonicalFile, entry: Path | None) -> bool:
    """Cache the columns of `canonical` at `entry` (a key of the parse cache); False if not."""
    columns = canonical.columns
    return columns is not None and cache.save_columns(entry, lambda handle: columns.write(handle, canonical.head))


def _from_columns(head: dict[str, Any], columns: LabelColumns) -> CanonicalFile:
    return CanonicalFile(head, Entries(columns), Lines(columns), Excerpts(columns))


def _seconds(written: str) -> float | None:
    """Seconds as `render` writes them (finite, to the tenth), else None."""
    value = float(written)
    return value if value < math.inf and value == round(value, 1) else None


def _topic_list(written: str) -> tuple[str, ...]:
    """The topics of a list as `render` writes it, one quoted name per line, sorted."""
    return tuple(sorted(intern(item[5:-2]) for item in written[2:-2].split("\n")))


_ODD = object()
_SAFE = r'[^"\\\x00-\x1f\x7f\n]'
_CONTROL = r"\x00-\x08\x0a-\x1f\x7f"  # what a TOML comment may not hold: the control characters but tab (CR too)
_COMMENT = rf"[^{_CONTROL}]*"
_NOT_IN_COMMENT = re.compile(rf"[{_CONTROL}]")
_CANONICAL_HEAD = re.compile(
    rf'(?:#{_COMMENT}\n)*format = (?P<format>0|[1-9][0-9]{{0,17}})\nannotator = "(?P<annotator>[A-Za-z0-9._-]+)"\n'
)
_CANONICAL_ENTRY = re.compile(
    r"\n(?:# (?P<quote>[^\n]*)\n)?"  # (checked for control characters a block at a time: `_NOT_IN_COMMENT`)
    r"\[comments\.(?P<id>[A-Za-z0-9_-]+)\]\n"
    rf'(?:stance = "(?P<stance>{_SAFE}*)"\n)?'
    rf'topics = (?P<topics>\[\]|\[\n(?:    "{_SAFE}*",\n)+\])\n'
    r'(?:note = (?P<note>"[^\n]*")\n)?'
    r"flagged = (?P<flagged>true|false)\n"
    r"(?:seconds = (?P<seconds>(?:0|[1-9][0-9]*)\.[0-9]+(?:e[+-]?[0-9]+)?)\n)?"  # (no leading zero, as in TOML)
    r"(?:updated = (?P<updated>[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?\+00:00)\n)?"
)
_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")
_MAYBE_CONFLICT = re.compile(r"^(<<<<<<<|=======|>>>>>>>|\|\|\|\|\|\|\|)( |$)", re.MULTILINE)


def _conflict_marker_lines(text: str) -> list[int]:
    """The numbers of the lines of `text` that are git conflict markers: lines that start with
    one, outside TOML's multi-line strings (where a note may hold such a line)."""
    if not (any(marker in text for marker in _MARKERS) and _MAYBE_CONFLICT.search(text)):
        return []
    found: list[int] = []
    closing: str | None = None  # the delimiter of the multi-line string open at the line's start
    for number, line in enumerate(_lines(text), start=1):
        if closing is None and _CONFLICT.match(line):
            found.append(number)
        else:
            closing = _open_string_after(line, closing)
    return found


def _open_string_after(line: str, closing: str | None) -> str | None:
    """The delimiter of the multi-line string still open at the end of `line` (None: none is),
    given the one open at its start. Strings on one line and comments are skipped."""
    position, size = 0, len(line)
    while position < size:
        if closing is not None:  # inside a multi-line string: find its end
            end = _string_end(line, position, closing)
            if end < 0:
                return closing
            position, closing = end, None
            continue
        found = _STRING_OR_COMMENT.search(line, position)
        if found is None or found[0] == "#":
            return None
        start = found.end()
        if len(found[0]) == 3:
            position, closing = start, found[0]
        else:
            end = _string_end(line, start, found[0])
            if end < 0:
                return None  # (a string never closed: not TOML, and not a multi-line string)
            position = end
    return closing


def _string_end(line: str, position: int, quote: str) -> int:
    """Where the string that `quote` delimits ends (just past its closing quote), searching
    `line` from `position`; -1 if it does not end on this line. In basic strings (`"`), a
    backslash escapes the next character."""
    while True:
        end = line.find(quote, position)
        if end < 0:
            return -1
        if quote[0] == '"':
            backslashes = len(line[position:end]) - len(line[position:end].rstrip("\\"))
            if backslashes % 2:
                position = end + 1
                continue
        end += len(quote)
        while len(quote) == 3 and line.startswith(quote[0], end) and end < len(line):  # `""""`: a quote, then the end
            end += 1
        return end


_STRING_OR_COMMENT = re.compile(r'"""|\'\'\'|["\'#]')


def _string(text: str) -> Any:
    """A TOML basic string as tomli-w writes it (with its quotes), or `_ODD`."""
    if text.endswith('"') and len(text) > 1 and "\\" not in text and '"' not in text[1:-1] and text.isprintable():
        return text[1:-1]
    if not text.startswith('"'):
        return _ODD
    try:
        return tomllib.loads(f"v = {text}")["v"]  # escapes and tabs: the TOML parser decides
    except tomllib.TOMLDecodeError:
        return _ODD


def _scan_entries(text: str) -> tuple[dict[str, int], dict[str, str]]:
    """The line of each entry's header, and the excerpt comment just above it."""
    lines: dict[str, int] = {}
    excerpts: dict[str, str] = {}
    previous = ""
    for number, line in enumerate(_lines(text), start=1):
        if line.startswith("[comments."):
            match = _BARE_HEADER.match(line)
            comment_id = match[1] if match else _quoted_header(line) if line.startswith('[comments."') else None
            if comment_id is not None:
                lines[comment_id] = number
                if previous.startswith("# "):
                    excerpts[comment_id] = previous[2:]
        previous = line
    return lines, excerpts


def _lines(text: str) -> list[str]:
    """The lines of `text` as TOML counts them: ended by LF or CRLF only (`str.splitlines` also
    ends one at U+2028, U+0085 or a form feed, which a note may hold)."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines] if "\r" in text else lines


def _quoted_header(line: str) -> str | None:
    with suppress(tomllib.TOMLDecodeError):
        table = tomllib.loads(line).get("comments", {})
        if len(table) == 1 and next(iter(table.values())) == {}:  # not a sub-table header
            return next(iter(table))
    return None


def _line_of_key(text: str, key: str) -> int | None:
    match = re.search(rf"^\s*{re.escape(key)}\s*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


MAX_FILE_MB = 64  # the default size limit of an annotation file; ANNOTATOR_MAX_FILE_MB overrides it


def max_file_bytes() -> int:
    """The largest annotation file `load` reads: reading one costs about 13 bytes of memory per
    byte, so a 100 MB file (or a wrong file named like one) would take gigabytes and a minute."""
    try:
        return int(float(os.environ.get("ANNOTATOR_MAX_FILE_MB", MAX_FILE_MB)) * 1_000_000)
    except ValueError:
        return MAX_FILE_MB * 1_000_000

