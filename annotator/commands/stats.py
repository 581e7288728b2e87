"""`annotator stats`: progress and label counts per annotator."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from annotator.commands.common import add_report_format, description, epilog

    parser = subparsers.add_parser(
        "stats",
        parents=[common],
        help="show progress and label counts per annotator",
        description=description(
            """Show each annotator's progress: the comments labeled out of all, how many are flagged,
            and the median seconds per labeled comment; then the stance and topic distributions as
            bars, over every annotator but gold (gold alone when it is the only one). Only comments in
            seeds/ count. With a plan ([assign] in annotator.toml), also each annotator's progress on
            their share: the comments assigned to them that they labeled, and how many comments are
            complete."""
        ),
        epilog=epilog(["annotator stats", "annotator stats --format json"], problems="the project cannot be read"),
    )
    add_report_format(parser, markdown=False)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from annotator.core.output import write_stdout
    from annotator.core.project import Project
    from annotator.core.labels import read_labels
    from annotator.core.reports.stats import stats_json, stats_text
    from annotator.core.stats import project_stats

    project = Project.open(Path(args.project))
    files = read_labels(project.root)
    plan = None
    if project.schema.assign is not None:
        from annotator.core.assign import assign
        from annotator.core.plan_progress import plan_progress

        plan = plan_progress(assign(project.schema.assign, project.corpus.ids()), files)
    stats = project_stats(project.corpus.by_id, files, project.schema, plan)
    write_stdout([stats_json(stats) if args.format == "json" else stats_text(stats)])
    return 0
