"""Help: every key, the labels with their descriptions, and the guidelines from annotator.toml."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from annotator.core.config import Schema
from annotator.core.keymap import ACTIONS, key_label
from annotator.core.models import printable

def help_content(schema: Schema) -> Content:
    """The text of the help screen."""
    lines: list[Content] = [Content.styled("Keys", "bold underline")]
    for action in ACTIONS:
        keys = " / ".join(key_label(key) for key in schema.keymap.keys[action.id])
        lines.append(Content.assemble((f"  {keys:<13}", "bold $accent"), action.description))
    lines.append(Content.assemble(("  ctrl+p       ", "bold $accent"), "Command palette: every action by name"))
    lines += [Content(""), Content.styled("Other keys: [keys] in annotator.toml, by these action ids", "bold underline"),
              Content("  ") + Content(" · ").join(Content.styled(action.id, "$accent") for action in ACTIONS)]
    lines += [Content(""), Content.styled("Stance (one per comment; the same key again clears it)", "bold underline")]
    for label in schema.stance:
        lines.append(Content.assemble((f"  {label.key:<4}", "bold $accent"), (f"{label.name:<16}", "bold"),
                                      printable(label.description, keep_newlines=False)))
    lines += [Content(""), Content.styled("Topics (any number; each key toggles one)", "bold underline")]
    for label in schema.topic:
        lines.append(Content.assemble((f"  {label.key:<4}", "bold $accent"), (f"{label.name:<16}", "bold"),
                                      printable(label.description, keep_newlines=False)))
    lines += [
        Content(""),
        Content.styled("Tip", "bold underline"),
        Content("  With auto-advance on (A), choose topics first and the stance last: the stance moves on."),
        Content(""),
        Content.styled("Guidelines", "bold underline"),
        Content(printable(schema.guidelines.strip() or "(none in annotator.toml)")),
    ]
    return Content("\n").join(lines)


class HelpScreen(ModalScreen[None]):
    """Every key, the labels and the guidelines; Escape, q or ? closes it, ctrl+d and ctrl+u scroll it."""

    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
        Binding("ctrl+d", "read(1)", "Page down", show=False, id="help.read_down"),  # as the comment's keys
        Binding("ctrl+u", "read(-1)", "Page up", show=False, id="help.read_up"),
    ]

    def __init__(self, schema: Schema) -> None:
        super().__init__()
        self._schema = schema

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body", classes="dialog"):
            yield Static(help_content(self._schema))

    def action_read(self, pages: int) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        body.scroll_to(y=body.scroll_y + pages * max(1, body.scrollable_content_region.height - 1), animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
