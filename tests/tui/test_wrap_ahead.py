"""Moving to the next or previous comment finds its text wrapped and its labels drawn already: the
comment a key of the same way would show next (and what it replies to, its rows drawn) is wrapped
in the idle time after a frame, and the comment left is kept. What that saves is a row of the benchmark; here: no
such key wraps a text or draws labels on its way to the frame, what it shows is the comment's, and
a change of theme draws it anew."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from annotator.core.models import Annotation
from annotator.core.seeds import load_seeds
from annotator.core.store import AnnotationFile
from annotator.tui.widgets.comment_view import CommentView
from annotator.tui.widgets.label_panel import LabelPanel
from annotator.tui.widgets.target_view import TargetView
from annotator.tui.widgets.text_lines import TextLines
from tests.conftest import make_project
from tests.tui.conftest import ready, settled
from tests.tui.test_reading import SMALL, screen_text
from tests.tui.test_targets import LARGE, app_on, sample  # noqa: F401 (a fixture)


@pytest.fixture
def wrapped_on_the_way(monkeypatch) -> list[str]:
    """The texts wrapped to be drawn (not ahead of time): the first words of each."""
    wraps: list[str] = []
    original = TextLines._wrap

    def counted(self, blocks, width):
        if sys._getframe(1).f_code.co_name != "wrap_ahead":
            wraps.append(" ".join(blocks[-1][0].plain.split()[:4]))
        return original(self, blocks, width)

    monkeypatch.setattr(TextLines, "_wrap", counted)
    original_draw = LabelPanel._draw

    def drawn(self, entry, width):
        if sys._getframe(1).f_code.co_name != "draw_ahead":
            wraps.append(f"labels {entry.stance}")
        return original_draw(self, entry, width)

    monkeypatch.setattr(LabelPanel, "_draw", drawn)
    return wraps


def shown_words(app, position: int) -> str:
    return " ".join(app.project.corpus.comments[position].text.split()[:4])


async def test_j_and_k_show_each_comment_without_wrapping_its_text_on_the_key(
    tmp_path: Path, make_app, wrapped_on_the_way
) -> None:
    """The next comments have labels of their own (no two alike), which the panel has not drawn."""
    root = make_project(tmp_path / "project")
    labels, comments = AnnotationFile.open(root, "alice"), load_seeds(root).comments
    for position, entry in [(1, Annotation("agree")), (2, Annotation("disagree", ("scaling",))),
                            (3, Annotation(None, (), flagged=True))]:
        labels.set(comments[position].id, entry, comments[position].text)
    labels.save()
    app = make_app(root=root)
    async with app.run_test(size=SMALL) as pilot:
        screen = await ready(pilot)
        await settled(pilot)
        for key, position in [("j", 1), ("j", 2), ("j", 3), ("k", 2), ("k", 1), ("j", 2)]:
            await pilot.pause()  # (the frame, then the wrapping ahead)
            wrapped_on_the_way.clear()
            await pilot.press(key)
            assert screen.current_position() == position
            assert wrapped_on_the_way == [], f"{key} to #{position + 1} wrapped {wrapped_on_the_way}"
            assert shown_words(app, position) in " ".join(screen_text(app).split())
            stance = screen.session.annotation(screen.current_id()).stance if screen.session.annotation(
                screen.current_id()) else None
            assert screen.query_one(LabelPanel)._entry.stance == stance


async def test_a_jump_elsewhere_wraps_its_comment_and_shows_it(make_app, wrapped_on_the_way) -> None:
    """Only the neighbours are wrapped ahead: `G` (the last comment) wraps it on the way, and shows it."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        screen = await ready(pilot)
        await settled(pilot)
        last = len(app.project.corpus.comments) - 1
        wrapped_on_the_way.clear()
        await pilot.press("G")
        await pilot.pause()
        assert screen.current_position() == last
        assert shown_words(app, last) in wrapped_on_the_way
        assert shown_words(app, last) in " ".join(screen_text(app).split())


