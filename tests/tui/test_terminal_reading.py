"""Reading the longest bundled comment to its last word by keyboard, in a real 80x24 terminal (issue 11):
the installed `annotator` runs in tmux (a server of its own), the test types ctrl+d as a person
would and reads the screen with capture-pane."""

from __future__ import annotations

import time
from pathlib import Path

from annotator.core.seeds import load_seeds
from tests.tui.test_terminal import console_script
from tests.tui.test_terminal_signals import pytestmark, tmux_app, wait_for  # noqa: F401  (the fixture, the skip)


def test_the_longest_bundled_comment_reads_to_its_last_word_at_80x24(tmux_app, project: Path) -> None:
    comments = load_seeds(project).comments
    longest = max(comments, key=lambda comment: len(comment.text))
    last_word = longest.text.split()[-1]
    terminal = tmux_app([console_script()])
    assert terminal.show("#{window_width}x#{window_height}") == "80x24"
    terminal.wait_for_text("● saved")
    terminal.tmux("send-keys", "-t", "app", ":")
    terminal.wait_for_text("Jump to the comment")
    terminal.tmux("send-keys", "-t", "app", "-l", longest.id)
    terminal.tmux("send-keys", "-t", "app", "Enter")
    terminal.wait_for_text(f"#{comments.index(longest) + 1}/{len(comments)}")
    terminal.wait_for_text("▼ more below")
    assert last_word not in terminal.screen()
    for _ in range(10):
        terminal.tmux("send-keys", "-t", "app", "C-d")
        time.sleep(0.3)
        if "▲ end of the comment" in terminal.screen():
            break
    screen = terminal.screen()
    assert last_word in screen, screen
    assert "▲ end of the comment" in screen
    terminal.tmux("send-keys", "-t", "app", "d")  # a label key still labels, while the comment is read
    wait_for(lambda: "[d] ● disagree" in terminal.screen(), "the stance on screen")
    terminal.tmux("send-keys", "-t", "app", "C-q")
    terminal.wait_for_text("exit code 0")
