"""The annotation files: exact layout, round trips, small diffs, atomic writes, nothing lost."""

from __future__ import annotations

import difflib
import os
import tempfile
import tomllib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core.store import durable as store_module
from annotator.core.errors import AnnotatorError
from annotator.core.models import Annotation
from annotator.core.store import (
    AnnotationFile,
    ChangedOnDisk,
    StoreError,
    annotation_path,
    entry_table,
    check_annotator_name,
    read_canonical,
    safe_annotator_name,
)
from annotator.core.store.columns import locate_by
from annotator.core.store.layout import (
    CanonicalFile,
    CanonicalReader,
    parse_annotations,
    render_entries,
    render_entry,
    render_head,
)
from tests.conftest import DATA

WHEN = datetime(2026, 11, 27, 9, 30, 0, tzinfo=UTC)
TEXTS = {
    "0b1c2d3e4f50": "Thanks for sharing this, I believe this kind of work is very promising. Especially, it pushes us.",
    "7a8b9c0d1e2f": "NO rigorous, first-principles analysis has ever computed any aspect of any deep learning model",
    "c3d4e5f60718": "Short one.",
}


def sample(root: Path) -> AnnotationFile:
    annotations = AnnotationFile.open(root, "alice")
    annotations.set("7a8b9c0d1e2f", Annotation(stance="disagree", topics=("scaling", "dl-theory"),
                                               note='Cites "Tensor Programs V".\nSee muP.', seconds=41.5, updated=WHEN),
                    TEXTS["7a8b9c0d1e2f"])
    annotations.set("0b1c2d3e4f50", Annotation(stance="agree", updated=WHEN), TEXTS["0b1c2d3e4f50"])
    annotations.set("c3d4e5f60718", Annotation(flagged=True, updated=WHEN), TEXTS["c3d4e5f60718"])
    return annotations


def test_golden_layout(tmp_path: Path) -> None:
    annotations = sample(tmp_path)
    annotations.save()
    written = (tmp_path / "annotations" / "alice.toml").read_text("utf-8")
    assert written == (DATA / "golden" / "alice.toml").read_text("utf-8")


def test_same_annotations_in_any_order_give_the_same_bytes(tmp_path: Path) -> None:
    first = sample(tmp_path / "a").render()
    other = AnnotationFile.open(tmp_path / "b", "alice")
    for comment_id in reversed(sorted(TEXTS)):
        other.set(comment_id, sample(tmp_path / "c").get(comment_id), TEXTS[comment_id])
    assert other.render() == first


def test_changing_one_label_changes_only_that_entry(tmp_path: Path) -> None:
    annotations = sample(tmp_path)
    before = annotations.render().splitlines()
    old = annotations.get("7a8b9c0d1e2f")
    annotations.set("7a8b9c0d1e2f", old.replace(stance="mixed", updated=datetime(2026, 11, 28, tzinfo=UTC)))
    after = annotations.render().splitlines()
    changed = [line for line in difflib.unified_diff(before, after, lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == [
        '-stance = "disagree"',
        '+stance = "mixed"',
        '-updated = 2026-11-27 09:30:00+00:00',
        '+updated = 2026-11-28 00:00:00+00:00',
    ]


def test_removing_every_label_removes_the_entry(tmp_path: Path) -> None:
    annotations = sample(tmp_path)
    annotations.set("c3d4e5f60718", Annotation())
    assert "c3d4e5f60718" not in annotations.render()
    assert "Short one." not in annotations.render()


notes = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)
annotation = st.builds(
    Annotation,
    stance=st.none() | names,
    topics=st.lists(names, max_size=4, unique=True).map(tuple),
    note=st.none() | notes,
    flagged=st.booleans(),
    seconds=st.floats(min_value=0, max_value=1e6, allow_nan=False).map(lambda s: round(s, 1)),
    updated=st.none() | st.datetimes(timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=0)),
    extra=st.just({}),
)
comment_ids = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=16)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(comment_ids, annotation, max_size=6), st.dictionaries(comment_ids, notes, max_size=6))
def test_any_annotations_write_and_read_back_equal(tmp_path: Path, entries: dict, texts: dict) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
        round_trip(Path(folder), entries, texts)


