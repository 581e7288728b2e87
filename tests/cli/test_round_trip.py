"""Data in and out again: import comments, import labels, export; every field comes back as it went in."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.cli import main
from tests.conftest import make_project

STANCES = ("agree", "disagree", "mixed", "neutral")
TOPICS = ("dl-theory", "scaling", "reasoning", "memorization", "code-models", "symbolic-ai", "forecasting", "lm-behaviour")

COMMENTS = [
    {"id": "r1", "text": "A plain comment.", "author": "ann", "url": "https://example.org/r1", "parent": "r0"},
    {"id": "r2", "text": "Quotes \" and, commas; and a\nnewline, and ünïcødé ✓", "parent": "r1",
     "context": "The post: \"quoted\", on\ntwo lines"},
    {"id": "r3", "text": "Nobody will label this."},
    {"id": "r4", "text": "Flagged with a note only."},
]
LABELS = [
    {"id": "r1", "stance": "agree", "topics": ["scaling", "dl-theory"], "note": "model score 0.93", "flagged": False},
    {"id": "r2", "stance": "mixed", "topics": [], "note": "line one\nline two", "flagged": True},
    {"id": "r4", "topics": ["lm-behaviour"], "flagged": True},
]


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def jsonl(path: Path, records: list[dict]) -> str:
    path.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), "utf-8")
    return str(path)


def test_import_comments_then_labels_then_export(tmp_path: Path, capsys) -> None:
    root = make_project(tmp_path / "project", {})
    project = ["--project", str(root)]
    assert cli(capsys, "import-comments", jsonl(tmp_path / "comments.jsonl", COMMENTS), *project)[0] == 0
    code, _, err = cli(capsys, "import-labels", jsonl(tmp_path / "labels.jsonl", LABELS), "--annotator", "model", *project)
    assert (code, err) == (0, "annotations/model.toml: 3 added, 0 changed, 0 unchanged, 0 kept (already labeled), 0 skipped\n")
    code, out, err = cli(capsys, "export", "--resolve", "annotator:model", *project)
    assert (code, err) == (0, "annotator export: 4 comments: 3 labeled by model, 1 not\n")
    records = {record["id"]: record for record in map(json.loads, out.splitlines())}

    assert list(records) == ["r1", "r2", "r3", "r4"]
    for comment in COMMENTS:
        record = records[comment["id"]]
        for key in ("id", "text", "author", "url", "parent", "context"):
            assert record[key] == comment.get(key), key
        assert record["source"] == "seeds/comments.jsonl"
    for label in LABELS:
        record = records[label["id"]]
        assert record["stance"] == label.get("stance")
        assert sorted(record["topics"]) == sorted(label["topics"])
        assert record["note"] == label.get("note")
        assert record["flagged"] == label["flagged"]
        assert record["decided_by"] == "model"
    assert records["r1"]["topics"] == ["dl-theory", "scaling"]  # schema order
    assert records["r3"]["decided_by"] is None


def test_exported_targets_import_back_into_a_new_project(tmp_path: Path, capsys) -> None:
    """`export` (JSONL and CSV) gives files that `import-comments` reads back with the same parent and
    context; a context field of another name comes in with --context-field."""
    root = make_project(tmp_path / "project", {})
    assert cli(capsys, "import-comments", jsonl(tmp_path / "comments.jsonl", COMMENTS), "--project", str(root))[0] == 0
    for kind in ("jsonl", "csv"):
        exported = tmp_path / f"out.{kind}"
        assert cli(capsys, "export", "--format", kind, "-o", str(exported), "--project", str(root)) == (
            0, "", "annotator export: 4 comments: 0 from gold, 0 by vote, 4 undecided\n")
        again = make_project(tmp_path / f"again-{kind}", {})
        code, _, err = cli(capsys, "import-comments", str(exported), "--project", str(again))
        assert (code, err) == (0, "import-comments: added 4, skipped 0 already present (seeds/out.jsonl)\n")
        code, out, _ = cli(capsys, "export", "--project", str(again))
        targets = [(r["id"], r["parent"], r["context"]) for r in map(json.loads, out.splitlines())]
        assert targets == [("r1", "r0", None), ("r2", "r1", COMMENTS[1]["context"]), ("r3", None, None),
                           ("r4", None, None)], kind

    renamed = [{"id": "x1", "text": "Yes.", "post_title": "  Is it sunny?  "}, {"id": "x2", "text": "No."}]
    other = make_project(tmp_path / "renamed", {})
    assert cli(capsys, "import-comments", jsonl(tmp_path / "titled.jsonl", renamed), "--context-field", "post_title",
               "--project", str(other))[0] == 0
    assert (other / "seeds" / "titled.jsonl").read_text("utf-8") == (
        '{"id": "x1", "text": "Yes.", "context": "Is it sunny?"}\n{"id": "x2", "text": "No."}\n'
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    labels=st.lists(
        st.tuples(
            st.sampled_from([None, *STANCES]),
            st.sets(st.sampled_from(TOPICS)),
            st.one_of(st.none(), st.text(min_size=1, max_size=30)),
            st.booleans(),
        ),
        min_size=4,
        max_size=4,
    )
)
def test_our_export_imports_back_to_the_same_labels(tmp_path_factory, capsys, labels) -> None:
    root = make_project(tmp_path_factory.mktemp("rt") / "project", {"c.jsonl": "".join(
        json.dumps(comment, ensure_ascii=False) + "\n" for comment in COMMENTS
    )})
    project = ["--project", str(root)]
    records = [
        {"id": comment["id"], "stance": stance, "topics": sorted(topics), "note": note, "flagged": flagged}
        for comment, (stance, topics, note, flagged) in zip(COMMENTS, labels, strict=True)
    ]
    assert cli(capsys, "import-labels", jsonl(root / "in.jsonl", records), "--annotator", "one", *project)[0] == 0
    first = cli(capsys, "export", "--resolve", "annotator:one", *project)[1]
    (root / "export.jsonl").write_text(first, "utf-8")
    assert cli(capsys, "import-labels", str(root / "export.jsonl"), "--annotator", "two", *project)[0] == 0
    second = cli(capsys, "export", "--resolve", "annotator:two", *project)[1]
    strip = [{k: v for k, v in json.loads(line).items() if k not in ("decided_by", "seconds")} for line in first.splitlines()]
    again = [{k: v for k, v in json.loads(line).items() if k not in ("decided_by", "seconds")} for line in second.splitlines()]
    assert again == strip
