"""Where annotation files live and what an annotator may be called: `annotations/<name>.toml`."""

from __future__ import annotations

import re
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
        return "use only ASCII letters and digits, '-', '_' and '.': the name is a file name on every system"
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
