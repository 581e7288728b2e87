"""`-o FILE` and stdout, through the installed console script: only regular files are written,
a folder is not a file, and a write error is one line, exit 1, with no partial file left. The
commands that write data to stdout (export, stats, validate, agree) end a failed write the same way.

Devices are never written: `/dev/null` and `/dev/full` are given to `-o` only to see them refused,
and `/dev/full` is otherwise only stdout. A folder that cannot be written is a real one (mode 555):
as root, the command runs under `setpriv` without the capabilities that let root ignore file
permissions (the test is skipped where that is not possible). A write that fails part-way is a
real one too: the file size limit (`RLIMIT_FSIZE`) stops it with "file too large". The other
reasons (a full disk, a read-only file system) are simulated at the function level in
tests/core/test_output.py.
"""

from __future__ import annotations

import os
import resource
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.labels_fixture import labeled_project

SUMMARY = "annotator export: 22 comments: 0 from gold, 0 by vote, 22 undecided\n"  # the bundled seeds, unlabeled
REDIRECT = "  (-o writes only regular files: use -o - and redirect stdout to it)\n"
SCRIPT = Path(sys.executable).with_name("annotator")

pytestmark = pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed")


def annotator(cwd: Path, *args: str, prefix: list[str] | None = None, **options) -> subprocess.CompletedProcess:
    """`annotator ARGS` in `cwd`, as the installed console script; its output as bytes."""
    options = {"stdout": subprocess.PIPE, **options}
    return subprocess.run([*(prefix or []), str(SCRIPT), *args], cwd=cwd, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, timeout=120, **options)


def export(cwd: Path, *args: str, **options) -> tuple[int, str]:
    """The exit code and stderr of `annotator export ARGS`."""
    result = annotator(cwd, "export", *args, **options)
    return result.returncode, result.stderr.decode("utf-8")


def leftovers(folder: Path) -> list[str]:
    """Temporary files an export left in `folder`."""
    return sorted(path.name for path in folder.iterdir() if path.name.endswith(".tmp"))


@pytest.fixture
def expected(project: Path) -> bytes:
    result = annotator(project, "export")
    assert (result.returncode, result.stderr.decode("utf-8")) == (0, SUMMARY)
    return result.stdout


# Only regular files ----------------------------------------------------------------------------


def make_fifo(path: Path) -> None:
    os.mkfifo(path)


def make_socket(path: Path) -> None:
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(path.name)  # relative to the current folder: a full path may pass the 108-byte limit


def link_to_file(path: Path) -> None:
    path.with_name("real.jsonl").write_text("precious\n", "utf-8")
    path.symlink_to("real.jsonl")


def link_to_nothing(path: Path) -> None:
    path.symlink_to("missing.jsonl")


def link_to_device(path: Path) -> None:
    path.symlink_to(os.devnull)


def link_to_folder(path: Path) -> None:
    path.with_name("folder").mkdir()
    path.symlink_to("folder")


SPECIAL = {
    "fifo": (make_fifo, "is a FIFO (a named pipe)", REDIRECT),
    "socket": (make_socket, "is a socket", REDIRECT),
    **{
        name: (make, "is a symbolic link", "  (-o writes only regular files: name the file it points to)\n")
        for name, make in [("link to a file", link_to_file), ("dangling link", link_to_nothing),
                           ("link to a device", link_to_device), ("link to a folder", link_to_folder)]
    },
}


def what_is(path: Path) -> tuple[int, str | None, bytes | None]:
    """Enough of `path` to see that it was left as it was: its type, a link's target, a file's bytes."""
    mode = stat.S_IFMT(path.lstat().st_mode)
    target = os.readlink(path) if path.is_symlink() else None
    content = path.read_bytes() if path.is_file() else None
    return mode, target, content


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["", "--force"])
@pytest.mark.parametrize("kind", SPECIAL)
def test_refuses_what_is_not_a_regular_file(project: Path, monkeypatch, kind: str, force: list[str]) -> None:
    make, what, hint = SPECIAL[kind]
    monkeypatch.chdir(project)
    target = project / "out.jsonl"
    make(target)
    before = what_is(target)
    assert export(project, "-o", "out.jsonl", *force) == (1, f"annotator: out.jsonl: {what}; not written\n{hint}")
    assert what_is(target) == before
    if target.is_symlink() and target.resolve().is_file():
        assert target.resolve().read_text("utf-8") == "precious\n"
    assert leftovers(project) == []


