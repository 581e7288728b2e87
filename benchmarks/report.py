"""The results as rows: one per figure, a cell per size (median, min and max), the target beside
it with pass or FAIL; printed as a table and written as JSON with the raw samples."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

# The raw results of one size: {"app": AppRuns as a dict, "cli": {command: CommandRuns as a dict},
# "threads": milliseconds per run of the thread order}.
SizeResults = dict[str, Any]
Values = list[float] | str  # the samples, or why there are none


@dataclass(frozen=True, slots=True)
class Summary:
    """Samples of one figure at one size."""

    median: float
    low: float
    high: float
    p95: float
    count: int

    @classmethod
    def of(cls, values: list[float]) -> Summary:
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
        return cls(statistics.median(ordered), ordered[0], ordered[-1], p95, len(ordered))


@dataclass(frozen=True, slots=True)
class Limit:
    """A target: the figure (median, or p95) at most `most` at every size, and/or growing at most
    `growth` times from the smallest size measured to the largest."""

    most: float | None = None
    growth: float | None = None
    text: str = ""


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table: a figure taken from each size's results."""

    name: str
    unit: str
    values: Callable[[SizeResults], Values]
    stat: str = "median"  # or "p95", "high" (the maximum)
    limit: Limit | None = None


def app(key: str) -> Callable[[SizeResults], Values]:
    return lambda results: results["app"][key] or "n/a: no run finished"


def per_key(results: SizeResults) -> Values:
    totals = results["app"]["next_total"]
    return [total * 1000 / 100 for total in totals] or "n/a: no run finished"


def start_ratio(results: SizeResults) -> Values:
    runs = results["app"]
    if not runs["start"] or not runs["start_bare"]:
        return "n/a: no run finished"
    return [statistics.median(runs["start"]) / statistics.median(runs["start_bare"])]


def cli(command: str, key: str) -> Callable[[SizeResults], Values]:
    def values(results: SizeResults) -> Values:
        runs = results["cli"][command]
        if runs["skipped"]:
            return runs["skipped"]
        if runs["error"]:
            return f"error: {runs['error'].split(':')[0]}"  # the message is printed below the table
        return runs[key]

    return values


ROWS = [
    Row("start: app, first frame", "s", app("start")),
    Row("start: bare Textual app", "s", app("start_bare")),
    Row("start: app / bare", "x", start_ratio, limit=Limit(most=2.0, text="≤ 2x")),
    Row("all own labels on screen", "s", app("labels_on_screen"), limit=Limit(most=1.0, text="≤ 1 s from start")),
    Row("label to disk, median", "ms", app("label_to_disk_ms")),
    Row("label to disk, p95", "ms", app("label_to_disk_ms"), stat="p95",
        limit=Limit(most=50.0, growth=2.0, text="≤ 50 ms, growth ≤ 2x")),
    Row("label to disk, max", "ms", app("label_to_disk_ms"), stat="high"),
    Row("100 x next: total", "s", app("next_total")),
    Row("100 x next: per key", "ms", per_key, limit=Limit(growth=1.2, text="growth ≤ 1.2x")),
    Row("validate", "s", cli("validate", "seconds"), limit=Limit(most=2.0, text="≤ 2 s")),
    Row("export --format jsonl", "s", cli("export", "seconds"), limit=Limit(most=2.0, text="≤ 2 s")),
    Row("agree", "s", cli("agree", "seconds"), limit=Limit(most=2.0, text="≤ 2 s")),
    Row("diff (1% of labels changed)", "s", cli("diff", "seconds"), limit=Limit(most=3.0, text="≤ 3 s")),
    Row("import-labels", "s", cli("import-labels", "seconds")),
    Row("thread order (the first T)", "ms", lambda results: results["threads"],
        limit=Limit(most=100.0, text="≤ 100 ms")),
    Row("peak RSS: app", "MiB", app("rss"), limit=Limit(most=400.0, text="≤ 400 MiB")),
    Row("peak RSS: bare Textual app", "MiB", app("rss_bare")),
    Row("peak RSS: validate", "MiB", cli("validate", "rss")),
    Row("peak RSS: export", "MiB", cli("export", "rss")),
    Row("peak RSS: agree", "MiB", cli("agree", "rss")),
    Row("peak RSS: diff", "MiB", cli("diff", "rss")),
    Row("peak RSS: import-labels", "MiB", cli("import-labels", "rss")),
]
ROW_NAMES = [row.name for row in ROWS]


