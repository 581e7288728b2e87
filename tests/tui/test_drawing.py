"""The comment list keeps each row as Textual styled it (`CommentList.render_lines`): what it shows
after any mix of moves, scrolls, labels, undo, thread order, reading keys, the target, focus,
resizes and labels changed in the file from outside is what Textual draws afresh, for any crop; and a scroll by a row has Textual style only
the rows new to the screen. The comment pane keeps its rows so too (`CommentView.render_lines`)."""

from __future__ import annotations

import random

from textual._styles_cache import StylesCache
from textual.geometry import Region
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from annotator.core.models import Annotation
from annotator.core.store import AnnotationFile
from annotator.tui.widgets.comment_list import CommentList
from annotator.tui.widgets.comment_view import CommentView
from annotator.tui.widgets.text_lines import RowsMade
from tests.tui.conftest import ready, settled, until

# Mostly moves, so that the list scrolls; "blur" and "focus" take the focus from the list and back
# (the list is tinted while it has it); "resize" switches between 80x24 and 120x40; "outside"
# changes the labels of the rows on screen in the file, as a `git pull` would.
OTHER_KEYS = ["a", "d", "1", "2", "f", "u", "U", "T", "G", "g", "pagedown", "pageup", "space", "ctrl+d", "ctrl+u",
              "ctrl+e", "C", "P", "blur", "focus", "resize", "outside"]
KEYS = ["j"] * 60 + ["k"] * 15 + OTHER_KEYS


