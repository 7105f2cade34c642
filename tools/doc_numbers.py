"""The model's numbers quoted in the docs, computed in one place, and the docs' generated blocks that quote them.

    python -m tools.doc_numbers            # compute, write docs/numbers.json, and print what changed
    python -m tools.doc_numbers --write    # ... and rewrite every generated block and marked number in the docs

Two ways to quote a number, both checked by ``tests/test_doc_numbers.py`` against ``docs/numbers.json``:

* a **generated block**: the README and the pages of docs/ quote numbers only between
  ``<!-- BEGIN generated:NAME ... -->`` and ``<!-- END generated:NAME -->``, two HTML comments that no rendered
  page shows. The text between them is ``BLOCKS[NAME](values)``, written here (edit the words here, then
  ``--write``); the test fails when a block's text differs from its rendering of the recorded values.
* a **marked number** ``<!--n:NAME-->text<!--/n-->`` inside prose, kept for docs/ODD.md only: NAME is a key of
  ``docs/numbers.json`` and the text its formatted value.

Every number comes from the default configuration (its calibration is named in the file and next to the
numbers), over the runs of ``DESIGN``: seeds from 1, paired across arms (common random numbers). The README's
walkthrough block quotes ``docs/walkthrough.json``, written by ``python -m tools.readme_walkthrough``.
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
WALKTHROUGH = ROOT / "docs" / "walkthrough.json"
MARK = re.compile(r"<!--n:([a-z0-9_.]+)-->(.*?)<!--/n-->", re.DOTALL)
BLOCK = re.compile(r"(<!-- BEGIN generated:([a-z_]+)[^>]*-->\n)(.*?)(<!-- END generated:\2 -->)", re.DOTALL)
MARKED = (ROOT / "docs" / "ODD.md",)  # the one page whose prose carries marked numbers


def docs() -> list[Path]:
    """Every page that may quote a number: README.md and the Markdown pages of docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

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

    b = lambda ind, g="all": mean("baseline", "baseline", ind, g)
    p = lambda arm, ind, g="all": mean("policies", arm, ind, g)
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
    n |= evidence_counts() | apprenticeship_numbers(jobs) | posterior_numbers() | posterior_stress_numbers()
    return {"calibration": calibration, "design": DESIGN, "at_rest": AT_REST, "numbers": n}


# the trial's apprenticeship package (configs/targets/evidence.yaml, arm trial_apprenticeship) against the stipend
# package, paired by seed: why the apprenticeship package sits at the top of its range (docs/ODD.md 4.2)
APPRENTICESHIP = {"n_youth": 20000, "months": 36, "seeds": 4, "stipend": ["policy=[stipend]"],
                  "package": ["policy=[stipend,apprenticeship]", "policy.apprenticeship.subsidy_months=3",
                              "policy.apprenticeship.extra_vacancies_per_host=0.1"]}


def _placements(overrides: list[str]) -> dict[str, float]:
    """One run: the trial's ITT on employment at 12 months, the lottery's winners, and those of them placed in an
    apprenticeship within 12 months of their lottery."""
    from livelihoods.compose import load_config
    from simulation.model import LivelihoodsModel

    model = LivelihoodsModel(load_config(*overrides))
    for _ in range(model.cfg.months):
        model.step()
    itt = model.summary()["trial"]["horizons"]["12"]["all"]["employed"]["itt"]
    hires = next((p.subsidised for p in model.policies.items if p.name == "apprenticeship"), None)
    placed_month = {}
    if hires is not None:  # a hire's record month: its model month less the burn-in
        for row, last, length in zip(hires.ids, hires.last, hires.months):
            placed_month.setdefault(int(row), int(last - length + 1) - model.burn_in)
    winners = placed = 0
    for cohort in model.trial.cohorts:
        for row in cohort["rows"][cohort["offered"]]:
            winners += 1
            placed += int(row) in placed_month and placed_month[int(row)] - cohort["month"] <= 12
    return {"itt": itt, "winners": winners, "placed": placed}


