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

import json
import math
import os
import re
import tempfile
import threading
import tomllib
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
from annotator.core.models import NO_EXTRA, Annotation, InvalidEntry, excerpt, expected
from annotator.core.perf import paused_gc

ANNOTATIONS_DIR = "annotations"
FORMAT_VERSION = 1
SUFFIX = ".toml"
JOURNAL_SUFFIX = ".journal"
GOLD = "gold"
CONFLICT_KEY = "conflict"  # an entry's unresolved merge: see the module docstring
HEADER = (
    "# annotator labels: one entry per comment, sorted by comment id.\n"
    "# The comment line above each entry quotes the start of the comment it labels.\n"
)

_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
_MAX_NAME = 64
_WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{d}{i}" for d in ("com", "lpt") for i in range(1, 10)}
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


class ChangedOnDisk(AnnotatorError):
    """The file was changed by something else since it was read: writing would lose that change."""


def check_annotator_name(name: str) -> str:
    """Return `name` if it can be an annotator (and a file) name, else raise `AnnotatorError`."""
    problem = annotator_name_problem(name)
    if problem:
        shown = repr(name if len(name) <= 40 else name[:39] + "…")
        raise AnnotatorError(f"annotator name {shown}: {problem}")
    return name


def annotator_name_problem(name: str) -> str | None:
    """Why `name` cannot name an annotator, or None when it can."""
    if not name:
        return "must not be empty"
    if len(name) > _MAX_NAME:
        return f"must be at most {_MAX_NAME} characters"
    if "/" in name or "\\" in name:
        return "is a path: a name has no '/' or '\\' (it becomes annotations/NAME.toml)"
    if name.startswith("."):
        return "must not start with a dot"
    if not name.isascii():
        return "use only ASCII letters and digits, '-', '_' and '.': the name is a file name on every system"
    if not _NAME.fullmatch(name):
        return "use only letters, digits, '-', '_' and '.' (no spaces or path separators)"
    if name.split(".")[0].lower() in _WINDOWS_DEVICES:
        return "is a reserved device name on Windows"
    return None


def safe_annotator_name(raw: str) -> str:
    """A best-effort file-safe name from free text such as `git config user.name` ('' if none)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", raw.strip()).strip("-.").lower()[:_MAX_NAME]
    return name if annotator_name_problem(name) is None else ""


def annotation_path(root: Path, annotator: str) -> Path:
    """Where `annotator`'s labels live under the project `root`."""
    return root / ANNOTATIONS_DIR / f"{check_annotator_name(annotator)}{SUFFIX}"


@dataclass(frozen=True, slots=True)
class DiskState:
    """What a file looked like when it was last read or written, to notice changes by others."""

    mtime_ns: int
    size: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> DiskState | None:
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        return cls(stat.st_mtime_ns, stat.st_size, stat.st_ino)


