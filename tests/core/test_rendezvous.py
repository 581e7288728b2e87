"""The plan's scores on two cores: a child process scores half the comments, and what comes out
is exactly what one process computes, whether the child answers or fails."""

from __future__ import annotations

import sys
import time

import pytest

from annotator.core import perf, rendezvous
from annotator.core.assign import annotator_key

IDS = [f"{index:06x}".encode() for index in range(2_001)] + ["é✓ ünïcode".encode(), b"x" * 300]
CLAIMS = [(annotator_key("salt", name), weight) for name, weight in (("ada", 1.0), ("bob", 2.5), ("cy", 0.3))]


def one_process() -> list[list[float]]:
    return [rendezvous.scores(key, weight, IDS) for key, weight in CLAIMS]


@pytest.fixture
def parallel(monkeypatch):
    """The child used from the first hash on, as on a machine with two cores; records the lengths
    this process scored."""
    monkeypatch.setattr(rendezvous, "PARALLEL_MIN", 0)
    monkeypatch.setattr(perf, "cores", lambda: 2)
    scored: list[int] = []
    alone = rendezvous.scores

    def scores(key, weight, encoded):
        scored.append(len(encoded))
        return alone(key, weight, encoded)

    monkeypatch.setattr(rendezvous, "scores", scores)
    return scored


def test_the_child_scores_the_first_half_and_the_scores_are_the_same_to_the_bit(parallel) -> None:
    expected = one_process()
    parallel.clear()
    assert rendezvous.score_columns(CLAIMS, IDS) == expected
    assert parallel == [len(IDS) - len(IDS) // 2] * len(CLAIMS)  # (this process did only its half)


@pytest.mark.parametrize("broken", [
    pytest.param({"executable": "/nonexistent/python"}, id="cannot start"),
    pytest.param({"frozen": True}, id="a frozen app"),
    pytest.param({"child": "import sys; sys.stdout.buffer.write(b'12345678')"}, id="answers too little"),
    pytest.param({"child": "raise SystemExit(3)"}, id="fails"),
    pytest.param({"child": "import sys, time; sys.stdin.buffer.read(); time.sleep(60)"}, id="too slow"),
])
def test_a_child_that_fails_leaves_its_half_to_this_process(parallel, monkeypatch, tmp_path, broken) -> None:
    if "executable" in broken:
        monkeypatch.setattr(sys, "executable", broken["executable"])
    elif "frozen" in broken:
        monkeypatch.setattr(sys, "frozen", True, raising=False)
    else:
        script = tmp_path / "child.py"
        script.write_text(broken["child"])
        monkeypatch.setattr(rendezvous, "__file__", str(script))
        monkeypatch.setattr(rendezvous, "CHILD_GRACE", 0.5)
    expected = one_process()
    parallel.clear()
    started = time.monotonic()
    assert rendezvous.score_columns(CLAIMS, IDS) == expected
    assert sum(parallel) == len(IDS) * len(CLAIMS)  # (every score made here)
    assert time.monotonic() - started < 30  # (a child too slow is not waited for)


def test_few_hashes_are_scored_here_without_a_child(monkeypatch) -> None:
    monkeypatch.setattr(perf, "cores", lambda: 2)
    monkeypatch.setattr(rendezvous, "_start_child", lambda: pytest.fail("a child for a few hashes"))
    assert rendezvous.score_columns(CLAIMS, IDS[:10]) == [column[:10] for column in one_process()]
