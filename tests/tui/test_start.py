"""Start-up from a project folder: the start of the list first, then the project, then the labels;
the error screen when labelling cannot start, and the name prompt when no annotator is known."""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path
from typing import TypeVar

import pytest
from textual import events
from textual.widgets import OptionList, Static

from annotator.core.project import Project
from annotator.core.seeds import load_seeds
from annotator.core.models import Annotation
from annotator.core.store import AnnotationFile, annotation_path, journal_path, safe_annotator_name
from annotator.tui.app import PREVIEW_ROWS, ErrorScreen, build_app
from annotator.tui.screens.dialogs import NamePrompt
from annotator.tui.screens.main import MainScreen
from annotator.tui.widgets.comment_list import CommentList
from tests.conftest import make_project
from tests.tui.conftest import disk_entry, ready, settled
from tests.tui.test_typed_ahead import held, until  # noqa: F401  (a fixture)

S = TypeVar("S")


def big_project(tmp_path: Path, count: int = 1000) -> Path:
    return make_project(tmp_path / "p", {"big.txt": "\n".join(f"Comment number {i}." for i in range(count)) + "\n"})


async def first_screen(pilot) -> MainScreen:
    """Wait for the provisional screen: the start of the corpus, shown while the rest is read."""
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.provisional
                and re.search(r"#\d+/… ", drawn(app.screen)) is not None, "the first screen")  # (mounted from a thread: drawn a moment later)
    return app.screen


def drawn(screen: MainScreen) -> str:
    """What the terminal shows of `screen` now, as plain text (one line a row)."""
    return "\n".join(strip.text for strip in screen._compositor.render_strips())


async def test_a_slow_read_shows_the_start_of_the_corpus_to_label_then_the_whole(tmp_path: Path, held) -> None:
    """A slow read (held here) shows the first screen after `preview_delay`: the first comments,
    which j and the label keys act on at once (the labels into the journal); then the screen of
    the whole corpus goes on from it, on the same comment."""
    root = big_project(tmp_path)
    app = build_app(root, "alice")
    app.preview_delay = 0
    async with app.run_test(size=(100, 30)) as pilot:
        first = await first_screen(pilot)
        assert first.comment_list.rows == range(PREVIEW_ROWS)
        assert "#1/… " in drawn(first) and " …/… " in drawn(first)  # (the total not known yet)
        assert first.comment_list.render_line(0).text.startswith(" · ")  # (no labels file yet: known unlabeled)
        await pilot.press("j", "j", "a")
        await until(pilot, lambda: first.saver.idle and first.saved_version == first.session.version, "journaled")
        assert "#3/… " in drawn(first)
        assert first.comment_list.render_line(2).text.startswith(" ● agree")
        path = annotation_path(root, "alice")
        assert not path.exists() and journal_path(path).exists()  # (the file is written from the whole only)
        held.set()
        screen = await ready(pilot)
        assert len(screen.session.comments) == 1000
        assert screen.current_id() == screen.session.comments[2].id and "#3/1000 " in drawn(screen)
        assert " 1/1000 " in drawn(screen) and screen.pace.numbers(screen.session.labeled_count)[0] == 1  # (+1 this session)
        await pilot.press("u")  # (the undo steps are the first screen's too)
        await settled(pilot)
        assert app.project is not None and screen.session.store.get(screen.session.comments[2].id) is None
        await pilot.press("U", "j", "d")
        await settled(pilot, compacted=True)
        assert disk_entry(app, 2).stance == "agree" and disk_entry(app, 3).stance == "disagree"
    assert app.project.corpus.comments == load_seeds(root).comments
    assert AnnotationFile.open(root, "alice").warnings == []  # (nothing said recovered: the session went on)


