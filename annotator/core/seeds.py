"""Reading the comments to label from `seeds/`: .txt, .jsonl and .csv files, with stable ids.

The id rule (also in the README): a comment's id is the `id` its file gives it, where it gives
one; otherwise the first 12 hex digits of the SHA-256 of its text, the text being the line (or the
`text` field) with surrounding white space removed. So reordering or inserting lines never moves
a label to another comment, and identical texts are one comment.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from annotator.core import cache, columns
from annotator.core.columns import ById, Joined, SeedColumns
from annotator.core.errors import AnnotatorError, Problem
from annotator.core.models import NO_EXTRA, Comment, text_id
from annotator.core.perf import paused_gc

if TYPE_CHECKING:
    import msgspec

SEEDS_DIR = "seeds"
SEED_SUFFIXES = (".txt", ".jsonl", ".csv")
KNOWN_FIELDS = ("id", "text", "author", "url", "parent", "context")
SEED_KINDS = ("txt", "jsonl", "csv")

_LINE_ENDS = re.compile(r"\r\n|\r|\n")


class SeedError(AnnotatorError):
    """A seed file that cannot be read as comments; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class FieldNames:
    """The fields of a JSONL record (or CSV columns) that hold a comment's text, id and context."""

    text: str = "text"
    id: str = "id"
    context: str = "context"


DEFAULT_FIELDS = FieldNames()


@dataclass(frozen=True, slots=True)
class Corpus:
    """All comments of a project, in seed order, with an index by id.

    Read from the parse cache, `comments` is a sequence that makes each `Comment` when it is
    asked for (`columns.SeedColumns`), and `by_id` a mapping that does the same; otherwise a
    tuple and a dict.
    """

    comments: Sequence[Comment]
    by_id: Mapping[str, Comment]
    warnings: tuple[Problem, ...] = ()

    def __len__(self) -> int:
        return len(self.comments)

    def ids(self) -> list[str]:
        """The ids in seed order, without making the comments."""
        if isinstance(self.comments, SeedColumns):
            return self.comments.ids.all()
        return list(self.by_id)  # (both kinds of `by_id` keep the seed order)

    def text(self, comment_id: str) -> str:
        """The text of the comment `comment_id` (a `KeyError` if there is none), without making
        the comment where the corpus can."""
        by_id = self.by_id
        return by_id.text(comment_id) if isinstance(by_id, ById) else by_id[comment_id].text

    def texts(self, comment_ids: Iterable[str]) -> Iterator[str]:
        """The texts of the comments `comment_ids`, as `text` gives each, for many at once."""
        by_id = self.by_id
        if isinstance(by_id, ById):
            return by_id.texts(comment_ids)
        return (by_id[comment_id].text for comment_id in comment_ids)


def load_seeds(root: Path, allow_empty: bool = False) -> Corpus:
    """Read every seed file under `root/seeds`, in file-name order; raise `SeedError` on bad input.

    With `allow_empty`, a folder with no comments is an empty corpus rather than an error.
    """
    folder = root / SEEDS_DIR
    if not folder.is_dir():
        raise SeedError(
            f"{SEEDS_DIR}/: not found", hint="create it and put .txt, .jsonl or .csv files of comments in it"
        )
    with paused_gc():
        return _load_folder(folder, allow_empty)


def _load_folder(folder: Path, allow_empty: bool) -> Corpus:
    warnings: list[Problem] = []
    files: list[Sequence[Comment]] = []
    for path in sorted(folder.iterdir()):
        name = f"{SEEDS_DIR}/{path.name}"
        if path.name.startswith("."):
            continue
        if not _is_seed_file(path):
            warnings.append(
                Problem(name, None, "ignored: seeds are .txt, .jsonl or .csv files", warning=True)
            )
            continue
        try:
            files.append(read_seed_file(path, name))
        except OSError as error:  # (a file without read permission, say)
            raise SeedError(f"{name}: cannot be read: {error.strerror or error}",
                            hint="check the file's permissions, or move it out of seeds/") from None
    corpus = _columns_corpus(files, tuple(warnings)) or _joined_corpus(files, tuple(warnings))
    if not corpus.comments and not allow_empty:
        raise SeedError(
            f"{SEEDS_DIR}/: no comments found", hint="put .txt, .jsonl or .csv files of comments in it"
        )
    return corpus


