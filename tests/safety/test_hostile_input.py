"""Hostile input: each case gets a clear message naming the file (and the line, where there is one)
or is read correctly; never a traceback, a hang, or a file written over.

Covered elsewhere, and not repeated here: as load errors, invalid UTF-8, a NUL byte, a BOM with
CRLF and lone CR line ends in a .txt, a JSONL line that is a list, deeply nested JSON, CSV with
embedded newlines and quotes, duplicated ids (`tests/core/test_seeds.py`); duplicate keys, a
navigation key, an empty stance list, label names with spaces or quotes, an unknown key, a missing
config (`tests/core/test_config.py`); wrong value types, an unparseable file, conflict markers, a
symlink, an empty file, bad annotator names as paths (`tests/core/test_store.py`); unknown
stances and topics, a topic twice, orphans (`tests/cli/test_validate.py`).

This file adds what `annotator validate` says about each broken fixture in `tests/data/broken/`,
the sizes (a 10 MB line, a million blank lines, a 100 MB annotation file), what had no test (a
folder, a pipe or a symlinked journal where a file should be, a time zone-less time in the
future), and annotator names given on the command line.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.core.models import Annotation
from annotator.core.seeds import SeedError, load_seeds
from annotator.core.store import AnnotationFile, StoreError
from tests.conftest import DATA, make_project
from tests.core.gitrepo import isolate_git

BROKEN = DATA / "broken"
SEEDS = '{"id": "c1", "text": "First comment."}\n{"id": "c2", "text": "Second comment."}\n'


def validate(capsys, root: Path) -> tuple[int, list[str], str]:
    """`annotator validate`: exit code, stderr lines, stdout."""
    code = main(["validate", "--project", str(root)])
    out, err = capsys.readouterr()
    return code, err.splitlines(), out


def project(tmp_path: Path, seeds: dict[str, str | bytes] | None = None) -> Path:
    return make_project(tmp_path / "project", seeds or {"base.jsonl": SEEDS})


# Seeds -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("invalid-utf8.txt", ["seeds/invalid-utf8.txt:2: not UTF-8 (byte 0xff at offset 21)", "  (save the file as UTF-8)"]),
        ("nul-byte.txt", ["seeds/nul-byte.txt:2: contains a NUL byte: is it a text file?"]),
        ("list-line.jsonl", ['seeds/list-line.jsonl:2: expected a JSON object with a "text" field, got a list']),
        ("duplicate-ids.jsonl", [
            "seeds/duplicate-ids.jsonl:3: id 'x' is already the id of a different comment at seeds/duplicate-ids.jsonl:1",
            "  (give each comment its own id)"]),
        ("unclosed-quote.csv", [
            "seeds/unclosed-quote.csv:3: not valid CSV: ',' expected after '\"'",
            '  (a field in quotes ends with a quote just before the comma or the line end; a quote inside it '
            'is written twice (""))']),
        ("too-many-fields.csv", ["seeds/too-many-fields.csv:3: more fields than the header names"]),
    ],
)
def test_validate_reports_each_broken_seed_file(tmp_path: Path, capsys, fixture: str, expected: list[str]) -> None:
    root = project(tmp_path, {fixture: (BROKEN / "seeds" / fixture).read_bytes()})
    code, lines, out = validate(capsys, root)
    assert code == 1
    assert lines[:-1] == expected
    assert lines[-1].startswith("annotator validate: 0 comments")


def test_a_quote_never_closed_at_the_end_of_a_csv_is_an_error_not_a_swallowed_file(tmp_path: Path) -> None:
    """The csv module reads an unclosed quote to the end of the file: every later row silently
    became part of one comment."""
    root = project(tmp_path, {"a.csv": 'id,text\nx1,fine\nx2,"never closed\nx3,lost\nx4,lost too\n'})
    with pytest.raises(SeedError, match=r"^seeds/a\.csv:3: not valid CSV: a quoted field starts here and is never closed"):
        load_seeds(root)


def test_bom_crlf_and_lone_cr_are_read_with_the_right_lines(tmp_path: Path) -> None:
    root = project(tmp_path, {name: (BROKEN / "seeds" / name).read_bytes() for name in ("bom-crlf.csv", "lone-cr.jsonl")})
    comments = [(c.id, c.text, c.source, c.line) for c in load_seeds(root).comments]
    assert comments == [
        ("b1", "a BOM, CRLF line ends\r\nand a quoted newline", "seeds/bom-crlf.csv", 2),
        ("b2", 'say "hi"', "seeds/bom-crlf.csv", 4),
        ("r1", "lone CR line ends", "seeds/lone-cr.jsonl", 1),
        ("r2", "second", "seeds/lone-cr.jsonl", 2),
    ]


def test_a_10_mb_line_is_one_comment(tmp_path: Path, capsys) -> None:
    root = project(tmp_path, {"a.txt": "word " * 2_000_000 + "\nsecond\n"})
    corpus = load_seeds(root)
    assert [len(c.text) for c in corpus.comments] == [9_999_999, 6]
    assert validate(capsys, root)[0] == 0


def test_a_10_mb_csv_field_is_a_clear_error(tmp_path: Path) -> None:
    """Python's CSV reader stops at 131,072 characters a field; the message says what that
    usually means (a quote never closed) and where a comment that long fits."""
    root = project(tmp_path, {"a.csv": 'id,text\nx1,"' + "word " * 2_000_000 + '"\n'})
    with pytest.raises(SeedError) as caught:
        load_seeds(root)
    assert str(caught.value).startswith(
        "seeds/a.csv:2: not valid CSV: a field longer than 131,072 characters starts here (a quote never closed?)")
    assert "fits in a .jsonl file" in str(caught.value)


def test_a_million_blank_lines_are_read_and_counted(tmp_path: Path) -> None:
    """(No time limit here: a test is not a benchmark. Blank lines once cost a Python call each.)"""
    blank = 1_000_000
    root = project(tmp_path, {
        "a.txt": "\n" * blank + "text\n",
        "b.jsonl": "\r\n" * blank + '{"text": "json"}\n',
        "c.csv": "text\n" + "\n" * blank + "csv\n",
    })
    corpus = load_seeds(root)
    # (The CSV line used to be 2: the csv module skips blank lines without counting them for us.)
    assert [(c.source, c.line) for c in corpus.comments] == [
        ("seeds/a.txt", blank + 1), ("seeds/b.jsonl", blank + 1), ("seeds/c.csv", blank + 2)]


def test_deeply_nested_json_is_reported_by_validate(tmp_path: Path, capsys) -> None:
    root = project(tmp_path, {"a.jsonl": '{"text": "ok"}\n' + "[" * 100_000 + "]" * 100_000 + "\n"})
    code, lines, _ = validate(capsys, root)
    assert (code, lines[0]) == (1, "seeds/a.jsonl:2: JSON nested too deeply")


def test_toml_nested_too_deeply_is_reported_not_a_traceback(tmp_path: Path, capsys) -> None:
    """tomllib recurses into arrays: thousands deep, it ran out of stack, in an annotation file
    (every command) and in annotator.toml."""
    root = project(tmp_path)
    nested = "x = " + "[" * 5000 + "]" * 5000 + "\n"
    bob = root / "annotations" / "bob.toml"
    bob.write_text('format = 1\nannotator = "bob"\n' + nested, "utf-8")
    code, lines, _ = validate(capsys, root)
    assert (code, lines[0]) == (1, "annotations/bob.toml: invalid TOML: arrays or tables nested too deeply to read")
    bob.unlink()
    (root / "annotator.toml").write_text(nested, "utf-8")
    code, lines, _ = validate(capsys, root)
    assert (code, lines[0]) == (1, "annotator.toml: not valid TOML: arrays or tables nested too deeply to read")


# The config ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "code", "expected"),
    [
        ("duplicate-key.toml", 1, "annotator.toml:7: stance[1].key: 'a' is already the key of stance[0]"),
        ("navigation-key.toml", 1, "annotator.toml:3: stance[0].key: a key the app does not already use, got 'j' (the key of 'next', Next comment; see `?` in the app)"),
        ("empty-stance.toml", 1, "annotator.toml:1: stance: expected at least one [[stance]] label"),
        ("name-with-space.toml", 1, "annotator.toml:2: stance[0].name: a label name of letters, digits, '-', '_' or '.', got 'strongly agree'"),
        ("name-with-quote.toml", 1, "annotator.toml:2: stance[0].name: a label name of letters, digits, '-', '_' or '.', got 'say \"yes\"'"),
        ("unknown-key.toml", 0, "annotator.toml:1: warning: unknown key 'colour' ignored"),
        # ("no" read as false used to pass: TOML writes true and false)
        ("auto-advance-text.toml", 1, "annotator.toml:1: auto_advance: Input should be a valid boolean, got 'no'"),
        ("format-text.toml", 1, "annotator.toml:1: format: Input should be a valid integer, got '1'"),
    ],
)
def test_validate_reports_each_broken_config(tmp_path: Path, capsys, fixture: str, code: int, expected: str) -> None:
    """Each mistake on one line, with the line of the key (or its table) in the file."""
    root = project(tmp_path)
    shutil.copy(BROKEN / "config" / fixture, root / "annotator.toml")
    got, lines, _ = validate(capsys, root)
    assert got == code
    # One line for one mistake: a bad label used to add "expected at least one [[stance]] label".
    assert lines[:-1] == [expected] if code else lines == [expected]


def test_validate_says_a_missing_config_means_the_defaults(tmp_path: Path, capsys) -> None:
    root = project(tmp_path)
    (root / "annotator.toml").unlink()
    code, lines, out = validate(capsys, root)
    assert (code, lines) == (0, ["annotator.toml: warning: not found: using the default labels"])
    assert out.endswith("all valid\n")


# Annotation files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "code", "expected"),
    [
        ("wrong-types.toml", 1, [
            "annotations/bob.toml:4: comment c1: stance: expected text, got 3",
            "annotations/bob.toml:4: comment c1: topics: expected a list of topic names, got 'x'",
            "annotations/bob.toml:4: comment c1: flagged: expected true or false, got 'yes'",
            "annotations/bob.toml:4: comment c1: seconds: expected a number of seconds, 0 or more, got -1.0",
            "annotations/bob.toml:4: comment c1: updated: expected a date and time, got 2026-01-01 (a date alone)",
            "  (fix these entries by hand; annotator will not overwrite the file)",
        ]),
        # A time with no zone, written by hand, is read as UTC (it used to escape the check).
        ("future.toml", 0, ["annotations/bob.toml:4: warning: comment c1: updated 2999-01-01T00:00:00+00:00 is in the future"]),
        ("orphan.toml", 1, [
            'annotations/bob.toml:5: comment gone: no such comment in seeds/ (orphan: "A comment that was removed from the seeds")']),
        ("empty.toml", 0, ["annotations/bob.toml: warning: empty file: no annotations"]),
    ],
)
def test_validate_reports_each_broken_annotation_file(
    tmp_path: Path, capsys, fixture: str, code: int, expected: list[str]
) -> None:
    root = project(tmp_path)
    shutil.copy(BROKEN / "annotations" / fixture, root / "annotations" / "bob.toml")
    before = (root / "annotations" / "bob.toml").read_bytes()
    got, lines, _ = validate(capsys, root)
    assert got == code
    assert (lines[:-1] if code else lines) == expected
    assert (root / "annotations" / "bob.toml").read_bytes() == before


def test_a_folder_or_a_pipe_named_like_an_annotation_file(tmp_path: Path, capsys) -> None:
    root = project(tmp_path)
    (root / "annotations" / "bob.toml").mkdir()
    os.mkfifo(root / "annotations" / "carol.toml")  # reading it would wait forever
    with pytest.raises(StoreError, match="is a folder, not an annotation file"):
        AnnotationFile.open(root, "bob")
    with pytest.raises(StoreError, match=r"is not a regular file \(a pipe or a device\?\): refused"):
        AnnotationFile.open(root, "carol")
    code, lines, _ = validate(capsys, root)
    assert code == 1
    assert lines[:2] == [
        "annotations/bob.toml: is a folder, not an annotation file",
        "annotations/carol.toml: is not a regular file (a pipe or a device?): refused",
    ]


def test_a_symlink_pointing_outside_the_project_is_refused_by_validate(tmp_path: Path, capsys) -> None:
    outside = tmp_path / "elsewhere.toml"
    outside.write_text('format = 1\n[comments.c1]\nstance = "agree"\n', "utf-8")
    root = project(tmp_path)
    (root / "annotations" / "bob.toml").symlink_to(outside)
    code, lines, _ = validate(capsys, root)
    assert code == 1
    assert lines[0] == "annotations/bob.toml: is a symbolic link: refused (annotation files must be regular files)"


def test_a_journal_that_is_a_symlink_is_refused_and_never_written_through(tmp_path: Path) -> None:
    """A repository could carry `annotations/.alice.journal` as a link to a file of the user's:
    the app appended its journal lines to that file."""
    root = project(tmp_path)
    precious = tmp_path / "precious.txt"
    precious.write_text("a week of notes\n", "utf-8")
    journal = root / "annotations" / ".alice.journal"
    journal.symlink_to(precious)
    with pytest.raises(StoreError, match=r"annotations/\.alice\.journal: is not a regular file"):
        AnnotationFile.open(root, "alice")
    journal.unlink()
    store = AnnotationFile.open(root, "alice")
    journal.symlink_to(precious)  # planted while the app runs
    store.set("c1", Annotation(stance="agree"))
    with pytest.raises(OSError):
        store.commit()
    assert precious.read_text("utf-8") == "a week of notes\n"


def big_annotation_file(path: Path, size: int) -> None:
    """A canonical annotation file of at least `size` bytes (about 200 bytes an entry)."""
    entry = '\n# An excerpt of the comment…\n[comments.{:012x}]\nstance = "agree"\ntopics = []\nflagged = false\n'
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(f'format = 1\nannotator = "{path.stem}"\n')
        number = 0
        while handle.tell() < size:
            handle.write("".join(entry.format(i) for i in range(number, number + 1000)))
            number += 1000


def test_a_100_mb_annotation_file_is_refused_at_once(tmp_path: Path, capsys, monkeypatch) -> None:
    """Reading one took 5 s and 1.3 GB of memory in the canonical layout, and far more through the
    TOML parser: the store reads up to 64 MB (ANNOTATOR_MAX_FILE_MB changes that)."""
    root = project(tmp_path)
    path = root / "annotations" / "huge.toml"
    big_annotation_file(path, 100_000_000)
    with pytest.raises(StoreError) as caught:
        AnnotationFile.open(root, "huge")
    assert re.match(r"annotations/huge\.toml: is 10\d\.\d MB, over the 64 MB limit for an annotation file", str(caught.value))
    assert "ANNOTATOR_MAX_FILE_MB" in str(caught.value)
    code, lines, _ = validate(capsys, root)
    assert code == 1 and re.match(r"annotations/huge\.toml: is 10\d\.\d MB, over the 64 MB limit", lines[0])
    path.unlink()
    big_annotation_file(path, 50_000)
    monkeypatch.setenv("ANNOTATOR_MAX_FILE_MB", "0.01")
    with pytest.raises(StoreError, match=r"over the 0\.01 MB limit"):
        AnnotationFile.open(root, "huge")
    monkeypatch.setenv("ANNOTATOR_MAX_FILE_MB", "1")
    assert len(AnnotationFile.open(root, "huge").entries) == 1000


# Names on the command line ---------------------------------------------------------------------


@pytest.fixture
def no_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The app must never start in these tests: no name from the environment or git either."""
    from annotator.tui.app import AnnotatorApp

    def refuse(self, *args, **kwargs):
        raise AssertionError("the app started")

    monkeypatch.setattr(AnnotatorApp, "run", refuse)
    monkeypatch.delenv("ANNOTATOR", raising=False)
    isolate_git(monkeypatch, tmp_path / "home")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../x", "annotator name '../x': is a path: a name has no '/' or '\\' (it becomes annotations/NAME.toml)"),
        ("a/b", "annotator name 'a/b': is a path: a name has no '/' or '\\' (it becomes annotations/NAME.toml)"),
        (".git", "annotator name '.git': must not start with a dot"),
        ("CON", "annotator name 'CON': is a reserved device name on Windows"),
        ("x" * 300, f"annotator name '{'x' * 39}…': must be at most 64 characters"),
        ("café", "annotator name 'café': must use only ASCII letters and digits, '-', '_' and '.': the name is a file name on every system"),
        ("日本語", "annotator name '日本語': must use only ASCII letters and digits"),
        ("a\x1b[2Jb", "annotator name 'a\\x1b[2Jb': must use only letters, digits"),
        ("", "annotator name '': must not be empty"),
    ],
)
def test_bad_annotator_names_on_the_command_line(tmp_path: Path, capsys, no_app, name: str, message: str) -> None:
    root = project(tmp_path)
    with pytest.raises(SystemExit) as caught:  # a bad option value: a usage error
        main(["--annotator", name, "--project", str(root)])
    out, err = capsys.readouterr()
    assert (caught.value.code, out) == (2, "")
    assert err.splitlines()[-1].startswith(f"annotator: error: argument --annotator: {message}")
    assert sorted(p.name for p in (root / "annotations").iterdir()) == []
