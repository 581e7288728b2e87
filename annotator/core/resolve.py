"""One set of labels per comment from several annotators: gold, one annotator, or the majority.

The rules (also in the README, under `annotator export`):

- `gold`: the labels in `annotations/gold.toml`; `annotator:NAME`: the labels of NAME.
- `majority` (and `all`; `majority` is the default): the gold labels where gold labeled the
  comment; otherwise a vote among the other annotators who labeled it (chose a stance or a topic).
  `decided_by` says which: `gold` or `majority`. The stance is the most common
  one; when several share the top count, the stance is null and `stance_tie` lists them. A topic
  is chosen when more than half of those annotators chose it; chosen by exactly half, it goes to
  `topics_tie` instead. Nothing is broken silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import add, itemgetter, or_
from typing import Any, NamedTuple

from annotator.core.config import Schema
from annotator.core.errors import AnnotatorError
from annotator.core.models import Annotation
from annotator.core.labels import LabelFile
from annotator.core.store import ANNOTATIONS_DIR, GOLD, SUFFIX, check_annotator_name

MODES = ("gold", "majority", "all")
ANNOTATOR_PREFIX = "annotator:"
MAJORITY = "majority"


@dataclass(frozen=True, slots=True)
class Resolution:
    """How to decide a comment's labels: `mode` is gold, majority, all, or annotator (with its name)."""

    mode: str
    annotator: str | None = None

    @classmethod
    def parse(cls, text: str) -> Resolution:
        """`gold`, `majority`, `all` or `annotator:NAME`; `AnnotatorError` for anything else."""
        if text in MODES:
            return cls(text)
        if text.startswith(ANNOTATOR_PREFIX):
            return cls("annotator", check_annotator_name(text.removeprefix(ANNOTATOR_PREFIX)))
        raise AnnotatorError(f"--resolve {text!r}: expected gold, majority, all or annotator:NAME")

    @classmethod
    def default(cls) -> Resolution:
        """`majority`: gold where gold labeled the comment, the vote elsewhere, so that no
        comment's labels are left out because gold has not got to it yet."""
        return cls(MAJORITY)

    @property
    def single(self) -> str | None:
        """The one annotator whose labels are taken as they are (gold or NAME), or None."""
        return GOLD if self.mode == "gold" else self.annotator

    def __str__(self) -> str:
        return f"{ANNOTATOR_PREFIX}{self.annotator}" if self.annotator else self.mode


class Decision(NamedTuple):
    """The labels a comment gets, and who decided them (None: nobody labeled it).

    A named tuple rather than a dataclass: an export makes one per comment, and tuples are cheap.
    """

    stance: str | None = None
    stance_tie: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    topics_tie: tuple[str, ...] = ()
    note: str | None = None
    flagged: bool = False
    seconds: float = 0.0
    decided_by: str | None = None


NO_DECISION = Decision()
_EMPTY = Annotation()  # what a file without an entry for the comment gives, in `decisions`
_STANCE, _TOPICS, _FLAGGED, _SECONDS = itemgetter(0), itemgetter(1), itemgetter(3), itemgetter(4)
_new_decision = tuple.__new__  # a Decision from its eight values, without the named tuple's Python-level __new__


