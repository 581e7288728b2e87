"""Label-level differences: which entries of an annotation file changed, and how.

Two versions of a file are compared entry by entry. Each file is cut into blocks of text, one per
`[comments.ID]` table (with its sub-tables); blocks are compared as text and only the blocks that
differ are parsed, with the head of the file. So a 100,000-entry file with a few changes costs a
split and a small parse, not two full parses. Any entry a differing block defines is compared,
so an odd layout costs time, not correctness; a layout the cut cannot follow (multi-line strings,
quoted ids with dots, other tables) is parsed whole, and a parse error is always reported from the whole
file, with its real line numbers.
"""

from __future__ import annotations

import re
import zlib
from array import array
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import compress, islice
from operator import ne
from pathlib import Path
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from annotator.core import cache, gitio
from annotator.core.errors import AnnotatorError, Problem
from annotator.core.models import Annotation, excerpt
from annotator.core.perf import paused_gc
from annotator.core.seeds import load_seeds
from annotator.core.store import ANNOTATIONS_DIR, SUFFIX, ParsedFile, StoreError, parse_annotations

T = TypeVar("T")
LABEL_FIELDS = ("stance", "topics", "note", "flagged")
TIMING_FIELDS = ("seconds", "updated")
EMPTY = Annotation()


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of an entry, before and after (None: absent)."""

    name: str
    old: Any
    new: Any

    @property
    def added(self) -> tuple[str, ...]:
        """For topics: the ones that were not there before."""
        return tuple(sorted(set(self.new or ()) - set(self.old or ())))

    @property
    def removed(self) -> tuple[str, ...]:
        """For topics: the ones that are gone."""
        return tuple(sorted(set(self.old or ()) - set(self.new or ())))


@dataclass(frozen=True, slots=True)
class EntryChange:
    """One annotator's entry for one comment, before and after (None: no entry)."""

    annotator: str
    comment_id: str
    old: Annotation | None
    new: Annotation | None
    excerpt: str = ""

    @property
    def kind(self) -> str:
        return change_kind(self.old, self.new)

    def fields(self, timing: bool = False) -> list[FieldChange]:
        """What changed, labels first; `seconds` and `updated` only when `timing`."""
        return field_changes(self.old, self.new, timing)


def change_kind(old: Annotation | None, new: Annotation | None) -> str:
    """'added' (no entry before), 'removed' (none after) or 'changed'."""
    if old is None:
        return "added"
    return "removed" if new is None else "changed"


def field_changes(old: Annotation | None, new: Annotation | None, timing: bool = False) -> list[FieldChange]:
    """The fields that differ between two entries (a missing entry counts as an empty one)."""
    before, after = _values(old or EMPTY), _values(new or EMPTY)
    extra = sorted((before.keys() | after.keys()) - _KNOWN)
    names = [*LABEL_FIELDS, *(TIMING_FIELDS if timing else ()), *extra]
    return [FieldChange(name, before.get(name), after.get(name)) for name in names
            if before.get(name) != after.get(name)]


_KNOWN = frozenset(LABEL_FIELDS + TIMING_FIELDS)


def _values(entry: Annotation) -> dict[str, Any]:
    values = {name: getattr(entry, name) for name in LABEL_FIELDS + TIMING_FIELDS}
    values["seconds"] = values["seconds"] or None
    return values | dict(entry.extra)


# Comparing two versions of a file ------------------------------------------------------------


@dataclass(slots=True)
class FileComparison:
    """The entries that differ between two versions of one file, and each version's top-level keys."""

    changes: list[EntryChange] = field(default_factory=list)
    old_extra: dict[str, Any] = field(default_factory=dict)
    new_extra: dict[str, Any] = field(default_factory=dict)


def compare_files(
    old: bytes | None, new: bytes | None, annotator: str, old_name: str, new_name: str | None = None,
    old_blob: str | None = None,
) -> FileComparison:
    """Every entry whose value differs between two versions of a file (None: the file is absent);
    `old_blob`: the git blob the old version is, if it is one (see `_aligned_parts`).

    Raise `StoreError` naming the version (`old_name`, `new_name`), line and column when one
    does not parse.
    """
    new_name = new_name or old_name
    aligned = _aligned_parts(old or b"", new or b"", old_blob)
    if aligned is None:
        return compare_blocks(old, new, annotator, old_name, new_name)
    before = _parse_parts(aligned[0], old, old_name, annotator)
    after = _parse_parts(aligned[1], new, new_name, annotator)
    return _compare_parsed(before, after, annotator)


