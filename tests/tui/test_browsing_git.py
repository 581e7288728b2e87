"""Browsing leaves `git status` clean: opening the app, moving, reading and quitting change no
tracked file. The time spent on a comment is written with that comment's next label change, so
it still reaches `stats` and the export (and a reviewer's diff shows it beside a real change)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.core.project import Project
from annotator.tui.app import build_app
from tests.core.gitrepo import IDS, Repo
from tests.tui.conftest import NOW, FakeClock, ready, settled


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A repository set up as `annotator git-setup` leaves it, with alice's first label committed."""
    repo = Repo.create(tmp_path, monkeypatch)
    repo.setup_drivers()
    repo.label("alice", 0, stance="agree", seconds=4.0)
    repo.commit("alice labels the first comment")
    return repo


def status(repo: Repo) -> str:
    return repo.git("status", "--porcelain", "--untracked-files=all").stdout


async def browse(repo: Repo, annotator: str, keys: tuple[str, ...]) -> None:
    """Open the app as `annotator`, press `keys` six seconds apart, let it save, and quit."""
    clock = FakeClock()
    app = build_app(Project.open(repo.root), annotator, clock=clock, now=lambda: NOW)
    async with app.run_test() as pilot:
        await ready(pilot)
        for key in keys:
            clock.advance(6)
            await pilot.press(key)
        await settled(pilot, compacted=True)
        await pilot.press("ctrl+q")
        await pilot.pause()


async def test_browsing_changes_no_file_and_time_comes_with_the_next_label(repo: Repo, capsys) -> None:
    await browse(repo, "alice", ("j", "j", "j", "k", "k", "k", "ctrl+d", "g"))  # over the labeled comment too
    assert status(repo) == ""

    clock = FakeClock()
    app = build_app(Project.open(repo.root), "alice", clock=clock, now=lambda: NOW)
    async with app.run_test() as pilot:
        await ready(pilot)
        await pilot.press("j")
        clock.advance(6)
        await pilot.press("j", "k")  # leaves comment 1 after 6 s, and comes back
        clock.advance(9)
        await pilot.press("d")  # 9 s on this visit and 6 s on the one before: 15 s
        clock.advance(3)
        await pilot.press("k")  # 3 s more on comment 1, with no change after: not written
        await settled(pilot, compacted=True)
        await pilot.press("ctrl+q")
        await pilot.pause()

    assert status(repo) == " M annotations/alice.toml\n"
    diff = repo.git("diff", "--no-ext-diff", "--no-textconv", "annotations/alice.toml").stdout
    added = [line for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert f'+[comments.{IDS[1]}]' in added
    assert '+stance = "disagree"' in added
    assert "+seconds = 15.0" in added
    assert not [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]

    capsys.readouterr()
    code, out, _ = repo.run(capsys, "stats", "--format", "json")
    assert code == 0
    alice = next(one for one in json.loads(out)["annotators"] if one["name"] == "alice")
    assert alice["median_seconds"] == 9.5  # 4 s and 15 s


async def test_a_new_annotator_who_only_reads_leaves_no_file(repo: Repo) -> None:
    await browse(repo, "bob", ("j", "j", "G", "k"))
    assert status(repo) == ""
    assert not repo.file("bob").exists()
