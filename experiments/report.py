"""Report of a sweep: ``python -m experiments.report SWEEP_DIR [report.confidence=0.95] [report.target.dropout_rate=0.2]``.

The command line of ``experiments.studies.report``: its ``main`` parses the arguments and returns
the exit code (a refusal is one line on stderr).
"""

import sys

from experiments.studies.report import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
