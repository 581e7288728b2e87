"""A few entries of an annotation file, found without reading the whole file.

A file annotator wrote lists its entries sorted by comment id, each opened by a header line
`[comments.ID]` (see `layout`): the entry of an id is found by bisecting the file's bytes, a
few dozen short reads at any size. What the app's first screen needs at a cold start, before
the whole file is read (`AnnotationFile.peek`).

Only a file in annotator's own layout is read this way: its head as annotator writes it, and
each entry found read by `read_canonical`, as the whole file would be. Anything else (a hand
edit, an entry out of order met on the way, an unknown key) gives None, and the caller reads
the whole file as usual.
"""

from __future__ import annotations

import mmap
import os
import re
from collections.abc import Iterable
from pathlib import Path

from annotator.core.store.layout import CanonicalFile, max_file_bytes, read_canonical

HEADER_MARK = b"\n[comments."
WINDOW = 4096  # bytes below which the search reads header after header (some twenty entries)
ID_LIMIT = 256  # bytes an id may take in a header line
BARE_ID = re.compile(rb"[A-Za-z0-9_-]+")  # (a quoted id, or a conflict's table, is not annotator's layout)


class _NotInLayout(Exception):
    """What was read is not in annotator's layout: read the whole file instead."""


def peek_entries(path: Path, ids: Iterable[str]) -> CanonicalFile | None:
    """The entries of `ids` in the annotation file at `path` (those it has), with the file's head,
    as `read_canonical` reads them; None when the file is not in annotator's layout, is empty or
    over the size limit, or cannot be read (it may not exist)."""
    wanted = sorted({comment_id.encode("utf-8") for comment_id in ids})
    if not all(BARE_ID.fullmatch(comment_id) for comment_id in wanted):
        return None
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > max_file_bytes() or size == 0:
                return None
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return _peek(data, size, wanted)
    except (OSError, ValueError, UnicodeDecodeError, _NotInLayout):
        return None


def _peek(data: mmap.mmap, size: int, wanted: list[bytes]) -> CanonicalFile | None:
    first = data.find(HEADER_MARK)
    head_end = size if first == -1 else _entry_start(data, first)
    pieces = [data[:head_end].decode("utf-8")]
    low = head_end
    for target in wanted:
        found = _first_not_before(data, size, target, low)
        if found is None:
            break
        at, found_id = found
        low = at  # (the next id sorts after this one: its header is not before)
        if found_id == target:
            following = data.find(HEADER_MARK, at + 1)
            end = size if following == -1 else _entry_start(data, following)
            pieces.append(data[_entry_start(data, at):end].decode("utf-8"))
    return read_canonical("".join(pieces))


def _first_not_before(data: mmap.mmap, size: int, target: bytes, low: int) -> tuple[int, bytes] | None:
    """The first header at or after `low` whose id does not sort before `target` (its position
    and id), or None: bisected, then read header by header in the last few kilobytes. Every
    header before `low` is known to sort before `target`."""
    high = size  # a header whose id does not sort before `target`, or the end
    while high - low > WINDOW:
        middle = (low + high) // 2
        at = data.find(HEADER_MARK, middle, high)
        if at == -1:
            break
        if _id_at(data, at) < target:
            low = at + 1
        else:
            high = at
    at = data.find(HEADER_MARK, low)
    previous = b""
    while at != -1:
        found = _id_at(data, at)
        if found < previous:
            raise _NotInLayout  # (out of order: the bisection cannot be trusted)
        if found >= target:
            return at, found
        previous = found
        at = data.find(HEADER_MARK, at + 1)
    return None


def _id_at(data: mmap.mmap, at: int) -> bytes:
    """The id of the header line after the line end at `at`."""
    start = at + len(HEADER_MARK)
    end = data.find(b"]\n", start, start + ID_LIMIT + 2)
    if end == -1 or not BARE_ID.fullmatch(data, start, end):
        raise _NotInLayout
    return data[start:end]


def _entry_start(data: mmap.mmap, at: int) -> int:
    """Where the entry whose header follows the line end at `at` starts: its blank line, which
    comes before its excerpt line when it has one."""
    if data[at - 1:at] == b"\n":  # (a blank line right before the header: no excerpt)
        return at
    line = data.rfind(b"\n", 0, at)
    if line > 0 and data[line + 1:line + 3] == b"# " and data[line - 1:line] == b"\n":
        return line
    raise _NotInLayout
