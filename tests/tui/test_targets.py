"""What a comment replies to, above it (issue 11, point 1): each kind of target on screen, labels
still going to the comment under the cursor, P to the parent and ctrl+o back (under a filter too),
C collapsing the target and ctrl+e scrolling it. On the sample project in docs/sample."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from annotator.core.project import Project
from annotator.tui.app import build_app
from annotator.tui.widgets.label_panel import LabelPanel
from annotator.tui.widgets.target_view import TargetView
from tests.conftest import REPO, make_project
from tests.tui.conftest import (
    HOSTILE,
    NOW,
    FakeClock,
    disk_entry,
    on_disk,
    pick_filter,
    ready,
    settled,
    until,
)
from tests.tui.test_reading import screen_text

LARGE, SMALL = (200, 60), (80, 24)
URL = "https://forum.example.org/t/scaling-and-reasoning"


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return Path(shutil.copytree(REPO / "docs" / "sample", tmp_path / "sample"))


def app_on(root: Path, annotator: str = "sample"):
    return build_app(Project.open(root), annotator, clock=FakeClock(), now=lambda: NOW)


async def at(pilot, comment_id: str):
    """The main screen, with the cursor on `comment_id`."""
    screen = await ready(pilot)
    screen.comment_list.move_to(screen.row_of(comment_id))
    await until(pilot, lambda: screen.current_id() == comment_id, f"the cursor on {comment_id}")
    await pilot.pause()
    return screen


async def label_lands_on(pilot, key: str, position: int, annotator: str, stance: str) -> None:
    """Press a stance key: the comment at `position` (the one under the cursor, not its target)
    has that stance in the file on disk."""
    await pilot.press(key)
    await settled(pilot)
    assert disk_entry(pilot.app, position, annotator).stance == stance


def rows(app) -> list[str]:
    return [line.rstrip() for line in screen_text(app).splitlines()]


def right(app, start: int, count: int) -> list[str]:
    """`count` rows of the right-hand pane from screen row `start`, without the list beside it (the
    target's rows start with the bar that sets it apart)."""
    return [line.split("▕", 1)[1].rstrip() for line in rows(app)[start:start + count]]


async def test_a_parent_in_the_corpus_with_its_author_and_your_labels(sample: Path) -> None:
    app = app_on(sample)
    async with app.run_test(size=LARGE) as pilot:
        await at(pilot, "a3")
        assert right(app, 1, 3) == [
            "█▾ replying to a2 · tobias  you: disagree, reasoning, scaling  P goes there · C hides",
            "█Rarer is not the same as gone. If each step has a 1% error rate, a 200-step chain still fails most of the time. Scale",
            "█shrinks the rate; it doesn't change the compounding.",
        ]
        await label_lands_on(pilot, "m", 2, "sample", "mixed")
        assert disk_entry(app, 1, "sample").stance == "disagree"  # a2, the parent shown above it, as it was


async def test_a_parent_not_in_the_corpus_shows_its_id_and_the_comments_url(sample: Path) -> None:
    app = app_on(sample)
    async with app.run_test(size=LARGE) as pilot:
        screen = await at(pilot, "d6")
        assert right(app, 1, 3) == [
            "█▾ replying to d0 (not in the corpus)  C hides",
            "█Not among the comments to label: only its id is known.",
            f"█The comment's url: {URL}#d6",
        ]
        await pilot.press("P")
        await pilot.pause()
        assert screen.current_id() == "d6"
        assert [n.message for n in app._notifications] == ["Its parent, d0, is not among the comments to label."]
        await label_lands_on(pilot, "a", 32, "sample", "agree")


async def test_a_rows_context_and_a_context_beside_a_parent(sample: Path) -> None:
    app = app_on(sample)
    async with app.run_test(size=LARGE) as pilot:
        await at(pilot, "c1")
        assert right(app, 1, 3) == [
            "█▾ replying to its context text  C hides",
            '█From the write-up linked in the post: "Accuracy on our held-out puzzle set rose from 31% to 58% between the two model',
            '█sizes, with no change to prompting."',
        ]
        await at(pilot, "c4")
        assert right(app, 1, 3)[:2] == [
            "█▾ replying to c3 · oskar  you: disagree, memorization  P goes there · C hides",
            '█Context: From the same write-up: "To rule out template leakage we wrote 40 puzzle types from scratch; the larger',
        ]
        await label_lands_on(pilot, "n", 21, "sample", "neutral")


async def test_the_project_target_where_a_comment_has_none_of_its_own(sample: Path) -> None:
    """The post's text is wrapped to the screen, not to annotator.toml's lines: at 200 columns in three
    lines, and at 80x24, read to its end with ctrl+e, no line is a word left over from the file's."""
    app = app_on(sample, "alice")
    async with app.run_test(size=LARGE) as pilot:
        await at(pilot, "a1")
        assert right(app, 1, 6) == [
            "█▾ replying to the project's post  C hides",
            "█Will scaling alone get language models to reliable multi-step reasoning?",
            "█Each new model generation solves more of the puzzle sets we keep around, but the failures look the same as ever: a",
            "█long chain of steps where one early slip ruins the answer. Is that just a matter of more parameters and data, or does",
            "█it need something else (search, tools, a symbolic component)? Curious where people here land, and why.",
            f"█{URL}",
        ]
        await pilot.resize_terminal(*SMALL)
        await pilot.pause()
        read = []
        for _ in range(8):  # ctrl+e, two lines a page, to the end of the post (▲ in the head line)
            read += [line.rstrip(" ▁▂▃▄▅▆▇") for line in right(app, 2, 2)]  # (less the scroll bar)
            if "▲" in right(app, 1, 1)[0]:
                break
            await pilot.press("ctrl+e")
            await pilot.pause()
        assert read == [
            "█Will scaling alone get language models to",
            "█reliable multi-step reasoning?",
            "█Each new model generation solves more of the",
            "█puzzle sets we keep around, but the failures",
            "█look the same as ever: a long chain of steps",
            "█where one early slip ruins the answer. Is",
            "█that just a matter of more parameters and",
            "█data, or does it need something else (search,",
            "█tools, a symbolic component)? Curious where",
            "█people here land, and why.",
            "█https://forum.example.org/t/scaling-and-reaso",
            "█ning",
        ]
        await label_lands_on(pilot, "d", 0, "alice", "disagree")


async def test_no_target_shows_nothing_above_the_comment(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"a.jsonl": '{"id": "x1", "text": "A comment on its own."}\n'})
    app = app_on(root, "alice")
    async with app.run_test(size=SMALL) as pilot:
        screen = await at(pilot, "x1")
        assert screen.query_one(TargetView).target is None
        assert "replying to" not in screen_text(app)
        assert right(app, 1, 1) == [" #1/1  x1  seeds/a.jsonl:1"]
        await pilot.press("P", "C")
        await pilot.pause()
        assert [n.message for n in app._notifications] == [
            "This comment replies to no other comment.",
            "This comment replies to nothing known: no parent, context or project target.",
        ]
        await label_lands_on(pilot, "a", 0, "alice", "agree")


