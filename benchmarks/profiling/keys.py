"""Where a key's time goes: `j` pressed in the real app on a pseudo-terminal, with the parts of
the repaint timed inside the app (`timed_app.py`) and each press timed from outside as in the
benchmark (to the last byte of the frame that shows the next position).

    python -m benchmarks.profiling.keys --size 100000 [--presses 100] [--after-pause]

It generates a project of that size in a temporary folder (as `python -m benchmarks` does), starts
the app on it once to fill a parse cache, then once more to measure. Prints each part's time per
press (inclusive: a part includes the parts it calls) and calls per press.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.generate import build_project
from benchmarks.measure_app import (
    ANNOTATOR,
    NAVIGATION_PAUSE,
    SAVED,
    STANCE_KEYS,
    START_TIMEOUT,
    position,
)
from benchmarks.processes import Terminal

TIMED_APP = Path(__file__).with_name("timed_app.py")


def session(root: Path, size: int, labeled: int, result: Path, presses: int, after_pause: bool) -> list[float]:
    """One session: wait for the first usable frame and the first save, then `presses` of `j`
    (each after a stance key and a pause with `after_pause`); the milliseconds of each."""
    argv = [sys.executable, str(TIMED_APP), str(result), "--project", str(root), "--annotator", ANNOTATOR]
    terminal = Terminal(argv, root)
    try:
        terminal.wait_frame(f"{labeled}/{size}".encode(), position(1, size), timeout=START_TIMEOUT)
        terminal.wait_for(SAVED)
        terminal.idle(1.0)
        os.kill(terminal.pid, signal.SIGUSR1)
        terminal.idle(0.2)
        took = []
        for press in range(1, presses + 1):
            if after_pause:
                terminal.send(STANCE_KEYS[0].encode())
                terminal.idle(NAVIGATION_PAUSE)
            mark, typed = terminal.send(b"j")
            took.append((terminal.wait_frame(position(press + 1, size), since=mark) - typed) * 1000)
            terminal.idle(0.02)
        os.kill(terminal.pid, signal.SIGUSR2)
        terminal.idle(0.5)
        terminal.quit()
    except BaseException:
        terminal.kill()
        raise
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profiling.keys", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="comments (default: 100000)")
    parser.add_argument("--presses", type=int, default=100, help="presses of j (default: 100)")
    parser.add_argument("--after-pause", action="store_true", help="each j after a stance key and a 1.2 s pause")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="annotator-profile-") as folder:
        project = build_project(Path(folder) / "project", args.size)
        os.environ["ANNOTATOR_CACHE_DIR"] = str(Path(folder) / "cache")
        result = Path(folder) / "parts.json"
        labeled = project.labeled[ANNOTATOR]
        session(project.root, args.size, labeled, result, 1, False)  # fills the cache
        project.reset()
        took = sorted(session(project.root, args.size, labeled, result, args.presses, args.after_pause))
        parts = json.loads(result.read_text("utf-8"))
    p95 = took[min(len(took) - 1, round(0.95 * len(took)) - 1)]
    print(f"{len(took)} presses of j at {args.size:,} comments: median {statistics.median(took):.1f} ms, "
          f"p95 {p95:.1f} ms (key to the frame's last byte)")
    print(f"{'ms/press':>9} {'calls/press':>11}  part")
    for label, (seconds, calls) in sorted(parts.items(), key=lambda item: -item[1][0]):
        print(f"{seconds * 1000 / len(took):9.2f} {calls / len(took):11.1f}  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