class AnnotationFile:
    """One annotator's labels, indexed by comment id, with each entry's text cached for writing.

    Two ways to make changes durable:

    - `commit()` appends the entries changed since the last commit to a write-ahead journal,
      `annotations/.<annotator>.journal` (one JSON line each, flushed and fsynced). Its cost does
      not grow with the corpus: this is what the app does after every key press.
    - `compact()` (or `save()`) rewrites the TOML file atomically and trims from the journal
      what the file now holds. The app does this when the annotator pauses and on quit, in
      another thread than its commits; command-line tools call `save()`.

    Loading replays a journal left behind by a session that did not finish (a crash, a kill), so
    a committed change is never lost. The app thread calls `set` while one thread commits and
    another compacts: a lock guards the entries, and a second lock (taken first) the journal.
    """

    def __init__(
        self,
        path: Path,
        annotator: str,
        entries: dict[str, Annotation] | None = None,
        excerpts: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
        warnings: list[Problem] | None = None,
        disk: DiskState | None = None,
        lines: dict[str, int] | None = None,
    ) -> None:
        self.path = path
        self.annotator = annotator
        self.entries: dict[str, Annotation] = entries or {}
        self.excerpts: dict[str, str] = excerpts or {}
        self.extra = extra or {}
        self.warnings = warnings or []
        self.disk = disk
        self.lines = lines or {}  # entry header lines as read from disk, for messages
        self._chunks: dict[str, tuple[Annotation, str | None, str]] = {}  # id -> (entry, excerpt, text)
        self._lock = threading.RLock()
        self._sequence = 0  # counts calls to `set`
        self._uncommitted: dict[str, int] = {}  # id -> sequence of its change, since the last commit
        self._base: dict[str, Annotation | None] = {}  # id -> entry before this session's changes
        self._changed_at: dict[str, int] = {}  # id -> sequence of its last change not yet in the file
        self._journal_has_records = False
        self._journal_lock = threading.Lock()  # appends and trims of the journal; taken before `_lock`
        self.warmed = False  # `warm` has serialized every entry: compaction will be quick

    @property
    def journal(self) -> Path:
        """The write-ahead journal beside the file (never committed to git)."""
        return journal_path(self.path)

    @property
    def needs_compaction(self) -> bool:
        """Whether the TOML file lags behind the labels (changes only in memory or the journal)."""
        return bool(self._changed_at) or self._journal_has_records

    # Reading ---------------------------------------------------------------------------------

    @classmethod
    def open(cls, root: Path, annotator: str) -> AnnotationFile:
        """The file of `annotator` under `root`: loaded if it exists, else empty (not yet written)."""
        path = annotation_path(root, annotator)
        if path.exists() or path.is_symlink():
            return cls.load(path, display=f"{ANNOTATIONS_DIR}/{path.name}")
        store = cls(path, annotator)
        store._replay_journal(f"{ANNOTATIONS_DIR}/{store.journal.name}")
        return store

    @classmethod
    def load(cls, path: Path, display: str | None = None, replay: bool = True) -> AnnotationFile:
        """Parse the file at `path` (and replay its journal); raise `StoreError` naming file, line
        and column on bad input."""
        name = display or str(path)
        annotator = path.name.removesuffix(SUFFIX)
        if path.is_symlink():
            raise StoreError([Problem(name, None, "is a symbolic link: refused (annotation files must be regular files)")])
        if path.is_dir():
            raise StoreError([Problem(name, None, "is a folder, not an annotation file")])
        if path.exists() and not path.is_file():
            raise StoreError([Problem(name, None, "is not a regular file (a pipe or a device?): refused")])
        disk = DiskState.of(path)
        limit = max_file_bytes()
        if disk is not None and disk.size > limit:
            raise StoreError(
                [Problem(name, None, f"is {disk.size / 1e6:.1f} MB, over the {limit / 1e6:g} MB limit for an "
                                     "annotation file (some 300,000 entries): refused")],
                hint="is it really an annotation file? If it is, set ANNOTATOR_MAX_FILE_MB higher",
            )
        try:
            data = path.read_bytes()
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise StoreError([Problem(name, None, f"not UTF-8 (offset {error.start})")]) from None
        except OSError as error:
            raise StoreError([Problem(name, None, f"cannot be read: {error.strerror}")]) from None
        parsed = parse_annotations(text, name, annotator, data)
        store = cls(
            path, annotator, parsed.entries, parsed.excerpts, parsed.extra, parsed.warnings, disk, parsed.lines
        )
        if replay:
            store._replay_journal(str(Path(name).with_name(store.journal.name)))
        return store

    def _replay_journal(self, name: str) -> None:
        """Apply the records of a journal left by an unfinished session, newest last."""
        if self.journal.is_symlink() or (self.journal.exists() and not self.journal.is_file()):
            raise StoreError(
                [Problem(name, None, "is not a regular file (a link, a folder, a pipe?): refused")],
                hint="the journal is annotator's own crash-recovery file; remove this one",
            )
        try:
            data = self.journal.read_bytes()
        except FileNotFoundError:
            return
        except OSError as error:
            raise StoreError([Problem(name, None, f"cannot be read: {error.strerror}")]) from None
        records, skipped = read_journal(data)
        for comment_id, entry, quote in records:
            self._base.setdefault(comment_id, self.entries.get(comment_id))
            self._changed_at[comment_id] = 0
            if quote is not None:
                self.excerpts[comment_id] = quote
            self._store(comment_id, entry)
        self._journal_has_records = bool(records) or bool(skipped)
        if records:
            self.warnings.append(Problem(
                name, None, f"recovered {len(records)} unsaved changes from a session that did not finish",
                warning=True,
            ))
        if skipped:
            self.warnings.append(Problem(name, None, f"ignored {skipped} incomplete journal lines", warning=True))

    # Changing ---------------------------------------------------------------------------------

    def get(self, comment_id: str) -> Annotation | None:
        return self.entries.get(comment_id)

    def set(self, comment_id: str, annotation: Annotation | None, text: str | None = None) -> None:
        """Store `annotation` for `comment_id` (None or an empty one removes the entry).

        `text` is the comment's text, for the excerpt line; without it the old excerpt stays.
        """
        with self._lock:
            self._sequence += 1
            self._base.setdefault(comment_id, self.entries.get(comment_id))
            self._changed_at[comment_id] = self._sequence
            if text is not None:
                self.excerpts[comment_id] = excerpt(text)
            self._store(comment_id, annotation)
            self._uncommitted.pop(comment_id, None)
            self._uncommitted[comment_id] = self._sequence

    def _store(self, comment_id: str, annotation: Annotation | None) -> None:
        if annotation is None or annotation.is_empty:
            self.entries.pop(comment_id, None)
        else:
            self.entries[comment_id] = annotation

    # Writing ---------------------------------------------------------------------------------

    def commit(self) -> int:
        """Append the entries changed since the last commit to the journal, durably.

        Returns how many were written. Costs the size of the changes, not of the file, and may
        run while another thread compacts.
        """
        with self._journal_lock:
            with self._lock:
                snapshot = self._take_uncommitted()
            return self._append_to_journal(snapshot)

    def _take_uncommitted(self) -> list[tuple[str, Annotation | None, str | None]]:
        """The changes not in the journal yet, as (id, entry, excerpt); call with the lock held."""
        changed, self._uncommitted = list(self._uncommitted), {}
        return [(comment_id, self.entries.get(comment_id), self.excerpts.get(comment_id)) for comment_id in changed]

    def _append_to_journal(self, snapshot: list[tuple[str, Annotation | None, str | None]]) -> int:
        """Append `snapshot` to the journal; call with the journal lock held."""
        if not snapshot:
            return 0
        lines = []
        for comment_id, entry, quote in snapshot:
            chunk = None if entry is None else self._chunk(comment_id, entry, quote)
            lines.append(json.dumps({"id": comment_id, "chunk": chunk}, ensure_ascii=False) + "\n")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            append_durably(self.journal, "".join(lines))
        except BaseException:
            with self._lock:  # not written: commit them again next time
                for comment_id, _, _ in snapshot:
                    self._uncommitted.setdefault(comment_id, self._changed_at.get(comment_id, 0))
            raise
        self._journal_has_records = True
        return len(snapshot)

    def render(self) -> str:
        """The whole file, as it is written: header, then one entry per comment, sorted by id."""
        with self._lock:
            snapshot = self._snapshot()
        return self._render(*snapshot)

    def _snapshot(self) -> tuple[dict[str, Annotation], dict[str, str], dict[str, Any]]:
        """Copies of what `render` needs, taken with the lock held; serializing them needs no lock."""
        return dict(self.entries), dict(self.excerpts), dict(self.extra)

    def _render(self, entries: dict[str, Annotation], excerpts: dict[str, str], extra: dict[str, Any]) -> str:
        head = {"format": FORMAT_VERSION, "annotator": self.annotator} | extra
        parts = [HEADER, tomli_w.dumps(head)]
        parts.extend(self._chunk(comment_id, entries[comment_id], excerpts.get(comment_id)) for comment_id in sorted(entries))
        return "".join(parts)

    def warm(self) -> None:
        """Serialize every entry ahead of time (in a background thread), so that the first
        compaction after loading is quick: it holds the interpreter for less time."""
        with self._lock:
            entries, excerpts, _ = self._snapshot()
        try:
            with paused_gc():  # 90,000 long-lived strings: nothing for the collector to find
                for comment_id, entry in entries.items():
                    self._chunk(comment_id, entry, excerpts.get(comment_id))
        finally:
            self.warmed = True  # (if it failed, compactions serialize what they need themselves)

    def _chunk(self, comment_id: str, entry: Annotation, quote: str | None) -> str:
        """The text of one entry (excerpt line and table), from the cache when it is still valid."""
        cached = self._chunks.get(comment_id)
        if cached is not None and cached[0] is entry and cached[1] == quote:
            return cached[2]
        body = entry_table(comment_id, entry)
        text = f"\n# {quote}\n{body}" if quote else f"\n{body}"
        self._chunks[comment_id] = (entry, quote, text)
        return text

    def save(self, force: bool = False) -> None:
        """Rewrite the file atomically with every change, and trim the journal: for a caller that
        makes no change meanwhile (a command). Changes not in the journal go to the file only.

        Refuses (`ChangedOnDisk`) if someone changed the file since it was read, unless `force`.
        """
        self._compact(force, commit_first=self._journal_has_records)

    def compact(self, force: bool = False) -> None:
        """Write the TOML file from memory (atomically), then drop from the journal what it holds,
        while commits go on in another thread (the app).

        Every change the new file holds is committed first, from the same snapshot, and the
        journal's length is noted: a crash after the rename but before the trim replays the very
        values the file holds, never older ones. After the rename the journal keeps only what
        was appended since (changes the file lacks), so a journal kept stale never puts old
        values back over a later outside change (a `git pull`) after a crash. Call `compact` from
        one thread at a time.
        """
        self._compact(force, commit_first=True)

    def _compact(self, force: bool, commit_first: bool) -> None:
        with self._journal_lock:  # no commit between the snapshot and the mark
            with self._lock:
                sequence = self._sequence
                state = self._snapshot()
                snapshot = self._take_uncommitted() if commit_first else []
            self._append_to_journal(snapshot)
            mark = _size(self.journal)
        text = self._render(*state)  # slow the first time; no lock held, so keys go on
        self.write(text, force)
        written = state[0]
        with self._lock:
            for comment_id, at in list(self._changed_at.items()):
                if at <= sequence:  # in the file now
                    del self._changed_at[comment_id]
                    self._base.pop(comment_id, None)
                    self._uncommitted.pop(comment_id, None)
                elif comment_id in self._base:  # changed again meanwhile: what the file holds is its base
                    self._base[comment_id] = written.get(comment_id)
        with self._journal_lock:
            self._trim_journal(mark)

    def _trim_journal(self, mark: int) -> None:
        """Drop the journal's first `mark` bytes (now in the file): remove it, or keep its tail."""
        try:
            tail = self.journal.read_bytes()[mark:]
        except FileNotFoundError:
            tail = b""
        if tail.strip():
            atomic_write(self.journal, tail)
        else:
            remove_durably(self.journal)
        self._journal_has_records = bool(tail.strip())
        remove_stale_temporaries(self.journal)  # of a trim that a kill cut short

    def write(self, text: str, force: bool = False) -> None:
        """Write `text` (a `render()` taken earlier, perhaps on another thread) as the file.

        Refuses (`ChangedOnDisk`) if the file changed since it was read, or while it was written
        (`atomic_write` looks again just before its rename), unless `force`.
        """
        if not force and DiskState.of(self.path) != self.disk:
            raise ChangedOnDisk(
                f"{ANNOTATIONS_DIR}/{self.path.name}: changed on disk since it was read",
                hint="reload it before saving, so that neither change is lost",
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, text)
        self.disk = DiskState.of(self.path)
        remove_stale_temporaries(self.path)

    # Someone else changed the file ---------------------------------------------------------

    def changed_on_disk(self) -> bool:
        """Whether the file on disk is no longer the one this store read or wrote."""
        return DiskState.of(self.path) != self.disk

    def merge_from_disk(self) -> list[str]:
        """Take the file as it is on disk now (after `git pull`, a hand edit...) and put this
        session's changes since the last compaction back on top.

        An entry both sides changed is merged field by field, as `annotator git-merge-driver`
        merges (`merge_entry`): time spent on a comment this session (which changes its entry)
        never hides a label someone else changed in the file. Returns the ids whose labels both
        sides changed, differently: this session's values were kept in those fields, and the
        caller must say so.
        """
        from annotator.core.merge import merge_entry  # (merge builds on this module)

        fresh = AnnotationFile.load(self.path, replay=False) if self.path.exists() else AnnotationFile(self.path, self.annotator)
        with self._lock:
            both = []
            merged: dict[str, Annotation | None] = {}
            for comment_id, before in self._base.items():
                mine, theirs = self.entries.get(comment_id), fresh.entries.get(comment_id)
                if theirs == before or theirs == mine:
                    merged[comment_id] = mine
                elif mine == before:
                    merged[comment_id] = theirs
                else:
                    merged[comment_id], clashes = merge_entry(before, mine, theirs)
                    if clashes:
                        both.append(comment_id)
            quotes = {comment_id: self.excerpts.get(comment_id) for comment_id in self._base}
            self.entries = fresh.entries
            self.excerpts = fresh.excerpts
            self.extra = fresh.extra
            self.lines = fresh.lines
            self.disk = fresh.disk
            for comment_id, entry in merged.items():
                if quotes[comment_id] is not None:
                    self.excerpts[comment_id] = quotes[comment_id]
                self._store(comment_id, entry)
                self._base[comment_id] = fresh.entries.get(comment_id)
            self._sequence += 1
            for comment_id in merged:  # the merged result is not in the file (nor the journal) yet
                self._changed_at[comment_id] = self._sequence
                self._uncommitted[comment_id] = self._sequence
        return sorted(both)


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


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def journal_path(path: Path) -> Path:
    """`annotations/.alice.journal` for `annotations/alice.toml`."""
    return path.with_name(f".{path.name.removesuffix(SUFFIX)}{JOURNAL_SUFFIX}")


