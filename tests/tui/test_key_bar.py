"""The keys at the bottom: the shown bindings of where the focus is, as Textual's footer shows
them, the command palette's on the right when there is room; a click on one presses it."""

from __future__ import annotations

from annotator.tui.widgets.key_bar import KeyBar
from tests.tui.conftest import disk_entry, ready, settled
from tests.tui.test_reading import screen_text

MAIN_KEYS = " j Next  space Unlabeled  ^d Read on  e Note  f Flag  / Search  u Undo  ? Help "


async def test_the_bar_names_the_keys_of_the_focus_and_follows_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.pause()
        assert screen_text(app).splitlines()[-1] == MAIN_KEYS + " " * 9 + "▏^p palette "
        await pilot.press("e")  # into the note: its keys
        await pilot.pause()
        assert screen_text(app).splitlines()[-1].startswith(" esc Done ")
        await pilot.press("escape")
        await pilot.pause()
        assert screen_text(app).splitlines()[-1].startswith(MAIN_KEYS)


async def test_the_palette_key_shows_only_where_there_is_room(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.pause()
        for width, shown in ((80, False), (92, True), (91, False)):
            await pilot.resize_terminal(width, 30)
            await pilot.pause()
            last = screen_text(app).splitlines()[-1]
            assert last.startswith(MAIN_KEYS) and ("^p palette" in last) == shown, (width, last)
            assert len(last) == width


async def test_a_click_on_a_key_presses_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        await pilot.pause()
        flag = next(key for key in app.screen.query_one(KeyBar).shown() if key.action == "flag")
        assert (flag.display, flag.description) == ("f", "Flag")
        await pilot.click(KeyBar, offset=(flag.start + 1, 0))
        await settled(pilot)
        assert disk_entry(app, 0).flagged and screen.current_position() == 0


async def test_a_key_under_the_pointer_shows_what_it_does_in_full(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.pause()
        bar = app.screen.query_one(KeyBar)
        unlabeled = next(key for key in bar.shown() if key.action == "next_unlabeled")
        await pilot.hover(KeyBar, offset=(unlabeled.start + 2, 0))
        assert bar.tooltip == "Next unlabeled comment"
        await pilot.hover(KeyBar, offset=(bar.shown()[-2].end + 2, 0))  # (between the keys and the palette's)
        assert bar.tooltip is None


async def test_a_click_on_a_key_that_does_nothing_now_rings_the_bell(make_app, monkeypatch) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        monkeypatch.setattr(screen, "check_action", lambda action, parameters: None if action == "flag" else True)
        screen.refresh_bindings()
        await pilot.pause()
        bells = []
        monkeypatch.setattr(app, "bell", lambda: bells.append(1))
        flag = next(key for key in app.screen.query_one(KeyBar).shown() if key.action == "flag")
        assert not flag.enabled
        await pilot.click(KeyBar, offset=(flag.start + 1, 0))
        await settled(pilot)
        assert bells == [1] and not (disk_entry(app, 0) and disk_entry(app, 0).flagged)
