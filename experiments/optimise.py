"""The best package for a budget: ``python -m experiments.optimise [--preset NAME] [options] [overrides]``.

The command line of ``experiments.decisions.command``: its ``main`` parses the arguments and returns
the exit code (a refusal is one line on stderr).
"""

import sys

from experiments.decisions.command import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
