"""A cache of parsed files, keyed by their content, in the user's cache folder.

Reading 100,000 comments or 90,000 entries costs about half a second, most of it parsing. The
parsed form, as plain lists of strings and numbers in `marshal` format, loads several times
faster. An entry is named by the SHA-256 of what was parsed (and of the kind of parse and
this version of the format), so a changed file is never read from an old entry: there is
nothing to invalidate. The most recently used entries are kept, up to 1 GiB in all.

Some entries are not `marshal` but columns of bytes read in place with `mmap` (`save_columns`,
`mapped`): what was cached then costs memory only for the pages read.

The folder is `$ANNOTATOR_CACHE_DIR`, else `$XDG_CACHE_HOME/annotator`, else
`~/.cache/annotator`; `ANNOTATOR_CACHE_DIR=off` turns the cache off. It lives outside the
project, so a repository can never plant an entry. Every failure (no folder, no space, a
damaged entry) only means parsing again: the cache never stops a command.
"""

from __future__ import annotations

import hashlib
import marshal
import mmap
import os
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any, BinaryIO

CACHE_VERSION = 4  # bump when the layout of a cached value, or what a parse gives, changes
KEEP_BYTES = 1024**3  # entries kept, the most recently used first, up to this size in all


def folder() -> Path | None:
    """The cache folder (None when the cache is off)."""
    chosen = os.environ.get("ANNOTATOR_CACHE_DIR")
    if chosen:
        return None if chosen.lower() == "off" else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "annotator"


SUFFIXES = (".marshal", ".columns")  # the entries of `save` and of `save_columns`


def key(kind: str, data: bytes, suffix: str = ".marshal") -> Path | None:
    """Where the parse of `data` as `kind` is cached (None when the cache is off). It hashes
    all of `data`: take it once per read, for `load` and then `save`. `suffix` ".columns" for an
    entry of `save_columns`."""
    where = folder()
    if where is None:
        return None
    digest = hashlib.sha256(f"{kind}\0{CACHE_VERSION}\0".encode())
    digest.update(data)  # (not `+ data`: that would copy a file of tens of megabytes)
    return where / f"{kind}-{digest.hexdigest()}{suffix}"


def file_key(kind: str, path: Path, suffix: str = ".marshal") -> Path | None:
    """`key(kind, the bytes of the file at path)`, reading the file a piece at a time (a file of
    hundreds of megabytes is never all in memory). None when the cache is off or the file cannot
    be read.

    Hashing costs about a second a gigabyte, so the digest of a file is remembered (`_Memo`) with
    the file's identity and times: as long as they are the same, so is the content. The kernel
    sets a file's change time (`st_ctime`) at every write and no program can set it back, so a
    written file never matches a memo. A file changed in the last `SETTLING_NS` is not
    remembered: a write within the same tick of the clock could leave its times as they were."""
    where = folder()
    if where is None:
        return None
    try:
        with path.open("rb") as handle:
            memo = _Memo(where, kind, path, os.fstat(handle.fileno()))
            hexdigest = memo.digest()
            if hexdigest is None:
                started = time.time_ns()
                digest = hashlib.sha256(f"{kind}\0{CACHE_VERSION}\0".encode())
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
                hexdigest = digest.hexdigest()
                memo.remember(hexdigest, started)
    except OSError:
        return None
    return where / f"{kind}-{hexdigest}{suffix}"


SETTLING_NS = 2 * 10**9  # a file changed more recently than this before it is hashed is not remembered


class _Memo:
    """The digest of one file's content, as `file_key` last hashed it, kept with what identifies
    that content (device, inode, size, modification and change times, in nanoseconds): one small
    `marshal` entry per file and kind, replaced when the file changes."""

    def __init__(self, where: Path, kind: str, path: Path, stat: os.stat_result) -> None:
        name = hashlib.sha256(f"{kind}\0{CACHE_VERSION}\0{os.path.abspath(path)}".encode("utf-8", "surrogateescape"))
        self.path = where / f"digest-{name.hexdigest()}.marshal"
        self.stat = stat
        self.identity = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)

    def digest(self) -> str | None:
        """The digest remembered for this very file as it is now, or None."""
        kept = load(self.path)
        if type(kept) is tuple and len(kept) == 2 and kept[0] == self.identity and type(kept[1]) is str:
            return kept[1]
        return None

    def remember(self, hexdigest: str, started: int) -> None:
        """Keep `hexdigest` (of the content hashed from `started`, in `time.time_ns`) for this file,
        unless it changed too recently for its times to tell a later write."""
        if started - max(self.stat.st_mtime_ns, self.stat.st_ctime_ns) > SETTLING_NS:
            save(self.path, (self.identity, hexdigest))


def load(path: Path | None) -> Any | None:
    """The value cached at `path` (a `key`), or None."""
    if path is None:
        return None
    try:
        value = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    with suppress(OSError):
        os.utime(path)  # recently used: kept by `_prune`
    return value


def mapped(path: Path | None) -> mmap.mmap | None:
    """The entry of `save_columns` at `path`, mapped read-only (its pages are read when touched),
    or None. The caller checks what it holds: a damaged entry must read as no entry."""
    if path is None:
        return None
    try:
        with path.open("rb") as handle:
            view = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # (ValueError: an empty file)
        return None
    with suppress(OSError):
        os.utime(path)  # recently used: kept by `_prune`
    return view


def save(path: Path | None, value: Any) -> None:
    """Cache `value` (plain data: str, int, float, bool, None, tuples, lists, dicts) at `path`
    (a `key`). Atomic; silent on failure."""
    _write(path, lambda handle: marshal.dump(value, handle))


def save_columns(path: Path | None, write: Callable[[BinaryIO], None]) -> bool:
    """Cache at `path` (a `key` with ".columns") what `write(handle)` writes, for `mapped`; it may
    seek. Atomic; False on failure (an exception `write` raises other than `OSError` goes on)."""
    return _write(path, write)


def _write(path: Path | None, write: Callable[[BinaryIO], None]) -> bool:
    """Write an entry at `path` with `write(handle)`: to a temporary file, renamed into place."""
    if path is None:
        return False
    with suppress(OSError, ValueError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                write(handle)
            os.replace(temporary, path)
        except BaseException:
            with suppress(OSError):
                os.unlink(temporary)
            raise
        _prune(path)
        return True
    return False


def _prune(newest: Path) -> None:
    """Keep `newest` and the most recently used other entries, up to `KEEP_BYTES` in all."""
    entries = []
    for path in newest.parent.iterdir():
        if path.suffix not in SUFFIXES or path.name.startswith("."):
            continue
        with suppress(OSError):
            stat = path.stat()
            entries.append((path == newest, stat.st_mtime_ns, stat.st_size, path))
    kept = 0
    for _, _, size, path in sorted(entries, reverse=True):  # the newest entry first, then by last use
        kept += size
        if kept > KEEP_BYTES and path != newest:
            with suppress(OSError):
                path.unlink()
