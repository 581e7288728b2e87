"""Teaching git to diff and merge annotation files by label: `annotator git-setup`, and its check.

Two halves, because git keeps them apart:

- `.gitattributes` in the project (committed, shared by every clone) says which files use the
  `annotator` drivers: `annotations/*.toml diff=annotator merge=annotator`;
- the repository's own config (`.git/config`: this clone only, never committed) says what the
  drivers run: this installation's Python, as `"<python>" -P -m annotator git-textconv` and
  `... git-merge-driver %O %A %B %P`. An absolute path is right there, and only there.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from annotator.core import gitio
from annotator.core.errors import Problem
from annotator.core.store import ANNOTATIONS_DIR, SUFFIX, list_annotators

DRIVER = "annotator"
ATTRIBUTES_FILE = ".gitattributes"
ATTRIBUTES_LINE = f"{ANNOTATIONS_DIR}/*{SUFFIX} diff={DRIVER} merge={DRIVER}"
TEXTCONV_KEY = f"diff.{DRIVER}.textconv"
MERGE_KEY = f"merge.{DRIVER}.driver"
SETUP_HINT = "run `annotator git-setup`"


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
    """Write the attributes line and the local config where they are missing; what was changed."""
    gitio.require_repository(root)
    changed = []
    if _add_attributes_line(root / ATTRIBUTES_FILE):
        changed.append(f"{ATTRIBUTES_FILE}: added `{ATTRIBUTES_LINE}` (commit it, so every clone uses it)")
    for key, value in driver_config(python).items():
        if gitio.config_get(root, key) != value:
            gitio.config_set_local(root, key, value)
            changed.append(f"git config {key}: {value}")
    return changed


def _add_attributes_line(path: Path) -> bool:
    """Append the attributes line unless it is there; keep every other line as it is."""
    text = path.read_text("utf-8") if path.exists() else ""
    if ATTRIBUTES_LINE in (line.strip() for line in text.splitlines()):
        return False
    separator = "" if not text or text.endswith("\n") else "\n"
    path.write_text(f"{text}{separator}{ATTRIBUTES_LINE}\n", "utf-8")
    return True


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
