"""Who labels which comment: the `[assign]` plan of `annotator.toml` applied to the comment ids.

Nothing per comment is stored. Each comment goes to the `overlap` (k) annotators with the highest
score for it, by weighted rendezvous (highest-random-weight) hashing:

    x     = BLAKE2b with an 8-byte digest of salt, NUL, annotator, NUL, comment id (UTF-8),
            read as a big-endian integer, of which the top 52 bits are kept (x >> 12)
    u     = (x + 0.5) / 2**52                  (uniform, strictly in (0, 1): exact in a float)
    score = -weight / ln(u)

Ties (never seen in practice) go to the annotator whose name sorts first. The calibration
comments (the first N in seed order, or the ids listed) go to every annotator. So:

- a comment's annotators depend on its id and the plan only: adding comments moves nothing;
- adding an annotator moves to them, and only to them, the comments where they score in the top
  k (about k/n of the comments, 1/n of the assignments); removing one moves only theirs, each to
  the annotator who was next;
- with k = 1, each annotator gets a share of the comments proportional to their weight.

With k > 1 and unequal weights, a plain top-k draw would give a light annotator more than their
share (no one can hold a comment twice, so the heavy ones saturate). The weights are therefore
first adjusted, once per plan, so that each annotator's chance of holding a comment is k times
their share of the total weight (capped at every comment): `effective_weights`. Equal weights
(the default) and k = 1 need no adjustment, and keep the moves above exact; adjusted weights
change a little when someone joins or leaves, so a few comments also move between the others.
Past about 20 annotators with an overlap of 4 (see `weights_adjusted`) the weights are used as they
are, and `annotator assign` says so.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress, repeat
from math import comb
from operator import add, ge, itemgetter, mul

from annotator.core import cache
from annotator.core.config import CONFIG_NAME, AssignPlan
from annotator.core.errors import AnnotatorError
from annotator.core.perf import paused_gc
from annotator.core.rendezvous import score, score_columns, uniform

_HUGE = 1e12  # the weight of an annotator who holds every comment
ADJUST_LIMIT = 30_000  # see `weights_adjusted`


def annotator_key(salt: str, annotator: str) -> bytes:
    """What comes before the comment id in one annotator's hashes: salt, NUL, name, NUL."""
    return f"{salt}\0{annotator}\0".encode()


# Weights -------------------------------------------------------------------------------------


def inclusion(weights: Sequence[float], k: int) -> list[float]:
    """Each annotator's chance to be among the top k, with scores -w/ln(u) (k draws without
    replacement, each in proportion to weight): summed over the sets drawn before them."""
    n = len(weights)
    total = sum(weights)
    chance = [0.0] * n
    layer: dict[tuple[int, ...], float] = {(): 1.0}  # the first draws (as a set) -> their probability
    for size in range(min(k, n)):
        following: dict[tuple[int, ...], float] = {}
        for drawn, p in layer.items():
            rest = total - sum(weights[i] for i in drawn)
            for i in range(n):
                if i in drawn:
                    continue
                q = p * weights[i] / rest
                chance[i] += q
                if size + 1 < k:
                    key = tuple(sorted((*drawn, i)))
                    following[key] = following.get(key, 0.0) + q
        layer = following
    return chance


def target_shares(weights: Sequence[float], k: int) -> list[float]:
    """Each annotator's share of the comments: k times their share of the weight, at most every
    comment (what one cannot take is shared among the others by weight)."""
    n = len(weights)
    full: set[int] = set()
    while True:
        rest = sum(w for i, w in enumerate(weights) if i not in full)
        slots = k - len(full)
        shares = [1.0 if i in full else slots * w / rest for i, w in enumerate(weights)]
        over = {i for i in range(n) if i not in full and shares[i] > 1.0}
        if not over:
            return shares
        full |= over


def weights_adjusted(plan: AssignPlan) -> bool:
    """Whether the plan's weights are adjusted (`effective_weights`): with unequal weights and an
    overlap above 1, unless the annotators are too many for the exact computation (its cost grows
    as n times the number of sets of fewer than k of them: 20 annotators with overlap 4 is about
    the most that stays well under a second), when the weights are used as they are."""
    n, k = len(plan.annotators), plan.overlap
    if k == 1 or k >= n or len({plan.weight(name) for name in plan.annotators}) == 1:
        return False
    return n * sum(comb(n, j) for j in range(k)) <= ADJUST_LIMIT


def effective_weights(plan: AssignPlan) -> dict[str, float]:
    """The weights the scores use, by annotator: the plan's, or adjusted (see the module) so that
    each annotator's share is proportional to their plan weight."""
    names = sorted(plan.annotators)
    weights = tuple(plan.weight(name) for name in names)
    if not weights_adjusted(plan):
        return dict(zip(names, weights, strict=True))
    return dict(zip(names, _adjusted(weights, plan.overlap), strict=True))


