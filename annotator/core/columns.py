"""The comments of one seed file as columns in a cache entry, read in place: a `Comment` is made
only when it is asked for, so that opening a million comments costs what the screen shows.

The entry (written by `write_columns` through `cache.save_columns`, read through `cache.mapped`):

- a header: `MAGIC` (which says the byte order and the layout), a CRC-32 (`_checksum`), then
  unsigned 8-byte numbers: the count of comments, the width of the numbers in the sections (4 or 8 bytes), whether the
  ids are all different (1 or 0), then the start and length of each of `SECTIONS`; then the
  SHA-256 of the ids joined by newlines (`SeedColumns.ids_digest`, which names the corpus). A comment
  that the file repeats (the same id, the same text) is kept once; an id that the file gives to
  two different comments keeps both, and the entry is not `unique` (`seeds` then says where);
- per text field (`STRING_FIELDS`) a blob of UTF-8 and the offsets in the file where each
  comment's value starts, one more offset than comments (the end of the last). An empty value is
  None (a parse never gives an empty author, url, parent or context); a field no comment has
  takes no offsets at all. Each id is followed by a newline (an id is printable), so that all the
  ids are one `split`. The seed's other fields are a `marshal`ed dict, empty when none;
- the line numbers (none when they are 1, 2, 3...: a file of one comment a line), and the
  positions of the comments in the order of their ids (for finding an id by its start without
  sorting them at every start).

Anything that does not add up (a truncated or damaged entry, another layout) reads as no entry.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator, KeysView, Mapping, Sequence
from itertools import accumulate, chain, compress, islice, repeat
from mmap import mmap
from operator import eq, is_not
from typing import Any, BinaryIO, NamedTuple, overload

from annotator.core.models import NO_EXTRA, Comment

MAGIC = b"ANCOL3" + (b"LE" if sys.byteorder == "little" else b"BE")
STRING_FIELDS = ("id", "text", "author", "url", "parent", "context", "meta")
SECTIONS = (*(f"{name}{part}" for name in STRING_FIELDS for part in ("", "@")), "line", "order")
_HEADER = len(MAGIC) + 8 + 8 * (3 + 2 * len(SECTIONS)) + 32  # (the checksum; count, width, unique, the sections; the ids' SHA-256)
_WIDTH_CODE = {4: "I", 8: "Q"}


class SeedColumns(Sequence[Comment]):
    """The comments of one cached seed file, made on access. Also: their ids (`ids`, `sorted_ids`,
    `positions`) without making the comments."""

    def __init__(self, view: mmap, source: str, count: int, unique: bool, sections: dict[str, memoryview],
                 digest: bytes) -> None:
        self._view = view
        self._digest = digest
        self._source = source
        self._count = count
        self.unique = unique  # the ids are all different
        self._positions: dict[str, int] | None = None
        self._texts = sections["text@"]
        self._optional = [sections[f"{name}@"] for name in ("author", "url", "parent", "context")]
        self._metas = sections["meta@"]
        self._lines = sections["line"] or range(1, count + 1)  # (none stored: one comment a line)
        self.ids = _Ids(view, count, sections["id@"])
        self._order = sections["order"]
        self.sorted_ids = _SortedIds(self.ids, self._order)

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Comment: ...

    @overload
    def __getitem__(self, index: slice) -> list[Comment]: ...

    def __getitem__(self, index: int | slice) -> Comment | list[Comment]:
        if isinstance(index, slice):
            return [self._comment(position) for position in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError("comment position out of range")
        return self._comment(index)

    def __iter__(self) -> Iterator[Comment]:
        return chain.from_iterable(map(self._batch, range(0, self._count, BATCH)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(other) == len(self) and all(map(eq, self, other))  # (not Comment.__eq__: NotImplemented is true)

    def _batch(self, start: int) -> list[Comment]:
        """The comments from `start`, `BATCH` of them (or the rest), made a field at a time: what
        `_comment` makes of each, in a few passes over the columns instead of a call per comment."""
        stop = min(start + BATCH, self._count)
        fields: list[Iterable[Any]] = self.fields(start, stop)
        metas = self._metas
        if metas:
            view = self._view
            fields.append([marshal.loads(view[begin:end]) if end > begin else NO_EXTRA
                           for begin, end in zip(metas[start:stop], metas[start + 1:stop + 1])])
        else:
            fields.append(repeat(NO_EXTRA))
        return list(map(tuple.__new__, repeat(Comment), zip(*fields)))

    def fields(self, start: int, stop: int) -> list[Iterable[Any]]:
        """The fields of the comments from `start` to `stop` but `meta`, a column each (the id,
        text, source, line, author, url, parent and context of `Comment`): for a reader of
        whole columns, such as an export, which makes no comment."""
        fields: list[Iterable[Any]] = [self.ids.span(start, stop), self._strings(self._texts, start, stop),
                                       repeat(self._source, stop - start), self._lines[start:stop]]
        for offsets in self._optional:
            fields.append([value or None for value in self._strings(offsets, start, stop)] if offsets
                          else repeat(None, stop - start))
        return fields

    def _strings(self, offsets: memoryview, start: int, stop: int) -> list[str]:
        """The values of one text field (`offsets` into the view) from `start` to `stop`, decoded."""
        views = map(self._view.__getitem__, map(slice, offsets[start:stop], offsets[start + 1:stop + 1]))
        return list(map(bytes.decode, views, repeat("utf-8"), repeat("replace")))  # (texts: not in the checksum)

    __hash__ = None  # type: ignore[assignment]  # (a sequence compared by value, like a list)

    def positions(self) -> dict[str, int]:
        """Each id's position, made once from the ids alone (for a file whose ids are `unique`): a
        dict of every id, for looking many up (a million take over a second to make: to look up
        a few, `find`)."""
        if self._positions is None:
            ids = self.ids.all()
            self._positions = dict(zip(ids, range(len(ids))))
        return self._positions

    def locate(self, wanted: Sequence[str]) -> array:
        """Where each of `wanted` (ids all different) is among these comments, -1 where it is not.
        Without the dict of every id (`positions`), which this does not make: the ids are read
        a block at a time and looked up among the wanted ones. At a million comments and 900,000
        wanted, as fast as making that dict (1.4 s), for 70 MB while it runs instead of 140 MB
        kept."""
        if self._positions is not None:
            return located(self._positions, wanted)
        where = dict(zip(wanted, range(len(wanted))))
        found = array("i", [-1]) * len(wanted)
        for start in range(0, self._count, LOCATE_BLOCK):
            ids = self.ids.span(start, min(start + LOCATE_BLOCK, self._count))
            hits = list(map(where.get, ids))
            kept = list(map(is_not, hits, repeat(None)))
            deque(map(found.__setitem__, compress(hits, kept), compress(range(start, start + len(ids)), kept)), maxlen=0)
        return found

    def find(self, comment_id: str) -> int | None:
        """The position of `comment_id`, or None: by bisecting the sorted ids (some 20 µs), or from
        `positions` once it is made."""
        if self._positions is not None:
            return self._positions.get(comment_id)
        at = bisect_left(self.sorted_ids, comment_id)
        if at < self._count and self.sorted_ids[at] == comment_id:
            return self._order[at]
        return None

    def ids_digest(self) -> bytes:
        """The SHA-256 of the ids in order, joined by newlines (as a session computes it for any corpus),
        as the entry was written with it (10 ms at a million comments, saved on the way to the
        first frame; covered by the checksum)."""
        return self._digest

    def text(self, position: int) -> str:
        """The text of the comment at `position`, without making the comment."""
        texts = self._texts
        return self._view[texts[position]:texts[position + 1]].decode("utf-8", "replace")

    def parents_digest(self) -> bytes:
        """The SHA-256 of each comment's parent as stored (with where each starts), without
        decoding them: with `ids_digest`, names the thread order in the parse cache."""
        offsets = self._optional[2]
        if not offsets:
            return hashlib.sha256(b"no parents").digest()
        digest = hashlib.sha256(memoryview(self._view)[offsets[0]:offsets[self._count]])
        digest.update(memoryview(offsets).cast("B"))
        return digest.digest()

    def texts(self, positions: Iterable[int]) -> Iterator[str]:
        """The texts of the comments at `positions`, as `text` gives each, in a few C loops."""
        positions = list(positions)
        texts = self._texts
        spans = map(slice, map(texts.__getitem__, positions), map(texts.__getitem__, map((1).__add__, positions)))
        return map(bytes.decode, map(self._view.__getitem__, spans), repeat("utf-8"), repeat("replace"))

    def parents(self) -> list[str | None]:
        """Each comment's parent, without making the comments (for the thread order)."""
        offsets, view = self._optional[2], self._view
        if not offsets:
            return [None] * self._count
        return [view[start:end].decode("utf-8") if end > start else None for start, end in zip(offsets, offsets[1:])]

    def _comment(self, position: int) -> Comment:
        view, texts, after = self._view, self._texts, position + 1
        optional: list[str | None] = []
        for offsets in self._optional:
            if offsets and offsets[after] > offsets[position]:
                optional.append(view[offsets[position]:offsets[after]].decode("utf-8", "replace"))
            else:
                optional.append(None)
        metas = self._metas
        meta: Any = marshal.loads(view[metas[position]:metas[after]]) if metas and metas[after] > metas[position] \
            else NO_EXTRA
        text = view[texts[position]:texts[after]].decode("utf-8", "replace")
        return Comment(self.ids[position], text, self._source, self._lines[position], *optional, meta)


