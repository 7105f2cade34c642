"""Entry points: single runs (``experiments.run``) and, later, studies over many runs."""
