"""A small project whose comments reply to each other: threads, a missing parent, a self-parent,
a cycle and a deep chain, for the thread view's tests."""

from __future__ import annotations

import json
from pathlib import Path

from annotator.core.project import Project
from annotator.tui.app import AnnotatorApp, build_app
from tests.conftest import make_project
from tests.tui.conftest import NOW, FakeClock

# (id, parent, text), in seed order.
THREADED = [
    ("r1", None, "Root one: scaling laws keep holding for language models."),
    ("r2", None, "Root two: gradient descent finds flat minima by itself."),
    ("a", "r1", "Reply A to root one: only until the data runs out."),
    ("b", "a", "Reply B to A: synthetic data may push that further."),
    ("c", "r1", "Reply C to root one: the compute bills say otherwise."),
    ("d", "r2", "Reply D to root two: sharpness depends on the gradient noise."),
    ("x", "gone", "Orphan X: its parent is not in this corpus."),
    ("s", "s", "Self S: a comment that names itself as its parent."),
    ("y", "z", "Cycle Y: replies to Z, which replies to Y."),
    ("z", "y", "Cycle Z: replies to Y, which replies to Z."),
    ("e1", None, "Chain 1: the start of a long back-and-forth."),
    *((f"e{n}", f"e{n - 1}", f"Chain {n}: a reply {n - 1} deep in the gradient debate.") for n in range(2, 9)),
]
THREAD_ORDER = ["r1", "a", "b", "c", "r2", "d", "x", "s", "y", "z", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8"]


def threaded_project(root: Path) -> Path:
    """A copy of the bundled config with the comments above as its one seed file."""
    lines = [json.dumps({"id": id_, "text": text, **({"parent": parent} if parent else {})})
             for id_, parent, text in THREADED]
    return make_project(root, {"threads.jsonl": "\n".join(lines) + "\n"})


def threaded_app(root: Path, annotator: str = "alice") -> AnnotatorApp:
    return build_app(Project.open(threaded_project(root)), annotator, clock=FakeClock(), now=lambda: NOW)
