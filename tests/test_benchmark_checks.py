"""The benchmark's check of the first frames: a labeled comment shown without its label mark
before the first usable frame counts as wrong marks, whatever the size (not only when the very
first comment is labeled)."""

from __future__ import annotations

from pathlib import Path

from annotator.core.seeds import peek_seeds
from annotator.core.store import AnnotationFile
from benchmarks.generate import build_project
from benchmarks.measure_app import ANNOTATOR, MARK_UNLABELED, AppRuns, Subject, _start, paused_cache, wait_usable
from benchmarks.processes import ROWS


class Written:
    """A terminal that has written `output`, its first usable frame at its end."""

    def __init__(self, output: str) -> None:
        self.output = bytearray(output.encode())
        self.started = 0.0

    def wait_frame(self, *needles: bytes, timeout: float) -> float:
        assert all(needle in self.output for needle in needles)
        return 1.0

    def wait_any_frame(self, *alternatives: tuple[bytes, ...], timeout: float) -> tuple[float, int]:
        """The alternative whose needles all appear, ending earliest in the output."""
        ends = [(max(self.output.find(needle) + len(needle) for needle in needles), index)
                for index, needles in enumerate(alternatives) if all(needle in self.output for needle in needles)]
        assert ends
        return 1.0, min(ends)[1]

    def text_before(self, offset: int) -> str:
        return bytes(self.output[:offset]).decode()


def test_the_watched_comment_is_labeled_and_no_unlabeled_one_on_the_first_screen_starts_alike(tmp_path: Path) -> None:
    project = build_project(tmp_path / "p", 300)
    subject = Subject.of(project)
    assert subject.watched is not None
    with paused_cache():
        labels = AnnotationFile.open(project.root, ANNOTATOR)
        screen = peek_seeds(project.root, ROWS)
    watched = [comment for comment in screen if _start(comment.text) == subject.watched]
    assert watched and all(labels.get(comment.id) is not None and labels.get(comment.id).is_labeled
                           for comment in watched)


def test_a_frame_before_the_usable_one_showing_the_watched_comment_unlabeled_counts(tmp_path: Path) -> None:
    project = build_project(tmp_path / "p", 300)
    subject = Subject.of(project)
    usable = f"{project.labeled[ANNOTATOR]}/{project.size}  #1/{project.size}"
    runs = AppRuns()
    wait_usable(Written(f"{MARK_UNLABELED}  {subject.watched}... {usable}"), project, subject, runs)
    wait_usable(Written(f"● agree  {subject.watched}... {usable}"), project, subject, runs)
    # The provisional screen of a cold start (`#1/…`) is the usable frame when it comes first: the
    # frames before it are checked, and a wrong mark after it (on no screen of the app) is not.
    provisional = "…/…  #1/…"
    wait_usable(Written(f"{MARK_UNLABELED}  {subject.watched}... {provisional} ... {usable}"), project, subject, runs)
    wait_usable(Written(f"● agree  {subject.watched}... {provisional} {MARK_UNLABELED}  {subject.watched} {usable}"),
                project, subject, runs)
    assert runs.wrong_marks == [1.0, 0.0, 1.0, 0.0]
