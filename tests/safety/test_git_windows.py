"""The moments inside a git command when the app must not write, one at a time.

The git loop (`test_git_loop.py`) lost a label in the middle of a `git stash`: here the app's
fold lane is played step by step (`pause_writes` asks what the saver's `writes_paused` asks),
and `git stash` is split into the plumbing commands it runs, so that the app's turn comes exactly
between two of them. The fix (writes wait until git has left its directory alone for
`gitio.QUIET_SECONDS`) must not leave a quit a moment after a git command with the labels in the
journal only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from annotator.core import gitio
from annotator.core.models import Annotation
from annotator.core.project import Project
from annotator.core.store import AnnotationFile, WritesPaused
from annotator.tui.app import build_app
from tests.core.gitrepo import IDS, TEXTS, Repo
from tests.tui.conftest import ready, settled

NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)


def fold(store: AnnotationFile, git_dir: Path) -> str | None:
    """One run of the saver's fold lane (`Saver._fold`): why it did not write, or None."""
    busy = gitio.operation_in_progress(git_dir)
    if busy:
        return busy
    if store.changed_on_disk():
        store.merge_from_disk()
    try:
        store.compact()
    except WritesPaused as paused:
        return paused.message
    return None


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    repo = Repo.create(tmp_path, monkeypatch)
    (repo.root / ".gitignore").write_text("annotations/.*\n", "utf-8")
    repo.label("alice", 0, stance="agree")
    repo.commit("alice labels the first comment")
    return repo


def label(store: AnnotationFile, index: int, stance: str) -> None:
    store.set(IDS[index], Annotation(stance=stance), TEXTS[index])
    store.commit()


def test_a_write_between_git_stashs_snapshot_and_its_reset(repo: Repo) -> None:
    """`git stash` records the working tree (`git stash create`), stores it (`git stash store`),
    then runs `git reset --hard`. Between the first step and the last, for some 20 ms, no lock and
    no state file is in the git directory. The app compacted there: its file, holding a label
    that was only in the journal when the stash read the file, was replaced by the reset, and the
    journal record had been trimmed: the label was in neither the stash nor the file."""
    store = AnnotationFile.open(repo.root, "alice")
    label(store, 1, "disagree")
    store.compact()  # in the file: the stash takes it away, and gives it back
    git_dir = gitio.git_dir(repo.root)
    store.pause_writes = lambda: gitio.operation_in_progress(git_dir, gitio.QUIET_SECONDS)  # as the screen's
    label(store, 2, "mixed")  # in the journal only, when the stash reads the file
    stash = repo.git("stash", "create").stdout.strip()
    assert stash
    fold(store, git_dir)  # the app's turn
    repo.git("stash", "store", "-m", "WIP on main", stash)
    repo.git("reset", "--hard", "-q")
    fold(store, git_dir)
    repo.git("stash", "pop", "-q")
    reopened = AnnotationFile.open(repo.root, "alice")  # the journal replayed, as the next start does
    assert [entry.stance if (entry := reopened.get(i)) else None for i in IDS[:3]] == ["agree", "disagree", "mixed"]


async def test_quitting_a_moment_after_a_git_command_still_writes_the_file(repo: Repo) -> None:
    """Writes wait until git has left its directory alone for `gitio.QUIET_SECONDS`. Quitting
    within that second (a `git commit` in another terminal, then ctrl+q) must wait it out and
    write the file, not leave the label in the journal only: the next `git commit` would miss it."""
    app = build_app(Project.open(repo.root), "alice", now=lambda: NOW)
    async with app.run_test() as pilot:
        await ready(pilot)
        await pilot.press("j", "d")
        await settled(pilot)  # in the journal
        repo.git("status")  # refreshes the index: a lock in the git directory, for a moment
        await pilot.press("ctrl+q")
        for _ in range(100):
            if not app.is_running:
                break
            await pilot.pause(0.05)
        assert not app.is_running
    assert AnnotationFile.load(repo.file("alice"), replay=False).get(IDS[1]).stance == "disagree"
