"""`json_lines_in` reads a source block by block, most lines with msgspec: it yields and reports
exactly what `json_lines` of the whole decoded source does, and raises the same errors."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core import seeds
from annotator.core.seeds import SeedError, decode_text, json_lines, json_lines_in
from tests.core.test_seed_columns import HOSTILE_LINES

MORE_LINES = [
    '  {"id": "c1", "stance": "agree"}  ', '{"id": "c1"}\t', '{"id": "c1"}\x0c', "\ufeff{}", '{"a": "\\u00e9 é"}',
    '{"n": 1.7976931348623157e308}', '{"n": 1.7976931348623159e308}', '{"n": ' + "9" * 400 + '.5}', '{"n": 1E5}',
    '{"n": ' + "9" * 4300 + "}", '{"n": ' + "9" * 4301 + "}", '{"s": "\\udc00\\ud800"}', '{"\\ud800": 1}',
    '{"deep": ' + "[" * 700 + "]" * 700 + "}", '{"deep": ' + "{\"a\": " * 900 + "1" + "}" * 900 + "}",
    '{"a": [1, {"b": [true, false, null]}]}', "{}", "[]", "null", "1", '{"a": 1,}', "{'a': 1}",
]


def outcome(data: bytes, streamed: bool) -> object:
    """What reading `data` gives: each line's number and value (by `repr`, so that 1, 1.0 and True
    differ), and the problems; or the error raised."""
    problems: list[str] = []
    try:
        if streamed:
            lines = list(json_lines_in(io.BytesIO(data), "x.jsonl", problems))
        else:
            lines = list(json_lines(decode_text(data, "x.jsonl"), "x.jsonl", problems))
    except SeedError as error:
        return error.message
    return repr(lines), problems


@pytest.mark.parametrize("block", [1, 64, 1 << 20])
@pytest.mark.parametrize("line", HOSTILE_LINES + MORE_LINES, ids=range(len(HOSTILE_LINES + MORE_LINES)))
def test_each_line_reads_as_json_lines_reads_it(line: str, block: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seeds, "_BLOCK", block)
    data = f'{{"id": "before"}}\n{line}\n{{"id": "after"}}\n'.encode("utf-8", "surrogatepass")
    assert outcome(data, streamed=True) == outcome(data, streamed=False)


BAD_FILES = [
    b'{"a": 1}\n{"a": "\xff"}\n', b'{"a": 1}\n{"a": "\x00"}\n', b'{"a": 1}\n\x00\n{"a": "\xe2\x82"}\n',
    b'\xef\xbb\xbf{"a": 1}\r\n{"a": 2}\r\n\r{"a": 3}', b'\xef\xbb\xbf{"a": 1}\n\xef\xbb\xbf{"a": 2}\n', b"",
    b'{"a": 1}', b'{"a": 1}\r{"a": 2}\n{"a": 3}\n\n\n{"a": 4}\r\n{"a": 5}', b'\n\n{"a": 1}\n' * 3 + b'{"a": "\xc3"}',
    b'{"a":\n1}\n{} {}\n', b'{"a": 1} {"b":\n{"c": 1}}\n', b'{"a": {}\n}\n{}{}\n', b'{"a": [{}\n{}]}\n{}\n',  # (as many values as lines, not one a line)
]


@pytest.mark.parametrize("block", [1, 5, 1 << 20])
@pytest.mark.parametrize("data", BAD_FILES, ids=range(len(BAD_FILES)))
def test_bytes_ends_and_marks_are_handled_as_decode_text_handles_them(
    data: bytes, block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(seeds, "_BLOCK", block)
    assert outcome(data, streamed=True) == outcome(data, streamed=False)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)
lines = (
    json_values.map(lambda value: json.dumps(value, ensure_ascii=False))
    | json_values.map(json.dumps)
    | st.sampled_from(HOSTILE_LINES + MORE_LINES)
    | st.text(max_size=12)
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(lines, st.sampled_from(["\n", "\n", "\r\n", "\r"])), max_size=8),
       st.booleans(), st.sampled_from([1, 7, 40, 1 << 20]))
def test_any_file_reads_as_json_lines_reads_it(rows: list, bom: bool, block: int) -> None:
    text = ("\ufeff" if bom else "") + "".join(line + end for line, end in rows)
    data = text.encode("utf-8", "surrogatepass")
    original = seeds._BLOCK
    seeds._BLOCK = block
    try:
        assert outcome(data, streamed=True) == outcome(data, streamed=False)
    finally:
        seeds._BLOCK = original


def test_the_lines_read_so_far_are_told_after_each_block(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seeds, "_BLOCK", 10)
    told: list[tuple[int, int]] = []
    data = b'{"a": 1}\n{"a": 2}\n\n{"a": 3}\n'
    values = [value for _, value in json_lines_in(io.BytesIO(data), "x", [], lambda *read: told.append(read))]
    assert values == [{"a": 1}, {"a": 2}, {"a": 3}]
    assert told == [(18, 2), (len(data), 4)]  # (a block runs on to the end of its line)


class _Spy:
    """A msgspec decoder that notes the lines it was given."""

    def __init__(self) -> None:
        self.seen: list[bytes] = []
        self.decoder, _ = seeds._msgspec()

    def decode(self, line: memoryview) -> object:
        self.seen.append(bytes(line))
        return self.decoder.decode(line)


def test_a_line_that_may_nest_as_deep_as_json_allows_is_left_to_json(monkeypatch: pytest.MonkeyPatch) -> None:
    """`json` stops at the recursion limit less the frames on the stack, msgspec a few levels
    deeper: near that depth only `json` decides (here, at depths msgspec takes)."""
    spy = _Spy()
    monkeypatch.setattr(seeds, "_MSGSPEC", (spy, seeds._msgspec()[1]))
    deep = seeds._MAX_QUICK_NESTING + 1
    plain, nested = b'{"a": [1]}', b'{"a": ' + b"[" * deep + b"]" * deep + b"}"
    assert [value for _, value in json_lines_in(io.BytesIO(plain + b"\n" + nested + b"\n"), "x", [])] == [
        {"a": [1]}, {"a": json.loads(nested)["a"]}]
    assert spy.seen == [plain]
