"""Every label key that `validate` accepts works in the app: the screen binds Textual's name for
the key (`,` arrives as `comma`, `§` as `section_sign`), so punctuation labels are pressed like
letters. Before, `,` bound nothing at all (Textual splits a key list at commas) and the other
punctuation bound a name no key event carries."""

from __future__ import annotations

import json
import string
import sys

from textual.keys import _character_to_key

from annotator.core.keymap import DEFAULT_KEYMAP, key_name, label_key_problem
from tests.conftest import make_project
from tests.tui.conftest import disk_entry, ready, settled

PUNCTUATION = [char for char in string.punctuation
               if label_key_problem(char) is None and DEFAULT_KEYMAP.label_key_problem(char) is None]
STANCE_KEYS = [",", "."]
TOPIC_KEYS = [char for char in PUNCTUATION if char not in STANCE_KEYS] + ["§", "€", "é", "Ж"]


def label_name(kind: str, key: str) -> str:
    return f"{kind}-u{ord(key):04x}"  # (a label name is ASCII letters, digits and '-_.')


def config(stance_keys: list[str], topic_keys: list[str]) -> str:
    tables = [
        f"[[{kind}]]\nname = {json.dumps(label_name(kind, key))}\nkey = {json.dumps(key)}\n"
        f"description = {json.dumps('the ' + key + ' key')}\n"
        for kind, keys in (("stance", stance_keys), ("topic", topic_keys))
        for key in keys
    ]
    return "\n".join(tables)


def test_every_ascii_punctuation_key_but_the_apps_own_is_allowed() -> None:
    assert sorted(set(string.punctuation) - set(PUNCTUATION)) == ["/", ":", "<", "=", ">", "?"]


def test_our_key_names_are_textuals() -> None:
    """`key_name` (in the core, which never imports Textual) names each key as Textual does."""
    different = [
        (char, key_name(char), _character_to_key(char))
        for char in map(chr, range(0x20, min(sys.maxunicode, 0x2FFFF) + 1))
        if label_key_problem(char) is None and key_name(char) != _character_to_key(char)
    ]
    assert different == []


async def test_each_punctuation_key_sets_its_label_on_disk(make_app, tmp_path) -> None:
    root = make_project(tmp_path / "project", config=config(STANCE_KEYS, TOPIC_KEYS))
    app = make_app(root=root)
    async with app.run_test() as pilot:
        await ready(pilot)
        for key in STANCE_KEYS:
            await pilot.press(key)
            await settled(pilot)
            assert disk_entry(app, 0).stance == label_name("stance", key), key
        for key in TOPIC_KEYS:
            await pilot.press(key)
        await settled(pilot)
        assert disk_entry(app, 0).topics == tuple(sorted(label_name("topic", key) for key in TOPIC_KEYS))
        await pilot.press(*TOPIC_KEYS[:3])  # pressed again: off
        await settled(pilot)
        assert disk_entry(app, 0).topics == tuple(sorted(label_name("topic", key) for key in TOPIC_KEYS[3:]))
