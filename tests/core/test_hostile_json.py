"""Any JSON value in any field of a seed row or of an import-labels line: the result is a clear
message (an `AnnotatorError` naming the file and line) or a correct result, never another
exception.

The values are of any type, size and nesting, with any Unicode (lone surrogates included, written
as JSON escapes, since no UTF-8 file holds one raw), and with the numbers Python's `json` reads
although JSON has no room for them: NaN, Infinity, 1e400, integers beyond Python's digit limit.
A correct result is checked against what the field should give, through the parse cache too,
and, for labels, through the annotation file written and read back.
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from annotator.core.errors import AnnotatorError
from annotator.core.label_import import apply_label_plan, plan_label_import, read_label_rows
from annotator.core.models import text_id
from annotator.core.project import Project
from annotator.core.seeds import KNOWN_FIELDS, SeedError, parse_seeds, read_seed_file
from annotator.core.sources import ImportProblems
from annotator.core.store import AnnotationFile
from tests.core.labels_fixture import labeled_project

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Raw:
    """JSON text written as is: numbers that `json.dumps` would not write, and values too large
    to pass around as Python objects (Hypothesis would print them whole)."""

    text: str

    def __repr__(self) -> str:
        return f"Raw({self.text[:20]!r}{'…' if len(self.text) > 20 else ''}, {len(self.text)} characters)"


RAW_NUMBERS = [
    Raw("NaN"), Raw("Infinity"), Raw("-Infinity"), Raw("1e400"), Raw("-1E+999"), Raw("1.5e-400"),
    Raw("9" * sys.get_int_max_str_digits()), Raw("1" + "0" * sys.get_int_max_str_digits()),
]
# Strings that mean something to the code under test: ids, labels, Prodigy answers, blanks.
MEANINGFUL = ["c1", " c3 ", "c9", "agree", "neutral", "scaling", "reasoning", "accept", "reject", "ignore",
              "", " ", "\u0000", "Scaling laws say more compute helps."]

texts = st.text() | st.text(st.characters(exclude_categories=())) | st.sampled_from(MEANINGFUL)  # (the second: surrogates too)
leaves = (
    st.none() | st.booleans() | st.integers() | st.floats() | texts
    | st.integers(min_value=-(10**60), max_value=10**60) | st.sampled_from(RAW_NUMBERS)
)
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)
field_values = texts | values  # (strings half the time: most fields want one)
DEEP = Raw("[" * 50_000 + "]" * 50_000)  # deeper than any recursion limit
HUGE = Raw(json.dumps("x" * 1_000_000 + "\U0001f600 " + "\u00e9" * 1000))


def dump(value: Any, ascii_only: bool) -> str:
    """`value` as JSON text; a string with a lone surrogate always as escapes."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            ascii_only = True
        return json.dumps(value, ensure_ascii=ascii_only)
    if isinstance(value, list):
        return "[" + ",".join(dump(item, ascii_only) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{dump(key, ascii_only)}:{dump(item, ascii_only)}" for key, item in value.items()) + "}"
    return json.dumps(value)  # None, booleans, integers, floats (NaN and Infinity as Python writes them)


def line_with(base: dict[str, Any], field: str | None, value: Any, ascii_only: bool) -> bytes:
    """The JSON line of `base` with `field` set to `value` (with no field: the line is `value`)."""
    record = value if field is None else {**base, field: value}
    return (dump(record, ascii_only) + "\n").encode("utf-8")


def meant(value: Any) -> Any:
    """What a generated value means once read (a raw number: what Python's `json` makes of it)."""
    if isinstance(value, Raw):
        return json.loads(value.text)
    if isinstance(value, list):
        return [meant(item) for item in value]
    if isinstance(value, dict):
        return {key: meant(item) for key, item in value.items()}
    return value


def holds_utf8(*values: Any) -> None:
    """Every string in `values` can be written as UTF-8, and every number as JSON."""
    json.dumps(values, ensure_ascii=False, allow_nan=False).encode("utf-8")


