"""Failing writes, hostile text, and a corpus of 100,000 comments."""

from __future__ import annotations

import errno

from annotator.core.store import durable as store_module
from annotator.core.project import Project
from annotator.tui.app import build_app
from annotator.tui.screens.dialogs import Question
from annotator.tui.widgets.comment_list import CommentList
from annotator.tui.widgets.comment_view import CommentView
from annotator.tui.widgets.label_panel import LabelPanel
from annotator.tui.widgets.note_editor import NoteEditor, NotePreview
from tests.conftest import make_project
from tests.tui.conftest import HOSTILE, disk_entry, ready, settled


def fail_writes(monkeypatch) -> list[int]:
    """Make writes into any `annotations/` folder fail as a read-only folder does (writes
    elsewhere still work); returns a list that counts the refused tries."""
    tries: list[int] = []
    real_write, real_append = store_module.atomic_write, store_module.append_durably

    def guarded(real):
        def write(path, text, **options):
            if path.parent.name == "annotations":
                tries.append(1)
                raise OSError(errno.EROFS, "Read-only file system", str(path))
            return real(path, text, **options)
        return write

    monkeypatch.setattr(store_module, "atomic_write", guarded(real_write))
    monkeypatch.setattr(store_module, "append_durably", guarded(real_append))
    return tries


async def test_a_failing_write_keeps_the_change_reports_it_and_retries(make_app, monkeypatch) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        tries = fail_writes(monkeypatch)
        await pilot.press("d")
        await settled(pilot)
        assert screen.save_error is not None and "Read-only file system" in screen.save_error
        assert "not saved" in str(screen.query_one("#progress").render())
        assert any("Could not save" in n.message for n in app._notifications)
        assert screen.session.annotation(app.project.corpus.comments[0].id).stance == "disagree"
        assert disk_entry(app, 0) is None
        monkeypatch.undo()
        await pilot.pause(3.5)  # the retry timer
        await settled(pilot)
        assert len(tries) == 1
        assert screen.save_error is None
        assert disk_entry(app, 0).stance == "disagree"
        assert "● saved" in str(screen.query_one("#progress").render())


async def test_a_file_that_cannot_be_rewritten_stays_reported_while_the_journal_takes_the_keys(
    make_app, monkeypatch
) -> None:
    """The commit lane succeeding must not hide the fold lane failing (the TOML file read-only,
    the journal writable): the screen keeps saying so until the file is written."""
    app = make_app()
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        real_write = store_module.atomic_write

        def refuse_the_file(path, text, **options):
            if path.name == "alice.toml":
                raise OSError(errno.EACCES, "Permission denied", str(path))
            return real_write(path, text, **options)

        monkeypatch.setattr(store_module, "atomic_write", refuse_the_file)
        await pilot.press("d")
        screen.saver.fold_soon(compact=True)  # (what the pause timer does)
        await settled(pilot)
        assert "Permission denied" in screen.save_error
        await pilot.press("j", "a")  # committed to the journal: the commit lane succeeds
        await settled(pilot)
        assert screen.saved_version == screen.session.version
        assert "Permission denied" in (screen.save_error or "")
        assert "not saved" in str(screen.query_one("#progress").render())
        monkeypatch.undo()
        await pilot.pause(3.5)  # the fold lane's retry
        await settled(pilot)
        assert screen.save_error is None
        assert (disk_entry(app, 0).stance, disk_entry(app, 1).stance) == ("disagree", "agree")


async def test_quitting_with_unsaved_changes_asks_first(make_app, monkeypatch, tmp_path) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        fail_writes(monkeypatch)
        await pilot.press("a")
        await settled(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, Question)
        await pilot.press("r")  # stay
        assert not isinstance(app.screen, Question)
        assert app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, Question), app.screen
        backup = tmp_path / "backup.toml"
        await pilot.press("w")
        app.screen.query_one("#prompt-input").value = str(backup)
        await pilot.press("enter")
        await pilot.pause()
    assert 'stance = "agree"' in backup.read_text("utf-8")
    assert disk_entry(app, 0) is None


