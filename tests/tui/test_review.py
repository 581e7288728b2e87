"""Review mode (adjudication): every annotator's labels, note, flag and time beside the comment,
the fields they differ on, gold's own labels set with the usual keys, `=` taking one annotator's
labels (or one field) into gold, `Y` accepting the unanimous comments (skipping those flagged or
noted unless asked), and the disagreement filter."""

from __future__ import annotations

from pathlib import Path

from annotator.core.merge import with_conflict
from annotator.core.models import Annotation
from annotator.core.project import Project
from annotator.core.review import Review
from annotator.core.store import CONFLICT_KEY, AnnotationFile
from annotator.tui.app import build_app
from annotator.tui.screens import main as main_module
from annotator.tui.screens.dialogs import Question
from annotator.tui.screens.take import TakeDialog
from annotator.tui.widgets.comment_view import CommentView
from annotator.tui.widgets.key_bar import KeyBar
from annotator.tui.widgets.label_panel import LabelPanel
from annotator.tui.widgets.note_editor import NoteEditor, NotePreview
from annotator.tui.widgets.review_panel import ReviewPanel
from tests.conftest import make_project
from tests.tui.conftest import (
    NOW,
    FakeClock,
    disk_entry,
    pick_filter,
    ready,
    settled,
    until,
)

# Per comment (by position): bob's and carol's entries.
LABELS = {
    "bob": [
        Annotation("agree", ("scaling",), seconds=12.0),
        Annotation("disagree", (), seconds=30.5),
        Annotation("mixed", ("dl-theory",)),
        Annotation("neutral", ()),
        Annotation("agree", (), flagged=True, seconds=4.0),  # unanimous, but flagged
        Annotation("neutral", ()),
    ],
    "carol": [
        Annotation("agree", ("scaling",), seconds=8.0),
        Annotation("agree", ()),
        Annotation("mixed", ("dl-theory",)),
        Annotation("disagree", ()),
        Annotation("agree", ()),
        Annotation("neutral", (), note="Cut off"),  # unanimous, but with a note
    ],
}


def project_with_two_annotators(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "project")
    comments = Project.open(root).corpus.comments
    for name, rows in LABELS.items():
        store = AnnotationFile.open(root, name)
        for comment, entry in zip(comments, rows, strict=False):
            store.set(comment.id, entry.replace(updated=NOW), comment.text)
        store.save()
    return root


def gold_app(root: Path, annotator: str = "gold"):
    return build_app(Project.open(root), annotator, clock=FakeClock(), now=lambda: NOW)


async def start_review(pilot):
    screen = await ready(pilot)
    await pilot.press("r")
    await until(pilot, lambda: screen.review is not None, "review mode to read the files")
    await pilot.pause()
    return screen


def panel(screen) -> str:
    return str(screen.query_one(ReviewPanel).render())


def notices(app) -> list[str]:
    return [notification.message for notification in app._notifications]


