"""Review mode's panel: what the other annotators said on the selected comment.

Annotator names, labels and notes go through `Content(...)` (never markup) after `printable`.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from annotator.core.models import Annotation, printable
from annotator.core.review import Verdict
from annotator.tui.widgets.field_names import FIELD_NAMES


class ReviewPanel(Static):
    """In review mode: every other annotator's stance, topics, flag, time and note on the
    selected comment, the fields on which they differ marked, and the keys of the mode."""

    def say(self, text: str) -> None:
        """A line instead of the labels: the files being read, or why they could not be."""
        self.update(Content.styled(printable(text), "dim"))

    def show(self, verdicts: list[Verdict], differing: list[str], gold: Annotation | None,
             annotators: list[str], adjudicating: bool) -> None:
        if differing:
            agreement = [("≠ ", "bold $warning"), (", ".join(FIELD_NAMES.get(name, name) for name in differing), "$warning")]
        elif len(verdicts) > 1:
            agreement = [("= all agree", "$success")]
        else:
            agreement = []
        keys = "= take · Y all unanimous" if adjudicating else "only gold adjudicates"
        lines = [Content.assemble(("Review ", "bold"), *agreement, ("  " if agreement else ""), (keys, "dim"))]
        by_name = {verdict.annotator: verdict for verdict in verdicts}
        width = max((len(name) for name in annotators), default=0)
        digits = len(str(len(annotators)))
        for number, name in enumerate(annotators, start=1):
            lines += self._verdict_lines(f"={number:<{digits}}", name.ljust(width), by_name.get(name), differing, gold)
        if not annotators:
            lines.append(Content.styled("No other annotator has a file in annotations/.", "dim"))
        self.update(Content("\n").join(lines))

    @staticmethod
    def _verdict_lines(key: str, name: str, verdict: Verdict | None, differing: list[str],
                       gold: Annotation | None) -> list[Content]:
        """The annotator's line: stance · topics · flag · seconds · note, differing fields marked ≠."""
        head = Content.assemble((f"{key} ", "dim"), (printable(name, False), "bold"), "  ")
        if verdict is None:
            return [head + Content.styled("— nothing on this comment", "dim")]

        def shown(field: str, text: str) -> tuple[str, str]:
            return (f"≠{text}" if field in differing else text), ("bold $warning" if field in differing else "")

        parts: list[str | tuple[str, str]] = [
            shown("stance", printable(verdict.stance or "(no stance)", False)), " · ",
            shown("topics", printable(", ".join(verdict.topics) or "(no topics)", False)),
        ]
        if verdict.flagged or "flagged" in differing:
            parts += [" · ", shown("flagged", "⚑ flagged" if verdict.flagged else "not flagged")]
        parts += [" · ", (f"{verdict.seconds:g} s", "dim")]
        if verdict.note or "note" in differing:  # (last: a long note wraps under the rest)
            note = printable(verdict.note, False) if verdict.note else "(no note)"
            parts += [" · ", shown("note", f"✎ {note}")]
        if gold is not None and (gold.stance, gold.topics) == verdict.labels:
            parts += ["  ", ("✓ gold", "$success")]
        return [head + Content.assemble(*parts)]