def compare_blocks(old: bytes | None, new: bytes | None, annotator: str, old_name: str, new_name: str) -> FileComparison:
    """`compare_files`, each version cut whole into blocks (`Blocks`), or parsed whole."""
    old_blocks, new_blocks = Blocks.split(old or b""), Blocks.split(new or b"")
    if old_blocks is None or new_blocks is None:
        before, after = parse_bytes(old, old_name, annotator), parse_bytes(new, new_name, annotator)
    else:
        differing = old_blocks.differing(new_blocks)
        before = old_blocks.parse(differing, old, old_name, annotator)
        after = new_blocks.parse(differing, new, new_name, annotator)
    return _compare_parsed(before, after, annotator)


def _compare_parsed(old: ParsedFile, new: ParsedFile, annotator: str) -> FileComparison:
    changes = []
    for comment_id in sorted(old.entries.keys() | new.entries.keys()):
        before, after = old.entries.get(comment_id), new.entries.get(comment_id)
        if before != after:
            quote = new.excerpts.get(comment_id) or old.excerpts.get(comment_id, "")
            changes.append(EntryChange(annotator, comment_id, before, after, quote))
    return FileComparison(changes, old.extra, new.extra)


def parse_bytes(data: bytes | None, name: str, annotator: str | None = None) -> ParsedFile:
    """Parse the content of an annotation file (None: absent, so empty) with the garbage collector
    paused; `StoreError` if it does not parse or is not UTF-8."""
    try:
        text = (data or b"").decode("utf-8")
    except UnicodeDecodeError as error:
        raise StoreError([Problem(name, None, f"not UTF-8 (offset {error.start})")]) from None
    with paused_gc():
        return parse_annotations(text, name, annotator)


@dataclass(frozen=True, slots=True)
class Blocks:
    """A file cut before each `[comments.ID]` header: the head, then one block of bytes per entry.

    A block holds its entry's table and sub-tables, and ends with the comment line that quotes
    the next entry. Equal blocks hold equal entries; only the others need parsing. Bytes, not
    text: half the memory of a decoded file, and nothing is decoded that is not parsed.
    """

    head: bytes
    order: list[bytes]
    texts: dict[bytes, bytes]

    @classmethod
    def split(cls, data: bytes) -> Blocks | None:
        """The blocks of `data`, or None when its layout does not allow it (then parse it whole)."""
        if b'"""' in data or b"'''" in data:
            return None
        text = b"\n" + data
        head, *pieces = text.split(b"\n[")
        if text.count(b"\n[comments.") != len(pieces):
            return None  # a table that is not an entry
        order = _BARE_HEADER.findall(text)  # (the ids of the headers, found in one scan)
        if len(order) == len(pieces):  # every header is `[comments.ID]`, ID bare: one block each
            texts = dict(zip(order, pieces))
            return cls(head[1:], order, texts) if len(texts) == len(order) else None
        order = [piece[9 : piece.find(b"]")] for piece in pieces]
        if b"." in b" ".join(order):
            return cls._joining_subtables(head[1:], order, pieces)
        texts = dict(zip(order, pieces, strict=True))
        return cls(head[1:], order, texts) if len(texts) == len(order) else None

    @classmethod
    def _joining_subtables(cls, head: bytes, names: list[bytes], pieces: list[bytes]) -> Blocks | None:
        """The blocks when some tables are `[comments.ID.sub]`: each joins the entry above it."""
        order: list[bytes] = []
        texts: dict[bytes, bytes] = {}
        for name, piece in zip(names, pieces, strict=True):
            comment_id, subtable, _ = name.partition(b".")
            if subtable:
                if not order or order[-1] != comment_id:
                    return None
                texts[comment_id] += b"\n[" + piece
            elif comment_id in texts:
                return None
            else:
                texts[comment_id] = piece
                order.append(comment_id)
        return cls(head, order, texts)

    def differing(self, other: Blocks) -> set[bytes]:
        """The ids whose blocks are not the same in `other`."""
        return {comment_id for comment_id, _ in self.texts.items() ^ other.texts.items()}

    def parse(self, ids: set[bytes], whole: bytes | None, name: str, annotator: str) -> ParsedFile:
        """Parse the head and the blocks of `ids`, each with its excerpt line, laid out as in the
        file (so the store's fast reader applies); on an error, parse `whole` for exact lines."""
        position = dict(zip(self.order, range(len(self.order)))) if ids else {}
        parts = [_cut_comment(self.head)[0]]
        for comment_id in sorted(ids & position.keys(), key=position.__getitem__):
            index = position[comment_id]
            quote = _cut_comment(self.texts[self.order[index - 1]] if index else self.head)[1]
            parts.append(_block_part(quote, self.texts[comment_id]))
        return _parse_parts(parts, whole, name, annotator)


