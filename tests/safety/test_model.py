"""The labels against a plain model, through every interleaving Hypothesis can find.

A state machine (Hypothesis's `RuleBasedStateMachine`) drives one annotator's labels on a corpus of
four comments with the actors that meet there: key presses through a `Session` (stance, topic,
flag, note), undo and redo, filters; outside edits to the file (a `git pull`, a hand edit: another
`AnnotationFile` writes one field and saves over the file, to any value, to a value the session
once showed, or to the field the last key changed; or the file is removed); the app's save path
(`commit`, `compact`, the warm-up before it, and the watch: `changed_on_disk()` then
`merge_from_disk()`); a git operation in progress (`pause_writes` gives a reason); and kills
(the session and its store are dropped with no compaction, `AnnotationFile.open` replays the
journal, a new session starts). A start without a journal to replay may be a cold start's: a
provisional session on a `partial` store (`AnnotationFile.peek`), which journals its changes and
never reads or writes the file (no compaction, warm-up or watch), until the hand-over: the whole
file read (without the journal), `take_over` replays the session's records onto it, and a new
session goes on from the provisional one (`Session.go_on_from`), its undo steps included.

The model is a dict per layer, comment id -> field -> value. The fields are `stance`, `note`,
`flagged` and one true/false field per topic, so that topics merge as sets by the rule every
field follows; `seconds` and `updated` are left out (and the clock is fixed).

- `disk`: the TOML file (blank where there is none). An outside edit sets a field of it.
- `shown`: what the session shows. A key sets a field (and ends what redo could bring back);
  undo (redo) sets it back (again) only where it still holds the value the step left, and names
  a stance or note it leaves in
  `Undone.kept`. After a reload that kept the session's value of a field the file changed too,
  undo of the step that changed it from the file's old value goes back to the file's new one.
- `base`: what the session last read from the file or wrote to it. Where `shown` differs from
  it, the field is the session's pending change.
- The one merge rule (`merged`): the session's value where it is a pending change (a clash
  included: the session's wins), else the file's. The watch, finding the file changed, merges
  `shown` with `disk`. A file that is gone is not an empty one: the watch keeps what the session
  shows, and every entry it holds becomes a pending change, whole.
- `committed`, `committed_base`: what the journal holds: the session's values as of its last
  write to the journal (a commit; a compaction commits first; a reload writes the journal anew)
  and the file's values they are changes to. A kill and restart shows `committed` merged with
  `disk` by the same rule: every committed change is there, and nothing else of the session.
  One exception, a rule the journal states for a file that may hold a compaction a kill cut
  short: where the file holds a value the journal's records went through since it last held
  none for that field (`chain`), the journal takes it for its own and goes on to its last value
  (`tests/core/test_journal.py` has that case as a known limit).

After every step the invariants check what the session shows (and its count of labeled
comments), the file on disk (parsed without its journal), and, while a git operation is in
progress, that the file's bytes are the ones git left. The rules check what the calls return:
each filter's selection, `Undone.kept`, `Reload.both` and `restored`, `changed_on_disk()`, that
a compaction raises `WritesPaused` (file untouched) while git is busy and `ChangedOnDisk` when
the file changed since it was read, and that a compaction removes the journal.

Bounded for CI (400 examples of up to 40 steps, about 10 s). `ANNOTATOR_MODEL_EXAMPLES` runs
more, `ANNOTATOR_MODEL_STEPS` longer ones, and `ANNOTATOR_MODEL_REPORT=FILE` writes the counts
(examples, steps, seconds) to FILE; they are printed too (`pytest -s`):

    ANNOTATOR_MODEL_EXAMPLES=2000 ANNOTATOR_MODEL_REPORT=model.txt .venv/bin/python -m pytest -q tests/safety/test_model.py
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from annotator.core.config import Label, Schema
from annotator.core.models import Annotation, Comment
from annotator.core.session import Filter, Session, Undone
from annotator.core.store import AnnotationFile, ChangedOnDisk, WritesPaused, annotation_path, journal_path, rendered

EXAMPLES = int(os.environ.get("ANNOTATOR_MODEL_EXAMPLES", "400"))
STEPS = int(os.environ.get("ANNOTATOR_MODEL_STEPS", "40"))
REPORT = os.environ.get("ANNOTATOR_MODEL_REPORT")

TEXTS = {
    "aaaaaaaaaaaa": "Scaling laws hold, for now.",
    "bbbbbbbbbbbb": "The safety case is thin.",
    "cccccccccccc": "Theory lags practice again.",
    "dddddddddddd": "LAWS of scaling, and of safety.",
}
IDS = tuple(TEXTS)
STANCES = ("agree", "disagree", "neutral")
TOPICS = ("scaling", "safety", "theory")
NOTES = ("first note", "second note")
FIELDS = ("stance", "note", "flagged", *(f"topic:{topic}" for topic in TOPICS))
SCHEMA = Schema(
    stance=tuple(Label(name=name, key=name[0]) for name in STANCES),
    topic=tuple(Label(name=name, key=str(number)) for number, name in enumerate(TOPICS, 1)),
)
COMMENTS = [Comment(comment_id, text, "seeds/model.txt", line) for line, (comment_id, text) in enumerate(TEXTS.items(), 1)]
WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

Labels = dict[str, dict[str, Any]]  # comment id -> field -> value


def fields_of(entry: Annotation | None) -> dict[str, Any]:
    """An entry as the model sees it."""
    entry = entry or Annotation()
    assert set(entry.topics) <= set(TOPICS), entry
    return {
        "stance": entry.stance,
        "note": entry.note,
        "flagged": entry.flagged,
        **{f"topic:{topic}": topic in entry.topics for topic in TOPICS},
    }


BLANK = fields_of(None)


def nothing() -> Labels:
    return {comment_id: dict(BLANK) for comment_id in IDS}


def with_field(entry: Annotation | None, name: str, value: Any) -> Annotation:
    """`entry` with one field of the model set, as an outside edit writes it."""
    entry = entry or Annotation()
    if name.startswith("topic:"):
        topic = name.removeprefix("topic:")
        topics = set(entry.topics) | {topic} if value else set(entry.topics) - {topic}
        return entry.replace(topics=tuple(sorted(topics)))
    return entry.replace(**{name: value})


def merged(base: Any, ours: Any, theirs: Any) -> Any:
    """The one merge rule: our value where we changed the field, else theirs."""
    return ours if ours != base else theirs


def merge(base: Labels, ours: Labels, theirs: Labels) -> Labels:
    return {
        comment_id: {name: merged(base[comment_id][name], ours[comment_id][name], theirs[comment_id][name])
                     for name in FIELDS}
        for comment_id in IDS
    }


# The journal records an entry's topics as one value (a set): its chains are kept per record field.
RECORDED = ("stance", "note", "flagged", "topics")


def recorded(values: dict[str, Any], key: str) -> Any:
    if key == "topics":
        return frozenset(topic for topic in TOPICS if values[f"topic:{topic}"])
    return values[key]


def fields_in(key: str) -> tuple[str, ...]:
    return tuple(f"topic:{topic}" for topic in TOPICS) if key == "topics" else (key,)


def is_labeled(values: dict[str, Any]) -> bool:
    return values["stance"] is not None or any(values[f"topic:{topic}"] for topic in TOPICS)


def shows(values: dict[str, Any], text: str, view: Filter) -> bool:
    """Whether a comment with these labels and this text passes `view`."""
    kinds = {
        "all": True,
        "unlabeled": not is_labeled(values),
        "labeled": is_labeled(values),
        "flagged": values["flagged"],
        "stance": values["stance"] == view.value,
        "topic": values.get(f"topic:{view.value}", False),
    }
    return kinds[view.kind] and view.query.casefold() in text.casefold()


@dataclass(frozen=True)
class Step:
    """One key press, as the model remembers it for undo: a field, and the values it went from and to."""

    comment_id: str
    name: str
    before: Any
    after: Any


@dataclass
class Counts:
    examples: int = 0
    steps: int = 0


COUNTS = Counts()

OUTSIDE_VALUES = (
    [("stance", value) for value in (None, *STANCES)]
    + [("note", value) for value in (None, *NOTES, "their note")]
    + [("flagged", value) for value in (False, True)]
    + [(f"topic:{topic}", value) for topic in TOPICS for value in (False, True)]
)
FILTERS = (
    Filter(),
    Filter("unlabeled"),
    Filter("labeled"),
    Filter("flagged"),
    *(Filter("stance", name) for name in STANCES),
    *(Filter("topic", name) for name in TOPICS),
    Filter(query="laws"),
    Filter("unlabeled", query="safety"),
    Filter("topic", "scaling", query="scaling"),
)
comment_ids = st.sampled_from(IDS)


class LabelsMeetTheDisk(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        COUNTS.examples += 1
        self.root = Path(tempfile.mkdtemp(prefix="annotator-model-"))
        (self.root / "annotations").mkdir()
        self.path = annotation_path(self.root, "alice")
        self.paused: str | None = None  # the reason `pause_writes` gives: git is in the middle of an operation
        self.git_left: bytes | None = None  # the file's bytes while git is busy: nothing else may change them
        self.tokens = count(1)
        self.token: int | None = None  # which write the file on disk is (None: there is no file)
        self.seen: int | None = None  # which one the store last read or wrote
        self.disk = nothing()
        self.shown = nothing()
        self.base = nothing()
        self.committed = nothing()
        self.committed_base = nothing()
        self.chain: dict[str, dict[str, set[Any]]] = {comment_id: {key: set() for key in RECORDED} for comment_id in IDS}
        self.values_shown = {comment_id: {name: {value} for name, value in BLANK.items()} for comment_id in IDS}
        self.start()

    def start(self, cold: bool = False) -> None:
        """Open the store as the app does (replaying a journal), and a new session on it; `cold`,
        and no journal left: the provisional session of a cold start, on the entries peeked."""
        peeked = AnnotationFile.peek(self.root, "alice", IDS) if cold else None
        assert peeked is not None or not cold or journal_path(self.path).exists()  # (else the file is annotator's)
        self.store = peeked or AnnotationFile.open(self.root, "alice")
        self.store.pause_writes = self.git_busy
        self.session = Session(COMMENTS, SCHEMA, self.store, clock=lambda: 0.0, now=lambda: WHEN)
        self.undo_steps: list[Step] = []
        self.redo_steps: list[Step] = []
        self.journal_replayed = self.store.journal.exists()  # then the first write to it writes it anew

    def git_busy(self) -> str | None:
        return self.paused

    @property
    def provisional(self) -> bool:
        return self.session.provisional

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def file_bytes(self) -> bytes | None:
        return self.path.read_bytes() if self.path.exists() else None

    # The journal, as the model keeps it ------------------------------------------------------------

    def journal_appended(self) -> None:
        """A commit: the fields changed since the last one go on their chains."""
        if self.journal_replayed:
            self.journal_anew()
            return
        for comment_id in IDS:
            for key in RECORDED:
                was, now = recorded(self.committed[comment_id], key), recorded(self.shown[comment_id], key)
                if was != now:
                    chain = self.chain[comment_id][key]
                    if not chain:
                        chain.add(was)
                    chain.add(now)
        self.committed, self.committed_base = copy.deepcopy(self.shown), copy.deepcopy(self.base)

    def journal_anew(self) -> None:
        """The journal written anew: the session's changes to the file as it is (`base`), nothing else."""
        self.journal_replayed = False
        self.committed, self.committed_base = copy.deepcopy(self.shown), copy.deepcopy(self.base)
        for comment_id in IDS:
            for key in RECORDED:
                was, now = recorded(self.base[comment_id], key), recorded(self.shown[comment_id], key)
                self.chain[comment_id][key] = {was, now} if was != now else set()

    def after_a_kill(self, comment_id: str) -> dict[str, Any]:
        """What a kill and restart shows: the journal's changes merged with the file."""
        ours, base, theirs = self.committed[comment_id], self.committed_base[comment_id], self.disk[comment_id]
        values = {name: merged(base[name], ours[name], theirs[name]) for name in FIELDS}
        for key in RECORDED:
            if recorded(theirs, key) in self.chain[comment_id][key]:  # taken for the journal's own
                values.update({name: ours[name] for name in fields_in(key)})
        return values

    # Key presses ---------------------------------------------------------------------------------

    def pressed(self, comment_id: str, name: str, value: Any, change: object) -> None:
        before = self.shown[comment_id][name]
        if value == before:  # (only a note can be set to what it is)
            assert change is None
            return
        assert change is not None
        self.shown[comment_id][name] = value
        self.undo_steps.append(Step(comment_id, name, before, value))
        self.redo_steps.clear()  # (a new change: what was undone before it is not redone)

    @rule(comment_id=comment_ids, stance=st.sampled_from(STANCES))
    def key_stance(self, comment_id: str, stance: str) -> None:
        value = None if self.shown[comment_id]["stance"] == stance else stance  # the same key again clears it
        self.pressed(comment_id, "stance", value, self.session.set_stance(comment_id, stance))

    @rule(comment_id=comment_ids, topic=st.sampled_from(TOPICS))
    def key_topic(self, comment_id: str, topic: str) -> None:
        name = f"topic:{topic}"
        self.pressed(comment_id, name, not self.shown[comment_id][name], self.session.toggle_topic(comment_id, topic))

    @rule(comment_id=comment_ids)
    def key_flag(self, comment_id: str) -> None:
        self.pressed(comment_id, "flagged", not self.shown[comment_id]["flagged"], self.session.toggle_flag(comment_id))

    @rule(comment_id=comment_ids, note=st.sampled_from((*NOTES, "")))
    def key_note(self, comment_id: str, note: str) -> None:
        self.pressed(comment_id, "note", note or None, self.session.set_note(comment_id, note))

    @rule()
    def undo(self) -> None:
        self.replayed(self.session.undo(), self.undo_steps, self.redo_steps, back=True)

    @rule()
    def redo(self) -> None:
        self.replayed(self.session.redo(), self.redo_steps, self.undo_steps, back=False)

    def replayed(self, result: Undone | None, steps: list[Step], other: list[Step], back: bool) -> None:
        """Undo (a step's field from `after` back to `before`) or redo (the other way): only where
        the field still holds the value the step left; elsewhere it stays, and a stance or note
        is named as kept."""
        if not steps:
            assert result is None
            return
        step = steps.pop()
        other.append(step)
        was, to = (step.after, step.before) if back else (step.before, step.after)
        now = self.shown[step.comment_id][step.name]
        if now == was:
            self.shown[step.comment_id][step.name] = to
        kept = [step.name] if now not in (was, to) and not step.name.startswith("topic:") else []
        assert result == Undone(step.comment_id, kept)

    def rebase_undo(self, comment_id: str, name: str, replaced: Any, value: Any) -> None:
        """The newest step that set `name` of `comment_id` from `replaced` now goes back to `value`
        (a reload kept the session's value over the file's, which undo then brings back); and
        the newest step undone that set it to `replaced` now goes to `value` (redo then does)."""
        for index in range(len(self.undo_steps) - 1, -1, -1):
            step = self.undo_steps[index]
            if (step.comment_id, step.name, step.before) == (comment_id, name, replaced):
                self.undo_steps[index] = Step(comment_id, name, value, step.after)
                break
        for index in range(len(self.redo_steps) - 1, -1, -1):
            step = self.redo_steps[index]
            if (step.comment_id, step.name, step.after) == (comment_id, name, replaced):
                self.redo_steps[index] = Step(comment_id, name, step.before, value)
                return

    @rule(view=st.sampled_from(FILTERS))
    def select(self, view: Filter) -> None:
        expected = [position for position, comment_id in enumerate(IDS)
                    if shows(self.shown[comment_id], TEXTS[comment_id], view)]
        assert list(self.session.select(view)) == expected, view

    # Outside the app: git, a hand edit ------------------------------------------------------------

    def written_outside(self) -> None:
        self.token = next(self.tokens) if self.path.exists() else None
        self.git_left = self.file_bytes()

    @rule(comment_id=comment_ids, change=st.sampled_from(OUTSIDE_VALUES), through_save=st.booleans())
    def outside_edit(self, comment_id: str, change: tuple[str, Any], through_save: bool) -> None:
        """Another program writes one field of the file (and leaves the journal alone)."""
        name, value = change
        other = AnnotationFile.load(self.path, replay=False) if self.path.exists() else AnnotationFile(self.path, "alice")
        other.set(comment_id, with_field(other.get(comment_id), name, value), TEXTS[comment_id])
        if through_save:
            other.save(force=True)
        else:
            other.write(other.render(), force=True)
        self.disk[comment_id][name] = value
        self.written_outside()

    @rule(comment_id=comment_ids, name=st.sampled_from(FIELDS), data=st.data(), through_save=st.booleans())
    def outside_edit_to_a_value_the_session_had(
        self, comment_id: str, name: str, data: st.DataObject, through_save: bool
    ) -> None:
        """The same, to a value the session showed at some point (a teammate's same choice, one's
        own work pulled back): where the journal could take the file's value for its own."""
        value = data.draw(st.sampled_from(sorted(self.values_shown[comment_id][name], key=repr)))
        self.outside_edit(comment_id, (name, value), through_save)

    @precondition(lambda self: self.undo_steps)
    @rule(data=st.data(), through_save=st.booleans())
    def outside_edit_where_the_last_key_was(self, data: st.DataObject, through_save: bool) -> None:
        """The same, to the field the last key press changed (a `git pull` that brings a change
        to the comment just labeled): where undo must leave the outside value alone."""
        step = self.undo_steps[-1]
        value = data.draw(st.sampled_from([value for name, value in OUTSIDE_VALUES if name == step.name]))
        self.outside_edit(step.comment_id, (step.name, value), through_save)

    @precondition(lambda self: self.path.exists())
    @rule()
    def outside_remove(self) -> None:
        """`rm`, or a `git checkout` of a branch without the file."""
        self.path.unlink()
        self.disk = nothing()
        self.written_outside()

    @precondition(lambda self: self.paused is None)
    @rule(reason=st.sampled_from(("git rebase in progress", "git merge in progress")))
    def git_starts(self, reason: str) -> None:
        self.paused = reason
        self.git_left = self.file_bytes()

    @precondition(lambda self: self.paused is not None)
    @rule()
    def git_ends(self) -> None:
        self.paused = None

    # The app's save path ---------------------------------------------------------------------------

    @rule()
    def commit(self) -> None:
        self.store.commit()
        self.journal_appended()

    @precondition(lambda self: not self.provisional)  # (the app's saver never compacts a partial store)
    @rule()
    def compact(self) -> None:
        before = self.file_bytes()
        if self.paused:
            with pytest.raises(WritesPaused):
                self.store.compact()
            assert self.file_bytes() == before
            return
        if self.token != self.seen:
            with pytest.raises(ChangedOnDisk) as refused:
                self.store.compact()
            assert type(refused.value) is ChangedOnDisk
            assert self.file_bytes() == before
            self.journal_appended()  # (it commits before it writes)
            return
        self.store.compact()
        assert not self.store.journal.exists()
        self.token = self.seen = next(self.tokens)
        self.disk = copy.deepcopy(self.shown)
        self.base = copy.deepcopy(self.shown)
        self.journal_anew()

    @precondition(lambda self: not self.provisional)
    @rule()
    def warm(self) -> None:
        """The app's warm-up: every entry read from the file rendered ahead of the next compaction
        and kept (compressed, in blocks: the test makes them a few entries long). Nothing shown
        changes; what a compaction writes after it is checked by the invariants."""
        self.store.warm()

    @precondition(lambda self: not self.provisional)
    @rule()
    def watch(self) -> None:
        changed = self.store.changed_on_disk()
        assert changed == (self.token != self.seen)
        if not changed:
            return
        reload = self.store.merge_from_disk()
        self.session.recount()  # (as the app does on a reload)
        self.seen = self.token
        if self.token is None:  # the file is gone: every entry the session holds is to be written back
            assert reload.restored == sum(values != BLANK for values in self.shown.values())
            assert reload.both == []
            for comment_id, values in self.shown.items():
                if values != BLANK:
                    self.base[comment_id] = dict(BLANK)
        else:
            clashes = [
                comment_id for comment_id in IDS
                if any(len({self.base[comment_id][name], self.shown[comment_id][name], self.disk[comment_id][name]}) == 3
                       for name in ("stance", "note"))
            ]
            assert reload.both == clashes
            for comment_id in clashes:  # (undo of the session's change now goes back to the file's value)
                for name in ("stance", "note"):
                    values = (self.base[comment_id][name], self.shown[comment_id][name], self.disk[comment_id][name])
                    if len(set(values)) == 3:
                        self.rebase_undo(comment_id, name, values[0], values[2])
            self.session.reloaded(reload.theirs)  # (as the app does on a reload)
            self.shown = merge(self.base, self.shown, self.disk)
            self.base = copy.deepcopy(self.disk)
        self.journal_anew()

    @rule(cold=st.booleans())
    def kill(self, cold: bool) -> None:
        """kill -9: no compaction, nothing not yet committed; then the app starts again (`cold`: on
        a provisional session, where no journal is left)."""
        del self.session, self.store
        self.start(cold)
        self.shown = {comment_id: self.after_a_kill(comment_id) for comment_id in IDS}
        self.base = copy.deepcopy(self.disk)
        self.seen = self.token
        if not self.journal_replayed:
            self.journal_anew()
        for comment_id in IDS:
            again = fields_of(self.store.get(comment_id))
            ours, base = self.committed[comment_id], self.committed_base[comment_id]
            assert all(again[name] == ours[name] for name in FIELDS if ours[name] != base[name]), (
                f"{comment_id}: a committed change is missing after the restart"
            )
            assert again == self.shown[comment_id], f"{comment_id} after the restart"

    @precondition(lambda self: self.provisional)
    @rule()
    def hand_over(self) -> None:
        """The whole file is read: its store takes the provisional one over, and a new session goes
        on from the provisional one. As after a kill, the session's journaled changes merged with
        the file (all of them: the take-over commits first), but the undo steps go on, rebased
        where the file changed a stance or note since to a third value (as a reload rebases them)."""
        first = self.session
        self.commit()  # (the take-over's own commit)
        whole = AnnotationFile.open(self.root, "alice", replay=False)
        whole.pause_writes = self.git_busy
        theirs = whole.take_over(first.store)
        assert not any("recovered" in str(problem) for problem in whole.warnings)  # (this session's own records)
        self.store = whole
        self.session = Session(COMMENTS, SCHEMA, whole, clock=lambda: 0.0, now=lambda: WHEN)
        for comment_id in IDS:
            for name in ("stance", "note"):
                values = (self.committed_base[comment_id][name], self.committed[comment_id][name], self.disk[comment_id][name])
                if len(set(values)) == 3 and values[2] not in self.chain[comment_id][name]:
                    self.rebase_undo(comment_id, name, values[0], values[2])
        self.session.go_on_from(first, theirs)
        self.shown = {comment_id: self.after_a_kill(comment_id) for comment_id in IDS}
        self.base = copy.deepcopy(self.disk)
        self.seen = self.token
        self.journal_replayed = whole.journal.exists()
        if not self.journal_replayed:
            self.journal_anew()

    # After every step ------------------------------------------------------------------------------

    @invariant()
    def session_shows_the_model(self) -> None:
        for comment_id in IDS:
            assert fields_of(self.session.annotation(comment_id)) == self.shown[comment_id], comment_id
        assert self.session.labeled_count == sum(is_labeled(values) for values in self.shown.values())

    @invariant()
    def file_holds_the_model(self) -> None:
        assert self.path.exists() == (self.token is not None)
        on_disk = AnnotationFile.load(self.path, replay=False) if self.path.exists() else None
        for comment_id in IDS:
            assert fields_of(on_disk.get(comment_id) if on_disk else None) == self.disk[comment_id], comment_id

    @invariant()
    def no_write_during_a_git_operation(self) -> None:
        if self.paused:
            assert self.file_bytes() == self.git_left

    @invariant()
    def remember_values_shown(self) -> None:
        COUNTS.steps += 1  # (invariants run once after the start, then after each step)
        for comment_id, values in self.shown.items():
            for name, value in values.items():
                self.values_shown[comment_id][name].add(value)


