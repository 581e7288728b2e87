"""Seven everyday ways the app used to lose a label it had shown as saved, each as it happened.

Each comes from one of four gaps, now closed: a change was remembered as a whole entry (journal
record, undo step) instead of the fields it changed; the cursor and the note editor were anchored
to a row instead of a comment; the app wrote files while git was in the middle of an operation;
and the lock was a file in the working tree, which `git clean -fdx` deletes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from annotator.core.lock import AlreadyOpen, AnnotatorLock
from annotator.core.models import Annotation
from annotator.core.project import Project
from annotator.core.store import AnnotationFile, annotation_path
from annotator.tui.app import build_app
from annotator.tui import saver
from annotator.tui.screens.dialogs import Prompt, Question
from annotator.tui.widgets.note_editor import NoteEditor
from tests.core.gitrepo import IDS, TEXTS, Repo
from tests.safety.test_git_under_app import NOW, reload_notices, status_line
from tests.tui.conftest import clock, make_app, ready, settled, until  # noqa: F401 (fixtures)
from tests.tui.test_safety import fail_writes


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A repository with alice's label on the first comment, committed; the app compacts quickly."""
    repo = Repo.create(tmp_path, monkeypatch)
    (repo.root / ".gitignore").write_text("annotations/.*\n", "utf-8")
    repo.label("alice", 0, stance="agree")
    repo.commit("alice labels the first comment")
    monkeypatch.setattr(saver, "COMPACT_AFTER", 0.05)
    return repo


def outside_edit(repo: Repo, index: int, **fields: object) -> None:
    """Change fields of alice's entry for comment `index` in the file, as a `git pull` would."""
    other = AnnotationFile.load(repo.file("alice"), replay=False)
    entry = other.get(IDS[index]) or Annotation()
    other.set(IDS[index], entry.replace(**fields), TEXTS[index])
    other.save(force=True)


def in_file(repo: Repo, index: int) -> Annotation | None:
    return AnnotationFile.load(repo.file("alice"), replay=False).get(IDS[index])


async def test_1_undo_after_an_outside_change_takes_back_only_its_own_fields(repo: Repo) -> None:
    app = build_app(Project.open(repo.root), "alice", now=lambda: NOW)
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("j", "d")
        await settled(pilot, compacted=True)
        outside_edit(repo, 1, note="Sarcastic: read the parent")
        await until(pilot, lambda: reload_notices(app), "the reload after the outside note")
        await pilot.press("u")
        await settled(pilot, compacted=True)
        entry = in_file(repo, 1)
        assert entry is not None and entry.stance is None
        assert entry.note == "Sarcastic: read the parent"  # undo took back the stance only
        assert screen.session.annotation(IDS[1]).note == "Sarcastic: read the parent"
        await pilot.press("U")  # redo: the stance again, the note still there
        await settled(pilot, compacted=True)
        assert (in_file(repo, 1).stance, in_file(repo, 1).note) == ("disagree", "Sarcastic: read the parent")
        await pilot.press("ctrl+q")


async def test_1b_undo_leaves_a_field_changed_outside_since_and_says_so(repo: Repo) -> None:
    app = build_app(Project.open(repo.root), "alice", now=lambda: NOW)
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("j", "d")
        await settled(pilot, compacted=True)
        outside_edit(repo, 1, stance="mixed")  # a teammate decided otherwise
        await until(pilot, lambda: reload_notices(app), "the reload after the outside stance")
        assert screen.session.annotation(IDS[1]).stance == "mixed"
        await pilot.press("u")
        await settled(pilot, compacted=True)
        assert in_file(repo, 1).stance == "mixed"
        assert any("Stance left as it is: changed on disk since" in n.message for n in app._notifications)
        await pilot.press("ctrl+q")


