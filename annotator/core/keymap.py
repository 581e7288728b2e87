"""The app's fixed keys: one place that names every action, its keys and what it does.

The TUI builds its bindings from this table and the config checks label shortcuts against it,
so a stance or topic key can never shadow navigation. Keys use Textual's key names.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KeyAction:
    """One action of the main screen: a stable id, its keys, and a short description."""

    id: str
    keys: tuple[str, ...]
    description: str
    footer: str = ""  # a word or two for the footer; empty: not shown there (eight at most)


ACTIONS: tuple[KeyAction, ...] = (
    KeyAction("next", ("j", "down"), "Next comment", footer="Next"),
    KeyAction("previous", ("k", "up"), "Previous comment"),
    KeyAction("next_unlabeled", ("space",), "Next unlabeled comment", footer="Unlabeled"),
    # Control keys: every terminal sends them as one byte, over SSH and through tmux, and no label
    # key (one printable character) can take them. `less` and vim scroll with them too.
    KeyAction("read_down", ("ctrl+d",), "Read on: scroll the comment down a page", footer="Read on"),
    KeyAction("read_up", ("ctrl+u",), "Scroll the comment back up a page"),
    KeyAction("first", ("g", "home"), "First comment"),
    KeyAction("last", ("G", "end"), "Last comment"),
    KeyAction("page_down", ("pagedown",), "Page down"),
    KeyAction("page_up", ("pageup",), "Page up"),
    KeyAction("goto", ("colon",), "Jump to a comment by id"),
    KeyAction("note", ("e",), "Edit the note (Escape leaves it)", footer="Note"),
    KeyAction("flag", ("f",), "Flag for later, or unflag", footer="Flag"),
    KeyAction("search", ("slash",), "Search the text and filter the list", footer="Search"),
    KeyAction("filter", ("v",), "Filter: all, mine (with a plan), unlabeled, labeled, flagged, a stance, a topic"),
    KeyAction("clear_filter", ("escape",), "Clear the search and filter"),
    KeyAction("undo", ("u", "ctrl+z"), "Undo the last label change", footer="Undo"),
    KeyAction("redo", ("U", "ctrl+y"), "Redo"),
    KeyAction("review", ("r",), "Review mode: other annotators' labels beside the comment; 1-9 accept one into gold"),
    KeyAction("accept_unanimous", ("Y",), "Review: accept every comment all annotators agree on into gold (asks first)"),
    KeyAction("session", ("ctrl+t",), "This session: comments labeled, the pace per hour, the time on this comment"),
    KeyAction("auto_advance", ("A",), "Auto-advance to the next unlabeled after a stance: on/off"),
    KeyAction("help", ("question_mark",), "Help: keys, guidelines, labels", footer="Help"),
    KeyAction("quit", ("ctrl+q",), "Quit (every change is saved)"),
)

ACTION_KEYS: dict[str, tuple[str, ...]] = {action.id: action.keys for action in ACTIONS}

# Keys that a label shortcut may not take: the actions above, plus what Textual itself reserves.
RESERVED_KEYS: frozenset[str] = frozenset(
    key for action in ACTIONS for key in action.keys
) | frozenset({"tab", "shift+tab", "enter", "ctrl+p", "ctrl+c"})

# Textual names the key of a character that is not a letter or digit by its Unicode name, lower
# case, with '_' for spaces and '-' ("," is `comma`, "§" `section_sign`), and shortens these.
_SHORTER_NAMES = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}


def key_name(char: str) -> str:
    """Textual's name for the key that types `char` (a letter or digit names itself): what a
    binding must name, since a key event carries that name (`,` arrives as `comma`)."""
    if char.isalnum():
        return char
    try:
        name = unicodedata.name(char).lower().replace("-", "_").replace(" ", "_")
    except ValueError:  # (no printable character lacks a name)
        return char
    return _SHORTER_NAMES.get(name, name)


def label_key_problem(key: str) -> str | None:
    """Why `key` cannot be the one-character shortcut of a label in the app, or None if it can."""
    if len(key) != 1 or not key.isprintable() or key.isspace():
        return f"a single printable character, got {key!r}"
    if unicodedata.category(key).startswith("M"):
        return (f"a character that a key types on its own, got {key!r} (U+{ord(key):04X} is a combining mark, "
                "drawn on the character before it)")
    if key_name(key) in RESERVED_KEYS:
        return f"a key the app does not already use, got {key!r} (see `?` in the app)"
    return None
