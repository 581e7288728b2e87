"""The collector's full passes come when the annotator pauses, not in a key's frame."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from annotator.tui import collector
from annotator.tui.app import build_app
from annotator.tui.collector import IdleCollector
from tests.conftest import make_project
from tests.tui.conftest import ready
from tests.tui.test_start import collector_off  # noqa: F401  (a fixture)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def young_collections(count: int) -> None:
    """`count` collections of the second generation, each of which counts towards a full pass."""
    for _ in range(count):
        gc.collect(1)


@pytest.fixture
def thresholds():
    """The collector on, its thresholds as they were after."""
    before, enabled = gc.get_threshold(), gc.isenabled()
    gc.enable()
    yield before
    gc.set_threshold(*before)
    if not enabled:
        gc.disable()


def test_a_full_pass_waits_until_one_is_due_and_no_key_came_for_a_while(thresholds) -> None:
    clock = Clock()
    idle = IdleCollector(clock)
    assert idle.start()
    assert not idle.start()  # (once)
    assert gc.get_threshold() == (*thresholds[:2], thresholds[2] * collector.AUTOMATIC_RARER)
    gc.collect()  # (nothing due from here)
    clock.now += 10
    assert not idle.check()  # a long pause, but nothing due
    young_collections(thresholds[2])
    idle.input_came()
    clock.now += collector.IDLE_SECONDS / 2
    assert not idle.check()  # due, but a key came just now
    assert gc.get_count()[2] >= thresholds[2]
    clock.now += collector.IDLE_SECONDS
    assert idle.check()
    assert gc.get_count()[2] == 0  # (a full pass starts the count again)
    clock.now += 10
    assert not idle.check()  # one pass a pause, not one a check


async def test_the_app_makes_its_full_passes_in_the_pauses(tmp_path: Path, collector_off, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setattr(collector, "IDLE_SECONDS", 1.0)
    before = gc.get_threshold()
    app = build_app(make_project(tmp_path / "p"), "alice")
    app.collector_paused = True  # (as `annotate` runs it)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        for _ in range(1000):  # (the warm-up freezes what it made, which starts the counts again)
            if screen.session.store.warmed:
                break
            await pilot.pause(0.01)
        assert screen.session.store.warmed
        assert gc.get_threshold()[2] == before[2] * collector.AUTOMATIC_RARER
        await pilot.pause(collector.IDLE_SECONDS)  # (no key since the start, for long enough)
        await pilot.press("j")
        young_collections(before[2])  # (after the key: no pass could come between the two)
        await pilot.pause(collector.IDLE_SECONDS / 3)  # (checked in that time)
        assert gc.get_count()[2] >= before[2]  # due, but a key came
        await pilot.pause(collector.IDLE_SECONDS * 1.5)
        assert gc.get_count()[2] < before[2]  # made in the pause
