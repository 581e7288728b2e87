"""Adding comments to `seeds/` from a file made elsewhere: checked whole, then written as one new file.

The source is read by the seed parsers (`seeds.parse_seeds`), so it follows the same rules and
the same id rule as `seeds/`. Every bad row is reported, with its line, before anything is written;
comments already in `seeds/` (same id, same text) are skipped. The new file is JSONL, named after
the source, never replacing an existing file, and written atomically.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.core.errors import AnnotatorError
from annotator.core.models import Comment
from annotator.core.progress import tracked
from annotator.core.seeds import DEFAULT_FIELDS, SEED_KINDS, SEEDS_DIR, Corpus, FieldNames, load_seeds, parse_seeds
from annotator.core.sources import STDIN, ImportProblems
from annotator.core.store import atomic_write

SUFFIX_KINDS = {".txt": "txt", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def source_kind(source: str, given: str | None) -> str:
    """The format of `source`: `given`, else guessed from its extension."""
    if given:
        return given
    kind = SUFFIX_KINDS.get(Path(source).suffix.lower())
    if kind is None:
        what = "standard input" if source == STDIN else source
        raise AnnotatorError(
            f"{what}: cannot tell the format from the file name",
            hint=f"give --format ({', '.join(SEED_KINDS)})",
        )
    return kind


@dataclass(frozen=True, slots=True)
class CommentImport:
    """The comments to add (new ids, in source order) and how many were already there."""

    added: tuple[Comment, ...]
    skipped: int


def plan_comment_import(
    data: bytes, name: str, kind: str, existing: Corpus, fields: FieldNames = DEFAULT_FIELDS
) -> CommentImport:
    """Check every row of `data` against itself and `existing`; `ImportProblems` lists the bad ones."""
    problems: list[str] = []
    comments = parse_seeds(data, name, kind, fields, problems)
    new: dict[str, Comment] = {}
    skipped = 0
    for comment in tracked(comments, "reading", data.count(b"\n") + 1):
        known = existing.by_id.get(comment.id) or new.get(comment.id)
        if known is None:
            new[comment.id] = comment
        elif known.text == comment.text:
            skipped += 1
        else:
            problems.append(
                f"{name}:{comment.line}: id {comment.id!r} is already the id of a different comment "
                f"at {known.source}:{known.line}"
            )
    if problems:
        raise ImportProblems(problems, hint=f"nothing was written to {SEEDS_DIR}/; fix these rows and import again")
    return CommentImport(tuple(new.values()), skipped)


def existing_comments(root: Path) -> Corpus:
    """The comments already in `root/seeds` (none if there is no such folder yet)."""
    if not root.is_dir():
        raise AnnotatorError(f"{root}: no such folder", hint="give --project a project folder")
    if not (root / SEEDS_DIR).is_dir():
        return Corpus((), {})
    return load_seeds(root, allow_empty=True)


def write_seed_file(root: Path, source: str, comments: Iterable[Comment]) -> str:
    """Write `comments` to a new JSONL file in `root/seeds`, named after `source`; its project path."""
    folder = root / SEEDS_DIR
    folder.mkdir(exist_ok=True)
    path = free_seed_path(folder, source)
    atomic_write(path, "".join(seed_line(comment) for comment in comments))
    return f"{SEEDS_DIR}/{path.name}"


def free_seed_path(folder: Path, source: str) -> Path:
    """`folder/<source name>.jsonl`, or with `-2`, `-3`, ... until no file has that name."""
    stem = "stdin" if source == STDIN else _UNSAFE.sub("-", Path(source).stem).strip("-") or "imported"
    path = folder / f"{stem}.jsonl"
    number = 1
    while path.exists() or path.is_symlink():
        number += 1
        path = folder / f"{stem}-{number}.jsonl"
    return path


def seed_line(comment: Comment) -> str:
    """`comment` as a line of a JSONL seed file: id, text, author, url, parent, context, then its metadata."""
    record: dict[str, Any] = {"id": comment.id, "text": comment.text}
    for key in ("author", "url", "parent", "context"):
        value = getattr(comment, key)
        if value is not None:
            record[key] = value
    record.update(comment.meta)
    return json.dumps(record, ensure_ascii=False) + "\n"
