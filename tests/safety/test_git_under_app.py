"""Real git commands change the annotation file while the app runs.

In a temporary git repository the app labels a comment (the change sits in the journal: the
compaction timer is pushed back so that it stays unsaved in the TOML file), then `git stash`,
`git checkout <branch> -- <file>`, `git merge --ff-only`, a hand edit, or a merge that stops with
conflict markers changes the file under it. The app must notice on its first look after the
change (it looks every 1.5 s), reload, keep its own unsaved change, and never write over the other
change.

The tests wait for events, not for a time: the reload notice (the last thing the app does once it
has merged the file and redrawn) or the error it shows. How fast the app notices is checked by
counting its looks at the file, which no load on the machine changes.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from annotator.core.project import Project
from annotator.core.store import AnnotationFile
from annotator.tui.app import build_app
from annotator.tui import saver
from tests.core.gitrepo import IDS, Repo
from tests.tui.conftest import ready, settled, until

NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)


class Looks:
    """What the app's fold lane (one worker thread at a time) does with the file, numbered as each
    starts: a look (`changed_on_disk`) and what it saw, or a merge (`merge_from_disk`; a retried
    compaction finds a change that way too, without a look)."""

    def __init__(self) -> None:
        self.started = 0
        self.saw: dict[int, bool] = {}  # number -> changed (a merge: True)
        self._lock = threading.Lock()

    def number(self) -> int:
        with self._lock:
            self.started += 1
            return self.started

    def first_after(self, mark: int) -> bool | None:
        """Whether the first look or merge that started after `mark` of them had the change
        (None: it has not ended yet). After a change it must: a look that misses a change (the
        same `DiskState` as before) misses it every 1.5 s after, and the app never reloads."""
        return self.saw.get(mark + 1)


@pytest.fixture
def looks(monkeypatch: pytest.MonkeyPatch) -> Looks:
    looks = Looks()
    changed_on_disk, merge_from_disk = AnnotationFile.changed_on_disk, AnnotationFile.merge_from_disk

    def look(store: AnnotationFile) -> bool:
        number = looks.number()
        looks.saw[number] = changed = changed_on_disk(store)
        return changed

    def merge(store: AnnotationFile) -> list[str]:
        looks.saw[looks.number()] = True  # it reads the file as it is now
        return merge_from_disk(store)

    monkeypatch.setattr(AnnotationFile, "changed_on_disk", look)
    monkeypatch.setattr(AnnotationFile, "merge_from_disk", merge)
    return looks


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A repository whose main branch has alice's label on the first comment, committed."""
    repo = Repo.create(tmp_path, monkeypatch)
    (repo.root / ".gitignore").write_text("annotations/.*\n", "utf-8")  # journal, lock: as in this repository
    repo.label("alice", 0, stance="agree")
    repo.commit("alice labels the first comment")
    # Unsaved changes stay in the journal until the test has run its git command.
    monkeypatch.setattr(saver, "COMPACT_AFTER", 60.0)
    return repo


def branch(repo: Repo, name: str, **labels: str) -> None:
    """Commit, on a new branch `name` made from main, alice's stance for comments by index."""
    repo.git("checkout", "-q", "-b", name)
    for index, stance in labels.items():
        repo.label("alice", int(index.removeprefix("c")), stance=stance)
    repo.commit(f"{name} labels")
    repo.git("checkout", "-q", "main")


def stances(store: AnnotationFile) -> list[str | None]:
    return [entry.stance if (entry := store.get(comment_id)) else None for comment_id in IDS]


def in_file(repo: Repo) -> list[str | None]:
    """alice's labels as the TOML file holds them (the journal left out)."""
    return stances(AnnotationFile.load(repo.file("alice"), replay=False))


def reload_notices(app) -> set[str]:
    """The identities of the reload notices on screen (each expires after 10 s)."""
    return {n.identity for n in app._notifications if "changed on disk: reloaded" in n.message}


async def noticed(pilot, looks: Looks, what: str, shown: set[str]) -> None:
    """Call right after `what` changed the file: wait until the app shows a reload notice that is
    not among `shown` (taken before the change), and check that its first look after the change
    saw it. The notice comes last, once the file is merged into the store and the screen redrawn:
    the store, read before it, may still be half merged (the merge runs in a worker thread)."""
    mark = looks.started  # the looks that started while `what` ran may have seen the old file

    def reloaded() -> bool:
        assert looks.first_after(mark) is not False, f"the app's first look after {what} did not see the change"
        return bool(reload_notices(pilot.app) - shown)

    await until(pilot, reloaded, f"the app to reload after {what}")
    assert looks.first_after(mark)


async def label_second_comment(pilot) -> None:
    """alice says "disagree" to comment 1: in the journal, not yet in the TOML file."""
    screen = await ready(pilot)
    await pilot.press("j", "d")
    await settled(pilot)
    assert screen.session.store.journal.exists()


async def test_git_checkout_of_another_branchs_file(repo: Repo, looks: Looks) -> None:
    branch(repo, "teammate", c0="neutral", c2="mixed")
    app = build_app(Project.open(repo.root), "alice", now=lambda: NOW)
    async with app.run_test() as pilot:
        await label_second_comment(pilot)
        shown = reload_notices(app)
        repo.git("checkout", "teammate", "--", "annotations/alice.toml")
        await noticed(pilot, looks, "git checkout", shown)
        session = app.screen.session
        assert stances(session.store) == ["neutral", "disagree", "mixed", None, None]
        await settled(pilot, compacted=True)
        assert in_file(repo) == ["neutral", "disagree", "mixed", None, None]
        await pilot.press("ctrl+q")
    assert in_file(repo) == ["neutral", "disagree", "mixed", None, None]


