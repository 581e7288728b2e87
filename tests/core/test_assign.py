"""The assignment plan: rendezvous hashing keeps comments where they are, shares follow the weights.

The statistical checks use fixed examples (`derandomize=True`) and bounds of several binomial
standard deviations, so they give the same answer on every run.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core.assign import assign, effective_weights, explain, inclusion, target_shares
from annotator.core.config import AssignPlan

NAMES = ("ada", "bob", "cy", "dee", "eve", "fay", "gus")
ids = st.lists(st.text("0123456789abcdef", min_size=4, max_size=12), min_size=1, max_size=200, unique=True)
names = st.lists(st.sampled_from(NAMES), min_size=1, max_size=6, unique=True)
salts = st.text(max_size=8)
QUICK = settings(deadline=None)  # (no deadline: the machine may be shared; what it costs is the benchmark's)
STATISTICAL = settings(max_examples=15, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def plan(annotators, overlap=1, salt="", calibration=0, weights=None) -> AssignPlan:
    return AssignPlan(annotators=annotators, overlap=overlap, salt=salt, calibration=calibration, weights=weights or {})


@pytest.fixture
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A parse cache of the test's own, empty at the start."""
    monkeypatch.setenv("ANNOTATOR_CACHE_DIR", str(tmp_path))
    return tmp_path


def corpus(size: int, start: int = 0) -> list[str]:
    return [f"{number:012x}" for number in range(start, start + size)]


def by_id(assignment) -> dict[str, set[str]]:
    return {cid: set(assignment.assignees(i)) for i, cid in enumerate(assignment.comment_ids)}


@st.composite
def plans(draw, min_annotators=1):
    annotators = draw(st.lists(st.sampled_from(NAMES), min_size=min_annotators, max_size=6, unique=True))
    overlap = draw(st.integers(1, len(annotators)))
    weights = draw(st.dictionaries(st.sampled_from(annotators), st.sampled_from([0.25, 0.5, 1.0, 2.0]), max_size=3))
    return plan(annotators, overlap, draw(salts), draw(st.integers(0, 5)), weights)


@QUICK
@given(plans(), ids, ids)
def test_adding_comments_moves_nothing_already_assigned(p: AssignPlan, old: list[str], new: list[str]) -> None:
    before = by_id(assign(p, old))
    after = by_id(assign(p, old + [cid for cid in new if cid not in before]))
    assert {cid: after[cid] for cid in before} == before


@QUICK
@given(plans(), ids)
def test_every_comment_has_exactly_k_distinct_annotators_and_calibration_has_all(p: AssignPlan, comments) -> None:
    assignment = assign(p, comments)
    calibration = set(comments[: p.calibration])
    for i, cid in enumerate(comments):
        who = assignment.assignees(i)
        assert len(set(who)) == len(who)
        assert set(who) <= set(p.annotators)
        assert len(who) == (len(p.annotators) if cid in calibration else p.overlap)


@QUICK
@given(plans(), ids)
def test_explain_agrees_with_the_assignment(p: AssignPlan, comments) -> None:
    assignment = assign(p, comments)
    for i, cid in enumerate(comments[:20]):
        why = explain(p, cid, assignment.calibration)
        assert why.assignees == assignment.assignees(i)
        assert [c.rank for c in why.candidates] == list(range(1, len(p.annotators) + 1))
        assert [c.score for c in why.candidates] == sorted((c.score for c in why.candidates), reverse=True)


@QUICK
@given(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique=True), st.data(), salts, ids)
def test_adding_an_annotator_moves_comments_only_to_them(annotators, data, salt, comments) -> None:
    newcomer = data.draw(st.sampled_from([name for name in NAMES if name not in annotators]))
    overlap = data.draw(st.integers(1, len(annotators)))
    before = by_id(assign(plan(annotators, overlap, salt), comments))
    after = by_id(assign(plan([*annotators, newcomer], overlap, salt), comments))
    for cid, who in before.items():
        if after[cid] != who:  # the newcomer took exactly one place
            assert newcomer in after[cid]
            assert len(who - after[cid]) == 1


@QUICK
@given(st.lists(st.sampled_from(NAMES), min_size=2, max_size=6, unique=True), st.data(), salts, ids)
def test_removing_an_annotator_moves_only_their_comments(annotators, data, salt, comments) -> None:
    leaver = data.draw(st.sampled_from(annotators))
    overlap = data.draw(st.integers(1, len(annotators) - 1))
    rest = [name for name in annotators if name != leaver]
    before = by_id(assign(plan(annotators, overlap, salt), comments))
    after = by_id(assign(plan(rest, overlap, salt), comments))
    for cid, who in before.items():
        if leaver not in who:
            assert after[cid] == who
        else:  # their place goes to one other; the rest stay
            assert who - {leaver} < after[cid]


