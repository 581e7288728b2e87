"""The main screen paints a key's changes as soon as they are ready (at most 120 frames a second),
not on Textual's fixed-rate timer; and the Textual names this stands on exist."""

from __future__ import annotations

import asyncio
import inspect
import re
import time

from textual import screen as screen_module
from textual.screen import Screen

from annotator.tui.screens.pacing import FramePacer
from tests.tui.conftest import ready
from tests.tui.test_reading import screen_text


def test_the_textual_names_the_pacer_stands_on_are_there() -> None:
    assert isinstance(inspect.getattr_static(Screen, "_update_timer"), property)
    assert not inspect.iscoroutinefunction(Screen._on_timer_update)
    assert inspect.iscoroutinefunction(Screen._message_loop_exit)
    # Textual asks its screen timer only to resume and pause (a new call would be one the pacer lacks).
    asked = set(re.findall(r"_update_timer\.(\w+)", inspect.getsource(screen_module)))
    assert asked == {"resume", "pause"}, asked


class Painted:
    """A stand-in screen: counts its paints."""

    def __init__(self) -> None:
        self.paints = 0
        self.errors: list[BaseException] = []
        self.app = self

    _exit = False

    def _on_timer_update(self) -> None:
        self.paints += 1

    def _handle_exception(self, error: BaseException) -> None:
        self.errors.append(error)


async def test_a_change_after_a_quiet_time_is_painted_at_once_and_once() -> None:
    screen = Painted()
    pacer = FramePacer(screen, 0.5)  # (a long frame: nothing here waits for it)
    pacer.resume()
    pacer.resume()  # a second change before the paint: still one paint
    await asyncio.sleep(0)
    assert screen.paints == 1


async def test_a_change_right_after_a_paint_waits_for_the_rest_of_the_frame_time() -> None:
    screen = Painted()
    pacer = FramePacer(screen, 0.5)
    pacer.resume()
    await asyncio.sleep(0)
    pacer.resume()
    pending = pacer._pending
    assert isinstance(pending, asyncio.TimerHandle)
    assert 0 < pending.when() - asyncio.get_running_loop().time() <= 0.5
    await asyncio.sleep(0.01)
    assert screen.paints == 1
    pacer.pause()  # painted by the screen itself meanwhile (a layout): the wait is dropped
    assert pending.cancelled() and pacer._pending is None


async def test_a_paint_that_fails_goes_to_the_app_as_a_timers_would() -> None:
    screen = Painted()
    screen._on_timer_update = lambda: 1 / 0
    pacer = FramePacer(screen, 0.5)
    pacer.resume()
    await asyncio.sleep(0)
    assert [type(error) for error in screen.errors] == [ZeroDivisionError]


async def test_the_main_screen_paints_a_key_by_the_pacer_not_textuals_timer(make_app, monkeypatch) -> None:
    """(Pilot paints by itself when a test pauses: the pacer's own paints are counted apart.)"""
    paced: list[bool] = []
    original = FramePacer._paint
    monkeypatch.setattr(FramePacer, "_paint", lambda pacer: (paced.append(True), original(pacer))[1])
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        assert isinstance(screen._update_timer, FramePacer)
        paced.clear()
        total = len(app.project.corpus.comments)
        await pilot.press("j")
        for _ in range(50):
            if paced:
                break
            await asyncio.sleep(0.01)
        assert paced, "the key's change was never painted by the pacer"
        assert f"#2/{total}" in screen_text(app)
        assert not [timer for timer in screen._timers if timer.name == "screen_update"]


async def test_a_paint_still_waiting_is_dropped_once_the_screen_is_gone(make_app) -> None:
    """(A paint far ahead: it cannot have run by itself before the app ends.)"""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        pacer = screen._update_timer
        pacer.pause()
        pacer._period, pacer._last = 60.0, time.monotonic()
        pacer.resume()
        waiting = pacer._pending
        assert isinstance(waiting, asyncio.TimerHandle) and not waiting.cancelled()
    assert waiting.cancelled() and pacer._pending is None
