"""Synthetic projects: forum-reply-like comments and three annotators' labels, from a fixed seed.

A project is the repository's `annotator.toml`, one `seeds/comments.jsonl`, and
`annotations/{alice,bob,carol}.toml` written through `AnnotationFile`, in a git repository with two
commits: the labels as generated, then the same with 1% of the entries changed (for `diff`).
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from annotator.core.config import load_config
from annotator.core.models import Annotation, text_id
from annotator.core.store import ANNOTATIONS_DIR, AnnotationFile

REPO = Path(__file__).resolve().parent.parent
SEED = 20261127
ANNOTATORS = ("alice", "bob", "carol")
LABELED = 0.90
NOTED = 0.10
FLAGGED = 0.05
CHANGED = 0.01  # share of each annotator's entries changed by the second commit
WORDS = (20, 120)

_OPENERS = (
    "I think", "Thanks for sharing this.", "I disagree with the framing here.", "Good point, but",
    "This matches my experience:", "I'm not sure that follows.", "To add to this,", "Minor nitpick:",
    "Strongly agree.", "Could you clarify what you mean by", "As far as I can tell,", "Honestly,",
)
_VOCABULARY = """
the a of to and in that is it for on with as this be are was not but by or have from they you
we can at if more than which there their so what about would one all when will just like also
model models training data scaling compute loss gradient network networks layer layers weights
parameters transformer attention benchmark benchmarks paper papers result results claim argument
evidence theory theorem proof intuition initialization reasoning chain thought memorization code
symbolic search planning forecast timeline progress capability capabilities language prediction
tokens prompt prompting behaviour failure generalization overfitting regularization optimizer
learning rate batch size dataset distribution circuit circuits interpretability feature features
experiment experiments baseline ablation variance noise signal argument point question answer
reason example counterexample case cases intuition analogy mechanism hypothesis assumption
actually probably clearly roughly mostly really still already often rarely usually maybe
large small deep shallow simple complex rigorous empirical practical theoretical useful wrong
right important interesting surprising obvious plausible unclear specific general recent older
think believe suspect agree disagree argue show suggest expect predict explain measure train
""".split()
_CLOSERS = (
    "Curious what others think.", "Happy to be corrected.", "See the appendix for details.",
    "That seems like the crux.", "I'd love to see this replicated.", "Just my two cents.",
)


@dataclass
class SyntheticProject:
    """A generated project, and what the measurements need to know about it."""

    root: Path
    size: int
    comments: list[str]
    labeled: dict[str, int]  # annotator -> comments with a stance or topics
    snapshot: dict[str, bytes] = field(default_factory=dict)  # annotations/ as committed

    @property
    def annotations(self) -> Path:
        return self.root / ANNOTATIONS_DIR

    def reset(self) -> None:
        """Put `annotations/` back as committed: drop new files (journals, imports), restore the rest."""
        for path in self.annotations.iterdir():
            if path.name not in self.snapshot:
                path.unlink()
        for name, data in self.snapshot.items():
            target = self.annotations / name
            if not target.exists() or target.read_bytes() != data:
                target.write_bytes(data)


def comment_text(rng: random.Random) -> str:
    """One forum reply of 20 to 120 words: an opener, sentences of 6 to 18 words, sometimes a closer."""
    target = rng.randint(*WORDS)
    words = rng.choice(_OPENERS).split()
    while len(words) < target:
        sentence = rng.choices(_VOCABULARY, k=min(rng.randint(6, 18), target - len(words)))
        if words[-1][-1] in ".?!:":
            sentence[0] = sentence[0].capitalize()
        if rng.random() < 0.1:
            sentence.insert(rng.randrange(len(sentence)), f"({rng.randint(2, 2000)})")
        words += sentence[:-1] + [sentence[-1] + rng.choice(".....?!")]
    closer = rng.choice(_CLOSERS).split()
    if rng.random() < 0.2 and len(words) + len(closer) <= WORDS[1]:
        words += closer
    return " ".join(words)


def write_seeds(root: Path, texts: list[str], rng: random.Random) -> None:
    """`seeds/comments.jsonl`: one reply per line with an author and, for most, a parent."""
    folder = root / "seeds"
    folder.mkdir(parents=True)
    with (folder / "comments.jsonl").open("w", encoding="utf-8") as handle:
        for number, text in enumerate(texts):
            record = {"text": text, "author": f"user{rng.randrange(5000)}"}
            if number and rng.random() < 0.8:
                record["parent"] = text_id(texts[rng.randrange(number)])
            handle.write(json.dumps(record) + "\n")


def write_annotations(root: Path, texts: list[str], rng: random.Random) -> dict[str, int]:
    """Each annotator labels 90% of the comments, mostly agreeing with a hidden 'true' label."""
    schema = load_config(root).schema
    stances, topics = schema.stance_names, schema.topic_names
    base = datetime(2026, 11, 1, tzinfo=UTC)
    truth = [(rng.choice(stances), rng.sample(topics, rng.randint(0, 3))) for _ in texts]
    labeled: dict[str, int] = {}
    for annotator in ANNOTATORS:
        store = AnnotationFile((root / ANNOTATIONS_DIR / f"{annotator}.toml"), annotator)
        for text, (stance, chosen) in zip(texts, truth):
            if rng.random() >= LABELED:
                continue
            if rng.random() < 0.2:
                stance = rng.choice(stances)
            if rng.random() < 0.15:
                chosen = sorted(set(chosen) ^ {rng.choice(topics)})
            note = " ".join(rng.choices(_VOCABULARY, k=rng.randint(3, 12))) if rng.random() < NOTED else None
            entry = Annotation(
                stance=stance, topics=tuple(chosen), note=note, flagged=rng.random() < FLAGGED,
                seconds=round(rng.uniform(3, 120), 1), updated=base + timedelta(seconds=rng.randrange(2_000_000)),
            )
            store.set(text_id(text), entry, text)
        store.save()
        labeled[annotator] = sum(entry.is_labeled for entry in store.entries.values())
    return labeled


def change_some_labels(root: Path, rng: random.Random) -> None:
    """Give 1% of each annotator's entries another stance (the second commit, for `diff`)."""
    stances = load_config(root).schema.stance_names
    for annotator in ANNOTATORS:
        store = AnnotationFile.open(root, annotator)
        for comment_id in rng.sample(sorted(store.entries), max(1, round(len(store.entries) * CHANGED))):
            entry = store.entries[comment_id]
            other = rng.choice([name for name in stances if name != entry.stance])
            store.set(comment_id, entry.replace(stance=other))
        store.save()