@STATISTICAL
@given(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique=True), st.data(), salts)
def test_a_newcomer_takes_about_one_nth_of_the_assignments(annotators, data, salt) -> None:
    newcomer = data.draw(st.sampled_from([name for name in NAMES if name not in annotators]))
    overlap = data.draw(st.integers(1, len(annotators)))
    comments = corpus(2000)
    before = assign(plan(annotators, overlap, salt), comments)
    after = assign(plan([*annotators, newcomer], overlap, salt), comments)
    moved = sum(1 for i in range(len(comments)) if before.assignees(i) != after.assignees(i))
    p = overlap / (len(annotators) + 1)  # a comment moves when the newcomer is in its top k
    # (each moved comment moves one of its `overlap` assignments: 1/(n+1) of all assignments)
    assert abs(moved - p * len(comments)) <= 5 * math.sqrt(len(comments) * p * (1 - p))


@STATISTICAL
@given(plans(min_annotators=2), st.integers(1000, 3000))
def test_shares_follow_the_weights(p: AssignPlan, size: int) -> None:
    assignment = assign(replace(p, calibration=0), corpus(size))
    counts = assignment.counts()
    names_ = sorted(p.annotators)
    target = target_shares([p.weight(name) for name in names_], p.overlap)
    for name, share in zip(names_, target, strict=True):
        sd = math.sqrt(size * share * (1 - share))
        assert abs(counts[name] - share * size) <= 5 * sd + 1e-9, (name, counts[name], share * size)


def test_shares_are_proportional_to_weights_at_10000_comments() -> None:
    """Half time is half the comments, with k = 2: 0.8, 0.8 and 0.4 of 10,000 (within 1.5 points)."""
    p = plan(["ada", "bob", "cy"], overlap=2, weights={"cy": 0.5})
    counts = assign(p, corpus(10_000)).counts()
    assert [round(counts[name] / 10_000, 3) for name in ("ada", "bob", "cy")] == pytest.approx([0.8, 0.8, 0.4], abs=0.015)
    assert counts["cy"] / counts["ada"] == pytest.approx(0.5, abs=0.03)


def test_weighted_overlap_moves_few_comments_between_the_others_when_someone_joins() -> None:
    """Adjusted weights shift a little when someone joins: about 1% of comments move between the
    others (plus the newcomer's own). Equal weights move none: see the property test above."""
    weights = {"ada": 1.0, "bob": 1.0, "cy": 0.5}
    before = assign(plan(["ada", "bob", "cy"], 2, weights=weights), corpus(20_000))
    after = assign(plan(["ada", "bob", "cy", "dee"], 2, weights=weights), corpus(20_000))
    elsewhere = sum(
        1 for i in range(20_000)
        if before.assignees(i) != after.assignees(i)
        and not ("dee" in after.assignees(i) and len(set(before.assignees(i)) - set(after.assignees(i))) == 1)
    )
    assert elsewhere / 20_000 < 0.02


def test_effective_weights_reach_their_targets() -> None:
    p = plan(["ada", "bob", "cy", "dee"], overlap=2, weights={"ada": 3.0, "dee": 0.5})
    weights = effective_weights(p)
    chance = inclusion([weights[name] for name in sorted(weights)], 2)
    assert chance == pytest.approx(target_shares([3.0, 1.0, 1.0, 0.5], 2), abs=1e-9)
    assert target_shares([3.0, 1.0, 1.0, 0.5], 2)[0] == 1.0  # 3/5.5 of the weight is more than a comment's 1/2: all
    assert effective_weights(plan(["ada", "bob"], 1, weights={"bob": 2.0})) == {"ada": 1.0, "bob": 2.0}


def test_the_split_is_fixed_by_the_plan() -> None:
    """The documented hash, spelled out: a project can compute its split with any BLAKE2b."""
    import hashlib

    def u(name: str, cid: str) -> float:
        x = int.from_bytes(hashlib.blake2b(f"s\0{name}\0{cid}".encode(), digest_size=8).digest(), "big") >> 12
        return (x + 0.5) / 2**52

    p = plan(["ada", "bob", "cy"], overlap=1, salt="s")
    assignment = assign(p, corpus(50))
    for i, cid in enumerate(corpus(50)):
        best = max(("ada", "bob", "cy"), key=lambda name: -1 / math.log(u(name, cid)))
        assert assignment.assignees(i) == (best,)
    assert assign(plan(["ada", "bob", "cy"], salt="t"), corpus(50)).chosen != assignment.chosen


