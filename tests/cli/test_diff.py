"""`annotator diff`: every kind of label change, in each format, against real git revisions."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.core.models import excerpt
from tests.core.gitrepo import IDS, TEXTS, WHEN, Repo

A0, A1, A2, A3, A4 = IDS
E0 = excerpt(TEXTS[0])  # the first comment is longer than an excerpt


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A first commit with labels by alice and carol; in the working tree, one change of each kind."""
    repo = Repo.create(tmp_path, monkeypatch)
    repo.label("alice", 0, stance="agree", topics=("dl-theory",), seconds=10.0, updated=WHEN)
    repo.label("alice", 1, stance="agree", updated=WHEN)
    repo.label("alice", 3, stance="neutral", seconds=5.0, updated=WHEN)
    repo.label("alice", 4, stance="mixed", updated=WHEN)
    repo.label("carol", 0, stance="disagree", updated=WHEN)
    repo.commit("first labels")
    later = WHEN + timedelta(hours=1)
    repo.label("alice", 0, stance="disagree", topics=("scaling",), seconds=20.0, updated=later)
    repo.label("alice", 1)
    repo.label("alice", 2, stance="neutral", flagged=True, note='Check "this".\nLater.', updated=later)
    repo.label("alice", 3, stance="neutral", seconds=9.0, updated=later)
    repo.label("alice", 4, stance="mixed", note="| not a table `x`", updated=WHEN)
    repo.label("bob", 0, stance="agree", updated=later)
    repo.file("carol").unlink()
    return repo


def test_text_shows_each_kind_of_change_and_leaves_out_timing(repo: Repo, capsys, output) -> None:
    code, out, err = repo.run(capsys, "diff")
    assert (code, out) == (0, output("txt"))
    assert err == "HEAD → working tree: 6 entries: 2 added, 2 removed, 2 changed\n"


def test_all_adds_seconds_and_updated(repo: Repo, capsys) -> None:
    code, out, _ = repo.run(capsys, "diff", "--all", "--annotator", "alice")
    assert code == 0
    assert f"""\
alice  {A0}  changed  {E0}
    stance: agree -> disagree
    topics: +scaling -dl-theory
    seconds: 10.0 -> 20.0
    updated: 2026-03-01T12:00:00+00:00 -> 2026-03-01T13:00:00+00:00
alice  {A3}  changed  Could you share the code?
    seconds: 5.0 -> 9.0
    updated: 2026-03-01T12:00:00+00:00 -> 2026-03-01T13:00:00+00:00
""" in out


def test_markdown_is_a_table_with_every_dynamic_part_in_code_spans(repo: Repo, capsys) -> None:
    code, out, _ = repo.run(capsys, "diff", "--format", "markdown", "--annotator", "alice")
    assert code == 0
    assert out == f"""\
### Label changes: `HEAD` → working tree

4 entries: 1 added, 1 removed, 2 changed.

| annotator | comment | change | what changed |
| --- | --- | --- | --- |
| `alice` | `{A1}` `Scaling laws are not the whole story.` | removed | `stance` `agree` → `(none)` |
| `alice` | `{A4}` ``This is <b>bold</b> \\| pipes `ticks` and @someone.`` | changed | \
`note` `(none)` → ``"\\| not a table `x`"`` |
| `alice` | `{A2}` `I disagree with the premise entirely.` | added | `stance` `(none)` → `neutral`<br>\
`note` `(none)` → `"Check \\"this\\".\\nLater."`<br>`flagged` `no` → `yes` |
| `alice` | `{A0}` `{E0}` | changed | \
`stance` `agree` → `disagree`<br>topics +`scaling` −`dl-theory` |
"""


def test_json_is_sorted_and_complete(repo: Repo, capsys) -> None:
    code, out, _ = repo.run(capsys, "diff", "--format", "json", "--annotator", "bob")
    assert code == 0
    assert out == f"""\
{{
  "changes": [
    {{
      "annotator": "bob",
      "change": "added",
      "comment": "{A0}",
      "excerpt": "{E0}",
      "fields": {{
        "stance": {{
          "new": "agree",
          "old": null
        }}
      }}
    }}
  ],
  "format": 1,
  "from": "HEAD",
  "to": null
}}
"""