LOCATE_BLOCK = 65536  # ids read at a time by `SeedColumns.locate`


def located(positions: Mapping[str, int], wanted: Iterable[str]) -> array:
    """The position of each of `wanted` by `positions` (each id's), -1 where it has none."""
    return array("i", map(positions.get, wanted, repeat(-1)))


class _Ids(Sequence[str]):
    """The ids of the comments, in seed order."""

    def __init__(self, view: mmap, count: int, offsets: memoryview) -> None:
        self._view, self._count, self._offsets = view, count, offsets

    @property
    def offsets(self) -> memoryview:
        """Where each id starts in the entry, and where the last ends (after its newline)."""
        return self._offsets

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError("id position out of range")
        return self._view[self._offsets[index]:self._offsets[index + 1] - 1].decode("utf-8")

    def all(self) -> list[str]:
        """Every id at once (one decode and one split)."""
        return self.span(0, self._count)

    def span(self, start: int, stop: int) -> list[str]:
        """The ids from `start` to `stop` (one decode and one split)."""
        if stop <= start:
            return []
        return self._view[self._offsets[start]:self._offsets[stop] - 1].decode("utf-8").split("\n")


class _SortedIds(Sequence[str]):
    """The ids in sorted order (for bisecting), read through the stored order."""

    def __init__(self, ids: _Ids, order: memoryview) -> None:
        self._ids, self._order = ids, order

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(len(self)))]
        return self._ids[self._order[index]]


