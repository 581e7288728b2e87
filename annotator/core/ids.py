"""Finding a comment by what a person types: its whole id, the start of one id, or `#N` (a position).

The rules (also in the README, under "Ids by prefix"):

- An id typed in full is that comment, even when it is also the start of longer ids (`c1` beside
  `c10`).
- Otherwise the typed text names the one comment whose id starts with it. When several ids start
  with it, the error lists the first few (in sorted order) and how many more there are; when none
  does, it says so.
- Where positions are allowed (the app's `:`), `#N` is the Nth comment in seed order, counting
  from 1, unless a comment has `#N` as its id.

Lookups bisect a sorted list of the ids, made once per corpus: O(log n) each, never a scan.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence

from annotator.core.errors import AnnotatorError

SHOWN = 5  # candidates named in an ambiguous-prefix message


class IdLookupError(AnnotatorError):
    """What was typed names no comment, or more than one (`count`; `candidates`: the first few).

    `str()` quotes the ids with `repr`, as the command line shows them; `describe(str)` shows them
    as they are, for a widget that shows text literally.
    """

    def __init__(
        self, typed: str, count: int = 0, candidates: Sequence[str] = (), positions: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.typed = typed
        self.count = count
        self.candidates = tuple(candidates)
        self.positions = positions  # for a position out of range: how many comments there are
        if hint is None:
            hint = "type more of the id" if count > 1 else ""
        super().__init__(self.describe(), hint)

    def describe(self, show: Callable[[str], str] = repr) -> str:
        """One line saying what is wrong, with each id passed through `show`."""
        if self.positions is not None:
            if not self.positions:
                return f"no comment at {self.typed}: there are no comments"
            return f"no comment at {self.typed}: the positions run from #1 to #{self.positions}"
        if not self.count:
            return f"no comment id starts with {show(self.typed)}"
        more = self.count - len(self.candidates)
        rest = f" and {more} more" if more > 0 else ""
        return f"{self.count} comment ids start with {show(self.typed)}: {', '.join(map(show, self.candidates))}{rest}"


def is_position(text: str) -> bool:
    """Whether `text` is written as a position: `#` and a whole number."""
    return len(text) > 1 and text[0] == "#" and text[1:].isascii() and text[1:].isdigit()


class IdIndex:
    """The ids of a corpus, sorted once, to find a comment by a prefix of its id or by position.

    `ordered` is the corpus's ids in seed order (kept as given, for positions); `in_order`, the
    same ids already sorted, if the caller has them (a cache entry keeps them so).
    """

    def __init__(self, ordered: Sequence[str], in_order: Sequence[str] | None = None) -> None:
        self._ordered = ordered
        self._sorted = sorted(ordered) if in_order is None else in_order  # (`in_order`: the same ids, sorted)

    def find(self, typed: str, positions: bool = False) -> str:
        """The id `typed` names; `IdLookupError` when it names none or several.

        With `positions`, `#N` (not itself an id) is the Nth comment in seed order, from 1.
        """
        ids = self._sorted
        start = bisect_left(ids, typed)
        if start < len(ids) and ids[start] == typed:
            return typed
        if positions and is_position(typed):
            number = int(typed[1:])
            if 1 <= number <= len(self._ordered):
                return self._ordered[number - 1]
            raise IdLookupError(typed, positions=len(self._ordered))
        # Sorted ids cut to the typed length stay sorted: the ids that start with `typed` are a run.
        end = bisect_right(ids, typed, lo=start, key=lambda value: value[: len(typed)])
        if end - start == 1:
            return ids[start]
        raise IdLookupError(typed, end - start, ids[start : min(end, start + SHOWN)])