plain = st.from_regex(r"[a-z][a-z -]{0,12}", fullmatch=True)  # what label names and most notes look like
plain_annotation = st.builds(
    Annotation,
    stance=st.none() | plain | names,
    topics=st.lists(plain | names, max_size=4, unique=True).map(tuple),
    note=st.none() | plain | notes,
    flagged=st.booleans(),
    seconds=st.floats(min_value=0, max_value=1e9, allow_nan=False).map(lambda s: round(s, 1)),
    updated=st.none() | st.datetimes(timezones=st.just(UTC)),
    extra=st.just({}) | st.dictionaries(plain, plain | st.integers(), max_size=2),
)


@settings(max_examples=300)
@given(st.from_regex(r"[0-9a-f]{12}", fullmatch=True) | comment_ids, plain_annotation)
def test_entries_are_written_as_tomli_w_writes_them(comment_id: str, entry: Annotation) -> None:
    assert entry_table(comment_id, entry) == tomli_w.dumps({"comments": {comment_id: entry.to_toml_dict()}})


@settings(max_examples=200)
@given(st.dictionaries(st.from_regex(r"[0-9a-f]{12}", fullmatch=True) | comment_ids, plain_annotation | annotation,
                       max_size=8), st.lists(st.none() | plain | notes, min_size=8, max_size=8))
def test_entries_rendered_together_are_each_rendered_alone(entries: dict, quotes: list) -> None:
    ids = sorted(entries)
    quotes = quotes[:len(ids)]
    values = [entries[comment_id] for comment_id in ids]
    assert render_entries(ids, values, quotes) == "".join(map(render_entry, ids, values, quotes)).encode()


def test_equal_times_in_other_offsets_are_each_written_as_they_are() -> None:
    offsets = [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5, minutes=-30))]
    times = [WHEN.astimezone(offset) for offset in offsets] + [WHEN.replace(tzinfo=None), WHEN.replace(microsecond=7)]
    assert len(set(times)) == 3  # (the first three are one time: equal, with one hash)
    for when in times * 2:  # (twice: written again, as remembered)
        entry = Annotation(stance="agree", updated=when)
        assert entry_table("c1", entry) == tomli_w.dumps({"comments": {"c1": entry.to_toml_dict()}})
        assert entry_table("c1", entry).endswith(f"updated = {when}\n")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["0b1c2d3e4f50", "7a8b9c0d1e2f", "c3d4e5f60718", "00", "5", "zz"]),
                          st.none() | plain_annotation, st.none() | plain), max_size=8))
def test_changes_over_a_file_read_as_columns_are_written_as_over_one_parsed(tmp_path: Path, changes: list) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
        path = Path(folder) / "annotations" / "alice.toml"
        path.parent.mkdir()
        path.write_bytes((DATA / "golden" / "alice.toml").read_bytes())
        AnnotationFile.load(path)  # (cached: the next read is from the columns)
        columns, parsed = AnnotationFile.load(path), AnnotationFile(path, "alice", **_parsed(path))
        assert columns.entries.columns is not None and parsed.entries.columns is None
        for comment_id, entry, text in changes:
            for labels in (columns, parsed):
                labels.set(comment_id, entry, text)
        assert columns.render() == parsed.render()
        columns.save(force=True)
        assert AnnotationFile.load(path).render() == parsed.render()


def test_set_many_whose_changes_fail_halfway_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "annotations" / "alice.toml"
    path.parent.mkdir()
    path.write_bytes((DATA / "golden" / "alice.toml").read_bytes())
    labels = AnnotationFile.load(path)
    before = labels.render()

    def changes():
        yield "0b1c2d3e4f50", Annotation("agree"), "a text"
        raise KeyError("no such comment")

    with pytest.raises(KeyError):
        labels.set_many(changes())
    assert (labels.render(), labels.unsaved, labels.needs_compaction) == (before, 0, False)


