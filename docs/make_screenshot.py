"""Regenerate docs/main-screen.svg: the app on a copy of this repository's project, as `maintainer`.

Run from the repository root: `.venv/bin/python docs/make_screenshot.py`.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

from annotator.core.project import Project
from annotator.tui.app import build_app
from annotator.tui.screens.main import MainScreen

ROOT = Path(__file__).resolve().parent.parent


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "project"
        shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "tests"))
        app = build_app(Project.open(copy), "maintainer")
        async with app.run_test(size=(120, 34)) as pilot:
            while not isinstance(app.screen, MainScreen):
                await pilot.pause()
            await pilot.press("j", "j", "j", "j")
            await pilot.pause()
            app.save_screenshot(filename="main-screen.svg", path=str(ROOT / "docs"))


if __name__ == "__main__":
    asyncio.run(main())
