"""The garbage collector's full passes, moved to the moments the annotator pauses.

Python makes a full pass once ten collections of the middle generation have passed since the
last one (and a quarter of the old objects are new). What the start made is frozen
(`gc.freeze`), so a full pass looks at what the session made since: Textual's strips, each with
seven small caches, mostly. At a million comments a full pass took 25-65 ms, in the middle of a
key's frame: the benchmark's `j` after a label and a pause took some 50 ms at the same press of
each run. So the automatic full passes come `AUTOMATIC_RARER` times later, and the app makes one
itself when as many middle collections have passed as Python waits for and no key or mouse
event came for `IDLE_SECONDS`: about as many full passes as before (Python's rule of a quarter
is not applied), in the pauses. A long run of keys with no pause still has the automatic ones,
ten times less often. The young generations are collected as before.

Where the collector counts otherwise (Python 3.14's incremental collector gives no third
threshold, nor does a build without the GIL count its passes this way), nothing changes.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable

IDLE_SECONDS = 0.6  # no input for this long: a pass now is not in a key's way
CHECK_SECONDS = 0.2  # how often the app asks (`IdleCollector.check`)
AUTOMATIC_RARER = 10


class IdleCollector:
    """Full passes when the annotator pauses: `start` once, `input_came` at each key or mouse
    event, `check` now and then."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last_input = clock()
        self._due = 0  # middle collections before a full pass, as Python counted them (0: not started)

    def start(self) -> bool:
        """Make the automatic full passes `AUTOMATIC_RARER` times rarer (the thresholds are the
        process's); whether this collector takes over, as it does where Python counts as above."""
        young, middle, oldest = gc.get_threshold()
        if self._due or oldest <= 0 or "free-threading" in sys.version:  # (the build, not whether the GIL is on now)
            return False
        self._due = oldest
        gc.set_threshold(young, middle, oldest * AUTOMATIC_RARER)
        return True

    def input_came(self) -> None:
        self._last_input = self._clock()

    def check(self) -> bool:
        """Make a full pass if one is due and no input came for `IDLE_SECONDS`; whether it did."""
        if not self._due or gc.get_count()[2] < self._due or self._clock() - self._last_input < IDLE_SECONDS \
                or not gc.isenabled():
            return False
        gc.collect()
        return True