async def test_git_merge_fast_forward(repo: Repo, looks: Looks) -> None:
    branch(repo, "teammate", c3="neutral")
    app = build_app(Project.open(repo.root), "alice", now=lambda: NOW)
    async with app.run_test() as pilot:
        await label_second_comment(pilot)
        shown = reload_notices(app)
        merged = repo.git("merge", "--ff-only", "teammate", check=False)
        await noticed(pilot, looks, "git merge", shown)
        assert merged.returncode == 0, merged.stderr  # the TOML file is clean: the change is in the journal
        assert stances(app.screen.session.store) == ["agree", "disagree", None, "neutral", None]
        await settled(pilot, compacted=True)
        assert in_file(repo) == ["agree", "disagree", None, "neutral", None]
        await pilot.press("ctrl+q")
    assert in_file(repo) == ["agree", "disagree", None, "neutral", None]


async def test_git_stash(repo: Repo, looks: Looks, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app saved comment 1 to the file; `git stash` takes it away again while comment 2 is
    still unsaved. The app follows the stash (it must not write comment 1 back) and keeps 2."""
    app = build_app(Project.open(repo.root), "alice", now=lambda: NOW)
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        monkeypatch.setattr(saver, "COMPACT_AFTER", 0.05)
        await pilot.press("j", "d")
        await settled(pilot, compacted=True)
        assert in_file(repo)[1] == "disagree"
        monkeypatch.setattr(saver, "COMPACT_AFTER", 60.0)
        await pilot.press("j", "m")
        await settled(pilot)
        shown = reload_notices(app)
        stashed = repo.git("stash", check=False)
        await noticed(pilot, looks, "git stash", shown)
        assert stashed.returncode == 0, stashed.stderr
        assert stances(screen.session.store) == ["agree", None, "mixed", None, None]
        await settled(pilot, compacted=True)
        assert in_file(repo) == ["agree", None, "mixed", None, None]
        await pilot.press("ctrl+q")
    assert in_file(repo) == ["agree", None, "mixed", None, None]
    assert 'stance = "disagree"' in repo.git("stash", "show", "-p").stdout  # nothing lost: it is in the stash


async def test_a_hand_edit_of_the_same_size(repo: Repo, looks: Looks) -> None:
    """An editor changes "agree" to "mixed" in place: same size, same inode, only the time differs."""
    app = build_app(Project.open(repo.root), "alice", now=lambda: NOW)
    async with app.run_test() as pilot:
        await label_second_comment(pilot)
        path = repo.file("alice")
        text = path.read_text("utf-8")
        before = (path.stat().st_size, path.stat().st_ino)
        time.sleep(0.02)  # a person types slower than the file system's clock ticks
        shown = reload_notices(app)
        with path.open("w", encoding="utf-8") as handle:
            handle.write(text.replace('stance = "agree"', 'stance = "mixed"'))
            handle.flush()
            edited = os.fstat(handle.fileno())  # this very file, even if the app has replaced it since
        await noticed(pilot, looks, "a hand edit", shown)
        assert (edited.st_size, edited.st_ino) == before
        assert stances(app.screen.session.store) == ["mixed", "disagree", None, None, None]
        await settled(pilot, compacted=True)
        assert in_file(repo) == ["mixed", "disagree", None, None, None]
        await pilot.press("ctrl+q")
    assert in_file(repo) == ["mixed", "disagree", None, None, None]


async def test_a_merge_that_stops_with_conflict_markers_is_never_overwritten(repo: Repo, looks: Looks) -> None:
    """`git merge` stops with conflict markers in the file while the app runs: while git is in the
    middle of the merge, the app says so, keeps its change in the journal and writes nothing;
    once the merge is concluded it merges what git left, as usual."""
    branch(repo, "teammate", c0="neutral")
    repo.label("alice", 0, stance="mixed")
    repo.commit("alice changes her mind on the first comment")
    app = build_app(Project.open(repo.root), "alice", now=lambda: NOW)
    async with app.run_test() as pilot:
        await label_second_comment(pilot)
        screen = app.screen
        assert repo.git("merge", "teammate", check=False).returncode == 1
        mark = looks.started
        path = repo.file("alice")
        conflicted = path.read_bytes()
        assert b"<<<<<<< " in conflicted
        await until(pilot, lambda: "git busy" in status_line(screen), "the app to see the merge")
        await pilot.pause(RETRY_WAIT)  # a retry and more looks: still nothing written
        assert path.read_bytes() == conflicted
        assert screen.session.annotation(IDS[1]).stance == "disagree"
        shown = reload_notices(app)
        repo.git("checkout", "--theirs", "--", "annotations/alice.toml")  # resolved: the teammate's label
        repo.git("add", "annotations/alice.toml")
        repo.git("commit", "-q", "--no-edit")
        await noticed(pilot, looks, "the resolution", shown)
        assert stances(screen.session.store) == ["neutral", "disagree", None, None, None]
        await settled(pilot, compacted=True)
        assert screen.save_error is None
        assert "git busy" not in status_line(screen)
        assert in_file(repo) == ["neutral", "disagree", None, None, None]
        await pilot.press("ctrl+q")
    assert in_file(repo) == ["neutral", "disagree", None, None, None]


def status_line(screen) -> str:
    return str(screen.query_one("#progress").render())


RETRY_WAIT = saver.RETRY_SECONDS + 0.2
