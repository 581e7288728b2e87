"""Values no earlier test tried, through the installed console script: each ends in one clear
message naming the file and line and what was expected, and exit code 1, never a traceback; or,
where the value is fine (a byte-order mark in `annotator.toml`, a note line that looks like a
conflict marker), in the right result.

Numbers: a JSON number with more digits than Python converts (`sys.get_int_max_str_digits()`),
one beyond a float's range (`1e400`), and JSON's NaN and Infinity, which Python's `json` reads
but no id, label or note can hold. Text: a lone UTF-16 surrogate (`"\\ud800"`), valid JSON but
not valid Unicode, in any field or field name. Config: a byte-order mark. Annotation files: a
line of a multi-line note that starts like a git conflict marker.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.core.store import AnnotationFile
from tests.conftest import REPO, make_project
from tests.core.labels_fixture import labeled_project
from tests.tui.test_terminal import console_script

pytestmark = pytest.mark.skipif(console_script() is None, reason="the console script is not installed")

BIG = "1" + "0" * (sys.get_int_max_str_digits() + 700)  # a 5000-digit integer


def annotator(root: Path, *args: str) -> tuple[int, str, str]:
    """`annotator ARGS` in `root`: exit code, stdout, stderr."""
    done = subprocess.run([console_script(), *args], cwd=root, capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout, done.stderr


def seed_project(tmp_path: Path, *lines: str) -> Path:
    """A project whose only seed file, `seeds/rows.jsonl`, has a good line and then `lines`."""
    return make_project(tmp_path / "project", {"rows.jsonl": "\n".join(['{"id": "c1", "text": "Fine."}', *lines]) + "\n"})


SEED_CASES = {
    "a 5000-digit id": (
        f'{{"id": {BIG}, "text": "x"}}',
        f"seeds/rows.jsonl:2: a number with more than {sys.get_int_max_str_digits()} digits: too long to read "
        "(an id that long is better written as a string)",
    ),
    "an id beyond a float": (
        '{"id": 1e400, "text": "x"}',
        "seeds/rows.jsonl:2: the number 1e400 is too large (the largest is about 1.8e308)",
    ),
    "a NaN id": (
        '{"id": NaN, "text": "x"}',
        "seeds/rows.jsonl:2: NaN is not a number JSON allows: write a finite number, or null",
    ),
    "an Infinity id": (
        '{"id": Infinity, "text": "x"}',
        "seeds/rows.jsonl:2: Infinity is not a number JSON allows: write a finite number, or null",
    ),
    "a -Infinity author": (
        '{"text": "x", "author": -Infinity}',
        "seeds/rows.jsonl:2: -Infinity is not a number JSON allows: write a finite number, or null",
    ),
    "a fraction as id": (
        '{"id": 1.5, "text": "x"}',
        'seeds/rows.jsonl:2: "id" must be a string or a whole number, got 1.5',
    ),
    "a lone surrogate in the text": (
        '{"id": "c2", "text": "broken \\ud800 half"}',
        'seeds/rows.jsonl:2: "text" is not valid Unicode: \\ud800 is half of a UTF-16 surrogate pair, '
        "without the other half",
    ),
    "a lone low surrogate in the author": (
        '{"id": "c2", "text": "x", "author": "\\udc00"}',
        'seeds/rows.jsonl:2: "author" is not valid Unicode: \\udc00 is half of a UTF-16 surrogate pair, '
        "without the other half",
    ),
    "a lone surrogate deep in a metadata field": (
        '{"id": "c2", "text": "x", "extra": {"a": [1, "\\uDBFF"]}}',
        'seeds/rows.jsonl:2: "extra" is not valid Unicode: \\udbff is half of a UTF-16 surrogate pair, '
        "without the other half",
    ),
    "a lone surrogate in a field name": (
        '{"id": "c2", "text": "x", "\\ud800": 1}',
        "seeds/rows.jsonl:2: a field name is not valid Unicode: \\ud800 is half of a UTF-16 surrogate pair, "
        "without the other half",
    ),
    "a list as author": (
        '{"id": "c2", "text": "x", "author": ["a"]}',
        'seeds/rows.jsonl:2: "author" must be a string or a number, got a list',
    ),
}


@pytest.mark.parametrize("case", SEED_CASES, ids=list(SEED_CASES))
@pytest.mark.parametrize("command", ["validate", "stats", "export"])
def test_a_hostile_seed_value_is_one_clear_message(tmp_path: Path, case: str, command: str) -> None:
    line, message = SEED_CASES[case]
    root = seed_project(tmp_path, line)
    code, out, err = annotator(root, command)
    assert (code, out) == (1, "")
    assert "Traceback" not in err
    assert message in err.splitlines()[0]


def test_a_surrogate_pair_written_as_escapes_is_one_character_and_fine(tmp_path: Path) -> None:
    root = seed_project(tmp_path, '{"id": "c2", "text": "smile \\ud83d\\ude00"}')
    code, out, err = annotator(root, "export", "--format", "jsonl")
    assert (code, err) == (0, "annotator export: 2 comments: 0 from gold, 0 by vote, 2 undecided\n")
    assert [json.loads(line)["text"] for line in out.splitlines()] == ["Fine.", "smile \U0001f600"]


def test_a_long_id_within_the_limit_is_read(tmp_path: Path) -> None:
    digits = "9" * sys.get_int_max_str_digits()
    root = seed_project(tmp_path, f'{{"id": {digits}, "text": "a long id"}}')
    code, out, err = annotator(root, "export", "--format", "jsonl")
    assert (code, err) == (0, "annotator export: 2 comments: 0 from gold, 0 by vote, 2 undecided\n")
    assert json.loads(out.splitlines()[1])["id"] == digits


# import-labels ---------------------------------------------------------------------------------


def test_import_labels_reports_every_hostile_value_by_line_and_changes_nothing(tmp_path: Path) -> None:
    root = labeled_project(tmp_path / "project")
    source = tmp_path / "labels.jsonl"
    source.write_text("\n".join([
        '{"id": 1e400, "stance": "agree"}',
        '{"id": NaN, "stance": "agree"}',
        f'{{"id": {BIG}, "stance": "agree"}}',
        '{"id": 2.0, "stance": "agree"}',
        '{"id": "c1", "note": "half \\ud800"}',
        '{"id": "c2", "stance": "agree", "topics": ["\\udfff"]}',
        '{"id": "c3", "stance": "agree", "flagged": Infinity}',
        '{"id": "c4", "stance": "agree"}',
    ]) + "\n", "utf-8")
    code, out, err = annotator(root, "import-labels", str(source), "--annotator", "zed")
    assert (code, out) == (1, "")
    shown = err.replace(str(source), "labels.jsonl").splitlines()
    assert shown == [
        "annotator: labels.jsonl:1: the number 1e400 is too large (the largest is about 1.8e308)",
        "labels.jsonl:2: NaN is not a number JSON allows: write a finite number, or null",
        f"labels.jsonl:3: a number with more than {sys.get_int_max_str_digits()} digits: too long to read "
        "(an id that long is better written as a string)",
        'labels.jsonl:4: "id" must be a string or a whole number, got 2.0',
        'labels.jsonl:5: "note" is not valid Unicode: \\ud800 is half of a UTF-16 surrogate pair, without the other half',
        'labels.jsonl:6: "topics" is not valid Unicode: \\udfff is half of a UTF-16 surrogate pair, without the other half',
        "labels.jsonl:7: Infinity is not a number JSON allows: write a finite number, or null",
        "  (no labels were changed; fix these lines and import again)",
    ]
    assert not (root / "annotations" / "zed.toml").exists()


# annotator.toml with a byte-order mark ---------------------------------------------------------


def test_a_byte_order_mark_in_the_config_is_read_as_the_same_config(tmp_path: Path) -> None:
    """Windows editors write one; seeds and annotation files already accepted it."""
    config = "\ufeff" + (REPO / "annotator.toml").read_text("utf-8")
    root = make_project(tmp_path / "project", {"rows.jsonl": '{"id": "c1", "text": "Fine."}\n'}, config=config)
    assert (root / "annotator.toml").read_bytes().startswith(b"\xef\xbb\xbf")
    code, out, err = annotator(root, "validate")
    assert (code, err) == (0, "")
    assert "all valid" in out
    source = tmp_path / "labels.jsonl"
    source.write_text('{"id": "c1", "stance": "agree"}\n', "utf-8")
    assert annotator(root, "import-labels", str(source), "--annotator", "zed")[0] == 0
    assert AnnotationFile.open(root, "zed").get("c1").stance == "agree"


# A note line that looks like a conflict marker ------------------------------------------------

NOTE_WITH_MARKERS = '''format = 1
annotator = "alice"

[comments.c1]
stance = "agree"
topics = []
note = """
quoting a diff:
<<<<<<< ours
=======
>>>>>>> theirs
|||||||
"""
flagged = false

[comments.c2]
topics = []
note = \'\'\'
<<<<<<< a literal string too
\'\'\'
flagged = true
'''


def test_a_note_line_that_looks_like_a_conflict_marker_is_a_note_line(tmp_path: Path) -> None:
    root = labeled_project(tmp_path / "project")
    (root / "annotations" / "alice.toml").write_text(NOTE_WITH_MARKERS, "utf-8")
    code, out, err = annotator(root, "validate")
    assert (code, err) == (0, "")
    assert "all valid" in out
    store = AnnotationFile.open(root, "alice")
    assert store.get("c1").note == "quoting a diff:\n<<<<<<< ours\n=======\n>>>>>>> theirs\n|||||||\n"
    assert store.get("c2").note == "<<<<<<< a literal string too\n"


def test_a_real_marker_after_such_a_note_is_still_reported_at_its_line(tmp_path: Path) -> None:
    root = labeled_project(tmp_path / "project")
    conflicted = NOTE_WITH_MARKERS + '<<<<<<< HEAD\n\n[comments.c3]\ntopics = []\n=======\n>>>>>>> other\n'
    (root / "annotations" / "alice.toml").write_text(conflicted, "utf-8")
    code, out, err = annotator(root, "validate")
    assert (code, out) == (1, "")
    marker = "git conflict marker: this file has an unresolved merge"
    assert err.splitlines()[:3] == [
        f"annotations/alice.toml:22: {marker}",
        f"annotations/alice.toml:26: {marker}",
        f"annotations/alice.toml:27: {marker}",
    ]


# Label keys --------------------------------------------------------------------------------------

KEYED = '[[stance]]\nname = "yes"\nkey = {stance}\n\n[[topic]]\nname = "t"\nkey = {topic}\n'


def test_punctuation_label_keys_are_valid(tmp_path: Path) -> None:
    """They work in the app too (`tests/tui/test_label_keys.py`)."""
    config = KEYED.format(stance='","', topic='"\\\\"')
    root = make_project(tmp_path / "project", {"rows.jsonl": '{"id": "c1", "text": "Fine."}\n'}, config=config)
    code, out, err = annotator(root, "validate")
    assert (code, err) == (0, "")


def test_a_key_no_key_types_is_refused_naming_it(tmp_path: Path) -> None:
    config = KEYED.format(stance='"y"', topic='"\\u0301"')
    root = make_project(tmp_path / "project", {"rows.jsonl": '{"id": "c1", "text": "Fine."}\n'}, config=config)
    code, out, err = annotator(root, "validate")
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == (
        "annotator.toml:7: topic[0].key: a character that a key types on its own, got '\u0301' "
        "(U+0301 is a combining mark, drawn on the character before it)"
    )
