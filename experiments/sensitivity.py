"""Global sensitivity analysis: ``python -m experiments.sensitivity [--indicators ...] [overrides]``.

The command line of ``experiments.evidence.sensitivity``: its ``main`` parses the arguments and returns
the exit code (a refusal is one line on stderr).
"""

import sys

from experiments.evidence.sensitivity import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
