"""The mouse in the panes drawn a line at a time (`TextLines`): a drag selects the words it covers
in the comment, the target and the note preview (ctrl+c copies them, literally), and their
scrollbars can be dragged or clicked as Textual's own."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from textual.geometry import Offset
from textual.selection import Selection

from annotator.tui.widgets.comment_view import PADDING, CommentView
from annotator.tui.widgets.note_editor import NoteEditor, NotePreview
from annotator.tui.widgets.target_view import TargetView
from annotator.tui.widgets.text_lines import TextLines, selected_text
from tests.conftest import make_project
from tests.tui.conftest import HOSTILE, ready, settled, until
from tests.tui.test_reading import SMALL, on_longest
from tests.tui.test_targets import app_on, at, sample  # noqa: F401 (a fixture)

WIDE = (120, 40)


def rows(view: TextLines) -> list[str]:
    """What `view` shows, a row at a time (its content only: no padding)."""
    return [view.render_line(y).text for y in range(view.size.height)]


def place(view: TextLines, words: str) -> tuple[int, int]:
    """Where `words` start on `view`, as an offset from its region (as Pilot takes it)."""
    for y, row in enumerate(rows(view)):
        if words in row:
            return row.index(words) + view.gutter.left, y + view.gutter.top
    raise AssertionError(f"{words!r} is not on screen: {rows(view)}")


async def drag(pilot, view: TextLines, start: tuple[int, int], end: tuple[int, int]) -> None:
    """Press the button at `start`, move to `end` and let go there (offsets from the view's region)."""
    await pilot.mouse_down(view, offset=start)
    await pilot.hover(view, offset=end)
    await pilot.mouse_up(view, offset=end)
    await pilot.pause()


async def select_words(pilot, view: TextLines, first: str, last: str) -> str | None:
    """Drag from the first character of `first` to the last of `last`; the screen's selected text."""
    start = place(view, first)
    x, y = place(view, last)
    await drag(pilot, view, start, (x + len(last) - 1, y))
    return pilot.app.screen.get_selected_text()


def test_selected_text_counts_lines_at_newlines_only() -> None:
    text = "one\u2028two\nthree\n"
    assert selected_text(text, Selection(Offset(4, 0), Offset(2, 1))) == "two\nth"
    assert selected_text(text, Selection(Offset(0, 2), Offset(0, 2))) == ""  # the last, empty line
    assert selected_text(text, Selection(Offset(2, 1), None)) == "ree\n"
    assert selected_text(text, Selection(None, Offset(3, 0))) == "one"
    assert selected_text(text, Selection(Offset(1, 1), Offset(9, 7))) == "hree\n"  # past the end: to the end


async def test_a_drag_over_a_comments_words_selects_them_and_ctrl_c_copies_them(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        screen = await ready(pilot)
        view = screen.query_one(CommentView)
        row = place(view, "sharing")[1] - view.gutter.top
        assert await select_words(pilot, view, "sharing", "believe") == "sharing this, I believe"
        selection = screen.get_component_rich_style("screen--selection").bgcolor
        assert selection is not None
        assert "".join(segment.text for segment in view.render_line(row)
                       if segment.style and segment.style.bgcolor == selection) == "sharing this, I believe"
        await pilot.press("ctrl+c")
        assert app.clipboard == "sharing this, I believe"
        assert app.focused is screen.comment_list  # the labels keys still go to the list
        await pilot.click(view, offset=place(view, "Thanks"))  # a click clears it
        assert not screen.get_selected_text()


async def test_another_comment_shown_drops_the_selection_in_the_one_before(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        screen = await ready(pilot)
        view = screen.query_one(CommentView)
        assert await select_words(pilot, view, "sharing", "believe") == "sharing this, I believe"
        await pilot.press("j")
        await pilot.pause()
        assert not screen.get_selected_text() and view.text_selection is None


async def test_a_selection_across_a_wrapped_line_is_the_text_with_its_space(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        view = screen.query_one(CommentView)
        wrapped = rows(view)
        assert any(row.rstrip().endswith("work is") for row in wrapped)  # (wraps after "is" at this width)
        assert await select_words(pilot, view, "work is", "promising") == "work is very promising"


async def test_the_comments_header_and_words_in_it_are_selected_too(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        screen = await ready(pilot)
        view = screen.query_one(CommentView)
        comment = app.project.corpus.comments[0]
        start = place(view, f"#1/{len(app.project.corpus.comments)}")
        end = place(view, "Thanks")
        await drag(pilot, view, start, (end[0] + 5, end[1]))
        assert screen.get_selected_text() == f"#1/{len(app.project.corpus.comments)}  {comment.id}  {comment.source}:1\n\nThanks"


async def test_hostile_text_is_selected_as_shown(make_app) -> None:
    app = make_app(extra=HOSTILE)
    async with app.run_test(size=WIDE) as pilot:
        screen = await ready(pilot)
        comment = app.project.corpus.comments[22]
        await pilot.press("colon", *comment.id, "enter")
        await pilot.pause()
        view = screen.query_one(CommentView)
        assert await select_words(pilot, view, "[bold]", "${x}") == HOSTILE[0]
        await pilot.press("ctrl+c")
        assert app.clipboard == HOSTILE[0] and app.is_running


TARGET = "Rarer is not the same as gone. If each step has a 1% error rate, a 200-step chain"  # (a2, which a3 replies to)


def highlighted(view: TextLines, row: int) -> str:
    """The text of `row` of `view` drawn on another background than most of the row's cells (the
    selection's colours, blended over the target's box or the comment's)."""
    segments = [segment for segment in view.render_line(row) if segment.style is not None]
    cells = Counter()
    for segment in segments:
        cells[segment.style.bgcolor] += segment.cell_length
    background = cells.most_common(1)[0][0]
    return "".join(segment.text for segment in segments if segment.style.bgcolor != background).strip()


async def test_a_drag_in_the_target_selects_its_words_and_ctrl_c_copies_them(sample: Path) -> None:  # noqa: F811
    app = app_on(sample)
    async with app.run_test(size=WIDE) as pilot:
        screen = await at(pilot, "a3")
        view = screen.query_one(CommentView)
        row = place(view, "Rarer")[1] - view.gutter.top
        assert row < view.top_lines()  # (the target's rows, above the comment)
        assert await select_words(pilot, view, "Rarer", "same") == "Rarer is not the same"
        assert highlighted(view, row) == "Rarer is not the same"
        assert not any(highlighted(view, y) for y in range(view.top_lines(), view.size.height))  # not the comment's
        await pilot.press("ctrl+c")
        assert app.clipboard == "Rarer is not the same"
        await pilot.press("k")  # another comment, under another target: the selection goes, its colours too
        await pilot.pause()
        assert screen.current_id() == "a2" and not screen.get_selected_text()
        assert not any(highlighted(view, y) for y in range(view.size.height))
        await pilot.press("j")  # and back: not in its colours either
        await pilot.pause()
        assert screen.current_id() == "a3" and not screen.get_selected_text()
        assert not any(highlighted(view, y) for y in range(view.size.height))


async def test_a_drag_from_the_target_into_the_comment_selects_both_in_the_order_shown(sample: Path) -> None:  # noqa: F811
    app = app_on(sample)
    async with app.run_test(size=WIDE) as pilot:
        screen = await at(pilot, "a3")
        view = screen.query_one(CommentView)
        target = app.project.corpus.comments[1].text
        comment = app.project.corpus.comments[2]
        assert await select_words(pilot, view, "compounding.", "Sure,") == (
            f"compounding.\n#3/{len(app.project.corpus.comments)}  a3  {comment.source}:3  mira\n\nSure,")
        assert target.endswith("compounding.")
        # ...and backwards, from the comment up into the target
        start = place(view, "Sure,")
        await drag(pilot, view, (start[0] + 4, start[1]), place(view, "compounding."))
        assert screen.get_selected_text() == (
            f"compounding.\n#3/{len(app.project.corpus.comments)}  a3  {comment.source}:3  mira\n\nSure,")


async def test_the_target_head_line_is_not_selected_as_the_comments_text(sample: Path) -> None:  # noqa: F811
    """The head line (what the comment replies to, the keys) is not text of the target: a drag
    over it alone selects none of the comment's words, which its cells once named."""
    app = app_on(sample)
    async with app.run_test(size=WIDE) as pilot:
        screen = await at(pilot, "a3")
        view = screen.query_one(CommentView)
        assert not await select_words(pilot, view, "replying", "tobias")  # (nothing: not the comment's words)
        assert await select_words(pilot, view, "replying", "same") == "Rarer is not the same"  # from its start


async def test_a_selection_in_the_target_goes_when_the_target_is_hidden(sample: Path) -> None:  # noqa: F811
    """Its lines count from the target's rows: once they are hidden (C), nothing is left selected
    (the comment's text would have been, at the same places)."""
    app = app_on(sample)
    async with app.run_test(size=WIDE) as pilot:
        screen = await at(pilot, "a3")
        view = screen.query_one(CommentView)
        assert await select_words(pilot, view, "Rarer", "same") == "Rarer is not the same"
        await pilot.press("C")
        await pilot.pause()
        assert screen.query_one(TargetView).collapsed
        assert not screen.get_selected_text() and view.text_selection is None
        await pilot.press("C")
        await pilot.pause()
        assert not any(highlighted(view, y) for y in range(view.size.height))
        assert await select_words(pilot, view, "Sure,", "per-step") == "Sure, but the per-step"
        await pilot.press("C")  # one all in the comment's lines stays: hiding the target does not renumber them
        await pilot.pause()
        assert screen.get_selected_text() == "Sure, but the per-step"


async def test_the_comments_scrollbar_drags_the_comment_and_selects_nothing(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        _, view, last_word = await on_longest(pilot)
        assert view.scroll_y == 0 and view.more_below
        bar = view.content_region.right - 1 - view.region.x  # (the thumb is at the top)
        await pilot.mouse_down(view, offset=(bar, 0))
        assert app.mouse_captured is view
        await pilot.hover(view, offset=(bar, 3))
        await pilot.pause()
        assert view.scroll_y > 0
        await pilot.hover(view, offset=(bar, view.size.height + 5))  # past the end (the mouse is captured)
        await pilot.mouse_up(view, offset=(bar, view.size.height - 1))
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y and not view.more_below
        assert any(last_word in row for row in rows(view))
        assert app.mouse_captured is None
        assert not app.screen.get_selected_text()
        await pilot.hover(view, offset=(bar, 0))  # the mouse let go: moving it scrolls nothing
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y


async def test_a_click_on_the_scrollbar_above_or_below_its_thumb_scrolls_a_page(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        _, view, _ = await on_longest(pilot)
        bar = view.content_region.right - 1 - view.region.x
        await pilot.click(view, offset=(bar, view.size.height - 1))
        assert view.scroll_y == min(view.size.height, view.max_scroll_y) > 0
        await pilot.click(view, offset=(bar, 0))
        assert view.scroll_y == 0


async def test_a_drag_selects_at_the_more_mark_the_text_under_it(make_app) -> None:
    """The mark on the last row covers a line of text: a drag that ends on it selects to that line."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        screen, view, _ = await on_longest(pilot)
        last = view.size.height - 1
        assert "more below" in rows(view)[last]
        hidden = view.plain.split("\n")[2]  # the comment's text, one line
        start = place(view, hidden[:10])
        await drag(pilot, view, start, (view.gutter.left + PADDING, last))  # (the first cell of text)
        under = view._lines(view._text_width())[last].text.split()[0]  # the first word under the mark
        shown = " ".join(filter(None, (row.strip(" ▁▂▃▄▅▆▇█") for row in rows(view)[2:last])))
        assert under not in shown.split() and hidden.startswith(f"{shown} {under}")
        assert screen.get_selected_text() == hidden[:len(shown) + 2]  # to the first character under the mark


def target_bar(view: CommentView, action: str) -> tuple[int, int]:
    """Where in `view` (an offset from its region) the target's scrollbar has a cell that does
    `action` ("grab": its thumb; "scroll_down": below it)."""
    for y in range(view.top_lines()):
        x = 0
        for segment in view.render_line(y):
            if segment.style is not None and segment.style.meta.get("@mouse.down") == action:
                return x, y
            x += segment.cell_length
    raise AssertionError(f"no {action} cell in the target's rows")


async def on_a_reply(pilot):
    """The main screen on a3, which replies to a2; its comment pane and target."""
    screen = await at(pilot, "a3")
    return screen, screen.query_one(CommentView), screen.query_one(TargetView)


async def test_the_targets_scrollbar_drags_its_text_and_the_head_marks_the_end(sample: Path) -> None:  # noqa: F811
    app = app_on(sample)
    async with app.run_test(size=SMALL) as pilot:
        screen, view, target = await on_a_reply(pilot)
        assert target.scrolled == "more" and "▼" in rows(view)[0]
        x, y = target_bar(view, "grab")
        await pilot.mouse_down(view, offset=(x, y))
        assert app.mouse_captured is view
        await pilot.hover(view, offset=(x, y + 10))  # past the target's rows (the mouse is captured)
        await pilot.mouse_up(view, offset=(x, y + 10))
        await pilot.pause()
        assert target.scrolled == "end" and "▲" in rows(view)[0]
        assert "compounding." in "".join(rows(view)[:view.top_lines()])  # its last words, in view
        assert app.mouse_captured is None and not screen.get_selected_text()
        assert view.scroll_y == 0  # the comment did not move


async def test_a_click_on_the_targets_scrollbar_below_its_thumb_scrolls_its_text(sample: Path) -> None:  # noqa: F811
    app = app_on(sample)
    async with app.run_test(size=SMALL) as pilot:
        screen, view, target = await on_a_reply(pilot)
        first = rows(view)[1]
        await pilot.click(view, offset=target_bar(view, "scroll_down"))
        assert target.scroll > 0 and rows(view)[1] != first
        assert not screen.get_selected_text()


async def test_over_the_targets_rows_the_comments_scrollbar_is_not_there(tmp_path: Path) -> None:
    """A long reply scrolls, its scrollbar beside its own rows: a press in the target's rows at
    that column starts a selection of the target's text there, and grabs nothing; on the bar
    itself (in the comment's rows) it grabs it."""
    long_reply = " ".join(f"word{number}" for number in range(300))
    seeds = {"thread.jsonl": json.dumps({"id": "p1", "text": "The parent, which takes a whole line or so here."})
             + "\n" + json.dumps({"id": "r1", "text": long_reply, "parent": "p1"}) + "\n"}
    app = app_on(make_project(tmp_path / "p", seeds), "alice")
    async with app.run_test(size=SMALL) as pilot:
        screen = await at(pilot, "r1")
        view = screen.query_one(CommentView)
        top = view.top_lines()
        assert top > 1 and view.more_below
        bar = PADDING + view._text_width()  # (the comment's scrollbar column)
        await pilot.mouse_down(view, offset=(bar, 1))  # the target's text row, at that column
        assert app.mouse_captured is None
        await pilot.hover(view, offset=(bar - 10, 1))
        await pilot.mouse_up(view, offset=(bar - 10, 1))
        await pilot.pause()
        assert view.scroll_y == 0 and screen.get_selected_text()  # (some of the parent's words)
        await pilot.mouse_down(view, offset=(bar, top))  # the bar's thumb, beside the comment's first row
        assert app.mouse_captured is view
        await pilot.mouse_up(view, offset=(bar, top))


async def test_a_drag_in_the_note_selects_it_and_a_click_edits_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        screen = await ready(pilot)
        await pilot.press("e", *"first line of the note", "escape")
        await settled(pilot)
        preview = screen.query_one(NotePreview)
        assert preview.display and not screen.query_one(NoteEditor).display
        assert await select_words(pilot, preview, "line", "the") == "line of the"
        await pilot.pause()
        assert preview.display and app.focused is screen.comment_list  # not opened to edit
        await pilot.click(preview, offset=place(preview, "note"))
        await until(pilot, lambda: app.focused is screen.query_one(NoteEditor), "the note editor")
