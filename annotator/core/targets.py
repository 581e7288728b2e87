"""What a comment replies to: the target its stance is taken toward.

In order of preference: its `parent`, when that comment is in the corpus (with the row's `context`
too, when it gives one: often the passage it answers); the seed row's own `context` text; its `parent` alone, when that comment is not in the corpus (only the id is
known); the project's `[target]` post from `annotator.toml`; else nothing. Every step is a look-up
by id: nothing here grows with the corpus.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotator.core.models import Comment

if TYPE_CHECKING:
    from annotator.core.config import ProjectTarget

PARENT = "parent"  # the parent comment, in the corpus
CONTEXT = "context"  # the seed row's context text (its parent, if named, is not in the corpus)
MISSING = "missing"  # a parent id that names no comment of the corpus, and no context
PROJECT = "project"  # the project's [target] post


@dataclass(frozen=True, slots=True)
class Target:
    """What one comment replies to, ready to show: `kind` says where it came from."""

    kind: str
    text: str | None = None  # the parent's text, the context, or the project post's text
    parent_id: str | None = None  # the comment's `parent`, in the corpus or not
    parent: Comment | None = None  # the parent comment, when it is in the corpus
    title: str | None = None  # the project post's title
    url: str | None = None  # the project post's url; for a missing parent, the comment's own url
    context: str | None = None  # beside a parent in the corpus: the row's own context, if any


def target_of(
    comment: Comment, find: Callable[[str], Comment | None], project: ProjectTarget | None = None
) -> Target | None:
    """The target of `comment`; `find` looks a comment up by id (None when it is not in the corpus)."""
    parent = find(comment.parent) if comment.parent is not None else None
    if parent is not None and parent.id != comment.id:
        return Target(PARENT, parent.text, parent.id, parent, context=comment.context)
    if comment.context is not None:
        return Target(CONTEXT, comment.context, comment.parent)
    if comment.parent is not None and comment.parent != comment.id:
        return Target(MISSING, None, comment.parent, url=comment.url)
    if project is not None:
        return Target(PROJECT, _paragraphs(project.text), title=_text(project.title), url=_text(project.url))
    return None


def _text(value: str | None) -> str | None:
    return value.strip() or None if value else None


def _paragraphs(text: str | None) -> str | None:
    """The project post's text with the line breaks of annotator.toml taken out: its lines are
    wrapped by hand to the file's width, not the screen's, so the lines of a paragraph are joined
    with a space; a blank line still separates two paragraphs."""
    if not text:
        return None
    joined = "\n\n".join(" ".join(paragraph.split()) for paragraph in re.split(r"\n[ \t]*\n", text.strip()))
    return joined.strip() or None
