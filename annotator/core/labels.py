"""Every annotator's labels in the project, read once: the one reader behind `agree`, `export`,
`stats`, `assign`, `validate` and review mode (`AnnotationFile` is for writers).

The rules, the same for every command:

- The annotation files are `annotations/<annotator>.toml`, in name order. Names that start with a
  dot (journals, editors' files) are not read; nor are files with another suffix (`validate`
  warns about those).
- No `annotations` folder: no labels yet. A symbolic link, or something that is not a folder,
  is an error (`store.folder_problem`, which writers obey too).
- A file whose name cannot be an annotator's is an error ("bad annotator file name"), said once.
- Each file is read as `AnnotationFile.load` reads it: the parse cache used, a journal left by an
  unfinished session replayed, every problem named by file and line.
- Gold (`annotations/gold.toml`, the adjudicated labels) is read unless left out.

`read_labels` stops at the first error, as a command does; `scan_labels` reads past errors and
says what it could not read, as `validate` does.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from annotator.core.errors import Problem
from annotator.core.models import Annotation, printable
from annotator.core.perf import paused_gc
from annotator.core.store import (
    ANNOTATIONS_DIR,
    GOLD,
    JOURNAL_SUFFIX,
    SUFFIX,
    AnnotationFile,
    DiskState,
    StoreError,
    annotator_name_problem,
    folder_problem,
)
from annotator.core.store.columns import Entries, LabelColumns, locate_by

BAD_NAME_HINT = "rename the file (or move it out of annotations/): its name says whose labels these are"


class LabelFile:
    """One annotator's labels as read from `annotations/`, for reading only.

    `entries` is a plain dict, made on first use; `labeled_positions` reads the store's columns
    without making an entry (what `assign` and `stats` need)."""

    __slots__ = ("annotator", "display", "lines", "excerpts", "warnings", "_stored", "_entries")

    def __init__(self, annotator: str, display: str, entries: Mapping[str, Annotation], lines: Mapping[str, int],
                 excerpts: Mapping[str, str], warnings: list[Problem]) -> None:
        self.annotator = annotator
        self.display = display  # `annotations/alice.toml`, as messages name it
        self.lines = lines  # the line of each entry's header
        self.excerpts = excerpts  # the excerpt comment above each entry (both read when asked for)
        self.warnings = warnings  # what reading noticed but did not refuse
        self._stored = entries
        self._entries: dict[str, Annotation] | None = entries if type(entries) is dict else None

    @property
    def entries(self) -> dict[str, Annotation]:
        if self._entries is None:
            stored = self._stored
            self._entries = stored.as_dict() if isinstance(stored, Entries) else dict(stored)
        return self._entries

    @property
    def columns(self) -> LabelColumns | None:
        """The store's columns when they hold every entry as read (nothing set or removed since,
        no dict made), else None: for a reader of the whole file that can work a column at a time."""
        stored = self._stored
        if self._entries is None and isinstance(stored, Entries) and not stored.changed_ids():
            return stored.columns
        return None

    @property
    def stored(self) -> Mapping[str, Annotation]:
        """The entries by comment id as read: each made when asked for (`entries` makes them all)."""
        return self._stored if self._entries is None else self._entries

    def get(self, comment_id: str) -> Annotation | None:
        """The entry of `comment_id`, or None (made alone: the dict of every entry is not made)."""
        return self.stored.get(comment_id)

    @property
    def count(self) -> int:
        """How many entries the file has."""
        return len(self.stored)

    def labeled_positions(self, position_of: Mapping[str, int], corpus: bytes) -> tuple[list[int], bytearray]:
        """Where the entries with a stance or a topic are in a corpus (`position_of` its ids'
        positions, `corpus` a digest of those ids, naming it in the parse cache), and beside each
        1 if it has a stance. Entries for comments not in the corpus are left out."""
        if self._entries is None and isinstance(self._stored, Entries):
            return self._stored.labeled_positions(locate_by(lambda: position_of), corpus, position_of.get)
        labeled = [(position_of[comment_id], entry.stance is not None) for comment_id, entry in self.entries.items()
                   if entry.is_labeled and comment_id in position_of]
        return [position for position, _ in labeled], bytearray(stanced for _, stanced in labeled)

    def __repr__(self) -> str:
        return f"LabelFile({self.display!r}, {len(self._stored)} entries)"


@dataclass(frozen=True, slots=True)
class Unread:
    """Something in `annotations/` that was not read, and why: errors (with how to fix them), or
    only a warning (a file that is not an annotation file)."""

    problems: list[Problem]
    hint: str = ""

    @property
    def is_error(self) -> bool:
        return any(not problem.warning for problem in self.problems)

    def error(self) -> StoreError:
        return StoreError(self.problems, self.hint)


def labels_state(root: Path, leave_out: Collection[str]) -> tuple[tuple[str, DiskState | None], ...]:
    """What a read of `annotations/` (but the files and journals of `leave_out`) depends on: each
    annotation file and journal with its size, change time and inode. Another state than the
    one a read began with means that read is out of date (a `git pull` came, say)."""
    folder = root / ANNOTATIONS_DIR
    skip = {f"{name}{SUFFIX}" for name in leave_out} | {f".{name}{JOURNAL_SUFFIX}" for name in leave_out}
    state = []
    try:
        paths = sorted(folder.iterdir())
    except OSError:  # (no folder yet, or not one: the read says so)
        return ()
    for path in paths:
        name = path.name
        if name in skip or not (name.endswith(SUFFIX) or (name.startswith(".") and name.endswith(JOURNAL_SUFFIX))):
            continue
        try:
            state.append((name, DiskState.of(path)))
        except OSError:  # (unreadable: the read says so)
            continue
    return tuple(state)


def read_labels(root: Path, gold: bool = True, leave_out: Collection[str] = ()) -> dict[str, LabelFile]:
    """The labels under `root`, by annotator name (sorted): gold too unless `gold` is false, and
    none of the annotators in `leave_out`. Raises `StoreError` at the first file it cannot read."""
    files = {}
    for item in scan_labels(root, gold, leave_out):
        if isinstance(item, LabelFile):
            files[item.annotator] = item
        elif item.is_error:
            raise item.error()
    return files


def scan_labels(root: Path, gold: bool = True, leave_out: Collection[str] = ()) -> Iterator[LabelFile | Unread]:
    """Each file of `annotations/` in name order: its labels, or why it was not read."""
    folder = root / ANNOTATIONS_DIR
    problem = folder_problem(folder)
    if problem is not None:
        yield Unread(problem.problems, problem.hint)
        return
    if not folder.exists():
        return
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name == "README.md":
            continue
        display = f"{ANNOTATIONS_DIR}/{printable(path.name, keep_newlines=False)}"
        if not path.name.endswith(SUFFIX):
            yield Unread([Problem(display, None, "not an annotation file (expected <annotator>.toml)", warning=True)])
            continue
        name = path.name.removesuffix(SUFFIX)
        if name in leave_out or (name == GOLD and not gold):
            continue
        reason = annotator_name_problem(name)
        if reason:
            yield Unread([Problem(display, None, f"bad annotator file name: the name {reason}")], BAD_NAME_HINT)
            continue
        try:
            with paused_gc():
                store = AnnotationFile.load(path, display=display)
        except StoreError as error:
            yield Unread(error.problems, error.hint)
            continue
        yield LabelFile(name, display, store.entries, store.lines, store.excerpts, store.warnings)