def test_json_fields_of_every_kind(repo: Repo, capsys) -> None:
    _, out, _ = repo.run(capsys, "diff", "--format", "json", "--all")
    changes = {(item["annotator"], item["comment"]): item for item in json.loads(out)["changes"]}
    assert changes[("alice", A0)]["fields"]["topics"] == {
        "old": ["dl-theory"], "new": ["scaling"], "added": ["scaling"], "removed": ["dl-theory"]
    }
    assert changes[("alice", A2)]["fields"]["note"] == {"old": None, "new": 'Check "this".\nLater.'}
    assert changes[("alice", A3)]["fields"] == {
        "seconds": {"old": 5.0, "new": 9.0},
        "updated": {"old": "2026-03-01T12:00:00+00:00", "new": "2026-03-01T13:00:00+00:00"},
    }
    assert [item["change"] for item in json.loads(out)["changes"]] == [
        "removed", "changed", "added", "changed", "changed", "added", "removed"
    ]


def test_two_revisions_and_one_revision(repo: Repo, capsys, output) -> None:
    repo.commit("second labels")
    repo.label("bob", 0, stance="mixed", updated=WHEN)
    _, out, _ = repo.run(capsys, "diff", "HEAD~1", "HEAD")
    assert out == output("txt")  # the same as test_text_shows_each_kind_of_change_and_leaves_out_timing's
    _, out, _ = repo.run(capsys, "diff", "HEAD")
    assert out == f"bob  {A0}  changed  {E0}\n    stance: agree -> mixed\n"
    _, out, err = repo.run(capsys, "diff", "HEAD", "HEAD")
    assert (out, err) == ("", "HEAD → HEAD: no label changes\n")


def test_excerpt_comes_from_the_seeds_when_the_file_has_none(repo: Repo, capsys) -> None:
    repo.file("bob").write_text(f'format = 1\nannotator = "bob"\n\n[comments.{A3}]\nstance = "agree"\n', "utf-8")
    _, out, _ = repo.run(capsys, "diff", "--annotator", "bob")
    assert out == f"bob  {A3}  added  {TEXTS[3]}\n    stance: (none) -> agree\n"


def test_a_hand_edited_layout_is_compared_all_the_same(repo: Repo, capsys) -> None:
    repo.file("bob").write_text(
        f'annotator = "bob"\ncomments.{A1}.stance = "agree"\n[comments.{A3}]\nnote = """two\nlines"""\n', "utf-8"
    )
    _, out, _ = repo.run(capsys, "diff", "--annotator", "bob")
    assert out == (f"bob  {A1}  added  {TEXTS[1]}\n    stance: (none) -> agree\n"
                   f"bob  {A3}  added  {TEXTS[3]}\n    note: (none) -> \"two\\nlines\"\n")


def test_outside_a_git_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    repo = Repo.outside_git(tmp_path, monkeypatch)
    code, out, err = repo.run(capsys, "diff")
    assert (code, out) == (1, "")
    assert err == (f"annotator: {repo.root}: not inside a git repository\n  (labels are compared between git "
                   "commits: run `git init` and commit, or give --project)\n")


@pytest.mark.parametrize("revision", ["nope", "-x", "HEAD~5"])
def test_unknown_revision(repo: Repo, capsys, revision: str) -> None:
    code = main(["diff", "--project", str(repo.root), "--", revision])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err == f"annotator: unknown revision {revision!r}\n  (give a commit, branch or tag (see `git log`))\n"


def test_unknown_annotator(repo: Repo, capsys) -> None:
    code, _, err = repo.run(capsys, "diff", "--annotator", "zed")
    assert code == 1
    assert err.startswith("annotator: no annotations/zed.toml in either revision\n")


def test_a_file_that_does_not_parse_names_its_revision_and_line(repo: Repo, capsys) -> None:
    repo.file("bob").write_text('format = 1\n[comments.x]\nstance = \n', "utf-8")
    repo.commit("broken")
    code, _, err = repo.run(capsys, "diff", "HEAD~1", "HEAD")
    short = repo.git("rev-parse", "--short=12", "HEAD").stdout.strip()
    assert code == 1
    assert err.startswith(f"annotator: {short}:annotations/bob.toml:3:")


def test_a_note_changed_only_in_its_spaces_or_line_breaks_shows_as_changed_in_every_format(repo: Repo, capsys) -> None:
    repo.commit("the working tree's labels")
    repo.label("alice", 2, stance="neutral", flagged=True, note='Check "this".  Later.', updated=WHEN)
    code, text, _ = repo.run(capsys, "diff", "--annotator", "alice")
    assert (code, text.splitlines()[1:]) == (0, ['    note: "Check \\"this\\".\\nLater." -> "Check \\"this\\".  Later."'])
    _, markdown, _ = repo.run(capsys, "diff", "--format", "markdown", "--annotator", "alice")
    assert '`note` `"Check \\"this\\".\\nLater."` → `"Check \\"this\\".  Later."` |' in markdown
