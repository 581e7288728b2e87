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
# "threads": {"first": ms, "kept": ms} per run of the thread order, "plan": {"cold": ms, "warm": ms} per run of
# the plan and one share}.
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
    """A target: the figure (median, p95 or maximum) at most `most` at every size from `sizes[0]`
    to `sizes[1]` comments, and/or growing at most `growth` times from the smallest size measured
    to the largest."""

    most: float | None = None
    growth: float | None = None
    text: str = ""
    sizes: tuple[int, int] = (0, 10**12)

    def applies(self, size: int) -> bool:
        return self.sizes[0] <= size <= self.sizes[1]


AT_100K = (0, 100_000)  # the targets of the commands are set at 100,000 comments
AT_1M = (1_000_000, 10**12)


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table: a figure taken from each size's results."""

    name: str
    unit: str
    values: Callable[[SizeResults], Values]
    stat: str = "median"  # or "p95", "high" (the maximum)
    limit: Limit | tuple[Limit, ...] | None = None

    @property
    def limits(self) -> tuple[Limit, ...]:
        return () if self.limit is None else self.limit if isinstance(self.limit, tuple) else (self.limit,)


NO_RUN = "n/a: no run finished"


def app(key: str) -> Callable[[SizeResults], Values]:
    return lambda results: results["app"][key] or NO_RUN


def ratio(key: str, reference: str) -> Callable[[SizeResults], Values]:
    """The median of `key` over the median of `reference` (the bare app's)."""

    def values(results: SizeResults) -> Values:
        runs = results["app"]
        if not runs[key] or not runs[reference]:
            return NO_RUN
        return [statistics.median(runs[key]) / statistics.median(runs[reference])]

    return values


def count(key: str) -> Callable[[SizeResults], Values]:
    """How many sessions had `key` (1 per session that did)."""
    return lambda results: [sum(results["app"][key])] if results["app"][key] else NO_RUN


def cache_ratio(results: SizeResults) -> Values:
    runs = results["app"]
    if not runs["cache_seeds_mb"] or not runs["seeds_mb"]:
        return NO_RUN
    return [statistics.median(runs["cache_seeds_mb"]) / runs["seeds_mb"]]


def cli(command: str, key: str) -> Callable[[SizeResults], Values]:
    def values(results: SizeResults) -> Values:
        runs = results["cli"][command]
        if runs["skipped"]:
            return runs["skipped"]
        if runs["error"]:
            return f"error: {runs['error'].split(':')[0]}"  # the message is printed below the table
        return runs[key]

    return values


FRAME = 16.7  # ms: one frame at 60 Hz
KEY = (Limit(most=FRAME, text="≤ 16.7 ms"),)
KEY_P95 = Limit(most=25.0, text="≤ 25 ms")
APP_RSS = (Limit(most=400.0, text="≤ 400 MiB", sizes=AT_100K), Limit(most=500.0, text="≤ 500 MiB at 1M", sizes=AT_1M))
COMMAND_RSS = Limit(most=250.0, text="≤ 250 MiB at 100k", sizes=AT_100K)


def command_limit(seconds: float) -> Limit:
    return Limit(most=seconds, text=f"≤ {seconds:g} s at 100k", sizes=AT_100K)


