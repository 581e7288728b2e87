"""Generate the sample project in this folder: a forum discussion in threads, to try the app on.

    .venv/bin/python docs/sample/make.py            # rewrite docs/sample/
    annotator --project docs/sample --annotator you  # then label it

It writes `annotator.toml` (the default labels, plus a `[target]`: the post the whole discussion
answers), `seeds/threads.jsonl` (36 comments in five threads: replies name their `parent`; a few
quote the passage they answer in `context`; one answers a comment that was deleted, so its parent is
not in the corpus) and `annotations/sample.toml` (a few labels). The comments were written for
this sample. The output is the same on every run: the tests check that the committed files are
what this script makes.
"""

from __future__ import annotations

import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from annotator.core.config import default_config_text
from annotator.core.models import Annotation
from annotator.core.store import AnnotationFile

HERE = Path(__file__).resolve().parent
URL = "https://forum.example.org/t/scaling-and-reasoning"
LABELED_AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

TARGET = {
    "title": "Will scaling alone get language models to reliable multi-step reasoning?",
    "text": (
        "Each new model generation solves more of the puzzle sets we keep around, but the failures look\n"
        "the same as ever: a long chain of steps where one early slip ruins the answer. Is that just a\n"
        "matter of more parameters and data, or does it need something else (search, tools, a symbolic\n"
        "component)? Curious where people here land, and why."
    ),
    "url": URL,
}

# The comments, in seed order, one block each: a line `id parent author` (a parent of `-` answers
# the post itself), then the text; a block's `context:` lines (indented after the first) are the
# passage the comment answers. Lines of a text or context are joined with spaces.
THREADS = """
a1 - mira
Scale has beaten every specific prediction of a wall so far. I'd bet on it again: the slips you
describe got rarer with each generation, and nothing says that trend stops.

a2 a1 tobias
Rarer is not the same as gone. If each step has a 1% error rate, a 200-step chain still fails
most of the time. Scale shrinks the rate; it doesn't change the compounding.

a3 a2 mira
Sure, but the per-step rate has been falling fast enough that the 200-step chain is now mostly
right on the puzzles I track. Compounding cuts both ways.

a4 a2 jun
This is the part people skip. Exponential decay of the success rate with length is visible in
every eval I've run, at every size.

a5 a4 mira
Visible at every size, yes, with the curve moving right each time. That's my whole point.

a6 a1 priya
Which predictions of a wall do you mean? Some of the ones I remember were about benchmarks that
turned out to be in the training data.

a7 a6 mira
Fair challenge. Arithmetic on long numbers, and the classic logic grid puzzles. Both were called
impossible for a next-token predictor, both fell without any change of method.

a8 a7 priya
The logic grids fell after the puzzle sites were scraped, though. I'd want a fresh set before I
count that one.

a9 a1 oskar
Agree with the bet, disagree with the reason. It won't be scale alone, it'll be scale plus a lot
of boring engineering that nobody writes papers about.

b1 - jun
Chain of thought is already the 'something else'. The model writes down its steps and reads them
back. That's a scratchpad, not more parameters.

b2 b1 elena
A scratchpad the model fills in with the same weights. I'd call it a better use of scale, not a
new ingredient.

b3 b2 jun
Then everything is a better use of scale and the question in the post has no content.

b4 b3 elena
Ha, fair. My real point: the gains come from letting the model spend more compute per answer.
Whether we call that scale is a naming question.

b5 b1 sam
The written steps are often not how the model got the answer. I've seen it write a wrong step
and then the right result anyway. So it's a scratchpad only some of the time.

b6 b5 jun
True, the steps are not always faithful. It still helps on average, which is what matters for
the post's question.

b7 b5 tobias
This. If the trace doesn't cause the answer, you can't debug the reasoning by reading it.

b8 b1 priya
Do you have numbers for how much it helps on long chains specifically? Most reports I see
average over short problems.

b9 b8 jun
Not public ones, sorry. On our internal set the gap grows with chain length, roughly doubling
from 10 to 40 steps.

c1 - sam
Before arguing, look at what the write-up linked in the post actually measured.
context: From the write-up linked in the post: "Accuracy on our held-out puzzle set rose from
  31% to 58% between the two model sizes, with no change to prompting."

c2 c1 elena
A jump like that on a held-out set is hard to explain with memorization. I find it convincing.

c3 c1 oskar
Held out from what, though? The puzzles are generated from templates that have been public for
years. New instances of an old template are not new problems.

c4 c3 sam
They address that further down.
context: From the same write-up: "To rule out template leakage we wrote 40 puzzle types from
  scratch; the larger model's advantage held on those."

c5 c4 oskar
Forty types is thin, but fine, that's better than I assumed. I take back the strongest version
of my objection.

c6 c1 mira
Also worth reading the error analysis at the end. Most of the remaining failures are the
early-slip kind from the post.

c7 c6 tobias
Which supports my compounding point more than the scaling one, I'd say.

c8 - lena
Meta point: every thread like this ends up arguing about benchmarks instead of the question. Can
we agree on one test we'd accept in advance?

c9 c8 priya
Fresh puzzles written after the training cutoff, long chains, no tools. I'd accept that.

d1 - hugo
It needs a symbolic component. Neural nets are good at guessing which step to take and bad at
keeping a long derivation exact; a solver is the opposite.

d2 d1 jun
Tool use gets you most of that without changing the model. Let it call a solver when it needs
exactness.

d3 d2 hugo
Calling a solver is a symbolic component. We agree more than it sounds.

d4 d1 mira
Every hybrid system I've tried was beaten a year later by a bigger plain model. I've stopped
betting on them.

d5 d4 hugo
Beaten on the benchmark, maybe. Not on the cost per correct answer, which is what I care about
in production.

d6 d0 sam
Replying to the deleted comment above: no, the solver approach doesn't need hand-written rules
for each domain, the model writes the formal problem and the solver does the rest.

d7 d6 lena
When it writes the formal problem correctly. That translation step is where I see most errors.

d8 d1 oskar
What would change your mind? If a plain model passes the test from the other thread, do you drop
the symbolic requirement?

d9 d8 hugo
Yes, if it passes at a reasonable cost. I'd be surprised, but I'd drop it.
"""


