"""`diff` reads the next file's versions on another thread while it compares the current one:
the files still come in order, each with what was read for it, and a failed read is raised
when its file is reached, after the files before it were handled."""

from __future__ import annotations

import threading

import pytest

from annotator.core.diff import _read_ahead


def test_each_name_comes_in_order_with_what_was_read_for_it() -> None:
    threads = set()

    def read(name: str) -> str:
        threads.add(threading.get_ident())
        return name.upper()

    assert list(_read_ahead(["a", "b", "c"], read)) == [("a", "A"), ("b", "B"), ("c", "C")]
    assert threads and threading.get_ident() not in threads
    assert list(_read_ahead([], read)) == []


def test_a_failed_read_is_raised_when_its_file_is_reached() -> None:
    def read(name: str) -> str:
        if name == "b":
            raise OSError("cannot read b")
        return name

    handled = []
    with pytest.raises(OSError, match="cannot read b"):
        for name, _ in _read_ahead(["a", "b", "c"], read):
            handled.append(name)
    assert handled == ["a"]
