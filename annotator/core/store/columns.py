"""The entries of an annotation file as columns, and the mappings that read them lazily.

A file of 90,000 entries, read as an `Annotation` (with a `datetime`) and an excerpt per entry,
costs a second before the first frame and some 700 bytes an entry. Read as columns (the ids in
one sorted list, each field a compact array, the excerpts one UTF-8 buffer), it loads from the
parse cache in a few milliseconds: an entry is made when it is asked for (`Entries.get`), once,
and the labeled entries are counted from the columns (`Entries.labeled_among`). Only work on
the whole file (a compaction, a command) makes every entry.

`Entries` and `Excerpts` are mutable mappings: what is set or removed goes to a small dict laid
over the columns, which never change. `copy` shares the columns, so a snapshot for a compaction
costs the changes, not the file.
"""

from __future__ import annotations

import marshal
import sys
import zlib
from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from datetime import datetime, timedelta, timezone
from itertools import accumulate, compress, filterfalse, repeat
from mmap import mmap
from typing import Any, BinaryIO, Generic, TypeVar

from annotator.core import cache
from annotator.core.columns import located
from annotator.core.models import NO_EXTRA, Annotation

Locate = Callable[[Sequence[str]], array]
"""Where each of some ids (all different) is in a corpus: its position, -1 where it has none
(`SeedColumns.locate`, or `locate_by` a mapping of every id)."""


def locate_by(position_of: Callable[[], Mapping[str, int]]) -> Locate:
    """`Locate` by a mapping of each id of a corpus to its position (`position_of()`, asked for
    only when ids are looked up: a parse cache that has the answer spares making it)."""
    return lambda ids: located(position_of(), ids)

V = TypeVar("V")
NO_TIME = -(2**63)  # `updated` of an entry that has none
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MICROSECOND = timedelta(microseconds=1)
_EARLIEST = (datetime(1, 1, 1, tzinfo=timezone.utc) - EPOCH) // MICROSECOND
_MISSING: Any = object()
_GONE: Any = object()  # in the changes laid over the columns: removed


IN_PLACE_LOOKUPS = 100_000  # then the ids are split (`LabelColumns.ids_for_lookup`)


