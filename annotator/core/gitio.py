"""The one place that runs git."""

from __future__ import annotations

import subprocess
from pathlib import Path


def run_git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `git args` in `root` and capture its output as text."""
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=check, encoding="utf-8", errors="replace"
    )


def git_user_name(root: Path) -> str:
    """`git config user.name` for `root`, or '' when git or the setting is missing."""
    try:
        result = run_git(root, "config", "user.name", check=False)
    except OSError:
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""
