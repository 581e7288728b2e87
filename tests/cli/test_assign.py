"""`annotator assign`: the plan's effect per annotator, --check for CI, and --explain for one comment.

The project is `labeled_project` (five comments, c1 to c5) with this plan; salt "a" gives:
c1 everyone (calibration), c2 alice and bob, c3 to c5 alice and carol. So bob's label on c3 is
outside the plan, c4 lacks alice's stance and c5 both.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.cli import main
from tests.core.labels_fixture import labeled_project

PLAN = '\n[assign]\nannotators = ["alice", "bob", "carol"]\noverlap = 2\ncalibration = 1\nsalt = "a"\n'

OUTSIDE = "annotations/bob.toml:26: comment c3: labeled by bob, but the plan gives it to alice, carol\n"


def with_plan(root: Path, plan: str = PLAN) -> Path:
    config = root / "annotator.toml"
    config.write_text(config.read_text("utf-8") + plan, "utf-8")
    return root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return with_plan(labeled_project(tmp_path / "p", gold=True))


def assign(capsys, root: Path, *args: str) -> tuple[int, str, str]:
    code = main(["assign", "--project", str(root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_text(capsys, root: Path, output) -> None:
    assert assign(capsys, root) == (0, output("txt"), "")


def test_check_fails_on_a_label_outside_the_plan(capsys, root: Path, output) -> None:
    assert assign(capsys, root, "--check") == (1, output("txt"), OUTSIDE + "annotator assign: 1 label outside the plan\n")


def test_check_complete_also_fails_on_comments_lacking_a_stance(capsys, root: Path, output) -> None:
    assert assign(capsys, root, "--check", "--complete") == (1, output("txt"), OUTSIDE + (
        "comment c4: not complete: no stance from alice\n"
        "comment c5: not complete: no stance from alice, carol\n"
        "annotator assign: 1 label outside the plan; 2 comments of 5 not complete\n"
    ))


def test_check_passes_when_every_label_follows_the_plan(capsys, tmp_path: Path) -> None:
    root = labeled_project(tmp_path / "p")
    labels = (root / "annotations" / "bob.toml").read_text("utf-8")
    (root / "annotations" / "bob.toml").write_text(labels.split("\n# Café")[0] + "\n", "utf-8")  # c3 is last
    with_plan(root)
    code, out, err = assign(capsys, root, "--check")
    assert (code, err) == (0, "")
    assert "bob             1         2            1      2/2  100.0%        0" in out.splitlines()


def test_markdown(capsys, root: Path, output) -> None:
    assert assign(capsys, root, "--format", "markdown") == (0, output("md"), "")


def test_json(capsys, root: Path) -> None:
    code, out, err = assign(capsys, root, "--format", "json")
    assert (code, err) == (0, "")
    share = {"calibration": 1, "outside": 0, "weight": 1.0}
    assert json.loads(out) == {
        "format": 1,
        "plan": {"annotators": ["alice", "bob", "carol"], "overlap": 2, "calibration": 1,
                 "weights": {"alice": 1.0, "bob": 1.0, "carol": 1.0}, "salt": "a"},
        "comments": 5, "calibration": 1, "complete": 3, "calibration_complete": 1,
        "annotators": [share | {"name": "alice", "assigned": 5, "labeled": 3},
                       share | {"name": "bob", "assigned": 2, "labeled": 2, "outside": 1},
                       share | {"name": "carol", "assigned": 4, "labeled": 3}],
        "unplanned": [],
    }


def test_someone_with_a_file_but_not_in_the_plan(capsys, root: Path, tmp_path: Path) -> None:
    (root / "annotations" / "carol.toml").rename(root / "annotations" / "dave.toml")
    text = (root / "annotations" / "dave.toml").read_text("utf-8").replace('"carol"', '"dave"')
    (root / "annotations" / "dave.toml").write_text(text, "utf-8")
    code, out, err = assign(capsys, root, "--check")
    assert code == 1
    assert out.splitlines()[-2:] == [
        "carol           1         4            1      0/4    0.0%        0",
        "not in the plan, with a file: dave (their labels are outside the plan)",
    ]
    assert err.splitlines()[1:] == [
        "annotations/dave.toml:7: comment c1: labeled by dave, but the plan gives it to alice, bob, carol",
        "annotations/dave.toml:17: comment c3: labeled by dave, but the plan gives it to alice, carol",
        "annotations/dave.toml:27: comment c4: labeled by dave, but the plan gives it to alice, carol",
        "annotator assign: 4 labels outside the plan",
    ]


def test_explain(capsys, root: Path, output) -> None:
    assert assign(capsys, root, "--explain", "c3") == (0, output("txt"), "")


def test_explain_a_calibration_comment_in_markdown(capsys, root: Path, output) -> None:
    assert assign(capsys, root, "--explain", "c1", "--format", "markdown") == (0, output("md"), "")


def test_explain_json(capsys, root: Path) -> None:
    code, out, _ = assign(capsys, root, "--explain", "c2", "--format", "json")
    data = json.loads(out)
    assert (code, data["assignees"], data["calibration"], data["overlap"]) == (0, ["alice", "bob"], False, 2)
    assert [(c["rank"], c["annotator"], c["assigned"]) for c in data["candidates"]] == [
        (1, "bob", True), (2, "alice", True), (3, "carol", False)]


def explain_error(capsys, root: Path, typed: str) -> str:
    """`assign --explain TYPED`, which must be a usage error (exit 2, as in `blame`): its message."""
    with pytest.raises(SystemExit) as exit_:
        main(["assign", "--project", str(root), "--explain", typed])
    out, err = capsys.readouterr()
    assert (exit_.value.code, out) == (2, "")
    return err.split("annotator assign: error: ", 1)[1]


def test_explain_an_unknown_id(capsys, root: Path) -> None:
    assert explain_error(capsys, root, "zz") == "--explain: no comment id starts with 'zz'\n"


def test_explain_takes_a_unique_start_of_an_id_as_blame_does(capsys, root: Path) -> None:
    seeds = root / "seeds" / "comments.jsonl"
    seeds.write_text(seeds.read_text("utf-8") + '{"id": "d7f3a9", "text": "One more comment."}\n', "utf-8")
    code, out, err = assign(capsys, root, "--explain", "d7")
    assert (code, out.splitlines()[0], err) == (0, "d7f3a9  One more comment.", "")


def test_explain_an_ambiguous_start_lists_the_candidates(capsys, root: Path) -> None:
    assert explain_error(capsys, root, "c") == (
        "--explain: 5 comment ids start with 'c': 'c1', 'c2', 'c3', 'c4', 'c5' (type more of the id)\n")


def test_a_project_without_a_plan(capsys, tmp_path: Path) -> None:
    code, out, err = assign(capsys, labeled_project(tmp_path / "p"))
    assert (code, out) == (1, "")
    assert err.startswith("annotator: annotator.toml: no [assign] table: this project has no plan of who labels what\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--complete"], "--complete goes with --check"),
     (["--check", "--explain", "c1"], "--explain shows one comment: it does not go with --check")],
)
def test_usage_errors(capsys, root: Path, args: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["assign", "--project", str(root), *args])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.endswith(f"annotator assign: error: {message}\n")


def test_a_bad_plan_is_reported_with_the_file_and_key(capsys, tmp_path: Path) -> None:
    root = with_plan(labeled_project(tmp_path / "p"), '\n[assign]\nannotators = ["alice"]\noverlap = 2\n')
    message = ("annotator: annotator.toml:82: assign: overlap: 2 annotators per comment, but the plan lists only 1 (add "
               "annotators or lower the overlap)\n")
    assert assign(capsys, root) == (1, "", message)


def test_weights_too_many_to_adjust_are_used_as_they_are_and_it_says_so(capsys, tmp_path: Path) -> None:
    names = ", ".join(f'"a{number}"' for number in range(30))
    root = with_plan(labeled_project(tmp_path / "p"), f"\n[assign]\nannotators = [{names}]\noverlap = 5\n"
                     "weights = { a0 = 0.5 }\n")
    code, out, _ = assign(capsys, root)
    assert code == 0
    assert out.splitlines()[2] == ("note: too many annotators to adjust the weights for the overlap: they are used "
                                   "as they are, and the shares above deviate from them")
