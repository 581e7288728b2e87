"""Wrapped text drawn a line at a time (the Line API), for the panes that change on every key.

A `Static` in a scrolling container changes height with its text, and each change lays the whole
screen out again and draws it twice (the layout, then the scroll extents it sets); so does a
scrollbar that comes or goes. `TextLines` wraps its text itself, draws its own scrollbar, and sets
its scroll extents without a layout: moving between comments redraws its lines, nothing else. Only
a widget whose height follows its text (`height: auto`) asks for a layout, when that height changes.
"""

from __future__ import annotations

from math import ceil

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.content import Content
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBarRender
from textual.strip import Strip
from textual.visual import Visual
from textual.widget import Widget

Block = tuple[Content, str, int | None]  # the text, its component class ("": the widget's style), most lines shown


def scrollbar_rows(widget: Widget, rows: int, lines: int, position: int) -> list[Segment]:
    """The `rows` cells of a vertical scrollbar beside `lines` lines scrolled to `position`, in
    `widget`'s scrollbar colours and thickness, as Textual draws its own."""
    styles = widget.styles
    thickness = styles.scrollbar_size_vertical
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
        self._blocks: list[Block] = []
        self._wrapped: dict[int, list[Strip]] = {}  # width -> the lines wrapped to it

    @property
    def text(self) -> Content:
        """All that is shown, as one `Content` (blocks separated by newlines)."""
        return Content("\n").join(block for block, _, _ in self._blocks)

    def set_blocks(self, blocks: list[Block]) -> None:
        """Show `blocks` from the top; the screen is laid out again only if the height this widget
        wants (when auto) changes."""
        self._blocks = blocks
        self._wrapped.clear()
        self.set_reactive(ScrollView.scroll_y, 0)  # (drawn from the top below; no frame of its own)
        self.set_reactive(ScrollView.scroll_target_y, 0)
        self._update_extent()
        self.refresh()

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
            height = self._clamped(lines + self.extra_lines(width, None))
        return lines + self.extra_lines(width, height) > height

    @property
    def _auto_height(self) -> bool:
        return self.styles.height is not None and self.styles.height.is_auto

    def _box(self) -> tuple[int, int]:
        """The content's width and height: inside the padding, the scrollbar's column included."""
        return max(1, self.size.width), self.size.height

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
            return  # (not laid out yet: the first layout sets it)
        width, height = self._box()
        text_width = self._text_width()
        lines = len(self._lines(text_width))
        size = Size(text_width, self.top_lines() + lines + self.extra_lines(text_width, height))
        if self._auto_height and self._clamped(len(self._lines(width)) + self.extra_lines(width, None)) != height:
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
        """The blocks wrapped to `width`, each styled by its component class."""
        if (lines := self._wrapped.get(width)) is not None:
            return lines
        lines = []
        for content, component, most in self._blocks:
            style = self.get_visual_style(component) if component else self.visual_style
            strips = Visual.to_strips(self, content, width, None, style, pad=True)
            lines += strips if most is None else strips[:most]
        self._wrapped[width] = lines
        return lines

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._wrapped.clear()  # (the colours may have changed)
        self._bar = None

    def render_line(self, y: int) -> Strip:
        text_width = self._text_width()
        lines = self._lines(text_width)
        row = self.scroll_offset.y + y
        style = self.visual_style.rich_style
        line = lines[row].adjust_cell_length(text_width, style) if row < len(lines) else Strip.blank(text_width, style)
        return Strip.join([line, *self._scrollbar_beside(y)])

    def _scrollbar_beside(self, y: int) -> list[Strip]:
        """Row `y` of the scrollbar, as Textual's own would draw it; none while the text fits."""
        if self._text_width() == self._box()[0]:
            return []
        rows, lines = self._box()[1], self.virtual_size.height - self.top_lines()
        key = (rows, lines, self.scroll_offset.y)  # (the colours: see `notify_style_update`)
        if self._bar is None or self._bar[0] != key:
            self._bar = (key, scrollbar_rows(self, rows, lines, self.scroll_offset.y))
        segment = self._bar[1][y]
        return [Strip([segment], segment.cell_length)]

    _bar: tuple[tuple, list[Segment]] | None = None  # the scrollbar's rows last drawn, and for what
