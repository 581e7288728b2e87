"""JSON as every command writes it: sorted keys, a two-space indent, UTF-8, a final newline."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

JSON_FORMAT = 1  # the `format` stamp of every JSON report


def dumps(document: Any) -> str:
    """`document` as JSON; dates and times in ISO 8601, sets as sorted lists."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2, default=json_value) + "\n"


def json_value(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
