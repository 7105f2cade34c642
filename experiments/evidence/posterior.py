"""Bayesian calibration: ``python -m experiments.posterior [--name NAME] [--population N] [--generations G] ...``.

Method: approximate Bayesian computation with sequential Monte Carlo (ABC-SMC, pyabc), over the uncertain
parameters of ``configs/targets/parameters.yaml`` against the targets of ``configs/targets/evidence.yaml``.

* Prior: independent, uniform on each parameter's range [low, high] (the file's ``low``/``high``, with the
  range's source in ``why``).
* Simulation: one particle runs every arm of the targets file once, all arms with the same model seed
  (common random numbers), the seed derived from the particle's parameter values (so a particle's
  simulation is reproducible).
* Distance: the targets are ranges, so the evidence says "inside" or "outside", not a point:

      d = sum_t ( s_t / c_t )^2,   s_t = how far statistic t lies outside its range [l_t, h_t] (0 inside),
                                   c_t = |b_t|, b_t the bound it lies beyond (h_t - l_t if b_t = 0),

  the shortfall relative to the bound missed: a monthly departure rate of
  0 against a floor of 0.02% misses by 100%, as much as a completion rate of 0 against 45%. An absolute
  scale (points) would let rare-event targets count for nothing until the tolerance is tiny (measured:
  departures 0.02 points short added 0.0004 to a distance of 15). An undefined statistic adds 100.
  At tolerance eps = 0 the accepted particles are draws from the prior restricted to where every target
  holds in the simulation: the posterior of a model whose likelihood is uniform on each target's range.
* Tolerances: pyabc's adaptive median schedule (each generation's eps is the median distance of the
  previous one) down to ``--min-epsilon`` (default 0), for at most ``--generations`` generations.

Why pyabc: it is the maintained ABC-SMC library (adaptive tolerances, transition kernels, importance
weights, effective sample sizes), keeps every generation in a SQLite history (so a killed calibration
resumes from its last finished generation: run the same command again), samples on all local cores
(``MulticoreEvalParallelSampler``) and on a cluster through its Dask sampler (``--dask ADDRESS``: any
Dask scheduler, e.g. dask-jobqueue's on SLURM). ABC-SMC runs generation after generation, each an adaptive
batch of simulations until enough are accepted, which Hydra's launchers (a fixed list of jobs per
sweep) do not express; pyabc's samplers do.

Output
* ``configs/calibration/<name>/``: ``posterior.csv`` (the last generation's accepted parameter sets and
  their normalised weights), ``manifest.json`` (how it was made: command, settings, prior, targets, pyabc
  and git versions, wall time), ``diagnostics.csv`` (per generation: tolerance, simulations, acceptance
  rate, effective sample size), ``predictive.csv``/``predictive.md`` (posterior predictive check: each
  target over posterior draws run on fresh seeds; ``predictive_runs.csv`` every run's value), ``history/``
  (the pyabc history and its settings: ``--continue-from <name>`` runs more generations from it on any
  clone, into a new name);
* ``configs/calibration/<name>.yaml``: a point calibration for quick runs (``calibration=<name>``), the
  posterior draw whose predictive runs met the most targets, marked as such in its header;
* ``results/calibration/<name>/``: the pyabc history (``abc.db``) and the figures (``predictive.png``,
  ``diagnostics.png``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import shlex
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np

from experiments.evidence.calibrate import CALIBRATION_DIR, check_name, round_sig, shortfall, write_calibration
from experiments.evidence.outcomes import DEFAULT_PARAMETERS, Parameter, load_parameters
from experiments.evidence.validate import DEFAULT_TARGETS, TargetsFile, arm_configs, evaluate, load_targets, run_arms
from experiments.records.files import atomic_write
from livelihoods.draws import NAME as POSTERIOR_NAME
from livelihoods.errors import CommandParser, ConfigurationError, entry_point, require
from livelihoods.parallel import default_jobs
from livelihoods.paths import ROOT

ABC_SEEDS = 10_001       # model seeds of the particles: 10_001 + a hash of the particle's values
PREDICTIVE_SEEDS = 20_001  # fresh seeds of the posterior predictive runs
UNDEFINED = 100.0        # an undefined statistic adds this to the distance (ten times its bound out)
DISTANCE = "relative shortfall: sum_t (s_t / |bound missed| (range width if 0))^2"  # recorded: a resume must match
STOPPING = ("generations", "min_epsilon", "max_simulations")  # settings a resumed run may change


def safe_name(key: str) -> str:
    """A parameter's name in pyabc (letters, digits and underscores): dots become double underscores."""
    return key.replace(".", "__")


