"""Every study figure is paste-ready: axes labelled with units, numeric axes in numeric order, arms in words, and
a title stating the interval's level and the number of seeds (and draws) it rests on."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pytest

from experiments.studies import aggregate as agg
from experiments.studies import cost_effectiveness as cea
from experiments.studies import report_figures as rf
from simulation.policies import POLICIES
from tests.conftest import STORED_POSTERIOR
from tests.test_cost_effectiveness import LEVEL, sweep  # noqa: F401  (the fixture: stipend 0, 30, 105 x 3 seeds)


def figures(folder, posterior=False):
    s = agg.read_sweep(folder)
    frame = agg.records(s)
    table = agg.aggregate(frame, 0.95)
    reference = f"{LEVEL}=0"
    paired = agg.paired_differences(frame, reference, 0.95)
    others = [f"{LEVEL}=30", f"{LEVEL}=105"]
    incremental = cea.incremental(frame, [(o, reference) for o in others])
    steps = cea.incremental(frame, [(f"{LEVEL}=30", reference), (f"{LEVEL}=105", f"{LEVEL}=30")])
    return rf.build_all(table, paired, reference, True, 0.3, posterior, 0.95, frame, incremental, steps)


def titles(fig):
    return " ".join([fig._suptitle.get_text() if fig._suptitle else ""] + [ax.get_title() for ax in fig.axes])


def test_every_figure_has_labelled_axes_a_caption_with_level_and_n_and_numeric_order(sweep):  # noqa: F811
    built = figures(sweep)
    assert set(built) == {"dose_response", "cost_per_extra_completer", "comparison", "subgroups", "ce_plane"}
    for name, fig in built.items():
        assert "95%" in titles(fig) and "3 seeds" in titles(fig), name
        for ax in fig.axes:
            if not ax.has_data():
                continue
            assert ax.get_xlabel().strip(), f"{name}: an x axis without a label"
            if name != "comparison" or ax is fig.axes[0]:
                assert ax.get_ylabel().strip(), f"{name}: a y axis without a label"
            unit_words = ("USD", "%", "percentage points", "persons", "arm")
            assert any(w in ax.get_xlabel() + ax.get_ylabel() for w in unit_words), f"{name}: no unit"
            for line in ax.get_lines():
                x = np.asarray(line.get_xdata(), dtype=float)
                if x.size > 1 and name in ("dose_response", "subgroups", "cost_per_extra_completer"):
                    assert np.all(np.diff(x) > 0), f"{name}: x not in numeric order: {x}"
        plt.close(fig)
    # arms in words, in numeric order from the top: 30 above 105 (as text, "105" would sort first)
    comparison = figures(sweep)["comparison"]
    ax = comparison.axes[0]
    top_down = [t.get_text() for _, t in sorted(zip(ax.get_yticks(), ax.get_yticklabels()), key=lambda p: -p[0])]
    assert top_down == ["stipend 30 USD/month", "stipend 105 USD/month"]
    assert "percentage points" in comparison.axes[0].get_xlabel()
    plt.close("all")


@pytest.mark.parametrize("setting, words", [
    ("policy=[]", "no package"),
    (f"policy=[{','.join(POLICIES)}]", "full package"),
    ("policy=[stipend,childcare]", "stipend + childcare"),
    ("policy.stipend.monthly_amount=45", "stipend 45 USD/month"),
    ("scenario=mali_returnees policy.stipend.monthly_amount=0", "mali_returnees, stipend 0 USD/month"),
])
def test_arms_are_named_in_words(setting, words):
    from experiments.studies.labels import arm

    assert arm(setting) == words


def test_packages_are_ordered_by_size_and_tiny_differences_carry_no_sign():
    from experiments.studies.labels import arm, setting_order, value

    full = f"policy=[{','.join(POLICIES)}]"
    settings = [full, "policy=[transport]", "policy=[stipend,childcare]", "policy=[]", "policy=[startup_kit]"]
    assert [arm(s) for s in sorted(settings, key=setting_order)] == [
        "no package", "start-up kit", "transport", "stipend + childcare", "full package"]
    assert value("enrolled", -0.3, True) == "0" and value("enrolled", -3, True) == "-3"
    assert value("dropout_rate", -0.0004, True) == "0.0" and value("dropout_rate", 0.02, True) == "+2.0"


def test_a_runs_figures_label_their_axes_in_units_and_no_label_runs_into_another_panel(monkeypatch, tmp_path):
    import livelihoods
    from experiments.studies import run_figures

    run = livelihoods.simulate({"scenario.n_youth": 1000, "burn_in_months": 12}, seed=1, months=12)
    captured = {}
    monkeypatch.setattr(run_figures, "_save", lambda fig, path: captured.setdefault(path.name, fig) and path)
    run_figures.plot_monthly(tmp_path / "monthly.png", run.summary, run.timeseries)
    run_figures.plot_funnel(tmp_path / "funnel.png", run.summary)
    for name, fig in captured.items():
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        boxes = [ax.get_tightbbox(renderer) for ax in fig.axes]
        for i, j in itertools.combinations(range(len(boxes)), 2):
            assert not boxes[i].overlaps(boxes[j]), (name, fig.axes[i].get_title(), fig.axes[j].get_title())
        for ax in fig.axes:
            assert ax.get_xlabel(), (name, ax.get_title())
            if name == "monthly.png":
                assert "%" in ax.get_ylabel(), ax.get_title()
    assert "no interval" in captured["monthly.png"]._suptitle.get_text()
    plt.close("all")


# --- honest figures from real runs (issue 31): every tick label reads its tick's value, panels in one unit share
# one scale, dropout targets drawn per group. Tiny real sweeps, in memory: a stipend stress test and a comparison
# of policies, each over seeds and over posterior draws.

STRESS = {f"{LEVEL}={s}": {"policy": ["stipend"], LEVEL: s} for s in (0, 30, 105)}
ARMS = {"policy=[]": {"policy": []}, "policy=[stipend]": {"policy": ["stipend"]},
        "policy=[apprenticeship]": {"policy": ["apprenticeship"]}, "policy=[job_referral]": {"policy": ["job_referral"]}}


def real_frame(arms: dict[str, dict], draws=(-1,), seeds=(1, 2)):
    """The records frame of a real sweep of ``arms`` × draws (-1: no posterior; else the stored posterior) × seeds."""
    import livelihoods

    complete = []
    for setting, overrides in arms.items():
        for draw in draws:
            posterior = {"posterior": STORED_POSTERIOR, "draw": draw} if draw >= 0 else {}
            for seed in seeds:
                run = livelihoods.simulate({"scenario.n_youth": 600, "burn_in_months": 12, **overrides, **posterior},
                                           seed=seed, months=12)
                complete.append({"setting": setting, "seed": seed, "draw": draw, "summary": run.summary})
    return agg.records(agg.Sweep(folder=None, swept=[], complete=complete))


@pytest.fixture(scope="module")
def real_sweeps():
    return {(kind, posterior): real_frame(arms, (0, 1) if posterior else (-1,))
            for kind, arms in (("stress", STRESS), ("comparison", ARMS)) for posterior in (False, True)}


def table_of(frame):
    """(table, posterior, level) of a records frame, as experiments/studies/report.py makes them."""
    posterior = agg.over_draws(frame)
    level = 0.9 if posterior else 0.95
    return (agg.posterior_aggregate(frame, level) if posterior else agg.aggregate(frame, level)), posterior, level


def report_figures(frame, stress: bool, targets):
    """The report's figures of ``frame``, built as experiments/studies/report.py builds them."""
    table, posterior, level = table_of(frame)
    settings = sorted(table["setting"].unique(), key=rf.labels.setting_order)
    reference = settings[0]
    paired = agg.paired_differences(frame, reference, level)
    incremental = cea.incremental(frame, [(s, reference) for s in settings[1:]], level)
    steps = cea.incremental(frame, list(zip(settings[1:], settings[:-1])), level) if stress else None
    return rf.build_all(table, paired, reference, stress, targets, posterior, level, frame, incremental, steps)


