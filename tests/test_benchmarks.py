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


def test_profile_times_every_phase_and_hook_and_restores_the_streams(capsys):
    from simulation.rng import RandomStreams

    uniform = RandomStreams.uniform
    profile.main(["--persons", "300", "--months", "2"])
    r = _json_line(capsys)
    assert set(profile.PHASES) | {f"policies.{h}" for h in profile.HOOKS} <= set(r["phase_ms"])
    assert sum(r["phase_ms"][p] for p in profile.PHASES) <= r["month_ms"] * 1.01  # hooks run inside phases
    assert r["draws_per_month"] >= 10 and r["draw_1m_ms"] > 0 and r["copy_gb_per_s"] > 0
    assert RandomStreams.uniform is uniform
