"""Agreement coefficients against published worked examples, their edge cases, and their speed."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.core.agreement import (
    NO_PAIRABLE,
    NOT_SHARED,
    ONE_VALUE,
    Coefficient,
    agreement_report,
    cohen_kappa,
    confusion_matrix,
    fleiss_kappa,
    krippendorff_alpha,
    presence_alphas,
)
from annotator.core.errors import AnnotatorError
from annotator.core.models import Annotation


def table(rows: dict[str, str]) -> dict[str, dict[str, str]]:
    """Units from one row per coder, one value per unit separated by spaces ('.' = missing)."""
    width = len(next(iter(rows.values())).split())
    units: dict[str, dict[str, str]] = {f"u{i + 1}": {} for i in range(width)}
    for coder, row in rows.items():
        for unit, value in zip(units, row.split(), strict=True):
            if value != ".":
                units[unit][coder] = value
    return units


# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. University of Pennsylvania,
# Annenberg School for Communication, Departmental Papers (ASC) 43. Section C, "Nominal data, any
# number of observers, missing data": 4 observers, 12 units; alpha (nominal) = 0.743.
KRIPPENDORFF_NOMINAL = table({
    "A": "1 2 3 3 2 1 4 1 2 . . .",
    "B": "1 2 3 3 2 2 4 1 2 5 . 3",
    "C": ". 3 3 3 2 3 4 2 2 5 1 .",
    "D": "1 2 3 3 2 4 4 1 2 5 1 .",
})

# The same paper, section A, "Binary data, two observers, no missing data": 10 units; alpha = 0.095.
KRIPPENDORFF_BINARY = table({
    "A": "0 1 0 0 0 0 0 0 1 0",
    "B": "1 1 1 0 0 1 0 0 0 0",
})


def test_krippendorff_nominal_example() -> None:
    alpha = krippendorff_alpha(KRIPPENDORFF_NOMINAL)
    assert alpha.value == pytest.approx(0.743, abs=5e-4)
    assert (alpha.units, alpha.coders) == (11, 4)  # unit 12 has a single value: not pairable


def test_krippendorff_binary_example() -> None:
    alpha = krippendorff_alpha(KRIPPENDORFF_BINARY)
    assert alpha.value == pytest.approx(0.095, abs=5e-4)
    assert (alpha.units, alpha.coders) == (10, 2)


def test_presence_alphas_on_the_binary_example() -> None:
    as_sets = {
        unit: {coder: ("x",) if value == "1" else () for coder, value in judgments.items()}
        for unit, judgments in KRIPPENDORFF_BINARY.items()
    }
    assert presence_alphas(as_sets, ["x"])["x"].value == pytest.approx(0.095, abs=5e-4)


# Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological Bulletin
# 76(5), 378-382; the worked example of the Wikipedia article "Fleiss' kappa": 10 subjects, 14 raters,
# 5 categories (each row: how many raters chose each category); P = 0.378, P_e = 0.213, kappa = 0.210.
FLEISS_COUNTS = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def units_from_counts(counts: list[list[int]]) -> dict[str, dict[str, int]]:
    """Units whose raters (numbered anew for each unit) chose category j as often as counts say."""
    units = {}
    for subject, row in enumerate(counts):
        values = [category for category, count in enumerate(row) for _ in range(count)]
        units[f"s{subject}"] = {f"rater{rater}": value for rater, value in enumerate(values)}
    return units


def test_fleiss_wikipedia_example() -> None:
    kappa = fleiss_kappa(units_from_counts(FLEISS_COUNTS))
    assert kappa.value == pytest.approx(0.210, abs=5e-4)
    assert (kappa.units, kappa.coders) == (10, 14)


# Cohen, J. (1960); the worked example of the Wikipedia article "Cohen's kappa": 50 grant proposals,
# yes/no; 20 both yes, 15 both no, 5 A yes and B no, 10 A no and B yes: p_o = 0.7, p_e = 0.5, kappa = 0.4.
def cohen_example() -> dict[str, dict[str, str]]:
    pairs = [("yes", "yes")] * 20 + [("no", "no")] * 15 + [("yes", "no")] * 5 + [("no", "yes")] * 10
    return {f"p{index}": {"A": a, "B": b} for index, (a, b) in enumerate(pairs)}


def test_cohen_wikipedia_example() -> None:
    kappa = cohen_kappa(cohen_example(), "A", "B")
    assert kappa.value == pytest.approx(0.4, abs=5e-4)
    assert (kappa.units, kappa.coders) == (50, 2)


def test_confusion_matrix_of_the_cohen_example() -> None:
    assert confusion_matrix(cohen_example(), "A", "B") == {
        ("yes", "yes"): 20, ("no", "no"): 15, ("yes", "no"): 5, ("no", "yes"): 10
    }


# Edge cases ----------------------------------------------------------------------------------------


ONE_CATEGORY = {"u1": {"A": "x", "B": "x"}, "u2": {"A": "x", "B": "x", "C": "x"}}


@pytest.mark.parametrize("coefficient", [krippendorff_alpha, fleiss_kappa])
def test_a_single_category_is_undefined_not_a_division_by_zero(coefficient) -> None:
    units = {"u1": {"A": "x", "B": "x"}, "u2": {"A": "x", "B": "x"}}
    assert coefficient(units) == Coefficient(None, 2, 2, ONE_VALUE)


def test_single_category_cohen_and_presence() -> None:
    assert cohen_kappa(ONE_CATEGORY, "A", "B") == Coefficient(None, 2, 2, ONE_VALUE)
    sets = {unit: {coder: () for coder in judgments} for unit, judgments in ONE_CATEGORY.items()}
    assert presence_alphas(sets, ["never"]) == {"never": Coefficient(None, 2, 3, ONE_VALUE)}


@pytest.mark.parametrize("coefficient", [krippendorff_alpha, fleiss_kappa])
def test_no_unit_with_two_values(coefficient) -> None:
    assert coefficient({"u1": {"A": "x"}, "u2": {}}) == Coefficient(None, 0, 0, NO_PAIRABLE)


def test_cohen_without_shared_units() -> None:
    assert cohen_kappa({"u1": {"A": "x"}, "u2": {"B": "y"}}, "A", "B") == Coefficient(None, 0, 0, NOT_SHARED)


def test_fleiss_needs_the_same_number_of_coders_everywhere() -> None:
    kappa = fleiss_kappa({"u1": {"A": "x", "B": "y"}, "u2": {"A": "x", "B": "x", "C": "y"}, "u3": {"A": "x"}})
    assert kappa == Coefficient(None, 2, 3, "not computed: comments have 2 to 3 annotators")


def test_perfect_agreement_is_one() -> None:
    units = {"u1": {"A": "x", "B": "x", "C": "x"}, "u2": {"A": "y", "B": "y", "C": "y"}}
    assert krippendorff_alpha(units).value == fleiss_kappa(units).value == cohen_kappa(units, "A", "C").value == 1


TOPICS = ["t1", "t2", "t3"]


@given(
    st.dictionaries(
        st.sampled_from([f"u{i}" for i in range(12)]),
        st.dictionaries(st.sampled_from("ABCD"), st.frozensets(st.sampled_from(TOPICS))),
    )
)
def test_presence_alphas_equal_alpha_on_each_zero_one_table(units) -> None:
    fast = presence_alphas(units, TOPICS)
    for topic in TOPICS:
        zero_one = {unit: {coder: int(topic in chosen) for coder, chosen in j.items()} for unit, j in units.items()}
        slow = krippendorff_alpha(zero_one)
        assert (fast[topic].units, fast[topic].coders, fast[topic].reason) == (slow.units, slow.coders, slow.reason)
        if slow.value is None:
            assert fast[topic].value is None
        else:
            assert fast[topic].value == pytest.approx(slow.value)


# From annotation entries -------------------------------------------------------------------------


def entry(stance: str | None = None, *topics: str, note: str | None = None) -> Annotation:
    return Annotation(stance=stance, topics=topics, note=note)


def test_report_counts_what_was_judged() -> None:
    labels = {
        "alice": {"c1": entry("agree", "t1"), "c2": entry("agree"), "c3": entry(None, "t1")},
        "bob": {"c1": entry("agree"), "c2": entry("disagree"), "c3": entry(None, "t1"), "c4": entry("agree")},
        "carol": {"c4": entry(note="a note alone is not a judgment")},
    }
    report = agreement_report(labels, ["c1", "c2", "c3", "c4"], ["agree", "disagree"], ["t1", "t2"])
    assert report.annotators == ("alice", "bob", "carol")
    assert report.comments == 3  # c4: bob's judgment only
    assert (report.stance_alpha.units, report.stance_alpha.coders) == (2, 2)  # c3 has topics only
    assert report.topic_alpha["t1"].units == 3
    assert report.topic_alpha["t2"].reason == ONE_VALUE
    assert report.topics_in_mean == 1
    assert report.stance_cohen[("alice", "carol")].reason == NOT_SHARED


def test_report_orders_labels_schema_first_then_unknown() -> None:
    labels = {"a": {"c1": entry("sarcastic", "zz")}, "b": {"c1": entry("agree", "t1")}}
    report = agreement_report(labels, ["c1"], ["agree", "disagree"], ["t1"], pair=("a", "b"))
    assert list(report.topic_alpha) == ["t1", "zz"]
    assert report.pair is not None
    assert report.pair.labels == ("agree", "disagree", "sarcastic")
    assert report.pair.matrix == {("sarcastic", "agree"): 1}
    assert [(d.comment_id, d.a, d.b) for d in report.pair.disagreements] == [("c1", "sarcastic", "agree")]


@pytest.mark.parametrize(
    ("labels", "pair", "message"),
    [
        ({"alice": {"c1": entry("agree")}}, None, "agreement needs at least two annotators, found 1 (alice)"),
        ({}, None, "agreement needs at least two annotators, found 0"),
        ({"a": {"c1": entry("agree")}, "b": {"c2": entry("agree")}}, None,
         "no comment was labeled by two annotators: there is nothing to compare"),
        ({"a": {"c1": entry("agree")}, "b": {"c1": entry("agree")}}, ("a", "zed"),
         "--pair: 'zed' is not an annotator (annotators: a, b)"),
        ({"a": {"c1": entry("agree")}, "b": {"c1": entry("agree")}}, ("a", "a"),
         "--pair: name two different annotators, not 'a' twice"),
    ],
)
def test_report_refuses_what_cannot_be_compared(labels, pair, message) -> None:
    with pytest.raises(AnnotatorError) as caught:
        agreement_report(labels, ["c1", "c2"], pair=pair)
    assert caught.value.message == message


def test_hundred_thousand_comments_three_annotators() -> None:
    """At the benchmark's size (its time is the benchmark's to measure: `python -m benchmarks`;
    a timed assertion here failed on a busy machine)."""
    rng = random.Random(7)
    stances = ["agree", "disagree", "mixed", "neutral"]
    topics = [f"topic{i}" for i in range(8)]
    ids = [f"{i:012x}" for i in range(100_000)]
    pool = [entry(stance, *chosen) for stance in stances for chosen in ([], ["topic1"], ["topic2", "topic5"])]
    labels = {name: {cid: rng.choice(pool) for cid in ids} for name in ("alice", "bob", "carol")}
    report = agreement_report(labels, ids, stances, topics, pair=("alice", "bob"))
    assert report.comments == 100_000
