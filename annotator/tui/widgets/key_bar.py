"""The keys at the bottom of the screen: what each shown binding of the focused widget and its
screen does, as Textual's `Footer` shows them, on one line of text.

Textual's footer is a widget per key, mounted anew each time the bindings change: at every
focus move (`e` into the note, Escape out of it) and once after the first frame, some 15-20 ms
of mounting each time, several times per move, on the way of the next key. This bar draws the
same line from the bindings when they change; a click on a key presses it (a bell if the key
does nothing now), and a key under the pointer shows its tooltip, as the footer's do.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual import events
from textual.app import RenderResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.style import Style
from textual.widget import Widget


@dataclass(frozen=True, slots=True)
class ShownKey:
    """One key on the bar: the key a click presses, as shown, what it does, where it is drawn
    (the cells from `start` to `end`)."""

    key: str
    display: str
    description: str
    action: str
    enabled: bool
    tooltip: str
    start: int = 0
    end: int = 0


class KeyBar(Widget):
    """The shown bindings, one after the other (one per action, as the footer shows them), and
    the command palette's key on the right when there is room for it."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--palette"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._keys: list[ShownKey] | None = None  # what the last render drew, where

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if screen is self.screen:
            self.refresh()

    def shown(self) -> list[ShownKey]:
        """The keys the bar shows now, in order (the palette's last), and where: as a render
        lays them out."""
        self.render()
        return list(self._keys or [])

    def render(self) -> RenderResult:
        keys, palette = self._shown_bindings()
        key_style = self.get_visual_style("key-bar--key")
        description_style = self.get_visual_style("key-bar--description")
        parts: list[tuple[str, object] | str] = []
        placed: list[ShownKey] = []
        column = 0
        for key in keys:
            label = f" {key.display} "
            described = f"{key.description} " if key.description else ""
            dim = _ENABLED if key.enabled else _DISABLED
            parts += [(label, key_style + dim), (described, description_style + dim)]
            width = cell_len(label) + cell_len(described)  # (a key the project moved may be any character)
            placed.append(_placed(key, column, column + width))
            column += width
        label, described = (palette.display, f" {palette.description}") if palette else ("", "")
        width = cell_len(label) + cell_len(described)
        start = self.size.width - width - 2  # (after a bar, a column from the right)
        if palette is not None and start >= column + 1:
            parts += [" " * (start - column), ("▏", self.get_visual_style("key-bar--palette")),
                      (label, key_style), (described, description_style), " "]
            placed.append(_placed(palette, start + 1, start + 1 + width))
        self._keys = placed
        return Content.assemble(*parts)  # type: ignore[arg-type]

    def _shown_bindings(self) -> tuple[list[ShownKey], ShownKey | None]:
        """The shown bindings, the first of each action, and the command palette's."""
        app = self.app
        keys: list[ShownKey] = []
        actions: set[str] = set()
        palette = None
        for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items():
            if app.ENABLE_COMMAND_PALETTE and key == app.COMMAND_PALETTE_BINDING:
                palette = _shown(app.get_key_display(binding), binding, enabled, tooltip)
            elif binding.show and binding.action not in actions:
                actions.add(binding.action)
                keys.append(_shown(app.get_key_display(binding), binding, enabled, tooltip))
        return keys, palette

    def _key_at(self, x: int) -> ShownKey | None:
        return next((key for key in self._keys or [] if key.start <= x < key.end), None)

    def on_click(self, event: events.Click) -> None:
        """Press the key clicked, as typing it would; a bell for one that does nothing now."""
        key = self._key_at(event.x)
        if key is not None and key.enabled:
            self.app.simulate_key(key.key)
        elif key is not None:
            self.app.bell()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        """The tooltip of the key under the pointer (what it does, in full)."""
        key = self._key_at(event.x)
        self.tooltip = key.tooltip if key is not None and key.tooltip else None


_ENABLED, _DISABLED = Style(), Style(dim=True)


def _shown(display: str, binding: Binding, enabled: bool, tooltip: str) -> ShownKey:
    """A binding as the bar shows it (placed later: `_placed`)."""
    return ShownKey(binding.key, display, binding.description, binding.action, enabled, tooltip or binding.tooltip)


def _placed(key: ShownKey, start: int, end: int) -> ShownKey:
    return ShownKey(key.key, key.display, key.description, key.action, key.enabled, key.tooltip, start, end)
