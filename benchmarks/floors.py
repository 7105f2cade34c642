"""The floors under issue 15's targets: what every run and every sweep pays before it steps a month.

    python -m benchmarks.floors [--repeats 5] [--out benchmarks/floors.md]

Each part is measured in fresh processes (best of ``--repeats``), on a warm numba cache:

1. the interpreter alone, and the import of each required package, and of the
   set every run of this model imports (Mesa for the model and its agents, numba
   for the kernels, Hydra and OmegaConf for the configuration);
2. the floor of one ``experiments.run`` from the shell: importing the entry point
   and the model, composing one config and loading the compiled kernels (a
   200-person model stepped one month), with nothing simulated or written;
3. the floors of a sweep's fixed parts: the sweep's parent (the entry point and one
   config), a worker (the model and its kernels), and the report (its imports and
   its four figures drawn from a real table, without reading any job);
4. the stepping the stress test's 300 jobs need at the issue's 5,000-person target
   (5M person-months/s, person-months from one 5,000-person run), and the largest
   share of the cores' time that stepping could then be, were every job's own
   bookkeeping free and the stepping perfectly parallel:
   ``stepping / (stepping + cores x (parent + worker + report))``.

Prints a Markdown table and writes it to ``--out``. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

KERNELS = """
from livelihoods.compose import load_config
from simulation.model import LivelihoodsModel
model = LivelihoodsModel(load_config("scenario.n_youth=200", "months=1", "progress=false", "threads=1"))
model.step()
"""
REPORT = """
import tempfile
from pathlib import Path
import numpy as np
import pandas as pd
from experiments.studies import report_figures
levels = [0, 15, 30, 45, 60, 75, 90, 105, 120, 130]
rows = [dict(setting=f"policy.stipend.monthly_amount={s}", group=g, indicator=i, mean=m, std=0.01,
             ci_low=m - 0.02, ci_high=m + 0.02, n=30)
        for s in levels for g in ("all", *report_figures.GROUPS)
        for i, m in zip([*report_figures.MAIN, "cost_average_per_completer", "cost_average_per_employed_completer"],
                        [0.4 - s / 500, 0.5 + s / 500, 0.3, 0.2, 900 + 10 * s, 400 + 5 * s])]
table = pd.DataFrame(rows)
paired = table[table["setting"] != table["setting"].iloc[0]]
with tempfile.TemporaryDirectory() as tmp:
    report_figures.plot_all(Path(tmp), table, paired, "policy.stipend.monthly_amount=0", True, 0.3)
"""
PARTS = {  # name -> (what it is, Python source run with -c)
    "interpreter": ("Python start-up alone", "pass"),
    "numpy": ("import numpy", "import numpy"),
    "pandas": ("import pandas", "import pandas"),
    "numba": ("import numba", "import numba"),
    "hydra": ("import hydra, omegaconf", "import hydra, omegaconf"),
    "mesa": ("import mesa (3.x imports pandas, scipy.spatial and networkx)", "import mesa"),
    "matplotlib": ("import matplotlib.pyplot", "import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot"),
    "required": ("import mesa, numba, hydra, omegaconf: what every run imports", "import mesa, numba, hydra, omegaconf"),
    "parent": ("a sweep's parent: experiments.run imported, one config composed",
               "import experiments.run\nfrom livelihoods.compose import load_config\nload_config()"),
    "single_run": ("one run's floor: entry point and model imported, one config, kernels loaded",
                   "import experiments.run, experiments.records.runs\n" + KERNELS),
    "worker": ("a sweep worker's floor: the model imported, kernels loaded", "import experiments.records.runs\n" + KERNELS),
    "report": ("the report's floor: its imports and its four figures", REPORT),
}


def best_of(code: str, repeats: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times)


def stress_person_months() -> int:
    """Person-months of the stress test's 300 jobs: 300 x those of one 5,000-person, 36-month run (seed 1)."""
    from livelihoods.compose import load_config
    from simulation.runner import simulate

    summary = simulate(load_config("scenario.n_youth=5000", "months=36", "progress=false", "threads=1")).summary
    return 300 * summary["meta"]["person_months"]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "floors.md")
    args = ap.parse_args(argv)
    best_of(KERNELS, 1)  # the numba cache is warm from here on
    seconds = {name: best_of(code, args.repeats) for name, (_, code) in PARTS.items()}
    stepping = stress_person_months() / 5e6  # core-seconds at the 5,000-person target
    fixed = seconds["parent"] + seconds["worker"] + seconds["report"]
    share = stepping / (stepping + CORES * fixed)
    lines = [f"# Floors under the targets (`python -m benchmarks.floors`, {time.strftime('%Y-%m-%d %H:%M')}, "
             f"{CORES} cores, best of {args.repeats} fresh processes)", "",
             "| part | seconds |", "|---|---|"]
    lines += [f"| {what} | {seconds[name]:.2f} |" for name, (what, _) in PARTS.items()]
    lines += ["", f"- One run from the shell: target <= 1.5 s; its floor (no month simulated, nothing written) is "
              f"{seconds['single_run']:.2f} s, of which importing the required packages alone {seconds['required']:.2f} s.",
              f"- Stress test (300 jobs of 5,000 persons x 36 months): at the target of 5M person-months/s its stepping "
              f"is {stepping:.1f} core-seconds; the fixed parts' floors (parent {seconds['parent']:.2f} s, worker "
              f"{seconds['worker']:.2f} s, report {seconds['report']:.2f} s) cap the share of the cores' time spent "
              f"stepping at {share:.0%} (target >= 60%), with every job's bookkeeping free.", ""]
    text = "\n".join(lines)
    args.out.write_text(text)
    print(text)
    print(json.dumps({"seconds": seconds, "stepping_core_seconds_at_5m": stepping, "max_share": share}))


if __name__ == "__main__":
    main()
