"""The thread order of a generated corpus, timed in this process, as the app's first `T` works it
out (on a thread past 20,000 comments: keys go on meanwhile) and as a later session reads it back
from the parse cache. The generated replies name a parent anywhere before them, the hardest case for
the order's walk: threads are interleaved across the corpus."""

from __future__ import annotations

import time

from annotator.core import cache
from annotator.core.seeds import load_seeds
from annotator.core.threads import Threads, thread_order
from benchmarks.generate import SyntheticProject
from benchmarks.measure_plan import empty_cache


def measure_threads(project: SyntheticProject, runs: int) -> dict[str, list[float]]:
    """Milliseconds for the thread order, `runs` times each: {"first": [...], "kept": [...]}."""
    comments = load_seeds(project.root).comments
    ids = load_seeds(project.root).ids()
    timings: dict[str, list[float]] = {"first": [], "kept": []}
    for _ in range(runs):
        with empty_cache():
            start = time.perf_counter()  # as the session does: every id's position, the parents, the order
            index = dict(zip(ids, range(len(ids))))
            threads = thread_order(comments, index, comments.parents())
            where = cache.key("threads", comments.ids_digest() + comments.parents_digest())
            cache.save(where, threads.stored())
            timings["first"].append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()  # a later session: the entry's name, then the entry
            where = cache.key("threads", comments.ids_digest() + comments.parents_digest())
            assert Threads.from_stored(cache.load(where), len(comments)) == threads
            timings["kept"].append((time.perf_counter() - start) * 1000)
    return timings
