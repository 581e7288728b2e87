"""A project folder: its label schema, its comments and its annotation files, opened together."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from annotator.core.config import CONFIG_NAME, Schema, load_config
from annotator.core.errors import AnnotatorError, Problem
from annotator.core.seeds import SEEDS_DIR, Corpus, load_seeds


@dataclass(frozen=True, slots=True)
class Project:
    """The schema and comments of the project at `root` (`annotator.core.labels` reads the labels)."""

    root: Path
    schema: Schema
    corpus: Corpus
    warnings: tuple[Problem, ...]

    @classmethod
    def open(cls, root: Path, before_seeds: Callable[[], None] | None = None) -> Project:
        """Read `annotator.toml` and `seeds/` under `root`; raise `AnnotatorError` on bad input.
        `before_seeds` is called in between (the app waits there for a child reading the seeds)."""
        loaded = load_config(project_folder(root))
        if before_seeds is not None:
            before_seeds()
        corpus = load_seeds(root)
        return cls(root, loaded.schema, corpus, loaded.warnings + corpus.warnings)


def project_folder(root: Path) -> Path:
    """`root`, if it is a project folder (one with `annotator.toml` or `seeds/`); else an
    `AnnotatorError` that says what a project needs and how to make one."""
    if not root.exists():
        problem = "no such folder"
    elif not root.is_dir():
        problem = "not a folder"
    elif not (root / CONFIG_NAME).exists() and not (root / SEEDS_DIR).exists():
        problem = f"not an annotator project: it has no {CONFIG_NAME} and no {SEEDS_DIR}/"
    else:
        return root
    raise AnnotatorError(
        f"{root}: {problem}",
        hint=f"a project is a folder with {CONFIG_NAME}, the labels to choose from, and {SEEDS_DIR}/, the "
        f"comments to label: give --project one, or make one with `annotator init {shlex.quote(str(root))}`",
    )
