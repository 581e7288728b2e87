"""Wrapped text drawn a line at a time (the Line API), for the panes that change on every key.

A `Static` in a scrolling container changes height with its text, and each change lays the whole
screen out again and draws it twice (the layout, then the scroll extents it sets); so does a
scrollbar that comes or goes. `TextLines` wraps its text itself, draws its own scrollbar, and sets
its scroll extents without a layout: moving between comments redraws its lines, nothing else. Only
a widget whose height follows its text (`height: auto`) asks for a layout, when that height changes.

What a `Static` gives for free is done here too: the mouse selects text (each cell says which
character of the text it shows, as Textual's selection reads it), and the scrollbar drawn here can
be dragged, or clicked above or below its thumb for a page, as Textual's own.
"""

from __future__ import annotations

from math import ceil
from typing import NamedTuple

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.content import Content, Span
from textual.geometry import Offset, Region, Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBarRender
from textual.selection import Selection
from textual.strip import Strip
from textual.visual import Visual
from textual.widget import Widget

Block = tuple[Content, str, int | None]  # the text, its component class ("": the widget's style), most lines shown


class Frame(NamedTuple):
    """What every row of one drawing needs, worked out once for all of them (`render_lines`)."""

    top: int  # rows above the text (`top_lines`)
    width: int  # the text's box (`_box`), its scrollbar's column included
    height: int
    text_width: int  # the width the text wraps to (`_text_width`)
    lines: list[Strip]  # the text wrapped to it
    scroll: int  # the first line shown
    style: RichStyle  # the widget's


KEPT = 4  # texts whose wrapped lines are kept besides the one shown (wrapped ahead, or shown before)
# Rows kept by what they are made of (`RowsMade`): a frame's rows of a tall pane, and some.
# (Each kept strip holds a few hundred bytes of Textual's own small caches, and all of them are
# freed when the app quits: 2,000 kept rows made the quit 90 ms longer.)
ROWS_KEPT = 64


class RowsMade:
    """Rows kept by the identity of what each was made from (a line, a cell of the scrollbar), the
    most recently used `ROWS_KEPT`: the same parts give the same row object, frame after frame."""

    def __init__(self) -> None:
        self._rows: dict[tuple[int, ...], tuple[tuple[Strip, ...], Strip]] = {}

    def get(self, *parts: Strip) -> Strip | None:
        key = tuple(map(id, parts))
        kept = self._rows.pop(key, None)
        if kept is None or any(part is not made for part, made in zip(parts, kept[0])):
            return None
        self._rows[key] = kept  # (the most recently used last)
        return kept[1]

    def keep(self, row: Strip, *parts: Strip) -> Strip:
        self._rows[tuple(map(id, parts))] = (parts, row)
        if len(self._rows) > ROWS_KEPT:
            del self._rows[next(iter(self._rows))]
        return row

    def clear(self) -> None:
        self._rows.clear()


def scrollbar_rows(widget: Widget, rows: int, lines: int, position: int, active: bool = False) -> list[Segment]:
    """The `rows` cells of a vertical scrollbar beside `lines` lines scrolled to `position`, in
    `widget`'s scrollbar colours (`active`: as while its thumb is dragged) and thickness, as
    Textual draws its own."""
    styles = widget.styles
    thickness = styles.scrollbar_size_vertical
    if active:
        background, color = styles.scrollbar_background_active, styles.scrollbar_color_active
    else:
        background, color = styles.scrollbar_background, styles.scrollbar_color
    if background.a < 1:
        background = widget.background_colors[0] + background
    color = background + color
    bar = ScrollBarRender.render_bar(
        size=rows, virtual_size=ceil(lines), window_size=rows if rows < lines else 0, position=position,
        thickness=thickness, vertical=True, back_color=background.rich_color, bar_color=color.rich_color)
    segments = list(bar.segments)
    blank = Segment(" " * thickness, RichStyle(bgcolor=background.rich_color))
    return [segments[y] if y < len(segments) else blank for y in range(rows)]