def test_2_a_crash_then_an_outside_change_then_a_restart_merges_field_by_field(repo: Repo) -> None:
    """The entry had topic `scaling`, committed; `a` reached the journal, then a kill (nothing
    else of the process survives it); outside, a `git pull` adds a topic and a note."""
    outside_edit(repo, 1, topics=("scaling",))
    store = AnnotationFile.open(repo.root, "alice")
    store.set(IDS[1], store.get(IDS[1]).replace(stance="agree"))
    store.commit()
    del store  # killed: only the journal and the file remain
    outside_edit(repo, 1, topics=("reasoning", "scaling"), note="see the thread")
    again = AnnotationFile.open(repo.root, "alice")
    entry = again.get(IDS[1])
    assert (entry.stance, entry.topics, entry.note) == ("agree", ("reasoning", "scaling"), "see the thread")
    assert any("recovered 1 unsaved changes" in w.message for w in again.warnings)
    assert not any("both sides" in w.message for w in again.warnings)


async def test_3_no_write_while_git_rebases_and_the_label_survives_an_abort(repo: Repo) -> None:
    repo.label("alice", 3, stance="neutral")
    repo.commit("alice labels the fourth comment")
    app = build_app(Project.open(repo.root), "alice", now=lambda: NOW)
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        stopped = subprocess.run(  # a rebase that stops half way, as one with conflicts does
            ["git", "rebase", "-i", "HEAD~1"], cwd=repo.root, capture_output=True, text=True,
            env=os.environ | {"GIT_SEQUENCE_EDITOR": "sed -i 1s/^pick/edit/"},
        )
        assert stopped.returncode == 0, stopped.stderr
        before = repo.file("alice").read_bytes()
        await pilot.press("j", "d")
        await until(pilot, lambda: "git busy" in status_line(screen), "the rebase")
        assert any("A git rebase is in progress: your labels are saved in the journal" in n.message
                   for n in app._notifications)
        await pilot.pause(saver.WATCH_SECONDS + 0.2)  # a watch and a compaction came and went
        assert repo.file("alice").read_bytes() == before  # nothing written under git's feet
        assert repo.git("rebase", "--abort", check=False).returncode == 0
        await until(pilot, lambda: (in_file(repo, 1) or Annotation()).stance == "disagree", "the end of the rebase")
        assert screen.session.annotation(IDS[1]).stance == "disagree"
        await pilot.press("ctrl+q")
    assert in_file(repo, 1).stance == "disagree"


def test_4_the_lock_survives_git_clean_and_rm(repo: Repo) -> None:
    path = annotation_path(repo.root, "alice")
    lock = AnnotatorLock.for_file(path).acquire()
    try:
        assert repo.git("clean", "-fdx").returncode == 0
        shutil.rmtree(repo.root / "annotations", ignore_errors=True)
        with pytest.raises(AlreadyOpen, match="alice is already annotating in this project"):
            AnnotatorLock.for_file(path).acquire()
    finally:
        lock.release()


def test_4b_a_compaction_never_trims_another_sessions_records(tmp_path: Path) -> None:
    """Two sessions on one file (outside git the lock is a plain file, which `rm` can delete):
    each compaction keeps the other's journal records."""
    (tmp_path / "annotations").mkdir()
    first = AnnotationFile.open(tmp_path, "alice")
    second = AnnotationFile.open(tmp_path, "alice")
    first.set("aaaaaaaaaaaa", Annotation(stance="agree"))
    first.commit()
    second.set("bbbbbbbbbbbb", Annotation(stance="mixed"))
    second.commit()
    first.compact()  # the file lacks the second session's label...
    again = AnnotationFile.open(tmp_path, "alice")  # ...the journal still has it
    assert again.get("bbbbbbbbbbbb").stance == "mixed"
    assert again.get("aaaaaaaaaaaa").stance == "agree"