def range_distance(spec: TargetsFile):
    """d(x) = sum_t (s_t / c_t)^2: s_t how far statistic t of the simulation ``x`` lies outside its range,
    c_t = |the bound it lies beyond| (the range's width if that bound is 0); an undefined statistic adds
    ``UNDEFINED``."""
    def distance(x: dict, x0: dict | None = None) -> float:
        total = 0.0
        for t in spec.targets:
            value = x.get(t.name, math.nan)
            if not np.isfinite(value):
                total += UNDEFINED
                continue
            low, high = t.range
            s = shortfall({"mean": value}, low, high)
            bound = low if value < low else high
            total += (s / (abs(bound) or high - low)) ** 2
        return float(total)
    return distance


def particle_seed(values: dict[str, float], first: int = ABC_SEEDS) -> int:
    """A model seed fixed by the parameter values: the same particle always simulates the same."""
    text = json.dumps({k: float(v) for k, v in sorted(values.items())})
    return first + int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % 1_000_000


def one_seed(spec: TargetsFile) -> TargetsFile:
    """The targets file run once per arm (a particle, or one draw and seed of the predictive check)."""
    return TargetsFile(seeds=1, n_youth=spec.n_youth, months=spec.months, arms=spec.arms, targets=spec.targets)


def statistics(spec: TargetsFile, configs, values: dict[str, float], seed: int) -> dict[str, float]:
    """Every target's statistic for one simulation of every arm (one seed, common to the arms)."""
    one = one_seed(spec)
    rows = evaluate(one, run_arms(one, values=values, jobs=1, progress=False, configs=configs, first_seed=seed))
    return {r["target"]: float(r["mean"]) for r in rows}


def make_model(spec: TargetsFile, configs, params: list[Parameter]):
    """The pyabc model: a particle's parameters -> its statistics."""
    def model(par) -> dict[str, float]:
        values = {p.key: round_sig(float(par[safe_name(p.key)])) for p in params}
        return statistics(spec, configs, values, particle_seed(values))
    return model


def box_transition(params: list[Parameter], margin: float = 0.25, floor: float = 0.05):
    """pyabc's proposal for the next generation: uniform on the last generation's bounding box.

    Each parameter is drawn uniformly on [min - pad, max + pad] of the accepted particles, pad = max(margin x
    their span, floor x the prior range), within the prior range. Every proposal has the same density, so
    under the uniform prior every accepted particle has the same importance weight and the effective sample
    size is the population. The default Gaussian kernel density proposal failed here: in 16 dimensions its
    density at the proposals spans orders of magnitude (measured: 0.04 to 93,000 over one generation), so one
    particle took 92% of the weight (effective sample size 1.2 of 300) — a posterior of one point. The box
    can miss a part of the accepted region beyond the pad; ``posterior_frame`` records how close particles
    come to the box's faces (``diagnostics.csv``: ``at_box_face``).
    """
    import pandas as pd
    from pyabc import Parameter as AbcParameter
    from pyabc.transition import Transition

    names = [safe_name(p.key) for p in params]
    low = np.array([p.low for p in params])
    high = np.array([p.high for p in params])

    class BoxTransition(Transition):
        def __init__(self, margin: float = margin, floor: float = floor):
            self.margin, self.floor = margin, floor

        def fit(self, X: pd.DataFrame, w: np.ndarray) -> None:
            x = X[names].to_numpy()
            span = x.max(axis=0) - x.min(axis=0)
            pad = np.maximum(self.margin * span, self.floor * (high - low))
            self.lo = np.maximum(low, x.min(axis=0) - pad)
            self.hi = np.minimum(high, x.max(axis=0) + pad)
            self.density = 1.0 / float(np.prod(self.hi - self.lo))

        def rvs_single(self):
            return AbcParameter(dict(zip(names, np.random.uniform(self.lo, self.hi))))

        def pdf(self, x):
            if isinstance(x, pd.DataFrame):
                v = x[names].to_numpy()
                inside = ((v >= self.lo) & (v <= self.hi)).all(axis=1)
                return np.where(inside, self.density, 0.0)
            v = np.array([x[k] for k in names])
            return self.density if ((v >= self.lo) & (v <= self.hi)).all() else 0.0

    return BoxTransition()


