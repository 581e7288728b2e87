"""The label schema: the shipped default, and an error naming file and key for each mistake."""

from __future__ import annotations

import re

from pathlib import Path

import pytest

from annotator.core.config import default_config_text, load_config, parse_config
from annotator.core.errors import AnnotatorError
from tests.conftest import REPO

STANCE = '[[stance]]\nname = "agree"\nkey = "a"\ndescription = "Yes."\n'


def test_repository_config_is_the_shipped_default() -> None:
    assert (REPO / "annotator.toml").read_text("utf-8") == default_config_text()
    schema = load_config(REPO).schema
    assert schema.stance_names == ("agree", "disagree", "mixed", "neutral")
    assert len(schema.topic_names) == 8
    assert "Stance" in schema.guidelines


def test_missing_file_uses_defaults_and_says_so(tmp_path: Path) -> None:
    loaded = load_config(tmp_path)
    assert loaded.path is None
    assert loaded.schema.stance_names[0] == "agree"
    assert [str(w) for w in loaded.warnings] == ["annotator.toml: warning: not found: using the default labels"]


def test_unknown_key_is_a_warning() -> None:
    schema, warnings = parse_config(STANCE.replace("[[stance]]", "colour = 'red'\n[[stance]]"), "annotator.toml")
    assert schema.stance_names == ("agree",)
    assert [str(w) for w in warnings] == ["annotator.toml:1: warning: unknown key 'colour' ignored"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (STANCE + STANCE.replace('key = "a"', 'key = "b"'), "annotator.toml: stance[1].name: 'agree' is already used by stance[0]"),
        (STANCE + STANCE.replace('"agree"', '"yes"'), "annotator.toml: stance[1].key: 'a' is already the key of stance[0]"),
        (STANCE + '[[topic]]\nname = "t"\nkey = "a"\n', "annotator.toml: topic[0].key: 'a' is already the key of stance[0]"),
        (STANCE.replace('key = "a"', 'key = "j"'), "annotator.toml: stance[0].key: a key the app does not already use, got 'j' "
         "(the key of 'next', Next comment; see `?` in the app)"),
        ('[keys]\nnext = "k"\n' + STANCE, "annotator.toml: keys.next: 'k' is already the key of 'previous' (Previous comment); "
         "give that action another key too, or choose another"),
        ('[keys]\nnext = "n"\n' + STANCE.replace('key = "a"', 'key = "n"'), "annotator.toml: stance[0].key: a key the app does "
         "not already use, got 'n' (the key of 'next', Next comment; see `?` in the app)"),
        ('[keys]\nnext = "n"\n' + STANCE.replace('key = "a"', 'key = "j"'), "annotator.toml: stance[0].key: a key the app does "
         "not already use, got 'j' (the default key of 'next', Next comment, which no label can take even when [keys] "
         "moves that action)"),
        ('[keys]\nnxt = "n"\n' + STANCE, "annotator.toml: keys.nxt: not an action of the app; expected one of next, previous,"),
        ('[keys]\nhelp = "tab"\n' + STANCE, "annotator.toml: keys.help: 'tab' is taken by Textual"),
        ('[keys]\nnote = []\n' + STANCE, 'annotator.toml: keys.note: a key or a list of keys, such as "n" or ["n", "down"]'),
        ('[keys]\nnote = 5\n' + STANCE, 'annotator.toml: keys.note: a key or a list of keys'),
        ('[keys]\nnote = "ctrl+alt+e"\n' + STANCE, "annotator.toml: keys.note: expected one character, a key name such as "
         "'down', 'pagedown', 'f2' or 'escape', or one of those after 'ctrl+' or 'shift+', got 'ctrl+alt+e'"),
        ('keys = "j"\n' + STANCE, "annotator.toml: keys: Input should be a valid dictionary, got 'j'"),
        (STANCE.replace('key = "a"', 'key = "ab"'), "annotator.toml: stance[0].key: a single printable character, got 'ab'"),
        (STANCE.replace('"agree"', '"strongly agree"'), "annotator.toml: stance[0].name: a label name of letters, digits"),
        (STANCE.replace('"agree"', '"say \\"yes\\""'), "annotator.toml: stance[0].name: a label name of letters, digits"),
        ("stance = []\n", "annotator.toml: stance: expected at least one [[stance]] label"),
        ('guidelines = "x"\n', "annotator.toml: stance: missing: this key is required"),
        (STANCE.replace("description", "colour"), "annotator.toml: stance[0].colour: unknown key"),
        (STANCE.replace('key = "a"', "key = 1"), "annotator.toml: stance[0].key: Input should be a valid string, got 1"),
        ("stance = [", "annotator.toml: not valid TOML"),
        (STANCE + "format = " + "1" * 5000 + "\n", "annotator.toml: not valid TOML: Exceeds the limit (4300 digits)"),
        (STANCE + '[assign]\nannotators = ["ada", "bob"]\noverlap = 3\n',
         ("annotator.toml: assign: overlap: 3 annotators per comment, but the plan lists only 2 (add annotators "
          "or lower the overlap)")),
        (STANCE + '[assign]\nannotators = ["ada"]\noverlap = 0\n',
         "annotator.toml: assign.overlap: expected a whole number of annotators per comment, 1 or more, got 0"),
        (STANCE + '[assign]\nannotators = []\n', "annotator.toml: assign.annotators: expected at least one annotator's name"),
        (STANCE + '[assign]\nannotators = ["ada", "ada"]\n', "annotator.toml: assign.annotators: 'ada' is listed twice"),
        (STANCE + '[assign]\nannotators = ["ada", "gold"]\n', ("annotator.toml: assign.annotators: 'gold' holds "
                                                            "the adjudicated labels")),
        (STANCE + '[assign]\nannotators = ["a b"]\n', ("annotator.toml: assign.annotators: annotator name "
                                                      "'a b': the name must use only letters")),
        (STANCE + '[assign]\nannotators = ["ada"]\nweights = { bob = 2 }\n',
         "annotator.toml: assign: weights.bob: 'bob' is not in assign.annotators"),
        (STANCE + '[assign]\nannotators = ["ada"]\nweights = { ada = 0 }\n',
         "annotator.toml: assign: weights.ada: expected a number above 0, got 0.0"),
        (STANCE + '[assign]\nannotators = ["ada"]\nweights = { ada = "0.5" }\n',
         "annotator.toml: assign.weights.ada: expected a number above 0, got '0.5'"),
        (STANCE + '[assign]\nannotators = ["ada"]\nweights = { ada = true }\n',
         "annotator.toml: assign.weights.ada: expected a number above 0, got True"),
        (STANCE + '[assign]\nannotators = ["ada"]\ncalibration = "ten"\n',
         ("annotator.toml: assign.calibration: expected a number of comments (the first N in seed order) or a list "
          "of comment ids, got 'ten'")),
        (STANCE + '[assign]\nannotators = ["ada"]\nk = 2\n',
         "annotator.toml: assign.k: unknown key (expected annotators, overlap, calibration, weights and salt)"),
        (STANCE + '[assign]\noverlap = 2\n', "annotator.toml: assign.annotators: missing: this key is required"),
    ],
)
def test_errors_name_file_and_key(text: str, message: str) -> None:
    """The message names the file, the line and the key; the line is one that writes that key,
    or its table's header."""
    with pytest.raises(AnnotatorError) as caught:
        parse_config(text, "annotator.toml")
    said = re.fullmatch(r"annotator\.toml:(\d+): (.*)", str(caught.value), re.DOTALL)
    if said is None:  # (no line to name: a key not written, or TOML's own error, which says where)
        assert str(caught.value).startswith(message) and ("missing" in message or "not valid TOML" in message)
        return
    assert f"annotator.toml: {said[2]}".startswith(message)
    line = text.splitlines()[int(said[1]) - 1]
    names = [name for part in said[2].split(": ")[:2] if re.fullmatch(r"[a-z_]+(\[\d+\])?(\.[a-z_]+)*", part)
             for name in re.findall(r"[a-z_]+", part)]
    assert any(re.search(rf"\b{name}\s*=", line) or line.strip("[] ") == name for name in names), (line, said[2])


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (STANCE + STANCE.replace('"agree"', '"yes"'), 7),  # stance[1].key
        (STANCE + '[assign]\nannotators = ["ada", "bob"]\n\noverlap = 3\n', 8),  # assign: overlap
        ('[keys]\nhelp = "f1"\nnext = "k"\n' + STANCE, 3),  # keys.next
        ('auto_advance = "no"\n' + STANCE, 1),
        (STANCE + '[target]\ntitle = "Q"\n\n\nurl = 3\n', 9),
        ('# a\u2028b (a line separator TOML takes in a comment)\n' + STANCE + STANCE.replace('"agree"', '"yes"'), 8),
        # lines of a multi-line string are not headers or keys, whatever they look like
        ('guidelines = """\n[assign]\noverlap = 1\n"""\n' + STANCE + '[assign]\nannotators = ["a"]\noverlap = 0\n', 11),
        ("guidelines = '''\n[[stance]]\nkey = 'x'\n'''\n" + STANCE + STANCE.replace('"agree"', '"yes"'), 11),
        ('guidelines = "# [assign]"\n' + STANCE + '[assign]\nannotators = ["a"]\n\noverlap = 0\n', 9),
        (STANCE + '[assign]\nannotators = ["a"]\n[assign.weights]\n\na = "2"\n', 9),  # the sub-table's key
    ],
)
def test_an_error_names_the_line_of_its_key(text: str, line: int) -> None:
    with pytest.raises(AnnotatorError) as caught:
        parse_config(text, "annotator.toml")
    assert str(caught.value).startswith(f"annotator.toml:{line}: ")


