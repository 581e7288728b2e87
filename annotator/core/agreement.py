"""Agreement between annotators: Krippendorff's alpha, Fleiss' kappa and Cohen's kappa.

Pure functions on plain data. A reliability table is `units`: for each unit (a comment id), the
value each coder (annotator) gave it, `{unit: {coder: value}}`; a coder who did not judge a unit
is simply absent from it. Values are compared for equality only (the nominal metric).

Formulas:

- Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"):
  alpha = 1 - (n - 1) * sum over units of (m_u^2 - sum_c n_uc^2) / (m_u - 1), divided by
  (n^2 - sum_c n_c^2); m_u is the number of values in unit u, n_uc how many of them are c, n the
  number of values in units with two or more (pairable values), n_c how many of those are c.
- Fleiss' kappa (Fleiss 1971): (P - P_e) / (1 - P_e), every unit having the same number of coders.
- Cohen's kappa (Cohen 1960): (p_o - p_e) / (1 - p_e) for two coders on the units both judged.

A figure whose expected disagreement is zero (one value only) is undefined: its value is None
and `reason` says why, as it does when there is nothing to compute it on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, combinations, compress, repeat
from operator import add, itemgetter, mul
from typing import Any

from annotator.core.errors import AnnotatorError
from annotator.core.models import Annotation
from annotator.core.store.columns import Entries, LabelColumns, Locate, gathered

Units = Mapping[str, Mapping[str, Hashable]]

ONE_VALUE = "undefined: one value only"
NO_PAIRABLE = "no comment has two judgments"
NOT_SHARED = "no comment judged by both"


@dataclass(frozen=True, slots=True)
class Coefficient:
    """One agreement figure and what stands behind it: units (comments) and coders (annotators).

    `value` is None when the figure is undefined or not computed; `reason` then says why.
    """

    value: float | None
    units: int
    coders: int
    reason: str | None = None


# Reliability tables, counted -------------------------------------------------------------------


class _Absent:
    """The mark of a coder who did not judge a unit (None may be a value)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Hashable = _Absent()


@dataclass(frozen=True, slots=True)
class Table:
    """A reliability table with its units counted: each distinct row (every coder's value, or
    `ABSENT`) and how many units have it. The formulas below are sums over units, so each
    distinct row is worked out once and weighted: a corpus of 100,000 comments has a few hundred
    distinct stance rows. Rows are kept in the order their first unit came."""

    coders: tuple[str, ...]
    rows: Mapping[tuple[Hashable, ...], int]

    @classmethod
    def of(cls, units: Units) -> Table:
        """The table of `units` (coders in the order they first appear)."""
        coders = tuple(dict.fromkeys(coder for judgments in units.values() for coder in judgments))
        return cls(coders, Counter(tuple(judgments.get(coder, ABSENT) for coder in coders)
                                   for judgments in units.values()))

    def judged(self) -> Iterator[tuple[list[Hashable], int]]:
        """Each distinct row's values (without the absent coders), and how many units have it."""
        for row, count in self.rows.items():
            yield [value for value in row if value is not ABSENT], count

    def pairable_coders(self) -> int:
        """How many coders have a value in a unit that has two or more."""
        coders: set[int] = set()
        for row in self.rows:
            present = [index for index, value in enumerate(row) if value is not ABSENT]
            if len(present) >= 2:
                coders.update(present)
        return len(coders)


def _by_size(disagreement: Mapping[int, int]) -> float:
    """Sum over units of (a unit's disagreeing pairs) / (m_u - 1), from the pairs summed per size m:
    the division is made once per size (for m <= 3 every term is a whole number, so the sum is
    exactly what adding unit by unit gives)."""
    return sum(pairs / (m - 1) for m, pairs in sorted(disagreement.items()))


# Krippendorff's alpha ------------------------------------------------------------------------


def krippendorff_alpha(units: Units | Table) -> Coefficient:
    """Krippendorff's alpha, nominal metric, on `units` (missing values allowed)."""
    table = units if isinstance(units, Table) else Table.of(units)
    pairable: Counter[Hashable] = Counter()
    disagreement: dict[int, int] = {}
    unit_count = 0
    for values, count in table.judged():
        m = len(values)
        if m < 2:
            continue
        unit_count += count
        for value in values:
            pairable[value] += count
        disagreement[m] = disagreement.get(m, 0) + count * (m * m - _matching_pairs(values))
    if not unit_count:
        return Coefficient(None, 0, 0, NO_PAIRABLE)
    n = pairable.total()
    expected = n * n - sum(count * count for count in pairable.values())
    coders = table.pairable_coders()
    if expected == 0:
        return Coefficient(None, unit_count, coders, ONE_VALUE)
    return Coefficient(1 - (n - 1) * _by_size(disagreement) / expected, unit_count, coders)


