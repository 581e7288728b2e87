"""The JSONL record written field by field is byte for byte what the JSON encoder writes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.export import _json_line, comment_record, record_line
from annotator.core.models import Comment
from annotator.core.resolve import Decision

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
ascii_text = st.text(st.characters(min_codepoint=0, max_codepoint=127), max_size=30)
some_text = ascii_text | text
names = st.lists(some_text, max_size=3).map(tuple)

comments = st.builds(
    Comment, id=some_text, text=some_text, source=some_text, line=st.integers(1, 10**7),
    author=st.none() | some_text, url=st.none() | some_text, parent=st.none() | some_text, meta=st.just({}),
)
decisions = st.builds(
    Decision, stance=st.none() | some_text, stance_tie=names, topics=names, topics_tie=names,
    note=st.none() | some_text, flagged=st.booleans(),
    seconds=st.floats(min_value=0, max_value=1e12, allow_nan=False).map(lambda s: round(s, 1)),
    decided_by=st.none() | some_text,
)


@settings(max_examples=400)
@given(comments, decisions)
def test_a_record_line_is_what_the_json_encoder_writes(comment: Comment, decision: Decision) -> None:
    assert record_line(comment, decision) == _json_line(comment_record(comment, decision))
