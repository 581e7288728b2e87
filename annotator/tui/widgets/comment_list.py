"""The comment list: one row per comment, drawn with the Line API so only visible rows cost anything.

A row is a status mark (· unlabeled, ● labeled, ⚑ flagged, ✖ left in conflict by a merge; none
before the labels are read), the stance, and a one-line excerpt. When the list is wide enough
(and given the topics' keys), a row also has a column of topic keys (one cell per topic, the key
where it is chosen), a note mark ✎ and a flag column of its own.
The list shows `rows` (corpus positions, filtered by the screen, in seed or thread order); the cursor
is a row number. In thread order, a reply's excerpt is indented by its depth (see `thread_indent`).
Changing a label refreshes that one line; nothing rebuilds the list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from math import ceil

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip

from annotator.core.models import Annotation, Comment, printable
from annotator.core.store import CONFLICT_KEY

MARK_UNLABELED = "·"
MARK_LABELED = "●"
MARK_FLAGGED = "⚑"
MARK_NOTE = "✎"
MARK_CONFLICT = "✖"
MARK_MORE_TOPICS = "+"  # topics past the column's cells, or not in annotator.toml
EXCERPT_CHARS = 400  # no row is wider than this; the rest is cut
TOPIC_CELLS = 10  # at most this many topics get a cell of their own in the wide layout
WIDE_EXCERPT = 30  # the wide layout is used when the excerpt keeps at least this many cells
MARK_REPLY = "↳"
INDENT_STEP = 2  # cells per level of replies
INDENT_LEVELS = 5  # at most this many levels are drawn; deeper replies show their depth as a number
DRAWN_KEPT = 1024  # rows kept drawn (a few screens)


class ListScrollBar(ScrollBar):
    """Textual's scrollbar, its lines kept while the thumb stays in the same cells.

    At 100,000 rows a move of the cursor scrolls the list by a row, which moves the thumb by a
    small fraction of a cell (nothing on screen), yet Textual draws the bar again through Rich at
    every frame. Here the lines drawn are kept for what they show (the thumb's place in eighths of
    a cell, as `ScrollBarRender.render_bar` works it out, the colours and the size)."""

    _drawn: tuple[tuple, list[Strip]] | None = None

    def _thumb(self) -> tuple:
        """Where the thumb is drawn, in the eighths of a cell `render_bar` uses."""
        size = self.size.height if self.vertical else self.size.width
        virtual = ceil(self.window_virtual_size)
        window = ceil(self.window_size if self.window_size < self.window_virtual_size else 0)
        if not (window and size and virtual and size != virtual):
            return (size, virtual, window, self.position)
        steps = len(ScrollBarRender.VERTICAL_BARS if self.vertical else ScrollBarRender.HORIZONTAL_BARS)
        thumb = max(1, window / (virtual / size))
        start = int((size - thumb) * (self.position / (virtual - window)) * steps)
        return (size, start, start + ceil(thumb * steps))

    def render_lines(self, crop: Region) -> list[Strip]:
        style = self.render().style if self.parent is not None else None  # (the colours: hover, grabbed)
        key = (crop, self.size, self.thickness, str(style), self._thumb())
        if self._drawn is None or self._drawn[0] != key:
            self._drawn = (key, super().render_lines(crop))
        return self._drawn[1]

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._drawn = None


def _runs(indexes: list[int]) -> Iterator[tuple[int, int]]:
    """The runs of consecutive numbers in `indexes` (ascending), as (first, last)."""
    start = None
    for previous, index in zip([None, *indexes], indexes):
        if previous is None or index != previous + 1:
            if start is not None:
                yield start, previous  # type: ignore[misc]
            start = index
    if start is not None:
        yield start, indexes[-1]


def thread_indent(depth: int, room: int) -> str:
    """What goes before the excerpt of a reply `depth` deep when the excerpt has `room` cells:
    two cells a level and `↳`, the levels in at most a third of the room (`INDENT_LEVELS` at most);
    a reply deeper than that shows its depth as a number after the mark (`↳7`)."""
    if depth <= 0:
        return ""
    levels = max(1, min(INDENT_LEVELS, room // (3 * INDENT_STEP)))
    if depth <= levels:
        return " " * (INDENT_STEP * (depth - 1)) + MARK_REPLY + " "
    return " " * (INDENT_STEP * (levels - 1)) + f"{MARK_REPLY}{depth} "


class CommentList(ScrollView, can_focus=True, inherit_bindings=False):
    """A virtualized list of comments; the screen owns what it shows and handles its messages."""

    COMPONENT_CLASSES = {
        "comment-list--cursor",
        "comment-list--unlabeled",
        "comment-list--labeled",
        "comment-list--flagged",
        "comment-list--stance",
        "comment-list--topics",
        "comment-list--note",
        "comment-list--thread",
        "comment-list--conflict",
    }

    # (no repaint of the whole list: `watch_cursor` redraws the two rows, or all when it scrolls)
    cursor: reactive[int] = reactive(0, always_update=True, init=False, repaint=False)

    def __init__(self, comments: Sequence[Comment], lookup: Callable[[str], Annotation | None] | None,
                 stance_width: int, topics: Sequence[tuple[str, str]] = (), **kwargs) -> None:
        """`lookup(comment_id)` gives the current annotation (or None) for a comment; None while
        the labels are not read yet: the rows then have no marks at all (not `·`, which would say
        unlabeled). `topics` are the schema's (name, key) pairs, for the wide layout's topic column."""
        super().__init__(**kwargs)
        self._comments = comments
        self._lookup = lookup
        self._stance_width = stance_width
        self._topics = tuple(topics[:TOPIC_CELLS])
        self._topic_names = frozenset(name for name, _ in self._topics)
        # the marks' columns: " ● " + stance + " ", then the topic cells, "+" and " ✎ ⚑ "
        self._narrow_prefix = 3 + stance_width + 1
        self._wide_extra = (len(self._topics) + 2 if self._topics else 0) + 4
        self._rows: Sequence[int] = range(len(comments))
        self._depths: Sequence[int] | None = None  # by corpus position, in thread order
        self._excerpts: dict[int, str] = {}
        self._drawn: dict[tuple[int, bool, int], tuple[Annotation | None, Strip]] = {}  # see `render_line`
        self._styled: dict[tuple[int, bool, int], tuple[Annotation | None, Strip]] = {}  # see `render_lines`

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """Textual's scrollbar, drawn again only when it changes on screen (`ListScrollBar`)."""
        if self._vertical_scrollbar is None:
            self._vertical_scrollbar = ListScrollBar(vertical=True, name="vertical", thickness=self.scrollbar_size_vertical)
            self._vertical_scrollbar.display = False
            self.app._start_widget(self, self._vertical_scrollbar)
        return self._vertical_scrollbar

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        """As `ScrollView`'s, without redrawing the scrollbar at every layout of the screen when the
        list's size is the same (Textual compares the list's own virtual size, set here from the
        rows, with the one the layout works out, which always differ)."""
        if size == self._size and size - self.styles.gutter.totals == self.container_size:
            return False
        return super()._size_updated(size, virtual_size, container_size, layout)

    # What is shown ---------------------------------------------------------------------------

    @property
    def rows(self) -> Sequence[int]:
        return self._rows

    def show_rows(self, rows: Sequence[int], cursor: int, depths: Sequence[int] | None = None) -> None:
        """Show `rows` (corpus positions) with the cursor on row `cursor`; with `depths` (each
        position's depth in its thread), replies are indented."""
        self._rows = rows
        self._depths = depths
        self._drawn.clear()
        self._styled.clear()
        self.virtual_size = Size(0, len(rows))
        self.refresh()
        self.move_to(cursor)

    def refresh_position(self, position: int) -> None:
        """Redraw the row of corpus position `position`, if it is on screen."""
        top = self.scroll_offset.y
        for y in range(top, min(top + self.size.height, len(self._rows))):
            if self._rows[y] == position:
                self.refresh_line(y)

    def move_to(self, row: int) -> None:
        if not self._rows:
            self.cursor = 0
            return
        self.cursor = max(0, min(row, len(self._rows) - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        """Redraw the old and new rows, scrolled into view. The screen watches `cursor` too (a
        watcher runs in the same call, so the comment is shown in the frame the key causes)."""
        self.refresh_line(old)
        self.refresh_line(new)
        self.scroll_to_region(Region(0, new, 1, 1), animate=False, immediate=True, force=True)

    # Drawing ---------------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(0, len(self._rows))

    @property
    def wide(self) -> bool:
        """Whether rows show the topic, note and flag columns (the list is wide enough)."""
        width = self.scrollable_content_region.width
        return width - self._narrow_prefix - self._wide_extra >= WIDE_EXCERPT

    _style: Style | None = None

    @property
    def _base_style(self) -> Style:
        """The list's own style (Textual walks every ancestor for it: here once per restyle, not per row)."""
        if self._style is None:
            self._style = self.rich_style
        return self._style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style = None
        self._drawn.clear()
        self._styled.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        """The rows as Textual styles them (the focus tint, the app's filters), each kept with what
        it shows. A move past the last row scrolls the list, and Textual then asks for every row
        on the screen again, at some 50 µs a row for its styling alone: rows styled before are
        taken as they were, and only the others (the row new to the screen, the cursor's) are
        styled by Textual."""
        if self.styles.gutter or not self._rows:  # (padding or a border: a line is not a row)
            return super().render_lines(crop)
        context = (crop.x, crop.width, self.has_focus, tuple(map(id, self.get_line_filters())))
        if context != self._styled_for:
            self._styled.clear()
            self._styled_for = context
        top, width = self.scroll_offset.y, self.scrollable_content_region.width
        keys = [self._row_key(top + y, width) for y in crop.line_range]
        strips: list[Strip | None] = [None] * len(keys)
        missing: list[int] = []
        for index, (key, entry) in enumerate(keys):
            styled = self._styled.get(key)
            if styled is not None and styled[0] == entry:
                strips[index] = styled[1]
            else:
                missing.append(index)
        for first, last in _runs(missing):  # (Textual styles each run of rows in one call)
            lines = super().render_lines(Region(crop.x, crop.y + first, crop.width, last - first + 1))
            for index, strip in enumerate(lines, start=first):
                strips[index] = strip
                key, entry = keys[index]
                drawn = self._drawn.get(key)
                if drawn is not None:  # (the labels it was drawn with: a reload may have changed them since)
                    entry = drawn[0]
                if len(self._styled) >= DRAWN_KEPT:
                    self._styled.clear()
                self._styled[key] = (entry, strip)
        return strips  # type: ignore[return-value]

    _styled_for: tuple | None = None  # what the styled rows were styled for: crop, focus, filters

    def _row_key(self, row: int, width: int) -> tuple[tuple[int, bool, int], Annotation | None]:
        """What row `row` shows: its corpus position (-1 past the last row), whether the cursor is
        on it, the width; and its labels."""
        if row >= len(self._rows):
            return (-1, False, width), None
        position = self._rows[row]
        entry = self._lookup(self._comments[position].id) if self._lookup is not None else None
        return (position, row == self.cursor, width), entry

    def render_line(self, y: int) -> Strip:
        """A row, drawn again only when its labels, its place under the cursor or the width change."""
        row = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if row >= len(self._rows):
            return Strip.blank(width, self._base_style)
        key, entry = self._row_key(row, width)
        drawn = self._drawn.get(key)
        if drawn is not None and drawn[0] == entry:
            return drawn[1]
        if len(self._drawn) >= DRAWN_KEPT:
            self._drawn.clear()
        strip = self._draw(key[0], key[1], width, entry)
        self._drawn[key] = (entry, strip)
        return strip

    def _draw(self, position: int, under_cursor: bool, width: int, entry: Annotation | None) -> Strip:
        base = self._base_style
        if under_cursor:
            base = base + self.get_component_rich_style("comment-list--cursor")
        wide = self.wide
        if entry is not None and entry.extra and CONFLICT_KEY in entry.extra:
            mark, mark_style = MARK_CONFLICT, "comment-list--conflict"
        elif entry is not None and entry.flagged and not wide:
            mark, mark_style = MARK_FLAGGED, "comment-list--flagged"
        elif entry is not None and entry.is_labeled:
            mark, mark_style = MARK_LABELED, "comment-list--labeled"
        elif self._lookup is not None:
            mark, mark_style = MARK_UNLABELED, "comment-list--unlabeled"
        else:  # the labels are not known yet
            mark, mark_style = " ", "comment-list--unlabeled"
        stance = (entry.stance if entry is not None and entry.stance else "").ljust(self._stance_width)
        segments = [
            Segment(f" {mark} ", base + self.get_component_rich_style(mark_style, partial=True)),
            Segment(stance[: self._stance_width] + " ",
                    base + self.get_component_rich_style("comment-list--stance", partial=True)),
        ]
        if wide:
            segments += self._marks(entry, base)
        if self._depths is not None and self._depths[position]:
            room = width - sum(segment.cell_length for segment in segments)
            segments.append(Segment(thread_indent(self._depths[position], room),
                                    base + self.get_component_rich_style("comment-list--thread", partial=True)))
        segments.append(Segment(self._excerpt(position), base))
        return Strip(segments).adjust_cell_length(width, base)

    def _marks(self, entry: Annotation | None, base) -> list[Segment]:
        """The wide layout's columns: a cell per topic (its key where chosen), `+` for other
        topics, then the note and flag marks."""
        segments = []
        if self._topics:
            chosen = entry.topics if entry is not None else ()
            cells = "".join(key if name in chosen else " " for name, key in self._topics)
            more = MARK_MORE_TOPICS if any(topic not in self._topic_names for topic in chosen) else " "
            segments.append(Segment(f"{cells}{more} ",
                                    base + self.get_component_rich_style("comment-list--topics", partial=True)))
        note = MARK_NOTE if entry is not None and entry.note else " "
        flag = MARK_FLAGGED if entry is not None and entry.flagged else " "
        segments += [
            Segment(f"{note} ", base + self.get_component_rich_style("comment-list--note", partial=True)),
            Segment(f"{flag} ", base + self.get_component_rich_style("comment-list--flagged", partial=True)),
        ]
        return segments

    def _excerpt(self, position: int) -> str:
        text = self._excerpts.get(position)
        if text is None:
            if len(self._excerpts) > 4096:
                self._excerpts.clear()
            text = self._excerpts[position] = printable(
                " ".join(self._comments[position].text[:EXCERPT_CHARS].split()), keep_newlines=False
            )
        return text

    # Mouse -----------------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        row = self.scroll_offset.y + event.y
        if 0 <= row < len(self._rows):
            self.move_to(row)