def test_labels_against_the_model(monkeypatch) -> None:
    """Every step of every run agrees with the model (see the module's docstring)."""
    monkeypatch.setattr(rendered, "BLOCK", 300)  # (a few entries a block: compactions read across blocks)
    examples, steps, started = COUNTS.examples, COUNTS.steps, time.perf_counter()
    try:
        run_state_machine_as_test(
            LabelsMeetTheDisk,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    finally:
        examples = COUNTS.examples - examples
        steps = COUNTS.steps - steps - examples  # (less the check after each start)
        line = f"model test: {examples} examples, {steps} steps, {time.perf_counter() - started:.1f} s"
        print(line)
        if REPORT:
            Path(REPORT).write_text(line + "\n", "utf-8")


def test_undo_after_a_pull_during_a_cold_start_goes_back_to_the_pulled_stance() -> None:
    """The model's rarest path, spelled out: a stance changed on the provisional screen, a `git
    pull` that brings a third one before the whole file is read, then undo, after the hand-over.
    Undo goes back to the pulled stance, not to the one the file held when the session began."""
    machine = LabelsMeetTheDisk()
    try:
        machine.key_stance("aaaaaaaaaaaa", "agree")
        machine.compact()  # (the file holds agree)
        machine.kill(cold=True)
        assert machine.provisional
        machine.key_stance("aaaaaaaaaaaa", "disagree")
        machine.commit()
        machine.outside_edit("aaaaaaaaaaaa", ("stance", "neutral"), through_save=True)
        machine.hand_over()
        assert not machine.provisional
        machine.session_shows_the_model()
        machine.undo()
        machine.session_shows_the_model()
        assert machine.session.annotation("aaaaaaaaaaaa").stance == "neutral"
    finally:
        machine.teardown()