def _block_part(quote: bytes, block: bytes) -> bytes:
    """An entry's block as the text to parse holds it: its excerpt line (`quote`), then the block
    without the next entry's excerpt."""
    body = _cut_comment(block)[0]
    return b"\n" + quote + b"\n[" + body if quote else b"\n[" + body


def _parse_parts(parts: list[bytes], whole: bytes | None, name: str, annotator: str) -> ParsedFile:
    """Parse the head and blocks in `parts`; on an error, parse `whole` for exact lines."""
    try:
        return parse_bytes(b"".join(parts), name, annotator)
    except StoreError:
        return parse_bytes(whole, name, annotator)


_BARE_HEADER = re.compile(rb"\n\[comments\.([A-Za-z0-9_-]+)\]")  # an entry's header, with a bare id
_TABLE = re.compile(rb"\n\[(comments\.[A-Za-z0-9_-]+\]|)")  # any table's header: `comments.ID]` if an entry's, ID bare
REGION = 16  # entries in a region of `_aligned_parts`
_SLACK = 4096  # bytes searched beyond where a region's end is expected (`_aligned_parts`)


def _aligned_parts(old: bytes, new: bytes, old_blob: str | None = None) -> tuple[list[bytes], list[bytes]] | None:
    """What `Blocks.parse` would parse of each version (the head, then the blocks of the entries
    whose blocks differ, each with its excerpt line), found without cutting both files whole; None
    when a version's layout does not allow it (then `Blocks` applies).

    The old version is checked whole: every table is `[comments.ID]` with a bare ID, in strictly
    increasing order (of `comments.ID]`: a file sorted by id may fail this, then `Blocks` applies),
    and no string spans lines. It is cut into regions of `REGION` entries, each
    starting at an entry's header (a bound); the new version is cut at the same bounds, a region
    there holding the entries whose ids fall between the same two bounds. Regions with the same
    bytes in both hold the same entries; the others are cut into blocks and compared, and are checked
    as the old version was (so the new one is checked where it differs). The blocks of a region are
    those `Blocks.split` cuts, so the entries to parse are the same.

    `old_blob`: the git blob the old version is; what the check finds (the entries and bounds) is
    kept in the parse cache by its id, as a blob's content never changes."""
    if not new or new.startswith(b"["):
        return None
    layout = _old_layout(old, old_blob)
    if layout is None:
        return None
    ids, old_cuts = layout
    new_first = new.find(b"\n[")
    new_first = len(new) if new_first < 0 else new_first
    if _spans_lines(new[:new_first]):
        return None
    bounds = ids[::REGION]
    new_cuts: list[int] = []
    position, last = new_first, old_cuts[0]
    for bound, old_cut in zip(bounds, old_cuts):
        needle = b"\n[" + bound
        found = new.find(needle, position, position + 2 * (old_cut - last) + len(needle) + _SLACK)
        position = found if found >= 0 else _first_from(new, position, bound)  # (-1: a table of another kind)
        if position < 0:
            return None
        new_cuts.append(position)
        last = old_cut
    old_parts, new_parts = [_cut_comment(old[:old_cuts[0]])[0]], [_cut_comment(new[:new_first])[0]]
    old_ends, new_ends = [*old_cuts[1:], len(old)], [*new_cuts[1:], len(new)]
    regions = [(old_cuts[0], old_cuts[0], new_first, new_cuts[0], b"", bounds[0], 0)]  # (new entries before the first)
    regions += zip(old_cuts, old_ends, new_cuts, new_ends, bounds, [*bounds[1:], None], range(0, len(ids), REGION))
    for old_start, old_end, new_start, new_end, low, high, first in regions:
        if old_end - old_start == new_end - new_start and old[old_start:old_end] == new[new_start:new_end]:
            continue
        region = new[new_start:new_end]
        new_ids = _TABLE.findall(region)
        if (_spans_lines(region) or not all(map(bytes.__lt__, new_ids, islice(new_ids, 1, None)))
                or (new_ids and (not new_ids[0] or new_ids[0] < low or (high is not None and new_ids[-1] >= high)))):
            return None
        old_ids = ids[first:first + REGION] if old_end > old_start else []
        old_blocks, new_blocks = old[old_start:old_end].split(b"\n[")[1:], region.split(b"\n[")[1:]
        if old_ids == new_ids:
            changed = set(compress(old_ids, map(ne, old_blocks, new_blocks)))
        else:
            changed = {key for key, _ in dict(zip(old_ids, old_blocks)).items() ^ dict(zip(new_ids, new_blocks)).items()}
        _add_parts(old_parts, old, old_start, old_ids, old_blocks, changed)
        _add_parts(new_parts, new, new_start, new_ids, new_blocks, changed)
    return old_parts, new_parts