async def test_hostile_text_is_shown_literally_everywhere(make_app) -> None:
    app = make_app(extra=HOSTILE)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await pilot.press("G")
        for index in range(len(HOSTILE)):
            comment = app.project.corpus.comments[22 + index]
            await pilot.press("colon", *comment.id, "enter")
            await pilot.pause()
            shown = str(screen.query_one(CommentView).body)
            assert "\x1b" not in shown and "\x07" not in shown
            if index == 0:
                assert "[bold]not bold[/bold] [/] [/ [@click=app.quit]click me[/] $name ${x}" in shown
            if index == 1:
                assert "␛[31mred␛[0m" in shown
            await pilot.press("e", *"[/] [@click=app.quit]x[/]", "escape", "a")
            await settled(pilot)
            assert app.is_running
        assert disk_entry(app, 22).note == "[/] [@click=app.quit]x[/]"
        lines = [screen.query_one(CommentList).render_line(y).text for y in range(screen.query_one(CommentList).size.height)]
        assert not any("\x1b" in line for line in lines)


async def test_hostile_annotator_and_label_names_in_the_header_and_panel(tmp_path) -> None:
    root = make_project(tmp_path / "p")
    (root / "annotations" / "x.toml").write_text(
        f'format = 1\n\n[comments.{Project.open(root).corpus.comments[0].id}]\nstance = "[b]x[/b]"\n'
        'topics = ["[/]", "$y"]\n', "utf-8")
    app = build_app(Project.open(root), "x")
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        panel = str(screen.query_one(LabelPanel).render())
        assert "[b]x[/b] (not in annotator.toml, kept)" in panel
        assert "[/] (not in annotator.toml, kept)" in panel


