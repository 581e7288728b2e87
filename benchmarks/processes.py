"""Running the apps being measured: the installed console script on a pseudo-terminal, and the
peak memory of the process (`VmHWM` in `/proc/<pid>/status`: the high-water mark of its RSS since
its exec, which a parent's size does not inflate, unlike a forked child's `ru_maxrss`).

At a cold start the app forks children (the seeds and labels parsed into the cache), and its
memory is that of the three processes together. Each child's `VmHWM` counts the pages it still
shares with the app (some 35 MiB) as its own, and the three peak at different moments, so their
sum is an upper bound that no moment reached. The figure reported is the largest memory the
processes held at one moment: their proportional set sizes (`Pss`, a shared page split between
its sharers) summed, looked at every 20 ms while the app has children, or the app's own `VmHWM`
where that is larger (its peak comes after the children's end). The sum of the peaks is kept too
(`summed_mb`), and reported beside it."""

from __future__ import annotations

import bisect
import fcntl
import os
import pty
import re
import select
import shutil
import struct
import sys
import termios
import time
from pathlib import Path

COLUMNS, ROWS = 100, 30
# Synchronized output (DEC mode 2026): the app asks whether the terminal has it, and this one says
# yes, as most terminals and tmux do; then each frame comes between SYNC_START and SYNC_END, so a
# frame counts as drawn when its last byte has been written, not when its first one has.
ASKS_SYNC = b"\x1b[?2026$p"
HAS_SYNC = b"\x1b[?2026;2$y"
SYNC_START = b"\x1b[?2026h"
SYNC_END = b"\x1b[?2026l"
_ESCAPE = re.compile(rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


CHILDREN_EVERY = 0.02  # seconds between two looks at the program's child processes


class Timeout(Exception):
    """What was awaited did not happen in time."""


def console_script() -> str | None:
    """The `annotator` script beside this Python (a venv's), else the one on PATH."""
    beside = Path(sys.executable).with_name("annotator")
    return str(beside) if beside.exists() else shutil.which("annotator")


def terminal_env() -> dict[str, str]:
    """The environment of an app under test: a colour terminal of a fixed size, no Textual dev flags."""
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS), "LINES": str(ROWS)}
    env.pop("TEXTUAL", None)
    return env


def max_rss_mb(rusage) -> float:
    """`ru_maxrss` (KiB on Linux) in MiB."""
    return rusage.ru_maxrss / 1024


def peak_rss_mb(pid: int) -> float | None:
    """The process's RSS high-water mark in MiB, or None where /proc does not tell."""
    return _kib_field(f"/proc/{pid}/status", "VmHWM:")


def proportional_mb(pid: int) -> float | None:
    """The process's proportional set size (`Pss` in /proc/<pid>/smaps_rollup) in MiB: its
    private pages, and each page it shares divided by the number of its sharers."""
    return _kib_field(f"/proc/{pid}/smaps_rollup", "Pss:")


def _kib_field(path: str, name: str) -> float | None:
    """The field `name` (a size in KiB) of the /proc file at `path`, in MiB; None if it has none."""
    try:
        text = Path(path).read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(name):
            return int(line.split()[1]) / 1024
    return None


