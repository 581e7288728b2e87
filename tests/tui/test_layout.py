"""The layout at 80x24 and 200x60 (issue 11, point 4): the status line keeps the save state and the
auto-advance mark at 80 columns, the comment and its labels sit together on a tall screen, and a
wide list shows topic, note and flag marks."""

from __future__ import annotations

import inspect

import pytest

from annotator.tui.screens.main import Status, status_line
from annotator.tui.widgets.comment_list import CommentList
from annotator.tui.widgets.label_panel import LabelPanel
from tests.conftest import make_project
from tests.tui.conftest import ready, settled
from tests.tui.test_reading import on_longest, screen_text
from tests.tui.test_targets import app_on, sample  # noqa: F401 (a fixture)

SMALL, LARGE = (80, 24), (200, 60)

# The status line ---------------------------------------------------------------------------------

SAVED = ("● saved", "$success")
FAILED = ("✗ not saved (retrying)", "bold $error")


@pytest.mark.parametrize("save", [SAVED, FAILED])
@pytest.mark.parametrize("view", [None, "unlabeled /the", "topic:lm-behaviour /gradient descent in practice"])
@pytest.mark.parametrize("width", [30, 40, 60, 100])
def test_the_status_line_keeps_the_save_state_and_the_auto_mark_at_every_width(save, view, width) -> None:
    status = Status(1234, 100000, save, True, view, 56, 789 if view else 0)
    line = str(status_line(status, width))
    assert save[0] in line and "auto→" in line
    assert len(line) <= width


@pytest.mark.parametrize("width", [30, 40, 60, 100])
def test_the_status_line_always_counts_the_merge_conflicts(width) -> None:
    status = Status(1234, 100000, SAVED, True, "unlabeled /the", 56, 789, conflicts=12)
    line = str(status_line(status, width))
    assert ("✖ 12 conflicts" if width >= 100 else "✖12 ● saved") in line and "auto→" in line
    assert len(line) <= width


def test_the_status_line_gives_way_in_order() -> None:
    """The bars go first, then the view's words are cut short; the counts stay as long as they can."""
    status = Status(13, 22, SAVED, True, "stance:disagree /gradient descent", 3, 17)
    assert str(status_line(status, 200)) == "13/22 ██░░ stance:disagree /gradient descent 3/17 █░░░  ● saved  auto→"
    assert str(status_line(status, 60)) == "13/22 stance:disagree /gradient descent 3/17  ● saved  auto→"
    assert str(status_line(status, 30)) == "13/22 stan… 3/17 ● saved auto→"
    plain = Status(13, 22, SAVED, False)
    assert str(status_line(plain, 30)) == "13/22 ███████░░░░░  ● saved"


