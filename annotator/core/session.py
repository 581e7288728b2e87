"""An annotation session: one annotator labelling a corpus, with undo, filters and time per comment.

Headless, so every rule of the session (what a key does to a label, what undo restores, what
counts as active time) is tested without a terminal. The app only calls it and draws the result.
"""

from __future__ import annotations

import hashlib
import time
import unicodedata
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache, wraps
from pathlib import Path
from typing import Any, TypeVar

from annotator.core import cache
from annotator.core.columns import Joined, SeedColumns, located
from annotator.core.config import Schema
from annotator.core.conflict import decided_by, settled, take
from annotator.core.ids import IdIndex
from annotator.core.models import Annotation, Comment, utc_now
from annotator.core.store import CONFLICT_KEY, AnnotationFile, FieldChange, apply, same_labels
from annotator.core.threads import Threads, thread_order

IDLE_AFTER = 60.0  # seconds without a key press that stop counting as time on a comment
UNDO_LIMIT = 1000
T = TypeVar("T")


def _atomic(method: Callable[..., T]) -> Callable[..., T]:
    """Run a change under the store's lock, from reading the entry to storing the new one: a
    merge of an outside change (on the saver's thread) never comes in between, to be overwritten."""

    @wraps(method)
    def locked(self: Session, *args: Any, **kwargs: Any) -> T:
        with self.store.lock:
            return method(self, *args, **kwargs)

    return locked


@dataclass(frozen=True, slots=True)
class Undone:
    """What undo or redo did: the comment it changed, and the fields it left as they were
    because something else (a `git pull`, a hand edit) changed them since."""

    comment_id: str
    kept: list[str]


@dataclass(frozen=True, slots=True)
class Filter:
    """Which comments the list shows: a status or label, and a text search (case-insensitive)."""

    kind: str = "all"  # all | mine | unlabeled | labeled | flagged | conflicts | stance | topic | disagree
    value: str = ""  # the stance or topic name, for those kinds
    query: str = ""
    test: Callable[[str], bool] | None = field(default=None, compare=False)  # by comment id (disagree)

    @property
    def is_all(self) -> bool:
        return self.kind == "all" and not self.query and self.test is None

    def describe(self) -> str:
        """A few words for the progress line: `flagged`, `stance:agree`, `/gpt`."""
        parts = [] if self.kind == "all" else [f"{self.kind}:{self.value}" if self.value else self.kind]
        if self.query:
            parts.append(f"/{self.query}")
        return " ".join(parts) or "all"


@dataclass(slots=True)
class _Visit:
    comment_id: str
    last: float
    active: float = 0.0