@pytest.mark.parametrize("device", ["/dev/null", "/dev/full"])
def test_refuses_a_device_even_with_force(project: Path, device: str) -> None:
    if not Path(device).is_char_device():
        pytest.skip(f"no {device} here")
    before = os.stat(device)
    assert export(project, "-o", device, "--force") == (1, f"annotator: {device}: is a device; not written\n{REDIRECT}")
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


@pytest.mark.parametrize("target", ["newdir/", "newdir/.", "newdir//", "seeds/", "seeds/.", ".", ".."])
def test_a_name_ending_in_a_slash_names_a_folder(project: Path, target: str) -> None:
    seeds_before = sorted(path.name for path in (project / "seeds").iterdir())
    assert export(project, "-o", target, "--force") == (
        1, f"annotator: {target}: names a folder, not a file\n  (give -o a file name)\n",
    )
    assert not (project / "newdir").exists()
    assert sorted(path.name for path in (project / "seeds").iterdir()) == seeds_before


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["", "--force"])
def test_an_existing_folder_is_not_a_file(project: Path, force: list[str]) -> None:
    assert export(project, "-o", "seeds", *force) == (1, "annotator: seeds: is a folder\n  (give -o a file name)\n")
    assert (project / "seeds").is_dir()


def test_an_empty_name(project: Path) -> None:
    assert export(project, "-o", "") == (1, "annotator: -o '': no file name\n  (give -o a file name, or - for stdout)\n")


def test_a_parent_that_is_missing_or_a_file(project: Path) -> None:
    assert export(project, "-o", "nowhere/labels.jsonl") == (
        1, "annotator: nowhere/labels.jsonl: no such folder 'nowhere'\n")
    assert export(project, "-o", "annotator.toml/labels.jsonl", "--force") == (
        1, "annotator: annotator.toml/labels.jsonl: 'annotator.toml' is not a folder\n")
    assert not (project / "nowhere").exists()
    assert (project / "annotator.toml").is_file()


def test_a_regular_file_is_written_and_replaced_only_with_force(project: Path, expected: bytes) -> None:
    assert export(project, "-o", "labels.jsonl") == (0, SUMMARY)
    assert (project / "labels.jsonl").read_bytes() == expected
    (project / "labels.jsonl").write_text("precious\n", "utf-8")
    (project / "labels.jsonl").chmod(0o640)
    assert export(project, "-o", "labels.jsonl") == (
        1, "annotator: labels.jsonl: already exists\n  (add --force to overwrite it, or choose another -o)\n")
    assert (project / "labels.jsonl").read_text("utf-8") == "precious\n"
    assert export(project, "-o", "labels.jsonl", "--force") == (0, SUMMARY)
    assert (project / "labels.jsonl").read_bytes() == expected
    assert stat.S_IMODE((project / "labels.jsonl").stat().st_mode) == 0o640  # the replaced file's permissions
    assert leftovers(project) == []


def test_a_folder_reached_through_a_link_is_fine(project: Path, tmp_path: Path, expected: bytes) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "linked").symlink_to("real")
    assert export(project, "-o", str(tmp_path / "linked" / "labels.jsonl")) == (0, SUMMARY)
    assert (tmp_path / "real" / "labels.jsonl").read_bytes() == expected


# Write errors ----------------------------------------------------------------------------------


def file_size_limit(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["new file", "replacing a file"])
def test_a_write_that_fails_part_way_leaves_no_partial_file(project: Path, expected: bytes, force: list[str]) -> None:
    assert len(expected) > 8192
    if force:
        (project / "labels.jsonl").write_text("precious\n", "utf-8")
    assert export(project, "-o", "labels.jsonl", *force, preexec_fn=file_size_limit(4096)) == (
        1, "annotator: labels.jsonl: file too large\n")
    if force:
        assert (project / "labels.jsonl").read_text("utf-8") == "precious\n"
    else:
        assert not (project / "labels.jsonl").exists()
    assert leftovers(project) == []


