"""Scenario discovery: ``python -m experiments.discover [--threshold X] [--samples N] [overrides]``.

The command line of ``experiments.evidence.discover``: its ``main`` parses the arguments and returns
the exit code (a refusal is one line on stderr).
"""

import sys

from experiments.evidence.discover import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
