"""Keys typed while the app is still reading the labels are kept and applied, in order, once the
main screen is up (issue 15, case 8). The reading is held on an event the test sets, so the keys
certainly come before the labels."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from annotator.core.seeds import load_seeds
from annotator.core.store import AnnotationFile
from annotator.tui.app import build_app
from annotator.tui.screens.dialogs import NamePrompt
from annotator.tui.screens.main import MainScreen
from annotator.tui.widgets.label_panel import LabelPanel
from annotator.tui.widgets.note_editor import NoteEditor
from tests.conftest import make_project
from tests.tui.conftest import disk_entry, ready, settled


@pytest.fixture
def held(monkeypatch) -> threading.Event:
    """The labels are read only once the returned event is set."""
    release = threading.Event()
    real_open = AnnotationFile.open.__func__

    def open_when_released(cls, root: Path, annotator: str, replay: bool = True) -> AnnotationFile:
        assert release.wait(20), "the test never released the labels"
        return real_open(cls, root, annotator, replay)

    monkeypatch.setattr(AnnotationFile, "open", classmethod(open_when_released))
    return release


async def until(pilot, condition: Callable[[], bool], what: str) -> None:
    for _ in range(400):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"never: {what}")


def replayed(app) -> bool:
    return isinstance(app.screen, MainScreen) and not app.keeping_typed_keys


async def test_a_stance_and_a_move_typed_before_the_labels_are_read_are_applied(tmp_path, held) -> None:
    root = make_project(tmp_path / "p")
    app = build_app(root, "alice")  # a folder: the list is shown first, the labels read in a worker
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("a", "j", "d", "2", "j")
        assert not isinstance(app.screen, MainScreen)  # still reading: the keys were kept
        assert not (root / "annotations" / "alice.toml").exists()
        held.set()
        screen = await ready(pilot)
        await until(pilot, lambda: replayed(app), "the typed keys applied")
        await settled(pilot)
        assert screen.current_position() == 2
        assert disk_entry(app, 0).stance == "agree"
        assert (disk_entry(app, 1).stance, disk_entry(app, 1).topics) == ("disagree", ("scaling",))
        assert disk_entry(app, 2) is None
        assert "agree" in screen.comment_list.render_line(0).text
        assert "disagree" in screen.comment_list.render_line(1).text
        await pilot.press("k")  # keys now go their usual way
        assert screen.current_position() == 1
        assert "● disagree" in str(screen.query_one(LabelPanel).render())


async def test_typed_ahead_keys_that_open_the_note_go_on_into_it(tmp_path, held) -> None:
    """`e` moves the focus to the note: the letters typed after it are the note, not stances."""
    root = make_project(tmp_path / "p")
    app = build_app(root, "alice")
    async with app.run_test() as pilot:
        await pilot.press("m", "e", *"a dam", "escape", "j")
        held.set()
        screen = await ready(pilot)
        await until(pilot, lambda: replayed(app), "the typed keys applied")
        await settled(pilot)
        entry = disk_entry(app, 0)
        assert (entry.stance, entry.note) == ("mixed", "a dam")
        assert screen.current_position() == 1
        assert not isinstance(app.focused, NoteEditor)


async def test_keys_typed_while_the_main_screen_takes_over_keep_their_order(tmp_path, held) -> None:
    root = make_project(tmp_path / "p")
    app = build_app(root, "alice")
    async with app.run_test() as pilot:
        await pilot.press("d", "j")
        held.set()
        await pilot.press("a")  # (the labels may be read by now, or not: either way it comes third)
        screen = await ready(pilot)
        await until(pilot, lambda: replayed(app), "the typed keys applied")
        await pilot.press("j", "n")
        await settled(pilot)
        assert [disk_entry(app, i).stance for i in range(3)] == ["disagree", "agree", "neutral"]
        assert screen.current_position() == 2


async def test_ctrl_q_while_the_labels_are_read_quits_at_once(tmp_path, held) -> None:
    root = make_project(tmp_path / "p")
    app = build_app(root, "alice")
    async with app.run_test() as pilot:
        await pilot.press("a", "ctrl+q")
        await until(pilot, lambda: not app.is_running, "the app quit")
        held.set()  # (the worker finishes reading into an app that is gone)
    assert app.return_code == 0
    assert not (root / "annotations" / "alice.toml").exists()
    assert not (root / "annotations" / ".alice.journal").exists()


async def test_keys_typed_into_the_name_prompt_are_not_replayed(tmp_path, held) -> None:
    root = make_project(tmp_path / "p")
    app = build_app(root, None)  # no name: the app asks
    async with app.run_test() as pilot:
        await until(pilot, lambda: isinstance(app.screen, NamePrompt), "the name prompt")
        await pilot.press(*"ada", "enter")  # `a` and `d` are stances on the main screen
        await pilot.press("j")  # typed ahead, after the name: kept
        held.set()
        screen = await ready(pilot)
        await until(pilot, lambda: replayed(app), "the typed keys applied")
        await settled(pilot)
        assert screen.annotator == "ada"
        assert screen.current_position() == 1
        assert screen.session.version == 0  # no label changed
        assert not (root / "annotations" / "ada.toml").exists()


async def test_typed_ahead_keys_go_on_into_a_prompt_that_one_of_them_opened(tmp_path, held) -> None:
    """`:` opens the jump prompt (a screen of its own, mounted after the key): the id typed after
    it goes into the prompt, and the keys after Enter act on the comment jumped to."""
    root = make_project(tmp_path / "p")
    target = load_seeds(root).comments[3].id
    app = build_app(root, "alice")
    async with app.run_test() as pilot:
        await pilot.press("colon", *target, "enter", "n", "j", "f")
        held.set()
        screen = await ready(pilot)
        await until(pilot, lambda: replayed(app), "the typed keys applied")
        await settled(pilot)
        assert disk_entry(app, 3).stance == "neutral"
        assert disk_entry(app, 4).flagged
        assert [disk_entry(app, i) for i in (0, 1, 2)] == [None, None, None]
        assert screen.current_position() == 4


async def test_an_enter_typed_before_the_terminal_was_raw_is_an_enter(tmp_path, held) -> None:
    """Typed as the app starts, before Textual sets the terminal raw, Enter comes as a line feed
    (ctrl+j): kept, it is Enter (the jump prompt took it as text, and the keys after it too)."""
    root = make_project(tmp_path / "p")
    target = load_seeds(root).comments[3].id
    app = build_app(root, "alice")
    async with app.run_test() as pilot:
        await pilot.press("colon", *target, "ctrl+j", "n")
        held.set()
        screen = await ready(pilot)
        await until(pilot, lambda: replayed(app), "the typed keys applied")
        await settled(pilot)
        assert disk_entry(app, 3).stance == "neutral"
        assert screen.current_position() == 3