def verdict(row: Row, values: dict[int, Values]) -> str:
    """'pass' or 'FAIL' (with the growth factor where the target has one); 'n/a' when a size has
    no figure and nothing measured fails."""
    limit = row.limit
    if limit is None:
        return ""
    figure = {size: getattr(Summary.of(v), row.stat) for size, v in values.items() if not isinstance(v, str)}
    failed = limit.most is not None and any(value > limit.most for value in figure.values())
    note = ""
    if limit.growth is not None and len(figure) >= 2:
        smallest, largest = figure[min(figure)], figure[max(figure)]
        growth = largest / smallest if smallest else float("inf")
        failed = failed or growth > limit.growth
        note = f" ({growth:.2f}x)"
    if failed:
        return "FAIL" + note
    if len(figure) < len(values):
        return "n/a: a size has no figure"
    if limit.growth is not None and len(figure) < 2:
        return "n/a: one size" if limit.most is None else "pass (growth: one size)"
    return "pass" + note


def cell(row: Row, values: Values) -> str:
    """`median (min–max)` for several samples, the one value for one, or why there is none."""
    if isinstance(values, str):
        return values
    summary = Summary.of(values)
    digits = 0 if row.unit == "MiB" else 2 if row.unit in {"s", "x"} else 1
    value = getattr(summary, row.stat)
    if row.stat != "median" or summary.count == 1:
        return f"{value:.{digits}f}"
    return f"{value:.{digits}f} ({summary.low:.{digits}f}–{summary.high:.{digits}f})"


def build_rows(results: dict[int, SizeResults]) -> list[dict[str, Any]]:
    """Each row's cells, summaries and verdict, ready to print and to write as JSON."""
    built = []
    for row in ROWS:
        values = {size: row.values(sized) for size, sized in results.items()}
        summaries = {size: Summary.of(v) for size, v in values.items() if not isinstance(v, str)}
        built.append({
            "name": row.name,
            "unit": row.unit,
            "stat": row.stat,
            "cells": {size: cell(row, v) for size, v in values.items()},
            "summaries": {size: vars_of(summary) for size, summary in summaries.items()},
            "target": row.limit.text if row.limit else "",
            "result": verdict(row, values),
        })
    return built


def vars_of(summary: Summary) -> dict[str, float]:
    return {name: getattr(summary, name) for name in Summary.__slots__}


def table(rows: list[dict[str, Any]], sizes: list[int]) -> str:
    """The rows as an aligned Markdown table (it reads the same in a terminal and in the README)."""
    header = ["figure", *(f"{size:,}" for size in sizes), "target", "result"]
    lines = [header] + [
        [f"{row['name']} ({row['unit']})", *(row["cells"].get(size, "") for size in sizes), row["target"],
         row["result"]]
        for row in rows
    ]
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
    rendered = ["| " + " | ".join(text.ljust(width) for text, width in zip(line, widths)) + " |" for line in lines]
    rendered.insert(1, "|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return "\n".join(rendered)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    repo = Path(__file__).resolve().parent.parent
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True, text=True)
    changed = subprocess.run(["git", "status", "--porcelain", "--", "annotator"], cwd=repo, capture_output=True,
                             text=True)
    return {
        "cpus": os.cpu_count(),
        "memory": memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "textual": metadata.version("textual"),
        "annotator_commit": commit.stdout.strip(),
        "annotator_uncommitted_changes": bool(changed.stdout.strip()),
    }


def describe_machine(info: dict[str, Any]) -> str:
    return (f"{info['cpus']} CPUs, {info['memory']} memory, Python {info['python']}, Textual {info['textual']}, "
            f"{info['platform']}, annotator at {info['annotator_commit']}"
            + (" with uncommitted changes" if info["annotator_uncommitted_changes"] else ""))