def test_named_calibration_ids_go_to_everyone_and_unknown_ones_are_reported() -> None:
    comments = corpus(10)
    assignment = assign(plan(["ada", "bob", "cy"], calibration=[comments[3], "nope"]), comments)
    assert assignment.calibration == {comments[3]}
    assert assignment.unknown_calibration == ("nope",)
    assert assignment.assignees(3) == ("ada", "bob", "cy")
    assert explain(assignment.plan, comments[3], assignment.calibration).calibration


def test_u_stays_inside_zero_and_one_at_the_extremes(monkeypatch) -> None:
    """The largest and smallest digests still give a u a logarithm can take (no score of 1/0)."""
    from annotator.core import rendezvous as module

    for digest in (b"\xff" * 8, b"\x00" * 8):
        monkeypatch.setattr(module.hashlib, "blake2b", lambda *args, digest=digest, **kwargs: type(
            "Digest", (), {"digest": lambda self: digest})())
        u = module.uniform(b"k", "c")
        assert 0 < u < 1
        assert math.isfinite(module.score(1.0, u))


@QUICK
@given(st.integers(1, 5).flatmap(lambda n: st.tuples(
    st.integers(1, n), st.lists(st.lists(st.sampled_from([0.5, 1.0, 2.0]), min_size=n, max_size=n), max_size=30))))
def test_the_top_k_of_each_row_match_a_ranking_one_row_at_a_time_even_when_scores_tie(case) -> None:
    """Scores from a handful of values tie often: the column-wise cut must still pick exactly k per
    row, ties going to the annotator who sorts first (the lower index), as a plain sort does."""
    from annotator.core.assign import _chosen

    k, rows = case
    n = len(rows[0]) if rows else k
    columns = [[row[i] for row in rows] for i in range(n)]
    sets, codes = _chosen(columns, k)
    expected = [tuple(sorted(sorted(range(n), key=row.__getitem__, reverse=True)[:k])) for row in rows]
    assert [sets[code] for code in codes] == expected


def test_100000_comments_share_out_by_weight_and_come_back_the_same_from_the_cache(cache_folder) -> None:
    """The app's "mine" view at 100,000 comments: cy at half time holds a fifth of the comments,
    the same positions whether computed or read back from the cache. (What it costs is a row of
    `python -m benchmarks`: "the plan and one share".)"""
    comments = corpus(100_000)
    p = plan(["ada", "bob", "cy"], overlap=2, calibration=50, weights={"cy": 0.5})
    computed = assign(p, comments)
    assert list(cache_folder.iterdir()), "the sets were not cached"
    cached = assign(p, comments)
    assert cached.positions("cy") == computed.positions("cy")
    assert cached.chosen == computed.chosen
    assert len(computed.positions("cy")) == pytest.approx(40_000, rel=0.03)


def test_a_damaged_cache_entry_is_computed_again(cache_folder) -> None:
    comments = corpus(500)
    p = plan(["ada", "bob", "cy"], overlap=2)
    expected = assign(p, comments).chosen
    for entry in cache_folder.iterdir():
        entry.write_bytes(entry.read_bytes()[:40])
    assert assign(p, comments).chosen == expected
    for entry in cache_folder.iterdir():  # well formed, but not the shape of a plan's sets
        entry.write_bytes(__import__("marshal").dumps(([[7, 9]], bytes(500), False)))
    assert assign(p, comments).chosen == expected


def test_weights_are_adjusted_only_where_it_is_needed_and_affordable() -> None:
    from annotator.core.assign import weights_adjusted

    many = [f"a{number}" for number in range(30)]
    assert weights_adjusted(plan(["ada", "bob", "cy"], 2, weights={"cy": 0.5}))
    assert not weights_adjusted(plan(["ada", "bob", "cy"], 1, weights={"cy": 0.5}))  # k = 1: proportional as they are
    assert not weights_adjusted(plan(["ada", "bob", "cy"], 2))  # equal weights
    assert not weights_adjusted(plan(many, 5, weights={"a0": 0.5}))  # too many to compute: used as they are
    assert effective_weights(plan(many, 5, weights={"a0": 0.5}))["a0"] == 0.5
