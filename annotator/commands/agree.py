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
import math
import sys
from collections.abc import Mapping
from functools import partial
from itertools import compress
from operator import not_
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core.perf import paused_gc

if TYPE_CHECKING:
    from annotator.core.agreement import Coefficient, InCorpus, Report
    from annotator.core.labels import LabelFile
    from annotator.core.project import Project



def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from annotator.commands.common import add_report_format, description, epilog

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
    add_report_format(parser)
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
    from annotator.core.labels import read_labels
    from annotator.core.output import write_stdout
    from annotator.core.project import Project
    from annotator.core.reports.agree import render, render_sections

    project = Project.open(Path(args.project))
    pair = tuple(args.pair) if args.pair else None
    with paused_gc():
        files = read_labels(project.root, gold=False)
        ids = project.corpus.ids()  # (in corpus order; no text is needed for the figures)
        in_corpus = _in_corpus(project)
        if project.schema.assign is not None:
            from annotator.core.plan_agreement import plan_sections

            sections = plan_sections(project.schema, {name: file.entries for name, file in files.items()}, ids, pair)
        else:  # (the entries as read: files read as columns are counted without making an entry)
            labels = {name: file.stored for name, file in files.items()}
            report = agreement_report(labels, ids, project.schema.stance_names, project.schema.topic_names, pair,
                                      in_corpus)
    _warn_orphans(files, project, in_corpus)
    reports = [report] if project.schema.assign is None else [section.report for section in sections]
    texts = _disagreement_texts(reports, project)
    if project.schema.assign is None:
        write_stdout([render(report, texts, args.format)])
        return _gate(report.stance_alpha, args.min_alpha)
    write_stdout([render_sections(sections, project.schema.assign, texts, args.format)])
    gated = next(section.report for section in sections if section.report is not None)
    return _gate(gated.stance_alpha, args.min_alpha)


def _disagreement_texts(reports: list[Report | None], project: Project) -> dict[str, str]:
    """The texts of the comments the reports list as disagreements (with --pair): the only texts shown."""
    by_id = project.corpus.by_id
    shown = {item.comment_id for report in reports if report is not None and report.pair is not None
             for item in report.pair.disagreements}
    return {comment_id: by_id[comment_id].text for comment_id in shown if comment_id in by_id}


def _in_corpus(project: Project) -> InCorpus | None:
    """The corpus's ids' positions and their digest, where it is read from the parse cache with
    ids all different: the files' entries are then placed by their positions in it, which the
    parse cache keeps (`agreement.Judgments.count`)."""
    from annotator.core.columns import Joined, SeedColumns
    from annotator.core.store.columns import locate_by

    comments = project.corpus.comments
    if isinstance(comments, (SeedColumns, Joined)) and comments.unique:
        return locate_by(comments.positions), comments.ids_digest()
    return None


def _warn_orphans(files: Mapping[str, LabelFile], project: Project, in_corpus: InCorpus | None) -> None:
    """Say on stderr how many labeled entries were left out because their comment is not in seeds/."""
    orphans = sum(map(partial(_orphans, known=project.corpus.by_id, in_corpus=in_corpus), files.values()))
    if orphans:
        print(
            f"annotator agree: warning: {orphans} labeled entries are for comments not in seeds/ and were "
            "left out (`annotator validate` lists them)",
            file=sys.stderr,
        )


def _orphans(file: LabelFile, known: Mapping[str, object], in_corpus: InCorpus | None = None) -> int:
    """How many of the file's labeled entries are for comments not in `known` (from its columns
    when it was read as columns; with `in_corpus`, the corpus of `known`, from the count of
    those in it that the parse cache keeps)."""
    columns = file.columns
    if columns is not None and in_corpus is not None:
        labeled = bytes(columns.labeled)  # (1 where labeled, else 0)
        return len(labeled) - labeled.count(0) - columns.labeled_among(in_corpus[1], in_corpus[0])
    ids = known.keys()
    if columns is not None:
        return sum(compress(columns.labeled, map(not_, map(ids.__contains__, columns.ids))))
    entries = file.entries
    return sum(1 for comment_id in entries.keys() - ids if entries[comment_id].is_labeled)


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
    """`value` with enough decimals (as many as the report shows, or more) to show that it is below `threshold`."""
    from annotator.core.reports.agree import DIGITS

    for digits in range(DIGITS, 16):
        shown = f"{value:.{digits}f}"
        if float(shown) < threshold:
            return shown
    return repr(value)
