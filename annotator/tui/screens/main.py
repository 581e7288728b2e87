"""The main screen: the comment list beside the comment and its labels. It coordinates the widgets,
turns keys into session calls, and shows what its saver (`annotator.tui.saver`) does."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar
from pathlib import Path

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Header, Input

from annotator.core.conflict import Conflict
from annotator.core.errors import AnnotatorError
from annotator.core.ids import IdLookupError
from annotator.core.keymap import ACTIONS, key_name
from annotator.core.models import Comment, printable
from annotator.core.review import Review
from annotator.core.session import IDLE_AFTER, Filter, Session, Undone
from annotator.core.targets import target_of
from annotator.core.store import (
    ANNOTATIONS_DIR, GOLD, AnnotationFile, atomic_write,
)
from annotator.core.store.file import both_sides_message
from annotator.tui.saver import RETRY_SECONDS, WATCH_SECONDS, Saver, describe_failure
from annotator.tui.screens.dialogs import Picker, Prompt, Question
from annotator.tui.screens.help import HelpScreen
from annotator.tui.screens.pacing import PromptFrames
from annotator.tui.screens.take import TakeDialog
from annotator.tui.widgets.comment_list import CommentList
from annotator.tui.widgets.comment_view import CommentView
from annotator.tui.widgets.conflict_panel import ConflictPanel
from annotator.tui.widgets.editor_pane import EditorPane
from annotator.tui.widgets.field_names import FIELD_NAMES
from annotator.tui.widgets.key_bar import KeyBar
from annotator.tui.widgets.label_panel import LabelPanel
from annotator.tui.widgets.note_editor import NoteEditor, NotePreview, key_after_escape
from annotator.tui.widgets.review_panel import ReviewPanel
from annotator.tui.widgets.target_view import TargetView

W = TypeVar("W", bound=Widget)
BAR_WIDTH = 12
JUMPS_KEPT = 100  # places ctrl+o can go back to
# What acts on a provisional screen (the start of the corpus, shown while the rest is read): moving
# among its rows, labels, undo. The app keeps any other key, and every key after it, for the screen
# of the whole corpus; quitting quits (the labels set are in the journal).
PROVISIONAL_ACTIONS = frozenset({"next", "previous", "first", "page_up", "read_down", "read_up", "stance",
                                 "topic", "flag", "undo", "redo", "toggle_target", "read_target", "quit"})
ORDER_ON_A_THREAD = 20_000  # comments past which the first thread order is worked out on a thread (~50 ms there)


class ThreadsOrdered(Message):
    """The thread order was worked out (`Session.threads`)."""


@dataclass
class ReviewLoaded(Message):
    """The other annotators' files were read for review mode (again: `again`; None: they had not
    changed since the last read)."""

    review: Review | None
    again: bool = False


@dataclass
class ReviewFailed(Message):
    """One of the other annotators' files could not be read for review mode."""

    error: AnnotatorError
    state: tuple[object, ...]  # the files' state when it failed: read again once it changes


class SearchBox(Input):
    """The search box: Escape and a key typed at once (`alt+j`, see `key_after_escape`) cancel it,
    as Escape does, and the key goes on to the list (the box would type the letter)."""

    @dataclass
    class Left(Message):
        then: events.Key

    async def _on_key(self, event: events.Key) -> None:
        then = key_after_escape(event.key)
        if then is not None:
            event.stop()
            event.prevent_default()
            self.post_message(self.Left(then))
            return
        await super()._on_key(event)


def progress_bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    """`done` of `total` as a bar of block characters."""
    filled = round(width * done / total) if total else 0
    return "█" * filled + "░" * (width - filled)


@dataclass(frozen=True, slots=True)
class Status:
    """What the status line under the list says, before it is fitted to a width."""

    labeled: int | None  # None (and `total`): not known yet, on the first screen of a cold start
    total: int | None
    save: tuple[str, str]  # the saver's state and its style
    auto_advance: bool
    view: str | None = None  # the filter or search, in a few words; None: every comment is shown
    rows_labeled: int = 0  # labeled among the rows the view shows
    rows: int = 0
    session: str = ""  # the per-session numbers, shown when there is room
    conflicts: int = 0  # entries a merge left in conflict: always shown
    order: str = ""  # `threads` in thread order (shown before the view's words, and cut with them)


def status_line(status: Status, width: int) -> Content:
    """The status line in `width` cells. The merge conflicts, the save state and the auto-advance
    mark always stay; the rest gives way first, in this order: the session numbers, the overall
    bar, the view's bar, the view's words with the order (cut short, then gone), the overall count."""

    def tail(gap: str) -> list[str | tuple[str, str]]:
        """The parts that always stay: the merge conflicts (`✖ 2 conflicts`, or `✖2` when short of
        room), the save state, the auto-advance mark."""
        count = status.conflicts
        said = (f"✖ {count} conflict{'s' if count != 1 else ''}" if gap == "  " else f"✖{count}", "bold $error")
        parts = [*([said, gap] if count else []), status.save]
        return [*parts, gap, ("auto→", "$accent")] if status.auto_advance else parts

    def line(session: bool, bar: bool, view_bar: bool, view: str | None, count: bool, gap: str = "  ") -> Content:
        parts: list[str | tuple[str, str]] = []
        if count and (status.labeled is None or status.total is None):
            parts.append(("…/…", "bold"))  # (counted once the whole corpus is read)
        elif count:
            parts.append((f"{status.labeled}/{status.total}", "bold"))
            if bar:
                parts += [" ", (progress_bar(status.labeled, status.total, 4 if status.view else BAR_WIDTH), "$success")]
        if view:
            parts += [" " if parts else "", (view, "$accent")]
        if status.view is not None:
            parts += [" " if parts else "", f"{status.rows_labeled}/{status.rows}"]
            if view_bar:
                parts += [" ", (progress_bar(status.rows_labeled, status.rows, 4), "$success")]
        if session and status.session:
            parts += [gap, (status.session, "dim")]
        return Content.assemble(*parts, gap if parts else "", *tail(gap))

    view = " ".join(words for words in (status.order, status.view) if words) or None
    for variant in (
        line(True, True, True, view, True),
        line(False, True, True, view, True),
        line(False, False, True, view, True),
        line(False, False, False, view, True),
    ):
        if variant.cell_length <= width:
            return variant
    if view:
        for count in (True, False):
            room = width - line(False, False, False, None, count, " ").cell_length - 1  # (a space before it)
            if room >= 4:
                return line(False, False, False, view if len(view) <= room else view[: room - 1].rstrip() + "…", count, " ")
    for count in (True, False):
        shortest = line(False, False, False, None, count, " ")
        if shortest.cell_length <= width:
            return shortest
    return Content.assemble(*tail(" "))


