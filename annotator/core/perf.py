"""Small helpers for bulk work on large corpora."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector around a bulk load of many small objects.

    Python's collector rescans every live object as allocations pile up, which makes loading
    100,000 entries super-linear; nothing in such a load creates cycles worth collecting.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()  # what was loaded lives on: later collections need not scan it again
        if enabled:
            gc.enable()


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # (not on every platform)
        return os.cpu_count() or 1