def test_atomic_write_writes_bytes_like_text_whole(tmp_path: Path) -> None:
    for text in (bytearray(b"a = 1\n"), memoryview(b"a = 1\n"), b"a = 1\n", "a = 1\n", [b"a = ", b"1\n"]):
        path = tmp_path / "file.toml"
        store_module.atomic_write(path, text)
        assert path.read_bytes() == b"a = 1\n"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["0b1c2d3e4f50", "7a8b9c0d1e2f", "c3d4e5f60718", "00", "5", "zz"]),
                          st.none() | plain_annotation, st.none() | plain), max_size=8), st.booleans())
def test_set_many_is_set_of_each(tmp_path: Path, changes: list, from_columns: bool) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
        stores = []
        for name in ("one", "many"):  # (each with its own journal)
            path = Path(folder) / name / "annotations" / "alice.toml"
            path.parent.mkdir(parents=True)
            path.write_bytes((DATA / "golden" / "alice.toml").read_bytes())
            AnnotationFile.load(path)  # (cached: the next read is from the columns)
            stores.append(AnnotationFile.load(path) if from_columns else AnnotationFile(path, "alice", **_parsed(path)))
        one, many = stores
        for comment_id, entry, text in changes:
            one.set(comment_id, entry, text)
        many.set_many(changes)
        assert (dict(many.entries.items()), len(many.entries)) == (dict(one.entries.items()), len(one.entries))
        assert (dict(many.excerpts.items()), len(many.excerpts)) == (dict(one.excerpts.items()), len(one.excerpts))
        assert (many.render(), many.unsaved, many.needs_compaction) == (one.render(), one.unsaved, one.needs_compaction)
        assert many.commit() == one.commit()  # (the same changes to the file journaled)
        journals = [store.journal.read_text("utf-8").replace(store.session_id, "S") if store.journal.exists() else None
                    for store in (one, many)]
        assert journals[0] == journals[1]
        many.save(force=True)
        assert many.path.read_text("utf-8") == one.render()
        assert not many.needs_compaction and not many.journal.exists()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["0b1c2d3e4f50", "7a8b9c0d1e2f", "c3d4e5f60718", "00", "5", "zz"]),
                          st.none() | plain_annotation), max_size=8),
       st.permutations(["0b1c2d3e4f50", "7a8b9c0d1e2f", "c3d4e5f60718", "00", "5", "zz"]), st.integers(0, 6))
def test_labeled_positions_read_from_the_columns_are_those_of_the_entries(
    tmp_path: Path, changes: list, order: list[str], known: int
) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
        path = Path(folder) / "annotations" / "alice.toml"
        path.parent.mkdir()
        path.write_bytes((DATA / "golden" / "alice.toml").read_bytes())
        AnnotationFile.load(path)  # (cached: the next read is from the columns)
        labels = AnnotationFile.load(path)
        for comment_id, entry in changes:
            labels.set(comment_id, entry)
        corpus = {comment_id: position for position, comment_id in enumerate(order[:known])}
        expected = sorted((corpus[comment_id], entry.stance is not None) for comment_id, entry in labels.entries.items()
                          if entry.is_labeled and comment_id in corpus)
        digest = "\n".join(order[:known]).encode()
        for _ in range(2):  # (the second time, where the entries are in the corpus comes from the cache)
            positions, stanced = labels.entries.labeled_positions(locate_by(lambda: corpus), digest, corpus.get)
            assert sorted(zip(positions, map(bool, stanced))) == expected


def _parsed(path: Path) -> dict:
    """What a parse without columns gives, as `AnnotationFile` takes it."""
    data = tomllib.loads(path.read_text("utf-8"))
    loaded = AnnotationFile.load(path)
    return {"entries": {key: Annotation.from_dict(value) for key, value in data["comments"].items()},
            "excerpts": dict(loaded.excerpts), "extra": {}}


def round_trip(root: Path, entries: dict, texts: dict) -> None:
    annotations = AnnotationFile.open(root, "prop")
    for comment_id, entry in entries.items():
        annotations.set(comment_id, entry, texts.get(comment_id))
    annotations.save(force=True)
    text = annotations.path.read_text("utf-8")
    fast = read_canonical(text)
    if fast is not None:  # the fast reader, where it applies, agrees with the TOML parser
        assert_reads_as_toml_parser(fast, text)
    again = AnnotationFile.load(annotations.path)
    assert again.entries == {k: v for k, v in entries.items() if not v.is_empty}
    assert again.render() == annotations.render()
    cached = AnnotationFile.load(annotations.path)  # (a second read: from the parse cache, as columns)
    assert (cached.entries, cached.excerpts, cached.lines) == (again.entries, again.excerpts, again.lines)
    assert cached.render() == annotations.render()


