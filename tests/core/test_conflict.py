"""Resolving an entry a merge left in conflict: a side per field, through the session, so that the
change is journaled (a crash after the key loses nothing) and undo brings the table back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from annotator.core.config import Label, Schema
from annotator.core.conflict import Conflict, take
from annotator.core.merge import with_conflict
from annotator.core.models import Annotation, Comment
from annotator.core.review import Review
from annotator.core.session import Session
from annotator.core.store import CONFLICT_KEY, AnnotationFile

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
SCHEMA = Schema(stance=tuple(Label(name=name, key=name[0]) for name in ("agree", "disagree", "neutral")))
COMMENTS = [Comment("c1", "first", "seeds/a.txt", 1), Comment("c2", "second", "seeds/a.txt", 2)]
CONFLICTED = with_conflict(Annotation("agree", note="ours", updated=WHEN), ["stance", "note"],
                           Annotation("neutral"), Annotation("disagree", note="theirs", flagged=True))


def session_on(root: Path) -> Session:
    store = AnnotationFile.open(root, "alice")
    return Session(COMMENTS, SCHEMA, store, clock=lambda: 0.0, now=lambda: WHEN)


def conflicted_store(root: Path) -> None:
    (root / "annotations").mkdir()
    store = AnnotationFile.open(root, "alice")
    store.set("c1", CONFLICTED, "first")
    store.save()


def test_a_conflict_shows_each_field_on_each_side() -> None:
    conflict = Conflict.of(CONFLICTED)
    assert conflict.fields == ("stance", "note")
    assert [conflict.value(side, "stance") for side in ("base", "ours", "theirs")] == ["neutral", "agree", "disagree"]
    assert [conflict.value(side, "note") for side in ("base", "ours", "theirs")] == [None, "ours", "theirs"]
    assert Conflict.of(Annotation("agree")) is None


def test_taking_a_side_per_field_removes_the_table_with_the_last_field() -> None:
    first = take(CONFLICTED, "stance", "theirs")
    assert (first.stance, first.note, first.extra[CONFLICT_KEY]["fields"]) == ("disagree", "ours", ["note"])
    both = take(first, "note", "ours")
    assert (both.stance, both.note, both.flagged, dict(both.extra)) == ("disagree", "ours", False, {})


def test_a_hand_written_table_without_fields_lists_where_the_sides_differ() -> None:
    entry = Annotation.from_dict({"stance": "agree", CONFLICT_KEY: {"theirs": {"stance": "neutral", "note": "x"}}})
    assert Conflict.of(entry).fields == ("stance", "note")
    assert Conflict.of(Annotation.from_dict({CONFLICT_KEY: "?"})).fields == ()
    odd = Annotation.from_dict({"stance": "agree", CONFLICT_KEY: "?"})
    assert Conflict.of(odd).fields == ("stance",)
    assert take(odd, "note", "theirs") == odd  # (not a field in conflict: nothing to take)
    assert (take(odd, "stance", "theirs").stance, dict(take(odd, "stance", "theirs").extra)) == (None, {})


def test_a_value_of_the_wrong_type_on_a_side_counts_as_not_set() -> None:
    entry = Annotation.from_dict({"stance": "agree", "note": "n", CONFLICT_KEY: {
        "fields": ["stance", "note"], "theirs": {"stance": 3, "note": "theirs", "topics": ["a", 4]}}})
    taken = take(take(entry, "stance", "theirs"), "note", "theirs")
    assert (taken.stance, taken.note, taken.topics, dict(taken.extra)) == (None, "theirs", (), {})


def test_resolving_is_journaled_at_once_and_undone_with_the_table(tmp_path: Path) -> None:
    conflicted_store(tmp_path)
    session = session_on(tmp_path)
    assert session.conflicts == {"c1"}
    session.take_side("c1", "stance", "theirs")
    session.take_side("c1", "note", "theirs")
    assert session.conflicts == set()
    session.store.commit()  # the journal: what a crash right now leaves behind
    crashed = AnnotationFile.open(tmp_path, "alice")
    entry = crashed.get("c1")
    assert (entry.stance, entry.note, dict(entry.extra)) == ("disagree", "theirs", {})
    assert CONFLICT_KEY in AnnotationFile.load(crashed.path, replay=False).get("c1").extra  # (the file: not yet)

    session.undo()
    assert session.store.get("c1").extra[CONFLICT_KEY]["fields"] == ["note"]
    session.undo()
    assert session.store.get("c1").extra[CONFLICT_KEY] == CONFLICTED.extra[CONFLICT_KEY]
    assert session.store.get("c1").stance == "agree" and session.conflicts == {"c1"}
    session.store.save()
    assert AnnotationFile.open(tmp_path, "alice").get("c1").extra[CONFLICT_KEY] == CONFLICTED.extra[CONFLICT_KEY]


def test_a_clashing_field_set_by_hand_is_decided_and_another_change_keeps_the_conflict(tmp_path: Path) -> None:
    conflicted_store(tmp_path)
    session = session_on(tmp_path)
    session.toggle_flag("c1")
    assert session.store.get("c1").extra[CONFLICT_KEY]["fields"] == ["stance", "note"]
    session.set_stance("c1", "neutral")
    assert session.store.get("c1").extra[CONFLICT_KEY]["fields"] == ["note"]
    session.set_note("c1", "mine")
    assert dict(session.store.get("c1").extra) == {} and session.conflicts == set()


def test_review_compares_every_field_and_splits_unanimous_comments_by_remarks(tmp_path: Path) -> None:
    (tmp_path / "annotations").mkdir()
    for name, c1, c2 in (("bob", Annotation("agree", flagged=True), Annotation("neutral")),
                         ("carol", Annotation("agree"), Annotation("neutral", note="Cut off", seconds=3.0))):
        store = AnnotationFile.open(tmp_path, name)
        store.set("c1", c1)
        store.set("c2", c2)
        store.save()
    AnnotationFile.open(tmp_path, "gold").save()
    assert Review.load(tmp_path, "bob").annotators == ["carol"]  # neither me nor gold
    review = Review.load(tmp_path, "alice")
    assert review.annotators == ["bob", "carol"]
    assert review.differing("c1") == ["flagged"] and review.differing("c2") == ["note"]
    assert not review.disagree("c1")
    assert review.verdict("c2", "carol").seconds == 3.0
    plan = review.unanimous()
    assert (plan.clean, plan.remarked) == ({}, {"c1": ("agree", ()), "c2": ("neutral", ())})


def test_taking_the_side_without_an_unknown_key_removes_it(tmp_path: Path) -> None:
    """Theirs removed `confidence`, ours changed it: `>` leaves the entry without it (not a
    value TOML cannot write, which would fail every save after)."""
    entry = with_conflict(Annotation.from_dict({"stance": "agree", "confidence": 2}), ["confidence"],
                          Annotation.from_dict({"stance": "agree", "confidence": 1}), Annotation("agree"))
    taken = take(entry, "confidence", "theirs")
    assert (taken.stance, dict(taken.extra)) == ("agree", {})
    assert dict(take(entry, "confidence", "ours").extra) == {"confidence": 2}
    (tmp_path / "annotations").mkdir()
    store = AnnotationFile.open(tmp_path, "alice")
    store.set("c1", taken, "first")
    store.save()
    assert "confidence" not in (tmp_path / "annotations" / "alice.toml").read_text("utf-8")


def test_a_conflict_on_a_comment_not_in_the_corpus_is_not_counted(tmp_path: Path) -> None:
    """The app lists and resolves conflicts on the corpus's comments; one on a comment that left
    the seeds cannot be reached there (`validate` reports it)."""
    (tmp_path / "annotations").mkdir()
    store = AnnotationFile.open(tmp_path, "alice")
    store.set("c1", CONFLICTED, "first")
    store.set("gone", CONFLICTED, "a comment no longer in the seeds")
    store.save()
    assert session_on(tmp_path).conflicts == {"c1"}