@pytest.mark.parametrize("size", [SMALL, (100, 30), LARGE])
async def test_moving_between_roots_and_replies_redraws_lines_and_never_lays_the_screen_out(
        tmp_path: Path, size: tuple[int, int]) -> None:
    """Issue 17: `j` and `k` between a root comment and a reply (whose target appears above it, or
    goes) change lines only: no layout of the screen, and the labels stay where they are."""
    records = [{"id": "r1", "text": "A root comment. " * 12}, {"id": "c1", "text": "A reply to it.", "parent": "r1"},
               {"id": "r2", "text": "Another root."}, {"id": "c2", "text": "Replies to a passage.",
                                                       "context": "The passage it answers. " * 20},
               {"id": "r3", "text": "A third root, " * 30}]
    root = make_project(tmp_path / "p", {"a.jsonl": "".join(json.dumps(r) + "\n" for r in records)})
    app = app_on(root, "alice")
    async with app.run_test(size=size) as pilot:
        screen = await at(pilot, "c1")  # (the first target shown: at 24 rows the note box shrinks, once)
        await pilot.pause()
        layouts = []
        compositor = screen._compositor
        reflow = compositor.reflow
        compositor.reflow = lambda *args: layouts.append(args) or reflow(*args)
        labels = screen.query_one(LabelPanel)
        where = labels.region.y
        shown = []
        for key, comment_id in [("j", "r2"), ("j", "c2"), ("j", "r3"), ("k", "c2"), ("k", "r2"), ("k", "c1"),
                                ("k", "r1")]:
            await pilot.press(key)
            await until(pilot, lambda: screen.current_id() == comment_id, f"the cursor on {comment_id}")
            await pilot.pause()
            text = screen_text(app)
            shown.append(("replying to" in text or "its context text" in text, f"  {comment_id}  " in text))
            if size[1] < 40:  # (from 40 rows the comment, and so the labels, follow the text's height)
                assert labels.region.y == where
        assert shown == [(False, True), (True, True), (False, True), (True, True), (False, True), (True, True),
                         (False, True)]
        if size[1] < 40:
            assert layouts == []
        await label_lands_on(pilot, "a", 0, "alice", "agree")


