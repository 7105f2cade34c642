"""Bayesian calibration: ``python -m experiments.posterior [--name NAME] [--population N] [--generations G] ...``.

The command line of ``experiments.evidence.posterior``: its ``main`` parses the arguments and returns
the exit code (a refusal is one line on stderr).
"""

import sys

from experiments.evidence.posterior import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
