"""The hooks in `.pre-commit-hooks.yaml`, run by the real `pre-commit` (`try-repo`) in a temporary
project that is a git repository: each hook passes on good labels and fails on bad ones.

The hooks are `language: system`: they run the `annotator` on PATH (here, this installation's),
so pre-commit installs nothing and the test needs no network."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.core.gitrepo import Repo

PLAN = '\n[assign]\nannotators = ["alice", "bob"]\noverlap = 2\n'
STANCES = ("agree", "disagree", "mixed", "neutral", "agree")
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A project labeled by alice and bob, who agree on every comment, under a plan that gives
    both of them every comment; committed."""
    repo = Repo.create(tmp_path, monkeypatch)
    config = repo.root / "annotator.toml"
    config.write_text(config.read_text("utf-8") + PLAN, "utf-8")
    for index, stance in enumerate(STANCES):
        repo.label("alice", index, stance=stance)
        repo.label("bob", index, stance=stance)
    repo.commit("labels")
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-cache"))
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return repo


def try_hook(repo: Repo, hook: str) -> tuple[int, str]:
    """`pre-commit try-repo` of this repository's hook `hook`, on every file of the project."""
    assert PRE_COMMIT.exists() or shutil.which("pre-commit"), "pre-commit is in the test extra: pip install -e '.[test]'"
    command = str(PRE_COMMIT) if PRE_COMMIT.exists() else "pre-commit"
    result = subprocess.run([command, "try-repo", str(REPO), hook, "--all-files", "--color", "never"],
                            cwd=repo.root, capture_output=True, text=True, timeout=120, check=False)
    return result.returncode, result.stdout + result.stderr


def passed(output: str, name: str) -> bool:
    return any(line.startswith(name) and line.endswith("Passed") for line in output.splitlines())


def test_validate_passes_on_good_labels_and_fails_on_an_unknown_stance(repo: Repo) -> None:
    code, output = try_hook(repo, "annotator-validate")
    assert (code, passed(output, "annotator validate")) == (0, True), output
    repo.label("bob", 0, stance="sarcastic")
    repo.commit("a stance the schema does not know")
    code, output = try_hook(repo, "annotator-validate")
    assert code == 1, output
    assert "annotations/bob.toml:" in output and "unknown stance 'sarcastic' (kept)" in output


def test_agree_passes_above_the_threshold_and_fails_below_it(repo: Repo) -> None:
    code, output = try_hook(repo, "annotator-agree")
    assert (code, passed(output, "annotator agree (minimum stance alpha)")) == (0, True), output
    for index, stance in enumerate(("disagree", "agree", "neutral")):
        repo.label("bob", index, stance=stance)
    repo.commit("bob disagrees")
    code, output = try_hook(repo, "annotator-agree")
    assert code == 1, output
    assert "is below --min-alpha 0.667" in output


def test_assign_check_passes_when_the_labels_follow_the_plan_and_fails_when_not(repo: Repo) -> None:
    code, output = try_hook(repo, "annotator-assign-check")
    assert (code, passed(output, "annotator assign --check")) == (0, True), output
    repo.label("carol", 0, stance="agree")  # carol is not in the plan
    repo.commit("carol labels")
    code, output = try_hook(repo, "annotator-assign-check")
    assert code == 1, output
    assert "comment " in output and "labeled by carol, but the plan gives it to alice, bob" in output


def test_the_hooks_skip_commits_that_touch_no_project_file(repo: Repo) -> None:
    (repo.root / "notes.md").write_text("Meeting notes.\n", "utf-8")
    repo.git("add", "notes.md")
    result = subprocess.run(
        [str(PRE_COMMIT), "try-repo", str(REPO), "annotator-validate", "--files", "notes.md", "--color", "never"],
        cwd=repo.root, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout
    assert "(no files to check)Skipped" in result.stdout


def test_the_ci_example_is_a_workflow_whose_commands_are_real() -> None:
    """docs/ci/annotations.yml parses, and every `annotator ...` command in it is a valid command line."""
    import shlex

    import yaml  # (pre-commit's own dependency)

    from annotator.cli import build_parser

    workflow = yaml.safe_load((REPO / "docs" / "ci" / "annotations.yml").read_text("utf-8"))
    steps = workflow["jobs"]["labels"]["steps"]
    commands = [
        part.strip().split(">")[0].strip()
        for step in steps if "run" in step
        for line in step["run"].splitlines()
        for part in line.replace("&&", ";").split(";")
        if part.strip().startswith("annotator ")
    ]
    assert len(commands) >= 5, commands
    values = {"$MIN_ALPHA": workflow["env"]["MIN_ALPHA"], "${{ github.base_ref }}": "main"}
    for command in commands:
        for name, value in values.items():
            command = command.replace(name, value)
        args = build_parser().parse_args(shlex.split(command)[1:])  # exit 2 (SystemExit) if it were wrong
        assert args.command is not None
