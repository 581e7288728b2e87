"""The command line as people meet it, through the installed console script: one exit-code rule
for every command (0 success, 1 problems found or unusable input, 2 a wrong command line),
global options before or after the command, one message for a folder that is not a project,
hidden commands kept hidden, and a `--help` with examples and exit codes for every command."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from annotator.core.models import text_id
from annotator.core.store import AnnotationFile
from tests.conftest import make_project

SCRIPT = Path(sys.executable).with_name("annotator")  # the console script pip installed beside this Python
pytestmark = pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed")

TEXTS = (
    "Scaling laws are not the whole story.",
    "I disagree with the premise entirely.",
    "Could you share the code?",
    "Thanks, this is very promising work.",
)
IDS = tuple(text_id(text) for text in TEXTS)
VISIBLE = ("annotate", "init", "validate", "export", "import-comments", "import-labels", "stats", "diff", "blame",
           "git-setup", "agree", "assign")
HIDDEN = ("git-textconv", "git-merge-driver")
COMMANDS = VISIBLE + HIDDEN


@dataclass
class Setup:
    """Where the commands run: the project (a fresh copy for each run, always at the same path) and
    another project as the current folder, so that a `--project` left unused shows."""

    template: Path
    project: Path
    elsewhere: Path
    inputs: Path
    env: dict[str, str]

    def fresh(self) -> Path:
        shutil.rmtree(self.project, ignore_errors=True)
        shutil.copytree(self.template, self.project, symlinks=True)
        return self.project

    def run(self, *argv: str, cwd: Path | None = None, stdin: str = "") -> tuple[int, str, str]:
        result = subprocess.run(
            [str(SCRIPT), *argv], cwd=cwd or self.elsewhere, env=self.env, input=stdin, capture_output=True,
            text=True, timeout=120,
        )
        assert "Traceback" not in result.stderr, result.stderr
        return result.returncode, result.stdout, result.stderr


def environment(home: Path, ceiling: Path) -> dict[str, str]:
    """git isolated from this machine (fixed identity and dates), no annotator from the environment,
    and help formatted for 100 columns."""
    home.mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_") and key != "ANNOTATOR"}
    env.update(
        HOME=str(home), GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_CEILING_DIRECTORIES=str(ceiling),
        GIT_AUTHOR_NAME="Ada Lovelace", GIT_AUTHOR_EMAIL="ada@example.org", GIT_COMMITTER_NAME="Ada Lovelace",
        GIT_COMMITTER_EMAIL="ada@example.org", COLUMNS="100",
    )
    return env


def jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), "utf-8")
    return path


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, dict[str, str]]]:
    """A project made the way people make one, with the console script: `init`, comments, two
    annotators' labels in two commits."""
    base = tmp_path_factory.mktemp("command-line")
    env = environment(base / "home", base)
    root = base / "template" / "project"

    def cli(*argv: str) -> None:
        subprocess.run([str(SCRIPT), *argv], cwd=base, env=env, check=True, capture_output=True, timeout=120)

    def commit(message: str, day: int) -> None:
        date = f"2026-03-{day:02d}T10:00:00+00:00"
        for args in (["add", "-A"], ["commit", "-q", "-m", message]):
            subprocess.run(["git", *args], cwd=root, env={**env, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date},
                           check=True, capture_output=True)

    cli("init", str(root))
    with (root / "annotator.toml").open("a", encoding="utf-8") as config:  # a plan: alice and bob label everything
        config.write('\n[assign]\nannotators = ["alice", "bob"]\noverlap = 2\n')
    (root / "seeds" / "comments.txt").write_text("\n".join(TEXTS) + "\n", "utf-8")
    labels = base / "labels"
    labels.mkdir()
    alice = [{"id": IDS[0], "stance": "agree", "topics": ["scaling"]}, {"id": IDS[1], "stance": "disagree"},
             {"id": IDS[2], "stance": "neutral"}]
    bob = [{"id": IDS[0], "stance": "agree"}, {"id": IDS[1], "stance": "mixed"}, {"id": IDS[2], "stance": "neutral"}]
    cli("import-labels", str(jsonl(labels / "alice.jsonl", alice)), "--annotator", "alice", "--project", str(root))
    cli("import-labels", str(jsonl(labels / "bob.jsonl", bob)), "--annotator", "bob", "--project", str(root))
    commit("first labels", 1)
    cli("import-labels", str(jsonl(labels / "bob2.jsonl", [{"id": IDS[1], "stance": "disagree"}])),
        "--annotator", "bob", "--overwrite", "--project", str(root))
    commit("bob changes his mind", 2)
    yield root, base, env


