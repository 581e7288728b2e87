"""The garbage collector's full passes, moved to the moments the annotator pauses.

Python makes a full pass when ten young collections (of the second generation) have passed
since the last one, and enough objects have survived them. What the start made is frozen
(`gc.freeze`), so a full pass looks at what the session made since: Textual's strips, each with
seven small caches, mostly. At a million comments a full pass took 25-65 ms, in the middle of a
key's frame: the benchmark's `j` after a label and a pause took some 50 ms at the same press of
each run. So the automatic full passes come `RARER` times later, and the app makes one itself
when one is due (as many young collections have passed as Python waits for) and no key has come
for `IDLE_SECONDS`: no more full passes than before, in the pauses. A long run of keys with no
pause still has the automatic ones, ten times less often. The young generations are collected
as before.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

IDLE_SECONDS = 0.6  # no key for this long: a pass now is not in a key's way
CHECK_SECONDS = 0.2  # how often the app asks (`IdleCollector.check`)
RARER = 10


class IdleCollector:
    """Full passes when the annotator pauses: `start` once, `touched` at each key, `check` now and then."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last_key = clock()
        self._due = gc.get_threshold()[2]  # young collections before a full pass, as Python counts them

    def start(self) -> None:
        """Make the automatic full passes `RARER` (the thresholds are the process's)."""
        young, older, oldest = gc.get_threshold()
        self._due = oldest
        gc.set_threshold(young, older, oldest * RARER)

    def touched(self) -> None:
        """A key came."""
        self._last_key = self._clock()

    def check(self) -> bool:
        """Make a full pass if one is due and no key came for `IDLE_SECONDS`; whether it did."""
        if gc.get_count()[2] < self._due or self._clock() - self._last_key < IDLE_SECONDS or not gc.isenabled():
            return False
        gc.collect()
        return True