def _columns_corpus(files: list[Sequence[Comment]], warnings: tuple[Problem, ...]) -> Corpus | None:
    """The corpus of files read from the cache, made lazily; None unless every file was, and no id
    is in two places (then `_joined_corpus` applies the rules of repeated ids)."""
    if not files or not all(isinstance(part, SeedColumns) and part.unique for part in files):
        return None
    parts: list[SeedColumns] = files  # type: ignore[assignment]
    if len(parts) == 1:
        return Corpus(parts[0], ById(parts[0], parts[0].positions), warnings)
    ids = [comment_id for part in parts for comment_id in part.ids.all()]
    positions = dict(zip(ids, range(len(ids))))
    if len(positions) != len(ids):
        return None
    joined = Joined(parts, ids, positions)
    return Corpus(joined, ById(joined, joined.positions), warnings)


def _joined_corpus(files: list[Sequence[Comment]], warnings: tuple[Problem, ...]) -> Corpus:
    """The corpus of `files`, made comment by comment: a repeated comment is kept once, an id
    given to two different comments is an error."""
    comments: list[Comment] = []
    by_id: dict[str, Comment] = {}
    for file_comments in files:
        if not by_id:  # the first file: when its ids are all different, nothing to compare
            first = {comment.id: comment for comment in file_comments}
            if len(first) == len(file_comments):
                by_id, comments = first, list(file_comments)
                continue
        for comment in file_comments:
            known = by_id.get(comment.id)
            if known is None:
                by_id[comment.id] = comment
                comments.append(comment)
            elif known.text != comment.text:
                raise SeedError(
                    f"{comment.source}:{comment.line}: id {comment.id!r} is already the id of a different "
                    f"comment at {known.source}:{known.line}",
                    hint="give each comment its own id",
                )
    return Corpus(tuple(comments), by_id, warnings)


PEEK_BYTES = 256 * 1024


def peek_seeds(root: Path, count: int) -> list[Comment]:
    """The first `count` comments of the corpus (or fewer), reading as little as it can: what the
    app shows while it reads the rest. Never raises: a problem, which `load_seeds` reports in
    full, only cuts the list short."""
    comments: list[Comment] = []
    seen: set[str] = set()
    try:
        for path in seed_files(root):
            kind = path.suffix.lower().removeprefix(".")
            with path.open("rb") as handle:
                head = handle.read(PEEK_BYTES)
            cut = len(head) == PEEK_BYTES
            if cut:
                head = head[: head.rfind(b"\n") + 1]  # whole lines only
            for comment in parse_seeds(head, f"{SEEDS_DIR}/{path.name}", kind):
                if comment.id not in seen:
                    seen.add(comment.id)
                    comments.append(comment)
                    if len(comments) == count:
                        return comments
            if cut:
                break  # the rest of this file comes before any other file
    except (OSError, AnnotatorError):
        pass
    return comments


def cache_seeds(root: Path) -> bool:
    """Read every seed file of the project at `root` that the parse cache lacks into it (what
    `load_seeds` then reads in place); whether all are there now. A file that cannot be read
    is left for `load_seeds` to explain."""
    for path in seed_files(root):
        try:
            if not isinstance(read_seed_file(path, f"{SEEDS_DIR}/{path.name}"), SeedColumns):
                return False  # (the cache is off, or cannot be written)
        except (AnnotatorError, OSError):
            return False
    return True


def seed_files(root: Path) -> list[Path]:
    """The seed files of the project at `root`, in the order they are read; none if the folder
    cannot be listed."""
    try:
        return sorted(path for path in (root / SEEDS_DIR).iterdir() if _is_seed_file(path))
    except OSError:
        return []


def _is_seed_file(path: Path) -> bool:
    """Whether `path`, in the seeds folder, is a seed file (hidden files are not)."""
    return not path.name.startswith(".") and path.suffix.lower() in SEED_SUFFIXES and path.is_file()


def _cache_entry(path: Path) -> Path | None:
    """Where the parse cache keeps the columns of the seed file at `path` (None: the cache is off)."""
    return cache.file_key(cache_kind(path), path, ".columns")


def cache_kind(path: Path) -> str:
    """The kind of the parse cache's entry for the seed file at `path`."""
    return f"seeds-{path.suffix.lower().removeprefix('.')}"