# Seed rows ---------------------------------------------------------------------------------------

SEED_BASE = {"id": "c1", "text": "  Fine.  "}
SEED_FIELDS = [*KNOWN_FIELDS, "extra", None]


@pytest.mark.parametrize("field", SEED_FIELDS, ids=[field or "the whole line" for field in SEED_FIELDS])
@settings(max_examples=120, deadline=None)
@given(value=field_values, ascii_only=st.booleans())
@example(value=DEEP, ascii_only=True)
@example(value=HUGE, ascii_only=False)
@example(value={"\ud800": 1}, ascii_only=True)
def test_any_value_in_any_field_of_a_seed_row(field: str | None, value: Any, ascii_only: bool) -> None:
    data = line_with(SEED_BASE, field, value, ascii_only)
    name = "seeds/rows.jsonl"
    try:
        comments = list(parse_seeds(data, name, "jsonl"))
    except SeedError as error:
        assert error.message.startswith(f"{name}:1: "), error.message
        holds_utf8(error.message, error.hint)
        event("a message")
        return
    event("a comment")
    assert field is not None
    [comment] = comments
    record = {**SEED_BASE, field: meant(value)}
    body = record["text"]
    assert isinstance(body, str) and comment.text == body.strip()
    given_id = record["id"]
    if given_id is None or given_id == "":
        assert comment.id == text_id(body.strip())
    else:
        assert type(given_id) in (str, int) and comment.id == str(given_id).strip()
        assert comment.id and comment.id.isprintable()
    for key in ("author", "url", "parent"):
        given_value = record.get(key)
        got = getattr(comment, key)
        if given_value is None or given_value == "":
            assert got is None
        else:
            assert type(given_value) in (str, int, float) and got == str(given_value)
    assert dict(comment.meta) == {key: item for key, item in record.items() if key not in KNOWN_FIELDS}
    holds_utf8({**comment._asdict(), "meta": dict(comment.meta)})
    with tempfile.TemporaryDirectory() as folder:  # the same comments again, from the parse cache
        path = Path(folder) / "rows.jsonl"
        path.write_bytes(data)
        assert read_seed_file(path, name) == comments
        assert read_seed_file(path, name) == comments


# import-labels lines -----------------------------------------------------------------------------

LABEL_BASE = {"id": "c1", "stance": "agree"}
LABEL_FIELDS = ["id", "text", "meta", "stance", "topics", "note", "flagged", "answer", "accept", None]


class Labeled(Project):
    """The project of `labels_fixture`, shown by name in a failing example."""

    def __repr__(self) -> str:
        return "Labeled(the five comments of tests/core/labels_fixture.py)"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    opened = Project.open(labeled_project(tmp_path_factory.mktemp("hostile") / "project"))
    return Labeled(opened.root, opened.schema, opened.corpus, opened.warnings)


label_records = st.fixed_dictionaries({}, optional={
    "id": st.sampled_from(["c1", " c3 ", "c2", "c9", "", 3]) | field_values,
    "stance": st.none() | st.sampled_from(["agree", "neutral", "nope"]) | field_values,
    "topics": st.none() | st.lists(st.sampled_from(["scaling", "reasoning", "nope"]), max_size=3) | field_values,
    "note": st.none() | st.sampled_from(["", "fine"]) | field_values,
    "flagged": st.booleans() | field_values,
    "meta": st.fixed_dictionaries({"id": st.sampled_from(["c1", "c2", 3])}),
    "text": st.sampled_from(MEANINGFUL),
    "answer": st.sampled_from(["accept", "reject"]),
    "accept": st.lists(st.sampled_from(["agree", "scaling", "nope"]), max_size=2),
})


