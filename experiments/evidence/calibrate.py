"""Calibration to the evidence: ``python -m experiments.calibrate [--trials N] [--name NAME] [overrides]``.

Method: the uncertain behavioural parameters of ``configs/targets/parameters.yaml``
are searched within their ranges by Optuna's multivariate TPE sampler (seeded,
so a calibration is reproducible), starting with the values of the ``--start``
calibration as trial 0. Each trial runs every arm of the targets file
(``configs/targets/evidence.yaml``) over ``--seeds`` seeds 1001, 1002, ... (common random
numbers: the same seeds in every trial; apart from the seeds 1, 2, ... that
``experiments.validate`` uses) and scores the fit as

    loss = sum_t ( d_t / 0.01 )^2  +  0.1 sum_{t with a value} ( (mean_t - value_t) / 0.01 )^2

where d_t is how far the target's 95% confidence interval over the seeds reaches
outside its range (0 when the whole interval is inside), in units of one percentage
point: a trial scores well only when the target holds with confidence at the seed
count used, so the fit survives the validation's other seeds. The second, weaker term
pulls towards the evidence's point figure where a target gives one (``value``: e.g.
~55% completion, a +4.5 point training effect, no effect of information alone). Fitted values are
rounded to 4 significant digits before they are run, so the written config is
exactly what was scored. The search stops early once a trial meets every target
with confidence and hits every point figure (loss 0).

Output: ``configs/calibration/<name>.yaml`` (select it with ``calibration=<name>``;
an existing file is never overwritten) and, in ``results/calibration/<time>_<name>/``,
the fit per target at the start and at the best trial (``fit.csv``, ``fit.md``),
every trial (``trials.csv``) and the optimisation history (``history.png``).
"""

from __future__ import annotations

import math
import re
import sys
from datetime import datetime
from pathlib import Path

import numpy as np

from experiments.evidence.outcomes import DEFAULT_PARAMETERS, Parameter, load_parameters
from experiments.evidence.validate import DEFAULT_TARGETS, TargetsFile, arm_configs, evaluate, load_targets, run_arms
from experiments.records.files import atomic_write
from livelihoods.errors import CommandParser, ConfigurationError, entry_point, require
from livelihoods.overrides import NAME as CONFIG_NAME
from livelihoods.parallel import default_jobs
from livelihoods.paths import ROOT
from livelihoods.values import get_value

CALIBRATION_DIR = ROOT / "configs" / "calibration"
SCALE = 0.01      # one percentage point: the unit of the loss
VALUE_WEIGHT = 0.1  # pull towards a target's point figure, weaker than keeping every target in its range
CALIBRATION_SEEDS = 1001  # first model seed of the calibration runs: apart from the validation's seeds 1, 2, ...


def shortfall(row: dict, low: float, high: float) -> float:
    """How far the row's confidence interval [ci_low, ci_high] reaches outside [low, high]; 0 inside.

    An undefined statistic counts as 1 (100 points off); with one seed the interval is the mean.
    """
    mean, ci_low, ci_high = row["mean"], row.get("ci_low"), row.get("ci_high")
    if not np.isfinite(mean):
        return 1.0
    ci_low = mean if ci_low is None or not np.isfinite(ci_low) else ci_low
    ci_high = mean if ci_high is None or not np.isfinite(ci_high) else ci_high
    return max(0.0, low - ci_low, ci_high - high)


def loss(rows: list[dict], spec: TargetsFile) -> float:
    """sum_t (shortfall_t / SCALE)^2 + VALUE_WEIGHT sum_{t with a value} ((mean_t - value_t) / SCALE)^2."""
    total = 0.0
    for r, t in zip(rows, spec.targets):
        total += (shortfall(r, *t.range) / SCALE) ** 2
        if t.value is not None:
            total += VALUE_WEIGHT * ((r["mean"] - t.value) / SCALE) ** 2 if np.isfinite(r["mean"]) else 1e4
    return float(total)


def round_sig(x: float, digits: int = 4) -> float:
    return 0.0 if x == 0 else round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))


