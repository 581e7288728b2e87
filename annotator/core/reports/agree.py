"""`annotator agree`'s report: the figures as aligned text, a Markdown table to paste in a pull
request, or JSON (its layout is in the README); with a plan, one section per part of it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from annotator.core.models import excerpt, one_line
from annotator.core.reports.jsondoc import JSON_FORMAT, dumps
from annotator.core.reports.markdown import word

if TYPE_CHECKING:
    from annotator.core.agreement import Coefficient, PairReport, Report
    from annotator.core.config import AssignPlan
    from annotator.core.plan_agreement import Section

DIGITS = 3  # decimals shown in text and markdown
LABEL_WIDTH = 40  # labels read from files are cut to this many characters in text and markdown


def render(report: Report, texts: Mapping[str, str], form: str) -> str:
    """The report in `form` (text, markdown or json); `texts` gives the comments' text by id."""
    return RENDERERS[form](report, texts)


def render_sections(sections: list[Section], plan: AssignPlan, texts: Mapping[str, str], form: str) -> str:
    """The sections one after the other, each under its title; in JSON, one document: the shared
    comments' figures at the top level (as without a plan), the calibration set's under
    `calibration`, and the plan's key figures under `plan`."""
    if form == "json":
        shared, calibration = sections
        data: dict[str, Any] = json.loads(render_json(shared.report, texts)) if shared.report else {
            "format": JSON_FORMAT, "annotators": sorted(plan.annotators), "comments": 0, "stance": None,
            "topics": None, "pair": None}
        data["calibration"] = json.loads(render_json(calibration.report, texts)) if calibration.report else None
        if data["calibration"] is not None:
            del data["calibration"]["format"]
        data["plan"] = {
            "overlap": plan.overlap,
            "sections": {section.name: {"comments": section.comments, "reason": section.reason} for section in sections},
        }
        return dumps(data)
    blocks = []
    for section in sections:
        heading = f"{section.title}: {section.comments} comment{'' if section.comments == 1 else 's'}"
        heading = f"## {heading[0].upper()}{heading[1:]}" if form == "markdown" else heading
        body = RENDERERS[form](section.report, texts) if section.report else f"not measured: {section.reason}\n"
        blocks.append(f"{heading}\n\n{body}")
    return "\n".join(blocks)


# The figures as rows: (group, name, figure, topic: None or the topic the name is) -----------------


def _rows(report: Report, show: Callable[[str], str]) -> Iterator[tuple[str, str, Coefficient, str | None]]:
    """`show` writes an annotator's name (as it is in text, safely in Markdown)."""
    yield "stance", "Krippendorff's alpha", report.stance_alpha, None
    yield "stance", "Fleiss' kappa", report.stance_fleiss, None
    for (a, b), figure in report.stance_cohen.items():
        yield "stance", f"Cohen's kappa, {show(a)} / {show(b)}", figure, None
    for topic, figure in report.topic_alpha.items():
        yield "topics", _label(topic), figure, topic
    total = len(report.topic_alpha)
    mean = f"mean ({report.topics_in_mean} of {total} topic{'' if total == 1 else 's'})"
    yield "topics", mean, report.topic_mean, None


def _summary(report: Report, show: Callable[[str], str]) -> str:
    names = ", ".join(map(show, report.annotators))
    return (
        f"{len(report.annotators)} annotators ({names}), "
        f"{report.comments} comment{'' if report.comments == 1 else 's'} labeled by at least two of them"
    )


def _value(figure: Coefficient) -> str:
    return "-" if figure.value is None else f"{figure.value:.{DIGITS}f}"


def _label(text: str) -> str:
    """A label or topic read from a file, on one line and cut to a readable width."""
    return excerpt(text, LABEL_WIDTH)


def _disagreement_rows(pair: PairReport, texts: Mapping[str, str]) -> list[tuple[str, str, str, str]]:
    return [
        (one_line(item.comment_id), _label(item.a), _label(item.b), excerpt(texts.get(item.comment_id, "")))
        for item in pair.disagreements
    ]


def _pair_summary(pair: PairReport, show: Callable[[str], str]) -> str:
    both = f"{show(pair.a)} and {show(pair.b)}"
    if not pair.shared:
        return f"{both} gave a stance to no comment in common"
    if not pair.disagreements:
        return f"{both} agree on the stance of all {pair.shared} comments both labeled"
    return f"{both} disagree on the stance of {len(pair.disagreements)} of {pair.shared} comments"


# text ------------------------------------------------------------------------------------------


def render_text(report: Report, texts: Mapping[str, str]) -> str:
    """Aligned columns for a terminal."""
    rows = list(_rows(report, str))
    width = max(len(name) for _, name, _, _ in rows) + 2
    lines = [_summary(report, str), "", f"{'stance':<{width}}  {'value':>6}  comments  annotators"]
    group = "stance"
    for row_group, name, figure, _ in rows:
        if row_group != group:
            group = row_group
            lines.append("topics (Krippendorff's alpha, present or absent)")
        line = f"  {name:<{width - 2}}  {_value(figure):>6}  {figure.units:>8}  {figure.coders:>10}"
        lines.append(f"{line}  {figure.reason}" if figure.reason else line)
    if report.pair is not None:
        lines += _pair_text(report.pair, texts)
    return "\n".join(lines) + "\n"


