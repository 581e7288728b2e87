"""What a `git pull` (or any outside change) does to what the annotator is in the middle of: a
note open in the editor, and undo of a label the pull changed too. Found by testing as a user:
the editor wrote the note it had opened with over the pulled one, and undo after "changed on
both sides, yours kept" brought back a value neither side held."""

from __future__ import annotations

import pytest

from annotator.core.project import Project
from annotator.tui import saver
from annotator.tui.app import build_app
from annotator.tui.widgets.note_editor import NoteEditor
from tests.core.gitrepo import IDS, Repo
from tests.safety.test_everyday_losses import in_file, outside_edit, repo  # noqa: F401 (fixture)
from tests.safety.test_git_under_app import NOW, reload_notices
from tests.tui.conftest import ready, settled, until


def notices(app) -> list[str]:
    return [notification.message for notification in app._notifications]


async def open_note_then_pull(pilot, app, repo: Repo, pulled: str) -> None:
    """On comment 1 (its note "first note", committed), open the note editor; then a pull
    changes the note to `pulled` while the editor is open."""
    await pilot.press("j", "e")
    assert isinstance(app.focused, NoteEditor) and app.focused.text == "first note"
    outside_edit(repo, 1, note=pulled)
    await until(pilot, lambda: reload_notices(app), "the reload after the pull")


@pytest.fixture
def noted(repo: Repo) -> Repo:
    outside_edit(repo, 1, stance="agree", note="first note")
    repo.commit("alice notes the second comment")
    return repo


async def test_a_note_opened_and_left_untouched_keeps_the_note_the_pull_brought(noted: Repo) -> None:
    app = build_app(Project.open(noted.root), "alice", now=lambda: NOW)
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await open_note_then_pull(pilot, app, noted, "teammate: sarcasm, see thread")
        await pilot.press("escape")
        await settled(pilot, compacted=True)
        assert in_file(noted, 1).note == "teammate: sarcasm, see thread"
        assert screen.session.annotation(IDS[1]).note == "teammate: sarcasm, see thread"
        assert not any("changed on disk while you edited" in notice for notice in notices(app))
        await pilot.press("ctrl+q")


async def test_a_note_typed_over_a_pulled_note_is_kept_and_said_and_undo_brings_the_pulled_one(noted: Repo) -> None:
    app = build_app(Project.open(noted.root), "alice", now=lambda: NOW)
    async with app.run_test() as pilot:
        await ready(pilot)
        await open_note_then_pull(pilot, app, noted, "teammate: sarcasm")
        await pilot.press("end", *" and more", "escape")
        await settled(pilot, compacted=True)
        assert in_file(noted, 1).note == "first note and more"
        assert f"The note of {IDS[1]} changed on disk while you edited it: yours kept (u brings back the one from disk)." \
            in notices(app)
        await pilot.press("u")
        await settled(pilot, compacted=True)
        assert in_file(noted, 1).note == "teammate: sarcasm"
        await pilot.press("ctrl+q")


async def test_undo_after_yours_kept_brings_back_the_value_the_pull_brought(repo: Repo, monkeypatch) -> None:
    """The stance chosen is in the journal, not yet in the file, when a pull changes the same
    stance: the reload keeps the annotator's, and undo then gives the pulled one (the value the
    key replaced is in neither the file nor the branch any more)."""
    outside_edit(repo, 1, stance="neutral")
    repo.commit("alice: neutral")
    monkeypatch.setattr(saver, "COMPACT_AFTER", 60.0)  # (the key's change stays in the journal)
    app = build_app(Project.open(repo.root), "alice", now=lambda: NOW)
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("j", "d")
        await settled(pilot)
        await taken_back_after_a_pull(pilot, screen, repo, monkeypatch, "u", kept="disagree")
        assert any(f"Changed on both sides, yours kept: {IDS[1]}" in notice for notice in notices(app))
        await pilot.press("ctrl+q")