class TextLines(ScrollView, can_focus=False):
    """Blocks of text one under the other, wrapped to the width, scrolled as one.

    The text wraps to the full width while it fits, and one column narrower when it overflows and
    the scrollbar (drawn here, as Textual draws one) takes the last column. Text is shown
    literally: blocks are `Content`, never markup.
    """

    DEFAULT_CSS = "TextLines { overflow-x: hidden; overflow-y: hidden; }"  # (the scrollbar is drawn here)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.set_reactive(Widget.auto_links, False)  # (its text has no links: no pass over each line for them)
        self._blocks: list[Block] = []
        self._wrapped: dict[int, list[Strip]] = {}  # width -> the lines wrapped to it
        self._blocks_key: tuple = ()
        self._kept: dict[tuple, dict[int, list[Strip]]] = {}  # other texts' `_wrapped`, by `_key`
        self._grabbed: tuple[int, float] | None = None  # the scrollbar dragged: from the screen row, at scroll_y
        self._barred = RowsMade()  # a line beside a cell of the scrollbar

    @property
    def text(self) -> Content:
        """All that is shown, as one `Content` (blocks separated by newlines)."""
        return Content("\n").join(block for block, _, _ in self._blocks)

    def set_blocks(self, blocks: list[Block]) -> None:
        """Show `blocks` from the top; the screen is laid out again only if the height this widget
        wants (when auto) changes. Lines wrapped ahead (`wrap_ahead`) or for an earlier text are
        taken up, and the lines of the text shown until now are kept (the key back to it)."""
        if self.text_selection is not None:  # (it was of the text shown before, in its colours)
            self.screen.selections = {widget: part for widget, part in self.screen.selections.items() if widget is not self}
            self._wrapped = {}
        self._keep(self._blocks_key, self._wrapped)
        self._blocks, self._blocks_key = blocks, _key(blocks)
        self._wrapped = self._kept.pop(self._blocks_key, None) or {}
        self.set_reactive(ScrollView.scroll_y, 0)  # (drawn from the top below; no frame of its own)
        self.set_reactive(ScrollView.scroll_target_y, 0)
        self._update_extent()
        self.refresh()

    def wrap_ahead(self, blocks: list[Block], width: int, height: int) -> None:
        """Wrap `blocks` for a box `width` by `height` before they are shown, so that `set_blocks`
        finds their lines ready: the screen calls it in the idle time after a frame, for the text a
        key is likely to show next. (At the width that leaves the scrollbar its column too, when
        the lines would not fit.)"""
        if self.text_selection is not None:  # (the lines would be drawn in its colours)
            return
        key = _key(blocks)
        if key == self._blocks_key:
            return
        wrapped = self._kept.pop(key, None) or {}
        lines = wrapped.get(width)
        if lines is None:
            lines = wrapped[width] = self._wrap(blocks, width)
        narrower = max(1, width - self.styles.scrollbar_size_vertical)
        if len(lines) > height and narrower not in wrapped:
            wrapped[narrower] = self._wrap(blocks, narrower)
        self._keep(key, wrapped)

    def wrapped_ahead(self, blocks: list[Block]) -> dict[int, list[Strip]] | None:
        """The lines `wrap_ahead` wrapped `blocks` to, by width (None if it did not)."""
        return self._kept.get(_key(blocks))

    def _keep(self, key: tuple, wrapped: dict[int, list[Strip]]) -> None:
        """Keep `wrapped`, the lines of the text `key` names; past `KEPT` texts, the oldest go."""
        if not wrapped:
            return
        self._kept.pop(key, None)
        self._kept[key] = wrapped  # (the newest last)
        while len(self._kept) > KEPT:
            del self._kept[next(iter(self._kept))]

    @property
    def allow_vertical_scroll(self) -> bool:
        return not self._check_disabled() and self.max_scroll_y > 0

    # Sizes -----------------------------------------------------------------------------------

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width)) + self.extra_lines(width, None)

    def top_lines(self) -> int:
        """Rows above the text that do not scroll with it (drawn by a subclass)."""
        return 0

    def extra_lines(self, width: int, height: int | None) -> int:
        """Lines added below the text in `height` rows (None: as tall as the text), for a mark."""
        return 0

    @property
    def overflows(self) -> bool:
        """Whether the text is taller than the rows it has, or will have once laid out (auto height)."""
        if not self.size:
            return False
        width, height = self._box()
        lines = len(self._lines(width))
        if self._auto_height:
            height = self._rows_wanted(width)
        return lines + self.extra_lines(width, height) > height

    @property
    def _auto_height(self) -> bool:
        return self.styles.height is not None and self.styles.height.is_auto

    def _box(self) -> tuple[int, int]:
        """The content's width and height: inside the padding, the scrollbar's column included."""
        return max(1, self.size.width), self.size.height

    def _rows_wanted(self, width: int) -> int:
        """With an auto height: the rows the text wants at `width` (under `top_lines`)."""
        return self._clamped(len(self._lines(width)) + self.extra_lines(width, None))

    def _clamped(self, lines: int) -> int:
        """`lines` within the min and max height the styles give (cells, or % of the parent)."""
        styles, parent = self.styles, self.parent
        size = parent.size if isinstance(parent, Widget) else self.app.size
        for limit, bound in ((styles.min_height, max), (styles.max_height, min)):
            if limit is not None:
                lines = bound(lines, int(limit.resolve(size, self.app.size)) - styles.gutter.height)
        return lines

    def on_resize(self) -> None:
        self._update_extent()

    def _update_extent(self) -> None:
        """Set the scroll extent for the text now shown; a layout only when an auto height changes."""
        if not self.size:
            if self._auto_height and self.size.width and self._rows_wanted(self._box()[0]) > 0:
                # Laid out with no rows (its text came after Textual measured it, and Textual keeps
                # the measure until a layout is asked for): no resize would ever come to ask.
                self.refresh(layout=True)
            return  # (not laid out yet: the first layout sets it)
        width, height = self._box()
        text_width = self._text_width()
        lines = len(self._lines(text_width))
        size = Size(text_width, self.top_lines() + lines + self.extra_lines(text_width, height))
        if self._auto_height and self._rows_wanted(width) != height:
            self.virtual_size = size
            self.refresh(layout=True)
        elif size != self.virtual_size:
            self.set_reactive(Widget.virtual_size, size)
            self.scroll_y = self.validate_scroll_y(self.scroll_y)

    def _text_width(self) -> int:
        """The width the text wraps to: the content width, less the scrollbar's if the text overflows."""
        width, height = self._box()
        if len(self._lines(width)) + self.extra_lines(width, height) > height:
            return max(1, width - self.styles.scrollbar_size_vertical)
        return width

    # Drawing ---------------------------------------------------------------------------------

    def _lines(self, width: int) -> list[Strip]:
        """The blocks wrapped to `width`, each styled by its component class, the selection shown.

        Each cell carries the place in `text` (line, character) of what it shows, which Textual's
        selection reads: a block is wrapped after as many empty lines as come before it in `text`
        (dropped again), so that its line numbers are those of the whole text."""
        if (lines := self._wrapped.get(width)) is not None:
            return lines
        lines = self._wrapped[width] = self._wrap(self._blocks, width)
        return lines

    def _wrap(self, blocks: list[Block], width: int) -> list[Strip]:
        """`blocks` wrapped to `width` (see `_lines`)."""
        lines: list[Strip] = []
        first = 0  # the block's first line in `text`
        for content, component, most in blocks:
            style = self.get_visual_style(component) if component else self.visual_style
            strips = Visual.to_strips(self, _after_lines(content, first), width, None, style, pad=True)[first:]
            lines += strips if most is None else strips[:most]
            first += content.plain.count("\n") + 1
        return lines

    # Selecting -------------------------------------------------------------------------------

    @property
    def plain(self) -> str:
        """All that is shown, as plain text."""
        return "\n".join(content.plain for content, _, _ in self._blocks)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The text under `selection`, as shown (Textual copies it with ctrl+c)."""
        return selected_text(self.plain, selection), "\n"

    def offset_under(self, row: int) -> tuple[int, int]:
        """The place in `text` (character, line) that the start of `row` shows: for a mark drawn
        over it. Past the text's last row, the end of the text."""
        lines = self._lines(self._text_width())
        for segment in lines[row] if 0 <= row < len(lines) else []:
            if segment.style is not None and (offset := segment.style.meta.get("offset")) is not None:
                return offset
        text = self.plain
        return len(text) - text.rfind("\n") - 1, text.count("\n")

    def selection_updated(self, selection: Selection | None) -> None:
        self._wrapped = {}  # (drawn again with the selection's colours)
        self.refresh()

    @property
    def allow_select(self) -> bool:
        """Text is selected from anywhere but the scrollbar (a press there drags it, as Textual's own
        scrollbar, which allows no selection)."""
        return self.ALLOW_SELECT and self.app.mouse_position not in self._scrollbar_region()

    # The scrollbar, by mouse -----------------------------------------------------------------

    def _scrollbar_region(self) -> Region:
        """Where the scrollbar is on the screen (empty while the text fits)."""
        if not self.size or (text_width := self._text_width()) == self._box()[0]:
            return Region()
        content, top, left = self.content_region, self.top_lines(), self._text_left()
        return Region(content.x + left + text_width, content.y + top, content.width - left - text_width, content.height - top)

    def _text_left(self) -> int:
        """Cells drawn left of the text (by a subclass)."""
        return 0

    def on_mouse_down(self, event: events.MouseDown) -> None:
        """A press on the scrollbar: on its thumb, grab it; above or below it, a page up or down."""
        if event.screen_offset not in self._scrollbar_region():
            return
        event.stop()
        event.prevent_default()  # (the bar's cells name the actions of Textual's bar: not run on this widget)
        action = self._bar_action(event.screen_offset)
        if action == "grab":
            self._grabbed = (event.screen_y, self.scroll_y)
            self.capture_mouse()
            self.refresh()  # (the bar in the colours of a grabbed one)
        elif action == "scroll_up":
            self.scroll_page_up(animate=False)
        elif action == "scroll_down":
            self.scroll_page_down(animate=False)

    def _bar_action(self, offset: Offset) -> str | None:
        """What the scrollbar's cell at the screen's `offset` does ("grab", "scroll_up", "scroll_down")."""
        y = offset.y - self.content_region.y - self.top_lines()
        for segment in self._scrollbar_beside(y)[0] if 0 <= y < self._box()[1] else []:
            if segment.style is not None and segment.style.meta:
                return segment.style.meta.get("@mouse.down")
        return None

    def on_mouse_move(self, event: events.MouseMove) -> None:
        """The scrollbar dragged: the text follows, as many lines a row as the bar's scale (whole
        lines: the marks of more below and of the end compare them)."""
        if self._grabbed is None:
            return
        event.stop()
        row, scroll_y = self._grabbed
        rows, lines = self._box()[1], self.virtual_size.height - self.top_lines()
        self.scroll_to(y=round(scroll_y + (event.screen_y - row) * lines / max(1, rows)), animate=False, immediate=True)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._grabbed is not None:
            event.stop()
            self.release_mouse()

    def on_mouse_release(self) -> None:
        self._grabbed = None
        self.refresh()

    def on_hide(self) -> None:
        self.release_mouse()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._wrapped = {}  # (wrapped in the colours of before)
        self._kept.clear()
        self._bar = None

    _frame: Frame | None = None  # while Textual draws the rows (`render_lines`)

    def frame(self) -> Frame:
        """What every row needs now: the one worked out for the drawing under way, if any."""
        if (frame := self._frame) is not None:
            return frame
        width, height = self._box()
        text_width = self._text_width()
        return Frame(self.top_lines(), width, height, text_width, self._lines(text_width), self.scroll_offset.y,
                     self.visual_style.rich_style)

    def render_lines(self, crop: Region) -> list[Strip]:
        """As Textual's, with the sizes every row needs worked out once (they were, for each row,
        a few times over: some 0.3 ms a frame for the comment pane at 200x50)."""
        self._frame = self.frame()
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def render_line(self, y: int) -> Strip:
        frame = self.frame()
        row, text_width, style = frame.scroll + y, frame.text_width, frame.style
        lines = frame.lines
        line = lines[row].adjust_cell_length(text_width, style) if row < len(lines) else self._blank(text_width, style)
        bar = self._scrollbar_beside(y)
        if not bar:
            return line
        return self._barred.get(line, bar[0]) or self._barred.keep(Strip.join([line, bar[0]]), line, bar[0])

    def _blank(self, width: int, style: RichStyle) -> Strip:
        """A row under the text: the same one from a frame to the next."""
        if self._blank_row is None or self._blank_row[0] != (width, style):
            self._blank_row = ((width, style), Strip.blank(width, style))
        return self._blank_row[1]

    _blank_row: tuple[tuple[int, RichStyle], Strip] | None = None

    def _scrollbar_beside(self, y: int) -> list[Strip]:
        """Row `y` of the scrollbar, as Textual's own would draw it; none while the text fits."""
        frame = self.frame()
        if frame.text_width == frame.width:
            return []
        rows, lines = frame.height, self.virtual_size.height - frame.top
        active = self._grabbed is not None
        key = (rows, lines, frame.scroll, active)  # (the colours: see `notify_style_update`)
        if self._bar is None or self._bar[0] != key:
            self._bar = (key, [Strip([segment], segment.cell_length)
                               for segment in scrollbar_rows(self, rows, lines, frame.scroll, active)])
        return [self._bar[1][y]]

    _bar: tuple[tuple, list[Strip]] | None = None  # the scrollbar's rows last drawn, and for what