@pytest.fixture
def setup(template: tuple[Path, Path, dict[str, str]], tmp_path: Path) -> Setup:
    root, base, env = template
    elsewhere = make_project(tmp_path / "elsewhere", {"other.txt": "A comment of another project.\n"})
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    jsonl(inputs / "new-comments.jsonl", [{"id": "n1", "text": "A new comment."}, {"id": "n2", "text": "Another."}])
    jsonl(inputs / "carol.jsonl", [{"id": IDS[0], "stance": "mixed"}, {"id": IDS[3], "stance": "agree"}])
    for name in ("base", "ours", "theirs"):
        shutil.copy(root / "annotations" / "alice.toml", inputs / f"{name}.toml")
    (inputs / "notes.dat").write_text("Not a known format.\n", "utf-8")
    setup = Setup(root, tmp_path / "work" / "project", elsewhere, inputs, env)
    setup.fresh()
    return setup


def success_args(command: str, setup: Setup) -> list[str]:
    """A command line that works on the project (without --project)."""
    inputs = setup.inputs
    return {
        "init": ["init"],
        "validate": ["validate"],
        "export": ["export", "--format", "csv"],
        "import-comments": ["import-comments", str(inputs / "new-comments.jsonl")],
        "import-labels": ["import-labels", str(inputs / "carol.jsonl"), "--annotator", "carol"],
        "stats": ["stats"],
        "diff": ["diff", "HEAD~1"],
        "blame": ["blame", IDS[1]],
        "git-setup": ["git-setup"],
        "agree": ["agree", "--pair", "alice", "bob"],
        "assign": ["assign", "--check"],
        "git-textconv": ["git-textconv", str(setup.project / "annotations" / "alice.toml")],
        "git-merge-driver": ["git-merge-driver", *(str(inputs / f"{name}.toml") for name in ("base", "ours", "theirs")),
                             "annotations/alice.toml"],
    }[command]


