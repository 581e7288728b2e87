"""The progress bar: drawn on a terminal after a short delay, erased at the end, silent when piped."""

from __future__ import annotations

import io

from annotator.core.progress import Progress, render_bar, tracked


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_render_bar() -> None:
    assert render_bar("export", 42_000, 100_000) == (
        "export  42% [############------------------] 42,000/100,000"
    )
    assert render_bar("export", 7, 7).startswith("export 100% [" + "#" * 30 + "]")


def test_drawn_on_a_terminal_after_the_delay_then_erased() -> None:
    stream, clock = Terminal(), Clock()
    progress = Progress("export", 10, stream, clock)
    progress.update(1)
    assert stream.getvalue() == ""  # too early: quick operations never flash a bar
    clock.now = 0.6
    progress.update(5)
    progress.update(6)  # within the redraw interval: not drawn
    assert stream.getvalue() == "\r" + render_bar("export", 5, 10)
    progress.close()
    assert stream.getvalue().endswith("\r\x1b[2K")


def test_silent_when_piped() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress("export", 10, stream, clock)
    clock.now = 5.0
    progress.update(5)
    progress.close()
    assert stream.getvalue() == ""
    assert list(tracked(range(1000), "export", 1000, stream)) == list(range(1000))
    assert stream.getvalue() == ""


def test_tracked_passes_items_through_on_a_terminal() -> None:
    stream = Terminal()
    assert list(tracked(iter(range(600)), "export", 600, stream)) == list(range(600))