def test_keys_move_actions_and_free_their_old_keys() -> None:
    """`[keys]` gives actions other keys, and two actions can swap theirs."""
    text = '[keys]\nnext = ["n", "down"]\nprevious = "p"\nnote = "?"\nhelp = "f1"\n' + STANCE
    schema, warnings = parse_config(text, "annotator.toml")
    assert warnings == []
    assert schema.keymap.keys["next"] == ("n", "down")
    assert schema.keymap.keys["previous"] == ("p",)
    assert schema.keymap.keys["note"] == ("question_mark",)  # as Textual names the key
    assert schema.keymap.keys["flag"] == ("f",)  # not in [keys]: as before
    swapped, _ = parse_config('[keys]\nnext = "k"\nprevious = "j"\n' + STANCE, "annotator.toml")
    assert (swapped.keymap.keys["next"], swapped.keymap.keys["previous"]) == (("k",), ("j",))


def test_an_assign_plan_is_read() -> None:
    text = STANCE + '[assign]\nannotators = ["ada", "bob"]\noverlap = 2\ncalibration = ["x1"]\nsalt = "s"\n' \
        '[assign.weights]\nbob = 0.5\n'
    plan = parse_config(text, "annotator.toml")[0].assign
    assert plan is not None
    assert (plan.annotators, plan.overlap, plan.calibration, plan.salt) == (("ada", "bob"), 2, ("x1",), "s")
    assert (plan.weight("ada"), plan.weight("bob"), plan.calibration_count) == (1.0, 0.5, None)
    assert parse_config(STANCE, "annotator.toml")[0].assign is None
