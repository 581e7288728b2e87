"""Review mode: other annotators' labels beside the comment, the disagreement filter, accepting
labels into gold one annotator at a time or in bulk after a confirmation."""

from __future__ import annotations

from pathlib import Path

from annotator.core.models import Annotation
from annotator.core.project import Project
from annotator.core.store import AnnotationFile
from annotator.tui.app import build_app
from annotator.tui.screens.dialogs import Question
from annotator.tui.widgets.editor import ReviewPanel
from tests.conftest import make_project
from tests.tui.conftest import NOW, FakeClock, disk_entry, ready, settled


def project_with_two_annotators(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "project")
    comments = Project.open(root).corpus.comments
    labels = {
        "bob": [("agree", ("scaling",)), ("disagree", ()), ("mixed", ("dl-theory",)), ("neutral", ())],
        "carol": [("agree", ("scaling",)), ("agree", ()), ("mixed", ("dl-theory",)), ("disagree", ())],
    }
    for name, rows in labels.items():
        store = AnnotationFile.open(root, name)
        for comment, (stance, topics) in zip(comments, rows, strict=False):
            store.set(comment.id, Annotation(stance=stance, topics=topics, updated=NOW), comment.text)
        store.save()
    return root


def gold_app(root: Path, annotator: str = "gold"):
    return build_app(Project.open(root), annotator, clock=FakeClock(), now=lambda: NOW)


async def start_review(pilot):
    screen = await ready(pilot)
    await pilot.press("r")
    for _ in range(50):
        await pilot.pause()
        if screen.review is not None:
            return screen
    raise AssertionError("review never loaded")


async def test_review_shows_every_annotator_and_accepts_one_into_gold(tmp_path: Path) -> None:
    app = gold_app(project_with_two_annotators(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start_review(pilot)
        await pilot.press("j")  # comment 1: bob disagree, carol agree
        panel = str(screen.query_one(ReviewPanel).render())
        assert "[1] bob: disagree" in panel
        assert "[2] carol: agree" in panel
        await pilot.press("2")  # accept carol's; in review mode digits do not toggle topics
        await settled(pilot)
        entry = disk_entry(app, 1, "gold")
        assert (entry.stance, entry.topics) == ("agree", ())
        await pilot.press("1")
        await settled(pilot)
        assert disk_entry(app, 1, "gold").stance == "disagree"
        await pilot.press("r", "1")  # out of review mode: 1 is a topic again
        await settled(pilot)
        assert disk_entry(app, 1, "gold").topics == ("dl-theory",)


async def test_disagreement_filter(tmp_path: Path) -> None:
    app = gold_app(project_with_two_annotators(tmp_path))
    async with app.run_test() as pilot:
        screen = await start_review(pilot)
        await pilot.press("v")
        options = app.screen.query_one("#picker-options")
        options.highlighted = options.get_option_index("disagree")
        await pilot.press("enter")
        await pilot.pause()
        assert list(screen.comment_list.rows) == [1, 3]


async def test_bulk_accept_asks_first_and_undoes_in_one_step(tmp_path: Path) -> None:
    app = gold_app(project_with_two_annotators(tmp_path))
    async with app.run_test() as pilot:
        await start_review(pilot)
        await pilot.press("Y")
        assert isinstance(app.screen, Question)
        shown = " ".join(str(widget.render()) for widget in app.screen.query("Static"))
        assert "2 comments were labeled the same way" in shown
        await pilot.press("n")
        await settled(pilot)
        assert disk_entry(app, 0, "gold") is None
        await pilot.press("Y", "y")
        await settled(pilot)
        assert (disk_entry(app, 0, "gold").stance, disk_entry(app, 0, "gold").topics) == ("agree", ("scaling",))
        assert disk_entry(app, 2, "gold").stance == "mixed"
        assert disk_entry(app, 1, "gold") is None  # they disagree there
        await pilot.press("u")
        await settled(pilot)
        assert disk_entry(app, 0, "gold") is None and disk_entry(app, 2, "gold") is None


async def test_only_gold_accepts(tmp_path: Path) -> None:
    app = gold_app(project_with_two_annotators(tmp_path), annotator="dave")
    async with app.run_test() as pilot:
        await start_review(pilot)
        await pilot.press("1")
        await settled(pilot)
        assert disk_entry(app, 0, "dave") is None
        assert any("open the app with --annotator gold" in n.message for n in app._notifications)


def test_review_mode_snapshot(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot) -> None:
        await start_review(pilot)
        await pilot.press("j", "1")
        await settled(pilot)

    assert snap_compare(gold_app(project_with_two_annotators(tmp_path)), terminal_size=(100, 32), run_before=run_before)
