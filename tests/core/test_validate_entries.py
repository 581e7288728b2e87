"""`check_entries` finds the entries worth a look a column at a time: it reports exactly what
checking every entry one by one reports, in the same order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.config import Label, Schema
from annotator.core.labels import LabelFile
from annotator.core.models import Annotation, Comment
from annotator.core.seeds import Corpus
from annotator.core.validate import _entry_problems, check_entries

SCHEMA = Schema(
    stance=tuple(Label(name, name[0]) for name in ("agree", "disagree")),
    topic=tuple(Label(name, str(index)) for index, name in enumerate(("t1", "t2"), 1)),
)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
IDS = [f"c{index}" for index in range(10)]
CORPUS = Corpus(tuple(Comment(cid, f"text {cid}", "seeds/a.txt", 1) for cid in IDS[:7]),
                {cid: Comment(cid, f"text {cid}", "seeds/a.txt", 1) for cid in IDS[:7]})

times = st.none() | st.sampled_from([
    NOW - timedelta(days=1), NOW + timedelta(minutes=4), NOW + timedelta(hours=1),
    (NOW + timedelta(hours=1)).replace(tzinfo=None), (NOW - timedelta(hours=1)).replace(tzinfo=None),
])
entries = st.builds(
    lambda stance, topics, updated, extra: Annotation(stance, topics, None, False, 0.0, updated, extra),
    st.none() | st.sampled_from(("agree", "disagree", "sarcastic")),
    st.lists(st.sampled_from(("t1", "t2", "t9")), max_size=3),
    times,
    st.sampled_from(({}, {"conflict": {"fields": ["stance"]}}, {"other": 1})),
)


@settings(max_examples=300)
@given(st.dictionaries(st.sampled_from(IDS), entries), st.booleans(), st.booleans())
def test_checking_by_columns_reports_what_checking_each_entry_reports(labels, with_schema, with_corpus) -> None:
    store = LabelFile("alice", "annotations/alice.toml", labels, {cid: 4 for cid in labels}, {}, [])
    schema, corpus = (SCHEMA if with_schema else None), (CORPUS if with_corpus else None)
    one_by_one = [problem for cid in labels for problem in _entry_problems(store, cid, schema, corpus, NOW)]
    assert check_entries(store, schema, corpus, NOW) == one_by_one
