"""The dashboard for programme teams (``python -m experiments.dashboard``): a paired run in Mesa's Solara view."""


def main(argv: list[str] | None = None) -> int:
    """The dashboard's command line (``livelihoods-dashboard``); see ``experiments.dashboard.app``."""
    from experiments.dashboard.app import main as run

    return run(argv)
