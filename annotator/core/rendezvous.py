"""The rendezvous scores of a plan (`annotator.core.assign` says how they are defined), computed
on two cores when there are many.

A score is one BLAKE2b hash and a logarithm, about a microsecond and a half in Python: 100,000
comments and 3 annotators take most of half a second, nearly all of a plan's first computation.
From `PARALLEL_MIN` hashes on, and with a second core free to this process, a child process
scores the first half of the comments while this one scores the rest. The child is a bare
interpreter (`-I -S`) that imports this module alone, so it starts in some 25 ms; it receives the
keys, weights and ids on its stdin and answers with the scores as raw doubles, which are the very
floats this process would have computed (the same code, the same interpreter). If it cannot be
started, fails or answers anything but the expected length, this process scores that half
itself: the outcome never depends on the child.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import subprocess
import sys
import threading
from array import array
from collections.abc import Sequence
from math import log
from pathlib import Path

SCALE = 2.0**-52
PARALLEL_MIN = 60_000  # hashes (comments times annotators): below, a child's start is most of what it saves
_CHILD = ("import sys; sys.path.insert(0, sys.argv[1]); "
          "from annotator.core.rendezvous import serve; serve()")


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
    cut = len(encoded) // 2
    child = _start_child() if len(encoded) * len(claims) >= PARALLEL_MIN and _cores() >= 2 else None
    if child is None:
        return [scores(key, weight, encoded) for key, weight in claims]
    sending = threading.Thread(target=_send, args=(child, marshal.dumps((list(claims), list(encoded[:cut])))))
    sending.start()  # (the pipe takes 64 KiB at a time: the child reads it as it starts)
    try:
        rest = [scores(key, weight, encoded[cut:]) for key, weight in claims]
    except BaseException:  # (an interrupt: the child is not left blocked on its answer)
        child.kill()
        raise
    halves = _answer(child, len(claims), cut)
    sending.join()
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
    package_parent = str(Path(__file__).resolve().parents[2])
    try:
        return subprocess.Popen([sys.executable, "-I", "-S", "-c", _CHILD, package_parent],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except OSError:
        return None


def _send(child: subprocess.Popen[bytes], data: bytes) -> None:
    try:
        with child.stdin:  # type: ignore[union-attr]
            child.stdin.write(data)  # type: ignore[union-attr]
    except OSError:
        pass  # (the child is gone: its answer is not whole, and this process scores its half)


def _answer(child: subprocess.Popen[bytes], columns: int, rows: int) -> list[list[float]] | None:
    """The child's scores, a list per claim, or None when it did not give them all."""
    try:
        data = child.stdout.read()  # type: ignore[union-attr]
    except OSError:
        data = b""
    finally:
        child.stdout.close()  # type: ignore[union-attr]
        status = child.wait()
    values = array("d")
    if status != 0 or len(data) != columns * rows * values.itemsize:
        return None
    values.frombytes(data)
    return [values[index * rows:(index + 1) * rows].tolist() for index in range(columns)]


def _cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # (not on every platform)
        return os.cpu_count() or 1