def posterior_frame(history, params: list[Parameter]):
    """The last generation: one row per accepted particle, its weight and its parameter values (config keys)."""
    import pandas as pd

    frame, weights = history.get_distribution(m=0, t=history.max_t)
    out = pd.DataFrame({"draw": np.arange(len(frame)), "weight": np.asarray(weights) / np.sum(weights)})
    for p in params:
        out[p.key] = frame[safe_name(p.key)].to_numpy()
    return out


def diagnostics_frame(history, params: list[Parameter]):
    """Per generation: tolerance, simulations, accepted particles, acceptance rate, effective sample size, and
    the share of particles within 2% of the prior range of the generation's bounding box (``at_box_face``),
    beside the share expected if the particles filled their box uniformly:

        at_box_face_uniform = 1 - prod_d (1 - min(1, 2 x 0.02 w_d / s_d)),  w_d the prior range, s_d the box's span.

    In 16 dimensions the uniform share is large by itself (about 0.5 for boxes half the prior range); a share
    well above it says particles crowd the faces, i.e. the accepted region may reach beyond the next box."""
    import pandas as pd
    from pyabc.weighted_statistics import effective_sample_size

    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    width = np.array([p.high - p.low for p in params])
    rows = []
    for r in pops.itertuples():
        frame, w = history.get_distribution(m=0, t=int(r.t))
        x = frame[[safe_name(p.key) for p in params]].to_numpy()
        near = (x - x.min(axis=0) < 0.02 * width) | (x.max(axis=0) - x < 0.02 * width)
        rows.append({"generation": int(r.t), "epsilon": float(r.epsilon), "simulations": int(r.samples),
                     "accepted": int(r.particles), "acceptance_rate": r.particles / r.samples if r.samples else math.nan,
                     "effective_sample_size": float(effective_sample_size(np.asarray(w))),
                     "at_box_face": float(near.any(axis=1).mean()),
                     "at_box_face_uniform": at_face_if_uniform(x, width)})
    return pd.DataFrame(rows)


def at_face_if_uniform(x: np.ndarray, width: np.ndarray, band: float = 0.02) -> float:
    """Share of points uniform in the bounding box of ``x`` that lie within ``band`` x ``width`` of a face."""
    span = x.max(axis=0) - x.min(axis=0)
    with np.errstate(divide="ignore"):
        near = np.where(span > 0, np.minimum(1.0, 2 * band * width / span), 1.0)
    return float(1.0 - np.prod(1.0 - near))


