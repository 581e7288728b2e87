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
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, combinations

from annotator.core.errors import AnnotatorError
from annotator.core.models import Annotation

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


# Krippendorff's alpha ------------------------------------------------------------------------


def krippendorff_alpha(units: Units) -> Coefficient:
    """Krippendorff's alpha, nominal metric, on `units` (missing values allowed)."""
    pairable: list[Hashable] = []
    disagreement = 0.0
    unit_count = 0
    for judgments in units.values():
        values = list(judgments.values())
        m = len(values)
        if m < 2:
            continue
        unit_count += 1
        pairable.extend(values)
        disagreement += (m * m - _matching_pairs(values)) / (m - 1)
    if not unit_count:
        return Coefficient(None, 0, 0, NO_PAIRABLE)
    n = len(pairable)
    expected = n * n - sum(count * count for count in Counter(pairable).values())
    coders = len(_pairable_coders(units))
    if expected == 0:
        return Coefficient(None, unit_count, coders, ONE_VALUE)
    return Coefficient(1 - (n - 1) * disagreement / expected, unit_count, coders)


def presence_alphas(
    units: Mapping[str, Mapping[str, Collection[str]]], names: Iterable[str]
) -> dict[str, Coefficient]:
    """Krippendorff's alpha of each of `names` as present (1) or absent (0), in one pass.

    `units` gives the names each coder chose on each unit; a coder in a unit judged every name,
    so not choosing one is judging it absent. Equal to `krippendorff_alpha` on each name's 0/1
    table, without building those tables: with two values, a unit of m values of which k are 1
    has 2k(m - k) disagreeing pairs, and the expected disagreement is 2 n_1 n_0.
    """
    n = 0
    unit_count = 0
    present: Counter[str] = Counter()
    disagreement: dict[str, float] = {}
    for judgments in units.values():
        m = len(judgments)
        if m < 2:
            continue
        unit_count += 1
        n += m
        tally: dict[str, int] = {}
        for name in chain.from_iterable(judgments.values()):
            tally[name] = tally.get(name, 0) + 1
        for name, k in tally.items():
            present[name] += k
            disagreement[name] = disagreement.get(name, 0.0) + 2 * k * (m - k) / (m - 1)
    if not unit_count:
        return {name: Coefficient(None, 0, 0, NO_PAIRABLE) for name in names}
    coders = len(_pairable_coders(units))
    figures = {}
    for name in names:
        expected = 2 * present[name] * (n - present[name])
        if expected == 0:
            figures[name] = Coefficient(None, unit_count, coders, ONE_VALUE)
        else:
            figures[name] = Coefficient(1 - (n - 1) * disagreement[name] / expected, unit_count, coders)
    return figures


def _matching_pairs(values: list[Hashable]) -> int:
    """How many ordered pairs of `values` (each value with itself included) are equal: sum of n_c^2."""
    distinct = set(values)
    if len(distinct) == 1:
        return len(values) ** 2
    if len(distinct) == len(values):
        return len(values)
    return sum(values.count(value) ** 2 for value in distinct)


def _pairable_coders(units: Mapping[str, Mapping[str, object]]) -> set[str]:
    """The coders with a value in a unit that has two or more."""
    return {coder for judgments in units.values() if len(judgments) >= 2 for coder in judgments}


# Fleiss' kappa -------------------------------------------------------------------------------


def fleiss_kappa(units: Units) -> Coefficient:
    """Fleiss' kappa on the units with two or more values; only when they all have as many."""
    rated = [list(judgments.values()) for judgments in units.values() if len(judgments) >= 2]
    if not rated:
        return Coefficient(None, 0, 0, NO_PAIRABLE)
    coders = len(_pairable_coders(units))
    sizes = {len(values) for values in rated}
    if len(sizes) > 1:
        reason = f"not computed: comments have {min(sizes)} to {max(sizes)} annotators"
        return Coefficient(None, len(rated), coders, reason)
    m = sizes.pop()
    total = len(rated) * m
    chance = sum((count / total) ** 2 for count in Counter(chain.from_iterable(rated)).values())
    if chance == 1:
        return Coefficient(None, len(rated), coders, ONE_VALUE)
    observed = (sum(_matching_pairs(values) for values in rated) - total) / (total * (m - 1))
    return Coefficient((observed - chance) / (1 - chance), len(rated), coders)


# Cohen's kappa -------------------------------------------------------------------------------


def paired_values(units: Units, a: str, b: str) -> list[tuple[Hashable, Hashable]]:
    """The values of coders `a` and `b` on each unit both judged, in unit order."""
    return [(judgments[a], judgments[b]) for judgments in units.values() if a in judgments and b in judgments]


