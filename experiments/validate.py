"""Validation against the evidence: ``python -m experiments.validate [--targets FILE] [--seeds N] [overrides]``.

The command line of ``experiments.evidence.validate``: its ``main`` parses the arguments and returns
the exit code (a refusal is one line on stderr).
"""

import sys

from experiments.evidence.validate import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