async def test_a_key_for_the_whole_corpus_is_kept_with_every_key_after_it(tmp_path: Path, held) -> None:
    """On the first screen, `e` (the note) waits for the whole corpus, and so does all that
    follows it: the note gets the text, not the label keys it spells."""
    root = big_project(tmp_path)
    app = build_app(root, "alice")
    app.preview_delay = 0
    async with app.run_test(size=(100, 30)) as pilot:
        first = await first_screen(pilot)
        await pilot.press("j", "e", "a", "d", "escape", "j")
        await pilot.pause()
        assert "#2/… " in drawn(first) and first.session.version == 0  # (`j` acted; from `e` on, kept)
        held.set()
        await ready(pilot)
        screen = await settled(pilot, compacted=True)
        assert screen.current_id() == screen.session.comments[2].id
    entry = AnnotationFile.open(root, "alice").get(load_seeds(root).comments[1].id)
    assert entry is not None and entry.note == "ad" and entry.stance is None


async def test_j_on_the_last_row_of_the_first_screen_waits_for_the_rest(tmp_path: Path, held) -> None:
    root = big_project(tmp_path)
    app = build_app(root, "alice")
    app.preview_delay = 0
    async with app.run_test(size=(100, 30)) as pilot:
        first = await first_screen(pilot)
        first.comment_list.move_to(PREVIEW_ROWS - 1)
        await pilot.press("j", "k")  # (both kept: after a kept key, every key is)
        await pilot.pause()
        assert f"#{PREVIEW_ROWS}/… " in drawn(first)
        held.set()
        screen = await ready(pilot)
        await until(pilot, lambda: not app.keeping_typed_keys, "the kept keys applied")
        assert screen.current_id() == screen.session.comments[PREVIEW_ROWS - 1].id


@pytest.mark.parametrize("key", ["j", "a"])
async def test_a_key_on_its_way_through_the_first_screen_as_the_whole_comes_is_not_lost(
    tmp_path: Path, held, monkeypatch, key: str
) -> None:
    """A key passed on to the first screen's list just before the hand-over (handled slowly
    there, here), which comes back for its binding once the first screen has frozen: kept, and
    applied on the screen of the whole corpus, not lost with the first screen."""
    root = big_project(tmp_path)
    app = build_app(root, "alice")
    app.preview_delay = 0
    async with app.run_test(size=(100, 30)) as pilot:
        await first_screen(pilot)

        async def slow(self, event: events.Key) -> None:
            await asyncio.sleep(0.3)

        monkeypatch.setattr(CommentList, "on_key", slow, raising=False)
        app.post_message(events.Key(key, key))
        await pilot.pause(0.05)  # (the key is with the list now)
        held.set()
        screen = await ready(pilot)
        await until(pilot, lambda: not app.keeping_typed_keys, "the kept keys applied")
        await pilot.pause(0.4)
        await settled(pilot, compacted=True)
        if key == "j":
            assert screen.current_id() == screen.session.comments[1].id
        else:
            assert screen.current_id() == screen.session.comments[0].id and disk_entry(app, 0).stance == "agree"


