"""Run one command from a small process and record its wall time and peak RSS as JSON.

    python -I -S launch.py RESULT.json COMMAND [ARG...]

Why a launcher: on Linux a forked child's `ru_maxrss` starts at its parent's RSS (the pages are
counted before the exec), so children of the benchmark process, which holds a whole synthetic
project in memory, would all report at least its size. This process is a few MiB, so the command's
figure is its own. Exits with the command's exit code. Only the standard library, no `site`.
"""

import json
import os
import sys
import time


def main() -> int:
    result, argv = sys.argv[1], sys.argv[2:]
    started = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    with open(result, "w", encoding="utf-8") as handle:
        json.dump({"seconds": seconds, "rss_mb": usage.ru_maxrss / 1024}, handle)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
