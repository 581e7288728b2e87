"""Thread order: each root comment followed by its replies, depth first, siblings in seed order.

A root is a comment whose `parent` is empty, names no comment of the corpus, or names itself. Parent
links can form a cycle (a replies to b, b replies to a): the cycle's first comment in seed order is
then taken as a root, and the others hang under it. Computed once per corpus, in linear time and
without recursion (a chain of replies may be as long as the corpus).
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from operator import attrgetter, eq, ne

from annotator.core.models import Comment

_NEW, _ON_PATH, _DONE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Threads:
    """The corpus in thread order.

    `order` lists corpus positions in thread order. Indexed by corpus position: `parent`, the
    position of the comment it replies to (-1 for a root), `depth`, how many replies deep it is
    (0 for a root), and `rank`, its place in `order`. (Arrays of machine integers: a walk in
    thread order jumps all over them, and those are faster to reach than lists of Python ints.)
    """

    order: array[int]
    depth: array[int]
    rank: array[int]
    parent: array[int]

    @property
    def replies(self) -> int:
        """How many comments reply to another comment of the corpus."""
        return len(self.depth) - self.depth.count(0)

    def stored(self) -> tuple:
        """The arrays as bytes, with their CRC-32, for the parse cache (`annotator.core.cache`);
        `from_stored` reads them."""
        parts = (self.order.tobytes(), self.depth.tobytes(), self.rank.tobytes(), self.parent.tobytes())
        return (STORED_VERSION, _crc(parts), *parts)

    @classmethod
    def from_stored(cls, value: object, count: int) -> Threads | None:
        """The order `stored` gave, for a corpus of `count` comments; None when `value` is not
        one (another version, another size, a damaged entry: its CRC is checked, as the parse
        cache's other entries)."""
        if not (isinstance(value, tuple) and len(value) == 6 and value[0] == STORED_VERSION
                and all(isinstance(part, bytes) for part in value[2:]) and value[1] == _crc(value[2:])):
            return None
        arrays = []
        for data in value[2:]:
            part = array("l")
            if len(data) != count * part.itemsize:
                return None
            part.frombytes(data)
            arrays.append(part)
        return cls(*arrays)


def _crc(parts: tuple[bytes, ...]) -> int:
    crc = 0
    for part in parts:
        crc = zlib.crc32(part, crc)
    return crc


STORED_VERSION = 1


def thread_order(
    comments: Sequence[Comment], index: Mapping[str, int] | None = None, parents: Sequence[str | None] | None = None
) -> Threads:
    """The comments in thread order: each root in seed order, then its replies depth first,
    replies to one comment in seed order. `index` maps ids to positions, and `parents` gives
    each comment's parent, if the caller has them."""
    if index is None:
        index = {comment.id: position for position, comment in enumerate(comments)}
    count = len(comments)
    if parents is None:
        parents = list(map(attrgetter("parent"), comments))
    # (map loops in C. No id is "" or None, so a comment without a parent finds -1 too.)
    parent = array("l", map(index.get, parents, repeat(-1)))
    if parent.count(-1) == count:  # no replies: the seed order
        return Threads(array("l", range(count)), array("l", [0]) * count, array("l", range(count)), parent)
    order, depth = _walk(parent)
    if len(order) < count:  # the comments the walk did not reach hang on a cycle (a self-parent is one)
        reached = bytearray(count)
        for position in order:
            reached[position] = 1
        _break_cycles(parent, [position for position in range(count) if not reached[position]])
        order, depth = _walk(parent)
    rank = array("l", [0]) * count
    for row, position in enumerate(order):
        rank[position] = row
    return Threads(order, depth, rank, parent)


def _walk(parent: array[int]) -> tuple[array[int], array[int]]:
    """The comments reachable from the roots, depth first, and each comment's depth."""
    count = len(parent)
    # Each comment's replies, in seed order, as linked lists: its first reply, each one's next sibling.
    first_child = array("l", [-1]) * count
    next_sibling = array("l", [-1]) * count
    for position in compress(range(count - 1, -1, -1), map(ne, reversed(parent), repeat(-1))):
        up = parent[position]
        next_sibling[position] = first_child[up]
        first_child[up] = position
    order = array("l")
    append = order.append
    depth = array("l", [0]) * count
    for root in compress(range(count), map(eq, parent, repeat(-1))):
        node = root
        while True:  # depth first, without recursion: down to the first reply, else on, else back up
            append(node)
            child = first_child[node]
            if child != -1:
                depth[child] = depth[node] + 1
                node = child
                continue
            while node != root and next_sibling[node] == -1:
                node = parent[node]
            if node == root:
                break
            node = next_sibling[node]
            depth[node] = depth[parent[node]] + 1
    return order, depth


def _break_cycles(parent: array[int], starts: list[int]) -> None:
    """Make the first comment (in seed order) of each cycle of parent links a root, walking up
    from `starts`, which lead into every cycle. No comment is walked twice."""
    state = bytearray(len(parent))
    for start in starts:
        path = []
        node = start
        while node != -1 and state[node] == _NEW:
            state[node] = _ON_PATH
            path.append(node)
            node = parent[node]
        if node != -1 and state[node] == _ON_PATH:  # the walk came back onto itself: a cycle
            parent[min(path[path.index(node):])] = -1
        for visited in path:
            state[visited] = _DONE
