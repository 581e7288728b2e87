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
    digest = content_digest(kind)
    digest.update(data)  # (not `+ data`: that would copy a file of tens of megabytes)
    return where / entry_name(kind, digest, suffix)


def content_digest(kind: str) -> Any:
    """The hash that names an entry of `kind`, before the content: update it with the content."""
    return hashlib.sha256(f"{kind}\0{CACHE_VERSION}\0".encode())


def entry_name(kind: str, digest: Any, suffix: str) -> str:
    """The name of the entry of `kind` whose content `digest` (`content_digest`) has hashed."""
    return f"{kind}-{digest.hexdigest()}{suffix}"


SETTLED_NS = 2 * 10**9  # a file unchanged this long keeps its digest by its status (`file_key`)


def wait_until_settled(path: Path) -> None:
    """Sleep until the file at `path` has been unchanged for `SETTLED_NS` (at most that long; at
    once if it cannot be read), so that `file_key` then keeps its digest by its status."""
    try:
        status = path.stat()
    except OSError:
        return
    left = max(status.st_mtime_ns, status.st_ctime_ns) + SETTLED_NS - time.time_ns()
    if 0 < left <= SETTLED_NS:
        time.sleep(left / 1e9 + 0.05)


def file_key(kind: str, path: Path, suffix: str = ".marshal") -> Path | None:
    """`key(kind, the bytes of the file at path)`, reading the file a piece at a time (a file of
    hundreds of megabytes is never all in memory). None when the cache is off or the file cannot
    be read.

    Hashing costs 0.1 s for 100,000 comments, 0.5 s for a million, so the digest of a file left
    unchanged for `SETTLED_NS` is also kept by its status: device, inode, size, modification and
    change time, as git's index keeps them, with the file's first and last 64 KiB. Any later
    write gives the file a new change time (no program can set it), so the same status means
    the same bytes: a start that finds it reads the digest, not the file. Not trusted, so
    hashed every time: a file changed within the last two seconds (a write in the same clock
    tick could repeat its change time), one whose times are whole seconds (a file system that
    keeps no finer times, where a second holds many writes), and any file on Windows (where
    the change time is the creation time)."""
    where = folder()
    if where is None:
        return None
    try:
        with path.open("rb") as handle:
            before = _status(handle)
            by_status, known = _by_status(kind, before)
            if known is not None:
                return where / f"{kind}-{known}{suffix}"
            handle.seek(0)
            digest = content_digest(kind)
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
            after = os.fstat(handle.fileno())
            if by_status is not None and time.time_ns() - max(after.st_mtime_ns, after.st_ctime_ns) > SETTLED_NS:
                if _status(handle) == before:
                    save(by_status, digest.hexdigest())
    except OSError:
        return None
    return where / entry_name(kind, digest, suffix)


def known_key(kind: str, path: Path, suffix: str = ".marshal") -> Path | None:
    """`file_key` where the file's digest is known by its status, without reading the file;
    None where it is not (then only hashing the file can tell)."""
    try:
        with path.open("rb") as handle:
            return _entry_by_status(kind, _status(handle), suffix)
    except OSError:
        return None


def read_keyed(kind: str, path: Path, suffix: str = ".marshal") -> tuple[bytes, Path | None]:
    """The bytes of the file at `path` and `key(kind, them)`: the digest read by the file's status
    where `file_key` kept it (the file is then read, not hashed again: a parse on a miss of
    `file_key` reads the file once more, and a hash of a million comments costs half a second);
    else hashed. `OSError` if the file cannot be read."""
    with path.open("rb") as handle:
        before = _status(handle)
        handle.seek(0)
        data = handle.read()
        after = _status(handle)
    known = _entry_by_status(kind, before, suffix) if before == after else None  # (else written meanwhile)
    return data, known or key(kind, data, suffix)


