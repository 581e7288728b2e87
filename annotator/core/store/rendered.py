"""`RenderedEntries`: the text of every entry of a file read into columns, kept for compactions.

A compaction rewrites the whole file: the entries unchanged since it was read are most of it, and
rendering them again each time would hold the interpreter for seconds at a million entries. So
`warm` renders them once, in order, and keeps the text, compressed (zlib, level 1) in blocks of
about a megabyte: a million entries are ~225 MB of text and ~40 MB kept. A compaction reads the
blocks back one at a time (`between`), as it writes them; zlib lets other threads run while it
works, so keys go on meanwhile.
"""

from __future__ import annotations

import time
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

BLOCK = 1 << 20  # bytes of text compressed together
LEVEL = 1  # zlib's fastest: TOML entries shrink about fivefold even so
YIELD_EVERY = 50  # entries rendered before other threads may run (about 0.5 ms)


class RenderedEntries:
    """Each entry's text (UTF-8) one after the other, compressed in blocks, and where each ends."""

    __slots__ = ("ends", "_blocks", "_starts")

    def __init__(self, ends: array, blocks: list[bytes], starts: list[int]) -> None:
        self.ends = ends  # the offset just past each entry, in the whole text
        self._blocks = blocks  # the whole text, compressed in pieces
        self._starts = starts  # the offset of each block's first byte

    @classmethod
    def render(cls, count: int, text_of: Callable[[int], str], yielding: bool = False) -> RenderedEntries:
        """`text_of(position)` for positions 0 to `count`, kept. `yielding`: let other threads run
        every few entries (a thread of its own renders 90,000 entries in about 0.7 s)."""
        ends, blocks, starts = array("Q"), [], []
        block = bytearray()
        start = 0  # the offset of `block` in the whole text
        add = ends.append
        for position in range(count):
            block += text_of(position).encode("utf-8")
            add(start + len(block))
            if len(block) >= BLOCK:
                blocks.append(zlib.compress(block, LEVEL))
                starts.append(start)
                start += len(block)
                block = bytearray()
            if yielding and position % YIELD_EVERY == 0:
                time.sleep(0)  # (releases the interpreter to a thread waiting for it)
        if block:
            blocks.append(zlib.compress(block, LEVEL))
            starts.append(start)
        return cls(ends, blocks, starts)

    @classmethod
    def of_file(cls, handle: BinaryIO, count: int, digest: Any) -> RenderedEntries | None:
        """The text of the `count` entries of the file open as `handle`, taken from the file
        itself, read a piece at a time: for a file whose entries stand as `render_entry` writes
        them (`LabelColumns.as_rendered`), the same text as `render`, without rendering any.
        Each entry starts at a blank line (none is inside one), and the first at the first
        (before it: the head). `digest` is updated with every byte read, for the caller to
        check that the file is the one its columns were read from. None if the blank lines
        are not `count`."""
        ends, blocks, starts = array("Q"), [], []
        block, kept = bytearray(), 0  # the text not yet compressed; the length of the last block
        first: int | None = None  # the offset in the file where the first entry starts
        offset, last = 0, b""  # the file's offset of `piece`; the byte before it
        while piece := handle.read(BLOCK):
            digest.update(piece)
            position = offset - len(last)
            for part in (last + piece).split(b"\n\n")[:-1]:  # an entry starts at each blank line
                position += len(part) + 1
                if first is None:
                    first = position
                else:
                    ends.append(position - first)
                position += 1
            if first is not None and len(ends) >= count:  # (more entries than were parsed: another file)
                return None
            if first is not None:
                block += memoryview(piece)[max(0, first - offset):]
                if len(block) >= BLOCK:
                    starts.append(starts[-1] + kept if starts else 0)
                    kept = len(block)
                    blocks.append(zlib.compress(block, LEVEL))
                    block = bytearray()
            offset += len(piece)
            last = piece[-1:]
            time.sleep(0)  # (releases the interpreter to a thread waiting for it)
        if first is None:
            return cls(ends, blocks, starts) if count == 0 else None
        ends.append(offset - first)  # (the last entry ends with the file)
        if len(ends) != count:
            return None
        if block:
            starts.append(starts[-1] + kept if starts else 0)
            blocks.append(zlib.compress(block, LEVEL))
        return cls(ends, blocks, starts)

    def kept_bytes(self) -> int:
        """What the compressed text takes."""
        return sum(map(len, self._blocks))

    def reader(self) -> Reader:
        """Reads the text for one compaction, a block at a time (see `Reader.between`)."""
        return Reader(self)


class Reader:
    """The text of ranges of entries, in order: the block last reached is kept until the next
    one is, so consecutive ranges decompress each block once."""

    __slots__ = ("_rendered", "_index", "_block")

    def __init__(self, rendered: RenderedEntries) -> None:
        self._rendered = rendered
        self._index = -1
        self._block = b""

    def between(self, first: int, last: int) -> Iterator[memoryview]:
        """The text of the entries at positions `first` to `last` (excluded), in pieces."""
        rendered = self._rendered
        ends, starts = rendered.ends, rendered._starts
        begin = ends[first - 1] if first else 0
        end = ends[last - 1] if last else 0
        index = bisect_right(starts, begin) - 1
        while begin < end:
            if index != self._index:
                self._index, self._block = index, zlib.decompress(rendered._blocks[index])
            offset = starts[index]
            stop = min(end, offset + len(self._block))
            yield memoryview(self._block)[begin - offset:stop - offset]
            begin = stop
            index += 1