def cohen_kappa(units: Units, a: str, b: str) -> Coefficient:
    """Cohen's kappa between coders `a` and `b`, on the units both judged."""
    pairs = paired_values(units, a, b)
    n = len(pairs)
    if not n:
        return Coefficient(None, 0, 0, NOT_SHARED)
    observed = sum(1 for value_a, value_b in pairs if value_a == value_b) / n
    of_a = Counter(value for value, _ in pairs)
    of_b = Counter(value for _, value in pairs)
    chance = sum(count * of_b[value] for value, count in of_a.items()) / (n * n)
    if chance == 1:
        return Coefficient(None, n, 2, ONE_VALUE)
    return Coefficient((observed - chance) / (1 - chance), n, 2)


def confusion_matrix(units: Units, a: str, b: str) -> Counter[tuple[Hashable, Hashable]]:
    """How many units got each (value of `a`, value of `b`), on the units both judged."""
    return Counter(paired_values(units, a, b))


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


def labeled_units(labels: Labels, comment_ids: Iterable[str]) -> dict[str, dict[str, Annotation]]:
    """The comments (in `comment_ids` order) that two or more annotators labeled, with those entries.

    An entry counts when it has a stance or a topic; a note or a flag alone is no judgment.
    """
    units: dict[str, dict[str, Annotation]] = {}
    for comment_id in comment_ids:
        entries = {}
        for annotator, entries_of in labels.items():
            entry = entries_of.get(comment_id)
            if entry is not None and (entry.stance is not None or entry.topics):  # entry.is_labeled, inlined
                entries[annotator] = entry
        if len(entries) >= 2:
            units[comment_id] = entries
    return units


def stance_units(units: Mapping[str, Mapping[str, Annotation]]) -> dict[str, dict[str, str]]:
    """The stance each annotator chose on each unit, leaving out entries with topics only."""
    return {
        comment_id: {name: entry.stance for name, entry in entries.items() if entry.stance is not None}
        for comment_id, entries in units.items()
    }


def topic_units(units: Mapping[str, Mapping[str, Annotation]]) -> dict[str, dict[str, tuple[str, ...]]]:
    """The topics each annotator chose on each unit (none chosen is a judgment too)."""
    return {
        comment_id: {name: entry.topics for name, entry in entries.items()} for comment_id, entries in units.items()
    }


def ordered_labels(known: Sequence[str], seen: Iterable[str]) -> tuple[str, ...]:
    """`known` labels in their order, then any other label in `seen`, sorted."""
    return tuple(known) + tuple(sorted(set(seen) - set(known)))


def agreement_report(
    labels: Labels,
    comment_ids: Iterable[str],
    stances: Sequence[str] = (),
    topics: Sequence[str] = (),
    pair: tuple[str, str] | None = None,
) -> Report:
    """All figures for `labels`, on `comment_ids`; `stances` and `topics` are the schema's labels.

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
    units = labeled_units(labels, comment_ids)
    if not units:
        raise AnnotatorError(
            "no comment was labeled by two annotators: there is nothing to compare",
            hint="agreement is measured on the comments that at least two annotators labeled",
        )
    stance = stance_units(units)
    topic_alpha = presence_alphas(topic_units(units), ordered_labels(topics, _topics_chosen(units)))
    mean, counted = _mean_alpha(topic_alpha.values(), len(units), len(_pairable_coders(units)))
    return Report(
        annotators=annotators,
        comments=len(units),
        stance_alpha=krippendorff_alpha(stance),
        stance_fleiss=fleiss_kappa(stance),
        stance_cohen={(a, b): cohen_kappa(stance, a, b) for a, b in combinations(annotators, 2)},
        topic_alpha=topic_alpha,
        topic_mean=mean,
        topics_in_mean=counted,
        pair=pair_report(stance, *pair, stances) if pair else None,
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


def pair_report(stance: Units, a: str, b: str, stances: Sequence[str] = ()) -> PairReport:
    """The stance confusion matrix of `a` against `b`, and the comments where they differ."""
    matrix = confusion_matrix(stance, a, b)
    seen = {value for cell in matrix for value in cell}
    disagreements = tuple(
        Disagreement(comment_id, judgments[a], judgments[b])
        for comment_id, judgments in stance.items()
        if a in judgments and b in judgments and judgments[a] != judgments[b]
    )
    return PairReport(a, b, ordered_labels(stances, seen), dict(matrix), disagreements)


def _topics_chosen(units: Mapping[str, Mapping[str, Annotation]]) -> set[str]:
    return {topic for entries in units.values() for entry in entries.values() for topic in entry.topics}


def _mean_alpha(figures: Iterable[Coefficient], units: int, coders: int) -> tuple[Coefficient, int]:
    """The mean of the defined figures, and how many there were."""
    values = [figure.value for figure in figures if figure.value is not None]
    if not values:
        return Coefficient(None, units, coders, "undefined: no topic has a defined alpha"), 0
    return Coefficient(sum(values) / len(values), units, coders), len(values)
