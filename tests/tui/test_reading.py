"""Reading long comments from the keyboard (issue 11, point 3): ctrl+d and ctrl+u scroll the comment
while the label keys keep working, a mark says when there is more below, and the footer, the help
and the keymap name the keys."""

from __future__ import annotations


from annotator.core.keymap import ACTION_KEYS, ACTIONS, RESERVED_KEYS
from annotator.tui.widgets.comment_view import CommentView
from annotator.tui.widgets.key_bar import KeyBar
from tests.tui.conftest import disk_entry, ready, settled

SMALL = (80, 24)


def screen_text(app) -> str:
    """What the terminal shows now, as plain text (one line a row)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def longest(app) -> tuple[int, str]:
    """The corpus position and the last word of the longest comment."""
    comments = app.project.corpus.comments
    position = max(range(len(comments)), key=lambda p: len(comments[p].text))
    return position, comments[position].text.split()[-1]


async def on_longest(pilot) -> tuple[object, CommentView, str]:
    screen = await ready(pilot)
    position, last_word = longest(pilot.app)
    screen.comment_list.move_to(position)
    await pilot.pause()
    await pilot.pause()
    return screen, screen.query_one(CommentView), last_word


def test_the_read_keys_are_control_keys_that_no_label_key_can_take() -> None:
    """A label key is one printable character; the read keys are control keys, reserved, and
    nothing else in the keymap uses them."""
    assert ACTION_KEYS["read_down"] == ("ctrl+d",) and ACTION_KEYS["read_up"] == ("ctrl+u",)
    assert {"ctrl+d", "ctrl+u"} <= RESERVED_KEYS
    keys = [key for action in ACTIONS for key in action.keys]
    assert len(keys) == len(set(keys))
    assert sum(1 for action in ACTIONS if action.footer) <= 8


async def test_the_read_keys_show_the_longest_comment_to_its_last_word_at_80x24(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        _, view, last_word = await on_longest(pilot)
        assert view.more_below
        assert last_word not in screen_text(app)
        assert "▼ more below" in screen_text(app)
        for _ in range(10):
            if not view.more_below:
                break
            await pilot.press("ctrl+d")
            await pilot.pause()
        assert not view.more_below
        assert last_word in screen_text(app)
        assert "▲ end of the comment" in screen_text(app)
        while view.scroll_y > 0:
            await pilot.press("ctrl+u")
            await pilot.pause()
        assert last_word not in screen_text(app) and "▼ more below" in screen_text(app)


async def test_a_short_comment_has_no_more_mark(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        screen = await ready(pilot)
        await pilot.pause()
        view = screen.query_one(CommentView)
        assert not view.more_below
        assert "more below" not in screen_text(app)
        await pilot.press("ctrl+d")  # nothing to scroll: nothing happens
        await pilot.pause()
        assert view.scroll_y == 0 and "end of the comment" not in screen_text(app)


async def test_the_label_keys_keep_working_while_reading(make_app) -> None:
    """Scrolled down, a stance and a topic go to the comment being read, the text stays where it
    is, and moving on shows the next comment from its top."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        screen, view, last_word = await on_longest(pilot)
        position = screen.current_position()
        await pilot.press("ctrl+d")
        await pilot.pause()
        scrolled = view.scroll_y
        assert scrolled > 0
        await pilot.press("m", "3", "f")
        await settled(pilot)
        entry = disk_entry(app, position)
        assert (entry.stance, entry.topics, entry.flagged) == ("mixed", ("reasoning",), True)
        assert view.scroll_y == scrolled
        await pilot.press("j")
        await pilot.pause()
        assert screen.current_position() == position + 1
        assert view.scroll_y == 0


async def test_the_read_keys_type_into_the_note_and_search_box_as_usual(make_app) -> None:
    """In the note editor ctrl+u is the editor's own key: the comment does not scroll."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        _, view, _ = await on_longest(pilot)
        await pilot.press("e", *"abc", "ctrl+d")
        await pilot.pause()
        assert view.scroll_y == 0


async def test_the_footer_names_the_read_key_and_fits_80_columns(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        await pilot.pause()
        bar = app.screen.query_one(KeyBar)
        keys = bar.shown()
        assert 0 < len(keys) <= 8
        assert "ctrl+d" in {key.key for key in keys}
        assert max(key.end for key in keys) <= SMALL[0] and "ctrl+p" not in {key.key for key in keys}
        assert "^d Read on" in screen_text(app).splitlines()[-1]
        assert bar.region.width == SMALL[0]


async def test_help_names_the_read_keys_and_they_scroll_it_too(make_app) -> None:
    """The help names ctrl+d and ctrl+u, and (the footer has no room for it at 80 columns) ctrl+p,
    which is further down: the same read keys bring it into view."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        assert "ctrl+d       Read on" in text and "ctrl+u" in text and "ctrl+p" not in text
        pages = 0
        while "ctrl+p       Command palette" not in screen_text(app) and pages < 5:  # a page at a time
            await pilot.press("ctrl+d")
            await pilot.pause()
            pages += 1
        assert "ctrl+p       Command palette" in screen_text(app)
        for _ in range(pages):
            await pilot.press("ctrl+u")
            await pilot.pause()
        assert "ctrl+d       Read on" in screen_text(app)
