"""`annotator annotate` (also plain `annotator`): open the annotation app."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from annotator.commands.common import ANNOTATOR, add_global_option, description, epilog

    parser = subparsers.add_parser(
        "annotate",
        parents=[common],
        help="open the annotation app (the default command)",
        description=description(
            """Open the annotation app on the project, to label its comments from the keyboard; every
            change is saved at once. Label NAME's comments: --annotator NAME, else $ANNOTATOR, else
            `git config user.name` made file-safe, else the app asks. In the app, press ? for every
            key and the guidelines, ctrl+q to quit. Above each comment the app shows what it replies
            to: its parent (P jumps there, ctrl+o back), the context its seed row gives, or the
            project's [target] post.

            On SIGTERM or SIGHUP (a `kill`, a closed SSH session) the app saves without asking
            anything, says on stderr whether every label is on disk, and exits with 143 or 129."""
        ),
        epilog=epilog(
            [
                "annotator annotate --annotator alice",
                "annotator                  # the same as annotate",
                "annotator --project ../survey --annotator bob",
            ],
            problems="the project cannot be read (annotator.toml or a seed file), or $ANNOTATOR is not a usable name",
            more_codes=["129  ended by SIGHUP (a closed SSH session); 143: by SIGTERM. Either way the labels are "
                        "saved, or stderr says where they wait"],
        ),
    )
    add_global_option(parser, ANNOTATOR, help="edit NAME's labels, annotations/NAME.toml")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from annotator.core.gitio import git_user_name
    from annotator.core.project import project_folder
    from annotator.core.store import check_annotator_name, list_annotators, safe_annotator_name

    root = project_folder(Path(args.project))  # the app reads the config and seeds (errors end it)
    name = args.annotator or os.environ.get("ANNOTATOR") or safe_annotator_name(git_user_name(root), list_annotators(root))
    if name:
        check_annotator_name(name)
    # Textual draws changes at most 60 times a second, on a fixed beat: a key pressed within a beat
    # of the last frame waits for the next beat before its frame is drawn (as keys typed in a row
    # do). The main screen paints as soon as a change is ready (`tui/screens/pacing.py`); the
    # dialogs and the help keep Textual's beat, at 240 a wait of a few milliseconds at most. The
    # app draws only what changed, so there is no cost when nothing does. (Read on import.)
    os.environ.setdefault("TEXTUAL_FPS", "240")
    # No garbage collection until the first usable frame: the app turns it back on then
    # (`AnnotatorApp.resume_collector`), or when it asks for a name or shows an error.
    gc.disable()
    from annotator.core.prefetch import Prefetch

    # Where nothing is cached yet, the seeds and labels are parsed by child processes on the other
    # cores from now on, while Textual loads and draws its first frame.
    prefetch = Prefetch.start(root, name or None)
    try:
        from annotator.tui.app import build_app  # Textual loads only when the app runs

        app = build_app(root, name or None, prefetch=prefetch)
        app.collector_paused = True
        # Threads take turns holding the interpreter, 5 ms at a time by default: a key press's
        # commit would wait that long at each turn while a compaction or the warm-up serializes in
        # the background. 1 ms turns keep a commit under a few milliseconds at 100,000 comments.
        sys.setswitchinterval(0.001)
        app.run()
    except BaseException:  # (ctrl+c while Textual loads, a crash: the children end too)
        prefetch.interrupt()
        raise
    if app.stopped_by is not None:  # SIGTERM or SIGHUP: say whether every label is on disk
        from annotator.tui.app import say

        say(app.stop_report())
        return 128 + app.stopped_by
    if app.failure is not None:  # the seeds could not be read: said on the terminal, as elsewhere
        raise app.failure
    if app.annotator:  # the labels as the session left them, cached for the next start meanwhile
        Prefetch.leave(root, app.annotator)
    return app.return_code or 0
