"""Real git repositories for tests: a project in a temporary folder, git isolated from the
machine's own config, a local identity, and fixed commit dates."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.core.models import Annotation, text_id
from annotator.core.store import AnnotationFile
from tests.conftest import make_project

WHEN = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
TEXTS = (
    "Thanks for sharing this, I believe this kind of work is very promising.",
    "Scaling laws are not the whole story.",
    "I disagree with the premise entirely.",
    "Could you share the code?",
    "This is <b>bold</b> | pipes `ticks` and @someone.",
)
IDS = tuple(text_id(text) for text in TEXTS)


def isolate_git(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """Keep the machine's git config (and its dates) out of the test."""
    home.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_EDITOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIT_EDITOR", "true")


class Repo:
    """A project that is a git repository, with helpers to label, commit and run commands."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.commits = 0

    @classmethod
    def create(cls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
        isolate_git(monkeypatch, tmp_path / "home")
        root = make_project(tmp_path / "project", {"comments.txt": "\n".join(TEXTS) + "\n"})
        repo = cls(root)
        repo.git("init", "-q", "-b", "main")
        repo.git("config", "user.name", "Ada Lovelace")
        repo.git("config", "user.email", "ada@example.org")
        repo.git("config", "commit.gpgsign", "false")
        return repo

    @classmethod
    def outside_git(cls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
        """A project in a folder that is not in any git repository."""
        repo = cls.create(tmp_path, monkeypatch)
        (repo.root / ".git").rename(repo.root / "not-git")
        monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
        return repo

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True, check=check)

    def label(self, annotator: str, index: int, **fields: object) -> None:
        """Set (or, with no fields, remove) `annotator`'s entry for comment `index` of TEXTS."""
        annotations = AnnotationFile.open(self.root, annotator)
        entry = Annotation.from_dict(fields) if fields else None
        annotations.set(IDS[index], entry, TEXTS[index])
        annotations.save(force=True)

    def commit(self, message: str, author: str = "Ada Lovelace") -> str:
        """Commit everything, one fixed day after the previous commit; the short hash."""
        self.commits += 1
        date = f"2026-03-{self.commits:02d}T10:00:00+00:00"
        env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        self.git("add", "-A")
        subprocess.run(["git", "commit", "-q", "-m", message, f"--author={author} <a@example.org>"],
                       cwd=self.root, env=env, check=True, capture_output=True)
        return self.git("rev-parse", "--short", "HEAD").stdout.strip()

    def file(self, annotator: str) -> Path:
        return self.root / "annotations" / f"{annotator}.toml"

    def run(self, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
        """`annotator ARGV --project ROOT` in this process: exit code, stdout, stderr."""
        code = main([*argv, "--project", str(self.root)])
        out, err = capsys.readouterr()
        return code, out, err

    def setup_drivers(self) -> None:
        """`annotator git-setup`, with this interpreter, as a user would run it, and commit it."""
        subprocess.run([sys.executable, "-m", "annotator", "git-setup", "--project", str(self.root)],
                       check=True, capture_output=True)
