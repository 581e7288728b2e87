"""`annotator import-labels`: plain, Prodigy and our own records; problems by line; dry run; overwrite."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.core.store import AnnotationFile
from tests.core.labels_fixture import COMMENTS, labeled_project

SUMMARY = "{0}: {1} added, {2} changed, {3} unchanged, {4} kept (already labeled), {5} skipped\n"


def run(capsys, root: Path, *args: str) -> tuple[int, str, str]:
    code = main(["import-labels", "--project", str(root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def source(tmp_path: Path, *records: dict | str) -> str:
    path = tmp_path / "labels.jsonl"
    lines = [record if isinstance(record, str) else json.dumps(record, ensure_ascii=False) for record in records]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return str(path)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return labeled_project(tmp_path / "project")


def entries(root: Path, annotator: str) -> dict[str, tuple]:
    store = AnnotationFile.open(root, annotator)
    return {cid: (e.stance, e.topics, e.note, e.flagged) for cid, e in store.entries.items()}


def test_plain_records_by_id_or_text(root: Path, tmp_path: Path, capsys) -> None:
    src = source(
        tmp_path,
        {"id": "c1", "stance": "agree", "topics": ["scaling", "dl-theory"], "note": "model: 0.91"},
        {"text": "  " + COMMENTS[4]["text"] + " ", "stance": "neutral", "flagged": True},
        {"id": "c3", "topics": ["reasoning"]},
    )
    assert run(capsys, root, src, "--annotator", "model") == (
        0, "", SUMMARY.format("annotations/model.toml", 3, 0, 0, 0, 0)
    )
    assert entries(root, "model") == {
        "c1": ("agree", ("dl-theory", "scaling"), "model: 0.91", False),
        "c5": ("neutral", (), None, True),
        "c3": (None, ("reasoning",), None, False),
    }


def test_prodigy_answers(root: Path, tmp_path: Path, capsys) -> None:
    options = [{"id": "agree", "text": "agree"}, {"id": "scaling", "text": "scaling"}]
    src = source(
        tmp_path,
        {"text": COMMENTS[0]["text"], "options": options, "accept": ["agree", "scaling"], "answer": "accept"},
        {"text": "x", "meta": {"id": "c4"}, "accept": ["mixed"], "answer": "accept"},
        {"text": COMMENTS[1]["text"], "accept": ["agree"], "answer": "reject"},
        {"text": COMMENTS[2]["text"], "accept": [], "answer": "ignore"},
    )
    assert run(capsys, root, src, "--annotator", "dave") == (
        0, "", SUMMARY.format("annotations/dave.toml", 2, 0, 0, 0, 2)
    )
    assert entries(root, "dave") == {"c1": ("agree", ("scaling",), None, False), "c4": ("mixed", (), None, False)}


def test_problems_are_reported_by_line_and_nothing_changes(root: Path, tmp_path: Path, capsys) -> None:
    before = (root / "annotations" / "alice.toml").read_bytes()
    src = source(
        tmp_path,
        {"id": "c1", "stance": "agree"},
        {"id": "nope", "stance": "agree"},
        {"id": "c2", "stance": "sarcastic", "topics": ["scaling", "quantum"]},
        {"text": "A comment nobody wrote.", "stance": "agree"},
        {"meta": {"id": "c3"}, "accept": ["agree", "disagree"], "answer": "accept"},
        {"id": "c4", "accept": ["cooking"], "answer": "accept"},
        {"id": "c5", "flagged": "yes", "note": 3},
        {"id": "c1", "stance": "mixed"},
        "[1]",
        "{broken",
        {"stance": "agree"},
    )
    name = src
    code, out, err = run(capsys, root, src, "--annotator", "alice", "--overwrite")
    assert (code, out) == (1, "")
    assert err == (
        f"annotator: {name}:2: unknown comment id 'nope' (not in seeds/)\n"
        f"{name}:3: unknown stance 'sarcastic' (not in annotator.toml)\n"
        f"{name}:3: unknown topic 'quantum' (not in annotator.toml)\n"
        f"{name}:4: no comment in seeds/ has this text: 'A comment nobody wrote.'\n"
        f"{name}:5: more than one stance in accept: agree, disagree\n"
        f"{name}:6: unknown label 'cooking' in accept (not in annotator.toml)\n"
        f"{name}:7: \"note\" must be a string or null, got a number\n"
        f"{name}:7: \"flagged\" must be true or false, got a string\n"
        f"{name}:8: comment c1 is already labeled on line 1\n"
        f"{name}:9: expected a JSON object, got a list\n"
        f"{name}:10: not valid JSON: Expecting property name enclosed in double quotes (column 2)\n"
        f"{name}:11: expected an \"id\" or a \"text\" naming the comment\n"
        "  (no labels were changed; fix these lines and import again)\n"
    )
    assert (root / "annotations" / "alice.toml").read_bytes() == before


def test_dry_run_shows_the_changes_and_writes_nothing(root: Path, tmp_path: Path, capsys) -> None:
    src = source(
        tmp_path,
        {"id": "c1", "stance": "disagree", "topics": ["forecasting"]},
        {"id": "c3", "stance": "mixed", "note": "unsure: ε?", "flagged": True},
        {"id": "c4", "stance": "agree", "note": "two\nlines"},
        {"id": "c5", "stance": None, "topics": []},
    )
    before = sorted((path.name, path.read_bytes()) for path in (root / "annotations").iterdir())
    assert run(capsys, root, src, "--annotator", "alice", "--overwrite", "--dry-run") == (
        0,
        "change c1: stance agree -> disagree; topics scaling -> forecasting\n"
        'add c4: stance agree; note "two\\nlines"\n',
        "annotations/alice.toml: dry run, nothing written: would be 1 added, 1 changed, 1 unchanged, "
        "0 kept (already labeled), 1 skipped\n",
    )
    assert sorted((path.name, path.read_bytes()) for path in (root / "annotations").iterdir()) == before
    assert run(capsys, root, src, "--annotator", "newbie", "--dry-run")[0] == 0
    assert not (root / "annotations" / "newbie.toml").exists()


def test_existing_labels_are_kept_unless_overwrite(root: Path, tmp_path: Path, capsys) -> None:
    src = source(tmp_path, {"id": "c1", "stance": "neutral"}, {"id": "c4", "stance": "agree"})
    assert run(capsys, root, src, "--annotator", "alice") == (
        0, "", SUMMARY.format("annotations/alice.toml", 1, 0, 0, 1, 0)
    )
    assert entries(root, "alice")["c1"][0] == "agree"
    assert run(capsys, root, src, "--annotator", "alice", "--overwrite") == (
        0, "", SUMMARY.format("annotations/alice.toml", 0, 1, 1, 0, 0)
    )
    store = AnnotationFile.open(root, "alice")
    assert (store.get("c1").stance, store.get("c1").topics, store.get("c1").seconds) == ("neutral", ("scaling",), 20.0)


def test_a_line_without_labels_never_removes_labels(root: Path, tmp_path: Path, capsys) -> None:
    src = source(tmp_path, {"id": "c1", "stance": None, "topics": [], "flagged": True})
    assert run(capsys, root, src, "--annotator", "alice", "--overwrite") == (
        0, "", SUMMARY.format("annotations/alice.toml", 0, 1, 0, 0, 0)
    )
    assert entries(root, "alice")["c1"] == ("agree", ("scaling",), None, True)


def test_bad_annotator_name_is_a_usage_error(root: Path, tmp_path: Path, capsys) -> None:
    src = source(tmp_path, {"id": "c1", "stance": "agree"})
    with pytest.raises(SystemExit) as caught:
        run(capsys, root, src, "--annotator", "../evil")
    assert caught.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "annotator import-labels: error: argument --annotator: annotator name '../evil': is a path: a name has no "
        "'/' or '\\' (it becomes annotations/NAME.toml)")
    assert not (root / "annotations" / "evil.toml").exists()


def test_refused_while_the_app_has_the_annotator_open(tmp_path, capsys) -> None:
    from annotator.cli import main
    from annotator.core.lock import AnnotatorLock
    from annotator.core.store import annotation_path
    from tests.conftest import make_project

    root = make_project(tmp_path / "project")
    source = tmp_path / "labels.jsonl"
    source.write_text('{"text": "Notice that technical details are having a large impact here:", "stance": "agree"}\n', "utf-8")
    held = AnnotatorLock.for_file(annotation_path(root, "model")).acquire()  # the app, in effect
    try:
        code = main(["import-labels", str(source), "--annotator", "model", "--project", str(root)])
    finally:
        held.release()
    assert code == 1
    assert "model is already annotating in this project (pid " in capsys.readouterr().err
    assert not (root / "annotations" / "model.toml").exists()


def test_a_source_that_cannot_be_read_is_named_and_nothing_changes(root: Path, tmp_path: Path, capsys,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from annotator.core import seeds

    before = sorted((path.name, path.read_bytes()) for path in (root / "annotations").iterdir())
    missing = str(tmp_path / "missing.jsonl")
    assert run(capsys, root, missing, "--annotator", "alice") == (
        1, "", f"annotator: {missing}: cannot be read: No such file or directory\n")
    assert run(capsys, root, str(tmp_path), "--annotator", "alice") == (
        1, "", f"annotator: {tmp_path}: is a folder, not a file\n")
    src = source(tmp_path, {"id": "c1", "stance": "neutral"}, {"id": "c4", "stance": "agree"})

    class Failing(io.BytesIO):  # a disk that fails after the first block
        def read(self, size: int | None = -1) -> bytes:
            if self.tell():
                raise OSError(5, "Input/output error")
            return super().read(size)

    monkeypatch.setattr(seeds, "_BLOCK", 7)
    data, real_open = Path(src).read_bytes(), Path.open
    monkeypatch.setattr(Path, "open", lambda path, *args, **kwargs: (
        Failing(data) if str(path) == src else real_open(path, *args, **kwargs)))
    assert run(capsys, root, src, "--annotator", "alice", "--overwrite") == (
        1, "", f"annotator: {src}: cannot be read: Input/output error\n")
    assert sorted((path.name, path.read_bytes()) for path in (root / "annotations").iterdir()) == before


def test_a_source_read_in_many_blocks_or_from_stdin_gives_the_same_file(root: Path, tmp_path: Path, capsys,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    from annotator.core import models, seeds

    monkeypatch.setattr(models, "utc_now", lambda: datetime(2026, 11, 27, 12, 0, tzinfo=UTC))  # (one time in all files)
    records = [{"id": comment["id"], "stance": "agree", "note": f"line {number}\r\n"}
               for number, comment in enumerate(COMMENTS, start=1)]
    src = source(tmp_path, *records, "", "  ")
    assert run(capsys, root, src, "--annotator", "whole") == (0, "", SUMMARY.format("annotations/whole.toml", 5, 0, 0, 0, 0))
    monkeypatch.setattr(seeds, "_BLOCK", 7)
    assert run(capsys, root, src, "--annotator", "blocks") == (0, "", SUMMARY.format("annotations/blocks.toml", 5, 0, 0, 0, 0))
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(Path(src).read_bytes())))
    assert run(capsys, root, "-", "--annotator", "piped") == (0, "", SUMMARY.format("annotations/piped.toml", 5, 0, 0, 0, 0))
    whole = (root / "annotations" / "whole.toml").read_text("utf-8")
    for name in ("blocks", "piped"):
        assert (root / "annotations" / f"{name}.toml").read_text("utf-8") == whole.replace(
            'annotator = "whole"', f'annotator = "{name}"')
