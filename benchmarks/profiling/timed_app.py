"""The `annotator` command with stopwatches around the parts of a repaint, for `keys.py`.

    python timed_app.py RESULT.json ANNOTATOR-ARGS...

Each part's inclusive time and number of calls are added up; SIGUSR1 starts the count afresh,
SIGUSR2 writes it to RESULT.json as {part: [seconds, calls]}. The app's code is not changed: the
stopwatches wrap methods from outside, in this process only. Coroutines (`_check_bindings`) are
not timed here; use pyinstrument for those.
"""

from __future__ import annotations

import functools
import gc
import json
import signal
import sys
import time

import textual._compositor as compositor
import textual.app as textual_app
import textual.widgets._text_area as text_area
from textual import screen, widget

from annotator.cli import main
from annotator.tui.screens import main as main_screen
from annotator.tui.widgets import comment_list, comment_view, label_panel, note_editor

PARTS = [
    (screen.Screen, "_refresh_layout", "screen: layout, compositing and output (Screen._refresh_layout)"),
    (compositor.Compositor, "render_update", "compositing (Compositor.render_update)"),
    (widget.Widget, "render_lines", "widgets' render_lines (Textual's: the list and the comment pane, which draw kept rows past it, are in their `drawn:` lines)"),
    (widget.Widget, "_render_content", "Static and other content to strips (Widget._render_content)"),
    (comment_list.CommentList, "render_line", "the list's render_line"),
    (text_area.TextArea, "render_lines", "the note's TextArea.render_lines"),
    (compositor.Compositor, "reflow", "layout (Compositor.reflow)"),
    (textual_app.App, "_display", "output: escape codes and the write (App._display)"),
    (main_screen.MainScreen, "action_next", "handler: action_next"),
    (main_screen.MainScreen, "action_previous", "handler: action_previous"),
    (main_screen.MainScreen, "_show_current", "handler: _show_current"),
    (main_screen.MainScreen, "_show_labels", "handler: _show_labels"),
    (main_screen.MainScreen, "_show_progress", "handler: _show_progress"),
    (comment_view.CommentView, "show", "handler: CommentView.show"),
    (label_panel.LabelPanel, "render", "LabelPanel.render"),
    (label_panel.LabelPanel, "get_content_height", "LabelPanel.get_content_height"),
    (note_editor.NoteEditor, "load_text", "NoteEditor.load_text"),
    (main_screen.StatusLine, "render", "StatusLine.render"),
]
totals: dict[str, list[float]] = {}


def stopwatch(owner: type, name: str, label: str) -> None:
    method = getattr(owner, name)

    @functools.wraps(method)
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            total = totals.setdefault(label, [0.0, 0])
            total[0] += time.perf_counter() - started
            total[1] += 1

    setattr(owner, name, timed)


def by_widget() -> None:
    """Each widget's `render_lines` timed on its own ("drawn: CommentList#comments"): every class
    that defines the method is wrapped, and only the outermost call of a widget counts (a class's
    `render_lines` that calls its base's is timed once)."""
    depth: dict[int, int] = {}

    def wrap(owner: type) -> None:
        method = owner.__dict__["render_lines"]

        @functools.wraps(method)
        def timed(self, crop):
            outermost = depth.get(id(self), 0) == 0
            depth[id(self)] = depth.get(id(self), 0) + 1
            started = time.perf_counter()
            try:
                return method(self, crop)
            finally:
                depth[id(self)] -= 1
                if outermost:
                    total = totals.setdefault(f"drawn: {type(self).__name__}#{self.id}", [0.0, 0])
                    total[0] += time.perf_counter() - started
                    total[1] += 1

        owner.render_lines = timed

    pending = [widget.Widget]
    while pending:
        owner = pending.pop()
        pending += owner.__subclasses__()
        if "render_lines" in owner.__dict__:
            wrap(owner)


def collections() -> None:
    """The garbage collector's passes timed too ("gc: generation N")."""
    started: list[float] = []

    def callback(phase: str, info: dict) -> None:
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started:
            generation = info["generation"]
            total = totals.setdefault(f"gc: generation {generation}", [0.0, 0])
            total[0] += time.perf_counter() - started[0]
            total[1] += 1

    gc.callbacks.append(callback)


def run() -> int:
    result, argv = sys.argv[1], sys.argv[2:]
    for owner, name, label in PARTS:
        stopwatch(owner, name, label)
    by_widget()
    collections()

    def write(*_) -> None:
        with open(result, "w", encoding="utf-8") as handle:
            json.dump(totals, handle)

    signal.signal(signal.SIGUSR1, lambda *_: totals.clear())
    signal.signal(signal.SIGUSR2, write)
    return main(argv)


if __name__ == "__main__":
    sys.exit(run())
