"""Scenario discovery: ``python -m experiments.discover [--threshold X] [--samples N] [overrides]``.

Where, in the space of policy and context inputs, does an outcome of concern
happen (by default: dropout above 30% of enrolees)? Inputs and the outcome are
set in ``configs/targets/discovery.yaml``. The inputs are sampled by Latin
hypercube (``scipy.stats.qmc``, seeded), one run each; a run is a case of
concern when its indicator lies beyond the threshold. PRIM (Friedman & Fisher
1999, as implemented in the EMA Workbench) then peels the input space down to
boxes where cases of concern are dense:

* coverage = cases of concern inside the box / all cases of concern,
* density  = cases of concern inside the box / all runs inside the box.

Each box is taken on PRIM's peeling trajectory at the highest coverage whose
density reaches ``--min-density``; up to ``--boxes`` boxes are found in turn
(each after removing the runs of the previous ones). Writes ``boxes.csv``
(limits of the restricted inputs with coverage, density and mass),
``runs.parquet`` and ``discovery.png`` (coverage-density trade-off and the cases
in the two most restricted inputs) to ``results/discovery/<time>/``.

With ``--posterior NAME`` the behavioural parameters are uncertain too: run i uses
posterior draw d_i (the draws spread evenly over the runs, in a seeded order),
and the draw's parameters join the inputs PRIM may restrict. A box that restricts
only policy and context inputs then holds across the calibration's uncertainty; one
that restricts a behavioural parameter says the concern depends on what the evidence
leaves open. ``runs.parquet`` records each run's draw.
"""

from __future__ import annotations

import logging
import math
import sys
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import MISSING

from experiments.evidence.outcomes import Parameter, run_many
from experiments.records.files import atomic_write
from experiments.records.folders import claim_new, make_folder
from livelihoods.errors import CommandParser, ConfigurationError, entry_point, require
from livelihoods.files import load_checked
from livelihoods.parallel import default_jobs
from livelihoods.paths import ROOT
from livelihoods.values import get_value, with_values
from simulation.metrics import GROUPS, INDICATORS

DEFAULT_SPEC = ROOT / "configs" / "targets" / "discovery.yaml"


@dataclass
class Outcome:
    indicator: str = MISSING
    group: str = MISSING
    threshold: float = MISSING
    direction: str = MISSING


@dataclass
class DiscoveryFile:
    policies: list[str] = field(default_factory=list)
    outcome: Outcome = MISSING
    inputs: list[Parameter] = field(default_factory=list)


def load_spec(path: Path) -> DiscoveryFile:
    spec = load_checked(DiscoveryFile, path)
    o = spec.outcome
    if o.indicator not in INDICATORS:
        raise ConfigurationError(f"{path.name}: outcome.indicator: must be one of {', '.join(INDICATORS)}, got "
                                 f"{o.indicator!r}")
    if o.group not in ("all", *GROUPS):
        raise ConfigurationError(f"{path.name}: outcome.group: must be one of all, {', '.join(GROUPS)}, got "
                                 f"{o.group!r}")
    if o.direction not in ("above", "below"):
        raise ConfigurationError(f"{path.name}: outcome.direction: must be above or below, got {o.direction!r}")
    if len(spec.inputs) < 2:
        raise ConfigurationError(f"{path.name}: inputs: must list at least two inputs")
    for i, p in enumerate(spec.inputs):
        if not p.low < p.high:
            raise ConfigurationError(f"{path.name}: inputs[{i}] ({p.key}): low must be below high, got [{p.low}, "
                                     f"{p.high}]")
    return spec


