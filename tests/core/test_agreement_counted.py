"""The figures from counted tables (each distinct row worked out once) equal the figures worked out
unit by unit, as they were before: the same numbers on random tables and random annotation files."""

from __future__ import annotations

from collections import Counter
from itertools import chain, combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.agreement import (
    Disagreement,
    agreement_report,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    presence_alphas,
)
from annotator.core.models import Annotation

TOPICS = ("t1", "t2", "t3")


def unit_by_unit_alpha(units):
    """Krippendorff's alpha (nominal) as the sum over units, one unit at a time."""
    pairable, disagreement, unit_count, coders = [], 0.0, 0, set()
    for judgments in units.values():
        values = list(judgments.values())
        m = len(values)
        if m < 2:
            continue
        unit_count += 1
        coders.update(judgments)
        pairable.extend(values)
        disagreement += (m * m - sum(values.count(value) ** 2 for value in set(values))) / (m - 1)
    if not unit_count:
        return None, 0, 0
    n = len(pairable)
    expected = n * n - sum(count * count for count in Counter(pairable).values())
    return (None if expected == 0 else 1 - (n - 1) * disagreement / expected), unit_count, len(coders)


def unit_by_unit_fleiss(units):
    rated = [list(judgments.values()) for judgments in units.values() if len(judgments) >= 2]
    if not rated or len({len(values) for values in rated}) > 1:
        return None
    m, total = len(rated[0]), len(rated) * len(rated[0])
    chance = sum((count / total) ** 2 for count in Counter(chain.from_iterable(rated)).values())
    if chance == 1:
        return None
    matching = sum(sum(values.count(value) ** 2 for value in set(values)) for values in rated)
    return ((matching - total) / (total * (m - 1)) - chance) / (1 - chance)


def unit_by_unit_cohen(units, a, b):
    pairs = [(j[a], j[b]) for j in units.values() if a in j and b in j]
    if not pairs:
        return None
    n = len(pairs)
    observed = sum(x == y for x, y in pairs) / n
    of_a, of_b = Counter(x for x, _ in pairs), Counter(y for _, y in pairs)
    chance = sum(count * of_b[value] for value, count in of_a.items()) / (n * n)
    return None if chance == 1 else (observed - chance) / (1 - chance)


coders = st.sampled_from("ABCDE")
small_tables = st.dictionaries(
    st.sampled_from([f"u{index}" for index in range(30)]), st.dictionaries(coders, st.sampled_from("xyz"))
)


@settings(max_examples=300)
@given(small_tables)
def test_counted_figures_equal_the_unit_by_unit_ones(units) -> None:
    """Exactly equal while no unit has more than three values (every term of the sums is then a whole
    number); within rounding otherwise (the sums are made per unit size rather than per unit)."""
    exact = all(len(judgments) <= 3 for judgments in units.values())
    same = (lambda x, y: x == y) if exact else (lambda x, y: x == y or abs(x - y) < 1e-12)
    alpha = krippendorff_alpha(units)
    value, unit_count, coder_count = unit_by_unit_alpha(units)
    assert (alpha.units, alpha.coders) == (unit_count, coder_count)
    assert (alpha.value is None) == (value is None) and (value is None or same(alpha.value, value))
    fleiss = fleiss_kappa(units).value
    assert (fleiss is None) == (unit_by_unit_fleiss(units) is None)
    assert fleiss is None or same(fleiss, unit_by_unit_fleiss(units))
    for a, b in combinations("ABCDE", 2):
        assert cohen_kappa(units, a, b).value == unit_by_unit_cohen(units, a, b)


@settings(max_examples=200)
@given(st.dictionaries(st.sampled_from([f"u{i}" for i in range(20)]),
                       st.dictionaries(st.sampled_from("ABCD"), st.lists(st.sampled_from(TOPICS), max_size=3, unique=True))))
def test_counted_presence_equals_alpha_on_each_zero_one_table_unit_by_unit(units) -> None:
    exact = all(len(judgments) <= 3 for judgments in units.values())
    figures = presence_alphas(units, TOPICS)
    for topic in TOPICS:
        value, *_ = unit_by_unit_alpha(
            {unit: {coder: int(topic in chosen) for coder, chosen in j.items()} for unit, j in units.items()}
        )
        found = figures[topic].value
        assert (found is None) == (value is None)
        assert found is None or (found == value if exact else abs(found - value) < 1e-12)


entries = st.builds(
    lambda stance, topics, note: Annotation(stance, topics, note),
    st.none() | st.sampled_from(("agree", "disagree", "mixed")), st.lists(st.sampled_from(TOPICS), max_size=2, unique=True),
    st.none() | st.just("a note"),
)
comment_ids = [f"c{index}" for index in range(12)]
files = st.dictionaries(st.sampled_from(("alice", "bob", "carol")), st.dictionaries(st.sampled_from(comment_ids), entries),
                        min_size=2)


@settings(max_examples=300)
@given(files)
def test_the_report_from_counted_judgments_is_the_report_unit_by_unit(labels) -> None:
    """The report's figures equal those on the units built comment by comment (the comments two or more
    annotators labeled, with their entries), and the pair's disagreements come in comment order."""
    units = {}
    for comment_id in comment_ids:
        judged = {name: entry for name, of in labels.items() if (entry := of.get(comment_id)) and entry.is_labeled}
        if len(judged) >= 2:
            units[comment_id] = judged
    if not units:
        return
    a, b = sorted(labels)[:2]
    report = agreement_report(labels, comment_ids, ["agree", "disagree", "mixed"], list(TOPICS), pair=(a, b))
    stance = {cid: {name: e.stance for name, e in j.items() if e.stance is not None} for cid, j in units.items()}
    topics = {cid: {name: e.topics for name, e in j.items()} for cid, j in units.items()}
    assert report.comments == len(units)
    assert report.stance_alpha.value == unit_by_unit_alpha(stance)[0]
    assert report.stance_fleiss.value == unit_by_unit_fleiss(stance)
    assert {pair: figure.value for pair, figure in report.stance_cohen.items()} == {
        (x, y): unit_by_unit_cohen(stance, x, y) for x, y in combinations(sorted(labels), 2)
    }
    for topic in TOPICS:
        zero_one = {cid: {name: int(topic in chosen) for name, chosen in j.items()} for cid, j in topics.items()}
        if report.topic_alpha.get(topic) is not None:
            assert report.topic_alpha[topic].value == unit_by_unit_alpha(zero_one)[0]
    assert report.pair.disagreements == tuple(
        Disagreement(cid, j[a], j[b]) for cid, j in stance.items() if a in j and b in j and j[a] != j[b]
    )
