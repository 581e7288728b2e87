"""The `annotator` command: the app by default, and subcommands for checks, review and data.

Data goes to stdout, diagnostics to stderr. Exit codes: 0 success; 1 problems found or input
that cannot be used (the message says which file and line); 2 a command line that is wrong;
128 + the signal's number when the app was stopped by one: 129 SIGHUP (the terminal or SSH session
closed), 143 SIGTERM (`kill`); it saved first, without asking, and said on stderr whether every
label is on disk.

The global options (`--project`, `--annotator`) are defined once, in `GLOBAL_OPTIONS`, and work
before or after the command: no parser gives them a default of its own (a subcommand's default
would overwrite the value given before the command), and `_MainParser.parse_args` fills in the
defaults once parsing is done.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from annotator import __version__
from annotator.commands.common import ANNOTATOR, GLOBAL_OPTIONS, PROJECT, GlobalOption, add_global_option, epilog
from annotator.core.errors import AnnotatorError

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2

# Each name is a module in `annotator.commands` with `register(subparsers, common)` and `run(args)`.
# `register` may also set `check(args)`, run after parsing, which calls `args.parser.error` (exit 2)
# for a command line that is wrong as a whole; and `needs_project=False` for a command that works
# without a project (every other one that takes --project checks that DIR is one before it runs).
COMMANDS = ("annotate", "init", "validate", "export", "import_comments", "import_labels", "stats", "diff", "blame",
            "git_setup", "git_textconv", "git_merge_driver", "agree", "assign")


class _CommandParser(argparse.ArgumentParser):
    """A command's parser: its description and epilog are shown as written (see `description`)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(**kwargs)


class _MainParser(argparse.ArgumentParser):
    """The `annotator` parser: hidden commands stay out of error messages; global options get their
    defaults after parsing, and are refused by a command they do not apply to."""

    commands: dict[str, argparse.ArgumentParser]
    foreign: dict[str, tuple[GlobalOption, ...]]  # by command: the global options it does not take

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        if isinstance(action, argparse._SubParsersAction) and value not in action.choices:
            shown = ", ".join(map(repr, self._visible()))  # argparse would list the hidden commands too
            raise argparse.ArgumentError(action, f"invalid choice: {value!r} (choose from {shown})")
        super()._check_value(action, value)

    def parse_args(self, args: Sequence[str] | None = None, namespace: Any = None) -> Any:  # type: ignore[override]
        parsed, extras = self.parse_known_args(args, namespace)
        command = parsed.command
        if extras:  # said by the command's parser, with its usage (argparse would use the main one)
            (self.commands[command] if command else self).error(f"unrecognized arguments: {' '.join(extras)}")
        for option in GLOBAL_OPTIONS:
            if command is not None and option in self.foreign[command]:
                if hasattr(parsed, option.dest):
                    visible = self._visible()
                    users = [name for name in visible if option not in self.foreign[name]]
                    only = f" (only to {', '.join(users)})" if users != visible else ""
                    self.commands[command].error(f"{option.flag} does not apply to `annotator {command}`{only}")
            elif not hasattr(parsed, option.dest):
                setattr(parsed, option.dest, option.default)
        if parsed.check is not None:  # what one option cannot say alone: two that clash, one that is missing
            parsed.check(parsed)
        return parsed

    def _visible(self) -> list[str]:
        """The commands `annotator --help` lists (the others are for git)."""
        return [name for name, parser in self.commands.items() if parser.get_default("visible")]


def build_parser() -> argparse.ArgumentParser:
    """The parser for every subcommand; `annotate` also runs when none is given."""
    common = argparse.ArgumentParser(add_help=False)
    add_global_option(common, PROJECT)
    parser = _MainParser(
        prog="annotator",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Label discussion comments for stance and topics; labels live as TOML files in git.",
        epilog=(
            "With no command, open the annotation app (the same as `annotator annotate`). The options\n"
            "above work before or after the command. See `annotator COMMAND --help` for each command.\n\n"
            + epilog(["annotator", "annotator --project ../survey stats", "annotator export -o labels.jsonl"])
        ),
    )
    add_global_option(parser, PROJECT)
    add_global_option(parser, ANNOTATOR)
    parser.add_argument("--version", action="version", version=f"annotator {__version__}")
    parser.set_defaults(run=_run_app, check=None, parser=parser, needs_project=True)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands", parser_class=_CommandParser)
    for name in COMMANDS:
        importlib.import_module(f"annotator.commands.{name}").register(subparsers, common)
    parser.commands = dict(subparsers.choices)
    visible = {choice.dest for choice in subparsers._choices_actions}  # those registered with help=
    parser.foreign = {}
    for name, command in parser.commands.items():
        foreign = tuple(option for option in GLOBAL_OPTIONS if option.flag not in command._option_string_actions)
        for option in foreign:  # taken, so that it is refused with the same message before or after the command
            add_global_option(command, option, help=argparse.SUPPRESS)
        parser.foreign[name] = foreign
        command.set_defaults(parser=command, visible=name in visible)
    return parser


def _run_app(args: argparse.Namespace) -> int:
    from annotator.commands.annotate import run

    return run(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        if args.needs_project and hasattr(args, "project"):
            _require_project(args.project)
        return args.run(args)
    except AnnotatorError as error:
        print(f"annotator: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (`annotator export | head`): not an error
        return EXIT_OK
    except OSError as error:  # a write the command did not expect to fail (`init > /dev/full`)
        from annotator.core.output import describe_write_error

        print(f"annotator: {describe_write_error(error)}", file=sys.stderr)
        return EXIT_PROBLEMS


def _require_project(folder: str) -> None:
    """`AnnotatorError` unless `folder` is a project (the message says what one needs)."""
    from annotator.core.project import project_folder

    project_folder(Path(folder))
