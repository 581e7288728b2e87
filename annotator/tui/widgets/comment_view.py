"""The selected comment in full, above the labels.

All comment text and names go through `Content(...)` (never markup) after `printable`.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from annotator.core.keymap import DEFAULT_KEYMAP, Keymap
from annotator.core.models import Comment, printable


class CommentView(VerticalScroll, can_focus=False):
    """The full text of the selected comment, with its id and source.

    It never takes the focus (the list keeps it, so the label keys keep working): the screen's
    read keys scroll it a page at a time, and a mark at its foot says when there is more below.
    """

    _mark_shown: str | None = None  # what the mark at the foot says: "more", "end", or nothing

    def __init__(self, keymap: Keymap = DEFAULT_KEYMAP, **kwargs) -> None:
        super().__init__(**kwargs)
        self._keymap = keymap  # the read keys' hints name the project's keys

    def compose(self) -> ComposeResult:
        yield Static(id="comment-more")  # docked at the bottom: it stays put while the text scrolls
        yield Static(id="comment-meta")
        yield Static(id="comment-text")

    def show(self, comment: Comment | None, position: int, total: int) -> None:
        meta = self.query_one("#comment-meta", Static)
        body = self.query_one("#comment-text", Static)
        if comment is None:
            meta.update(Content("No comment matches the filter. Escape clears it."))
            body.update(Content(""))
        else:
            parts = [(f"#{position + 1}/{total}", "bold"), "  ", (comment.id, "$accent"), "  ",
                     (printable(f"{comment.source}:{comment.line}", keep_newlines=False), "dim")]
            if comment.author:
                parts += ["  ", (printable(comment.author, keep_newlines=False), "italic")]
            meta.update(Content.assemble(*parts))
            body.update(Content(printable(comment.text)))
        self.scroll_home(animate=False, immediate=True)
        self.call_after_refresh(self._show_more)  # the text's height is known after the next layout

    def read(self, pages: int) -> None:
        """Scroll `pages` pages down (up if negative), keeping one line of the last page in view."""
        page = max(1, self.scrollable_content_region.height - 1)
        self.scroll_to(y=self.scroll_y + pages * page, animate=False, immediate=True)
        self._show_more()

    @property
    def more_below(self) -> bool:
        return self.scroll_y < self.max_scroll_y

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._show_more()

    def on_resize(self) -> None:
        self.call_after_refresh(self._show_more)

    def watch_virtual_size(self) -> None:
        """The text's height changed: a layout that changes only that sends no `Resize`."""
        self.call_later(self._show_more)  # (once the layout has set the sizes that go with it)

    def _show_more(self) -> None:
        """The mark at the foot: more below (and the key that reads on), or the end reached after
        scrolling; none when the whole comment fits."""
        shown = "more" if self.more_below else "end" if self.scroll_y > 0 else None
        if shown == self._mark_shown:  # (most keys: nothing to redraw, so no frame of its own)
            return
        self._mark_shown = shown
        mark = self.query_one("#comment-more", Static)
        mark.display = shown is not None
        if shown == "more":
            mark.update(Content.assemble(("▼ more below", "bold"), (f"  {self._keymap.shown('read_down')} reads on", "dim")),
                        layout=False)  # (one line, docked: only showing or hiding it moves the rest)
        elif shown == "end":
            mark.update(Content.assemble(("▲ end of the comment", "bold"), (f"  {self._keymap.shown('read_up')} goes back", "dim")),
                        layout=False)
