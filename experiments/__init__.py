"""The command line and the studies, above the model (``simulation``) and its config layer (``livelihoods``).

The commands are the modules at this level, each a thin entry point (``python -m experiments.<command>``):
``run``, ``report``, ``replay``, ``validate``, ``calibrate``, ``posterior``, ``sensitivity``, ``discover``,
``optimise`` and ``dashboard``. What they do lives in rooms:

* ``records``: run and sweep folders and the files in them (claiming, atomic writes, replay);
* ``cli``: the command line's Hydra glue (composing and checking every job, launchers, one job);
* ``studies``: what a sweep's results say (aggregates, incremental cost, the report, its figures, words);
* ``evidence``: the model against the evidence (validation, calibration, the posterior, sensitivity, discovery);
* ``decisions``: the best package for a budget (the optimiser);
* ``dashboard``: the interactive paired run for programme teams.

A room imports only the rooms before it in this order (``tests/test_architecture.py``): records, studies,
cli, evidence, decisions, dashboard.
"""
