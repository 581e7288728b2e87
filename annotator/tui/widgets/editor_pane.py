"""Below the comment: the review and conflict panels, the labels and the note."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Size
from textual.widgets import Static

from annotator.core.config import Schema
from annotator.tui.widgets.conflict_panel import ConflictPanel
from annotator.tui.widgets.label_panel import LabelPanel
from annotator.tui.widgets.note_editor import NoteEditor, NotePreview
from annotator.tui.widgets.review_panel import ReviewPanel


class EditorPane(Vertical):
    """The labels and the note, below the comment."""

    def __init__(self, schema: Schema, **kwargs) -> None:
        super().__init__(**kwargs)
        self._schema = schema

    def compose(self) -> ComposeResult:
        yield ReviewPanel(id="review")
        yield ConflictPanel(id="conflict")
        yield LabelPanel(self._schema, id="labels")
        yield Static(Content.assemble(("Note ", "bold"), ("[e] edit, Escape to finish", "dim")), id="note-title")
        yield NotePreview(id="note-preview")
        yield NoteEditor(id="note", soft_wrap=True, show_line_numbers=False, tab_behavior="focus")

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        """As Textual's, but a change of the pane's content height (a panel shown, the note box
        shorter) sets its virtual size without asking for a second layout of the screen: the pane
        never scrolls, so nothing depends on it, and the layout that changed the height has placed
        everything already (the second one cost a whole frame more)."""
        return super()._size_updated(size, virtual_size, container_size, layout=False)