def open_entry(view: mmap | None, source: str) -> SeedColumns | None:
    """The comments of the entry `view` (from `cache.mapped`), with `source` as their file name;
    None if it is not a whole entry of this layout."""
    if view is None:
        return None
    try:
        return _open(view, source)
    except (ValueError, TypeError, IndexError):
        return None


def _open(view: mmap, source: str) -> SeedColumns | None:
    size = len(view)
    if size < _HEADER or view[:len(MAGIC)] != MAGIC:
        return None
    header = memoryview(view)[len(MAGIC) + 8:_HEADER].cast("Q")  # (the digest: its last four)
    count, width, unique = header[0], header[1], header[2]
    code = _WIDTH_CODE.get(width)
    if code is None or unique not in (0, 1):
        return None
    places = {name: (header[3 + 2 * number], header[4 + 2 * number]) for number, name in enumerate(SECTIONS)}
    if any(start + length > size for start, length in places.values()):
        return None
    sections: dict[str, memoryview] = {}
    whole = memoryview(view)
    for name, (start, length) in places.items():
        if name not in STRING_FIELDS:  # (the blobs are read through their offsets)
            if length % width:
                return None
            sections[name] = whole[start:start + length].cast(code)
    for name in STRING_FIELDS:
        offsets = sections[f"{name}@"]
        blob_start, blob_length = places[name]
        if (len(offsets) not in (0, count + 1) or (name == "id" and count and len(offsets) != count + 1)
                or offsets and (offsets[0] != blob_start or offsets[count] != blob_start + blob_length)):
            return None
    if len(sections["line"]) not in (0, count) or len(sections["order"]) != count:
        return None
    blobs = {name: whole[start:start + length] for name, (start, length) in places.items() if name in CHECKED_BLOBS}
    if _checksum(header, blobs, sections) != int.from_bytes(view[len(MAGIC):len(MAGIC) + 8], "little"):
        return None
    return SeedColumns(view, source, count, bool(unique), sections, bytes(view[_HEADER - 32:_HEADER]))


