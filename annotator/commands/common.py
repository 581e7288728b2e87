"""What every command shares: the global options (`--project`, `--annotator`) and the layout of
`--help` (description, examples, exit codes). `annotator.cli` builds the parser from these, and
each command module uses them in its `register`, so no command imports the command line itself.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from annotator.core.errors import AnnotatorError


def annotator_name(text: str) -> str:
    """`text` if it can name an annotator (and a file); else an argparse type error (exit 2)."""
    from annotator.core.store import check_annotator_name

    try:
        return check_annotator_name(text)
    except AnnotatorError as error:
        raise argparse.ArgumentTypeError(error.message) from None


@dataclass(frozen=True, slots=True)
class GlobalOption:
    """An option that means the same for every command that takes it, given before or after the command."""

    flag: str
    metavar: str
    help: str
    default: Any
    type: Callable[[str], Any] | None = None

    @property
    def dest(self) -> str:
        return self.flag.removeprefix("--").replace("-", "_")


PROJECT = GlobalOption("--project", "DIR", "work on the project in DIR (default: the current folder)", ".")
ANNOTATOR = GlobalOption(
    "--annotator", "NAME", "work as (or on) annotator NAME, for the commands that take it: annotate (the "
    "default), import-labels and diff", None, annotator_name,
)
GLOBAL_OPTIONS = (PROJECT, ANNOTATOR)


def add_global_option(parser: argparse.ArgumentParser, option: GlobalOption, help: str | None = None) -> None:
    """Add `option` to `parser` with no default of its own (`help` says what it means there)."""
    parser.add_argument(
        option.flag, dest=option.dest, metavar=option.metavar, type=option.type, default=argparse.SUPPRESS,
        help=help or option.help,
    )


EXIT_CODES = """\
exit codes:
  0  success
  1  {problems}
  2  a wrong command line (an unknown option, a bad value)"""


def add_report_format(parser: argparse.ArgumentParser, markdown: bool = True) -> None:
    """`--format` of a report: text (the default), markdown (where the report has a table to paste
    into a pull request) or json."""
    formats = ("text", "markdown", "json") if markdown else ("text", "json")
    parser.add_argument("--format", choices=formats, default="text", metavar="FORMAT",
                        help=f"write text (default), {'markdown or json' if markdown else 'or json'}")


def epilog(
    examples: Sequence[str], problems: str = "problems found, or input that cannot be used", project: bool = True,
    more_codes: Sequence[str] = (),
) -> str:
    """The end of a command's `--help`: examples, then the exit codes (`problems`: what exit 1 means,
    besides a --project folder that is not a project, for a command that needs one; `more_codes`:
    lines for the command's own, "129  ...")."""
    lines = ["examples:", *(f"  {example}" for example in examples), ""]
    codes = EXIT_CODES.format(problems=f"{problems}, or DIR is not a project" if project else problems)
    codes += "".join(f"\n  {line}" for line in more_codes)
    first, *rest = codes.splitlines()
    wrapped = [textwrap.fill(line, 78, subsequent_indent=" " * 5) for line in rest]
    return "\n".join([*lines, first, *wrapped])


def description(text: str) -> str:
    """A command's description, filled to 78 columns (help is formatted raw, to keep the examples as written)."""
    return "\n\n".join(textwrap.fill(" ".join(paragraph.split()), 78) for paragraph in text.split("\n\n"))
