"""The thread view (`T`): replies under their parent, indented; every key of the list works in it,
and labels still go to the comment under the cursor."""

from __future__ import annotations

from pathlib import Path

from annotator.core.models import Annotation
from annotator.core.store import AnnotationFile
from annotator.tui.screens.main import Status, status_line
from annotator.tui.widgets.comment_list import thread_indent
from tests.tui.conftest import on_disk, pick_filter, ready, settled, until
from tests.tui.threaded import THREAD_ORDER, threaded_app


def shown(screen) -> list[str]:
    """The ids of the list's rows, in the order shown."""
    return [screen.session.comments[position].id for position in screen.comment_list.rows]


def list_lines(screen) -> list[str]:
    comments = screen.comment_list
    return [comments.render_line(y).text for y in range(comments.size.height)]


def status(screen) -> str:
    return str(screen.query_one("#progress").render())


def notices(app) -> list[str]:
    return [notification.message for notification in app._notifications]


def test_the_status_line_names_the_thread_order_and_cuts_it_with_the_view() -> None:
    saved = ("● saved", "$success")
    plain = Status(13, 22, saved, True, order="threads")
    assert str(status_line(plain, 80)) == "13/22 ███████░░░░░ threads  ● saved  auto→"
    assert str(status_line(plain, 24)) == "13/22 thr… ● saved auto→"
    filtered = Status(13, 22, saved, True, "/gradient", 3, 9, order="threads")
    assert str(status_line(filtered, 80)) == "13/22 ██░░ threads /gradient 3/9 █░░░  ● saved  auto→"
    assert str(status_line(filtered, 30)) == "13/22 threa… 3/9 ● saved auto→"
    for width in range(13, 60):  # ("● saved auto→" needs 13)
        line = str(status_line(filtered, width))
        assert "● saved" in line and "auto→" in line and len(line) <= width


def test_the_indent_is_two_cells_a_level_in_a_third_of_the_room_then_a_number() -> None:
    assert thread_indent(0, 100) == ""
    assert [thread_indent(depth, 18) for depth in (1, 2, 3, 4, 12)] == ["↳ ", "  ↳ ", "    ↳ ", "    ↳4 ", "    ↳12 "]
    assert thread_indent(5, 100) == "        ↳ " and thread_indent(6, 100) == "        ↳6 "  # five levels at most
    assert thread_indent(2, 4) == "↳2 "  # no room: the mark and the number only
    assert thread_indent(10_000, 30) == "        ↳10000 "


async def test_t_shows_threads_and_back_on_the_same_comment(tmp_path: Path) -> None:
    app = threaded_app(tmp_path / "project")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        seed_order = shown(screen)
        assert seed_order[:4] == ["r1", "r2", "a", "b"] and "threads" not in status(screen)
        await pilot.press("j", "j")  # on "a", third in seed order
        await pilot.press("T")
        assert shown(screen) == THREAD_ORDER
        assert screen.current_id() == "a" and screen.comment_list.cursor == 1
        assert "threads" in status(screen)
        assert any("Thread order" in message and "12 replies" in message for message in notices(app))
        await pilot.press("T")
        assert shown(screen) == seed_order and screen.current_id() == "a"
        assert "threads" not in status(screen)


async def test_replies_are_indented_by_their_depth_on_screen(tmp_path: Path) -> None:
    app = threaded_app(tmp_path / "project")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        assert not any("↳" in line for line in list_lines(screen))
        await pilot.press("T")
        await pilot.pause()
        lines = list_lines(screen)

        def indent(text: str) -> int:
            line = next(line for line in lines if text in line)
            return line.index(text)

        assert indent("Root one") == indent("Root two") == indent("Orphan X") == indent("Self S")
        assert indent("Root one") < indent("Reply A") == indent("Reply C") == indent("Cycle Z") < indent("Reply B")
        assert "↳ Reply A" in lines[1] and "↳ Reply B" in lines[2]
        # At 80 columns three levels are drawn; deeper replies give their depth as a number.
        assert "↳ Chain 4" in lines[13] and "↳4 Chain 5" in lines[14] and "↳7 Chain 8" in lines[17]
        assert indent("Chain 8") - indent("Chain 1") <= 8


async def test_j_k_g_and_space_follow_the_thread_order(tmp_path: Path) -> None:
    app = threaded_app(tmp_path / "project")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("T")
        walked = [screen.current_id()]
        for _ in range(len(THREAD_ORDER) - 1):
            await pilot.press("j")
            walked.append(screen.current_id())
        assert walked == THREAD_ORDER
        await pilot.press("k", "k")
        assert screen.current_id() == THREAD_ORDER[-3]
        await pilot.press("g")
        assert screen.current_id() == "r1"
        await pilot.press("a", "j", "d", "g")  # r1 and a (its first reply) labeled; back on r1
        await pilot.press("space")
        assert screen.current_id() == "b"  # the next unlabeled shown: a's reply, not r2
        await pilot.press("G")
        assert screen.current_id() == "e8"


