"""The entry type: what it normalizes, and what `from_dict` refuses, field by field."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, date, datetime

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from annotator.core.models import Annotation, InvalidEntry, excerpt, excerpts, one_line


def test_equal_sets_of_topics_are_equal_entries() -> None:
    assert Annotation(topics=["scaling", "code"]) == Annotation(topics=("code", "scaling"))
    assert Annotation(topics=("scaling", "code")).topics == ("code", "scaling")


def test_an_empty_note_is_no_note_and_whole_seconds_are_numbers() -> None:
    entry = Annotation(note="", seconds=3)
    assert entry.note is None
    assert entry.seconds == 3.0 and isinstance(entry.seconds, float)
    assert entry.is_empty is False  # the time spent is worth keeping


def test_from_dict_keeps_unknown_keys_and_rounds_seconds_to_the_file_resolution() -> None:
    entry = Annotation.from_dict({"stance": "agree", "seconds": 41.46, "confidence": 0.8})
    assert entry.extra == {"confidence": 0.8}
    assert entry.seconds == 41.5
    assert Annotation.from_dict(entry.as_dict()) == entry


@pytest.mark.parametrize(
    ("values", "problems"),
    [
        ({"stance": 3}, [("stance", "expected text, got 3")]),
        ({"topics": "x"}, [("topics", "expected a list of topic names, got 'x'")]),
        ({"topics": ["a", 2]}, [("topics.1", "expected text, got 2")]),
        ({"note": ["x"]}, [("note", "expected text, got list")]),
        ({"flagged": 1}, [("flagged", "expected true or false, got 1")]),
        ({"seconds": True}, [("seconds", "expected a number, got True")]),
        ({"seconds": -1}, [("seconds", "expected a number of seconds, 0 or more, got -1.0")]),
        ({"seconds": math.nan}, [("seconds", "expected a number of seconds, 0 or more, got nan")]),
        ({"seconds": math.inf}, [("seconds", "expected a number of seconds, 0 or more, got inf")]),
        ({"updated": date(2026, 1, 1)}, [("updated", "expected a date and time, got 2026-01-01 (a date alone)")]),
        ({"stance": None, "updated": datetime(2026, 1, 1, tzinfo=UTC)}, []),
    ],
)
def test_from_dict_names_each_field_of_the_wrong_type(values: dict, problems: list) -> None:
    if not problems:
        assert Annotation.from_dict(values).updated == values["updated"]
        return
    with pytest.raises(InvalidEntry) as caught:
        Annotation.from_dict(values)
    assert caught.value.problems == problems


@given(st.text(st.sampled_from(" \t\n\r\x1b\u202ea-é") | st.characters(), max_size=600), st.integers(1, 120))
def test_an_excerpt_is_the_start_of_the_whole_text_on_one_line(text: str, length: int) -> None:
    flat = one_line(text)  # what `excerpt` reads only as much of as it needs
    assert excerpt(text, length) == (flat if len(flat) <= length else flat[: length - 1].rstrip() + "…")


def texts_near(length: int) -> st.SearchStrategy[list[str]]:
    """Texts of about `length` characters (where an excerpt is cut), and any others."""
    plain, odd = (st.text(st.sampled_from(alphabet), min_size=max(0, length - 2), max_size=length + 4)
                  for alphabet in ("ab ", "ab  \n\x00é"))
    return st.lists(plain | plain.map(" {}".format) | odd | st.text(max_size=160), max_size=8)


@settings(max_examples=300)
@given(st.integers(1, 120).flatmap(lambda length: st.tuples(st.just(length), texts_near(length))))
@example((70, [" " + "x" * 80, "x" * 70 + " ", "x" * 71 + " ", "x" * 70 + " \n", "x" * 69 + " y", "x" * 30 + "  " + "x" * 50]))
def test_excerpts_of_many_texts_are_the_excerpt_of_each(case: tuple[int, list[str]]) -> None:
    length, texts = case
    assert excerpts(texts, length) == [excerpt(text, length) for text in texts]


@given(st.text(st.sampled_from(" \t\n\u00a0\u2028\x1c\x85\x1b\u202ea-é") | st.characters(), max_size=200))
def test_one_line_joins_whitespace_runs_and_drops_control_characters(text: str) -> None:
    joined = re.sub(r"\s+", " ", text).strip()  # the rule, written plainly (no quick path for plain text)
    kept = "".join(ch for ch in joined if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn"})
    assert one_line(text) == kept


def test_one_line_of_plain_text_is_the_text_stripped() -> None:
    assert one_line("  plain text, one space  apart ") == "plain text, one space apart"
    assert one_line(" plain text ") == "plain text"
    assert one_line("a\u00a0b\u2028c") == "a b c"  # (other spaces are not printable: the slow path joins them)