def _old_layout(old: bytes, blob: str | None) -> tuple[list[bytes], list[int]] | None:
    """The old version's entries (`comments.ID]` of each header) and where each region starts, if
    its layout is as `_aligned_parts` needs; from the parse cache when `blob` (its git blob) was
    checked before, with `REGION` entries a region."""
    where = None if blob is None else cache.key("diff-layout", f"{blob}\0{REGION}".encode("ascii"))
    kept = cache.load(where)
    if type(kept) is tuple and len(kept) == 3 and type(kept[0]) is bytes and type(kept[1]) is bytes \
            and zlib.crc32(kept[1], zlib.crc32(kept[0])) == kept[2] and len(kept[1]) % 8 == 0:
        ids, cuts = kept[0].split(b"\n"), array("Q")
        cuts.frombytes(kept[1])
        if len(cuts) == len(range(0, len(ids), REGION)) and (not cuts or cuts[-1] < len(old)):
            return ids, cuts.tolist()
    if not old or old.startswith(b"[") or _spans_lines(old):
        return None
    ids = _TABLE.findall(old)  # (`comments.ID]` of each entry's header, b"" for another table's)
    if not ids or not all(map(bytes.__lt__, ids, islice(ids, 1, None))) or ids[0] == b"":
        return None
    cuts: list[int] = []
    position = 0
    for bound in ids[::REGION]:
        position = old.find(b"\n[" + bound, position)
        cuts.append(position)
    joined, numbers = b"\n".join(ids), array("Q", cuts).tobytes()
    cache.save(where, (joined, numbers, zlib.crc32(numbers, zlib.crc32(joined))))
    return ids, cuts


def _spans_lines(data: bytes) -> bool:
    """Whether `data` may hold a string of several lines (which could hold a line like a header)."""
    return b'"""' in data or b"'''" in data


def _first_from(data: bytes, position: int, bound: bytes) -> int:
    """Where the first entry from `position` (a header, or the end) with an id from `bound` on
    starts (the end if none does), going header by header; -1 if a table there is not
    `[comments.ID]` with a bare ID."""
    while position < len(data):
        match = _TABLE.match(data, position)
        if match is None or not match.group(1):
            return -1
        if match.group(1) >= bound:
            return position
        position = data.find(b"\n[", position + 1)
        if position < 0:
            return len(data)
    return len(data)


def _add_parts(parts: list[bytes], data: bytes, start: int, ids: list[bytes], blocks: list[bytes],
               changed: set[bytes]) -> None:
    """The blocks of `changed` ids among those of a region of `data` (from `start`), as parts to parse."""
    for index in compress(range(len(ids)), map(changed.__contains__, ids)):
        if index:
            quote = _cut_comment(blocks[index - 1])[1]
        else:  # the line before the region, which ends the block before it (or the head)
            line = data[data.rfind(b"\n", 0, start) + 1:start]
            quote = line if line.startswith(b"#") else b""
        parts.append(_block_part(quote, blocks[index]))


def _cut_comment(block: bytes) -> tuple[bytes, bytes]:
    """A block without its last line when that is a comment (the next entry's excerpt), and that line."""
    start = block.rfind(b"\n") + 1
    if block.startswith(b"#", start):
        return block[: max(start - 1, 0)], block[start:]
    return block, b""


# Comparing revisions of a repository ---------------------------------------------------------

WORKTREE = None  # a revision argument of None means the files in the working tree


