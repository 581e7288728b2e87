"""A cache of parsed files, keyed by their content, in the user's cache folder.

Reading 100,000 comments or 90,000 entries costs about half a second, most of it parsing. The
parsed form, as plain lists of strings and numbers in `marshal` format, loads several times
faster. An entry is named by the SHA-256 of what was parsed (and of the kind of parse and
this version of the format), so a changed file is never read from an old entry: there is
nothing to invalidate. The most recently used entries are kept, up to 1 GiB in all.

The folder is `$ANNOTATOR_CACHE_DIR`, else `$XDG_CACHE_HOME/annotator`, else
`~/.cache/annotator`; `ANNOTATOR_CACHE_DIR=off` turns the cache off. It lives outside the
project, so a repository can never plant an entry. Every failure (no folder, no space, a
damaged entry) only means parsing again: the cache never stops a command.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import Any

CACHE_VERSION = 4  # bump when the layout of a cached value, or what a parse gives, changes
KEEP_BYTES = 1024**3  # entries kept, the most recently used first, up to this size in all


def folder() -> Path | None:
    """The cache folder (None when the cache is off)."""
    chosen = os.environ.get("ANNOTATOR_CACHE_DIR")
    if chosen:
        return None if chosen.lower() == "off" else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "annotator"


def key(kind: str, data: bytes) -> Path | None:
    """Where the parse of `data` as `kind` is cached (None when the cache is off). It hashes
    all of `data`: take it once per read, for `load` and then `save`."""
    where = folder()
    if where is None:
        return None
    digest = hashlib.sha256(f"{kind}\0{CACHE_VERSION}\0".encode())
    digest.update(data)  # (not `+ data`: that would copy a file of tens of megabytes)
    return where / f"{kind}-{digest.hexdigest()}.marshal"


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


def save(path: Path | None, value: Any) -> None:
    """Cache `value` (plain data: str, int, float, bool, None, tuples, lists, dicts) at `path`
    (a `key`). Atomic; silent on failure."""
    if path is None:
        return
    with suppress(OSError, ValueError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                marshal.dump(value, handle)
            os.replace(temporary, path)
        except BaseException:
            with suppress(OSError):
                os.unlink(temporary)
            raise
        _prune(path)


def _prune(newest: Path) -> None:
    """Keep `newest` and the most recently used other entries, up to `KEEP_BYTES` in all."""
    entries = []
    for path in newest.parent.glob("*.marshal"):
        with suppress(OSError):
            stat = path.stat()
            entries.append((path == newest, stat.st_mtime_ns, stat.st_size, path))
    kept = 0
    for _, _, size, path in sorted(entries, reverse=True):  # the newest entry first, then by last use
        kept += size
        if kept > KEEP_BYTES and path != newest:
            with suppress(OSError):
                path.unlink()