async def test_quitting_on_the_first_screen_writes_its_labels_to_the_file_once_it_is_read(tmp_path: Path, held) -> None:
    """ctrl+q on a first screen where labels changed waits for the whole corpus, which writes
    them to the file (a `git commit` then has them), then quits: no journal left, nothing
    "recovered" at the next start."""
    root = big_project(tmp_path)
    app = build_app(root, "alice")
    app.preview_delay = 0
    path = annotation_path(root, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        first = await first_screen(pilot)
        await pilot.press("m", "ctrl+q")
        await pilot.pause()
        assert app.is_running and app.screen is first
        assert any("Quitting once the whole corpus is read, to write your labels to annotations/alice.toml"
                   in str(toast.message) for toast in app._notifications)
        held.set()
        await until(pilot, lambda: not app.is_running, "quit")
    assert not journal_path(path).exists()
    store = AnnotationFile.open(root, "alice")
    assert store.get(load_seeds(root).comments[0].id).stance == "mixed" and store.warnings == []


async def test_quitting_twice_on_the_first_screen_quits_at_once_and_keeps_its_labels_for_the_next_start(
    tmp_path: Path, held
) -> None:
    root = big_project(tmp_path)
    app = build_app(root, "alice")
    app.preview_delay = 0
    async with app.run_test(size=(100, 30)) as pilot:
        await first_screen(pilot)
        await pilot.press("m", "ctrl+q", "ctrl+q")
        await pilot.pause()
        assert not app.is_running
    held.set()
    path = annotation_path(root, "alice")
    assert not path.exists() and journal_path(path).exists()
    store = AnnotationFile.open(root, "alice")  # (the journal, replayed)
    assert store.get(load_seeds(root).comments[0].id).stance == "mixed"


async def test_quitting_on_the_first_screen_before_any_label_quits_at_once(tmp_path: Path, held) -> None:
    root = big_project(tmp_path)
    app = build_app(root, "alice")
    app.preview_delay = 0
    async with app.run_test(size=(100, 30)) as pilot:
        await first_screen(pilot)
        await pilot.press("j", "ctrl+q")
        await pilot.pause()
        assert not app.is_running
    held.set()


async def test_the_first_screen_has_the_labels_of_the_file(tmp_path: Path, held) -> None:
    """Found in the file without reading it whole (`AnnotationFile.peek`): the marks are the file's."""
    root = big_project(tmp_path)
    comments = load_seeds(root).comments
    labels = AnnotationFile(annotation_path(root, "alice"), "alice")
    labels.set(comments[0].id, Annotation(stance="disagree"), comments[0].text)
    labels.set(comments[2].id, Annotation(topics=("praise",), flagged=True), comments[2].text)
    labels.save()
    app = build_app(root, "alice")
    app.preview_delay = 0
    async with app.run_test(size=(100, 30)) as pilot:
        first = await first_screen(pilot)
        rows = [first.comment_list.render_line(y).text for y in range(4)]
        assert rows[0].startswith(" ● disagree Comment number 0.")
        assert rows[1].startswith(" · ") and "Comment number 1." in rows[1]
        assert rows[2].startswith(" ⚑ ") and "Comment number 2." in rows[2]
        held.set()
        await ready(pilot)
    assert not journal_path(annotation_path(root, "alice")).exists()  # (nothing was changed)


async def test_with_a_plan_the_start_shows_the_list_only(tmp_path: Path, held) -> None:
    """The start's view is the annotator's share: the first rows of the corpus are not its rows."""
    root = big_project(tmp_path)
    config = root / "annotator.toml"
    config.write_text(config.read_text("utf-8") + '\n[assign]\nannotators = ["alice", "bob"]\noverlap = 1\n', "utf-8")
    app = build_app(root, "alice")
    app.preview_delay = 0
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: bool(app.screen_stack[0].query(CommentList)), "the start of the list shown")
        assert not isinstance(app.screen, MainScreen)
        held.set()
        screen = await ready(pilot)
        assert screen.view.kind == "mine"


async def test_with_a_journal_left_by_a_crash_the_list_has_no_marks_until_it_is_replayed(tmp_path: Path, held) -> None:
    root = make_project(tmp_path / "p", {"big.txt": "\n".join(f"Comment number {i}." for i in range(1000)) + "\n"})
    comments = load_seeds(root).comments
    labels = AnnotationFile(annotation_path(root, "alice"), "alice")
    labels.set(comments[0].id, Annotation(stance="disagree"), comments[0].text)
    labels.commit()  # (journaled, never written: the file does not know it)
    app = build_app(root, "alice")
    app.preview_delay = 0
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: bool(app.screen_stack[0].query(CommentList)), "the start of the list shown")
        await pilot.pause()
        row = app.screen_stack[0].query_one(CommentList).render_line(0).text
        assert row.startswith("   ") and "·" not in row and "disagree" not in row
        held.set()
        screen = await ready(pilot)
        assert screen.session.store.get(comments[0].id) == Annotation(stance="disagree")


