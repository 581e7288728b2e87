"""Where imported data comes from: a file, or `-` for standard input."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from annotator.core.errors import AnnotatorError

STDIN = "-"
MAX_SHOWN = 100  # problems listed before the rest are only counted


def read_source(source: str) -> tuple[str, bytes]:
    """The name to use in messages, and the bytes of `source` (a file, or `-` for stdin)."""
    with opened_source(source) as (name, stream):
        return name, stream.read()


@contextmanager
def opened_source(source: str) -> Iterator[tuple[str, BinaryIO]]:
    """The name to use in messages, and `source` (a file, or `-` for stdin) open to be read (a
    block at a time, perhaps); `AnnotatorError` if it cannot be."""
    if source == STDIN:
        yield "stdin", sys.stdin.buffer
        return
    path = Path(source)
    if path.is_dir():
        raise AnnotatorError(f"{source}: is a folder, not a file")
    try:
        handle = path.open("rb")
    except OSError as error:
        raise unreadable(source, error) from None
    with handle:
        yield source, _Checked(source, handle)


class _Checked(io.RawIOBase):
    """A file whose read errors are `AnnotatorError`s naming it."""

    def __init__(self, name: str, handle: BinaryIO) -> None:
        super().__init__()
        self._name, self._handle = name, handle

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._handle.fileno()

    def read(self, size: int | None = -1) -> bytes:
        return self._checked(self._handle.read, size)

    def readline(self, size: int | None = -1) -> bytes:
        return self._checked(self._handle.readline, size)

    def _checked(self, read: Callable[[int | None], bytes], size: int | None) -> bytes:
        try:
            return read(size)
        except OSError as error:
            raise unreadable(self._name, error) from None


def unreadable(name: str, error: OSError) -> AnnotatorError:
    """The error for a source `name` that could not be opened or read."""
    return AnnotatorError(f"{name}: cannot be read: {error.strerror}")


class ImportProblems(AnnotatorError):
    """Rows of an import that cannot be used; nothing was written."""

    def __init__(self, problems: list[str], hint: str) -> None:
        shown = problems[:MAX_SHOWN]
        if len(problems) > MAX_SHOWN:
            shown.append(f"... and {len(problems) - MAX_SHOWN} more")
        super().__init__("\n".join(shown), hint)
        self.problems = problems
