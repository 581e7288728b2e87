"""Above the comment: what it replies to (its target), set apart, short, scrollable and collapsible.

A head line says what the target is (a parent comment, with its author and this annotator's labels
on it; a context from the seed; a parent not in the corpus; the project's post) and names the keys;
under it, the target's text in a few lines that scroll with their own key. All of it is untrusted
text, shown through `Content` after `printable`.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget

from annotator.core.keymap import DEFAULT_KEYMAP, Keymap
from annotator.core.models import Annotation, printable
from annotator.core.targets import CONTEXT, MISSING, PARENT, PROJECT, Target
from annotator.tui.widgets.text_lines import TextLines


def _line(text: str) -> str:
    return printable(text, keep_newlines=False)


def target_head(target: Target, labels: Annotation | None, collapsed: bool, scrolled: str = "",
                width: int = 1000, keymap: Keymap = DEFAULT_KEYMAP) -> Content:
    """The head line in `width` cells: what the comment replies to, then the keys that act on it.
    `scrolled` says where the text is: "more" below, at its "end" after scrolling, or "" (it all
    fits). Where the width is short, the key hints are left out first, then the words of the scroll
    mark; what still does not fit is cut with '…'. The hints name the keys `keymap` gives."""
    parts: list[str | tuple[str, str]] = [("▸ " if collapsed else "▾ ", "$accent"), ("replying to ", "bold")]
    if target.kind == PARENT and target.parent is not None:
        parts.append((_line(target.parent_id or ""), "$accent"))
        if target.parent.author:
            parts += [" · ", (_line(target.parent.author), "italic")]
        if labels is not None and labels.is_labeled:
            chosen = ", ".join(filter(None, [labels.stance, *labels.topics]))
            parts += [("  you: ", "dim"), (_line(chosen), "$success")]
        else:
            parts.append(("  you: not labeled", "dim"))
    elif target.kind == CONTEXT:
        if target.parent_id is not None:
            parts += [(_line(target.parent_id), "$accent"), (" (not in the corpus): its context", "dim")]
        else:
            parts.append(("its context text", "dim"))
    elif target.kind == MISSING:
        parts += [(_line(target.parent_id or ""), "$accent"), (" (not in the corpus)", "dim")]
    elif target.kind == PROJECT:
        parts.append(("the project's post", "dim"))
    head = Content.assemble(*parts)
    read = keymap.shown("read_target")
    mark = {"more": ("▼ ", " reads on"), "end": ("▲ ", " to the top")}.get("" if collapsed else scrolled)
    hints = [f"{keymap.shown('parent')} goes there"] if target.kind == PARENT else []
    hints.append(f"{keymap.shown('toggle_target')} {'shows' if collapsed else 'hides'}")
    marks = [Content("")]  # the scroll mark, long then short: `▼ ctrl+e reads on`, `▼ ctrl+e`
    if mark:
        marks = [Content.styled(f"  {mark[0]}{read}{words}", "bold $accent") for words in (mark[1], "")]
    variants = [head + marks[0] + Content.styled("  " + " · ".join(hints), "dim"), *(head + tail for tail in marks)]
    for variant in variants:
        if variant.cell_length <= width:
            return variant
    tail = marks[-1]
    return head.truncate(max(1, width - tail.cell_length), ellipsis=True) + tail


def target_body(target: Target) -> Content:
    """The target's text: the parent's or the context; the project's title, text and url; or, for
    a parent not in the corpus, what is known of it."""
    if target.kind == MISSING:
        parts: list[str | tuple[str, str]] = [
            ("Not among the comments to label: only its id is known.", "dim")]
        if target.url:
            parts += [("\nThe comment's url: ", "dim"), _line(target.url)]
        return Content.assemble(*parts)
    lines: list[Content] = []
    if target.context:  # the passage of the parent (or of what it links to) that the comment answers
        lines.append(Content.assemble(("Context: ", "bold"), (printable(target.context), "italic")))
    if target.title:
        lines.append(Content.styled(_line(target.title), "bold"))
    if target.text:
        lines.append(Content(printable(target.text)))
    if target.kind == PROJECT and target.url:
        lines.append(Content.styled(_line(target.url), "dim"))
    return Content("\n").join(lines)


class TargetView(Vertical, can_focus=False):
    """What the selected comment replies to; hidden when it replies to nothing known."""

    def __init__(self, keymap: Keymap = DEFAULT_KEYMAP, **kwargs) -> None:
        super().__init__(**kwargs)
        self._keymap = keymap  # the head's hints name the project's keys
        self.target: Target | None = None
        self.collapsed = False
        self._labels: Annotation | None = None
        self._head = TargetHead(self._keymap, id="target-head")
        self._body = TextLines(id="target-body")  # (kept: a query per key walks the widgets)

    def compose(self) -> ComposeResult:
        yield self._head
        yield self._body

    def show(self, target: Target | None, labels: Annotation | None, collapsed: bool) -> None:
        """Show `target` (None: hide), with this annotator's `labels` on a parent comment. The same
        target again (the siblings of a thread, the project's post) is left as it is, scrolled or not.
        Another target redraws the lines; the screen is laid out only when the pane's height changes."""
        if (target, labels, collapsed) == (self.target, self._labels, self.collapsed) and self.display == (
                target is not None):
            return
        self.target, self._labels, self.collapsed = target, labels, collapsed
        if self.display != (target is not None):
            self.display = target is not None
        if target is None:
            return
        body = self._body
        if body.display == collapsed:
            body.display = not collapsed
        body.set_blocks([(target_body(target), "", None)])
        self._show_head()

    @property
    def scrolled(self) -> str:
        """ "more" when there is text below the view, "end" when scrolled to its end, else ""."""
        body = self._body
        if not body.display:
            return ""
        if body.scroll_y == 0:  # (what a comment first shows: known before the layout its target may need)
            return "more" if body.overflows else ""
        return "more" if body.scroll_y < body.max_scroll_y else "end"

    def read(self) -> None:
        """Scroll down a page, keeping a line of the last page in view; after the end, back to the top."""
        body = self._body
        if body.scroll_y >= body.max_scroll_y:
            body.scroll_home(animate=False, immediate=True)
        else:
            height = body.scrollable_content_region.height  # (a line of overlap, unless that is most of it)
            page = height - 1 if height > 3 else max(1, height)
            body.scroll_to(y=body.scroll_y + page, animate=False, immediate=True)
        self._show_head()

    def on_resize(self) -> None:
        self._show_head()  # (redrawn only if the width or the scroll mark changed)

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        """As Textual's, without a second layout of the screen when the pane's content height
        changes (as `EditorPane`'s: it never scrolls, and the layout that changed it placed it)."""
        return super()._size_updated(size, virtual_size, container_size, layout=False)

    def _show_head(self) -> None:
        self._head.show(self.target, self._labels, self.collapsed, self.scrolled)


class TargetHead(Widget):
    """The one line above the target's text, fitted to its width (see `target_head`)."""

    DEFAULT_CSS = "TargetHead { height: 1; }"

    def __init__(self, keymap: Keymap = DEFAULT_KEYMAP, **kwargs) -> None:
        super().__init__(**kwargs)
        self._keymap = keymap
        self._shown: tuple[Target | None, Annotation | None, bool, str] = (None, None, False, "")

    def show(self, target: Target | None, labels: Annotation | None, collapsed: bool, scrolled: str) -> None:
        shown = (target, labels, collapsed, scrolled)
        if shown != self._shown:
            self._shown = shown
            self.refresh()

    def render(self) -> Content:
        target, labels, collapsed, scrolled = self._shown
        if target is None:
            return Content("")
        return target_head(target, labels, collapsed, scrolled, self.content_region.width, self._keymap)
