"""The annotation files, `annotations/<annotator>.toml`: every rule of the format lives here.

The layout, made for review in `git diff`::

    # annotator labels: one entry per comment, sorted by comment id. (two header comment lines)
    format = 1
    annotator = "alice"

    # Thanks for sharing this, I believe this kind of work is very promising…
    [comments.0b9c6c0f4a8e]
    stance = "agree"
    topics = [
        "dl-theory",
    ]
    flagged = false
    seconds = 41.5
    updated = 2026-11-27 17:41:38+00:00

Deterministic (the same annotations give the same bytes), one value per line, an excerpt of the
comment above each entry. Writes are atomic. A file that does not parse is never overwritten,
nor one that changed on disk since it was read. Keys and labels this version does not know are
kept and written back.
"""

from __future__ import annotations

import bisect
import os
import re
import tempfile
import tomllib
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import TypeAdapter, ValidationError

from annotator.core.errors import AnnotatorError, Problem
from annotator.core.models import Annotation, excerpt, one_line

ANNOTATIONS_DIR = "annotations"
FORMAT_VERSION = 1
SUFFIX = ".toml"
GOLD = "gold"
HEADER = (
    "# annotator labels: one entry per comment, sorted by comment id.\n"
    "# The comment line above each entry quotes the start of the comment it labels.\n"
)

_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
_MAX_NAME = 64
_WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{d}{i}" for d in ("com", "lpt") for i in range(1, 10)}
)
_BARE_HEADER = re.compile(r"\[comments\.([A-Za-z0-9_-]+)\]\s*(?:#.*)?$")
_CONFLICT = re.compile(r"^(<<<<<<<|=======|>>>>>>>|\|\|\|\|\|\|\|)( |$)")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_ENTRIES = TypeAdapter(dict[str, Annotation])
_KNOWN_TOP = ("format", "annotator", "comments")


class StoreError(AnnotatorError):
    """An annotation file that cannot be used as it is: each problem names the file and line."""

    def __init__(self, problems: list[Problem], hint: str = "") -> None:
        super().__init__("\n".join(str(problem) for problem in problems), hint)
        self.problems = problems


class ChangedOnDisk(AnnotatorError):
    """The file was changed by something else since it was read: writing would lose that change."""


def check_annotator_name(name: str) -> str:
    """Return `name` if it can be an annotator (and a file) name, else raise `AnnotatorError`."""
    problem = annotator_name_problem(name)
    if problem:
        raise AnnotatorError(f"annotator name {name!r}: {problem}")
    return name


def annotator_name_problem(name: str) -> str | None:
    """Why `name` cannot name an annotator, or None when it can."""
    if not name:
        return "must not be empty"
    if len(name) > _MAX_NAME:
        return f"must be at most {_MAX_NAME} characters"
    if name.startswith("."):
        return "must not start with a dot"
    if not _NAME.fullmatch(name):
        return "use only letters, digits, '-', '_' and '.' (no spaces or path separators)"
    if name.split(".")[0].lower() in _WINDOWS_DEVICES:
        return "is a reserved device name on Windows"
    return None


def safe_annotator_name(raw: str) -> str:
    """A best-effort file-safe name from free text such as `git config user.name` ('' if none)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", raw.strip()).strip("-.").lower()[:_MAX_NAME]
    return name if annotator_name_problem(name) is None else ""


def annotation_path(root: Path, annotator: str) -> Path:
    """Where `annotator`'s labels live under the project `root`."""
    return root / ANNOTATIONS_DIR / f"{check_annotator_name(annotator)}{SUFFIX}"


@dataclass(frozen=True, slots=True)
class DiskState:
    """What a file looked like when it was last read or written, to notice changes by others."""

    mtime_ns: int
    size: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> DiskState | None:
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        return cls(stat.st_mtime_ns, stat.st_size, stat.st_ino)


