"""The merge conflict on the selected comment, field by field.

Field values go through `Content(...)` (never markup) after `printable`.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from annotator.core.conflict import Conflict
from annotator.core.models import printable
from annotator.tui.widgets.field_names import FIELD_NAMES


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