def axis_lines(ax, horizontal: bool) -> set[float]:
    """Values of the lines across a whole panel (``axhline``: horizontal, ``axvline``: vertical)."""
    found = set()
    for line in ax.get_lines():
        along, across = (line.get_ydata(), line.get_xdata()) if horizontal else (line.get_xdata(), line.get_ydata())
        if len(along) == 2 and along[0] == along[1] and np.allclose(np.asarray(across, dtype=float), [0, 1]):
            found.add(round(float(along[0]), 6))
    return found


def horizontal_lines(ax):
    return axis_lines(ax, True)


def vertical_lines(ax):
    return axis_lines(ax, False)


def test_every_run_figure_labels_each_tick_with_its_value(monkeypatch, tmp_path):
    import livelihoods
    from experiments.studies import run_figures
    from tests.figure_checks import tick_label_errors

    run = livelihoods.simulate({"scenario.n_youth": 1000, "burn_in_months": 12}, seed=1, months=12)
    # planted: intent near 17.5% of persons at home, where ticks 2.5 points apart once read "18%" for 17.5%
    planted = run.timeseries.assign(migration_intent_rate=0.175, monthly_dropout_hazard=0.0725)
    for ts in (run.timeseries, planted):
        captured = {}
        monkeypatch.setattr(run_figures, "_save", lambda fig, path, captured=captured: captured.setdefault(
            path.name, fig) and path)
        run_figures.plot_run(tmp_path, run.summary, ts)
        assert set(captured) == {"funnel.png", "monthly.png"}
        for name, fig in captured.items():
            assert tick_label_errors(fig) == [], name
    plt.close("all")


