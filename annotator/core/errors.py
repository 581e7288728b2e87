"""Errors a user can fix, and problems a check reports: both name the file and, where known, the line."""

from __future__ import annotations

from dataclasses import dataclass


class AnnotatorError(Exception):
    """A mistake in the user's input or setup: shown as a message and an exit code, never a traceback."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  ({self.hint})" if self.hint else self.message


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing `validate` (or a loader) noticed: where it is and what is wrong."""

    path: str
    line: int | None
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        kind = "warning: " if self.warning else ""
        return f"{where}: {kind}{self.message}" if where else f"{kind}{self.message}"
