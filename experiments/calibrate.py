"""Calibration to the evidence: ``python -m experiments.calibrate [--trials N] [--name NAME] [overrides]``.

The command line of ``experiments.evidence.calibrate``: its ``main`` parses the arguments and returns
the exit code (a refusal is one line on stderr).
"""

import sys

from experiments.evidence.calibrate import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