def git(root: Path, *args: str) -> None:
    """Run git quietly in `root`, as a fixed identity, failing loudly."""
    identity = ("-c", "user.name=benchmark", "-c", "user.email=benchmark@example.invalid", "-c", "commit.gpgsign=false")
    subprocess.run(["git", *identity, *args], cwd=root, check=True, capture_output=True)


def build_project(root: Path, size: int, seed: int = SEED) -> SyntheticProject:
    """Generate a project of `size` comments at `root` (which must not exist yet)."""
    rng = random.Random(seed)
    texts: list[str] = []
    seen: set[str] = set()
    while len(texts) < size:
        text = comment_text(rng)
        if text not in seen:  # identical texts would be one comment
            seen.add(text)
            texts.append(text)
    root.mkdir(parents=True)
    shutil.copy(REPO / "annotator.toml", root / "annotator.toml")
    write_seeds(root, texts, rng)
    (root / ANNOTATIONS_DIR).mkdir()
    git(root, "init", "-q", "-b", "main")
    labeled = write_annotations(root, texts, rng)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "generated labels")
    change_some_labels(root, rng)
    git(root, "commit", "-q", "-am", "1% of the labels changed")
    project = SyntheticProject(root, size, texts, labeled)
    project.snapshot = {path.name: path.read_bytes() for path in project.annotations.iterdir()}
    return project
