"""Agreement under a plan (`[assign]`): measured on the comments the plan shares out (each judged by
the annotators assigned to it; labels outside the plan left out), and on the calibration set on
its own."""

from __future__ import annotations

from dataclasses import dataclass

from annotator.core.agreement import Report, agreement_report, check_pair
from annotator.core.assign import assign
from annotator.core.config import Schema
from annotator.core.errors import AnnotatorError
from annotator.core.models import Annotation
from annotator.core.plan_progress import planned_labels
from annotator.core.validate import counted


@dataclass(frozen=True, slots=True)
class Section:
    """Agreement on one part of a plan: its name, how many comments it has, and the figures (or why
    there are none)."""

    name: str
    title: str
    comments: int
    report: Report | None
    reason: str | None = None


def plan_sections(
    schema: Schema, labels: dict[str, dict[str, Annotation]], ids: list[str], pair: tuple[str, str] | None
) -> list[Section]:
    """The figures on the comments the plan shares out, then on the calibration set; an
    `AnnotatorError` when neither can be computed."""
    plan = schema.assign
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
                part_labels, part_ids, schema.stance_names, schema.topic_names, pair
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
