"""The rendezvous scores of a plan (`annotator.core.assign` says how they are defined), computed
on two cores when there are many.

A score is one BLAKE2b hash and a logarithm, about a microsecond and a half in Python: 100,000
comments and 3 annotators take most of half a second, nearly all of a plan's first computation.
From `PARALLEL_MIN` hashes on, where this process may run on two cores or more, a child process
scores the first half of the comments while this one scores the rest. The child runs this file
alone in a bare interpreter (`-I -S`: it imports nothing else), so it starts in some 25 ms; it
receives the keys, weights and ids on its stdin and answers with the scores as raw doubles, the
very floats this process would have computed (the same code, the same interpreter). If it cannot
be started (a frozen app has no interpreter to start), fails, answers short, or takes more than
twice as long as this process took for its own half (and `CHILD_GRACE` seconds), this process
scores that half itself: the outcome never depends on the child.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import subprocess
import sys
import threading
import time
from array import array
from collections.abc import Sequence
from math import log

SCALE = 2.0**-52
PARALLEL_MIN = 60_000  # hashes (comments times annotators): below, a child's start is most of what it saves
CHILD_GRACE = 2.0  # seconds the child may take beyond twice this process's half


def uniform(key: bytes, comment_id: str) -> float:
    """A uniform number in (0, 1) from the comment id, for the annotator of `key`."""
    digest = hashlib.blake2b(key + comment_id.encode(), digest_size=8).digest()
    return ((int.from_bytes(digest, "big") >> 12) + 0.5) * SCALE


def score(weight: float, u: float) -> float:
    """The rendezvous score: the larger, the more the comment is the annotator's."""
    return -weight / log(u)


def scores(key: bytes, weight: float, encoded: Sequence[bytes]) -> list[float]:
    """`score(weight, uniform(key, id))` of each id of `encoded` (UTF-8), in one pass: a few
    calls per hash and no object kept per comment."""
    blake2b, from_bytes = hashlib.blake2b, int.from_bytes
    return [-weight / log(((from_bytes(blake2b(key + c, digest_size=8).digest(), "big") >> 12) + 0.5) * SCALE)
            for c in encoded]


def score_columns(claims: Sequence[tuple[bytes, float]], encoded: Sequence[bytes]) -> list[list[float]]:
    """The scores of every id of `encoded` for each annotator's (key, weight) of `claims`: a list
    per annotator. On two cores when there are enough (see the module's docstring)."""
    from annotator.core.perf import cores  # (not at the top: the child runs this file alone)

    cut = len(encoded) // 2
    child = _start_child() if len(encoded) * len(claims) >= PARALLEL_MIN and cores() >= 2 else None
    if child is None:
        return [scores(key, weight, encoded) for key, weight in claims]
    halves = None
    try:
        sending = threading.Thread(target=_send, args=(child, marshal.dumps((list(claims), list(encoded[:cut])))))
        sending.start()  # (the pipe takes 64 KiB at a time: the child reads it as it starts)
        began = time.monotonic()
        rest = [scores(key, weight, encoded[cut:]) for key, weight in claims]
        halves = _answer(child, len(claims), cut, deadline=2 * (time.monotonic() - began) + CHILD_GRACE)
        sending.join()
    finally:
        if halves is None:  # (failed, late, or this process interrupted: the child is not left behind)
            child.kill()
            child.stdout.close()  # type: ignore[union-attr]
            child.wait()
    if halves is None:
        halves = [scores(key, weight, encoded[:cut]) for key, weight in claims]
    return [first + second for first, second in zip(halves, rest, strict=True)]


def serve() -> None:
    """The child: the scores of the claims and ids read from stdin, as raw doubles on stdout."""
    claims, encoded = marshal.loads(sys.stdin.buffer.read())
    columns = [array("d", scores(key, weight, encoded)) for key, weight in claims]  # (all before the
    out = sys.stdout.buffer  # first write: the pipe fills until the parent, busy scoring, reads)
    for column in columns:
        out.write(column.tobytes())
    out.flush()


def _start_child() -> subprocess.Popen[bytes] | None:
    if getattr(sys, "frozen", False) or not sys.executable:  # (no interpreter of its own to start)
        return None
    try:
        return subprocess.Popen([sys.executable, "-I", "-S", __file__], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except OSError:
        return None


def _send(child: subprocess.Popen[bytes], data: bytes) -> None:
    try:
        with child.stdin:  # type: ignore[union-attr]
            child.stdin.write(data)  # type: ignore[union-attr]
    except OSError:
        pass  # (the child is gone: its answer is not whole, and this process scores its half)


def _answer(child: subprocess.Popen[bytes], columns: int, rows: int, deadline: float) -> list[list[float]] | None:
    """The child's scores, a list per claim, or None when it did not give them all within
    `deadline` seconds (then it is ended)."""
    ending = threading.Timer(deadline, child.kill)
    ending.start()
    try:
        data = child.stdout.read()  # type: ignore[union-attr]
    except OSError:
        data = b""
    finally:
        ending.cancel()
    status = child.wait()
    values = array("d")
    if status != 0 or len(data) != columns * rows * values.itemsize:
        return None
    child.stdout.close()  # type: ignore[union-attr]
    values.frombytes(data)
    return [values[index * rows:(index + 1) * rows].tolist() for index in range(columns)]


if __name__ == "__main__":
    serve()