async def test_p_jumps_to_the_parent_and_ctrl_o_comes_back_with_the_labels_kept(sample: Path) -> None:
    app = app_on(sample, "alice")
    async with app.run_test(size=SMALL) as pilot:
        screen = await at(pilot, "a5")
        await pilot.press("a", "P")  # a5 agree, then to its parent a4 ...
        await until(pilot, lambda: screen.current_id() == "a4", "the jump to a4")
        await pilot.press("P", "d")  # ... and on to a2, which gets disagree
        await until(pilot, lambda: screen.current_id() == "a2", "the jump to a2")
        await pilot.press("ctrl+o")
        await until(pilot, lambda: screen.current_id() == "a4", "back to a4")
        await pilot.press("ctrl+o")
        await until(pilot, lambda: screen.current_id() == "a5", "back to a5")
        assert screen.comment_list.cursor == 4
        await pilot.press("ctrl+o")  # nothing left to go back to
        await settled(pilot)
        assert app._notifications and list(app._notifications)[-1].message == (
            "No jump to go back from: P jumps to the parent, : to an id.")
        assert screen.current_id() == "a5"
        assert [disk_entry(app, position, "alice") and disk_entry(app, position, "alice").stance
                for position in (1, 3, 4)] == ["disagree", None, "agree"]


async def test_a_filter_that_hides_the_parent_is_cleared_and_comes_back_with_ctrl_o(sample: Path) -> None:
    app = app_on(sample, "alice")
    async with app.run_test(size=SMALL) as pilot:
        screen = await ready(pilot)
        await pilot.press("slash", *"compounding", "enter")  # a2, a3 and c7
        await until(pilot, lambda: len(screen.comment_list.rows) == 3, "the search")
        await pilot.press("j", "j")
        await until(pilot, lambda: screen.current_id() == "c7", "the cursor on c7")
        await pilot.press("P", "m")  # c6 is not in the search: it goes, and c6 gets mixed
        await until(pilot, lambda: screen.current_id() == "c6", "the jump to c6")
        assert screen.view.is_all
        await pilot.press("ctrl+o")
        await until(pilot, lambda: screen.current_id() == "c7", "back to c7")
        assert (screen.view.query, screen.comment_list.rows, screen.comment_list.cursor) == ("compounding", [1, 2, 24], 2)
        await settled(pilot)
        assert disk_entry(app, 23, "alice").stance == "mixed"
        assert disk_entry(app, 24, "alice") is None


async def test_c_collapses_the_target_to_one_line_and_ctrl_e_scrolls_it(sample: Path) -> None:
    app = app_on(sample)
    async with app.run_test(size=SMALL) as pilot:
        screen = await at(pilot, "a3")
        view = screen.query_one(TargetView)
        assert right(app, 1, 4) == [
            "█▾ replying to a2 · tobias  you: dis…  ▼ ctrl+e",
            "█Rarer is not the same as gone. If each step",
            "█has a 1% error rate, a 200-step chain still",
            " #3/36  a3  seeds/threads.jsonl:3  mira",
        ]
        await pilot.press("ctrl+e")  # a page: two lines (with so few, no line of overlap)
        await pilot.pause()
        assert right(app, 1, 3) == [
            "█▾ replying to a2 · tobias  you: dis…  ▲ ctrl+e",
            "█fails most of the time. Scale shrinks the",
            "█rate; it doesn't change the compounding.",
        ]
        await pilot.press("ctrl+e")  # after the end: back to the top
        await pilot.pause()
        assert right(app, 2, 1) == ["█Rarer is not the same as gone. If each step"]
        await pilot.press("C")
        await pilot.pause()
        assert right(app, 1, 2) == [
            "█▸ replying to a2 · tobias  you: disagree, rea…",
            " #3/36  a3  seeds/threads.jsonl:3  mira",
        ]
        await pilot.press("j")  # it stays collapsed from comment to comment
        await until(pilot, lambda: screen.current_id() == "a4", "the cursor on a4")
        assert view.collapsed and right(app, 1, 1) == ["█▸ replying to a2 · tobias  you: disagree, rea…"]
        await pilot.press("C")
        await pilot.pause()
        assert not view.collapsed and right(app, 2, 1) == ["█Rarer is not the same as gone. If each step"]


