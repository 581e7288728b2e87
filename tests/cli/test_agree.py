"""`annotator agree`: the exact output of each format, --pair, --min-alpha, and every refusal.

The project below is small enough to check every figure by hand:

    comment            alice               bob                    carol
    c1 "Scaling..."    agree  [scaling]    agree  [scaling]       agree [scaling]
    c2 "This proof..." disagree []         disagree [reasoning]   mixed []
    c3 "Nice work..."  mixed  [scaling]    agree  [scaling]       -
    c4 "What about..." agree  [reasoning]  -                      (a note only)

c4 has one judgment, so 3 comments count. Stance alpha: n = 8 values (agree 4, disagree 2,
mixed 2), expected 64 - 24 = 40, observed c2 (9 - 5) / 2 + c3 (4 - 2) / 1 = 4: 1 - 7 * 4 / 40 = 0.3.
Cohen alice / bob: p_o = 2/3, p_e = 1/3: 0.5; alice / carol and bob / carol: p_o = 1/2,
p_e = 1/4: 0.333. Topics (n = 8): scaling is chosen by everyone who labeled c1 and c3 and by no
one on c2: 1.0; reasoning only by bob on c2: 1 - 7 * 2 / (2 * 1 * 7) = 0.0; memorization never
chosen: undefined. gold.toml, which would change all of this, is not an annotator.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.core.models import Annotation, text_id
from annotator.core.store import AnnotationFile
from tests.conftest import make_project

CONFIG = """format = 1

[[stance]]
name = "agree"
key = "a"

[[stance]]
name = "disagree"
key = "d"

[[stance]]
name = "mixed"
key = "m"

[[topic]]
name = "scaling"
key = "1"

[[topic]]
name = "reasoning"
key = "2"

