"""The annotator lock: a second app is refused, a killed one never leaves the lock stuck, and the
lock file cannot be turned against another file."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.core.errors import AnnotatorError
from annotator.core.lock import AlreadyOpen, AnnotatorLock
from tests.conftest import REPO

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the lock is a POSIX flock")

HOLDER = """
import subprocess, sys, time
from pathlib import Path
from annotator.core.lock import AnnotatorLock
lock = AnnotatorLock.for_file(Path(sys.argv[1])).acquire()
if sys.argv[2] == "with-grandchild":  # a long-running program the app started (git, an editor...)
    subprocess.Popen(["sleep", "30"])
print("locked", flush=True)
time.sleep(60)
"""


def hold_lock(path: Path, *extra: str) -> subprocess.Popen[str]:
    """A process that takes the lock of `path` and waits to be killed."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), *(extra or ("alone",))],
        stdout=subprocess.PIPE, text=True, cwd=REPO, start_new_session=True,
    )
    assert holder.stdout.readline() == "locked\n"
    return holder


@pytest.mark.parametrize("extra", [(), ("with-grandchild",)])
def test_a_lock_held_by_a_killed_process_is_free_at_once(tmp_path: Path, extra: tuple[str, ...]) -> None:
    path = tmp_path / "annotations" / "alice.toml"
    holder = hold_lock(path, *extra)
    try:
        with pytest.raises(AlreadyOpen, match=rf"alice is already annotating in this project \(pid {holder.pid} on "):
            AnnotatorLock.for_file(path).acquire()
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        # The lock goes with the process, even when a program it started lives on (the lock's
        # descriptor is not inherited).
        lock = AnnotatorLock.for_file(path).acquire()
        lock.release()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(holder.pid, signal.SIGKILL)  # the grandchild too
        holder.wait(10)


def test_the_lock_file_never_follows_a_symbolic_link(tmp_path: Path) -> None:
    """A repository could carry `annotations/.alice.lock` as a link to a file of the user's: taking
    the lock truncates the lock file, so it must refuse, not empty that file."""
    precious = tmp_path / "precious.txt"
    precious.write_text("a week of notes\n", "utf-8")
    folder = tmp_path / "annotations"
    folder.mkdir()
    (folder / ".alice.lock").symlink_to(precious)
    with pytest.raises(AnnotatorError, match=r"annotations/\.alice\.lock: cannot be used as the lock file: is a symbolic link"):
        AnnotatorLock.for_file(folder / "alice.toml").acquire()
    assert precious.read_text("utf-8") == "a week of notes\n"


def test_a_lock_path_that_is_a_folder_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "annotations" / ".alice.lock").mkdir(parents=True)
    with pytest.raises(AnnotatorError) as caught:
        AnnotatorLock.for_file(tmp_path / "annotations" / "alice.toml").acquire()
    assert str(caught.value).startswith("annotations/.alice.lock: cannot be used as the lock file: Is a directory")
    assert "remove it" in str(caught.value)