async def test_a_quick_read_shows_the_main_screen_first(tmp_path: Path) -> None:
    """Read before `preview_delay` is up: no list is drawn only to be replaced."""
    root = make_project(tmp_path / "p")
    app = build_app(root, "alice")
    app.preview_delay = 5.0
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        assert not app.screen_stack[0].query(CommentList)
        app.preview_delay = 0
        await app._show_preview().wait()  # (as the timer would: it draws nothing once the main screen is up)
        await pilot.pause()
        assert not app.screen_stack[0].query(CommentList)


async def test_seeds_that_cannot_be_read_end_the_app_with_the_error(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"a.jsonl": '{"text": "Fine."}\n[1]\n'})
    app = build_app(root, "alice")
    async with app.run_test() as pilot:
        for _ in range(100):
            await pilot.pause()
    assert app.return_code == 1
    assert str(app.failure).startswith('seeds/a.jsonl:2: expected a JSON object with a "text" field, got a list')
    assert list((root / "annotations").iterdir()) == []


# When labelling cannot start: the error screen -------------------------------------------------


async def until_on(pilot, kind: type[S]) -> S:
    """Wait until the app shows a screen of `kind`, and return it."""
    for _ in range(200):
        await pilot.pause()
        if isinstance(pilot.app.screen, kind):
            return pilot.app.screen
    raise AssertionError(f"no {kind.__name__}; on {pilot.app.screen!r}")


async def until_quit(pilot) -> None:
    for _ in range(50):
        await pilot.pause()
        if not pilot.app.is_running:
            return
    raise AssertionError("the app is still running")


def error_text(screen: ErrorScreen) -> str:
    return str(screen.query_one("#error-text").render())


@pytest.mark.parametrize("key", ["q", "escape", "enter"])
async def test_the_error_screen_quits_on_each_key_it_names(tmp_path: Path, key: str) -> None:
    root = make_project(tmp_path / "p")
    broken = root / "annotations" / "alice.toml"
    broken.write_text("format = 1\nthis is not TOML\n", "utf-8")
    app = build_app(root, "alice")
    async with app.run_test() as pilot:
        screen = await until_on(pilot, ErrorScreen)
        assert "annotations/alice.toml:2:6: invalid TOML" in error_text(screen)
        assert "Press q, Escape or Enter to quit." in error_text(screen)
        await pilot.press(key)
        await until_quit(pilot)
    assert app.return_code == 1
    assert str(app.failure).startswith("annotations/alice.toml:2:6: invalid TOML")  # said again on stderr
    assert broken.read_text("utf-8") == "format = 1\nthis is not TOML\n"


@pytest.mark.parametrize("in_git", [False, True], ids=["outside git", "in git"])
async def test_an_annotations_path_that_is_a_file_is_said_at_once(tmp_path: Path, in_git: bool) -> None:
    """It waited on "reading…" for ever: outside git the lock (in that folder) failed with an
    error the app did not show; in git the lock is elsewhere and the store refused the folder."""
    root = make_project(tmp_path / "p")
    if in_git:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "annotations").rmdir()
    (root / "annotations").write_text("not a folder\n", "utf-8")
    app = build_app(root, "alice")
    async with app.run_test() as pilot:
        text = error_text(await until_on(pilot, ErrorScreen))
        assert "annotations: not a folder" in text
        assert "move it away" in text
        await pilot.press("q")
    assert (root / "annotations").read_text("utf-8") == "not a folder\n"


