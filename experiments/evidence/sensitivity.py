"""Global sensitivity analysis: ``python -m experiments.sensitivity [--indicators ...] [overrides]``.

Which uncertain parameter moves dropout, employment and migration intent most?
The parameters and their ranges are those calibration searches
(``configs/targets/parameters.yaml``), applied to the default configuration plus
any overrides. Two methods of SALib, both reproducible from ``--seed`` (it seeds
the samplers, the bootstrap intervals and the model, which uses the same random
streams in every run so that differences come from the parameters alone):

* **Morris elementary effects** (screening, r trajectories, r (k + 1) runs):
  mu* = mean |EE_i| ranks a parameter's overall influence, sigma its
  non-linearity and interactions;
* **Sobol indices** (Saltelli's scheme, N (k + 2) runs, N a power of 2):
  S1_i = Var(E[Y | X_i]) / Var(Y), the share of the variance due to X_i alone,
  ST_i = E[Var(Y | X_~i)] / Var(Y), its share including interactions.

With ``--posterior NAME`` the ranges are instead each parameter's central 90% interval
(``--credible``) over the draws of the stored posterior ``configs/calibration/NAME/``: the
question becomes which parameter's *remaining* uncertainty, after calibration, moves the
indicators. The marginal intervals are sampled independently (SALib's methods assume
independent inputs), so the posterior's correlations are not kept; a study over the draws
themselves (``posterior=NAME draw=...``) keeps them.

Writes ``morris.csv``, ``sobol.csv``, ``runs.parquet`` (inputs and outputs of every
run), ``problem.json`` (the ranges used and where they came from) and ``sensitivity.png``
to ``results/sensitivity/<time>/``, and prints the ranking.

The runs go to this machine's cores (joblib, ``--jobs``), or, given the override
``hydra/launcher=<name>`` (basic, joblib, ray, submitit_local, submitit_slurm), to a
Hydra sweep of ``experiments.run`` on that launcher: each design is written as a
table and run with ``hydra/sweeper=rows`` into ``<out>/morris`` and ``<out>/sobol``
(one job folder per row, the usual layout; re-running completes a killed sweep).
Both ways give the same numbers.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.evidence.outcomes import DEFAULT_PARAMETERS, load_parameters, run_many
from experiments.records.files import atomic_write
from experiments.records.folders import claim_new, make_folder
from experiments.records.runs import SUMMARY
from livelihoods.errors import CommandParser, ConfigurationError, DamagedRecord, LivelihoodsError, entry_point, require
from livelihoods.overrides import split_launcher
from livelihoods.parallel import default_jobs
from livelihoods.paths import ROOT
from livelihoods.values import with_values
from simulation.metrics import GROUPS, INDICATORS

DEFAULT_INDICATORS = ("dropout_rate", "employment_rate", "migration_intent_rate")


def parse_indicator(text: str) -> tuple[str, str]:
    """``indicator`` or ``group:indicator`` -> (group, indicator), checked against the model's lists."""
    group, _, name = text.rpartition(":")
    group = group or "all"
    if name not in INDICATORS:
        raise ConfigurationError(f"--indicators: unknown indicator {name!r}, allowed: {', '.join(INDICATORS)}")
    if group not in ("all", *GROUPS):
        raise ConfigurationError(f"--indicators: unknown group {group!r}, allowed: all, {', '.join(GROUPS)}")
    return group, name


def problem_of(params) -> dict:
    return {"num_vars": len(params), "names": [p.key for p in params], "bounds": [[p.low, p.high] for p in params]}


@dataclass
class Runner:
    """Where the runs go: this machine's cores (joblib), or a Hydra launcher through ``hydra/sweeper=rows``."""
    jobs: int
    launcher: str | None = None  # basic, joblib, ray, submitit_local, submitit_slurm (None: in-process)
    overrides: tuple[str, ...] = ()  # the base run's overrides, passed to every job
    folder: Path | None = None  # sweeps go to <folder>/<desc>/
    settings: tuple[str, ...] = ()  # the launcher's own settings (hydra.launcher.n_jobs=2, ...)


def evaluate(base_cfg, names: list[str], X: np.ndarray, indicators, runner: Runner, desc: str) -> np.ndarray:
    """Y[i, j]: indicator j of the run with parameter row X[i] (every run with the base config's seed)."""
    cfgs = [with_values(base_cfg, dict(zip(names, map(float, row)))) for row in X]  # checks every range
    if runner.launcher is None:
        runs = run_many(cfgs, jobs=runner.jobs, desc=desc)
        return np.array([[run[key] for key in indicators] for run in runs], dtype=float)
    return evaluate_on_launcher(base_cfg, names, X, indicators, runner, desc)


