"""Shared fixtures: small projects in temporary folders."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True, scope="session")
def parse_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The parse cache of every test (and of the programs they start) in a folder of the test run,
    not in the user's cache folder."""
    folder = tmp_path_factory.mktemp("parse-cache")
    before = os.environ.get("ANNOTATOR_CACHE_DIR")
    os.environ["ANNOTATOR_CACHE_DIR"] = str(folder)
    yield folder
    if before is None:
        del os.environ["ANNOTATOR_CACHE_DIR"]
    else:
        os.environ["ANNOTATOR_CACHE_DIR"] = before


def make_project(root: Path, seeds: dict[str, str | bytes] | None = None, config: str | None = None) -> Path:
    """A project at `root`: the repository's config (or `config`) and the given seed files
    (default: the bundled seeds)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "annotator.toml").write_text(
        config if config is not None else (REPO / "annotator.toml").read_text("utf-8"), "utf-8"
    )
    folder = root / "seeds"
    folder.mkdir(exist_ok=True)
    if seeds is None:
        for path in (REPO / "seeds").iterdir():
            shutil.copy(path, folder / path.name)
    else:
        for name, content in seeds.items():
            target = folder / name
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, "utf-8")
    (root / "annotations").mkdir(exist_ok=True)
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the bundled project (config and seeds), with no annotations."""
    return make_project(tmp_path / "project")
