"""The installed `annotator` console script in a real terminal (a pty): label a comment, quit, and
find the label in the file."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import shutil
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from annotator.core.seeds import load_seeds
from annotator.core.store import AnnotationFile
from tests.conftest import make_project


def console_script() -> str | None:
    beside = Path(sys.executable).with_name("annotator")
    return str(beside) if beside.exists() else shutil.which("annotator")


class Terminal:
    """A child process on a pseudo-terminal of a given size, with its screen output collected."""

    def __init__(self, argv: list[str], cwd: Path, columns: int = 100, rows: int = 30) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "ANNOTATOR": "pty-user", "COLUMNS": str(columns),
               "LINES": str(rows)}
        env.pop("TEXTUAL", None)
        self.process = subprocess.Popen(argv, cwd=cwd, stdin=slave, stdout=slave, stderr=slave, env=env,
                                        start_new_session=True)
        os.close(slave)
        self.output = b""

    def read_until(self, needle: bytes, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.output:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{needle!r} never appeared; screen output ends {self.output[-500:]!r}")
            ready, _, _ = select.select([self.master], [], [], min(remaining, 0.2))
            if ready:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:
                    break

    def type(self, data: bytes) -> None:
        os.write(self.master, data)

    def wait(self, timeout: float = 20) -> int:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:
                    pass
        return self.process.wait(timeout=1)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


@pytest.mark.skipif(console_script() is None, reason="the console script is not installed")
def test_console_script_labels_a_comment_in_a_real_terminal(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    terminal = Terminal([console_script()], cwd=root)
    try:
        terminal.read_until(b"saved")  # the first frame, with the progress line
        terminal.type(b"d")
        time.sleep(0.3)
        terminal.type(b"3")
        terminal.read_until(b"disagree")
        time.sleep(0.5)
        terminal.type(b"\x11")  # ctrl+q
        assert terminal.wait() == 0
    finally:
        terminal.close()
    entry = AnnotationFile.open(root, "pty-user").get(load_seeds(root).comments[0].id)
    assert (entry.stance, entry.topics) == ("disagree", ("reasoning",))


@pytest.mark.skipif(console_script() is None, reason="the console script is not installed")
def test_seeds_that_cannot_be_read_stop_the_app_with_the_error_on_the_terminal(tmp_path: Path) -> None:
    """The app reads the seeds after its first frame; a bad line still ends it with the usual
    message and exit code, and nothing is written."""
    root = make_project(tmp_path / "project", {"a.jsonl": '{"text": "Fine."}\n{"text": 3}\n'})
    terminal = Terminal([console_script()], cwd=root)
    try:
        code = terminal.wait()
    finally:
        terminal.close()
    assert code == 1
    assert b'annotator: seeds/a.jsonl:2: expected a non-empty "text" string, "text" is a number' in terminal.output
    assert list((root / "annotations").iterdir()) == []