@dataclass
class Session:
    """The annotator's labels on the corpus, and everything a key press can do to them.

    Mutations happen on one thread (the app's); the store guards itself against the saver thread.
    """

    comments: Sequence[Comment]
    schema: Schema
    store: AnnotationFile
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = utc_now
    share: frozenset[int] | None = None  # with a plan: the positions assigned to this annotator
    version: int = 0  # counts changes to the store, for the saver
    _undo: list[list[FieldChange]] = field(default_factory=list)  # steps, each one or more changes
    _redo: list[list[FieldChange]] = field(default_factory=list)
    _visit: _Visit | None = None
    _unwritten: dict[str, float] = field(default_factory=dict)  # time on comments since their last change
    _positions: dict[str, int] | None = None  # each id's position, made when many are looked up (`_index`)
    _threads: Threads | None = None
    _threads_looked: bool = False  # the parse cache was asked for the thread order (once is enough)
    _digest: bytes | None = None  # of the ids, naming the corpus in the parse cache
    _ids: IdIndex = field(init=False)  # the ids sorted, to find one by a start of it
    conflicts: set[str] = field(default_factory=set)  # ids of the entries left in conflict by a merge

    def __post_init__(self) -> None:
        if isinstance(self.comments, (SeedColumns, Joined)) and self.comments.unique:  # (from the cache: ids alone)
            self._ids = IdIndex(self.comments.ids, self.comments.sorted_ids)
            if isinstance(self.comments, Joined):
                self._positions = self.comments.positions()  # (made when the files were joined)
        else:
            ids = [comment.id for comment in self.comments]
            self._positions = dict(zip(ids, range(len(ids))))
            self._ids = IdIndex(ids)  # sorted once, here (the app opens the session on a thread): `:` bisects it
        self.recount()
        if self.share is not None:  # (the "mine" view counts its labeled comments: found here, on a thread)
            self.labeled_positions()

    # Reading ---------------------------------------------------------------------------------

    def annotation(self, comment_id: str) -> Annotation | None:
        return self.store.get(comment_id)

    def position(self, comment_id: str) -> int | None:
        """Where `comment_id` is in the corpus, or None if there is no such comment."""
        if self._positions is None:
            return self.comments.find(comment_id)  # type: ignore[union-attr]  # (the seeds' columns: bisected)
        return self._positions.get(comment_id)

    def comment(self, comment_id: str) -> Comment | None:
        """The comment with `comment_id` (a parent, say), or None if the corpus has none: by id."""
        position = self.position(comment_id)
        return None if position is None else self.comments[position]

    @property
    def _index(self) -> dict[str, int]:
        """Each id's position, for looking many up: made the first time (a million ids take over a
        second, which a start does not spend: it looks up a few, by `position`)."""
        if self._positions is None:
            self._positions = self.comments.positions()  # type: ignore[union-attr]
        return self._positions

    def _locate(self, ids: Sequence[str]) -> array:
        """Where each of `ids` is in the corpus, -1 where it is not: by the dict of every id where
        it is made, else by the seeds' columns, which need none (at a million ids, 140 MB)."""
        if self._positions is None:
            return self.comments.locate(ids)  # type: ignore[union-attr]  # (the seeds' columns)
        return located(self._positions, ids)

    def _corpus_digest(self) -> bytes:
        """The SHA-256 of the ids in seed order, joined by newlines: names the corpus in the parse cache."""
        if self._digest is None:
            if isinstance(self.comments, SeedColumns):
                self._digest = self.comments.ids_digest()
            else:
                self._digest = hashlib.sha256("\n".join(self._index).encode()).digest()  # (ids hold no newline)
        return self._digest

    @property
    def threads(self) -> Threads:
        """The corpus in thread order, worked out the first time it is asked for (and kept in the
        parse cache, named by the ids and the parents as stored, for the next session)."""
        if not self.threads_known:
            columns = isinstance(self.comments, (SeedColumns, Joined))
            self._threads = thread_order(self.comments, self._index, self.comments.parents() if columns else None)
            if columns:
                cache.save(self._threads_entry(), self._threads.stored())
        assert self._threads is not None
        return self._threads

    @property
    def threads_known(self) -> bool:
        """Whether `threads` is at hand: worked out already, or in the parse cache (else it takes a
        moment at 100,000 comments: ask for it on a thread)."""
        if self._threads is None and not self._threads_looked and isinstance(self.comments, (SeedColumns, Joined)):
            self._threads_looked = True
            self._threads = Threads.from_stored(cache.load(self._threads_entry()), len(self.comments))
        return self._threads is not None

    _threads_where: Path | None = None

    def _threads_entry(self) -> Path | None:
        """The thread order's name in the parse cache (its ids' and parents' digests, taken once)."""
        if self._threads_where is None:
            self._threads_where = cache.key("threads", self._corpus_digest() + self.comments.parents_digest())
        return self._threads_where

    def find(self, typed: str) -> str:
        """The id of the comment `typed` names: its id, the start of only its id, or `#N` (the Nth
        comment in seed order). `IdLookupError` when it names none, or several."""
        return self._ids.find(typed, positions=True)

    def recount(self) -> None:
        """Count the labeled comments again, after the store was reloaded from disk."""
        entries = self.store.entries  # (counted from the columns it was read into: no entry is made)
        self.labeled_count = entries.labeled_among(self._corpus_digest(), self._locate, self._known)
        self.conflicts = {comment_id for comment_id, entry in entries.with_extra()  # (on comments of the corpus:
                          if CONFLICT_KEY in entry.extra and self._known(comment_id)}  # the others, `validate` says)

    def _known(self, comment_id: str) -> bool:
        return self.position(comment_id) is not None

    def labeled_positions(self) -> bytearray:
        """1 at the position of each labeled comment, 0 elsewhere: read from the store's columns
        (where their comments are, from the parse cache after the first time), no entry made."""
        positions, _ = self.store.entries.labeled_positions(self._locate, self._corpus_digest(), self.position)
        labeled = bytearray(len(self.comments))
        for position in positions:
            labeled[position] = 1
        return labeled

    def is_labeled(self, position: int) -> bool:
        entry = self.store.get(self.comments[position].id)
        return entry is not None and entry.is_labeled

    # Changing labels -------------------------------------------------------------------------

    @_atomic
    def set_stance(self, comment_id: str, stance: str) -> FieldChange | None:
        """Choose `stance`; choosing the current stance again clears it."""
        entry = self._entry(comment_id)
        new = None if entry.stance == stance else stance
        return self._apply(comment_id, entry.replace(stance=new))

    @_atomic
    def toggle_topic(self, comment_id: str, topic: str) -> FieldChange | None:
        entry = self._entry(comment_id)
        topics = set(entry.topics) ^ {topic}
        return self._apply(comment_id, entry.replace(topics=tuple(sorted(topics))))

    @_atomic
    def toggle_flag(self, comment_id: str) -> FieldChange | None:
        entry = self._entry(comment_id)
        return self._apply(comment_id, entry.replace(flagged=not entry.flagged))

    @_atomic
    def set_note(self, comment_id: str, note: str) -> FieldChange | None:
        """Set the note (None when it did not change, so that undo skips it)."""
        entry = self._entry(comment_id)
        note = note.strip("\n") or None
        if note == entry.note:
            return None
        return self._apply(comment_id, entry.replace(note=note))

    def set_labels(self, labels: dict[str, tuple[str | None, tuple[str, ...]]]) -> list[FieldChange]:
        """Set stance and topics of several comments at once (adjudication), as one undo step.

        Notes and flags stay as they are.
        """
        return self.set_fields({comment_id: {"stance": stance, "topics": topics}
                                for comment_id, (stance, topics) in labels.items()})

    @_atomic
    def set_fields(self, values: dict[str, dict[str, Any]]) -> list[FieldChange]:
        """Set some fields (`stance`, `topics`, `note`, `flagged`) of several comments at once, as
        one undo step: adjudication taking one annotator's labels, or one field of them."""
        changes = []
        for comment_id, fields in values.items():
            entry = self._entry(comment_id)
            change = self._change(comment_id, entry.replace(**fields))
            if change is not None:
                changes.append(change)
        self._remember(changes)
        return changes

    @_atomic
    def take_side(self, comment_id: str, name: str, side: str) -> FieldChange | None:
        """Resolve field `name` of a conflicted entry with its value on `side` (ours or theirs);
        the conflict table goes with the last field resolved, in the same change."""
        entry = self._entry(comment_id)
        return self._apply(comment_id, take(entry, name, side))

    @_atomic
    def undo(self) -> Undone | None:
        """Take back the fields the last step changed; None when there is nothing to undo.

        Field by field: a field someone else changed since the step (a `git pull`, a hand edit)
        keeps their value, and is named in the result; every other field of the entry stays as
        it is now. Returns the step's last comment, so the caller can show it.
        """
        if not self._undo:
            return None
        step = self._undo.pop()
        self._redo.append(step)
        return self._replay([change.reverted() for change in reversed(step)])

    @_atomic
    def redo(self) -> Undone | None:
        """Make again the changes of the last step undone, by the same rules as `undo`."""
        if not self._redo:
            return None
        step = self._redo.pop()
        self._undo.append(step)
        return self._replay(step)

    def _replay(self, changes: list[FieldChange]) -> Undone:
        kept: list[str] = []
        for change in changes:
            current = self.store.get(change.comment_id)
            entry, clashes = apply(current, change, keep_current=True)
            kept.extend(name for name in clashes if name not in kept)
            if not same_labels(entry, current):  # (nothing taken back: its time spent and last change stay)
                self._write(change.comment_id, entry)
        return Undone(changes[-1].comment_id, kept)

    @property
    def provisional(self) -> bool:
        """The first screen's session of a cold start: the start of the corpus, with a `partial`
        store of its labels, until the whole corpus is read (`go_on_from`)."""
        return self.store.partial

    def go_on_from(self, first: Session, theirs: dict[str, dict[str, tuple[Any, Any]]]) -> None:
        """Continue `first`, the provisional session of this same start (its store taken over by
        this one's, which found `theirs`: see `AnnotationFile.take_over`): its undo and redo steps,
        rebased where the file changed meanwhile (`reloaded`), the visit under way, the time not
        yet written."""
        self._undo, self._redo = first._undo, first._redo
        self._visit, self._unwritten = first._visit, first._unwritten
        self.reloaded(theirs)

    def reloaded(self, theirs: dict[str, dict[str, tuple[Any, Any]]]) -> None:
        """After a reload that kept this session's value of fields the file changed too
        (`Reload.theirs`: id -> field -> the value the session's change replaced, the file's):
        taking that change back brings back the file's value, not the one it replaced, which the
        file no longer holds. The change is the newest step that set the field from that value
        (undo then goes back to the file's), and the newest step undone that had set it to that
        value (redo then goes back to the file's): the session's value came from one of them."""
        for comment_id, fields in theirs.items():
            for name, (replaced, file_value) in fields.items():
                self._rebase(self._undo, "before", comment_id, name, replaced, file_value)
                self._rebase(self._redo, "after", comment_id, name, replaced, file_value)

    @staticmethod
    def _rebase(steps: list[list[FieldChange]], side: str, comment_id: str, name: str, replaced: Any,
                value: Any) -> None:
        """Give the newest change in `steps` whose `side` ("before" or "after") set `name` of
        `comment_id` from (to) `replaced` the file's `value` there instead."""
        for step in reversed(steps):
            for index in range(len(step) - 1, -1, -1):
                change = step[index]
                values = getattr(change, side)
                if change.comment_id == comment_id and name in values and values[name] == replaced:
                    moved = values | {name: value}
                    step[index] = FieldChange(comment_id, *((moved, change.after) if side == "before" else (change.before, moved)))
                    return

    def _entry(self, comment_id: str) -> Annotation:
        self.spend_time()
        return self.store.get(comment_id) or Annotation()

    def _apply(self, comment_id: str, after: Annotation) -> FieldChange | None:
        change = self._change(comment_id, after)
        self._remember([change] if change is not None else [])
        return change

    def _change(self, comment_id: str, after: Annotation) -> FieldChange | None:
        """Store `after` for `comment_id`; a field left in conflict that it sets is decided by it."""
        before = self.store.get(comment_id)
        after = settled(after, decided_by(before, after))
        after = after.replace(updated=self.now(), seconds=self._seconds_with_visit(comment_id, after))
        change = FieldChange.between(comment_id, before, after)
        self._write(comment_id, after)
        return change

    def _remember(self, step: list[FieldChange]) -> None:
        """A new step to undo; the steps undone before it can no longer be redone (they were
        undone from a state this change has left)."""
        if not step:
            return
        self._undo.append(step)
        del self._undo[:-UNDO_LIMIT]
        self._redo.clear()

    def _write(self, comment_id: str, entry: Annotation | None) -> None:
        was = self.store.get(comment_id)
        position = self.position(comment_id)
        self.store.set(comment_id, entry, self.comments[position].text if position is not None else None)
        self.version += 1
        if entry is not None and entry.extra and CONFLICT_KEY in entry.extra:
            self.conflicts.add(comment_id)
        else:
            self.conflicts.discard(comment_id)
        if position is not None:
            self.labeled_count += int(bool(entry and entry.is_labeled)) - int(bool(was and was.is_labeled))

    # Time per comment ------------------------------------------------------------------------

    def visit(self, comment_id: str | None) -> None:
        """The annotator now looks at `comment_id`: close the time of the previous visit."""
        if self._visit is not None and self._visit.comment_id == comment_id:
            return
        self.leave()
        if comment_id is not None:
            self._visit = _Visit(comment_id, self.clock())

    def spend_time(self) -> None:
        """A key press: count the time since the last one, unless it was idle (over a minute)."""
        if self._visit is None:
            return
        moment = self.clock()
        gap = moment - self._visit.last
        if gap <= IDLE_AFTER:
            self._visit.active += gap
        self._visit.last = moment

    def leave(self) -> None:
        """Close the current visit. Its active time waits, in memory, for the next change of that
        comment's labels in this session: reading alone writes nothing, so browsing leaves every
        tracked file (and `git status`) as it was."""
        if self._visit is None:
            return
        self.spend_time()
        visit, self._visit = self._visit, None
        if visit.active > 0:
            self._unwritten[visit.comment_id] = self._unwritten.get(visit.comment_id, 0.0) + visit.active

    def _seconds_with_visit(self, comment_id: str, entry: Annotation) -> float:
        """Seconds for an entry being changed: the time spent on it since its last change (earlier
        visits and the current one) is folded in, and counting starts again."""
        spent = self._unwritten.pop(comment_id, 0.0)
        visit = self._visit
        if visit is not None and visit.comment_id == comment_id:
            spent += visit.active
            visit.active = 0.0
        return round(entry.seconds + spent, 1) if spent else entry.seconds

    # Finding comments ------------------------------------------------------------------------

    def matches(self, position: int, view: Filter) -> bool:
        comment = self.comments[position]
        entry = self.store.get(comment.id)
        kind = view.kind
        if kind == "mine" and (self.share is None or position not in self.share):
            return False
        if kind == "unlabeled" and entry is not None and entry.is_labeled:
            return False
        if kind == "labeled" and (entry is None or not entry.is_labeled):
            return False
        if kind == "flagged" and (entry is None or not entry.flagged):
            return False
        if kind == "conflicts" and comment.id not in self.conflicts:
            return False
        if kind == "stance" and (entry is None or entry.stance != view.value):
            return False
        if kind == "topic" and (entry is None or view.value not in entry.topics):
            return False
        if view.test is not None and not view.test(comment.id):
            return False
        return not view.query or _searched(view.query) in searchable(comment.text)

    def select(self, view: Filter, threads: bool = False) -> Sequence[int]:
        """The corpus positions that `view` shows, in corpus order (or in thread order: only the
        comments that match, each where its thread puts it): a list, or for every comment in
        corpus order a `range` (a list of a million numbers costs 25 ms)."""
        if view.is_all:
            return list(self.threads.order) if threads else range(len(self.comments))
        order = self.threads.order if threads else range(len(self.comments))
        if view.kind == "mine" and not view.query and view.test is None:  # (the default view with a plan)
            share = self.share or frozenset()
            return sorted(share) if not threads else [position for position in order if position in share]
        return [position for position in order if self.matches(position, view)]

    def next_unlabeled(self, rows: Sequence[int], after: int) -> int | None:
        """The first row after row `after` (wrapping round) whose comment is unlabeled."""
        count = len(rows)
        for step in range(1, count + 1):
            row = (after + step) % count
            if not self.is_labeled(rows[row]):
                return row
        return None


@lru_cache(maxsize=16)
def _searched(query: str) -> str:
    """A query as `searchable` makes it: once, not once per comment."""
    return searchable(query)


def searchable(text: str) -> str:
    """`text` as search compares it: case folded, and composed (NFC), so that "é" typed finds
    an "e" followed by a combining accent, which is drawn the same."""
    folded = text.casefold()
    return folded if folded.isascii() else unicodedata.normalize("NFC", folded)
