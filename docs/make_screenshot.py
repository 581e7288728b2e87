"""Regenerate docs/main-screen.svg, the README's screenshot: the app on the sample project (a copy of
docs/sample), as `sample`, in thread order, on a reply whose parent is shown above it.

Run from the repository root: `.venv/bin/python docs/make_screenshot.py`. The picture is the same on
every run (a fixed clock, a fixed date, no label typed, so nothing is being saved); a test
(tests/tui/test_readme_screenshot.py) fails when the committed file is not what this makes.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from annotator.core.project import Project
from annotator.tui.app import build_app
from annotator.tui.screens.main import MainScreen

DOCS = Path(__file__).resolve().parent
SCREENSHOT = DOCS / "main-screen.svg"
SIZE = (120, 40)
COMMENT = "a2"
"""The comment under the cursor: tobias's reply to mira, both labeled by `sample`."""


async def show_the_thread(project: Path) -> str:
    """Thread order (`T`), then the cursor on `COMMENT`, as a reader would get there with `j`."""
    app = build_app(Project.open(project), "sample", clock=lambda: 1000.0,
                    now=lambda: datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    async with app.run_test(size=SIZE) as pilot:
        while not isinstance(app.screen, MainScreen):
            await pilot.pause()
        screen = app.screen
        await pilot.press("T")
        while screen.current_id() != COMMENT:
            await pilot.press("j")
        app.clear_notifications()  # (T's notice would cover the note)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        return app.export_screenshot(simplify=True)


def screenshot() -> str:
    """The SVG of the app as the README shows it, with Rich's id for it taken out of the class names
    (as pytest-textual-snapshot does), so that a change to the picture changes only what changed."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(shutil.copytree(DOCS / "sample", Path(folder) / "sample"))
        svg = asyncio.run(show_the_thread(copy))
    return re.sub(r"\bterminal-\d+-", "terminal-", svg)


if __name__ == "__main__":
    SCREENSHOT.write_text(screenshot(), "utf-8")
    print(f"wrote {SCREENSHOT.relative_to(Path.cwd()) if SCREENSHOT.is_relative_to(Path.cwd()) else SCREENSHOT}")
