"""Snapshots of the main screen, help and a filtered list, at 80x24 and 120x40, with hostile text
on screen. Review every change to these files: `pytest --snapshot-update` rewrites them."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.core.project import Project
from annotator.tui.app import build_app
from tests.conftest import make_project
from tests.tui.conftest import HOSTILE, NOW, FakeClock, ready, settled

SIZES = [(80, 24), (120, 40)]


def hostile_app(tmp_path: Path):
    root = make_project(tmp_path / "project")
    (root / "seeds" / "00-hostile.txt").write_text("\n".join(HOSTILE) + "\n", "utf-8")
    return build_app(Project.open(root), "eve",
                     clock=FakeClock(), now=lambda: NOW)


async def labelled(pilot) -> None:
    await ready(pilot)
    await pilot.press("d", "1", "j", "a", "f", "j", "m", "3", "4", "k", "k")
    await settled(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_screen(snap_compare, tmp_path: Path, size) -> None:
    assert snap_compare(hostile_app(tmp_path), terminal_size=size, run_before=labelled)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help_screen(snap_compare, tmp_path: Path, size) -> None:
    async def run_before(pilot) -> None:
        await labelled(pilot)
        await pilot.press("question_mark")
        await settled(pilot)

    assert snap_compare(hostile_app(tmp_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_filtered_list(snap_compare, tmp_path: Path, size) -> None:
    async def run_before(pilot) -> None:
        await labelled(pilot)
        await pilot.press("slash", *"the", "enter", "j")
        await settled(pilot)

    assert snap_compare(hostile_app(tmp_path), terminal_size=size, run_before=run_before)