def evaluate_on_launcher(base_cfg, names, X, indicators, runner: Runner, desc: str) -> np.ndarray:
    """The same runs as a Hydra sweep (``hydra/sweeper=rows``) on ``runner.launcher``; results read back by row."""
    import subprocess

    sweep = runner.folder / desc.split()[0].lower()
    sweep.mkdir(parents=True, exist_ok=True)
    plan = sweep.parent / f"{sweep.name}_plan.parquet"
    atomic_write(plan, lambda tmp: pd.DataFrame(X, columns=names).to_parquet(tmp, index=False))
    command = [sys.executable, "-m", "experiments.run", "-m", "hydra/sweeper=rows", f"hydra.sweeper.table={plan}",
               f"hydra/launcher={runner.launcher}", *runner.settings, f"hydra.sweep.dir={sweep}", *runner.overrides,
               f"seed={base_cfg.seed}", f"scenario.n_youth={base_cfg.scenario.n_youth}", "progress=false",
               "figures=false", "resume=true"]  # resume: a re-run of a killed study completes the missing rows
    print(f"{desc}: {len(X)} runs on hydra/launcher={runner.launcher} into {sweep}", flush=True)
    done = subprocess.run(command, cwd=ROOT)
    if done.returncode != 0:
        raise ConfigurationError(f"hydra/launcher={runner.launcher}: the sweep in {sweep} failed (exit "
                                 f"{done.returncode}); fix the cause and run the same command again to complete it")
    Y = np.empty((len(X), len(indicators)))
    for i in range(len(X)):
        Y[i] = job_indicators(sweep / str(i), indicators)
    return Y


def job_indicators(job: Path, indicators) -> list[float]:
    """The ``indicators`` ((group, name), ...) of a job's summary (NaN where undefined), read by
    ``livelihoods.files`` (a regular file inside the job folder, numbers finite); ``DamagedRecord`` if it cannot
    be read or lacks one of them."""
    from livelihoods.files import load_json, why

    try:
        summary = load_json(job / SUMMARY, record=True, within=job)
        groups = {"all": summary["indicators"], **summary["by_group"]}
        values = [groups[g][k] for g, k in indicators]
        if not all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values):
            raise ValueError("an indicator is not a number")
    except (LivelihoodsError, ValueError, KeyError, TypeError) as exc:
        text = f"no {exc.args[0]!r}" if isinstance(exc, KeyError) else why(exc)
        raise DamagedRecord(f"{job / SUMMARY}: cannot be read ({text}); run the same command again to run the job "
                            "again") from exc
    return [np.nan if v is None else v for v in values]


def morris(problem, base_cfg, indicators, trajectories: int, levels: int, seed: int, runner: Runner):
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    X = sample.sample(problem, trajectories, num_levels=levels, seed=seed)
    Y = evaluate(base_cfg, problem["names"], X, indicators, runner, "Morris runs")
    rows = []
    for j, (group, name) in enumerate(indicators):
        res = analyze.analyze(problem, X, Y[:, j], num_levels=levels, seed=seed)
        for i, param in enumerate(problem["names"]):
            rows.append({"indicator": name, "group": group, "parameter": param, "mu_star": res["mu_star"][i],
                         "mu_star_conf": res["mu_star_conf"][i], "mu": res["mu"][i], "sigma": res["sigma"][i]})
    return pd.DataFrame(rows), X, Y


def sobol(problem, base_cfg, indicators, n: int, seed: int, runner: Runner):
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    X = sample.sample(problem, n, calc_second_order=False, seed=seed)
    Y = evaluate(base_cfg, problem["names"], X, indicators, runner, "Sobol runs")
    rows = []
    for j, (group, name) in enumerate(indicators):
        res = analyze.analyze(problem, Y[:, j], calc_second_order=False, seed=seed)
        for i, param in enumerate(problem["names"]):
            rows.append({"indicator": name, "group": group, "parameter": param, "S1": res["S1"][i],
                         "S1_conf": res["S1_conf"][i], "ST": res["ST"][i], "ST_conf": res["ST_conf"][i]})
    return pd.DataFrame(rows), X, Y


def short(key: str) -> str:
    return key.removeprefix("behaviour.")