def presence_alphas(
    units: Mapping[str, Mapping[str, Collection[str]]] | Table, names: Iterable[str]
) -> dict[str, Coefficient]:
    """Krippendorff's alpha of each of `names` as present (1) or absent (0), in one pass.

    `units` gives the names each coder chose on each unit; a coder in a unit judged every name,
    so not choosing one is judging it absent. Equal to `krippendorff_alpha` on each name's 0/1
    table, without building those tables: with two values, a unit of m values of which k are 1
    has 2k(m - k) disagreeing pairs, and the expected disagreement is 2 n_1 n_0.
    """
    if not isinstance(units, Table):  # (each coder's names as a tuple: a list is no row value)
        units = Table.of({unit: {coder: tuple(chosen) for coder, chosen in judgments.items()}
                          for unit, judgments in units.items()})
    table = units
    n = 0
    unit_count = 0
    present: Counter[str] = Counter()
    disagreement: dict[str, dict[int, int]] = {}
    for judgments, count in table.judged():
        m = len(judgments)
        if m < 2:
            continue
        unit_count += count
        n += m * count
        tally: dict[str, int] = {}
        for name in chain.from_iterable(judgments):
            tally[name] = tally.get(name, 0) + 1
        for name, k in tally.items():
            present[name] += k * count
            by_size = disagreement.setdefault(name, {})
            by_size[m] = by_size.get(m, 0) + count * 2 * k * (m - k)
    if not unit_count:
        return {name: Coefficient(None, 0, 0, NO_PAIRABLE) for name in names}
    coders = table.pairable_coders()
    figures = {}
    for name in names:
        expected = 2 * present[name] * (n - present[name])
        if expected == 0:
            figures[name] = Coefficient(None, unit_count, coders, ONE_VALUE)
        else:
            figures[name] = Coefficient(1 - (n - 1) * _by_size(disagreement[name]) / expected, unit_count, coders)
    return figures


def _matching_pairs(values: list[Hashable]) -> int:
    """How many ordered pairs of `values` (each value with itself included) are equal: sum of n_c^2."""
    distinct = set(values)
    if len(distinct) == 1:
        return len(values) ** 2
    if len(distinct) == len(values):
        return len(values)
    return sum(values.count(value) ** 2 for value in distinct)


# Fleiss' kappa -------------------------------------------------------------------------------


def fleiss_kappa(units: Units | Table) -> Coefficient:
    """Fleiss' kappa on the units with two or more values; only when they all have as many."""
    table = units if isinstance(units, Table) else Table.of(units)
    rated = [(values, count) for values, count in table.judged() if len(values) >= 2]
    if not rated:
        return Coefficient(None, 0, 0, NO_PAIRABLE)
    unit_count = sum(count for _, count in rated)
    coders = table.pairable_coders()
    sizes = {len(values) for values, _ in rated}
    if len(sizes) > 1:
        reason = f"not computed: comments have {min(sizes)} to {max(sizes)} annotators"
        return Coefficient(None, unit_count, coders, reason)
    m = sizes.pop()
    total = unit_count * m
    tally: Counter[Hashable] = Counter()  # (in the order values first come, as unit by unit)
    for values, count in rated:
        for value in values:
            tally[value] += count
    chance = sum((count / total) ** 2 for count in tally.values())
    if chance == 1:
        return Coefficient(None, unit_count, coders, ONE_VALUE)
    observed = (sum(count * _matching_pairs(values) for values, count in rated) - total) / (total * (m - 1))
    return Coefficient((observed - chance) / (1 - chance), unit_count, coders)


# Cohen's kappa -------------------------------------------------------------------------------


def confusion_matrix(units: Units | Table, a: str, b: str) -> Counter[tuple[Hashable, Hashable]]:
    """How many units got each (value of `a`, value of `b`), on the units both judged."""
    table = units if isinstance(units, Table) else Table.of(units)
    matrix: Counter[tuple[Hashable, Hashable]] = Counter()
    if a not in table.coders or b not in table.coders:
        return matrix
    of_a, of_b = table.coders.index(a), table.coders.index(b)
    for row, count in table.rows.items():
        if row[of_a] is not ABSENT and row[of_b] is not ABSENT:
            matrix[row[of_a], row[of_b]] += count
    return matrix


