"""What a comment replies to: each kind of target, in the order they are preferred, found by id."""

from __future__ import annotations

from annotator.core.config import ProjectTarget
from annotator.core.models import Comment
from annotator.core.targets import CONTEXT, MISSING, PARENT, PROJECT, Target, target_of

ROOT = Comment("p1", "The post everyone answers.", "seeds/t.jsonl", 1, author="ann")
CORPUS = {ROOT.id: ROOT}
POST = ProjectTarget(title="  Is scaling enough?  ", text="The opening post.", url="")


def comment(**fields) -> Comment:
    return Comment("c1", "A reply.", "seeds/t.jsonl", 2, **fields)


def test_a_parent_in_the_corpus_comes_first_with_the_rows_context() -> None:
    assert target_of(comment(parent="p1"), CORPUS.get, POST) == Target(PARENT, ROOT.text, "p1", ROOT)
    target = target_of(comment(parent="p1", context="The passage it answers."), CORPUS.get, POST)
    assert target == Target(PARENT, ROOT.text, "p1", ROOT, context="The passage it answers.")


def test_the_rows_context_comes_next_naming_a_missing_parent() -> None:
    assert target_of(comment(parent="gone", context="Quoted post."), CORPUS.get, POST) == Target(
        CONTEXT, "Quoted post.", "gone")
    assert target_of(comment(context="Quoted post."), CORPUS.get) == Target(CONTEXT, "Quoted post.", None)


def test_a_missing_parent_is_its_id_and_the_comments_url() -> None:
    assert target_of(comment(parent="gone", url="https://example.org/c1"), CORPUS.get, POST) == Target(
        MISSING, None, "gone", url="https://example.org/c1")


def test_the_project_post_is_the_target_of_a_comment_with_none_of_its_own() -> None:
    assert target_of(comment(), CORPUS.get, POST) == Target(
        PROJECT, "The opening post.", title="Is scaling enough?", url=None)


def test_no_target_at_all() -> None:
    assert target_of(comment(), CORPUS.get) is None
    assert target_of(comment(parent="c1"), {"c1": comment()}.get) is None  # its own parent is none


def test_the_project_posts_lines_are_joined_into_paragraphs() -> None:
    """annotator.toml's text is wrapped by hand: its line breaks are not the screen's, so a paragraph's
    lines are joined; a blank line (even with spaces on it) still separates paragraphs."""
    post = ProjectTarget(text="\nEach new model\n  solves more.\nIs that scale?\n \nCurious   where\npeople land.\n")
    assert target_of(comment(), CORPUS.get, post).text == (
        "Each new model solves more. Is that scale?\n\nCurious where people land.")
