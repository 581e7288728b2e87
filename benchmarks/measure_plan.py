"""A plan of who labels what on a generated corpus, timed in this process: what `annotator assign`
and the app's "mine" view compute before they show anything (the plan applied to every comment id,
and one annotator's share as positions). First with an empty cache, then from the entry the first
run left (`annotator.core.cache`), as a second start of the app finds it."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from annotator.core.assign import assign
from annotator.core.config import CONFIG_NAME, parse_config
from annotator.core.seeds import load_seeds
from benchmarks.generate import SyntheticProject
from benchmarks.measure_cli import PLAN


def measure_plan(project: SyntheticProject, runs: int) -> dict[str, list[float]]:
    """Milliseconds for the plan and one share, `runs` times each: {"cold": [...], "warm": [...]}."""
    config = (project.root / CONFIG_NAME).read_text("utf-8") + PLAN
    plan = parse_config(config, CONFIG_NAME)[0].assign
    assert plan is not None
    ids = load_seeds(project.root).ids()
    timings: dict[str, list[float]] = {"cold": [], "warm": []}
    for _ in range(runs):
        with empty_cache():
            for kind in ("cold", "warm"):
                start = time.perf_counter()
                frozenset(assign(plan, ids).positions(plan.annotators[0]))
                timings[kind].append((time.perf_counter() - start) * 1000)
    return timings


@contextmanager
def empty_cache() -> Iterator[None]:
    """A parse cache of this process's own, empty at the start, for the time of the block."""
    before = os.environ.get("ANNOTATOR_CACHE_DIR")
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as folder:
        os.environ["ANNOTATOR_CACHE_DIR"] = folder
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("ANNOTATOR_CACHE_DIR", None)
            else:
                os.environ["ANNOTATOR_CACHE_DIR"] = before
