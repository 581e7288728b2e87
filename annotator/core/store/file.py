"""`AnnotationFile`: one annotator's labels in memory, and how a change reaches the disk.

A key press changes an entry (`set`); `commit` appends what changed, field by field, to the
journal (fsynced: durable in a few milliseconds, whatever the corpus size); `compact` rewrites the
TOML file from memory and trims from the journal the records the file now holds. Loading replays
a journal a crash left behind; `merge_from_disk` takes a file someone else changed (a `git pull`)
and puts this session's changes back on top. Replay and merge apply changes by the same rules
(`changes.apply`), so a crash never decides differently than a running app would.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from itertools import chain, compress, count, repeat
from operator import and_, eq, is_, is_not, itemgetter, not_
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.core import cache
from annotator.core.errors import Problem
from annotator.core.models import Annotation, excerpt, excerpts
from annotator.core.perf import paused_gc
from annotator.core.store import durable
from annotator.core.store.changes import FieldChange, apply, compose, same_labels
from annotator.core.store.columns import Entries, Excerpts, LabelColumns
from annotator.core.store.durable import ChangedOnDisk, DiskState
from annotator.core.store.journal import Record, encode, journal_path, new_session_id, read_journal, record_author
from annotator.core.store.layout import (
    CACHE_KIND,
    FORMAT_VERSION,
    StoreError,
    max_file_bytes,
    parse_annotations,
    render_entries,
    render_entry,
    render_head,
)
from annotator.core.store.names import ANNOTATIONS_DIR, SUFFIX, annotation_path
from annotator.core.store.rendered import RenderedEntries


class WritesPaused(ChangedOnDisk):
    """The TOML file may not be rewritten now (git is in the middle of an operation): the changes
    stay in the journal, and the file is written once that is over."""


@dataclass(slots=True)
class Reload:
    """What `merge_from_disk` found: entries both sides changed differently (this session's values
    kept in the clashing fields), with the file's value of each such field and the value it
    replaced (`theirs`: id -> field -> (before, file's)); how many entries hold changes of this
    session the file does not (`kept`); and, when the file had gone, how many entries it put back."""

    both: list[str] = field(default_factory=list)
    restored: int = 0
    kept: int = 0
    theirs: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)


class AnnotationFile:
    """One annotator's labels, indexed by comment id, with each entry's text cached for writing.

    The app thread calls `set` while one thread commits and another compacts: a lock guards the
    entries, and a second lock (taken first) the journal. `pause_writes`, when set, is asked
    before the TOML file is replaced: a reason (such as "git rebase in progress") defers the
    rewrite (`WritesPaused`), while commits to the journal go on.
    """

    def __init__(
        self,
        path: Path,
        annotator: str,
        entries: Mapping[str, Annotation] | None = None,
        excerpts: Mapping[str, str] | None = None,
        extra: dict[str, Any] | None = None,
        warnings: list[Problem] | None = None,
        disk: DiskState | None = None,
        lines: Mapping[str, int] | None = None,
    ) -> None:
        self.path = path
        self.annotator = annotator
        self.entries = entries if isinstance(entries, Entries) else Entries(changed=_as_dict(entries))
        self.excerpts = excerpts if isinstance(excerpts, Excerpts) else Excerpts(changed=_as_dict(excerpts))
        self.extra = extra or {}
        self.warnings = warnings or []
        self.disk = disk
        self.lines = lines or {}  # entry header lines as read from disk, for messages
        self.session_id = new_session_id()  # the `by` of this session's journal records
        self.pause_writes: Callable[[], str | None] | None = None
        self.warmed = False  # `warm` has serialized every entry: compaction will be quick
        self._chunks: dict[str, tuple[Annotation, str | None, bytes]] = {}  # id -> (entry, excerpt, UTF-8)
        self._base_chunks: tuple[LabelColumns, RenderedEntries] | None = None  # the columns' entries rendered
        self._lock = threading.RLock()
        self._journal_lock = threading.Lock()  # appends and trims of the journal; taken before `_lock`
        self._sequence = 0  # counts calls to `set`
        self._unjournaled: dict[str, Annotation | None] = {}  # id -> entry as the journal last left it
        self._base: dict[str, Annotation | None] = {}  # id -> entry as the file holds it, for changed ids
        self._changed_at: dict[str, int] = {}  # id -> sequence of its last change not yet in the file
        self._adopted: set[str] = set()  # sessions whose records this one replayed: its own to trim
        self._folding = False  # a compaction is between its mark and its trim: the journal may only grow
        self._journal_has_records = False
        # The entries of a few comments only (`peek`): changes go to the journal, and the file is
        # never written from here; a whole store `take_over`s the journal.
        self.partial = False
        self._retired = False  # a whole store took over: nothing more is journaled from here

    @property
    def journal(self) -> Path:
        """The write-ahead journal beside the file (never committed to git)."""
        return journal_path(self.path)

    @property
    def lock(self) -> threading.RLock:
        """Held while the entries change: a caller that reads an entry to change it holds it
        from the read to `set`, so that a merge on another thread never comes in between."""
        return self._lock

    @property
    def needs_compaction(self) -> bool:
        """Whether the TOML file lags behind the labels (changes only in memory or the journal)."""
        return bool(self._changed_at) or self._journal_has_records

    @property
    def unsaved(self) -> int:
        """How many entries differ from what the TOML file holds."""
        return len(self._changed_at)

    # Reading ---------------------------------------------------------------------------------

    @classmethod
    def open(cls, root: Path, annotator: str, replay: bool = True) -> AnnotationFile:
        """The file of `annotator` under `root`: loaded if it exists, else empty (not yet written);
        its journal replayed (`replay=False`: not, for `take_over`)."""
        path = annotation_path(root, annotator)
        check_folder(path.parent)
        if path.exists() or path.is_symlink():
            return cls.load(path, display=f"{ANNOTATIONS_DIR}/{path.name}", replay=replay)
        store = cls(path, annotator)
        if replay:
            store.replay()
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
        parsed = parse_annotations(None, name, annotator, source=path)  # (read only if not in the parse cache)
        store = cls(
            path, annotator, parsed.entries, parsed.excerpts, parsed.extra, parsed.warnings, disk, parsed.lines
        )
        if replay:
            store._replay_journal(str(Path(name).with_name(store.journal.name)))
        return store

    @classmethod
    def peek(cls, root: Path, annotator: str, ids: Iterable[str]) -> AnnotationFile | None:
        """The entries of `ids` alone, found without reading the whole file (`peek.peek_entries`),
        for the app's first screen at a cold start: a `partial` store, whose changes go to the
        journal only. None where the whole file must be read first: a journal left by a crash
        (replayed over every entry), a file not in annotator's layout, anything odd (which `open`
        then reports)."""
        from annotator.core.store.peek import peek_entries

        path = annotation_path(root, annotator)
        journal = journal_path(path)
        if folder_problem(path.parent) is not None or journal.exists() or journal.is_symlink():
            return None
        if not path.exists() and not path.is_symlink():
            store = cls(path, annotator)
        elif path.is_symlink() or not path.is_file():
            return None
        else:
            disk = DiskState.of(path)
            found = peek_entries(path, ids)
            if found is None or found.head != {"format": FORMAT_VERSION, "annotator": annotator}:
                return None
            store = cls(path, annotator, found.entries, found.excerpts, disk=disk)
        store.partial = True
        return store

    def replay(self) -> None:
        """Replay the journal a session that did not finish left (`open` does, unless told not to)."""
        self._replay_journal(f"{ANNOTATIONS_DIR}/{self.journal.name}")

    def take_over(self, partial: AnnotationFile) -> dict[str, dict[str, tuple[Any, Any]]]:
        """Go on from `partial`, the first screen's store of this same session: its last changes
        journaled, its session's records replayed over the whole file (as a crash's would be, but
        said as nothing recovered), and its journal this store's from now on. Returns the fields
        where the file changed since `partial` read them, to another value than the session's
        (`Reload.theirs`: the session keeps its value; `Session.reloaded` rebases its undo)."""
        with partial._journal_lock:  # (a commit racing this one, from the first screen's saver, then finds it retired)
            partial._commit()
            partial._retired = True
        with self._journal_lock, self._lock:
            self.session_id = partial.session_id
            return self._replay_journal(f"{ANNOTATIONS_DIR}/{self.journal.name}", own=partial.session_id)

    def _replay_journal(self, name: str, own: str | None = None) -> dict[str, dict[str, tuple[Any, Any]]]:
        """Apply the records of a journal left by an unfinished session, oldest first, each field
        by field onto what the file holds now (`changes.apply`). Records by the session `own`
        (this one's, taken over from its first screen) are applied without a word. Returns the
        clashing fields, as `Reload.theirs`: id -> field -> (the value replaced, the file's)."""
        if self.journal.is_symlink() or (self.journal.exists() and not self.journal.is_file()):
            raise StoreError(
                [Problem(name, None, "is not a regular file (a link, a folder, a pipe?): refused")],
                hint="the journal is annotator's own crash-recovery file; remove this one",
            )
        try:
            data = self.journal.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as error:
            raise StoreError([Problem(name, None, f"cannot be read: {error.strerror}")]) from None
        records, skipped = read_journal(data)
        recovered = sum(record.by != own for record in records)
        by_comment: dict[str, list[FieldChange]] = {}
        for record in records:
            comment_id = record.change.comment_id
            by_comment.setdefault(comment_id, []).append(record.change)
            if record.quote is not None:
                self.excerpts[comment_id] = record.quote
            self._adopted.add(record.by)
        both, their_values = [], {}
        for comment_id, changes in by_comment.items():  # each entry's changes as one: no clash with itself
            current = self.entries.get(comment_id)
            self._base[comment_id] = current
            self._changed_at[comment_id] = 0
            change = compose(changes, current)
            entry, clashes = apply(current, change)
            if clashes:
                both.append(comment_id)
                file_values = (current or Annotation()).as_dict()
                their_values[comment_id] = {name: (change.before.get(name), file_values.get(name)) for name in clashes}
            self._store(comment_id, entry)
        self._journal_has_records = bool(records) or bool(skipped)
        if recovered:
            self.warnings.append(Problem(
                name, None, f"recovered {recovered} unsaved changes from a session that did not finish",
                warning=True,
            ))
        if both:
            self.warnings.append(Problem(name, None, both_sides_message(sorted(both)), warning=True))
        if skipped:
            self.warnings.append(Problem(name, None, f"ignored {skipped} incomplete journal lines", warning=True))
        return their_values

    # Changing ---------------------------------------------------------------------------------

    def get(self, comment_id: str) -> Annotation | None:
        return self.entries.get(comment_id)

    def set(self, comment_id: str, annotation: Annotation | None, text: str | None = None) -> None:
        """Store `annotation` for `comment_id` (None or an empty one removes the entry).

        `text` is the comment's text, for the excerpt line; without it the old excerpt stays.
        """
        with self._lock:
            self._sequence += 1
            current = self.entries.get(comment_id)
            self._base.setdefault(comment_id, current)
            self._unjournaled.setdefault(comment_id, current)
            self._changed_at[comment_id] = self._sequence
            if text is not None:
                self.excerpts[comment_id] = excerpt(text)
            self._store(comment_id, annotation)

    def set_many(self, changes: Iterable[tuple[str, Annotation | None, str | None]]) -> None:
        """`set` of each (comment id, entry, text) of `changes`, as one change: for a command that
        changes many entries (an import), a few passes over them rather than a call each."""
        changes = list(changes)  # (all of them first: an input that fails halfway changes nothing)
        self.set_columns(*(map(list, zip(*changes)) if changes else ([], [], [])))

    def set_columns(self, ids: list[str], annotations: list[Annotation | None], texts: list[str | None]) -> None:
        """`set_many` of the changes given as three columns of the same length: the ids, the
        entries and the texts."""
        given = list(map(is_not, texts, repeat(None)))  # (an entry without a text keeps its excerpt)
        quotes = dict(zip(compress(ids, given), excerpts(compress(texts, given))))
        stored = dict(zip(ids, annotations))  # (the last of an id's changes, where it first came)
        with self._lock:
            self._sequence += 1
            entries = self.entries
            entries.for_many_lookups()
            current = list(map(entries.get, stored))  # (the entries before these changes)
            for known in (self._base, self._unjournaled):
                if known.keys().isdisjoint(stored):
                    known.update(zip(stored, current))
                else:
                    for comment_id, entry in zip(stored, current):
                        known.setdefault(comment_id, entry)
            self._changed_at.update(zip(stored, repeat(self._sequence)))
            self.excerpts.set_all(quotes)
            kept = {comment_id: entry for comment_id, entry in stored.items()
                    if entry is not None and (entry.stance is not None or not entry.is_empty)}
            for comment_id in stored.keys() - kept.keys():
                entries.pop(comment_id, None)
            entries.set_all(kept)

    def _store(self, comment_id: str, annotation: Annotation | None) -> None:
        if annotation is None or annotation.is_empty:
            self.entries.pop(comment_id, None)
        else:
            self.entries[comment_id] = annotation

    # Writing ---------------------------------------------------------------------------------

    def commit(self) -> int:
        """Append what changed since the last commit to the journal, field by field, durably.

        Returns how many records were written. Costs the size of the changes, not of the file,
        and may run while another thread compacts.

        The first commit after a replay writes the journal anew, as this session's changes to the
        file as it is now: the replayed records are changes to the file as it was, and replayed
        again after another kill they would undo what the file got since.
        """
        with self._journal_lock:
            return self._commit()

    def _commit(self) -> int:
        """`commit`, under the journal's lock."""
        if self._retired and not self._unjournaled:  # (its saver's last round, after the take-over)
            return 0
        if self._retired:
            raise RuntimeError("a store taken over by another journals nothing more")
        with self._lock:
            if self._adopted and not self._folding:
                return self._rebase_journal(self._changes_to_the_file())
            pending = self._take_unjournaled()
        return self._append_to_journal(pending)

    def _changes_to_the_file(self) -> Iterator[FieldChange | None]:
        """This session's changes to the entries as the file holds them; call with the lock held."""
        return (FieldChange.between(comment_id, base, self.entries.get(comment_id))
                for comment_id, base in self._base.items())

    def _take_unjournaled(self) -> list[tuple[Annotation | None, Record]]:
        """The changes not in the journal yet, each with the entry it started from; call with the
        lock held."""
        pending, self._unjournaled = self._unjournaled, {}
        taken = []
        for comment_id, before in pending.items():
            change = FieldChange.between(comment_id, before, self.entries.get(comment_id))
            if change is not None:
                taken.append((before, Record(change, self.excerpts.get(comment_id), self.session_id)))
        return taken

    def _append_to_journal(self, pending: list[tuple[Annotation | None, Record]]) -> int:
        """Append `pending` to the journal; call with the journal lock held."""
        if not pending:
            return 0
        try:
            check_folder(self.path.parent, create=True)
            durable.append_durably(self.journal, "".join(encode(record) for _, record in pending))
        except BaseException:
            with self._lock:  # not written: commit them again next time, from where they started
                for before, record in pending:
                    comment_id = record.change.comment_id
                    self._unjournaled[comment_id] = before
            raise
        self._journal_has_records = True
        return len(pending)

    def render(self) -> str:
        """The whole file, as it is written: header, then one entry per comment, sorted by id."""
        with self._lock:
            snapshot = self._snapshot()
        return b"".join(self._render(*snapshot)).decode("utf-8")

    def _snapshot(self) -> tuple[Entries, Excerpts, dict[str, Any]]:
        """Copies of what `render` needs, taken with the lock held; serializing them needs no lock.
        (The copies share the columns the file was read into: they cost the changes since.)"""
        return self.entries.copy(), self.excerpts.copy(), dict(self.extra)

    def _render(self, entries: Entries, excerpts: Excerpts, extra: dict[str, Any], once: bool = False) -> Iterable[bytes]:
        """The file in UTF-8 pieces (the head, then each entry): written piece by piece, never one
        string of the whole file, whose joining and encoding would hold the interpreter (and the
        app's keys) for a tenth of a second at 100,000 comments. `once` (entries not in columns):
        a lazy iterator that renders each entry as it is written and keeps none."""
        parts = [render_head(self.annotator, extra).encode("utf-8")]
        columns = entries.columns
        if columns is not None and excerpts.columns is columns:
            return chain(parts, self._over_columns(columns, entries, excerpts))
        if columns is None and excerpts.columns is None:  # (plain dicts: `_chunks_of` looks them up in C)
            entries, excerpts = entries.as_dict(), excerpts.as_dict()  # type: ignore[assignment]
        ids = sorted(entries)
        if once:  # (rendered as written, none kept: `render_entries` of a slice at a time)
            return chain(parts, _rendered_slices(ids, entries, excerpts))
        for start in range(0, len(ids), RENDER_SLICE):  # (between slices, other threads may run)
            parts += self._chunks_of(ids[start:start + RENDER_SLICE], entries, excerpts)
        return parts

    def _chunks_of(self, ids: list[str], entries: Entries, excerpts: Excerpts) -> list[bytes]:
        """The chunks of `ids`, in order: `_chunk`'s cache check done for all of them at once in C
        (`map`), not in a Python loop per entry. A chunk is still valid if it was made from this
        very entry and this excerpt; only the others are serialized."""
        cached = list(map(self._chunks.get, ids, repeat(_NO_CHUNK)))
        values = list(map(entries.__getitem__, ids))
        quotes = list(map(excerpts.get, ids))
        valid = map(and_, map(is_, values, map(itemgetter(0), cached)), map(eq, quotes, map(itemgetter(1), cached)))
        parts = list(map(itemgetter(2), cached))
        for index in compress(count(), map(not_, valid)):
            parts[index] = self._chunk(ids[index], values[index], quotes[index])
        return parts

    def _over_columns(self, columns: LabelColumns, entries: Entries, excerpts: Excerpts) -> Iterator[bytes | memoryview]:
        """The entries' text, in order, for entries read into `columns`: the columns' entries as
        rendered once (`_rendered`), in long runs read back as they are written, with the ids
        changed since rendered in their place."""
        rendered = self._rendered(columns)
        reader = rendered.reader()
        ids = columns.ids_for_lookup()  # (a few looked up: not split)
        size = len(ids)
        done = 0  # the columns' entries before this position are placed
        for comment_id in sorted(entries.changed_ids() | excerpts.changed_ids()):
            position = bisect_left(ids, comment_id)
            if position > done:
                yield from reader.between(done, position)
            done = max(done, position + 1 if position < size and ids[position] == comment_id else position)
            entry = entries.get(comment_id)
            if entry is not None:
                yield self._chunk(comment_id, entry, excerpts.get(comment_id))
        if done < size:
            yield from reader.between(done, size)

    def _rendered(self, columns: LabelColumns, yielding: bool = False) -> RenderedEntries:
        """The text of every entry of `columns`, rendered once (`warm`) without keeping an
        `Annotation` per entry, and kept compressed (`RenderedEntries`)."""
        rendered = self._base_chunks
        if rendered is None or rendered[0] is not columns:
            text = self._as_in_file(columns)
            if text is None:
                ids, make, quote = columns.ids, columns.make, columns.quote
                text = RenderedEntries.render(
                    len(ids), lambda position: render_entry(ids[position], make(position), quote(position)), yielding
                )
            rendered = self._base_chunks = (columns, text)
        return rendered[1]

    def _as_in_file(self, columns: LabelColumns) -> RenderedEntries | None:
        """The text of the entries of `columns` taken from the file (`RenderedEntries.of_file`:
        at a million entries, 1-2 s of zlib and hashing that let other threads run, instead of
        9 s of rendering that holds the interpreter), if it holds each as `render_entry` writes
        it and is still the very file they were read from (its digest names their cache entry)."""
        if not columns.as_rendered or columns.source is None:
            return None
        digest = cache.content_digest(CACHE_KIND)
        try:
            with self.path.open("rb") as handle:
                text = RenderedEntries.of_file(handle, columns.count, digest)
        except OSError:
            return None
        return text if text is not None and cache.entry_name(CACHE_KIND, digest, ".columns") == columns.source else None

    def warm(self) -> None:
        """Serialize every entry ahead of time (in a background thread), so that the first
        compaction after loading is quick: it holds the interpreter for less time."""
        if self.partial:  # (never compacted)
            self.warmed = True
            return
        with self._lock:
            entries, excerpts, _ = self._snapshot()
        try:
            if entries.columns is not None and excerpts.columns is entries.columns:
                self._rendered(entries.columns, yielding=True)
                return
            with paused_gc():  # 90,000 long-lived strings: nothing for the collector to find
                for comment_id, entry in entries.items():
                    self._chunk(comment_id, entry, excerpts.get(comment_id))
        finally:
            self.warmed = True  # (if it failed, compactions serialize what they need themselves)

    def _chunk(self, comment_id: str, entry: Annotation, quote: str | None) -> bytes:
        """The text of one entry (excerpt line and table) in UTF-8, from the cache when it is still valid."""
        cached = self._chunks.get(comment_id)
        if cached is not None and cached[0] is entry and cached[1] == quote:
            return cached[2]
        text = render_entry(comment_id, entry, quote).encode("utf-8")
        self._chunks[comment_id] = (entry, quote, text)
        return text

    def save(self, force: bool = False) -> None:
        """Rewrite the file atomically with every change, and trim the journal: for a caller that
        makes no change meanwhile (a command). Changes not in the journal go to the file only.

        Refuses (`ChangedOnDisk`) if someone changed the file since it was read, unless `force`.
        A file read without the parse cache's columns (a new one, say) is rendered as it is
        written, nothing kept for a next compaction (a command writes once): 100,000 new entries
        are never all held rendered. A file read into columns is rendered through them, as the
        app's compactions do.
        """
        self._compact(force, commit_first=self._journal_has_records, once=True)

    def compact(self, force: bool = False) -> None:
        """Write the TOML file from memory (atomically), then drop from the journal what it holds,
        while commits go on in another thread (the app).

        Every change the new file holds is committed first, from the same snapshot, and the
        journal's length is noted: a crash after the rename but before the trim replays the very
        values the file holds, never older ones. After the rename the journal keeps what was
        appended since (changes the file lacks) and the records of any other session, so a
        journal kept stale never puts old values back over a later outside change (a `git pull`)
        after a crash. Call `compact` from one thread at a time.
        """
        self._compact(force, commit_first=True)

    def _compact(self, force: bool, commit_first: bool, once: bool = False) -> None:
        self._check_writable()
        with self._journal_lock:  # no commit between the snapshot and the mark
            with self._lock:
                sequence = self._sequence
                state = self._snapshot()
                if commit_first and self._adopted:  # (as the first commit after a replay does)
                    self._rebase_journal(self._changes_to_the_file())
                pending = self._take_unjournaled() if commit_first else []
            self._append_to_journal(pending)
            mark = durable.size(self.journal)
            self._folding = True
        try:
            parts = self._render(*state, once=once)  # slow the first time; no lock held, so keys go on
            self.write(parts, force)
            written = state[0]
            with self._lock:
                changed = self._changed_at
                if max(changed.values(), default=0) <= sequence:  # (all in the file now: a command's changes)
                    for known in (self._base, self._unjournaled):  # (a `save` does not journal first)
                        if known.keys() <= changed.keys():
                            known.clear()
                        else:
                            for comment_id in changed:
                                known.pop(comment_id, None)
                    changed.clear()
                for comment_id, at in list(changed.items()):
                    if at <= sequence:  # in the file now
                        del self._changed_at[comment_id]
                        self._base.pop(comment_id, None)
                        self._unjournaled.pop(comment_id, None)  # (a `save` does not journal first)
                    else:  # changed again meanwhile: what the file holds is its base
                        self._base[comment_id] = written.get(comment_id)
            with self._journal_lock:
                self._trim_journal(mark)
        finally:
            self._folding = False

    def _trim_journal(self, mark: int) -> None:
        """Drop this session's records among the journal's first `mark` bytes (now in the file),
        and those it replayed; keep the rest. Remove the journal when nothing is left."""
        data = self._journal_bytes()
        self._rewrite_journal(data[:mark], data[mark:].lstrip(b"\n"))

    def _journal_bytes(self) -> bytes:
        try:
            return self.journal.read_bytes()
        except FileNotFoundError:
            return b""

    def _rebase_journal(self, changes: Iterable[FieldChange | None]) -> int:
        """Write the journal anew: the other sessions' records, then `changes` as this session's,
        in place of every record it wrote or replayed. Call with both locks held."""
        records = [Record(change, self.excerpts.get(change.comment_id), self.session_id) for change in changes if change]
        self._rewrite_journal(self._journal_bytes(), "".join(map(encode, records)).encode("utf-8"))
        self._unjournaled, self._adopted = {}, set()
        return len(records)

    def _rewrite_journal(self, head: bytes, tail: bytes) -> None:
        """Write the journal as the records of other sessions in `head`, then `tail` (or remove
        it when that is nothing); call with the journal lock held."""
        ours = self._adopted | {self.session_id}
        foreign = [line + b"\n" for line in head.split(b"\n") if record_author(line) not in (None, *ours)]
        kept = b"".join(foreign) + tail
        if kept.strip():
            check_folder(self.path.parent, create=True)
            durable.atomic_write(self.journal, kept)
        else:
            durable.remove_durably(self.journal)
        self._journal_has_records = bool(kept.strip())
        durable.remove_stale_temporaries(self.journal)  # of a trim that a kill cut short

    def _check_writable(self) -> None:
        if self.partial:  # (it holds a few entries: the file written from it would lose the rest)
            raise RuntimeError("a partial store never writes the file")
        reason = self.pause_writes() if self.pause_writes is not None else None
        if reason:
            raise WritesPaused(reason, hint="the changes are in the journal; the file is written once it is over")

    def write(self, text: str | Iterable[bytes], force: bool = False) -> None:
        """Write `text` (a `render()` taken earlier, perhaps on another thread, or its UTF-8 pieces,
        perhaps made as they are written: an iterator is used up) as the file.

        Refuses (`ChangedOnDisk`) if the file changed since it was read, or while it was written
        (`atomic_write` looks again just before its rename), unless `force`; and `WritesPaused`
        while `pause_writes` gives a reason, looked at before and just before the rename.
        """
        self._check_writable()
        if not force and DiskState.of(self.path) != self.disk:
            raise ChangedOnDisk(
                f"{ANNOTATIONS_DIR}/{self.path.name}: changed on disk since it was read",
                hint="reload it before saving, so that neither change is lost",
            )
        check_folder(self.path.parent, create=True)
        durable.atomic_write(self.path, text, before_replace=self._check_writable)
        self.disk = DiskState.of(self.path)
        durable.remove_stale_temporaries(self.path)

    # Someone else changed the file ---------------------------------------------------------

    def changed_on_disk(self) -> bool:
        """Whether the file on disk is no longer the one this store read or wrote."""
        return DiskState.of(self.path) != self.disk

    def merge_from_disk(self) -> Reload:
        """Take the file as it is on disk now (after `git pull`, a hand edit...) and put this
        session's changes since the last compaction back on top, field by field, by the rules
        a replayed journal follows (`changes.apply`): time spent on a comment this session never
        hides a label someone else changed in the file.

        The journal then holds this session's changes to the file as it is now, and nothing
        else of this session: a change the file already holds (the same label chosen on both
        sides) is no longer this session's, and a kill then never puts it back over a later
        change to the file. (So it writes the journal, and may raise as `commit` does, changing
        nothing.) Call it from the thread that compacts.

        A file that is gone (removed, or its folder; a `git checkout` of a branch without it) is
        not an empty file: every entry this session holds is kept, to be written back.
        """
        if self.partial:
            raise RuntimeError("a partial store never merges the whole file")
        if not self.path.exists() and not self.path.is_symlink() and self.disk is not None:
            return self._file_gone()
        fresh = AnnotationFile.load(self.path, replay=False) if self.path.exists() else AnnotationFile(self.path, self.annotator)
        with self._journal_lock, self._lock:
            both, their_values = [], {}
            merged: dict[str, Annotation | None] = {}
            for comment_id, before in self._base.items():
                change = FieldChange.between(comment_id, before, self.entries.get(comment_id))
                theirs = fresh.entries.get(comment_id)
                if change is None:
                    merged[comment_id] = theirs
                    continue
                merged[comment_id], clashes = apply(theirs, change)
                if clashes:
                    both.append(comment_id)
                    file_values = (theirs or Annotation()).as_dict()
                    their_values[comment_id] = {name: (change.before.get(name), file_values.get(name)) for name in clashes}
            self._rebase_journal(FieldChange.between(comment_id, fresh.entries.get(comment_id), entry)
                                 for comment_id, entry in merged.items())
            quotes = {comment_id: self.excerpts.get(comment_id) for comment_id in self._base}
            self.entries = fresh.entries
            self.excerpts = fresh.excerpts
            self.extra = fresh.extra
            self.lines = fresh.lines
            self.disk = fresh.disk
            self._sequence += 1
            self._base, self._changed_at = {}, {}
            kept = 0
            for comment_id, entry in merged.items():
                if quotes[comment_id] is not None:
                    self.excerpts[comment_id] = quotes[comment_id]
                theirs = fresh.entries.get(comment_id)
                if entry != theirs:  # the merged result is not in the file yet
                    self._base[comment_id] = theirs
                    self._changed_at[comment_id] = self._sequence
                    kept += not same_labels(entry, theirs)  # (time spent alone is no change of labels)
                self._store(comment_id, entry)
        return Reload(sorted(both), kept=kept, theirs=their_values)

    def _file_gone(self) -> Reload:
        """The file was removed under this session: every entry it holds is to be written back,
        whole, and the journal is written anew to hold them (through a kill, nothing else does)."""
        with self._journal_lock, self._lock:
            self._rebase_journal(
                FieldChange.between(comment_id, None if comment_id in self.entries else self._base[comment_id],
                                    self.entries.get(comment_id))
                for comment_id in self.entries.keys() | self._base.keys()
            )
            self._sequence += 1
            self.disk = None
            for comment_id in self.entries:
                self._base[comment_id] = None
                self._changed_at[comment_id] = self._sequence
            return Reload(restored=len(self.entries))


def _as_dict(values: Mapping[str, Any] | None) -> dict[str, Any]:
    return values if isinstance(values, dict) else dict(values or {})


def _rendered_slices(ids: list[str], entries: Mapping[str, Annotation], excerpts: Mapping[str, str]) -> Iterator[bytes]:
    """The entries of `ids`, in UTF-8, `RENDER_SLICE` at a time, each slice rendered as it is asked for."""
    for start in range(0, len(ids), RENDER_SLICE):
        some = ids[start:start + RENDER_SLICE]
        yield render_entries(some, list(map(entries.__getitem__, some)), list(map(excerpts.get, some)))


_NO_CHUNK = (object(), None, b"")  # what `_chunks_of` finds for an entry never serialized: not valid
RENDER_SLICE = 8192  # entries whose cached chunks are checked in one go (a few ms, holding the interpreter)


def check_folder(folder: Path, create: bool = False) -> None:
    """Raise `StoreError` unless `folder` (`annotations/`) is a real folder, or missing; with
    `create`, make a missing one. A symbolic link is refused, as for the files in it: a link in
    a repository must not make annotator write elsewhere."""
    problem = folder_problem(folder)
    if problem is not None:
        raise problem
    if create:
        folder.mkdir(parents=True, exist_ok=True)


def folder_problem(folder: Path) -> StoreError | None:
    """Why `folder`, the folder of annotation files, cannot be used: a symbolic link, or not a
    folder (absent is fine: no labels yet). The one rule for readers and writers."""
    if folder.is_symlink():
        return StoreError([Problem(ANNOTATIONS_DIR, None, "a symbolic link: refused (the annotation files must live "
                                                          "in the project, where git sees them)")],
                          hint="replace the link with a folder holding the annotation files")
    if folder.exists() and not folder.is_dir():
        return StoreError([Problem(ANNOTATIONS_DIR, None, "not a folder (expected the folder of annotation files, "
                                                          f"{ANNOTATIONS_DIR}/<annotator>{SUFFIX})")],
                          hint="move it away; `annotator init` creates the folder")
    return None


def both_sides_message(ids: list[str]) -> str:
    """What to say about entries changed both in the file and in this session's changes."""
    shown = ", ".join(ids[:5]) + (" …" if len(ids) > 5 else "")
    return f"changed on both sides, yours kept: {shown}"
