"""A project's `[keys]` moves the app's actions to other keys: the new keys work, the old ones do
nothing, and the footer, the help, the command palette and the hints on screen name the new keys."""

from __future__ import annotations

import shutil
from pathlib import Path

from textual.content import Content

from annotator.core.config import default_config_text
from annotator.core.project import Project
from annotator.tui.screens.help import HelpScreen
from tests.conftest import REPO, make_project
from tests.tui.conftest import disk_entry, ready, settled, until
from tests.tui.test_targets import app_on, at, screen_text

CONFIG = default_config_text() + (
    '\n[keys]\nnext = ["N", "down"]\nflag = "F"\nhelp = "f1"\n')


async def test_moved_actions_answer_to_their_new_keys_and_not_the_old(make_app, tmp_path) -> None:
    root = make_project(tmp_path / "project", config=CONFIG)
    app = make_app(root=root)
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("j")
        assert screen.current_position() == 0
        await pilot.press("N")
        assert screen.current_position() == 1
        await pilot.press("down")
        assert screen.current_position() == 2
        await pilot.press("F")
        await settled(pilot)
        assert disk_entry(app, 2).flagged
        await pilot.press("f")  # the old flag key: nothing (no label has it)
        await settled(pilot)
        assert disk_entry(app, 2).flagged

        shown: dict[str, set[str]] = {}  # the footer's keys, by action
        for _, binding, enabled, _ in screen.active_bindings.values():
            if enabled and binding.show:
                shown.setdefault(binding.action, set()).add(binding.key)
        assert (shown["next"], shown["flag"], shown["help"]) == ({"N", "down"}, {"F"}, {"f1"})

        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-body Static").render())
        assert "N / down" in text and "Next comment" in text
        assert "\n  next · previous · next_unlabeled · " in text  # (the ids, for [keys])
        assert "  F " in text and "Flag for later" in text
        await pilot.press("escape")

        commands = {command.title: command.help for command in app.get_system_commands(screen)}
        assert commands["Next comment"] == "keys: N, down"
        assert commands["Flag for later, or unflag"] == "keys: F"



async def test_in_review_mode_the_notice_of_an_idle_key_follows_the_moved_keys(make_app, tmp_path) -> None:
    """Review mode says when a letter does nothing: of the old flag key, not of the new one."""
    from tests.tui.test_review import notices, start_review

    app = make_app(root=make_project(tmp_path / "project", config=CONFIG))
    async with app.run_test(size=(120, 40)) as pilot:
        await start_review(pilot)
        await pilot.press("F", "f")
        await settled(pilot)
        assert disk_entry(app, 0).flagged
        said = [notice for notice in notices(app) if "does nothing in review mode" in notice]
        assert [notice.split()[0] for notice in said] == ["f"]

async def test_the_hints_on_screen_name_the_moved_keys(make_app, tmp_path) -> None:
    """The mark under a long comment and the target's head say which key reads on, goes to the
    parent or hides the target: with `[keys]`, the project's keys, not the defaults."""
    keys = '\n[keys]\nread_down = "ctrl+f"\nparent = "^"\ntoggle_target = "Z"\n'
    root = make_project(tmp_path / "project", config=default_config_text() + keys)
    longest = max(Project.open(root).corpus.comments, key=lambda comment: len(comment.text))
    app = make_app(root=root)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        screen.comment_list.move_to(screen.row_of(longest.id))
        await until(pilot, lambda: "reads on" in screen_text(app), "the mark under the long comment")
        assert "▼ more below  ctrl+f reads on" in screen_text(app)

    sample = Path(shutil.copytree(REPO / "docs" / "sample", tmp_path / "sample"))
    (sample / "annotator.toml").write_text((sample / "annotator.toml").read_text("utf-8") + keys, "utf-8")
    project = Project.open(sample)
    ids = {comment.id for comment in project.corpus.comments}
    reply = next(comment for comment in project.corpus.comments if comment.parent in ids)
    app = app_on(sample)
    async with app.run_test(size=(200, 60)) as pilot:
        await at(pilot, reply.id)
        await until(pilot, lambda: "goes there" in screen_text(app), "the target's head")
        assert "^ goes there · Z hides" in screen_text(app)


async def test_label_descriptions_are_shown_as_written_in_the_help_and_the_palette(make_app, tmp_path) -> None:
    """A description in annotator.toml is the project's text, not the app's: markup in it is
    shown as typed, and a terminal escape as its picture (never sent to the terminal)."""
    written = "[red]Supports[/red] [@click=app.quit]x[/] \\u001b[31mX"
    config = default_config_text().replace(
        'description = "Supports or builds on the parent\'s claim or argument."', f'description = "{written}"')
    assert written in config
    app = make_app(root=make_project(tmp_path / "project", config=config))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await ready(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_text = app.screen.query_one("#help-body Static").render()
        assert "[red]Supports[/red] [@click=app.quit]x[/] \u241b[31mX" in str(help_text)
        assert "\x1b" not in str(help_text)
        await pilot.press("escape")
        commands = {command.title: command.help for command in app.get_system_commands(screen)}
        shown = Content.from_markup(commands["Stance: agree"])  # (as the palette reads it)
        assert shown.plain == "key a: [red]Supports[/red] [@click=app.quit]x[/] \u241b[31mX" and not shown.spans


async def test_a_key_that_looks_like_markup_is_named_literally_in_the_palette(make_app, tmp_path) -> None:
    config = default_config_text() + '\n[keys]\nnext = ["[", "down"]\n'
    app = make_app(root=make_project(tmp_path / "project", config=config))
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        commands = {command.title: command.help for command in app.get_system_commands(screen)}
        assert Content.from_markup(commands["Next comment"]).plain == "keys: [, down"
