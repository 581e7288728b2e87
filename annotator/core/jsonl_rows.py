"""A JSON-lines seed file read straight into columns (`columns.Rows`), a block of lines at a time.

The common file (one object a line with the fields annotator knows, no blank line) is read by
`msgspec` a block of some thousands of lines in one call (`decode_lines`), into typed records,
and its columns are made a field at a time: no `dict` and no `Comment` per line. It is 2-3x faster than a line at a
time, which matters at a first start (nothing cached yet: a million comments read before the
first usable frame).

Anything else stops it (`rows` ends where the first block it does not take begins, and says how
many comments it gave): another field, a blank line, a line end other than a newline, a value of
another type, a field that is empty where it must not be. The caller then reads on with the
reader that decides and explains (`seeds`), which gives the same comments (the tests compare
them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from operator import attrgetter
from types import NoneType
from typing import Any, BinaryIO

import msgspec

from annotator.core.columns import Rows
from annotator.core.models import ID_LENGTH

BLOCK_BYTES = 4 * 2**20  # a block ends at the first line end after this many bytes


class _Record(msgspec.Struct, forbid_unknown_fields=True):
    """One line as annotator reads it (`seeds.KNOWN_FIELDS`), when it has no other field."""

    text: str
    id: str | int | None = None
    author: str | int | float | None = None
    url: str | int | float | None = None
    parent: str | int | float | None = None
    context: str | int | float | None = None


_DECODE = msgspec.json.Decoder(_Record).decode_lines
_FIELDS = {name: attrgetter(name) for name in ("text", "id", "author", "url", "parent", "context")}


class Stopped(Exception):
    """`rows` read no further: `made` comments came before the first block it did not take."""

    def __init__(self, made: int) -> None:
        super().__init__(made)
        self.made = made


def rows(blocks: Iterable[bytes]) -> Iterator[Rows]:
    """The comments of a JSON-lines file given as `blocks` of whole lines (`blocks_of`,
    `blocks_in`), a block at a time; `Stopped` at the first block not in the common shape (see
    the module's docstring)."""
    made = 0
    for number, block in enumerate(blocks):
        if b"\r" in block or b"\x00" in block or number == 0 and block.startswith(b"\xef\xbb\xbf"):
            raise Stopped(made)
        batch = _block(block[:-1] if block.endswith(b"\n") else block, made + 1)
        if batch is None:
            raise Stopped(made)
        yield batch
        made += len(batch.ids)


def blocks_of(data: bytes) -> Iterator[bytes]:
    """`data` in blocks of whole lines, each ending at the first line end after `BLOCK_BYTES`."""
    position, size = 0, len(data)
    while position < size:
        end = data.find(b"\n", min(position + BLOCK_BYTES, size) - 1)
        end = size if end < 0 else end + 1
        yield data[position:end]
        position = end


def blocks_in(source: BinaryIO, size: int | None = None) -> Iterator[bytes]:
    """The file `source`, read in blocks of whole lines, each ending at the first line end after
    `size` bytes (`BLOCK_BYTES`): a file of any size is never all in memory."""
    while block := source.read(size or BLOCK_BYTES):
        if not block.endswith(b"\n"):
            block += source.readline()
        yield block


def _block(block: bytes, first: int) -> Rows | None:
    """The comments of the lines `block` (without its last line end), the first on line `first`;
    None if a line is not in the common shape."""
    try:
        return _decoded(block, first)
    except (msgspec.DecodeError, ValueError):  # (anything msgspec does not take: the careful reader explains)
        return None


def _decoded(block: bytes, first: int) -> Rows | None:
    # Each line ends with "}": a record holds no object, and a string no raw line end, so that
    # "}" ends the line's record and none runs on to the next line; as many records as lines
    # are then one a line (two on one line would be one too many).
    lines = block.count(b"\n") + 1
    if not block.endswith(b"}") or block.count(b"}\n") != lines - 1:
        return None
    records = _DECODE(block)
    if len(records) != lines:
        return None
    texts = [text.strip() for text in map(_FIELDS["text"], records)]
    if not all(texts):
        return None
    ids = _ids(list(map(_FIELDS["id"], records)), texts)
    if ids is None:
        return None
    optional = [_optional(list(map(_FIELDS[name], records))) for name in ("author", "url", "parent")]
    contexts = list(map(_FIELDS["context"], records))
    if contexts.count(None) != len(contexts):
        contexts = [None if context is None else (context if type(context) is str else str(context)).strip() or None
                    for context in contexts]
    else:
        contexts = None
    return Rows(ids, texts, range(first, first + len(records)), *optional, contexts, None)


def _ids(given: list[Any], texts: list[str]) -> list[str] | None:
    """Each comment's id: as given (a string, or a whole number), else from its text
    (`models.text_id`); None if one given is not printable."""
    sha256 = hashlib.sha256
    if given.count(None) == len(given):
        return [sha256(text.encode()).hexdigest()[:ID_LENGTH] for text in texts]
    ids = []
    for value, text in zip(given, texts):
        if value is None or value == "":
            ids.append(sha256(text.encode()).hexdigest()[:ID_LENGTH])
            continue
        comment_id = str(value).strip()
        if not comment_id or not comment_id.isprintable():
            return None
        ids.append(comment_id)
    return ids


def _optional(values: list[Any]) -> list[str | None] | None:
    """An optional text field's values: "" is none, a number is its digits; None when none has one."""
    kinds = set(map(type, values))
    if kinds == {NoneType}:
        return None
    if kinds <= {str, NoneType}:  # (the common field: "" is the only value to change)
        return [value or None for value in values]
    return [None if value is None or value == "" else value if type(value) is str else str(value) for value in values]