def predictive_check(spec: TargetsFile, configs, posterior, draws: int, seeds: int, jobs: int, rng_seed: int):
    """Each target over ``draws`` posterior draws (resampled by weight) x ``seeds`` fresh seeds.

    Returns (per-run values: one row per draw x seed x target, the chosen draws' indices)."""
    import pandas as pd

    from experiments.evidence.outcomes import run_many
    from livelihoods.values import with_values

    rng = np.random.default_rng(rng_seed)
    chosen = rng.choice(posterior["draw"].to_numpy(), size=draws, replace=True, p=posterior["weight"].to_numpy())
    keys = [c for c in posterior.columns if c not in ("draw", "weight")]
    jobs_list, cfgs = [], []
    for k, d in enumerate(chosen):
        values = {key: float(posterior.loc[d, key]) for key in keys}
        for s in range(seeds):
            seed = PREDICTIVE_SEEDS + k * seeds + s
            for arm in spec.arms:
                jobs_list.append((k, int(d), seed, arm))
                cfgs.append(with_values(configs[arm], {**values, "seed": seed}))
    outs = run_many(cfgs, jobs=jobs, desc="predictive runs")
    by_run: dict[tuple, dict] = {}
    for (k, d, seed, arm), out in zip(jobs_list, outs):
        by_run.setdefault((k, d, seed), {})[arm] = [out]
    one = one_seed(spec)
    rows = []
    for (k, d, seed), results in by_run.items():
        for r, t in zip(evaluate(one, results), spec.targets):
            rows.append({"sample": k, "draw": d, "seed": seed, "target": t.name, "value": r["mean"],
                         "inside": bool(np.isfinite(r["mean"]) and t.range[0] <= r["mean"] <= t.range[1])})
    return pd.DataFrame(rows), chosen


def predictive_table(spec: TargetsFile, runs) -> "object":
    import pandas as pd

    rows = []
    for t in spec.targets:
        v = runs.loc[runs["target"] == t.name]
        x = v["value"].to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        rows.append({"pattern": t.pattern, "target": t.name, "range": f"[{t.range[0]:g}, {t.range[1]:g}]",
                     "median": float(np.median(x)) if x.size else math.nan,
                     "p05": float(np.quantile(x, 0.05)) if x.size else math.nan,
                     "p95": float(np.quantile(x, 0.95)) if x.size else math.nan,
                     "share_inside": float(v["inside"].mean()), "runs": int(len(v))})
    return pd.DataFrame(rows)


