"""`annotator export --format csv` with hostile text, through the installed console script, read
back by Python's csv module (always) and by pandas (where it is installed): every field comes back
as it was, one row per comment, whatever line breaks, quotes, commas or characters it holds."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from annotator.core.models import Annotation
from annotator.core.seeds import load_seeds
from annotator.core.store import AnnotationFile
from tests.conftest import make_project

SCRIPT = Path(sys.executable).with_name("annotator")
UPDATED = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)

HOSTILE = {
    "lone-cr": "before\rafter",
    "crlf": "line one\r\nline two",
    "lf": "line one\nline two",
    "cr-at-end": "ends with a carriage return\r",
    "cr-alone": "\r",
    "lf-cr": "odd order\n\rof breaks",
    "quotes": 'she said "no", twice',
    "quote-alone": '"',
    "comma": "a, b, c",
    "semicolon": "a;b",
    "formula": "=SUM(A1:A2)",
    "plus": "+1 agree",
    "minus": "-1 disagree",
    "at": "@mention(x)",
    "tab-first": "\tindented",
    "cr-first": "\rcarriage first",
    "controls": "bell\x07 backspace\x08 tab\t vt\x0b ff\x0c esc\x1b us\x1f del\x7f c1\x9b",
    "unicode-breaks": "nel\x85 ls\u2028 ps\u2029",
    "non-bmp": "emoji 😀, math 𝔘, last \U0010fffd",
    "spaces": "  padded  ",
    "bom-inside": "\ufeffbyte-order mark",
}


def comment_text(key: str) -> str:
    return HOSTILE[key] if HOSTILE[key].strip() else key + HOSTILE[key]


@pytest.fixture(scope="module")
def hostile_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose comments (text and author) and alice's notes are the texts above (a text
    with nothing but white space gets its id in front: a comment must say something)."""
    root = tmp_path_factory.mktemp("csv") / "project"
    rows = [{"id": key, "text": comment_text(key), "author": text} for key, text in HOSTILE.items()]
    make_project(root, {"hostile.jsonl": "".join(json.dumps(row) + "\n" for row in rows)})
    store = AnnotationFile.open(root, "alice")
    for key, text in HOSTILE.items():
        entry = Annotation.from_dict({"stance": "agree", "note": text, "updated": UPDATED})
        store.set(key, entry, text=comment_text(key))
    store.save()
    return root


SUMMARY = "annotator export: 21 comments: 0 from gold, 21 by vote, 0 undecided\n"


@pytest.fixture(scope="module")
def exported(hostile_project: Path) -> Path:
    target = hostile_project / "labels.csv"
    result = subprocess.run(
        [str(SCRIPT), "export", "--project", str(hostile_project), "--format", "csv", "--resolve", "all",
         "-o", str(target)],
        capture_output=True, text=True, timeout=120,
    )
    assert (result.returncode, result.stderr) == (0, SUMMARY)
    return target


@pytest.fixture(scope="module")
def expected(hostile_project: Path) -> dict[str, str]:
    """The texts as the project holds them (the loader may normalise; the export must not)."""
    texts = {comment.id: comment.text for comment in load_seeds(hostile_project).comments}
    assert texts["lone-cr"] == "before\rafter"  # otherwise this test would prove nothing
    return texts


pytestmark = pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed")


def test_every_field_reads_back_with_the_csv_module(exported: Path, expected: dict[str, str]) -> None:
    with exported.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, records = rows[0], rows[1:]
    assert all(len(row) == len(header) for row in records)
    by_id = [dict(zip(header, row, strict=True)) for row in records]
    assert [row["id"] for row in by_id] == list(HOSTILE)
    for row in by_id:
        text = expected[row["id"]]
        assert (row["text"], row["author"], row["alice.note"]) == (text, HOSTILE[row["id"]], HOSTILE[row["id"]])


def test_every_field_reads_back_with_pandas(exported: Path, expected: dict[str, str]) -> None:
    pandas = pytest.importorskip("pandas")
    frame = pandas.read_csv(exported, dtype=str, keep_default_na=False, encoding="utf-8")
    assert list(frame["id"]) == list(HOSTILE)
    assert list(frame["text"]) == [expected[key] for key in HOSTILE]
    assert list(frame["author"]) == list(HOSTILE.values())
    assert list(frame["alice.note"]) == list(HOSTILE.values())


def test_a_field_with_a_carriage_return_is_quoted(exported: Path) -> None:
    """The bytes themselves: outside quotes, the only line break is the `\\n` that ends a record."""
    data = exported.read_bytes().decode("utf-8")
    outside = data.split('"')[::2]  # the parts between quoted stretches
    assert "\r" not in "".join(outside)
    assert data.count("\n") - sum(part.count("\n") for part in data.split('"')[1::2]) == 1 + len(HOSTILE)


def export(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), "export", "--project", str(root), *args], capture_output=True, timeout=120)


def test_excel_safe_makes_formula_cells_text(hostile_project: Path, exported: Path) -> None:
    result = export(hostile_project, "--format", "csv", "--resolve", "all", "--excel-safe")
    assert (result.returncode, result.stderr.decode("utf-8")) == (0, SUMMARY)
    safe = list(csv.DictReader(io.StringIO(result.stdout.decode("utf-8"), newline="")))
    with exported.open(newline="", encoding="utf-8") as handle:
        plain = list(csv.DictReader(handle))
    assert [row["id"] for row in safe] == list(HOSTILE)
    for before, after in zip(plain, safe, strict=True):
        for column, value in before.items():
            formula = value.startswith(("=", "+", "-", "@", "\t", "\r"))
            assert after[column] == ("'" + value if formula else value), (before["id"], column)
    by_id = {row["id"]: row for row in safe}
    assert by_id["formula"]["text"] == "'=SUM(A1:A2)"
    assert by_id["cr-first"]["alice.note"] == "'\rcarriage first"
    assert by_id["tab-first"]["author"] == "'\tindented"


def test_excel_safe_is_for_csv_only(hostile_project: Path) -> None:
    result = export(hostile_project, "--excel-safe")
    assert (result.returncode, result.stdout) == (2, b"")  # a wrong command line
    assert result.stderr.decode("utf-8").endswith(
        "annotator export: error: --excel-safe applies to --format csv only, not jsonl "
        "(add --format csv, or leave out --excel-safe)\n"
    )