class Resolver:
    """Decides each comment's labels from every annotator's labels (`labels.read_labels`), by a `Resolution`."""

    def __init__(self, schema: Schema, files: dict[str, LabelFile], resolution: Resolution) -> None:
        single = resolution.single
        if single is not None and single not in files:
            raise AnnotatorError(
                f"{ANNOTATIONS_DIR}/{single}{SUFFIX}: not found",
                hint="--resolve majority votes among the annotators there are",
            )
        self.resolution = resolution
        self.files = files
        self.rank = {name: index for index, name in enumerate(schema.stance_names + schema.topic_names)}
        self._single = files[single].entries if single is not None else None
        self._single_name = single
        self._gold = files[GOLD].entries if GOLD in files else {}
        self._voters = [store.entries for name, store in files.items() if name != GOLD]
        self._orders: dict[tuple[str, ...], tuple[str, ...]] = {}  # the few label sets there are, ordered
        self._stance_outcomes: dict[tuple[str | None, ...], tuple[str | None, tuple[str, ...]]] = {}
        self._topic_outcomes: dict[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self._raw_topic_outcomes: dict[tuple[tuple[str, ...] | None, ...], tuple[tuple[str, ...], tuple[str, ...]] | None] = {}

    def decide(self, comment_id: str) -> Decision:
        """The labels of `comment_id` under this resolution."""
        if self._single is not None:
            return self._taken(self._single.get(comment_id), self._single_name)
        return self._majority(comment_id)

    def decisions(self, comment_ids: Sequence[str]) -> Iterator[Decision]:
        """What `decide` gives for each of `comment_ids`, in order, made column by column: each
        file's entries are fetched in one pass, and each distinct vote is counted once. For
        exports, which decide every comment of the corpus."""
        if self._single is not None:
            return map(self._taken, map(self._single.get, comment_ids), repeat(self._single_name))
        return self._majorities(comment_ids)

    def entries(self, comment_id: str) -> Iterator[tuple[str, Annotation | None]]:
        """Every annotator's entry for `comment_id` (None where there is none), by annotator name."""
        for name, store in self.files.items():
            yield name, store.entries.get(comment_id)

    def ordered(self, labels: Iterable[str]) -> tuple[str, ...]:
        """`labels` in schema order; labels the schema does not know come last, sorted."""
        labels = tuple(labels)
        if len(labels) < 2:
            return labels
        known = self._orders.get(labels)
        if known is None:
            last = len(self.rank)
            known = self._orders[labels] = tuple(sorted(labels, key=lambda label: (self.rank.get(label, last), label)))
        return known

    def _taken(self, entry: Annotation | None, name: str | None) -> Decision:
        if entry is None:
            return NO_DECISION
        return Decision(
            stance=entry.stance,
            topics=self.ordered(entry.topics),
            note=entry.note,
            flagged=entry.flagged,
            seconds=entry.seconds,
            decided_by=name if entry.is_labeled else None,
        )

    def _majority(self, comment_id: str) -> Decision:
        flagged, seconds, stances, topic_sets = False, 0.0, [], []
        for entries in self._voters:  # one pass: this runs once per comment of the corpus
            entry = entries.get(comment_id)
            if entry is not None:
                flagged = flagged or entry.flagged
                seconds += entry.seconds
                if entry.is_labeled:  # a vote
                    stances.append(entry.stance)
                    topic_sets.append(entry.topics)
        gold = self._gold.get(comment_id)
        if gold is not None:
            flagged = flagged or gold.flagged
            seconds += gold.seconds
        seconds = round(seconds, 1)
        if gold is not None and gold.is_labeled:
            return Decision(gold.stance, (), self.ordered(gold.topics), (), gold.note, flagged, seconds, GOLD)
        if not stances:
            return Decision(flagged=flagged, seconds=seconds)
        # The same votes recur all over a corpus: each distinct combination is counted once.
        stance_votes = tuple(stances)
        stance = self._stance_outcomes.get(stance_votes)
        if stance is None:
            stance = self._stance_outcomes[stance_votes] = self._stance_vote(stances)
        topic_sets.sort()  # who voted for what does not matter, only how many
        topic_votes = tuple(topic_sets)
        topics = self._topic_outcomes.get(topic_votes)
        if topics is None:
            topics = self._topic_outcomes[topic_votes] = self._topic_vote(topic_sets)
        return Decision(stance[0], stance[1], topics[0], topics[1], None, flagged, seconds, MAJORITY)

    def _majorities(self, comment_ids: Sequence[str]) -> Iterator[Decision]:
        """`_majority` of each of `comment_ids`, in order, with the per-entry work done per file.

        Each voter's entries become columns: stances, and topics where the entry is a vote (None
        where it is not: a stance-only vote has topics `()`). Flags and seconds are combined in the
        order `_majority` adds them, so the sums are the same to the last bit.
        """
        columns = [list(map(entries.get, comment_ids, repeat(_EMPTY))) for entries in self._voters]
        stances = [list(map(_STANCE, column)) for column in columns]
        topics = [
            [labels if labels or stance is not None else None for stance, labels in zip(voter, map(_TOPICS, column))]
            for voter, column in zip(stances, columns)
        ]
        flagged: Iterable[bool] = repeat(False)
        seconds: Iterable[float] = repeat(0.0)
        for column in columns:
            flagged = map(or_, flagged, map(_FLAGGED, column))
            seconds = map(add, seconds, map(_SECONDS, column))
        golds = map(self._gold.get, comment_ids) if self._gold else repeat(None)
        stance_outcomes, topic_outcomes = self._stance_outcomes, self._raw_topic_outcomes
        if not columns:  # (a zip of no columns would end at once)
            stances = topics = [[None] * len(comment_ids)]
        for stance_votes, topic_votes, flag, total, gold in zip(zip(*stances), zip(*topics), flagged, seconds, golds):
            if gold is not None:
                flag = flag or gold.flagged
                total += gold.seconds
                if gold.is_labeled:
                    yield Decision(gold.stance, (), self.ordered(gold.topics), (), gold.note, flag, round(total, 1), GOLD)
                    continue
            topic = topic_outcomes.get(topic_votes, _UNSEEN)
            if topic is _UNSEEN:
                topic = topic_outcomes[topic_votes] = self._topics_of(topic_votes)
            if topic is None:  # nobody voted
                yield Decision(flagged=flag, seconds=round(total, 1))
                continue
            stance = stance_outcomes.get(stance_votes)
            if stance is None:
                stance = stance_outcomes[stance_votes] = self._stance_vote(list(stance_votes))
            yield _new_decision(Decision, (stance[0], stance[1], topic[0], topic[1], None, flag, round(total, 1), MAJORITY))

    def _topics_of(self, votes: tuple[tuple[str, ...] | None, ...]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """The topic outcome of one comment's topic votes (None: that file's entry is no vote), or
        None when nobody voted."""
        topic_sets = sorted(labels for labels in votes if labels is not None)
        if not topic_sets:
            return None
        key = tuple(topic_sets)
        topics = self._topic_outcomes.get(key)
        if topics is None:
            topics = self._topic_outcomes[key] = self._topic_vote(topic_sets)
        return topics

    def _stance_vote(self, stances: list[str | None]) -> tuple[str | None, tuple[str, ...]]:
        """The stance most voters chose, or None and the tied ones (None: a vote of topics only)."""
        counts = _counts(stance for stance in stances if stance is not None)
        if not counts:
            return None, ()
        top = max(counts.values())
        winners = [stance for stance, count in counts.items() if count == top]
        return (winners[0], ()) if len(winners) == 1 else (None, self.ordered(winners))

    def _topic_vote(self, topic_sets: list[tuple[str, ...]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The topics more than half the voters chose, and those exactly half chose."""
        counts = _counts(topic for topics in topic_sets for topic in topics)
        if not counts:
            return (), ()
        voters = len(topic_sets)
        chosen = self.ordered(topic for topic, count in counts.items() if 2 * count > voters)
        tied = self.ordered(topic for topic, count in counts.items() if 2 * count == voters)
        return chosen, tied


_UNSEEN: Any = object()  # a vote not met yet (None in the cache means: no votes)


def _counts(labels: Iterable[str]) -> dict[str, int]:
    """How often each label occurs (a plain dict: `Counter` costs more for a handful of votes)."""
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    return counts
