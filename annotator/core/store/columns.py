"""The entries of an annotation file as columns, and the mappings that read them lazily.

A file of 90,000 entries, read as an `Annotation` (with a `datetime`) and an excerpt per entry,
costs a second before the first frame and some 700 bytes an entry. Read as columns (the ids in
one sorted list, each field a compact array, the excerpts one UTF-8 buffer), it loads from the
parse cache in a few milliseconds: an entry is made when it is asked for (`Entries.get`), once,
and the labeled entries are counted from the columns (`Entries.labeled_ids`). Only work on
the whole file (a compaction, a command) makes every entry.

`Entries` and `Excerpts` are mutable mappings: what is set or removed goes to a small dict laid
over the columns, which never change. `copy` shares the columns, so a snapshot for a compaction
costs the changes, not the file.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterator, Mapping, MutableMapping
from datetime import datetime, timedelta, timezone
from itertools import compress, filterfalse
from typing import Any, Generic, TypeVar

from annotator.core.models import NO_EXTRA, Annotation

V = TypeVar("V")
COLUMNS_FORMAT = "label-columns-1"  # the first item of the cached tuple: its layout
NO_TIME = -(2**63)  # `updated` of an entry that has none
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MICROSECOND = timedelta(microseconds=1)
_MISSING: Any = object()
_GONE: Any = object()  # in the changes laid over the columns: removed


class LabelColumns:
    """The entries of one canonical file, field by field, in the order of their sorted ids.

    Read-only once made; the entries made from it are kept (`made`), so that asking twice gives
    the same object (the compaction's cache of rendered entries relies on it).
    """

    __slots__ = ("ids", "stances", "stance_codes", "topic_sets", "topic_codes", "notes", "flagged", "seconds",
                 "updated", "lines", "labeled", "quotes", "quote_ends", "quoted", "made")

    def __init__(self, ids: list[str], stances: list[str | None], stance_codes: bytes,
                 topic_sets: list[tuple[str, ...]], topic_codes: array, notes: dict[int, str], flagged: bytes,
                 seconds: array, updated: array, lines: array, labeled: bytes, quotes: bytes, quote_ends: array,
                 quoted: bytes) -> None:
        self.ids = ids
        self.stances = stances  # the distinct stances, None first: `stance_codes` indexes them
        self.stance_codes = stance_codes
        self.topic_sets = topic_sets  # the distinct lists of topics: `topic_codes` indexes them
        self.topic_codes = topic_codes
        self.notes = notes  # by position: few entries have one
        self.flagged = flagged
        self.seconds = seconds
        self.updated = updated  # microseconds since 1970 (UTC), or NO_TIME
        self.lines = lines  # the line of each entry's header in the file
        self.labeled = labeled  # 1 where a stance or a topic is set
        self.quotes = quotes  # the excerpts, UTF-8, one after the other
        self.quote_ends = quote_ends  # where each excerpt ends in `quotes`
        self.quoted = quoted  # 1 where the entry has an excerpt line
        self.made: dict[int, Annotation] = {}

    def position(self, comment_id: str) -> int:
        """Where `comment_id` is among the ids, or -1."""
        ids = self.ids
        position = bisect_left(ids, comment_id)
        return position if position < len(ids) and ids[position] == comment_id else -1

    def entry(self, position: int) -> Annotation:
        """The entry at `position`, made once."""
        made = self.made.get(position)
        if made is None:
            when = self.updated[position]
            made = self.made.setdefault(position, Annotation._make((  # (values as `Annotation` made them)
                self.stances[self.stance_codes[position]],
                self.topic_sets[self.topic_codes[position]],
                self.notes.get(position),
                self.flagged[position] == 1,
                self.seconds[position],
                None if when == NO_TIME else EPOCH + when * MICROSECOND,
                NO_EXTRA,
            )))
        return made

    def quote(self, position: int) -> str:
        start = self.quote_ends[position - 1] if position else 0
        return self.quotes[start:self.quote_ends[position]].decode("utf-8")

    @classmethod
    def build(cls, entries: Mapping[str, Annotation], lines: Mapping[str, int],
              excerpts: Mapping[str, str]) -> LabelColumns | None:
        """The columns of entries read from a canonical file (no unknown keys, times in UTC);
        None when an entry does not fit them."""
        ids = sorted(entries)
        stances: list[str | None] = [None]
        topic_sets: list[tuple[str, ...]] = [()]
        stance_code = {None: 0}
        topic_code: dict[tuple[str, ...], int] = {(): 0}
        stance_codes, topic_codes = bytearray(), array("I")
        notes: dict[int, str] = {}
        flagged, labeled, quoted = bytearray(), bytearray(), bytearray()
        seconds, updated, line_numbers, quote_ends = array("d"), array("q"), array("I"), array("Q")
        quotes = bytearray()
        for position, comment_id in enumerate(ids):
            entry = entries[comment_id]
            if entry.extra:
                return None
            if entry.stance not in stance_code:
                stance_code[entry.stance] = len(stances)
                stances.append(entry.stance)
            if entry.topics not in topic_code:
                topic_code[entry.topics] = len(topic_sets)
                topic_sets.append(entry.topics)
            if len(stances) > 256:
                return None
            stance_codes.append(stance_code[entry.stance])
            topic_codes.append(topic_code[entry.topics])
            if entry.note is not None:
                notes[position] = entry.note
            flagged.append(entry.flagged)
            labeled.append(entry.is_labeled)
            seconds.append(entry.seconds)
            when = entry.updated
            if when is None:
                updated.append(NO_TIME)
            elif when.utcoffset() != timedelta(0):
                return None
            else:
                updated.append((when - EPOCH) // MICROSECOND)
            line_numbers.append(lines.get(comment_id, 0))
            quote = excerpts.get(comment_id)
            quoted.append(quote is not None)
            if quote is not None:
                quotes += quote.encode("utf-8")
            quote_ends.append(len(quotes))
        return cls(ids, stances, bytes(stance_codes), topic_sets, topic_codes, notes, bytes(flagged), seconds,
                   updated, line_numbers, bytes(labeled), bytes(quotes), quote_ends, bytes(quoted))

    def to_plain(self) -> tuple[Any, ...]:
        """The columns as plain data for the parse cache (`marshal`): a few strings and buffers."""
        return (COLUMNS_FORMAT, "\n".join(self.ids), len(self.ids), self.stances, self.stance_codes, self.topic_sets,
                self.topic_codes.tobytes(), self.notes, self.flagged, self.seconds.tobytes(),
                self.updated.tobytes(), self.lines.tobytes(), self.labeled, self.quotes,
                self.quote_ends.tobytes(), self.quoted)

    @classmethod
    def from_plain(cls, plain: Any) -> LabelColumns | None:
        """The columns of `to_plain`; None if `plain` is not that (a damaged or older entry)."""
        try:
            (form, joined, size, stances, stance_codes, topic_sets, topic_codes, notes, flagged, seconds, updated,
             lines, labeled, quotes, quote_ends, quoted) = plain
            if form != COLUMNS_FORMAT:
                return None
            ids = joined.split("\n") if size else []
            columns = cls(ids, stances, stance_codes, topic_sets, _array("I", topic_codes), notes, flagged,
                          _array("d", seconds), _array("q", updated), _array("I", lines), labeled, quotes,
                          _array("Q", quote_ends), quoted)
        except (TypeError, ValueError, AttributeError):
            return None
        sizes = {len(ids), size, len(stance_codes), len(columns.topic_codes), len(flagged), len(columns.seconds),
                 len(columns.updated), len(columns.lines), len(labeled), len(columns.quote_ends), len(quoted)}
        return columns if len(sizes) == 1 else None


def _array(kind: str, data: bytes) -> array:
    values = array(kind)
    values.frombytes(data)
    return values


class _Layered(MutableMapping[str, V], Generic[V]):
    """A mapping by comment id read from `LabelColumns` until changed: the changes (and
    removals) are kept in a dict laid over the columns. Without columns, a plain dict's."""

    __slots__ = ("_columns", "_changed", "_size")

    def __init__(self, columns: LabelColumns | None = None, changed: dict[str, V] | None = None) -> None:
        self._columns = columns
        self._changed: dict[str, V] = {} if changed is None else changed
        self._size = (0 if columns is None else self._base_size(columns)) + len(self._changed)

    def _base_size(self, columns: LabelColumns) -> int:
        return len(columns.ids)

    def _base_position(self, key: str) -> int:
        """Where the columns hold `key`, or -1."""
        return -1 if self._columns is None else self._columns.position(key)

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

    def labeled_ids(self) -> Iterator[str]:
        """The ids of the labeled entries (a stance or a topic), counted from the columns: no
        entry is made for those never changed."""
        changed = dict(self._changed)
        if self._columns is not None:
            base = compress(self._columns.ids, self._columns.labeled)
            yield from filterfalse(changed.__contains__, base) if changed else base  # (changed: below)
        for key, value in changed.items():
            if value is not _GONE and value.is_labeled:
                yield key

    def with_extra(self) -> Iterator[tuple[str, Annotation]]:
        """The entries holding keys this version does not know (the columns hold none)."""
        for key, value in list(self._changed.items()):
            if value is not _GONE and value.extra:
                yield key, value


class Excerpts(_Layered[str]):
    """The excerpt line above each entry, by comment id, decoded when asked for."""

    __slots__ = ()

    def _base_size(self, columns: LabelColumns) -> int:
        return columns.quoted.count(1)

    def _base_position(self, key: str) -> int:
        columns = self._columns
        if columns is None:
            return -1
        position = columns.position(key)
        return position if position >= 0 and columns.quoted[position] else -1

    def _base_value(self, position: int) -> str:
        return self._columns.quote(position)  # type: ignore[union-attr]

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
        return len(self._columns.ids)

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns.ids)
