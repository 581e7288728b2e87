"""Snapshots of the main screen, help, a filtered list and a long comment read to its end, at 80x24,
120x40 and 200x60, with hostile text on screen. Review every change to these files: `pytest
--snapshot-update` rewrites them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from annotator.core.project import Project
from annotator.tui.app import build_app
from tests.conftest import REPO, make_project
from tests.tui.conftest import HOSTILE, NOW, FakeClock, pick_filter, ready, settled

SIZES = [(80, 24), (120, 40), (200, 60)]


def hostile_app(tmp_path: Path):
    root = make_project(tmp_path / "project")
    (root / "seeds" / "00-hostile.txt").write_text("\n".join(HOSTILE) + "\n", "utf-8")
    return build_app(Project.open(root), "eve",
                     clock=FakeClock(), now=lambda: NOW)


async def labelled(pilot) -> None:
    await ready(pilot)
    await pilot.press("d", "1", "j", "a", "f", "j", "m", "3", "4", "k", "k")
    await settled(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_screen(snap_compare, tmp_path: Path, size) -> None:
    assert snap_compare(hostile_app(tmp_path), terminal_size=size, run_before=labelled)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help_screen(snap_compare, tmp_path: Path, size) -> None:
    async def run_before(pilot) -> None:
        await labelled(pilot)
        await pilot.press("question_mark")
        await settled(pilot)

    assert snap_compare(hostile_app(tmp_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_filtered_list(snap_compare, tmp_path: Path, size) -> None:
    async def run_before(pilot) -> None:
        await labelled(pilot)
        await pilot.press("slash", *"the", "enter", "j")
        await settled(pilot)

    assert snap_compare(hostile_app(tmp_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_reading_a_long_comment_with_a_search_and_a_filter(snap_compare, tmp_path: Path, size) -> None:
    """The longest bundled comment read to its end with ctrl+d, auto-advance on, a search and the
    unlabeled filter active: the status line keeps the save state and the auto-advance mark."""

    async def run_before(pilot) -> None:
        await labelled(pilot)
        await pilot.press("A", "slash", *"the", "enter", "v")
        await settled(pilot)
        await pilot.press("down", "enter")  # unlabeled
        await settled(pilot)
        comments = pilot.app.project.corpus.comments
        longest = max(comments, key=lambda comment: len(comment.text))
        screen = pilot.app.screen
        screen.comment_list.move_to(screen.row_of(longest.id))
        await pilot.pause()
        await pilot.press("ctrl+d", "ctrl+d")
        await settled(pilot)
        pilot.app.clear_notifications()  # (the auto-advance notice would cover the note)
        await pilot.pause()

    assert snap_compare(hostile_app(tmp_path), terminal_size=size, run_before=run_before)


def test_a_comment_with_the_comment_it_replies_to_at_80x24(snap_compare, tmp_path: Path) -> None:
    """The sample project's a3, under its parent a2 (with the labels given to a2): the target set
    apart above the comment, in two lines that scroll, the comment keeping most of the room."""
    root = Path(shutil.copytree(REPO / "docs" / "sample", tmp_path / "sample"))

    async def run_before(pilot) -> None:
        screen = await ready(pilot)
        await pilot.press("j", "j")
        await settled(pilot)
        assert screen.current_id() == "a3"

    app = build_app(Project.open(root), "sample", clock=FakeClock(), now=lambda: NOW)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_threads_a_target_a_search_and_a_filter_on_the_sample(snap_compare, tmp_path: Path, size) -> None:
    """The sample project in thread order, searched for `compounding` and filtered to the unlabeled
    comments, auto-advance on, with a label given this session: a3 under its parent a2 (with a2's
    labels), the status line naming threads, the search and the filter and keeping the save state."""
    root = Path(shutil.copytree(REPO / "docs" / "sample", tmp_path / "sample"))

    async def run_before(pilot) -> None:
        screen = await ready(pilot)
        await pilot.press("j", "j", "j", "n", "T", "A", "slash", *"compounding", "enter")  # a4: neutral
        await settled(pilot)
        await pick_filter(pilot, "unlabeled")
        await settled(pilot)
        assert screen.current_id() == "a3" and screen.view.query == "compounding"
        pilot.app.clear_notifications()
        await pilot.pause()

    app = build_app(Project.open(root), "sample", clock=FakeClock(), now=lambda: NOW)
    assert snap_compare(app, terminal_size=size, run_before=run_before)