async def test_hostile_text_in_a_target_is_shown_literally(tmp_path: Path) -> None:
    """Markup, ANSI escapes and bidi overrides in a parent's id, author and text, in a context and in
    the project's post: shown as written (escapes visibly), never interpreted, never a crash."""
    records = [
        {"id": "[b]p[/b]", "text": HOSTILE[0], "author": "[@click=app.quit]me[/]"},
        {"id": "r1", "text": "Replies to the hostile parent.", "parent": "[b]p[/b]"},
        {"id": "r2", "text": "Has a hostile context.", "context": HOSTILE[1], "parent": "[/gone"},
        {"id": "r3", "text": "Replies to a hostile post."},
    ]
    config = (REPO / "annotator.toml").read_text("utf-8") + '\n[target]\ntitle = "[bold]post[/] \\u202e"\n'
    root = make_project(tmp_path / "p", {"a.jsonl": "".join(json.dumps(r) + "\n" for r in records)}, config=config)
    app = app_on(root, "alice")
    async with app.run_test(size=LARGE) as pilot:
        await at(pilot, "r1")
        assert right(app, 1, 2) == [
            "█▾ replying to [b]p[/b] · [@click=app.quit]me[/]  you: not labeled  P goes there · C hides",
            "█[bold]not bold[/bold] [/] [/ [@click=app.quit]click me[/] $name ${x}",
        ]
        await at(pilot, "r2")
        assert right(app, 1, 2) == [
            "█▾ replying to [/gone (not in the corpus): its context  C hides",
            "█ANSI ␛[31mred␛[0m and a bell␇ and a NUL-free control ␁ here",
        ]
        await at(pilot, "r3")
        assert right(app, 1, 2) == ["█▾ replying to the project's post  C hides", "█[bold]post[/] �"]
        await label_lands_on(pilot, "a", 3, "alice", "agree")


async def test_p_and_ctrl_o_in_thread_order_under_a_filter_keep_the_order_the_labels_and_the_place(sample: Path) -> None:
    """In thread order and the unlabeled filter, the list scrolled to its end: d8 gets agree, P goes
    to its parent d1 (shown by the filter, so it stays), d1 gets disagree, ctrl+o comes back to d8
    in the same row of the same list scrolled as it was, still in thread order, with both labels on
    screen and on disk."""
    app = app_on(sample, "alice")
    async with app.run_test(size=SMALL) as pilot:
        screen = await ready(pilot)
        await pilot.press("T")
        await pick_filter(pilot, "unlabeled")
        await pilot.press("G", "k", "k", "k")  # the last rows: d6 d7 under d9 under d8
        await until(pilot, lambda: screen.current_id() == "d8", "the cursor on d8")
        rows, row, top = list(screen.comment_list.rows), screen.comment_list.cursor, screen.comment_list.scroll_offset.y
        assert top > 0
        await pilot.press("a", "P")
        await until(pilot, lambda: screen.current_id() == "d1", "the jump to d1")
        assert right(app, 1, 1) == ["█▾ replying to the project's post  ▼ ctrl+e"]
        await pilot.press("d", "ctrl+o")
        await until(pilot, lambda: screen.current_id() == "d8", "back to d8")
        assert screen.threads and screen.view.kind == "unlabeled"
        assert (list(screen.comment_list.rows), screen.comment_list.cursor) == (rows, row)
        assert screen.comment_list.scroll_offset.y == top
        assert right(app, 1, 1) == ["█▾ replying to d1 · hugo  you: disag…  ▼ ctrl+e"]
        assert "[a] ● agree" in screen_text(app)
        await settled(pilot)
        assert [on_disk(app).get(comment_id).stance for comment_id in ("d1", "d8")] == ["disagree", "agree"]


async def test_each_kinds_head_line_fits_80_columns(sample: Path) -> None:
    """At 80x24 the line above each kind of target says what it is within the pane's 46 columns: the
    key hints go first, then the labels are cut; the kind and the parent's id stay."""
    app = app_on(sample)
    async with app.run_test(size=SMALL) as pilot:
        heads = {}
        for comment_id in ("a3", "c4", "c1", "d6", "a1"):
            await at(pilot, comment_id)
            heads[comment_id] = right(app, 1, 1)[0]
        assert heads == {
            "a3": "█▾ replying to a2 · tobias  you: dis…  ▼ ctrl+e",
            "c4": "█▾ replying to c3 · oskar  you: disa…  ▼ ctrl+e",
            "c1": "█▾ replying to its context text  ▼ ctrl+e",
            "d6": "█▾ replying to d0 (not in the corpus)  ▼ ctrl+e",
            "a1": "█▾ replying to the project's post  ▼ ctrl+e",
        }
