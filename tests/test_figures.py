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
    ("policy=[stipend,childcare,transport,mobility_scheme,startup_kit,certification,apprenticeship,job_referral]",
     "full package"),
    ("policy=[stipend,childcare]", "stipend + childcare"),
    ("policy.stipend.monthly_amount=45", "stipend 45 USD/month"),
    ("scenario=mali_returnees policy.stipend.monthly_amount=0", "mali_returnees, stipend 0 USD/month"),
])
def test_arms_are_named_in_words(setting, words):
    from experiments.studies.labels import arm

    assert arm(setting) == words


def test_packages_are_ordered_by_size_and_tiny_differences_carry_no_sign():
    from experiments.studies.labels import arm, setting_order, value

    full = "policy=[stipend,childcare,transport,mobility_scheme,startup_kit,certification,apprenticeship,job_referral]"
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
