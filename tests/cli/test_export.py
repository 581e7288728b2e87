"""`annotator export`: the output of each format, read back with csv and json, options, refusals.

The expected outputs (`__snapshots__/test_export/`) are the public format: review a change to them
by eye. Update them with `.venv/bin/python -m pytest tests/cli/test_export.py --snapshot-update`.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from annotator.cli import main
from tests.core.labels_fixture import COMMENTS, labeled_project

FORMAT_CASES = [
    ("majority.jsonl", ["--resolve", "majority"]),
    ("all.jsonl", ["--resolve", "all"]),
    ("majority.csv", ["--format", "csv", "--resolve", "majority"]),
    ("all.csv", ["--format", "csv", "--resolve", "all"]),
    ("prodigy.jsonl", ["--format", "prodigy", "--resolve", "majority"]),
]
SUMMARY = "annotator export: 5 comments: 0 from gold, 4 by vote (1 with a stance tie), 1 undecided\n"
TOPICS = ["dl-theory", "scaling", "reasoning", "memorization", "code-models", "symbolic-ai", "forecasting", "lm-behaviour"]
STANCES = ["agree", "disagree", "mixed", "neutral"]


def export(capsys, root: Path, *args: str) -> tuple[int, str, str]:
    code = main(["export", "--project", str(root), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return labeled_project(tmp_path / "project")


@pytest.mark.parametrize(("name", "args"), FORMAT_CASES, ids=[name for name, _ in FORMAT_CASES])
def test_export_output(root: Path, capsys, output, name: str, args: list[str]) -> None:
    code, out, err = export(capsys, root, *args)
    assert (code, err) == (0, SUMMARY)
    suffix = name.rpartition(".")[2]
    assert (out.encode("utf-8") if suffix == "csv" else out) == output(suffix)


def test_jsonl_records_read_back_with_the_same_keys(root: Path, capsys) -> None:
    _, out, _ = export(capsys, root, "--resolve", "all")
    records = [json.loads(line) for line in out.splitlines()]
    assert [record["id"] for record in records] == [comment["id"] for comment in COMMENTS]
    assert all(record.keys() == records[0].keys() for record in records)
    assert sorted(records[0]) == sorted([
        "annotators", "author", "context", "decided_by", "flagged", "id", "line", "note", "parent", "seconds",
        "source", "stance", "stance_tie", "text", "topics", "topics_tie", "url",
    ])
    c1, c2, c3, _, c5 = records
    assert (c1["stance"], c1["topics"], c1["author"], c1["url"]) == ("agree", ["scaling"], "ann", "https://example.org/c1")
    assert (c2["stance"], c2["stance_tie"], c2["topics"], c2["topics_tie"]) == (None, ["agree", "disagree"], [], ["dl-theory"])
    assert c2["text"] == COMMENTS[1]["text"]
    assert c3["annotators"]["alice"] == {
        "stance": "mixed", "topics": [], "note": "unsure: ε?", "flagged": True, "seconds": 12.5,
    }
    assert c3["annotators"]["bob"]["topics"] == ["reasoning"]
    assert c5["annotators"]["carol"] == {"stance": None, "topics": [], "note": None, "flagged": False, "seconds": 0.0}
    assert (c5["decided_by"], c5["source"], c5["line"]) == (None, "seeds/comments.jsonl", 5)


def test_csv_reads_back_with_one_column_per_topic(root: Path, capsys) -> None:
    _, out, _ = export(capsys, root, "--format", "csv", "--resolve", "all")
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert [row["id"] for row in rows] == ["c1", "c2", "c3", "c4", "c5"]
    assert [name for name in rows[0] if name.startswith("topic:")] == [f"topic:{topic}" for topic in TOPICS]
    c1, c2, c3, c4, _ = rows
    assert {name: c1[f"topic:{name}"] for name in TOPICS} == {name: str(int(name == "scaling")) for name in TOPICS}
    assert (c2["text"], c2["stance"], c2["stance_tie"], c2["topics_tie"]) == (
        COMMENTS[1]["text"], "", "agree;disagree", "dl-theory",
    )
    assert (c3["flagged"], c3["seconds"], c3["alice.note"], c3["alice.flagged"]) == ("1", "25.0", "unsure: ε?", "1")
    assert c1["bob.topics"] == "scaling;forecasting"
    assert c4["text"] == COMMENTS[3]["text"]


def test_prodigy_records_carry_the_fields_prodigy_names(root: Path, capsys) -> None:
    _, out, _ = export(capsys, root, "--format", "prodigy", "--resolve", "majority")
    records = [json.loads(line) for line in out.splitlines()]
    for record in records:
        assert sorted(record) == ["accept", "answer", "meta", "options", "text"]
        assert record["options"] == [{"id": name, "text": name} for name in STANCES + TOPICS]
        assert set(record["accept"]) <= {option["id"] for option in record["options"]}
        assert record["answer"] == ("accept" if record["accept"] else "ignore")
    c1, c2, c3, c4, c5 = records
    assert (c1["accept"], c1["meta"]) == (["agree", "scaling"], {"id": "c1", "source": "seeds/comments.jsonl", "line": 1})
    assert c2["meta"]["stance_tie"] == ["agree", "disagree"]
    assert (c3["accept"], c4["accept"], c5["answer"]) == (["mixed", "reasoning"], ["neutral"], "ignore")
    for line in out.splitlines(keepends=True):  # the spliced-in options give the same bytes as json.dumps
        assert json.dumps(json.loads(line), ensure_ascii=False, sort_keys=True) + "\n" == line


def test_prodigy_cannot_carry_every_annotator(root: Path, capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        export(capsys, root, "--format", "prodigy", "--resolve", "all")
    out, err = capsys.readouterr()
    assert (caught.value.code, out) == (2, "")
    assert err.splitlines()[-1] == (
        "annotator export: error: --format prodigy holds one answer per comment: it cannot carry --resolve all "
        "(use --resolve majority, gold or annotator:NAME, or --format jsonl)"
    )


def decided(out: str) -> dict[str, tuple[str | None, str | None]]:
    return {record["id"]: (record["stance"], record["decided_by"]) for record in map(json.loads, out.splitlines())}


def test_default_takes_gold_where_gold_decided_and_the_vote_elsewhere(tmp_path: Path, capsys) -> None:
    root = labeled_project(tmp_path / "project", gold=True)
    code, out, err = export(capsys, root)
    assert (code, err) == (0, "annotator export: 5 comments: 1 from gold, 3 by vote, 1 undecided\n")
    assert decided(out) == {
        "c1": ("agree", "majority"), "c2": ("disagree", "gold"), "c3": ("mixed", "majority"),
        "c4": ("neutral", "majority"), "c5": (None, None),
    }
    assert out == export(capsys, root, "--resolve", "majority")[1]
    code, out, err = export(capsys, root, "--only-labeled")
    assert (code, list(decided(out))) == (0, ["c1", "c2", "c3", "c4"])
    assert err == "annotator export: 5 comments: 1 from gold, 3 by vote, 1 undecided; 4 written (--only-labeled left out 1)\n"


def test_gold_alone_says_how_many_gold_has_not_labeled_and_how_to_include_them(tmp_path: Path, capsys) -> None:
    root = labeled_project(tmp_path / "project", gold=True)
    code, out, err = export(capsys, root, "--resolve", "gold", "--only-labeled")
    (record,) = [json.loads(line) for line in out.splitlines()]
    assert (code, err) == (0, (
        "annotator export: 5 comments: 1 labeled by gold, 4 not; 1 written (--only-labeled left out 4); "
        "--resolve majority (the default) takes the vote where gold has no labels\n"
    ))
    assert (record["id"], record["stance"], record["topics"], record["note"], record["decided_by"]) == (
        "c2", "disagree", ["dl-theory"], "adjudicated", "gold",
    )


def test_flagged_comments_left_out_are_counted(root: Path, capsys) -> None:
    code, _, err = export(capsys, root, "--only-labeled", "--exclude-flagged")
    assert (code, err) == (0, (
        "annotator export: 5 comments: 0 from gold, 4 by vote (1 with a stance tie), 1 undecided; "
        "3 written (--only-labeled left out 1, --exclude-flagged left out 1)\n"
    ))


def test_default_is_majority_without_gold(root: Path, capsys) -> None:
    assert export(capsys, root)[1] == export(capsys, root, "--resolve", "majority")[1]


def test_one_annotator_as_they_are(root: Path, capsys) -> None:
    _, out, err = export(capsys, root, "--resolve", "annotator:alice", "--only-labeled")
    assert err == "annotator export: 5 comments: 3 labeled by alice, 2 not; 3 written (--only-labeled left out 2)\n"
    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["id"], r["stance"], r["note"], r["flagged"], r["seconds"], r["decided_by"]) for r in records] == [
        ("c1", "agree", None, False, 20.0, "alice"),
        ("c2", "disagree", None, False, 31.5, "alice"),
        ("c3", "mixed", "unsure: ε?", True, 12.5, "alice"),
    ]


def test_only_labeled_and_exclude_flagged(root: Path, capsys) -> None:
    _, out, _ = export(capsys, root, "--only-labeled", "--exclude-flagged", "--format", "csv")
    assert [row["id"] for row in csv.DictReader(io.StringIO(out, newline=""))] == ["c1", "c2", "c4"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--resolve", "annotator:zoe"], "annotator: annotations/zoe.toml: not found\n"
         "  (--resolve majority votes among the annotators there are)\n"),
        (["--resolve", "gold"], "annotator: annotations/gold.toml: not found\n"
         "  (--resolve majority votes among the annotators there are)\n"),
    ],
)
def test_resolve_names_a_file_that_is_not_there(root: Path, capsys, args: list[str], message: str) -> None:
    assert export(capsys, root, *args) == (1, "", message)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("loudest", "expected gold, majority, all or annotator:NAME, got 'loudest'"),
        ("annotator:a/b", "annotator name 'a/b': is a path: a name has no '/' or '\\' (it becomes annotations/NAME.toml)"),
    ],
)
def test_bad_resolve_is_a_usage_error(root: Path, capsys, value: str, message: str) -> None:
    with pytest.raises(SystemExit) as caught:
        export(capsys, root, "--resolve", value)
    out, err = capsys.readouterr()
    assert (caught.value.code, out) == (2, "")
    assert err.splitlines()[-1] == f"annotator export: error: argument --resolve: {message}"


def test_writes_a_file_and_never_overwrites_without_force(root: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(root)
    _, expected, _ = export(capsys, root)
    assert export(capsys, root, "-o", "labels.jsonl") == (0, "", SUMMARY)
    assert (root / "labels.jsonl").read_bytes() == expected.encode("utf-8")

    (root / "labels.jsonl").write_text("precious\n", "utf-8")
    assert export(capsys, root, "-o", "labels.jsonl") == (
        1, "", "annotator: labels.jsonl: already exists\n  (add --force to overwrite it, or choose another -o)\n",
    )
    assert (root / "labels.jsonl").read_text("utf-8") == "precious\n"
    assert export(capsys, root, "-o", "labels.jsonl", "--force") == (0, "", SUMMARY)
    assert (root / "labels.jsonl").read_bytes() == expected.encode("utf-8")
    assert sorted(path.name for path in root.iterdir() if path.name.startswith(".")) == []


def test_output_into_a_missing_folder(root: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(root)
    assert export(capsys, root, "-o", "nowhere/labels.jsonl") == (
        1, "", "annotator: nowhere/labels.jsonl: no such folder 'nowhere'\n",
    )


def test_same_labels_give_the_same_bytes(tmp_path: Path, capsys) -> None:
    one = labeled_project(tmp_path / "one")
    two = labeled_project(tmp_path / "two")
    for args in (["--resolve", "all"], ["--format", "csv", "--resolve", "all"], ["--format", "prodigy"]):
        assert export(capsys, one, *args)[1] == export(capsys, two, *args)[1]


def test_loads_with_pandas_and_datasets(root: Path, tmp_path: Path, capsys) -> None:
    pandas = pytest.importorskip("pandas")
    datasets = pytest.importorskip("datasets")
    target = tmp_path / "labels.jsonl"
    assert export(capsys, root, "--resolve", "all", "-o", str(target))[0] == 0
    frame = pandas.read_json(target, lines=True)
    assert list(frame["id"]) == ["c1", "c2", "c3", "c4", "c5"]
    dataset = datasets.load_dataset("json", data_files=str(target), split="train")
    assert dataset[1]["stance_tie"] == ["agree", "disagree"]


def test_prodigy_gives_a_label_annotator_toml_does_not_name_an_option_of_its_own(root: Path, capsys) -> None:
    """A label kept from a file though the config does not name it (a typo, a renamed label):
    Prodigy takes only accepted ids among the options, so the record gets an option for it,
    marked, rather than an answer Prodigy cannot show or the label dropped."""
    path = root / "annotations" / "alice.toml"
    path.write_text(path.read_text("utf-8").replace('stance = "agree"', 'stance = "agreee"', 1), "utf-8")
    _, out, _ = export(capsys, root, "--format", "prodigy", "--resolve", "annotator:alice")
    records = [json.loads(line) for line in out.splitlines()]
    odd = [record for record in records if "agreee" in record["accept"]]
    assert len(odd) == 1
    assert odd[0]["options"] == [{"id": name, "text": name} for name in STANCES + TOPICS] + [
        {"id": "agreee", "text": "agreee (not in annotator.toml)"}]
    for record in records:
        assert set(record["accept"]) <= {option["id"] for option in record["options"]}
    for line in out.splitlines(keepends=True):
        assert json.dumps(json.loads(line), ensure_ascii=False, sort_keys=True) + "\n" == line
