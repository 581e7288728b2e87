"""Where annotation files live and what an annotator may be called: `annotations/<name>.toml`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from pathlib import Path

from annotator.core.errors import AnnotatorError

ANNOTATIONS_DIR = "annotations"
SUFFIX = ".toml"
GOLD = "gold"

_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
_MAX_NAME = 64
_WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{d}{i}" for d in ("com", "lpt") for i in range(1, 10)}
)


def check_annotator_name(name: str) -> str:
    """Return `name` if it can be an annotator (and a file) name, else raise `AnnotatorError`."""
    problem = annotator_name_problem(name)
    if problem:
        shown = repr(name if len(name) <= 40 else name[:39] + "…")
        raise AnnotatorError(f"annotator name {shown}: {problem}")
    return name


def annotator_name_problem(name: str) -> str | None:
    """Why `name` cannot name an annotator, or None when it can."""
    if not name:
        return "must not be empty"
    if len(name) > _MAX_NAME:
        return f"must be at most {_MAX_NAME} characters"
    if "/" in name or "\\" in name:
        return "is a path: a name has no '/' or '\\' (it becomes annotations/NAME.toml)"
    if name.startswith("."):
        return "must not start with a dot"
    if not name.isascii():
        return "must use only ASCII letters and digits, '-', '_' and '.': the name is a file name on every system"
    if not _NAME.fullmatch(name):
        return "must use only letters, digits, '-', '_' and '.' (no spaces or path separators)"
    if name.split(".")[0].lower() in _WINDOWS_DEVICES:
        return "is a reserved device name on Windows"
    return None


# Latin letters that are not a letter and an accent (which `_latin` takes off): written as ASCII.
_OWN_LETTERS = str.maketrans({
    "ß": "ss", "ẞ": "SS", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "Ø": "O", "ø": "o", "Ł": "L", "ł": "l",
    "Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Þ": "Th", "þ": "th", "ı": "i", "Ħ": "H", "ħ": "h",
})


def safe_annotator_name(raw: str, existing: Collection[str] = ()) -> str:
    """A best-effort file-safe name from free text such as `git config user.name` ('' if none):
    accents are taken off ("José Łukasz" -> "jose-lukasz"); what has no ASCII letters (日本) is
    left out. A name made before accents were taken off (they were left out: "jos-ukasz") stays
    where it is among the `existing` annotators: those are that person's labels (a "Jose Lukasz"
    may have the other name)."""
    name = _file_safe(_latin(raw))
    earlier = _file_safe(raw)
    return earlier if earlier != name and earlier in existing else name


def _latin(text: str) -> str:
    """`text` with the accents taken off its letters, and letters of their own written in ASCII."""
    if text.isascii():
        return text
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.translate(_OWN_LETTERS)) if not unicodedata.combining(ch))


def _file_safe(text: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", text.strip()).strip("-.").lower()[:_MAX_NAME]
    return name if annotator_name_problem(name) is None else ""


def annotation_path(root: Path, annotator: str) -> Path:
    """Where `annotator`'s labels live under the project `root`."""
    return root / ANNOTATIONS_DIR / f"{check_annotator_name(annotator)}{SUFFIX}"


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