class Rows(NamedTuple):
    """Some comments of a file as columns, for `write_columns`: a sequence per field (`Comment`'s
    fields but the source). An optional field (author to meta) may be None where no comment of
    the rows has it."""

    ids: Sequence[str]
    texts: Sequence[str]
    lines: Sequence[int]
    authors: Sequence[str | None] | None
    urls: Sequence[str | None] | None
    parents: Sequence[str | None] | None
    contexts: Sequence[str | None] | None
    metas: Sequence[Mapping[str, Any]] | None

    @classmethod
    def of(cls, comments: list[Comment]) -> Rows:
        """`comments` as columns."""
        fields = list(zip(*comments))
        return cls(*fields[:2], *fields[3:]) if fields else cls([], [], [], None, None, None, None, None)

    def kept(self, keep: list[int]) -> Rows:
        """The rows at the positions `keep`."""
        return Rows(*(None if field is None else [field[index] for index in keep] for field in self))


def rows_of(comments: Iterable[Comment]) -> Iterator[Rows]:
    """`comments` as columns, `BATCH` of them at a time."""
    comments = iter(comments)
    return map(Rows.of, iter(lambda: list(islice(comments, BATCH)), []))


class RepeatedId(Exception):
    """`write_columns(..., repeats_seen=False)` met an id twice: the entry is not written."""


def write_columns(handle: BinaryIO, batches: Iterable[Rows], repeats_seen: bool = True) -> None:
    """Write the comments of one file, `batches` of them in order, to `handle` (open for reading
    too: the text of an id met again is read back) as an entry `open_entry` reads: the texts
    straight to the file, the other fields kept until the end. Each field of a batch is encoded
    at once (`_utf8`), not value by value.

    With `repeats_seen` False, the ids are kept only encoded as they come (at a million, 13 MB
    while the file is read, instead of some 120 MB as strings and in a set), and an id that
    comes twice is found once they are sorted, at the end: `RepeatedId` is raised then, for a
    caller that can give the batches again."""
    handle.seek(_HEADER)
    position = _HEADER
    text_starts = array("Q", [position])
    small = {name: _Blob() for name in STRING_FIELDS if name != "text"}
    ids: list[str] = []
    lines = array("Q")
    seen: set[str] = set()  # the ids so far (no more: a million texts' hashes took 0.3 s and 80 MB)
    rows: dict[str, int] | None = None  # once an id comes again: each id's first row
    unique = True
    for batch in batches:
        if repeats_seen:  # (else a repeat is looked for at the end)
            fresh = set(batch.ids)
            if len(fresh) == len(batch.ids) and (seen if rows is None else rows.keys()).isdisjoint(fresh):
                if rows is None:
                    seen |= fresh
                else:
                    rows.update(zip(batch.ids, range(len(ids), len(ids) + len(batch.ids))))
            else:  # an id met before: the same comment again is left out
                if rows is None:
                    rows = dict(zip(ids, range(len(ids))))
                    seen.clear()
                keep, unique = _new_in(batch, rows, _Written(handle, text_starts), unique)
                batch = batch.kept(keep)
        texts, sizes = _utf8(batch.texts)
        handle.write(texts)
        text_starts.extend(islice(accumulate(sizes, initial=position), 1, None))
        position = text_starts[-1]
        if repeats_seen:
            ids += batch.ids
        small["id"].add(*_utf8([comment_id + "\n" for comment_id in batch.ids]))
        for name, values in (("author", batch.authors), ("url", batch.urls), ("parent", batch.parents),
                             ("context", batch.contexts)):
            if values is not None and any(values):
                small[name].add(*_utf8([value or "" for value in values]))
            else:
                small[name].add_empty(len(batch.ids))
        if batch.metas is not None and any(batch.metas):
            metas = [marshal.dumps(dict(meta)) if meta else b"" for meta in batch.metas]
            small["meta"].add(b"".join(metas), map(len, metas))
        else:
            small["meta"].add_empty(len(batch.ids))
        lines.extend(batch.lines)
    count = len(lines)
    del seen, rows  # (before the sort: the most this takes is there)
    if not repeats_seen and count:  # (as bytes, a quarter smaller: they sort as their text does, by code point)
        ids = b"".join(small["id"].pieces)[:-1].split(b"\n")  # type: ignore[assignment]
    order = sorted(range(count), key=ids.__getitem__)  # (str sorts as its UTF-8 bytes do: by code point)
    if not repeats_seen and any(map(eq, map(ids.__getitem__, order), map(ids.__getitem__, islice(order, 1, None)))):
        raise RepeatedId
    del ids
    places = {"text": (_HEADER, position - _HEADER)}
    tail = [(name, blob if blob.size else _Blob()) for name, blob in small.items()]  # (no offsets for a field none has)
    blobs_end = position + sum(blob.size for _, blob in tail)
    width = 4 if blobs_end + 8 * (len(STRING_FIELDS) + 2) * (count + 1) < 2**32 else 8
    code = _WIDTH_CODE[width]
    for name, blob in tail:  # the blobs
        places[name] = (position, blob.size)
        handle.writelines(blob.pieces)
        position += blob.size
    blobs = {name: b"".join(small[name].pieces) for name in CHECKED_BLOBS}
    arrays: list[tuple[str, array[int]]] = [("text@", array(code, text_starts))]
    for name, blob in tail:
        start = places[name][0]
        lengths = chain(repeat(0, blob.empty), blob.lengths)
        arrays.append((f"{name}@", array(code, accumulate(lengths, initial=start)) if blob.size else array(code)))
    consecutive = lines == array("Q", range(1, count + 1))
    arrays += [("line", array(code) if consecutive else array(code, lines)), ("order", array(code, order))]
    written = {}
    for name, numbers in arrays:
        data = written[name] = numbers.tobytes()
        places[name] = (position, len(data))
        handle.write(data)
        position += len(data)
    header = array("Q", [count, width, int(unique)])
    for name in SECTIONS:
        header.extend(places[name])
    header.frombytes(hashlib.sha256(blobs["id"][:-1]).digest())  # (`ids_digest`: the ids without the last line end)
    handle.seek(0)
    handle.write(MAGIC + _checksum(header, blobs, written).to_bytes(8, "little") + header.tobytes())