def comments() -> list[tuple[str, str | None, str, str, str | None]]:
    """(id, parent, author, text, context) of each comment in `THREADS`."""
    found = []
    for block in THREADS.strip().split("\n\n"):
        head, *lines = block.split("\n")
        comment_id, parent, author = head.split()
        text, _, context = " ".join(lines).partition(" context: ")
        if text.startswith("context: "):
            text, context = "", text.removeprefix("context: ")
        found.append((comment_id, None if parent == "-" else parent, author, text, " ".join(context.split()) or None))
    return found


# One annotator's labels on a few comments: (stance, topics, note, flagged).
LABELS: dict[str, tuple[str | None, tuple[str, ...], str | None, bool]] = {
    "a1": ("agree", ("scaling",), None, False),
    "a2": ("disagree", ("scaling", "reasoning"), None, False),
    "a6": ("neutral", ("memorization",), "A question, but a pointed one.", False),
    "b2": ("mixed", ("reasoning",), None, False),
    "c3": ("disagree", ("memorization",), None, False),
    "d6": ("disagree", ("symbolic-ai",), "The parent was deleted: judged from the reply alone.", True),
}


def config_text() -> str:
    """The default labels, with the discussion's post as the project's target."""
    lines = ["", "# The post every comment of this sample answers, shown above a comment with no parent.",
             "[target]"]
    lines += [f"{key} = {json.dumps(value)}" if "\n" not in value else f'{key} = """\n{value}"""'
              for key, value in TARGET.items()]
    return default_config_text() + "\n".join(lines) + "\n"


def seed_lines() -> str:
    records = []
    for comment_id, parent, author, text, context in comments():
        record = {"id": comment_id, "text": text, "author": author, "url": f"{URL}#{comment_id}"}
        if parent is not None:
            record["parent"] = parent
        if context is not None:
            record["context"] = context
        records.append(json.dumps(record, ensure_ascii=False) + "\n")
    return "".join(records)


def make(root: Path) -> None:
    """Write the sample project into `root` (its seeds and annotations are replaced)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "annotator.toml").write_text(config_text(), "utf-8")
    for folder in ("seeds", "annotations"):
        shutil.rmtree(root / folder, ignore_errors=True)
        (root / folder).mkdir()
    (root / "seeds" / "threads.jsonl").write_text(seed_lines(), "utf-8")
    texts = {comment_id: text for comment_id, _, _, text, _ in comments()}
    store = AnnotationFile.open(root, "sample")
    for comment_id, (stance, topics, note, flagged) in LABELS.items():
        store.set(comment_id, Annotation(stance, topics, note, flagged, updated=LABELED_AT), text=texts[comment_id])
    store.save()


if __name__ == "__main__":
    make(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