async def test_the_status_line_keeps_the_save_state_at_80_columns_with_a_search_and_a_filter(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        screen = await ready(pilot)
        await pilot.press("d", "A", "slash", *"the", "enter", "v")
        await pilot.pause()
        await pilot.press("down", "enter")  # the second choice: unlabeled
        await settled(pilot)
        assert screen.view.kind == "unlabeled" and screen.view.query == "the" and screen.auto_advance
        progress = screen.query_one("#progress")
        line = str(progress.render())
        assert "● saved" in line and "auto→" in line
        assert len(line) <= progress.content_region.width
        assert "● saved" in screen_text(app) and "auto→" in screen_text(app)


# The layout --------------------------------------------------------------------------------------


async def test_on_a_tall_screen_the_labels_follow_the_comment(make_app) -> None:
    """At 200x60 the label panel sits under the comment, not under ~30 blank rows; at 80x24 it
    keeps its place at the foot."""
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        screen, view, last_word = await on_longest(pilot)
        labels = screen.query_one(LabelPanel)
        assert last_word in screen_text(app) and not view.more_below
        assert labels.region.y - view.region.bottom <= 2
        assert labels.region.y < LARGE[1] // 2
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        screen = await ready(pilot)
        await pilot.pause()
        assert screen.query_one(LabelPanel).region.bottom > SMALL[1] // 2


@pytest.mark.parametrize("size", [(120, 40), LARGE], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_on_a_tall_screen_the_labels_stay_put_between_replies_and_roots(sample, size) -> None:  # noqa: F811
    """Comments under targets of different heights: the label panel stays on its row, and the
    screen is not laid out again (which moved and redrew all under the comment: a frame and more
    a key at 200x50)."""
    app = app_on(sample)
    async with app.run_test(size=size) as pilot:
        screen = await ready(pilot)
        labels = screen.query_one(LabelPanel)
        await pilot.press("j")  # a2, under a1: a target shown
        await settled(pilot)
        row, layouts = labels.region.y, []
        refresh_layout = type(screen)._refresh_layout

        def counted(self, *args, **kwargs):
            layouts.append(self._layout_required)
            return refresh_layout(self, *args, **kwargs)

        type(screen)._refresh_layout = counted
        try:
            heights = set()
            for key in ["j"] * 8 + ["k"] * 9:  # a3 ... a10, and back to a1
                await pilot.press(key)
                await pilot.pause()
                heights.add(screen.query_one("#comment").top_lines())
                assert labels.region.y == row, screen.current_id()
        finally:
            type(screen)._refresh_layout = refresh_layout
        assert screen.current_id() == "a1" and len(heights) >= 2  # (targets of several heights)
        assert not any(layouts)


async def test_a_wide_list_shows_topic_note_and_flag_marks(make_app, tmp_path) -> None:
    app = make_app()
    async with app.run_test(size=LARGE) as pilot:
        screen = await ready(pilot)
        await pilot.press("d", "1", "3", "f", "e", *"why", "escape")
        await settled(pilot)
        comments = screen.query_one(CommentList)
        assert comments.wide
        row = screen_text(app).splitlines()[1]
        assert row.startswith(" ● disagree 1 3      ") and "✎ ⚑" in row
    app = make_app(root=make_project(tmp_path / "narrow"))
    async with app.run_test(size=SMALL) as pilot:
        screen = await ready(pilot)
        await pilot.press("d", "1", "3", "f")
        await settled(pilot)
        assert not screen.query_one(CommentList).wide
        assert screen_text(app).splitlines()[1].startswith(" ⚑ disagree Thanks")


@pytest.mark.parametrize(("size", "chosen"), [((100, 24), "-short"), ((100, 39), "-short"), ((100, 40), "-tall")],
                         ids=lambda value: f"{value[0]}x{value[1]}" if isinstance(value, tuple) else value)
async def test_the_first_frame_has_the_layout_of_its_height_and_a_resize_to_the_same_size_lays_out_nothing(
        make_app, monkeypatch, size, chosen) -> None:
    """Textual sets the height's class at a Resize, and the app's first one reaches the screen
    after its first frame: that frame had the layout of neither height, and the Resize laid the
    screen out and drew it again while the first key waited."""
    from textual import events
    from textual.screen import Screen

    from annotator.tui.screens.main import MainScreen

    first_frame: list[set[str]] = []
    refresh = Screen._compositor_refresh

    def recorded(self, *args, **kwargs):
        if isinstance(self, MainScreen) and not first_frame:
            first_frame.append(set(self.classes))
        return refresh(self, *args, **kwargs)

    monkeypatch.setattr(Screen, "_compositor_refresh", recorded)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await ready(pilot)
        await settled(pilot)
        assert first_frame and chosen in first_frame[0] and {"-short", "-tall"} - {chosen} - first_frame[0]
        # (the Textual names this stands on)
        assert list(inspect.signature(Screen._screen_resized).parameters) == ["self", "size"]
        assert screen._compositor.size == app.size
        layouts = []
        refresh_layout = type(screen)._refresh_layout
        monkeypatch.setattr(type(screen), "_refresh_layout",
                            lambda self, *args, **kwargs: layouts.append(1) or refresh_layout(self, *args, **kwargs))
        screen.post_message(events.Resize(app.size, app.size))
        await pilot.pause()
        await pilot.pause()
        assert not layouts and screen.has_class(chosen)
        await pilot.resize_terminal(120, 40 if chosen == "-short" else 30)
        await pilot.pause()
        await pilot.pause()
        assert layouts and not screen.has_class(chosen)  # (a resize to another size is laid out)