def test_unknown_labels_and_keys_survive_a_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "annotations" / "bob.toml"
    path.parent.mkdir()
    path.write_text(
        'format = 1\nannotator = "bob"\nreviewed_by = "carol"\n\n'
        '[comments.aaa]\nstance = "sarcastic"\ntopics = ["quantum"]\nflagged = false\nconfidence = 0.8\n'
        '[comments.aaa.source]\ntool = "prodigy"\n\n'
        '[comments.bbb]\nstance = "agree"\ntopics = []\nflagged = false\n',
        "utf-8",
    )
    annotations = AnnotationFile.load(path)
    assert sorted(str(w) for w in annotations.warnings) == [
        f"{path}:3: warning: unknown key 'reviewed_by' kept",
        f"{path}:5: warning: comment aaa: unknown key 'confidence' kept",
        f"{path}:5: warning: comment aaa: unknown key 'source' kept",
    ]
    annotations.set("bbb", Annotation(stance="disagree"))
    annotations.save()
    again = AnnotationFile.load(path)
    assert again.extra == {"reviewed_by": "carol"}
    kept = again.get("aaa")
    assert (kept.stance, kept.topics) == ("sarcastic", ("quantum",))
    assert kept.extra == {"confidence": 0.8, "source": {"tool": "prodigy"}}
    assert again.get("bbb").stance == "disagree"


def test_interrupted_write_leaves_old_file_and_no_stray_files(tmp_path: Path, monkeypatch) -> None:
    annotations = sample(tmp_path)
    annotations.save()
    path = annotations.path
    before = path.read_bytes()

    def crash(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_module.os, "replace", crash)
    annotations.set("c3d4e5f60718", Annotation(stance="neutral"))
    with pytest.raises(OSError, match="No space left"):
        annotations.save()
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["alice.toml"]


def test_a_save_that_fails_while_rendering_leaves_the_old_file(tmp_path: Path, monkeypatch) -> None:
    """`save` renders entries as it writes them: a failure half-way still replaces nothing."""
    from annotator.core.store import file as file_module

    annotations = sample(tmp_path)
    annotations.save()
    path = annotations.path
    before = path.read_bytes()
    rendered = []

    def failing(ids: list[str], entries: list[Annotation], quotes: list[str | None]) -> bytes:
        if rendered:  # (the second slice of entries)
            raise MemoryError
        rendered.extend(ids)
        return render_entries(ids, entries, quotes)

    monkeypatch.setattr(file_module, "render_entries", failing)
    monkeypatch.setattr(file_module, "RENDER_SLICE", 2)
    annotations.set("c3d4e5f60718", Annotation(stance="neutral"), "Short one, changed.")
    with pytest.raises(MemoryError):
        annotations.save()
    assert rendered == ["0b1c2d3e4f50", "7a8b9c0d1e2f"]  # (the file was being written meanwhile)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["alice.toml"]
    monkeypatch.undo()
    annotations.save()
    assert AnnotationFile.load(path).get("c3d4e5f60718").stance == "neutral"


def test_write_keeps_the_file_mode(tmp_path: Path) -> None:
    annotations = sample(tmp_path)
    annotations.save()
    os.chmod(annotations.path, 0o640)
    annotations.set("c3d4e5f60718", Annotation(stance="neutral"))
    annotations.save()
    assert annotations.path.stat().st_mode & 0o777 == 0o640


