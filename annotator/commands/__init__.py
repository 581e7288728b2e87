"""One module per `annotator` subcommand: `register(subparsers, common)` adds it, `run(args)` runs it."""
