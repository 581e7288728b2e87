"""The thread order of a generated corpus, timed in this process: what the first `T` in the app
costs (the order is worked out once, then kept). The generated replies name a parent anywhere
before them, the hardest case for the order's walk: threads are interleaved across the corpus."""

from __future__ import annotations

import time

from annotator.core.columns import SeedColumns
from annotator.core.seeds import load_seeds
from annotator.core.threads import thread_order
from benchmarks.generate import SyntheticProject


def measure_threads(project: SyntheticProject, runs: int) -> list[float]:
    """Milliseconds for the thread order of the project's corpus, `runs` times."""
    comments = load_seeds(project.root).comments
    ids = load_seeds(project.root).ids()
    timings = []
    for _ in range(runs):  # as the session does at the first T: every id's position, the parents, the order
        start = time.perf_counter()
        index = dict(zip(ids, range(len(ids))))
        parents = comments.parents() if isinstance(comments, SeedColumns) else None
        thread_order(comments, index, parents)
        timings.append((time.perf_counter() - start) * 1000)
    return timings