def test_refuses_to_overwrite_a_file_changed_on_disk(tmp_path: Path) -> None:
    annotations = sample(tmp_path)
    annotations.save()
    annotations.path.write_text(annotations.path.read_text("utf-8") + "\n# edited by hand\n", "utf-8")
    annotations.set("c3d4e5f60718", Annotation(stance="neutral"))
    with pytest.raises(ChangedOnDisk):
        annotations.save()
    assert annotations.path.read_text("utf-8").endswith("# edited by hand\n")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "annotations" / "bob.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, "utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "messages"),
    [
        ("format = 1\n[comments.a]\nstance = \n", ["bob.toml:3:10: invalid TOML: Invalid value"]),
        ("format = 1\n[comments.a]\nflagged = false\n[comments.a]\nflagged = true\n",
         ["bob.toml:4:12: invalid TOML: Cannot declare ('comments', 'a') twice"]),
        ("format = 1\n<<<<<<< HEAD\n[comments.a]\n=======\n[comments.b]\n>>>>>>> other\n",
         ["bob.toml:2: git conflict marker", "bob.toml:4: git conflict marker", "bob.toml:6: git conflict marker"]),
        ("format = 1\n\n[comments.a]\nstance = 3\ntopics = \"x\"\n\n[comments.b]\nflagged = \"yes\"\n",
         ["bob.toml:3: comment a: stance: expected text, got 3",
          "bob.toml:3: comment a: topics: expected a list of topic names, got 'x'",
          "bob.toml:7: comment b: flagged: expected true or false, got 'yes'"]),
        ("format = 2\n", ["bob.toml:1: format 2 is newer than this annotator reads (1)"]),
    ],
)
def test_unparseable_files_are_reported_and_never_overwritten(tmp_path: Path, text: str, messages: list[str]) -> None:
    path = write(tmp_path, text)
    with pytest.raises(StoreError) as caught:
        AnnotationFile.open(tmp_path, "bob")
    reported = [str(problem) for problem in caught.value.problems]
    assert len(reported) == len(messages)
    for line, message in zip(reported, messages, strict=True):
        assert line.startswith(f"annotations/{message}"), line
    assert path.read_text("utf-8") == text


def test_a_symlink_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.toml"
    outside.write_text("format = 1\n", "utf-8")
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "bob.toml").symlink_to(outside)
    with pytest.raises(StoreError, match="symbolic link: refused"):
        AnnotationFile.open(tmp_path, "bob")


def test_empty_file_reads_as_no_annotations(tmp_path: Path) -> None:
    write(tmp_path, "")
    annotations = AnnotationFile.open(tmp_path, "bob")
    assert annotations.entries == {}
    assert [str(w) for w in annotations.warnings] == ["annotations/bob.toml: warning: empty file: no annotations"]


@pytest.mark.parametrize("name", ["../x", "a/b", ".git", "CON", "con.txt", "", "x" * 300, "a b", "café", "a\\b"])
def test_bad_annotator_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(AnnotatorError, match="annotator name"):
        annotation_path(tmp_path, name)


@pytest.mark.parametrize("name", ["alice", "bob-2", "c.d_e", "gold", "X1"])
def test_good_annotator_names(name: str) -> None:
    assert check_annotator_name(name) == name


@pytest.mark.parametrize(
    ("raw", "safe"),
    [("Ada Lovelace", "ada-lovelace"), ("  ../etc  ", "etc"), ("José García", "jose-garcia"), ("...", ""),
     ("Łukasz Żółć", "lukasz-zolc"), ("../../Étienne Ü [x] 日本", "etienne-u-x"), ("Straße", "strasse"),
     ("Zoë Œuvre-Æsir", "zoe-oeuvre-aesir"), ("日本", ""), ("ｆｕｌｌ", "full")],
)
def test_safe_annotator_name(raw: str, safe: str) -> None:
    """Accents come off rather than the letters going (a git name "José García" used to give
    "jos-garc-a"); what has no ASCII letters is left out."""
    assert safe_annotator_name(raw) == safe


@pytest.mark.parametrize(
    ("existing", "safe"),
    [([], "jose-garcia"), (["jos-garc-a"], "jos-garc-a"), (["jos-garc-a", "jose-garcia"], "jos-garc-a"), (["bob"], "jose-garcia")],
)
def test_a_name_made_before_accents_were_taken_off_stays_where_its_file_is(existing: list[str], safe: str) -> None:
    """Someone whose labels are in the file the earlier rule named keeps that file (even where a
    "Jose Garcia" has the new name's)."""
    assert safe_annotator_name("José García", existing) == safe


