"""The note of the selected comment: shown by a preview, edited in a text area.

The preview draws the note a line at a time (moving between comments redraws it, nothing else);
the editor replaces it while the note is being edited. The note is shown literally (`Content`).
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import TextArea

from annotator.core.models import printable
from annotator.tui.widgets.text_lines import TextLines


def key_after_escape(key: str) -> events.Key | None:
    """The key typed right after an Escape, where the two came as one key with alt (`escape`, `j`
    -> `alt+j`, within the terminal's escape delay): a letter or digit (the terminal sends the
    others without alt); None for any other key."""
    if not key.startswith("alt+"):
        return None
    key = key.removeprefix("alt+")
    key = key[-1].upper() if key.startswith("shift+") and len(key) == 7 else key  # (`alt+shift+j`: J)
    return events.Key(key, key) if len(key) == 1 and key.isprintable() else None


class NoteEditor(TextArea):
    """The note of the selected comment; Escape leaves it and saves the note."""

    BINDINGS = [Binding("escape", "done", "Done", id="note.done")]

    comment_id: str | None = None  # the comment whose note is being edited (set by the screen)
    opened_with = ""  # its note when the editor opened (set by the screen): what a pull may change meanwhile
    opened_text = ""  # the editor's text then (a line separator other than a newline reads back as one)

    class Done(Message):
        """The annotator left the note editor; `then`, a key typed with the Escape (see `_on_key`)."""

        def __init__(self, then: events.Key | None = None) -> None:
            super().__init__()
            self.then = then

    def action_done(self) -> None:
        self.post_message(self.Done())

    async def _on_key(self, event: events.Key) -> None:
        # Escape and the next key, typed within the terminal's escape delay (0.1 s), reach the app
        # as one key with alt (`escape`, `j` -> `alt+j`), which the editor would type as the
        # character: as a person meant it, the note is left and the key goes on (`j`: the next).
        then = key_after_escape(event.key)
        if then is not None:
            event.stop()
            event.prevent_default()
            self.post_message(self.Done(then=then))
            return
        await super()._on_key(event)

    def get_line(self, line_index: int) -> Text:
        """The line as drawn: control characters as their pictures, one for one (the note itself
        keeps them), tabs left to the editor."""
        line = self.document.get_line(line_index)
        if not line.isprintable():
            line = "\t".join(map(printable, line.split("\t")))
        return Text(line, end="", no_wrap=True)


class NotePreview(TextLines, can_focus=True):
    """The note while it is not being edited, as the editor shows it (its first line marked as the
    cursor's); a click or the focus (tab) asks to edit it. A drag selects its text instead (and
    leaves the preview, to copy it), and a press on its scrollbar scrolls it."""

    COMPONENT_CLASSES = {"note-preview--cursor-line"}
    FOCUS_ON_CLICK = False  # (a press that starts a selection, or on the scrollbar, is no request to edit)

    class Edit(Message):
        """The annotator clicked the note, or tabbed to it."""

    def show(self, note: str) -> None:
        if self._blocks and note == self._note:
            return
        self._note = note
        first, newline, rest = printable(note).partition("\n")  # (someone's note: controls shown, not sent)
        blocks = [(Content(first), "note-preview--cursor-line", None)]
        self.set_blocks(blocks + ([(Content(rest), "", None)] if newline else []))

    _note = ""

    def on_mouse_down(self, event: events.MouseDown) -> None:  # (then TextLines's, which handles the bar)
        self._pressed_scrollbar = event.screen_offset in self._scrollbar_region()

    _pressed_scrollbar = False

    def on_click(self, event: events.Click) -> None:
        event.stop()
        if not self._pressed_scrollbar and self.text_selection is None:  # (not after a drag that selected)
            self.post_message(self.Edit())

    def on_focus(self) -> None:
        self.post_message(self.Edit())
