"""`annotator import-comments`: new comments become a new seed file; bad rows leave seeds/ untouched."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.core.models import text_id
from annotator.core.seeds import load_seeds
from tests.conftest import make_project


def run(capsys, root: Path, *args: str) -> tuple[int, str, str]:
    code = main(["import-comments", "--project", str(root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def folder_state(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project", {"a.txt": "Already here.\n"})


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return str(path)


def test_jsonl_comments_are_added_as_a_new_seed_file(root: Path, tmp_path: Path, capsys) -> None:
    source = write(tmp_path, "forum dump.jsonl", "".join(json.dumps(record) + "\n" for record in [
        {"id": "f1", "text": "First new one.", "author": "ann", "score": 3},
        {"text": "Already here."},
        {"id": "f2", "text": "Second new one.", "url": "https://example.org/2"},
        {"id": "f1", "text": "First new one."},
    ]))
    assert run(capsys, root, source) == (
        0, "", "import-comments: added 2, skipped 2 already present (seeds/forum-dump.jsonl)\n"
    )
    assert (root / "seeds" / "forum-dump.jsonl").read_text("utf-8") == (
        '{"id": "f1", "text": "First new one.", "author": "ann", "score": 3}\n'
        '{"id": "f2", "text": "Second new one.", "url": "https://example.org/2"}\n'
    )
    corpus = load_seeds(root)
    assert [comment.id for comment in corpus.comments] == [text_id("Already here."), "f1", "f2"]
    assert corpus.by_id["f1"].meta == {"score": 3}


def test_importing_again_adds_nothing_and_writes_nothing(root: Path, tmp_path: Path, capsys) -> None:
    source = write(tmp_path, "new.txt", "One.\nTwo.\n")
    assert run(capsys, root, source)[0] == 0
    before = folder_state(root / "seeds")
    assert run(capsys, root, source) == (0, "", "import-comments: added 0, skipped 2 already present (nothing written)\n")
    assert folder_state(root / "seeds") == before


def test_a_free_name_is_chosen(root: Path, tmp_path: Path, capsys) -> None:
    (root / "seeds" / "new.jsonl").write_text('{"text": "Old."}\n', "utf-8")
    source = write(tmp_path, "new.jsonl", '{"text": "Newer."}\n')
    assert run(capsys, root, source)[2].endswith("(seeds/new-2.jsonl)\n")
    assert (root / "seeds" / "new-2.jsonl").read_text("utf-8") == f'{{"id": "{text_id("Newer.")}", "text": "Newer."}}\n'


def test_csv_with_other_field_names(root: Path, tmp_path: Path, capsys) -> None:
    source = write(tmp_path, "export.csv", 'post_id,body,author\np1,"Hello, ""world""",me\np2,Bye,\n')
    code, _, err = run(capsys, root, source, "--text-field", "body", "--id-field", "post_id")
    assert (code, err) == (0, "import-comments: added 2, skipped 0 already present (seeds/export.jsonl)\n")
    comments = load_seeds(root).by_id
    assert (comments["p1"].text, comments["p1"].author, comments["p2"].text) == ('Hello, "world"', "me", "Bye")


def test_stdin_with_a_format(root: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO("From stdin.\n".encode())))
    assert run(capsys, root, "-", "--format", "txt") == (
        0, "", "import-comments: added 1, skipped 0 already present (seeds/stdin.jsonl)\n"
    )


def test_bad_rows_are_all_reported_and_seeds_left_untouched(root: Path, tmp_path: Path, capsys) -> None:
    source = write(tmp_path, "bad.jsonl", "\n".join([
        '{"id": "n1", "text": "Fine."}',
        '{"id": "n2", "body": "no text field"}',
        "not json",
        "[1, 2]",
        '{"id": "n5", "text": "Fine too."}',
        '{"id": true, "text": "a boolean id"}',
        f'{{"id": "{text_id("Already here.")}", "text": "Same id, other text."}}',
    ]))
    before = folder_state(root / "seeds")
    assert run(capsys, root, source) == (1, "", (
        f"annotator: {source}:2: expected a non-empty \"text\" string, no \"text\" field\n"
        f"{source}:3: not valid JSON: Expecting value (column 1)\n"
        f"{source}:4: expected a JSON object with a \"text\" field, got a list\n"
        f"{source}:6: \"id\" must be a string or a number, got a boolean\n"
        f"{source}:7: id '{text_id('Already here.')}' is already the id of a different comment at seeds/a.txt:1\n"
        "  (nothing was written to seeds/; fix these rows and import again)\n"
    ))
    assert folder_state(root / "seeds") == before


def test_a_csv_row_with_too_many_fields(root: Path, tmp_path: Path, capsys) -> None:
    source = write(tmp_path, "rows.csv", "text\nfine\n\"two\",\"fields\"\n")
    code, _, err = run(capsys, root, source)
    assert (code, err.splitlines()[0]) == (1, f"annotator: {source}:3: more fields than the header names")
    assert sorted(path.name for path in (root / "seeds").iterdir()) == ["a.txt"]


def test_unreadable_source(root: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(root)
    assert run(capsys, root, "missing.jsonl") == (
        1, "", "annotator: missing.jsonl: cannot be read: No such file or directory\n"
    )


@pytest.mark.parametrize(("source", "shown"), [("-", "standard input"), ("notes.md", "notes.md")])
def test_a_source_of_no_known_format_needs_format(root: Path, capsys, monkeypatch, source: str, shown: str) -> None:
    """The command line lacks --format: a usage error (exit 2)."""
    monkeypatch.chdir(root)
    with pytest.raises(SystemExit) as caught:
        run(capsys, root, source)
    out, err = capsys.readouterr()
    assert (caught.value.code, out) == (2, "")
    assert err.splitlines()[-1] == (
        f"annotator import-comments: error: {shown}: cannot tell the format from the file name: "
        "give --format (txt, jsonl, csv)"
    )


def test_into_a_project_without_seeds_yet(tmp_path: Path, capsys) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    (root / "annotator.toml").write_text((Path(__file__).parents[2] / "annotator.toml").read_text("utf-8"), "utf-8")
    source = write(tmp_path, "first.txt", "The very first comment.\n")
    assert run(capsys, root, source)[0] == 0
    assert [comment.text for comment in load_seeds(root).comments] == ["The very first comment."]
