"""Thread order: roots in seed order, each followed by its replies depth first; cycles, missing
and self parents become roots; long chains need no recursion."""

from __future__ import annotations

import zlib

from hypothesis import given
from hypothesis import strategies as st

from annotator.core.models import Comment
from annotator.core.threads import thread_order


def corpus(*links: tuple[str, str | None]) -> list[Comment]:
    """Comments from (id, parent) pairs, in seed order."""
    return [Comment(id_, f"text of {id_}", "seeds/t.jsonl", line, parent=parent)
            for line, (id_, parent) in enumerate(links, 1)]


def ids(comments: list[Comment], positions) -> list[str]:
    return [comments[position].id for position in positions]


def test_replies_follow_their_parent_depth_first_siblings_in_seed_order() -> None:
    comments = corpus(("r1", None), ("r2", ""), ("a", "r1"), ("b", "a"), ("c", "r1"), ("d", "r2"), ("e", "b"))
    threads = thread_order(comments)
    assert ids(comments, threads.order) == ["r1", "a", "b", "e", "c", "r2", "d"]
    assert dict(zip(ids(comments, list(range(7))), threads.depth)) == {
        "r1": 0, "r2": 0, "a": 1, "b": 2, "c": 1, "d": 1, "e": 3}
    assert [threads.rank[position] for position in threads.order] == list(range(7))
    assert threads.replies == 5


def test_a_reply_listed_before_its_parent_still_comes_after_it() -> None:
    comments = corpus(("late", "root"), ("other", None), ("root", None))
    assert ids(comments, thread_order(comments).order) == ["other", "root", "late"]


def test_a_parent_not_in_the_corpus_and_a_self_parent_make_roots() -> None:
    comments = corpus(("x", "gone"), ("s", "s"), ("a", "x"))
    threads = thread_order(comments)
    assert ids(comments, threads.order) == ["x", "a", "s"]
    assert list(threads.depth) == [0, 0, 1]
    assert list(threads.parent) == [-1, -1, 0]


def test_a_cycle_makes_its_first_comment_in_seed_order_a_root() -> None:
    comments = corpus(("a", "b"), ("b", "a"), ("c", None))
    threads = thread_order(comments)
    assert ids(comments, threads.order) == ["a", "b", "c"]
    assert list(threads.depth) == [0, 1, 0]


def test_a_longer_cycle_entered_from_outside_keeps_every_comment_once() -> None:
    # t -> p -> q -> r -> p: the cycle p, q, r; its first comment in seed order (q) becomes the root.
    comments = corpus(("t", "p"), ("q", "r"), ("r", "p"), ("p", "q"), ("u", "u"))
    threads = thread_order(comments)
    assert ids(comments, threads.order) == ["q", "p", "t", "r", "u"]
    assert dict(zip(ids(comments, list(range(5))), threads.depth)) == {"q": 0, "p": 1, "t": 2, "r": 2, "u": 0}


def test_no_replies_is_the_seed_order() -> None:
    comments = corpus(("a", None), ("b", "missing"), ("c", None))
    threads = thread_order(comments)
    assert list(threads.order) == [0, 1, 2] and list(threads.depth) == [0, 0, 0] and threads.replies == 0
    assert list(thread_order([]).order) == []


def test_a_chain_of_ten_thousand_replies_needs_no_recursion() -> None:
    count = 10_000
    chain = corpus(*((f"c{n}", f"c{n - 1}" if n else None) for n in range(count)))
    backwards = corpus(*((f"c{n}", f"c{n + 1}" if n < count - 1 else None) for n in range(count)))
    loop = corpus(*((f"c{n}", f"c{(n + 1) % count}") for n in range(count)))  # one cycle through all
    assert thread_order(chain).depth[-1] == count - 1
    assert list(thread_order(backwards).order) == list(range(count - 1, -1, -1))
    threads = thread_order(loop)
    assert list(threads.order) == [0, *range(count - 1, 0, -1)] and threads.depth[1] == count - 1


links = st.integers(0, 40).flatmap(
    lambda count: st.lists(st.one_of(st.none(), st.integers(0, count + 3).map(lambda n: f"c{n}")),
                           min_size=count, max_size=count))


@given(links)
def test_thread_order_is_a_permutation_with_replies_after_parents_and_threads_contiguous(parents_: list) -> None:
    comments = corpus(*((f"c{n}", parent) for n, parent in enumerate(parents_)))
    threads = thread_order(comments)
    up = threads.parent
    count = len(comments)
    assert sorted(threads.order) == list(range(count))
    assert all(threads.rank[position] == row for row, position in enumerate(threads.order))
    for position in range(count):
        if up[position] == -1:
            assert threads.depth[position] == 0
        else:
            assert threads.rank[up[position]] < threads.rank[position]
            assert threads.depth[position] == threads.depth[up[position]] + 1
            # a link kept is the seed's own: the parent named, in the corpus, not itself
            assert comments[up[position]].id == comments[position].parent != comments[position].id
    # Each comment's thread (its subtree) is one contiguous run of rows starting at the comment.
    size = [1] * count
    for position in reversed(threads.order):
        if up[position] != -1:
            size[up[position]] += size[position]
    for position in range(count):
        run = threads.order[threads.rank[position]: threads.rank[position] + size[position]]
        assert all(_under(up, member, position) for member in run)
    # Roots keep seed order.
    roots = [position for position in threads.order if up[position] == -1]
    assert roots == sorted(roots)


def _under(up: list[int], member: int, ancestor: int) -> bool:
    while member != -1:
        if member == ancestor:
            return True
        member = up[member]
    return False


def test_the_order_comes_back_from_what_it_stored_and_a_damaged_entry_is_refused() -> None:
    from annotator.core.threads import Threads

    comments = corpus(("r", None), ("a", "r"), ("b", "a"), ("c", "r"), ("s", None))
    threads = thread_order(comments)
    assert Threads.from_stored(threads.stored(), len(comments)) == threads
    version, crc, order, depth, rank, parent = threads.stored()
    swapped = order[8:16] + order[:8] + order[16:]  # (rank no longer its inverse)
    for damaged in [(version + 1, crc, order, depth, rank, parent), (version, crc, order[:-1], depth, rank, parent),
                    (version, crc, swapped, depth, rank, parent), (version, crc, order, depth, rank, b"\xff" * len(parent)),
                    ("threads",), None]:
        assert Threads.from_stored(damaged, len(comments)) is None
    assert Threads.from_stored(threads.stored(), len(comments) + 1) is None
