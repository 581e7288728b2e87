"""`annotator stats`: progress per annotator and the label distributions, as text and as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from annotator.cli import main
from annotator.core.models import text_id
from tests.conftest import make_project
from tests.core.labels_fixture import labeled_project

def run(capsys, root: Path, *args: str) -> tuple[int, str, str]:
    code = main(["stats", "--project", str(root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_report(tmp_path: Path, capsys, output) -> None:
    code, out, err = run(capsys, labeled_project(tmp_path / "p", gold=True))
    assert (code, err) == (0, "")
    assert out == output("txt")


def test_json_report(tmp_path: Path, capsys) -> None:
    code, out, err = run(capsys, labeled_project(tmp_path / "p", gold=True), "--format", "json")
    data = json.loads(out)
    assert (code, err, data["comments"]) == (0, "", 5)
    alice, bob, carol, gold = data["annotators"]
    assert (alice["name"], alice["labeled"], alice["flagged"], alice["median_seconds"]) == ("alice", 3, 1, 20.0)
    assert alice["stance"] == {"agree": 1, "disagree": 1, "mixed": 1, "neutral": 0}
    assert (bob["topics"]["forecasting"], carol["median_seconds"], gold["median_seconds"]) == (1, 9.5, None)
    assert data["distribution"]["annotators"] == ["alice", "bob", "carol"]
    assert (data["distribution"]["labeled"], data["distribution"]["stance"]["agree"]) == (9, 3)


def test_orphans_and_unlabeled_entries_do_not_count(tmp_path: Path, capsys) -> None:
    root = make_project(tmp_path / "p", {"a.txt": "One.\nTwo.\n"})
    (root / "annotations" / "zed.toml").write_text(
        'format = 1\nannotator = "zed"\n\n[comments.0123456789ab]\nstance = "agree"\n\n'
        f'[comments.{text_id("Two.")}]\ntopics = []\nflagged = true\nseconds = 5.0\n', "utf-8"
    )
    data = json.loads(run(capsys, root, "--format", "json")[1])
    (zed,) = data["annotators"]
    assert (zed["labeled"], zed["flagged"], zed["median_seconds"]) == (0, 1, None)
    assert data["distribution"]["stance"]["agree"] == 0


def test_no_annotation_files_yet(tmp_path: Path, capsys) -> None:
    root = make_project(tmp_path / "p", {"a.txt": "One.\n"})
    assert run(capsys, root) == (0, "1 comment, no annotation files yet\n", "")


PLAN = '\n[assign]\nannotators = ["alice", "bob", "carol", "dan"]\noverlap = 2\ncalibration = 1\nsalt = "a"\n'


def test_with_a_plan_each_annotator_has_their_share(tmp_path: Path, capsys) -> None:
    """dan is in the plan but has no file yet: he shows, with nothing labeled; gold has no share."""
    root = labeled_project(tmp_path / "p", gold=True)
    (root / "annotator.toml").write_text((root / "annotator.toml").read_text("utf-8") + PLAN, "utf-8")
    code, out, err = run(capsys, root)
    assert (code, err) == (0, "")
    assert out.split("\n\nstance")[0] == """\
5 comments, 4 annotation files
plan: 4 annotators, overlap 2, 1 calibration; 2 of 5 comments complete

annotator     labeled  flagged  median sec  of their share
alice      3/5  60.0%        1        20.0      3/5  60.0%
bob        3/5  60.0%        0         4.0      2/2 100.0%
carol      3/5  60.0%        0         9.5      3/3 100.0%
dan        0/5   0.0%        0           -      0/2   0.0%
gold       1/5  20.0%        0           -               -"""
    data = json.loads(run(capsys, root, "--format", "json")[1])
    assert [one["share"] for one in data["annotators"]] == [
        {"assigned": 5, "labeled": 3}, {"assigned": 2, "labeled": 2}, {"assigned": 3, "labeled": 3},
        {"assigned": 2, "labeled": 0}, None]
    assert data["plan"] == {"annotators": ["alice", "bob", "carol", "dan"], "overlap": 2, "calibration": 1,
                            "complete": 2, "calibration_complete": 0}


def test_without_a_plan_nothing_changes_but_null_shares(tmp_path: Path, capsys) -> None:
    data = json.loads(run(capsys, labeled_project(tmp_path / "p"), "--format", "json")[1])
    assert data["plan"] is None
    assert [one["share"] for one in data["annotators"]] == [None, None, None]