def write_calibration(name: str, start: str, values: dict[str, float], params: list[Parameter],
                      header: list[str], into: Path = CALIBRATION_DIR) -> Path:
    """Write configs/calibration/<name>.yaml: the start file with fitted values and a header, atomically.

    The start file keeps every unit and source comment; fitted lines say so and keep the old value.
    """
    source = (CALIBRATION_DIR / f"{start}.yaml").read_text().splitlines()
    ranges = {p.key: p for p in params}
    out = ["# @package behaviour", *[f"# {line}" if line else "#" for line in header]]
    body_started, section = False, None
    for line in source:
        if not body_started:
            if line.startswith("#"):
                continue  # the start file's header is replaced by ours
            body_started = True
        if line.startswith("# Lines marked `fitted`"):
            continue  # the start file's own note on fitted lines: ours is in the header
        if line.startswith("name:"):
            out.append(f"name: {name}")
            continue
        top = re.match(r"^(\w+):\s*(#.*)?$", line)
        if top:
            section = top.group(1)
        item = re.match(r"^(\s+)(\w+):\s*([^#\s]+)\s*(#.*)?$", line)
        key = f"behaviour.{section}.{item.group(2)}" if item and section else None
        if key in values:
            p = ranges[key]
            # the start file's own description, without its "fitted (...)" note if it was fitted itself
            described = re.sub(r"^fitted \([^)]*\)\s*", "", item.group(4)[1:].strip()) if item.group(4) else ""
            comment = (f"# fitted ({p.unit}; range [{p.low:g}, {p.high:g}]; {start}: {item.group(3)})"
                       f"{' ' + described if described else ''}")
            line = f"{item.group(1)}{item.group(2)}: {values[key]!r}  {comment}"
        out.append(line)
    path = into / f"{name}.yaml"
    atomic_write(path, lambda tmp: Path(tmp).write_text("\n".join(out) + "\n"))
    return path


