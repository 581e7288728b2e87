"""Expected outputs of the commands, kept as syrupy snapshots: one file per output, as the command
wrote it, under `__snapshots__/<test module>/`, named after the test. Update them with
`--snapshot-update` (as the app's screenshots) and review every changed file before committing it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode


class _TextOutput(SingleFileSnapshotExtension):
    """An output that is text with '\\n' line ends, compared as a string (readable diffs)."""

    _write_mode = WriteMode.TEXT


class _ByteOutput(SingleFileSnapshotExtension):
    """An output compared byte for byte (CSV, whose lines end in '\\r\\n')."""

    _write_mode = WriteMode.BINARY


_EXTENSIONS: dict[str, type[SingleFileSnapshotExtension]] = {
    suffix: type(f"Output_{suffix}", (_ByteOutput if suffix == "csv" else _TextOutput,), {"_file_extension": suffix})
    for suffix in ("txt", "md", "json", "jsonl", "csv")
}


@pytest.fixture
def output(snapshot: SnapshotAssertion) -> Callable[[str], SnapshotAssertion]:
    """`output("md")`: the expected output of this test, in a snapshot file ending in `.md`
    (compare bytes with a `csv` one: `out.encode() == output("csv")`)."""
    return lambda suffix="txt": snapshot.use_extension(_EXTENSIONS[suffix])
