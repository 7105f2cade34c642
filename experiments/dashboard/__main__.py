"""A dashboard for programme teams: ``make dashboard`` or ``livelihoods-dashboard [--port 8765]``."""

import sys

from experiments.dashboard.app import main

if __name__ == "__main__":
    sys.exit(main())