async def test_the_panel_shows_every_field_and_marks_the_differences(tmp_path: Path) -> None:
    app = gold_app(project_with_two_annotators(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start_review(pilot)
        shown = panel(screen)
        assert shown.splitlines()[0] == "Review = all agree  = take · Y all unanimous"
        assert "=1 bob    agree · scaling · 12 s" in shown
        assert "=2 carol  agree · scaling · 8 s" in shown
        await pilot.press("j")  # bob disagree, carol agree
        shown = panel(screen)
        assert shown.splitlines()[0] == "Review ≠ stance  = take · Y all unanimous"
        assert "=1 bob    ≠disagree · (no topics) · 30.5 s" in shown
        assert "=2 carol  ≠agree · (no topics) · 0 s" in shown
        await pilot.press("j", "j", "j")  # bob flagged it
        shown = panel(screen)
        assert shown.startswith("Review ≠ flag  ")
        assert "=1 bob    agree · (no topics) · ≠⚑ flagged · 4 s" in shown
        assert "=2 carol  agree · (no topics) · ≠not flagged · 0 s" in shown
        await pilot.press("j")  # carol wrote a note
        shown = panel(screen)
        assert shown.startswith("Review ≠ note  ")
        assert "=1 bob    neutral · (no topics) · 0 s · ≠✎ (no note)" in shown
        assert "=2 carol  neutral · (no topics) · 0 s · ≠✎ Cut off" in shown
        assert str(screen.query_one(LabelPanel).render()).startswith("Gold's labels: the usual keys set them\nStance")


async def test_gold_sets_its_own_labels_with_the_usual_keys(tmp_path: Path) -> None:
    """Digits are topic keys in review mode too: gold adds a topic nobody chose."""
    app = gold_app(project_with_two_annotators(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start_review(pilot)
        await pilot.press("j", "n", "4")
        await settled(pilot)
        entry = disk_entry(app, 1, "gold")
        assert (entry.stance, entry.topics) == ("neutral", (app.project.schema.topic[3].name,))
        assert "● neutral" in str(screen.query_one(LabelPanel).render())


async def test_take_one_annotator_wholesale_or_one_field(tmp_path: Path) -> None:
    app = gold_app(project_with_two_annotators(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await start_review(pilot)
        await pilot.press("j", "equals_sign")
        assert isinstance(app.screen, TakeDialog)
        shown = " ".join(str(widget.render()) for widget in app.screen.query("Static"))
        assert "1  bob    disagree · (no topics)" in shown
        assert "Takes: all labels (stance and topics)  (then a number)" in shown
        await pilot.press("2")  # all of carol's labels
        await settled(pilot)
        assert (disk_entry(app, 1, "gold").stance, disk_entry(app, 1, "gold").topics) == ("agree", ())
        assert "Gold takes carol's stance and topics (u undoes)." in notices(app)

        await pilot.press("k", "1", "equals_sign", "s", "1")  # gold adds topic 1 itself, then takes bob's stance
        await settled(pilot)
        entry = disk_entry(app, 0, "gold")
        assert (entry.stance, entry.topics) == ("agree", (app.project.schema.topic[0].name,))
        assert "Gold takes bob's stance (u undoes)." in notices(app)

        for _ in range(5):
            await pilot.press("j")
        await pilot.press("equals_sign", "n", "2", "equals_sign", "f", "2")  # carol's note; carol's flag (none)
        await settled(pilot)
        entry = disk_entry(app, 5, "gold")
        assert (entry.note, entry.flagged, entry.stance) == ("Cut off", False, None)


async def test_the_take_dialog_says_what_a_key_it_does_not_know_does(tmp_path: Path) -> None:
    app = gold_app(project_with_two_annotators(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await start_review(pilot)
        await pilot.press("equals_sign", "3")
        assert isinstance(app.screen, TakeDialog)
        assert "There is no annotator 3: 1 to 2 (see the list)." in notices(app)
        await pilot.press("x")
        assert "x does nothing here: 1-2 take from an annotator, a s t n f choose what, Escape cancels." in notices(app)
        await pilot.press("escape")
        await settled(pilot)
        assert not isinstance(app.screen, TakeDialog)
        assert disk_entry(app, 0, "gold") is None


async def test_a_key_that_does_nothing_in_review_mode_says_so(tmp_path: Path) -> None:
    app = gold_app(project_with_two_annotators(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await start_review(pilot)
        await pilot.press("9", "x")
        await settled(pilot)
        assert disk_entry(app, 0, "gold") is None
        for key in "9x":
            assert (f"{key} does nothing in review mode: the label keys set gold's labels, = takes from an "
                    "annotator, ? lists every key.") in notices(app)
        assert not any(message.startswith("a does nothing") for message in notices(app))
        await pilot.press("a")
        await settled(pilot)
        assert disk_entry(app, 0, "gold").stance == "agree"
        assert not any(message.startswith("a does nothing") for message in notices(app))


async def test_bulk_accept_skips_flagged_and_noted_comments_unless_asked(tmp_path: Path) -> None:
    app = gold_app(project_with_two_annotators(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await start_review(pilot)
        await pilot.press("Y")
        assert isinstance(app.screen, Question)
        shown = " ".join(str(widget.render()) for widget in app.screen.query("Static"))
        assert "Accept 2 unanimous comments into gold, skipping 2 that an annotator flagged or wrote a note on?" in shown
        assert "[y] yes, accept 2, skip 2" in shown and "[a] all 4, including the flagged or noted" in shown
        await pilot.press("n")
        await settled(pilot)
        assert disk_entry(app, 0, "gold") is None
        await pilot.press("Y", "x", "escape")  # a key that answers nothing, then Escape: "no"
        await settled(pilot)
        assert not isinstance(app.screen, Question)
        assert disk_entry(app, 0, "gold") is None

        await pilot.press("Y", "y")
        await settled(pilot)
        assert [getattr(disk_entry(app, i, "gold"), "stance", None) for i in range(6)] == [
            "agree", None, "mixed", None, None, None]
        assert disk_entry(app, 0, "gold").topics == ("scaling",)
        assert ("Accepted 2 unanimous comments into gold; skipped 2 flagged or noted: they stay undecided (v lists "
                "them: an annotator flagged it or wrote a note). u undoes them all.") in notices(app)

        await pilot.press("u", "Y", "a")
        await settled(pilot)
        assert [getattr(disk_entry(app, i, "gold"), "stance", None) for i in range(6)] == [
            "agree", None, "mixed", None, "agree", "neutral"]
        assert "Accepted 4 unanimous comments into gold. u undoes them all." in notices(app)
        await pilot.press("u")
        await settled(pilot)
        assert all(disk_entry(app, i, "gold") is None for i in range(6))


async def test_bulk_accept_says_what_became_of_merge_conflicts_in_gold(tmp_path: Path) -> None:
    root = project_with_two_annotators(tmp_path)
    comments = Project.open(root).corpus.comments
    gold = AnnotationFile.open(root, "gold")
    gold.set(comments[0].id, with_conflict(Annotation(), ["stance"], Annotation(), Annotation("disagree")))
    gold.set(comments[2].id, with_conflict(Annotation(note="a"), ["note"], Annotation(), Annotation(note="b")))
    gold.save()
    app = gold_app(root)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_review(pilot)
        await pilot.press("Y", "y")
        await settled(pilot)
        assert ("Accepted 2 unanimous comments into gold; skipped 2 flagged or noted: they stay undecided (v lists "
                "them: an annotator flagged it or wrote a note); 1 merge conflict resolved by it, 1 still in conflict "
                "(v, then Conflicts). u undoes them all.") in notices(app)
        assert CONFLICT_KEY not in disk_entry(app, 0, "gold").extra
        assert disk_entry(app, 2, "gold").extra[CONFLICT_KEY]["fields"] == ["note"]


async def test_disagreements_first(tmp_path: Path) -> None:
    app = gold_app(project_with_two_annotators(tmp_path))
    async with app.run_test() as pilot:
        screen = await start_review(pilot)
        await pick_filter(pilot, "disagree")
        assert list(screen.comment_list.rows) == [1, 3]
        await pick_filter(pilot, "remarked")
        assert list(screen.comment_list.rows) == [4, 5]


async def test_only_gold_accepts(tmp_path: Path) -> None:
    app = gold_app(project_with_two_annotators(tmp_path), annotator="dave")
    async with app.run_test() as pilot:
        screen = await start_review(pilot)
        assert "only gold adjudicates" in panel(screen)
        assert str(screen.query_one(LabelPanel).render()).startswith("Your labels: the usual keys set them")
        await pilot.press("equals_sign", "Y")
        await settled(pilot)
        assert not isinstance(app.screen, (TakeDialog, Question))
        assert disk_entry(app, 0, "dave") is None
        assert any("open the app with --annotator gold" in message for message in notices(app))


async def test_take_outside_review_mode_says_how_to_get_there(tmp_path: Path) -> None:
    app = gold_app(project_with_two_annotators(tmp_path))
    async with app.run_test() as pilot:
        await ready(pilot)
        await pilot.press("equals_sign")
        await pilot.pause()
        assert "Press r first: review mode shows the other annotators' labels." in notices(app)


def test_review_mode_snapshot(snap_compare, tmp_path: Path) -> None:
    async def run_before(pilot) -> None:
        await start_review(pilot)
        await pilot.press("j", "j", "j", "j", "j", "1")
        await settled(pilot)

    assert snap_compare(gold_app(project_with_two_annotators(tmp_path)), terminal_size=(100, 32), run_before=run_before)


async def test_review_reads_the_files_again_when_they_change_on_disk(tmp_path: Path, monkeypatch) -> None:
    """A `git pull` brings bob's new stance while gold reviews: the panel shows it, and the
    comment is no longer among the unanimous ones."""
    monkeypatch.setattr(main_module, "WATCH_SECONDS", 0.05)
    root = project_with_two_annotators(tmp_path)
    app = gold_app(root)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start_review(pilot)
        assert panel(screen).startswith("Review = all agree")
        first = Project.open(root).corpus.comments[0]
        store = AnnotationFile.open(root, "bob")
        store.set(first.id, Annotation("disagree", ("scaling",), updated=NOW), first.text)
        store.save()
        await until(pilot, lambda: panel(screen).startswith("Review ≠ stance"), "the panel to show bob's new stance")
        await until(pilot, lambda: "Review: the other annotators' files changed on disk, and were read again."
                    in notices(app), "the notice")
        assert first.id not in screen.review.unanimous().clean


async def test_a_file_review_cannot_read_is_said_and_read_again_once_fixed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(main_module, "WATCH_SECONDS", 0.05)
    root = project_with_two_annotators(tmp_path)
    carol = root / "annotations" / "carol.toml"
    good = carol.read_text("utf-8")
    carol.write_text("<<<<<<< HEAD\n" + good, "utf-8")
    app = gold_app(root)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await pilot.press("r")
        await until(pilot, lambda: "cannot read" in panel(screen), "the panel to say why")
        assert panel(screen).startswith("Review: cannot read the other annotators' files. annotations/carol.toml:1: ")
        assert any(message.startswith("Review mode cannot read the other annotators' files:\nannotations/carol.toml:1: ")
                   for message in notices(app))
        await pilot.press("equals_sign")
        await pilot.pause()
        assert not isinstance(app.screen, TakeDialog)
        carol.write_text(good, "utf-8")
        await until(pilot, lambda: screen.review is not None, "the files to be read once fixed")
        await pilot.pause()
        assert panel(screen).startswith("Review = all agree")


async def test_a_view_without_comments_says_so_in_review_mode(tmp_path: Path) -> None:
    app = gold_app(project_with_two_annotators(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start_review(pilot)
        await pick_filter(pilot, "conflicts")
        assert list(screen.comment_list.rows) == []
        assert panel(screen) == "Review: no comment in this view."


async def test_ten_annotators_or_more_are_all_shown_and_taken(tmp_path: Path) -> None:
    """The tenth annotator is in the panel (and counted in its verdict); the take dialog takes
    a number of two digits, and one digit at once where no other could follow."""
    root = make_project(tmp_path / "project")
    first = Project.open(root).corpus.comments[0]
    for number in range(11):
        store = AnnotationFile.open(root, f"a{number:02d}")
        store.set(first.id, Annotation("disagree" if number == 9 else "agree", updated=NOW), first.text)
        store.save()
    app = gold_app(root)
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await start_review(pilot)
        lines = panel(screen).splitlines()
        assert lines[0].startswith("Review ≠ stance")
        assert lines[10] == "=10 a09  ≠disagree · (no topics) · 0 s"
        assert lines[2] == "=2  a01  ≠agree · (no topics) · 0 s"
        await pilot.press("equals_sign", "1")  # (10 and 11 may follow)
        assert isinstance(app.screen, TakeDialog)
        await pilot.press("0")
        await settled(pilot)
        assert disk_entry(app, 0, "gold").stance == "disagree"
        await pilot.press("equals_sign", "2")  # (no 20: taken at once)
        await settled(pilot)
        assert disk_entry(app, 0, "gold").stance == "agree"
        await pilot.press("equals_sign", "s", "1", "enter")
        await settled(pilot)
        assert not isinstance(app.screen, TakeDialog)


async def test_a_digit_of_another_script_does_nothing_in_the_take_dialog(tmp_path: Path) -> None:
    app = gold_app(project_with_two_annotators(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await start_review(pilot)
        await pilot.press("equals_sign", "²")  # (a digit to `str.isdigit`, not to `int`)
        await settled(pilot)
        assert isinstance(app.screen, TakeDialog)
        assert "² does nothing here: 1-2 take from an annotator, a s t n f choose what, Escape cancels." in notices(app)


async def test_review_mode_keeps_the_comment_on_a_tall_screen(tmp_path: Path) -> None:
    """From 40 rows the comment is as tall as its text (12 rows at least): review mode's panel
    goes under it, and the comment stays (it went to no rows, until a resize)."""
    app = gold_app(project_with_two_annotators(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start_review(pilot)
        await settled(pilot)
        comment, review = screen.query_one(CommentView).region, screen.query_one(ReviewPanel).region
        assert comment.height >= 12 and review.y >= comment.bottom
        await pilot.press("j")
        await settled(pilot)
        assert screen.query_one(CommentView).region.height >= 12


async def test_at_24_rows_review_mode_leaves_gold_its_labels_and_note(tmp_path: Path) -> None:
    """Three annotators with notes longer than a line: their panel has a line each, and gold's
    labels, note and (typed) note editor stay above the keys' line."""
    root = make_project(tmp_path / "project")
    first = Project.open(root).corpus.comments[0]
    for number in range(3):
        store = AnnotationFile.open(root, f"a{number}")
        store.set(first.id, Annotation("agree", ("scaling",), note="why this stance, at length " * 6, updated=NOW),
                  first.text)
        store.save()
    app = gold_app(root)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_review(pilot)
        await settled(pilot)
        keys_line = screen.query_one(KeyBar).region.y
        assert screen.query_one(ReviewPanel).region.height == 4  # the head and a line each
        assert screen.query_one(LabelPanel).region.bottom <= screen.query_one(NotePreview).region.y
        assert screen.query_one(NotePreview).region.bottom <= keys_line
        assert screen.query_one(CommentView).region.height >= 3
        await pilot.press("e")
        await settled(pilot)
        assert screen.query_one(NoteEditor).region.height == 3
        assert screen.query_one(NoteEditor).region.bottom <= keys_line


async def test_taking_all_labels_from_an_annotator_who_gave_none_is_refused(tmp_path: Path) -> None:
    """Carol only wrote a note: `=` `2` would clear gold's stance; it says so, and `n` `2` takes the note."""
    root = make_project(tmp_path / "project")
    first = Project.open(root).corpus.comments[0]
    for name, entry in (("bob", Annotation("agree", updated=NOW)), ("carol", Annotation(note="unsure", updated=NOW))):
        store = AnnotationFile.open(root, name)
        store.set(first.id, entry, first.text)
        store.save()
    app = gold_app(root)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_review(pilot)
        await pilot.press("a")  # gold's own stance
        await pilot.press("equals_sign", "2")
        await settled(pilot)
        assert isinstance(app.screen, TakeDialog)
        assert "carol gave no stance or topics here, only a note or a flag: n or f first takes that." in notices(app)
        await pilot.press("n", "2")
        await settled(pilot)
        assert (disk_entry(app, 0, "gold").stance, disk_entry(app, 0, "gold").note) == ("agree", "unsure")


async def test_a_file_fixed_while_review_mode_read_it_is_read_again(tmp_path: Path, monkeypatch) -> None:
    """The read fails on a file being written (a `git pull` half way), which is whole before the
    read's error is handled: the files are read again, not said unreadable for good. And an
    error of any kind from the read is said, then read past once the files change."""
    monkeypatch.setattr(main_module, "WATCH_SECONDS", 0.05)
    root = project_with_two_annotators(tmp_path)
    carol = root / "annotations" / "carol.toml"
    good = carol.read_text("utf-8")
    carol.write_text("<<<<<<< HEAD\n" + good, "utf-8")
    real_load = Review.load
    calls = []

    def load(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            try:
                return real_load(*args, **kwargs)
            finally:
                carol.write_text(good, "utf-8")  # (the pull ends as the read fails)
        if len(calls) == 2:
            raise RuntimeError("a reader's own fault")
        return real_load(*args, **kwargs)

    monkeypatch.setattr(Review, "load", load)
    app = gold_app(root)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await pilot.press("r")
        await until(pilot, lambda: len(calls) >= 2 and "cannot read" in panel(screen), "the second read to fail")
        assert "a reader's own fault" in panel(screen)
        carol.write_text(good.replace('stance = "agree"', 'stance = "neutral"', 1), "utf-8")
        await until(pilot, lambda: screen.review is not None, "the files to be read once they changed")


async def test_the_disagreement_filter_follows_the_files_read_again(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(main_module, "WATCH_SECONDS", 0.05)
    root = project_with_two_annotators(tmp_path)
    app = gold_app(root)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start_review(pilot)
        await pick_filter(pilot, "disagree")
        assert list(screen.comment_list.rows) == [1, 3]
        first = Project.open(root).corpus.comments[0]
        store = AnnotationFile.open(root, "bob")
        store.set(first.id, Annotation("disagree", ("scaling",), updated=NOW), first.text)
        store.save()
        await until(pilot, lambda: list(screen.comment_list.rows) == [0, 1, 3], "the filter to show comment 0")


async def test_back_in_review_mode_the_files_are_as_they_are_now(tmp_path: Path, monkeypatch) -> None:
    """Files changed while review mode was off are read again as it comes back on, without
    waiting for the watch."""
    monkeypatch.setattr(main_module, "WATCH_SECONDS", 3600)  # (no watch in this test)
    root = project_with_two_annotators(tmp_path)
    app = gold_app(root)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await start_review(pilot)
        await pilot.press("r")
        first = Project.open(root).corpus.comments[0]
        store = AnnotationFile.open(root, "bob")
        store.set(first.id, Annotation("disagree", ("scaling",), updated=NOW), first.text)
        store.save()
        await pilot.press("r")
        await until(pilot, lambda: panel(screen).startswith("Review ≠ stance"), "the files read again")
