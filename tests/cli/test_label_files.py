"""Every command that reads all the annotators' labels (`agree`, `export`, `stats`, `validate`)
reads them by the same rules and says the same thing about what it cannot read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from annotator.cli import main
from tests.core.labels_fixture import labeled_project

READERS = ["agree", "export", "stats"]
BAD_NAME = (
    "annotations/bad\u241b[31mname.toml: bad annotator file name: the name must use only letters, digits, '-', '_' "
    "and '.' (no spaces or path separators)\n"
    "  (rename the file (or move it out of annotations/): its name says whose labels these are)\n"
)
NOT_A_FOLDER = (
    "annotations: not a folder (expected the folder of annotation files, annotations/<annotator>.toml)\n"
    "  (move it away; `annotator init` creates the folder)\n"
)
A_LINK = (
    "annotations: a symbolic link: refused (the annotation files must live in the project, where git sees them)\n"
    "  (replace the link with a folder holding the annotation files)\n"
)


def run(capsys, command: str, root: Path) -> tuple[int, str, str]:
    code = main([command, "--project", str(root)])
    out, err = capsys.readouterr()
    return code, out, err


def bad_name(root: Path) -> None:
    (root / "annotations" / "bad\x1b[31mname.toml").write_text("format = 1\n", "utf-8")


def annotations_a_file(root: Path) -> None:
    shutil.rmtree(root / "annotations")
    (root / "annotations").write_text("not a folder\n", "utf-8")


def annotations_a_link(root: Path) -> None:
    elsewhere = root.parent / "elsewhere"
    (root / "annotations").rename(elsewhere)
    (root / "annotations").symlink_to(elsewhere)


CASES = [(bad_name, BAD_NAME), (annotations_a_file, NOT_A_FOLDER), (annotations_a_link, A_LINK)]


@pytest.mark.parametrize("command", READERS)
@pytest.mark.parametrize(("make", "message"), CASES, ids=["bad-name", "not-a-folder", "a-link"])
def test_the_same_message_from_every_reader(tmp_path: Path, capsys, command: str, make, message: str) -> None:
    root = labeled_project(tmp_path / "p", gold=True)
    make(root)
    assert run(capsys, command, root) == (1, "", f"annotator: {message}")


@pytest.mark.parametrize(("make", "message"), CASES, ids=["bad-name", "not-a-folder", "a-link"])
def test_validate_lists_the_same_message(tmp_path: Path, capsys, make, message: str) -> None:
    root = labeled_project(tmp_path / "p", gold=True)
    make(root)
    code, out, err = run(capsys, "validate", root)
    assert (code, out) == (1, "")
    assert message in err


def test_stats_with_annotations_a_file_is_an_error_not_an_empty_project(tmp_path: Path, capsys) -> None:
    """(It used to say "no annotation files yet" and exit 0.)"""
    root = labeled_project(tmp_path / "p")
    annotations_a_file(root)
    assert run(capsys, "stats", root)[:2] == (1, "")


def test_hidden_files_and_other_suffixes_are_not_annotators(tmp_path: Path, capsys) -> None:
    root = labeled_project(tmp_path / "p")
    (root / "annotations" / ".#alice.toml").write_text("junk", "utf-8")
    (root / "annotations" / "notes.txt").write_text("junk", "utf-8")
    code, out, _ = run(capsys, "stats", root)
    assert (code, out.splitlines()[0]) == (0, "5 comments, 3 annotation files")
