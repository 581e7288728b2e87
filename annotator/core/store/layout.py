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
from collections.abc import Mapping, MutableMapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from sys import intern
from typing import Any

import tomli_w

from annotator.core import cache
from annotator.core.errors import AnnotatorError, Problem
from annotator.core.models import NO_EXTRA, Annotation, InvalidEntry, expected
from annotator.core.perf import paused_gc
from annotator.core.store.columns import Entries, Excerpts, LabelColumns, Lines

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
        parts.append(f"updated = {entry.updated}\n")
    return "".join(parts)


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
                      encoded: bytes | None = None) -> ParsedFile:
    """Parse the text of an annotation file; raise `StoreError` with every problem found.

    Given `encoded`, the bytes of the file, a file in the canonical layout is read from the parse
    cache (`annotator.core.cache`) when this very content was read before; `text` may then be
    None: the bytes are decoded only when the cache does not have them (at 100,000 entries,
    decoding costs more than reading the cache).
    """
    cached = None if encoded is None else cache.key(CACHE_KIND, encoded)
    canonical = _from_cache(cache.load(cached))
    if canonical is None:
        text = (decoded(encoded, name) if text is None else text).removeprefix("\ufeff")  # type: ignore[arg-type]
        canonical = read_canonical(text)
        if canonical is not None and cached is not None:
            canonical = _as_columns(canonical, cached)

    def line_of(key: str) -> int | None:
        nonlocal text
        if text is None:  # (read from the cache: decoded only for this message)
            text = decoded(encoded, name).removeprefix("\ufeff")  # type: ignore[arg-type]
        return _line_of_key(text, key)

    try:
        data = canonical.head if canonical else tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
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


def read_canonical(text: str) -> CanonicalFile | None:
    """Read a file in exactly the layout `render` writes, several times faster than a TOML
    parser: what `tomllib` and `Annotation.from_dict` would give, the line of each entry and its
    excerpt. None for anything else (a hand edit, an unknown key, an escaped string): the caller
    then uses `tomllib`.
    """
    head_match = _CANONICAL_HEAD.match(text)
    if head_match is None:
        return None
    head: dict[str, Any] = {"format": int(head_match["format"]), "annotator": head_match["annotator"]}
    entries: dict[str, Annotation] = {}
    entry_lines: dict[str, int] = {}
    excerpts: dict[str, str] = {}
    position = head_match.end()
    line = text.count("\n", 0, position) + 1
    size = len(text)
    topic_lists: dict[str, tuple[str, ...]] = {"[]": ()}  # as written -> as read: a few, shared by every entry
    make = Annotation._make
    with paused_gc():
        while position < size:
            match = _CANONICAL_ENTRY.match(text, position)
            if match is None:
                return None
            quote, comment_id, stance, topics, note, flagged, seconds, updated = match.groups()
            if comment_id in entries:
                return None
            if note is not None:
                note = _string(note)
                if note is _ODD:
                    return None
            spent = 0.0 if seconds is None else _seconds(seconds)
            if spent is None:
                return None  # not finite, or not to the tenth: `from_dict` decides
            labels = topic_lists.get(topics)
            if labels is None:
                labels = topic_lists[topics] = _topic_list(topics)
            entries[comment_id] = make((  # every value as `Annotation` would make it: no need to check
                None if stance is None else intern(stance),  # a few label names, shared by every entry
                labels,
                note or None,
                flagged == "true",
                spent,
                None if updated is None else datetime.fromisoformat(updated),
                NO_EXTRA,
            ))
            header_line = line + (2 if quote is not None else 1)
            entry_lines[comment_id] = header_line
            if quote is not None:
                excerpts[comment_id] = quote
            line = header_line + text.count("\n", match.start("id"), match.end())
            position = match.end()
    return CanonicalFile(head, Entries(changed=entries), entry_lines, excerpts)


def decoded(data: bytes, name: str) -> str:
    """The text of a file's bytes; `StoreError` if they are not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise StoreError([Problem(name, None, f"not UTF-8 (offset {error.start})")]) from None


CACHE_KIND = "label-columns"  # the parse cache's name for the columns of a canonical file


def _as_columns(canonical: CanonicalFile, cached: Path) -> CanonicalFile:
    """`canonical` read from columns, saved to the parse cache at `cached` for the next read
    (each entry is then made when asked for: `LabelColumns`)."""
    columns = LabelColumns.build(canonical.entries, canonical.lines, canonical.excerpts)
    if columns is None:
        return canonical
    cache.save(cached, (canonical.head, columns.to_plain()))
    return _from_columns(canonical.head, columns)


def _from_cache(plain: Any) -> CanonicalFile | None:
    """The `CanonicalFile` of a cached (head, columns); None if `plain` is not that."""
    if not (isinstance(plain, tuple) and len(plain) == 2 and isinstance(plain[0], dict)):
        return None
    columns = LabelColumns.from_plain(plain[1])
    return None if columns is None else _from_columns(plain[0], columns)


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
_CANONICAL_HEAD = re.compile(
    r'(?:#[^\n]*\n)*format = (?P<format>[0-9]+)\nannotator = "(?P<annotator>[A-Za-z0-9._-]+)"\n'
)
_CANONICAL_ENTRY = re.compile(
    r"\n(?:# (?P<quote>[^\n]*)\n)?"
    r"\[comments\.(?P<id>[A-Za-z0-9_-]+)\]\n"
    rf'(?:stance = "(?P<stance>{_SAFE}*)"\n)?'
    rf'topics = (?P<topics>\[\]|\[\n(?:    "{_SAFE}*",\n)+\])\n'
    r'(?:note = (?P<note>"[^\n]*")\n)?'
    r"flagged = (?P<flagged>true|false)\n"
    r"(?:seconds = (?P<seconds>[0-9]+\.[0-9]+(?:e[+-]?[0-9]+)?)\n)?"
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
    for number, line in enumerate(text.splitlines(), start=1):
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
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("[comments."):
            match = _BARE_HEADER.match(line)
            comment_id = match[1] if match else _quoted_header(line) if line.startswith('[comments."') else None
            if comment_id is not None:
                lines[comment_id] = number
                if previous.startswith("# "):
                    excerpts[comment_id] = previous[2:]
        previous = line
    return lines, excerpts


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

