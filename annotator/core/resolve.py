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

import zlib
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from operator import add, itemgetter, mul
from typing import Any, NamedTuple

from annotator.core import cache
from annotator.core.config import Schema
from annotator.core.errors import AnnotatorError
from annotator.core.models import Annotation
from annotator.core.labels import LabelFile
from annotator.core.store import ANNOTATIONS_DIR, GOLD, SUFFIX, check_annotator_name
from annotator.core.store.columns import Entries, Locate

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
_FIRST, _SECOND, _THIRD = itemgetter(0), itemgetter(1), itemgetter(2)
_new_decision = tuple.__new__  # a Decision from its eight values, without the named tuple's Python-level __new__
_ROUNDINGS = 1 << 16  # totals whose rounding is remembered, at most
_ORDERED_KINDS = ("I", "I", "d")  # the array types of `_VoterColumns._in_corpus_order`


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
        gold = files.get(GOLD)
        self._gold = {} if gold is None else gold.stored if isinstance(gold, LabelFile) else gold.entries
        self._voters = [store.stored if isinstance(store, LabelFile) else store.entries  # (made when asked for)
                        for name, store in files.items() if name != GOLD]
        self._voter_columns: list[_VoterColumns] | None = None  # made at the first `decisions`
        self._gold_columns: _VoterColumns | None = None  # (for finding gold's entries by position)
        self._corpus: _Corpus | None = None  # where `decisions` finds the comments by position (`in_corpus`)
        self._orders: dict[tuple[str, ...], tuple[str, ...]] = {}  # the few label sets there are, ordered
        self._stance_outcomes: dict[tuple[str | None, ...], tuple[str | None, tuple[str, ...]]] = {}
        self._topic_outcomes: dict[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}
        # By each voter's codes (`_VoterColumns`): the stance and its tie; the topics, their tie and who
        # decided (None: nobody voted).
        self._stances_by_code: dict[tuple[int, ...], tuple[str | None, tuple[str, ...], bool]] = {}
        self._topics_by_code: dict[tuple[int, ...], tuple[tuple[str, ...], tuple[str, ...], str | None]] = {}
        self._roundings: dict[float, float] = {}  # (`_rounded`)
        self._topic_set_ids: dict[tuple[str, ...] | None, int] = {}  # each voter's sets of topics, numbered once
        self._topics_by_sets: dict[tuple[int, ...], tuple[tuple[str, ...], tuple[str, ...], str | None]] = {}

    def decide(self, comment_id: str) -> Decision:
        """The labels of `comment_id` under this resolution."""
        if self._single is not None:
            return self._taken(self._single.get(comment_id), self._single_name)
        return self._majority(comment_id)

    def decisions(self, comment_ids: Sequence[str], start: int | None = None) -> Iterator[Decision]:
        """What `decide` gives for each of `comment_ids`, in order, made column by column: each
        file's entries are fetched in one pass, and each distinct vote is counted once. For
        exports, which decide every comment of the corpus.

        With `start`, `comment_ids` are the ids of the corpus given to `in_corpus`, from
        position `start` on: each file's entries are then found by their position in the corpus
        (kept in the parse cache), without looking each id up."""
        if self._single is not None:
            return map(self._taken, map(self._single.get, comment_ids), repeat(self._single_name))
        return map(_new_decision, repeat(Decision), zip(*self._majority_columns(comment_ids, start)))

    def decision_columns(self, comment_ids: Sequence[str], start: int | None = None) -> list[list[Any]]:
        """What `decisions` gives, as columns: one list per field of `Decision` (the stances, their
        ties, ..., who decided), made without a `Decision` per comment where the vote decides."""
        if self._single is not None:
            decisions = list(self.decisions(comment_ids))
            return [list(column) for column in zip(*decisions)] if decisions else [[] for _ in Decision._fields]
        return self._majority_columns(comment_ids, start)

    def in_corpus(self, locate: Locate, digest: bytes, size: int) -> None:
        """The corpus `decisions` reads ids from when it is given a `start`: its size, where ids
        are in it (`locate`, asked only when the parse cache does not have a file's positions in
        it) and `digest`, the SHA-256 of its ids, which names it in the parse cache. The ids must
        be all different."""
        self._corpus = _Corpus(locate, digest, size)

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

    def _majority_columns(self, comment_ids: Sequence[str], start: int | None = None) -> list[list[Any]]:
        """`_majority` of each of `comment_ids`, in order, as columns (`decision_columns`), with the
        per-entry work done per file.

        Each voter's entries become columns: stances, and topics where the entry is a vote (None
        where it is not: a stance-only vote has topics `()`). Flags and seconds are combined in the
        order `_majority` adds them, so the sums are the same to the last bit. The outcome of each
        distinct combination of votes is worked out once, and the decisions are made
        a column at a time; the few comments gold has an entry for are then done one by one.
        """
        start = None if self._corpus is None else start
        if self._voter_columns is None:
            self._voter_columns = [_VoterColumns(entries, self._corpus) for entries in self._voters]
            if self._gold:
                self._gold_columns = _VoterColumns(self._gold, self._corpus)
        voters = self._voter_columns
        columns = [voter.take(comment_ids, start) for voter in voters]
        if not columns:  # nobody to vote: as one voter without entries
            voters = [_VoterColumns({})]
            columns = [voters[0].take(comment_ids)]
        seconds: Iterable[float] = repeat(0.0)
        for column in columns:
            seconds = map(add, seconds, column[2])
        totals = list(seconds)
        # The same votes recur all over a corpus: each distinct combination of codes is counted once.
        # A stance code carries the entry's flag in its lowest bit: the outcome says if any is flagged.
        stance_votes = list(zip(*(column[0] for column in columns)))
        known_stances = self._stances_by_code
        for codes in set(stance_votes).difference(known_stances):
            stance = self._stance_vote([voter.stances[code >> 1] for voter, code in zip(voters, codes)])
            known_stances[codes] = (*stance, any(code & 1 for code in codes))
        stance_outcomes = list(map(known_stances.__getitem__, stance_votes))
        flags = list(map(_THIRD, stance_outcomes))
        topic_votes = list(zip(*(column[1] for column in columns)))
        known_topics = self._topics_by_code
        new_votes = set(topic_votes).difference(known_topics)
        if new_votes:
            for voter in voters:  # (each voter's sets of topics by one numbering: who voted what does not matter)
                voter.topic_ids.extend(map(self._topic_set_id, voter.topic_votes[len(voter.topic_ids):]))
        by_sets = self._topics_by_sets
        for codes in new_votes:
            sets = tuple(sorted(voter.topic_ids[code] for voter, code in zip(voters, codes)))
            outcome = by_sets.get(sets)
            if outcome is None:
                topic = self._topics_of(tuple(voter.topic_votes[code] for voter, code in zip(voters, codes)))
                outcome = by_sets[sets] = ((), (), None) if topic is None else (topic[0], topic[1], MAJORITY)
            known_topics[codes] = outcome
        topic_outcomes = list(map(known_topics.__getitem__, topic_votes))
        by_gold: dict[int, Decision] = {}
        if self._gold:
            golds = self._gold_columns.entries_of(comment_ids, start)  # type: ignore[union-attr]
            for index in compress(range(len(golds)), golds):  # (an entry is a non-empty tuple)
                gold = golds[index]
                flags[index] = flag = flags[index] or gold.flagged
                totals[index] += gold.seconds
                if gold.is_labeled:
                    by_gold[index] = Decision(gold.stance, (), self.ordered(gold.topics), (), gold.note, flag,
                                              round(totals[index], 1), GOLD)
        columns = [list(map(_FIRST, stance_outcomes)), list(map(_SECOND, stance_outcomes)),
                   list(map(_FIRST, topic_outcomes)), list(map(_SECOND, topic_outcomes)), [None] * len(flags), flags,
                   self._rounded(totals), list(map(_THIRD, topic_outcomes))]
        for index, decision in by_gold.items():
            for column, value in zip(columns, decision):
                column[index] = value
        return columns

    def _topic_set_id(self, topics: tuple[str, ...] | None) -> int:
        """The number of a set of topics (None: no vote) among all voters' (`_VoterColumns.topic_ids`)."""
        return self._topic_set_ids.setdefault(topics, len(self._topic_set_ids))

    def _rounded(self, totals: list[float]) -> list[float]:
        """Each of `totals` (sums of seconds, from +0.0: never -0.0) rounded to the tenth, as `round`
        does; each distinct total once (they recur, and `round` costs half a microsecond)."""
        rounded = self._roundings
        if len(rounded) > _ROUNDINGS:
            rounded.clear()
        for total in set(totals).difference(rounded):
            rounded[total] = round(total, 1)
        return list(map(rounded.__getitem__, totals))

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
        counts = _counts(topic for topics in topic_sets for topic in set(topics))  # (a topic twice: one vote)
        if not counts:
            return (), ()
        voters = len(topic_sets)
        chosen = self.ordered(topic for topic, count in counts.items() if 2 * count > voters)
        tied = self.ordered(topic for topic, count in counts.items() if 2 * count == voters)
        return chosen, tied