def read_journal(data: bytes) -> tuple[list[tuple[str, Annotation | None, str | None]], int]:
    """The records of a journal (id, entry or None, excerpt) and how many lines were unreadable
    (a line cut short by a crash)."""
    records: list[tuple[str, Annotation | None, str | None]] = []
    skipped = 0
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            comment_id = record["id"]
            chunk = record["chunk"]
            if chunk is None:
                records.append((comment_id, None, None))
                continue
            table = tomllib.loads(chunk)["comments"][comment_id]
            quote = chunk.split("\n", 2)[1][2:] if chunk.startswith("\n# ") else None
            records.append((comment_id, Annotation.from_dict(table), quote))
        except (ValueError, KeyError, TypeError, AttributeError):
            skipped += 1
    return records, skipped


def append_durably(path: Path, text: str) -> None:
    """Append `text` to `path` and fsync it (and its folder, when the file is new).

    If the file does not end with a line end (a write cut short by a crash), `text` starts on a
    new line, so that the torn line is skipped alone and never swallows the first new record.
    """
    new = not path.exists()
    # Never through a symbolic link: a link planted in a repository must not make us write elsewhere.
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
    with os.fdopen(fd, "a+b") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size:
            handle.seek(size - 1)
            if handle.read(1) != b"\n":
                text = "\n" + text
        handle.write(text.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
    if new:
        _fsync_folder(path.parent)


def remove_durably(path: Path) -> None:
    """Remove `path` if it exists, and make the removal durable."""
    try:
        path.unlink()
    except FileNotFoundError:
        return
    _fsync_folder(path.parent)


@dataclass(slots=True)
class ParsedFile:
    entries: dict[str, Annotation]
    excerpts: dict[str, str]
    extra: dict[str, Any]
    warnings: list[Problem]
    lines: dict[str, int]


def parse_annotations(text: str, name: str, annotator: str | None = None, encoded: bytes | None = None) -> ParsedFile:
    """Parse the text of an annotation file; raise `StoreError` with every problem found.

    Given `encoded`, the bytes `text` was decoded from, a file in the canonical layout is read from
    the parse cache (`annotator.core.cache`) when this very content was read before.
    """
    text = text.removeprefix("\ufeff")
    canonical = read_canonical(text) if encoded is None else read_canonical_cached(text, encoded)
    if canonical is None:  # (the layout `render` writes has no line a conflict marker could be)
        conflicts = [
            Problem(name, number, "git conflict marker: this file has an unresolved merge",)
            for number, line in enumerate(text.splitlines(), start=1)
            if _CONFLICT.match(line)
        ] if any(marker in text for marker in _MARKERS) and _MAYBE_CONFLICT.search(text) else []
        if conflicts:
            raise StoreError(
                conflicts,
                hint="keep one version of each entry and delete the marker lines; "
                "`annotator git-setup` makes git merge annotation files entry by entry",
            )
    try:
        data = canonical.head if canonical else tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
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
        problems.append(Problem(name, _line_of_key(text, "format"), "`format` must be a whole number"))
    elif version > FORMAT_VERSION:
        problems.append(
            Problem(name, 1, f"format {version} is newer than this annotator reads ({FORMAT_VERSION})")
        )
    declared = data.get("annotator")
    if declared is not None and annotator is not None and declared != annotator:
        warnings.append(
            Problem(name, _line_of_key(text, "annotator"),
                    f"says annotator = {declared!r} but the file name says {annotator!r}", warning=True)
        )
    extra = {key: value for key, value in data.items() if key not in _KNOWN_TOP}
    for key in sorted(extra):
        warnings.append(Problem(name, _line_of_key(text, key), f"unknown key {key!r} kept", warning=True))

    raw = data.get("comments", {})
    if not isinstance(raw, dict):
        problems.append(Problem(name, _line_of_key(text, "comments"), "`comments` must be a table of entries"))
        raw = {}
    entries = canonical.entries if canonical else _entries(raw, name, lines, problems)
    for comment_id, entry in entries.items():
        if not entry.extra:
            continue
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
    entries: dict[str, Annotation]
    lines: dict[str, int]
    excerpts: dict[str, str]


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
    return CanonicalFile(head, entries, entry_lines, excerpts)


def read_canonical_cached(text: str, data: bytes) -> CanonicalFile | None:
    """`read_canonical(text)`, from the parse cache when `data` (the bytes of `text`) was read before."""
    cached = cache.key("annotations", data)
    known = _canonical_from_columns(cache.load(cached))
    if known is not None:
        return known
    canonical = read_canonical(text)
    if canonical is not None:
        cache.save(cached, _canonical_columns(canonical))
    return canonical


def _canonical_columns(canonical: CanonicalFile) -> tuple[Any, ...]:
    """`canonical` as plain data for the cache: the head, then the entries field by field."""
    entries = canonical.entries.values()
    return (
        canonical.head,
        list(canonical.entries),
        [entry.stance for entry in entries],
        [entry.topics for entry in entries],
        [entry.note for entry in entries],
        [entry.flagged for entry in entries],
        [entry.seconds for entry in entries],
        [None if entry.updated is None else entry.updated.isoformat() for entry in entries],
        canonical.lines,
        canonical.excerpts,
    )


def _canonical_from_columns(columns: Any) -> CanonicalFile | None:
    """The `CanonicalFile` of `_canonical_columns`; None if `columns` is not that."""
    try:
        head, ids, stances, topics, notes, flagged, seconds, updated, lines, excerpts = columns
        if not len(ids) == len(stances) == len(topics) == len(notes) == len(flagged) == len(seconds) == len(updated):
            return None
        parse_time, make = datetime.fromisoformat, Annotation._make  # (the values were made by `Annotation`)
        with paused_gc():
            entries = {
                comment_id: make((stance, labels, note, flag, spent, None if when is None else parse_time(when), NO_EXTRA))
                for comment_id, stance, labels, note, flag, spent, when
                in zip(ids, stances, topics, notes, flagged, seconds, updated)
            }
        return CanonicalFile(head, entries, lines, excerpts)
    except (TypeError, ValueError):
        return None


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


_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write(path: Path, text: str | bytes) -> None:
    """Replace `path` with `text` (UTF-8, or bytes as they are): a temporary file in the same
    folder, flushed, fsynced, renamed.

    A crash at any moment leaves the old file or the new one, never a mix; on failure the
    temporary file is removed and the old file is untouched. The temporary file is named
    `.<name>.<pid>.<random>.tmp`: one that a killed process left behind is removed by
    `remove_stale_temporaries` (the store calls it after every write). If something else writes
    `path` meanwhile, it raises `ChangedOnDisk` rather than replace that.
    """
    before = DiskState.of(path)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text if isinstance(text, bytes) else text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o666 & ~_UMASK
        os.chmod(temporary, mode)
        if DiskState.of(path) != before:  # written by someone else meanwhile (a `git pull`)
            raise ChangedOnDisk(
                f"{path.parent.name}/{path.name}: changed on disk while it was being written; not replaced",
                hint="read it again before saving, so that neither change is lost",
            )
        os.replace(temporary, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_folder(path.parent)


def remove_stale_temporaries(path: Path) -> list[str]:
    """Remove the temporary files `atomic_write` left beside `path` in processes that died before
    their rename (a kill, a power cut), and return their names. Only files named as `atomic_write`
    names them, whose process is gone, are touched: a live process's write in progress keeps its
    file. Never raises: a file it cannot remove stays."""
    if os.name != "posix":  # no cheap, safe way to ask whether a process is alive
        return []
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(\d+)\.[a-z0-9_]+\.tmp")
    removed = []
    with suppress(OSError):
        for name in os.listdir(path.parent):
            match = pattern.fullmatch(name)
            if match and not _process_alive(int(match[1])):
                with suppress(OSError):
                    os.unlink(path.parent / name)
                    removed.append(name)
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process
        return True
    return True


def _fsync_folder(folder: Path) -> None:
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def list_annotators(root: Path) -> list[str]:
    """The annotators with a file under `root/annotations`, sorted (gold included)."""
    folder = root / ANNOTATIONS_DIR
    if not folder.is_dir():
        return []
    return sorted(
        path.name.removesuffix(SUFFIX)
        for path in folder.iterdir()
        if path.name.endswith(SUFFIX) and not path.name.startswith(".")
    )