def read_seed_file(path: Path, name: str) -> Sequence[Comment]:
    """The comments of one seed file, in file order (duplicates included): from the parse cache,
    read in place (`columns.SeedColumns`), when this very content was read before; else parsed,
    and written to the cache as it is parsed, then read from there."""
    kind = path.suffix.lower().removeprefix(".")
    comments = columns.open_entry(cache.mapped(_cache_entry(path)), name)
    if comments is None and kind == "jsonl":
        comments = columns.open_entry(cache.mapped(_streamed(path)), name)
    if comments is not None:
        return comments
    data, cached = cache.read_keyed(cache_kind(path), path, ".columns")  # (the file may have changed since)
    if cache.save_columns(cached, lambda handle: columns.write_columns(handle, _rows(data, name, kind))):
        comments = columns.open_entry(cache.mapped(cached), name)
    return comments if comments is not None else list(parse_seeds(data, name, kind))


def _streamed(path: Path) -> Path | None:
    """The entry of the JSON-lines file at `path`, written as the file is read a block at a time
    (`jsonl_rows`), never all of it in memory (552 MB at a million comments): where its digest is
    known by its status, every line is in the common shape, and no id comes twice. None where
    not (then the file is read whole, hashed if need be, and parsed by `_rows`)."""
    from annotator.core import jsonl_rows

    def write(source: BinaryIO, handle: BinaryIO) -> None:
        columns.write_columns(handle, jsonl_rows.rows(jsonl_rows.blocks_in(source)), repeats_seen=False)

    try:
        return cache.stream_entry(cache_kind(path), path, ".columns", write)
    except (jsonl_rows.Stopped, columns.RepeatedId):  # (read whole, where a repeat is looked for as it comes)
        return None


def _rows(data: bytes, name: str, kind: str) -> Iterator[columns.Rows]:
    """`parse_seeds` as columns, a batch at a time: a JSON-lines file read by `jsonl_rows` as far
    as it takes it, and on from there by the parser."""
    made = 0
    if kind == "jsonl":
        from annotator.core import jsonl_rows  # (msgspec: imported when a file is parsed, not read from the cache)

        try:
            yield from jsonl_rows.rows(jsonl_rows.blocks_of(data))
            return
        except jsonl_rows.Stopped as stop:
            made = stop.made
    yield from columns.rows_of(islice(parse_seeds(data, name, kind), made, None))


def parse_seeds(
    data: bytes,
    name: str,
    kind: str,
    fields: FieldNames = DEFAULT_FIELDS,
    problems: list[str] | None = None,
) -> Iterator[Comment]:
    """The comments in `data`, the bytes of a `kind` file (txt, jsonl or csv) called `name`.

    A bad row raises `SeedError`; given a `problems` list, its message goes there instead and
    reading goes on with the next row, so that every bad row can be reported at once.
    """
    if kind == "jsonl" and fields is DEFAULT_FIELDS and problems is None:
        return _read_jsonl_quickly(data, name)
    text = decode_text(data, name)
    if kind == "txt":
        return _read_txt(text, name)
    if kind == "jsonl":
        return _read_jsonl(text, name, fields, problems)
    return _read_csv(text, name, fields, problems)


def _msgspec() -> tuple[msgspec.json.Decoder, type[msgspec.DecodeError]]:
    """msgspec's JSON decoder and its error, imported when a seed file is first parsed: a command
    that reads the comments from the parse cache does without the import."""
    global _MSGSPEC
    if _MSGSPEC is None:
        import msgspec

        _MSGSPEC = msgspec.json.Decoder(), msgspec.DecodeError
    return _MSGSPEC


_MSGSPEC: tuple[msgspec.json.Decoder, type[msgspec.DecodeError]] | None = None


def _read_jsonl(text: str, name: str, fields: FieldNames, problems: list[str] | None) -> Iterator[Comment]:
    for number, record in json_lines(text, name, problems):
        try:
            if not isinstance(record, dict):
                raise SeedError(
                    f"{name}:{number}: expected a JSON object with a \"{fields.text}\" field, "
                    f"got {json_kind(record)}"
                )
            comment = _comment(record, name, number, fields)
        except SeedError as error:
            _report(error, problems)
            continue
        yield comment