async def test_5_a_note_stays_on_its_comment_when_a_reload_moves_the_list(repo: Repo) -> None:
    app = build_app(Project.open(repo.root), "alice", now=lambda: NOW)
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("v")
        await pilot.pause()
        await pilot.press("down", "enter")  # Unlabeled
        await pilot.pause()
        await pilot.press("j")  # comment 2: the second unlabeled one
        assert screen.current_id() == IDS[2]
        await pilot.press("e", *"keep this")
        outside_edit(repo, 2, stance="agree")  # labeled elsewhere: it leaves the "unlabeled" filter
        await until(pilot, lambda: reload_notices(app), "the reload after the outside label")
        assert screen.session.annotation(IDS[2]) is not None
        assert screen.current_id() == IDS[2]  # still shown, still current
        assert isinstance(app.focused, NoteEditor)
        await pilot.press("escape", "n")  # the note is saved, then a stance key
        await settled(pilot, compacted=True)
        assert (in_file(repo, 2).stance, in_file(repo, 2).note) == ("neutral", "keep this")
        assert in_file(repo, 1) is None  # the first unlabeled row got nothing
        await pilot.press("ctrl+q")


async def test_6_quitting_while_saves_fail_asks_once_and_writes_the_backup(make_app, monkeypatch, tmp_path) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        fail_writes(monkeypatch)
        await pilot.press("a")
        await settled(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, Question)
        await pilot.press("w")
        await pilot.pause(saver.RETRY_SECONDS * 2 + 0.5)  # retries fail meanwhile
        assert isinstance(app.screen, Prompt), app.screen  # no second dialog over the prompt
        assert sum(isinstance(screen, Question) for screen in app.screen_stack) == 0
        backup = tmp_path / "dump.toml"  # typed letter by letter: 'd' must not answer "discard"
        await pilot.press(*str(backup))
        await pilot.press("enter")
        for _ in range(50):
            await pilot.pause(0.02)
            if not app.is_running:
                break
    assert 'stance = "agree"' in backup.read_text("utf-8")


async def test_6b_a_backup_that_cannot_be_written_keeps_the_app_open(make_app, monkeypatch, tmp_path) -> None:
    app = make_app()
    async with app.run_test() as pilot:
        await ready(pilot)
        fail_writes(monkeypatch)
        await pilot.press("a")
        await settled(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("w")
        app.screen.query_one("#prompt-input").value = str(tmp_path)  # a folder
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running
        assert isinstance(app.screen, Question)  # asked again, once
        assert any("it is a folder" in n.message for n in app._notifications)
        await pilot.press("d")


async def test_7_a_removed_annotations_folder_gets_every_label_back(repo: Repo, monkeypatch) -> None:
    app = build_app(Project.open(repo.root), "alice", now=lambda: NOW)
    async with app.run_test() as pilot:
        screen = await ready(pilot)
        await pilot.press("j", "d")
        await settled(pilot, compacted=True)
        monkeypatch.setattr(saver, "COMPACT_AFTER", 60.0)
        await pilot.press("j", "m")  # in the journal only
        await settled(pilot)
        shutil.rmtree(repo.root / "annotations")
        await until(pilot, lambda: any("was removed" in n.message for n in app._notifications), "the removal")
        await settled(pilot, compacted=True)
        assert [(in_file(repo, i) or Annotation()).stance for i in range(3)] == ["agree", "disagree", "mixed"]
        assert screen.save_error is None
        await pilot.press("ctrl+q")


async def test_2b_changes_recovered_at_the_start_reach_the_file_without_another_key(repo: Repo) -> None:
    """A crash left a label in the journal only; the next session, with no key pressed, writes
    it into the TOML file (which is what `git add` takes), and the journal goes."""
    store = AnnotationFile.open(repo.root, "alice")
    store.set(IDS[2], Annotation("neutral", updated=NOW))
    store.commit()
    del store  # killed
    assert in_file(repo, 2) is None
    app = build_app(Project.open(repo.root), "alice", now=lambda: NOW)
    async with app.run_test() as pilot:
        await ready(pilot)
        await until(pilot, lambda: (in_file(repo, 2) or Annotation()).stance == "neutral", "the recovered label in the file")
        await until(pilot, lambda: not (repo.root / "annotations" / ".alice.journal").exists()
                    or not (repo.root / "annotations" / ".alice.journal").read_text("utf-8").strip(), "the journal trimmed")
        await pilot.press("ctrl+q")