class _Corpus(NamedTuple):
    """A corpus as `Resolver.in_corpus` describes it."""

    locate: Locate
    digest: bytes
    size: int


class _VoterColumns:
    """One voter's entries as columns of numbers, for `Resolver.decisions`: for each comment, a
    stance code with the entry's flag in its lowest bit (`stances[code >> 1]` names the stance; 0
    is none), a code for the topics where the entry is a vote (`topic_votes` gives them; 0: no
    vote, as where there is no entry) and the seconds.
    A file read as columns gives its codes as they are, and its entries are found by position in
    the corpus (`corpus`, when given) or by id; other entries are coded as they come."""

    __slots__ = ("_at", "_columns", "_corpus", "_ordered", "_seconds", "_stance_code", "_stance_codes", "_topic_code",
                 "_topic_codes", "_where", "entries", "stances", "topic_ids", "topic_votes")

    def __init__(self, entries: Mapping[str, Annotation], corpus: _Corpus | None = None) -> None:
        self.entries = entries
        columns = entries.columns if isinstance(entries, Entries) and not entries.changed_ids() else None
        self._columns = columns
        self._corpus = corpus
        self._where: dict[str, int] | None = None  # the position of each id among the columns, made when needed
        self._at: array | None = None  # the position among the columns of each comment of the corpus, or -1
        self._ordered: tuple[array, array, array] | None = None  # (`_in_corpus_order`)
        self.topic_ids: list[int] = []  # the number `Resolver` gives each of `topic_votes`
        if columns is None:  # (coded as they come)
            self.stances: list[str | None] = [None]
            self.topic_votes: list[tuple[str, ...] | None] = [None]
            self._stance_code: dict[str | None, int] = {None: 0}
            self._topic_code: dict[tuple[str, ...] | None, int] = {None: 0}
            return
        self.stances = columns.stances  # (code 0 is None)
        self.topic_votes = [None, *columns.topic_sets]
        self._stance_codes: list[int] | None = None  # by entry (`_by_entry`)

    def _by_entry(self) -> tuple[list[int], list[int], list[float]]:
        """The stance codes, topic codes and seconds of each entry of the columns, each list ending
        with what a comment without an entry has (read at position -1); made when first needed."""
        columns = self._columns
        if self._stance_codes is None and columns is not None:
            self._stance_codes = [*map(add, map(mul, columns.stance_codes, repeat(2)), columns.flagged), 0]
            self._topic_codes = [*map(mul, map(add, columns.topic_codes, repeat(1)), columns.labeled), 0]
            self._seconds = [*columns.seconds, 0.0]
        return self._stance_codes, self._topic_codes, self._seconds  # type: ignore[return-value]

    def take(self, comment_ids: Sequence[str], start: int | None = None) -> tuple[list[int], list[int], list[float]]:
        """For each of `comment_ids` (from position `start` of the corpus, if given): the stance
        code (with the flag), the topic vote code and the seconds."""
        if self._columns is None:
            column = list(map(self.entries.get, comment_ids, repeat(_EMPTY)))
            stances = list(map(_STANCE, column))
            votes = [labels if labels or stance is not None else None for stance, labels in zip(stances, map(_TOPICS, column))]
            stance_codes = map(mul, self._codes(stances, self._stance_code, self.stances), repeat(2))
            return (list(map(add, stance_codes, map(_FLAGGED, column))), self._codes(votes, self._topic_code, self.topic_votes),
                    list(map(_SECONDS, column)))
        if start is not None and self._corpus is not None:
            if self._ordered is None:
                self._ordered = self._in_corpus_order(self._corpus)
            if self._ordered is not None:
                stop = start + len(comment_ids)
                return tuple(column[start:stop] for column in self._ordered)  # type: ignore[return-value]
        aligned = self._aligned(comment_ids, start)
        return tuple(list(map(values.__getitem__, aligned)) for values in self._by_entry())  # type: ignore[return-value]

    def _in_corpus_order(self, corpus: _Corpus) -> tuple[array, array, array] | None:
        """The stance codes, topic codes and seconds of `take` for every position of `corpus`, in
        its order: from the parse cache when this file (its content) and this corpus were seen
        before, else gathered (`_by_position`) and kept there. Then a batch of the corpus reads
        three slices, not an entry's place for each comment and file. None when `_by_position` is."""
        columns = self._columns
        where = None
        if columns is not None and columns.source is not None:
            where = cache.key("votes", b"%s\0%s" % (columns.source.encode(), corpus.digest))
            kept = cache.load(where)
            ordered = tuple(array(kind) for kind in _ORDERED_KINDS)
            if type(kept) is tuple and len(kept) == 4 and all(type(part) is bytes for part in kept[:3]) \
                    and zlib.crc32(b"".join(kept[:3])) == kept[3] \
                    and all(len(data) == corpus.size * column.itemsize for column, data in zip(ordered, kept)):
                for column, data in zip(ordered, kept):  # (each part's length checked: the CRC is of them joined)
                    column.frombytes(data)
                return ordered  # type: ignore[return-value]
        at = self._by_position(corpus)
        if at is None:
            return None
        aligned = at.tolist()
        ordered = tuple(array(kind, map(values.__getitem__, aligned)) for kind, values in zip(
            _ORDERED_KINDS, self._by_entry()))
        if where is not None:
            data = [column.tobytes() for column in ordered]
            cache.save(where, (*data, zlib.crc32(b"".join(data))))
        return ordered  # type: ignore[return-value]

    def entries_of(self, comment_ids: Sequence[str], start: int | None = None) -> list[Annotation | None]:
        """The entry of each of `comment_ids` (from position `start` of the corpus, if given), or None."""
        columns = self._columns
        if columns is None:
            return list(map(self.entries.get, comment_ids))
        aligned = self._aligned(comment_ids, start)
        found: list[Annotation | None] = [None] * len(aligned)
        for index in compress(range(len(aligned)), map((-1).__lt__, aligned)):
            found[index] = columns.entry(aligned[index])
        return found

    def _aligned(self, comment_ids: Sequence[str], start: int | None) -> Sequence[int]:
        """Where each of `comment_ids` has its entry among the columns, or -1."""
        if start is not None and self._corpus is not None:
            if self._at is None:
                self._at = self._by_position(self._corpus)
            if self._at is not None:
                return self._at[start:start + len(comment_ids)].tolist()  # (a list: read four times)
        if self._where is None:
            ids = self._columns.ids  # type: ignore[union-attr]
            self._where = dict(zip(ids, range(len(ids))))
        return list(map(self._where.get, comment_ids, repeat(-1)))

    def _by_position(self, corpus: _Corpus) -> array | None:
        """For each position of `corpus`, where its comment's entry is among the columns, or -1
        (`LabelColumns.aligned_in`, from the parse cache); None if that does not fit the corpus (a
        damaged cache entry: ids are then looked up)."""
        return self._columns.aligned_in(corpus.locate, corpus.digest, corpus.size)  # type: ignore[union-attr]

    @staticmethod
    def _codes(values: list[Any], codes: dict[Any, int], named: list[Any]) -> list[int]:
        for value in set(values).difference(codes):
            codes[value] = len(named)
            named.append(value)
        return list(map(codes.__getitem__, values))


_UNSEEN: Any = object()  # a vote not met yet (None in the cache means: no votes)


def _counts(labels: Iterable[str]) -> dict[str, int]:
    """How often each label occurs (a plain dict: `Counter` costs more for a handful of votes)."""
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    return counts