def without_root_powers() -> list[str] | None:
    """A command prefix under which file permissions apply: none when not root; as root, `setpriv`
    without the capabilities that override permissions; None when neither is possible."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--"]
    probe = subprocess.run([*prefix, sys.executable, "-c", "pass"], capture_output=True)
    return prefix if probe.returncode == 0 else None


def test_a_read_only_folder(project: Path) -> None:
    prefix = without_root_powers()
    if prefix is None:
        pytest.skip("running as root, and setpriv cannot drop the capabilities that override permissions")
    folder = project / "read-only"
    folder.mkdir()
    (folder / "labels.jsonl").write_text("precious\n", "utf-8")
    folder.chmod(0o555)
    try:
        assert export(project, "-o", "read-only/new.jsonl", prefix=prefix) == (
            1, "annotator: read-only/new.jsonl: permission denied\n")
        assert export(project, "-o", "read-only/labels.jsonl", "--force", prefix=prefix) == (
            1, "annotator: read-only/labels.jsonl: permission denied\n")
    finally:
        folder.chmod(0o755)
    assert sorted(path.name for path in folder.iterdir()) == ["labels.jsonl"]
    assert (folder / "labels.jsonl").read_text("utf-8") == "precious\n"


STDOUT_COMMANDS = [["export"], ["export", "--format", "csv"], ["stats"], ["stats", "--format", "json"], ["validate"],
                   ["agree"], ["agree", "--format", "json"], ["assign"], ["assign", "--format", "json"],
                   ["assign", "--explain", "c1"]]


@pytest.fixture
def labeled(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """The labeled project; for `assign`, with a plan."""
    root = labeled_project(tmp_path / "labeled")
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and callspec.params.get("command", [""])[0] == "assign":
        with (root / "annotator.toml").open("a", encoding="utf-8") as config:
            config.write('\n[assign]\nannotators = ["alice", "bob", "carol"]\noverlap = 2\n')
    return root


@pytest.mark.parametrize("command", STDOUT_COMMANDS, ids=" ".join)
def test_stdout_on_a_full_device(labeled: Path, command: list[str]) -> None:
    if not Path("/dev/full").is_char_device():
        pytest.skip("no /dev/full here")
    assert annotator(labeled, *command).returncode == 0
    with open("/dev/full", "wb") as full:
        result = annotator(labeled, *command, stdout=full)
    assert (result.returncode, result.stderr.decode("utf-8")) == (1, "annotator: stdout: no space left on device\n")


@pytest.mark.parametrize("command", [["init", "fresh"], ["git-setup"]], ids=" ".join)
def test_commands_that_print_a_report_on_a_full_device(labeled: Path, command: list[str]) -> None:
    """Commands that print their report line by line meet a full device in the middle: one line."""
    if not Path("/dev/full").is_char_device():
        pytest.skip("no /dev/full here")
    if command[0] == "git-setup":
        subprocess.run(["git", "init", "-q"], cwd=labeled, check=True)
    with open("/dev/full", "wb") as full:
        result = annotator(labeled, *command, stdout=full)
    assert (result.returncode, result.stderr.decode("utf-8")) == (1, "annotator: stdout: no space left on device\n")


@pytest.mark.parametrize("command", STDOUT_COMMANDS, ids=" ".join)
def test_stdout_to_a_reader_that_went_away(labeled: Path, command: list[str]) -> None:
    read, write = os.pipe()
    os.close(read)  # nobody will read: the first write fails with a broken pipe
    try:
        result = annotator(labeled, *command, stdout=write)
    finally:
        os.close(write)
    assert (result.returncode, result.stderr.decode("utf-8")) == (1, "annotator: stdout: broken pipe\n")


def test_stdout_and_dash_are_the_same(project: Path, expected: bytes) -> None:
    result = annotator(project, "export", "-o", "-")
    assert (result.returncode, result.stderr.decode("utf-8"), result.stdout) == (0, SUMMARY, expected)