[[topic]]
name = "memorization"
key = "3"
"""

C1, C2, C3, C4 = TEXTS = (
    "Scaling laws hold up.",
    "This proof is wrong.",
    "Nice work, but the baseline is weak.",
    "What about memorization?",
)
ID1, ID2, ID3, ID4 = (text_id(text) for text in TEXTS)

LABELS = {
    "alice": {C1: ("agree", "scaling"), C2: ("disagree",), C3: ("mixed", "scaling"), C4: ("agree", "reasoning")},
    "bob": {C1: ("agree", "scaling"), C2: ("disagree", "reasoning"), C3: ("agree", "scaling")},
    "carol": {C1: ("agree", "scaling"), C2: ("mixed",)},
    "gold": {C1: ("disagree",), C2: ("agree",), C3: ("disagree",)},
}


def write_labels(root: Path, name: str, labels: dict[str, tuple[str | None, ...]]) -> None:
    store = AnnotationFile.open(root, name)
    for text, (stance, *topics) in labels.items():
        store.set(text_id(text), Annotation(stance=stance, topics=tuple(topics)), text)
    store.save()


def make(tmp_path: Path, labels: dict[str, dict[str, tuple[str | None, ...]]], texts=TEXTS) -> Path:
    seeds = "".join(json.dumps({"text": text}) + "\n" for text in texts)
    root = make_project(tmp_path / "project", {"a.jsonl": seeds}, config=CONFIG)
    for name, entries in labels.items():
        write_labels(root, name, entries)
    return root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = make(tmp_path, LABELS)
    carol = AnnotationFile.open(root, "carol")
    carol.set(ID4, Annotation(note="not sure", flagged=True), C4)  # not a judgment
    carol.save()
    return root


def agree(capsys, root: Path, *options: str) -> tuple[int, str, str]:
    code = main(["agree", "--project", str(root), *options])
    out, err = capsys.readouterr()
    return code, out, err


def test_text(capsys, root: Path, output) -> None:
    assert agree(capsys, root) == (0, output("txt"), "")


def test_text_with_pair(capsys, root: Path, output) -> None:
    code, out, err = agree(capsys, root, "--pair", "alice", "bob")
    assert (code, err) == (0, "")
    assert out == output("txt")


def test_markdown_with_pair(capsys, root: Path, output) -> None:
    code, out, err = agree(capsys, root, "--format", "markdown", "--pair", "bob", "carol")
    assert (code, err) == (0, "")
    assert out == output("md")


def figure(value: float | None, comments: int, annotators: int, reason: str | None = None) -> dict:
    return {"value": value, "comments": comments, "annotators": annotators, "reason": reason}


def test_json_with_pair(capsys, root: Path) -> None:
    code, out, err = agree(capsys, root, "--format", "json", "--pair", "alice", "bob")
    assert (code, err) == (0, "")
    expected = {
        "format": 1,
        "annotators": ["alice", "bob", "carol"],
        "comments": 3,
        "stance": {
            "krippendorff_alpha": figure(0.3, 3, 3),
            "fleiss_kappa": figure(None, 3, 3, "not computed: comments have 2 to 3 annotators"),
            "cohen_kappa": [
                {"a": "alice", "b": "bob"} | figure(0.5, 3, 2),
                {"a": "alice", "b": "carol"} | figure(0.333333, 2, 2),
                {"a": "bob", "b": "carol"} | figure(0.333333, 2, 2),
            ],
        },
        "topics": {
            "krippendorff_alpha": {
                "scaling": figure(1.0, 3, 3),
                "reasoning": figure(0.0, 3, 3),
                "memorization": figure(None, 3, 3, "undefined: one value only"),
            },
            "mean_alpha": figure(0.5, 3, 3) | {"topics": 2},
        },
        "pair": {
            "a": "alice",
            "b": "bob",
            "comments": 3,
            "labels": ["agree", "disagree", "mixed"],
            "matrix": [[1, 0, 0], [0, 1, 0], [1, 0, 0]],
            "disagreements": [{"id": ID3, "a": "mixed", "b": "agree", "excerpt": C3}],
        },
    }
    assert out == json.dumps(expected, sort_keys=True, indent=2) + "\n"


def test_json_without_pair_has_null_pair(capsys, root: Path) -> None:
    code, out, _ = agree(capsys, root, "--format", "json")
    assert code == 0
    assert json.loads(out)["pair"] is None


def test_min_alpha_passes(capsys, root: Path, output) -> None:
    code, out, err = agree(capsys, root, "--min-alpha", "0.25")
    assert (code, err) == (0, "")
    assert out == output("txt")  # as test_text's


def test_min_alpha_fails_with_the_reason_on_stderr(capsys, root: Path, output) -> None:
    code, out, err = agree(capsys, root, "--min-alpha", "0.5")
    assert (code, err) == (1, "annotator agree: stance alpha 0.300 is below --min-alpha 0.5\n")
    assert out == output("txt")  # the figures are still printed, as test_text's


def test_min_alpha_fails_when_alpha_is_undefined(capsys, tmp_path: Path) -> None:
    root = make(tmp_path, {"alice": {C1: ("agree",), C2: ("agree",)}, "bob": {C1: ("agree",), C2: ("agree",)}})
    code, _, err = agree(capsys, root, "--min-alpha", "0")
    assert code == 1
    assert err == (
        "annotator agree: stance alpha cannot be computed (undefined: one value only): --min-alpha 0 not met\n"
    )


@pytest.mark.parametrize("value", ["high", "1.5", "nan"])
def test_min_alpha_must_be_a_number_from_minus_one_to_one(capsys, root: Path, value: str) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["agree", "--project", str(root), "--min-alpha", value])
    assert caught.value.code == 2
    assert f"expected a number from -1 to 1, got '{value}'" in capsys.readouterr().err


# The Wikipedia example of Cohen's kappa ("Cohen's kappa", 50 proposals: 20 both yes, 15 both no,
# 5 A yes and B no, 10 A no and B yes; kappa = 0.4), through the command. With two annotators on
# every comment alpha is 1 - 99 * 30 / (100^2 - 55^2 - 45^2) = 0.4 as well, and Fleiss' kappa
# (0.7 - 0.505) / (1 - 0.505) = 0.394.
def test_published_cohen_example_end_to_end(capsys, tmp_path: Path) -> None:
    texts = tuple(f"Proposal number {number}." for number in range(50))
    pairs = [("agree", "agree")] * 20 + [("disagree", "disagree")] * 15
    pairs += [("agree", "disagree")] * 5 + [("disagree", "agree")] * 10
    root = make(tmp_path, {
        "a": {text: (a,) for text, (a, _) in zip(texts, pairs)},
        "b": {text: (b,) for text, (_, b) in zip(texts, pairs)},
    }, texts)
    code, out, _ = agree(capsys, root, "--format", "json")
    stance = json.loads(out)["stance"]
    assert code == 0
    assert stance["cohen_kappa"][0]["value"] == pytest.approx(0.4, abs=5e-4)
    assert stance["krippendorff_alpha"]["value"] == pytest.approx(0.4, abs=5e-4)
    assert stance["fleiss_kappa"]["value"] == pytest.approx(0.394, abs=5e-4)


# Refusals: a message on stderr and exit 1, never a traceback -------------------------------------------


def test_fewer_than_two_annotators(capsys, tmp_path: Path) -> None:
    root = make(tmp_path, {"alice": LABELS["alice"], "gold": LABELS["gold"]})
    code, out, err = agree(capsys, root)
    assert (code, out) == (1, "")
    assert err == (
        "annotator: agreement needs at least two annotators, found 1 (alice)\n"
        "  (each annotator has a file annotations/<name>.toml; gold.toml is not counted)\n"
    )


def test_no_comment_with_two_judgments(capsys, tmp_path: Path) -> None:
    root = make(tmp_path, {"alice": {C1: ("agree",)}, "bob": {C2: (None, "scaling")}})
    code, out, err = agree(capsys, root)
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == "annotator: no comment was labeled by two annotators: there is nothing to compare"


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        (("alice", "zed"), "annotator: --pair: 'zed' is not an annotator (annotators: alice, bob, carol)"),
        (("gold", "alice"), "annotator: --pair: 'gold' is not an annotator (annotators: alice, bob, carol)"),
    ],
)
def test_pair_must_name_two_annotators(capsys, root: Path, pair: tuple[str, str], message: str) -> None:
    code, out, err = agree(capsys, root, "--pair", *pair)
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == message


def test_pair_of_one_name_twice_is_a_usage_error(capsys, root: Path) -> None:
    with pytest.raises(SystemExit) as caught:
        agree(capsys, root, "--pair", "bob", "bob")
    out, err = capsys.readouterr()
    assert (caught.value.code, out) == (2, "")
    assert err.splitlines()[-1] == "annotator agree: error: --pair: name two different annotators, not 'bob' twice"


def test_broken_annotation_file(capsys, root: Path) -> None:
    (root / "annotations" / "bob.toml").write_text("format = 1\n[comments.x\n", "utf-8")
    code, out, err = agree(capsys, root)
    assert (code, out) == (1, "")
    assert err.startswith("annotator: annotations/bob.toml:2:")


def test_bad_annotator_file_name(capsys, root: Path) -> None:
    (root / "annotations" / "bad\x1b[31mname.toml").write_text("format = 1\n", "utf-8")
    code, out, err = agree(capsys, root)
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == (
        "annotator: annotations/bad\u241b[31mname.toml: bad annotator file name: the name must use only letters, "
        "digits, '-', '_' and '.' (no spaces or path separators)"
    )


def test_entries_for_comments_not_in_the_seeds_are_left_out_with_a_warning(capsys, root: Path, output) -> None:
    alice = AnnotationFile.open(root, "alice")
    alice.set("0123456789ab", Annotation(stance="agree"), "Removed from the seeds.")
    alice.save()
    code, out, err = agree(capsys, root)
    assert (code, out) == (0, output("txt"))  # as test_text's
    assert err == (
        "annotator agree: warning: 1 labeled entries are for comments not in seeds/ and were left out "
        "(`annotator validate` lists them)\n"
    )


# Hostile text: comments and labels are shown as plain text on one line -----------------------------------


HOSTILE = "Evil \x1b[2J`code` | [link](http://x) @someone\n<b>bold</b> **not bold**"


def test_hostile_comment_and_label(capsys, tmp_path: Path) -> None:
    texts = (HOSTILE, C2)
    labels = {"a": {HOSTILE: ("agree",), C2: ("agree",)}, "b": {HOSTILE: ("x|`y`\x07",), C2: ("agree",)}}
    root = make(tmp_path, labels, texts)
    hostile_id = text_id(HOSTILE)
    code, out, _ = agree(capsys, root, "--pair", "a", "b")
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out
    assert out.splitlines()[-1] == (
        f"  {hostile_id}  agree  x|`y`  Evil [2J`code` | [link](http://x) @someone <b>bold</b> **not bold**"
    )
    code, out, _ = agree(capsys, root, "--format", "markdown", "--pair", "a", "b")
    assert out.splitlines()[-1] == (
        f"| {hostile_id} | agree | `` x\\|`y` `` | "
        "``Evil [2J`code` \\| [link](http://x) @someone <b>bold</b> **not bold**`` |"
    )


# With a plan ----------------------------------------------------------------------------------------

PLAN = '\n[assign]\nannotators = ["alice", "bob", "carol"]\noverlap = 2\ncalibration = 1\nsalt = "a"\n'


@pytest.fixture
def planned(tmp_path: Path) -> Path:
    """`labeled_project` with a plan: c1 is calibration; c2 goes to alice and bob, c3 to c5 to alice
    and carol (so bob's label on c3 is outside the plan and left out)."""
    from tests.core.labels_fixture import labeled_project

    root = labeled_project(tmp_path / "planned")
    (root / "annotator.toml").write_text((root / "annotator.toml").read_text("utf-8") + PLAN, "utf-8")
    return root


def test_with_a_plan_the_shared_comments_and_the_calibration_set_are_measured_apart(capsys, planned: Path) -> None:
    code, out, err = agree(capsys, planned)
    assert (code, err) == (0, "")
    shared, calibration = out.split("\n\nthe calibration set")
    # c2: alice disagree, bob agree; c3: alice mixed, carol neutral (bob's mixed is outside the plan)
    assert shared.splitlines()[:8] == [
        "the comments the plan shares out (2 annotators each): 4 comments",
        "",
        "3 annotators (alice, bob, carol), 2 comments labeled by at least two of them",
        "",
        "stance                           value  comments  annotators",
        "  Krippendorff's alpha           0.000         2           3",
        "  Fleiss' kappa                 -0.333         2           3",
        "  Cohen's kappa, alice / bob     0.000         1           2",
    ]
    # c1: alice agree, bob agree, carol disagree
    assert calibration.splitlines()[:6] == [
        " (every annotator): 1 comment",
        "",
        "3 annotators (alice, bob, carol), 1 comment labeled by at least two of them",
        "",
        "stance                           value  comments  annotators",
        "  Krippendorff's alpha           0.000         1           3",
    ]


def test_with_a_plan_min_alpha_gates_on_the_shared_comments(capsys, planned: Path) -> None:
    code, _, err = agree(capsys, planned, "--min-alpha", "0.5")
    assert (code, err) == (1, "annotator agree: stance alpha 0.000 is below --min-alpha 0.5\n")
    assert agree(capsys, planned, "--min-alpha", "0")[0] == 0


def test_with_a_plan_json_has_the_calibration_set_and_the_plan(capsys, planned: Path) -> None:
    code, out, _ = agree(capsys, planned, "--format", "json")
    data = json.loads(out)
    assert (code, data["comments"], data["stance"]["krippendorff_alpha"]["comments"]) == (0, 2, 2)
    assert (data["calibration"]["comments"], "format" in data["calibration"]) == (1, False)
    assert data["plan"] == {"overlap": 2, "sections": {"shared": {"comments": 4, "reason": None},
                                                      "calibration": {"comments": 1, "reason": None}}}


def test_with_an_overlap_of_one_only_the_calibration_set_is_measured(capsys, planned: Path) -> None:
    config = planned / "annotator.toml"
    config.write_text(config.read_text("utf-8").replace("overlap = 2", "overlap = 1"), "utf-8")
    code, out, err = agree(capsys, planned, "--format", "markdown", "--min-alpha", "0.5")
    assert out.startswith(
        "## The comments the plan shares out (1 annotator each): 4 comments\n\n"
        "not measured: overlap 1: no comment is shared by two\n\n"
        "## The calibration set (every annotator): 1 comment\n\n"
        "3 annotators (alice, bob, carol), 1 comment labeled by at least two of them.\n"
    )
    assert (code, err) == (1, "annotator agree: stance alpha 0.000 is below --min-alpha 0.5\n")


def test_with_a_plan_and_nothing_to_measure(capsys, planned: Path) -> None:
    config = planned / "annotator.toml"
    config.write_text(config.read_text("utf-8").replace("overlap = 2\ncalibration = 1", "overlap = 1"), "utf-8")
    code, out, err = agree(capsys, planned)
    assert (code, out) == (1, "")
    assert err.startswith("annotator: no agreement to measure under the plan: shared: overlap 1: no comment is "
                          "shared by two; calibration: no calibration set\n")


def test_with_a_plan_pair_names_annotators_of_the_plan(capsys, planned: Path) -> None:
    code, out, err = agree(capsys, planned, "--pair", "alice", "dave")
    assert (code, out) == (1, "")
    assert err.startswith("annotator: --pair: 'dave' is not an annotator (annotators: alice, bob, carol)\n")
    code, out, _ = agree(capsys, planned, "--pair", "alice", "bob")
    assert code == 0 and out.count("alice and bob") == 2  # (a pair report in each section)
