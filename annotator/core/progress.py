"""A progress bar on stderr for long operations: drawn only on a terminal, silent when piped."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")

WIDTH = 30
DELAY = 0.5  # seconds before the bar first shows, so that quick operations never flash one
INTERVAL = 0.1  # seconds between redraws


class Progress:
    """Counts done items out of `total` and redraws one line on `stream` when it is a terminal."""

    def __init__(
        self,
        label: str,
        total: int,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.total = max(total, 1)
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_terminal(self.stream)
        self.clock = clock
        self.shown = False
        self._next_draw = clock() + DELAY

    def update(self, done: int) -> None:
        """Note that `done` items are done; redraw if the bar is due."""
        if self.enabled and self.clock() >= self._next_draw:
            self._next_draw = self.clock() + INTERVAL
            self.stream.write("\r" + render_bar(self.label, done, self.total))
            self.stream.flush()
            self.shown = True

    def close(self) -> None:
        """Erase the bar, leaving the line free for the messages that follow."""
        if self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.shown = False


def render_bar(label: str, done: int, total: int) -> str:
    """`export  42% [############------------------] 42,000/100,000`."""
    fraction = min(done / total, 1.0)
    filled = int(fraction * WIDTH)
    return f"{label} {fraction:4.0%} [{'#' * filled}{'-' * (WIDTH - filled)}] {done:,}/{total:,}"


def tracked(items: Iterable[T], label: str, total: int, stream: TextIO | None = None) -> Iterator[T]:
    """`items`, unchanged, with a progress bar counting them on `stream` (stderr by default)."""
    progress = Progress(label, total, stream)
    if not progress.enabled:
        yield from items
        return
    try:
        for done, item in enumerate(items, start=1):
            if done & 0xFF == 0:
                progress.update(done)
            yield item
    finally:
        progress.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