def markdown(table, columns: dict[str, str]) -> str:
    lines = ["| " + " | ".join(columns.values()) + " |", "|" + "---|" * len(columns)]
    for r in table.to_dict("records"):
        cells = []
        for c in columns:
            v = r[c]
            cells.append(f"{v:.4g}" if isinstance(v, float) else str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


@entry_point
def main(argv: list[str] | None = None) -> int:
    ap = CommandParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", default="posterior", help="name of the posterior (configs/calibration/<name>/)")
    ap.add_argument("--population", type=int, default=100, help="particles per generation (default 100)")
    ap.add_argument("--generations", type=int, default=8, help="at most this many generations (default 8)")
    ap.add_argument("--min-epsilon", type=float, default=0.0, help="stop at this tolerance (default 0)")
    ap.add_argument("--max-simulations", type=int, default=20_000,
                    help="stop after this many particle simulations in all (default 20000)")
    ap.add_argument("--n-youth", type=int, help="population per run (default: the targets file's)")
    ap.add_argument("--draws", type=int, default=20, help="posterior draws in the predictive check (default 20)")
    ap.add_argument("--predictive-seeds", type=int, default=2, help="fresh seeds per draw in the check (default 2)")
    ap.add_argument("--jobs", type=int, default=default_jobs(), help="worker processes (default: all cores)")
    ap.add_argument("--dask", metavar="ADDRESS",
                    help="simulate on a Dask cluster (scheduler address, e.g. one started by dask-jobqueue on SLURM; "
                         "'local': a local cluster of --jobs workers) instead of local processes")
    ap.add_argument("--seed", type=int, default=0, help="seed of pyabc's sampling of parameters (default 0)")
    ap.add_argument("--targets", type=Path, default=DEFAULT_TARGETS)
    ap.add_argument("--parameters", type=Path, default=DEFAULT_PARAMETERS)
    ap.add_argument("--start", default="evidence-v3",
                    help="calibration whose other (not uncertain) values every particle uses (default: evidence-v3, "
                         "the default calibration)")
    ap.add_argument("--continue-from", metavar="NAME",
                    help="start from the ABC-SMC history stored with posterior NAME (configs/calibration/NAME/"
                         "history/) and run more generations into --name (same settings; only stopping rules change)")
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "calibration")
    ap.add_argument("--into", type=Path, default=CALIBRATION_DIR, help=argparse.SUPPRESS)  # tests write elsewhere
    ap.add_argument("overrides", nargs="*", help="config overrides applied to every arm (e.g. scenario=...)")
    args = ap.parse_args(argv if argv is not None else sys.argv[1:])
    require("pyabc", "studies", "experiments.posterior")

    check_name(args.name)
    if not (CALIBRATION_DIR / f"{args.start}.yaml").exists():
        options = ", ".join(sorted(p.stem for p in CALIBRATION_DIR.glob("*.yaml")))
        raise ConfigurationError(f"--start: unknown calibration {args.start!r}, allowed: {options}")
    for flag, value, low in (("--population", args.population, 2), ("--generations", args.generations, 1),
                             ("--max-simulations", args.max_simulations, 1), ("--draws", args.draws, 1),
                             ("--predictive-seeds", args.predictive_seeds, 1), ("--jobs", args.jobs, 1)):
        if value < low:
            raise ConfigurationError(f"{flag}: must be an integer >= {low}, got {value}")
    if not (math.isfinite(args.min_epsilon) and args.min_epsilon >= 0):
        raise ConfigurationError(f"--min-epsilon: must be a number >= 0, got {args.min_epsilon}")
    if args.n_youth is not None and args.n_youth < 100:
        raise ConfigurationError(f"--n-youth: must be an integer >= 100, got {args.n_youth}")
    target_dir, out = args.into / args.name, args.out / args.name
    taken = [p for p in (target_dir, args.into / f"{args.name}.yaml", args.into / f"{args.name}-point.yaml")
             if p.exists()]
    if taken:
        more = f" (to run more generations of it: --name NEW --continue-from {args.name})" \
            if (args.into / args.name / "history" / "abc.db").exists() else ""
        raise ConfigurationError(f"--name: {_rel(taken[0])} exists and is never overwritten; choose another name{more}")

    spec = load_targets(args.targets)
    if args.n_youth is not None:
        spec.n_youth = args.n_youth
    configs = arm_configs(spec, [f"calibration={args.start}", "threads=1", *args.overrides])
    params = load_parameters(args.parameters, probe=next(iter(configs.values())), calibrated=True)
    settings = {"distance": DISTANCE,
                "population": args.population, "generations": args.generations, "min_epsilon": args.min_epsilon,
                "max_simulations": args.max_simulations, "n_youth": spec.n_youth, "months": spec.months,
                "seed": args.seed, "start": args.start, "overrides": args.overrides,
                "targets": _rel(args.targets), "parameters": _rel(args.parameters),
                "prior": {p.key: {"shape": "uniform", "low": p.low, "high": p.high, "unit": p.unit,
                                  "source": p.why} for p in params}}
    if args.continue_from is not None:
        if not POSTERIOR_NAME.fullmatch(args.continue_from):
            raise ConfigurationError(f"--continue-from: must be the name of a posterior stored in "
                                     f"{_rel(args.into)} (letters, digits, '-' or '_'), not a path: got "
                                     f"{args.continue_from!r}")
        seed_history(args.into / args.continue_from / "history", out, args.continue_from)
    history = run_abc(spec, configs, params, settings, out, args.jobs, args.dask)

    posterior = posterior_frame(history, params)
    diagnostics = diagnostics_frame(history, params)
    print(markdown(diagnostics, {"generation": "generation", "epsilon": "tolerance",
                                 "simulations": "simulations", "acceptance_rate": "acceptance rate",
                                 "effective_sample_size": "ESS"}))
    runs, chosen = predictive_check(spec, configs, posterior, args.draws, args.predictive_seeds, args.jobs, args.seed)
    table = predictive_table(spec, runs)
    met = runs.groupby(["sample", "seed"])["inside"].sum().groupby(level=0).mean()
    best_sample = int(met.idxmax())
    best = int(chosen[best_sample])
    point = {p.key: round_sig(float(posterior.loc[best, p.key])) for p in params}

    target_dir.mkdir(parents=True)
    store_history(out, target_dir / "history")
    atomic_write(target_dir / "posterior.csv", lambda tmp: posterior.to_csv(tmp, index=False))
    atomic_write(target_dir / "diagnostics.csv", lambda tmp: diagnostics.to_csv(tmp, index=False))
    atomic_write(target_dir / "predictive.csv", lambda tmp: table.to_csv(tmp, index=False))
    atomic_write(target_dir / "predictive_runs.csv", lambda tmp: runs.to_csv(tmp, index=False))
    text = _predictive_markdown(args.name, table, runs, args)
    atomic_write(target_dir / "predictive.md", lambda tmp: Path(tmp).write_text(text))
    manifest = {"name": args.name, "method": "ABC-SMC (pyabc), uniform-kernel acceptance on the range distance",
                "made": datetime.now().isoformat(timespec="seconds"),
                "command": "python -m experiments.posterior " + shlex.join(argv if argv is not None else sys.argv[1:]),
                "settings": settings, "generations_run": int(history.max_t) + 1,
                "simulations": int(history.get_all_populations()["samples"].sum()),  # with the calibration sample
                "final_epsilon": float(diagnostics["epsilon"].iloc[-1]),
                "wall_seconds_abc": _wall_seconds(history),
                "point_calibration": {"file": f"configs/calibration/{args.name}-point.yaml", "draw": best,
                                      "why": "of the predictive check's draws, the one meeting the most targets"},
                "versions": _versions()}
    atomic_write(target_dir / "manifest.json", lambda tmp: Path(tmp).write_text(json.dumps(manifest, indent=2) + "\n"))
    header = [f"Point calibration of the posterior `{args.name}` (configs/calibration/{args.name}/), made by",
              f"python -m experiments.posterior on {datetime.now():%Y-%m-%d}: posterior draw {best}, the predictive",
              "check's draw that met the most targets. For answers with parameter uncertainty run over the posterior",
              f"(posterior={args.name}); this file is for quick runs only.",
              "Lines marked `fitted` were sampled by ABC-SMC within the range shown; all others are as in the start file."]
    write_calibration(f"{args.name}-point", args.start, point, params, header, into=args.into)
    _figures(spec, runs, diagnostics, out)
    print(text)
    print(f"wrote {_rel(target_dir)}/ (posterior, manifest, diagnostics, predictive check) and "
          f"{_rel(args.into)}/{args.name}-point.yaml (use: calibration={args.name}-point); figures: {out}")
    return 0