def figure(morris_df: pd.DataFrame | None, sobol_df: pd.DataFrame | None, path: Path) -> None:
    """One column per indicator: Morris mu* (top) and Sobol S1 / ST (bottom), with 95% intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frames = [df for df in (morris_df, sobol_df) if df is not None]
    indicators = list(dict.fromkeys(zip(frames[0]["group"], frames[0]["indicator"])))
    n_params = frames[0]["parameter"].nunique()
    fig, axes = plt.subplots(len(frames), len(indicators), squeeze=False,
                             figsize=(4.6 * len(indicators), 0.32 * n_params * len(frames) + 1.5))
    for col, (group, name) in enumerate(indicators):
        title = name if group == "all" else f"{name} ({group})"
        row = 0
        if morris_df is not None:
            d = morris_df[(morris_df.group == group) & (morris_df.indicator == name)].sort_values("mu_star")
            ax = axes[row, col]
            ax.barh([short(p) for p in d.parameter], d.mu_star, xerr=d.mu_star_conf, color="C0", capsize=2)
            ax.set_title(f"Morris: {title}", fontsize=9)
            ax.set_xlabel("mu* (mean |elementary effect|)")
            ax.tick_params(axis="y", labelsize=7)
            row += 1
        if sobol_df is not None:
            d = sobol_df[(sobol_df.group == group) & (sobol_df.indicator == name)].sort_values("ST")
            ax = axes[row, col]
            y = np.arange(len(d))
            ax.barh(y + 0.2, d.ST, height=0.4, xerr=d.ST_conf, color="C1", capsize=2, label="ST (total)")
            ax.barh(y - 0.2, d.S1, height=0.4, xerr=d.S1_conf, color="C2", capsize=2, label="S1 (first order)")
            ax.set_yticks(y, [short(p) for p in d.parameter], fontsize=7)
            ax.set_title(f"Sobol: {title}", fontsize=9)
            ax.set_xlabel("share of variance")
            ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)


@entry_point
def main(argv: list[str] | None = None) -> int:
    from livelihoods.compose import load_config

    ap = CommandParser(description=__doc__.splitlines()[0])
    ap.add_argument("--methods", default="morris,sobol", help="morris, sobol or both (default)")
    ap.add_argument("--indicators", default=",".join(DEFAULT_INDICATORS),
                    help="comma-separated indicators, optionally group:indicator (e.g. far:dropout_rate)")
    ap.add_argument("--trajectories", type=int, default=20, help="Morris trajectories r (default 20)")
    ap.add_argument("--levels", type=int, default=4, help="Morris grid levels (default 4)")
    ap.add_argument("--sobol-n", type=int, default=128, help="Sobol base sample N, a power of 2 (default 128)")
    ap.add_argument("--n-youth", type=int, default=10000, help="population per run (default 10000)")
    ap.add_argument("--seed", type=int, default=1, help="seed of samplers, bootstrap and model (default 1)")
    ap.add_argument("--jobs", type=int, default=default_jobs(), help="worker processes (default: all cores)")
    ap.add_argument("--parameters", type=Path, default=DEFAULT_PARAMETERS)
    ap.add_argument("--posterior", metavar="NAME",
                    help="ranges: the central --credible interval of each parameter over this stored posterior")
    ap.add_argument("--credible", type=float, default=None, help="with --posterior: interval mass (default 0.9)")
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "sensitivity")
    ap.add_argument("overrides", nargs="*", help="config overrides of the base run (e.g. scenario=mali_returnees); "
                    "hydra/launcher=ray (or basic, joblib, submitit_*) runs them as a Hydra sweep on that launcher")
    args = ap.parse_intermixed_args(argv if argv is not None else sys.argv[1:])  # overrides anywhere
    require("SALib", "studies", "experiments.sensitivity")

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    if not methods or any(m not in ("morris", "sobol") for m in methods):
        raise ConfigurationError(f"--methods: must be morris, sobol or morris,sobol, got {args.methods!r}")
    indicators = [parse_indicator(t.strip()) for t in args.indicators.split(",") if t.strip()]
    if not indicators:
        raise ConfigurationError("--indicators: must name at least one indicator")
    n = args.sobol_n
    checks = (("--trajectories", args.trajectories, 2), ("--levels", args.levels, 2), ("--sobol-n", n, 2),
              ("--n-youth", args.n_youth, 100), ("--seed", args.seed, 0), ("--jobs", args.jobs, 1))
    for flag, value, low in checks:
        if value < low:
            raise ConfigurationError(f"{flag}: must be an integer >= {low}, got {value}")
    if "sobol" in methods and n & (n - 1):
        raise ConfigurationError(f"--sobol-n: must be a power of 2 (Sobol sequence balance), got {n}")
    launcher, launcher_settings, overrides = split_launcher(args.overrides)
    base = load_config(*overrides, f"seed={args.seed}", f"scenario.n_youth={args.n_youth}",
                       "progress=false", "figures=false")
    params = load_parameters(args.parameters, probe=base)
    source = f"prior ranges of {args.parameters.name}"
    if args.credible is not None and args.posterior is None:
        raise ConfigurationError(f"--credible: narrows the ranges to a posterior's central interval; give "
                                 f"--posterior NAME too (got --credible {args.credible} alone)")
    args.credible = 0.9 if args.credible is None else args.credible
    if args.posterior is not None:
        params = posterior_parameters(params, args.posterior, args.credible)
        source = f"central {args.credible:g} intervals of posterior {args.posterior}"
    problem = problem_of(params)

    out = args.out / datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    make_folder(args.out, "--out")  # a file there is refused before the runs, not after them
    runner = Runner(args.jobs, launcher, tuple(overrides), out, tuple(launcher_settings))
    runs, morris_df, sobol_df = [], None, None
    print(f"sensitivity of {', '.join(f'{g}:{i}' for g, i in indicators)} to {len(params)} parameters "
          f"({base.behaviour.name} calibration, ranges: {source}; {args.n_youth} youth, seed {args.seed}, "
          f"{args.jobs} jobs)")
    if "morris" in methods:
        morris_df, X, Y = morris(problem, base, indicators, args.trajectories, args.levels, args.seed, runner)
        runs.append(_runs_frame("morris", problem, indicators, X, Y))
    if "sobol" in methods:
        sobol_df, X, Y = sobol(problem, base, indicators, n, args.seed, runner)
        runs.append(_runs_frame("sobol", problem, indicators, X, Y))

    out = claim_new(out, "--out") if not out.exists() else out  # (a launcher's sweeps may have made it)
    described = {"calibration": base.behaviour.name, "ranges": source, "seed": args.seed, "n_youth": args.n_youth,
                 "parameters": [{"key": p.key, "low": p.low, "high": p.high, "unit": p.unit, "why": p.why}
                                for p in params]}
    atomic_write(out / "problem.json", lambda tmp: Path(tmp).write_text(json.dumps(described, indent=2) + "\n"))
    if morris_df is not None:
        atomic_write(out / "morris.csv", lambda tmp: morris_df.to_csv(tmp, index=False))
    if sobol_df is not None:
        atomic_write(out / "sobol.csv", lambda tmp: sobol_df.to_csv(tmp, index=False))
    frame = pd.concat(runs, ignore_index=True)
    atomic_write(out / "runs.parquet", lambda tmp: frame.to_parquet(tmp, index=False))
    figure(morris_df, sobol_df, out / "sensitivity.png")
    for group, name in indicators:
        label = name if group == "all" else f"{group}:{name}"
        if morris_df is not None:
            d = morris_df[(morris_df.group == group) & (morris_df.indicator == name)].nlargest(3, "mu_star")
            print(f"{label:32s} Morris mu* top 3: " + ", ".join(f"{short(r.parameter)} {r.mu_star:.3f}"
                                                                  for r in d.itertuples()))
        if sobol_df is not None:
            d = sobol_df[(sobol_df.group == group) & (sobol_df.indicator == name)].nlargest(3, "ST")
            print(f"{label:32s} Sobol ST  top 3: " + ", ".join(f"{short(r.parameter)} {r.ST:.2f}"
                                                                  for r in d.itertuples()))
    print(f"wrote {', '.join(p.name for p in sorted(out.iterdir()))} to {out}")
    return 0


def posterior_parameters(params, name: str, credible: float) -> list:
    """The parameters with their ranges narrowed to the posterior's central intervals (``draws.credible_ranges``).

    A parameter the posterior does not hold keeps its prior range; one whose interval is a point (every draw
    the same) is left out, since it cannot vary."""
    from dataclasses import replace

    from livelihoods import draws
    from simulation.config import ConfigError

    if not (0.0 < credible < 1.0):
        raise ConfigurationError(f"--credible: must be a number in (0, 1), got {credible}")
    try:
        ranges = draws.credible_ranges(name, credible)
    except ConfigError as exc:
        raise ConfigurationError(f"--posterior: must be {exc.allowed.removeprefix('null or ')}, got {name!r}")
    out = []
    for p in params:
        low, high = ranges.get(p.key, (p.low, p.high))
        if high > low:
            out.append(replace(p, low=low, high=high,
                               why=f"posterior {name}: central {credible:g} interval (prior [{p.low:g}, {p.high:g}])"))
    return out


def _runs_frame(method, problem, indicators, X, Y) -> pd.DataFrame:
    frame = pd.DataFrame(X, columns=problem["names"])
    for j, (group, name) in enumerate(indicators):
        frame[name if group == "all" else f"{group}:{name}"] = Y[:, j]
    frame.insert(0, "method", method)
    return frame

