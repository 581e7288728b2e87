"""`python -m annotator`: the same as the `annotator` console script."""

import sys

from annotator.cli import main

sys.exit(main())
