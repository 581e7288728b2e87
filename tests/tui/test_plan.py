"""With a plan (`[assign]` in annotator.toml), the app opens on the annotator's share: the list,
next-unlabeled and the status line follow it, and every comment is one filter away."""

from __future__ import annotations

from pathlib import Path

from annotator.core.assign import assign
from annotator.core.project import Project
from annotator.tui.app import build_app
from tests.conftest import make_project
from tests.tui.conftest import NOW, on_disk, pick_filter, ready, settled, until

PLAN = '\n[assign]\nannotators = ["alice", "bob", "carol"]\noverlap = 1\ncalibration = 2\nsalt = "pilot"\n'


def planned_app(tmp_path: Path, clock, annotator: str = "alice", plan: str = PLAN):
    root = make_project(tmp_path / "project")
    (root / "annotator.toml").write_text((root / "annotator.toml").read_text("utf-8") + plan, "utf-8")
    project = Project.open(root)
    return build_app(project, annotator, clock=clock, now=lambda: NOW), project


def share_of(project: Project, annotator: str) -> list[int]:
    return assign(project.schema.assign, [c.id for c in project.corpus.comments]).positions(annotator)


def status(screen) -> str:
    return str(screen.query_one("#progress").render())


async def test_an_annotator_with_a_plan_sees_and_walks_only_their_share(tmp_path: Path, clock) -> None:
    app, project = planned_app(tmp_path, clock)
    mine = share_of(project, "alice")
    assert 2 < len(mine) < 22 and mine[:2] == [0, 1]  # (the calibration set, then alice's part of the rest)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await ready(pilot)
        assert list(screen.comment_list.rows) == mine
        assert f"0/22 ░░░░ mine 0/{len(mine)}" in status(screen)
        for _ in mine:  # label the comment shown, then on to the next unlabeled one
            await pilot.press("a", "space")
        await pilot.press("space")
        await until(pilot, lambda: any(n.message == "Every comment here is labeled." for n in app._notifications),
                    "the notice that the share is done")
        await settled(pilot)
        labeled = {comment_id for comment_id, entry in on_disk(app).entries.items() if entry.is_labeled}
        assert labeled == {project.corpus.comments[position].id for position in mine}
        assert f"mine {len(mine)}/{len(mine)}" in status(screen)

        await pick_filter(pilot, "all")  # every comment is one filter away
        assert list(screen.comment_list.rows) == list(range(22))
        assert "mine" not in status(screen)
        await pick_filter(pilot, "mine")
        assert list(screen.comment_list.rows) == mine


async def test_escape_shows_every_comment(tmp_path: Path, clock) -> None:
    app, project = planned_app(tmp_path, clock, annotator="bob")
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        assert list(screen.comment_list.rows) == share_of(project, "bob")
        await pilot.press("escape")
        assert list(screen.comment_list.rows) == list(range(22))


async def test_someone_the_plan_does_not_name_sees_every_comment(tmp_path: Path, clock) -> None:
    app, _ = planned_app(tmp_path, clock, annotator="gold")
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        assert list(screen.comment_list.rows) == list(range(22))
        assert "mine" not in status(screen)
        await pilot.press("v")
        options = app.screen.query_one("#picker-options")
        assert "mine" not in [options.get_option_at_index(i).id for i in range(options.option_count)]


async def test_without_a_plan_nothing_changes(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        assert list(screen.comment_list.rows) == list(range(22))
        await pilot.press("v")
        options = app.screen.query_one("#picker-options")
        assert options.get_option_at_index(1).id == "unlabeled"
