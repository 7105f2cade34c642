"""Replay a finished run and confirm it gives the same numbers: ``python -m experiments.replay RUN_DIR``.

The command line of ``experiments.records.replay``: its ``main`` parses the arguments and returns
the exit code (a refusal is one line on stderr).
"""

import sys

from experiments.records.replay import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