class LabelColumns:
    """The entries of one canonical file, field by field, in the order of their sorted ids: in
    memory (as `layout.read_canonical` reads them, `in_id_order`), or read from a cache entry
    (`read`): the labels copied, the excerpts (most of it) and line numbers read in place, their
    pages read when touched (by a compaction).

    Read-only once made; the entries made from it are kept (`made`), so that asking twice gives
    the same object (the store's cache of rendered entries compares them by identity).
    """

    __slots__ = ("_ids", "_lookup", "_lookups", "as_rendered", "count", "flagged", "in_corpus", "labeled", "lines", "made", "notes", "quote_ends",
                 "quoted", "quoted_count", "quotes", "seconds", "source", "stance_codes", "stances", "topic_codes",
                 "topic_sets", "updated")

    def __init__(self, ids: list[str] | str, stances: list[str | None], topic_sets: list[tuple[str, ...]],
                 notes: Mapping[int, str], quoted_count: int, columns: dict[str, Any], as_rendered: bool = False) -> None:
        self._ids = ids  # sorted; or all of them joined by newlines, split when first asked for (`ids`)
        self._lookup: Sequence[str] | None = None  # (`ids_for_lookup`)
        self._lookups = 0
        self.count = len(columns["stance_codes"])  # how many entries
        self.stances = stances  # the distinct stances, None first: `stance_codes` indexes them
        self.topic_sets = topic_sets  # the distinct lists of topics: `topic_codes` indexes them
        self.notes = notes  # by position: few entries have one (a dict, or `StoredNotes` read from a cache entry)
        self.quoted_count = quoted_count  # how many entries have an excerpt line
        self.stance_codes = columns["stance_codes"]
        self.topic_codes = columns["topic_codes"]
        self.flagged = columns["flagged"]
        self.seconds = columns["seconds"]
        self.updated = columns["updated"]  # microseconds since 1970 (UTC), or NO_TIME
        self.lines = columns["lines"]  # the line of each entry's header in the file
        self.labeled = columns["labeled"]  # 1 where a stance or a topic is set
        self.quoted = columns["quoted"]  # 1 where the entry has an excerpt line
        self.quote_ends = columns["quote_ends"]  # where each excerpt ends in `quotes`
        self.quotes = columns["quotes"]  # the excerpts, UTF-8, one after the other
        self.made: dict[str, Annotation] = {}  # by id
        self.source: str | None = None  # the name of the cache entry read, which names the file's content
        self.as_rendered = as_rendered  # the file holds each entry, in order, as `render_entry` writes it
        self.in_corpus: tuple[bytes, array] | None = None  # the last `positions_in`, by the corpus's digest

    @property
    def ids(self) -> list[str]:
        """The ids, sorted: read from a cache entry, split at the first use (a command that finds
        the entries by their positions in the corpus never asks)."""
        ids = self._ids
        if type(ids) is str:
            ids = self._ids = ids.split("\n") if self.count else []
            self._lookup = None
        return ids  # type: ignore[return-value]

    def position(self, comment_id: str) -> int:
        """Where `comment_id` is among the ids, or -1."""
        ids = self.ids_for_lookup()
        position = bisect_left(ids, comment_id)
        return position if position < len(ids) and ids[position] == comment_id else -1

    def ids_for_lookup(self) -> Sequence[str]:
        """The ids, for looking a few up: while they are still joined (read from a cache entry)
        and all of one length, as ids made from the texts are, read in place (`_SameLengthIds`),
        without splitting them (at a million, 70 ms on the way to the first frame); else, or
        after `IN_PLACE_LOOKUPS` (a lookup in place costs some ten times one in a list: a reader
        of every entry splits them first, `for_many_lookups`), `ids`."""
        ids = self._ids
        if type(ids) is not str:
            return ids
        self._lookups += 1
        if self._lookups > IN_PLACE_LOOKUPS:
            return self.ids
        if self._lookup is None:
            self._lookup = _SameLengthIds.of(ids, self.count) or self.ids
        return self._lookup

    def for_many_lookups(self) -> None:
        """Split the ids now: the caller is about to look up many (an import, every row)."""
        self.ids  # noqa: B018

    def labeled_among(self, corpus: bytes, locate: Locate) -> int:
        """How many labeled entries have an id in a corpus (`corpus` a digest of its ids, `locate`
        finds ids in it), counted from `positions_in`. Kept in the parse cache, by the file's
        content and `corpus`, with the positions (a start reads the count, not them)."""
        where = None
        if self.source is not None:
            where = cache.key("labeled", b"%s\0%s" % (self.source.encode(), corpus))
            kept = cache.load(where)
            if type(kept) is tuple and len(kept) == 2 and type(kept[0]) is int and 0 <= kept[0] <= self.count \
                    and _count_check(kept[0]) == kept[1]:
                return kept[0]
        count = sum(compress(map((-1).__lt__, self.positions_in(locate, corpus)), self.labeled))
        cache.save(where, (count, _count_check(count)))
        return count

    def positions_in(self, locate: Locate, corpus: bytes) -> array:
        """Where each entry's comment is in a corpus (`locate` finds ids in it), -1 where it is
        not. At a million entries that takes over a second, so the answer is kept in the parse
        cache, by the file's content and `corpus`, a digest of its ids, and here for the last
        corpus asked about."""
        if self.in_corpus is not None and self.in_corpus[0] == corpus:
            return self.in_corpus[1]
        positions = self._positions_in(locate, corpus)
        self.in_corpus = (corpus, positions)
        return positions

    def _positions_in(self, locate: Locate, corpus: bytes) -> array:
        where = None
        if self.source is not None:
            where = cache.key("positions", b"%s\0%s" % (self.source.encode(), corpus))
            kept = cache.load(where)
            if type(kept) is tuple and len(kept) == 2 and type(kept[0]) is bytes and len(kept[0]) == 4 * self.count \
                    and zlib.crc32(kept[0]) == kept[1]:
                positions = array("i", kept[0])
                if min(positions, default=-1) >= -1:
                    return positions
        positions = locate(self.ids)
        data = positions.tobytes()
        cache.save(where, (data, zlib.crc32(data)))
        return positions

    def aligned_in(self, locate: Locate, corpus: bytes, size: int) -> array | None:
        """`aligned` of every id of a corpus of `size` comments, in its order (`positions_in` says
        what `locate` and `corpus` are), kept in the parse cache by the file's content and
        `corpus`, as the positions are; None if the positions do not fit the corpus (a damaged
        cache entry: ids are then looked up)."""
        where = None
        if self.source is not None:
            where = cache.key("aligned", b"%s\0%s" % (self.source.encode(), corpus))
            kept = cache.load(where)
            if type(kept) is tuple and len(kept) == 2 and type(kept[0]) is bytes and len(kept[0]) == 4 * size \
                    and zlib.crc32(kept[0]) == kept[1]:
                aligned = array("i")
                aligned.frombytes(kept[0])
                if max(aligned, default=-1) < self.count and min(aligned, default=-1) >= -1:
                    return aligned
        positions = self.positions_in(locate, corpus)
        if max(positions, default=-1) >= size:
            return None
        aligned = array("i", [-1]) * size
        found = list(map((-1).__lt__, positions))
        deque(map(aligned.__setitem__, compress(positions, found), compress(range(len(positions)), found)), maxlen=0)
        data = aligned.tobytes()
        cache.save(where, (data, zlib.crc32(data)))
        return aligned

    def aligned(self, comment_ids: Iterable[str]) -> list[int]:
        """For each of `comment_ids`, the position of its entry, or -1 where there is none: with
        `gathered`, a column of the entries' values in the order of `comment_ids`."""
        where = dict(zip(self.ids, range(len(self.ids))))
        return list(map(where.get, comment_ids, repeat(-1)))

    def entry(self, position: int) -> Annotation:
        """The entry at `position`, made once."""
        comment_id = self.ids_for_lookup()[position]
        made = self.made.get(comment_id)
        if made is None:
            made = self.made.setdefault(comment_id, self.make(position))
        return made

    def every_entry(self) -> list[Annotation]:
        """Every entry, in position order, made in bulk (a few C loops, no Python call per entry):
        for a reader of the whole file, such as a command."""
        count = len(self.ids)
        updated = self.updated
        in_range = map(max, updated, repeat(_EARLIEST, count))  # (NO_TIME is no time a datetime holds)
        times: list[datetime | None] = list(map(EPOCH.__add__, map(MICROSECOND.__mul__, in_range)))
        for position in compress(range(count), map(NO_TIME.__eq__, updated)):
            times[position] = None
        notes: list[str | None] | repeat[None] = repeat(None, count)
        if self.notes:
            notes = [None] * count
            for position, note in _note_pairs(self.notes):
                notes[position] = note
        values = zip(map(self.stances.__getitem__, self.stance_codes), map(self.topic_sets.__getitem__, self.topic_codes),
                     notes, map(bool, self.flagged),
                     self.seconds, times, repeat(NO_EXTRA, count))
        return list(map(tuple.__new__, repeat(Annotation, count), values))

    def make(self, position: int) -> Annotation:
        """The entry at `position`, made anew (not kept: for rendering every entry once)."""
        when = self.updated[position]
        return Annotation._make((  # (values as `Annotation` made them)
            self.stances[self.stance_codes[position]],
            self.topic_sets[self.topic_codes[position]],
            self.notes.get(position),
            self.flagged[position] == 1,
            self.seconds[position],
            None if when == NO_TIME else EPOCH + when * MICROSECOND,
            NO_EXTRA,
        ))

    def quote(self, position: int) -> str | None:
        """The excerpt line of the entry at `position`, or None."""
        if not self.quoted[position]:
            return None
        start = self.quote_ends[position - 1] if position else 0
        return str(self.quotes[start:self.quote_ends[position]], "utf-8", "replace")  # (not covered by the checksum)

    @classmethod
    def in_id_order(cls, ids: list[str] | str, stances: list[str | None], topic_sets: list[tuple[str, ...]],
                    notes: dict[int, str], columns: dict[str, Any], as_rendered: bool = False) -> LabelColumns | None:
        """The columns of entries read in file order (`notes` by position, `quote_ends` running
        over the excerpts in that order), sorted by id if the file was not; None if an id repeats.
        `ids` joined by newlines: known to be sorted already. `as_rendered`: each entry stands in
        the file as `render_entry` writes it (kept if the file is in id order)."""
        if type(ids) is str or all(map(str.__lt__, ids, ids[1:])):  # (as annotator writes them)
            return cls(ids, stances, topic_sets, notes, columns["quoted"].count(1), columns, as_rendered)
        if len(set(ids)) != len(ids):
            return None
        order = sorted(range(len(ids)), key=ids.__getitem__)
        ends = columns["quote_ends"]
        spans = [(ends[position - 1] if position else 0, ends[position]) for position in order]
        sorted_columns = {name: array(kind, map(columns[name].__getitem__, order))
                          for name, kind in COLUMN_KINDS.items() if name not in ("quote_ends", "quotes")}
        sorted_columns["quotes"] = b"".join(columns["quotes"][start:end] for start, end in spans)
        sorted_columns["quote_ends"] = array("Q", accumulate(end - start for start, end in spans))
        new_position = {old: new for new, old in enumerate(order)}
        return cls([ids[position] for position in order], stances, topic_sets,
                   {new_position[old]: note for old, note in notes.items()}, columns["quoted"].count(1), sorted_columns)

    def write(self, handle: BinaryIO, head: dict[str, Any]) -> None:
        """Write the columns, and the file's `head`, as a cache entry for `read`."""
        ids = self._ids
        sections = {"ids": (ids if type(ids) is str else "\n".join(ids)).encode("utf-8")}
        sections.update((name, memoryview(getattr(self, name)).cast("B")) for name in COLUMN_KINDS)
        sections.update(StoredNotes.sections(self.notes))
        where: dict[str, tuple[int, int]] = {}
        position = 0
        for name, data in sections.items():
            where[name] = (position, len(data))
            position += -(-len(data) // 8) * 8  # (each section starts 8-byte aligned)
        header = marshal.dumps((head, self.count, self.stances, self.topic_sets, self.quoted_count,
                                self.as_rendered, where))
        start = -(-(len(MAGIC) + 16 + len(header)) // 8) * 8
        checked = _checksum(header, sections)
        handle.write(MAGIC + len(header).to_bytes(8, "little") + checked.to_bytes(8, "little") + header)
        for name, data in sections.items():
            handle.seek(start + where[name][0])
            handle.write(data)
        handle.truncate(start + position)

    @classmethod
    def read(cls, view: mmap | None) -> tuple[dict[str, Any], LabelColumns] | None:
        """The file's head and its columns from a cache entry (`write`), read in place; None if
        `view` is not such an entry (damaged, truncated, another layout)."""
        if view is None or view[:len(MAGIC)] != MAGIC:
            return None
        try:
            size = int.from_bytes(view[len(MAGIC):len(MAGIC) + 8], "little")
            checked = int.from_bytes(view[len(MAGIC) + 8:len(MAGIC) + 16], "little")
            header = view[len(MAGIC) + 16:len(MAGIC) + 16 + size]
            head, count, stances, topic_sets, quoted_count, as_rendered, where = marshal.loads(header)
            start = -(-(len(MAGIC) + 16 + size) // 8) * 8
            whole = memoryview(view)
            sections = {}
            for name, (offset, length) in where.items():
                if start + offset + length > len(view):
                    return None
                sections[name] = whole[start + offset:start + offset + length]
            if _checksum(header, sections) != checked:
                return None
            columns = {name: _copied(sections[name], kind) if name in _COPIED else sections[name].cast(kind)
                       for name, kind in COLUMN_KINDS.items()}
            notes = StoredNotes(*(_copied(sections[name], kind) for name, kind in NOTE_KINDS.items()))
            ids = str(sections["ids"], "utf-8") if count else ""  # (split when asked for: `ids`)
        except (EOFError, KeyError, TypeError, ValueError, AttributeError, MemoryError):
            return None  # (MemoryError: a damaged size in the header, read before the checksum can be)
        # (the number of ids is covered by the checksum: `write` joined `count` ids, none holding a line end)
        if any(len(columns[name]) != count for name in COLUMN_KINDS if name != "quotes") or not notes.fits(count):
            return None
        return head, cls(ids, stances, topic_sets, notes, quoted_count, columns, as_rendered is True)


def _checksum(header: bytes, sections: Mapping[str, Any]) -> int:
    """A CRC-32 of what decides the labels: the entry's header, the ids, the copied columns and
    the notes (a damaged entry is parsed again, never read as other labels; about 2 ms for
    90,000 entries).
    The excerpts and line numbers, read in place, are not covered: a damaged one only shows
    another excerpt or line number, which the next parse of the file puts right."""
    checked = zlib.crc32(header)
    for name in ("ids", *_COPIED, *NOTE_KINDS):
        checked = zlib.crc32(sections[name], checked)
    return checked


def gathered(values: Iterable[V], aligned: Iterable[int], missing: V) -> list[V]:
    """`values` (one per entry, in position order) taken at each position of `aligned`
    (`LabelColumns.aligned`), and `missing` where it is -1."""
    extended = list(values)
    extended.append(missing)  # (what position -1 reads)
    return list(map(extended.__getitem__, aligned))


def _copied(section: memoryview, kind: str) -> array:
    values = array(kind)
    values.frombytes(section)
    return values


def _count_check(count: int) -> int:
    """A CRC-32 of a count kept in the parse cache (`labeled_among`): a damaged one is counted again."""
    return zlib.crc32(count.to_bytes(8, "little", signed=True))


MAGIC = b"ANLAB4" + (b"LE" if sys.byteorder == "little" else b"BE")  # the layout of `write`, and its byte order
COLUMN_KINDS = {  # each column and the type of its items (`array`, `memoryview.cast`)
    "stance_codes": "B", "topic_codes": "I", "flagged": "B", "seconds": "d", "updated": "q", "lines": "I",
    "labeled": "B", "quoted": "B", "quote_ends": "Q", "quotes": "B",
}
# The columns of the labels themselves are copied out of the entry (24 bytes an entry): a cache
# entry changed in place under a running session (never by annotator, which replaces entries
# whole) could then garble only the excerpt lines and line numbers read in place, never a label.
_COPIED = ("stance_codes", "topic_codes", "flagged", "seconds", "updated", "labeled", "quoted")
NOTE_KINDS = {"note_positions": "I", "note_ends": "Q", "note_texts": "B"}  # the notes' sections (copied too)


class StoredNotes(Mapping[int, str]):
    """The notes of a cache entry's entries by position, read when asked for: the positions that
    have one (sorted), where each note ends in the texts, the texts in UTF-8. (Kept in the
    entry's header, 90,000 notes at a million entries took 20-30 ms to read before the first
    frame.)"""

    __slots__ = ("_ends", "_positions", "_texts")

    def __init__(self, positions: array, ends: array, texts: array) -> None:
        self._positions = positions
        self._ends = ends
        self._texts = texts

    @staticmethod
    def sections(notes: Mapping[int, str]) -> dict[str, bytes]:
        """The sections of a cache entry that hold `notes` (`NOTE_KINDS`)."""
        ordered = sorted(_note_pairs(notes))
        encoded = [note.encode("utf-8") for _, note in ordered]
        return {"note_positions": array("I", [position for position, _ in ordered]).tobytes(),
                "note_ends": array("Q", accumulate(map(len, encoded))).tobytes(), "note_texts": b"".join(encoded)}

    def fits(self, count: int) -> bool:
        """Whether the sections agree with each other and with `count` entries."""
        positions, ends = self._positions, self._ends
        return len(positions) == len(ends) and (not ends or (ends[-1] == len(self._texts) and positions[-1] < count))

    def _at(self, position: object) -> int:
        if type(position) is not int:
            return -1
        at = bisect_left(self._positions, position)
        return at if at < len(self._positions) and self._positions[at] == position else -1

    def get(self, position: int, default: Any = None) -> Any:
        """`Mapping.get`, without a KeyError raised and caught for each entry that has no note."""
        at = self._at(position)
        return default if at < 0 else self._note(at)

    def __getitem__(self, position: int) -> str:
        at = self._at(position)
        if at < 0:
            raise KeyError(position)
        return self._note(at)

    def _note(self, at: int) -> str:
        start = self._ends[at - 1] if at else 0
        return str(self._texts[start:self._ends[at]], "utf-8", "replace")

    def __contains__(self, position: object) -> bool:
        return self._at(position) >= 0

    def __len__(self) -> int:
        return len(self._positions)

    def __iter__(self) -> Iterator[int]:
        return iter(self._positions)

    def in_order(self) -> Iterator[tuple[int, str]]:
        """Each position with its note, in order of position (without a lookup each)."""
        return zip(self._positions, map(self._note, range(len(self._positions))))


def _note_pairs(notes: Mapping[int, str]) -> Iterable[tuple[int, str]]:
    """Each position of `notes` (a dict, or `StoredNotes`: in order) with its note."""
    return notes.in_order() if isinstance(notes, StoredNotes) else notes.items()


class _Layered(MutableMapping[str, V], Generic[V]):
    """A mapping by comment id read from `LabelColumns` until changed: the changes (and
    removals) are kept in a dict laid over the columns. Without columns, a plain dict's."""

    __slots__ = ("_columns", "_changed", "_size")

    def __init__(self, columns: LabelColumns | None = None, changed: dict[str, V] | None = None) -> None:
        self._columns = columns
        self._changed: dict[str, V] = {} if changed is None else changed
        self._size = (0 if columns is None else self._base_size(columns)) + len(self._changed)

    def _base_size(self, columns: LabelColumns) -> int:
        return columns.count

    def _base_position(self, key: str) -> int:
        """Where the columns hold `key`, or -1."""
        return -1 if self._columns is None else self._columns.position(key)

    def for_many_lookups(self) -> None:
        """The caller is about to look up many keys (`LabelColumns.for_many_lookups`)."""
        if self._columns is not None:
            self._columns.for_many_lookups()

    def _base_value(self, position: int) -> V:
        raise NotImplementedError

    def _base_ids(self) -> Iterator[str]:
        return iter(self._columns.ids) if self._columns is not None else iter(())

    def get(self, key: str, default: Any = None) -> Any:
        value = self._changed.get(key, _MISSING)
        if value is not _MISSING:
            return default if value is _GONE else value
        position = self._base_position(key)
        return default if position < 0 else self._base_value(position)

    def __getitem__(self, key: str) -> V:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return self.get(key, _MISSING) is not _MISSING  # type: ignore[arg-type]

    def __setitem__(self, key: str, value: V) -> None:
        if key not in self:
            self._size += 1
        self._changed[key] = value

    def as_dict(self) -> dict[str, V]:
        """Every item in a plain dict, whose lookups run in C: for work on the whole mapping."""
        if self._columns is None:
            return dict(self._changed)  # (over no columns, a removal leaves no mark)
        return {key: self[key] for key in self}

    def set_all(self, values: dict[str, V]) -> None:
        """`self[key] = value` for each of `values`, in one pass: for many keys at once."""
        if self._columns is None:  # (over no columns, a removal leaves no mark: the keys are those set)
            self._size += len(values.keys() - self._changed.keys())
        else:
            self.for_many_lookups()
            self._size += len(values) - sum(map(self.__contains__, values))
        self._changed.update(values)

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self._size -= 1
        if self._base_position(key) >= 0:
            self._changed[key] = _GONE
        else:
            del self._changed[key]

    def pop(self, key: str, default: Any = _MISSING) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                raise KeyError(key)
            return default
        del self[key]
        return value

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[str]:
        """The ids in the columns (sorted), then those added since, as a dict keeps its order."""
        changed = dict(self._changed)  # (a copy: another thread may change it meanwhile)
        gone = {key for key, value in changed.items() if value is _GONE}
        base = self._base_ids()
        yield from filterfalse(gone.__contains__, base) if gone else base
        for key, value in changed.items():
            if value is not _GONE and self._base_position(key) < 0:
                yield key

    @property
    def columns(self) -> LabelColumns | None:
        return self._columns

    def changed_ids(self) -> set[str]:
        """The ids set or removed since the columns were read."""
        return set(self._changed)

    def copy(self) -> _Layered[V]:
        """A copy sharing the columns: costs the changes, not the whole mapping."""
        twin = type(self).__new__(type(self))
        twin._columns, twin._changed, twin._size = self._columns, dict(self._changed), self._size
        return twin

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} entries, {len(self._changed)} changed)"


class Entries(_Layered[Annotation]):
    """The entries of an annotation file by comment id, each made from the columns when first
    asked for."""

    __slots__ = ()

    def _base_value(self, position: int) -> Annotation:
        return self._columns.entry(position)  # type: ignore[union-attr]

    def get(self, key: str, default: Any = None) -> Any:
        value = self._changed.get(key, _MISSING)
        if value is not _MISSING:
            return default if value is _GONE else value
        columns = self._columns
        if columns is None:
            return default
        made = columns.made.get(key)  # (asked for before: no search)
        if made is not None:
            return made
        position = columns.position(key)
        return default if position < 0 else columns.entry(position)

    def labeled_positions(self, locate: Locate, corpus: bytes,
                          find: Callable[[str], int | None]) -> tuple[list[int], bytearray]:
        """Where the entries with a stance or a topic are in a corpus (`locate` finds ids in it,
        `corpus` a digest of them: `LabelColumns.positions_in`; `find` one id's), and
        beside each 1 if it has a stance; entries for comments not in the corpus left out. No
        entry is made."""
        columns = self._columns
        positions: list[int] = []
        stanced = bytearray()
        changed = dict(self._changed)  # (a copy: another thread may change it meanwhile)
        if columns is not None:
            has_stance = bytes(stance is not None for stance in columns.stances)
            keep = bytearray(columns.labeled)
            for key in changed:  # (counted below as they are now)
                position = columns.position(key)
                if position >= 0:
                    keep[position] = 0
            every = columns.positions_in(locate, corpus)
            keep = bytearray(map(min, keep, map((-1).__lt__, every)))  # (and in the corpus)
            positions = list(compress(every, keep))
            stanced = bytearray(compress(map(has_stance.__getitem__, columns.stance_codes), keep))
        for key, value in changed.items():
            position = find(key)
            if value is not _GONE and value.is_labeled and position is not None:
                positions.append(position)
                stanced.append(value.stance is not None)
        return positions, stanced

    def as_dict(self) -> dict[str, Annotation]:
        """Every entry in a plain dict, made in bulk: for a reader of the whole file (a command)."""
        columns = self._columns
        if columns is None:
            return super().as_dict()
        entries = dict(zip(columns.ids, columns.every_entry()))
        for key, value in list(self._changed.items()):
            if value is _GONE:
                entries.pop(key, None)
            else:
                entries[key] = value
        return entries

    def labeled_among(self, corpus: bytes, locate: Locate, contains: Callable[[str], bool]) -> int:
        """How many labeled entries have an id in a corpus (`corpus` a digest of its ids, `locate`
        finds ids in it, `contains` whether it has one): for the columns, from the parse cache
        when this file and this corpus were counted before."""
        changed = dict(self._changed)
        count = sum(1 for key, value in changed.items()
                    if value is not _GONE and value.is_labeled and contains(key))
        columns = self._columns
        if columns is not None:
            count += columns.labeled_among(corpus, locate)
            for key in changed:  # (counted above as they are now)
                position = columns.position(key)
                if position >= 0 and columns.labeled[position] and contains(key):
                    count -= 1
        return count

    def with_extra(self) -> Iterator[tuple[str, Annotation]]:
        """The entries holding keys this version does not know (the columns hold none)."""
        for key, value in list(self._changed.items()):
            if value is not _GONE and value.extra:
                yield key, value


class Excerpts(_Layered[str]):
    """The excerpt line above each entry, by comment id, decoded when asked for."""

    __slots__ = ()

    def _base_size(self, columns: LabelColumns) -> int:
        return columns.quoted_count

    def _base_position(self, key: str) -> int:
        columns = self._columns
        if columns is None:
            return -1
        position = columns.position(key)
        return position if position >= 0 and columns.quoted[position] else -1

    def _base_value(self, position: int) -> str:
        return self._columns.quote(position)  # type: ignore[union-attr,return-value]

    def _base_ids(self) -> Iterator[str]:
        return compress(self._columns.ids, self._columns.quoted) if self._columns is not None else iter(())


class Lines(Mapping[str, int]):
    """The line of each entry's header in the file, by comment id (read-only)."""

    __slots__ = ("_columns",)

    def __init__(self, columns: LabelColumns) -> None:
        self._columns = columns

    def get(self, key: str, default: Any = None) -> Any:
        position = self._columns.position(key)
        return default if position < 0 else self._columns.lines[position]

    def __getitem__(self, key: str) -> int:
        position = self._columns.position(key)
        if position < 0:
            raise KeyError(key)
        return self._columns.lines[position]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._columns.position(key) >= 0

    def __len__(self) -> int:
        return self._columns.count

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns.ids)


class _SameLengthIds(Sequence[str]):
    """Ids joined by newlines, all of one length, read in place: the id at a position is a slice."""

    def __init__(self, joined: str, count: int, length: int) -> None:
        self._joined = joined
        self._count = count
        self._length = length

    @classmethod
    def of(cls, joined: str, count: int) -> _SameLengthIds | None:
        """The view, if every one of the `count` ids in `joined` (as `read` checked: `count` - 1
        newlines) has the same length, the newlines exactly where that length puts them; else None."""
        if count == 0 or (len(joined) + 1) % count:
            return None
        length = (len(joined) + 1) // count - 1
        if length < 1 or joined[length::length + 1] != "\n" * (count - 1):
            return None
        return cls(joined, count, length)

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):  # type: ignore[no-untyped-def,override]
        if isinstance(index, slice):
            return [self[at] for at in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError("id position out of range")
        start = index * (self._length + 1)
        return self._joined[start:start + self._length]
