"""The benchmark suite: `python -m benchmarks` builds synthetic projects and times the app and the
commands on them (see the README's "Performance" section)."""
