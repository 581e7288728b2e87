"""SIGTERM and SIGHUP sent to the installed `annotator` in a real terminal (issue 15, case 10): it
saves, gives the terminal back (no alternate screen, the cursor shown, no mouse reporting), says
on stderr whether every label is on disk and exits with 128 + the signal's number; a SIGHUP from a
terminal that is gone (a closed SSH session) neither hangs nor loses the label.

The app runs in tmux (on a server of its own, 80x24) so that the terminal's state can be asked
after the app is gone; the closed-terminal case uses a pseudo-terminal that the test closes."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from annotator.core.seeds import load_seeds
from annotator.core.store import AnnotationFile
from annotator.tui.app import STOP_BACKSTOP, STOP_DEADLINE
from tests.conftest import make_project
from tests.tui.test_terminal import console_script

pytestmark = pytest.mark.skipif(
    console_script() is None or shutil.which("tmux") is None, reason="needs the console script and tmux"
)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 20) -> float:
    """Poll `condition` until it holds; return the seconds it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"never: {what}")
        time.sleep(0.02)
    return time.monotonic() - start


class Tmux:
    """One tmux server (on a socket of its own) running `argv` in an 80x24 pane, under a shell that
    prints the app's exit code and stays, as a terminal would after the app."""

    def __init__(self, tmp_path: Path, argv: list[str], cwd: Path) -> None:
        self.base = ["tmux", "-S", str(tmp_path / "tmux.sock"), "-f", os.devnull]
        env = {**os.environ}
        env.pop("TMUX", None)
        env.pop("TEXTUAL", None)
        command = " ".join(shlex.quote(arg) for arg in argv)
        subprocess.run([*self.base, "new-session", "-d", "-s", "app", "-x", "80", "-y", "24", "-c", str(cwd),
                        "-e", "ANNOTATOR=alice", f'{command}; echo "exit code $?"; exec sleep 600'],
                       check=True, env=env)

    def tmux(self, *args: str) -> str:
        return subprocess.run([*self.base, *args], check=True, capture_output=True, text=True).stdout

    def show(self, format: str) -> str:
        return self.tmux("display-message", "-p", "-t", "app", format).strip()

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "app")  # (-J: wrapped lines joined)

    def wait_for_text(self, text: str, timeout: float = 20) -> None:
        try:
            wait_for(lambda: text in self.screen(), repr(text), timeout)
        except AssertionError:
            raise AssertionError(f"{text!r} never appeared; the screen:\n{self.screen()}") from None

    def app_pid(self) -> int:
        """The app: the child of the pane's shell."""
        shell = self.show("#{pane_pid}")
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == shell:
                return int(stat.parent.name)
        raise AssertionError("the app is not running")

    def exit_code(self, timeout: float) -> tuple[int, float]:
        """Wait for the app to end: its exit code, and the seconds it took."""
        took = wait_for(lambda: "exit code " in self.screen(), "the app ended", timeout)
        return int(self.screen().split("exit code ")[1].split()[0]), took

    def close(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


@pytest.fixture
def tmux_app(tmp_path: Path, project: Path):
    started: list[Tmux] = []

    def start(argv: list[str]) -> Tmux:
        started.append(Tmux(tmp_path, argv, project))
        return started[-1]

    yield start
    for server in started:
        server.close()


def first_entry(root: Path):
    return AnnotationFile.open(root, "alice").get(load_seeds(root).comments[0].id)


def label_then_signal(app: Tmux, number: int) -> tuple[int, float]:
    """Press `a` on the first comment, send the signal once it shows, and wait for the app to end:
    its exit code and the seconds it took."""
    app.wait_for_text("● saved")  # the main screen, with its progress line
    app.tmux("send-keys", "-t", "app", "a")
    app.wait_for_text("● agree")
    os.kill(app.app_pid(), number)
    return app.exit_code(timeout=STOP_DEADLINE + STOP_BACKSTOP + 5)


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_saves_restores_the_terminal_and_says_so(tmux_app, project: Path, number: int) -> None:
    app = tmux_app([console_script()])
    code, took = label_then_signal(app, number)
    assert (code, took < STOP_DEADLINE) == (128 + number, True)
    name = signal.Signals(number).name
    assert f"annotator: stopped by {name}; every label is saved in annotations/alice.toml\n" in app.screen()
    # The terminal is given back: the normal screen, the cursor shown, no mouse reporting.
    assert app.show("#{alternate_on} #{cursor_flag} #{mouse_any_flag} #{mouse_sgr_flag}") == "0 1 0 0"
    assert first_entry(project).stance == "agree"
    assert not (project / "annotations" / ".alice.journal").exists()


def test_a_save_that_never_returns_still_ends_the_app(tmux_app, project: Path) -> None:
    """A journal write that hangs (a dead network file system): the app leaves the screen at the
    deadline, and as the hung thread keeps the process from ending, the backstop ends it."""
    hang = ("import threading, annotator.core.store.durable as store; "
            "store.append_durably = lambda path, text: threading.Event().wait(); "
            "from annotator.cli import main; raise SystemExit(main())")
    app = tmux_app([sys.executable, "-c", hang])
    code, took = label_then_signal(app, signal.SIGTERM)
    assert code == 143
    assert STOP_DEADLINE + STOP_BACKSTOP - 0.5 < took < STOP_DEADLINE + STOP_BACKSTOP + 3
    assert "annotator: stopped by SIGTERM; saving did not finish in 6 s" in app.screen()
    assert app.show("#{alternate_on} #{cursor_flag} #{mouse_any_flag}") == "0 1 0"


def test_sighup_from_a_closed_terminal_saves_and_exits(project: Path) -> None:
    """The terminal goes away, as when an SSH session closes: the app is the session leader of a
    pseudo-terminal whose other side is closed, so the kernel sends SIGHUP and every write to the
    terminal fails. It must neither hang nor lose the label."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "ANNOTATOR": "alice"}
    env.pop("TEXTUAL", None)
    process = subprocess.Popen(
        [console_script()], cwd=project, stdin=slave, stdout=slave, stderr=slave, env=env,
        start_new_session=True, preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )
    os.close(slave)
    output = b""

    def shown(text: str) -> bool:
        nonlocal output
        if select.select([master], [], [], 0.05)[0]:
            output += os.read(master, 65536)
        return text.encode() in output

    try:
        wait_for(lambda: shown("● saved"), "the main screen")
        os.write(master, b"a")
        wait_for(lambda: shown("● agree"), "the stance shown")
    finally:
        os.close(master)  # the terminal is gone
    start = time.monotonic()
    try:
        code = process.wait(timeout=STOP_DEADLINE + STOP_BACKSTOP + 5)
    finally:
        if process.poll() is None:
            process.kill()
    assert time.monotonic() - start < STOP_DEADLINE
    assert code == 128 + signal.SIGHUP
    assert first_entry(project).stance == "agree"
