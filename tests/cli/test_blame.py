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


def merge_with_a_stance_conflict(repo: Repo) -> None:
    """alice's comment 0: mixed on main, neutral on `side`; `side` merged, stopped by the conflict."""
    repo.setup_drivers()
    repo.commit("drivers")
    repo.git("checkout", "-q", "-b", "side")
    repo.label("alice", 0, stance="neutral", updated=WHEN)
    repo.commit("side: neutral")
    repo.git("checkout", "-q", "main")
    repo.label("alice", 0, stance="mixed", updated=WHEN)
    repo.commit("main: mixed")
    assert repo.git("merge", "side", "-m", "merge", check=False).returncode == 1


def alices_changes(repo: Repo, capsys) -> list[str]:
    """What each of alice's lines in `blame` of comment 0 says changed."""
    _, out, _ = repo.run(capsys, "blame", A0)
    return [line.split("  ", 4)[4] for line in out.splitlines() if line.startswith("alice")]


def test_a_merge_that_resolved_a_conflict_is_listed(repo: Repo, capsys) -> None:
    merge_with_a_stance_conflict(repo)
    repo.label("alice", 0, stance="agree", updated=WHEN)  # resolved by hand, which drops the conflict table
    repo.commit("merge side")
    assert alices_changes(repo, capsys)[-3:] == [
        "changed: stance: disagree -> neutral; topics: -dl-theory",
        "changed: stance: disagree -> mixed; topics: -dl-theory",
        "changed: stance: mixed -> agree",
    ]


def test_a_conflict_committed_with_the_merge_then_resolved_reads_as_fields_not_a_table(repo: Repo, capsys) -> None:
    """The README's way: commit the merge with its conflict table, then resolve in the app."""
    merge_with_a_stance_conflict(repo)
    repo.commit("merge side, conflict and all")
    repo.label("alice", 0, stance="neutral", updated=WHEN)  # theirs taken: the table goes
    repo.commit("resolve")
    assert alices_changes(repo, capsys)[-2:] == [
        "changed: conflict: (none) -> stance (theirs neutral, base disagree)",
        "changed: stance: mixed -> neutral; conflict: stance (theirs neutral, base disagree) -> (none)",
    ]


def test_a_comment_in_the_seeds_with_no_labels(repo: Repo, capsys) -> None:
    code, out, err = repo.run(capsys, "blame", IDS[3])
    assert (code, out) == (0, f"{IDS[3]}  {TEXTS[3]}\n")
    assert err == f"annotator blame: no committed labels on comment {IDS[3]}\n"


USAGE = "usage: annotator blame [-h] [--project DIR] [--format FORMAT] [--all]\n                       COMMENT_ID\n"


def usage_error(repo: Repo, capsys, *argv: str) -> str:
    """Run `annotator ARGV`, which must end in exit 2 with nothing on stdout; its error line."""
    with pytest.raises(SystemExit) as caught:
        repo.run(capsys, *argv)
    out, err = capsys.readouterr()
    assert (caught.value.code, out) == (2, "")
    assert err.startswith(USAGE)
    return err.removeprefix(USAGE)


def test_unknown_comment_id(repo: Repo, capsys) -> None:
    assert usage_error(repo, capsys, "blame", "0123456789ab") == (
        "annotator blame: error: no comment id starts with '0123456789ab' (not in seeds/, and never in a "
        "committed annotation file; comment ids are the [comments.ID] headers in annotations/, and the second "
        "column of `annotator diff`)\n"
    )


# Ids by a unique start ------------------------------------------------------------------------

HOSTILE = "c1cc[/b] [red]'\" é"  # markup, quotes, spaces, non-ASCII (seed ids are printable text)


