"""`BlobReader`: every blob a command reads, through one git process, exactly as git stores it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from annotator.core.gitio import BlobReader, GitError
from tests.core.gitrepo import isolate_git


def stored(root: Path, content: bytes) -> str:
    return subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=root, input=content, capture_output=True,
                          check=True).stdout.decode("ascii").strip()


def test_blobs_come_back_byte_for_byte_and_a_missing_one_is_a_git_error(tmp_path: Path, monkeypatch) -> None:
    isolate_git(monkeypatch, tmp_path / "home")
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    root = tmp_path / "repo"
    contents = [b"", b"one line\n", b"no final newline", b"\x00\xff binary\n" * 10_000]
    blobs = [stored(root, content) for content in contents]
    with BlobReader(root) as reader:
        assert [reader.read(blob) for blob in reversed(blobs)] == contents[::-1]
        with pytest.raises(GitError, match="missing"):
            reader.read("0" * 40)
        assert reader.read(blobs[1]) == b"one line\n"  # (the process goes on after a missing blob)


def test_a_file_of_the_working_tree_stands_for_a_blob_only_when_it_is_that_blob(tmp_path: Path, monkeypatch) -> None:
    from annotator.core.gitio import tree_blobs, tree_sizes, worktree_copy

    isolate_git(monkeypatch, tmp_path / "home")
    root = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "annotations").mkdir()
    path = root / "annotations" / "alice.toml"
    path.write_bytes(b'[comments.a]\nstance = "agree"\n')
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"], cwd=root, check=True)
    blob, size = tree_blobs(root, "HEAD", "annotations")["alice.toml"], tree_sizes(root, "HEAD", "annotations")["alice.toml"]
    assert size == path.stat().st_size
    assert worktree_copy(path, blob, size) == b'[comments.a]\nstance = "agree"\n'
    path.write_bytes(b'[comments.a]\nstance = "AGREE"\n')  # (the same size, another content)
    assert worktree_copy(path, blob, size) is None
    path.unlink()
    assert worktree_copy(path, blob, size) is None
    path.symlink_to(root / "elsewhere")
    (root / "elsewhere").write_bytes(b'[comments.a]\nstance = "agree"\n')
    assert worktree_copy(path, blob, size) is None  # (a link is never read in place of the blob)