class Terminal:
    """A child process on a pseudo-terminal; its screen output is kept, and searched from a mark.

    `started` is `time.perf_counter()` just before the fork, so "process start" includes the exec
    and the interpreter's start-up.
    """

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
        env = terminal_env() | (env or {})
        self.started = time.perf_counter()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: size the terminal, then become the program
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
                os.chdir(cwd)
                os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)
        self.output = bytearray()
        self.arrivals: list[tuple[int, float]] = []  # (length of the output after a read, when)
        self.answered = False  # the question about synchronized output
        self.status: int | None = None
        self.rss_mb: float | None = None
        self.quit_seconds: float | None = None  # from typing ctrl+q to the process's end
        self.children_mb: dict[int, float] = {}  # the peak RSS of each child process it started
        self.together_mb = 0.0  # the most memory it and its children held at one look (summed `Pss`)
        self.summed_mb: float | None = None  # its peak RSS plus each child's (`quit`): an upper bound
        self._children_checked = 0.0

    def drain(self, timeout: float = 0.0) -> bool:
        """Read whatever the program has written, waiting up to `timeout` for something."""
        if time.perf_counter() - self._children_checked > CHILDREN_EVERY:
            self._check_children()
            self._children_checked = time.perf_counter()
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError:  # the program has gone
            return False
        now = time.perf_counter()
        self.output += data
        self.arrivals.append((len(self.output), now))
        if not self.answered and self.output.find(ASKS_SYNC, max(0, len(self.output) - len(data) - 16)) >= 0:
            self.answered = True
            os.write(self.fd, HAS_SYNC)
        return True

    def _check_children(self) -> None:
        """Note the peak RSS of each child process the program has now (the app parses the seeds
        and the labels in two at a cold start): their memory counts with the app's."""
        children: list[str] = []
        for task in Path(f"/proc/{self.pid}/task").glob("*/children"):  # (a thread's children are its task's)
            try:
                children += task.read_text().split()
            except OSError:
                continue
        together = proportional_mb(self.pid) if children else None
        for child in map(int, children):
            peak = peak_rss_mb(child)
            if peak is not None:
                self.children_mb[child] = max(peak, self.children_mb.get(child, 0.0))
            share = proportional_mb(child)
            if together is not None and share is not None:
                together += share
        if together is not None:
            self.together_mb = max(self.together_mb, together)

    def arrival(self, offset: int) -> float:
        """When the output's byte at `offset` had been read."""
        index = bisect.bisect_right(self.arrivals, offset, key=lambda pair: pair[0])
        return self.arrivals[min(index, len(self.arrivals) - 1)][1]

    def frame_time(self, needles: tuple[bytes, ...], since: int = 0) -> float | None:
        """When the frame that completes all of `needles` (after offset `since`) had been written
        in full (up to its SYNC_END, where frames are synchronized); None if not yet."""
        end = since
        for needle in needles:
            found = self.output.find(needle, since)
            if found < 0:
                return None
            end = max(end, found + len(needle))
        if self.output.rfind(SYNC_START, 0, end) > self.output.rfind(SYNC_END, 0, end):  # inside a frame
            closed = self.output.find(SYNC_END, end)
            if closed < 0:
                return None
            end = closed + len(SYNC_END)
        return self.arrival(end - 1)

    def wait_frame(self, *needles: bytes, since: int = 0, timeout: float = 60.0) -> float:
        """The time at which a whole frame showing every one of `needles` had been written after
        offset `since` (the time of the read that brought its last byte)."""
        deadline = time.perf_counter() + timeout
        while (moment := self.frame_time(needles, since)) is None:
            remaining = deadline - time.perf_counter()
            if remaining <= 0 or self.exited():
                shown = " and ".join(repr(needle.decode()) for needle in needles)
                raise Timeout(f"{shown} never appeared; the screen shows: {self.screen_text()[-400:]!r}")
            self.drain(min(remaining, 0.05))
        return moment

    def wait_any_frame(self, *alternatives: tuple[bytes, ...], since: int = 0, timeout: float = 60.0) -> tuple[float, int]:
        """`wait_frame` for the first of several frames: the time of the one that came first (by
        when it was written) and its index among `alternatives`."""
        deadline = time.perf_counter() + timeout
        while not (found := [(moment, index) for index, needles in enumerate(alternatives)
                             if (moment := self.frame_time(needles, since)) is not None]):
            remaining = deadline - time.perf_counter()
            if remaining <= 0 or self.exited():
                shown = " or ".join(" and ".join(repr(needle.decode()) for needle in needles) for needles in alternatives)
                raise Timeout(f"{shown} never appeared; the screen shows: {self.screen_text()[-400:]!r}")
            self.drain(min(remaining, 0.05))
        return min(found)

    def idle(self, seconds: float) -> None:
        """Let `seconds` pass, reading the output meanwhile (a program whose terminal is full stalls)."""
        deadline = time.perf_counter() + seconds
        while (remaining := deadline - time.perf_counter()) > 0:
            self.drain(min(remaining, 0.05))

    def send(self, data: bytes) -> tuple[int, float]:
        """Type `data`; return the output's length and the time just before, to search and time from."""
        mark, moment = len(self.output), time.perf_counter()
        os.write(self.fd, data)
        return mark, moment

    def wait_for(self, needle: bytes, since: int = 0, timeout: float = 60.0) -> float:
        """The time at which `needle` had appeared in the output after offset `since` (the time of
        the read that brought its last byte, not of this look)."""
        deadline = time.perf_counter() + timeout
        searched = since
        while True:
            found = self.output.find(needle, searched)
            if found >= 0:
                return self.arrival(found + len(needle) - 1)
            searched = max(since, len(self.output) - len(needle))
            remaining = deadline - time.perf_counter()
            if remaining <= 0 or self.exited():
                raise Timeout(f"{needle.decode()!r} never appeared; the screen shows: {self.screen_text()[-400:]!r}")
            self.drain(min(remaining, 0.05))

    def text_before(self, offset: int) -> str:
        """The output up to `offset` without escape sequences (runs of spaces kept)."""
        return _ESCAPE.sub(b"", bytes(self.output[:offset])).decode("utf-8", "replace")

    def screen_text(self) -> str:
        """The output without escape sequences and runs of spaces: enough to see what was shown."""
        text = _ESCAPE.sub(b"", bytes(self.output[-20_000:])).decode("utf-8", "replace")
        return " ".join(text.split())

    def exited(self) -> bool:
        """Whether the program has ended (then `status` and `rss_mb` are set)."""
        if self.status is None:
            pid, status, rusage = os.wait4(self.pid, os.WNOHANG)
            if pid:
                self.status, self.rss_mb = os.waitstatus_to_exitcode(status), max_rss_mb(rusage)
        return self.status is not None

    def quit(self, keys: bytes = b"\x11", timeout: float = 120.0) -> float:
        """Type `keys` (ctrl+q), wait for the program to end, and return its peak memory in MiB so
        far: its own peak RSS (`VmHWM` just before quitting; `ru_maxrss` where there is no /proc),
        or the most it and its children held at one look (`together_mb`) if that is more.
        `summed_mb` is its peak plus each child's peak, as sampled (`_check_children`). `quit_seconds`
        is the time from the key to the end of the process (checked every millisecond)."""
        peak = peak_rss_mb(self.pid)
        if peak is not None:
            self.summed_mb = peak + sum(self.children_mb.values())
            peak = max(peak, self.together_mb)
        typed = time.perf_counter()
        os.write(self.fd, keys)
        deadline = typed + timeout
        while not self.exited():
            if time.perf_counter() > deadline:
                self.kill()
                raise Timeout("the program did not quit")
            self.drain(0.001)
        self.quit_seconds = time.perf_counter() - typed
        os.close(self.fd)
        return peak if peak is not None else self.rss_mb or 0.0

    def kill(self) -> None:
        """End the program at once (after a failure), and reap it."""
        if not self.exited():
            os.kill(self.pid, 9)
            _, status, rusage = os.wait4(self.pid, 0)
            self.status, self.rss_mb = os.waitstatus_to_exitcode(status), max_rss_mb(rusage)
        try:
            os.close(self.fd)
        except OSError:
            pass
