"""Deciding a comment's labels: gold, one annotator, or the majority with its ties marked."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.config import Label, Schema
from annotator.core.errors import AnnotatorError
from annotator.core.models import Annotation
from annotator.core.resolve import Decision, Resolution, Resolver
from annotator.core.store import AnnotationFile

SCHEMA = Schema(
    stance=tuple(Label(name, name[0]) for name in ("agree", "disagree", "mixed")),
    topic=tuple(Label(name, str(index)) for index, name in enumerate(("zeta", "alpha", "beta"), 1)),
)


def files(**labels: dict[str, Annotation]) -> dict[str, AnnotationFile]:
    return {name: AnnotationFile(Path(f"{name}.toml"), name, dict(entries)) for name, entries in labels.items()}


def majority(*votes: Annotation, gold: Annotation | None = None) -> Decision:
    labels = {f"a{index}": {"c": vote} for index, vote in enumerate(votes)}
    if gold is not None:
        labels["gold"] = {"c": gold}
    return Resolver(SCHEMA, files(**labels), Resolution("majority")).decide("c")


def vote(stance: str | None = None, *topics: str, **extra) -> Annotation:
    return Annotation(stance=stance, topics=topics, **extra)


def test_most_common_stance_wins() -> None:
    decision = majority(vote("agree"), vote("agree"), vote("disagree"))
    assert (decision.stance, decision.stance_tie, decision.decided_by) == ("agree", (), "majority")


def test_a_stance_tie_is_marked_not_broken() -> None:
    decision = majority(vote("mixed"), vote("agree"), vote("mixed"), vote("agree"))
    assert (decision.stance, decision.stance_tie) == (None, ("agree", "mixed"))


def test_a_three_way_tie_lists_all_three_in_schema_order() -> None:
    assert majority(vote("mixed"), vote("disagree"), vote("agree")).stance_tie == ("agree", "disagree", "mixed")


def test_a_topic_needs_more_than_half_of_those_who_labeled() -> None:
    decision = majority(vote("agree", "alpha", "beta"), vote("agree", "alpha"), vote("agree"), vote())
    assert (decision.topics, decision.topics_tie) == (("alpha",), ())  # the empty vote does not count
    decision = majority(vote("agree", "alpha", "zeta"), vote("agree", "alpha", "beta"), vote("agree", "zeta"))
    assert (decision.topics, decision.topics_tie) == (("zeta", "alpha"), ())


def test_a_topic_listed_twice_is_one_vote() -> None:
    """(`validate` reports the duplicate; the vote does not count it twice.)"""
    decision = majority(vote("agree", "alpha", "alpha"), vote("agree"), vote("agree"))
    assert (decision.topics, decision.topics_tie) == ((), ())
    columns = Resolver(SCHEMA, files(a0={"c": vote("agree", "alpha", "alpha")}, a1={"c": vote("agree")},
                                     a2={"c": vote("agree")}), Resolution("majority"))
    assert [decision.topics for decision in columns.decisions(["c"])] == [()]


def test_a_topic_chosen_by_exactly_half_is_a_tie() -> None:
    decision = majority(vote("agree", "beta", "zeta"), vote("disagree", "zeta"))
    assert decision == Decision(None, ("agree", "disagree"), ("zeta",), ("beta",), None, False, 0.0, "majority")


def test_topics_alone_count_as_labeled() -> None:
    decision = majority(vote(None, "alpha"), vote("agree", "alpha"))
    assert (decision.stance, decision.topics) == ("agree", ("alpha",))


def test_gold_decides_where_it_labeled() -> None:
    gold = vote("mixed", "beta", note="agreed in review")
    decision = majority(vote("agree"), vote("agree", flagged=True, seconds=3.0), gold=gold)
    assert decision == Decision("mixed", (), ("beta",), (), "agreed in review", True, 3.0, "gold")


def test_a_gold_entry_without_labels_leaves_it_to_the_vote() -> None:
    decision = majority(vote("agree"), gold=vote(note="look again", flagged=True))
    assert (decision.stance, decision.decided_by, decision.flagged) == ("agree", "majority", True)


def test_nobody_labeled() -> None:
    assert majority(vote(note="skip", seconds=2.5)) == Decision(seconds=2.5)
    assert majority() == Decision()


def test_unknown_labels_come_after_the_schema_ones() -> None:
    resolver = Resolver(SCHEMA, {}, Resolution("majority"))
    assert resolver.ordered(["zz", "beta", "aa", "zeta"]) == ("zeta", "beta", "aa", "zz")


def test_single_annotator_takes_labels_as_they_are() -> None:
    labels = files(bob={"c": vote("agree", "beta", "zeta", note="n", flagged=True, seconds=4.0)}, carol={})
    resolver = Resolver(SCHEMA, labels, Resolution.parse("annotator:bob"))
    assert resolver.decide("c") == Decision("agree", (), ("zeta", "beta"), (), "n", True, 4.0, "bob")
    assert resolver.decide("other") == Decision()


def test_the_default_resolution_is_gold_then_the_vote() -> None:
    assert Resolution.default() == Resolution("majority")


def test_parse_and_show() -> None:
    assert str(Resolution.parse("annotator:bob")) == "annotator:bob"
    assert Resolution.parse("all") == Resolution("all")
    with pytest.raises(AnnotatorError, match="expected gold, majority, all or annotator:NAME"):
        Resolution.parse("annotator")


labels = st.sampled_from(("agree", "disagree", "mixed", "other"))
topic_names = st.lists(st.sampled_from(("zeta", "alpha", "beta", "new")), max_size=3, unique=True)
tenths = st.floats(0, 1000, allow_nan=False).map(lambda seconds: round(seconds, 1))
entries = st.builds(
    lambda *values: Annotation(*values), st.none() | labels, topic_names, st.none() | st.just("a note"), st.booleans(), tenths
)
comment_ids = [f"c{index}" for index in range(8)]
annotator_files = st.dictionaries(
    st.sampled_from(("a", "b", "c", "d", "gold")), st.dictionaries(st.sampled_from(comment_ids), entries), max_size=5
)


@settings(max_examples=300)
@given(annotator_files, st.sampled_from(("majority", "gold", "annotator:a")))
def test_deciding_every_comment_at_once_is_deciding_each(labels: dict, mode: str) -> None:
    """`decisions` (column by column, for exports) gives exactly what `decide` gives, comment by comment."""
    resolution = Resolution.parse(mode)
    if resolution.single is not None and resolution.single not in labels:
        return
    one_by_one = [Resolver(SCHEMA, files(**labels), resolution).decide(cid) for cid in comment_ids]
    assert list(Resolver(SCHEMA, files(**labels), resolution).decisions(comment_ids)) == one_by_one
