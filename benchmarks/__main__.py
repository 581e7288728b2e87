"""`python -m benchmarks`: build synthetic projects in a temporary folder, measure the app and the
commands at each size, print the table and write the results as JSON.

Progress goes to stderr; the table and the machine to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from annotator.core.store.layout import max_file_bytes
from benchmarks import report
from benchmarks.generate import build_project
from benchmarks.measure_app import measure_app
from benchmarks.measure_cli import measure_cli
from benchmarks.measure_plan import measure_plan
from benchmarks.measure_threads import measure_threads
from benchmarks.processes import console_script

SIZES = (1_000, 10_000, 100_000)
RUNS = 5
COMMAND_RUNS_ABOVE = 100_000
OUTPUT = Path(__file__).parent / "results" / "latest.json"


def sizes(text: str) -> list[int]:
    """`1000,10000` as numbers of comments."""
    try:
        values = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError("give whole numbers separated by commas, e.g. 1000,10000") from None
    if not values or values[0] < 1:
        raise argparse.ArgumentTypeError("give at least one size of 1 or more")
    return values


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time the annotator app and commands on synthetic projects (see the README, Performance).",
    )
    parser.add_argument("--sizes", type=sizes, default=list(SIZES),
                        help="numbers of comments, comma-separated (default: 1000,10000,100000; the "
                             "targets for 1,000,000 apply from that size)")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs of each measurement (default: {RUNS})")
    parser.add_argument("--quick", action="store_true", help="the smallest size, one run (a smoke test)")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="the JSON file to write "
                        "(default: benchmarks/results/latest.json)")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.runs = args.sizes[:1], 1
    if args.runs < 1:
        parser.error("--runs must be 1 or more")
    return args


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def allow_large_files(project) -> None:
    """Raise the size limit of an annotation file (64 MB, some 300,000 entries) where the generated
    files are larger, as a team with such a corpus would (`ANNOTATOR_MAX_FILE_MB`)."""
    largest = max(path.stat().st_size for path in project.annotations.iterdir())
    if largest > max_file_bytes():
        os.environ["ANNOTATOR_MAX_FILE_MB"] = str(2 * largest // 1_000_000)


def measure(size: int, runs: int, script: str, folder: Path) -> dict:
    """Every measurement at one size, on a project generated under `folder` and deleted after.
    Above `COMMAND_RUNS_ABOVE` comments the commands run once each (they take tens of seconds)."""
    progress(f"{size:,} comments: generating")
    here = folder / f"size-{size}"
    project = build_project(here / "project", size)
    allow_large_files(project)
    try:
        progress(f"{size:,} comments: the app, {runs} run(s) of the bare app, a cold start and a session")
        app = measure_app(project, script, runs, here)
        # The commands use the cache the app's last cold start filled: their first run parses the
        # files the app does not read (the other annotators'), cold.
        os.environ["ANNOTATOR_CACHE_DIR"] = str(here / "cache")
        command_runs = runs if size <= COMMAND_RUNS_ABOVE else 1
        progress(f"{size:,} comments: the commands, {command_runs} run(s) each")
        cli = measure_cli(project, script, command_runs)
        progress(f"{size:,} comments: the thread order, {runs} run(s)")
        threads = measure_threads(project, runs)
        progress(f"{size:,} comments: the plan of who labels what, {runs} run(s)")
        plan = measure_plan(project, runs)
    finally:
        shutil.rmtree(here)
    return {"app": asdict(app), "cli": {name: asdict(command) for name, command in cli.items()}, "threads": threads,
            "plan": plan}


def compile_package() -> None:
    """Write the package's bytecode, as an installed package has it: pip compiles it at install,
    and an editable install writes it on first import, except where PYTHONDONTWRITEBYTECODE is set
    (then every start would compile every module again, some 50 ms that no user pays)."""
    import compileall

    import annotator

    compileall.compile_dir(Path(annotator.__file__).parent, quiet=1)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    script = console_script()
    if script is None:
        print("benchmarks: the `annotator` console script is not installed (pip install -e .)", file=sys.stderr)
        return 2
    compile_package()
    results = {}
    with tempfile.TemporaryDirectory(prefix="annotator-bench-") as folder:
        for size in args.sizes:
            results[size] = measure(size, args.runs, script, Path(folder))
    rows = report.build_rows(results)
    info = report.machine()
    print(report.table(rows, args.sizes))
    for size, sized in results.items():
        for error in sized["app"]["errors"]:
            print(f"{size:,} comments, app: {error}")
        for name, runs in sized["cli"].items():
            if runs["error"]:
                print(f"{size:,} comments, {name}: {runs['error']}")
    print(f"\n{args.runs} run(s) per figure; machine: {report.describe_machine(info)}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    document = {"machine": info, "sizes": args.sizes, "runs": args.runs, "rows": rows, "raw": results}
    args.output.write_text(json.dumps(document, indent=1) + "\n", "utf-8")
    print(f"results: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