async def test_lines_wrapped_ahead_are_drawn_again_in_a_new_theme(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        screen = await ready(pilot)
        await settled(pilot)
        await pilot.press("j")
        await pilot.pause()
        view = screen.query_one(CommentView)
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await pilot.pause()
        await pilot.press("j")
        await pilot.pause()
        width = view._text_width()
        fresh = view._wrap(view._blocks, width)
        assert [list(strip) for strip in view._lines(width)] == [list(strip) for strip in fresh]


async def test_replies_to_other_comments_find_the_target_drawn_ahead(sample: Path, monkeypatch) -> None:
    """In a thread, one reply after another answers a different comment: each key finds the rows
    of what it replies to (the head line with the parent's author and labels, the text, the box)
    drawn in the idle time before it, and they are the rows drawn afresh."""
    drawn_on_the_way: list[str] = []
    original = TargetView._draw

    def counted(self, target, *args):
        if sys._getframe(1).f_code.co_name != "wrap_ahead":
            drawn_on_the_way.append(target.parent.id if target.parent is not None else target.kind)
        return original(self, target, *args)

    monkeypatch.setattr(TargetView, "_draw", counted)
    async with app_on(sample).run_test(size=LARGE) as pilot:
        screen = await ready(pilot)
        await settled(pilot)
        view = screen.query_one(TargetView)
        for key, comment_id, parent in [("j", "a2", "a1"), ("j", "a3", "a2"), ("j", "a4", "a2"), ("j", "a5", "a4"),
                                        ("k", "a4", "a2"), ("k", "a3", "a2"), ("k", "a2", "a1")]:
            await pilot.pause()  # (the frame, then the drawing ahead)
            drawn_on_the_way.clear()
            await pilot.press(key)
            assert (screen.current_id(), view.target.parent.id) == (comment_id, parent)
            assert drawn_on_the_way == [], f"{key} to {comment_id} drew the rows of {drawn_on_the_way}"
            width = view._width
            fresh = original(view, view.target, view._labels, view._scroll, width, view._text_box(width), view._body._lines)
            assert [list(strip) for strip in view.rows(width)] == [list(strip) for strip in fresh]


async def test_target_rows_drawn_ahead_give_way_to_a_new_label_on_the_parent_and_a_new_theme(sample: Path) -> None:
    """The rows of a target drawn ahead are those of its parent's labels then, in the colours then:
    a label given to the parent meanwhile, or another theme, and the key shows them anew."""
    async with app_on(sample).run_test(size=LARGE) as pilot:
        screen = await ready(pilot)
        await settled(pilot)
        view = screen.query_one(TargetView)
        screen.comment_list.move_to(screen.row_of("a2"))
        await pilot.pause()
        await pilot.pause()  # (a3's target, a2, drawn ahead with a2's labels as they are)
        stance = "disagree" if screen.session.annotation("a2") and screen.session.annotation("a2").stance == "agree" \
            else "agree"
        await pilot.press(stance[0])  # (the stance's key: a, d)
        await pilot.pause()
        assert screen.session.annotation("a2").stance == stance
        for switch in (None, "theme"):
            if switch == "theme":
                await pilot.press("k")
                await pilot.pause()
                await pilot.pause()  # (drawn ahead again, for a3)
                app = screen.app
                app.theme = "textual-light" if app.theme != "textual-light" else "nord"
                await pilot.pause()
            await pilot.press("j")
            await pilot.pause()
            assert (screen.current_id(), view.target.parent.id) == ("a3", "a2")
            width = view._width
            shown = view.rows(width)
            assert f"you: {stance}" in shown[0].text
            fresh = view._draw(view.target, view._labels, view._scroll, width, view._text_box(width), view._body._lines)
            assert [list(strip) for strip in shown] == [list(strip) for strip in fresh]
