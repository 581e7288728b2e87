"""Adjudication: every other annotator's labels beside a comment, where they disagree, and what
can be accepted into the adjudicated file (`annotations/gold.toml`) as it is."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from annotator.core.models import Annotation
from annotator.core.store import GOLD, AnnotationFile, list_annotators


@dataclass(frozen=True, slots=True)
class Verdict:
    """One annotator's labels on one comment, as adjudication sees them."""

    annotator: str
    stance: str | None
    topics: tuple[str, ...]

    @classmethod
    def of(cls, annotator: str, entry: Annotation) -> Verdict:
        return cls(annotator, entry.stance, tuple(sorted(set(entry.topics))))


class Review:
    """The labels of the annotators other than `me` and gold, read once, indexed by comment."""

    def __init__(self, files: Iterable[AnnotationFile]) -> None:
        self.annotators: list[str] = []
        self._by_comment: dict[str, list[Verdict]] = {}
        for store in sorted(files, key=lambda f: f.annotator):
            self.annotators.append(store.annotator)
            for comment_id, entry in store.entries.items():
                if entry.is_labeled:
                    self._by_comment.setdefault(comment_id, []).append(Verdict.of(store.annotator, entry))

    @classmethod
    def load(cls, root: Path, me: str) -> Review:
        """Read every annotator's file under `root` except `me` and gold."""
        names = [name for name in list_annotators(root) if name not in {me, GOLD}]
        return cls(AnnotationFile.open(root, name) for name in names)

    def verdicts(self, comment_id: str) -> list[Verdict]:
        """The labels each other annotator gave `comment_id`, by annotator name."""
        return self._by_comment.get(comment_id, [])

    def disagree(self, comment_id: str) -> bool:
        """Two or more annotators labeled the comment, and not all the same way."""
        verdicts = self.verdicts(comment_id)
        return len(verdicts) > 1 and len({(v.stance, v.topics) for v in verdicts}) > 1

    def unanimous(self) -> dict[str, Verdict]:
        """Comments that two or more annotators labeled identically: the labels they agree on."""
        return {
            comment_id: verdicts[0]
            for comment_id, verdicts in self._by_comment.items()
            if len(verdicts) > 1 and len({(v.stance, v.topics) for v in verdicts}) == 1
        }