async def test_an_unexpected_error_while_reading_the_labels_is_shown(tmp_path: Path, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(AnnotationFile, "open", broken)
    app = build_app(make_project(tmp_path / "p"), "alice")
    async with app.run_test() as pilot:
        text = error_text(await until_on(pilot, ErrorScreen))
        assert "unexpected error while reading the labels: RuntimeError: a bug" in text


# Who is annotating: the name prompt ----------------------------------------------------------


def prompt_project(tmp_path: Path) -> Path:
    """A project with the annotators bob, gold and a file that is no annotator's ("my notes")."""
    root = make_project(tmp_path / "p")
    for name in ("bob", "gold", "my notes"):
        (root / "annotations" / f"{name}.toml").write_text(f"format = 1\nannotator = {name!r}\n", "utf-8")
    return root


def shown(screen: NamePrompt) -> str:
    return "\n".join(str(widget.render()) for widget in screen.query(Static))


async def test_a_typed_name_is_made_file_safe_as_a_git_name_is_and_shown_first(tmp_path: Path) -> None:
    app = build_app(Project.open(prompt_project(tmp_path)), None)
    async with app.run_test() as pilot:
        screen = await until_on(pilot, NamePrompt)
        await pilot.press(*"Carol Smith")
        assert str(screen.query_one("#name-result").render()) == "labels go to annotations/carol-smith.toml (new)"
        await pilot.press("enter")
        main = await ready(pilot)
        assert main.annotator == safe_annotator_name("Carol Smith") == "carol-smith"
        await pilot.press("n")
        await settled(pilot)
    assert disk_entry(app, 0, "carol-smith").stance == "neutral"


async def test_the_existing_annotators_are_offered_and_one_is_picked(tmp_path: Path) -> None:
    app = build_app(Project.open(prompt_project(tmp_path)), None)
    async with app.run_test() as pilot:
        screen = await until_on(pilot, NamePrompt)
        options = screen.query_one("#name-options", OptionList)
        assert [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)] == ["bob", "gold"]
        assert "or pick an existing annotator" in shown(screen)
        await pilot.press(*"Bob")  # a typed name that is an annotator's says so
        assert str(screen.query_one("#name-result").render()) == "labels go to annotations/bob.toml (an existing annotator)"
        await pilot.press("down", "down", "enter")  # to the list, then its second name
        main = await ready(pilot)
        assert main.annotator == "gold"


async def test_a_name_that_cannot_be_made_a_file_name_is_explained(tmp_path: Path) -> None:
    app = build_app(Project.open(prompt_project(tmp_path)), None)
    async with app.run_test() as pilot:
        screen = await until_on(pilot, NamePrompt)
        await pilot.press("enter")
        assert str(screen.query_one("#name-result").render()) == "type a name first"
        await pilot.press(*"中文")
        result = str(screen.query_one("#name-result").render())
        assert result.startswith("not usable as a name (must use only ASCII letters and digits")
        await pilot.press("enter")
        assert app.screen is screen


async def test_the_name_prompt_says_escape_quits_and_it_does(tmp_path: Path) -> None:
    root = prompt_project(tmp_path)
    before = sorted(path.name for path in (root / "annotations").iterdir())
    app = build_app(Project.open(root), None)
    async with app.run_test() as pilot:
        screen = await until_on(pilot, NamePrompt)
        assert "Escape quits annotator" in shown(screen)
        await pilot.press(*"dana", "escape")
        await until_quit(pilot)
    assert app.return_code == 0
    assert sorted(path.name for path in (root / "annotations").iterdir()) == before


# The garbage collector, off for the start (`annotate` turns it off) -------------------------------


@pytest.fixture
def collector_off():
    """The collector off as `annotate` leaves it for the app; back on (and nothing frozen, its
    thresholds as they were) after."""
    import gc

    thresholds = gc.get_threshold()
    gc.disable()
    yield
    gc.enable()
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.parametrize("outcome", ["main screen", "name prompt", "seeds that cannot be read"])
async def test_the_collector_is_back_on_once_the_start_is_over(tmp_path: Path, collector_off, outcome: str) -> None:
    import gc

    extra = {"a.jsonl": '{"text": "Fine."}\n[1]\n'} if outcome.startswith("seeds") else None
    root = make_project(tmp_path / "p", extra)
    app = build_app(root, None if outcome == "name prompt" else "alice")
    app.collector_paused = True
    async with app.run_test(size=(100, 30)) as pilot:
        if outcome == "main screen":
            await ready(pilot)
        elif outcome == "name prompt":
            await until_on(pilot, NamePrompt)
        else:  # (seeds that cannot be read: the app ends, with the error)
            await until_quit(pilot)
        assert gc.isenabled()
        assert not app.collector_paused