def _key(blocks: list[Block]) -> tuple:
    """What the wrapped lines of `blocks` depend on, besides the width and the styles: the texts
    with their spans (`Content` compares its text only), the component classes, the limits."""
    return tuple((content.plain, tuple(content.spans), component, most) for content, component, most in blocks)


def _after_lines(content: Content, lines: int) -> Content:
    """`content` after `lines` empty lines (its text is not checked again for control codes)."""
    if not lines:
        return content
    spans = [Span(start + lines, end + lines, style) for start, end, style in content.spans]
    return Content("\n" * lines + content.plain, spans, strip_control_codes=False)


def selected_text(text: str, selection: Selection) -> str:
    """The part of `text` that `selection` covers (its end excluded), lines counted at each "\\n".

    (Textual's `Selection.extract` counts lines as `str.splitlines` does, which also breaks at
    characters a comment may hold, such as U+2028, and drops a last empty line: the offsets drawn
    count only newlines.)"""
    lines = text.split("\n")
    start, end = selection
    first, start_x = (0, 0) if start is None else (start.y, start.x)
    last, end_x = (len(lines) - 1, len(lines[-1])) if end is None or end.y >= len(lines) else (end.y, end.x)
    if first > last:
        return ""
    if first == last:
        return lines[first][start_x:end_x]
    return "\n".join([lines[first][start_x:], *lines[first + 1:last], lines[last][:end_x]])
