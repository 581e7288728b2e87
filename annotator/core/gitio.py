"""The one place that runs git: every git command the tool needs is a function here."""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from annotator.core.errors import AnnotatorError


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


class GitError(AnnotatorError):
    """git could not do what was asked: not a repository, an unknown revision, git missing."""


def _git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run `git args` in `root` with byte output; raise `GitError` on failure when `check`."""
    try:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, check=False)
    except (FileNotFoundError, NotADirectoryError):
        if not root.is_dir():
            raise GitError(f"{root}: no such folder") from None
        raise GitError("git is not installed (or not on PATH)", hint="install git to use this command") from None
    if check and result.returncode != 0:
        reason = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {reason[-1] if reason else f'exit {result.returncode}'}")
    return result


def is_repository(root: Path) -> bool:
    """Whether `root` is inside a git working tree (False too when git is missing)."""
    try:
        result = _git(root, "rev-parse", "--is-inside-work-tree", check=False)
    except GitError:
        return False
    return result.returncode == 0 and result.stdout.strip() == b"true"


def require_repository(root: Path) -> None:
    """Raise `GitError` unless `root` is inside a git working tree."""
    if not root.is_dir():
        raise GitError(f"{root}: no such folder", hint="give --project a project folder")
    if not is_repository(root):
        raise GitError(
            f"{root}: not inside a git repository",
            hint="labels are compared between git commits: run `git init` and commit, or give --project",
        )


def git_available(root: Path) -> bool:
    """Whether git can be run (in the existing folder `root`)."""
    try:
        _git(root, "--version", check=False)
    except GitError:
        return False
    return True


def init_repository(root: Path) -> None:
    """`git init` in `root`: a new, empty repository."""
    _git(root, "init", "--quiet")


def top_level(root: Path) -> str:
    """The folder of the working tree that `root` is in (`root` must be in one)."""
    return _git(root, "rev-parse", "--show-toplevel").stdout.decode("utf-8", "replace").rstrip("\n")


def tracked_files(root: Path, folder: str) -> list[str]:
    """The paths (relative to `root`) that git tracks under `folder`: in the index, committed or
    added. Empty outside a repository, or without git."""
    try:
        result = _git(root, "ls-files", "-z", "--", f"{folder}/", check=False)
    except GitError:
        return []
    if result.returncode != 0:
        return []
    return [path for path in result.stdout.decode("utf-8", "replace").split("\0") if path]


def resolve_commit(root: Path, revision: str) -> str:
    """The full commit id that `revision` (a hash, branch, tag, `HEAD~2`...) names."""
    result = None
    if revision and not revision.startswith("-"):
        result = _git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", check=False)
    if result is None or result.returncode != 0:
        raise GitError(f"unknown revision {revision!r}", hint="give a commit, branch or tag (see `git log`)")
    return result.stdout.decode("ascii").strip()


def tree_blobs(root: Path, commit: str, folder: str) -> dict[str, str]:
    """The regular files directly in `folder` (relative to `root`) at `commit`: name -> blob id."""
    output = _git(root, "ls-tree", "-z", commit, "--", f"{folder}/").stdout.decode("utf-8", "replace")
    blobs: dict[str, str] = {}
    for record in filter(None, output.split("\0")):
        info, _, path = record.partition("\t")
        mode, kind, blob = info.split()
        if kind == "blob" and mode in ("100644", "100755"):
            blobs[path.rsplit("/", 1)[-1]] = blob
    return blobs


def tree_sizes(root: Path, commit: str, folder: str) -> dict[str, int]:
    """The size in bytes of each regular file directly in `folder` at `commit`, by name."""
    output = _git(root, "ls-tree", "-l", "-z", commit, "--", f"{folder}/").stdout.decode("utf-8", "replace")
    sizes: dict[str, int] = {}
    for record in filter(None, output.split("\0")):
        info, _, path = record.partition("\t")
        mode, kind, _, size = info.split()
        if kind == "blob" and mode in ("100644", "100755"):
            sizes[path.rsplit("/", 1)[-1]] = int(size)
    return sizes


def worktree_copy(path: Path, blob: str, size: int) -> bytes | None:
    """The content of the file at `path` if it is exactly the blob `blob` of `size` bytes (its git
    hash checked), else None: reading it spares inflating the blob, as git's own diff reuses a
    file of the working tree that matches."""
    algorithm = {40: "sha1", 64: "sha256"}.get(len(blob))
    try:
        if algorithm is None or path.is_symlink() or path.stat().st_size != size:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    digest = hashlib.new(algorithm, b"blob %d\0" % len(data))
    digest.update(data)
    return data if digest.hexdigest() == blob else None


def hash_files(root: Path, paths: list[str]) -> list[str]:
    """The blob id git would give each file (relative to `root`), as `git add` would store it."""
    if not paths:
        return []
    return _git(root, "hash-object", "--", *paths).stdout.decode("ascii").split()


def read_blob(root: Path, blob: str) -> bytes:
    """The content of a blob."""
    return _git(root, "cat-file", "blob", blob).stdout


class BlobReader:
    """Reads blobs through one `git cat-file --batch` process, started at the first read: one git
    process for every blob a command reads, and each blob read from the pipe in one piece (through
    `capture_output`, a 20 MB blob is some 600 polls of 32 KB). Use it as a context manager."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._process: subprocess.Popen[bytes] | None = None

    def read(self, blob: str) -> bytes:
        """The content of `blob`; `GitError` if git cannot give it."""
        process = self._started()
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(blob.encode("ascii") + b"\n")
            process.stdin.flush()
            header = process.stdout.readline().split()  # `<id> blob <size>`, or `<name> missing`
        except BrokenPipeError:
            header = []
        if len(header) != 3 or header[1] != b"blob":
            raise GitError(f"git cat-file failed: {b' '.join(header).decode('utf-8', 'replace') or 'no answer'}")
        size = int(header[2])
        data = process.stdout.read(size)
        if len(data) != size or process.stdout.read(1) != b"\n":  # (each blob ends with a line feed)
            raise GitError(f"git cat-file failed: {blob} cut short")
        return data

    def _started(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            try:
                self._process = subprocess.Popen(
                    ["git", "cat-file", "--batch"], cwd=self.root,
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                )
            except (FileNotFoundError, NotADirectoryError):
                _git(self.root, "--version")  # (raises the GitError that says what is missing)
                raise
        return self._process

    def close(self) -> None:
        """End the git process (it ends when its input does)."""
        if self._process is not None:
            for pipe in (self._process.stdin, self._process.stdout):
                if pipe is not None:
                    pipe.close()
            self._process.wait()
            self._process = None

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def config_get(root: Path, key: str) -> str | None:
    """The value of git config `key` as `root`'s repository sees it, or None when unset."""
    result = _git(root, "config", "--get", key, check=False)
    return result.stdout.decode("utf-8", "replace").rstrip("\n") if result.returncode == 0 else None


def config_set_local(root: Path, key: str, value: str) -> None:
    """Set `key` in the repository's own config (`.git/config`: this machine only, never committed)."""
    _git(root, "config", "--local", key, value)


def attribute(root: Path, path: str, name: str) -> str:
    """The git attribute `name` of `path` (relative to `root`): a value, 'set', 'unset' or 'unspecified'."""
    output = _git(root, "check-attr", "-z", name, "--", path).stdout.decode("utf-8", "replace")
    return output.split("\0")[2]


def merge_text_files(ours: Path, base: Path, theirs: Path) -> int:
    """git's own line merge of three files into `ours`, with conflict markers; the number of conflicts."""
    paths = [str(path.resolve()) for path in (ours, base, theirs)]
    result = _git(ours.resolve().parent, "merge-file", "-L", "ours", "-L", "base", "-L", "theirs", "--", *paths,
                  check=False)
    if result.returncode < 0:
        raise GitError(f"git merge-file failed: {result.stderr.decode('utf-8', 'replace').strip()}")
    return result.returncode


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file a commit changed: its name in the folder, its blob in each parent, and after."""

    name: str
    before: tuple[str, ...]
    after: str


@dataclass(frozen=True, slots=True)
class Commit:
    """A commit of `git log`, with the files it changed in the folder asked about."""

    id: str
    short: str
    author: str
    date: str
    changes: tuple[FileChange, ...]


_RECORD = "\x1e"
_FIELD = "\x1f"


def folder_history(root: Path, folder: str) -> list[Commit]:
    """Every commit that changed a file in `folder` (relative to `root`), oldest first.

    A merge commit lists only the files it left different from all of its parents: the ones
    whose merge needed a decision.
    """
    log = _git(
        root, "log", "--reverse", "--raw", "--cc", "--no-renames",
        f"--format={_RECORD}%H{_FIELD}%h{_FIELD}%aI{_FIELD}%an", "--", f"{folder}/",
    ).stdout.decode("utf-8", "replace")
    return [_commit(record) for record in log.split(_RECORD) if record.strip()]


def _commit(record: str) -> Commit:
    head, *lines = record.splitlines()
    commit, short, date, author = head.split(_FIELD, 3)
    changes = [change for change in map(_raw_change, lines) if change is not None]
    return Commit(commit, short, author, date, tuple(changes))


def _raw_change(line: str) -> FileChange | None:
    """One `--raw` line (`:mode mode blob blob M<TAB>path`, with more columns for a merge).

    Blob ids are abbreviated, as `%h` is; git reads them back as they are.
    """
    if not line.startswith(":") or "\t" not in line:
        return None
    info, path = line.split("\t", 1)
    parents = len(info) - len(info.lstrip(":"))
    fields = info.lstrip(":").split()
    blobs = fields[parents + 1 : 2 * parents + 2]
    return FileChange(path.rsplit("/", 1)[-1], tuple(blobs[:-1]), blobs[-1])


# The repository's state, read from its files: asked every second or so, so no `git` process.

_OPERATIONS = (
    ("rebase-merge", "a git rebase"),
    ("rebase-apply", "a git rebase or am"),
    ("MERGE_HEAD", "a git merge"),
    ("CHERRY_PICK_HEAD", "a git cherry-pick"),
    ("REVERT_HEAD", "a git revert"),
    ("BISECT_LOG", "a git bisect"),
    ("index.lock", "a git command"),
)
# How long after its git directory last changed a repository may still be in the middle of a git
# command, between two of its steps: `git stash` reads the working tree, stores the stash, then
# runs `git reset --hard`, and for some 20 ms in between no lock or state file is there. Each
# step adds or removes a file in the git directory (a lock, a temporary index), which changes
# the folder's time.
QUIET_SECONDS = 1.0


def git_dir(folder: Path) -> Path | None:
    """The git directory of the working tree that holds `folder` (`.git`, or where a `.git` file
    of a linked worktree points), or None outside any repository."""
    start = folder.resolve()
    for candidate in (start, *start.parents):
        dot = candidate / ".git"
        if dot.is_dir():
            return dot
        if dot.is_file():
            try:
                text = dot.read_text("utf-8", "replace").strip()
            except OSError:
                return None
            if not text.startswith("gitdir:"):
                return None
            target = Path(text.removeprefix("gitdir:").strip())
            return target if target.is_absolute() else (candidate / target).resolve()
    return None


def operation_in_progress(directory: Path | None, quiet: float = 0.0) -> str | None:
    """What git is in the middle of in the repository whose git directory is `directory` ("a git
    rebase", "a git merge"...), or None when it is idle (or there is no repository).

    With `quiet` (`QUIET_SECONDS`, before a write), a git directory changed less than `quiet`
    seconds ago is "a git command" too: git may be between two steps of one.
    """
    if directory is None:
        return None
    for name, what in _OPERATIONS:
        if os.path.lexists(directory / name):
            return what
    if quiet:
        try:
            changed = directory.stat().st_mtime
        except OSError:
            return None
        if abs(time.time() - changed) < quiet:
            return "a git command"
    return None