def test_the_usual_layout_is_read_by_the_fast_reader(tmp_path: Path) -> None:
    text = (DATA / "golden" / "alice.toml").read_text("utf-8")
    fast = read_canonical(text)
    assert fast is not None
    assert_reads_as_toml_parser(fast, text)
    assert fast.lines == {"0b1c2d3e4f50": 7, "7a8b9c0d1e2f": 14, "c3d4e5f60718": 26}
    assert fast.excerpts["c3d4e5f60718"] == "Short one."


def assert_reads_as_toml_parser(fast: CanonicalFile, text: str) -> None:
    data = tomllib.loads(text)
    assert fast.head == {key: value for key, value in data.items() if key != "comments"}
    assert fast.entries == {key: Annotation.from_dict(value) for key, value in data.get("comments", {}).items()}


def test_entries_out_of_order_are_read_by_the_fast_reader_and_written_sorted(tmp_path: Path) -> None:
    text = (DATA / "golden" / "alice.toml").read_text("utf-8")
    head, *entries = text.rstrip("\n").split("\n\n")
    shuffled = "\n\n".join([head, entries[2], entries[0], entries[1]]) + "\n"
    fast = read_canonical(shuffled)
    assert fast is not None
    assert_reads_as_toml_parser(fast, shuffled)
    assert fast.lines == {"c3d4e5f60718": 7, "0b1c2d3e4f50": 13, "7a8b9c0d1e2f": 20}
    assert fast.excerpts == read_canonical(text).excerpts
    rewritten = AnnotationFile.load(write(tmp_path, shuffled)).render()  # (as bob.toml)
    assert rewritten == text.replace('annotator = "alice"', 'annotator = "bob"')
    assert read_canonical("\n\n".join([head, entries[0], entries[0]]) + "\n") is None  # (an id twice: not TOML)


def test_entries_in_order_within_each_piece_but_not_across_are_read_sorted() -> None:
    """The block reader checks the order of the ids piece by piece and across the cuts: a file
    whose second piece starts before the first ends reads as the TOML parser reads it, and an id
    repeated across a cut is refused, as in one piece."""
    text = (DATA / "golden" / "alice.toml").read_text("utf-8")
    head, *entries = text.rstrip("\n").split("\n\n")
    ordered = sorted(entries, key=lambda entry: entry.split("[comments.")[1])
    pieces = ["\n\n".join([head, ordered[1], ordered[2]]) + "\n", "\n" + ordered[0] + "\n"]
    reader = CanonicalReader()
    assert all(map(reader.feed, pieces))
    fast = reader.result()
    assert fast is not None
    assert_reads_as_toml_parser(fast, "".join(pieces))
    assert fast.columns.ids == sorted(fast.entries)
    assert fast.excerpts == read_canonical(text).excerpts
    repeated = CanonicalReader()
    assert repeated.feed("\n\n".join([head, ordered[0], ordered[1]]) + "\n") and repeated.feed("\n" + ordered[0] + "\n")
    assert repeated.result() is None


_HEAD = '# head\nformat = {format}\nannotator = "alice"\n'
_ENTRY = '\n# {quote}\n[comments.a]\nstance = "agree"\ntopics = []\nflagged = false\nseconds = {seconds}\n'


@pytest.mark.parametrize("text", [
    _HEAD.format(format="01") + _ENTRY.format(quote="x", seconds="1.5"),  # (a leading zero: not TOML)
    _HEAD.format(format="1") + _ENTRY.format(quote="x", seconds="01.5"),
    _HEAD.format(format="1") + _ENTRY.format(quote="a\x01b", seconds="1.5"),  # (a control character in a comment)
    _HEAD.format(format="1\x7f") + _ENTRY.format(quote="x", seconds="1.5"),
], ids=["format 01", "seconds 01.5", "control character in an excerpt", "DEL after the format"])
def test_what_toml_refuses_the_fast_reader_refuses_too(text: str) -> None:
    assert read_canonical(text) is None
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(text)
    with pytest.raises(StoreError, match="invalid TOML"):
        parse_annotations(text, "annotations/alice.toml", "alice")


