"""The model's numbers quoted in README.md and docs/ODD.md, computed in one place.

    python -m tools.doc_numbers            # compute, write docs/numbers.json, and print what changed
    python -m tools.doc_numbers --write    # ... and rewrite every marked number in README.md and docs/ODD.md

A number in the docs is marked ``<!--n:NAME-->text<!--/n-->``; NAME is a key of ``docs/numbers.json`` and
the text is its formatted value (``tests/test_doc_numbers.py`` fails when a marked text differs from the
file, when a marker names no number, and when the file differs from what this script computes now).
Every number comes from the default configuration (its calibration is named in the file and in the docs
next to the numbers), over the runs of ``DESIGN``: seeds from 1, paired across arms (common random numbers).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
NUMBERS = ROOT / "docs" / "numbers.json"
DOCS = (ROOT / "README.md", ROOT / "docs" / "ODD.md")
MARK = re.compile(r"<!--n:([a-z0-9_.]+)-->(.*?)<!--/n-->", re.S)

# what is run: per section, the population, months, seeds and arms (overrides over the default config)
DESIGN = {
    "baseline": {"n_youth": 20000, "months": 36, "seeds": 3, "arms": {"baseline": []}},
    "policies": {"n_youth": 20000, "months": 36, "seeds": 2, "arms": {
        "baseline": [], "stipend": ["policy=[stipend]"], "childcare": ["policy=[childcare]"],
        "transport": ["policy=[transport]"], "certification": ["policy=[certification]"],
        "mobility": ["policy=[mobility_scheme]"], "startup": ["policy=[startup_kit]"],
        "no_programme": ["scenario.training.seats_per_1000_youth=0"]}},
    "stress": {"n_youth": 10000, "months": 36, "seeds": 4, "target": 0.30,
               "arms": {f"stipend_{a}": ["policy=[stipend]", f"policy.stipend.monthly_amount={a}"]
                        for a in (0, 15, 30, 45, 60, 90, 130)}},
}


# drift of the no-policy baseline over a run (mean of the last 6 months minus month 0), per variant
AT_REST = {"n_youth": 5000, "months": 36, "seeds": 4, "variants": {
    "default": [], "no_burn_in": ["burn_in_months=0"],
    "timbuktu_60": ["scenario=timbuktu_youth", "burn_in_months=60"], "timbuktu": ["scenario=timbuktu_youth"],
    "mali": ["scenario=mali_returnees"],  # the most returnees, and the largest outflow of emigrants
    # a longer burn-in changes nothing once the stock abroad has settled (emigrants age out of the cohort)
    "burn_240": ["burn_in_months=240"], "evidence": ["calibration=evidence"]}}
DRIFTING = ("employment_rate", "wage_employment_rate", "self_employment_rate", "migration_intent_rate")


def drift(cfg) -> dict[str, float]:
    """Each headline indicator's drift over the run: mean of the last 6 months minus month 0."""
    from simulation.model import LivelihoodsModel

    model = LivelihoodsModel(cfg)
    for _ in range(cfg.months):
        model.step()
    ts = model.timeseries()
    out = {k: float(ts[k].iloc[-6:].mean() - ts[k].iloc[0]) for k in DRIFTING}
    return out | {"population_growth": float(ts["population"].iloc[-1] / ts["population"].iloc[0] - 1)}


def design(d: dict) -> str:
    return f"seeds 1–{d['seeds']}, {d['n_youth']:,} youth, {d['months']} months"


def pct(x: float, digits: int = 0) -> str:
    return "n/a" if not math.isfinite(x) else f"{100 * x:.{digits}f}%"


def points(x: float, digits: int = 1) -> str:
    if not math.isfinite(x):
        return "n/a"
    text = f"{100 * x:+.{digits}f}"
    return f"{text.lstrip('+-') if float(text) == 0 else text} points"  # no sign on a zero


