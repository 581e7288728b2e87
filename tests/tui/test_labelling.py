"""Each action of the main screen, checked in the annotation file on disk."""

from __future__ import annotations

import json

import pytest
from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input

from annotator.core.config import default_config_text
from annotator.core.session import Filter
from annotator.tui.screens.help import HelpScreen
from annotator.tui.widgets.comment_list import CommentList
from annotator.tui.widgets.note_editor import NoteEditor
from tests.conftest import make_project
from tests.tui.conftest import NOW, disk_entry, on_disk, ready, settled, until


async def test_stance_key_sets_and_the_same_key_clears(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        await pilot.press("d")
        await settled(pilot)
        entry = disk_entry(app, 0)
        assert (entry.stance, entry.topics, entry.flagged, entry.updated) == ("disagree", (), False, NOW)
        await pilot.press("a")
        await settled(pilot)
        assert disk_entry(app, 0).stance == "agree"
        await pilot.press("a")
        await settled(pilot, compacted=True)
        assert disk_entry(app, 0) is None  # nothing left: the entry is gone
    text = (app.project.root / "annotations" / "alice.toml").read_text("utf-8")
    assert "[comments." not in text


async def test_topics_toggle_and_flag(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        await pilot.press("2", "4", "f")
        await settled(pilot)
        entry = disk_entry(app, 0)
        assert (entry.topics, entry.flagged) == (("memorization", "scaling"), True)
        await pilot.press("2", "f")
        await settled(pilot)
        assert (disk_entry(app, 0).topics, disk_entry(app, 0).flagged) == (("memorization",), False)


async def test_one_stance_and_one_topic_in_three_keys(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("m", "3", "j")
        await settled(pilot)
        assert (disk_entry(app, 0).stance, disk_entry(app, 0).topics) == ("mixed", ("reasoning",))
        assert screen.current_position() == 1


async def test_note_is_saved_when_escape_leaves_it(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("e")
        assert isinstance(app.focused, NoteEditor)
        await pilot.press(*"cites [bold] $x", "enter", *"two")
        await pilot.press("d")  # typed into the note, not a stance
        await pilot.press("escape")
        assert isinstance(app.focused, CommentList)
        await settled(pilot)
        entry = disk_entry(app, 0)
        assert (entry.note, entry.stance) == ("cites [bold] $x\ntwod", None)
        await pilot.press("j", "k")
        assert screen.query_one(NoteEditor).text == "cites [bold] $x\ntwod"


async def test_escape_and_a_key_typed_at_once_leave_the_note_and_act(make_app) -> None:
    """Escape and `j` typed within the terminal's escape delay come as one `alt+j`: the note is
    left and saved without a `j`, and `j` moves to the next comment."""
    app = make_app()
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("e", *"seen", "alt+j")
        await until(pilot, lambda: screen.current_position() == 1, "the next comment")
        assert isinstance(app.focused, CommentList)
        await settled(pilot)
        assert disk_entry(app, 0).note == "seen"
        await pilot.press("e", *"x", "alt+d")  # (a stance key: the stance of the comment now shown)
        await settled(pilot)
        assert (disk_entry(app, 1).note, disk_entry(app, 1).stance) == ("x", "disagree")


def typed_at_once(app, keys: str) -> None:
    """`keys` as a terminal gives keys that came in one read (a fast typist, a paste, a slow SSH
    link): posted to the app together, before it has handled the first."""
    for character in keys:
        app.post_message(events.Key(_character_to_key(character), character))  # (named as the terminal's are)


@pytest.mark.parametrize("opening", ["e", "/", ":"])
async def test_text_typed_with_the_key_that_opens_its_box_goes_into_the_box(make_app, opening: str) -> None:
    """`e`, `/` or `:` and the text after it in one read: the text is the note, the search or the
    id, not keys of the main screen (`d` used to set a stance, `r` review mode, space move on)."""
    app = make_app()
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        typed_at_once(app, opening + "dr 4")
        await settled(pilot)
        await pilot.pause(0.2)
        assert disk_entry(app, 0) is None or disk_entry(app, 0).stance is None
        assert not screen.reviewing and screen.current_position() == 0
        box = app.focused
        assert isinstance(box, (NoteEditor, Input)), box
        assert (box.text if isinstance(box, NoteEditor) else box.value) == "dr 4"


async def test_keys_typed_with_the_one_that_leaves_a_box_act_on_the_list(make_app) -> None:
    """Escape or Enter and the keys after it in one read: the note is left (then `d` sets the
    stance), the search applied (then `j` moves in its rows)."""
    app = make_app()
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        for key in ("e", "x", "escape", "d", "slash", "t", "h", "e", "enter", "j"):
            app.post_message(events.Key(key, key if len(key) == 1 else "/" if key == "slash" else None))
        await settled(pilot)
        await pilot.pause(0.2)
        entry = disk_entry(app, 0)
        assert (entry.note, entry.stance) == ("x", "disagree")
        assert screen.view.query == "the" and isinstance(app.focused, CommentList)
        assert screen.comment_list.cursor == 1


async def test_navigation_keys(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("j", "j", "down")
        assert screen.current_position() == 3
        await pilot.press("k", "up")
        assert screen.current_position() == 1
        await pilot.press("G")
        assert screen.current_position() == 21
        await pilot.press("g")
        assert screen.current_position() == 0
        await pilot.press("a", "j", "a", "k")  # label 0 and 1, back on 0
        await pilot.press("space")
        assert screen.current_position() == 2


async def test_jump_to_a_comment_by_id(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        target = app.project.corpus.comments[17].id
        await pilot.press("colon", *"nosuchid", "enter")
        assert str(app.screen.query_one("#prompt-error").render()) == "No comment id starts with nosuchid."
        await pilot.press(*["backspace"] * 8, *target, "enter")
        await pilot.pause()
        assert screen.current_position() == 17


# `:` by a start of an id, or a position --------------------------------------------------------

PREFIXED = ["ab0[/b]", "ab2", "ab3", "ab4", "ab5", "ab6", "ab7", "xyz", "c0", "c1", "c2", "c3", "c4"]


def prefixed_app(make_app, tmp_path):
    """An app on 13 comments whose ids share starts (`ab`: seven of them, one with markup in it)."""
    rows = "".join(json.dumps({"id": comment_id, "text": f"Comment {comment_id}."}) + "\n" for comment_id in PREFIXED)
    return make_app(root=make_project(tmp_path / "prefixed", {"rows.jsonl": rows}))


async def jump(pilot, typed: str) -> str:
    """Press `:`, type `typed` and Enter: the prompt's error, or "" when it closed."""
    await pilot.press("colon")
    await until(pilot, lambda: pilot.app.screen.query("#prompt-input"), "the prompt")
    await pilot.press(*typed, "enter")
    await pilot.pause()
    if not pilot.app.screen.query("#prompt-error"):
        return ""
    error = str(pilot.app.screen.query_one("#prompt-error").render())
    await pilot.press("escape")
    return error


async def test_jump_by_a_unique_start_of_an_id(make_app, tmp_path) -> None:
    app = prefixed_app(make_app, tmp_path)
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        assert await jump(pilot, "xy") == ""
        assert screen.current_id() == "xyz"
        assert await jump(pilot, "c1") == ""  # a whole id
        assert screen.current_id() == "c1"
        assert await jump(pilot, "ab0[") == ""  # the start of an id with markup in it
        assert screen.current_id() == "ab0[/b]"


async def test_jump_by_an_ambiguous_start_lists_the_candidates(make_app, tmp_path) -> None:
    app = prefixed_app(make_app, tmp_path)
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("j")
        assert await jump(pilot, "ab") == "7 comment ids start with ab: ab0[/b], ab2, ab3, ab4, ab5 and 2 more."
        assert await jump(pilot, "a[") == "No comment id starts with a[."
        assert screen.current_id() == "ab2"  # where it was


async def test_jump_by_position(make_app, tmp_path) -> None:
    app = prefixed_app(make_app, tmp_path)
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        assert await jump(pilot, "#12") == ""
        assert (screen.current_id(), screen.current_position()) == ("c3", 11)
        assert await jump(pilot, "#14") == "No comment at #14: the positions run from #1 to #13."
        assert await jump(pilot, "#0") == "No comment at #0: the positions run from #1 to #13."
        assert await jump(pilot, "#1") == ""
        assert screen.current_id() == "ab0[/b]"


async def test_auto_advance_moves_to_next_unlabeled_after_a_stance(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("j", "n", "g")  # comment 1 labeled; back to 0
        await pilot.press("A")
        await pilot.press("1", "a")  # topic then stance: comment 0 done, skip 1 (labeled), land on 2
        assert screen.current_position() == 2
        await settled(pilot)
        assert (disk_entry(app, 0).stance, disk_entry(app, 0).topics) == ("agree", ("dl-theory",))
        await pilot.press("A", "d")
        assert screen.current_position() == 2


async def test_search_filters_and_escape_returns_to_the_same_comment(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("slash", *"gpt", "enter")
        rows = list(screen.comment_list.rows)
        texts = [app.project.corpus.comments[row].text for row in rows]
        assert texts and all("gpt" in text.lower() for text in texts)
        assert len(rows) < 22
        await pilot.press("j")
        chosen = screen.current_position()
        await pilot.press("d")
        await settled(pilot)
        await pilot.press("escape")
        assert len(screen.comment_list.rows) == 22
        assert screen.current_position() == chosen
        assert on_disk(app).get(app.project.corpus.comments[chosen].id).stance == "disagree"


async def test_escape_in_the_search_box_cancels_it(make_app) -> None:
    """As its placeholder says: the box closes, the list has the keys again, the filter stays."""
    app = make_app()
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("slash", *"gpt", "enter", "slash", "R", "escape")
        assert not screen.search_box.display and isinstance(app.focused, CommentList)
        assert screen.view.query == "gpt"
        await pilot.press("j", "d")
        await settled(pilot)
        assert on_disk(app).get(screen.current_id()).stance == "disagree"


async def test_filters_by_status_stance_and_topic(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("a", "j", "d", "5", "j", "f")

        async def pick(option_id: str) -> list[int]:
            await pilot.press("v")
            options = app.screen.query_one("#picker-options")
            options.highlighted = options.get_option_index(option_id)
            await pilot.press("enter")
            await pilot.pause()
            return list(screen.comment_list.rows)

        assert await pick("labeled") == [0, 1]
        assert await pick("unlabeled") == list(range(2, 22))
        assert await pick("flagged") == [2]
        assert await pick("stance:disagree") == [1]
        assert await pick("topic:code-models") == [1]
        assert await pick("all") == list(range(22))


async def test_undo_and_redo_several_steps(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("a", "1", "j", "d", "f")
        await settled(pilot)
        await pilot.press("u", "u")  # flag, then stance on comment 1
        await settled(pilot)
        assert disk_entry(app, 1) is None
        assert screen.current_position() == 1
        await pilot.press("u")  # topic on comment 0
        await settled(pilot)
        assert (disk_entry(app, 0).stance, disk_entry(app, 0).topics) == ("agree", ())
        assert screen.current_position() == 0
        await pilot.press("U", "U")
        await settled(pilot)
        assert disk_entry(app, 0).topics == ("dl-theory",)
        assert disk_entry(app, 1).stance == "disagree"
        assert disk_entry(app, 1).flagged is False
        await pilot.press("ctrl+y")
        await settled(pilot)
        assert disk_entry(app, 1).flagged is True


async def test_a_new_change_ends_what_redo_could_bring_back(make_app) -> None:
    """`a`, `u`, then `d` on another comment: `U` has nothing to redo (it used to write `agree`
    back on the first comment, and say the file had changed)."""
    app = make_app()
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("a", "u", "j", "d")
        await settled(pilot)
        await pilot.press("U")
        await settled(pilot)
        assert disk_entry(app, 0) is None and disk_entry(app, 1).stance == "disagree"
        assert screen.current_position() == 1
        assert "Nothing to redo" in [notification.message for notification in app._notifications]


async def test_help_shows_keys_labels_and_guidelines(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 60)) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-body Static").render())
        for expected in ("Next unlabeled comment", "disagree", "Disputes, corrects", "memorization",
                         "Each comment is a reply", "Undo the last label change"):
            assert expected in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_active_seconds_add_up_and_skip_idle_time(make_app, clock) -> None:
    """Time on a comment is written with its next label change; reading alone writes nothing."""
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        clock.advance(5)
        await pilot.press("a")
        await settled(pilot)
        assert disk_entry(app, 0).seconds == 5.0
        clock.advance(7)
        await pilot.press("j")  # leaving: 7 more seconds, kept for the next change
        await settled(pilot)
        assert disk_entry(app, 0).seconds == 5.0
        await pilot.press("k")
        clock.advance(300)  # idle: not counted
        await pilot.press("1")
        await settled(pilot)
        assert disk_entry(app, 0).seconds == 12.0
        clock.advance(2)
        await pilot.press("f")
        await settled(pilot)
        assert disk_entry(app, 0).seconds == 14.0


async def test_quitting_writes_everything(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        await pilot.press("a", "e", *"last words", "ctrl+q")
        await pilot.pause()
    assert disk_entry(app, 0).note == "last words"
    assert disk_entry(app, 0).stance == "agree"


async def test_asks_for_a_name_when_none_is_known(make_app) -> None:
    """More on the name prompt in `test_start.py`."""
    app = make_app(annotator=None)
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press(*"carol", "enter")
        screen = await ready(pilot)
        assert screen.sub_title == "carol"
        await pilot.press("n")
        await settled(pilot)
        assert disk_entry(app, 0, "carol").stance == "neutral"


async def test_the_mouse_chooses_rows_and_labels(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await pilot.click("#comments", offset=(5, 3))
        assert screen.current_position() == 3
        panel = screen.query_one("#labels")
        text = str(panel.render())
        first_line = text.splitlines()[0]
        await pilot.click("#labels", offset=(first_line.index("disagree"), 0))
        await settled(pilot)
        assert disk_entry(app, 3).stance == "disagree"


async def test_a_click_on_a_topic_and_the_flag(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        lines = str(screen.query_one("#labels").render()).splitlines()
        row = next(i for i, line in enumerate(lines) if "scaling" in line)
        await pilot.click("#labels", offset=(lines[row].index("scaling"), row))
        flag_row = next(i for i, line in enumerate(lines) if "not flagged" in line)
        await pilot.click("#labels", offset=(lines[flag_row].index("not flagged"), flag_row))
        await settled(pilot)
        assert (disk_entry(app, 0).topics, disk_entry(app, 0).flagged) == (("scaling",), True)


async def test_a_click_on_a_label_while_typing_a_note_changes_nothing(make_app) -> None:
    """As the label keys do nothing in the note, a click on a choice keeps the labels as they are
    (the panel takes no focus: the note stays open)."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await pilot.press("e", *"why")
        first_line = str(screen.query_one("#labels").render()).splitlines()[0]
        await pilot.click("#labels", offset=(first_line.index("disagree"), 0))
        assert isinstance(screen.focused, NoteEditor)
        await pilot.press("escape")
        await settled(pilot)
        entry = disk_entry(app, 0)
        assert (entry.note, entry.stance) == ("why", None)


async def test_search_finds_an_accented_letter_however_it_is_written(make_app) -> None:
    """"é" typed in the search finds a comment that writes it as "e" and a combining accent
    (drawn the same), and the other way round; case is ignored as before."""
    app = make_app(extra=["A caf\u0065\u0301 near the lab.", "Another CAF\u00c9 entirely."])
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        for typed in ("café", "cafe\u0301"):
            await pilot.press("slash")
            screen.query_one("#search").value = typed  # (typed as a terminal would send it: Pilot names keys)
            await pilot.press("enter")
            texts = [app.project.corpus.comments[row].text for row in screen.comment_list.rows]
            assert texts == ["A caf\u0065\u0301 near the lab.", "Another CAF\u00c9 entirely."], typed
            await pilot.press("escape")


async def test_an_undo_on_a_comment_the_filter_hides_says_where(make_app) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("j", "d", "5")  # comment #2: disagree, then a topic
        await settled(pilot)
        screen._apply_filter(Filter("stance", "agree"))
        await pilot.press("u")
        await settled(pilot)
        assert disk_entry(app, 1).topics == ()
        hidden = app.project.corpus.comments[1].id
        assert (f"Undone on comment #2 ({hidden}), which this view hides (Escape shows every comment)."
                in [notification.message for notification in app._notifications])


def posted(app, *items: str | events.Event) -> None:
    """Keys (Textual's names) and events, posted together as one terminal read brings them."""
    for item in items:
        app.post_message(item if isinstance(item, events.Event) else  # (alt+j carries its j, as a terminal's does)
                         events.Key(item, item if len(item) == 1 else item[-1] if item.startswith("alt+") else None))


async def test_quit_typed_with_a_note_quits_once_the_note_has_it(make_app, tmp_path) -> None:
    """ctrl+q in the same read as `e` and the note's text: the text is the note's, then the app quits."""
    app = make_app(root=make_project(tmp_path / "project"))
    async with app.run_test() as pilot:
        await ready(pilot)
        posted(app, "e", "h", "i", "ctrl+q")
        for _ in range(200):
            if not app.is_running:
                break
            await pilot.pause(0.01)
    assert app.return_code == 0
    assert disk_entry(app, 0).note == "hi"


async def test_what_comes_with_a_key_that_moves_the_focus_waits_for_it(make_app, tmp_path) -> None:
    """Escape and a key at once (alt+j), a paste, Tab to the note, Enter closing a dialog, and a
    moved clear_filter key: what comes with them goes where the focus goes."""
    app = make_app(root=make_project(tmp_path / "project", config=default_config_text()
                                     + '\n[keys]\nclear_filter = ["escape", "ctrl+l"]\n'))
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        posted(app, "e", "h", "i", events.Paste(" there"), "alt+j", "d")  # the note, then the next comment's stance
        await settled(pilot)
        await pilot.pause(0.2)
        assert disk_entry(app, 0).note == "hi there" and disk_entry(app, 1).stance == "disagree"
        assert isinstance(app.focused, CommentList) and screen.current_position() == 1
        posted(app, "slash", "g", "alt+j")  # Escape and j at once in the search box: cancelled, then j
        await settled(pilot)
        await pilot.pause(0.2)
        assert not screen.search_box.display and screen.current_position() == 2
        posted(app, "slash", "g", "ctrl+l", "a")  # the project's other key for clear_filter
        await settled(pilot)
        await pilot.pause(0.2)
        assert not screen.search_box.display and disk_entry(app, 2).stance == "agree"
        await pilot.press("colon")
        target = app.project.corpus.comments[5].id
        posted(app, *target, "enter", "n")  # the id, and a stance for the comment jumped to
        await settled(pilot)
        await pilot.pause(0.2)
        assert screen.current_position() == 5 and disk_entry(app, 5).stance == "neutral"
        posted(app, "tab", "o", "k")  # Tab to the note's preview opens the note
        await settled(pilot)
        await pilot.pause(0.2)
        assert screen.note_editor.text == "ok" and disk_entry(app, 5).stance == "neutral"