def files(folder: Path, timeless: bool = False) -> dict[str, bytes]:
    """Every file under `folder` but git's own, by relative path; `timeless`: without the times
    annotation files record (`updated = ...`), which two runs cannot share."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and ".git" not in path.relative_to(folder).parts:
            data = path.read_bytes()
            if timeless:
                data = re.sub(rb"(?m)^updated = .*$", b"updated = (a time)", data)
            found[str(path.relative_to(folder))] = data
    return found


# 0: success ------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [command for command in COMMANDS if command != "annotate"])
def test_every_command_succeeds_on_a_small_project(setup: Setup, command: str) -> None:
    argv = success_args(command, setup)
    code, out, err = setup.run(*argv, *(["--project", str(setup.project)] if command not in HIDDEN else []))
    assert code == 0, err
    assert not (setup.elsewhere / "annotations" / "carol.toml").exists()
    assert sorted(path.name for path in (setup.elsewhere / "seeds").iterdir()) == ["other.txt"]
    if command == "import-labels":
        assert AnnotationFile.open(setup.project, "carol").get(IDS[3]).stance == "agree"
    if command == "import-comments":
        assert (setup.project / "seeds" / "new-comments.jsonl").exists()
    if command == "stats":
        assert "alice" in out and "bob" in out


# 2: a wrong command line -----------------------------------------------------------------------

BAD = [
    ("annotate", ["annotate", "--annotator", "a/b"], "argument --annotator: annotator name 'a/b': is a path"),
    ("annotate", ["annotate", "--annotator", ""], "argument --annotator: annotator name '': must not be empty"),
    ("annotate", ["annotate", "--bogus"], "unrecognized arguments: --bogus"),
    ("init", ["init", "elsewhere"], "two project folders given"),
    ("validate", ["validate", "--strict"], "unrecognized arguments: --strict"),
    ("export", ["export", "--resolve", "bob"],
     "argument --resolve: expected gold, majority, all or annotator:NAME, got 'bob'"),
    ("export", ["export", "--resolve", "annotator:../x"], "argument --resolve: annotator name '../x': is a path"),
    ("export", ["export", "--resolve", "all", "--format", "prodigy"],
     "--format prodigy holds one answer per comment: it cannot carry --resolve all"),
    ("export", ["export", "--format", "xml"], "argument --format: invalid choice: 'xml'"),
    ("import-comments", ["import-comments", "{inputs}/notes.dat"],
     "{inputs}/notes.dat: cannot tell the format from the file name: give --format (txt, jsonl, csv)"),
    ("import-comments", ["import-comments", "-"], "standard input: cannot tell the format from the file name"),
    ("import-comments", ["import-comments", "{inputs}/new-comments.jsonl", "--format", "xml"],
     "argument --format: invalid choice: 'xml'"),
    ("import-labels", ["import-labels", "{inputs}/carol.jsonl"], "the following arguments are required: --annotator"),
    ("import-labels", ["import-labels", "{inputs}/carol.jsonl", "--annotator", "carol smith"],
     "argument --annotator: annotator name 'carol smith': must use only letters"),
    ("stats", ["stats", "--format", "xml"], "argument --format: invalid choice: 'xml'"),
    ("stats", ["stats", "--annotator", "alice"], "--annotator does not apply to `annotator stats`"),
    ("diff", ["diff", "--format", "xml"], "argument --format: invalid choice: 'xml'"),
    ("diff", ["diff", "--annotator", "../x"], "argument --annotator: annotator name '../x': is a path"),
    ("diff", ["diff", "HEAD~1", "HEAD", "HEAD"], "unrecognized arguments: HEAD"),
    ("blame", ["blame"], "the following arguments are required: COMMENT_ID"),
    ("blame", ["blame", IDS[0], "--format", "xml"], "argument --format: invalid choice: 'xml'"),
    ("git-setup", ["git-setup", "--force"], "unrecognized arguments: --force"),
    ("agree", ["agree", "--min-alpha", "2"], "argument --min-alpha: expected a number from -1 to 1, got '2'"),
    ("agree", ["agree", "--min-alpha", "nan"], "argument --min-alpha: expected a number from -1 to 1, got 'nan'"),
    ("agree", ["agree", "--pair", "bob", "bob"], "--pair: name two different annotators, not 'bob' twice"),
    ("agree", ["agree", "--pair", "alice"], "argument --pair: expected 2 arguments"),
    ("assign", ["assign", "--complete"], "--complete goes with --check"),
    ("git-textconv", ["git-textconv"], "the following arguments are required: FILE"),
    ("git-textconv", ["git-textconv", "x.toml", "--project", "."],
     "--project does not apply to `annotator git-textconv`"),
    ("git-merge-driver", ["git-merge-driver", "a", "b"], "the following arguments are required: THEIRS, PATH"),
    (None, ["bogus"], "argument COMMAND: invalid choice: 'bogus' (choose from 'annotate', 'init', 'validate', "
     "'export', 'import-comments', 'import-labels', 'stats', 'diff', 'blame', 'git-setup', 'agree', 'assign')"),
    ("git-setup", ["--annotator", "bob", "git-setup"], "--annotator does not apply to `annotator git-setup` (only to "
     "annotate, import-labels, diff)"),
]


def test_every_command_has_a_bad_command_line_case() -> None:
    assert {command for command, _, _ in BAD} == {*COMMANDS, None}


@pytest.mark.parametrize(("command", "argv", "message"), BAD)
def test_a_wrong_command_line_exits_2_and_changes_nothing(
    setup: Setup, command: str | None, argv: list[str], message: str
) -> None:
    argv = [arg.format(inputs=setup.inputs) for arg in argv]
    project = ["--project", str(setup.project)] if command not in HIDDEN else []
    before = files(setup.project)
    code, out, err = setup.run(*argv, *project)
    assert (code, out) == (2, ""), err
    prog = f"annotator {command}" if command else "annotator"
    assert err.startswith(f"usage: {prog} ")
    assert err.splitlines()[-1].startswith(f"{prog}: error: {message.format(inputs=setup.inputs)}")
    assert files(setup.project) == before


def test_an_unknown_command_keeps_the_hidden_ones_hidden(setup: Setup) -> None:
    code, _, err = setup.run("bogus")
    assert code == 2
    assert not any(name in err for name in HIDDEN)
    code, out, _ = setup.run("--help")
    assert code == 0
    assert not any(name in out for name in HIDDEN)
    assert all(f"    {name} " in out or f"    {name}\n" in out for name in VISIBLE)


# 1: a folder that is not a project --------------------------------------------------------------


def not_a_project(folder: Path, problem: str) -> str:
    return (
        f"annotator: {folder}: {problem}\n  (a project is a folder with annotator.toml, the labels to choose from, "
        f"and seeds/, the comments to label: give --project one, or make one with `annotator init {folder}`)\n"
    )


@pytest.mark.parametrize("command", [command for command in VISIBLE if command != "init"])
def test_a_folder_that_is_not_a_project_exits_1_with_what_a_project_needs(setup: Setup, command: str) -> None:
    argv = success_args(command, setup) if command != "annotate" else ["annotate"]
    missing = setup.project.parent / "nowhere"
    assert setup.run(*argv, "--project", str(missing)) == (1, "", not_a_project(missing, "no such folder"))
    empty = setup.project.parent / "empty"
    empty.mkdir()
    (empty / "annotations").mkdir()  # not enough: a project has annotator.toml or seeds/
    assert setup.run(*argv, "--project", str(empty)) == (
        1, "", not_a_project(empty, "not an annotator project: it has no annotator.toml and no seeds/")
    )
    assert sorted(path.name for path in empty.iterdir()) == ["annotations"]
    a_file = setup.inputs / "notes.dat"
    assert setup.run(*argv, "--project", str(a_file)) == (1, "", not_a_project(a_file, "not a folder"))


def test_the_app_with_no_command_checks_the_folder_too(setup: Setup) -> None:
    missing = setup.project.parent / "nowhere"
    assert setup.run("--project", str(missing)) == (1, "", not_a_project(missing, "no such folder"))


def test_init_makes_a_project_where_there_is_none(setup: Setup) -> None:
    missing = setup.project.parent / "nowhere"
    code, out, _ = setup.run("--project", str(missing), "init")
    assert (code, out.splitlines()[0]) == (0, f"created {missing}/")
    assert setup.run("validate", "--project", str(missing))[0] == 0


# The same before or after the command ------------------------------------------------------------

MOVED = [(command, ["--project"]) for command in COMMANDS] + [
    ("diff", ["--project", "--annotator"]),
    ("import-labels", ["--project", "--annotator"]),
    ("annotate", ["--project", "--annotator"]),
]


@pytest.mark.parametrize(("command", "options"), MOVED)
def test_global_options_mean_the_same_before_or_after_the_command(
    setup: Setup, command: str, options: list[str]
) -> None:
    """Run from another project's folder: a --project that was not used would show there."""
    if command == "annotate":  # the app itself needs a terminal (see below): here, a folder it refuses
        folder = setup.project.parent / "empty"
        folder.mkdir()
        argv = ["annotate"]
    else:
        folder = setup.project
        argv = success_args(command, setup)
    values = {"--project": str(folder), "--annotator": "carol" if command == "import-labels" else "alice"}
    if "--annotator" in options and "--annotator" in argv:
        at = argv.index("--annotator")
        del argv[at:at + 2]
    moved = [part for option in options for part in (option, values[option])]
    results = []
    for line in ([*moved, *argv], [*argv, *moved]):
        setup.fresh()
        shutil.copy(setup.template / "annotations" / "alice.toml", setup.inputs / "ours.toml")
        results.append(setup.run(*line))
        results[-1] = (*results[-1], files(setup.project, timeless=True))
    assert results[0] == results[1]
    code, out, err, _ = results[0]
    if command in HIDDEN:
        assert code == 2 and err.splitlines()[-1] == (
            f"annotator {command}: error: --project does not apply to `annotator {command}`")
    elif command == "annotate":
        assert (code, out) == (1, "") and err.startswith(f"annotator: {folder}: not an annotator project")
    else:
        assert code == 0, err
    if command == "diff" and "--annotator" in options:
        assert "bob" not in out and "alice" not in out  # --annotator alice: alice's labels did not change
    if command == "import-labels":
        assert results[0][3]["annotations/carol.toml"]