def compute(jobs: int = 2) -> dict:
    """Every number, formatted, with the design and the calibration that made them."""
    from experiments.evidence.outcomes import run_many
    from livelihoods.compose import load_config

    runs = {}
    for section, d in DESIGN.items():
        cfgs, keys = [], []
        for arm, overrides in d["arms"].items():
            for seed in range(1, d["seeds"] + 1):
                cfgs.append(load_config(*overrides, f"scenario.n_youth={d['n_youth']}", f"months={d['months']}",
                                        f"seed={seed}", "progress=false", "figures=false"))
                keys.append((arm, seed))
        for key, out in zip(keys, run_many(cfgs, jobs=jobs, desc=section, progress=False)):
            runs.setdefault(section, {}).setdefault(key[0], []).append(out)
    calibration = load_config().behaviour.name

    def mean(section, arm, indicator, group="all"):
        values = [r.get((group, indicator), math.nan) for r in runs[section][arm]]
        return float(np.nanmean(values)) if np.isfinite(values).any() else math.nan

    b = lambda ind, g="all": mean("baseline", "baseline", ind, g)  # noqa: E731
    p = lambda arm, ind, g="all": mean("policies", arm, ind, g)  # noqa: E731
    n = {
        "calibration": calibration,
        "baseline.design": design(DESIGN["baseline"]),
        "baseline.dropout": pct(b("dropout_rate")),
        "baseline.dropout_mothers": pct(b("dropout_rate", "mothers")),
        "baseline.dropout_far": pct(b("dropout_rate", "far")),
        "baseline.dropout_near": pct(b("dropout_rate", "near")),
        "baseline.first_month_share": pct(b("first_month_dropout_share")),
        "baseline.completion": pct(b("completion_rate")),
        "baseline.employment": pct(b("employment_rate")),
        "baseline.wage_employment": pct(b("wage_employment_rate")),
        "baseline.self_employment": pct(b("self_employment_rate")),
        "baseline.employment_gap": points(b("completer_employment_gap")),
        "baseline.intent": pct(b("migration_intent_rate")),
        "baseline.intenders_left_24m": pct(b("intenders_left_within_24_months"), 1),
        "baseline.departures_per_year": pct(12 * b("departures_per_month"), 2),
        "baseline.dismissal_returnees": pct(b("dismissal_rate", "returnees")),
        "baseline.dismissal_others": pct(b("dismissal_rate", "non_returnees")),
        "trial.itt_completed_12m": points(b("trial_itt_completed_12m")),
        "trial.itt_employed_12m": points(b("trial_itt_employed_12m")),
        "trial.tot_employed_12m": points(b("trial_tot_employed_12m")),
        "trial.itt_employed_24m": points(b("trial_itt_employed_24m")),
        "trial.first_stage_12m": pct(b("trial_first_stage_12m")),
        "policies.design": design(DESIGN["policies"]),
        "policies.stipend_dropout": f"{pct(p('baseline', 'dropout_rate'))} → {pct(p('stipend', 'dropout_rate'))}",
        "policies.childcare_mothers_completion": f"{pct(p('baseline', 'completion_rate', 'mothers'))} → "
                                                 f"{pct(p('childcare', 'completion_rate', 'mothers'))}",
        "policies.transport_far_dropout": f"{pct(p('baseline', 'dropout_rate', 'far'))} → "
                                          f"{pct(p('transport', 'dropout_rate', 'far'))}",
        "policies.transport_near_dropout": f"{pct(p('baseline', 'dropout_rate', 'near'))} → "
                                           f"{pct(p('transport', 'dropout_rate', 'near'))}",
        "policies.certification_dismissal": f"{pct(p('baseline', 'dismissal_rate', 'returnees'))} → "
                                            f"{pct(p('certification', 'dismissal_rate', 'returnees'))}",
        "policies.mobility_regular": f"{pct(p('baseline', 'regular_migration_rate'), 1)} → "
                                     f"{pct(p('mobility', 'regular_migration_rate'), 1)}",
        "policies.mobility_irregular": f"{pct(p('baseline', 'irregular_migration_rate'), 1)} → "
                                       f"{pct(p('mobility', 'irregular_migration_rate'), 1)}",
        "policies.startup_self_employment": f"{pct(p('baseline', 'self_employment_rate'))} → "
                                            f"{pct(p('startup', 'self_employment_rate'))}",
        "policies.programme_employment": points(p("baseline", "employment_rate") - p("no_programme", "employment_rate"),
                                                2),
    }
    s = DESIGN["stress"]
    levels = sorted(int(a.split("_")[1]) for a in s["arms"])
    upper = {}
    for a in levels:
        from experiments.studies.stats import t_interval

        values = np.array([r[("all", "dropout_rate")] for r in runs["stress"][f"stipend_{a}"]])
        upper[a] = t_interval(values, 0.95)[2]
    answer = next((a for a in levels if upper[a] < s["target"]), None)
    n |= {
        "stress.design": f"{len(levels)} levels × {s['seeds']} seeds, {s['n_youth']:,} youth × {s['months']} months",
        "stress.answer": f"{answer} USD/month" if answer is not None else "none of the levels tested",
        "stress.dropout_at_0": pct(mean("stress", "stipend_0", "dropout_rate")),
        "stress.dropout_at_130": pct(mean("stress", "stipend_130", "dropout_rate")),
    }
    from joblib import Parallel, delayed

    a = AT_REST
    cfgs = {(v, s): load_config(*o, f"scenario.n_youth={a['n_youth']}", f"months={a['months']}", f"seed={s}",
                                "progress=false", "figures=false", "threads=1")
            for v, o in a["variants"].items() for s in range(1, a["seeds"] + 1)}
    drifts = dict(zip(cfgs, Parallel(n_jobs=jobs)(delayed(drift)(c) for c in cfgs.values())))

    def d(variant, k):
        return float(np.mean([drifts[(variant, s)][k] for s in range(1, a["seeds"] + 1)]))

    n |= {"at_rest.design": design(a)}
    for variant in a["variants"]:
        for k in (*DRIFTING, "population_growth"):
            n[f"at_rest.{variant}.{k}"] = points(d(variant, k)) if k != "population_growth" else pct(d(variant, k))
    n |= posterior_numbers() | posterior_stress_numbers()
    return {"calibration": calibration, "design": DESIGN, "at_rest": AT_REST, "numbers": n}


