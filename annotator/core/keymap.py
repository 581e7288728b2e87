"""The app's keys: one place that names every action, its default keys and what it does.

The TUI builds its bindings from this table (binding ids `main.<action id>`), and a project can
give any action other keys in the `[keys]` table of `annotator.toml`: `Keymap` is the result,
checked so that no two actions share a key and no stance or topic key shadows one. Keys use
Textual's key names.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Mapping, Sequence
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
    KeyAction("goto", ("colon",), "Jump to a comment: its id, a start of it, or #N"),
    # What the comment replies to (its target), shown above it. ctrl+o goes back as in vim's jump list.
    KeyAction("parent", ("P",), "Jump to the parent: the comment this one replies to"),
    KeyAction("jump_back", ("ctrl+o",), "Back to where you were before a jump (P or :)"),
    KeyAction("toggle_target", ("C",), "Collapse or expand the target above the comment"),
    KeyAction("read_target", ("ctrl+e",), "Scroll the target a page (at its end: to the top)"),
    KeyAction("note", ("e",), "Edit the note (Escape leaves it)", footer="Note"),
    KeyAction("flag", ("f",), "Flag for later, or unflag", footer="Flag"),
    KeyAction("search", ("slash",), "Search the text and filter the list", footer="Search"),
    KeyAction("filter", ("v",), "Filter: mine, unlabeled, flagged, conflicts, labels"),
    KeyAction("clear_filter", ("escape",), "Clear the search and filter"),
    KeyAction("threads", ("T",), "Thread order (replies indented), or seed order"),
    KeyAction("undo", ("u", "ctrl+z"), "Undo the last label change", footer="Undo"),
    KeyAction("redo", ("U", "ctrl+y"), "Redo"),
    KeyAction("review", ("r",), "Review mode: all annotators' labels, notes and flags"),
    # Adjudication and merge conflicts use punctuation no label key may take (see RESERVED_KEYS).
    KeyAction("take", ("equals_sign",), "Review: into gold, one annotator's labels or field"),
    KeyAction("accept_unanimous", ("Y",), "Review: accept all unanimous into gold (asks first)"),
    KeyAction("keep_ours", ("less_than_sign",), "Conflict: keep ours in the next clashing field"),
    KeyAction("take_theirs", ("greater_than_sign",), "Conflict: take theirs in the next clashing field"),
    KeyAction("session", ("ctrl+t",), "This session: labeled, pace, time on this comment"),
    KeyAction("auto_advance", ("A",), "After a stance, go to the next unlabeled: on/off"),
    KeyAction("help", ("question_mark",), "Help: keys, guidelines, labels", footer="Help"),
    KeyAction("quit", ("ctrl+q",), "Quit (every change is saved)"),
)

ACTION_KEYS: dict[str, tuple[str, ...]] = {action.id: action.keys for action in ACTIONS}

# Keys that Textual itself takes (focus, the command palette, interrupt): no action or label gets them.
TEXTUAL_KEYS = frozenset({"tab", "shift+tab", "enter", "ctrl+p", "ctrl+c"})

# Keys that a label shortcut may not take with the default keys: the actions above and Textual's.
RESERVED_KEYS: frozenset[str] = frozenset(key for action in ACTIONS for key in action.keys) | TEXTUAL_KEYS

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
    return None


# Keys with a name of their own, as Textual names them; `ctrl+` or `shift+` may stand before them.
NAMED_KEYS = frozenset(
    {"up", "down", "left", "right", "home", "end", "pageup", "pagedown", "insert", "delete", "backspace",
     "escape", "space", "tab", "enter", *(f"f{number}" for number in range(1, 25))}
)
_CHARACTER_NAMES = frozenset(key_name(char) for char in string.ascii_letters + string.digits + string.punctuation)
_PUNCTUATION = {key_name(char): char for char in string.punctuation}  # `circumflex_accent`: `^`


def key_label(key: str) -> str:
    """How a Textual key name is written for people: `?` for `question_mark`, `ctrl+,` for
    `ctrl+comma`, `Esc` for `escape`; other names as they are (`down`, `f2`, `space`)."""
    *modifiers, base = key.split("+")
    return "+".join([*modifiers, "Esc" if base == "escape" else _PUNCTUATION.get(base, base)])


def parse_key(text: str) -> str:
    """Textual's name for a key written in `[keys]`: a character (`n`, `?`), a named key (`down`,
    `f2`, `question_mark`), or either after `ctrl+` or `shift+` (`ctrl+n`). ValueError says why not."""
    if len(text) == 1 and text.isprintable() and not text.isspace():
        return key_name(text)
    *modifiers, base = text.split("+") if text != "+" else [text]
    if base not in NAMED_KEYS and base not in _CHARACTER_NAMES or len(modifiers) > 1 or any(
        modifier not in ("ctrl", "shift") for modifier in modifiers
    ):
        raise ValueError(
            f"expected one character, a key name such as 'down', 'pagedown', 'f2' or 'escape', or one of "
            f"those after 'ctrl+' or 'shift+', got {text[:20]!r}{'…' if len(text) > 20 else ''}"
        )
    return text


def bindable(key: str) -> bool:
    """Whether `[keys]` can give an action the key Textual names `key`."""
    try:
        return parse_key(key) == key and key not in TEXTUAL_KEYS
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Keymap:
    """The keys of every action, the defaults with a project's `[keys]` applied."""

    keys: Mapping[str, tuple[str, ...]]  # action id -> keys, in the order given (the first is shown)

    @classmethod
    def with_changes(cls, changes: Mapping[str, Sequence[str]]) -> Keymap:
        """The default keys, with the actions in `changes` given those keys instead (Textual names,
        see `parse_key`). ValueError (naming the action) for an unknown action, or a key that two
        actions or Textual would share."""
        for action_id in changes:
            if action_id not in ACTION_KEYS:
                raise ValueError(f"{action_id}: not an action of the app; expected one of "
                                 f"{', '.join(ACTION_KEYS)} (see `?` in the app)")
        keys = {action_id: tuple(changes.get(action_id, default)) for action_id, default in ACTION_KEYS.items()}
        owner: dict[str, str] = {}
        for action_id in sorted(keys, key=lambda action_id: action_id in changes):  # the changed ones last
            for key in keys[action_id]:
                if key in TEXTUAL_KEYS:
                    raise ValueError(f"{action_id}: {key!r} is taken by Textual (focus, the command palette or "
                                     "interrupt); choose another key")
                if key in owner:
                    raise ValueError(f"{action_id}: {key!r} is already the key of {owner[key]!r} "
                                     f"({DESCRIPTIONS[owner[key]]}); give that action another key too, or "
                                     "choose another")
                owner[key] = action_id
        return cls(keys)

    @property
    def reserved(self) -> dict[str, str]:
        """Every key an action has, with its action id: a label shortcut may not take one."""
        return {key: action_id for action_id, keys in self.keys.items() for key in keys}

    def shown(self, action_id: str) -> str:
        """The key a hint names for `action_id`: its first, as written for people."""
        return key_label(self.keys[action_id][0])

    def label_key_problem(self, key: str) -> str | None:
        """Why `key` (a valid shortcut, see `label_key_problem`) clashes with an action, or None.
        A default key stays reserved when `[keys]` moves its action: Textual applies a keymap by
        dropping every binding of the moved action's old keys, a label's with them."""
        name = key_name(key)
        if name in TEXTUAL_KEYS:
            return f"a key the app does not already use, got {key!r} (Textual takes it)"
        action_id = self.reserved.get(name)
        if action_id is not None:
            return (f"a key the app does not already use, got {key!r} (the key of {action_id!r}, "
                    f"{DESCRIPTIONS[action_id]}; see `?` in the app)")
        action_id = next((action_id for action_id, keys in ACTION_KEYS.items() if name in keys), None)
        if action_id is not None:
            return (f"a key the app does not already use, got {key!r} (the default key of {action_id!r}, "
                    f"{DESCRIPTIONS[action_id]}, which no label can take even when [keys] moves that action)")
        return None


DESCRIPTIONS: dict[str, str] = {action.id: action.description for action in ACTIONS}
DEFAULT_KEYMAP = Keymap(ACTION_KEYS)
