"""`annotator git-setup` and the drivers it installs, exercised by real git: diff, log, merge, rebase."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from annotator.core.gitsetup import ATTRIBUTES_LINE
from annotator.core.models import excerpt
from annotator.core.store import AnnotationFile
from tests.core.gitrepo import IDS, TEXTS, WHEN, Repo

A0, A1, A2, A3, A4 = IDS
E0 = excerpt(TEXTS[0])


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """Drivers set up and committed; alice has labelled comments 0 and 1 (adjacent once sorted: 1, 0)."""
    repo = Repo.create(tmp_path, monkeypatch)
    repo.setup_drivers()
    repo.label("alice", 0, stance="agree", updated=WHEN)
    repo.label("alice", 1, stance="disagree", topics=("scaling",), updated=WHEN)
    repo.commit("first labels")
    return repo


def config(repo: Repo) -> str:
    return repo.git("config", "--local", "--get-regexp", "annotator").stdout


# git-setup ------------------------------------------------------------------------------------


def test_git_setup_writes_attributes_and_local_config_once(tmp_path: Path, monkeypatch, capsys) -> None:
    repo = Repo.create(tmp_path, monkeypatch)
    (repo.root / ".gitattributes").write_text("*.png binary", "utf-8")
    code, out, _ = repo.run(capsys, "git-setup")
    python = sys.executable
    assert code == 0
    assert out.splitlines() == [
        f".gitattributes: added `{ATTRIBUTES_LINE}` (commit it, so every clone uses it)",
        ".gitignore: added `annotations/.*.journal`, `annotations/.*.lock`, `annotations/.*.tmp` (so that git never "
        "commits the app's journals, locks and temporary files; commit it)",
        f"git config diff.annotator.textconv: {python} -P -m annotator git-textconv",
        "git config merge.annotator.name: annotator: merge annotation files entry by entry",
        f"git config merge.annotator.driver: {python} -P -m annotator git-merge-driver %O %A %B %P",
    ]
    attributes = (repo.root / ".gitattributes").read_bytes()
    ignores = (repo.root / ".gitignore").read_bytes()
    settings = (repo.root / ".git" / "config").read_bytes()
    assert attributes == b"*.png binary\nannotations/*.toml diff=annotator merge=annotator\n"
    assert ignores == (b"# annotator: the app's journals, locks and temporary files belong to one clone, never to a "
                       b"commit.\nannotations/.*.journal\nannotations/.*.lock\nannotations/.*.tmp\n")

    assert repo.run(capsys, "git-setup") == (0, "git drivers already set up: nothing changed\n", "")
    assert (repo.root / ".gitattributes").read_bytes() == attributes
    assert (repo.root / ".gitignore").read_bytes() == ignores
    assert (repo.root / ".git" / "config").read_bytes() == settings


def test_git_setup_adds_only_the_missing_ignore_rules_and_git_then_ignores_the_local_files(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    repo = Repo.create(tmp_path, monkeypatch)
    (repo.root / ".gitignore").write_text("/build\nannotations/.*.journal\n", "utf-8")
    for name in (".alice.journal", ".alice.lock", ".alice.toml.4242.k3j_9x2a.tmp"):
        (repo.root / "annotations" / name).write_text("{}\n", "utf-8")
    assert ".alice.lock" in repo.git("status", "--porcelain", "--untracked-files=all").stdout
    code, out, _ = repo.run(capsys, "git-setup")
    assert code == 0
    assert out.splitlines()[1] == (".gitignore: added `annotations/.*.lock`, `annotations/.*.tmp` (so that git never "
                                   "commits the app's journals, locks and temporary files; commit it)")
    assert (repo.root / ".gitignore").read_text("utf-8") == (
        "/build\nannotations/.*.journal\n\n# annotator: the app's journals, locks and temporary files belong to one "
        "clone, never to a commit.\nannotations/.*.lock\nannotations/.*.tmp\n")
    assert "annotations/" not in repo.git("status", "--porcelain", "--untracked-files=all").stdout


def test_git_setup_refuses_a_linked_gitignore(tmp_path: Path, monkeypatch, capsys) -> None:
    repo = Repo.create(tmp_path, monkeypatch)
    (repo.root / ".gitignore").symlink_to(tmp_path / "elsewhere")
    assert repo.run(capsys, "git-setup") == (
        1, "", "annotator: .gitignore: a symbolic link, which git does not follow\n"
               "  (replace it with a regular file, then run the command again)\n")
    assert not (tmp_path / "elsewhere").exists()
    assert not (repo.root / ".gitattributes").exists()


def test_git_setup_quotes_an_interpreter_path_with_spaces(tmp_path: Path, monkeypatch) -> None:
    from annotator.core.gitsetup import set_up

    repo = Repo.create(tmp_path, monkeypatch)
    set_up(repo.root, python="/opt/my tools/python")
    assert "merge.annotator.driver '/opt/my tools/python' -P -m annotator git-merge-driver %O %A %B %P" in config(repo)


def test_git_setup_outside_a_repository(tmp_path: Path, monkeypatch, capsys) -> None:
    repo = Repo.outside_git(tmp_path, monkeypatch)
    code, out, err = repo.run(capsys, "git-setup")
    assert (code, out) == (1, "")
    assert "not inside a git repository" in err
    assert not (repo.root / ".gitattributes").exists()


def test_validate_warns_when_this_clone_lacks_the_drivers(repo: Repo, capsys) -> None:
    repo.git("add", ".gitattributes")
    assert repo.run(capsys, "validate")[2] == ""
    repo.git("config", "--local", "--unset", "merge.annotator.driver")
    code, _, err = repo.run(capsys, "validate")
    assert code == 0
    assert err == ("annotations/: warning: git drivers not set up (git config merge.annotator.driver): "
                   "run `annotator git-setup`\n")


def test_validate_warns_when_the_configured_python_is_gone(repo: Repo, capsys) -> None:
    repo.git("config", "--local", "diff.annotator.textconv", "/gone/python -P -m annotator git-textconv")
    _, _, err = repo.run(capsys, "validate")
    assert err == ("annotations/: warning: git drivers not set up (diff.annotator.textconv runs /gone/python, "
                   "which no longer exists): run `annotator git-setup`\n")


# diff, log, show through the textconv driver ------------------------------------------------------


def hunks(output: str) -> list[str]:
    """The lines of a `git diff` after its first hunk header."""
    lines = output.splitlines()
    return lines[next(i for i, line in enumerate(lines) if line.startswith("@@")) + 1 :]


def test_git_diff_shows_one_line_per_entry(repo: Repo) -> None:
    repo.label("alice", 0, stance="mixed", topics=("dl-theory", "scaling"), flagged=True, note="See\nthe paper.",
               updated=WHEN)
    repo.label("alice", 2, stance="neutral", updated=WHEN)
    output = repo.git("diff", "--no-color").stdout
    assert hunks(output) == [
        f" {A1}  {TEXTS[1]}  stance=disagree topics=scaling",
        f"-{A0}  {E0}  stance=agree",
        f"+{A2}  {TEXTS[2]}  stance=neutral",
        f"+{A0}  {E0}  stance=mixed topics=dl-theory,scaling flagged note=\"See\\nthe paper.\"",
    ]


def test_git_diff_shows_a_note_changed_only_in_a_line_end_or_a_control_character(repo: Repo) -> None:
    """A reviewer sees every change to a note: one that only breaks a line, or adds an escape
    character, is a changed line too (the escape written out, never sent to the terminal)."""
    repo.label("alice", 3, stance="agree", note="sigterm note", updated=WHEN)
    repo.label("alice", 4, stance="agree", note="pulled", updated=WHEN)
    repo.commit("two notes")
    repo.label("alice", 3, stance="agree", note="sigterm\nnote", updated=WHEN)
    repo.label("alice", 4, stance="agree", note="pulled\x1b[2J", updated=WHEN)
    changed = [line for line in hunks(repo.git("diff", "--no-color").stdout) if line[0] in "+-"]
    assert sorted(changed) == sorted([
        f"-{A3}  {TEXTS[3]}  stance=agree note=\"sigterm note\"",
        f"-{A4}  {TEXTS[4]}  stance=agree note=\"pulled\"",
        f"+{A3}  {TEXTS[3]}  stance=agree note=\"sigterm\\nnote\"",
        f"+{A4}  {TEXTS[4]}  stance=agree note=\"pulled\\u001b[2J\"",
    ])


def test_git_log_and_show_use_the_driver_too(repo: Repo) -> None:
    repo.label("alice", 1, stance="agree", topics=("scaling",), updated=WHEN)
    repo.commit("alice changes her mind")
    expected = [f"-{A1}  {TEXTS[1]}  stance=disagree topics=scaling", f"+{A1}  {TEXTS[1]}  stance=agree topics=scaling"]
    assert hunks(repo.git("show", "--no-color", "HEAD").stdout)[:2] == expected
    assert hunks(repo.git("log", "-p", "-1", "--no-color").stdout)[:2] == expected


def test_textconv_leaves_a_file_that_does_not_parse_as_it_is(repo: Repo) -> None:
    repo.file("alice").write_text("<<<<<<< ours\n", "utf-8")
    assert "+<<<<<<< ours" in repo.git("diff", "--no-color").stdout


# merge, rebase, cherry-pick through the merge driver --------------------------------------------


def branch_and_label(repo: Repo, branch: str, index: int, **fields: object) -> None:
    repo.git("checkout", "-q", "-b", branch, "main")
    repo.label("alice", index, **fields)
    repo.commit(f"{branch}: label comment {index}")
    repo.git("checkout", "-q", "main")


def entries(repo: Repo) -> dict[str, object]:
    loaded = AnnotationFile.load(repo.file("alice"))
    return {comment_id: (entry.stance, entry.topics) for comment_id, entry in loaded.entries.items()}


def test_new_entries_at_the_same_place_merge_cleanly(repo: Repo) -> None:
    branch_and_label(repo, "one", 4, stance="agree", updated=WHEN)  # 8e83... sorts between 4bf4... and c1cc...
    branch_and_label(repo, "two", 2, stance="mixed", updated=WHEN)  # 9fe9... too
    assert repo.git("merge", "-q", "one").returncode == 0
    merged = repo.git("merge", "two", "-m", "merge two")
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert entries(repo) == {A1: ("disagree", ("scaling",)), A4: ("agree", ()), A2: ("mixed", ()), A0: ("agree", ())}
    text = repo.file("alice").read_text("utf-8")
    assert text == AnnotationFile.load(repo.file("alice")).render()  # the canonical layout


def test_without_the_driver_the_same_merge_conflicts(repo: Repo) -> None:
    (repo.root / ".gitattributes").unlink()
    repo.commit("no drivers")
    branch_and_label(repo, "one", 4, stance="agree", updated=WHEN)
    branch_and_label(repo, "two", 2, stance="mixed", updated=WHEN)
    repo.git("merge", "-q", "one")
    assert repo.git("merge", "two", "-m", "merge two", check=False).returncode == 1


def test_different_fields_of_one_entry_merge_field_by_field(repo: Repo) -> None:
    branch_and_label(repo, "stance", 1, stance="agree", topics=("scaling",), updated=WHEN)
    branch_and_label(repo, "topic", 1, stance="disagree", topics=("scaling", "dl-theory"), updated=WHEN)
    repo.git("merge", "-q", "stance")
    assert repo.git("merge", "topic", "-m", "merge topic").returncode == 0
    assert entries(repo)[A1] == ("agree", ("dl-theory", "scaling"))


def test_a_true_conflict_is_reported_and_leaves_a_file_validate_flags(repo: Repo, capsys) -> None:
    branch_and_label(repo, "mixed", 0, stance="mixed", updated=WHEN)
    branch_and_label(repo, "neutral", 0, stance="neutral", updated=WHEN)
    repo.git("merge", "-q", "mixed")
    merge = repo.git("merge", "neutral", "-m", "merge", check=False)
    assert merge.returncode == 1
    assert "CONFLICT (content): Merge conflict in annotations/alice.toml" in merge.stdout
    assert f"1 comment(s) changed differently on both sides: {A0}" in merge.stderr
    assert "`git add` the file and commit the merge, then resolve them in the app" in merge.stderr
    assert repo.git("status", "--porcelain").stdout == "UU annotations/alice.toml\n"

    loaded = AnnotationFile.load(repo.file("alice"))
    assert loaded.entries[A0].stance == "mixed"
    conflict = loaded.entries[A0].extra["conflict"]
    assert conflict["fields"] == ["stance"]
    assert (conflict["base"]["stance"], conflict["theirs"]["stance"]) == ("agree", "neutral")

    code, _, err = repo.run(capsys, "validate")
    line = loaded.lines[A0]
    assert code == 1
    assert (f"annotations/alice.toml:{line}: comment {A0}: unresolved merge conflict in stance: the entry holds "
            f"ours, [comments.{A0}.conflict] holds theirs and the base; resolve it in the app (v, then Conflicts; "
            f"< keeps ours, > takes theirs), or by hand: keep the labels you want and delete the "
            f"[comments.{A0}.conflict] tables\n") in err


def test_rebase_goes_through_the_driver(repo: Repo) -> None:
    branch_and_label(repo, "upstream", 4, stance="agree", updated=WHEN)
    repo.git("checkout", "-q", "-b", "work", "main")
    repo.label("alice", 2, stance="mixed", updated=WHEN)
    repo.commit("work: label comment 2")
    repo.label("alice", 3, stance="neutral", updated=WHEN)
    repo.commit("work: label comment 3")
    rebase = repo.git("rebase", "upstream", check=False)
    assert rebase.returncode == 0, rebase.stdout + rebase.stderr
    assert set(entries(repo)) == {A0, A1, A2, A3, A4}
    assert repo.git("log", "--format=%s", "-3").stdout.splitlines() == [
        "work: label comment 3", "work: label comment 2", "upstream: label comment 4"
    ]


def test_cherry_pick_goes_through_the_driver(repo: Repo) -> None:
    branch_and_label(repo, "picked", 4, stance="agree", updated=WHEN)
    repo.label("alice", 2, stance="mixed", updated=WHEN)
    repo.commit("main: label comment 2")
    assert repo.git("cherry-pick", "picked", check=False).returncode == 0
    assert set(entries(repo)) == {A0, A1, A2, A4}


def test_validate_is_quiet_where_the_project_never_set_up_the_drivers(tmp_path: Path, monkeypatch, capsys) -> None:
    repo = Repo.create(tmp_path, monkeypatch)
    repo.label("alice", 0, stance="agree", updated=WHEN)
    repo.commit("labels")
    assert repo.run(capsys, "validate")[::2] == (0, "")
