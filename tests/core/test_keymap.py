"""How keys are written for people, in the help, the palette and the hints on screen."""

from __future__ import annotations

import string

import pytest

from annotator.core.keymap import ACTION_KEYS, key_label, key_name, parse_key


@pytest.mark.parametrize(("key", "shown"), [
    ("question_mark", "?"), ("circumflex_accent", "^"), ("equals_sign", "="), ("ctrl+comma", "ctrl+,"),
    ("escape", "Esc"), ("space", "space"), ("down", "down"), ("f2", "f2"), ("ctrl+o", "ctrl+o"), ("N", "N"),
])
def test_a_key_is_written_as_typed(key: str, shown: str) -> None:
    assert key_label(key) == shown


def test_every_punctuation_key_reads_back_as_its_character() -> None:
    for char in string.punctuation:
        assert key_label(parse_key(char)) == char
        assert key_label(f"ctrl+{key_name(char)}") == f"ctrl+{char}"


def test_the_default_keys_are_written_without_textual_names() -> None:
    shown = {key_label(key) for keys in ACTION_KEYS.values() for key in keys}
    assert not any("_" in key for key in shown), shown