def apprenticeship_numbers(jobs: int = 2) -> dict[str, str]:
    from joblib import Parallel, delayed

    a = APPRENTICESHIP
    cfgs = [(arm, [*a[arm], f"scenario.n_youth={a['n_youth']}", f"months={a['months']}", f"seed={s}",
                   "progress=false", "figures=false"]) for arm in ("stipend", "package") for s in range(1, a["seeds"] + 1)]
    out = Parallel(n_jobs=jobs)(delayed(_placements)(o) for _, o in cfgs)
    stipend = [o for (arm, _), o in zip(cfgs, out) if arm == "stipend"]
    package = [o for (arm, _), o in zip(cfgs, out) if arm == "package"]
    extra = np.array([p["itt"] - s["itt"] for p, s in zip(package, stipend)])
    placed = np.array([p["placed"] / p["winners"] for p in package])
    net = extra / placed
    return {"apprenticeship.design": design(a),
            "apprenticeship.placed_within_12m": pct(placed.mean()),
            "apprenticeship.extra_itt_12m": points(extra.mean()),
            "apprenticeship.net_jobs_per_placement": pct(net.mean())}


def evidence_counts() -> dict[str, str]:
    """How many targets the evidence file lists and how many uncertain parameters the parameters file varies."""
    from experiments.evidence.outcomes import DEFAULT_PARAMETERS, load_parameters
    from experiments.evidence.validate import DEFAULT_TARGETS, load_targets

    return {"evidence.targets": f"{len(load_targets(DEFAULT_TARGETS).targets)}",
            "evidence.parameters": f"{len(load_parameters(DEFAULT_PARAMETERS))}"}