def _read_jsonl_quickly(data: bytes, name: str) -> Iterator[Comment]:
    """`_read_jsonl` of `data` with `msgspec` (4-8x faster than `json` per line), for a file
    that is good: at the first line it does not take as it is (an error, NaN, a number out of
    range, a lone surrogate, another kind of line end, a byte-order mark, a NUL), the file is read
    again by `_read_jsonl`, which decides and explains, from where this stopped. The lines both
    take, they read alike (the tests compare them)."""
    made = 0
    if b"\r" not in data and b"\x00" not in data and not data.startswith(b"\xef\xbb\xbf"):
        decoder, DecodeError = _msgspec()
        decode, view, position, number, size = decoder.decode, memoryview(data), 0, 1, len(data)
        try:
            while position < size:
                end = data.find(b"\n", position)
                if end < 0:
                    end = size
                try:
                    record = decode(view[position:end])
                except DecodeError:
                    if end > position and not data[position:end].isspace():
                        raise
                else:  # (a blank line is no comment)
                    if type(record) is not dict:
                        break
                    comment = _comment(record, name, number)
                    yield comment
                    made += 1
                position = end + 1
                number += 1
            else:
                return
        except (DecodeError, SeedError, ValueError, RecursionError):  # (ValueError: str() of an int too long)
            pass
    for index, comment in enumerate(_read_jsonl(decode_text(data, name), name, DEFAULT_FIELDS, None)):
        if index >= made:
            yield comment


def decode_text(data: bytes, name: str) -> str:
    """`data` as UTF-8 text without a byte-order mark; `SeedError` naming the line if it is not."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _not_utf8(data, error, name) from None
    if "\x00" in text:
        raise _has_nul(text, name)
    return text.removeprefix("\ufeff")


def _not_utf8(data: bytes, error: UnicodeDecodeError, name: str, offset: int = 0, newlines: int = 0) -> SeedError:
    """`decode_text`'s error for `data` found at `offset` of a file, after `newlines` line ends."""
    line = newlines + data.count(b"\n", 0, error.start) + 1
    return SeedError(
        f"{name}:{line}: not UTF-8 (byte 0x{data[error.start]:02x} at offset {offset + error.start})",
        hint="save the file as UTF-8",
    )


def _has_nul(text: str, name: str, newlines: int = 0) -> SeedError:
    line = newlines + text.count("\n", 0, text.index("\x00")) + 1
    return SeedError(f"{name}:{line}: contains a NUL byte: is it a text file?")


def _lines(text: str, first: int = 1) -> Iterator[tuple[int, str]]:
    """The non-blank lines with their numbers (from `first`); CRLF and lone CR end lines too."""
    lines = _LINE_ENDS.split(text) if "\r" in text else text.split("\n")
    for number, line in enumerate(lines, start=first):
        if line and not line.isspace():
            yield number, line


def _read_txt(text: str, name: str) -> Iterator[Comment]:
    for number, line in _lines(text):
        body = line.strip()
        yield Comment(text_id(body), body, name, number)


def json_lines(text: str, name: str, problems: list[str] | None = None, first: int = 1) -> Iterator[tuple[int, Any]]:
    """Each non-blank line of `text` parsed as JSON, with its line number, counted from `first`
    (bad lines as `parse_seeds`).

    A line that holds exactly one JSON value and nothing else (the usual case) is parsed where it
    lies in `text`, without copying it out first; any other line goes through `_parse_json`, which
    decides and explains. What JSON allows but a comment or a label cannot hold is an error of the
    line too (`_checked`): NaN and Infinity, a number too large for a float or with more digits
    than Python converts, and a lone UTF-16 surrogate (`"\\ud800"`), which no UTF-8 file can hold.
    """
    if "\r" in text:  # CR or CRLF line ends: split first
        yield from _json_lines(text, name, problems, first)
        return
    position, number, size = 0, first, len(text)
    escapes = "\\u" in text and _SURROGATE_ESCAPE.search(text) is not None  # (a lone surrogate is an escape)
    while position < size:
        end = text.find("\n", position)
        if end < 0:
            end = size
        try:
            value, stop = _SCAN_JSON(text, position)
        except (StopIteration, ValueError, RecursionError):
            stop = -1
        if stop == end and not (escapes and _SURROGATE_ESCAPE.search(text, position, end)):
            yield number, value
        else:  # (a line with a surrogate's escape too: `_parse_json` checks it)
            line = text[position:end]
            if line and not line.isspace():
                try:
                    yield number, _parse_json(line, name, number)
                except SeedError as error:
                    _report(error, problems)
        position = end + 1
        number += 1