async def test_labels_parsed_by_a_child_at_the_start_are_the_labels_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With nothing cached, the labels are parsed in a child process while the comments are read:
    the main screen shows what the file holds, and a key labels as usual."""
    from annotator.core.models import Annotation
    from annotator.core import prefetch

    monkeypatch.setenv("ANNOTATOR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(prefetch, "MIN_BYTES", 0)
    started = []
    start = prefetch.Prefetch.start
    monkeypatch.setattr(prefetch.Prefetch, "start", classmethod(
        lambda cls, root, annotator: started.append(start(root, annotator)) or started[-1]))
    root = make_project(tmp_path / "p", {"a.txt": "".join(f"Comment number {n}.\n" for n in range(50))})
    with monkeypatch.context() as patch:  # (the seeds not cached: a cold start, which the child is for)
        patch.setenv("ANNOTATOR_CACHE_DIR", "off")
        comments = load_seeds(root).comments
    store = AnnotationFile.open(root, "alice")
    for comment in comments[:40]:
        store.set(comment.id, Annotation(stance="disagree", topics=("scaling",)), comment.text)
    store.save()
    app = build_app(root, "alice")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        assert started and started[0] is not None and started[0]._labels.returncode == 0
        assert screen.session.store.get(comments[39].id).stance == "disagree"
        assert screen.session.store.get(comments[40].id) is None
        await pilot.press("a")
        await settled(pilot)
        assert disk_entry(app, 0).stance == "agree" and disk_entry(app, 1).topics == ("scaling",)


async def test_the_seeds_read_by_a_child_before_the_app_are_the_comments_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`annotate` starts the children before Textual loads: the app waits for the seeds' child
    once it has its config, and reads the comments from the cache, parsing nothing itself."""
    from annotator.core import prefetch, seeds

    monkeypatch.setenv("ANNOTATOR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(prefetch, "MIN_BYTES", 0)
    root = make_project(tmp_path / "p", {"a.jsonl": "".join(f'{{"text": "Comment number {n}."}}\n' for n in range(300))})
    with monkeypatch.context() as patch:
        patch.setenv("ANNOTATOR_CACHE_DIR", "off")
        expected = list(load_seeds(root).comments)
    children = prefetch.Prefetch.start(root, "alice")
    assert children is not None and children._seeds is not None and children._labels is None  # (no labels yet)
    monkeypatch.setattr(seeds, "parse_seeds", None)  # (a parse in the app would fail)
    app = build_app(root, "alice", prefetch=children)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        assert children._seeds.returncode == 0
        assert list(screen.session.comments) == expected
        await pilot.press("a")
        await settled(pilot)
        assert disk_entry(app, 0).stance == "agree"


async def test_quitting_while_the_seeds_child_works_ends_it_and_parses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ctrl+q during a cold start: the child is stopped, and the app does not go on to parse the
    seeds itself on its way out (at a million comments, seconds before the process ends)."""
    import asyncio
    import signal
    import sys

    from annotator.core import prefetch, project

    root = make_project(tmp_path / "p", {"a.txt": "One.\nTwo.\n"})
    slow = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # (a child at work)
    read = []
    monkeypatch.setattr(project, "load_seeds", lambda root: read.append(root))
    app = build_app(root, "alice", prefetch=prefetch.Prefetch(slow, None))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+q")
    for _ in range(500):
        if slow.poll() is not None:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.3)  # (time for the thread that waited on the child to go on, if it would)
    assert slow.returncode == -signal.SIGTERM
    assert read == [] and app.project is None