def sampler_for(jobs: int, dask: str | None):
    """pyabc's sampler: local processes, one process, or a Dask cluster (``dask``: its address or 'local')."""
    from pyabc.sampler import DaskDistributedSampler, MulticoreEvalParallelSampler, SingleCoreSampler

    if dask:
        from distributed import Client, LocalCluster

        try:
            client = Client(LocalCluster(n_workers=jobs, threads_per_worker=1) if dask == "local" else dask)
        except OSError as exc:
            raise ConfigurationError(f"--dask: cannot reach the Dask scheduler at {dask}: {exc}")
        return DaskDistributedSampler(dask_client=client, batch_size=1)
    return MulticoreEvalParallelSampler(n_procs=jobs) if jobs > 1 else SingleCoreSampler()


def store_history(out: Path, into: Path) -> None:
    """Keep the pyabc history (``abc.db``, a consistent copy by SQLite's backup) and its settings with the
    posterior, so that any clone can continue the calibration (``--continue-from``)."""
    import shutil
    import sqlite3

    into.mkdir(parents=True, exist_ok=True)
    tmp = into / "abc.db.tmp"
    with sqlite3.connect(out / "abc.db") as src, sqlite3.connect(tmp) as dst:
        src.backup(dst)
    tmp.replace(into / "abc.db")
    shutil.copyfile(out / "settings.json", into / "settings.json")