def cohen_kappa(units: Units | Table, a: str, b: str) -> Coefficient:
    """Cohen's kappa between coders `a` and `b`, on the units both judged."""
    matrix = confusion_matrix(units, a, b)
    n = matrix.total()
    if not n:
        return Coefficient(None, 0, 0, NOT_SHARED)
    observed = sum(count for (value_a, value_b), count in matrix.items() if value_a == value_b) / n
    of_a: Counter[Hashable] = Counter()
    of_b: Counter[Hashable] = Counter()
    for (value_a, value_b), count in matrix.items():
        of_a[value_a] += count
        of_b[value_b] += count
    chance = sum(count * of_b[value] for value, count in of_a.items()) / (n * n)
    if chance == 1:
        return Coefficient(None, n, 2, ONE_VALUE)
    return Coefficient((observed - chance) / (1 - chance), n, 2)


# From annotation files to figures -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A comment two annotators gave different stances."""

    comment_id: str
    a: str
    b: str


@dataclass(frozen=True, slots=True)
class PairReport:
    """Stance between two annotators: the matrix (rows `a`, columns `b`) and where they differ."""

    a: str
    b: str
    labels: tuple[str, ...]
    matrix: Mapping[tuple[str, str], int]
    disagreements: tuple[Disagreement, ...]

    @property
    def shared(self) -> int:
        """How many comments both gave a stance."""
        return sum(self.matrix.values())


@dataclass(frozen=True, slots=True)
class Report:
    """Every figure of `annotator agree`, on the comments at least two annotators labeled."""

    annotators: tuple[str, ...]
    comments: int
    stance_alpha: Coefficient
    stance_fleiss: Coefficient
    stance_cohen: Mapping[tuple[str, str], Coefficient]
    topic_alpha: Mapping[str, Coefficient]
    topic_mean: Coefficient
    topics_in_mean: int
    pair: PairReport | None = None


Labels = Mapping[str, Mapping[str, Annotation]]  # annotator -> comment id -> their entry
# A corpus whose ids are the comments counted: where ids are in it (asked only when the parse
# cache lacks a file's positions in it) and the SHA-256 of its ids (`LabelColumns.positions_in`).
InCorpus = tuple[Locate, bytes]
_LABELS = itemgetter(0, 1)  # an entry's stance and topics: (None, ()) is no judgment
_NO_ENTRY = Annotation()


@dataclass(frozen=True, slots=True)
class Judgments:
    """What each annotator judged on the comments, counted: each distinct combination of every
    annotator's (stance, topics), and on how many comments it occurs, in the order first met.
    An entry counts as a judgment when it has a stance or a topic; a note or a flag alone is none."""

    annotators: tuple[str, ...]  # in the order of `labels`
    rows: Mapping[tuple[tuple[str | None, tuple[str, ...]], ...], int]
    # What `_pairable` and `_labels` work out, once: each is asked for twice.
    _worked_out: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    @classmethod
    def count(cls, labels: Labels, comment_ids: Iterable[str], corpus: InCorpus | None = None) -> Judgments:
        """The judgments of `labels` on `comment_ids` (each id once): each annotator's entries are
        fetched a column at a time, and the combinations counted without a Python step per comment.
        Files read as columns (`store.Entries`, unchanged) are counted by their codes, without
        making an entry: each distinct row of codes is turned into labels once. With `corpus`,
        `comment_ids` are that corpus's ids, all different, in its order: each file's entries are
        then found by their position in it (kept in the parse cache), without looking each id up."""
        ids = list(comment_ids) if corpus is not None else list(dict.fromkeys(comment_ids))
        stored = [_unchanged_columns(entries) for entries in labels.values()]
        if labels and all(columns is not None for columns in stored):
            return cls(tuple(labels), _counted_codes(stored, ids, corpus))  # type: ignore[arg-type]
        columns = [map(_LABELS, map(entries.get, ids, repeat(_NO_ENTRY))) for entries in labels.values()]
        return cls(tuple(labels), Counter(zip(*columns)))

    def units(self) -> int:
        """How many comments two or more annotators judged."""
        return sum(compress(self.rows.values(), self._pairable()))

    def stances(self) -> Table:
        """The stance table: each annotator's stance (absent where they chose none)."""
        return self._table(lambda stance, topics: ABSENT if stance is None else stance)

    def topics(self) -> Table:
        """The topics table: the topics each annotator who judged chose (none chosen is a judgment too)."""
        return self._table(lambda stance, topics: topics if stance is not None or topics else ABSENT)

    def topics_chosen(self) -> set[str]:
        """Every topic chosen on a comment two or more annotators judged."""
        return {topic for row in compress(self.rows, self._pairable()) for _, topics in row for topic in topics}

    def _pairable(self) -> list[bool]:
        """For each row, whether two or more annotators judged its comments (worked out once)."""
        pairable = self._worked_out.get("pairable")
        if pairable is None:
            judged = {labels: _judged(labels) for labels in self._labels()}
            pairable = self._worked_out["pairable"] = [sum(map(judged.__getitem__, row)) >= 2 for row in self.rows]
        return pairable

    def _labels(self) -> set[tuple[str | None, tuple[str, ...]]]:
        """The distinct (stance, topics) of every row: a few, against thousands of rows (found once)."""
        labels = self._worked_out.get("labels")
        if labels is None:
            labels = self._worked_out["labels"] = set(chain.from_iterable(self.rows))
        return labels

    def _table(self, value: Callable[[str | None, tuple[str, ...]], Hashable]) -> Table:
        values = {labels: value(*labels) for labels in self._labels()}  # (each distinct cell once)
        rows: Counter[tuple[Hashable, ...]] = Counter()
        for row, count in zip(map(tuple, map(partial(map, values.__getitem__), self.rows)), self.rows.values()):
            rows[row] += count
        return Table(self.annotators, rows)


