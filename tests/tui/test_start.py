"""Start-up from a project folder: the start of the list first, then the project, then the labels."""

from __future__ import annotations

from pathlib import Path

from annotator.core.seeds import load_seeds
from annotator.tui.app import PREVIEW_ROWS, build_app
from annotator.tui.widgets.comment_list import CommentList
from tests.conftest import make_project
from tests.tui.conftest import disk_entry, ready, settled


async def test_the_list_is_shown_while_the_project_is_read_then_the_main_screen_takes_over(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"big.txt": "\n".join(f"Comment number {i}." for i in range(1000)) + "\n"})
    app = build_app(root, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        first = app.screen_stack[0].query_one(CommentList)  # the first frame's list, without labels
        assert first.rows == range(PREVIEW_ROWS)
        assert "Comment number 0." in first.render_line(0).text
        screen = await ready(pilot)
        assert len(screen.session.comments) == 1000
        await pilot.press("a")
        await settled(pilot)
        assert disk_entry(app, 0).stance == "agree"
    assert app.project is not None and app.project.corpus.comments == load_seeds(root).comments


async def test_seeds_that_cannot_be_read_end_the_app_with_the_error(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"a.jsonl": '{"text": "Fine."}\n[1]\n'})
    app = build_app(root, "alice")
    async with app.run_test() as pilot:
        for _ in range(100):
            await pilot.pause()
    assert app.return_code == 1
    assert str(app.failure).startswith('seeds/a.jsonl:2: expected a JSON object with a "text" field, got a list')
    assert list((root / "annotations").iterdir()) == []
