"""Running the apps being measured: the installed console script on a pseudo-terminal, and the
peak memory of the process (`VmHWM` in `/proc/<pid>/status`: the high-water mark of its RSS since
its exec, which a parent's size does not inflate, unlike a forked child's `ru_maxrss`)."""

from __future__ import annotations

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
_ESCAPE = re.compile(rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


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
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


class Terminal:
    """A child process on a pseudo-terminal; its screen output is kept, and searched from a mark.

    `started` is `time.perf_counter()` just before the fork, so "process start" includes the exec
    and the interpreter's start-up.
    """

    def __init__(self, argv: list[str], cwd: Path) -> None:
        env = terminal_env()
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
        self.status: int | None = None
        self.rss_mb: float | None = None

    def drain(self, timeout: float = 0.0) -> bool:
        """Read whatever the program has written, waiting up to `timeout` for something."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            self.output += os.read(self.fd, 1 << 16)
        except OSError:  # the program has gone
            return False
        return True

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
        """The time at which `needle` had appeared in the output after offset `since`."""
        deadline = time.perf_counter() + timeout
        searched = since
        while True:
            if self.output.find(needle, searched) >= 0:
                return time.perf_counter()
            searched = max(since, len(self.output) - len(needle))
            remaining = deadline - time.perf_counter()
            if remaining <= 0 or self.exited():
                raise Timeout(f"{needle.decode()!r} never appeared; the screen shows: {self.screen_text()[-400:]!r}")
            self.drain(min(remaining, 0.05))

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
        """Type `keys` (ctrl+q), wait for the program to end, and return its peak RSS in MiB so far
        (`VmHWM` just before quitting; `ru_maxrss` where there is no /proc)."""
        peak = peak_rss_mb(self.pid)
        os.write(self.fd, keys)
        deadline = time.perf_counter() + timeout
        while not self.exited():
            if time.perf_counter() > deadline:
                self.kill()
                raise Timeout("the program did not quit")
            self.drain(0.05)
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