def _unchanged_columns(entries: Mapping[str, Annotation]) -> LabelColumns | None:
    """The columns that hold every entry of `entries`, when it is an `Entries` with nothing changed."""
    if isinstance(entries, Entries) and not entries.changed_ids():
        return entries.columns
    return None


def _counted_codes(files: list[LabelColumns], ids: list[str],
                   corpus: InCorpus | None = None) -> Counter[tuple[tuple[str | None, tuple[str, ...]], ...]]:
    """What `Judgments.count` counts, from columns: each file's (stance code, topics code) as one
    number per comment (-1: no entry), the rows of numbers counted, then each distinct number of
    each file turned into (stance, topics) once. Rows that differ only in a missing entry against
    an entry with neither stance nor topics are the same row of labels: their counts are added, in
    the order the rows were first met. With `corpus` (`Judgments.count`), where each comment's
    entry is in each file is read from the parse cache (`LabelColumns.aligned_in`)."""
    code_columns = []
    for columns in files:
        width = len(columns.topic_sets)
        codes = map(add, map(mul, columns.stance_codes, repeat(width)), columns.topic_codes)
        aligned = None if corpus is None else columns.aligned_in(*corpus, len(ids))
        if aligned is None:
            aligned = columns.aligned(ids)
        code_columns.append(gathered(codes, aligned, -1))
    counted = Counter(zip(*code_columns))
    labels = []
    for index, columns in enumerate(files):
        width = len(columns.topic_sets)
        codes = list(map(itemgetter(index), counted))
        label_of = {code: _NO_LABELS if code < 0 else (columns.stances[code // width], columns.topic_sets[code % width])
                    for code in set(codes)}
        labels.append(map(label_of.__getitem__, codes))
    rows: Counter[tuple[tuple[str | None, tuple[str, ...]], ...]] = Counter()
    for row, count in zip(zip(*labels), counted.values()):
        rows[row] += count
    return rows


_NO_LABELS: tuple[str | None, tuple[str, ...]] = (None, ())


def _judged(labels: tuple[str | None, tuple[str, ...]]) -> bool:
    return labels[0] is not None or bool(labels[1])


def ordered_labels(known: Sequence[str], seen: Iterable[str]) -> tuple[str, ...]:
    """`known` labels in their order, then any other label in `seen`, sorted."""
    return tuple(known) + tuple(sorted(set(seen) - set(known)))


def agreement_report(
    labels: Labels,
    comment_ids: Iterable[str],
    stances: Sequence[str] = (),
    topics: Sequence[str] = (),
    pair: tuple[str, str] | None = None,
    corpus: InCorpus | None = None,
) -> Report:
    """All figures for `labels`, on `comment_ids`; `stances` and `topics` are the schema's labels.
    `corpus`: the corpus `comment_ids` are all the ids of, in order (see `Judgments.count`).

    Raises `AnnotatorError` with fewer than two annotators, when no comment has two judgments,
    or when `pair` names someone who is not an annotator.
    """
    annotators = tuple(sorted(labels))
    if len(annotators) < 2:
        found = f" ({', '.join(annotators)})" if annotators else ""
        raise AnnotatorError(
            f"agreement needs at least two annotators, found {len(annotators)}{found}",
            hint="each annotator has a file annotations/<name>.toml; gold.toml is not counted",
        )
    if pair is not None:
        check_pair(pair, annotators)
    comment_ids = list(comment_ids)
    judgments = Judgments.count(labels, comment_ids, corpus)
    units = judgments.units()
    if not units:
        raise AnnotatorError(
            "no comment was labeled by two annotators: there is nothing to compare",
            hint="agreement is measured on the comments that at least two annotators labeled",
        )
    stance = judgments.stances()
    topic_table = judgments.topics()
    topic_alpha = presence_alphas(topic_table, ordered_labels(topics, judgments.topics_chosen()))
    mean, counted = _mean_alpha(topic_alpha.values(), units, topic_table.pairable_coders())
    return Report(
        annotators=annotators,
        comments=units,
        stance_alpha=krippendorff_alpha(stance),
        stance_fleiss=fleiss_kappa(stance),
        stance_cohen={(a, b): cohen_kappa(stance, a, b) for a, b in combinations(annotators, 2)},
        topic_alpha=topic_alpha,
        topic_mean=mean,
        topics_in_mean=counted,
        pair=pair_report(stance, *pair, stances, _disagreements(labels, comment_ids, *pair)) if pair else None,
    )


def check_pair(pair: tuple[str, str], annotators: Sequence[str]) -> None:
    """Raise `AnnotatorError` unless `pair` is two different annotators among `annotators`."""
    for name in pair:
        if name not in annotators:
            raise AnnotatorError(
                f"--pair: {name!r} is not an annotator (annotators: {', '.join(annotators)})",
                hint="an annotator is a file annotations/<name>.toml; gold.toml is not counted",
            )
    if pair[0] == pair[1]:
        raise AnnotatorError(f"--pair: name two different annotators, not {pair[0]!r} twice")


def pair_report(
    stance: Units | Table, a: str, b: str, stances: Sequence[str] = (), disagreements: Iterable[Disagreement] | None = None
) -> PairReport:
    """The stance confusion matrix of `a` against `b`, and the comments where they differ (found in
    `stance` when it gives them by comment, else given as `disagreements`)."""
    matrix = confusion_matrix(stance, a, b)
    seen = {value for cell in matrix for value in cell}
    if disagreements is None:
        assert not isinstance(stance, Table), "a counted table has no comment ids: give the disagreements"
        disagreements = (
            Disagreement(comment_id, judgments[a], judgments[b])
            for comment_id, judgments in stance.items()
            if a in judgments and b in judgments and judgments[a] != judgments[b]
        )
    return PairReport(a, b, ordered_labels(stances, seen), dict(matrix), tuple(disagreements))


def _disagreements(labels: Labels, comment_ids: list[str], a: str, b: str) -> list[Disagreement]:
    """The comments (in `comment_ids` order) to which `a` and `b` gave different stances."""
    ids = list(dict.fromkeys(comment_ids))
    found = []
    for comment_id, stance_a, stance_b in zip(ids, _stance_column(labels[a], ids), _stance_column(labels[b], ids)):
        if stance_a is not None and stance_b is not None and stance_a != stance_b:
            found.append(Disagreement(comment_id, stance_a, stance_b))
    return found


def _stance_column(entries: Mapping[str, Annotation], ids: list[str]) -> list[str | None]:
    """The stance of each of `ids` in `entries` (None where there is none)."""
    columns = _unchanged_columns(entries)
    if columns is not None:
        return gathered(map(columns.stances.__getitem__, columns.stance_codes), columns.aligned(ids), None)
    return [entries.get(comment_id, _NO_ENTRY).stance for comment_id in ids]


def _mean_alpha(figures: Iterable[Coefficient], units: int, coders: int) -> tuple[Coefficient, int]:
    """The mean of the defined figures, and how many there were."""
    values = [figure.value for figure in figures if figure.value is not None]
    if not values:
        return Coefficient(None, units, coders, "undefined: no topic has a defined alpha"), 0
    return Coefficient(sum(values) / len(values), units, coders), len(values)