@pytest.fixture
def crowded(repo: Repo) -> Repo:
    """The repo, with six more comments whose ids start as comment 0's does (c1cc), one hostile."""
    rows = [{"id": f"c1cc{index}", "text": f"Comment {index}."} for index in range(5)] + [{"id": HOSTILE, "text": "x"}]
    (repo.root / "seeds" / "more.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows), "utf-8")
    return repo


def test_a_unique_start_of_an_id_names_the_comment(crowded: Repo, capsys) -> None:
    assert crowded.run(capsys, "blame", "c1ccf") == crowded.run(capsys, "blame", A0)
    code, out, err = crowded.run(capsys, "blame", "c1ccf")
    assert (code, err, out.split("  ")[0]) == (0, "", A0)
    code, out, err = crowded.run(capsys, "blame", "c1cc[")  # the hostile id, by its start
    assert (code, out) == (0, f"{HOSTILE}  x\n")
    assert err == f"annotator blame: no committed labels on comment {HOSTILE}\n"


def test_a_whole_id_that_starts_other_ids_is_that_comment(crowded: Repo, capsys) -> None:
    (crowded.root / "seeds" / "most.jsonl").write_text('{"id": "c1cc10", "text": "y"}\n', "utf-8")
    code, out, _ = crowded.run(capsys, "blame", "c1cc1")
    assert (code, out) == (0, "c1cc1  Comment 1.\n")


def test_an_ambiguous_start_lists_the_first_candidates(crowded: Repo, capsys) -> None:
    assert usage_error(crowded, capsys, "blame", "c1cc") == (
        "annotator blame: error: 7 comment ids start with 'c1cc': 'c1cc0', 'c1cc1', 'c1cc2', 'c1cc3', 'c1cc4' "
        "and 2 more (type more of the id)\n"
    )
def test_outside_a_repository(tmp_path: Path, monkeypatch, capsys) -> None:
    repo = Repo.outside_git(tmp_path, monkeypatch)
    code, _, err = repo.run(capsys, "blame", A0)
    assert code == 1
    assert "not inside a git repository" in err


# Merges: listed only where the merge itself changed the labels ---------------------------------


def merged_branches(repo: Repo, main_labels: dict, side_labels: dict) -> tuple[str, str, str]:
    """alice labels comment 0 on `side` and on `main`, then `main` merges `side` with the merge
    driver; the short hashes of the side commit, the main commit and the merge."""
    repo.setup_drivers()
    repo.commit("drivers")
    repo.git("checkout", "-q", "-b", "side")
    repo.label("alice", 0, **side_labels)
    side = repo.commit("side")
    repo.git("checkout", "-q", "main")
    repo.label("alice", 0, **main_labels)
    main = repo.commit("main")
    repo.git("merge", "-q", "--no-ff", "side", "-m", "merge side")
    merge = repo.git("rev-parse", "--short", "HEAD").stdout.strip()
    assert repo.git("status", "--porcelain").stdout == ""
    return side, main, merge


def test_a_merge_that_took_one_sides_labels_is_not_listed(repo: Repo, capsys) -> None:
    # side changes the stance; main only spends time on the comment. The merge driver takes side's
    # labels, adds the seconds up and keeps the later `updated`: new timing, no new labels.
    side, main, merge = merged_branches(
        repo,
        main_labels={"stance": "disagree", "topics": ("dl-theory",), "seconds": 20.0, "updated": WHEN + timedelta(days=9)},
        side_labels={"stance": "agree", "topics": ("dl-theory",), "seconds": 12.0, "updated": WHEN + timedelta(days=5)},
    )
    merged = repo.git("show", f"{merge}:annotations/alice.toml").stdout
    assert 'stance = "agree"' in merged and "seconds = 20.0" in merged  # 12 + (20 - 12): both sides' time
    code, out, err = repo.run(capsys, "blame", A0)
    assert (code, err) == (0, "")
    alice = [line.split("  ")[1:2] + line.split("  ")[4:] for line in out.splitlines() if line.startswith("alice")]
    assert alice[-1] == [side, "changed: stance: disagree -> agree"]
    assert merge not in out and main not in out
    _, out, _ = repo.run(capsys, "blame", A0, "--all")  # its seconds and updated are main's: nothing new
    assert f"alice  {main}  " in out and merge not in out


def test_a_merge_of_fields_from_both_sides_lists_each_side_not_the_merge(repo: Repo, capsys) -> None:
    side, main, merge = merged_branches(
        repo,
        main_labels={"stance": "disagree", "topics": ("dl-theory",), "note": "sarcastic?", "updated": WHEN},
        side_labels={"stance": "agree", "topics": ("dl-theory",), "updated": WHEN},
    )
    assert 'stance = "agree"' in repo.git("show", f"{merge}:annotations/alice.toml").stdout
    _, out, _ = repo.run(capsys, "blame", A0)
    alice = [line.split("  ") for line in out.splitlines() if line.startswith("alice")]
    assert [(fields[1], fields[4]) for fields in alice[-2:]] == [
        (side, "changed: stance: disagree -> agree"),
        (main, 'changed: note: (none) -> "sarcastic?"'),
    ]
    assert merge not in out


def test_a_merge_that_unites_both_sides_topics_lists_the_union(repo: Repo, capsys) -> None:
    side, main, merge = merged_branches(
        repo,
        main_labels={"stance": "disagree", "topics": ("dl-theory", "scaling"), "updated": WHEN},
        side_labels={"stance": "disagree", "topics": ("dl-theory", "reasoning"), "updated": WHEN},
    )
    _, out, _ = repo.run(capsys, "blame", A0)
    alice = [line.split("  ") for line in out.splitlines() if line.startswith("alice")]
    assert [(fields[1], fields[4]) for fields in alice[-3:]] == [
        (side, "changed: topics: +reasoning"),
        (main, "changed: topics: +scaling"),
        (merge, "changed: topics: +reasoning"),  # against its first parent, main
    ]


def test_a_merge_that_resolved_differently_is_listed_against_its_first_parent(repo: Repo, capsys) -> None:
    # Both sides changed the stance (a conflict); the merge is resolved to a third stance by hand.
    repo.setup_drivers()
    repo.commit("drivers")
    repo.git("checkout", "-q", "-b", "side")
    repo.label("alice", 0, stance="neutral", topics=("dl-theory",), updated=WHEN)
    side = repo.commit("side: neutral")
    repo.git("checkout", "-q", "main")
    repo.label("alice", 0, stance="mixed", topics=("dl-theory",), updated=WHEN)
    main = repo.commit("main: mixed")
    assert repo.git("merge", "side", "-m", "merge", check=False).returncode == 1
    repo.label("alice", 0, stance="agree", topics=("dl-theory",), updated=WHEN)
    merge = repo.commit("merge side")
    _, out, _ = repo.run(capsys, "blame", A0)
    alice = [line.split("  ") for line in out.splitlines() if line.startswith("alice")]
    assert [(fields[1], fields[4]) for fields in alice[-3:]] == [
        (side, "changed: stance: disagree -> neutral"),
        (main, "changed: stance: disagree -> mixed"),
        (merge, "changed: stance: mixed -> agree"),
    ]