def test_an_excerpt_line_ended_by_crlf_reads_as_the_toml_parser_reads_it() -> None:
    text = _HEAD.format(format="1") + _ENTRY.format(quote="the excerpt\r", seconds="1.5")
    parsed = parse_annotations(text, "annotations/alice.toml", "alice")
    assert dict(parsed.excerpts) == {"a": "the excerpt"}
    assert parsed.entries == {key: Annotation.from_dict(value) for key, value in tomllib.loads(text)["comments"].items()}


def test_a_note_with_a_unicode_line_separator_leaves_the_line_numbers_right(monkeypatch: pytest.MonkeyPatch) -> None:
    """TOML ends a line at LF (or CRLF) only: a note may hold U+2028, U+0085 or a form feed
    (escaped), and the lines and excerpts of the entries after it are still right when the
    file is read by the TOML parser (an unknown key: not in annotator's own layout)."""
    monkeypatch.setenv("ANNOTATOR_CACHE_DIR", "off")
    text = (render_head("alice", {}) + render_entry("a", Annotation("agree", note="one\u2028two\u0085three"), "first")
            + render_entry("b", Annotation("agree", extra={"foo": 1}), "second"))
    assert "\u2028" in text and read_canonical(text) is None
    parsed = parse_annotations(text, "annotations/alice.toml", "alice")
    numbers = {line.removeprefix("[comments.").removesuffix("]"): number
               for number, line in enumerate(text.split("\n"), start=1) if line.startswith("[comments.")}
    assert dict(parsed.lines) == numbers == {"a": 7, "b": 14}
    assert dict(parsed.excerpts) == {"a": "first", "b": "second"}


def test_anything_unusual_falls_back_to_the_toml_parser(tmp_path: Path) -> None:
    variants = {
        "a hand-written inline table": 'format = 1\nannotator = "bob"\n\n[comments.a]\nstance = "agree"\nx = { y = 1 }\n',
        "single quotes": "format = 1\nannotator = 'bob'\n",
        "an inline topic list": 'format = 1\nannotator = "bob"\n\n[comments.a]\ntopics = ["x", "y"]\n',
    }
    for text in variants.values():
        assert read_canonical(text) is None
        path = write(tmp_path, text)
        assert AnnotationFile.load(path).entries == {
            key: Annotation.from_dict(value) for key, value in tomllib.loads(text).get("comments", {}).items()
        }


def test_the_fast_reader_reads_seconds_as_the_toml_parser_path_does(tmp_path: Path) -> None:
    entry = '\n[comments.a]\nstance = "agree"\ntopics = []\nflagged = false\nseconds = {}\n'
    head = 'format = 1\nannotator = "bob"\n'
    assert AnnotationFile.load(write(tmp_path, head + entry.format("1.25"))).get("a").seconds == 1.2
    with pytest.raises(StoreError, match=r"comment a: seconds: expected a number of seconds, 0 or more, got inf"):
        AnnotationFile.load(write(tmp_path, head + entry.format("1.0e999")))


@pytest.mark.parametrize("time", ["2026-13-15 10:00:00", "2026-11-15 24:00:00", "2026-02-30 10:00:00"])
def test_an_impossible_time_is_reported_with_its_line(tmp_path: Path, time: str) -> None:
    head = 'format = 1\nannotator = "bob"\n'
    text = head + f'\n# A comment.\n[comments.a]\nstance = "agree"\ntopics = []\nflagged = false\nupdated = {time}+00:00\n'
    assert read_canonical(text) is None  # (the shape of the layout, not a time: the TOML parser says where)
    with pytest.raises(StoreError, match=r"bob\.toml:9:\d+: invalid TOML"):
        AnnotationFile.load(write(tmp_path, text))


@pytest.mark.parametrize("digits", [20, 5000])
def test_a_format_of_too_many_digits_is_said_not_raised(tmp_path: Path, digits: int) -> None:
    """Python reads no integer of over 4,300 digits (nor does the TOML parser): the file gets a
    message, not a traceback; one that Python reads is a format newer than this annotator's."""
    text = f'format = {"9" * digits}\nannotator = "bob"\n'
    assert read_canonical(text) is None
    with pytest.raises(StoreError, match="invalid TOML: Exceeds the limit" if digits > 4300 else "is newer than this annotator reads"):
        AnnotationFile.load(write(tmp_path, text))
