"""`python -m benchmarks --quick` runs end to end: every row is printed and the JSON parses.

Not a timed test: the figures are not checked, only that the suite still works.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.processes import console_script
from benchmarks.report import ROW_NAMES

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(console_script() is None, reason="the console script is not installed")
def test_quick_benchmark_prints_every_row_and_writes_json(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--output", str(output)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for name in ROW_NAMES:
        assert f"| {name} (" in result.stdout, f"row {name!r} missing from:\n{result.stdout}"
    document = json.loads(output.read_text("utf-8"))
    assert [row["name"] for row in document["rows"]] == ROW_NAMES
    assert document["sizes"] == [1000] and document["runs"] == 1
