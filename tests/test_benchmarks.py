"""The benchmark tools measure what their report reads (run tiny; no speed is asserted here)."""

from __future__ import annotations

import json

from benchmarks import profile, scaling


def _json_line(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_scaling_reports_every_figure_the_results_table_uses(capsys):
    scaling.main(["--persons", "300", "--months", "3"])
    r = _json_line(capsys)
    for key in ("import_seconds", "config_seconds", "kernel_load_seconds", "build_seconds", "first_month_seconds",
                "run_seconds", "person_months_per_second", "peak_rss_bytes", "rss_before_bytes", "model_rss_bytes"):
        assert r[key] is not None and r[key] >= 0, key
    assert r["persons_start"] == 300 and r["persons"] >= 300 and r["months"] == 3
    assert r["peak_rss_bytes"] >= r["rss_before_bytes"] > 0


def test_profile_times_every_part_loop_and_model_level_step(capsys):
    from simulation.phases import FUSED, STEPS

    profile.main(["--persons", "300", "--months", "2"])
    r = _json_line(capsys)
    parts = set(profile.PARTS) | {f"policies.{h}" for h in profile.HOOKS}
    loops = {f"loop:{name}" for name in (*FUSED, "migrate", "apply_for_training", "arrive", "start_course")}
    steps = {f"level:{step.name}" for step in STEPS if step.name != "admit"}  # (no intake in two months)
    assert parts | loops | {"loop:apply_to_employer"} | steps <= set(r["ms"])
    assert sum(r["ms"][p] for p in parts) <= r["month_ms"] * 1.01  # loops and kernels run inside the parts
    assert r["draw_1m_ms"] > 0 and r["copy_gb_per_s"] > 0


def test_floors_measure_every_part_and_bound_the_stepping_share_from_them(capsys, tmp_path):
    from benchmarks import floors

    out = tmp_path / "floors.md"
    floors.main(["--repeats", "1", "--out", str(out)])
    r = _json_line(capsys)
    assert set(r["seconds"]) == set(floors.PARTS) and all(v > 0 for v in r["seconds"].values())
    stepping, s = r["stepping_core_seconds_at_5m"], r["seconds"]
    assert stepping > 300 * 5000 * 36 / 5e6  # 300 jobs of at least 5,000 persons x 36 months at 5M/s
    fixed = s["parent"] + s["worker"] + s["report"]
    assert r["max_share"] == stepping / (stepping + floors.CORES * fixed)
    text = out.read_text()
    assert all(what in text for what, _ in floors.PARTS.values()) and f"{r['max_share']:.0%}" in text


def test_job_overhead_times_each_step_of_a_jobs_bookkeeping(capsys):
    from benchmarks import job_overhead

    job_overhead.main(["--jobs", "2"])
    r = _json_line(capsys)
    assert r["jobs"] == 2 and len(r["ms_per_job"]) == 7 and all(v > 0 for v in r["ms_per_job"].values())
    assert abs(r["total_ms_per_job"] - sum(r["ms_per_job"].values())) < 1e-9
