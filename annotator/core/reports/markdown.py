"""Text read from files (labels, names, ids, notes, comment excerpts) in Markdown as GitHub
renders it: shown literally, never as markup, a link, a mention, HTML or a broken table.

The rule: the text is put on one line (`one_line`: a table row cannot hold a newline), then in
an inline code span whose fence is one backtick longer than the longest run of backticks in it,
with a space inside the fence when the text starts or ends with a backtick, or with a space at
both ends (CommonMark removes one space each side when both are there). In a table cell, '|' is escaped as '\\|': GFM splits a row at '|'
even inside a code span, and turns '\\|' back into '|' there. Empty text stays empty (a code
span cannot be).
"""

from __future__ import annotations

import re

from annotator.core.models import one_line

_PLAIN_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")  # nothing in it that Markdown reads, nor a link
_BACKTICKS = re.compile("`+")


def code(text: str, cell: bool = True, spaces: bool = False) -> str:
    """`text` as a code span that shows it literally; `cell`: the span stands in a table cell;
    `spaces`: a text on one line already (a quoted note) keeps its runs of spaces (a code span
    shows them as they are), so that a change in them shows."""
    flat = text if spaces and text.isprintable() and text == text.strip() else one_line(text)
    if not flat:
        return ""
    if cell:
        flat = flat.replace("|", "\\|")
    fence = "`" * (max(map(len, _BACKTICKS.findall(flat)), default=0) + 1)
    edges = flat[0] + flat[-1]
    pad = " " if "`" in edges or (edges == "  " and flat.strip(" ")) else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def word(text: str, cell: bool = True) -> str:
    """`text` as it is when it is a plain word (letters, digits and '-': a label, a name, an id),
    which Markdown shows literally; else `code(text)`."""
    return text if _PLAIN_WORD.fullmatch(text) else code(text, cell)
