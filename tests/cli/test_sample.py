"""The sample project in docs/sample: what its script makes, valid, with threads and every kind of target."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from annotator.cli import main
from annotator.core.project import Project
from annotator.core.targets import CONTEXT, MISSING, PARENT, PROJECT, target_of
from tests.conftest import REPO

SAMPLE = REPO / "docs" / "sample"


def files(root: Path) -> dict[str, bytes]:
    """The project's files (not the script, nor a journal or cache someone's run left behind)."""
    paths = (path for path in sorted(root.rglob("*")) if path.is_file() and path.name != "make.py")
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in paths
            if not any(part.startswith((".", "__")) for part in path.relative_to(root).parts)}


def test_the_committed_sample_is_what_its_script_makes(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_sample", SAMPLE / "make.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.make(tmp_path / "sample")
    assert files(tmp_path / "sample") == files(SAMPLE)
    assert list(files(SAMPLE)) == ["annotations/sample.toml", "annotator.toml", "seeds/threads.jsonl"]


def test_the_sample_is_valid_and_has_every_kind_of_target(capsys) -> None:
    assert main(["validate", "--project", str(SAMPLE)]) == 0
    assert capsys.readouterr().out == "36 comments, 1 annotation file, 6 entries: all valid\n"
    project = Project.open(SAMPLE)
    kinds = [target_of(comment, project.corpus.by_id.get, project.schema.target) for comment in project.corpus.comments]
    counts = {kind: sum(1 for target in kinds if target is not None and target.kind == kind)
              for kind in (PARENT, CONTEXT, MISSING, PROJECT)}
    assert counts == {PARENT: 30, CONTEXT: 1, MISSING: 1, PROJECT: 4}