@dataclass
class Pace:
    """This session's numbers: comments labeled since the app opened, the pace per active hour, and
    the active time on the current comment. Active time is counted between key presses, as the
    time per comment is: a pause of more than `IDLE_AFTER` seconds does not count."""

    clock: Callable[[], float]
    labeled_at_start: int
    active: float = 0.0  # seconds, this session
    on_comment: float = 0.0  # seconds, this visit of the current comment
    last: float = 0.0  # the clock at the last key (set when made)
    comment_id: str | None = None  # the current comment

    def __post_init__(self) -> None:
        self.last = self.clock()

    def key(self) -> None:
        """A key was pressed: count the time since the last one, unless it was idle."""
        now = self.clock()
        if now - self.last <= IDLE_AFTER:
            self.active += now - self.last
            self.on_comment += now - self.last
        self.last = now

    def moved(self, comment_id: str | None) -> None:
        """`comment_id` is shown (perhaps again)."""
        if comment_id != self.comment_id:
            self.comment_id, self.on_comment = comment_id, 0.0

    def numbers(self, labeled: int) -> tuple[int, float | None, float]:
        """Labeled this session (net of labels removed), comments per active hour (None before a
        minute of work), and the seconds on the current comment, counting the time since the last key."""
        pending = self.clock() - self.last
        pending = pending if pending <= IDLE_AFTER else 0.0
        done, active = labeled - self.labeled_at_start, self.active + pending
        return done, (done * 3600 / active if active >= 60 else None), self.on_comment + pending

    def describe(self, labeled: int, long: bool = False) -> str:
        done, pace, here = self.numbers(labeled)
        minutes, seconds = divmod(int(here), 60)
        rate = "–" if pace is None else f"{pace:.0f}"
        if long:
            return (f"This session: {done:+d} labeled, {rate} comments an hour of active time, "
                    f"{minutes}:{seconds:02d} on this comment.")
        return f"session {done:+d} · {rate}/h · {minutes}:{seconds:02d} here"


class StatusLine(Widget):
    """The line under the list: the longest form of the status that fits the width it has."""

    DEFAULT_CSS = "StatusLine { height: 1; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.status: Status | None = None

    def show(self, status: Status) -> None:
        if status != self.status:
            self.status = status
            self.refresh()

    def render(self) -> Content:
        if self.status is None:
            return Content("")
        return status_line(self.status, self.content_region.width)


@dataclass(frozen=True)
class Carried:
    """A provisional screen's state, for the screen of the whole corpus to go on from."""

    session: Session
    pace: Pace
    comment_id: str | None
    target_collapsed: bool