usual_records = st.fixed_dictionaries({"id": st.sampled_from(["c1", " c3 ", "c4", "c5"])}, optional={
    "stance": st.none() | st.sampled_from(["agree", "neutral", "nope", ""]),
    "topics": st.none() | st.lists(st.sampled_from(["scaling", "reasoning"]), max_size=2) | st.just(["nope"]),
    "note": st.none() | st.sampled_from(["", "fine", " "]),
    "flagged": st.booleans() | st.none(),
    "text": st.sampled_from(MEANINGFUL),
})


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(usual_records | usual_records | label_records | field_values, max_size=8))
@example([{"id": "c1", "stance": "agree", "topics": None, "note": "", "flagged": True},
          {"id": "c4", "stance": None, "topics": ["scaling"], "note": " "}, {"id": "c4", "topics": ["scaling"]},
          {"id": "c5", "topics": ["scaling"], "note": "fine"}, {"id": " c3 ", "stance": "neutral", "flagged": False}])
def test_the_usual_import_line_is_read_in_one_call_as_any_other(project: Project, records: list) -> None:
    """`_RowReader` reads a plain line naming a known comment by id in one call: what it makes of
    any line, and the problems it reports, are those of the general reading."""
    from annotator.core.label_import import _RowReader
    from annotator.core.seeds import json_lines_in

    data = b"".join(line_with({}, None, record, ascii_only=True) for record in records)
    quick, general = (_RowReader("labels.jsonl", project.schema, project.corpus) for _ in range(2))
    general._plain_row = lambda number, record: None  # type: ignore[method-assign]
    for number, record in json_lines_in(io.BytesIO(data), "labels.jsonl", []):
        assert quick.row(number, record) == general.row(number, record)
    assert quick.problems == general.problems


@pytest.mark.parametrize("field", LABEL_FIELDS, ids=[field or "the whole line" for field in LABEL_FIELDS])
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=field_values, ascii_only=st.booleans())
@example(value=DEEP, ascii_only=True)
@example(value=HUGE, ascii_only=False)
@example(value=["scaling", "reasoning", "scaling"], ascii_only=True)
@example(value=" c3 ", ascii_only=True)
@example(value=True, ascii_only=True)
@example(value="neutral", ascii_only=True)
def test_any_value_in_any_field_of_an_import_labels_line(
    project: Project, field: str | None, value: Any, ascii_only: bool
) -> None:
    data = line_with(LABEL_BASE, field, value, ascii_only)
    schema, corpus = project.schema, project.corpus
    try:
        rows = read_label_rows(data, "labels.jsonl", schema, corpus)
    except ImportProblems as error:
        assert error.problems and all(problem.startswith("labels.jsonl:1: ") for problem in error.problems), error.problems
        holds_utf8(str(error))
        event("a message")
        return
    except AnnotatorError as error:  # (the file as a whole: not here, where it is always UTF-8 without NUL)
        raise AssertionError(f"not a problem of the line: {error}") from None
    event(f"{len(rows.rows)} row")
    annotator = f"zed-{uuid.uuid4().hex[:8]}"
    store = AnnotationFile.open(project.root, annotator)
    plan = plan_label_import(rows, store, overwrite=False, now=NOW)
    apply_label_plan(plan, store, corpus)
    on_disk = AnnotationFile.open(project.root, annotator)
    assert len(plan.changes) == len(on_disk.entries) <= 1
    for change in plan.changes:
        entry = on_disk.get(change.comment_id)
        assert change.comment_id in corpus.by_id
        assert (entry.stance, entry.topics, entry.note, entry.flagged) == (
            change.after.stance, change.after.topics, change.after.note, change.after.flagged)
        assert entry.stance is None or entry.stance in schema.stance_names
        assert set(entry.topics) <= set(schema.topic_names)
        holds_utf8(entry.note)
        given_value = meant(value)  # what the line said is what the file says
        if field == "stance":
            assert entry.stance == given_value
        elif field == "topics":
            assert set(entry.topics) == set(given_value or ())
        elif field == "note":
            assert entry.note == (given_value or None)
        elif field == "flagged":
            assert entry.flagged is given_value