def crop_at(rows: CommentList, step: int) -> Region:
    """What the compositor asks for (the whole list), and what else Textual may: one line (as
    `get_style_at` does under the mouse), the lower half; twice in ten steps a part of the width
    (which starts the kept rows afresh)."""
    width, height = rows.size
    if step % 10 in (4, 9):
        return Region(0, 0, width - 4, height) if step % 10 == 4 else Region(3, 0, width - 5, height)
    return [Region(0, 0, width, height), Region(0, height // 2, width, 1), Region(0, height // 2, width, height // 2)][step % 3]


def drawn(rows: CommentList, labels, crop: Region) -> tuple[list, list]:
    """The list's lines in `crop` as it draws them, and as Textual draws them with nothing kept:
    each row drawn from what it shows (`_draw`: its comment, whether the cursor is on it, its
    `labels` now), not from the list's keys; styled by Textual with nothing cached (the list's
    own caches set aside and put back, so that what it keeps goes on from step to step)."""
    kept = [list(strip) for strip in rows.render_lines(crop)]

    def row_as_it_is(y: int) -> Strip:
        row, width = rows.scroll_offset.y + y, rows.scrollable_content_region.width
        if row >= len(rows.rows):
            return Strip.blank(width, rows.rich_style)
        position = rows.rows[row]
        return rows._draw(position, row == rows.cursor, width, labels(rows._comments[position].id))

    held = rows._drawn, rows._styled, rows._style, rows._styles_cache
    rows._drawn, rows._styled, rows._style, rows._styles_cache = {}, {}, None, StylesCache()
    rows.render_line = row_as_it_is
    try:
        fresh = [list(strip) for strip in ScrollView.render_lines(rows, crop)]
    finally:
        del rows.render_line
        rows._drawn, rows._styled, rows._style, rows._styles_cache = held
    return kept, fresh


async def change_from_outside(pilot, screen) -> None:
    """Another stance for the first three rows on screen, written to the file as a `git pull` would
    (the journal folded first); once the app has reloaded it."""
    await settled(pilot, compacted=True)
    rows, session = screen.comment_list, screen.session
    outside = AnnotationFile.load(pilot.app.project.root / "annotations" / "alice.toml", replay=False)
    wanted = {}
    for position in rows.rows[rows.scroll_offset.y:rows.scroll_offset.y + 3]:
        comment = session.comments[position]
        now = session.annotation(comment.id)
        wanted[comment.id] = "neutral" if now is not None and now.stance == "mixed" else "mixed"
        outside.set(comment.id, Annotation(stance=wanted[comment.id]), comment.text)
    outside.save(force=True)
    await until(pilot, lambda: all(session.annotation(key) is not None and session.annotation(key).stance == stance
                                   for key, stance in wanted.items()), "the file reloaded")
    await pilot.pause()


async def test_rows_kept_styled_are_those_textual_draws_afresh(make_app) -> None:
    extra = [f"Extra comment number {number} with a few words to show." for number in range(60)]
    app = make_app(extra=extra)
    chance = random.Random(17)
    sweep = [chance.choice("ad12f") if step % 7 == 6 else "j" for step in range(70)] + ["k"] * 70
    pressed = [*OTHER_KEYS, *chance.choices(KEYS, k=100), "g", *sweep, "blur", *sweep[::2], "outside", "resize",
               *sweep[::2], "outside"]
    sizes = [(120, 40), (80, 24)]
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        rows = screen.comment_list
        scrolled = set()
        for step, key in enumerate(pressed):
            if key == "blur":
                screen.set_focus(None)
            elif key == "focus":
                rows.focus()
            elif key == "resize":
                sizes.reverse()
                await pilot.resize_terminal(*sizes[-1])
            elif key == "outside":
                await change_from_outside(pilot, screen)
            else:
                await pilot.press(key)
            await pilot.pause()
            crop = crop_at(rows, step)
            kept, fresh = drawn(rows, screen.session.annotation, crop)
            assert kept == fresh, f"{crop} after {pressed[:step + 1]}"
            scrolled.add(rows.scroll_offset.y)
        assert len(scrolled) > 20  # (the list was scrolled on the way, a row and a page at a time)


async def test_a_scroll_by_a_row_has_textual_style_only_the_rows_it_has_not(make_app, monkeypatch) -> None:
    extra = [f"Extra comment number {number} with a few words to show." for number in range(60)]
    app = make_app(extra=extra)
    styled: list[int] = []
    textual_way = ScrollView.render_lines

    def counted(self, crop):
        if isinstance(self, CommentList):
            styled.append(crop.height)
        return textual_way(self, crop)

    monkeypatch.setattr(ScrollView, "render_lines", counted)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        rows = screen.comment_list
        for _ in range(rows.size.height + 3):  # (past the last row: the list scrolls from there)
            await pilot.press("j")
            await pilot.pause()
        assert rows.scroll_offset.y > 0
        for _ in range(5):
            top = rows.scroll_offset.y
            styled.clear()
            await pilot.press("j")
            await pilot.pause()
            assert rows.scroll_offset.y == top + 1
            assert 0 < sum(styled) <= 3, f"a scroll by a row had Textual style {styled} rows"


# The comment pane keeps its rows as Textual styled them too (`CommentView.render_lines`) --------

PANE_KEYS = ["j"] * 12 + ["k"] * 6 + ["ctrl+d", "ctrl+u", "ctrl+e", "C", "P", "a", "d", "1", "u", "e-note", "select",
                                      "select", "resize", "theme"]


def pane_drawn(view: CommentView, crop: Region) -> tuple[list, list]:
    """The pane's lines in `crop` as it draws them, and as Textual draws them with nothing kept:
    the rows drawn again from the text (wrapped anew, the target's rows drawn anew) and styled by
    Textual's own `render_lines` with an empty cache (the pane's and target's caches set aside
    and put back)."""
    kept = [list(strip) for strip in view.render_lines(crop)]
    target = view._target
    names = ("_padded", "_styled", "_styled_for", "_styles_cache", "_wrapped", "_kept", "_blank_row", "_bar", "_barred",
             "_pad")
    held = [getattr(view, name) for name in names], (target._drawn, target._boxes, target._body._wrapped)
    for name, empty in zip(names, (RowsMade(), RowsMade(), None, StylesCache(), {}, {}, None, None, RowsMade(), None)):
        setattr(view, name, empty)
    target._drawn, target._boxes, target._body._wrapped = [], {}, {}
    try:
        fresh = [list(strip) for strip in Widget.render_lines(view, crop)]
    finally:
        for name, value in zip(names, held[0]):
            setattr(view, name, value)
        target._drawn, target._boxes, target._body._wrapped = held[1]
    return kept, fresh


async def test_the_comment_panes_rows_kept_styled_are_those_textual_draws_afresh(make_app) -> None:
    """Moves between replies and roots, reading a long comment, the target scrolled, hidden and
    labeled, a note, a selection, resizes and a theme of another colour: the pane shows what
    Textual draws afresh, for the whole pane, a line, and a part of its width."""
    extra = [" ".join(f"word{number}" for number in range(400)), *(f"Extra comment {n} in a few words." for n in range(20))]
    app = make_app(extra=extra)
    chance = random.Random(23)
    pressed = [*PANE_KEYS, *chance.choices(PANE_KEYS, k=80)]
    sizes = [(200, 60), (80, 24)]
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        view = screen.query_one(CommentView)
        for step, key in enumerate(pressed):
            if key == "resize":
                sizes.reverse()
                await pilot.resize_terminal(*sizes[-1])
            elif key == "theme":
                app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
            elif key == "select":  # from the target's text, when there is one, into the comment
                width, height, top = *view.size, view.top_lines()
                await pilot.mouse_down(view, offset=(3, 1 if top > 1 else height - 4))
                await pilot.hover(view, offset=(width - 6, height - 2))
                await pilot.mouse_up(view, offset=(width - 6, height - 2))
            elif key == "e-note":
                await pilot.press("e", *"a note", "escape")
            else:
                await pilot.press(key)
            await pilot.pause()
            width, height = view.size
            crop = [Region(0, 0, width, height), Region(0, height // 2, width, 1), Region(2, 0, width - 5, height)][step % 3]
            kept, fresh = pane_drawn(view, crop)
            assert kept == fresh, f"{crop} after {pressed[:step + 1]}"