POSTERIOR = "posterior-2"  # the stored posterior the docs describe (configs/calibration/<POSTERIOR>/)


def posterior_numbers(name: str = POSTERIOR) -> dict[str, str]:
    """The stored posterior, as the docs quote it: per parameter the prior range, the posterior mean and 90%
    interval (over its systematically resampled draws), and how the ABC-SMC went (from its own files)."""
    import pandas as pd

    from livelihoods import draws

    folder = draws.POSTERIOR_DIR / name
    if not (folder / "posterior.csv").exists():
        return {}
    manifest = json.loads((folder / "manifest.json").read_text())
    diagnostics = pd.read_csv(folder / "diagnostics.csv")
    keys, values = draws._draws(folder / "posterior.csv", (folder / "posterior.csv").stat().st_mtime)
    n = {"posterior.name": name, "posterior.draws": f"{len(values)}",
         "posterior.generations": f"{manifest['generations_run']}",
         "posterior.simulations": f"{manifest['simulations']:,}",
         "posterior.final_epsilon": f"{manifest['final_epsilon']:.3g}",
         "posterior.final_ess": f"{diagnostics['effective_sample_size'].iloc[-1]:.0f}",
         "posterior.final_acceptance": pct(diagnostics["acceptance_rate"].iloc[-1]),
         "posterior.wall_minutes": f"{manifest['wall_seconds_abc'] / 60:.0f}" if manifest.get("wall_seconds_abc") else "n/a",
         "posterior.population": f"{manifest['settings']['population']}",
         "posterior.n_youth": f"{manifest['settings']['n_youth']:,}"}
    predictive = pd.read_csv(folder / "predictive.csv")
    bounds = predictive["range"].str.strip("[]").str.split(",", expand=True).astype(float)
    inside = (predictive["median"] >= bounds[0]) & (predictive["median"] <= bounds[1])
    n["posterior.predictive_inside"] = f"{int(inside.sum())} of {len(predictive)}"
    for r in predictive.itertuples():
        n[f"posterior.predictive.{r.target}"] = f"{r.median:.3g}"
        n[f"posterior.predictive.{r.target}.share_inside"] = pct(r.share_inside)
    for k, column in zip(keys, values.T):
        short = k.split(".", 1)[1]
        prior = manifest["settings"]["prior"][k]
        n[f"posterior.{short}.prior"] = f"[{prior['low']:g}, {prior['high']:g}]"
        n[f"posterior.{short}.mean"] = f"{np.mean(column):.3g}"
        n[f"posterior.{short}.interval"] = f"{np.quantile(column, 0.05):.3g} – {np.quantile(column, 0.95):.3g}"
    return n


