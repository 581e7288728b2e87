"""The comment list keeps each row as Textual styled it (`CommentList.render_lines`): what it shows
after any mix of moves, scrolls, labels, undo, thread order, reading keys, the target, focus and
resizes is what Textual draws afresh."""

from __future__ import annotations

import random

from textual.geometry import Region
from textual.scroll_view import ScrollView

from annotator.tui.widgets.comment_list import CommentList
from tests.tui.conftest import ready

# Mostly moves, so that the list scrolls; "blur" and "focus" take the focus from the list and back
# (the list is tinted while it has it); "resize" switches between 80x24 and 120x40.
KEYS = ["j"] * 60 + ["k"] * 15 + ["a", "d", "1", "2", "f", "u", "U", "T", "G", "g", "pagedown", "pageup", "space",
                                 "ctrl+d", "ctrl+u", "ctrl+e", "C", "P", "blur", "focus", "resize"]


def drawn(rows: CommentList) -> tuple[list, list]:
    """The list's lines as it draws them, and as Textual draws them with nothing kept."""
    crop = Region(0, 0, *rows.size)  # (as the compositor asks for them)
    kept = [list(strip) for strip in rows.render_lines(crop)]
    rows._styles_cache.clear()
    fresh = [list(strip) for strip in ScrollView.render_lines(rows, crop)]
    return kept, fresh


async def test_rows_kept_styled_are_those_textual_draws_afresh(make_app) -> None:
    extra = [f"Extra comment number {number} with a few words to show." for number in range(60)]
    app = make_app(extra=extra)
    chance = random.Random(17)
    sweep = [chance.choice("ad12f") if step % 7 == 6 else "j" for step in range(70)] + ["k"] * 70
    pressed = chance.choices(KEYS, k=100) + ["g", *sweep, "blur", *sweep[::2], "resize", *sweep[::2]]
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
            else:
                await pilot.press(key)
            await pilot.pause()
            kept, fresh = drawn(rows)
            assert kept == fresh, f"after {pressed[:step + 1]}"
            scrolled.add(rows.scroll_offset.y)
        assert len(scrolled) > 20  # (the list was scrolled on the way, a row and a page at a time)