@dataclass(frozen=True, slots=True)
class _Version:
    """One side of a comparison: a commit's files, or the working tree's."""

    root: Path
    commit: str | None
    blobs: dict[str, str]
    sizes: dict[str, int] | None = None  # a commit's file sizes, to read a file the working tree has the same

    def read(self, file_name: str, blobs: gitio.BlobReader) -> bytes | None:
        """The content of `file_name` in this version (a commit's read through `blobs`, or from the
        working tree where the file there is the same blob), or None when it has no such file."""
        blob = self.blobs.get(file_name)
        if blob is None:
            return None
        path = self.root / ANNOTATIONS_DIR / file_name
        if self.commit is None:
            return path.read_bytes()
        if self.sizes is not None and file_name in self.sizes:
            same = gitio.worktree_copy(path, blob, self.sizes[file_name])
            if same is not None:
                return same
        return blobs.read(blob)

    def describe(self, file_name: str) -> str:
        """The file's name in messages: `commit:path` as git writes it, or the path in the working tree."""
        path = f"{ANNOTATIONS_DIR}/{file_name}"
        return f"{self.commit[:12]}:{path}" if self.commit else path


def diff_revisions(
    root: Path, old_revision: str | None, new_revision: str | None = WORKTREE, annotator: str | None = None
) -> list[EntryChange]:
    """Every entry that differs between two revisions (None: the working tree), sorted by annotator
    and comment id, with excerpts from the files or, failing that, from the seeds."""
    gitio.require_repository(root)
    old = _version(root, old_revision)
    new = _version(root, new_revision, worktree_copies=True)
    names = sorted(old.blobs.keys() | new.blobs.keys())
    if annotator is not None:
        names = [name for name in names if name == f"{annotator}{SUFFIX}"]
        if not names:
            raise AnnotatorError(f"no annotations/{annotator}{SUFFIX} in either revision",
                                 hint="give the name of an annotator with a file in annotations/")
    changes: list[EntryChange] = []
    differing = [name for name in names if old.blobs.get(name) != new.blobs.get(name)]
    with gitio.BlobReader(root) as blobs:
        def both(file_name: str) -> tuple[bytes | None, bytes | None]:
            return old.read(file_name, blobs), new.read(file_name, blobs)

        for file_name, (before, after) in _read_ahead(differing, both):
            comparison = compare_files(before, after, file_name.removesuffix(SUFFIX), old.describe(file_name),
                                       new.describe(file_name), old.blobs.get(file_name) if old.commit else None)
            changes.extend(comparison.changes)
    return with_seed_excerpts(root, changes)


def _read_ahead(names: list[str], read: Callable[[str], T]) -> Iterator[tuple[str, T]]:
    """Each of `names` with what `read` gives for it, in order; the next one is read on another
    thread meanwhile (git inflates a blob while the last one is compared), so that at most two are held."""
    if not names:
        return
    with ThreadPoolExecutor(max_workers=1) as reader:
        pending = reader.submit(read, names[0])
        for index, name in enumerate(names):
            current = pending.result()
            if index + 1 < len(names):
                pending = reader.submit(read, names[index + 1])
            yield name, current
            del current


def _version(root: Path, revision: str | None, worktree_copies: bool = False) -> _Version:
    """The files of `revision` (None: of the working tree); with `worktree_copies`, a commit's files
    are read from the working tree where they are the same there (the new side of a comparison is
    most often the last commit)."""
    if revision is None:
        return _Version(root, None, _worktree_blobs(root))
    commit = gitio.resolve_commit(root, revision)
    blobs = {name: blob for name, blob in gitio.tree_blobs(root, commit, ANNOTATIONS_DIR).items()
             if name.endswith(SUFFIX) and not name.startswith(".")}
    return _Version(root, commit, blobs, gitio.tree_sizes(root, commit, ANNOTATIONS_DIR) if worktree_copies else None)


def _worktree_blobs(root: Path) -> dict[str, str]:
    folder = root / ANNOTATIONS_DIR
    names = sorted(
        path.name for path in (folder.iterdir() if folder.is_dir() else ())
        if path.name.endswith(SUFFIX) and not path.name.startswith(".")
        and path.is_file() and not path.is_symlink()
    )
    paths = [f"{ANNOTATIONS_DIR}/{name}" for name in names]
    return dict(zip(names, gitio.hash_files(root, paths), strict=True))


def with_seed_excerpts(root: Path, changes: list[EntryChange]) -> list[EntryChange]:
    """`changes`, with an excerpt from the seeds for each entry whose file quoted none."""
    if all(change.excerpt for change in changes):
        return changes
    try:
        by_id = load_seeds(root).by_id
    except AnnotatorError:
        return changes
    return [
        change if change.excerpt or change.comment_id not in by_id
        else EntryChange(change.annotator, change.comment_id, change.old, change.new,
                         excerpt(by_id[change.comment_id].text))
        for change in changes
    ]
