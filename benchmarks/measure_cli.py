"""The commands, each run as a child process of the installed console script through `launch.py`,
which records the wall time from spawn to exit and the peak RSS (`ru_maxrss` from `os.wait4`: the
command's own, or a git process it waited for if that was larger). Output goes to files in the
temporary folder, never to a pipe."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.generate import SyntheticProject

NOT_AVAILABLE = "n/a: command not available"
IMPORTER = "importer"  # a new annotator that receives the imported labels, removed after each run
TIMEOUT = 600.0
LAUNCHER = Path(__file__).with_name("launch.py")


@dataclass
class CommandRuns:
    """One command's runs at one size."""

    seconds: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    skipped: str | None = None
    error: str | None = None


def available_commands(script: str) -> set[str]:
    """The subcommands `annotator --help` lists."""
    shown = subprocess.run([script, "--help"], capture_output=True, text=True, check=True).stdout
    return set(re.findall(r"^ {4}([a-z][a-z-]*)", shown, re.MULTILINE))


def command_lines(project: SyntheticProject, exported: Path) -> dict[str, list[str]]:
    """Each benchmarked command's arguments, in the order they run (import last: it writes)."""
    root = str(project.root)
    return {
        "validate": ["validate", "--project", root],
        "export": ["export", "--project", root, "--format", "jsonl"],
        "agree": ["agree", "--project", root],
        "diff": ["diff", "--project", root, "HEAD~1", "HEAD"],
        "assign": ["assign", "--project", root],
        "import-labels": ["import-labels", "--project", root, "--annotator", IMPORTER, str(exported)],
    }


PLAN = """
[assign]
annotators = ["alice", "bob", "carol"]
overlap = 2
calibration = 50
"""


@contextmanager
def planned(project: SyntheticProject) -> Iterator[None]:
    """The project with a plan of who labels what (`PLAN`) in annotator.toml, for `assign` only:
    the app's measurements walk every comment, as without a plan."""
    config = project.root / "annotator.toml"
    before = config.read_text("utf-8")
    config.write_text(before + PLAN, "utf-8")
    try:
        yield
    finally:
        config.write_text(before, "utf-8")


def run_once(argv: list[str], stdout: Path, stderr: Path) -> tuple[float, float, int]:
    """Seconds, peak RSS in MiB and exit code of one run of `argv`."""
    result = stderr.with_suffix(".result.json")
    result.unlink(missing_ok=True)
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen([sys.executable, "-I", "-S", str(LAUNCHER), str(result), *argv],
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)
        try:
            code = process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the launcher's own session: it and the command
            process.wait()
            return TIMEOUT, 0.0, -signal.SIGKILL
    measured = json.loads(result.read_text("utf-8"))
    return measured["seconds"], measured["rss_mb"], code


def measure_cli(project: SyntheticProject, script: str, count: int) -> dict[str, CommandRuns]:
    """`count` runs of each command at this size; a command `--help` does not list is skipped."""
    listed = available_commands(script)
    folder = project.root.parent
    exported = folder / "export.jsonl"
    results: dict[str, CommandRuns] = {}
    for name, args in command_lines(project, exported).items():
        runs = results[name] = CommandRuns()
        if name not in listed:
            runs.skipped = NOT_AVAILABLE
            continue
        for _ in range(count):
            project.reset()
            if name == "import-labels" and not exported.exists():
                runs.skipped = "n/a: needs the export's output"
                break
            stderr = folder / f"{name}.err"
            stdout = exported if name == "export" else folder / f"{name}.out"
            with planned(project) if name == "assign" else nullcontext():
                seconds, rss, code = run_once([script, *args], stdout, stderr)
            if code != 0:
                tail = stderr.read_text("utf-8", "replace").strip()[-300:]
                runs.error = f"exit {code}: {tail}"
                break
            runs.seconds.append(seconds)
            runs.rss.append(rss)
    project.reset()
    return results
