"""Wall time of the default stipend stress test with the joblib launcher on all local cores.

    python -m benchmarks.stress_test [extra overrides, e.g. seed=range(1,3)]

Runs ``python -m experiments.run -m experiment=stipend_stress_test hydra/launcher=joblib``
into a temporary sweep folder, then ``python -m experiments.report`` on it, and
prints the wall time of each, the number of jobs and the time per job. The
issue's target: <= 2 minutes on 2 cores for 10 levels x 30 seeds at 50,000
persons x 36 months (the preset's defaults).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    extra = list(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory() as tmp:
        sweep = Path(tmp) / "sweep"
        run = timed(["experiments.run", "-m", "experiment=stipend_stress_test", "hydra/launcher=joblib",
                     f"hydra.sweep.dir={sweep}", *extra])
        jobs = len(list(sweep.glob("*/summary.json")))
        report = timed(["experiments.report", str(sweep)])
        answer = next((line for line in (sweep / "report.md").read_text().splitlines() if "Lowest stipend" in line), "")
    print(f"cores: {os.cpu_count()}; overrides: {' '.join(extra) or '(preset defaults)'}")
    print(f"sweep: {jobs} jobs in {run:.1f} s ({run / max(jobs, 1):.2f} s per job, wall); report: {report:.1f} s")
    print(f"total: {run + report:.1f} s (target 120 s for the preset defaults)")
    print(answer)


if __name__ == "__main__":
    main()