@pytest.mark.parametrize("before", [True, False])
def test_the_app_opens_the_project_given_before_or_after_the_command(setup: Setup, before: bool) -> None:
    """In a real terminal, from another project's folder: the label lands in the --project one."""
    from tests.tui.test_terminal import Terminal

    project = ["--project", str(setup.project)]
    argv = [*project, "annotate"] if before else ["annotate", *project]
    terminal = Terminal([str(SCRIPT), *argv], cwd=setup.elsewhere)
    try:
        terminal.read_until(b"saved")
        terminal.type(b"d")
        terminal.read_until(b"disagree")
        time.sleep(0.5)
        terminal.type(b"\x11")  # ctrl+q
        assert terminal.wait() == 0
    finally:
        terminal.close()
    assert AnnotationFile.open(setup.project, "pty-user").get(IDS[0]).stance == "disagree"
    assert not (setup.elsewhere / "annotations" / "pty-user.toml").exists()


# --help ----------------------------------------------------------------------------------------

VERBS = {"open", "make", "check", "write", "add", "show", "measure", "print", "merge"}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_examples_and_exit_codes(setup: Setup, command: str) -> None:
    code, out, err = setup.run(command, "--help")
    assert (code, err) == (0, "")
    assert out.startswith(f"usage: annotator {command} ")
    description = out.split("\n\n")[1]
    assert description.split()[0].lower() in VERBS  # one style: "Check ...", "Write ..."
    assert f"\nexamples:\n  annotator {command}" in out
    assert "\nexit codes:\n  0  success\n  1  " in out
    assert "\n  2  a wrong command line (an unknown option, a bad value)\n" in out
    assert "README" not in out


def test_the_main_help_lists_each_command_with_an_imperative_summary(setup: Setup) -> None:
    code, out, _ = setup.run("--help")
    assert code == 0
    block = out.split("commands:\n  COMMAND\n")[1].split("\n\n")[0]
    entries = dict(re.findall(r"^    (\S+)\s+(.*?)(?=^    \S|\Z)", block, re.M | re.S))
    assert sorted(entries) == sorted(VISIBLE)
    assert {name: summary.split()[0] for name, summary in entries.items() if summary.split()[0] not in VERBS} == {}


def test_the_app_s_help_gives_its_exit_codes_after_a_signal(setup: Setup) -> None:
    code, out, _ = setup.run("annotate", "--help")
    assert code == 0
    assert out.endswith("\n  129  ended by SIGHUP (a closed SSH session); 143: by SIGTERM. Either way the\n"
                        "     labels are saved, or stderr says where they wait\n")
