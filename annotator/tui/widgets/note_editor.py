"""The note of the selected comment."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea


class NoteEditor(TextArea):
    """The note of the selected comment; Escape leaves it and saves the note."""

    BINDINGS = [Binding("escape", "done", "Done", id="note.done")]

    comment_id: str | None = None  # the comment whose note is being edited (set by the screen)

    class Done(Message):
        """The annotator left the note editor."""

    def action_done(self) -> None:
        self.post_message(self.Done())
