"""A new project in one step, `annotator init`: the files a project needs, and nothing overwritten.

A project is `annotator.toml` (the label schema), `seeds/` (the comments), `annotations/` (the
labels), and the git rules that keep it safe: `.gitignore` for the app's local files and
`.gitattributes` for the drivers (both from `gitsetup`). Every step is skipped where its result is
already there, so running it again changes nothing. An existing file is never overwritten: a
line file (`.gitignore`, `.gitattributes`) only gets the lines it lacks.

An empty folder gets a `.gitkeep`, because git keeps no empty folders: a clone of a new project
would lack `seeds/` and `annotations/`. A dot file, because the seeds reader and `validate` skip
those, so it adds no warning. (A short README would be read as a seed file of the wrong kind.)
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from pathlib import Path

from annotator.core import gitio, gitsetup
from annotator.core.config import CONFIG_NAME, default_config_text
from annotator.core.errors import AnnotatorError
from annotator.core.keymap import RESERVED_KEYS, key_name
from annotator.core.seeds import SEEDS_DIR
from annotator.core.store import ANNOTATIONS_DIR

PLACEHOLDER = ".gitkeep"

_HEADER = """\
# annotator.toml: the label schema of this project, what annotators choose from and how.
# `annotator validate` checks it; in the app, `?` shows the guidelines and every description.
# Edit it for your comments and commit it. The labels below are the ones annotator uses when a
# project has no annotator.toml, written for its example comments (replies in AI discussions).
#
# A label's `name` is what the annotation files record: letters, digits, `-`, `_` and `.`.
# Renaming a label later leaves the old name in the files (`annotator validate` lists them).
"""

# Lines inserted before the first line of the default config that starts with each key.
_NOTES = {
    "format =": """\
# format: the version of this file's layout. Leave it at 1.
""",
    'guidelines = """': """\
# auto_advance: after a stance is chosen, move on to the next unlabeled comment
# (`A` in the app turns it on and off for a session).
auto_advance = false

# guidelines: free text for the annotators, shown by `?` in the app: what each label means and
# how to decide between them.
""",
    "[[stance]]": """\
# [[stance]]: one table per stance; an annotator chooses at most one per comment, and the schema
# needs at least one. Each label has three keys:
#   name         what the annotation files record (unique among stances and topics)
#   key          the one character that chooses it in the app: unique, and not one of the
#                app's own keys ({reserved})
#   description  one line, shown beside the comment and in help
""",
    "[[topic]]": """\