POSTERIOR = "posterior-4"  # the stored posterior the docs describe (configs/calibration/<POSTERIOR>/)


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
    n = {"posterior.name": name, "posterior.draws": f"{len(values)}", "posterior.start": manifest["settings"]["start"],
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
    stress = pd.read_csv(folder / "stress.csv")
    if "group" in stress.columns:  # a report with group targets writes one block of rows per target
        stress = stress[stress["group"] == "all"]
    stress = stress.sort_values("stipend")
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
    # and the command it recorded: "... 'draw=range(0,50)' 'seed=range(1,3)' scenario.n_youth=20000"
    draws_, seeds = (re.search(rf"{k}=range\((\d+),(\d+)\)", report) for k in ("draw", "seed"))
    youth = re.search(r"scenario\.n_youth=(\d+)", report)
    design = (f"{int(draws_[2]) - int(draws_[1])} draws × {int(seeds[2]) - int(seeds[1])} seeds × "
              f"{len(stress)} levels, {int(youth[1]):,} youth" if draws_ and seeds and youth else "n/a")
    return {"poststress.answer": answer, "poststress.design": design,
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


# ---- the generated blocks: one function per block name, from the recorded values to the block's Markdown ----

def _arrow(text: str) -> tuple[str, str]:
    """"49% → 18%" -> ("49%", "18%")."""
    before, _, after = text.partition(" → ")
    return before, after


def block_baseline(n: dict) -> str:
    b = {k.removeprefix("baseline."): v for k, v in n.items()}
    return f"""Calibration `{n['calibration']}`, {n['baseline.design']}, no policy (means over the seeds):

| indicator | baseline |
|---|---|
| dropout, share of enrolees | {n['baseline.dropout']} |
| … of mothers | {n['baseline.dropout_mothers']} |
| … of youth far from a centre / near one | {n['baseline.dropout_far']} / {n['baseline.dropout_near']} |
| share of dropouts who leave in the first course month | {n['baseline.first_month_share']} |
| completion, share of enrolees | {n['baseline.completion']} |
| employment rate of completers minus that of dropouts | {n['baseline.employment_gap']} |
| employment (wage / own account) | {b['employment']} ({b['wage_employment']} / {b['self_employment']}) |
| migration intent | {n['baseline.intent']} |
| intenders of month 0 who have left 24 months later | {n['baseline.intenders_left_24m']} |
| departures a year, share of the population | {n['baseline.departures_per_year']} |
| hires ending in dismissal: returnees / others | {b['dismissal_returnees']} / {b['dismissal_others']} |
"""


def block_trial(n: dict) -> str:
    return f"""In the baseline (calibration `{n['calibration']}`, {n['baseline.design']}) the offer raises completion by
{n['trial.itt_completed_12m']} and employment 12 months after the lottery by {n['trial.itt_employed_12m']}
(TOT {n['trial.tot_employed_12m']}; first stage {n['trial.first_stage_12m']}; 24 months after:
{n['trial.itt_employed_24m']}), the size of the training trials in the evidence (+2 to +7 points; McKenzie 2017,
[sources](sources.md)). The programme's effect on the whole population's employment, against no programme
(`scenario.training.seats_per_1000_youth=0`) on the same seeds ({n['policies.design']}), is
{n['policies.programme_employment']}: trained people also take vacancies others would have filled
(displacement), which a trial cannot see.
"""


POLICY_ROWS = (  # (policy and its default, indicator in words, number key)
    ("stipend, 70 USD/month", "dropout", "policies.stipend_dropout"),
    ("childcare", "completion of mothers", "policies.childcare_mothers_completion"),
    ("transport", "dropout of youth far from a centre", "policies.transport_far_dropout"),
    ("transport", "dropout of youth near one", "policies.transport_near_dropout"),
    ("certification", "hires of returnees ending in dismissal", "policies.certification_dismissal"),
    ("mobility scheme", "regular migration", "policies.mobility_regular"),
    ("mobility scheme", "irregular migration", "policies.mobility_irregular"),
    ("start-up kit", "self-employment", "policies.startup_self_employment"),
)


def block_policies(n: dict) -> str:
    rows = "\n".join(f"| {policy} | {what} | {' | '.join(_arrow(n[key]))} |" for policy, what, key in POLICY_ROWS)
    return f"""Each policy alone at its default parameters against no policy, calibration `{n['calibration']}`,
{n['policies.design']}, the same seeds in both arms:

| policy | indicator | no policy | with the policy |
|---|---|---|---|
{rows}
"""


def block_stress(n: dict) -> str:
    return f"""With calibration `{n['calibration']}` ({n['stress.design']}, baseline scenario) dropout falls from
{n['stress.dropout_at_0']} without a stipend to {n['stress.dropout_at_130']} at 130 USD/month, and the lowest
stipend whose dropout upper 95% bound is below 30% is {n['stress.answer']}: the answer of one parameter set.
Over the stored posterior the answer is {n['poststress.answer']} ([evidence](evidence.md#studies-over-the-posterior)).
"""


def block_posterior(n: dict) -> str:
    p = {k.removeprefix("posterior."): v for k, v in n.items()}
    inside, of = (int(x) for x in p["predictive_inside"].split(" of "))
    verdict = ("so every target holds at the median, although its tolerance is not 0 and some draws still miss "
               "some targets on some seeds" if inside == of else
               f"so it is **not converged**: {of - inside} target{'s' if of - inside > 1 else ''} miss at the median, "
               "and studies over it carry wider uncertainty than the evidence allows")
    return f"""The stored posterior `configs/calibration/{p['name']}/`, made from calibration `{p['start']}` (a run over it
takes every value it does not draw from the run's calibration, by default `{n['calibration']}`):
{p['generations']} generations of {p['population']} particles (a particle runs every arm once at {p['n_youth']}
youth), {p['simulations']} simulations in {p['wall_minutes']} minutes on 2 cores from its start to its last
generation; final tolerance {p['final_epsilon']}, acceptance rate {p['final_acceptance']}, effective sample
size {p['final_ess']}. Its predictive median is inside the range of {p['predictive_inside']} targets, {verdict}
(`predictive.md` gives the share of runs inside each range). Resampled, it gives {p['draws']} draws (`draw=0` to
`draw={int(p['draws']) - 1}`).
"""


def block_poststress(n: dict) -> str:
    return f"""Over the stored posterior (`{n['posterior.name']}`, over calibration `{n['calibration']}`):
{n['poststress.design']}, baseline scenario, {n['poststress.run']}. The answer is
**{n['poststress.answer']}**. Dropout falls from {n['poststress.dropout_at_0']} without a stipend to
{n['poststress.dropout_at_best']} at {n['poststress.best_level']} (means, 90% credible intervals), and no higher
stipend lowers it further; P(dropout < 30%) rises from {n['poststress.p_at_0']} to at most {n['poststress.best_p']}.
At every level at least {n['poststress.param_share_min']} of the variance is parameter uncertainty (seed sd at
most {n['poststress.seed_sd_max']}). Against no stipend, paired by draw and seed, that stipend changes dropout by
{n['poststress.effect_at_best']}. So a stipend surely lowers dropout, but whether it brings it under 30% depends
on parameters the evidence does not pin down; the point calibration's answer ({n['stress.answer']}, with
`experiment=stipend_stress_test` at {n['stress.design']}) is that of one credible parameter set.
"""


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, s = divmod(round(seconds), 60)
    return f"{minutes} min {s:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def block_walkthrough(w: dict) -> str:
    """The README's steps as measured by tools/readme_walkthrough.py (docs/walkthrough.json): the sweeps are its
    steps 1 and 3, the first report its step 2."""
    rows, said, sweeps = [], [], 0
    for step in w["steps"]:
        if step["seconds"] is None:  # make test: the whole suite, not timed
            continue
        time = _duration(step["seconds"])
        if step["kind"] == "sweep":
            sweeps += 1
            what = "1: the stress test" if sweeps == 1 else "3: the same over the posterior"
            rows.append(f"| {what} | {step['jobs']:,} | {time} |")
        elif step["kind"] == "report":
            number = 2 if sweeps == 1 else 3
            rows.append(f"| {'2: its report' if number == 2 else '3: its report'} | | {time} |")
            said += [f"- step {number}: {a[0].lower()}{a[1:]}" for a in step["answers"]]
        else:
            rows.append(f"| `{step['command']}` (`.venv` already installed) | 1 | {time} |")
    m = w["machine"]
    found = (re.search(r"scenario=(\w+)", s["command"]) for s in w["steps"] if s["kind"] == "sweep")
    scenarios = {f[1] for f in found if f}
    where = ", ".join(f"`{name}`" for name in sorted(scenarios)) or "`baseline`"
    return ("| step | runs | wall time |\n|---|---:|---:|\n" + "\n".join(rows) + "\n\n"
            + f"Measured with `python -m tools.readme_walkthrough` on {w['date']} (commit {w['commit']}) on "
            f"{m['cores']} cores ({m['cpu']}) shared with other work: times vary by about ±30% from one run to the "
            f"next. The reports answered, in scenario {where}:\n\n" + "\n".join(said) + "\n")


BLOCKS = {"baseline": block_baseline, "trial": block_trial, "policies": block_policies, "stress": block_stress,
          "posterior": block_posterior, "poststress": block_poststress, "walkthrough": block_walkthrough}


def render(name: str) -> str:
    """The Markdown of generated block ``name`` from the recorded values (docs/numbers.json, docs/walkthrough.json)."""
    if name not in BLOCKS:
        raise KeyError(f"generated:{name} is no block of tools/doc_numbers.py, allowed: {', '.join(BLOCKS)}")
    if name == "walkthrough":
        return BLOCKS[name](json.loads(WALKTHROUGH.read_text()))
    return BLOCKS[name](json.loads(NUMBERS.read_text())["numbers"])


def blocks(text: str) -> list[tuple[str, str]]:
    """(name, text) of every generated block of a page."""
    return [(m.group(2), m.group(3)) for m in BLOCK.finditer(text)]


def rewrite_blocks(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + render(m.group(2)) + m.group(4), text)


def write_blocks() -> None:
    """Rewrite every generated block of README.md and docs/*.md from the recorded values."""
    for doc in docs():
        text = doc.read_text()
        if BLOCK.search(text):
            doc.write_text(rewrite_blocks(text))


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
    ap.add_argument("--write", action="store_true", help="rewrite the generated blocks and marked numbers of the docs")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv if argv is not None else sys.argv[1:])
    result = compute(args.jobs)
    old = json.loads(NUMBERS.read_text()) if NUMBERS.exists() else {"numbers": {}}
    for key, value in result["numbers"].items():
        if old["numbers"].get(key) != value:
            print(f"{key}: {old['numbers'].get(key)} -> {value}")
    NUMBERS.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    if args.write:
        for doc in MARKED:
            doc.write_text(rewrite(doc.read_text(), result["numbers"]))
        write_blocks()
    print(f"wrote {NUMBERS.relative_to(ROOT)}"
          + (" and the docs' generated blocks and marked numbers" if args.write else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