class AnnotationFile:
    """One annotator's labels, indexed by comment id, with each entry's text cached for writing.

    Changing one entry re-serializes only that entry; nothing re-parses the file.
    """

    def __init__(
        self,
        path: Path,
        annotator: str,
        entries: dict[str, Annotation] | None = None,
        excerpts: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
        warnings: list[Problem] | None = None,
        disk: DiskState | None = None,
        lines: dict[str, int] | None = None,
    ) -> None:
        self.path = path
        self.annotator = annotator
        self.entries: dict[str, Annotation] = entries or {}
        self.excerpts: dict[str, str] = excerpts or {}
        self.extra = extra or {}
        self.warnings = warnings or []
        self.disk = disk
        self.lines = lines or {}  # entry header lines as read from disk, for messages
        self._order = sorted(self.entries)
        self._chunks: dict[str, str] = {}

    # Reading ---------------------------------------------------------------------------------

    @classmethod
    def open(cls, root: Path, annotator: str) -> AnnotationFile:
        """The file of `annotator` under `root`: loaded if it exists, else empty (not yet written)."""
        path = annotation_path(root, annotator)
        if path.exists() or path.is_symlink():
            return cls.load(path, display=f"{ANNOTATIONS_DIR}/{path.name}")
        return cls(path, annotator)

    @classmethod
    def load(cls, path: Path, display: str | None = None) -> AnnotationFile:
        """Parse the file at `path`; raise `StoreError` naming file, line and column on bad input."""
        name = display or str(path)
        annotator = path.name.removesuffix(SUFFIX)
        if path.is_symlink():
            raise StoreError([Problem(name, None, "is a symbolic link: refused (annotation files must be regular files)")])
        if path.is_dir():
            raise StoreError([Problem(name, None, "is a folder, not an annotation file")])
        disk = DiskState.of(path)
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as error:
            raise StoreError([Problem(name, None, f"not UTF-8 (offset {error.start})")]) from None
        except OSError as error:
            raise StoreError([Problem(name, None, f"cannot be read: {error.strerror}")]) from None
        parsed = parse_annotations(text, name, annotator)
        return cls(
            path, annotator, parsed.entries, parsed.excerpts, parsed.extra, parsed.warnings, disk, parsed.lines
        )

    # Changing ---------------------------------------------------------------------------------

    def get(self, comment_id: str) -> Annotation | None:
        return self.entries.get(comment_id)

    def set(self, comment_id: str, annotation: Annotation | None, text: str | None = None) -> None:
        """Store `annotation` for `comment_id` (None or an empty one removes the entry).

        `text` is the comment's text, for the excerpt line; without it the old excerpt stays.
        """
        if text is not None:
            self.excerpts[comment_id] = excerpt(text)
        self._chunks.pop(comment_id, None)
        if annotation is None or annotation.is_empty:
            if self.entries.pop(comment_id, None) is not None:
                del self._order[bisect.bisect_left(self._order, comment_id)]
            self.excerpts.pop(comment_id, None)
            return
        if comment_id not in self.entries:
            bisect.insort(self._order, comment_id)
        self.entries[comment_id] = annotation

    # Writing ---------------------------------------------------------------------------------

    def render(self) -> str:
        """The whole file, as it is written: header, then one entry per comment, sorted by id."""
        head = {"format": FORMAT_VERSION, "annotator": self.annotator} | self.extra
        parts = [HEADER, tomli_w.dumps(head)]
        chunks = self._chunks
        for comment_id in self._order:
            chunk = chunks.get(comment_id)
            if chunk is None:
                chunk = chunks[comment_id] = self._render_entry(comment_id)
            parts.append(chunk)
        return "".join(parts)

    def _render_entry(self, comment_id: str) -> str:
        body = tomli_w.dumps({"comments": {comment_id: self.entries[comment_id].to_toml_dict()}})
        quote = self.excerpts.get(comment_id)
        return f"\n# {quote}\n{body}" if quote else f"\n{body}"

    def save(self, force: bool = False) -> None:
        """Write the file atomically; refuse (`ChangedOnDisk`) if someone changed it since we read it."""
        self.write(self.render(), force)

    def write(self, text: str, force: bool = False) -> None:
        """Write `text` (a `render()` taken earlier, perhaps on another thread) as `save` does."""
        if not force and DiskState.of(self.path) != self.disk:
            raise ChangedOnDisk(
                f"{ANNOTATIONS_DIR}/{self.path.name}: changed on disk since it was read",
                hint="reload it before saving, so that neither change is lost",
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, text)
        self.disk = DiskState.of(self.path)


@dataclass(slots=True)
class ParsedFile:
    entries: dict[str, Annotation]
    excerpts: dict[str, str]
    extra: dict[str, Any]
    warnings: list[Problem]
    lines: dict[str, int]


