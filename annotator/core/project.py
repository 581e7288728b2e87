"""A project folder: its label schema, its comments and its annotation files, opened together."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core.errors import AnnotatorError, Problem
from annotator.core.seeds import Corpus, load_seeds
from annotator.core.store import ANNOTATIONS_DIR, list_annotators

if TYPE_CHECKING:
    from annotator.core.config import Schema


@dataclass(frozen=True, slots=True)
class Project:
    """The schema and comments of the project at `root`; annotation files are opened on demand."""

    root: Path
    schema: Schema
    corpus: Corpus
    warnings: tuple[Problem, ...]

    @classmethod
    def open(cls, root: Path) -> Project:
        """Read `annotator.toml` and `seeds/` under `root`; raise `AnnotatorError` on bad input."""
        from annotator.core.config import load_config  # (it brings pydantic, 80 ms: the app starts without)

        loaded = load_config(project_folder(root))
        corpus = load_seeds(root)
        return cls(root, loaded.schema, corpus, loaded.warnings + corpus.warnings)

    @property
    def annotations_dir(self) -> Path:
        return self.root / ANNOTATIONS_DIR

    def annotators(self) -> list[str]:
        """Annotators with a file in `annotations/`, sorted."""
        return list_annotators(self.root)


def project_folder(root: Path) -> Path:
    """`root`, if it is a folder; else `AnnotatorError`."""
    if not root.is_dir():
        raise AnnotatorError(f"{root}: no such folder", hint="give --project a project folder")
    return root