@lru_cache(maxsize=16)
def _adjusted(weights: tuple[float, ...], k: int) -> tuple[float, ...]:
    """Weights whose top-k inclusion chances are `target_shares(weights, k)` (computed once per plan)."""
    target = target_shares(weights, k)
    adjusted = [_HUGE if share >= 1.0 else weight for share, weight in zip(target, weights, strict=True)]
    for _ in range(500):
        chance = inclusion(adjusted, k)
        if max(abs(c - t) for c, t in zip(chance, target, strict=True) if t < 1.0) < 1e-12:
            break
        adjusted = [a if t >= 1.0 else a * t / c for a, t, c in zip(adjusted, target, chance, strict=True)]
    return tuple(adjusted)


# The plan on a corpus -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Assignment:
    """The plan applied to the comments. Each comment (by position in seed order) has a code, one
    byte per comment in `codes`, naming its set of annotators in `sets` (indices into
    `annotators`, the sorted names): a handful of distinct sets, so per-annotator questions are
    answered by byte operations rather than a loop over the comments."""

    plan: AssignPlan
    annotators: tuple[str, ...]
    comment_ids: tuple[str, ...]
    calibration: frozenset[str]
    sets: tuple[tuple[int, ...], ...]
    codes: bytes | array[int]  # bytes while there are at most 256 distinct sets
    unknown_calibration: tuple[str, ...]  # listed calibration ids that are not comments
    named_sets: tuple[tuple[str, ...], ...] = field(init=False)  # `sets` with the annotators' names

    def __post_init__(self) -> None:
        names = self.annotators
        object.__setattr__(self, "named_sets", tuple(tuple(names[i] for i in chosen) for chosen in self.sets))

    @property
    def overlap(self) -> int:
        return self.plan.overlap

    @property
    def chosen(self) -> tuple[tuple[int, ...], ...]:
        """Each comment's annotators (indices into `annotators`), in seed order."""
        sets = self.sets
        return tuple(sets[code] for code in self.codes)

    def assignees(self, position: int) -> tuple[str, ...]:
        """The annotators who have the comment at `position`, sorted."""
        return self.named_sets[self.codes[position]]

    def mask(self, annotator: str) -> bytes:
        """One byte per comment: 1 where `annotator` has it, else 0 (all 0 if not in the plan)."""
        if annotator not in self.annotators:
            return bytes(len(self.codes))
        me = self.annotators.index(annotator)
        if isinstance(self.codes, bytes):
            table = bytes(1 if me in chosen else 0 for chosen in self.sets).ljust(256, b"\0")
            return self.codes.translate(table)
        holds = [me in chosen for chosen in self.sets]
        return bytes(holds[code] for code in self.codes)

    def positions(self, annotator: str) -> list[int]:
        """The positions (in seed order) of the comments `annotator` has; [] if not in the plan."""
        mask = self.mask(annotator)
        return list(compress(range(len(mask)), mask))

    def counts(self) -> dict[str, int]:
        """How many comments each annotator has (calibration included), by name."""
        counts = [0] * len(self.annotators)
        for code, chosen in enumerate(self.sets):
            times = self.codes.count(code)
            for i in chosen:
                counts[i] += times
        return dict(zip(self.annotators, counts, strict=True))


def project_assignment(plan: AssignPlan | None, comment_ids: Sequence[str]) -> Assignment:
    """`assign(plan, comment_ids)`; `AnnotatorError` when the project has no plan."""
    if plan is None:
        raise AnnotatorError(
            f"{CONFIG_NAME}: no [assign] table: this project has no plan of who labels what",
            hint='add one, e.g. [assign] with annotators = ["alice", "bob", "carol"] and overlap = 2 '
            "(see the README, Working as a team)",
        )
    return assign(plan, comment_ids)


