"""Per-session numbers (issue 11, point 5): labeled this session, the pace per active hour and the
time on the current comment, in the status line when it has room, and on ctrl+t at any size."""

from __future__ import annotations

from annotator.core.session import IDLE_AFTER
from annotator.tui.screens.main import Pace
from tests.tui.conftest import FakeClock, ready, settled


def test_pace_counts_active_time_between_keys_and_not_idle_pauses() -> None:
    clock = FakeClock()
    pace = Pace(clock, labeled_at_start=5)
    pace.moved("a")
    for _ in range(6):  # six keys, 20 s apart: two minutes of work
        clock.advance(20)
        pace.key()
    assert pace.numbers(labeled=9) == (4, 4 * 3600 / 120, 120)
    clock.advance(IDLE_AFTER + 1)  # a coffee break: not counted, not even as pending time
    assert pace.numbers(labeled=9) == (4, 120.0, 120)
    pace.key()
    pace.moved("b")
    clock.advance(7)
    assert pace.numbers(labeled=9)[2] == 7  # the new comment's time, so far, counts the pending time
    pace.moved("b")  # shown again (a filter kept it): its time goes on
    assert pace.numbers(labeled=9)[2] == 7


def test_no_pace_before_a_minute_of_work_and_the_words() -> None:
    clock = FakeClock()
    pace = Pace(clock, labeled_at_start=0)
    clock.advance(30)
    pace.key()
    assert pace.numbers(labeled=1) == (1, None, 30)
    assert pace.describe(1) == "session +1 · –/h · 0:30 here"
    clock.advance(45)
    pace.key()
    assert pace.describe(2) == "session +2 · 96/h · 1:15 here"
    assert pace.describe(1, long=True) == ("This session: +1 labeled, 48 comments an hour of active time, "
                                           "1:15 on this comment.")


async def test_the_status_line_shows_them_when_wide_and_ctrl_t_at_80_columns(make_app, clock) -> None:
    app = make_app()
    async with app.run_test(size=(200, 60)) as pilot:
        screen = await ready(pilot)
        clock.advance(40)
        await pilot.press("d", "j")
        clock.advance(50)
        await pilot.press("a")
        await settled(pilot)
        line = str(screen.query_one("#progress").render())
        assert "session +2 · 80/h · 0:50 here" in line and "● saved" in line
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        assert "session" not in str(screen.query_one("#progress").render())
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert any(n.message.startswith("This session: ") for n in app._notifications)
