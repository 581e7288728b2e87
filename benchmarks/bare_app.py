"""The baseline for start-up: a Textual app that shows one line (ctrl+q quits, as in any app)."""

from textual.app import App, ComposeResult
from textual.widgets import Static

MARKER = "bare textual app ready"


class BareApp(App[None]):
    """One line of text, nothing else."""

    def compose(self) -> ComposeResult:
        yield Static(MARKER)


if __name__ == "__main__":
    BareApp().run()
