"""Small modal dialogs: a one-line prompt, a picker, and a yes/no-style question."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option


class Prompt(ModalScreen[str | None]):
    """Ask for one line of text; Enter answers, Escape cancels (None).

    `check` returns an error message for a value that cannot be accepted, or None.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, question: str, placeholder: str = "", value: str = "",
                 check: Callable[[str], str | None] | None = None) -> None:
        super().__init__()
        self._question = question
        self._placeholder = placeholder
        self._value = value
        self._check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self._question), classes="dialog-title")
            yield Input(value=self._value, placeholder=self._placeholder, id="prompt-input")
            yield Static(Content(""), id="prompt-error", classes="dialog-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        problem = self._check(value) if self._check else None
        if problem:
            self.query_one("#prompt-error", Static).update(Content(problem))
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Picker(ModalScreen[str | None]):
    """Choose one of several options; Enter picks, Escape cancels (None)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="picker.cancel")]

    def __init__(self, title: str, options: Sequence[tuple[str, str]]) -> None:
        """`options` are (id, label) pairs; the label is shown literally."""
        super().__init__()
        self._title = title
        self._options = options

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self._title), classes="dialog-title")
            yield OptionList(*(Option(Content(label), id=key) for key, label in self._options), id="picker-options")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Question(ModalScreen[str]):
    """A question with a few answers, each with a key; Escape gives the last answer."""

    def __init__(self, title: str, text: str, answers: Sequence[tuple[str, str, str]]) -> None:
        """`answers` are (key, id, label) triples."""
        super().__init__()
        self._title = title
        self._text = text
        self._answers = answers
        for key, answer, label in answers:
            self._bindings.bind(key, f"answer('{answer}')", label)
        self._bindings.bind("escape", f"answer('{answers[-1][1]}')", "Cancel")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self._title), classes="dialog-title")
            yield Static(Content(self._text))
            yield Static(
                Content("   ").join(Content.assemble((f"[{key}] ", "bold $accent"), label)
                                    for key, _, label in self._answers),
                classes="dialog-answers",
            )

    def action_answer(self, answer: str) -> None:
        self.dismiss(answer)
