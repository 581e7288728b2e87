"""Real git commands change the annotation file while the app runs.

In a temporary git repository the app labels a comment (the change sits in the journal: the
compaction timer is pushed back so that it stays unsaved in the TOML file), then `git stash`,
`git checkout <branch> -- <file>`, `git merge --ff-only`, a hand edit, or a merge that stops with
conflict markers changes the file under it. The app must notice within about two seconds (it
looks every 1.5 s), reload, keep its own unsaved change, and never write over the other change.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from annotator.core.project import Project
from annotator.core.store import AnnotationFile
from annotator.tui.app import build_app
from annotator.tui import saver
from tests.core.gitrepo import IDS, Repo
from tests.tui.conftest import ready, settled

NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)
NOTICE_SECONDS = 2.5  # the app looks every 1.5 s; the rest is slack for a busy machine


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


async def noticed(pilot, what: str, done: Callable[[], bool]) -> float:
    """Wait until `done()`; how long it took. Fails after NOTICE_SECONDS."""
    start = time.monotonic()
    while not done():
        assert time.monotonic() - start < NOTICE_SECONDS, f"the app did not notice {what} in {NOTICE_SECONDS} s"
        await pilot.pause(0.05)
    return time.monotonic() - start


def reload_notices(app) -> list[str]:
    return [n.message for n in app._notifications if "changed on disk: reloaded" in n.message]


async def label_second_comment(pilot) -> None:
    """alice says "disagree" to comment 1: in the journal, not yet in the TOML file."""
    screen = await ready(pilot)
    await pilot.press("j", "d")
    await settled(pilot)
    assert screen.session.store.journal.exists()


async def test_git_checkout_of_another_branchs_file(repo: Repo) -> None:
    branch(repo, "teammate", c0="neutral", c2="mixed")
    app = build_app(Project.open(repo.root), "alice", now=lambda: NOW)
    async with app.run_test() as pilot:
        await label_second_comment(pilot)
        repo.git("checkout", "teammate", "--", "annotations/alice.toml")
        session = app.screen.session
        await noticed(pilot, "git checkout", lambda: stances(session.store)[2] == "mixed")
        assert stances(session.store) == ["neutral", "disagree", "mixed", None, None]
        assert reload_notices(app)
        await settled(pilot, compacted=True)
        assert in_file(repo) == ["neutral", "disagree", "mixed", None, None]
        await pilot.press("ctrl+q")
    assert in_file(repo) == ["neutral", "disagree", "mixed", None, None]


async def test_git_merge_fast_forward(repo: Repo) -> None:
    branch(repo, "teammate", c3="neutral")
    app = build_app(Project.open(repo.root), "alice", now=lambda: NOW)
    async with app.run_test() as pilot:
        await label_second_comment(pilot)
        merged = repo.git("merge", "--ff-only", "teammate", check=False)
        assert merged.returncode == 0, merged.stderr  # the TOML file is clean: the change is in the journal
        session = app.screen.session
        await noticed(pilot, "git merge", lambda: stances(session.store)[3] == "neutral")
        await settled(pilot, compacted=True)
        assert in_file(repo) == ["agree", "disagree", None, "neutral", None]
        await pilot.press("ctrl+q")
    assert in_file(repo) == ["agree", "disagree", None, "neutral", None]


async def test_git_stash(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
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
        stashed = repo.git("stash", check=False)
        assert stashed.returncode == 0, stashed.stderr
        await noticed(pilot, "git stash", lambda: stances(screen.session.store)[1] is None)
        assert stances(screen.session.store) == ["agree", None, "mixed", None, None]
        await settled(pilot, compacted=True)
        assert in_file(repo) == ["agree", None, "mixed", None, None]
        await pilot.press("ctrl+q")
    assert in_file(repo) == ["agree", None, "mixed", None, None]
    assert 'stance = "disagree"' in repo.git("stash", "show", "-p").stdout  # nothing lost: it is in the stash


async def test_a_hand_edit_of_the_same_size(repo: Repo) -> None:
    """An editor changes "agree" to "mixed" in place: same size, same inode, only the time differs."""
    app = build_app(Project.open(repo.root), "alice", now=lambda: NOW)
    async with app.run_test() as pilot:
        await label_second_comment(pilot)
        path = repo.file("alice")
        text = path.read_text("utf-8")
        before = (path.stat().st_size, path.stat().st_ino)
        time.sleep(0.02)  # a person types slower than the file system's clock ticks
        path.write_text(text.replace('stance = "agree"', 'stance = "mixed"'), "utf-8")
        assert (path.stat().st_size, path.stat().st_ino) == before
        session = app.screen.session
        await noticed(pilot, "a hand edit", lambda: stances(session.store)[0] == "mixed")
        await settled(pilot, compacted=True)
        assert in_file(repo) == ["mixed", "disagree", None, None, None]
        await pilot.press("ctrl+q")
    assert in_file(repo) == ["mixed", "disagree", None, None, None]


async def test_a_merge_that_stops_with_conflict_markers_is_never_overwritten(repo: Repo) -> None:
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
        path = repo.file("alice")
        conflicted = path.read_bytes()
        assert b"<<<<<<< " in conflicted
        await noticed(pilot, "the merge", lambda: "git busy" in status_line(screen))
        await pilot.pause(RETRY_WAIT)  # a retry and more looks: still nothing written
        assert path.read_bytes() == conflicted
        assert screen.session.annotation(IDS[1]).stance == "disagree"
        repo.git("checkout", "--theirs", "--", "annotations/alice.toml")  # resolved: the teammate's label
        repo.git("add", "annotations/alice.toml")
        repo.git("commit", "-q", "--no-edit")
        await noticed(pilot, "the resolution", lambda: stances(screen.session.store)[0] == "neutral")
        await settled(pilot, compacted=True)
        assert screen.save_error is None
        assert "git busy" not in status_line(screen)
        assert in_file(repo) == ["neutral", "disagree", None, None, None]
        await pilot.press("ctrl+q")
    assert in_file(repo) == ["neutral", "disagree", None, None, None]


def status_line(screen) -> str:
    return str(screen.query_one("#progress").render())


RETRY_WAIT = saver.RETRY_SECONDS + 0.2
