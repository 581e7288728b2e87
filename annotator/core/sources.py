"""Where imported data comes from: a file, or `-` for standard input."""

from __future__ import annotations

import sys
from pathlib import Path

from annotator.core.errors import AnnotatorError

STDIN = "-"
MAX_SHOWN = 100  # problems listed before the rest are only counted


def read_source(source: str) -> tuple[str, bytes]:
    """The name to use in messages, and the bytes of `source` (a file, or `-` for stdin)."""
    if source == STDIN:
        return "stdin", sys.stdin.buffer.read()
    path = Path(source)
    if path.is_dir():
        raise AnnotatorError(f"{source}: is a folder, not a file")
    try:
        return source, path.read_bytes()
    except OSError as error:
        raise AnnotatorError(f"{source}: cannot be read: {error.strerror}") from None


class ImportProblems(AnnotatorError):
    """Rows of an import that cannot be used; nothing was written."""

    def __init__(self, problems: list[str], hint: str) -> None:
        shown = problems[:MAX_SHOWN]
        if len(problems) > MAX_SHOWN:
            shown.append(f"... and {len(problems) - MAX_SHOWN} more")
        super().__init__("\n".join(shown), hint)
        self.problems = problems
