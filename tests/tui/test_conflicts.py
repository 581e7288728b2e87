"""Merge conflicts in the app: an entry a merge left with a `[comments.ID.conflict]` table is marked
in the list and counted in the status line, the `Conflicts` filter shows only those, the editor
shows base / ours / theirs per clashing field, `<` and `>` take a side field by field, and the
table goes (journaled, undoable) once every field is decided. Setting a clashing field by the
usual keys decides it, and says so; any other change says the conflict remains."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.core.merge import with_conflict
from annotator.core.models import Annotation
from annotator.core.project import Project
from annotator.core.store import CONFLICT_KEY, AnnotationFile
from annotator.tui.app import build_app
from annotator.tui.widgets.conflict_panel import ConflictPanel
from tests.conftest import make_project
from tests.core.gitrepo import IDS, WHEN, Repo
from tests.tui.conftest import NOW, FakeClock, pick_filter, ready, settled, until


def conflicted_project(tmp_path: Path) -> Path:
    """alice's file: comment 0 in conflict on its stance, comment 1 on its stance and note,
    comment 2 labeled without conflict."""
    root = make_project(tmp_path / "project")
    comments = Project.open(root).corpus.comments
    store = AnnotationFile.open(root, "alice")
    entries = [
        with_conflict(Annotation("agree", updated=NOW), ["stance"], Annotation("neutral"), Annotation("disagree")),
        with_conflict(Annotation("mixed", note="ours: sarcastic", updated=NOW), ["stance", "note"],
                      Annotation("mixed"), Annotation("neutral", note="theirs: sincere")),
        Annotation("agree", updated=NOW),
    ]
    for comment, entry in zip(comments, entries, strict=False):
        store.set(comment.id, entry, comment.text)
    store.save()
    return root


def app_on(root: Path):
    return build_app(Project.open(root), "alice", clock=FakeClock(), now=lambda: NOW)


def in_file(app, index: int) -> Annotation | None:
    """The entry as the TOML file holds it (no journal replayed)."""
    return AnnotationFile.load(app.project.root / "annotations" / "alice.toml", replay=False).get(
        app.project.corpus.comments[index].id)


def notices(app) -> list[str]:
    return [notification.message for notification in app._notifications]


def status(screen) -> str:
    return str(screen.query_one("#progress").render())


async def test_conflicts_are_marked_counted_filtered_and_resolved_by_side_with_undo(tmp_path: Path) -> None:
    app = app_on(conflicted_project(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        rows = [screen.comment_list.render_line(y).text for y in range(3)]
        assert rows[0].startswith(" ✖ agree") and rows[1].startswith(" ✖ mixed") and rows[2].startswith(" ● agree")
        assert "✖ 2 conflicts" in status(screen)
        assert ("2 comments left in conflict by a merge (✖): v, then Conflicts, lists them; < keeps ours, > takes "
                "theirs.") in notices(app)
        panel = str(screen.query_one(ConflictPanel).render())
        assert panel.splitlines() == ["Merge conflict < keeps ours, > takes theirs",
                                      "▶ stance  <agree  >disagree  (base neutral)"]

        await pick_filter(pilot, "conflicts")
        assert list(screen.comment_list.rows) == [0, 1]

        await pilot.press("greater_than_sign")  # comment 0: take theirs
        await settled(pilot, compacted=True)
        entry = in_file(app, 0)
        assert entry.stance == "disagree" and CONFLICT_KEY not in entry.extra
        assert f"[comments.{app.project.corpus.comments[0].id}.conflict]" not in (
            app.project.root / "annotations" / "alice.toml").read_text("utf-8")
        assert "Stance: took theirs. Merge conflict resolved (u undoes)." in notices(app)
        assert "✖1 ● saved" in status(screen) and not screen.query_one(ConflictPanel).has_class("-on")  # (short of room)

        await pilot.press("u")
        await settled(pilot, compacted=True)
        entry = in_file(app, 0)
        assert entry.stance == "agree" and entry.extra[CONFLICT_KEY]["fields"] == ["stance"]
        assert "✖2 ● saved" in status(screen)


async def test_two_clashing_fields_take_a_side_each(tmp_path: Path) -> None:
    app = app_on(conflicted_project(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        await pilot.press("j")
        panel = str(screen.query_one(ConflictPanel).render())
        assert panel.splitlines()[1:] == ["▶ stance  <mixed  >neutral  (base mixed)",
                                          '  note  <"ours: sarcastic"  >"theirs: sincere"  (base —)']
        await pilot.press("less_than_sign")
        await settled(pilot, compacted=True)
        assert "Stance: took ours. Next: note." in notices(app)
        assert in_file(app, 1).extra[CONFLICT_KEY]["fields"] == ["note"]
        assert str(screen.query_one(ConflictPanel).render()).splitlines()[1].startswith("▶ note")
        await pilot.press("greater_than_sign")
        await settled(pilot, compacted=True)
        entry = in_file(app, 1)
        assert (entry.stance, entry.note, dict(entry.extra)) == ("mixed", "theirs: sincere", {})


async def test_the_usual_keys_on_a_conflicted_entry_say_what_became_of_the_conflict(tmp_path: Path) -> None:
    app = app_on(conflicted_project(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press("d")  # the clashing field, set by hand
        await settled(pilot, compacted=True)
        assert (in_file(app, 0).stance, dict(in_file(app, 0).extra)) == ("disagree", {})
        assert "Merge conflict resolved: stance set by hand, the conflict table is removed." in notices(app)

        await pilot.press("j", "f")  # not a clashing field: the conflict stays, and the app says so
        await settled(pilot, compacted=True)
        assert in_file(app, 1).extra[CONFLICT_KEY]["fields"] == ["stance", "note"]
        assert "The merge conflict remains in stance, note: < keeps ours, > takes theirs." in notices(app)

        await pilot.press("a")
        await settled(pilot, compacted=True)
        assert in_file(app, 1).extra[CONFLICT_KEY]["fields"] == ["note"]
        assert "Stance set by hand; the merge conflict remains in note: < keeps ours, > takes theirs." in notices(app)

        await pilot.press("k", "greater_than_sign")
        assert "No merge conflict on this comment (1 in the file: v, then Conflicts, lists them)." in notices(app)


async def test_a_merge_conflict_from_real_git_is_resolved_in_the_app_and_validate_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = Repo.create(tmp_path, monkeypatch)
    repo.setup_drivers()
    repo.label("alice", 0, stance="agree", updated=WHEN)
    repo.commit("first labels")
    for branch, stance in (("neutral", "neutral"), ("mixed", "mixed")):
        repo.git("checkout", "-q", "-b", branch, "main")
        repo.label("alice", 0, stance=stance, updated=WHEN)
        repo.commit(f"{branch}: comment 0")
    repo.git("checkout", "-q", "neutral")
    assert repo.git("merge", "mixed", "-m", "merge", check=False).returncode == 1
    assert AnnotationFile.load(repo.file("alice")).get(IDS[0]).extra[CONFLICT_KEY]["fields"] == ["stance"]
    repo.git("add", "annotations/alice.toml")
    repo.git("commit", "-q", "--no-edit")  # the merge, table and all: the app resolves it next
    assert repo.run(capsys, "validate")[0] == 1

    app = build_app(Project.open(repo.root), "alice", clock=FakeClock(), now=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await until(pilot, lambda: screen.session.conflicts, "the conflict to be read")
        assert "✖ 1 conflict" in status(screen)
        row = screen.row_of(IDS[0])
        screen.comment_list.move_to(row)
        await pilot.pause()
        await pilot.press("greater_than_sign")
        await settled(pilot, compacted=True)
        await pilot.press("ctrl+q")
        await pilot.pause()

    entry = AnnotationFile.load(repo.file("alice"), replay=False).get(IDS[0])
    assert (entry.stance, dict(entry.extra)) == ("mixed", {})
    code, _, err = repo.run(capsys, "validate")
    assert code == 0, err
    diff = repo.git("diff", "--", "annotations/alice.toml").stdout.splitlines()  # (through the textconv)
    assert [line[:14] for line in diff if line[:1] in "-+" and line[1:2] != line[:1]] == [f"-{IDS[0]} ", f"+{IDS[0]} "]
    assert "conflict" in diff[-2] and diff[-1].endswith("stance=mixed")


async def test_a_merge_while_the_app_is_open_marks_the_conflict_when_it_is_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = Repo.create(tmp_path, monkeypatch)
    repo.setup_drivers()
    repo.label("alice", 0, stance="agree", updated=WHEN)
    repo.commit("first labels")
    repo.git("checkout", "-q", "-b", "other", "main")
    repo.label("alice", 0, stance="mixed", updated=WHEN)
    repo.commit("other: comment 0")
    repo.git("checkout", "-q", "main")
    repo.label("alice", 0, stance="neutral", updated=WHEN)
    repo.commit("main: comment 0")

    app = build_app(Project.open(repo.root), "alice", clock=FakeClock(), now=lambda: NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        assert repo.git("merge", "other", "-m", "merge", check=False).returncode == 1
        repo.git("add", "annotations/alice.toml")
        repo.git("commit", "-q", "--no-edit")
        await until(pilot, lambda: screen.session.conflicts == {IDS[0]}, "the app to read the merged file")
        await until(pilot, lambda: any("1 comment left in conflict by a merge" in message for message in notices(app)),
                    "the notice")
        assert "✖ 1 conflict" in status(screen)
        assert screen.comment_list.render_line(screen.row_of(IDS[0])).text.startswith(" ✖ neutral")


def test_conflict_and_review_at_80x24_snapshot(snap_compare, tmp_path: Path) -> None:
    """The tightest layout: review mode and a merge conflict on the same comment, at 80x24. The
    comment keeps lines of text, and the panels say which keys do what."""
    root = conflicted_project(tmp_path)
    bob = AnnotationFile.open(root, "bob")
    comment = Project.open(root).corpus.comments[1]
    bob.set(comment.id, Annotation("neutral", note="Cut off", flagged=True, seconds=12.5), comment.text)
    bob.save()

    async def run_before(pilot) -> None:
        screen = await ready(pilot)
        await pilot.press("j", "r")
        await until(pilot, lambda: screen.review is not None, "review mode")
        app = pilot.app
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app_on(root), terminal_size=(80, 24), run_before=run_before)
