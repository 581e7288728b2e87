"""The labels of the selected comment: stance choices, topic toggles and the flag.

Label names not in annotator.toml go through `Content(...)` (never markup) after `printable`.
"""

from __future__ import annotations

from typing import Literal

from textual import events
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.visual import Visual
from textual.widget import Widget

from annotator.core.config import Schema
from annotator.core.models import Annotation, printable

DRAWN_KEPT = 256  # sets of labels whose lines are kept drawn


class LabelPanel(Widget):
    """Stance choices, topic toggles and the flag of the selected comment, each with its key.

    Choices flow onto as many lines as the width needs, never breaking inside one choice. A click
    on a choice posts `Chosen`, and the screen does what the choice's key does.
    """

    DEFAULT_CSS = "LabelPanel { height: auto; }"

    class Chosen(Message):
        """A choice was clicked: a stance or a topic (`label` names it), or the flag."""

        def __init__(self, kind: Literal["stance", "topic", "flag"], label: str = "") -> None:
            super().__init__()
            self.kind = kind
            self.label = label

    def __init__(self, schema: Schema, **kwargs) -> None:
        super().__init__(**kwargs)
        self._schema = schema
        self._entry = Annotation()
        self._targets: list[list[tuple[int, int, str, tuple[str, ...]]]] = []  # per line: x from, to, action
        self._drawn_lines: int | None = None  # the height last drawn
        self._drawn: dict[tuple, list[Strip]] = {}  # (labels shown, heading, width) -> the lines drawn

    heading: Content | None = None  # a line above the choices (review mode: whose labels they are)

    def show(self, entry: Annotation | None, heading: Content | None = None) -> None:
        """Show `entry`'s labels; the screen is laid out again only when the panel's height changes
        (a heading, a label not in annotator.toml, another flow of the choices), and nothing is
        redrawn when the labels shown are the same."""
        entry = entry or Annotation()
        if (self._shown(entry), heading) == (self._shown(self._entry), self.heading) and self._drawn_lines is not None:
            self._entry = entry
            return
        self._entry = entry
        self.heading = heading
        self.refresh(layout=len(self._lines(self.content_region.width)) != self._drawn_lines)

    @staticmethod
    def _shown(entry: Annotation) -> tuple:
        """What the panel shows of `entry`."""
        return entry.stance, tuple(entry.topics), entry.flagged

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Content:
        lines = self._lines(self.content_region.width)
        self._drawn_lines = len(lines)
        return Content("\n").join(lines)

    def render_line(self, y: int) -> Strip:
        """A line of the panel, drawn once for each set of labels shown (they recur from comment to
        comment; the cache is dropped when the styles change)."""
        width = self.content_region.width
        strips = self._drawn.get(self._key(self._entry, width))
        if strips is None:
            strips = self._draw(self._entry, width)
        self._drawn_lines = len(strips)
        return strips[y] if y < len(strips) else Strip.blank(width, self.visual_style.rich_style)

    def draw_ahead(self, entry: Annotation | None) -> None:
        """Draw the lines of `entry`'s labels before they are shown (in the idle time after a frame,
        for the comment a key is likely to show next)."""
        entry = entry or Annotation()
        width = self.content_region.width
        if self._key(entry, width) not in self._drawn:
            shown, targets = self._entry, self._targets
            try:
                self._draw(entry, width)
            finally:
                self._entry, self._targets = shown, targets  # (what a click on the panel finds)

    def _key(self, entry: Annotation, width: int) -> tuple:
        return (self._shown(entry), None if self.heading is None else self.heading.markup, width)  # (with its styles)

    def _draw(self, entry: Annotation, width: int) -> list[Strip]:
        """The lines of `entry`'s labels, drawn and kept."""
        self._entry = entry
        if len(self._drawn) >= DRAWN_KEPT:
            self._drawn.clear()
        lines = self._lines(width)
        strips = self._drawn[self._key(entry, width)] = Visual.to_strips(
            self, Content("\n").join(lines), width, None, self.visual_style)
        return strips

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._drawn.clear()

    def _lines(self, width: int) -> list[Content]:
        entry, schema = self._entry, self._schema
        stance = [(self._choice(label.key, label.name, entry.stance == label.name, "●", "○"), ("stance", label.name))
                  for label in schema.stance]
        if entry.stance and entry.stance not in schema.stance_names:
            stance.append((Content.styled(f"{printable(entry.stance, False)} (not in annotator.toml, kept)", "$warning"), ()))
        topics = [(self._choice(label.key, label.name, label.name in entry.topics, "■", "□"), ("topic", label.name))
                  for label in schema.topic]
        topics += [
            (Content.styled(f"{printable(topic, False)} (not in annotator.toml, kept)", "$warning"), ())
            for topic in entry.topics
            if topic not in schema.topic_names
        ]
        flag = ("⚑ flagged for later", "bold $warning") if entry.flagged else ("not flagged", "dim")
        flag_choice = Content.assemble(("[f] ", "dim"), flag)
        width = max(width, 20)
        self._targets = [[]] if self.heading else []
        return ([self.heading] if self.heading else []) + (self._flow("Stance ", stance, width) + self._flow("Topics ", topics, width)
                + self._flow("Flag   ", [(flag_choice, ("flag",))], width))

    def on_click(self, event: events.Click) -> None:
        self._lines(self.content_region.width)  # (where each choice is, for the labels shown now)
        if not 0 <= event.y < len(self._targets):
            return
        for start, end, action, arguments in self._targets[event.y]:
            if start <= event.x < end and action:
                self.post_message(self.Chosen(action, *arguments))
                return

    @staticmethod
    def _choice(key: str, name: str, chosen: bool, on: str, off: str) -> Content:
        style = "bold $success" if chosen else ""
        return Content.assemble((f"[{key}] ", "dim"), (f"{on if chosen else off} {name}", style))

    def _flow(self, title: str, items: list[tuple[Content, tuple[str, ...]]], width: int) -> list[Content]:
        """`items` after a bold `title`, wrapped between items to fit `width` cells; remembers
        where each item is, for clicks."""
        indent = " " * len(title)
        lines: list[Content] = []
        line = Content.styled(title, "bold")
        targets: list[tuple[int, int, str, tuple[str, ...]]] = []
        filled = False
        for item, target in items:
            if filled and line.cell_length + 2 + item.cell_length > width:
                lines.append(line)
                self._targets.append(targets)
                line, filled, targets = Content(indent), False, []
            line = line + ("  " if filled else "")
            if target:
                targets.append((line.cell_length, line.cell_length + item.cell_length, target[0], target[1:]))
            line = line + item
            filled = True
        lines.append(line)
        self._targets.append(targets)
        return lines