class MainScreen(PromptFrames[None]):
    """Label comments: keys come here, go to the session, and the changed rows are redrawn."""

    BINDINGS = [
        Binding(",".join(action.keys), action.id, action.footer or action.description, show=bool(action.footer),
                tooltip=action.description, id=f"main.{action.id}")
        for action in ACTIONS
    ]

    # Classes for the layout in app.tcss: from 40 rows the comment and its labels sit together and
    # the note grows.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (40, "-tall")]

    @classmethod
    def for_session(cls, session: Session, annotator: str) -> MainScreen:
        """The screen for `session`, its stance and topic keys bound: built as a subclass whose
        `BINDINGS` adds them, since Textual merges `BINDINGS` along the class hierarchy (no label
        key is an action's key, so none replaces one)."""
        schema = session.schema  # (keys by Textual's name for them: `,` is `comma`)
        labels = [Binding(key_name(label.key), f"{kind}('{label.name}')", f"{kind.capitalize()}: {label.name}",
                          show=False, id=f"main.{kind}.{label.name}")
                  for kind, group in (("stance", schema.stance), ("topic", schema.topic)) for label in group]
        return type(cls.__name__, (cls,), {"BINDINGS": labels})(session, annotator)

    def __init__(self, session: Session, annotator: str) -> None:
        """(Use `for_session`: this screen alone has no label keys.)"""
        super().__init__()
        self.session = session
        self.annotator = annotator
        self.view = Filter()
        self.threads = False  # the list in thread order (replies under their parent), not seed order
        self.auto_advance = session.schema.auto_advance
        self.saver = Saver(session)
        self._quitting = False
        self._asking = False  # a quit dialog (or its path prompt) is open: never a second one
        self._rows_labeled = 0  # labeled comments among the filtered rows
        self._row_labeled: dict[int, bool] | None = None  # filtered rows (None: all) -> labeled
        self.reviewing = False
        self.review: Review | None = None
        self._jumps: list[tuple[str, Filter]] = []  # where P and : jumped from (comment id, view), for ctrl+o
        self._target_collapsed = False
        self._queried: dict[type[Widget], Widget] = {}  # (see `_one`)
        self._under_target = False  # a target has been shown (see `_show_target`)
        self.frozen = False  # a provisional screen being replaced: it changes no label any more

    # Layout ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self.update_classes(self._size_classes(self.app.size.height))
        self.pace = Pace(self.session.clock, self.session.labeled_count)
        schema = self.session.schema
        width = max((len(name) for name in schema.stance_names), default=4)
        yield Header(icon="✎")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield CommentList(self.session.comments, self.session.annotation, width,
                                  [(label.name, label.key) for label in schema.topic], id="comments")
                yield SearchBox(placeholder="search the text; Enter filters, Escape cancels", id="search")
                yield StatusLine(id="progress")
            with Vertical(id="right"):
                target = TargetView(schema.keymap, id="target")  # (drawn by the comment pane)
                yield target
                yield CommentView(schema.keymap, target, id="comment")
                yield EditorPane(schema, id="editor")
        yield KeyBar(id="keys")
        yield self.saver

    # Textual sets the classes of `VERTICAL_BREAKPOINTS` at a Resize only, and lays a screen out
    # again at every one, of the same size too. The app's first Resize (sent as the terminal is
    # opened) is kept until the app is first idle, which is after this screen's first frame: that
    # frame lacked the classes (the layout of neither height), and then the Resize restyled and
    # laid out the whole screen while the first key waited. The classes are set before the
    # first frame, and a Resize to the size the screen is laid out for is let pass
    # (`tests/tui/test_layout.py` checks the names this stands on).

    def _size_classes(self, height: int) -> dict[str, bool]:
        """The layout's classes for a screen `height` rows tall (as Textual's breakpoints choose)."""
        chosen = [name for rows, name in sorted(self.VERTICAL_BREAKPOINTS) if height >= rows][-1:]
        return {name: name in chosen for _, name in self.VERTICAL_BREAKPOINTS}

    def _screen_resized(self, size: Size) -> None:
        if size != self._compositor.size:
            super()._screen_resized(size)

    def on_mount(self) -> None:
        self.set_interval(1, self._show_progress)  # (the time on the comment runs)
        self.title = "annotator"
        self.sub_title = self.annotator
        self.query_one("#search", Input).display = False
        # Called in the cursor's own assignment (not by a posted message, handled after the next
        # frame): the comment, its labels and the status line change in the frame the key causes.
        self.watch(self.comment_list, "cursor", self._show_current, init=False)
        self._apply_filter(Filter("mine") if self.session.share is not None else Filter(), keep=False)
        self._one(CommentList).focus()
        self._tell_conflicts()

    def carried(self) -> Carried:
        """What the screen of the whole corpus takes from this provisional one (`go_on_from`)."""
        return Carried(self.session, self.pace, self.current_id(), self._target_collapsed)

    def go_on_from(self, first: Carried, theirs: dict[str, dict[str, tuple[Any, Any]]]) -> None:
        """Go on from the provisional screen of this start (its session's store taken over by
        this one's, which found `theirs`): its undo steps and time (`Session.go_on_from`), its
        pace, its target collapsed or not, and the comment under its cursor."""
        done = first.session.labeled_count - first.pace.labeled_at_start
        self.pace = first.pace
        self.pace.labeled_at_start = self.session.labeled_count - done
        self.session.go_on_from(first.session, theirs)
        self._target_collapsed = first.target_collapsed
        row = self.row_of(first.comment_id) if first.comment_id is not None else None
        if row is not None and row != self.comment_list.cursor:
            self.comment_list.move_to(row)  # (shown as the cursor moves)
        else:
            self._show_current()

    def _tell_conflicts(self, before: int = 0) -> None:
        """Say how many entries a merge left in conflict, when there are more than `before`."""
        count = len(self.session.conflicts)
        if count > before:
            self.notify(f"{count} comment{'s' if count != 1 else ''} left in conflict by a merge (✖): v, then "
                        "Conflicts, lists them; < keeps ours, > takes theirs.", severity="warning", markup=False,
                        timeout=10)

    # Shown state -----------------------------------------------------------------------------

    @property
    def comment_list(self) -> CommentList:
        return self._one(CommentList)

    @property
    def note_editor(self) -> NoteEditor:
        return self._one(NoteEditor)

    @property
    def search_box(self) -> Input:
        return self._one(Input)

    def _one(self, kind: type[W]) -> W:
        """The screen's one widget of `kind`, queried once: a query walks the screen's widgets, and
        a key that moves the cursor asked for a dozen of them (a third of its handler's time)."""
        found = self._queried.get(kind)
        if found is None:
            found = self._queried[kind] = self.query_one(kind)
        return found  # type: ignore[return-value]

    @property
    def provisional(self) -> bool:
        """The first screen of a cold start: the start of the corpus, until the whole is read
        (`Session.provisional`); only `PROVISIONAL_ACTIONS` act on it."""
        return self.session.provisional

    @property
    def total(self) -> int | None:
        """How many comments the corpus has: None on a provisional screen (not known yet)."""
        return None if self.session.provisional else len(self.session.comments)

    def current_position(self) -> int | None:
        rows = self.comment_list.rows
        cursor = self.comment_list.cursor
        return rows[cursor] if 0 <= cursor < len(rows) else None

    def current_id(self) -> str | None:
        position = self.current_position()
        return None if position is None else self.session.comments[position].id

    def _show_current(self) -> None:
        """Show the comment under the cursor (the list's cursor moved, or the rows changed)."""
        position = self.current_position()
        comment = None if position is None else self.session.comments[position]
        self.session.visit(comment.id if comment else None)  # may record time on the last comment
        self.pace.moved(comment.id if comment else None)
        self.schedule_save()
        self._show_target(comment, quiet=True)  # (the comment pane takes it in as it shows the comment)
        self._one(CommentView).show(comment, position or 0, self.total)
        self._show_labels()
        self._show_progress()
        cursor = self.comment_list.cursor
        self._heading, self._last_cursor = (1 if cursor >= self._last_cursor else -1), cursor
        self.call_after_refresh(self._wrap_ahead)

    _heading = 1  # the way the cursor last moved: 1 down, -1 up
    _last_cursor = 0

    def _wrap_ahead(self) -> None:
        """After the frame that shows a comment: wrap the one the next key of the same way would
        show, and what it replies to, and draw its labels, so that the key finds their lines ready
        (its frame then wraps no text)."""
        rows, cursor = self.comment_list.rows, self.comment_list.cursor
        row = cursor + self._heading if 0 <= cursor + self._heading < len(rows) else cursor - self._heading
        if not 0 <= row < len(rows):  # (at an end of the list, the other way)
            return
        session = self.session
        comment = session.comments[rows[row]]
        target = target_of(comment, session.comment, session.schema.target)
        labels = session.annotation(target.parent.id) if target is not None and target.parent is not None else None
        self._one(TargetView).wrap_ahead(target, labels)
        self._one(CommentView).wrap_comment_ahead(comment, rows[row], self.total)
        self._one(LabelPanel).draw_ahead(session.annotation(comment.id))

    def _show_target(self, comment: Comment | None, quiet: bool = False) -> None:
        """What `comment` replies to, with this annotator's labels on a parent: found by id. `quiet`:
        the comment pane is not told (it is about to show the comment, and then draws the target)."""
        session = self.session
        target = None if comment is None else target_of(comment, session.comment, session.schema.target)
        labels = session.annotation(target.parent.id) if target is not None and target.parent is not None else None
        self._one(TargetView).show(target, labels, self._target_collapsed, quiet)
        # At 24 rows the note box gives the comment room once a target has been shown, and keeps it
        # given: a box that changed height between a root and a reply would move the labels and lay
        # the screen out on such a key. The class goes on the note box and the comment pane, not on
        # the screen: a screen's class change restyles every widget.
        if target is not None and not self._under_target:
            self._under_target = True
            self._one(NotePreview).add_class("-under-target")  # (the editor's, when it opens)
            self._one(CommentView).add_class("-under-target")

    def _show_labels(self) -> None:
        comment_id = self.current_id()
        entry = self.session.annotation(comment_id) if comment_id else None
        heading = None
        if self.reviewing:
            whose = "Gold's labels" if self.annotator == GOLD else "Your labels"
            heading = Content.assemble((whose, "bold"), (": the usual keys set them", "dim"))
        self._one(LabelPanel).show(entry, heading)
        self._one(ConflictPanel).show(Conflict.of(entry))
        if self.reviewing:
            review, panel = self.review, self._one(ReviewPanel)
            if review is None and self._review_failure is not None:
                panel.say(f"Review: cannot read the other annotators' files. {self._review_failure.error}")
            elif review is None:
                panel.say("Review: reading the other annotators' files…")
            elif comment_id is None:
                panel.say("Review: no comment in this view.")
            else:
                panel.show(review.verdicts(comment_id), review.differing(comment_id), entry, review.annotators,
                           self.annotator == GOLD)
        if not self._one(NoteEditor).display:  # (the note being edited stays as typed)
            self._one(NotePreview).show(entry.note if entry and entry.note else "")

    def _show_progress(self) -> None:
        session = self.session
        labeled = None if self.provisional else session.labeled_count
        status = Status(labeled, self.total, self.saver.state(), self.auto_advance,
                        session=self.pace.describe(session.labeled_count), conflicts=len(session.conflicts),
                        order="threads" if self.threads else "")
        if not self.view.is_all:
            status = replace(status, view=printable_filter(self.view), rows_labeled=self._rows_labeled,
                             rows=len(self.comment_list.rows))
        self._one(StatusLine).show(status)

    @property
    def saved_version(self) -> int:
        return self.saver.saved_version

    @property
    def save_error(self) -> str | None:
        return self.saver.error

    # Keys ------------------------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        self.session.spend_time()
        self.pace.key()
        if (self.reviewing and event.is_printable and self.focused is self.comment_list
                and event.key not in self.active_bindings):
            self.notify(f"{printable(event.character or event.key, False)} does nothing in review mode: the label "
                        "keys set gold's labels, = takes from an annotator, ? lists every key.",
                        markup=False, timeout=4)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Label and navigation keys do nothing while typing in the note or the search box (but
        Escape, in the search box, cancels it)."""
        if self.provisional and (self.frozen or action not in PROVISIONAL_ACTIONS):
            return False  # (the app keeps such keys until the whole corpus is read)
        focused = self.focused
        if isinstance(focused, Input) and action == "clear_filter":
            return True
        return not (isinstance(focused, (Input, NoteEditor)) and action not in {"quit", "help"})

    def action_stance(self, name: str) -> None:
        comment_id = self.current_id()
        if comment_id is None:
            return
        self._edit(comment_id, lambda: self.session.set_stance(comment_id, name))
        entry = self.session.annotation(comment_id)
        if self.auto_advance and entry is not None and entry.stance is not None:
            if self.provisional:  # (only onward, and only among the rows it has)
                row = self.session.next_unlabeled(self.comment_list.rows, self.comment_list.cursor)
                if row is not None and row > self.comment_list.cursor:
                    self.comment_list.move_to(row)
            else:
                self.action_next_unlabeled()

    def action_topic(self, name: str) -> None:
        comment_id = self.current_id()
        if comment_id is not None:
            self._edit(comment_id, lambda: self.session.toggle_topic(comment_id, name))

    def action_flag(self) -> None:
        comment_id = self.current_id()
        if comment_id is not None:
            self._edit(comment_id, lambda: self.session.toggle_flag(comment_id))

    @on(LabelPanel.Chosen)
    def _chosen(self, message: LabelPanel.Chosen) -> None:
        """A click on a choice does what its key does (and, like the key, nothing while typing)."""
        if not self.check_action(message.kind, (message.label,) if message.label else ()):
            return
        if message.kind == "stance":
            self.action_stance(message.label)
        elif message.kind == "topic":
            self.action_topic(message.label)
        else:
            self.action_flag()

    def _edit(self, comment_id: str, change: Callable[[], object]) -> None:
        """Make a change to one comment, redraw it, and say what it did to a merge conflict there:
        a clashing field set by hand is resolved; any other change leaves the conflict, and says so."""
        if self.frozen:  # (a click on a label as the screen is replaced: the keys are kept, not this)
            return
        before = Conflict.of(self.session.annotation(comment_id))
        change()
        self._changed(comment_id)
        if before is None:
            return
        after = Conflict.of(self.session.annotation(comment_id))
        decided = [name for name in before.fields if after is None or name not in after.fields]
        said = ", ".join(FIELD_NAMES.get(name, name) for name in decided)
        if after is None:
            self.notify(f"Merge conflict resolved: {said} set by hand, the conflict table is removed.",
                        markup=False, timeout=5)
        else:
            left = ", ".join(FIELD_NAMES.get(name, name) for name in after.fields)
            done = f"{said.capitalize()} set by hand; the" if decided else "The"
            self.notify(f"{done} merge conflict remains in {left}: < keeps ours, > takes theirs.",
                        severity="warning", markup=False, timeout=6)

    # Merge conflicts -------------------------------------------------------------------------

    def action_keep_ours(self) -> None:
        self._take_side("ours")

    def action_take_theirs(self) -> None:
        self._take_side("theirs")

    def _take_side(self, side: str) -> None:
        """Resolve the next clashing field of the current comment with `side`'s value."""
        comment_id = self.current_id()
        conflict = Conflict.of(self.session.annotation(comment_id)) if comment_id else None
        if comment_id is None or conflict is None:
            count = len(self.session.conflicts)
            where = f" ({count} in the file: v, then Conflicts, lists them)" if count else ""
            self.notify(f"No merge conflict on this comment{where}.", markup=False, timeout=4)
            return
        if not conflict.fields:
            self.session.take_side(comment_id, "", side)
            self._changed(comment_id)
            self.notify("Merge conflict resolved: the table named no field; removed.", markup=False, timeout=5)
            return
        name = conflict.fields[0]
        self.session.take_side(comment_id, name, side)
        self._changed(comment_id)
        left = Conflict.of(self.session.annotation(comment_id))
        shown = FIELD_NAMES.get(name, name)
        if left is None:
            self.notify(f"{shown.capitalize()}: took {side}. Merge conflict resolved (u undoes).", markup=False, timeout=5)
        else:
            self.notify(f"{shown.capitalize()}: took {side}. Next: {FIELD_NAMES.get(left.fields[0], left.fields[0])}.",
                        markup=False, timeout=5)

    def action_undo(self) -> None:
        self._undo_or_redo(self.session.undo(), "Undone")

    def action_redo(self) -> None:
        self._undo_or_redo(self.session.redo(), "Redone")

    def _undo_or_redo(self, done: Undone | None, what: str) -> None:
        """Show what an undo (`what`: "Undone") or a redo ("Redone") did."""
        if done is None:
            self.notify(f"Nothing to {'undo' if what == 'Undone' else 'redo'}", markup=False, timeout=2)
            return
        row = self.row_of(done.comment_id)
        if row is not None:
            self.comment_list.move_to(row)
        else:  # (the filter hides it: say where it happened, or it looks as if nothing did)
            position = self.session.position(done.comment_id)
            where = f"#{position + 1} ({done.comment_id})" if position is not None else done.comment_id
            self.notify(f"{what} on comment {where}, which this view hides (Escape shows every comment).",
                        markup=False, timeout=5)
        self._changed(done.comment_id)
        if done.kept:
            self.notify(f"{', '.join(done.kept).capitalize()} left as it is: changed on disk since (a git pull, "
                        "an edit).", severity="warning", markup=False, timeout=6)

    def row_of(self, comment_id: str, rows: Sequence[int] | None = None) -> int | None:
        """The list row of a comment, or None if the filter hides it; in `rows` (the rows about
        to be shown, `_row_labeled` already set for them) rather than the list's."""
        position = self.session.position(comment_id)
        if position is None:
            return None
        if self._row_labeled is None:  # every comment is shown
            return self.session.threads.rank[position] if self.threads else position
        if position not in self._row_labeled:
            return None
        return self._find_row(self.comment_list.rows if rows is None else rows, position)

    def _find_row(self, rows: Sequence[int], position: int) -> int:
        """Where `position` is, or would go, in `rows` (in seed or thread order, as shown)."""
        if self.threads:
            rank = self.session.threads.rank
            return bisect_left(rows, rank[position], key=rank.__getitem__)
        return bisect_left(rows, position)

    def _changed(self, comment_id: str) -> None:
        """Redraw what one comment's change affects, and save."""
        position = self.session.position(comment_id)
        if position is not None:
            self.comment_list.refresh_position(position)
            if self._row_labeled is not None and position in self._row_labeled:
                now = self.session.is_labeled(position)
                self._rows_labeled += int(now) - int(self._row_labeled[position])
                self._row_labeled[position] = now
        self._show_labels()
        self._show_progress()
        self.schedule_save()

    def action_next(self) -> None:
        self.comment_list.move_to(self.comment_list.cursor + 1)

    def action_previous(self) -> None:
        self.comment_list.move_to(self.comment_list.cursor - 1)

    def action_first(self) -> None:
        self.comment_list.move_to(0)

    def action_last(self) -> None:
        self.comment_list.move_to(len(self.comment_list.rows) - 1)

    def action_page_down(self) -> None:
        self.comment_list.move_to(self.comment_list.cursor + max(1, self.comment_list.size.height - 1))

    def action_page_up(self) -> None:
        self.comment_list.move_to(self.comment_list.cursor - max(1, self.comment_list.size.height - 1))

    def action_read_down(self) -> None:
        self._one(CommentView).read(1)

    def action_read_up(self) -> None:
        self._one(CommentView).read(-1)

    def action_next_unlabeled(self) -> None:
        row = self.session.next_unlabeled(self.comment_list.rows, self.comment_list.cursor)
        if row is None:
            self.notify("Every comment here is labeled.", markup=False, timeout=3)
        else:
            self.comment_list.move_to(row)

    def action_auto_advance(self) -> None:
        self.auto_advance = not self.auto_advance
        state = "on: a stance moves to the next unlabeled comment" if self.auto_advance else "off"
        self.notify(f"Auto-advance {state}", markup=False, timeout=3)
        self._show_progress()

    def action_session(self) -> None:
        self.notify(self.pace.describe(self.session.labeled_count, long=True), markup=False, timeout=6)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.session.schema))

    # Review ----------------------------------------------------------------------------------

    def action_review(self) -> None:
        """Show (or hide) the other annotators' labels; the first time, read their files."""
        self.reviewing = not self.reviewing
        if self._review_watch is not None:  # (a timer only while reviewing: no wake-up between keys otherwise)
            self._review_watch.stop()
        self._review_watch = self.set_interval(WATCH_SECONDS, self._watch_review) if self.reviewing else None
        self._one(ReviewPanel).set_class(self.reviewing, "-on")
        self.set_class(self.reviewing, "-reviewing")
        if self.reviewing and not self._review_reading:  # (the files as they are now, before any `=` or `Y`:
            # read if never read, or if the last read failed; else if they changed since)
            self._review_reading = True
            self._load_review(self.review.state if self.review is not None else None)
        if self.reviewing and self.annotator != GOLD:
            self.notify("Review mode. Accepting labels writes to gold.toml: open the app with --annotator gold "
                        "to adjudicate.", markup=False, timeout=6)
        self._show_labels()

    _ordering = False  # the thread order is being worked out

    @work(thread=True, exit_on_error=False)
    def _order_threads(self) -> None:
        try:
            self.session.threads  # noqa: B018 (worked out and kept)
        finally:
            self.post_message(ThreadsOrdered())

    @on(ThreadsOrdered)
    def _threads_ordered(self) -> None:
        self._ordering = False
        if self.session.threads_known:
            self.action_threads()

    _review_reading = False  # the other annotators' files are being read
    _review_watch: Timer | None = None  # while reviewing: `_watch_review`, every WATCH_SECONDS
    _review_failure: ReviewFailed | None = None  # why they could not be, the last time

    @work(thread=True, exit_on_error=False)
    def _load_review(self, state: tuple[object, ...] | None = None) -> None:
        """Read the other annotators' files, or, given the `state` they had at the last read,
        only if they changed since (a `git pull`)."""
        root, me = self.session.store.path.parent.parent, self.annotator
        now = Review.state_of(root, me)  # (before the read: a change during it is read again after)
        if state is not None and now == state:
            self.post_message(ReviewLoaded(None))
            return
        try:
            self.post_message(ReviewLoaded(Review.load(root, me, now), again=state is not None))
        except AnnotatorError as error:
            self.post_message(ReviewFailed(error, now))
        except OSError as error:
            self.post_message(ReviewFailed(AnnotatorError(f"{ANNOTATIONS_DIR}: {error.strerror or error}"), now))
        except Exception as error:  # (whatever a file made the reader do: said, and read again once changed)
            self.post_message(ReviewFailed(AnnotatorError(f"{ANNOTATIONS_DIR}: {describe_failure(error)}"), now))

    def _review_test(self, kind: str) -> Callable[[str], bool]:
        """The review filter `kind` (disagree, remarked) by comment id, on the files as last read."""
        def test(comment_id: str) -> bool:
            review = self.review
            return review is not None and (review.disagree if kind == "disagree" else review.remarked)(comment_id)
        return test

    def _watch_review(self) -> None:
        """While reviewing, read the other annotators' files again when they change on disk."""
        if not self.reviewing or self._review_reading:
            return
        known = self.review.state if self.review is not None else (
            self._review_failure.state if self._review_failure is not None else None)
        if known is not None:
            self._review_reading = True
            self._load_review(known)

    @on(ReviewLoaded)
    def _review_loaded(self, message: ReviewLoaded) -> None:
        self._review_reading = False
        if message.review is None:
            return
        self.review = message.review
        if message.again or self._review_failure is not None:
            self.notify("Review: the other annotators' files changed on disk, and were read again.",
                        markup=False, timeout=4)
        self._review_failure = None
        if self.view.kind in ("disagree", "remarked"):  # (its rows as the files say now)
            self._apply_filter(self.view, anchor=True)
        self._show_labels()

    @on(ReviewFailed)
    def _review_failed(self, message: ReviewFailed) -> None:
        self._review_reading = False
        self.review = None  # (no adjudication on what is known to be out of date)
        if self._review_failure is None or str(self._review_failure.error) != str(message.error):
            self.notify(f"Review mode cannot read the other annotators' files:\n{message.error}", severity="error",
                        markup=False, timeout=10)
        self._review_failure = message
        self._show_labels()

    def action_take(self) -> None:
        """Open the take dialog: one annotator's labels (or one field of them) into gold."""
        comment_id = self.current_id()
        review = self._review_ready()
        if review is None or comment_id is None or not self._adjudicating():
            return
        if not review.annotators:
            self.notify("No other annotator has a file in annotations/: nothing to take.", markup=False, timeout=4)
            return

        def taken(choice: tuple[str, tuple[str, ...]] | None) -> None:
            if choice is None:
                return
            name, fields = choice
            verdict = review.verdict(comment_id, name)
            if verdict is None or self.session.position(comment_id) is None:
                return
            values = {field: verdict.value(field) for field in fields}
            self._edit(comment_id, lambda: self.session.set_fields({comment_id: values}))
            what = "stance and topics" if len(fields) > 1 else FIELD_NAMES[fields[0]]
            self.notify(f"Gold takes {name}'s {what} (u undoes).", markup=False, timeout=4)

        self.app.push_screen(TakeDialog(comment_id, review.annotators, review.verdicts(comment_id)), taken)

    def action_accept_unanimous(self) -> None:
        """Accept, after asking, every comment the other annotators labeled identically and gold
        has not decided yet; those an annotator flagged or wrote a note on only if asked to."""
        review = self._review_ready()
        if review is None or not self._adjudicating():
            return
        session = self.session

        def undecided(labels: dict[str, tuple[str | None, tuple[str, ...]]]) -> dict[str, tuple[str | None, tuple[str, ...]]]:
            return {comment_id: value for comment_id, value in labels.items() if session.position(comment_id) is not None
                    and not (session.annotation(comment_id) and session.annotation(comment_id).is_labeled)}

        plan = review.unanimous()
        clean, remarked = undecided(plan.clean), undecided(plan.remarked)
        if not clean and not remarked:
            self.notify("No undecided comment on which every annotator agrees.", markup=False, timeout=3)
            return

        def answered(answer: str) -> None:
            if answer == "no":
                return
            todo = clean | remarked if answer == "all" else clean
            skipped = 0 if answer == "all" else len(remarked)
            conflicted = [comment_id for comment_id in todo if comment_id in session.conflicts]
            session.set_labels(todo)
            self._apply_filter(self.view)
            self.schedule_save()
            said = f"Accepted {len(todo)} unanimous comments into gold"
            if skipped:
                said += (f"; skipped {skipped} flagged or noted: they stay undecided (v lists them: "
                         "an annotator flagged it or wrote a note)")
            still = sum(1 for comment_id in conflicted if comment_id in session.conflicts)
            if conflicted:
                resolved = len(conflicted) - still
                said += (f"; {resolved} merge conflict{'s' if resolved != 1 else ''} resolved by it, {still} still "
                         "in conflict (v, then Conflicts)")
            self.notify(said + ". u undoes them all.", markup=False, timeout=8)

        answers = [("y", "yes", f"yes, accept {len(clean)}" + (f", skip {len(remarked)}" if remarked else ""))]
        if remarked:
            answers.append(("a", "all", f"all {len(clean) + len(remarked)}, including the flagged or noted"))
        answers.append(("n", "no", "no"))
        text = (f"Accept {len(clean)} unanimous comments into gold, skipping {len(remarked)} that an annotator "
                "flagged or wrote a note on?" if remarked else
                f"Accept {len(clean)} unanimous comments into gold? (No annotator flagged them or wrote a note.)")
        self.app.push_screen(Question(
            "Accept unanimous labels",
            text + " Unanimous: every annotator who labeled the comment gave the same stance and topics, "
            "and gold has no label on it yet.",
            answers,
        ), answered)

    def _review_ready(self) -> Review | None:
        """The other annotators' labels, or None (and a notice) before review mode has read them."""
        if not self.reviewing or self.review is None:
            failure = self._review_failure
            message = ("Press r first: review mode shows the other annotators' labels." if not self.reviewing else
                       f"Review mode cannot read the other annotators' files:\n{failure.error}" if failure else
                       "Reading the other annotators' files: a moment.")
            self.notify(message, severity="error" if self.reviewing and failure else "information",
                        markup=False, timeout=4)
            return None
        return self.review

    def _adjudicating(self) -> bool:
        if self.annotator == GOLD:
            return True
        self.notify("Only the gold annotator accepts labels: open the app with --annotator gold.",
                    severity="warning", markup=False, timeout=5)
        return False

    # The note --------------------------------------------------------------------------------

    def action_note(self) -> None:
        comment_id = self.current_id()
        if comment_id is not None:
            note = self._one(NoteEditor)
            note.comment_id = comment_id  # the note belongs to this comment, wherever the list moves
            text = self._note_of(comment_id)
            if note.text != text:
                note.load_text(text)
            note.opened_with, note.opened_text = text, note.text
            self._editing_note(True)
            note.focus()

    @on(NotePreview.Edit)
    def _edit_note(self) -> None:
        if self.check_action("note", ()):
            self.action_note()

    def _editing_note(self, editing: bool) -> None:
        """The editor in the preview's place while the note is edited; the preview otherwise."""
        note, preview = self._one(NoteEditor), self._one(NotePreview)
        note.set_class(preview.has_class("-under-target"), "-under-target")
        note.display, preview.display = editing, not editing
        if not editing:
            self._show_labels()

    @on(NoteEditor.Done)
    def _note_done(self, event: NoteEditor.Done) -> None:
        self._save_note()
        self.comment_list.focus()
        self.app.hold_keys(first=event.then)  # type: ignore[attr-defined]  (`then`, and what comes after, once the focus has moved)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if isinstance(event.widget, NoteEditor):
            self._save_note()
            if self.is_current:  # (under a dialog the editor stays, and gets the focus back)
                self._editing_note(False)

    def _save_note(self) -> None:
        """The note as typed, if it was changed; a note that changed on disk meanwhile (a `git
        pull`) is left as it is when nothing was typed, and named when what was typed replaces it."""
        note = self._one(NoteEditor)
        comment_id, note.comment_id = note.comment_id, None
        if comment_id is None or self.session.position(comment_id) is None or note.text == note.opened_text:
            return
        on_disk = self._note_of(comment_id)
        if on_disk not in (note.opened_with, note.text.strip("\n")):
            undo = self.session.schema.keymap.shown("undo")
            self.notify(f"The note of {comment_id} changed on disk while you edited it: yours kept ({undo} brings "
                        f"back the one from disk)." if on_disk else
                        f"The note of {comment_id} was removed on disk while you edited it: yours kept ({undo} "
                        "takes it back).", severity="warning", markup=False, timeout=10)
        self._edit(comment_id, lambda: self.session.set_note(comment_id, note.text))

    def _note_of(self, comment_id: str) -> str:
        entry = self.session.annotation(comment_id)
        return entry.note if entry and entry.note else ""

    # Finding ---------------------------------------------------------------------------------

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.display = True
        search.value = self.view.query
        search.focus()

    @on(Input.Submitted, "#search")
    def _search(self, event: Input.Submitted) -> None:
        event.stop()
        self._close_search()
        self._apply_filter(Filter(self.view.kind, self.view.value, event.value.strip(), self.view.test))

    @on(SearchBox.Left)
    def _search_left(self, message: SearchBox.Left) -> None:
        self._close_search()
        self.app.hold_keys(first=message.then)  # type: ignore[attr-defined]

    def _close_search(self) -> None:
        self.query_one("#search", Input).display = False
        self.comment_list.focus()

    def action_clear_filter(self) -> None:
        if self.query_one("#search", Input).has_focus:
            self._close_search()
        elif not self.view.is_all:
            self._apply_filter(Filter())

    def action_filter(self) -> None:
        schema = self.session.schema
        options = [("all", "All comments"), ("unlabeled", "Unlabeled"), ("labeled", "Labeled"), ("flagged", "Flagged"),
                   ("conflicts", f"Conflicts: left by a merge ({len(self.session.conflicts)})")]
        if self.session.share is not None:
            options.insert(1, ("mine", "Mine: the comments the plan gives me"))
        if self.review is not None:
            options += [("disagree", "Review: annotators disagree (do these first)"),
                        ("remarked", "Review: an annotator flagged it or wrote a note")]
        options += [(f"stance:{name}", f"Stance: {name}") for name in schema.stance_names]
        options += [(f"topic:{name}", f"Topic: {name}") for name in schema.topic_names]

        def chosen(choice: str | None) -> None:
            if choice is not None:
                kind, _, value = choice.partition(":")
                test = None
                if self.review is not None and kind in ("disagree", "remarked"):
                    test = self._review_test(kind)
                self._apply_filter(Filter(kind, value, self.view.query, test))

        self.app.push_screen(Picker("Show which comments?", options), chosen)

    def _apply_filter(self, view: Filter, keep: bool = True, anchor: bool = False, on: str | None = None) -> None:
        """Show the comments `view` selects, keeping the cursor on the same comment where it can
        (on comment `on`, if given). With `anchor` (the same filter re-applied after a reload), a
        current comment that `view` now leaves out stays shown, in its place, until the filter is
        applied again. The cursor moves once: the comment is shown once.
        """
        current = on if on is not None else self.current_id() if keep else None
        self.view = view
        rows = self.session.select(view, threads=self.threads)
        position = None if current is None else self.session.position(current)
        if anchor and position is not None and not view.is_all:
            assert isinstance(rows, list)  # (a `range` only for every comment)
            at = self._find_row(rows, position)
            if at == len(rows) or rows[at] != position:
                rows.insert(at, position)
        if view.is_all:
            self._row_labeled = None
        else:
            labeled = self.session.labeled_positions()
            self._row_labeled = {position: labeled[position] == 1 for position in rows}
            self._rows_labeled = sum(self._row_labeled.values())
        row = self.row_of(current, rows) if current is not None else None
        self.comment_list.show_rows(rows, row or 0, self.session.threads.depth if self.threads else None)

    def action_threads(self) -> None:
        """Show the list in thread order, or back in seed order, on the same comment. The first
        time for a corpus, the order is worked out on a thread (keys go on working meanwhile)."""
        if not self.threads and len(self.session.comments) > ORDER_ON_A_THREAD and not self.session.threads_known:
            if not self._ordering:
                self._ordering = True
                self.notify("Working out the thread order…", markup=False, timeout=2)
                self._order_threads()
            return
        self.threads = not self.threads
        if not self.threads:
            self.notify("Seed order.", markup=False, timeout=3)
        elif self.session.threads.replies:
            self.notify(f"Thread order: each comment followed by its replies, indented "
                        f"({self.session.threads.replies:,} replies). T again: seed order.", markup=False, timeout=4)
        else:
            self.notify("Thread order: no replies in this corpus, so it is the seed order.", markup=False, timeout=4)
        self._apply_filter(self.view)

    def action_goto(self) -> None:
        def check(value: str) -> str | None:
            try:
                if value:
                    self.session.find(value)
            except IdLookupError as error:  # ids shown as they are (the prompt shows text literally)
                message = error.describe(str)
                return f"{message[0].upper()}{message[1:]}."
            return None

        def jump(value: str | None) -> None:
            if value:
                self._jump_to(self.session.find(value))

        question = "Jump to the comment: its id, the start of it, or #N for the Nth"
        self.app.push_screen(Prompt(question, "an id, its start, or #12", check=check), jump)

    # What the comment replies to -------------------------------------------------------------

    def action_parent(self) -> None:
        """Go to the comment the current one replies to; ctrl+o comes back."""
        position = self.current_position()
        if position is None:
            return
        comment = self.session.comments[position]
        if comment.parent is None or comment.parent == comment.id:
            self.notify("This comment replies to no other comment.", markup=False, timeout=3)
        elif self.session.comment(comment.parent) is None:
            self.notify(f"Its parent, {printable(comment.parent, False)}, is not among the comments to label.",
                        markup=False, timeout=4)
        else:
            self._jump_to(comment.parent)

    def _jump_to(self, comment_id: str) -> None:
        """Move to `comment_id`, remembering where the cursor was (and the filter) for ctrl+o. A
        filter that hides it is cleared, and comes back with ctrl+o."""
        here = self.current_id()
        if here is not None and here != comment_id:
            self._jumps.append((here, self.view))
            del self._jumps[:-JUMPS_KEPT]
        if self.row_of(comment_id) is None:
            self._apply_filter(Filter(), on=comment_id)
            self.notify("The filter hid that comment: it is cleared until ctrl+o goes back.", markup=False, timeout=4)
            return
        self.comment_list.move_to(self.row_of(comment_id))

    def action_jump_back(self) -> None:
        """Back to where the last jump left from, under the filter and search it had then."""
        if not self._jumps:
            self.notify("No jump to go back from: P jumps to the parent, : to an id.", markup=False, timeout=3)
            return
        comment_id, view = self._jumps.pop()
        if view == self.view and self.row_of(comment_id) is not None:
            self.comment_list.move_to(self.row_of(comment_id))
            return
        self._apply_filter(view, anchor=True, on=comment_id)  # (it stays in its place, even if the filter leaves it out)

    def action_toggle_target(self) -> None:
        self._target_collapsed = not self._target_collapsed
        position = self.current_position()
        self._show_target(None if position is None else self.session.comments[position])
        if self._one(TargetView).target is None:
            self.notify("This comment replies to nothing known: no parent, context or project target.",
                        markup=False, timeout=3)

    def action_read_target(self) -> None:
        view = self._one(TargetView)
        if view.target is None:
            return
        if view.collapsed:
            self.action_toggle_target()
        else:
            view.read()

    # Saving: the saver does it; the screen tells it of changes and shows what it says --------

    def schedule_save(self) -> None:
        """A label changed (or time was recorded): the saver makes it durable."""
        self.saver.changed()

    @on(Saver.StateChanged)
    def _save_state_changed(self) -> None:
        self._show_progress()

    @on(Saver.Recovered)
    def _save_recovered(self) -> None:
        self.notify(f"Saved to {ANNOTATIONS_DIR}/{self.annotator}.toml again.", markup=False)

    @on(Saver.Paused)
    def _save_paused(self, message: Saver.Paused) -> None:
        self.notify(f"{message.operation.capitalize()} is in progress: your labels are saved in the journal, "
                    "and the labels file is written once it is over.", severity="warning", markup=False, timeout=6)

    @on(Saver.Failed)
    def _save_failed(self, message: Saver.Failed) -> None:
        if message.first:
            self.notify(
                f"Could not save: {message.reason}. Your changes are kept (in the journal, if it could be "
                f"written; in memory meanwhile); retrying every {RETRY_SECONDS:.0f} s.",
                severity="error", markup=False, timeout=8,
            )
        if self._quitting and self.saver.idle:
            self._ask_before_quitting()

    @on(Saver.Idle)
    def _save_idle(self) -> None:
        if self._quitting and not self._asking:
            self._finish_quitting()

    @on(Saver.Reloaded)
    def _reloaded(self, message: Saver.Reloaded) -> None:
        """The file changed on disk (git pull, checkout, a hand edit): show what is there now,
        with the cursor and the note editor on the same comments as before."""
        conflicts = len(self.session.conflicts)
        reload = message.reload
        self.session.reloaded(reload.theirs)
        self.session.recount()
        self.comment_list.refresh()
        self._apply_filter(self.view, anchor=True)
        name = f"{ANNOTATIONS_DIR}/{self.annotator}.toml"
        if reload.restored:
            note = (f"{name} was removed (or its folder) while the app ran: writing back the "
                    f"{reload.restored} entries the app holds.")
        elif reload.kept:
            unsaved = "change" if reload.kept == 1 else f"changes to {reload.kept} comments"
            note = f"{name} changed on disk: reloaded, with your unsaved {unsaved} kept."
        else:
            note = f"{name} changed on disk: reloaded."
        if reload.both:
            note += f" {both_sides_message(reload.both).capitalize()}."
        warn = reload.both or reload.restored
        self.notify(note, severity="warning" if warn else "information", markup=False, timeout=10)
        self._tell_conflicts(conflicts)

    # Quitting --------------------------------------------------------------------------------

    unattended = False  # quitting on a signal (SIGTERM, SIGHUP): no one may be there to answer

    def action_quit(self, unattended: bool = False) -> None:
        """Quit once every change is on disk; if it cannot be written, ask (`unattended`: never
        ask, quit with what could be written: the journal keeps every change committed)."""
        self.unattended = self.unattended or unattended
        if isinstance(self.focused, NoteEditor):
            self._save_note()
        self.session.leave()
        self._quitting = True
        if self.save_error and self.saver.idle:
            self._ask_before_quitting()
        else:
            self._finish_quitting()

    def _finish_quitting(self) -> None:
        """Quit once every change is in the file (or, while git works, in the journal); until
        then the saver writes what is missing and says `Idle` when it is done."""
        if self.saver.flush():
            self.app.exit()

    def _ask_before_quitting(self) -> None:
        """Ask what to do with labels that cannot be written: one dialog at a time, however
        many retries fail meanwhile; none when quitting on a signal (nobody may be there)."""
        if self.unattended:
            self.app.exit()
            return
        if self._asking:
            return
        self._asking = True

        def answered(answer: str) -> None:
            if answer == "discard":
                self.app.exit()
            elif answer == "elsewhere":
                self._save_elsewhere()
            else:
                self._asking = self._quitting = False

        if self.saver.saved_version == self.session.version:  # (the file cannot be written, the journal was)
            journal = f"{ANNOTATIONS_DIR}/{self.session.store.journal.name}"
            discard = f"quit: they wait in {journal}, and come back the next time the app opens the file"
        else:
            discard = "quit and lose them"
        self.app.push_screen(
            Question(
                "Unsaved changes",
                f"Your labels could not be written: {self.save_error}.",
                [("w", "elsewhere", "write them to another file"), ("d", "discard", discard),
                 ("r", "retry", "stay and keep retrying")],
            ),
            answered,
        )

    def _save_elsewhere(self) -> None:
        """Write every label to a file the annotator names, read it back and check it; quit only
        when it holds them all."""

        def write(path: str | None) -> None:
            if not path:
                self._asking = self._quitting = False
                return
            problem = write_and_check(Path(path).expanduser(), self.session.store)
            if problem:
                self.notify(f"Could not write {path}: {problem}", severity="error", markup=False, timeout=8)
                self._asking = False
                self._ask_before_quitting()
            else:
                self.app.exit()

        self.app.push_screen(Prompt("Write the labels to this file:", "a path, e.g. ~/labels-backup.toml"), write)


def write_and_check(path: Path, store: AnnotationFile) -> str | None:
    """Write `store`'s labels to `path` and read them back: why that failed, or None when the
    file holds every entry."""
    if path.is_dir():
        return "it is a folder: give a file name"
    try:
        atomic_write(path, store.render())
        written = AnnotationFile.load(path, replay=False)
    except (OSError, AnnotatorError) as error:
        return describe_failure(error)
    if written.entries != store.entries:
        return "the file read back does not hold the same labels"
    return None


def printable_filter(view: Filter) -> str:
    return printable(view.describe(), keep_newlines=False)