# [[topic]]: one table per topic, with the same three keys; an annotator chooses any number of
# topics per comment. Replace these with your own, or delete them all to label stance only.
""",
}


_TARGET_NOTE = """
# [target]: for a corpus whose comments all answer one post, that post, shown above each comment
# that names no parent and gives no context of its own. title, text and url are each optional
# strings; give at least one. Uncomment to use:
# [target]
# title = "The post's title"
# text = \"\"\"
# The post's text.\"\"\"
# url = "https://example.org/the-post"
"""

# The team's plan, commented out: a project labeled by one person needs none.
_PLAN = """
# [assign]: the team's plan, who labels which comments (see the README, Working as a team).
# Uncomment it to share the comments out; `annotator assign` shows the effect.
#   annotators   the annotators' names, as in annotations/NAME.toml
#   overlap      how many of them label each comment (1 to the number of annotators)
#   calibration  comments everyone labels: the first N in seed order, or a list of comment ids
#   salt         any text; another salt gives another split
#   weights      optional: an annotator's share relative to the others (default 1)
# [assign]
# annotators = ["alice", "bob", "carol"]
# overlap = 2
# calibration = 20
# salt = "my-project"
# weights = { carol = 0.5 }
"""


def config_template() -> str:
    """The `annotator.toml` that `init` writes: the default schema, with a comment on every key."""
    lines = default_config_text().splitlines(keepends=True)
    while lines and lines[0].startswith("#"):  # the default's own header: replaced by ours
        lines.pop(0)
    out = [_HEADER, "\n"]
    reserved = " ".join(char for char in string.printable if not char.isspace() and key_name(char) in RESERVED_KEYS)
    pending = {key: note.replace("{reserved}", reserved) for key, note in _NOTES.items()}
    for line in lines:
        key = next((key for key in pending if line.startswith(key)), None)
        if key is not None:
            out.append(pending.pop(key))
        out.append(line)
    if pending:  # the default config changed shape: a test catches this before a user can
        raise AssertionError(f"default config has no line starting {next(iter(pending))!r}")
    return "".join(out) + _TARGET_NOTE + _PLAN


@dataclass(slots=True)
class InitReport:
    """What `init_project` did: each change, each thing kept as it was, and what git did."""

    created_folder: bool = False
    changes: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    git_missing: bool = False


def init_project(root: Path) -> InitReport:
    """Make `root` a project (creating the folder if needed), keeping whatever is there already.

    Raise `AnnotatorError`, before anything is written, when something in the way is not what a
    project needs there (a file named `seeds`, a linked `annotations`, ...).
    """
    _check(root)
    report = InitReport()
    try:
        _write_files(root, report)
    except OSError as error:  # a read-only folder, a full disk: said, never a traceback
        where = error.filename or root
        raise AnnotatorError(f"{where}: cannot be written: {error.strerror or error}",
                             hint="check the folder's permissions and free space, then run `annotator init` "
                             "again: it keeps what it made") from None
    if not gitio.git_available(root):
        report.git_missing = True
        return report
    if gitio.is_repository(root):
        top = gitio.top_level(root)
        inside = "already a repository" if Path(top).resolve() == root.resolve() else f"inside the repository at {top}"
        report.kept.append(f"git: {inside} (not initialised again)")
    else:
        gitio.init_repository(root)
        report.changes.append("git init: a new, empty repository")
    report.changes.extend(gitsetup.set_up(root))
    return report


def _write_files(root: Path, report: InitReport) -> None:
    """The folder, the schema, `seeds/`, `annotations/`, `.gitattributes` and `.gitignore`."""
    if not root.exists():
        root.mkdir(parents=True)
        report.created_folder = True
    config = root / CONFIG_NAME
    if config.exists():
        report.kept.append(f"{CONFIG_NAME}: kept as it is (it exists)")
    else:
        with config.open("x", encoding="utf-8") as handle:  # "x": never over a file made meanwhile
            handle.write(config_template())
        report.changes.append(f"created {CONFIG_NAME}: the label schema, a template to edit")
    for name, what in ((SEEDS_DIR, "the comments to label"), (ANNOTATIONS_DIR, "the labels, a file per annotator")):
        report.changes.extend(_folder(root, name, what))
    report.changes.extend(gitsetup.write_rule_files(root))


def _folder(root: Path, name: str, what: str) -> list[str]:
    """Create `root/name` if missing, with a placeholder while it is empty; what was done."""
    folder = root / name
    created = not folder.exists()
    if created:
        folder.mkdir()
    if any(folder.iterdir()):
        return []
    (folder / PLACEHOLDER).open("x").close()
    if created:
        return [f"created {name}/: {what} (with {PLACEHOLDER}, so that git keeps the empty folder)"]
    return [f"created {name}/{PLACEHOLDER}, so that git keeps the empty folder"]


def _check(root: Path) -> None:
    """Refuse, naming the path and what was expected, whatever `init` cannot use or fix."""
    if root.exists() and not root.is_dir():
        raise AnnotatorError(f"{root}: exists and is not a folder", hint="give `annotator init` a new or existing folder")
    if not root.exists():
        return
    config = root / CONFIG_NAME
    if (config.exists() or config.is_symlink()) and not config.is_file():
        raise AnnotatorError(f"{CONFIG_NAME}: exists and is not a file (expected the label schema)",
                             hint="move it away, then run `annotator init` again")
    for name in (SEEDS_DIR, ANNOTATIONS_DIR):
        path = root / name
        if name == ANNOTATIONS_DIR and path.is_symlink():
            raise AnnotatorError(f"{name}: a symbolic link (the annotation files must live in the project, "
                                 "where git sees them)",
                                 hint="replace the link with a folder holding the annotation files, then run "
                                 "`annotator init` again")
        if (path.exists() or path.is_symlink()) and not path.is_dir():
            raise AnnotatorError(f"{name}: exists and is not a folder (expected the folder of "
                                 f"{'comments' if name == SEEDS_DIR else 'annotation files'})",
                                 hint="move it away, then run `annotator init` again")
    for name in (gitsetup.ATTRIBUTES_FILE, gitsetup.IGNORE_FILE):
        gitsetup.check_rule_file(root, name)