def read_keyed_blocks(kind: str, path: Path, suffix: str, take: Callable[[bytes], None]) -> Path | None:
    """`read_keyed` a block at a time: the bytes of the file at `path` given to `take` in turn (a
    file of hundreds of megabytes is never all in memory), then their key: hashed as they are
    read, unless the file's digest is known by its status. None when the cache is off, or when
    the digest was known that way and the file changed meanwhile. `OSError` if the file cannot
    be read; what `take` raises goes on (and ends the reading)."""
    with path.open("rb") as handle:
        before = _status(handle)
        known = _entry_by_status(kind, before, suffix)
        digest = None if known is not None else content_digest(kind)
        handle.seek(0)
        while block := handle.read(BLOCK_BYTES):
            if digest is not None:
                digest.update(block)
            take(block)
        after = _status(handle) if known is not None else None
    if digest is None:
        return known if after == before else None
    where = folder()
    return None if where is None else where / entry_name(kind, digest, suffix)


BLOCK_BYTES = 4 * 2**20  # what `read_keyed_blocks` reads at a time


def stream_entry(kind: str, path: Path, suffix: str, write: Callable[[BinaryIO, BinaryIO], None]) -> Path | None:
    """Write the entry of the file at `path` with `write(source, handle)` (the file open for
    reading, the entry's handle), which reads the file as it goes: when the file's digest is
    known by its status (`file_key` kept it) and the status is the same once the entry is
    written. The entry, or None (the digest not known, the file written meanwhile, the entry not
    written); an exception `write` raises other than `OSError` goes on."""
    with suppress(OSError), path.open("rb") as source:
        before = _status(source)
        entry = _entry_by_status(kind, before, suffix)
        if entry is None:
            return None

        def written(handle: BinaryIO) -> None:
            source.seek(0)
            write(source, handle)
            if _status(source) != before:
                raise _Changed

        with suppress(_Changed):
            return entry if _write(entry, written) else None
    return None


class _Changed(Exception):
    """The file changed while its entry was written from it."""


def _entry_by_status(kind: str, status: bytes | None, suffix: str) -> Path | None:
    """The entry of a `kind` file with `status` (`_status`), where its digest is known by it; else
    None (or the cache off)."""
    where = folder()
    known = None if where is None else _by_status(kind, status)[1]
    return None if known is None else where / f"{kind}-{known}{suffix}"  # type: ignore[operator]


def _by_status(kind: str, status: bytes | None) -> tuple[Path | None, str | None]:
    """Where the digest of a `kind` file with `status` (`_status`) is kept, and the digest if it is."""
    by_status = None if status is None else key("status", b"%s\0%s" % (kind.encode(), status))
    known = load(by_status)
    return by_status, known if type(known) is str and len(known) == 64 else None


SAMPLE = 64 * 1024  # bytes at each end of a file that its status includes


def _status(handle: BinaryIO) -> bytes | None:
    """What says the open file is unchanged, or None where that cannot be trusted (`file_key`)."""
    status = os.fstat(handle.fileno())
    if os.name == "nt" or (status.st_mtime_ns % 10**9 == 0 and status.st_ctime_ns % 10**9 == 0):
        return None
    handle.seek(0)
    head = handle.read(SAMPLE)
    handle.seek(max(0, status.st_size - SAMPLE))
    tail = handle.read(SAMPLE)
    numbers = (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)
    return b"%d %d %d %d %d\0%s\0%s" % (*numbers, head, tail)


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
            with os.fdopen(fd, "w+b") as handle:  # (read too: `columns.write_columns` reads back)
                write(handle)
            os.replace(temporary, path)
        except BaseException:
            with suppress(OSError):
                os.unlink(temporary)
            raise
        _prune(path)
        return True
    return False


STALE_SECONDS = 3600  # a temporary file this old is no write in progress: removed by `_prune`


def _prune(newest: Path) -> None:
    """Keep `newest` and the most recently used other entries, up to `KEEP_BYTES` in all."""
    entries = []
    for path in newest.parent.iterdir():
        if path.name.startswith(".") and path.suffix == ".tmp":  # (a write cut short by a kill)
            with suppress(OSError):
                if time.time() - path.stat().st_mtime > STALE_SECONDS:
                    path.unlink()
            continue
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
