"""Frames painted as soon as a key's changes are ready, at most `FRAMES_A_SECOND` a second.

Textual paints a screen from a repeating timer (`Screen._update_timer`: 60 ticks a second by
default, 240 as the app sets it): a change waits for the timer's next tick, and after a tick the
timer skips ahead to the tick after next. A key pressed just after a frame therefore waited up to
two ticks to be drawn, however little work it caused. `PromptFrames` replaces that timer on a
screen with `FramePacer`: when the last frame is at least 1/`FRAMES_A_SECOND` s old, the change
is painted at once; otherwise when it will be. (The app's other screens, dialogs and the help,
keep Textual's timer: see `commands/annotate.py`.)

This stands on three names of Textual's `Screen`: the `_update_timer` property (its paint timer,
with `resume` and `pause`), `_on_timer_update` (one paint) and `_message_loop_exit`.
tests/tui/test_pacing.py checks them against the installed Textual.
"""

from __future__ import annotations

import asyncio
import time
from typing import TypeVar

from textual import constants
from textual.screen import Screen

ResultType = TypeVar("ResultType")
# At most: frames 8 ms apart, well within one of a 60 Hz screen; fewer if TEXTUAL_FPS says so (a slow link).
FRAMES_A_SECOND = min(120, constants.MAX_FPS)


class FramePacer:
    """Stands in for a screen's paint timer (`resume` when a change waits, `pause` once painted)."""

    def __init__(self, screen: Screen, period: float) -> None:
        self._screen = screen
        self._period = period
        self._last = -period  # when the last frame was painted (time.monotonic)
        self._pending: asyncio.TimerHandle | asyncio.Handle | None = None

    def resume(self) -> None:
        """Paint soon: now if the last frame is a frame's time old, else when it will be."""
        if self._pending is not None:
            return
        loop = asyncio.get_running_loop()
        wait = self._last + self._period - time.monotonic()
        self._pending = loop.call_soon(self._paint) if wait <= 0 else loop.call_later(wait, self._paint)

    def pause(self) -> None:
        """Nothing to paint (the screen has just painted, or is going away)."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def stop(self) -> None:
        self.pause()

    def _paint(self) -> None:
        self._pending = None
        self._last = time.monotonic()
        screen = self._screen
        if screen.app._exit:  # (as Textual's timer: nothing is painted once the app is leaving)
            return
        try:
            screen._on_timer_update()
        except Exception as error:  # as Textual's timer does: the app shows it and exits
            screen.app._handle_exception(error)


class PromptFrames(Screen[ResultType]):
    """A screen painted by a `FramePacer` instead of Textual's fixed-rate timer."""

    @property
    def _update_timer(self) -> FramePacer:  # type: ignore[override]
        pacer = self.__dict__.get("_frame_pacer")
        if pacer is None:
            pacer = self.__dict__["_frame_pacer"] = FramePacer(self, 1 / FRAMES_A_SECOND)
        return pacer

    async def _message_loop_exit(self) -> None:
        self._update_timer.stop()
        await super()._message_loop_exit()
