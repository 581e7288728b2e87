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
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.core.errors import AnnotatorError, Problem
from annotator.core.models import Comment, text_id

SEEDS_DIR = "seeds"
SEED_SUFFIXES = (".txt", ".jsonl", ".csv")
KNOWN_FIELDS = ("id", "text", "author", "url", "parent")

_LINE_ENDS = re.compile(r"\r\n|\r|\n")


class SeedError(AnnotatorError):
    """A seed file that cannot be read as comments; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Corpus:
    """All comments of a project, in seed order, with an index by id."""

    comments: tuple[Comment, ...]
    by_id: dict[str, Comment]
    warnings: tuple[Problem, ...] = ()

    def __len__(self) -> int:
        return len(self.comments)


def load_seeds(root: Path) -> Corpus:
    """Read every seed file under `root/seeds`, in file-name order; raise `SeedError` on bad input."""
    folder = root / SEEDS_DIR
    if not folder.is_dir():
        raise SeedError(
            f"{SEEDS_DIR}/: not found", hint="create it and put .txt, .jsonl or .csv files of comments in it"
        )
    warnings: list[Problem] = []
    comments: list[Comment] = []
    by_id: dict[str, Comment] = {}
    for path in sorted(folder.iterdir()):
        name = f"{SEEDS_DIR}/{path.name}"
        if path.name.startswith("."):
            continue
        if path.suffix.lower() not in SEED_SUFFIXES or not path.is_file():
            warnings.append(
                Problem(name, None, "ignored: seeds are .txt, .jsonl or .csv files", warning=True)
            )
            continue
        for comment in read_seed_file(path, name):
            known = by_id.get(comment.id)
            if known is None:
                by_id[comment.id] = comment
                comments.append(comment)
            elif known.text != comment.text:
                raise SeedError(
                    f"{name}:{comment.line}: id {comment.id!r} is already the id of a different "
                    f"comment at {known.source}:{known.line}",
                    hint="give each comment its own id",
                )
    if not comments:
        raise SeedError(
            f"{SEEDS_DIR}/: no comments found", hint="put .txt, .jsonl or .csv files of comments in it"
        )
    return Corpus(tuple(comments), by_id, tuple(warnings))


def read_seed_file(path: Path, name: str) -> Iterator[Comment]:
    """The comments of one seed file, in file order (duplicates included)."""
    text = _decode(path.read_bytes(), name)
    suffix = path.suffix.lower()
    if suffix == ".txt":
        yield from _read_txt(text, name)
    elif suffix == ".jsonl":
        yield from _read_jsonl(text, name)
    else:
        yield from _read_csv(text, name)


def _decode(data: bytes, name: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SeedError(
            f"{name}:{line}: not UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start})",
            hint="save the file as UTF-8",
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise SeedError(f"{name}:{line}: contains a NUL byte: is it a text file?")
    return text.removeprefix("\ufeff")


def _lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(_LINE_ENDS.split(text), start=1):
        if line.strip():
            yield number, line


def _read_txt(text: str, name: str) -> Iterator[Comment]:
    for number, line in _lines(text):
        body = line.strip()
        yield Comment(text_id(body), body, name, number)


def _read_jsonl(text: str, name: str) -> Iterator[Comment]:
    for number, line in _lines(text):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise SeedError(f"{name}:{number}: not valid JSON: {error.msg} (column {error.colno})") from None
        except RecursionError:
            raise SeedError(f"{name}:{number}: JSON nested too deeply") from None
        if not isinstance(record, dict):
            raise SeedError(
                f"{name}:{number}: expected a JSON object with a \"text\" field, "
                f"got {_json_kind(record)}"
            )
        yield _comment(record, name, number)


def _read_csv(text: str, name: str) -> Iterator[Comment]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames
    except csv.Error as error:
        raise SeedError(f"{name}:1: not a valid CSV header: {error}") from None
    if not header or "text" not in header:
        raise SeedError(
            f"{name}:1: no \"text\" column in the header row",
            hint="the first row names the columns; one of them must be \"text\"",
        )
    start = reader.line_num + 1
    try:
        for row in reader:
            if None in row:
                raise SeedError(f"{name}:{start}: more fields than the header names")
            if any((value or "").strip() for value in row.values()):
                yield _comment({k: v for k, v in row.items() if v is not None}, name, start)
            start = reader.line_num + 1
    except csv.Error as error:
        raise SeedError(f"{name}:{start}: not valid CSV: {error}") from None


def _comment(record: dict[str, Any], name: str, number: int) -> Comment:
    body = record.get("text")
    if not isinstance(body, str) or not body.strip():
        got = "no \"text\" field" if body is None else f"\"text\" is {_json_kind(body)}"
        raise SeedError(f"{name}:{number}: expected a non-empty \"text\" string, {got}")
    body = body.strip()
    given = record.get("id")
    if given is None or given == "":
        comment_id = text_id(body)
    elif isinstance(given, (str, int)) and not isinstance(given, bool):
        comment_id = str(given).strip()
        if not comment_id.isprintable() or not comment_id:
            raise SeedError(f"{name}:{number}: \"id\" must be printable text, got {given!r}")
    else:
        raise SeedError(f"{name}:{number}: \"id\" must be a string or a number, got {_json_kind(given)}")
    meta = {key: value for key, value in record.items() if key not in KNOWN_FIELDS}
    return Comment(
        comment_id,
        body,
        name,
        number,
        author=_optional_str(record.get("author")),
        url=_optional_str(record.get("url")),
        parent=_optional_str(record.get("parent")),
        meta=meta,
    )


def _optional_str(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _json_kind(value: Any) -> str:
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return kinds.get(type(value), "a number")
