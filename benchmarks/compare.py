"""The issue's targets, before and after, side by side in one run: ``python -m benchmarks.compare --before COMMIT``.

Checks ``COMMIT`` out into a temporary git worktree and measures it and this tree
one after the other with the same Python and packages, on a warm numba cache:

1. the stipend stress test at programme size (10 levels x 30 seeds x 5,000 persons
   x 36 months, joblib launcher on all cores) plus its report: wall seconds, and
   the share of the cores' time spent stepping (the summaries' runtime / (wall x cores));
2. one ``experiments.run scenario.n_youth=5000`` from the shell: wall seconds (best of 3);
3. stepping at 5,000 and at 1,000,000 persons x 36 months with all eight policies
   (``benchmarks.scaling``, default threads): person-months per second, and the
   resident memory per person the model added at its peak.

Prints a Markdown table (target, before, after) and writes it to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _env(tree: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(tree), "HYDRA_FULL_ERROR": "1"}


def _wall(tree: Path, args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", *args], cwd=tree, env=_env(tree), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _scaling(tree: Path, persons: int) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.scaling", "--persons", str(persons), "--months", "36"],
                         cwd=tree, env=_env(tree), check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure(tree: Path, tmp: Path) -> dict:
    _wall(tree, ["experiments.run", "scenario.n_youth=2000", "months=3", f"hydra.run.dir={tmp / 'warm'}"])  # cache
    single = min(_wall(tree, ["experiments.run", "scenario.n_youth=5000", f"hydra.run.dir={tmp / f'run{k}'}"])
                 for k in range(3))
    sweep = tmp / "sweep"
    run = _wall(tree, ["experiments.run", "-m", "experiment=stipend_stress_test", "hydra/launcher=joblib",
                       "scenario.n_youth=5000", f"hydra.sweep.dir={sweep}"])
    report = _wall(tree, ["experiments.report", str(sweep)])
    summaries = [json.loads(p.read_text()) for p in sweep.glob("*/summary.json")]
    stepping = sum(s["meta"]["runtime_seconds"] for s in summaries)
    small, large = _scaling(tree, 5000), _scaling(tree, 1_000_000)
    return {"stress_seconds": run + report, "stress_jobs": len(summaries),
            "stepping_share": stepping / ((run + report) * CORES), "single_run_seconds": single,
            "pm_per_s_5k": small["person_months_per_second"], "pm_per_s_1m": large["person_months_per_second"],
            "bytes_per_person_1m": (large["peak_rss_bytes"] - large["rss_before_bytes"]) / large["persons"]}


ROWS = [("Stipend stress test, 10 x 30 x 5,000 persons x 36 months, with report (s, wall, 2 cores)", "stress_seconds",
         "<= 20", "{:.1f}"),
        ("... share of the cores' time spent stepping", "stepping_share", ">= 60%", "{:.0%}"),
        ("One `experiments.run scenario.n_youth=5000` from the shell (s, wall, warm cache)", "single_run_seconds",
         "<= 1.5", "{:.2f}"),
        ("Stepping at 1,000,000 persons x 36 months, all policies (person-months/s)", "pm_per_s_1m", ">= 20M",
         "{:,.0f}"),
        ("... resident memory the model added, peak (B/person)", "bytes_per_person_1m", "<= 300", "{:.0f}"),
        ("Stepping at 5,000 persons x 36 months, all policies (person-months/s)", "pm_per_s_5k", ">= 5M", "{:,.0f}")]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True, help="commit to compare with (e.g. the last one before the issue)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "compare.md")
    args = ap.parse_args(argv)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "before"
        subprocess.run(["git", "worktree", "add", "--detach", str(old), args.before], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            before = measure(old, Path(tmp) / "b")
            after = measure(ROOT, Path(tmp) / "a")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, capture_output=True)
    lines = [f"# Before / after (`python -m benchmarks.compare --before {args.before}`, "
             f"{time.strftime('%Y-%m-%d %H:%M')}, {CORES} cores)", "",
             f"| target | goal | before ({args.before}) | after ({commit}) |", "|---|---|---|---|"]
    lines += [f"| {label} | {goal} | {fmt.format(before[key])} | {fmt.format(after[key])} |"
              for label, key, goal, fmt in ROWS]
    lines += ["", f"Jobs in the stress test: {before['stress_jobs']} before, {after['stress_jobs']} after."]
    text = "\n".join(lines) + "\n"
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
