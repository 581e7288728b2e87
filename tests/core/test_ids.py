"""Finding a comment by its whole id, a unique start of it, or a position."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.core.ids import IdIndex, IdLookupError

IDS = ("c10", "c1", "b7", "c11", "c12", "c13", "c14", "c15", "#2", "a[/b]")


def find(typed: str, positions: bool = False, ids: tuple[str, ...] = IDS) -> str:
    return IdIndex(ids).find(typed, positions)


def failure(typed: str, positions: bool = False) -> IdLookupError:
    with pytest.raises(IdLookupError) as caught:
        find(typed, positions)
    return caught.value


def test_a_whole_id_wins_over_longer_ids_it_starts() -> None:
    assert find("c1") == "c1"


def test_a_unique_start_names_its_comment() -> None:
    assert (find("b"), find("a[/"), find("c10")) == ("b7", "a[/b]", "c10")


def test_a_start_shared_by_several_lists_the_first_few_in_order() -> None:
    error = failure("c")
    assert (error.count, error.candidates) == (7, ("c1", "c10", "c11", "c12", "c13"))
    assert str(error) == "7 comment ids start with 'c': 'c1', 'c10', 'c11', 'c12', 'c13' and 2 more\n  (type more of the id)"


def test_a_few_candidates_are_all_named() -> None:
    with pytest.raises(IdLookupError) as caught:
        find("ab", ids=("ab1", "ab2", "abx"))
    assert caught.value.describe(str) == "3 comment ids start with ab: ab1, ab2, abx"


def test_nothing_starts_so() -> None:
    error = failure("zz")
    assert (str(error), error.describe(str)) == ("no comment id starts with 'zz'", "no comment id starts with zz")


def test_positions_count_from_one_in_seed_order() -> None:
    assert (find("#1", positions=True), find("#10", positions=True)) == ("c10", "a[/b]")
    assert find("#2", positions=True) == "#2"  # an id wins over a position
    assert str(failure("#11", positions=True)) == "no comment at #11: the positions run from #1 to #10"
    assert str(failure("#0", positions=True)) == "no comment at #0: the positions run from #1 to #10"
    with pytest.raises(IdLookupError, match="there are no comments"):
        find("#1", positions=True, ids=())


def test_without_positions_a_hash_is_a_prefix() -> None:
    assert find("#") == "#2"
    assert str(failure("#1")) == "no comment id starts with '#1'"


@given(st.lists(st.text("ab\U0010ffff", max_size=4), unique=True), st.text("ab\U0010ffff", max_size=3))
def test_agrees_with_a_scan(ids: list[str], typed: str) -> None:
    matching = sorted(value for value in ids if value.startswith(typed))
    try:
        found = IdIndex(ids).find(typed)
    except IdLookupError as error:
        assert typed not in ids and len(matching) != 1
        assert (error.count, error.candidates) == (len(matching), tuple(matching[:5]))
    else:
        assert found == typed if typed in ids else matching == [found]