def calibration_ids(plan: AssignPlan, comment_ids: Sequence[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The calibration comments among `comment_ids`, and the listed ids that are not there."""
    count = plan.calibration_count
    if count is not None:
        return frozenset(comment_ids[:count]), ()
    known = set(comment_ids)
    listed = plan.calibration
    return frozenset(i for i in listed if i in known), tuple(i for i in listed if i not in known)


def assign(plan: AssignPlan, comment_ids: Sequence[str]) -> Assignment:
    """Apply `plan` to the comments `comment_ids` (in seed order). The top-k sets depend only on
    the names, weights, salt, overlap and ids, so they are kept in the parse cache
    (`annotator.core.cache`): 100,000 comments cost ~0.4 s the first time, a few ms after."""
    names = tuple(sorted(plan.annotators))
    weights = effective_weights(plan)
    encoded = list(map(str.encode, comment_ids))
    what = repr((CODES_VERSION, names, [weights[name] for name in names], plan.salt, plan.overlap)).encode()
    where = cache.key("assign", what + b"\0" + b"\n".join(encoded))
    known = _from_cache(cache.load(where), len(encoded), len(names))
    if known is not None:
        sets, codes = known
    else:
        with paused_gc():
            sets, codes = _top_sets(names, weights, plan.salt, plan.overlap, encoded)
        wide = isinstance(codes, array)
        cache.save(where, ([list(chosen) for chosen in sets], codes.tobytes() if wide else codes, wide))
    calibration, unknown = calibration_ids(plan, comment_ids)
    if calibration:
        sets, codes = _with_calibration(sets, codes, comment_ids, calibration, len(names))
    return Assignment(plan, names, tuple(comment_ids), calibration, sets, codes, unknown)


CODES_VERSION = 1  # of the cached sets and codes


def _from_cache(known: object, comments: int, annotators: int) -> tuple[tuple[tuple[int, ...], ...], bytes | array[int]] | None:
    """The sets and codes of a cached value, or None when it does not have the shape `_top_sets`
    gives (a damaged entry is computed again)."""
    if not (isinstance(known, tuple) and len(known) == 3 and isinstance(known[0], list) and isinstance(known[1], bytes)):
        return None
    listed, data, wide = known
    codes: bytes | array[int] = data
    if wide:
        codes = array("I")
        if len(data) % codes.itemsize:
            return None
        codes.frombytes(data)
    fits = all(isinstance(chosen, list) and all(type(i) is int and 0 <= i < annotators for i in chosen) for chosen in listed)
    if not fits or len(codes) != comments or (codes and max(codes) >= len(listed)):
        return None
    return tuple(tuple(chosen) for chosen in listed), codes


def _top_sets(
    names: tuple[str, ...], weights: dict[str, float], salt: str, k: int, encoded: list[bytes]
) -> tuple[tuple[tuple[int, ...], ...], bytes | array[int]]:
    """The distinct top-k sets and each comment's code into them (no calibration)."""
    everyone = tuple(range(len(names)))
    if k >= len(names):
        return (everyone,), bytes(len(encoded))
    columns = score_columns([(annotator_key(salt, name), weights[name]) for name in names], encoded)
    return _chosen(columns, k)


def _chosen(columns: list[list[float]], k: int) -> tuple[tuple[tuple[int, ...], ...], bytes | array[int]]:
    """The top-k sets of the scores in `columns` (one list per annotator), and each row's code.

    Each row's k-th highest score is its cut; an annotator is in when their score reaches it. Each
    step runs over whole columns in C (a loop per row in Python was most of the time). A row whose
    scores tie at the cut (which exact floats almost never do) is ranked one by one, ties going to
    the annotator who sorts first."""
    n = len(columns)
    cut = list(map(itemgetter(n - k), map(sorted, zip(*columns, strict=True))))
    masks = list(map(ge, columns[0], cut))
    for i in range(1, n):
        masks = list(map(add, masks, map(mul, map(ge, columns[i], cut), repeat(1 << i))))
    if any(mask.bit_count() != k for mask in set(masks)):
        everyone = range(n)
        for position, mask in enumerate(masks):
            if mask.bit_count() != k:
                row = [column[position] for column in columns]
                masks[position] = sum(1 << i for i in sorted(everyone, key=row.__getitem__, reverse=True)[:k])
    code_of = {mask: code for code, mask in enumerate(dict.fromkeys(masks))}
    sets = tuple(tuple(i for i in range(n) if mask >> i & 1) for mask in code_of)
    return sets, _packed(list(map(code_of.__getitem__, masks)), len(sets))


def _with_calibration(
    sets: tuple[tuple[int, ...], ...], codes: bytes | array[int], comment_ids: Sequence[str],
    calibration: frozenset[str], annotators: int,
) -> tuple[tuple[tuple[int, ...], ...], bytes | array[int]]:
    """`codes` with the calibration comments given to everyone."""
    everyone = tuple(range(annotators))
    if everyone not in sets:
        sets = (*sets, everyone)
    code = sets.index(everyone)
    changed = list(codes)
    for position, comment_id in enumerate(comment_ids):
        if comment_id in calibration:
            changed[position] = code
    return sets, _packed(changed, len(sets))


def _packed(codes: list[int], distinct: int) -> bytes | array[int]:
    return bytes(codes) if distinct <= 256 else array("I", codes)


# Explaining one comment ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """One annotator's claim on one comment."""

    annotator: str
    weight: float  # the weight the score used (adjusted, see `effective_weights`)
    u: float
    score: float
    rank: int  # 1: the highest score
    chosen: bool


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a comment goes to whom: every annotator's score and rank, or the calibration set."""

    comment_id: str
    calibration: bool
    overlap: int
    candidates: tuple[Candidate, ...]  # by rank

    @property
    def assignees(self) -> tuple[str, ...]:
        return tuple(sorted(c.annotator for c in self.candidates if c.chosen))


def explain(plan: AssignPlan, comment_id: str, calibration: Iterable[str]) -> Explanation:
    """The scores behind `comment_id`'s annotators (`calibration`: the plan's calibration ids)."""
    weights = effective_weights(plan)
    names = sorted(plan.annotators)
    rows = []
    for name in names:
        u = uniform(annotator_key(plan.salt, name), comment_id)
        rows.append((name, weights[name], u, score(weights[name], u)))
    ranked = sorted(rows, key=lambda row: row[3], reverse=True)  # (stable: ties to the first name)
    in_calibration = comment_id in set(calibration)
    candidates = tuple(
        Candidate(name, weight, u, value, rank, in_calibration or rank <= plan.overlap)
        for rank, (name, weight, u, value) in enumerate(ranked, start=1)
    )
    return Explanation(comment_id, in_calibration, plan.overlap, candidates)