async def test_100k_comments_mount_and_move(tmp_path) -> None:
    """Mounts 100,000 comments and moves through them; the benchmark reports the time."""
    root = make_project(tmp_path / "big", {"big.txt": "\n".join(f"Comment number {i}: " + "words " * 30 for i in range(100_000))})
    app = build_app(Project.open(root), "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        await pilot.press("G")
        assert screen.current_position() == 99_999
        await pilot.press("k", "k", "a", "g", "j")
        assert screen.current_position() == 1
        await pilot.press("pagedown")
        assert screen.current_position() > 1
        await settled(pilot)
        assert disk_entry(app, 99_997).stance == "agree"
        shown = str(screen.query_one(CommentView).body)
        assert shown.startswith(f"Comment number {screen.current_position()}:")


async def test_a_second_app_for_the_same_annotator_is_refused(make_app, tmp_path) -> None:
    first = make_app()
    second = build_app(Project.open(first.project.root), "alice")
    other = build_app(Project.open(first.project.root), "bob")
    async with first.run_test() as pilot:
        await ready(pilot)
        async with second.run_test() as pilot2:
            for _ in range(50):
                await pilot2.pause()
                if type(second.screen).__name__ == "ErrorScreen":
                    break
            text = str(second.screen.query_one("#error-text").render())
            assert "alice is already annotating in this project (pid " in text
            assert "Nothing was written" in text
        async with other.run_test() as pilot3:
            await ready(pilot3)  # another annotator works normally
            await pilot3.press("a")
            await settled(pilot3)
        assert disk_entry(other, 0, "bob").stance == "agree"
    # The first app has quit: its lock is gone.
    third = build_app(Project.open(first.project.root), "alice")
    async with third.run_test() as pilot4:
        await ready(pilot4)


async def test_a_file_changed_under_the_app_is_reloaded_and_merged(make_app) -> None:
    from annotator.core.models import Annotation
    from annotator.core.store import AnnotationFile

    app = make_app()
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("a")
        await settled(pilot, compacted=True)
        await pilot.press("j", "d")  # our change, only in the journal so far
        await settled(pilot)
        # `git pull` brings labels for comments 5 and 6 from a teammate's edit of our file:
        outside = AnnotationFile.load(app.project.root / "annotations" / "alice.toml", replay=False)
        comments = app.project.corpus.comments
        outside.set(comments[5].id, Annotation(stance="mixed"), comments[5].text)
        outside.set(comments[6].id, Annotation(stance="neutral"), comments[6].text)
        outside.save(force=True)
        for _ in range(40):
            await pilot.pause(0.1)
            if screen.session.annotation(comments[5].id) is not None:
                break
        await settled(pilot, compacted=True)
        assert screen.session.labeled_count == 4
        assert any("changed on disk: reloaded" in n.message for n in app._notifications)
    final = AnnotationFile.load(app.project.root / "annotations" / "alice.toml", replay=False)
    assert [final.get(c.id).stance for c in comments[:2]] + [final.get(comments[5].id).stance] == [
        "agree", "disagree", "mixed"]


async def test_a_note_with_terminal_controls_is_drawn_literally_in_preview_and_editor(tmp_path) -> None:
    """A note comes from someone's file: escape sequences in it never reach the terminal."""
    root = make_project(tmp_path / "p")
    first = Project.open(root).corpus.comments[0].id
    (root / "annotations" / "alice.toml").write_text(
        f'format = 1\n\n[comments.{first}]\nnote = "hi \\u001b[2J\\u001b]0;pwned\\u0007 \\u202e evil\\nline two \\u001b[31m"\n',
        "utf-8")
    app = build_app(Project.open(root), "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        preview = screen.query_one(NotePreview)
        drawn = "".join(preview.render_line(y).text for y in range(preview.size.height))
        assert "hi ␛[2J␛]0;pwned␇ " in drawn and "line two ␛[31m" in drawn
        assert not {"\x1b", "\x07", "\u202e"} & set(drawn)
        await pilot.press("e")
        await pilot.pause()
        editor = screen.query_one(NoteEditor)
        assert editor.has_focus
        drawn = "".join(editor.render_line(y).text for y in range(editor.size.height))
        assert not {"\x1b", "\x07", "\u202e"} & set(drawn)
        assert editor.text.startswith("hi \x1b[2J")  # (the note itself is kept as it is)


async def test_a_labels_file_broken_under_the_app_stays_reported_and_quitting_keeps_the_journal(
    make_app, monkeypatch
) -> None:
    """A hand edit leaves the labels file unreadable: the app says so until it is fixed (it
    used to say "saved again" at each retry, and fail again at the next look), never writes
    over it, and quitting says where the labels wait, which the next start then applies."""
    from annotator.core.store import AnnotationFile
    from annotator.tui import saver
    from tests.tui.conftest import until

    monkeypatch.setattr(saver, "RETRY_SECONDS", 0.2)
    monkeypatch.setattr(saver, "WATCH_SECONDS", 0.3)
    monkeypatch.setattr(saver, "COMPACT_AFTER", 0.05)
    merges = []
    real_merge = AnnotationFile.merge_from_disk
    monkeypatch.setattr(AnnotationFile, "merge_from_disk", lambda store: merges.append(1) or real_merge(store))
    app = make_app()
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("a")
        await settled(pilot, compacted=True)
        path = screen.session.store.path
        broken = path.read_text("utf-8") + "broken = \n"
        path.write_text(broken, "utf-8")
        await until(pilot, lambda: screen.save_error is not None, "the error")
        merges.clear()
        await pilot.pause(2.0)  # (with nothing to write: several retries and looks)
        assert "invalid TOML" in screen.save_error
        assert not any("again" in notice.message for notice in app._notifications)
        # One retry at a time, and a look now and then: each failed look used to start a chain of
        # retries of its own, and the chains never ended.
        assert len(merges) <= 2.0 / saver.RETRY_SECONDS + 2.0 / saver.WATCH_SECONDS + 2
        await pilot.press("j", "d")
        await pilot.pause(0.5)
        assert "invalid TOML" in screen.save_error
        assert path.read_text("utf-8") == broken
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, Question), "the question")
        said = " ".join(str(widget.render()) for widget in app.screen.query("Static"))
        assert "[d] quit: they wait in annotations/.alice.journal, and come back the next time the app opens the file" \
            in said.replace("\n", " ")
        second = app.project.corpus.comments[1].id
        await pilot.press("d")
    assert path.read_text("utf-8") == broken
    path.write_text(broken.replace("broken = \n", ""), "utf-8")
    assert AnnotationFile.open(path.parent.parent, "alice").get(second).stance == "disagree"