def sample_inputs(inputs: list[Parameter], n: int, seed: int) -> pd.DataFrame:
    """An n-point Latin hypercube over the input ranges (scrambled, seeded)."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(inputs), seed=seed).random(n)
    X = qmc.scale(unit, [p.low for p in inputs], [p.high for p in inputs])
    return pd.DataFrame(X, columns=[p.key for p in inputs])


def of_concern(values: np.ndarray, threshold: float, direction: str) -> np.ndarray:
    return values > threshold if direction == "above" else values < threshold


def find_boxes(x: pd.DataFrame, y: np.ndarray, n_boxes: int, min_density: float, mass_min: float = 0.05
               ) -> list[dict]:
    """PRIM boxes: for each, the restricted inputs' limits and the box's coverage, density and mass.

    On each box's peeling trajectory the box with the largest coverage among those with
    density >= ``min_density`` is chosen. If the first box cannot reach that density its
    densest version is reported (``dense`` False); later boxes are reported only if they reach it.
    """
    with warnings.catch_warnings():
        # the workbench warns about optional parallel back-ends we do not use and pandas deprecations of its own
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return _find_boxes(x, y, n_boxes, min_density, mass_min)


def _find_boxes(x, y, n_boxes, min_density, mass_min) -> list[dict]:
    from ema_workbench.analysis import prim

    logging.getLogger("EMA").setLevel(logging.WARNING)
    p = prim.Prim(x, y.astype(int), mass_min=mass_min)
    boxes = []
    for number in range(1, n_boxes + 1):
        box = p.find_box()
        if box is None:
            break
        traj = box.peeling_trajectory
        dense = traj[traj.density >= min_density]
        i = int(dense.coverage.idxmax()) if len(dense) else int(traj.density.idxmax())
        box.select(i)
        if box.coverage <= 0 or traj.loc[i, "res_dim"] == 0 or (boxes and not len(dense)):
            break  # nothing left to explain, or a later box that cannot reach the density asked for
        lims = box.box_lims[i]
        restricted = [c for c in x.columns
                      if lims.loc[0, c] > p.box_init.loc[0, c] or lims.loc[1, c] < p.box_init.loc[1, c]]
        boxes.append({"box": number, "coverage": float(box.coverage), "density": float(box.density),
                      "mass": float(box.mass), "n_runs": int(traj.loc[i, "n"]), "dense": bool(len(dense)),
                      "limits": {c: (float(lims.loc[0, c]), float(lims.loc[1, c])) for c in restricted},
                      "trajectory": traj[["coverage", "density", "res_dim"]].copy(), "selected": i})
    return boxes


def boxes_frame(boxes: list[dict]) -> pd.DataFrame:
    rows = []
    for b in boxes:
        for key, (low, high) in b["limits"].items():
            rows.append({"box": b["box"], "coverage": b["coverage"], "density": b["density"], "mass": b["mass"],
                         "n_runs": b["n_runs"], "reaches_min_density": b["dense"], "input": key, "low": low,
                         "high": high})
    return pd.DataFrame(rows, columns=["box", "coverage", "density", "mass", "n_runs", "reaches_min_density",
                                       "input", "low", "high"])


def figure(x: pd.DataFrame, y: np.ndarray, boxes: list[dict], title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.3))
    for b in boxes:
        t = b["trajectory"]
        ax1.plot(t.coverage, t.density, ".-", label=f"box {b['box']} trajectory")
        ax1.plot(t.coverage[b["selected"]], t.density[b["selected"]], "o", ms=10, mfc="none", color="k")
    ax1.set_xlabel("coverage")
    ax1.set_ylabel("density")
    ax1.set_title("PRIM peeling trajectories (circle: reported box)", fontsize=9)
    ax1.legend(fontsize=8)
    keys = list(boxes[0]["limits"]) if boxes else []
    keys = (keys + [c for c in x.columns if c not in keys])[:2]
    ax2.scatter(x[keys[0]][~y], x[keys[1]][~y], s=8, color="0.7", label="not of concern")
    ax2.scatter(x[keys[0]][y], x[keys[1]][y], s=8, color="C3", label="of concern")
    for b in boxes:
        lo0, hi0 = b["limits"].get(keys[0], (x[keys[0]].min(), x[keys[0]].max()))
        lo1, hi1 = b["limits"].get(keys[1], (x[keys[1]].min(), x[keys[1]].max()))
        ax2.add_patch(Rectangle((lo0, lo1), hi0 - lo0, hi1 - lo1, fill=False, lw=1.5, label=f"box {b['box']}"))
    ax2.set_xlabel(keys[0])
    ax2.set_ylabel(keys[1])
    ax2.set_title(title, fontsize=9)
    ax2.legend(fontsize=8, loc="upper right", framealpha=0.9)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)


@entry_point
def main(argv: list[str] | None = None) -> int:
    from livelihoods.compose import load_config

    ap = CommandParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", type=Path, default=DEFAULT_SPEC,
                    help="inputs and outcome (default: configs/targets/discovery.yaml)")
    ap.add_argument("--threshold", type=float, help="override the outcome threshold of the spec")
    ap.add_argument("--samples", type=int, default=500, help="Latin hypercube runs (default 500)")
    ap.add_argument("--boxes", type=int, default=2, help="boxes to find at most (default 2)")
    ap.add_argument("--min-density", type=float, default=0.8, help="density a reported box must reach (default 0.8)")
    ap.add_argument("--mass-min", type=float, default=0.01,
                    help="smallest share of the runs a box may hold (default 0.01)")
    ap.add_argument("--n-youth", type=int, default=10000, help="population per run (default 10000)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the sample and of the model (default 1)")
    ap.add_argument("--jobs", type=int, default=default_jobs(), help="worker processes (default: all cores)")
    ap.add_argument("--posterior", metavar="NAME",
                    help="give each run a draw of this stored posterior; its parameters join the inputs")
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "discovery")
    ap.add_argument("overrides", nargs="*", help="config overrides of every run (e.g. calibration=literature)")
    args = ap.parse_args(argv if argv is not None else sys.argv[1:])
    require("ema_workbench", "studies", "experiments.discover")

    spec = load_spec(args.spec)
    o = spec.outcome
    threshold = o.threshold if args.threshold is None else args.threshold
    for flag, value, low in (("--samples", args.samples, 20), ("--boxes", args.boxes, 1),
                             ("--n-youth", args.n_youth, 100),
                             ("--seed", args.seed, 0), ("--jobs", args.jobs, 1)):
        if value < low:
            raise ConfigurationError(f"{flag}: must be an integer >= {low}, got {value}")
    if not 0 < args.mass_min < 1:
        raise ConfigurationError(f"--mass-min: must be in (0, 1), got {args.mass_min}")
    if not 0 < args.min_density <= 1:
        raise ConfigurationError(f"--min-density: must be in (0, 1], got {args.min_density}")
    base = load_config(f"policy=[{','.join(spec.policies)}]", *args.overrides, f"seed={args.seed}",
                       f"scenario.n_youth={args.n_youth}", "progress=false", "figures=false")
    for i, p in enumerate(spec.inputs):
        try:
            get_value(base, p.key)
        except KeyError:
            raise ConfigurationError(f"{args.spec.name}: inputs[{i}] ({p.key}): not a key of the run config "
                                     f"(is its policy in `policies`?)")

    if not math.isfinite(threshold):
        raise ConfigurationError(f"--threshold: must be a finite number, got {threshold}")
    make_folder(args.out, "--out")  # a file there is refused before the runs, not after them
    x = sample_inputs(spec.inputs, args.samples, args.seed)
    drawn, what = posterior_inputs(args.posterior, args.samples, args.seed), base.behaviour.name
    if drawn is not None:
        what = f"posterior {args.posterior} over {base.behaviour.name}"
    print(f"scenario discovery: {o.group}:{o.indicator} {o.direction} {threshold:g} over {len(spec.inputs)} inputs, "
          f"{args.samples} runs ({what} calibration, {args.n_youth} youth, {args.jobs} jobs)")
    # a run's values: its draw's parameters (if any), then its inputs (an input the draw holds wins)
    behaviour = drawn.drop(columns="draw").to_dict("records") if drawn is not None else [{}] * len(x)
    cfgs = [with_values(base, {**d, **dict(zip(x.columns, map(float, row)))})
            for d, row in zip(behaviour, x.to_numpy())]
    if drawn is not None:
        x = pd.concat([x, varying(drawn, list(x.columns))], axis=1)
    runs = run_many(cfgs, jobs=args.jobs, desc="discovery runs")
    outcome = np.array([r[(o.group, o.indicator)] for r in runs], dtype=float)
    y = of_concern(outcome, threshold, o.direction)
    if y.all() or not y.any():
        share = "all" if y.all() else "none"
        raise ConfigurationError(f"--threshold: {share} of the {args.samples} runs have {o.indicator} {o.direction} "
                                 f"{threshold:g} "
                                 f"(range {np.nanmin(outcome):.3f}-{np.nanmax(outcome):.3f}); choose a threshold "
                                 f"inside it")
    boxes = find_boxes(x, y, args.boxes, args.min_density, args.mass_min)

    out = claim_new(args.out / datetime.now().strftime("%Y-%m-%d_%H-%M-%S"), "--out")
    frame = x.assign(**{o.indicator: outcome, "of_concern": y})
    if drawn is not None:
        frame.insert(0, "draw", drawn["draw"].to_numpy())
    atomic_write(out / "runs.parquet", lambda tmp: frame.to_parquet(tmp, index=False))
    table = boxes_frame(boxes)
    atomic_write(out / "boxes.csv", lambda tmp: table.to_csv(tmp, index=False))
    title = f"{o.indicator} ({o.group}) {o.direction} {threshold:g}: {int(y.sum())} of {y.size} runs"
    figure(x, y, boxes, title, out / "discovery.png")
    print(f"{int(y.sum())} of {y.size} runs of concern ({o.indicator} {o.direction} {threshold:g})")
    for b in boxes:
        note = "" if b["dense"] else f" (below the density asked for, {args.min_density:g})"
        print(f"box {b['box']}: coverage {b['coverage']:.2f}, density {b['density']:.2f}, mass {b['mass']:.2f}{note}")
        for key, (low, high) in b["limits"].items():
            print(f"    {low:10.3f} <= {key} <= {high:.3f}")
    if not boxes:
        print("PRIM found no box that restricts any input")
    print(f"wrote boxes.csv, runs.parquet, discovery.png to {out}")
    return 0


def posterior_inputs(name: str | None, samples: int, seed: int) -> pd.DataFrame | None:
    """One posterior draw per run: row i holds draw d_i and its parameters.

    d = a seeded permutation of (0, 1, ..., samples - 1) mod N, N the posterior's draws: every draw is used
    floor(samples / N) or one more times."""
    if name is None:
        return None
    from livelihoods import draws
    from simulation.config import ConfigError

    try:
        n = draws.count(name)
    except ConfigError as exc:
        raise ConfigurationError(f"--posterior: must be {exc.allowed.removeprefix('null or ')}, got {name!r}")
    order = np.random.default_rng(seed).permutation(np.arange(samples) % n)
    return pd.DataFrame([{"draw": int(d), **draws.draw_values(name, int(d))} for d in order])


def varying(drawn: pd.DataFrame, inputs: list[str]) -> pd.DataFrame:
    """The draws' parameters PRIM may restrict: those that vary over the posterior and are not inputs already."""
    return drawn[[c for c in drawn.columns if c != "draw" and c not in inputs and drawn[c].nunique() > 1]]

