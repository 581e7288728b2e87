"""Where a key is written in a config's text, for errors that name its line (the parsed tables
do not keep lines). Not the config's own parse: a read of its table headers and keys."""

from __future__ import annotations

import re
from collections.abc import Sequence

_HEADER = re.compile(r"\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?\s*(?:#.*)?")
# What a TOML line can hold that may look like a header or a key: strings (a multi-line one's
# lines are not the file's own) and comments. Alternatives in the order a reader meets them.
_TOKEN = re.compile(r'''"""(?:\\[\s\S]|[^\\])*?"""(?:"{1,2})?|\'\'\'[\s\S]*?\'\'\'(?:\'{1,2})?'''
                    r'''|"(?:\\.|[^"\\\n])*"|\'[^\'\n]*\'|#[^\n]*''')


def key_line(text: str, path: Sequence[str | int]) -> int | None:
    """The line (from 1) of the key at `path` in a config's `text`: `["auto_advance"]` at the top,
    `["stance", 1, "key"]` in the second `[[stance]]`, `["assign", "overlap"]` in `[assign]`;
    the table's header where the key is not written in it; None where the text does not say."""
    lines = text.split("\n")  # (TOML's lines: `splitlines` would end one at a U+2028 in a string too)
    inside = _string_lines(text)
    headers = [(number, found[2], found[1] == "[[") for number, line in enumerate(lines, 1)
               if number not in inside and (found := _HEADER.fullmatch(line))]
    table, *rest = path
    tables = {name for _, name, array in headers if not array}
    while rest and isinstance(rest[0], str) and f"{table}.{rest[0]}" in tables:  # (`[assign.weights]`)
        table, *rest = f"{table}.{rest[0]}", *rest[1:]
    if rest and isinstance(rest[0], int):
        tables = [number for number, name, array in headers if name == table and array]
        if rest[0] >= len(tables):
            return None
        begin, keys = tables[rest[0]], rest[1:]
    elif table in tables:
        begin, keys = next(number for number, name, array in headers if name == table and not array), rest
    else:
        begin, keys = 0, [table]
    end = next((number for number, _, _ in headers if number > begin), len(lines) + 1)
    if keys and isinstance(keys[0], str):
        written = re.compile(rf"\s*\"?{re.escape(keys[0])}\"?\s*=")
        found = next((number for number in range(begin + 1, end)
                      if number not in inside and written.match(lines[number - 1])), None)
        if found is not None:
            return found
    return begin or None


def _string_lines(text: str) -> set[int]:
    """The lines (from 1) that a multi-line string goes on to, after the one where it opens."""
    inside: set[int] = set()
    for token in _TOKEN.finditer(text):
        if token[0][:1] in "\"'" and "\n" in token[0]:
            first = text.count("\n", 0, token.start()) + 1
            inside.update(range(first + 1, first + token[0].count("\n") + 1))
    return inside