# the stored posterior stress test the README quotes: the report, stress.csv and paired.csv that
# experiments.report wrote for it (the command is in the report's header)
POSTERIOR_STRESS = ROOT / "docs" / "examples" / "stipend_stress_test_posterior"


def posterior_stress_numbers(folder: Path = POSTERIOR_STRESS) -> dict[str, str]:
    """The stipend stress test over the posterior, from its stored tables: the answer, dropout without a stipend
    and at the lowest level of highest P(dropout < target), and that level's paired effect against none."""
    import pandas as pd

    if not (folder / "stress.csv").exists():
        return {}
    stress = pd.read_csv(folder / "stress.csv").sort_values("stipend")
    report = (folder / "report.md").read_text()
    answer = re.search(r"over the posterior: \*\*(.+?)\.?\*\*", report).group(1)
    best = stress.loc[stress["p_below_target"].round(2).idxmax()]  # first (lowest) level of the highest P
    none = stress.iloc[0]
    paired = pd.read_csv(folder / "paired.csv")
    effect = paired[(paired["group"] == "all") & (paired["indicator"] == "dropout_rate")
                    & paired["setting"].str.endswith(f"={best['stipend']:g}")].iloc[0]

    def level(r):
        return f"{100 * r['mean']:.0f}% [{100 * r['ci_low']:.0f}, {100 * r['ci_high']:.0f}]"

    # the header comment written when the report was stored: "(<jobs> jobs, <wall time> on <n> cores, <date>)"
    ran = re.search(r"\((\d[\d,]*) jobs, (.+?) on (\d+) cores", report)
    return {"poststress.answer": answer,
            "poststress.run": f"{ran.group(1)} jobs in {ran.group(2)} on {ran.group(3)} cores" if ran else "n/a",
            "poststress.dropout_at_0": level(none),
            "poststress.best_level": f"{best['stipend']:g} USD/month",
            "poststress.dropout_at_best": level(best),
            "poststress.p_at_0": f"{none['p_below_target']:.2f}",
            "poststress.best_p": f"{best['p_below_target']:.2f}",
            "poststress.param_share_min": pct(stress["param_share"].min()),
            "poststress.seed_sd_max": f"{100 * stress['seed_sd'].max():.1f} points",
            "poststress.effect_at_best": f"{100 * effect['mean']:+.0f} points [{100 * effect['ci_low']:+.0f}, "
                                         f"{100 * effect['ci_high']:+.0f}]"}


def marked(text: str) -> list[tuple[str, str]]:
    return MARK.findall(text)


def rewrite(text: str, numbers: dict[str, str]) -> str:
    def one(m):
        name = m.group(1)
        if name not in numbers:
            raise KeyError(f"marker <!--n:{name}--> names no number of docs/numbers.json")
        return f"<!--n:{name}-->{numbers[name]}<!--/n-->"
    return MARK.sub(one, text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="rewrite the marked numbers in README.md and docs/ODD.md")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv if argv is not None else sys.argv[1:])
    result = compute(args.jobs)
    old = json.loads(NUMBERS.read_text()) if NUMBERS.exists() else {"numbers": {}}
    for key, value in result["numbers"].items():
        if old["numbers"].get(key) != value:
            print(f"{key}: {old['numbers'].get(key)} -> {value}")
    NUMBERS.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    if args.write:
        for doc in DOCS:
            doc.write_text(rewrite(doc.read_text(), result["numbers"]))
    print(f"wrote {NUMBERS.relative_to(ROOT)}" + (" and the marked numbers of README.md, docs/ODD.md" if args.write else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
