"""The best package for a budget: ``python -m experiments.optimise [--preset NAME] [options] [overrides]``.

A programme designer with a budget asks which mix of the registered policies (``simulation.policies``)
gives the most completers or jobs, and what each step up in spending buys. The preset
(``configs/optimise/<NAME>.yaml``, default ``budget_500k``; ``preset.py``) gives the budget and the
population it is for, the objectives and the seeds; every registered policy's lever is searched unless the
preset restricts them. The search (``search.py``) is Optuna's NSGA-II, then a local search; the runs
(``runs.py``) go to this machine's cores (``--jobs``) or, with ``hydra/launcher=<name>`` (basic, joblib, ray,
submitit_local, submitit_slurm), as one ``hydra/sweeper=rows`` sweep of ``experiments.run`` per generation
into ``<out>/runs/``.

Writes to ``results/optimise/<time>/``: ``optimise.json`` (what was asked for, read back by ``--resume``),
``study.db`` (Optuna's storage), ``trials.csv`` (every candidate: means and intervals), ``pareto.csv`` and
``pareto.md`` (the front: package in words, outcomes with intervals, extra outcomes over no package and
their cost, the exact ``python -m experiments.run`` overrides that reproduce each point at each seed;
``front.py``, ``render.py``), ``pareto.png``, and with ``--verify`` ``verify.csv`` (every front point re-run
from its printed overrides on the preset's fresh ``verify_seeds``; ``verify.py``). ``--resume <out>``
continues a killed or finished search (``--trials``: the new total); candidates a kill interrupted are run
again with the parameters Optuna stored for them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
from pathlib import Path

from experiments.decisions.front import fronts, trials_frame
from experiments.decisions.packages import package_overrides
from experiments.decisions.preset import (
    DEFAULT_PRESET,
    check_preset,
    load_preset,
    pin,
    preset_from,
    scale_budget,
    searched_levers,
    top,
)
from experiments.decisions.render import markdown, write_figure
from experiments.decisions.runs import LauncherRuns, LocalRuns, Runs
from experiments.decisions.search import evaluated, open_study, plan_line, run_search
from experiments.decisions.verify import current_verification, summary_line, verify
from livelihoods.errors import CommandParser, ConfigurationError, DamagedRecord, LivelihoodsError, entry_point
from livelihoods.overrides import split_launcher
from livelihoods.paths import ROOT

SETTINGS = "optimise.json"  # what was asked for, stored at the start, read back by --resume


def parse(argv: list[str] | None) -> argparse.Namespace:
    from livelihoods.parallel import default_jobs

    ap = CommandParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default=DEFAULT_PRESET,
                    help=f"configs/optimise/<NAME>.yaml or a path (default {DEFAULT_PRESET})")
    ap.add_argument("--budget", type=float, help="USD for the runs' population, as given: replaces the preset's "
                    "budget_usd, which is otherwise scaled from its budget_n_youth to the runs' population")
    ap.add_argument("--trials", type=int, help="candidates in all, the local search's included (default: the "
                    "preset's; with --resume, the new total)")
    ap.add_argument("--population", type=int, help="candidates per generation (default: the preset's)")
    ap.add_argument("--n-youth", type=int, help="population of every run (default: the scenario's)")
    ap.add_argument("--polish", type=int, metavar="ROUNDS",
                    help="rounds of local search after NSGA-II (default: the preset's; 0: none)")
    ap.add_argument("--jobs", type=int, default=default_jobs(), help="worker processes (default: all cores)")
    ap.add_argument("--verify", action="store_true", help="re-run the front's points on the preset's fresh seeds")
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "optimise", help="parent of the new search's folder")
    ap.add_argument("--resume", type=Path, metavar="FOLDER", help="continue the search stored in FOLDER")
    ap.add_argument("overrides", nargs="*", help="config overrides of every run (e.g. scenario=mali_returnees); "
                    "hydra/launcher=ray (or basic, joblib, submitit_*) runs each generation as a sweep on it")
    args = ap.parse_intermixed_args(argv if argv is not None else sys.argv[1:])
    for flag, value, low in (("--trials", args.trials, 1), ("--population", args.population, 2),
                             ("--n-youth", args.n_youth, 100), ("--jobs", args.jobs, 1), ("--polish", args.polish, 0)):
        if value is not None and value < low:
            raise ConfigurationError(f"{flag}: must be an integer >= {low}, got {value}")
    if args.budget is not None and not (math.isfinite(args.budget) and args.budget >= 1):
        raise ConfigurationError(f"--budget: must be a finite number of USD >= 1, got {args.budget}")
    args.launcher, args.launcher_settings, args.overrides = split_launcher(args.overrides)
    if not_the_search(args.overrides):
        raise ConfigurationError("overrides: seed and policy are chosen by the search (the preset's seeds and levers); "
                                 "give scenario, calibration or behaviour overrides only")
    return args


def not_the_search(overrides: list[str]) -> list[str]:
    """The overrides that set what the search chooses (seed, policies) or the launcher: none may be given."""
    return [o for o in overrides if o.startswith(("seed=", "policy=", "policy.", "hydra/launcher="))]


def read_settings(folder: Path):
    """What ``optimise.json`` stored (read by ``livelihoods.files``: a regular file inside the folder, numbers
    finite), checked as a new search's is: the preset against its schema and ranges (``preset_from``,
    ``check_preset``), the base overrides a list of the overrides a search may be given, the budget line text.
    ``DamagedRecord`` (one line, exit 2) for a record that is truncated, of another shape or out of range."""
    from livelihoods.files import load_json, why

    path = folder / SETTINGS
    try:
        stored = load_json(path, record=True, within=folder)
    except LivelihoodsError as exc:
        raise DamagedRecord(f"--resume: {path} is damaged: {why(exc)}") from exc
    if not isinstance(stored, dict) or not isinstance(stored.get("preset"), dict):
        raise DamagedRecord(f"--resume: {path} is damaged: no stored preset (a mapping under 'preset')")
    base = stored.get("base")
    if not isinstance(base, list) or not all(isinstance(o, str) for o in base):
        raise DamagedRecord(f"--resume: {path} is damaged: base: not a list of overrides, got {str(base)[:60]}")
    if not_the_search(base):
        raise DamagedRecord(f"--resume: {path} is damaged: base: {not_the_search(base)[0]} is chosen by the search, "
                            "not a base override")
    budget = stored.get("budget")
    if budget is not None and not isinstance(budget, str):
        raise DamagedRecord(f"--resume: {path} is damaged: budget: not the budget's line of text")
    try:
        preset = preset_from(stored["preset"], f"--resume: {path} is damaged: preset")
        check_preset(preset, f"--resume: {path} is damaged: preset")
    except LivelihoodsError as exc:
        raise DamagedRecord(str(exc)) from exc
    return preset, tuple(base), budget


def start(args: argparse.Namespace):
    """A new search: the preset with the options, checked against the model, stored in a new folder."""
    from dataclasses import asdict
    from datetime import datetime

    from experiments.records.files import atomic_write
    from experiments.records.folders import claim_new
    from livelihoods import load_config

    preset = load_preset(args.preset)
    preset.budget_usd = preset.budget_usd if args.budget is None else args.budget
    preset.trials = args.trials or preset.trials
    preset.population = args.population or preset.population
    preset.polish_rounds = preset.polish_rounds if args.polish is None else args.polish
    check_preset(preset, "options")
    base = tuple(args.overrides + ([f"scenario.n_youth={args.n_youth}"] if args.n_youth else []))
    levers = searched_levers(preset)
    if args.population is None and preset.trials < preset.population:
        # a generation smaller than the preset's, so that a short search stays near --trials: it still holds the
        # first generation's seeded packages (no package and each policy alone)
        preset.population = max(preset.trials, 1 + len(levers), 2)
    config = load_config([*base, *package_overrides({n: top(lever) for n, lever in levers.items()}, levers)])
    budget = scale_budget(preset, config.scenario.n_youth, args.budget)
    pin(preset)
    folder = claim_new(args.out / datetime.now().strftime("%Y-%m-%d_%H-%M-%S"), "--out")
    settings = {"preset_name": Path(args.preset).stem, "preset": asdict(preset), "base": list(base), "budget": budget}
    atomic_write(folder / SETTINGS, lambda tmp: Path(tmp).write_text(json.dumps(settings, indent=2) + "\n"))
    return folder, preset, base, budget


def resume(args: argparse.Namespace):
    """The search stored in ``--resume``, with a new total of ``--trials`` and ``--polish`` rounds if given."""
    from experiments.records.folders import claim

    folder = args.resume
    if not os.path.lexists(folder / SETTINGS):
        raise ConfigurationError(f"--resume: {folder} holds no search ({SETTINGS} is missing); give the folder a "
                                 f"search wrote")
    given = [flag for flag, v in (("--preset", args.preset != DEFAULT_PRESET), ("--budget", args.budget),
                                  ("--population", args.population), ("--n-youth", args.n_youth),
                                  ("overrides", args.overrides)) if v]
    if given:
        raise ConfigurationError(f"--resume: continues the stored search as it was defined; {', '.join(given)} "
                                 "cannot change it (start a new search instead; --trials, --polish, --jobs, --verify "
                                 "and hydra/launcher= may be given)")
    preset, base, budget = read_settings(folder)  # a damaged record is refused before the folder is touched
    claim(folder, "--resume")
    preset.trials = args.trials or preset.trials
    preset.polish_rounds = preset.polish_rounds if args.polish is None else args.polish
    check_preset(preset, "--resume")
    return folder, preset, base, budget or f"budget: {preset.budget_usd:,.0f} USD (stored)"


def write_outputs(study, preset, base: tuple[str, ...], folder: Path, verified=None):
    """trials.csv, pareto.csv, pareto.md and pareto.png from the study as it stands (after every batch)."""
    from experiments.records.files import atomic_write, write_text

    frame = fronts(trials_frame(study, preset, base), preset)
    atomic_write(folder / "trials.csv", lambda tmp: frame.to_csv(tmp, index=False))
    front = frame[frame["on_front"]].sort_values(preset.budget_key)
    atomic_write(folder / "pareto.csv", lambda tmp: front.to_csv(tmp, index=False))
    write_text(folder / "pareto.md", markdown(frame, preset, base, verified))
    write_figure(frame, preset, folder / "pareto.png")
    return frame


def study_storage(folder: Path, resuming: bool) -> str:
    """The search's Optuna storage, ``study.db`` in its folder: on a resume, a regular SQLite file of the folder's
    own (not a link to another search's, which the resume would write into), holding this search's study."""
    import sqlite3

    path = folder / "study.db"
    if resuming:
        if path.is_symlink() or not path.is_file():
            raise DamagedRecord(f"--resume: {path} is {'a link' if path.is_symlink() else 'missing'}; a search resumes "
                                "from the study.db it wrote itself (start a new search instead)")
        try:
            with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
                db.execute("select study_name from studies").fetchall()
        except sqlite3.Error as exc:
            raise DamagedRecord(f"--resume: {path} is not this search's Optuna study ({exc})") from exc
    return f"sqlite:///{path}"


@entry_point
def main(argv: list[str] | None = None) -> int:
    from experiments.records.files import atomic_write
    from livelihoods.errors import require

    args = parse(argv)
    require("optuna", "studies", "experiments.optimise")
    folder, preset, base, budget = resume(args) if args.resume is not None else start(args)
    levers = searched_levers(preset)
    runs: Runs = (LauncherRuns(base, args.launcher, folder / "runs",
                               tuple(lever.key(n) for n, lever in levers.items() if lever.field is not None),
                               tuple(args.launcher_settings))
                  if args.launcher else LocalRuns(base, args.jobs))
    study = open_study(study_storage(folder, args.resume is not None), preset, load_if_exists=args.resume is not None)
    print(f"searching {', '.join(levers)}, seeds {preset.seeds} "
          f"({' '.join(base) or 'defaults'}) into {folder}\n{budget}\n{plan_line(preset)}", flush=True)
    run_search(study, preset, runs, after_batch=lambda: write_outputs(study, preset, base, folder))
    # an earlier --verify of this very front (as many candidates as trials.csv has): pareto.md keeps reporting it
    verified = current_verification(folder, len(evaluated(study)))
    frame = write_outputs(study, preset, base, folder, verified)
    if args.verify:
        verified = verify(frame, preset, runs)
        atomic_write(folder / "verify.csv", lambda tmp: verified.to_csv(tmp, index=False))
        frame = write_outputs(study, preset, base, folder, verified)
        print(summary_line(verified), flush=True)
    print(f"{len(frame)} candidates, {int(frame['within_budget'].sum())} within budget, {int(frame['on_front'].sum())} "
          f"on the front; wrote {', '.join(sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith('.')))} "
          f"to {folder}")
    return 0