class _Blob:
    """The values of one field, encoded a batch at a time: the pieces and each value's length
    (but for the empty values before the first that is not, only counted: a field no comment
    has took 8 MB a million)."""

    __slots__ = ("empty", "lengths", "pieces", "size")

    def __init__(self) -> None:
        self.pieces: list[bytes] = []
        self.empty = 0
        self.lengths = array("I")  # (a value of 4 GiB or more: none)
        self.size = 0

    def add_empty(self, count: int) -> None:
        """`count` more values, each empty."""
        if self.size:
            self.lengths.extend(repeat(0, count))
        else:
            self.empty += count

    def add(self, piece: bytes, lengths: Iterable[int]) -> None:
        """The values of one more batch: all of them, encoded, and the length of each."""
        self.pieces.append(piece)
        self.lengths.extend(lengths)
        self.size += len(piece)


def _utf8(values: Sequence[str]) -> tuple[bytes, Iterable[int]]:
    """`values` in UTF-8, one after the other, and the length of each: encoded in one piece when
    they are ASCII (their lengths are then their lengths as text), else value by value."""
    joined = "".join(values)
    if joined.isascii():
        return joined.encode("ascii"), map(len, values)
    encoded = [value.encode("utf-8") for value in values]
    return b"".join(encoded), map(len, encoded)


CHECKED_BLOBS = ("id", "meta")  # the blobs `_checksum` covers (with the header and the arrays)


def _checksum(header: Any, blobs: dict[str, Any], sections: dict[str, Any]) -> int:
    """A CRC-32 of the entry's header, its ids and other fields (`CHECKED_BLOBS`), and every array
    of numbers (offsets, lines, order): a damaged one would misplace comments or fail to load, so
    the entry reads as no entry (about 3 ms for 100,000 comments). The texts, authors, urls,
    parents and contexts are not covered (it would read them all): a damaged byte there shows as
    a wrong character (or U+FFFD) in that one comment, until the seeds file changes."""
    checked = zlib.crc32(header)
    for name in CHECKED_BLOBS:
        checked = zlib.crc32(blobs[name], checked)
    for name in SECTIONS:
        if name not in STRING_FIELDS:
            checked = zlib.crc32(sections[name], checked)
    return checked


BATCH = 8192


def _new_in(batch: Rows, rows: dict[str, int], written: _Written, unique: bool) -> tuple[list[int], bool]:
    """The positions in `batch` of the comments to keep, one by one: those not a repeat of one
    kept before (`rows`: each id's first row, which the new ones join; the texts of earlier
    batches are `written`); and whether the ids are still all different (an id with another
    text is kept)."""
    kept: list[int] = []
    first = len(written)  # the row of the batch's first comment kept
    for index, (comment_id, text) in enumerate(zip(batch.ids, batch.texts)):
        row = rows.get(comment_id)
        if row is None:
            rows[comment_id] = first + len(kept)
        elif (batch.texts[kept[row - first]] if row >= first else written.text(row)) == text:
            continue  # the same comment again
        else:
            unique = False  # (kept, for `seeds` to report where it was first)
        kept.append(index)
    return kept, unique


