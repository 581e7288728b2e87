"""The one Markdown escaper of the reports: any text shows literally (on one line) in a table cell,
in a sentence, as a code span or as a plain word; never as markup, a link, HTML or a broken table.

Checked by parsing the rendered Markdown back with markdown-it (CommonMark, GFM tables, links
found in bare text as GitHub does) and reading the text of the cell."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from annotator.core.models import one_line
from annotator.core.reports.markdown import code, word

PARSER = MarkdownIt("commonmark", {"linkify": True}).enable(["table", "linkify"])
HOSTILE = [
    "", " ", "`", "``", "a`", "`a", "` `", "x|`y`", "a\\|b", "a\\", "|", "\\", "**bold**", "<b>x</b>", "[l](http://x)",
    "www.example.com", "http://x.y", "me@example.com", "@someone", "&amp;", "  two  spaces  ", "line\nbreak",
    "Evil \x1b[2J`code` | [link](http://x)", "1.", "- item", "# title", ":---", "_a_", "~~s~~",
]
TEXT = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(HOSTILE)


def shown(tokens) -> tuple[str, set[str]]:
    """What the inline `tokens` show, and the kinds of token they are."""
    return "".join(token.content for token in tokens), {token.type for token in tokens}


def cells(*rendered: str) -> list[list]:
    """The inline tokens of each cell of a table whose one body row is `rendered`."""
    heads = " | ".join("h" for _ in rendered)
    tokens = PARSER.parse(f"| {heads} |\n|{' --- |' * len(rendered)}\n| {' | '.join(rendered)} |\n")
    body = tokens[[token.type for token in tokens].index("tbody_open"):]
    return [token.children for token in body if token.type == "inline"]


@given(TEXT, TEXT)
@example("a|b", "`")
@example("\x1b\r0 \ud7fc", " x ")
def test_a_code_span_in_a_table_cell_shows_the_text_literally(first: str, second: str) -> None:
    row = cells(code(first), code(second))
    assert len(row) == 2  # no '|' in the text split the row
    for text, tokens in zip((first, second), row, strict=True):
        content, kinds = shown(tokens)
        assert content == one_line(text)
        assert kinds <= {"code_inline"}


@given(TEXT)
def test_a_word_in_a_table_cell_is_plain_text_or_a_code_span_and_shows_literally(text: str) -> None:
    (tokens,) = cells(word(text))
    content, kinds = shown(tokens)
    assert content == (text if kinds == {"text"} else one_line(text))
    assert kinds <= {"text"} or kinds == {"code_inline"}


@given(TEXT)
def test_a_code_span_in_a_sentence_shows_the_text_literally(text: str) -> None:
    tokens = PARSER.parse(f"Plan: {code(text, cell=False)}.\n")
    (inline,) = [token for token in tokens if token.type == "inline"]
    spans = [token for token in inline.children if token.type == "code_inline"]
    assert [token.type for token in inline.children] == (["text", "code_inline", "text"] if one_line(text) else ["text"])
    assert "".join(span.content for span in spans) == one_line(text)


def test_plain_words_stay_plain_and_the_rest_are_code() -> None:
    assert [word(text) for text in ("agree", "dl-theory", "0b9c6c0f4a8e", "www.example.com", "a.b", "x|y")] == [
        "agree", "dl-theory", "0b9c6c0f4a8e", "`www.example.com`", "`a.b`", "`x\\|y`"]
    assert [code(text) for text in ("a`b", "`a", "")] == ["``a`b``", "`` `a ``", ""]
