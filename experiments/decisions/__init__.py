"""The best package of policies for a budget: the optimiser (``python -m experiments.optimise``).

``preset`` (the preset: schema, loading, checks, the registry's levers, the budget for a population),
``packages`` (a package as overrides and in words), ``outcomes`` (the outcomes stored, their words and
precision), ``runs`` (evaluating candidates locally or on a Hydra launcher, behind one interface),
``search`` (NSGA-II generations and the local search), ``front`` (the tables: candidates, the fronts, extra
outcomes over no package), ``verify`` (the front re-run on fresh seeds), ``render`` (pareto.md, pareto.png)
and ``command`` (the command line).
"""
