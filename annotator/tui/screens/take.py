"""The take dialog of review mode (`=`): take into gold one annotator's labels, or one field.

Its own keys, shown in it: a number takes from that annotator (from ten annotators on, a number
another digit could go on is taken at Enter); `s`, `t`, `n`, `f` first choose one field
(stance, topics, note, flag) and `a` all labels again. Any other key, or a number with
no annotator, says so and leaves the dialog open; Escape cancels.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from annotator.core.models import printable
from annotator.core.review import LABELS, Verdict

# The dialog's field keys: the field (or `labels`, for stance and topics) and how it is called.
FIELD_KEYS = {"a": ("labels", "all labels (stance and topics)"), "s": ("stance", "the stance"),
              "t": ("topics", "the topics"), "n": ("note", "the note"), "f": ("flagged", "the flag")}


def verdict_summary(verdict: Verdict | None) -> str:
    """One annotator's labels on one line: stance · topics · flag · note."""
    if verdict is None:
        return "—  (nothing on this comment)"
    parts = [verdict.stance or "(no stance)", ", ".join(verdict.topics) or "(no topics)"]
    if verdict.flagged:
        parts.append("⚑ flagged")
    if verdict.note:
        parts.append(f"✎ {verdict.note}")
    return printable(" · ".join(parts), keep_newlines=False)


class TakeDialog(ModalScreen[tuple[str, tuple[str, ...]] | None]):
    """Choose an annotator (and a field) to take into gold: the annotator's name and the fields
    to take, or None when cancelled."""

    def __init__(self, comment_id: str, annotators: Sequence[str], verdicts: Sequence[Verdict]) -> None:
        super().__init__()
        self._comment_id = comment_id
        self._annotators = list(annotators)
        self._verdicts = {verdict.annotator: verdict for verdict in verdicts}
        self.field = "a"
        self._typed = ""  # the digits of a number being typed (ten annotators or more)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="take"):
            yield Static(Content.assemble("Take into gold, comment ", (self._comment_id, "$accent")),
                         classes="dialog-title")
            width = max((len(name) for name in self._annotators), default=0)
            rows = [Content.assemble((f" {number}  ", "bold $accent"), (printable(name.ljust(width), False), "bold"),
                                     "  ", verdict_summary(self._verdicts.get(name)))
                    for number, name in enumerate(self._annotators, start=1)]
            yield Static(Content("\n").join(rows) if rows else Content("No other annotator has a file."))
            yield Static(self._field_line(), id="take-field")
            yield Static(self._keys(), classes="dialog-answers")

    def _keys(self) -> Content:
        count = len(self._annotators)
        numbers = "1" if count == 1 else f"1-{count}"
        parts = [(numbers, "bold $accent"), " take from that annotator   "]
        for key, (_, name) in FIELD_KEYS.items():
            parts += [(key, "bold $accent"), f" {name.split(' (')[0].removeprefix('the ')}  "]
        parts += [("Escape", "bold $accent"), " cancels"]
        return Content.assemble(*parts)

    def _field_line(self) -> Content:
        then = (f"  number {self._typed}… (another digit, or Enter)" if self._typed else
                "  (then a number, and Enter if another digit could follow)" if len(self._annotators) > 9 else
                "  (then a number)")
        return Content.assemble("Takes: ", (FIELD_KEYS[self.field][1], "bold"), (then, "dim"))

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        key = event.character if event.character and event.character.isprintable() else event.key
        if event.key == "escape":
            self.dismiss(None)
        elif key in FIELD_KEYS:
            self.field = key
            self._typed = ""
            self.query_one("#take-field", Static).update(self._field_line())
        elif len(key) == 1 and key in "0123456789":  # (ASCII: "²" is a digit to `isdigit`, not to `int`)
            self._typed += key
            if self._typed == "0" or int(self._typed) * 10 > len(self._annotators):  # (no digit could follow)
                self._take_typed()
            else:
                self.query_one("#take-field", Static).update(self._field_line())
        elif event.key == "enter" and self._typed:
            self._take_typed()
        else:
            count = len(self._annotators)
            self.notify(f"{printable(key, False)} does nothing here: 1-{count} take from an annotator, "
                        "a s t n f choose what, Escape cancels.", severity="warning", markup=False, timeout=4)

    def _take_typed(self) -> None:
        number, self._typed = int(self._typed), ""
        self.query_one("#take-field", Static).update(self._field_line())
        self._take(number)

    def _take(self, number: int) -> None:
        if not 1 <= number <= len(self._annotators):
            count = len(self._annotators)
            self.notify(f"There is no annotator {number}: {'only 1' if count == 1 else f'1 to {count}'} "
                        "(see the list).", severity="warning", markup=False, timeout=4)
            return
        name = self._annotators[number - 1]
        if name not in self._verdicts:
            self.notify(f"{name} has nothing on this comment: take from another annotator.",
                        severity="warning", markup=False, timeout=4)
            return
        field = FIELD_KEYS[self.field][0]
        if field == "labels" and not self._verdicts[name].is_labeled:  # (taking nothing would clear gold's)
            self.notify(f"{name} gave no stance or topics here, only a note or a flag: n or f first takes that.",
                        severity="warning", markup=False, timeout=4)
            return
        self.dismiss((name, LABELS if field == "labels" else (field,)))