def parse_annotations(text: str, name: str, annotator: str | None = None) -> ParsedFile:
    """Parse the text of an annotation file; raise `StoreError` with every problem found."""
    text = text.removeprefix("\ufeff")
    conflicts = [
        Problem(name, number, "git conflict marker: this file has an unresolved merge",)
        for number, line in enumerate(text.splitlines(), start=1)
        if _CONFLICT.match(line)
    ]
    if conflicts:
        raise StoreError(
            conflicts,
            hint="keep one version of each entry and delete the marker lines; "
            "`annotator git-setup` makes git merge annotation files entry by entry",
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        position = _TOML_POSITION.search(message)
        where = f"{position[1]}:{position[2]}" if position else None
        reason = _TOML_POSITION.sub("", message).strip()
        problem = Problem(f"{name}:{where}" if where else name, None, f"invalid TOML: {reason}")
        raise StoreError([problem], hint="fix the file by hand; annotator will not overwrite it") from None

    lines, excerpts = _scan_entries(text)
    warnings: list[Problem] = []
    problems: list[Problem] = []
    version = data.get("format")
    if not data:
        warnings.append(Problem(name, None, "empty file: no annotations", warning=True))
    elif version is None:
        warnings.append(Problem(name, 1, f"no `format = {FORMAT_VERSION}` line", warning=True))
    elif not isinstance(version, int) or isinstance(version, bool):
        problems.append(Problem(name, _line_of_key(text, "format"), "`format` must be a whole number"))
    elif version > FORMAT_VERSION:
        problems.append(
            Problem(name, 1, f"format {version} is newer than this annotator reads ({FORMAT_VERSION})")
        )
    declared = data.get("annotator")
    if declared is not None and annotator is not None and declared != annotator:
        warnings.append(
            Problem(name, _line_of_key(text, "annotator"),
                    f"says annotator = {declared!r} but the file name says {annotator!r}", warning=True)
        )
    extra = {key: value for key, value in data.items() if key not in _KNOWN_TOP}
    for key in sorted(extra):
        warnings.append(Problem(name, _line_of_key(text, key), f"unknown key {key!r} kept", warning=True))

    raw = data.get("comments", {})
    if not isinstance(raw, dict):
        problems.append(Problem(name, _line_of_key(text, "comments"), "`comments` must be a table of entries"))
        raw = {}
    entries: dict[str, Annotation] = {}
    try:
        entries = _ENTRIES.validate_python(raw)
    except ValidationError as error:
        for item in error.errors():
            comment_id, *field = item["loc"]
            field_name = ".".join(str(part) for part in field) or "entry"
            problems.append(
                Problem(name, lines.get(str(comment_id)),
                        f"comment {comment_id}: {field_name}: {_expected(item)}")
            )
    for comment_id, entry in entries.items():
        for key in sorted(entry.model_extra or {}):
            warnings.append(
                Problem(name, lines.get(comment_id), f"comment {comment_id}: unknown key {key!r} kept", warning=True)
            )
    if problems:
        raise StoreError(problems, hint="fix these entries by hand; annotator will not overwrite the file")
    return ParsedFile(entries, excerpts, extra, warnings, lines)


def _scan_entries(text: str) -> tuple[dict[str, int], dict[str, str]]:
    """The line of each entry's header, and the excerpt comment just above it."""
    lines: dict[str, int] = {}
    excerpts: dict[str, str] = {}
    previous = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("[comments."):
            match = _BARE_HEADER.match(line)
            comment_id = match[1] if match else _quoted_header(line) if line.startswith('[comments."') else None
            if comment_id is not None:
                lines[comment_id] = number
                if previous.startswith("# "):
                    excerpts[comment_id] = previous[2:]
        previous = line
    return lines, excerpts


def _quoted_header(line: str) -> str | None:
    with suppress(tomllib.TOMLDecodeError):
        table = tomllib.loads(line).get("comments", {})
        if len(table) == 1 and next(iter(table.values())) == {}:  # not a sub-table header
            return next(iter(table))
    return None


def _line_of_key(text: str, key: str) -> int | None:
    match = re.search(rf"^\s*{re.escape(key)}\s*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _expected(item: Any) -> str:
    kind = item["type"]
    got = item.get("input")
    shown = repr(got) if not isinstance(got, (dict, list)) else type(got).__name__
    expectations = {
        "string_type": "expected text",
        "bool_type": "expected true or false",
        "float_type": "expected a number",
        "datetime_type": "expected a date and time",
        "tuple_type": "expected a list of topic names",
        "greater_than_equal": "expected a number of seconds, 0 or more",
        "dict_type": "expected a table of keys",
        "model_type": "expected a table of keys",
    }
    return f"{expectations.get(kind, item['msg'])}, got {one_line(shown)[:60]}"


_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write(path: Path, text: str) -> None:
    """Replace `path` with `text`: a temporary file in the same folder, flushed, fsynced, renamed.

    A crash at any moment leaves the old file or the new one, never a mix; on failure the
    temporary file is removed and the old file is untouched.
    """
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o666 & ~_UMASK
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def list_annotators(root: Path) -> list[str]:
    """The annotators with a file under `root/annotations`, sorted (gold included)."""
    folder = root / ANNOTATIONS_DIR
    if not folder.is_dir():
        return []
    return sorted(
        path.name.removesuffix(SUFFIX)
        for path in folder.iterdir()
        if path.name.endswith(SUFFIX) and not path.name.startswith(".")
    )
