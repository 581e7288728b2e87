"""The selected comment in full, above the labels, under what it replies to.

All comment text and names go through `Content(...)` (never markup) after `printable`.
"""

from __future__ import annotations

from textual import events
from textual._styles_cache import StylesCache
from textual.content import Content
from textual.geometry import Offset, Region, Size
from textual.selection import Selection
from textual.strip import Strip
from textual.style import Style
from textual.visual import Visual
from textual.widget import Widget

from annotator.core.keymap import DEFAULT_KEYMAP, Keymap
from annotator.core.models import Comment, printable
from annotator.tui.widgets.target_view import TargetView
from annotator.tui.widgets.text_lines import Block, RowsMade, TextLines, selected_text

META_LINES = 2  # the header line (id, source, author) wraps to at most this many lines
PADDING = 1  # cells each side of the comment (the target's rows above it take the whole width)


class CommentView(TextLines):
    """The full text of the selected comment, with its id and source, under the rows of what it
    replies to (`TargetView` draws them; none for a comment that replies to nothing known).

    It never takes the focus (the list keeps it, so the label keys keep working): the screen's
    read keys scroll it a page at a time, and a mark on its last row says when there is more below.
    The mouse selects text in the target's rows and the comment's, in one selection (the target's
    lines are numbered back from the comment's: see `target_view`); the wheel over the target's rows
    scrolls its text, and its scrollbar can be dragged, or clicked above or below its thumb.
    Moving to another comment, a reply or not, redraws its lines without laying out the screen (see
    `TextLines`); only on a tall screen, where the pane is as tall as what it shows, does a change of
    that height lay the screen out. The comment's rows are drawn `PADDING` cells in from each side.
    """

    COMPONENT_CLASSES = {"comment-view--meta", "comment-view--more", "comment-view--text"}

    def __init__(self, keymap: Keymap = DEFAULT_KEYMAP, target: TargetView | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._keymap = keymap  # the read keys' hints name the project's keys
        self._target = target
        self._target_grabbed: tuple[int, int] | None = None  # its scrollbar dragged: from the screen row, at its line
        # The comment's lines between their padding cells, and the rows as Textual styles them, by
        # what each is made of (the lines wrapped ahead and those shown are kept objects).
        self._padded = RowsMade()
        self._styled = RowsMade()
        self._row_styles = StylesCache()
        self._styled_for: tuple | None = None
        if target is not None:
            target.changed = self._target_changed

    def _target_changed(self) -> None:
        if self._target is not None and (self._target.target, self._target.collapsed) != self._numbered:
            # A selection that reaches into the target goes: its lines were numbered from another
            # target's, or from one shown otherwise. One all in the comment stays.
            start = self.text_selection.start if self.text_selection is not None else None
            self._drop_selection(keep_in_comment=start is not None and start.y >= 0)
        self._update_extent()
        self.refresh()

    _numbered: tuple = (None, False)  # the target, and whether collapsed, that the selection's lines count from

    def _drop_selection(self, keep_in_comment: bool = False) -> None:
        """The selection goes (with `keep_in_comment`, not if it is all in the comment's lines)."""
        self._numbered = (self._target.target, self._target.collapsed) if self._target is not None else (None, False)
        if self.text_selection is not None and not keep_in_comment:
            self.screen.selections = {widget: part for widget, part in self.screen.selections.items() if widget is not self}

    def _on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        if not self._wheel_on_target(event, 1):
            super()._on_mouse_scroll_down(event)

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if not self._wheel_on_target(event, -1):
            super()._on_mouse_scroll_up(event)

    def _wheel_on_target(self, event: events.MouseEvent, lines: int) -> bool:
        """The wheel over the target's rows scrolls the target's text (and never the comment)."""
        if self._target is None or event.y >= self.top_lines() or event.ctrl or event.shift:
            return False
        self._target.scroll_lines(lines)
        event.stop()
        return True

    def top_lines(self) -> int:
        return self._target.height(self._size.width) if self._target is not None and self._size else 0

    def _text_left(self) -> int:
        return PADDING

    # Selecting, and the target's scrollbar ------------------------------------------------------

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The text under `selection`: the target's (its head line holds none) then the comment's."""
        above = self._target.lines_above() if self._target is not None else 0
        if not above:
            return super().get_selection(selection)
        start, end = (None if at is None else Offset(at.x, at.y + above) for at in selection)
        target = f"\n{self._target.plain}" if self._target.text_lines() else ""  # (after the head's empty line)
        text = selected_text(f"{target}\n{self.plain}", Selection(start, end))
        return text.removeprefix("\n") if start is None or start.y == 0 else text, "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        if self._target is not None:
            self._target.select(_in_target(selection, self._target.text_lines()))
        super().selection_updated(selection)

    @property
    def allow_select(self) -> bool:
        """As the comment's text, the target's is selected from anywhere but its scrollbar."""
        return super().allow_select and self._target_bar_action(self.app.mouse_position) is None

    def _target_bar_action(self, offset: Offset) -> str | None:
        """What the target's scrollbar does at the screen's `offset` ("grab", "scroll_up",
        "scroll_down"), or None: not on it."""
        x, y = offset - self.region.offset
        if self._target is None or not 0 <= y < self.top_lines() or not self._size:
            return None
        start = 0
        for segment in self._target.rows(self._size.width)[y]:
            end = start + segment.cell_length
            if start <= x < end:
                meta = segment.style.meta if segment.style is not None and segment.style._meta is not None else {}
                return meta.get("@mouse.down")
            start = end
        return None

    def on_mouse_down(self, event: events.MouseDown) -> None:
        """A press on the target's scrollbar: on its thumb, grab it; above or below it, a page up or
        down. (Elsewhere, as the comment's text.)"""
        action = self._target_bar_action(event.screen_offset)
        if action is None or self._target is None:
            super().on_mouse_down(event)
            return
        event.stop()
        event.prevent_default()  # (the bar's cells name the actions of Textual's bar: not run on this widget)
        rows, _ = self._target.text_rows()
        if action == "grab":
            self._target_grabbed = (event.screen_y, self._target.scroll)
            self.capture_mouse()
        elif action in ("scroll_up", "scroll_down"):
            self._target.scroll_lines(rows if action == "scroll_down" else -rows)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        """The target's scrollbar dragged: its text follows, as many lines a row as the bar's scale."""
        if self._target_grabbed is None or self._target is None:
            super().on_mouse_move(event)
            return
        event.stop()
        row, line = self._target_grabbed
        rows, lines = self._target.text_rows()
        self._target.scroll_to_line(round(line + (event.screen_y - row) * lines / max(1, rows)))

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._target_grabbed is not None:
            event.stop()
            self.release_mouse()
        else:
            super().on_mouse_up(event)

    def on_mouse_release(self) -> None:
        self._target_grabbed = None
        super().on_mouse_release()

    def _box(self) -> tuple[int, int]:
        """The comment's width (inside its padding) and height (under the target's rows). (From the
        size the layout gave, `_size`: the pane has no border or padding of its own, and `size`
        finds the widget on the screen at each call, several times a row.)"""
        width, height = self._size
        return max(1, width - 2 * PADDING), height - self.top_lines()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        top = self._target.height(width) if self._target is not None else 0
        return top + self._rows_wanted(max(1, width - 2 * PADDING), top)

    def _rows_wanted(self, width: int, top: int | None = None) -> int:
        """With an auto height (a tall screen): the comment's rows, within the limits of its text's
        styles; and, once a target has been shown, as many as make the pane as tall as the most
        rows a target takes and the least the comment's text does, so that the labels under the
        pane stay put from a reply to the next (a pane that changes height lays the screen out,
        and all under it is drawn again: at 200x50, `j` took 20 ms, 15-17 ms without)."""
        rows = super()._rows_wanted(width)
        if self._target is None or not self.has_class("-under-target"):
            return rows
        least = self.get_component_styles("comment-view--text").min_height
        floor = self._target.most_height() + (self._clamped(0) if least is not None else 0)
        return max(rows, floor - (self.top_lines() if top is None else top))

    def _clamped(self, lines: int) -> int:
        """`lines` within the min and max height that `.comment-view--text` gives the comment's text
        (on a tall screen: the target's rows come on top)."""
        styles, parent = self.get_component_styles("comment-view--text"), self.parent
        size = parent.size if isinstance(parent, Widget) else self.app.size
        for limit, bound in ((styles.min_height, max), (styles.max_height, min)):
            if limit is not None:
                lines = bound(lines, int(limit.resolve(size, self.app.size)))
        return lines

    def show(self, comment: Comment | None, position: int, total: int | None) -> None:
        self.set_blocks(_blocks(comment, position, total))  # (the selection goes: it was of the comment before)
        self._drop_selection()

    def wrap_comment_ahead(self, comment: Comment, position: int, total: int | None) -> None:
        """Wrap `comment` (at list `position` of `total`) to this pane, for `show` to find ready.
        (Its rows are not padded or styled ahead too: with keys typed one on the other, what is
        done after a frame delays the next key's as much as it spares it.)"""
        if self._size:
            self.wrap_ahead(_blocks(comment, position, total), *self._box())

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
        top = self.frame().top
        if y < top:
            return self._target.rows(self._size.width)[y]
        if self._pad is None:
            base, background = self.background_colors  # (as Textual draws padding)
            self._pad = Strip.blank(PADDING, Style(background=base + background).rich_style)
        line = self._comment_line(y - top)
        return self._padded.get(line) or self._padded.keep(Strip.join([self._pad, line, self._pad]), line)

    _pad: Strip | None = None  # a padding cell, in the pane's background

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._pad = None
        self._padded.clear()
        self._styled.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        """The rows as Textual styles them (the pane's colours, the app's filters), each kept by
        the identity of the row drawn: a comment's rows (with its scrollbar's cells), its
        target's and the blank ones are the same objects from a frame to the next while they
        show the same (`_padded`, `TextLines.render_line`, `TargetView.rows`), and a row Textual
        styled is not styled again (some 50 µs a row, the most of the pane's drawing). The mark
        under a long comment is drawn and styled anew each time."""
        if self.styles.gutter or not self._size:  # (padding or a border: a line is not a row)
            return super().render_lines(crop)
        app = self.app
        context = (crop.x, crop.width, self._size, tuple(self.get_line_filters()), self.background_colors,
                   self.opacity, app.ansi_theme, app.native_ansi_color)
        if context != self._styled_for:  # (what the rows were padded and styled in)
            self._pad, self._styled_for = None, context
            self._styled.clear()
            self._padded.clear()
        self._frame = self.frame()
        try:
            rows = [self.render_line(y) for y in crop.line_range]
        finally:
            self._frame = None
        return self._styled_rows(rows, crop.x, crop.width)

    def _styled_rows(self, rows: list[Strip], x: int, width: int) -> list[Strip]:
        """`rows` styled (those styled before, as they were), cropped to `width` cells from `x`."""
        styled = self._styled
        strips: list[Strip | None] = [styled.get(row) for row in rows]
        missing = [index for index, strip in enumerate(strips) if strip is None]
        if missing:  # (each row once: the blank rows under a short comment are one)
            fresh = {id(rows[index]): rows[index] for index in missing}
            made = dict(zip(fresh, self._style(list(fresh.values()), x, width)))
            for index in missing:
                strips[index] = made[id(rows[index])]
            for key, row in fresh.items():
                styled.keep(made[key], row)
        return strips  # type: ignore[return-value]

    def _style(self, rows: list[Strip], x: int, width: int) -> list[Strip]:
        """`rows` as Textual styles a widget's lines (`Widget.render_lines`: the pane has no
        border, padding or title), in a cache of their own (one, emptied each time: Textual keeps
        each cache it styled with in an `lru_cache` of a thousand, with all its lines)."""
        base, background = self.background_colors
        styles, app = self.styles, self.app
        size = Size(self._size.width, len(rows))
        self._row_styles.clear()
        return self._row_styles.render(
            styles, size, base, background, rows.__getitem__, self.get_line_filters(), None, None,
            content_size=size, padding=styles.padding, crop=Region(x, 0, width, len(rows)), opacity=self.opacity,
            ansi_theme=app.ansi_theme, native_ansi=app.native_ansi_color)

    def _comment_line(self, y: int) -> Strip:
        if y != self.frame().height - 1 or (mark := self.mark) is None:
            return super().render_line(y)
        if mark == "more":
            words = Content.assemble(("▼ more below", "bold"), (f"  {self._keymap.shown('read_down')} reads on", "dim"))
        else:
            words = Content.assemble(("▲ end of the comment", "bold"), (f"  {self._keymap.shown('read_up')} goes back", "dim"))
        width = self.frame().text_width  # (the scrollbar goes on beside it)
        style = self.get_visual_style("comment-view--more")
        mark_text = Content(" " * max(0, width - words.cell_length)) + words
        line = Visual.to_strips(self, mark_text, width, 1, style, apply_selection=False)[0]
        line = line.apply_offsets(*self.offset_under(self.scroll_offset.y + y))  # (a selection reads the text under it)
        return Strip.join([line.adjust_cell_length(width, style.rich_style), *self._scrollbar_beside(y)])


def _in_target(selection: Selection | None, lines: int) -> Selection | None:
    """The part of the pane's `selection` in the target's text of `lines` lines (numbered from
    -`lines`, the head line's above them), in the text's own numbering (from 0); None if none."""
    if selection is None or not lines:
        return None
    start, end = selection
    if start is not None and start.y >= 0 or end is not None and end.y < -lines:
        return None  # (it starts in the comment, or ends on the head line)
    return Selection(None if start is None or start.y < -lines else Offset(start.x, start.y + lines),
                     None if end is None or end.y >= 0 else Offset(end.x, end.y + lines))


def _blocks(comment: Comment | None, position: int, total: int | None) -> list[Block]:
    """What the pane shows of `comment`: a header line (its place, id, source, author), then its text."""
    if comment is None:
        meta, body = Content("No comment matches the filter. Escape clears it."), Content("")
    else:
        parts = [(f"#{position + 1}/{'…' if total is None else total}", "bold"), "  ", (comment.id, "$accent"), "  ",
                 (printable(f"{comment.source}:{comment.line}", keep_newlines=False), "dim")]
        if comment.author:
            parts += ["  ", (printable(comment.author, keep_newlines=False), "italic")]
        meta, body = Content.assemble(*parts), Content(printable(comment.text))
    return [(meta, "comment-view--meta", META_LINES), (Content(""), "", 1), (body, "", None)]
