"""`annotator stats`: progress per annotator and the label distributions, as text and as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from annotator.cli import main
from annotator.core.models import text_id
from tests.conftest import make_project
from tests.core.labels_fixture import labeled_project

TEXT = """\
5 comments, 4 annotation files

annotator     labeled  flagged  median sec
alice      3/5  60.0%        1        20.0
bob        3/5  60.0%        0         4.0
carol      3/5  60.0%        0         9.5
gold       1/5  20.0%        0           -

stance (alice, bob, carol: 9 labeled)
  agree     ########################  3   33.3%
  disagree  ################          2   22.2%
  mixed     ################          2   22.2%
  neutral   ################          2   22.2%

topics (alice, bob, carol: share of 9 labeled)
  dl-theory     ########                  1   11.1%
  scaling       ########################  3   33.3%
  reasoning     ################          2   22.2%
  memorization                            0    0.0%
  code-models                             0    0.0%
  symbolic-ai                             0    0.0%
  forecasting   ########                  1   11.1%
  lm-behaviour                            0    0.0%
"""


def run(capsys, root: Path, *args: str) -> tuple[int, str, str]:
    code = main(["stats", "--project", str(root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_report(tmp_path: Path, capsys) -> None:
    assert run(capsys, labeled_project(tmp_path / "p", gold=True)) == (0, TEXT, "")


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