async def taken_back_after_a_pull(pilot, screen, repo: Repo, monkeypatch, key: str, kept: str) -> None:
    """A pull sets comment 1's stance to agree while the session's change to it (to `kept`) is
    in the journal only: the reload keeps `kept`; then `key` (undo or redo) takes the session's
    change back, and the file has the pulled stance."""
    outside_edit(repo, 1, stance="agree")
    await until(pilot, lambda: reload_notices(screen.app), "the reload after the pull")
    assert screen.session.annotation(IDS[1]).stance == kept
    monkeypatch.setattr(saver, "COMPACT_AFTER", 0.05)
    await pilot.press(key)
    await settled(pilot, compacted=True)
    assert in_file(repo, 1).stance == "agree"


async def test_an_undo_refused_for_a_field_changed_since_leaves_the_entry_as_it_is(noted: Repo) -> None:
    """Undo that takes nothing back (the note was changed on disk since) keeps the entry whole:
    its time spent and its last change are not set back either."""
    app = build_app(Project.open(noted.root), "alice", now=lambda: NOW)
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("j", "e", "end", *" typed", "escape")
        await settled(pilot, compacted=True)
        outside_edit(noted, 1, note="rewritten by a teammate", seconds=99.5)
        await until(pilot, lambda: reload_notices(app), "the reload after the pull")
        before = in_file(noted, 1)
        await pilot.press("u")
        await settled(pilot, compacted=True)
        assert any("Note left as it is: changed on disk since" in notice for notice in notices(app))
        assert in_file(noted, 1) == before and before.seconds == 99.5
        assert screen.session.annotation(IDS[1]) == before
        await pilot.press("ctrl+q")


async def test_a_reload_with_nothing_unsaved_does_not_speak_of_unsaved_changes(noted: Repo) -> None:
    app = build_app(Project.open(noted.root), "alice", now=lambda: NOW)
    async with app.run_test() as pilot:
        await ready(pilot)
        outside_edit(noted, 2, stance="mixed")
        await until(pilot, lambda: reload_notices(app), "the reload after the pull")
        assert "annotations/alice.toml changed on disk: reloaded." in notices(app)
        await pilot.press("ctrl+q")


@pytest.mark.parametrize(("keys", "kept"), [(("d",), "neutral"), (("d", "n"), "disagree")], ids=["one step", "two steps"])
async def test_redo_after_yours_kept_brings_back_the_value_the_pull_brought(repo: Repo, monkeypatch, keys, kept) -> None:
    """The same for redo: stances chosen and folded in, the last undone (the undo in the journal
    only), then a pull that changes it: the reload keeps the undone value, and redo gives the
    pulled one, not the one the file no longer holds. With two steps (d then n: the file neutral
    again), both an older step (neutral -> disagree) and the step undone (disagree -> neutral)
    hold the value the session replaced."""
    outside_edit(repo, 1, stance="neutral")
    repo.commit("alice: neutral")
    monkeypatch.setattr(saver, "COMPACT_AFTER", 0.05)
    app = build_app(Project.open(repo.root), "alice", now=lambda: NOW)
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("j", *keys)
        await settled(pilot, compacted=True)
        monkeypatch.setattr(saver, "COMPACT_AFTER", 60.0)
        await pilot.press("u")
        await settled(pilot)
        await taken_back_after_a_pull(pilot, screen, repo, monkeypatch, "U", kept=kept)
        await pilot.press("ctrl+q")


async def test_a_note_with_a_line_separator_left_untouched_keeps_the_pulled_note(repo: Repo) -> None:
    """The editor splits a note's lines at any line separator and joins them with newlines: a
    note holding U+2028 reads back otherwise, though nothing was typed."""
    outside_edit(repo, 1, stance="agree", note="first\u2028note")
    repo.commit("alice notes the second comment")
    app = build_app(Project.open(repo.root), "alice", now=lambda: NOW)
    async with app.run_test() as pilot:
        await ready(pilot)
        await pilot.press("j", "e")
        outside_edit(repo, 1, note="pulled")
        await until(pilot, lambda: reload_notices(app), "the reload after the pull")
        await pilot.press("escape")
        await settled(pilot, compacted=True)
        assert in_file(repo, 1).note == "pulled"
        assert not any("while you edited" in notice for notice in notices(app))
        await pilot.press("ctrl+q")