@pytest.mark.parametrize("kind", ["stress", "comparison"])
@pytest.mark.parametrize("posterior", [False, True], ids=["seeds", "posterior"])
def test_every_report_figure_labels_each_tick_with_its_value_and_shows_them_on_every_panel(real_sweeps, kind,
                                                                                           posterior):
    from tests.figure_checks import tick_label_errors

    built = report_figures(real_sweeps[kind, posterior], kind == "stress", {"all": 0.3, "returnees": 0.25})
    expected = {"comparison", "subgroups", "ce_plane"} | ({"dose_response", "cost_per_extra_completer"}
                                                         if kind == "stress" else set()) | ({"ceac"} if posterior else set())
    assert set(built) == expected
    for name, fig in built.items():
        assert tick_label_errors(fig) == [], name
    for ax in built["subgroups"].axes:  # shared scales, yet every panel keeps its tick labels
        for labels in (ax.get_xticklabels(), ax.get_yticklabels()):
            assert any(t.get_visible() and t.get_text() for t in labels), ax.get_title()
    for ax in built["dose_response"].axes if kind == "stress" else ():  # shares from 0: a flat line is drawn flat
        assert ax.get_ylim()[0] == 0, ax.get_title()
    plt.close("all")


@pytest.mark.parametrize("kind", ["stress", "comparison"])
@pytest.mark.parametrize("posterior", [False, True], ids=["seeds", "posterior"])
def test_comparison_panels_in_one_unit_share_one_x_range(real_sweeps, kind, posterior):
    frame = real_sweeps[kind, posterior]
    _, _, level = table_of(frame)
    reference = min(frame["setting"].unique(), key=rf.labels.setting_order)
    paired = agg.paired_differences(frame, reference, level)
    fig = rf.build_comparison(paired[paired["indicator"].isin(list(rf.MAIN))], reference, posterior, level)
    by_unit = {}
    for ax in fig.axes:
        unit = ax.get_xlabel()[ax.get_xlabel().find("("):]
        by_unit.setdefault(unit, []).append(ax.get_xlim())
    assert list(by_unit) == ["(percentage points)"] and len(by_unit["(percentage points)"]) == 4
    for unit, limits in by_unit.items():
        assert all(np.allclose(lim, limits[0]) for lim in limits), (unit, limits)
    # the range holds every panel's intervals: the dropout effect of the stipend, tens of points, sets it
    low, high = limits[0]
    main = paired[paired["indicator"].isin(list(rf.MAIN)) & (paired["group"] == "all")]
    assert low <= 100 * main["ci_low"].min() and 100 * main["ci_high"].max() <= high
    assert high - low > 10, (low, high)
    plt.close("all")


