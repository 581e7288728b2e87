"""`annotator blame COMMENT_ID`: the label history of one comment from `git log`."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from annotator.core.models import excerpt
from tests.core.gitrepo import IDS, TEXTS, WHEN, Repo

A0 = IDS[0]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """Comment 0 changed in three commits by alice and bob, plus a commit that touches only time."""
    repo = Repo.create(tmp_path, monkeypatch)
    repo.label("alice", 0, stance="agree", updated=WHEN)
    repo.label("alice", 1, stance="agree", updated=WHEN)
    repo.commit("alice starts")
    repo.label("bob", 0, stance="mixed", topics=("scaling",), updated=WHEN)
    repo.commit("bob starts", author="Bob Babbage")
    repo.label("alice", 0, stance="disagree", topics=("dl-theory",), updated=WHEN + timedelta(days=2))
    repo.label("alice", 1, stance="neutral", updated=WHEN)
    repo.commit("alice changes her mind")
    repo.label("alice", 0, stance="disagree", topics=("dl-theory",), seconds=12.0, updated=WHEN + timedelta(days=2))
    repo.commit("alice spends more time")
    return repo


def shorts(repo: Repo) -> list[str]:
    return repo.git("log", "--reverse", "--format=%h").stdout.split()


def test_text_history_by_annotator_oldest_first(repo: Repo, capsys) -> None:
    first, second, third, _ = shorts(repo)
    code, out, err = repo.run(capsys, "blame", A0)
    assert (code, err) == (0, "")
    assert out == (
        f"{A0}  {excerpt(TEXTS[0])}\n"
        f"alice  {first}  2026-03-01  Ada Lovelace  added: stance: (none) -> agree\n"
        f"alice  {third}  2026-03-03  Ada Lovelace  changed: stance: agree -> disagree; topics: +dl-theory\n"
        f"bob  {second}  2026-03-02  Bob Babbage  added: stance: (none) -> mixed; topics: +scaling\n"
    )


def test_all_shows_time_only_commits(repo: Repo, capsys) -> None:
    fourth = shorts(repo)[3]
    _, out, _ = repo.run(capsys, "blame", A0, "--all")
    assert f"alice  {fourth}  2026-03-04  Ada Lovelace  changed: seconds: (none) -> 12.0\n" in out


def test_json_history(repo: Repo, capsys) -> None:
    first = repo.git("rev-list", "--max-parents=0", "HEAD").stdout.strip()
    _, out, _ = repo.run(capsys, "blame", A0, "--format", "json")
    document = json.loads(out)
    assert document["comment"] == A0
    assert document["excerpt"] == excerpt(TEXTS[0])
    assert [(item["annotator"], item["change"]) for item in document["history"]] == [
        ("alice", "added"), ("alice", "changed"), ("bob", "added")
    ]
    assert document["history"][0] == {
        "annotator": "alice",
        "author": "Ada Lovelace",
        "change": "added",
        "commit": first,
        "date": "2026-03-01T10:00:00+00:00",
        "fields": {"stance": {"new": "agree", "old": None}},
        "short": first[: len(document["history"][0]["short"])],
    }
    assert out == json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def test_a_merge_that_resolved_a_conflict_is_listed(repo: Repo, capsys) -> None:
    repo.setup_drivers()
    repo.commit("drivers")
    repo.git("checkout", "-q", "-b", "side")
    repo.label("alice", 0, stance="neutral", updated=WHEN)
    repo.commit("side: neutral")
    repo.git("checkout", "-q", "main")
    repo.label("alice", 0, stance="mixed", updated=WHEN)
    repo.commit("main: mixed")
    assert repo.git("merge", "side", "-m", "merge", check=False).returncode == 1
    repo.label("alice", 0, stance="agree", updated=WHEN)  # resolved by hand, which drops the conflict table
    repo.commit("merge side")
    _, out, _ = repo.run(capsys, "blame", A0)
    alice = [line.split("  ", 4)[4] for line in out.splitlines() if line.startswith("alice")]
    assert alice[-3:] == [
        "changed: stance: disagree -> neutral; topics: -dl-theory",
        "changed: stance: disagree -> mixed; topics: -dl-theory",
        "changed: stance: mixed -> agree",
    ]


def test_a_comment_in_the_seeds_with_no_labels(repo: Repo, capsys) -> None:
    code, out, err = repo.run(capsys, "blame", IDS[3])
    assert (code, out) == (0, f"{IDS[3]}  {TEXTS[3]}\n")
    assert err == f"annotator blame: no committed labels on comment {IDS[3]}\n"


def test_unknown_comment_id(repo: Repo, capsys) -> None:
    code, out, err = repo.run(capsys, "blame", "0123456789ab")
    assert (code, out) == (1, "")
    assert err.startswith(
        "annotator: unknown comment id '0123456789ab': not in seeds/ and never in a committed annotation file\n"
    )


def test_outside_a_repository(tmp_path: Path, monkeypatch, capsys) -> None:
    repo = Repo.outside_git(tmp_path, monkeypatch)
    code, _, err = repo.run(capsys, "blame", A0)
    assert code == 1
    assert "not inside a git repository" in err
