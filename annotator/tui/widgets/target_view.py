"""Above the comment: what it replies to (its target), set apart, short, scrollable and collapsible.

A head line says what the target is (a parent comment, with its author and this annotator's labels
on it; a context from the seed; a parent not in the corpus; the project's post) and names the keys;
under it, the target's text in a few lines that scroll with their own key. All of it is untrusted
text, shown through `Content` after `printable`.

The comment pane draws these rows above the comment (`CommentView`), so that moving between a root
comment and a reply redraws lines and never lays the screen out again. `TargetView` holds what is
shown and draws the rows; it is mounted but never displayed, so that its box (background, the bar
on its left, the rule under it on a tall screen), its text's limits and its scrollbar's colours come
from the app's CSS (`#target`, `#target-body`) and are drawn by Textual's own code.

The mouse selects the target's text in those rows as in the comment's: each cell of the text says
which character it shows, its line counted back from the comment's first (the target's last line
is line -1; the head line's is an empty line above its first, see `lines_above`), so that one
selection runs from the target into the comment in the order they are shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Self

from textual._styles_cache import StylesCache
from textual.app import ComposeResult
from textual.content import Content
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.geometry import Region, Size
from textual.selection import Selection
from textual.strip import Strip
from textual.visual import Visual
from textual.widget import Widget

from annotator.core.keymap import DEFAULT_KEYMAP, Keymap
from annotator.core.models import Annotation, printable
from annotator.core.targets import CONTEXT, MISSING, PARENT, PROJECT, Target
from annotator.tui.widgets.text_lines import TextLines, scrollbar_rows


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


def _scroll_mark(rows: int, lines: int, scroll: int) -> str:
    """ "more" when `lines` of text shown `rows` at a time from `scroll` go on below, "end" when
    scrolled to their end, "" when they fit."""
    if lines <= rows:
        return ""
    return "more" if scroll < lines - rows else "end"


DRAWN_KEPT = 4  # targets whose rows are kept drawn (the one shown, one drawn ahead, a few before)


class TargetView(Widget, can_focus=False):
    """What the selected comment replies to, as rows for the comment pane to draw above the comment
    (none when it replies to nothing known). Never displayed itself (see the module's docstring)."""

    DEFAULT_CSS = "TargetView { display: none; }"

    def __init__(self, keymap: Keymap = DEFAULT_KEYMAP, **kwargs) -> None:
        super().__init__(**kwargs)
        self._keymap = keymap  # the head's hints name the project's keys
        self.target: Target | None = None
        self.collapsed = False
        self._labels: Annotation | None = None
        self._scroll = 0  # the first line of the target's text shown
        self._head = TargetHead(id="target-head")  # (styles only: the head's and the text's)
        self._body = TargetText(id="target-body")
        # (what, at which width), the rows: the shown target's, one drawn ahead, a few before (a
        # target holds its comment, which has no hash: compared, not looked up)
        self._drawn: list[tuple[tuple, list[Strip]]] = []
        self._boxes: dict[int, tuple[int, int, int, int]] = {}  # width -> `_text_box`, and the rows in all
        self._box_styles = StylesCache()
        self.changed: Callable[[], None] | None = None  # called when the rows change (by the pane)

    def compose(self) -> ComposeResult:
        yield self._head
        yield self._body

    def show(self, target: Target | None, labels: Annotation | None, collapsed: bool, quiet: bool = False) -> None:
        """Show `target` (None: no rows), with this annotator's `labels` on a parent comment. The same
        target again (the siblings of a thread, the project's post) is left as it is, scrolled or not.
        `quiet`: the pane is not told (it is about to show another comment, which takes this in)."""
        if (target, labels, collapsed) == (self.target, self._labels, self.collapsed):
            return
        if target != self.target:
            self._scroll = 0
            self._selected(None)  # (of the text shown before)
            self._body.set_blocks([(target_body(target), "", None)] if target is not None else [])
        self.target, self._labels, self.collapsed = target, labels, collapsed
        self._changed(quiet)

    def wrap_ahead(self, target: Target | None, labels: Annotation | None = None) -> None:
        """Wrap `target`'s text to the pane and draw its rows (with this annotator's `labels` on a
        parent), for `show` and `rows` to find ready: the screen calls it after a frame, for the
        target the next key is likely to show (see `TextLines.wrap_ahead`). Drawing the head line
        and the box costs a millisecond or two, which the key then does not wait for."""
        if target is None or target == self.target or self.collapsed:
            return
        width = max(1, self._width - self.styles.gutter.width)
        blocks = [(target_body(target), "", None)]
        self._body.wrap_ahead(blocks, width, self._most_rows())
        wrapped = self._body.wrapped_ahead(blocks)
        if wrapped is None:
            return
        try:
            box = self._measure(target, wrapped.__getitem__, self._width)[:3]
        except KeyError:  # (not wrapped at that width: nothing to draw ahead)
            return
        key = (self._width, target, labels, self.collapsed, 0, box)
        if self._drawn_for(key) is None:
            self._keep_drawn(key, self._draw(target, labels, 0, self._width, box, wrapped.__getitem__))

    # Selecting ---------------------------------------------------------------------------------

    def text_lines(self) -> int:
        """The lines of the target's text (counted at each newline, as a selection counts them)
        when its rows show it, else 0."""
        if self.target is None or self.collapsed:
            return 0
        return self._body.plain.count("\n") + 1

    def lines_above(self) -> int:
        """The lines the rows give a selection above the comment's first: the head line (which
        holds no text to select) and the target's text; 0 with no target."""
        return 0 if self.target is None else 1 + self.text_lines()

    @property
    def plain(self) -> str:
        """The target's text, all of it, as plain text."""
        return self._body.plain

    def select(self, selection: Selection | None) -> None:
        """Show `selection` (of the target's text, its lines counted from 0) in the rows."""
        if self._selected(selection):
            self._changed()

    def _selected(self, selection: Selection | None) -> bool:
        """Take `selection` in; whether it changed (then the lines drawn in the one before go)."""
        if selection == self._body.selection:
            return False
        self._body.selection = selection
        self._body._wrapped = {}  # (wrapped again, in the selection's colours)
        self._drawn.clear()
        return True

    def _changed(self, quiet: bool = False, restyled: bool = False) -> None:
        self._boxes.clear()
        if restyled:
            self._drawn.clear()
        if self.changed is not None and not quiet:
            self.changed()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._restyled()

    def _restyled(self) -> None:
        """The colours, the box or the text's limits may have changed: nothing drawn is kept."""
        self._changed(restyled=True)

    # The target's text -------------------------------------------------------------------------

    def _text_box(self, width: int) -> tuple[int, int, int]:
        """For the pane's `width`: the text's width with its scrollbar's column, the rows it shows,
        and the lines it has (wrapped to leave the scrollbar its column when they do not fit)."""
        return self._box(width)[:3]

    def _box(self, width: int) -> tuple[int, int, int, int]:
        """`_text_box`, and the rows the target takes in all (kept: asked for at every row drawn)."""
        if (box := self._boxes.get(width)) is not None:
            return box
        box = self._boxes[width] = self._measure(self.target, self._body._lines, width)
        return box

    def _measure(self, target: Target | None, lines_at: Callable[[int], list[Strip]],
                 width: int) -> tuple[int, int, int, int]:
        """`_box` for `target`, its text wrapped to a width by `lines_at`."""
        gutter = self.styles.gutter
        content_width = max(1, width - gutter.width)
        rows = lines = 0
        if target is not None and not self.collapsed:
            lines = len(lines_at(content_width))
            rows = min(lines, self._most_rows())
            if lines > rows:
                lines = len(lines_at(max(1, content_width - self._body.styles.scrollbar_size_vertical)))
        height = 0 if target is None else 1 + rows + gutter.height
        return (content_width, rows, lines, height)

    def most_height(self) -> int:
        """The most rows a target takes: its head, its text at its most rows, its box."""
        return 1 + self._most_rows() + self.styles.gutter.height

    def _most_rows(self) -> int:
        """The most rows the text takes (`#target-body`'s max-height, in cells)."""
        limit = self._body.styles.max_height
        return 1_000_000 if limit is None else max(1, int(limit.value))

    @property
    def scrolled(self) -> str:
        """ "more" when there is text below the view, "end" when scrolled to its end, else ""."""
        _, rows, lines = self._text_box(self._width)
        return _scroll_mark(rows, lines, self._scroll)

    _width = 80  # the pane's width the rows were last drawn at (set by `rows`)

    def scroll_lines(self, lines: int) -> bool:
        """Scroll the text by `lines` (the mouse wheel over it); whether it moved."""
        return self.scroll_to_line(self._scroll + lines)

    def scroll_to_line(self, line: int) -> bool:
        """Show the text from its `line` (within its extent); whether it moved."""
        _, rows, count = self._text_box(self._width)
        position = max(0, min(count - rows, line))
        if position == self._scroll:
            return False
        self._scroll = position
        self._changed()
        return True

    @property
    def scroll(self) -> int:
        """The first line of the text shown."""
        return self._scroll

    def text_rows(self) -> tuple[int, int]:
        """The rows the text is shown in, and the lines it has (wrapped), in the pane's width."""
        _, rows, lines = self._text_box(self._width)
        return rows, lines

    def read(self) -> None:
        """Scroll down a page, keeping a line of the last page in view; after the end, back to the top."""
        _, rows, lines = self._text_box(self._width)
        last = max(0, lines - rows)
        if self._scroll >= last:
            self._scroll = 0
        else:
            page = rows - 1 if rows > 3 else max(1, rows)  # (a line of overlap, unless that is most of it)
            self._scroll = min(last, self._scroll + page)
        self._changed()

    # Drawing -----------------------------------------------------------------------------------

    def height(self, width: int) -> int:
        """The rows the target takes in a pane `width` cells wide (0: no target)."""
        return self._box(width)[3]

    def rows(self, width: int) -> list[Strip]:
        """The target's rows, `width` cells wide: the head line, the text (with its scrollbar when
        it does not fit), in the box `#target` gives them."""
        if self.target is None:
            return []
        self._width = width
        box = self._text_box(width)
        key = (width, self.target, self._labels, self.collapsed, self._scroll, box)
        strips = self._drawn_for(key)
        if strips is None:
            strips = self._draw(self.target, self._labels, self._scroll, width, box, self._body._lines)
            self._keep_drawn(key, strips)
        return strips

    def _drawn_for(self, key: tuple) -> list[Strip] | None:
        """The rows kept for `key`, if any. Found, they are kept under `key` itself: the rows drawn
        ahead were drawn for another copy of the target, which compares text by text, and the
        next row of the pane finds these by identity."""
        for index, (drawn, strips) in enumerate(self._drawn):
            if drawn == key:
                self._drawn[index] = (key, strips)
                return strips
        return None

    def _keep_drawn(self, key: tuple, strips: list[Strip]) -> None:
        """Keep the rows `key` names: those shown, and those drawn ahead (the newest few)."""
        self._drawn = [*self._drawn, (key, strips)][-DRAWN_KEPT:]

    def _draw(self, target: Target, labels: Annotation | None, scroll: int, width: int,
              box: tuple[int, int, int], lines_at: Callable[[int], list[Strip]]) -> list[Strip]:
        """The rows of `target` scrolled to `scroll`, in `box` (`_text_box`), its text wrapped
        to a width by `lines_at`."""
        content_width, text_rows, lines = box
        mark = _scroll_mark(text_rows, lines, scroll)
        head = target_head(target, labels, self.collapsed, mark, content_width, self._keymap)
        # The lines numbered back from the comment's (see the module's docstring; the head's is empty).
        shown = 0 if self.collapsed else target_body(target).plain.count("\n") + 1
        content = [_offsets_from(Visual.to_strips(self._head, head, content_width, 1, self._head.visual_style)[0],
                                 -shown - 1, empty=True)]
        content += [_offsets_from(row, -shown) for row in self._text_rows(content_width, text_rows, lines, scroll, lines_at)]
        styles = self.styles
        height = len(content) + styles.gutter.height
        base, background = self.background_colors
        app = self.app
        self._box_styles.clear()  # (one cache: Textual keeps each it styled with in an `lru_cache`, lines and all)
        return self._box_styles.render(
            styles, Size(width, height), base, background, content.__getitem__, [], None, None,
            content_size=Size(content_width, len(content)), padding=styles.padding, crop=Region(0, 0, width, height),
            opacity=self.opacity, ansi_theme=app.ansi_theme, native_ansi=app.native_ansi_color)

    def _text_rows(self, width: int, rows: int, lines: int, scroll: int,
                   lines_at: Callable[[int], list[Strip]]) -> list[Strip]:
        """`rows` lines of the target's text from `scroll`, with the scrollbar beside them when
        the text does not fit (as Textual draws one)."""
        if not rows:
            return []
        body = self._body
        style = body.visual_style.rich_style
        overflows = lines > rows
        text_width = max(1, width - body.styles.scrollbar_size_vertical) if overflows else width
        wrapped = lines_at(text_width)
        shown = [wrapped[row].adjust_cell_length(text_width, style) if row < len(wrapped)
                 else Strip.blank(text_width, style) for row in range(scroll, scroll + rows)]
        if not overflows:
            return shown
        bar = scrollbar_rows(body, rows, lines, scroll)
        return [Strip.join([line, Strip([segment], segment.cell_length)]) for line, segment in zip(shown, bar)]


def _offsets_from(strip: Strip, lines: int, empty: bool = False) -> Strip:
    """`strip` with the places its cells show (Textual's selection reads them) `lines` lines down;
    `empty`: all at the start of that line (it holds no text to select)."""
    segments = []
    for text, style, control in strip:
        if style is not None and style._meta is not None and (offset := style.meta.get("offset")) is not None:
            style += RichStyle.from_meta({"offset": (0 if empty else offset[0], offset[1] + lines)})
        segments.append(Segment(text, style, control))
    return Strip(segments, strip.cell_length)


class TargetHead(Widget):
    """The head line's styles (the line itself is drawn by `TargetView.rows`)."""

    DEFAULT_CSS = "TargetHead { height: 1; }"

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if isinstance(self.parent, TargetView):
            self.parent._restyled()


class TargetText(TextLines):
    """The target's text, wrapped (`TargetView.rows` draws its lines), and its styles: the most rows
    it takes, its scrollbar's colours."""

    selection: Selection | None = None  # the part of the comment pane's selection in this text

    @property
    def text_selection(self) -> Selection | None:
        """The selection its lines are drawn with: the pane's, in this text (`TargetView.select`)."""
        return self.selection

    def refresh(self, *regions: Region, **kwargs) -> Self:
        """Nothing to draw: it is never displayed. (A refresh of a widget off the screen made
        Textual arrange every widget again at the next frame, to find it.)"""
        return self

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if isinstance(self.parent, TargetView):  # (a taller screen lets the text take more rows)
            self.parent._restyled()