def _pair_text(pair: PairReport, texts: Mapping[str, str]) -> list[str]:
    lines = ["", _pair_summary(pair, str)]
    if not pair.shared:
        return lines
    lines += ["", f"stance of {pair.a} (rows) against {pair.b} (columns)"]
    lines += _aligned([["", *map(_label, pair.labels)], *_matrix_rows(pair)], indent="  ", right_from=1)
    if pair.disagreements:
        lines += ["", "comments they disagree on"]
        table = [["comment", pair.a, pair.b, "excerpt"], *map(list, _disagreement_rows(pair, texts))]
        lines += _aligned(table, indent="  ")
    return lines


def _matrix_rows(pair: PairReport) -> list[list[str]]:
    return [
        [_label(row), *(str(pair.matrix.get((row, column), 0)) for column in pair.labels)] for row in pair.labels
    ]


def _aligned(table: list[list[str]], indent: str, right_from: int | None = None) -> list[str]:
    """`table` as lines of columns two spaces apart; from column `right_from` on, right-aligned."""
    widths = [max(len(row[column]) for row in table) for column in range(len(table[0]))]
    lines = []
    for row in table:
        cells = [
            cell.rjust(width) if right_from is not None and column >= right_from else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row, widths))
        ]
        lines.append((indent + "  ".join(cells)).rstrip())
    return lines


# markdown --------------------------------------------------------------------------------------


def render_markdown(report: Report, texts: Mapping[str, str]) -> str:
    """A table to paste in a pull request; text read from files is shown as code, never as markup."""
    lines = [
        _summary(report, _prose) + ".",
        "",
        "| figure | value | comments | annotators | note |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for group, name, figure, topic in _rows(report, word):
        title = f"{group}: {name}" if topic is None else f"topic {word(name)}: Krippendorff's alpha"
        lines.append(f"| {title} | {_value(figure)} | {figure.units} | {figure.coders} | {figure.reason or ''} |")
    if report.pair is not None:
        lines += _pair_markdown(report.pair, texts)
    return "\n".join(lines) + "\n"


def _pair_markdown(pair: PairReport, texts: Mapping[str, str]) -> list[str]:
    lines = ["", _pair_summary(pair, _prose) + "."]
    if not pair.shared:
        return lines
    columns = " | ".join(word(_label(label)) for label in pair.labels)
    lines += ["", f"| {word(pair.a)} (rows) / {word(pair.b)} (columns) | {columns} |"]
    lines.append("| --- |" + " ---: |" * len(pair.labels))
    lines += ["| " + " | ".join([word(row[0]), *row[1:]]) + " |" for row in _matrix_rows(pair)]
    if pair.disagreements:
        lines += ["", f"| comment | {word(pair.a)} | {word(pair.b)} | excerpt |", "| --- | --- | --- | --- |"]
        lines += ["| " + " | ".join(map(word, row)) + " |" for row in _disagreement_rows(pair, texts)]
    return lines


# json ------------------------------------------------------------------------------------------


def render_json(report: Report, texts: Mapping[str, str]) -> str:
    """Every figure, with sorted keys: the layout is documented in the README."""
    data: dict[str, Any] = {
        "format": JSON_FORMAT,
        "annotators": list(report.annotators),
        "comments": report.comments,
        "stance": {
            "krippendorff_alpha": _figure(report.stance_alpha),
            "fleiss_kappa": _figure(report.stance_fleiss),
            "cohen_kappa": [{"a": a, "b": b} | _figure(figure) for (a, b), figure in report.stance_cohen.items()],
        },
        "topics": {
            "krippendorff_alpha": {topic: _figure(figure) for topic, figure in report.topic_alpha.items()},
            "mean_alpha": _figure(report.topic_mean) | {"topics": report.topics_in_mean},
        },
        "pair": None if report.pair is None else _pair_json(report.pair, texts),
    }
    return dumps(data)


def _figure(figure: Coefficient) -> dict[str, Any]:
    value = None if figure.value is None else round(figure.value, 6)
    return {"value": value, "comments": figure.units, "annotators": figure.coders, "reason": figure.reason}


def _pair_json(pair: PairReport, texts: Mapping[str, str]) -> dict[str, Any]:
    return {
        "a": pair.a,
        "b": pair.b,
        "comments": pair.shared,
        "labels": list(pair.labels),
        "matrix": [[pair.matrix.get((row, column), 0) for column in pair.labels] for row in pair.labels],
        "disagreements": [
            {"id": item.comment_id, "a": item.a, "b": item.b, "excerpt": excerpt(texts.get(item.comment_id, ""))}
            for item in pair.disagreements
        ],
    }


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}


def _prose(text: str) -> str:
    """A name in a sentence of the Markdown report (outside a table)."""
    return word(text, cell=False)
