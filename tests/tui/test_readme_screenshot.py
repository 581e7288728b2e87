"""The README's screenshot (docs/main-screen.svg) is what docs/make_screenshot.py makes today: the
sample project in thread order, a reply under the comment it answers. It fails when the app's look
has changed and the picture was not made again."""

from __future__ import annotations

import html
import importlib.util
import re

from tests.conftest import REPO

SCRIPT = REPO / "docs" / "make_screenshot.py"


def words(svg: str) -> str:
    """The SVG's text, its pieces joined (enough to find a phrase, not to lay out the screen)."""
    return html.unescape("".join(re.findall(r"<text [^>]*>(.*?)</text>", svg))).replace("\xa0", " ")


def test_the_committed_screenshot_is_what_the_script_makes() -> None:
    spec = importlib.util.spec_from_file_location("make_screenshot", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    made = script.screenshot()
    shown = words(made)
    assert "▾ replying to a1 · mira  you: agree, scaling" in shown  # the target, with its labels
    assert "↳ Rarer is not the same as gone." in shown  # a reply, indented: thread order ...
    assert re.search(r"threads\s*● saved", shown)  # ... named in the status line
    assert made == script.SCREENSHOT.read_text("utf-8"), (
        "docs/main-screen.svg is stale: run `.venv/bin/python docs/make_screenshot.py`, look at the"
        " picture, and commit it")
