"""Per-job overhead of each Hydra launcher, side by side on the same small sweep.

    python -m benchmarks.launchers [--jobs 12] [--persons 5000] [--months 12]

Runs ``experiments.run -m seed=range(1, jobs+1) figures=false`` (as the study presets) with the basic, joblib, ray and
submitit_local launchers (those installed), each into a fresh folder, and prints one
JSON line per launcher: wall time of the command, time until the first run's
``summary.json`` appeared (start-up: Python, Hydra, the launcher and its workers),
seconds per further run once started, and the mean simulation time per run (from
the summaries, so it includes waiting for a core). Numba's cache is warm. submitit's local executor
starts every job at once, whatever the cores, so its runs wait for each other.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = {"joblib": "hydra_plugins.hydra_joblib_launcher", "ray": "hydra_plugins.hydra_ray_launcher",
           "submitit_local": "hydra_plugins.hydra_submitit_launcher"}


def installed(launcher: str) -> bool:
    try:
        return launcher == "basic" or importlib.util.find_spec(PLUGINS[launcher]) is not None
    except ModuleNotFoundError:
        return False


def measure(launcher: str, jobs: int, persons: int, months: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        sweep = Path(tmp) / "sweep"
        args = [sys.executable, "-m", "experiments.run", "-m", f"seed=range(1,{jobs + 1})",
                f"scenario.n_youth={persons}", f"months={months}", "figures=false", "progress=false",
                f"hydra.sweep.dir={sweep}"]
        if launcher != "basic":
            args.append(f"hydra/launcher={launcher}")
        start = time.time()
        subprocess.run(args, cwd=ROOT, check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        wall = time.time() - start
        summaries = sorted(sweep.glob("*/summary.json"), key=lambda p: p.stat().st_mtime)
        first = summaries[0].stat().st_mtime - start
        runtimes = [json.loads(p.read_text())["meta"]["runtime_seconds"] for p in summaries]
    return {"launcher": launcher, "jobs": len(summaries), "wall_seconds": wall, "first_result_seconds": first,
            "seconds_per_further_job": (wall - first) / max(len(summaries) - 1, 1),
            "mean_simulation_seconds": sum(runtimes) / len(runtimes)}


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=12)
    ap.add_argument("--persons", type=int, default=5000)
    ap.add_argument("--months", type=int, default=12)
    args = ap.parse_args(argv)
    rows = []
    for launcher in ("basic", "joblib", "ray", "submitit_local"):
        if installed(launcher):
            rows.append(measure(launcher, args.jobs, args.persons, args.months))
            print(json.dumps(rows[-1]), flush=True)
    return rows


if __name__ == "__main__":
    main()
