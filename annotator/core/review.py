"""Adjudication: every other annotator's labels beside a comment, where they disagree field by
field, and what can be accepted into the adjudicated file (`annotations/gold.toml`) as it is."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.core.models import Annotation
from annotator.core.labels import LabelFile, labels_state, read_labels
from annotator.core.store import GOLD

# The fields gold can take from one annotator, in the order they are shown; `LABELS` are those
# that accepting an annotator wholesale takes (a note and a flag are that annotator's own remarks).
TAKEN_FIELDS = ("stance", "topics", "note", "flagged")
LABELS = ("stance", "topics")


@dataclass(frozen=True, slots=True)
class Verdict:
    """One annotator's labels on one comment, as adjudication sees them."""

    annotator: str
    stance: str | None
    topics: tuple[str, ...]
    note: str | None = None
    flagged: bool = False
    seconds: float = 0.0

    @classmethod
    def of(cls, annotator: str, entry: Annotation) -> Verdict:
        return cls(annotator, entry.stance, tuple(sorted(set(entry.topics))), entry.note, entry.flagged, entry.seconds)

    def value(self, name: str) -> Any:
        """The value of field `name` (one of `TAKEN_FIELDS`)."""
        return getattr(self, name)

    @property
    def labels(self) -> tuple[str | None, tuple[str, ...]]:
        return self.stance, self.topics

    @property
    def is_labeled(self) -> bool:
        return self.stance is not None or bool(self.topics)

    @property
    def remarked(self) -> bool:
        """Flagged, or with a note: the annotator said something a bulk accept should not skip over."""
        return self.flagged or bool(self.note)


@dataclass(frozen=True, slots=True)
class BulkPlan:
    """What accepting every unanimous comment would do: the labels of the comments no annotator
    flagged or wrote a note on (`clean`), and of those where one did (`remarked`)."""

    clean: dict[str, tuple[str | None, tuple[str, ...]]]
    remarked: dict[str, tuple[str | None, tuple[str, ...]]]


class Review:
    """The labels of the annotators other than `me` and gold, read once, indexed by comment."""

    def __init__(self, files: Iterable[LabelFile], state: tuple[object, ...] = ()) -> None:
        self.state = state  # the files' state the read began with (`labels_state`)
        self.annotators: list[str] = []
        self._by_comment: dict[str, list[Verdict]] = {}
        for store in sorted(files, key=lambda f: f.annotator):
            self.annotators.append(store.annotator)
            for comment_id, entry in store.entries.items():
                if entry.is_labeled or entry.note or entry.flagged:
                    self._by_comment.setdefault(comment_id, []).append(Verdict.of(store.annotator, entry))

    @classmethod
    def load(cls, root: Path, me: str, state: tuple[object, ...] | None = None) -> Review:
        """Read every annotator's file under `root` except `me` and gold (`state`: theirs,
        `state_of`, taken just before)."""
        state = cls.state_of(root, me) if state is None else state
        return cls(read_labels(root, gold=False, leave_out={me}).values(), state)

    @staticmethod
    def state_of(root: Path, me: str) -> tuple[object, ...]:
        """The state of the files a review for `me` reads: another than a review's `state`, and
        that review is out of date."""
        return labels_state(root, {me, GOLD})

    def verdicts(self, comment_id: str) -> list[Verdict]:
        """What each other annotator gave `comment_id` (labels, a note or a flag), by annotator name."""
        return self._by_comment.get(comment_id, [])

    def verdict(self, comment_id: str, annotator: str) -> Verdict | None:
        return next((v for v in self.verdicts(comment_id) if v.annotator == annotator), None)

    def differing(self, comment_id: str) -> list[str]:
        """The fields (of `TAKEN_FIELDS`) on which the annotators of `comment_id` differ: none when
        fewer than two said anything."""
        verdicts = self.verdicts(comment_id)
        if len(verdicts) < 2:
            return []
        return [name for name in TAKEN_FIELDS if len({verdict.value(name) for verdict in verdicts}) > 1]

    def disagree(self, comment_id: str) -> bool:
        """Two or more annotators labeled the comment, and not all the same way."""
        labeled = [verdict for verdict in self.verdicts(comment_id) if verdict.is_labeled]
        return len(labeled) > 1 and len({verdict.labels for verdict in labeled}) > 1

    def remarked(self, comment_id: str) -> bool:
        """An annotator flagged the comment or wrote a note on it."""
        return any(verdict.remarked for verdict in self.verdicts(comment_id))

    def unanimous(self) -> BulkPlan:
        """Comments that two or more annotators labeled identically, split by whether any
        annotator flagged the comment or wrote a note on it."""
        plan = BulkPlan({}, {})
        for comment_id, verdicts in self._by_comment.items():
            labeled = [verdict for verdict in verdicts if verdict.is_labeled]
            if len(labeled) < 2 or len({verdict.labels for verdict in labeled}) > 1:
                continue
            target = plan.remarked if any(verdict.remarked for verdict in verdicts) else plan.clean
            target[comment_id] = labeled[0].labels
        return plan
