"""Teaching git to diff and merge annotation files by label: `annotator git-setup`, and its check.

Two halves, because git keeps them apart:

- `.gitattributes` in the project (committed, shared by every clone) says which files use the
  `annotator` drivers: `annotations/*.toml diff=annotator merge=annotator`;
- the repository's own config (`.git/config`: this clone only, never committed) says what the
  drivers run: this installation's Python, as `"<python>" -P -m annotator git-textconv` and
  `... git-merge-driver %O %A %B %P`. An absolute path is right there, and only there.

And one more committed file: `.gitignore` keeps the app's local files in `annotations/` (journals,
locks, temporary files of a write) out of every commit. `annotator init` writes both files too.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path, PurePosixPath

from annotator.core import gitio
from annotator.core.errors import AnnotatorError, Problem
from annotator.core.store import ANNOTATIONS_DIR, JOURNAL_SUFFIX, SUFFIX, list_annotators

DRIVER = "annotator"
ATTRIBUTES_FILE = ".gitattributes"
ATTRIBUTES_LINE = f"{ANNOTATIONS_DIR}/*{SUFFIX} diff={DRIVER} merge={DRIVER}"
TEXTCONV_KEY = f"diff.{DRIVER}.textconv"
MERGE_KEY = f"merge.{DRIVER}.driver"
SETUP_HINT = "run `annotator git-setup`"

# The app's files in annotations/ that belong to one clone and are never committed, by suffix:
# `.alice.journal`, `.alice.lock`, and `.alice.toml.<pid>.<random>.tmp` (an atomic write).
LOCAL_FILES = {
    JOURNAL_SUFFIX: ("journal", "another clone would replay its stale changes"),
    ".lock": ("lock", "merges would conflict on it"),
    ".tmp": ("temporary file", "the next save deletes it"),
}
IGNORE_FILE = ".gitignore"
IGNORE_COMMENT = "# annotator: the app's journals, locks and temporary files belong to one clone, never to a commit."
IGNORE_PATTERNS = tuple(f"{ANNOTATIONS_DIR}/.*{suffix}" for suffix in LOCAL_FILES)


def driver_config(python: str | None = None) -> dict[str, str]:
    """The git config that runs this installation's drivers (`python`: default, this interpreter).

    `-P` keeps the repository's own folder off the import path, so a folder named `annotator`
    in a repository cannot stand in for the package.
    """
    command = f"{shlex.quote(python or sys.executable)} -P -m annotator"
    return {
        TEXTCONV_KEY: f"{command} git-textconv",
        f"merge.{DRIVER}.name": "annotator: merge annotation files entry by entry",
        MERGE_KEY: f"{command} git-merge-driver %O %A %B %P",
    }


def set_up(root: Path, python: str | None = None) -> list[str]:
    """Write the attributes line, the ignore rules and the local config where they are missing;
    what was changed."""
    gitio.require_repository(root)
    changed = write_rule_files(root)
    for key, value in driver_config(python).items():
        if gitio.config_get(root, key) != value:
            gitio.config_set_local(root, key, value)
            changed.append(f"git config {key}: {value}")
    return changed


def write_rule_files(root: Path) -> list[str]:
    """The committed half, which needs no git: append the attributes line to `.gitattributes` and
    the ignore rules to `.gitignore` where they are missing; what was changed."""
    for name in (ATTRIBUTES_FILE, IGNORE_FILE):
        check_rule_file(root, name)
    changed = []
    if _append_missing(root / ATTRIBUTES_FILE, [ATTRIBUTES_LINE]):
        changed.append(f"{ATTRIBUTES_FILE}: added `{ATTRIBUTES_LINE}` (commit it, so every clone uses it)")
    added = _append_missing(root / IGNORE_FILE, list(IGNORE_PATTERNS), IGNORE_COMMENT)
    if added:
        patterns = ", ".join(f"`{pattern}`" for pattern in added)
        changed.append(f"{IGNORE_FILE}: added {patterns} (so that git never commits the app's journals, locks "
                       "and temporary files; commit it)")
    return changed


def check_rule_file(root: Path, name: str) -> None:
    """Raise `AnnotatorError` unless `root/name` is a regular file or absent.

    git reads neither file through a symbolic link, so appending to its target would change
    nothing here, and could write outside the project.
    """
    path = root / name
    if path.is_symlink():
        raise AnnotatorError(f"{name}: a symbolic link, which git does not follow",
                             hint="replace it with a regular file, then run the command again")
    if path.exists() and not path.is_file():
        raise AnnotatorError(f"{name}: not a file", hint="move it away, then run the command again")


def _append_missing(path: Path, lines: list[str], comment: str = "") -> list[str]:
    """Append those of `lines` that `path` lacks (after `comment`, when it lacks that too); keep
    every other line as it is. The lines added."""
    try:
        text = path.read_text("utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as error:
        raise AnnotatorError(f"{path.name}: cannot be read: {error}") from None
    present = {line.strip() for line in text.splitlines()}
    missing = [line for line in lines if line not in present]
    if not missing:
        return []
    block = ([comment] if comment and comment not in present else []) + missing
    separator = "" if not text or text.endswith("\n") else "\n"
    if text and block[0] == comment:
        separator += "\n"  # a blank line before a block of our own
    try:
        path.write_text(text + separator + "".join(f"{line}\n" for line in block), "utf-8")
    except OSError as error:
        raise AnnotatorError(f"{path.name}: cannot be written: {error}") from None
    return missing


def setup_problems(root: Path) -> list[Problem]:
    """A warning when this clone lacks what the project's `.gitattributes` asks for, or the other
    way round, or when the configured Python no longer exists.

    A project that uses neither half has not opted in, and gets no warning: CI runs and fresh
    projects stay quiet.
    """
    annotators = list_annotators(root)
    if not annotators or not gitio.is_repository(root):
        return []
    sample = f"{ANNOTATIONS_DIR}/{annotators[0]}{SUFFIX}"
    attributes = {name: gitio.attribute(root, sample, name) for name in ("diff", "merge")}
    commands = {key: gitio.config_get(root, key) for key in (TEXTCONV_KEY, MERGE_KEY)}
    if DRIVER not in attributes.values() and not any(commands.values()):
        return []
    missing = [f"`{name}={DRIVER}` in {ATTRIBUTES_FILE}" for name, value in attributes.items() if value != DRIVER]
    missing += [f"git config {key}" for key, command in commands.items() if not command]
    missing += [f"{key} runs {program}, which no longer exists"
                for key, command in commands.items() if command and (program := _missing_program(command))]
    if not missing:
        return []
    return [Problem(f"{ANNOTATIONS_DIR}/", None, f"git drivers not set up ({'; '.join(missing)}): {SETUP_HINT}",
                    warning=True)]


def _missing_program(command: str) -> str | None:
    """The program a driver command runs, when it is a path that does not exist."""
    try:
        program = shlex.split(command)[0]
    except (ValueError, IndexError):
        return command
    is_path = "/" in program or "\\" in program
    return program if is_path and not Path(program).exists() else None


def tracked_local_files(root: Path) -> list[Problem]:
    """A problem for each of the app's local files in `annotations/` that git tracks (committed or
    added), with how to stop tracking it. Nothing outside a git repository, or without git."""
    tracked = [path for path in gitio.tracked_files(root, ANNOTATIONS_DIR)
               if any(PurePosixPath(path).match(pattern) for pattern in IGNORE_PATTERNS)]
    problems = []
    for path in tracked:
        kind, reason = next(value for suffix, value in LOCAL_FILES.items() if path.endswith(suffix))
        problems.append(Problem(path, None, f"tracked by git, but the app's {kind} belongs to one clone "
                                            f"and must not be committed ({reason})"))
    if problems:
        listed = " ".join(shlex.quote(path) for path in tracked)
        last = problems[-1]
        problems[-1] = Problem(last.path, None, f"{last.message}\n  (in the project folder, run "
                               f"`git rm --cached {listed}` and `annotator git-setup` to add the ignore "
                               "rules, then commit)")
    return problems
