"""`annotator init [DIR]`: a new project in one command, with real git; nothing overwritten, and
nothing changed the second time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.cli import main
from annotator.core.config import default_config_text, load_config, parse_config
from annotator.core.errors import AnnotatorError
from annotator.core.gitsetup import ATTRIBUTES_LINE
from annotator.core.scaffold import config_template
from tests.core.gitrepo import Repo, isolate_git

PYTHON = sys.executable
IGNORE_BLOCK = (
    "# annotator: the app's journals, locks and temporary files belong to one clone, never to a commit.\n"
    "annotations/.*.journal\n"
    "annotations/.*.lock\n"
    "annotations/.*.tmp\n"
)
ATTRIBUTES_CHANGE = f".gitattributes: added `{ATTRIBUTES_LINE}` (commit it, so every clone uses it)"
IGNORE_CHANGE = (".gitignore: added `annotations/.*.journal`, `annotations/.*.lock`, `annotations/.*.tmp` (so that "
                 "git never commits the app's journals, locks and temporary files; commit it)")
CONFIG_CHANGES = [
    f"git config diff.annotator.textconv: {PYTHON} -P -m annotator git-textconv",
    "git config merge.annotator.name: annotator: merge annotation files entry by entry",
    f"git config merge.annotator.driver: {PYTHON} -P -m annotator git-merge-driver %O %A %B %P",
]
NEXT = [
    "",
    "Next:",
    "  put the comments to label in seeds/ (.txt, .jsonl or .csv files), or `annotator import-comments FILE`",
    "  edit annotator.toml: the labels, their keys and the guidelines",
    "  run `annotator` to label; commit annotator.toml, seeds/, annotations/, .gitignore and .gitattributes",
]
NO_COMMENTS = ("seeds/: warning: no comments yet: put .txt, .jsonl or .csv files of comments in it, or run "
               "`annotator import-comments FILE`\n")


def created(root: Path) -> list[str]:
    """The first lines `init` prints for a new folder: what it made, before any git step."""
    return [
        f"created {root}/",
        "created annotator.toml: the label schema, a template to edit",
        "created seeds/: the comments to label (with .gitkeep, so that git keeps the empty folder)",
        "created annotations/: the labels, a file per annotator (with .gitkeep, so that git keeps the empty folder)",
        ATTRIBUTES_CHANGE,
        IGNORE_CHANGE,
    ]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """git isolated from this machine, and no repository above `tmp_path`."""
    isolate_git(monkeypatch, tmp_path / "home")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    return tmp_path / "home"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` (the repository's own files included) and its bytes."""
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def test_init_makes_a_project_in_a_new_folder(tmp_path: Path, home: Path, capsys) -> None:
    root = tmp_path / "work" / "stance"
    code, out, err = run(capsys, "init", str(root))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        *created(root),
        "git init: a new, empty repository",
        *CONFIG_CHANGES,
        "",
        "Next:",
        f"  cd {root}",
        *NEXT[2:],
    ]
    assert sorted(path.name for path in root.iterdir()) == [
        ".git", ".gitattributes", ".gitignore", "annotations", "annotator.toml", "seeds"]
    assert [path.name for path in (root / "seeds").iterdir()] == [".gitkeep"]
    assert [path.name for path in (root / "annotations").iterdir()] == [".gitkeep"]
    assert (root / "seeds" / ".gitkeep").read_bytes() == b""
    assert (root / ".gitignore").read_text("utf-8") == IGNORE_BLOCK
    assert (root / ".gitattributes").read_text("utf-8") == f"{ATTRIBUTES_LINE}\n"
    assert git(root, "rev-parse", "--show-toplevel").strip() == str(root.resolve())
    assert git(root, "config", "--local", "--get", "merge.annotator.driver").strip() == CONFIG_CHANGES[2].split(": ")[1]
    # The template: the default labels, loaded as the app loads them, with no warning.
    assert (root / "annotator.toml").read_text("utf-8") == config_template()
    loaded = load_config(root)
    assert loaded.warnings == ()
    assert loaded.schema == parse_config(default_config_text(), "default")[0]


