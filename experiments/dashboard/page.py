"""The page Solara serves (``solara run experiments.dashboard.page``); see ``experiments/dashboard/app.py``."""

from experiments.dashboard.app import make_page

page = make_page()
