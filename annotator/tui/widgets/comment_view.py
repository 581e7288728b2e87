"""The selected comment in full, above the labels.

All comment text and names go through `Content(...)` (never markup) after `printable`.
"""

from __future__ import annotations

from textual.content import Content
from textual.strip import Strip
from textual.visual import Visual

from annotator.core.keymap import DEFAULT_KEYMAP, Keymap
from annotator.core.models import Comment, printable
from annotator.tui.widgets.text_lines import TextLines

META_LINES = 2  # the header line (id, source, author) wraps to at most this many lines


class CommentView(TextLines):
    """The full text of the selected comment, with its id and source.

    It never takes the focus (the list keeps it, so the label keys keep working): the screen's
    read keys scroll it a page at a time, and a mark on its last row says when there is more below.
    Moving to another comment redraws its lines without laying out the screen (see `TextLines`).
    """

    COMPONENT_CLASSES = {"comment-view--meta", "comment-view--more"}

    def __init__(self, keymap: Keymap = DEFAULT_KEYMAP, **kwargs) -> None:
        super().__init__(**kwargs)
        self._keymap = keymap  # the read keys' hints name the project's keys

    def show(self, comment: Comment | None, position: int, total: int) -> None:
        if comment is None:
            meta, body = Content("No comment matches the filter. Escape clears it."), Content("")
        else:
            parts = [(f"#{position + 1}/{total}", "bold"), "  ", (comment.id, "$accent"), "  ",
                     (printable(f"{comment.source}:{comment.line}", keep_newlines=False), "dim")]
            if comment.author:
                parts += ["  ", (printable(comment.author, keep_newlines=False), "italic")]
            meta, body = Content.assemble(*parts), Content(printable(comment.text))
        self.set_blocks([(meta, "comment-view--meta", META_LINES), (Content(""), "", 1), (body, "", None)])

    @property
    def body(self) -> Content:
        """The comment's text as shown."""
        return self._blocks[-1][0] if self._blocks else Content("")

    def read(self, pages: int) -> None:
        """Scroll `pages` pages down (up if negative), keeping one line of the last page in view."""
        page = max(1, self._viewport_height() - 1)
        self.scroll_to(y=self.scroll_y + pages * page, animate=False, immediate=True)

    @property
    def more_below(self) -> bool:
        return self.scroll_y < self.max_scroll_y

    @property
    def mark(self) -> str | None:
        """What the mark on the last row says: "more" below, the "end" reached after scrolling, or
        nothing when the whole comment fits."""
        return "more" if self.more_below else "end" if self.scroll_y > 0 else None

    def _viewport_height(self) -> int:
        """The rows the text has: all of them, less the mark's when it shows."""
        height = self._box()[1]
        return height - 1 if self.mark is not None else height

    def extra_lines(self, width: int, height: int | None) -> int:
        """A row under the text for the mark to cover when the text overflows `height` (as a
        docked line would)."""
        return 1 if height is not None and len(self._lines(width)) > height else 0

    def render_line(self, y: int) -> Strip:
        mark = self.mark
        width, height = self._box()
        if mark is None or y != height - 1:
            return super().render_line(y)
        if mark == "more":
            words = Content.assemble(("▼ more below", "bold"), (f"  {self._keymap.shown('read_down')} reads on", "dim"))
        else:
            words = Content.assemble(("▲ end of the comment", "bold"), (f"  {self._keymap.shown('read_up')} goes back", "dim"))
        width = self._text_width()  # (the scrollbar goes on beside it)
        style = self.get_visual_style("comment-view--more")
        mark_text = Content(" " * max(0, width - words.cell_length)) + words
        line = Visual.to_strips(self, mark_text, width, 1, style, apply_selection=False)[0]
        line = line.apply_offsets(*self.offset_under(self.scroll_offset.y + y))  # (a selection reads the text under it)
        return Strip.join([line.adjust_cell_length(width, style.rich_style), *self._scrollbar_beside(y)])