def test_the_template_explains_every_key() -> None:
    text = config_template()
    comments = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    for key in ("format:", "auto_advance:", "guidelines:", "[[stance]]:", "[[topic]]:", "  name ", "  key ",
                "  description ", "[target]:"):
        assert f"# {key}" in comments or f"#{key}" in comments, key
    # The [target] example, uncommented, is a valid target.
    lines = text.splitlines()
    example = lines.index("# [target]")
    end = lines.index("", example)
    uncommented = "\n".join(lines[:example] + [line.removeprefix("# ") for line in lines[example:end]])
    assert parse_config(uncommented, "annotator.toml")[0].target.url == "https://example.org/the-post"
    # The plan is there, commented out, and valid once uncommented.
    assert "\n# [assign]\n" in text
    plan = text.split("\n# [assign]\n", 1)[1].split("\n\n")[0].replace("# ", "")
    assert parse_config(default_config_text() + "\n[assign]\n" + plan, "annotator.toml")[0].assign.overlap == 2
    # The keys a label may not take are the app's own, and each one is refused by the config.
    reserved = text.split("app's own keys (")[1].split(")")[0].split()
    assert {"j", "k", "e", "f", "u", "?", "/", ":"} <= set(reserved)
    for key in reserved:
        bad = default_config_text().replace('key = "a"', f'key = "{key}"'.replace("\\", "\\\\"))
        with pytest.raises(AnnotatorError, match="a key the app does not already use"):
            parse_config(bad, "annotator.toml")


def test_the_new_project_is_valid_and_git_ignores_journals_locks_and_temporary_files(
    tmp_path: Path, home: Path, capsys
) -> None:
    root = tmp_path / "p"
    assert run(capsys, "init", str(root))[0] == 0
    # Nothing is wrong with a project that has no comments yet: validate says what to do next.
    assert run(capsys, "validate", "--project", str(root)) == (
        0, "0 comments, 0 annotation files, 0 entries: all valid\n", NO_COMMENTS)
    for name in (".alice.journal", ".alice.lock", ".alice.toml.4242.k3j_9x2a.tmp"):
        (root / "annotations" / name).write_text("{}\n", "utf-8")
    (root / "annotations" / "alice.toml").write_text('format = 1\nannotator = "alice"\n', "utf-8")
    assert git(root, "status", "--porcelain", "--untracked-files=all").splitlines() == [
        "?? .gitattributes",
        "?? .gitignore",
        "?? annotations/.gitkeep",
        "?? annotations/alice.toml",
        "?? annotator.toml",
        "?? seeds/.gitkeep",
    ]
    git(root, "add", "-A")
    assert ".alice.journal" not in git(root, "ls-files")