ROWS = [
    Row("start: app, first frame", "s", app("start")),
    Row("start: bare Textual app", "s", app("start_bare")),
    Row("start: app / bare", "x", ratio("start", "start_bare"), limit=Limit(most=2.0, text="≤ 2x")),
    Row("first usable frame, warm", "s", app("usable_warm"), limit=Limit(most=1.0, text="≤ 1 s")),
    Row("first usable frame, warm / bare", "x", ratio("usable_warm", "start_bare"), limit=Limit(most=2.0, text="≤ 2x")),
    Row("first usable frame, cold", "s", app("usable_cold"), limit=Limit(most=2.0, text="≤ 2 s at 1M", sizes=AT_1M)),
    Row("first usable frame, cold / bare", "x", ratio("usable_cold", "start_bare"), limit=Limit(most=3.0, text="≤ 3x")),
    Row("whole corpus read, cold (the counts shown)", "s", app("whole_cold")),
    Row("first usable frame, after a session", "s", app("usable_after")),
    Row("wrong label marks shown first", "sessions", count("wrong_marks"), limit=Limit(most=0, text="none")),
    Row("j at the first usable frame", "ms", app("first_key_ms")),
    Row("label drawn, median", "ms", app("label_drawn_ms"), limit=KEY),
    Row("label drawn, p95", "ms", app("label_drawn_ms"), stat="p95"),
    Row("label to disk, median", "ms", app("label_to_disk_ms")),
    Row("label to disk, p95", "ms", app("label_to_disk_ms"), stat="p95",
        limit=Limit(most=50.0, growth=2.0, text="≤ 50 ms, growth ≤ 2x")),
    Row("label to disk, max", "ms", app("label_to_disk_ms"), stat="high"),
    Row("next (j), median", "ms", app("next_ms"), limit=(*KEY, Limit(growth=1.2, text="growth ≤ 1.2x"))),
    Row("next (j), p95", "ms", app("next_ms"), stat="p95", limit=KEY_P95),
    Row("next after a label + pause, median", "ms", app("next_after_save_ms"), limit=KEY),
    Row("next after a label + pause, p95", "ms", app("next_after_save_ms"), stat="p95", limit=KEY_P95),
    Row("previous (k), median", "ms", app("previous_ms"), limit=KEY),
    Row("previous (k), p95", "ms", app("previous_ms"), stat="p95", limit=KEY_P95),
    Row("quit: app", "s", app("quit")),
    Row("quit: bare Textual app", "s", app("quit_bare")),
    Row("quit: app / bare", "x", ratio("quit", "quit_bare"), limit=Limit(most=1.2, text="≤ 1.2x")),
    Row("validate", "s", cli("validate", "seconds"), limit=command_limit(1.0)),
    Row("export --format jsonl", "s", cli("export", "seconds"), limit=command_limit(1.0)),
    Row("agree", "s", cli("agree", "seconds"), limit=command_limit(1.0)),
    Row("diff (1% of labels changed)", "s", cli("diff", "seconds"), limit=command_limit(1.5)),
    Row("import-labels", "s", cli("import-labels", "seconds"), limit=command_limit(2.0)),
    Row("assign (a plan: 3 annotators, overlap 2)", "s", cli("assign", "seconds"), limit=command_limit(1.0)),
    Row("the plan and one share (the app's mine view), first", "ms", lambda results: results["plan"]["cold"],
        limit=Limit(most=500.0, text="≤ 500 ms at 100k", sizes=AT_100K)),
    Row("the plan and one share, from the cache", "ms", lambda results: results["plan"]["warm"],
        limit=Limit(most=100.0, text="≤ 100 ms at 100k", sizes=AT_100K)),
    Row("thread order, the first T (on a thread past 20,000)", "ms", lambda results: results["threads"]["first"]),
    Row("thread order, kept from the first T", "ms", lambda results: results["threads"]["kept"],
        limit=Limit(most=100.0, text="≤ 100 ms")),
    Row("peak RSS: app", "MiB", app("rss"), limit=APP_RSS),
    Row("peak RSS: app, cold start (app and its children at one moment)", "MiB", app("rss_cold"), limit=APP_RSS),
    Row("peak RSS: app, cold start, each process's peak summed", "MiB", app("rss_cold_summed")),
    Row("peak RSS: bare Textual app", "MiB", app("rss_bare")),
    Row("peak RSS: validate", "MiB", cli("validate", "rss"), limit=COMMAND_RSS),
    Row("peak RSS: export", "MiB", cli("export", "rss"), limit=COMMAND_RSS),
    Row("peak RSS: agree", "MiB", cli("agree", "rss"), limit=COMMAND_RSS),
    Row("peak RSS: diff", "MiB", cli("diff", "rss"), limit=COMMAND_RSS),
    Row("peak RSS: import-labels", "MiB", cli("import-labels", "rss"), limit=COMMAND_RSS),
    Row("peak RSS: assign", "MiB", cli("assign", "rss"), limit=COMMAND_RSS),
    Row("seeds file", "MiB", lambda results: [results["app"]["seeds_mb"]]),
    Row("cache: the seeds' entry", "MiB", app("cache_seeds_mb")),
    Row("cache: seeds' entry / seeds", "x", cache_ratio, limit=Limit(most=1.0, text="≤ 1x at 1M", sizes=AT_1M)),
    Row("cache: written by a cold start", "MiB", app("cache_total_mb")),
]
ROW_NAMES = [row.name for row in ROWS]


def verdict(row: Row, values: dict[int, Values]) -> str:
    """'pass' or 'FAIL' (with the growth factor where the target has one); 'n/a' when a size the
    target applies at has no figure and nothing measured fails, or the target applies at no size
    measured."""
    if not row.limits:
        return ""
    figure = {size: getattr(Summary.of(v), row.stat) for size, v in values.items() if not isinstance(v, str)}
    failed, missing, applied, note = False, False, False, ""
    for limit in row.limits:
        scoped = {size: value for size, value in figure.items() if limit.applies(size)}
        applied = applied or any(limit.applies(size) for size in values)
        missing = missing or any(limit.applies(size) and size not in figure for size in values)
        failed = failed or (limit.most is not None and any(value > limit.most for value in scoped.values()))
        if limit.growth is not None and len(figure) >= 2:
            smallest, largest = figure[min(figure)], figure[max(figure)]
            growth = largest / smallest if smallest else float("inf")
            failed = failed or growth > limit.growth
            note = f" ({growth:.2f}x)"
        elif limit.growth is not None and limit.most is None and len(row.limits) == 1:
            return "FAIL" if failed else "n/a: one size"
    if failed:
        return "FAIL" + note
    if not applied:
        return "n/a: not at these sizes"
    if missing:
        return "n/a: a size has no figure"
    return "pass" + note


def cell(row: Row, values: Values) -> str:
    """`median (min–max)` for several samples, the one value for one, or why there is none."""
    if isinstance(values, str):
        return values
    summary = Summary.of(values)
    digits = 0 if row.unit in {"MiB", "sessions"} else 2 if row.unit in {"s", "x"} else 1
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
            "target": "; ".join(limit.text for limit in row.limits),
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

