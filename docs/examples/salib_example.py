"""A Morris screening of three dropout parameters with SALib, run through the Python API.

    python docs/examples/salib_example.py

Which of three behavioural parameters moves the dropout rate most? Morris's method runs ``n``
trajectories of one-at-a-time steps across the parameters' plausible ranges
(configs/targets/parameters.yaml) and reports, per parameter, mu_star: the mean absolute change of the
dropout rate (share of enrolees, in [0, 1]) for a step of 2/3 of its range. Every run uses the same model
seed, so the differences come from the parameters, not from sampling noise. Small sizes: it runs in well
under a minute. Needs the [studies] extra (SALib). For the full study: python -m experiments.sensitivity.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if importlib.util.find_spec("livelihoods") is None:  # run from a clone whose editable install predates the API
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402
from SALib.analyze import morris as morris_analyze  # noqa: E402
from SALib.sample import morris as morris_sample  # noqa: E402

import livelihoods  # noqa: E402

KEYS = ("behaviour.dropout.base_logit", "behaviour.dropout.opportunity_logit_per_wage",
        "behaviour.labour.search_probability")
LEVELS = 4


def problem() -> dict:
    """SALib's problem: the keys and their (low, high) from configs/targets/parameters.yaml."""
    spec = {p["key"]: p for p in yaml.safe_load((ROOT / "configs" / "targets" / "parameters.yaml").read_text())
            ["parameters"]}
    return {"num_vars": len(KEYS), "names": list(KEYS),
            "bounds": [[float(spec[k]["low"]), float(spec[k]["high"])] for k in KEYS]}


def main(n: int = 4, n_youth: int = 2000, months: int = 24, seed: int = 1, jobs: int | None = None) -> pd.DataFrame:
    """``n`` Morris trajectories, ``n * (3 + 1)`` runs; returns one row per parameter (index: config key)
    with ``mu_star``, ``mu_star_conf``, ``mu`` and ``sigma`` of the dropout rate, largest mu_star first.
    The same arguments give the same table."""
    spec = problem()
    X = morris_sample.sample(spec, n, num_levels=LEVELS, seed=seed)
    settings = [{**dict(zip(KEYS, map(float, row))), "scenario.n_youth": n_youth, "months": months} for row in X]
    runs = livelihoods.run_study(settings, seeds=[seed], jobs=jobs)  # one row per setting, in order
    Y = runs["all.dropout_rate"].to_numpy(dtype=float)
    res = morris_analyze.analyze(spec, X, Y, num_levels=LEVELS, seed=seed)
    table = pd.DataFrame({k: np.asarray(res[k], dtype=float) for k in ("mu_star", "mu_star_conf", "mu", "sigma")},
                         index=pd.Index(KEYS, name="parameter")).sort_values("mu_star", ascending=False)
    print(f"Morris, {len(X)} runs: effect on the dropout rate (share of enrolees)")
    print(table.round(4).to_string())
    return table


if __name__ == "__main__":
    main()