@pytest.mark.parametrize("kind", ["stress", "comparison"])
def test_subgroups_draw_the_dropout_target_of_each_group_given(real_sweeps, kind):
    frame = real_sweeps[kind, False]
    stress = kind == "stress"
    lines = horizontal_lines if stress else vertical_lines
    for targets, expected in (({"all": 0.3, "returnees": 0.25}, {"returnees": {25.0, 30.0}}),
                              ({"returnees": 0.2, "mothers": 0.35}, {"returnees": {20.0}, "mothers": {35.0}}),
                              (0.3, {})):  # a single number (the report's target today) is the target of all
        fig = rf.build_subgroups(table_of(frame)[0], stress, targets)
        panels = {ax.get_title().removeprefix("dropout: "): ax for ax in fig.axes}
        assert set(panels) == set(rf.GROUPS)
        general = {30.0} if targets in (0.3,) or "all" in targets else set()
        for group, ax in panels.items():
            assert lines(ax) == expected.get(group, general), (targets, group, lines(ax))
        legend = " ".join(t.get_text() for t in fig.legends[0].get_texts())
        for group in (["all"] if targets == 0.3 else targets):
            assert f"dropout target for {group}" in legend, legend
    if stress:
        dose = rf.build_dose_response(table_of(frame)[0], {"all": 0.25})
        assert 25.0 in horizontal_lines(dose.axes[0])
    plt.close("all")


def test_a_target_for_a_group_the_sweep_lacks_is_refused_and_one_it_has_gets_a_panel(real_sweeps):
    from livelihoods.errors import ConfigurationError

    frame = real_sweeps["stress", False]
    table = table_of(frame)[0]
    with pytest.raises(ConfigurationError, match=r"targets\['martians'\].*allowed: all, .*returnees"):
        rf.build_subgroups(table, True, {"all": 0.3, "martians": 0.2})
    with pytest.raises(ConfigurationError, match=r"targets\['all'\].*from 0 to 1"):
        rf.build_all(table, table.iloc[:0], f"{LEVEL}=0", True, {"all": 30})
    fig = rf.build_subgroups(table, True, {"all": 0.3, "men": 0.2})
    panels = {ax.get_title().removeprefix("dropout: "): ax for ax in fig.axes}
    assert list(panels) == [*rf.GROUPS, "men"] and horizontal_lines(panels["men"]) == {20.0, 30.0}
    plt.close("all")


def test_arms_drawn_on_one_point_of_the_ce_plane_are_named_and_posterior_dots_explained(real_sweeps):
    frame = real_sweeps["comparison", True]
    settings = sorted(frame["setting"].unique(), key=rf.labels.setting_order)
    incremental = cea.incremental(frame, [(s, "policy=[]") for s in settings[1:]], 0.9)
    # planted: job referral moved onto apprenticeship's point in both panels
    for outcome in incremental["outcome"].unique():
        source = incremental[(incremental["setting"] == "policy=[apprenticeship]") & (incremental["outcome"] == outcome)]
        target = (incremental["setting"] == "policy=[job_referral]") & (incremental["outcome"] == outcome)
        for column in ("effect_mean", "effect_low", "effect_high", "cost_mean", "cost_low", "cost_high"):
            incremental.loc[target, column] = source[column].iloc[0]
    fig = rf.build_ce_plane(incremental, frame, "policy=[]", True, 0.9)
    for ax in fig.axes:
        notes = " ".join(t.get_text() for t in ax.texts)
        assert "apprenticeship = job referral" in notes.replace("\n", " "), (ax.get_title(), notes)
        markers = {line.get_marker() for line in ax.get_lines() if line.get_marker() not in (None, "None", "")}
        assert len(markers) >= 3  # one shape per arm
    legend = " ".join(t.get_text() for t in fig.legends[0].get_texts())
    assert "one posterior" in legend and "draw" in legend
    plt.close("all")
