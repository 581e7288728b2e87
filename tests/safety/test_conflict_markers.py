"""A merge git could not finish leaves conflict markers in an annotation file: `annotator validate`
names each marker line and says how to resolve; the app shows why it cannot open and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.core.project import Project
from annotator.tui.app import ErrorScreen, build_app
from tests.core.gitrepo import Repo


@pytest.fixture
def conflicted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A repository where `git merge` (without `annotator git-setup`) stopped on alice's file."""
    repo = Repo.create(tmp_path, monkeypatch)
    repo.label("alice", 0, stance="agree")
    repo.commit("alice starts")
    repo.git("checkout", "-q", "-b", "teammate")
    repo.label("alice", 0, stance="neutral")
    repo.commit("teammate's version")
    repo.git("checkout", "-q", "main")
    repo.label("alice", 0, stance="mixed")
    repo.commit("alice changes her mind")
    assert repo.git("merge", "teammate", check=False).returncode == 1
    return repo


def marker_lines(path: Path) -> list[int]:
    return [number for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
            if line.startswith(("<<<<<<< ", "=======", ">>>>>>> "))]


def test_validate_names_every_marker_line_and_how_to_resolve(conflicted: Repo, capsys) -> None:
    lines = marker_lines(conflicted.file("alice"))
    assert len(lines) == 3
    code, out, err = conflicted.run(capsys, "validate")
    assert code == 1
    assert out == ""
    reported = err.splitlines()
    assert reported[:3] == [
        f"annotations/alice.toml:{line}: git conflict marker: this file has an unresolved merge" for line in lines
    ]
    assert reported[3] == (
        "  (keep one version of each entry and delete the marker lines; "
        "`annotator git-setup` makes git merge annotation files entry by entry)"
    )


async def test_the_app_shows_the_error_screen_and_writes_nothing(conflicted: Repo) -> None:
    path = conflicted.file("alice")
    before = path.read_bytes()
    first = marker_lines(path)[0]
    app = build_app(Project.open(conflicted.root), "alice")
    async with app.run_test() as pilot:
        for _ in range(200):
            await pilot.pause()
            if isinstance(app.screen, ErrorScreen):
                break
        assert isinstance(app.screen, ErrorScreen), app.screen
        text = str(app.screen.query_one("#error-text").render())
        assert f"annotations/alice.toml:{first}: git conflict marker" in text
        assert "annotator git-setup" in text
        assert "Nothing was written" in text
        await pilot.press("a", "d", "j", "q")  # label keys do nothing; q quits
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["alice.toml"]  # (the lock is in .git/annotator)