def seed_history(stored: Path, out: Path, name: str) -> None:
    """Copy a stored history into ``out`` to resume from; a history already there is resumed as it is."""
    import shutil

    if not (stored / "abc.db").is_file() or not (stored / "settings.json").is_file():
        have = sorted(p.parent.parent.name for p in stored.parent.parent.glob("*/history/abc.db"))
        raise ConfigurationError(f"--continue-from: must be a posterior stored with its history "
                                 f"({', '.join(have) or 'none yet'}), got {name!r}")
    if (out / "abc.db").exists():
        print(f"--continue-from {name}: {_rel(out)} already holds a history; resuming that one")
        return
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(stored / "settings.json", out / "settings.json")
    shutil.copyfile(stored / "abc.db", out / "abc.db.tmp")
    (out / "abc.db.tmp").replace(out / "abc.db")


def run_abc(spec: TargetsFile, configs, params: list[Parameter], settings: dict, out: Path, jobs: int,
            dask: str | None = None):
    """Run (or resume) the ABC-SMC; returns the pyabc History."""
    import pyabc

    out.mkdir(parents=True, exist_ok=True)
    db, saved = out / "abc.db", out / "settings.json"
    prior = pyabc.Distribution(**{safe_name(p.key): pyabc.RV("uniform", p.low, p.high - p.low) for p in params})
    sampler = sampler_for(jobs, dask)
    np.random.seed(settings["seed"])  # pyabc draws parameters from NumPy's global generator
    abc = pyabc.ABCSMC(make_model(spec, configs, params), prior, range_distance(spec),
                       population_size=settings["population"], sampler=sampler,
                       transitions=box_transition(params), eps=pyabc.MedianEpsilon())
    observed = {t.name: float(t.value if t.value is not None else sum(t.range) / 2) for t in spec.targets}
    if db.exists():
        from livelihoods.files import load_json

        before = load_json(saved, record=True, within=out) if saved.exists() or saved.is_symlink() else None
        what = {k: v for k, v in settings.items() if k not in STOPPING}
        if before is None or {k: v for k, v in before.items() if k not in STOPPING} != what:
            raise ConfigurationError(f"--name: results/calibration/{out.name}/abc.db was made with other settings; "
                                     f"resume it with the "
                                     f"same ones (only {', '.join('--' + k.replace('_', '-') for k in STOPPING)} may "
                                     f"change), or choose another name")
        history = abc.load(f"sqlite:///{db}", 1, observed)
        done = history.max_t + 1
        print(f"resuming {out.name}: {done} generation(s) done")
    else:
        atomic_write(saved, lambda tmp: Path(tmp).write_text(json.dumps(settings, indent=2)))
        abc.new(f"sqlite:///{db}", observed)
        done = 0
    left = settings["generations"] - done
    print(f"ABC-SMC over {len(params)} parameters against {len(spec.targets)} targets: {settings['population']} "
          f"particles, up to {left} more generation(s), each particle {len(spec.arms)} arms x {spec.n_youth} youth "
          f"x {spec.months} months, {jobs} processes")
    if left > 0:
        t0 = time.perf_counter()
        history = abc.run(minimum_epsilon=settings["min_epsilon"], max_nr_populations=left,
                          max_total_nr_simulations=settings["max_simulations"])
        print(f"ABC-SMC ran {time.perf_counter() - t0:.0f} s")
    else:
        history = abc.history
    return history