async def test_labels_land_on_the_comment_under_the_cursor(tmp_path: Path) -> None:
    app = threaded_app(tmp_path / "project")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("T", "j", "j", "d", "3", "j", "m", "f")  # b: disagree, reasoning; c: mixed, flagged
        await settled(pilot)
        labels = {comment_id: (entry.stance, entry.topics, entry.flagged)
                  for comment_id, entry in on_disk(app).entries.items()}
        assert labels == {"b": ("disagree", ("reasoning",), False), "c": ("mixed", (), True)}
        await pilot.press("u", "u")  # the flag, then the stance of c; the cursor stays on c
        await settled(pilot)
        assert on_disk(app).get("c") is None
        await pilot.press("k", "k", "u")  # from a, undo b's topic: the cursor goes to b
        assert app.screen.current_id() == "b"
        await settled(pilot)
        assert on_disk(app).get("b").topics == ()


async def test_search_and_filter_keep_the_thread_order(tmp_path: Path) -> None:
    """A filter shows only the comments that match, in thread order, each still indented by its depth."""
    app = threaded_app(tmp_path / "project")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await pilot.press("T", "slash", *"gradient", "enter")
        gradient = ["r2", "d", "e2", "e3", "e4", "e5", "e6", "e7", "e8"]
        assert shown(screen) == gradient
        assert "↳ Reply D" in list_lines(screen)[1]
        assert "threads /gradient" in status(screen)
        await pilot.press("j", "a")  # d
        await pilot.press("escape")
        assert shown(screen) == THREAD_ORDER and screen.current_id() == "d"
        await pilot.press("g", "a", "j", "j", "n")  # r1 and b labeled
        await pick_filter(pilot, "labeled")
        assert shown(screen) == ["r1", "b", "d"]
        await pick_filter(pilot, "unlabeled")
        assert shown(screen) == [comment_id for comment_id in THREAD_ORDER if comment_id not in {"r1", "b", "d"}]
        await pilot.press("T")  # back to seed order, same filter
        assert shown(screen) == ["r2", "a", "c", "x", "s", "y", "z", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8"]


async def test_the_jump_by_id_finds_the_row_in_thread_order(tmp_path: Path) -> None:
    app = threaded_app(tmp_path / "project")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("T", "colon", "z", "enter")
        await pilot.pause()
        assert screen.current_id() == "z" and screen.comment_list.cursor == THREAD_ORDER.index("z")
        await pilot.press("slash", *"root", "enter", "colon", *"e5", "enter")  # hidden by the search:
        await pilot.pause()
        assert screen.current_id() == "e5" and shown(screen) == THREAD_ORDER  # the search is cleared


async def test_a_reload_keeps_the_current_comment_in_its_thread_place(tmp_path: Path) -> None:
    app = threaded_app(tmp_path / "project")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        await pilot.press("T")
        await pick_filter(pilot, "unlabeled")
        await pilot.press("j", "j", "j")
        assert screen.current_id() == "c"
        # A teammate's edit (a `git pull`) labels c and b under the app:
        outside = AnnotationFile.open(app.project.root, "alice")
        for comment_id in ("b", "c"):
            outside.set(comment_id, Annotation(stance="agree"), "text")
        outside.save(force=True)
        await until(pilot, lambda: screen.session.annotation("c") is not None, "the reload")
        await settled(pilot)
        # b is labeled now, so the filter drops it; c, the current comment, stays where it was.
        assert shown(screen) == [comment_id for comment_id in THREAD_ORDER if comment_id != "b"]
        assert screen.current_id() == "c"


async def test_the_bundled_corpus_has_no_replies_so_threads_are_the_seed_order(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        rows = list(screen.comment_list.rows)
        await pilot.press("j", "T")
        assert list(screen.comment_list.rows) == rows and screen.current_position() == 1
        assert any("no replies in this corpus" in message for message in notices(app))
        assert "threads" in status(screen)


def test_thread_view_snapshot(snap_compare, tmp_path: Path) -> None:
    """80x24: roots, replies indented, the chain's depth past three levels as a number, the status
    line saying `threads`; the cursor on a reply two deep, labeled."""

    async def run_before(pilot) -> None:
        await ready(pilot)
        await pilot.press("T", "a", "j", "d", "1", "j", "m")
        await settled(pilot)
        app = pilot.app
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(threaded_app(tmp_path / "project"), terminal_size=(80, 24), run_before=run_before)


async def test_a_large_corpus_works_the_order_out_on_a_thread_then_a_new_session_reads_it_kept(
    tmp_path: Path, monkeypatch
) -> None:
    """Past `ORDER_ON_A_THREAD` comments, the first T says it is working and shows the order when
    it is ready, on the same comment; the order is kept in the parse cache, so that the next
    session has it at once."""
    from annotator.tui.screens import main

    from annotator.core import cache

    monkeypatch.setattr(main, "ORDER_ON_A_THREAD", 0)
    monkeypatch.setenv("ANNOTATOR_CACHE_DIR", str(tmp_path / "cache"))
    loads, load = [], cache.load
    monkeypatch.setattr(cache, "load", lambda path: (loads.append(path), load(path))[1])
    app = threaded_app(tmp_path / "project")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        assert not screen.session.threads_known
        await pilot.press("j", "j", "T")  # on "a"
        await until(pilot, lambda: screen.threads, "the thread order")
        assert shown(screen) == THREAD_ORDER and screen.current_id() == "a"
        assert any("Working out the thread order" in message for message in notices(app))
        assert len([path for path in loads if path is not None and path.name.startswith("threads")]) == 1
    again = threaded_app(tmp_path / "project")
    async with again.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        assert screen.session.threads_known
        await pilot.press("T")
        assert shown(screen) == THREAD_ORDER