def test_the_app_on_a_new_project_says_what_to_do(tmp_path: Path, home: Path, capsys) -> None:
    root = tmp_path / "p"
    assert run(capsys, "init", str(root))[0] == 0
    result = subprocess.run(
        [PYTHON, "-m", "annotator", "--project", str(root), "--annotator", "alice"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.endswith(
        "annotator: seeds/: no comments found\n  (put .txt, .jsonl or .csv files of comments in it)\n")


def test_init_twice_changes_nothing_the_second_time(tmp_path: Path, home: Path, capsys, monkeypatch) -> None:
    root = tmp_path / "p"
    assert run(capsys, "init", str(root))[0] == 0
    before = snapshot(root)
    assert run(capsys, "init", str(root)) == (
        0, "\n".join([f"nothing changed: {root} is already an annotator project", "", "Next:", f"  cd {root}",
                      *NEXT[2:]]) + "\n", "")
    monkeypatch.chdir(root)  # the default folder, and no `cd` to suggest
    assert run(capsys, "init") == (0, "\n".join(["nothing changed: . is already an annotator project", *NEXT]) + "\n", "")
    assert run(capsys, "init", "--project", ".")[1].startswith("nothing changed: . is already")
    assert snapshot(root) == before


def test_init_in_an_existing_repository_keeps_what_is_there(tmp_path: Path, monkeypatch, capsys) -> None:
    repo = Repo.create(tmp_path, monkeypatch)
    root = repo.root
    (root / "annotator.toml").write_text('[[stance]]\nname = "yes"\nkey = "y"\n', "utf-8")
    (root / ".gitignore").write_text("*.pyc\nannotations/.*.lock", "utf-8")  # one rule there, no line end
    (root / ".gitattributes").write_text("*.png binary\n", "utf-8")
    head = repo.commit("a project made by hand")
    code, out, err = run(capsys, "init", "--project", str(root))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "created annotations/.gitkeep, so that git keeps the empty folder",
        ATTRIBUTES_CHANGE,
        ".gitignore: added `annotations/.*.journal`, `annotations/.*.tmp` (so that git never commits the app's "
        "journals, locks and temporary files; commit it)",
        *CONFIG_CHANGES,
        "annotator.toml: kept as it is (it exists)",
        "git: already a repository (not initialised again)",
        *NEXT[:2],
        f"  cd {root}",
        *NEXT[2:],
    ]
    assert (root / "annotator.toml").read_text("utf-8") == '[[stance]]\nname = "yes"\nkey = "y"\n'
    assert (root / ".gitignore").read_text("utf-8") == (
        "*.pyc\nannotations/.*.lock\n\n"
        "# annotator: the app's journals, locks and temporary files belong to one clone, never to a commit.\n"
        "annotations/.*.journal\nannotations/.*.tmp\n"
    )
    assert (root / ".gitattributes").read_text("utf-8") == f"*.png binary\n{ATTRIBUTES_LINE}\n"
    assert [path.name for path in (root / "seeds").iterdir()] == ["comments.txt"]  # not empty: no placeholder
    assert repo.git("rev-parse", "--short", "HEAD").stdout.strip() == head
    assert repo.git("log", "--format=%s").stdout == "a project made by hand\n"


def test_init_in_a_subfolder_of_a_repository_uses_that_repository(tmp_path: Path, monkeypatch, capsys) -> None:
    repo = Repo.create(tmp_path, monkeypatch)
    root = repo.root / "labels"
    code, out, _ = run(capsys, "init", str(root))
    assert code == 0
    assert f"git: inside the repository at {repo.root} (not initialised again)" in out.splitlines()
    assert "git init: a new, empty repository" not in out
    assert not (root / ".git").exists()
    assert (root / ".gitignore").read_text("utf-8") == IGNORE_BLOCK
    (root / "annotations" / ".bob.journal").write_text("{}\n", "utf-8")
    assert ".bob.journal" not in repo.git("status", "--porcelain", "--untracked-files=all").stdout


def test_init_without_git_makes_the_files_and_says_git_was_skipped(tmp_path: Path, home: Path, monkeypatch, capsys) -> None:
    no_git = tmp_path / "bin"
    no_git.mkdir()
    monkeypatch.setenv("PATH", str(no_git))
    root = tmp_path / "p"
    code, out, err = run(capsys, "init", str(root))
    assert code == 0
    assert err == (f"annotator init: warning: git not found: skipped `git init` and `annotator git-setup` "
                   f"(install git, then run both in {root})\n")
    assert out.splitlines()[:6] == created(root)
    assert out.splitlines()[6] == ""
    assert not (root / ".git").exists()
    assert (root / ".gitignore").read_text("utf-8") == IGNORE_BLOCK
    monkeypatch.setenv("PATH", os.defpath)
    assert run(capsys, "validate", "--project", str(root))[0] == 0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda root: (root / "seeds").write_text("x", "utf-8"),
         "annotator: seeds: exists and is not a folder (expected the folder of comments)\n"
         "  (move it away, then run `annotator init` again)\n"),
        (lambda root: (root / "annotations").symlink_to(root.parent),
         "annotator: annotations: a symbolic link (the annotation files must live in the project, where git sees "
         "them)\n  (replace the link with a folder holding the annotation files, then run `annotator init` again)\n"),
        (lambda root: (root / "annotator.toml").mkdir(),
         "annotator: annotator.toml: exists and is not a file (expected the label schema)\n"
         "  (move it away, then run `annotator init` again)\n"),
        (lambda root: (root / ".gitignore").symlink_to(root.parent / "elsewhere"),
         "annotator: .gitignore: a symbolic link, which git does not follow\n"
         "  (replace it with a regular file, then run the command again)\n"),
    ],
    ids=["seeds-is-a-file", "annotations-is-a-link", "config-is-a-folder", "gitignore-is-a-link"],
)
def test_init_refuses_what_is_in_the_way_before_writing_anything(tmp_path: Path, home: Path, capsys, make,
                                                                 message: str) -> None:
    root = tmp_path / "p"
    root.mkdir()
    make(root)
    before = sorted(path.name for path in root.iterdir())
    assert run(capsys, "init", str(root)) == (1, "", message)
    assert sorted(path.name for path in root.iterdir()) == before
    assert not (tmp_path / "elsewhere").exists()


def test_init_of_a_file(tmp_path: Path, home: Path, capsys) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("x", "utf-8")
    assert run(capsys, "init", str(path)) == (
        1, "", f"annotator: {path}: exists and is not a folder\n  (give `annotator init` a new or existing folder)\n")
    assert run(capsys, "init", str(path / "p")) == (
        1, "", f"annotator: {path / 'p'}: cannot be written: Not a directory\n  (check the folder's permissions and "
               "free space, then run `annotator init` again: it keeps what it made)\n")


def test_init_with_two_different_folders_is_a_usage_error(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["init", str(tmp_path / "a"), "--project", str(tmp_path / "b")])
    assert caught.value.code == 2
    assert "two project folders given" in capsys.readouterr().err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
