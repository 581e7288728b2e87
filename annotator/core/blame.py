"""The history of one comment's labels: every commit that changed an annotator's entry for it.

Read from `git log` over `annotations/`, oldest first. A merge commit is listed only for the
fields it left different from every parent: a conflict resolved by hand, or topics that are the
union of both sides'. A field the merge took from one parent is that parent's change, and the
commit that made it is listed itself; so a merge that took one side's labels and only added up
`seconds` or kept the later `updated` (as the merge driver does) is not listed. A listed merge
shows its changes against its first parent, as `git log -p --first-parent` would.

The comment may be named by a unique start of its id (`annotator.core.ids`); a comment no longer
in the seeds only by its whole id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from annotator.core import gitio
from annotator.core.diff import Blocks, FieldChange, change_kind, field_changes, parse_bytes
from annotator.core.errors import AnnotatorError
from annotator.core.ids import IdIndex, IdLookupError
from annotator.core.models import Annotation, excerpt
from annotator.core.seeds import Corpus, load_seeds
from annotator.core.store import ANNOTATIONS_DIR, SUFFIX, StoreError


@dataclass(frozen=True, slots=True)
class LabelEvent:
    """One commit's change to one annotator's entry for the comment."""

    annotator: str
    commit: str
    short: str
    author: str
    date: str
    old: Annotation | None  # in the first parent
    new: Annotation | None
    others: tuple[Annotation | None, ...] = ()  # in the other parents, for a merge

    @property
    def kind(self) -> str:
        return change_kind(self.old, self.new)

    def fields(self, timing: bool = False) -> list[FieldChange]:
        """The fields this commit changed (with `timing`, `seconds` and `updated` too); for a merge,
        only those it left different from every parent."""
        changes = field_changes(self.old, self.new, timing)
        for other in self.others:
            differ = {change.name for change in field_changes(other, self.new, timing)}
            changes = [change for change in changes if change.name in differ]
        return changes


@dataclass(slots=True)
class History:
    """A comment's label history, its excerpt, and the file versions that could not be read."""

    comment_id: str
    excerpt: str = ""
    events: list[LabelEvent] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Entry:
    annotation: Annotation | None
    excerpt: str


_UNREADABLE = _Entry(None, "")


def blame(root: Path, typed: str) -> History:
    """Every committed change to an entry for the comment `typed` names (its id, or a unique
    start of the id of a comment in the seeds), grouped by annotator, oldest first.

    Raise `IdLookupError` when several seed ids start with `typed`, or when it names no comment
    in the seeds and no entry in any version of the files.
    """
    gitio.require_repository(root)
    corpus = _seeds(root)
    comment_id = _comment_id(corpus, typed)
    history = History(comment_id)
    reader = _EntryReader(root, comment_id, history)
    for commit in gitio.folder_history(root, ANNOTATIONS_DIR):
        for change in commit.changes:
            if change.name.endswith(SUFFIX) and not change.name.startswith("."):
                _record(history, reader, commit, change)
    history.events.sort(key=lambda event: event.annotator)  # stable: oldest first within each
    _add_excerpt(corpus, history, reader.seen)
    return history


def _seeds(root: Path) -> Corpus | None:
    """The comments in the seeds, or None when they cannot be read (then ids are taken whole)."""
    try:
        return load_seeds(root)
    except AnnotatorError:
        return None


def _comment_id(corpus: Corpus | None, typed: str) -> str:
    """The seed id `typed` is, or the one it starts; else `typed` itself, to look for in the history."""
    if corpus is None:
        return typed
    try:
        return IdIndex([comment.id for comment in corpus.comments]).find(typed)
    except IdLookupError as error:
        if error.count:
            raise
        return typed


def _record(history: History, reader: _EntryReader, commit: gitio.Commit, change: gitio.FileChange) -> None:
    after = reader.entry(change.after, commit.short, change.name)
    befores = [reader.entry(blob, commit.short, change.name) for blob in change.before]
    if after is _UNREADABLE or any(before is _UNREADABLE for before in befores):
        return
    if all(before.annotation != after.annotation for before in befores):
        history.events.append(LabelEvent(
            change.name.removesuffix(SUFFIX), commit.id, commit.short, commit.author, commit.date,
            befores[0].annotation, after.annotation, tuple(before.annotation for before in befores[1:]),
        ))


class _EntryReader:
    """The comment's entry in a blob, read once per blob: only its block is parsed."""

    def __init__(self, root: Path, comment_id: str, history: History) -> None:
        self.root = root
        self.comment_id = comment_id
        self.key = comment_id.encode("utf-8")
        self.history = history
        self.cache: dict[str, _Entry] = {}
        self.seen = ""  # the latest excerpt the files gave

    def entry(self, blob: str, commit: str, file_name: str) -> _Entry:
        if not blob.strip("0"):
            return _Entry(None, "")
        if blob not in self.cache:
            self.cache[blob] = self._read(blob, f"{commit}:{ANNOTATIONS_DIR}/{file_name}", file_name)
        return self.cache[blob]

    def _read(self, blob: str, name: str, file_name: str) -> _Entry:
        data = gitio.read_blob(self.root, blob)
        annotator = file_name.removesuffix(SUFFIX)
        blocks = Blocks.split(data)
        try:
            if blocks is None:
                parsed = parse_bytes(data, name, annotator)
            else:
                parsed = blocks.parse({self.key}, data, name, annotator)
        except StoreError:
            self.history.unreadable.append(name)
            return _UNREADABLE
        quote = parsed.excerpts.get(self.comment_id, "")
        self.seen = quote or self.seen
        return _Entry(parsed.entries.get(self.comment_id), quote)


def _add_excerpt(corpus: Corpus | None, history: History, from_files: str) -> None:
    """The comment's excerpt from the files, else from the seeds; an error when the id is unknown."""
    history.excerpt = from_files
    if from_files:
        return
    comment = corpus.by_id.get(history.comment_id) if corpus is not None else None
    if comment is not None:
        history.excerpt = excerpt(comment.text)
    elif not history.events:
        raise IdLookupError(
            history.comment_id,
            hint="not in seeds/, and never in a committed annotation file; comment ids are the [comments.ID] "
            "headers in annotations/, and the second column of `annotator diff`",
        )


# Written out ----------------------------------------------------------------------------------
