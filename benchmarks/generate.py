"""Synthetic projects: forum-reply-like comments and three annotators' labels, from a fixed seed.

A project is the repository's `annotator.toml`, one `seeds/comments.jsonl`, and
`annotations/{alice,bob,carol}.toml` written through `AnnotationFile`, in a git repository with two
commits: the labels as generated, then the same with 1% of the entries changed (for `diff`).
The seeds are written as they are drawn; what the labels need of each comment is kept in compact
columns, so a project of 1,000,000 comments can be generated without holding its text.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from array import array
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from annotator.core.config import load_config
from annotator.core.models import Annotation, excerpt, text_id
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
    first: str  # the first comment's text
    labeled: dict[str, int]  # annotator -> comments with a stance or topics
    seeds_bytes: int = 0  # the size of `seeds/comments.jsonl`
    snapshot: dict[str, tuple[int, int]] = field(default_factory=dict)  # annotations/ as committed: size, mtime

    @property
    def annotations(self) -> Path:
        return self.root / ANNOTATIONS_DIR

    @property
    def kept(self) -> Path:
        """Copies of `annotations/` as committed (beside the project, outside git)."""
        return self.root.parent / "annotations-as-committed"

    def keep(self) -> None:
        """Copy `annotations/` aside, to `reset` from: on disk, not in memory (hundreds of MB at 1,000,000)."""
        self.kept.mkdir(exist_ok=True)
        for path in self.annotations.iterdir():
            shutil.copy2(path, self.kept / path.name)
            stat = path.stat()
            self.snapshot[path.name] = (stat.st_size, stat.st_mtime_ns)

    def reset(self) -> None:
        """Put `annotations/` back as committed: drop new files (journals, imports), restore the rest."""
        for path in self.annotations.iterdir():
            if path.name not in self.snapshot:
                path.unlink()
        for name, state in self.snapshot.items():
            target = self.annotations / name
            try:
                stat = target.stat()
                same = (stat.st_size, stat.st_mtime_ns) == state
            except FileNotFoundError:
                same = False
            if not same:
                shutil.copy2(self.kept / name, target)  # (copy2 keeps the mtime: `same` next time)


def comment_text(rng: random.Random) -> str:
    """One forum reply of 20 to 120 words: an opener, sentences of 6 to 18 words, sometimes a closer.
    The words are drawn in one call (drawing them sentence by sentence took most of the time)."""
    target = rng.randint(*WORDS)
    opener = rng.choice(_OPENERS)
    words = opener.split()
    body = rng.choices(_VOCABULARY, k=max(1, target - len(words)))
    start = 0
    while start < len(body):
        sentence = body[start:start + rng.randint(6, 18)]
        start += len(sentence)
        if words[-1][-1] in ".?!:":
            sentence[0] = sentence[0].capitalize()
        if rng.random() < 0.1:
            sentence.insert(rng.randrange(len(sentence)), f"({rng.randint(2, 2000)})")
        sentence[-1] += rng.choice(".....?!")
        words += sentence
    closer = rng.choice(_CLOSERS).split()
    if rng.random() < 0.2 and len(words) + len(closer) <= WORDS[1]:
        words += closer
    return " ".join(words)


@dataclass
class Corpus:
    """What the labels need of each comment, kept compact: its id, its excerpt, a hidden 'true'
    stance (an index) and topics (a bit mask), in corpus order."""

    ids: list[str] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    stances: array = field(default_factory=lambda: array("B"))
    topics: array = field(default_factory=lambda: array("H"))
    first: str = ""


def write_seeds(root: Path, size: int, rng: random.Random, stances: int, topics: int) -> Corpus:
    """`seeds/comments.jsonl`, written as it is generated: one reply per line with an author and,
    for most, a parent. Identical texts would be one comment, so a text whose id was seen is drawn again."""
    folder = root / "seeds"
    folder.mkdir(parents=True)
    corpus = Corpus()
    seen: set[str] = set()
    with (folder / "comments.jsonl").open("w", encoding="utf-8", buffering=1 << 20) as handle:
        while len(corpus.ids) < size:
            text = comment_text(rng)
            comment_id = text_id(text)
            if comment_id in seen:
                continue
            seen.add(comment_id)
            number = len(corpus.ids)
            record = {"text": text, "author": f"user{rng.randrange(5000)}"}
            if number and rng.random() < 0.8:
                record["parent"] = corpus.ids[rng.randrange(number)]
            handle.write(json.dumps(record) + "\n")
            corpus.first = corpus.first or text
            corpus.ids.append(comment_id)
            corpus.quotes.append(excerpt(text))
            corpus.stances.append(rng.randrange(stances))
            corpus.topics.append(sum(1 << bit for bit in rng.sample(range(topics), rng.randint(0, 3))))
    return corpus


def write_annotations(root: Path, corpus: Corpus, rng: random.Random, stage: Path) -> dict[str, int]:
    """Each annotator labels 90% of the comments, mostly agreeing with the hidden 'true' label.
    One annotator at a time: the file as first committed goes to `annotations/`, and the same
    with 1% of the entries given another stance (the second commit, for `diff`) to `stage`."""
    schema = load_config(root).schema
    stances, topics = schema.stance_names, schema.topic_names
    base = datetime(2026, 11, 1, tzinfo=UTC)
    labeled: dict[str, int] = {}
    for annotator in ANNOTATORS:
        path = root / ANNOTATIONS_DIR / f"{annotator}.toml"
        store = AnnotationFile(path, annotator)
        for comment_id, quote, true_stance, mask in zip(corpus.ids, corpus.quotes, corpus.stances, corpus.topics):
            if rng.random() >= LABELED:
                continue
            stance = rng.choice(stances) if rng.random() < 0.2 else stances[true_stance]
            chosen = {name for bit, name in enumerate(topics) if mask >> bit & 1}
            if rng.random() < 0.15:
                chosen ^= {rng.choice(topics)}
            note = " ".join(rng.choices(_VOCABULARY, k=rng.randint(3, 12))) if rng.random() < NOTED else None
            entry = Annotation(
                stance=stance, topics=tuple(sorted(chosen)), note=note, flagged=rng.random() < FLAGGED,
                seconds=round(rng.uniform(3, 120), 1), updated=base + timedelta(seconds=rng.randrange(2_000_000)),
            )
            store.set(comment_id, entry, quote)  # (the excerpt of an excerpt is itself)
        store.save()
        labeled[annotator] = sum(entry.is_labeled for entry in store.entries.values())
        first = stage / f"{annotator}.first"
        shutil.copy2(path, first)
        for comment_id in rng.sample(sorted(store.entries), max(1, round(len(store.entries) * CHANGED))):
            entry = store.entries[comment_id]
            store.set(comment_id, entry.replace(stance=rng.choice([name for name in stances if name != entry.stance])))
        store.save()
        os.replace(path, stage / f"{annotator}.second")
        os.replace(first, path)
        del store
    return labeled


def git(root: Path, *args: str) -> None:
    """Run git quietly in `root`, as a fixed identity, failing loudly (light compression: the
    files are hundreds of MB at 1,000,000 comments)."""
    identity = ("-c", "user.name=benchmark", "-c", "user.email=benchmark@example.invalid", "-c", "commit.gpgsign=false",
                "-c", "core.compression=1")
    subprocess.run(["git", *identity, *args], cwd=root, check=True, capture_output=True)


def build_project(root: Path, size: int, seed: int = SEED) -> SyntheticProject:
    """Generate a project of `size` comments at `root` (which must not exist yet). Nothing is read
    from or written to the parse cache, and the comments are not kept in memory: at 1,000,000
    comments this takes about N minutes and M MiB."""
    rng = random.Random(seed)
    root.mkdir(parents=True)
    shutil.copy(REPO / "annotator.toml", root / "annotator.toml")
    schema = load_config(root).schema
    corpus = write_seeds(root, size, rng, len(schema.stance_names), len(schema.topic_names))
    (root / ANNOTATIONS_DIR).mkdir()
    stage = root.parent / "second-commit"
    stage.mkdir()
    git(root, "init", "-q", "-b", "main")
    cache = os.environ.get("ANNOTATOR_CACHE_DIR")
    os.environ["ANNOTATOR_CACHE_DIR"] = "off"  # (not the user's cache, nor the measured one)
    try:
        labeled = write_annotations(root, corpus, rng, stage)
    finally:
        if cache is None:
            del os.environ["ANNOTATOR_CACHE_DIR"]
        else:
            os.environ["ANNOTATOR_CACHE_DIR"] = cache
    first = corpus.first
    del corpus
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "generated labels")
    for annotator in ANNOTATORS:
        os.replace(stage / f"{annotator}.second", root / ANNOTATIONS_DIR / f"{annotator}.toml")
    stage.rmdir()
    git(root, "commit", "-q", "-am", "1% of the labels changed")
    project = SyntheticProject(root, size, first, labeled, (root / "seeds" / "comments.jsonl").stat().st_size)
    project.keep()
    return project
