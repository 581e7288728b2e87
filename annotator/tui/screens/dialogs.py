"""Small modal dialogs: a one-line prompt, the name prompt, a picker, and a yes/no-style question."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from annotator.core.store import annotator_name_problem, safe_annotator_name


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


class NamePrompt(ModalScreen[str | None]):
    """Ask who is annotating: a typed name is made file-safe as a git `user.name` is ("Carol
    Smith" is carol-smith), and the name it becomes is shown while typing; the existing annotators
    can be picked from a list instead. Enter answers, Escape (None) quits the app."""

    BINDINGS = [
        Binding("escape", "cancel", "Quit", id="name.quit"),
        Binding("down", "to_list", "Existing annotators", show=False, id="name.list"),
    ]

    def __init__(self, existing: Sequence[str]) -> None:
        super().__init__()
        self._existing = [name for name in existing if annotator_name_problem(name) is None]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content("Who is annotating?"), classes="dialog-title")
            yield Input(placeholder="your name, e.g. Carol Smith", id="prompt-input")
            yield Static(Content(""), id="name-result")
            if self._existing:
                yield Static(Content("or pick an existing annotator (↓):"), classes="dialog-hint")
                yield OptionList(*(Option(Content(name), id=name) for name in self._existing), id="name-options")
            yield Static(Content("Enter starts labelling · Escape quits annotator"), classes="dialog-hint")

    def chosen(self, typed: str) -> tuple[str | None, str]:
        """The annotator name `typed` gives (None if it gives none) and a line saying so."""
        typed = typed.strip()
        if not typed:
            return None, ""
        name = typed if typed in self._existing else safe_annotator_name(typed, self._existing)
        if not name:
            return None, f"not usable as a name ({annotator_name_problem(typed) or 'it has no letters or digits'})"
        whose = "an existing annotator" if name in self._existing else "new"
        return name, f"labels go to annotations/{name}.toml ({whose})"

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show(*self.chosen(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name, line = self.chosen(event.value)
        if name is not None:
            self.dismiss(name)
        else:
            self._show(None, line or "type a name first")

    def _show(self, name: str | None, line: str) -> None:
        result = self.query_one("#name-result", Static)
        result.update(Content(line))
        result.set_class(name is None, "dialog-error")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_to_list(self) -> None:
        if self._existing and self.focused is self.query_one(Input):
            options = self.query_one(OptionList)
            options.highlighted = options.highlighted or 0
            options.focus()

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
        self._by_key = {key: answer for key, answer, _ in answers} | {"escape": answers[-1][1]}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self._title), classes="dialog-title")
            yield Static(Content(self._text))
            yield Static(
                Content("   ").join(Content.assemble((f"[{key}] ", "bold $accent"), label)
                                    for key, _, label in self._answers),
                classes="dialog-answers",
            )

    def on_key(self, event: events.Key) -> None:
        """An answer's key gives that answer (nothing is focused here: every key comes to the screen)."""
        answer = self._by_key.get(event.key)
        if answer is not None:
            event.stop()
            self.dismiss(answer)
