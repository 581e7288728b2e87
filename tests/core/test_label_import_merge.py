"""An imported row merged into an entry is what `Annotation.from_dict` makes of the entry's values
with the row's fields on top (the row's values were checked when the line was read)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.label_import import _merged
from annotator.core.models import Annotation

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
names = st.sampled_from(("agree", "disagree"))
topics = st.lists(st.sampled_from(("t1", "t2", "t3")), max_size=3, unique=True).map(lambda chosen: tuple(sorted(chosen)))
notes = st.none() | st.sampled_from(("a note", "another"))
entries = st.builds(
    lambda stance, chosen, note, flagged, seconds, extra: Annotation(stance, chosen, note, flagged, seconds, None, extra),
    st.none() | names, topics, notes, st.booleans(), st.floats(0, 1e6, allow_nan=False), st.sampled_from(({}, {"x": 1})),
)
fields = st.fixed_dictionaries({}, optional={"stance": st.none() | names, "topics": topics, "note": notes,
                                             "flagged": st.booleans()})


@settings(max_examples=300)
@given(st.none() | entries, fields)
def test_a_merged_row_is_what_from_dict_makes_of_it(before: Annotation | None, row: dict) -> None:
    values = before.as_dict() if before is not None else {}
    values.update(row, updated=NOW)
    assert _merged(before, row, NOW) == Annotation.from_dict(values)
