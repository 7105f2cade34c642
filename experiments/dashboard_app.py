"""The page Solara serves (``solara run experiments.dashboard_app``); see ``experiments/dashboard.py``."""

from experiments.dashboard import make_page

page = make_page()
