"""Drive the model from Python: one run, then two arms compared with the same seeds.

    python docs/examples/api_basic.py

One run of the baseline scenario with a 70 USD monthly stipend, then a study of two arms (no policy, the
stipend) over the same seeds: with common random numbers the difference between the arms at one seed is
the effect of the stipend alone, so a few seeds already give its sign. See docs/API.md.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

if importlib.util.find_spec("livelihoods") is None:  # run from a clone whose editable install predates the API
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import pandas as pd  # noqa: E402

import livelihoods  # noqa: E402


def main(n_youth: int = 4000, months: int = 24, seeds=(1, 2, 3), jobs: int | None = None) -> dict:
    """Returns ``{"run": Result, "study": DataFrame (one row per arm x seed), "effect": DataFrame}``.

    ``effect`` has one row per seed: the stipend arm minus the no-policy arm (dropout and employment in
    points of share, cost in USD) and the incremental cost per dropout averted (USD).
    """
    size = {"scenario.n_youth": n_youth, "months": months}

    # one run: a mapping of group choices and dotted keys (or a list of override strings, as on the command line)
    run = livelihoods.simulate({"policy": ["stipend"], "policy.stipend.monthly_amount": 70, **size}, seed=1)
    print(run)
    print(f"dropout {run.indicators['dropout_rate']:.3f}, employment {run.indicators['employment_rate']:.3f}, "
          f"cost {run.values()['cost.total']:,.0f} USD (stipend {run.values()['cost.stipend']:,.0f} USD)")

    # two arms, the same seeds for both (common random numbers), on all local cores
    arms = {"no policy": {"policy": []}, "stipend 70": {"policy": ["stipend"], "policy.stipend.monthly_amount": 70}}
    study = livelihoods.run_study([{**arm, **size} for arm in arms.values()], seeds=seeds, jobs=jobs)
    study.insert(1, "arm", study["setting"].map(dict(enumerate(arms))))

    by_seed = study.pivot(index="seed", columns="arm")
    dropouts = by_seed["all.dropout_rate"] * by_seed["all.enrolled"]  # persons who dropped out
    effect = pd.DataFrame({
        "dropout_rate": by_seed["all.dropout_rate"]["stipend 70"] - by_seed["all.dropout_rate"]["no policy"],
        "employment_rate": by_seed["all.employment_rate"]["stipend 70"] - by_seed["all.employment_rate"]["no policy"],
        "cost_usd": by_seed["cost.total"]["stipend 70"] - by_seed["cost.total"]["no policy"],
    })
    averted = dropouts["no policy"] - dropouts["stipend 70"]
    effect["usd_per_dropout_averted"] = effect["cost_usd"] / averted.where(averted > 0)
    print("\nstipend 70 USD minus no policy, per seed (same seeds in both arms):")
    print(effect.round(3).to_string())
    print(f"mean change in dropout: {effect['dropout_rate'].mean():+.3f} "
          f"(over {len(seeds)} seeds; the report's confidence intervals need more)")
    return {"run": run, "study": study, "effect": effect}


if __name__ == "__main__":
    main()
