"""`annotator agree`: how well the annotators agree, on the comments at least two of them labeled.

Stance: Krippendorff's alpha, Fleiss' kappa and Cohen's kappa for each pair of annotators. Topics:
Krippendorff's alpha of each topic as present or absent, and their mean. Every figure says how
many comments and annotators stand behind it. `annotations/gold.toml` is not an annotator.

With a plan (`[assign]` in annotator.toml), the figures come in two sections: the comments the
plan shares out (each judged by the annotators assigned to it; labels outside the plan are left
out), and the calibration set on its own. --min-alpha gates on the first, or on the calibration
set when the plan shares no comment between two annotators (overlap 1).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.core.perf import paused_gc

if TYPE_CHECKING:
    from annotator.core.agreement import Coefficient, PairReport, Report
    from annotator.core.config import AssignPlan
    from annotator.core.models import Annotation
    from annotator.core.project import Project

FORMATS = ("text", "markdown", "json")
JSON_FORMAT = 1
DIGITS = 3  # decimals shown in text and markdown
LABEL_WIDTH = 40  # labels read from files are cut to this many characters in text and markdown


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from annotator.commands.common import description, epilog

    parser = subparsers.add_parser(
        "agree",
        parents=[common],
        help="measure agreement between annotators: Krippendorff's alpha, Fleiss' and Cohen's kappa",
        description=description(
            """Measure agreement on the comments that at least two annotators labeled (every
            annotations/*.toml but gold.toml): for stance, Krippendorff's alpha, Fleiss' kappa and
            Cohen's kappa for each pair; for topics, Krippendorff's alpha of each topic (present or
            absent) and their mean. Give every figure with the number of comments and annotators
            behind it, or say why it is undefined.

            With a plan ([assign] in annotator.toml), measure twice: on the comments the plan
            shares out, each judged by the annotators it is assigned to (labels outside the plan
            are left out), and on the calibration set on its own. --min-alpha then gates on the
            shared comments (on the calibration set when the overlap is 1)."""
        ),
        epilog=epilog(
            [
                "annotator agree",
                "annotator agree --pair alice bob",
                "annotator agree --format markdown > agreement.md",
                "annotator agree --min-alpha 0.667    # in CI: exit 1 below it",
            ],
            problems="fewer than two annotators, no comment labeled by two, --pair names someone who is not an "
            "annotator, or the stance alpha is below --min-alpha (or cannot be computed)",
        ),
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="text", metavar="FORMAT", help="write text (default), markdown or json"
    )
    parser.add_argument(
        "--pair",
        nargs=2,
        metavar=("A", "B"),
        help="also show the stance confusion matrix of A against B and the comments they disagree on",
    )
    parser.add_argument(
        "--min-alpha",
        metavar="X",
        type=_alpha_threshold,
        help="exit 1 when the stance alpha is below X (a number from -1 to 1) or cannot be computed",
    )
    parser.set_defaults(run=run, check=check)


def _alpha_threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not -1 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number from -1 to 1, got {text!r}")
    return value


def check(args: argparse.Namespace) -> None:
    if args.pair and args.pair[0] == args.pair[1]:
        args.parser.error(f"--pair: name two different annotators, not {args.pair[0]!r} twice")


def run(args: argparse.Namespace) -> int:
    from annotator.core.agreement import agreement_report
    from annotator.core.output import write_stdout
    from annotator.core.project import Project

    project = Project.open(Path(args.project))
    pair = tuple(args.pair) if args.pair else None
    with paused_gc():
        labels = _load_labels(project)
        ids = [comment.id for comment in project.corpus.comments]
        if project.schema.assign is not None:
            sections = _plan_sections(project, labels, ids, pair)
        else:
            report = agreement_report(labels, ids, project.schema.stance_names, project.schema.topic_names, pair)
    _warn_orphans(labels, project)
    texts = {comment.id: comment.text for comment in project.corpus.comments}
    if project.schema.assign is None:
        write_stdout([RENDERERS[args.format](report, texts)])
        return _gate(report.stance_alpha, args.min_alpha)
    write_stdout([render_sections(sections, project.schema.assign, texts, args.format)])
    gated = next(section.report for section in sections if section.report is not None)
    return _gate(gated.stance_alpha, args.min_alpha)


@dataclass(frozen=True, slots=True)
class Section:
    """Agreement on one part of a plan: its name, how many comments it has, and the figures (or why
    there are none)."""

    name: str
    title: str
    comments: int
    report: Report | None
    reason: str | None = None


def _plan_sections(
    project: Project, labels: dict[str, dict[str, Annotation]], ids: list[str], pair: tuple[str, str] | None
) -> list[Section]:
    """The figures on the comments the plan shares out, then on the calibration set; an
    `AnnotatorError` when neither can be computed."""
    from annotator.core.agreement import agreement_report, check_pair
    from annotator.core.assign import assign
    from annotator.core.errors import AnnotatorError
    from annotator.core.plan_progress import planned_labels
    from annotator.core.validate import counted

    plan = project.schema.assign
    assert plan is not None
    if pair is not None:  # (said once, not once per section)
        check_pair(pair, sorted(plan.annotators))
    assignment = assign(plan, ids)
    shared, everyone = planned_labels(assignment, labels)
    calibration = [cid for cid in ids if cid in assignment.calibration]
    parts = [
        ("shared", f"the comments the plan shares out ({counted(plan.overlap, 'annotator')} each)",
         [cid for cid in ids if cid not in assignment.calibration], shared),
        ("calibration", "the calibration set (every annotator)", calibration, everyone),
    ]
    sections = []
    for name, title, part_ids, part_labels in parts:
        if name == "shared" and plan.overlap < 2:
            sections.append(Section(name, title, len(part_ids), None, "overlap 1: no comment is shared by two"))
            continue
        if name == "calibration" and not part_ids:
            sections.append(Section(name, title, 0, None, "no calibration set"))
            continue
        try:
            report = agreement_report(
                part_labels, part_ids, project.schema.stance_names, project.schema.topic_names, pair
            )
        except AnnotatorError as error:
            sections.append(Section(name, title, len(part_ids), None, error.message))
        else:
            sections.append(Section(name, title, len(part_ids), report))
    if all(section.report is None for section in sections):
        raise AnnotatorError(
            "no agreement to measure under the plan: "
            + "; ".join(f"{section.name}: {section.reason}" for section in sections),
            hint="agreement is measured on the comments that at least two annotators of the plan labeled",
        )
    return sections


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
        return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    blocks = []
    for section in sections:
        heading = f"{section.title}: {section.comments} comment{'' if section.comments == 1 else 's'}"
        heading = f"## {heading[0].upper()}{heading[1:]}" if form == "markdown" else heading
        body = RENDERERS[form](section.report, texts) if section.report else f"not measured: {section.reason}\n"
        blocks.append(f"{heading}\n\n{body}")
    return "\n".join(blocks)


def _load_labels(project: Project) -> dict[str, dict[str, Annotation]]:
    """Every annotator's entries, by name; gold, the adjudicated labels, is not an annotator."""
    from annotator.core.store import ANNOTATIONS_DIR, GOLD, SUFFIX, AnnotationFile

    labels = {}
    for name in project.annotators():
        if name != GOLD:
            _check_file_name(name)
            path = project.annotations_dir / f"{name}{SUFFIX}"
            labels[name] = AnnotationFile.load(path, display=f"{ANNOTATIONS_DIR}/{path.name}").entries
    return labels


def _check_file_name(name: str) -> None:
    from annotator.core.errors import AnnotatorError
    from annotator.core.models import printable
    from annotator.core.store import ANNOTATIONS_DIR, SUFFIX, annotator_name_problem

    problem = annotator_name_problem(name)
    if problem:
        shown = printable(name, keep_newlines=False)
        raise AnnotatorError(
            f"{ANNOTATIONS_DIR}/{shown}{SUFFIX}: bad annotator file name: the name {problem}",
            hint="rename the file (or move it out of annotations/): agreement needs to know who is who",
        )


def _warn_orphans(labels: Mapping[str, Mapping[str, Annotation]], project: Project) -> None:
    """Say on stderr how many labeled entries were left out because their comment is not in seeds/."""
    known = project.corpus.by_id
    orphans = sum(
        1 for entries in labels.values() for comment_id, entry in entries.items()
        if entry.is_labeled and comment_id not in known
    )
    if orphans:
        print(
            f"annotator agree: warning: {orphans} labeled entries are for comments not in seeds/ and were "
            "left out (`annotator validate` lists them)",
            file=sys.stderr,
        )


def _gate(alpha: Coefficient, threshold: float | None) -> int:
    """1 (with the reason on stderr) when the stance alpha is below `threshold` or undefined, else 0."""
    if threshold is None:
        return 0
    if alpha.value is None:
        reason = f"stance alpha cannot be computed ({alpha.reason}): --min-alpha {threshold:g} not met"
        print(f"annotator agree: {reason}", file=sys.stderr)
        return 1
    if alpha.value < threshold:
        reason = f"stance alpha {_below(alpha.value, threshold)} is below --min-alpha {threshold:g}"
        print(f"annotator agree: {reason}", file=sys.stderr)
        return 1
    return 0


def _below(value: float, threshold: float) -> str:
    """`value` with enough decimals (3 or more) to show that it is below `threshold`."""
    for digits in range(DIGITS, 16):
        shown = f"{value:.{digits}f}"
        if float(shown) < threshold:
            return shown
    return repr(value)


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
    from annotator.core.models import excerpt

    return excerpt(text, LABEL_WIDTH)


def _disagreement_rows(pair: PairReport, texts: Mapping[str, str]) -> list[tuple[str, str, str, str]]:
    from annotator.core.models import excerpt, one_line

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


_PLAIN_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*")


def render_markdown(report: Report, texts: Mapping[str, str]) -> str:
    """A table to paste in a pull request; text read from files is shown as code, never as markup."""
    lines = [
        _summary(report, _code) + ".",
        "",
        "| figure | value | comments | annotators | note |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for group, name, figure, topic in _rows(report, _code):
        title = f"{group}: {name}" if topic is None else f"topic {_code(name)}: Krippendorff's alpha"
        lines.append(f"| {title} | {_value(figure)} | {figure.units} | {figure.coders} | {figure.reason or ''} |")
    if report.pair is not None:
        lines += _pair_markdown(report.pair, texts)
    return "\n".join(lines) + "\n"


def _pair_markdown(pair: PairReport, texts: Mapping[str, str]) -> list[str]:
    lines = ["", _pair_summary(pair, _code) + "."]
    if not pair.shared:
        return lines
    columns = " | ".join(_code(_label(label)) for label in pair.labels)
    lines += ["", f"| {_code(pair.a)} (rows) / {_code(pair.b)} (columns) | {columns} |"]
    lines.append("| --- |" + " ---: |" * len(pair.labels))
    lines += ["| " + " | ".join([_code(row[0]), *row[1:]]) + " |" for row in _matrix_rows(pair)]
    if pair.disagreements:
        lines += ["", f"| comment | {_code(pair.a)} | {_code(pair.b)} | excerpt |", "| --- | --- | --- | --- |"]
        lines += ["| " + " | ".join(map(_code, row)) + " |" for row in _disagreement_rows(pair, texts)]
    return lines


def _code(text: str) -> str:
    """`text` in a Markdown table cell, shown as it is, never as markup, a link or a mention: plain
    when it is a simple word (a label, an id), else a code span."""
    if not text or _PLAIN_WORD.fullmatch(text):
        return text
    fence = "`" * (_longest_backtick_run(text) + 1)
    cell = text.replace("|", "\\|")  # GFM splits cells at '|' even inside code
    return f"{fence} {cell} {fence}"


def _longest_backtick_run(text: str) -> int:
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    return longest


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
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _figure(figure: Coefficient) -> dict[str, Any]:
    value = None if figure.value is None else round(figure.value, 6)
    return {"value": value, "comments": figure.units, "annotators": figure.coders, "reason": figure.reason}


def _pair_json(pair: PairReport, texts: Mapping[str, str]) -> dict[str, Any]:
    from annotator.core.models import excerpt

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
