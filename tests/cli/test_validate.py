"""`annotator validate`: exit 0 and a summary when all is well, one line per problem and exit 1 when not."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.cli import main
from annotator.core.models import Annotation, text_id
from annotator.core.store import AnnotationFile
from tests.conftest import REPO, make_project
from tests.core.gitrepo import Repo

FIRST = "Thanks for sharing this, I believe this kind of work is very promising."


def run(capsys, root: Path) -> tuple[int, str, str]:
    code = main(["validate", "--project", str(root)])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_repository_itself_is_valid(capsys) -> None:
    code, out, err = run(capsys, REPO)
    assert code == 0
    # A fresh clone has not run `annotator git-setup` yet: validate may say so, as a warning only.
    assert all(line.startswith("annotations/: warning: git drivers not set up") for line in err.splitlines())
    assert out.startswith("22 comments, 1 annotation file, 22 entries: ")
    assert out.rstrip().endswith("all valid")


def annotated(tmp_path: Path, body: str, name: str = "bob.toml") -> Path:
    root = make_project(tmp_path, {"a.txt": FIRST + "\nSecond comment.\n"})
    (root / "annotations" / name).write_text(f'format = 1\nannotator = "{name[:-5]}"\n\n{body}', "utf-8")
    return root


def test_valid_annotations_summary(tmp_path: Path, capsys) -> None:
    root = annotated(tmp_path, f'[comments.{text_id(FIRST)}]\nstance = "agree"\ntopics = ["scaling"]\nflagged = false\n')
    assert run(capsys, root) == (0, "2 comments, 1 annotation file, 1 entry: all valid\n", "")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (f'[comments.{text_id(FIRST)}]\nstance = "sarcastic"\n',
         [f"annotations/bob.toml:4: comment {text_id(FIRST)}: unknown stance 'sarcastic' (kept)"]),
        (f'[comments.{text_id(FIRST)}]\ntopics = ["quantum", "scaling", "scaling"]\n',
         [f"annotations/bob.toml:4: comment {text_id(FIRST)}: unknown topic 'quantum' (kept)",
          f"annotations/bob.toml:4: comment {text_id(FIRST)}: topic 'scaling' listed twice"]),
        ('# A comment that was removed from the seeds\n[comments.0123456789ab]\nstance = "agree"\n',
         ['annotations/bob.toml:5: comment 0123456789ab: no such comment in seeds/ '
          '(orphan: "A comment that was removed from the seeds")']),
        ('[comments.x]\nstance = "agree"\n[comments.x]\nstance = "mixed"\n',
         ["annotations/bob.toml:6:12: invalid TOML: Cannot declare ('comments', 'x') twice",
          "  (fix the file by hand; annotator will not overwrite it)"]),
        ('<<<<<<< HEAD\n[comments.x]\n=======\n[comments.y]\n>>>>>>> theirs\n',
         ["annotations/bob.toml:4: git conflict marker: this file has an unresolved merge",
          "annotations/bob.toml:6: git conflict marker: this file has an unresolved merge",
          "annotations/bob.toml:8: git conflict marker: this file has an unresolved merge",
          "  (keep one version of each entry and delete the marker lines; `annotator git-setup` makes git merge "
          "annotation files entry by entry)"]),
        ('[comments.x]\nflagged = "yes"\nseconds = -1\n',
         ["annotations/bob.toml:4: comment x: flagged: expected true or false, got 'yes'",
          "annotations/bob.toml:4: comment x: seconds: expected a number of seconds, 0 or more, got -1.0",
          "  (fix these entries by hand; annotator will not overwrite the file)"]),
    ],
)
def test_each_broken_annotation_fixture(tmp_path: Path, capsys, body: str, expected: list[str]) -> None:
    code, out, err = run(capsys, annotated(tmp_path, body))
    lines = err.splitlines()
    assert code == 1
    assert out == ""
    assert lines[:-1] == expected
    assert lines[-1].startswith("annotator validate: 2 comments")


def test_bad_annotator_file_name(tmp_path: Path, capsys) -> None:
    root = annotated(tmp_path, "", name="bad name.toml")
    code, _, err = run(capsys, root)
    assert code == 1
    assert err.splitlines()[0] == (
        "annotations/bad name.toml: bad annotator file name: the name must use only letters, digits, "
        "'-', '_' and '.' (no spaces or path separators)"
    )


def test_broken_config_and_seeds_are_both_reported(tmp_path: Path, capsys) -> None:
    root = make_project(tmp_path, {"a.jsonl": '{"text": "ok"}\n[1]\n'}, config="stance = []\n")
    code, _, err = run(capsys, root)
    assert code == 1
    assert err.splitlines()[:2] == [
        "annotator.toml:1: stance: expected at least one [[stance]] label",
        'seeds/a.jsonl:2: expected a JSON object with a "text" field, got a list',
    ]


def test_a_seed_file_that_cannot_be_read_is_said(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """(Permissions do not stop root, who runs the tests: the read fails as it would for anyone else.)"""
    from annotator.core import seeds

    root = make_project(tmp_path, {"a.jsonl": '{"text": "ok"}\n'})

    def unreadable(path: Path, name: str) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(seeds, "read_seed_file", unreadable)
    code, out, err = run(capsys, root)
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == "seeds/a.jsonl: cannot be read: Permission denied"


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('[target]\ntitle = ""\n',
         "annotator.toml:80: target: expected at least one of title, text and url, as a non-empty string"),
        ('[target]\ntitle = "Q"\nurl = 3\n', "annotator.toml:82: target.url: Input should be a valid string, got 3"),
        ('[target]\nbody = "x"\n', "annotator.toml:81: target.body: unknown key (expected title, text and url)"),
        ('target = "a post"\n', "annotator.toml:1: target: expected a [target] table of title, text and url, got 'a post'"),
    ],
)
def test_a_bad_project_target_is_reported(tmp_path: Path, capsys, table: str, expected: str) -> None:
    schema = (REPO / "annotator.toml").read_text("utf-8")
    config = schema + "\n" + table if table.startswith("[") else table + schema  # (a bare key goes before the tables)
    root = make_project(tmp_path, {"a.txt": "One.\n"}, config=config)
    summary = "annotator validate: 1 comment, 0 annotation files, 0 entries: 1 problem"
    assert run(capsys, root) == (1, "", f"{expected}\n{summary}\n")


def test_a_project_target_is_valid(tmp_path: Path, capsys) -> None:
    config = (REPO / "annotator.toml").read_text("utf-8") + '\n[target]\ntitle = "Is scaling enough?"\n'
    root = make_project(tmp_path, {"a.txt": "One.\n"}, config=config)
    assert run(capsys, root) == (0, "1 comment, 0 annotation files, 0 entries: all valid\n", "")


def test_warnings_alone_do_not_fail(tmp_path: Path, capsys) -> None:
    root = annotated(tmp_path, f'[comments.{text_id(FIRST)}]\nstance = "agree"\nconfidence = 0.5\n')
    code, out, err = run(capsys, root)
    assert code == 0
    assert err == f"annotations/bob.toml:4: warning: comment {text_id(FIRST)}: unknown key 'confidence' kept\n"
    assert out.endswith("all valid\n")


def test_missing_project_folder(tmp_path: Path, capsys) -> None:
    code, out, err = run(capsys, tmp_path / "nowhere")
    assert (code, out) == (1, "")
    assert err.startswith(f"annotator: {tmp_path / 'nowhere'}: no such folder\n  (a project is a folder with ")


def test_an_annotations_link_is_a_problem(tmp_path: Path, capsys) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "bob.toml").write_text('format = 1\nannotator = "bob"\n', "utf-8")
    root = make_project(tmp_path / "p", {"a.txt": FIRST + "\n"})
    (root / "annotations").rmdir()
    (root / "annotations").symlink_to(elsewhere)
    assert run(capsys, root) == (1, "", (
        "annotations: a symbolic link: refused (the annotation files must live in the project, where git sees them)\n"
        "  (replace the link with a folder holding the annotation files)\n"
        "annotator validate: 1 comment, 0 annotation files, 0 entries: 1 problem\n"))


def test_an_annotations_file_is_a_problem(tmp_path: Path, capsys) -> None:
    root = make_project(tmp_path / "p", {"a.txt": FIRST + "\n"})
    (root / "annotations").rmdir()
    (root / "annotations").write_text("not a folder\n", "utf-8")
    assert run(capsys, root) == (1, "", (
        "annotations: not a folder (expected the folder of annotation files, annotations/<annotator>.toml)\n"
        "  (move it away; `annotator init` creates the folder)\n"
        "annotator validate: 1 comment, 0 annotation files, 0 entries: 1 problem\n"))


def test_a_journal_or_lock_that_git_tracks_is_a_problem(tmp_path: Path, monkeypatch, capsys) -> None:
    repo = Repo.create(tmp_path, monkeypatch)
    for name in (".alice.journal", ".alice.lock", ".notes.journal.txt"):
        (repo.root / "annotations" / name).write_text("{}\n", "utf-8")
    repo.commit("everything, the journal and lock too")
    code, out, err = repo.run(capsys, "validate")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "annotations/.alice.journal: tracked by git, but the app's journal belongs to one clone and must not be "
        "committed (another clone would replay its stale changes)",
        "annotations/.alice.lock: tracked by git, but the app's lock belongs to one clone and must not be committed "
        "(merges would conflict on it)",
        "  (in the project folder, run `git rm --cached annotations/.alice.journal annotations/.alice.lock` and "
        "`annotator git-setup` to add the ignore rules, then commit)",
        "annotator validate: 5 comments, 0 annotation files, 0 entries: 2 problems",
    ]
    # What the message says to do is enough.
    repo.git("rm", "--cached", "annotations/.alice.journal", "annotations/.alice.lock")
    assert repo.run(capsys, "git-setup")[0] == 0
    repo.commit("stop tracking the journal and lock")
    assert repo.run(capsys, "validate") == (0, "5 comments, 0 annotation files, 0 entries: all valid\n", "")
    assert (repo.root / "annotations" / ".alice.journal").exists()
    assert "alice" not in repo.git("status", "--porcelain", "--untracked-files=all").stdout


def test_a_journal_outside_git_is_no_problem(tmp_path: Path, monkeypatch, capsys) -> None:
    repo = Repo.outside_git(tmp_path, monkeypatch)
    (repo.root / "annotations" / ".alice.journal").write_text("{}\n", "utf-8")
    assert repo.run(capsys, "validate") == (0, "5 comments, 0 annotation files, 0 entries: all valid\n", "")


def test_labels_with_no_comments_are_still_orphans(tmp_path: Path, capsys) -> None:
    root = annotated(tmp_path, f'[comments.{text_id(FIRST)}]\nstance = "agree"\n')
    for path in (root / "seeds").iterdir():
        path.unlink()
    code, _, err = run(capsys, root)
    assert code == 1
    assert err.splitlines()[:2] == [
        "seeds/: warning: no comments yet: put .txt, .jsonl or .csv files of comments in it, or run "
        "`annotator import-comments FILE`",
        f'annotations/bob.toml:4: comment {text_id(FIRST)}: no such comment in seeds/ (orphan: "")',
    ]


def test_a_plan_naming_a_comment_not_in_the_seeds_is_a_problem(tmp_path: Path, capsys) -> None:
    root = make_project(tmp_path, {"a.txt": FIRST + "\n"})
    config = (root / "annotator.toml").read_text("utf-8")
    plan = f'\n[assign]\nannotators = ["ada", "bob"]\ncalibration = ["{text_id(FIRST)}", "0123456789ab"]\n'
    (root / "annotator.toml").write_text(config + plan, "utf-8")
    code, out, err = run(capsys, root)
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == (
        "annotator.toml: assign.calibration: '0123456789ab' is not a comment in seeds/ (check the id: "
        "`annotator blame ID` shows where it went)"
    )


def test_a_plan_with_too_large_an_overlap_is_a_problem(tmp_path: Path, capsys) -> None:
    root = make_project(tmp_path, {"a.txt": FIRST + "\n"})
    config = (root / "annotator.toml").read_text("utf-8")
    (root / "annotator.toml").write_text(config + '\n[assign]\nannotators = ["ada", "bob"]\noverlap = 3\n', "utf-8")
    code, out, err = run(capsys, root)
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == (
        "annotator.toml:82: assign: overlap: 3 annotators per comment, but the plan lists only 2 (add annotators or "
        "lower the overlap)"
    )


def test_problems_are_listed_in_line_order_in_a_file_whose_ids_are_not_sorted(tmp_path: Path, capsys) -> None:
    root = annotated(tmp_path, "")
    store = AnnotationFile.open(root, "bob")
    for comment_id in ("0000ffff0000", "ffff0000ffff"):  # (orphans: not in seeds/)
        store.set(comment_id, Annotation("agree"))
    store.save(force=True)
    head, first, second = store.path.read_text("utf-8").split("\n\n[comments.")
    store.path.write_text(f"{head}\n\n[comments.{second.rstrip()}\n\n[comments.{first}\n", "utf-8")  # (the same layout)
    for _ in range(2):  # (parsed, then read from the parse cache, as columns in id order)
        code, _, err = run(capsys, root)
        assert code == 1
        assert [line.split(": comment ")[1][:12] for line in err.splitlines() if ": comment " in line] == [
            "ffff0000ffff", "0000ffff0000"]
