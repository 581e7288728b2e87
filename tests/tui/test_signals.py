"""SIGTERM and SIGHUP (issue 15, case 10), inside the app: it saves as ctrl+q does, never asks,
gives up after a deadline, and reports what is on disk. The handler is called directly here (a
real signal would reach pytest); `test_terminal_signals.py` sends real ones to the installed app."""

from __future__ import annotations

import errno
import signal
import threading
from pathlib import Path

from annotator.core.store import AnnotationFile
from annotator.core.store import durable as store_module
from annotator.tui import app as app_module
from annotator.tui.app import build_app
from annotator.tui.screens.dialogs import Question
from tests.conftest import make_project
from tests.tui.conftest import disk_entry, ready, settled
from tests.tui.test_safety import fail_writes
from tests.tui.test_typed_ahead import held, until  # noqa: F401  (a fixture)


async def stopped(pilot) -> None:
    await until(pilot, lambda: not pilot.app.is_running, "the app exited")


async def press_with_writes_failing(pilot, monkeypatch, *keys: str) -> None:
    await ready(pilot)
    fail_writes(monkeypatch)
    await pilot.press(*keys)
    await settled(pilot)


async def test_sigterm_saves_every_label_into_the_file_and_exits(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        await pilot.press("a", "j", "2")
        app.stop_on_signal(signal.SIGTERM)
        await stopped(pilot)
    assert app.stopped_by == signal.SIGTERM
    assert (disk_entry(app, 0).stance, disk_entry(app, 1).topics) == ("agree", ("scaling",))
    assert not (app.project.root / "annotations" / ".alice.journal").exists()  # folded into the file
    assert app.stop_report() == "annotator: stopped by SIGTERM; every label is saved in annotations/alice.toml"


async def test_a_second_signal_while_saving_changes_nothing(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        await pilot.press("d")
        app.stop_on_signal(signal.SIGHUP)
        app.stop_on_signal(signal.SIGTERM)
        await stopped(pilot)
    assert app.stopped_by == signal.SIGHUP
    assert disk_entry(app, 0).stance == "disagree"


async def test_when_the_file_cannot_be_written_the_journal_keeps_the_labels_and_says_so(make_app, monkeypatch) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        screen = await ready(pilot)

        def refuse(store, text, force=False):  # the TOML file cannot be rewritten; the journal can
            raise OSError(errno.EACCES, "Permission denied", str(store.path.name))

        monkeypatch.setattr(AnnotationFile, "write", refuse)
        await pilot.press("n")
        await settled(pilot)
        app.stop_on_signal(signal.SIGHUP)
        await stopped(pilot)
        assert not any(isinstance(s, Question) for s in app.screen_stack)  # no one was asked
        assert "Permission denied" in (screen.save_error or "")
    monkeypatch.undo()
    assert app.stop_report() == (
        "annotator: stopped by SIGHUP; every label is on disk: 1 change is in the journal "
        "annotations/.alice.journal and will be recovered at the next start"
    )
    assert not (app.project.root / "annotations" / "alice.toml").exists()
    assert disk_entry(app, 0).stance == "neutral"  # (read with the journal, as the next start does)


async def test_when_nothing_can_be_written_it_exits_without_asking_and_says_what_is_lost(make_app, monkeypatch) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await press_with_writes_failing(pilot, monkeypatch, "a", "j", "d")
        app.stop_on_signal(signal.SIGTERM)
        await stopped(pilot)
        assert not any(isinstance(s, Question) for s in app.screen_stack)
    monkeypatch.undo()
    report = app.stop_report()
    assert report.startswith("annotator: stopped by SIGTERM; 2 labels could not be written (Read-only file system")
    assert report.endswith(") and are lost")
    assert disk_entry(app, 0) is None


async def test_a_signal_after_quit_asked_its_question_quits_without_an_answer(make_app, monkeypatch) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await press_with_writes_failing(pilot, monkeypatch, "a")
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, Question), "the unsaved-changes question")
        app.stop_on_signal(signal.SIGHUP)  # the SSH session closed while the question waited
        await stopped(pilot)
    assert app.stopped_by == signal.SIGHUP


async def test_saving_that_does_not_finish_is_given_up_after_the_deadline(make_app, monkeypatch) -> None:
    monkeypatch.setattr(app_module, "STOP_DEADLINE", 0.5)
    stuck, release = threading.Event(), threading.Event()
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        real_append = store_module.append_durably

        def hang(path, text, **options):
            stuck.set()
            release.wait(20)
            return real_append(path, text)

        monkeypatch.setattr(store_module, "append_durably", hang)
        await pilot.press("a")
        await until(pilot, stuck.is_set, "the commit started")
        app.stop_on_signal(signal.SIGTERM)
        await stopped(pilot)
    release.set()
    assert app.stopped_by == signal.SIGTERM


async def test_a_signal_while_the_labels_are_read_exits_with_nothing_changed(tmp_path: Path, held) -> None:
    root = make_project(tmp_path / "p")
    app = build_app(root, "alice")
    async with app.run_test() as pilot:
        await pilot.press("a")  # typed ahead: never applied
        app.stop_on_signal(signal.SIGTERM)
        await stopped(pilot)
        held.set()
    assert app.stop_report() == "annotator: stopped by SIGTERM before labelling started; nothing was changed"
    assert not (root / "annotations" / "alice.toml").exists()
    assert not (root / "annotations" / ".alice.journal").exists()