class _Written:
    """The texts `write_columns` has written so far, read back from its handle by row (with
    `os.pread` where there is one: a seek and a read each doubled the time of a file given twice)."""

    def __init__(self, handle: BinaryIO, starts: array) -> None:
        self._handle, self._starts = handle, starts
        self._fd: int | None = None
        if hasattr(os, "pread"):
            try:
                handle.flush()  # (nothing more is written while the batch is looked through)
                self._fd = handle.fileno()
            except (OSError, ValueError, AttributeError):  # (io.UnsupportedOperation: a BytesIO)
                self._fd = None

    def __len__(self) -> int:
        return len(self._starts) - 1

    def text(self, row: int) -> str:
        start, stop = self._starts[row], self._starts[row + 1]
        if self._fd is not None:
            return os.pread(self._fd, stop - start, start).decode("utf-8")
        handle = self._handle
        end = handle.tell()
        try:
            handle.seek(start)
            return handle.read(stop - start).decode("utf-8")
        finally:
            handle.seek(end)


class ById(Mapping[str, Comment]):
    """The comments of a `SeedColumns` (or several, one after the other) by id, made on access;
    the positions of the ids (`positions`) are asked for when first needed (a command looks up
    many ids; the app, which looks up few, never asks)."""

    def __init__(self, comments: Sequence[Comment], positions: Callable[[], dict[str, int]]) -> None:
        self._comments, self._make_positions = comments, positions
        self._positions: dict[str, int] | None = None

    @property
    def _index(self) -> dict[str, int]:
        if self._positions is None:
            self._positions = self._make_positions()
        return self._positions

    def __getitem__(self, comment_id: str) -> Comment:
        return self._comments[self._index[comment_id]]

    def text(self, comment_id: str) -> str:
        """The text of the comment `comment_id` (a `KeyError` if there is none), without making
        the comment when it is read from one seed file."""
        position = self._index[comment_id]
        comments = self._comments
        return comments.text(position) if isinstance(comments, SeedColumns) else comments[position].text

    def texts(self, comment_ids: Iterable[str]) -> Iterator[str]:
        """The texts of the comments `comment_ids`, as `text` gives each (for many at once)."""
        positions = map(self._index.__getitem__, comment_ids)
        comments = self._comments
        if isinstance(comments, SeedColumns):
            return comments.texts(positions)
        return (comments[position].text for position in positions)

    def __contains__(self, comment_id: object) -> bool:
        return comment_id in self._index

    def keys(self) -> KeysView[str]:  # type: ignore[override]
        """The ids, as a set-like view of the index (its lookups and set operations run in C)."""
        return self._index.keys()

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._comments)


class Joined(Sequence[Comment]):
    """Several `SeedColumns` as one sequence, in order (files whose ids are all different), with
    the ids (`ids`, `positions`; `sorted_ids` None: not kept) and `parents` of all."""

    unique = True
    sorted_ids = None

    def __init__(self, parts: Sequence[SeedColumns], ids: list[str], positions: dict[str, int]) -> None:
        self._parts = parts
        self._starts = list(accumulate((len(part) for part in parts), initial=0))
        self.ids = ids
        self._positions = positions

    def positions(self) -> dict[str, int]:
        return self._positions

    def locate(self, wanted: Sequence[str]) -> array:
        """Where each of `wanted` is among the comments, -1 where it is not."""
        return located(self._positions, wanted)

    def ids_digest(self) -> bytes:
        """The SHA-256 of the ids in order, joined by newlines (as `SeedColumns.ids_digest`)."""
        return hashlib.sha256("\n".join(self.ids).encode("utf-8")).digest()

    def parts(self) -> list[tuple[int, SeedColumns]]:
        """Each file's comments, with the position of its first one."""
        return list(zip(self._starts, self._parts))

    def parents(self) -> list[str | None]:
        return [parent for part in self._parts for parent in part.parents()]

    def parents_digest(self) -> bytes:
        return hashlib.sha256(b"".join(part.parents_digest() for part in self._parts)).digest()

    def __len__(self) -> int:
        return self._starts[-1]

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("comment position out of range")
        part = bisect_right(self._starts, index) - 1
        return self._parts[part][index - self._starts[part]]

    def __iter__(self) -> Iterator[Comment]:
        for part in self._parts:
            yield from part

    __eq__ = SeedColumns.__eq__
    __hash__ = None  # type: ignore[assignment]