class _NotANumber(ValueError):
    """A number JSON allows (or Python's `json` does) that no field can hold: says which."""


def _no_constant(word: str) -> Any:
    raise _NotANumber(f"{word} is not a number JSON allows: write a finite number, or null")


def _finite(written: str) -> float:
    value = float(written)
    if not math.isfinite(value):
        raise _NotANumber(f"the number {_clipped(written)} is too large (the largest is about 1.8e308)")
    return value


# NaN, Infinity and numbers beyond a float's range are errors rather than values: they have no
# place in an id, a label or a note, and no JSON writer could write them back.
_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite)
_SCAN_JSON = _DECODER.scan_once  # (text, index) -> (the JSON value starting there, where it ends)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _json_lines(text: str, name: str, problems: list[str] | None, first: int = 1) -> Iterator[tuple[int, Any]]:
    for number, line in _lines(text, first):
        try:
            yield number, _parse_json(line, name, number)
        except SeedError as error:
            _report(error, problems)


def json_lines_in(stream: BinaryIO, name: str, problems: list[str],
                  read: Callable[[int, int], None] | None = None) -> Iterator[tuple[int, Any]]:
    """What `json_lines(decode_text(stream.read(), name), name, problems)` yields, read a block
    of whole lines at a time: the source is never held whole (85 MB for 100,000 exported
    comments, and as much again decoded). The errors are `decode_text`'s, for the same line and
    offset: the first bytes that are not UTF-8, else the first NUL. `read(bytes, lines)` is called
    after each block with the bytes and lines read so far.

    A line is parsed with msgspec (twice as fast) when it is plain: in a block without CR or
    byte-order mark, with at most `_MAX_QUICK_NESTING` brackets. Where msgspec refuses a line
    (NaN, a number out of range, a lone surrogate, bad JSON), `json_lines` decides and explains;
    where msgspec takes one, `json_lines` takes it alike (the tests compare them).
    """
    from annotator.core.jsonl_rows import blocks_in

    offset = newlines = 0  # the bytes and b"\n" before the block: `decode_text`'s positions
    number = 1  # `json_lines`' number of the block's first line
    nul: SeedError | None = None  # a NUL found: raised once the rest is known to be UTF-8, as `decode_text` does
    for block in blocks_in(stream, _BLOCK):  # (blocks end at a line end: a UTF-8 character never spans two)
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _not_utf8(block, error, name, offset, newlines) from None
        if nul is None and "\x00" in text:
            nul = _has_nul(text, name, newlines)
        if nul is None:
            if "\r" in text or (offset == 0 and text.startswith("\ufeff")):
                yield from json_lines(text.removeprefix("\ufeff") if offset == 0 else text, name, problems, number)
                number += len(_LINE_ENDS.findall(text)) if "\r" in text else block.count(b"\n")
            else:
                yield from _quick_json_lines(block, name, problems, number)
                number += block.count(b"\n")
        offset += len(block)
        newlines += block.count(b"\n")
        if read is not None:
            read(offset, number - 1)
    if nul is not None:
        raise nul


def _quick_json_lines(block: bytes, name: str, problems: list[str], first: int) -> Iterator[tuple[int, Any]]:
    """`json_lines` of `block` (UTF-8, without CR or NUL), each plain line parsed by msgspec: a
    block of objects one a line, all at once."""
    lines = block.split(b"\n")
    if not lines[-1]:
        lines.pop()  # (the end of the last line)
    if (all(map(bytes.startswith, lines, repeat(b"{"))) and all(map(bytes.endswith, lines, repeat(b"}")))
            and max(map(len, lines), default=0) <= 2 * _MAX_QUICK_NESTING):
        # Each line starts with "{" and ends with "}": after a nested object only "," "]" "}" may
        # come, so no value runs on to the next line, and as many values as lines are one a line.
        decoder, DecodeError = _msgspec()
        try:
            values = decoder.decode_lines(block)
        except (DecodeError, ValueError, RecursionError):
            values = None
        if values is not None and len(values) == len(lines):
            yield from zip(range(first, first + len(lines)), values)
            return
    yield from _quick_json_line_by_line(block, name, problems, first)