def _predictive_markdown(name: str, table, runs, args) -> str:
    draws = runs["sample"].nunique()
    seeds = runs.groupby("sample")["seed"].nunique().iloc[0]
    cols = {"pattern": "pattern", "target": "target", "range": "range", "median": "median",
            "p05": "5%", "p95": "95%", "share_inside": "share of runs inside"}
    return (f"# Posterior predictive check of `{name}`\n\n"
            f"Each target over {draws} posterior draws (resampled by weight) x {seeds} fresh seeds "
            f"(from {PREDICTIVE_SEEDS}), {table['runs'].iloc[0]} runs per target; 5%-95%: the predictive interval.\n\n"
            + markdown(table, cols) + "\n")


def _figures(spec: TargetsFile, runs, diagnostics, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(spec.targets)
    fig, axes = plt.subplots(n, 1, figsize=(7, 0.55 * n + 1.2), squeeze=False)
    for ax, t in zip(axes[:, 0], spec.targets):
        x = runs.loc[runs["target"] == t.name, "value"].to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        lo, hi = t.range
        span = [min(lo, *(x if x.size else [lo])), max(hi, *(x if x.size else [hi]))]
        pad = 0.05 * (span[1] - span[0] or 1.0)
        ax.axvspan(lo, hi, color="C2", alpha=0.15, lw=0)
        ax.plot(x, np.random.default_rng(0).uniform(-0.3, 0.3, x.size), "o", ms=2.5, color="C0", alpha=0.6)
        ax.set_xlim(span[0] - pad, span[1] + pad)
        ax.set_ylim(-0.5, 0.5)
        ax.set_yticks([])
        ax.set_ylabel(t.name, rotation=0, ha="right", va="center", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        inside = runs.loc[runs["target"] == t.name, "inside"].mean()
        ax.text(1.01, 0.5, f"{inside:.0%} inside", transform=ax.transAxes, va="center", fontsize=7)
    draws, seeds = runs["sample"].nunique(), runs["seed"].nunique() // max(runs["sample"].nunique(), 1)
    axes[0, 0].set_title(f"Posterior predictive check: each run's statistic (dots) against the target's range\n"
                         f"(green); {draws} posterior draws × {seeds} fresh seeds, {len(runs) // n} runs per target",
                         fontsize=9)
    fig.tight_layout()
    atomic_write(out / "predictive.png", lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    plt.close(fig)

    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 3))
    from matplotlib.ticker import MaxNLocator

    a.plot(diagnostics["generation"], diagnostics["epsilon"], "o-")
    if (diagnostics["epsilon"] > 0).all():
        a.set_yscale("log")
    a.set_xlabel("generation")
    a.set_ylabel("tolerance ε (squared relative shortfall)")
    b.plot(diagnostics["generation"], diagnostics["acceptance_rate"], "o-", label="acceptance rate")
    b.set_xlabel("generation")
    b.set_ylabel("acceptance rate")
    b.set_ylim(0, 1)
    b2 = b.twinx()
    b2.plot(diagnostics["generation"], diagnostics["effective_sample_size"], "s--", color="C1", label="ESS")
    b2.set_ylabel("effective sample size (of the accepted particles)", color="C1")
    b2.set_ylim(0, 1.1 * float(diagnostics["accepted"].max()))
    for ax in (a, b):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle("ABC-SMC convergence", fontsize=10)
    fig.tight_layout()
    atomic_write(out / "diagnostics.png", lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    plt.close(fig)


def _wall_seconds(history) -> float | None:
    """From the start of the ABC-SMC to the end of its last stored generation (killed and resumed runs too;
    the time between a kill and the resume counts)."""
    pops = history.get_all_populations()
    start = history.get_abc().start_time
    if start is None or pops.empty:
        return None
    import pandas as pd

    return round(float(pd.Timestamp(pops["population_end_time"].max()).timestamp() - start.timestamp()), 1)


def _rel(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _versions() -> dict:
    from importlib import metadata

    from simulation.runner import git_commit

    return {"pyabc": metadata.version("pyabc"), "git_commit": git_commit()}