def check_name(name: str) -> None:
    """A calibration's name (``--name``): a config file name of its own, not a schema's (``base_*``)."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}", name) or name.startswith("base_"):
        shown = name if len(name) <= 60 else f"{name[:40]}... ({len(name)} characters)"
        raise ConfigurationError(f"--name: must be 1 to 100 letters, digits, '-' or '_' (not starting with base_), "
                                 f"got {shown!r}")


@entry_point
def main(argv: list[str] | None = None) -> int:
    import pandas as pd

    ap = CommandParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=150, help="Optuna trials, the start point included (default 150)")
    ap.add_argument("--seeds", type=int, default=3, help="replicate seeds per arm and trial (default 3)")
    ap.add_argument("--n-youth", type=int, help="population per run (default: the targets file's)")
    ap.add_argument("--name", default=f"fitted-{datetime.now():%Y%m%d-%H%M%S}",
                    help="name of the written calibration (configs/calibration/<name>.yaml)")
    ap.add_argument("--start", default="literature", help="calibration to start from (default: literature)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the sampler (default 0)")
    ap.add_argument("--jobs", type=int, default=default_jobs(), help="worker processes (default: all cores)")
    ap.add_argument("--targets", type=Path, default=DEFAULT_TARGETS)
    ap.add_argument("--parameters", type=Path, default=DEFAULT_PARAMETERS)
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "calibration")
    ap.add_argument("overrides", nargs="*", help="config overrides applied to every arm (e.g. scenario=...)")
    args = ap.parse_args(argv if argv is not None else sys.argv[1:])
    require("optuna", "studies", "experiments.calibrate")
    import optuna

    check_name(args.name)
    if (CALIBRATION_DIR / f"{args.name}.yaml").exists():
        raise ConfigurationError(f"--name: configs/calibration/{args.name}.yaml exists and is never overwritten; "
                                 f"choose another name")
    known = CONFIG_NAME.fullmatch(args.start) and (CALIBRATION_DIR / f"{args.start}.yaml").exists()
    if not known:
        options = ", ".join(sorted(p.stem for p in CALIBRATION_DIR.glob("*.yaml")))
        raise ConfigurationError(f"--start: unknown calibration {args.start!r}, allowed: {options}")
    for flag, value, low in (("--trials", args.trials, 1), ("--seeds", args.seeds, 2), ("--jobs", args.jobs, 1)):
        if value < low:
            raise ConfigurationError(f"{flag}: must be an integer >= {low}, got {value}")
    if args.n_youth is not None and args.n_youth < 100:
        raise ConfigurationError(f"--n-youth: must be an integer >= 100, got {args.n_youth}")

    spec = load_targets(args.targets)
    spec.seeds = args.seeds
    if args.n_youth is not None:
        spec.n_youth = args.n_youth
    configs = arm_configs(spec, [f"calibration={args.start}", *args.overrides])
    params = load_parameters(args.parameters, probe=configs["baseline"] if "baseline" in configs
                             else next(iter(configs.values())), calibrated=True)
    start_values = {p.key: float(get_value(next(iter(configs.values())), p.key)) for p in params}
    outside = [k for k, v in start_values.items() if not next(p for p in params if p.key == k).low <= v
               <= next(p for p in params if p.key == k).high]
    if outside:
        raise ConfigurationError(f"{args.parameters.name}: the start value of {outside[0]} lies outside its range")

    def score(values: dict[str, float]) -> tuple[float, list[dict]]:
        rows = evaluate(spec, run_arms(spec, values=values, jobs=args.jobs, progress=False, configs=configs,
                                       first_seed=CALIBRATION_SEEDS))
        return loss(rows, spec), rows

    def objective(trial: optuna.Trial) -> float:
        values = {p.key: round_sig(trial.suggest_float(p.key, p.low, p.high)) for p in params}
        value, rows = score(values)
        trial.set_user_attr("values", values)
        trial.set_user_attr("means", {r["target"]: r["mean"] for r in rows})
        trial.set_user_attr("passed", sum(r["passed"] for r in rows))
        return value

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", study_name=args.name,
                                sampler=optuna.samplers.TPESampler(seed=args.seed, multivariate=True))
    study.enqueue_trial(start_values)
    print(f"calibrating {len(params)} parameters to {len(spec.targets)} targets: {args.trials} trials x "
          f"{len(spec.arms)} arms x {spec.seeds} seeds, {spec.n_youth} youth, {args.jobs} jobs")

    def stop_when_every_target_holds(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if trial.value == 0.0:  # every interval inside its range and every point figure hit: nothing to improve
            study.stop()

    study.optimize(objective, n_trials=args.trials, show_progress_bar=True,
                   callbacks=[stop_when_every_target_holds])

    start, best = study.trials[0], study.best_trial
    fitted = best.user_attrs["values"]
    fit = pd.DataFrame([{
        "pattern": t.pattern, "target": t.name, "range": f"[{t.range[0]:g}, {t.range[1]:g}]",
        "start": start.user_attrs["means"][t.name], "fitted": best.user_attrs["means"][t.name],
        "start_met": bool(t.range[0] <= start.user_attrs["means"][t.name] <= t.range[1]),
        "fitted_met": bool(t.range[0] <= best.user_attrs["means"][t.name] <= t.range[1]),
    } for t in spec.targets])
    header = [
        "Behavioural parameters fitted to the evidence by python -m experiments.calibrate"
        f" on {datetime.now():%Y-%m-%d}.",
        f"Method: Optuna multivariate TPE (sampler seed {args.seed}), {len(study.trials)} trials (of at most "
        f"{args.trials}) from `{args.start}`,",
        f"each scored on {len(spec.arms)} arms x {spec.seeds} seeds (from {CALIBRATION_SEEDS}) x {spec.n_youth} youth"
        f" x {spec.months} months",
        f"against {args.targets.relative_to(ROOT) if args.targets.is_relative_to(ROOT) else args.targets}.",
        f"Loss (sum of squared shortfalls in points): {start.value:.4g} at the start -> {best.value:.4g}"
        f" (trial {best.number}); targets met: {start.user_attrs['passed']} -> {best.user_attrs['passed']}"
        f" of {len(spec.targets)}.",
        "Lines marked `fitted` were searched within the range shown; all others are as in the start file.",
    ]
    path = write_calibration(args.name, args.start, fitted, params, header)

    out = args.out / f"{datetime.now():%Y-%m-%d_%H-%M-%S}_{args.name}"
    out.mkdir(parents=True, exist_ok=True)
    trials = study.trials_dataframe(attrs=("number", "value", "params", "user_attrs", "state"))
    atomic_write(out / "trials.csv", lambda tmp: trials.to_csv(tmp, index=False))
    atomic_write(out / "fit.csv", lambda tmp: fit.to_csv(tmp, index=False))
    table = fit_table(fit)
    atomic_write(out / "fit.md", lambda tmp: Path(tmp).write_text(table + "\n"))
    _history_figure(study, out / "history.png")
    print(table)
    print(f"loss {start.value:.4g} (start: {args.start}) -> {best.value:.4g} (trial {best.number}); "
          f"targets met {start.user_attrs['passed']} -> {best.user_attrs['passed']} of {len(spec.targets)}")
    print(f"wrote {path.relative_to(ROOT)} (use: calibration={args.name}); report: {out}")
    return 0


def fit_table(fit) -> str:
    lines = ["| pattern | target | range | start | fitted |", "|---|---|---|---|---|"]
    for r in fit.itertuples():
        lines.append(f"| {r.pattern} | {r.target} | {r.range} | {r.start:.4f} {'met' if r.start_met else 'MISSED'} | "
                     f"{r.fitted:.4f} {'met' if r.fitted_met else 'MISSED'} |")
    return "\n".join(lines)


def _history_figure(study, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    values = np.array([t.value for t in study.trials if t.value is not None])
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(np.arange(values.size), values, ".", color="0.6", label="trial")
    ax.plot(np.arange(values.size), np.minimum.accumulate(values), "-", color="C0", label="best so far")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_xlabel("trial (0 = start point)")
    ax.set_ylabel("loss (squared shortfall, points²)")
    ax.set_title("Calibration to the evidence targets")
    ax.legend()
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    plt.close(fig)