def _quick_json_line_by_line(block: bytes, name: str, problems: list[str], first: int) -> Iterator[tuple[int, Any]]:
    decoder, DecodeError = _msgspec()
    decode, view, count = decoder.decode, memoryview(block), block.count
    position, number, size = 0, first, len(block)
    while position < size:
        end = block.find(b"\n", position)
        if end < 0:
            end = size
        try:
            if end - position > 2 * _MAX_QUICK_NESTING and count(b"[", position, end) + count(b"{", position, end) > _MAX_QUICK_NESTING:
                raise RecursionError  # (where `json` stops nesting depends on the stack: it decides)
            value = decode(view[position:end])
        except (DecodeError, ValueError, RecursionError):
            yield from json_lines(str(block[position:end], "utf-8"), name, problems, number)
        else:
            yield number, value
        position = end + 1
        number += 1


_BLOCK = 1 << 20  # bytes `json_lines_in` reads at a time (and then to the end of the line)
# Brackets and braces on a line beyond which `json` parses it, not msgspec: both stop at the
# recursion limit (1000) less the frames on the stack, a few levels apart; well below it, both
# take a line alike. (A shorter line cannot nest this deep: only longer ones are counted.)
_MAX_QUICK_NESTING = 800


def _parse_json(line: str, name: str, number: int) -> Any:
    try:
        value = _DECODER.decode(line)
    except json.JSONDecodeError as error:
        raise SeedError(f"{name}:{number}: not valid JSON: {error.msg} (column {error.colno})") from None
    except _NotANumber as error:
        raise SeedError(f"{name}:{number}: {error}") from None
    except ValueError:  # int(): more digits than `sys.get_int_max_str_digits()`
        raise SeedError(
            f"{name}:{number}: a number with more than {sys.get_int_max_str_digits()} digits: "
            "too long to read (an id that long is better written as a string)"
        ) from None
    except RecursionError:
        raise SeedError(f"{name}:{number}: JSON nested too deeply") from None
    return _checked(value, name, number) if "\\u" in line else value


def _checked(value: Any, name: str, number: int) -> Any:
    """`value`, unless a string in it (a field name or a value, at any depth) holds a lone
    surrogate: then `SeedError` naming the field."""
    fields = value.items() if isinstance(value, dict) else [(None, value)]
    for key, inner in fields:
        found, where = _lone_surrogate(key), "a field name"
        if found is None:
            found, where = _lone_surrogate(inner), "the line" if key is None else f"\"{_clipped(key)}\""
        if found:
            raise SeedError(
                f"{name}:{number}: {where} is not valid Unicode: \\u{ord(found):04x} is half of a UTF-16 "
                "surrogate pair, without the other half",
                hint="no UTF-8 file can hold it: fix the program that wrote this file",
            )
    return value


def _lone_surrogate(value: Any) -> str | None:
    """The first lone surrogate in the strings of `value` (a parsed JSON value), or None."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found = _SURROGATE.search(item)
            if found:
                return found[0]
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _clipped(text: str, length: int = 40) -> str:
    """`text` cut to `length` characters for a message, with '…' where it was cut."""
    return text if len(text) <= length else text[: length - 1] + "…"


def _report(error: SeedError, problems: list[str] | None) -> None:
    """Collect `error` in `problems`, or raise it when there is no list to collect into."""
    if problems is None:
        raise error
    problems.append(error.message)


def _read_csv(text: str, name: str, fields: FieldNames, problems: list[str] | None) -> Iterator[Comment]:
    # strict: a quote that is never closed is an error, not a field that swallows the rest of the file
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise SeedError(f"{name}:1: not a valid CSV header: {error}") from None
    if not header or fields.text not in header:
        raise SeedError(
            f"{name}:1: no \"{fields.text}\" column in the header row",
            hint=f"the first row names the columns; one of them must be \"{fields.text}\"",
        )
    start = reader.line_num + 1  # the line a row starts on (a quoted field may span lines)
    try:
        for row in reader:
            if row:  # a blank line is an empty row
                record: dict[str | None, Any] = dict(zip(header, row))
                if len(row) > len(header):
                    record[None] = row[len(header):]
                try:
                    comment = _csv_comment(record, name, start, fields)
                except SeedError as error:
                    _report(error, problems)
                    comment = None
                if comment is not None:
                    yield comment
            start = reader.line_num + 1
    except csv.Error as error:
        _report(_csv_error(error, name, start), problems)


def _csv_error(error: csv.Error, name: str, line: int) -> SeedError:
    """A CSV reader's error in words, with what usually causes it."""
    reason = str(error)
    hint = 'a field in quotes ends with a quote just before the comma or the line end; a quote inside it is written twice ("")'
    if "end of data" in reason:
        reason = "a quoted field starts here and is never closed"
    elif "field limit" in reason:
        reason = f"a field longer than {csv.field_size_limit():,} characters starts here (a quote never closed?)"
        hint += "; a comment really that long fits in a .jsonl file"
    return SeedError(f"{name}:{line}: not valid CSV: {reason}", hint=hint)


