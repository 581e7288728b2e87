"""The right-hand side: the selected comment in full, and the labels being edited.

All comment text, notes and names go through `Content(...)` (never markup) after `printable`.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Static, TextArea

from annotator.core.config import Schema
from annotator.core.conflict import Conflict
from annotator.core.keymap import ACTION_KEYS
from annotator.core.models import Annotation, Comment, printable
from annotator.core.review import Verdict


class CommentView(VerticalScroll, can_focus=False):
    """The full text of the selected comment, with its id and source.

    It never takes the focus (the list keeps it, so the label keys keep working): the screen's
    read keys scroll it a page at a time, and a mark at its foot says when there is more below.
    """

    _mark_shown: str | None = None  # what the mark at the foot says: "more", "end", or nothing

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
            mark.update(Content.assemble(("▼ more below", "bold"), (f"  {ACTION_KEYS['read_down'][0]} reads on", "dim")),
                        layout=False)  # (one line, docked: only showing or hiding it moves the rest)
        elif shown == "end":
            mark.update(Content.assemble(("▲ end of the comment", "bold"), (f"  {ACTION_KEYS['read_up'][0]} goes back", "dim")),
                        layout=False)


class LabelPanel(Widget):
    """Stance choices, topic toggles and the flag of the selected comment, each with its key.

    Choices flow onto as many lines as the width needs, never breaking inside one choice. A click
    on a choice does what its key does (the screen's `stance`, `topic` or `flag` action).
    """

    DEFAULT_CSS = "LabelPanel { height: auto; }"

    def __init__(self, schema: Schema, **kwargs) -> None:
        super().__init__(**kwargs)
        self._schema = schema
        self._entry = Annotation()
        self._targets: list[list[tuple[int, int, str, tuple[str, ...]]]] = []  # per line: x from, to, action
        self._drawn_lines: int | None = None  # the height last drawn

    heading: Content | None = None  # a line above the choices (review mode: whose labels they are)

    def show(self, entry: Annotation | None, heading: Content | None = None) -> None:
        """Show `entry`'s labels; the screen is laid out again only when the panel's height changes
        (a heading, a label not in annotator.toml, another flow of the choices)."""
        self._entry = entry or Annotation()
        self.heading = heading
        self.refresh(layout=len(self._lines(self.content_region.width)) != self._drawn_lines)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Content:
        lines = self._lines(self.content_region.width)
        self._drawn_lines = len(lines)
        return Content("\n").join(lines)

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

    async def on_click(self, event: events.Click) -> None:
        if not 0 <= event.y < len(self._targets):
            return
        for start, end, action, arguments in self._targets[event.y]:
            if start <= event.x < end and action:
                await self.screen.run_action(f"{action}({', '.join(repr(a) for a in arguments)})")
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


FIELD_NAMES = {"stance": "stance", "topics": "topics", "note": "note", "flagged": "flag"}


class ReviewPanel(Static):
    """In review mode: every other annotator's stance, topics, flag, time and note on the
    selected comment, the fields on which they differ marked, and the keys of the mode."""

    def show(self, verdicts: list[Verdict] | None, differing: list[str], gold: Annotation | None,
             annotators: list[str], adjudicating: bool) -> None:
        if verdicts is None:
            self.update(Content.styled("Review: reading the other annotators' files…", "dim"))
            return
        if differing:
            agreement = [("≠ ", "bold $warning"), (", ".join(FIELD_NAMES.get(name, name) for name in differing), "$warning")]
        elif len(verdicts) > 1:
            agreement = [("= all agree", "$success")]
        else:
            agreement = []
        keys = "= take · Y all unanimous" if adjudicating else "only gold adjudicates"
        lines = [Content.assemble(("Review ", "bold"), *agreement, ("  " if agreement else ""), (keys, "dim"))]
        by_name = {verdict.annotator: verdict for verdict in verdicts}
        width = max((len(name) for name in annotators[:9]), default=0)
        for number, name in enumerate(annotators[:9], start=1):
            lines += self._verdict_lines(number, name.ljust(width), by_name.get(name), differing, gold)
        if not annotators:
            lines.append(Content.styled("No other annotator has a file in annotations/.", "dim"))
        self.update(Content("\n").join(lines))

    @staticmethod
    def _verdict_lines(number: int, name: str, verdict: Verdict | None, differing: list[str],
                       gold: Annotation | None) -> list[Content]:
        """The annotator's line: stance · topics · flag · seconds · note, differing fields marked ≠."""
        head = Content.assemble((f"={number} ", "dim"), (printable(name, False), "bold"), "  ")
        if verdict is None:
            return [head + Content.styled("— nothing on this comment", "dim")]

        def shown(field: str, text: str) -> tuple[str, str]:
            return (f"≠{text}" if field in differing else text), ("bold $warning" if field in differing else "")

        parts: list[str | tuple[str, str]] = [
            shown("stance", printable(verdict.stance or "(no stance)", False)), " · ",
            shown("topics", printable(", ".join(verdict.topics) or "(no topics)", False)),
        ]
        if verdict.flagged or "flagged" in differing:
            parts += [" · ", shown("flagged", "⚑ flagged" if verdict.flagged else "not flagged")]
        parts += [" · ", (f"{verdict.seconds:g} s", "dim")]
        if verdict.note or "note" in differing:  # (last: a long note wraps under the rest)
            note = printable(verdict.note, False) if verdict.note else "(no note)"
            parts += [" · ", shown("note", f"✎ {note}")]
        if gold is not None and (gold.stance, gold.topics) == verdict.labels:
            parts += ["  ", ("✓ gold", "$success")]
        return [head + Content.assemble(*parts)]


class ConflictPanel(Static):
    """A merge left this entry in conflict: each clashing field in the base, ours and theirs,
    and the keys that take a side, field by field (the first field listed is the next)."""

    def show(self, conflict: Conflict | None) -> None:
        if conflict is None and not self.has_class("-on"):
            return  # (hidden already, as on most comments: nothing to lay out again)
        self.set_class(conflict is not None, "-on")
        if conflict is None:
            self.update("")
            return
        lines = [Content.assemble(("Merge conflict ", "bold $error"), ("< keeps ours, > takes theirs", "dim"))]
        for index, name in enumerate(conflict.fields):
            lines.append(Content.assemble(
                ("▶ " if index == 0 else "  ", "bold $error"),
                (f"{FIELD_NAMES.get(name, printable(name, False))}  ", "bold"),
                ("<", "bold $accent"), printable(describe(conflict.value("ours", name)), False), "  ",
                (">", "bold $accent"), printable(describe(conflict.value("theirs", name)), False), "  ",
                (f"(base {printable(describe(conflict.value('base', name)), False)})", "dim"),
            ))
        self.update(Content("\n").join(lines))


def describe(value: object) -> str:
    """A field's value in a few words: — for none."""
    if value is None or value == ():
        return "—"
    if isinstance(value, bool):
        return "⚑ flagged" if value else "not flagged"
    if isinstance(value, str):
        return f'"{value}"' if " " in value or not value else value
    if isinstance(value, (tuple, list)):
        return ", ".join(map(str, value))
    return str(value)


class NoteEditor(TextArea):
    """The note of the selected comment; Escape leaves it and saves the note."""

    BINDINGS = [Binding("escape", "done", "Done", id="note.done")]

    comment_id: str | None = None  # the comment whose note is being edited (set by the screen)

    class Done(Message):
        """The annotator left the note editor."""

    def action_done(self) -> None:
        self.post_message(self.Done())


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
        yield NoteEditor(id="note", soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