def _csv_comment(row: dict[str | None, Any], name: str, number: int, fields: FieldNames) -> Comment | None:
    if None in row:
        raise SeedError(f"{name}:{number}: more fields than the header names")
    if not any((value or "").strip() for value in row.values()):
        return None
    return _comment({k: v for k, v in row.items() if v is not None}, name, number, fields)


def _comment(record: dict[str, Any], name: str, number: int, fields: FieldNames = DEFAULT_FIELDS) -> Comment:
    if fields is not DEFAULT_FIELDS:
        record = _renamed(record, fields)
    body = record.get("text")
    if not isinstance(body, str) or not body.strip():
        field = fields.text
        got = (f"no \"{field}\" field" if body is None else f"\"{field}\" is {json_kind(body)}" if not isinstance(body, str)
               else f"\"{field}\" is empty" if not body else f"\"{field}\" is only white space")
        raise SeedError(f"{name}:{number}: expected a non-empty \"{field}\" string, {got}")
    body = body.strip()
    given = record.get("id")
    if given is None or given == "":
        comment_id = text_id(body)
    elif (problem := id_problem(given)) is None:
        comment_id = str(given).strip()
        if not comment_id.isprintable() or not comment_id:
            raise SeedError(f"{name}:{number}: \"{fields.id}\" must be printable text, got {_clipped(repr(given), 60)}")
    else:
        raise SeedError(f"{name}:{number}: \"{fields.id}\" must be {problem}")
    meta = NO_EXTRA if record.keys() <= _KNOWN else {key: value for key, value in record.items() if key not in _KNOWN}
    author, url, parent = record.get("author"), record.get("url"), record.get("parent")
    context = record.get("context")
    return Comment(
        comment_id,
        body,
        name,
        number,
        author if author is None or type(author) is str and author else _optional_str(author, "author", name, number),
        url if url is None or type(url) is str and url else _optional_str(url, "url", name, number),
        parent if parent is None or type(parent) is str and parent else _optional_str(parent, "parent", name, number),
        context if context is None else _context(context, fields.context, name, number),
        meta,
    )


def id_problem(given: Any) -> str | None:
    """What an id must be, when `given` (a JSON value other than null) cannot be one; else None."""
    if type(given) is str or type(given) is int:
        return None
    if isinstance(given, float):
        return f"a string or a whole number, got {given!r}"
    return f"a string or a number, got {json_kind(given)}"


_KNOWN = frozenset(KNOWN_FIELDS)


def _renamed(record: dict[str, Any], fields: FieldNames) -> dict[str, Any]:
    """`record` with the fields named by `fields` moved to "text", "id" and "context" (replacing those)."""
    pairs = (("text", fields.text), ("id", fields.id), ("context", fields.context))
    renamed = {key: value for key, value in record.items() if key not in {name for pair in pairs for name in pair}}
    for ours, theirs in pairs:
        if theirs in record:
            renamed[ours] = record[theirs]
    return renamed


def _context(value: Any, field: str, name: str, number: int) -> str | None:
    """The text a comment replies to, without surrounding white space; blank is none."""
    text = value if type(value) is str else _optional_str(value, field, name, number)
    return text.strip() or None if text else None


def _optional_str(value: Any, field: str, name: str, number: int) -> str | None:
    """An optional text field (author, url, parent, context): null or "" is none, a number is its digits."""
    if value is None or value == "":
        return None
    if type(value) is str or type(value) is int or type(value) is float:
        return str(value)
    raise SeedError(f"{name}:{number}: \"{field}\" must be a string or a number, got {json_kind(value)}")


def json_kind(value: Any) -> str:
    """How to name the type of a JSON value in a message: "a list", "null", ..."""
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return kinds.get(type(value), "a number")
