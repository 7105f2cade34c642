"""The dashboard end to end in a real browser (Debian's chromium driven by Playwright), offline.

The app is started as a user would (``python -m experiments.dashboard``); the browser may
reach 127.0.0.1 only, so the page must render from installed assets. The test moves the
stipend lever, resets and steps the paired run, and checks that the indicators and charts
change and that the package's effect appears next to the same population without it; then
it exports the settings and runs them with ``experiments.run``. It saves a screenshot. At the window a user
had (1400 x 900) every slider's track must be wide enough to move and none of Mesa's own controls a
programme officer does not use may show. The other tests check the policies' controls (one per registered
policy, from its declaration), the paired view's words and numbers, and every chart's tick labels.
Skipped, with the reason, where chromium or the [dashboard] extra is missing.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    """The app as a user starts it, every socket of its server process recorded (see ``AUDIT``)."""
    if CHROMIUM is None:
        pytest.skip("no chromium on this machine (Debian: apt-get install chromium); .ci/run installs it")
    for module in ("playwright", "solara", "solara_assets"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} missing: pip install -e '.[dashboard]'")
    audit = tmp_path_factory.mktemp("audit")
    (audit / "sitecustomize.py").write_text(AUDIT)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": f"{audit}{os.pathsep}{ROOT}", "SOCKET_AUDIT_LOG": str(audit / "sockets.log")}
    proc = subprocess.Popen([sys.executable, "-m", "experiments.dashboard", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        os.killpg(proc.pid, 9)
        pytest.fail("the dashboard did not answer within 120 s")
    yield url, audit / "sockets.log"
    os.killpg(proc.pid, 15)
    proc.wait(timeout=30)


def comparison(page) -> dict[str, list[str]]:
    """The paired-comparison table: row label -> [with package, without, difference]."""
    table = page.locator("table", has_text="with package").first
    rows = {}
    for row in table.locator("tbody tr").all():
        cells = [c.inner_text().strip() for c in row.locator("td").all()]
        rows[cells[0]] = cells[1:]
    return rows


def assert_levers_usable(page) -> None:
    """Every lever's slider shows, with a track a user can move (a label beside the track once squeezed it to a
    dot), each policy of the registry has its control, and Mesa's own controls that a programme officer does not
    use (intervals, threads, the tab of the only page, the step counter) are in the page but hidden."""
    from experiments.dashboard import app as board
    from simulation.policies import POLICIES

    params = board.model_params()
    sliders = [spec["label"] for spec in params.values() if spec["type"].startswith("Slider")]
    for label in sliders:
        track = page.locator(".v-input__slider", has=page.get_by_role("slider", name=label, exact=True))
        width = track.locator(".v-slider__track-container").bounding_box()["width"]
        assert width >= 100, f"{label}: track {width:.0f} px wide"
    shown = sorted(s.get_attribute("aria-label") for s in page.get_by_role("slider").all())  # hidden ones: not
    assert shown == sorted(sliders)  # no other slider shows
    for name, policy in POLICIES.items():
        role = "checkbox" if policy.lever.field is None else "slider"
        assert page.get_by_role(role, name=params[name]["label"], exact=True).count() == 1, name
        for _, label in policy.settings:
            assert page.get_by_role("checkbox", name=label, exact=True).count() == 1, label
    for text in ("Play Interval (ms)", "Render Interval (steps)", "Use Threads", "Page 0", "Time: "):
        found = page.get_by_text(text).all()
        assert found, f"Mesa no longer shows {text!r}: check what the CSS of experiments/dashboard/app.py hides"
        assert not any(f.is_visible() for f in found), f"{text!r} shows"
    assert page.get_by_role("button", name="Reset").is_visible() and page.get_by_role("button", name="Step").is_visible()


def test_the_parameters_lever_runs_a_point_calibration_or_a_posterior_draw_in_both_arms(tmp_path, monkeypatch):
    import pandas as pd

    from experiments.dashboard import app as board
    from livelihoods import draws

    monkeypatch.setattr(draws, "POSTERIOR_DIR", tmp_path)
    assert board.parameter_choices()[0] == board.DEFAULT_CALIBRATION and "literature" in board.parameter_choices()
    assert board.PairedRun(n_youth=500, months=1).arms["package"].cfg.behaviour.name == board.DEFAULT_CALIBRATION
    assert "draw" not in board.model_params()  # no posterior stored: no draw slider
    (tmp_path / "toy").mkdir()
    pd.DataFrame({"draw": [0, 1, 2], "weight": [0.2, 0.4, 0.4],
                  "behaviour.labour.separation_rate": [0.011, 0.022, 0.033]}).to_csv(tmp_path / "toy" / "posterior.csv",
                                                                                     index=False)
    assert board.parameter_choices()[-1] == "toy (posterior)"
    assert board.model_params()["draw"]["max"] == 2

    point = board.PairedRun(n_youth=500, months=2, parameters="literature")
    assert {arm.cfg.behaviour.name for arm in point.arms.values()} == {"literature"}
    assert "Parameters: calibration=literature" in board.settings_text(point)
    drawn = board.PairedRun(n_youth=500, months=2, parameters="toy (posterior)", draw=2)
    expected = draws.draw_values("toy", 2)["behaviour.labour.separation_rate"]
    assert {arm.cfg.behaviour.labour.separation_rate for arm in drawn.arms.values()} == {expected}
    assert "Parameters: posterior=toy draw=2" in board.settings_text(drawn)
    assert {"posterior=toy", "draw=2"} <= set(drawn.overrides())  # the export reruns the same draw
    beyond = board.PairedRun(n_youth=500, months=2, parameters="toy (posterior)", draw=7)
    assert "draw=2" in beyond.overrides()  # a draw past this posterior's last is its last


def test_levers_move_the_indicators_and_the_paired_comparison_shows_the_package_effect(dashboard, tmp_path):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    dashboard, sockets = dashboard

    external = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})  # the window a user found the faults at

        def offline(route):  # this machine only: every asset must come from installed packages
            if route.request.url.startswith("http://127.0.0.1"):
                route.continue_()
            else:
                external.append(route.request.url)
                route.abort()

        page.route("**/*", offline)
        page.goto(dashboard, timeout=120_000)
        page.get_by_text("Paired comparison, month 0").wait_for(timeout=120_000)
        assert comparison(page)["cost so far (USD)"] == ["0", "0", "0"]
        assert_levers_usable(page)
        charts_before = page.locator("img").evaluate_all("imgs => imgs.map(i => i.src)")

        stipend = page.locator(".v-input", has_text="Stipend (USD/month)").get_by_role("slider")
        stipend.focus()
        for _ in range(12):  # 12 steps of 5 USD: 60 USD/month
            stipend.press("ArrowRight")
        assert stipend.get_attribute("aria-valuenow") == "60"
        for _ in range(20):  # the slider's value reaches the server asynchronously: reset until the model has it
            page.get_by_role("button", name="Reset").click()
            try:
                page.get_by_text("policy.stipend.monthly_amount=60").wait_for(timeout=1_000)
                break
            except PlaywrightTimeout:
                continue
        page.get_by_text("policy.stipend.monthly_amount=60").wait_for(timeout=5_000)
        for _ in range(6):
            page.get_by_role("button", name="Step").click()
            time.sleep(0.3)
        page.get_by_text("Paired comparison, month 6").wait_for(timeout=60_000)
        rows = comparison(page)
        with_package, without, diff = rows["cost so far (USD)"]
        assert with_package != without and diff != "0"  # the stipend is paid in one arm only
        assert int(rows["enrolled"][0].replace(",", "")) > 0
        assert rows["dropout rate"][0] != rows["dropout rate"][1]  # the package changes dropout...
        assert rows["employment rate"][2] != ""  # ...next to the same population without it
        page.get_by_text("By group (with package / without)").wait_for()
        charts_after = page.locator("img").evaluate_all("imgs => imgs.map(i => i.src)")
        assert len(charts_after) >= 2 and charts_after != charts_before  # curves (one figure, 3 panels) and funnel redrawn
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        if os.environ.get("DASHBOARD_SCREENSHOT"):  # to refresh docs/figures/dashboard.png
            page.screenshot(path=os.environ["DASHBOARD_SCREENSHOT"], full_page=True)

        page.get_by_role("button", name="Export config").click()
        written = page.get_by_text("Wrote").inner_text()
        command = page.get_by_text("-m experiments.run").inner_text()  # the command the page tells a user to run
        browser.close()
    assert (tmp_path / "dashboard.png").stat().st_size > 20_000
    assert external == [], f"the page asked for outside resources: {external[:3]}"
    assert outside_connections(sockets) == []  # nor did the server, while serving the whole session

    path = Path(re.search(r"(\S+_overrides\.txt)", written).group(1))
    overrides = path.read_text().splitlines()
    assert "policy=[stipend]" in overrides and "policy.stipend.monthly_amount=60" in overrides
    # the command as shown, run by the shell in a folder where `policy=[stipend]` would match a file name if the
    # shell expanded it (as `$(cat FILE)` did); a colleague's extra lines at the end of the file
    shutil.move(path, tmp_path / "shared_overrides.txt")
    command = command.replace(str(path), str(tmp_path / "shared_overrides.txt"))
    with open(tmp_path / "shared_overrides.txt", "a") as f:
        f.write(f"months=3\nfigures=false\nhydra.run.dir={tmp_path / 'run'}\n")
    (tmp_path / "policy=s").touch()
    run = subprocess.run(["bash", "-c", command], check=False, cwd=tmp_path, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT),
                              "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    ran = yaml.safe_load((tmp_path / "run" / ".hydra" / "overrides.yaml").read_text())
    assert ran[:len(overrides)] == overrides and (tmp_path / "run" / "summary.json").exists()


AUDIT = '''\
import os, sys
_log = os.environ["SOCKET_AUDIT_LOG"]
def _write(line):
    with open(_log, "a") as f:
        f.write(f"{os.getpid()} {line}\\n")
def _hook(event, args):
    if event == "socket.connect":
        _write(f"connect {args[1]!r}")
    elif event == "socket.getaddrinfo":
        _write(f"getaddrinfo {args[0]!r}")
_write("started " + " ".join(sys.argv))
sys.addaudithook(_hook)
'''


def wait_until_served(url: str, proc, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the dashboard did not answer within {seconds} s")


def port_is_free(port: int) -> bool:
    """Nothing listens on the port: a connection is refused, and a server could bind it again (SO_REUSEADDR,
    as servers do: the closed connections' TIME_WAIT does not count)."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        return False
    except ConnectionRefusedError:
        pass
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def test_the_dashboard_connects_nowhere_outside_and_stopping_its_pid_frees_the_port(tmp_path):
    """Every socket the server opens or name it looks up, recorded by a Python audit hook, is this machine's."""
    for module in ("solara", "solara_assets"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} missing: make setup (or pip install -e '.[dashboard]')")
    (tmp_path / "sitecustomize.py").write_text(AUDIT)  # loaded by every Python process started below
    log = tmp_path / "sockets.log"
    port = free_port()
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}", "SOCKET_AUDIT_LOG": str(log)}
    proc = subprocess.Popen([sys.executable, "-m", "experiments.dashboard", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_served(f"http://127.0.0.1:{port}/", proc)
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30).read()  # a page served, its kernel started
        time.sleep(3)  # Solara's telemetry and version check run in threads at start
        proc.send_signal(signal.SIGTERM)  # the launcher's own PID, as a user or a service manager would
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    server = [line for line in log.read_text().splitlines() if line.startswith(f"{proc.pid} ")]
    assert any("started" in line and "experiments.dashboard.page" in line for line in server), server  # in the server
    assert outside_connections(log) == []
    assert port_is_free(port)  # the server was this PID: nothing is left listening


def outside_connections(log) -> list[str]:
    """Connections and name look-ups in the audit log that are not this machine's."""
    lines = log.read_text().splitlines()
    assert any("started" in line for line in lines), "the audit hook did not run"
    local = re.compile(r"'(127\.\d+\.\d+\.\d+|localhost|::1)'|\('(127\.\d+\.\d+\.\d+|::1)', \d+")
    return [line for line in lines if ("connect" in line or "getaddrinfo" in line) and not local.search(line)]


def test_binding_every_interface_is_warned_about(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "experiments.dashboard", "--host", "0.0.0.0", "--port", "0"],
                          check=False, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2  # the bad port stops it before anything listens
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith("warning: --host 0.0.0.0") and "without any login" in lines[0]
    assert lines[1].startswith("error: --port")


def test_the_paired_view_gives_the_incremental_cost_per_extra_completer_and_labelled_curves_from_zero():
    from experiments.dashboard import app as board

    run = board.PairedRun(n_youth=2000, months=8, stipend=60)
    for _ in range(8):
        run.step()
    s = {arm: m.summary() for arm, m in run.arms.items()}
    extra_cost = s["package"]["cost"]["total"] - s["no package"]["cost"]["total"]
    extra = s["package"]["counts"]["completed"] - s["no package"]["counts"]["completed"]
    assert extra > 0 and extra_cost > 0  # a 60 USD stipend keeps trainees and costs money
    table = board.comparison_table(run)
    assert f"= **{extra_cost / extra:,.0f} USD** each" in table
    settings = board.settings_text(run)
    assert "Stipend: 60 USD/month" in settings and "Childcare: 0% of trainee mothers" in settings  # values in units
    assert "average cost per completer" in table and "employment of completers" in table
    for curve in board.CURVES:
        (ax,) = board.curve_figure(run, curve).axes
        assert ax.get_xlabel().startswith("month of the programme") and "%" in ax.get_ylabel()
        assert ax.get_ylim()[0] == 0 and ax.get_ylim()[1] >= np.nanmax([line.get_ydata() for line in ax.lines])
    assert board.model_params()["stipend"]["label"] == "Stipend (USD/month)"
    none = board.PairedRun(n_youth=500, months=1)
    assert "no package cost and no extra completers" in board.incremental_line(
        {arm: m.summary() for arm, m in none.arms.items()})
    same = board.comparison_table(none)  # no package: every difference is zero, and has no sign
    assert "| 0.0 pp |" in same and "| +0" not in same and "| -0" not in same
    care = board.PairedRun(n_youth=4000, months=6, childcare=100)  # every mother offered a place (a share in %)
    for _ in range(6):
        care.step()
    line = care.arms["package"].summary()["cost"]["by_policy"]["childcare"]
    assert 0 < line["used"] < line["offered"]
    assert f"| childcare: offered to / used by (persons) | {line['offered']:,} / {line['used']:,} |" in \
        board.comparison_table(care)


def test_every_registered_policy_has_a_control_with_its_label_and_range():
    """From the declaration alone: a slider 0..high in steps of step (a share in %) for a policy with a lever, a
    checkbox for an on/off policy and for each of its settings; the policies' section of levers.yaml is gone."""
    from experiments.dashboard import app as board
    from simulation.policies import POLICIES

    params = board.model_params()
    assert "policies" not in board.LEVERS
    for name, policy in POLICIES.items():
        control, lever = params[name], policy.lever
        if lever.field is None:
            assert control == {"type": "Checkbox", "value": False, "label": policy.label}
            continue
        scale = 100 if lever.unit.startswith("share") else 1
        assert control["type"] in ("SliderInt", "SliderFloat") and control["value"] == control["min"] == 0
        assert control["max"] == pytest.approx(scale * lever.high) and control["step"] == pytest.approx(scale * lever.step)
        unit = f"%{lever.unit.removeprefix('share')}" if scale == 100 else lever.unit
        assert control["label"] == f"{policy.label} ({unit})"
        for field, label in policy.settings:
            assert params[f"{name}.{field}"]["type"] == "Checkbox" and params[f"{name}.{field}"]["label"] == label
    assert params["childcare"]["label"] == "Childcare (% of trainee mothers offered a place)"
    assert (params["childcare"]["max"], params["childcare"]["step"]) == (100, 25)  # a share, in %
    assert params["stipend.conditional_on_attendance"]["value"] is True  # as configs/policy/stipend.yaml has it


def test_a_policy_registered_later_gets_its_controls_overrides_and_words(monkeypatch):
    """A toy policy added to the registry (no edit in the dashboard): its slider, its setting, the overrides that
    switch it on in the config's unit (a share 0..1 from a slider in %), and its value in words."""
    from dataclasses import dataclass

    from experiments.dashboard import app as board
    from simulation.policies import POLICIES, Lever, Policy
    from simulation.schema import PolicyConfig

    @dataclass
    class ToyConfig(PolicyConfig):
        voucher_share: float = 0.0
        strict: bool = True

    class Toy(Policy):
        name, config, label = "toy", ToyConfig, "Toy voucher"
        lever = Lever("voucher_share", "share of trainees with a voucher", high=0.5, step=0.05)
        settings = (("strict", "Vouchers only for the poorest"),)

    monkeypatch.setitem(POLICIES, "toy", Toy)
    params = board.model_params()
    assert params["toy"] == {"type": "SliderInt", "value": 0, "min": 0, "max": 50, "step": 5,
                             "label": "Toy voucher (% of trainees with a voucher)"}
    assert params["toy.strict"] == {"type": "Checkbox", "value": True, "label": "Vouchers only for the poorest"}
    assert board.package_overrides({"toy": 35, "target": "women"}) == [
        "policy=[toy]", "policy.toy.voucher_share=0.35", "policy.toy.strict=true", "policy.toy.target=women"]
    assert board.package_overrides({"toy": 0, "toy.strict": False}) == []  # 0 leaves it out
    assert board.lever_value(Toy.lever, 35) == "35% of trainees with a voucher"
    assert board.package_overrides({"stipend": 60, "stipend.conditional_on_attendance": False, "certification": True}) == [
        "policy=[stipend,certification]", "policy.stipend.monthly_amount=60",
        "policy.stipend.conditional_on_attendance=false"]


def test_mesas_reset_builds_the_paired_run_from_the_controls_and_an_unknown_lever_is_refused():
    """SolaraViz's Reset calls ``type(model)(**values)`` with every control's value (and a Scenario of Mesa's own,
    since PairedRun takes keyword arguments): the package follows the controls."""
    from mesa.visualization.solara_viz import _build_model_init_kwargs

    from experiments.dashboard import app as board
    from livelihoods.errors import ConfigurationError

    current = board.PairedRun(n_youth=500, months=1)
    values = {name: spec["value"] for name, spec in board.model_params().items()}
    values |= {"n_youth": 1000, "months": 2, "transport": 50, "job_referral": True}
    kwargs = _build_model_init_kwargs(current, values, add_scenario_when_empty=True, require_model_accepts_scenario=True)
    reset = type(current)(**kwargs)
    assert reset.package == ["policy=[transport,job_referral]", "policy.transport.covered_share=0.5"]
    assert reset.arms["package"].cfg.policy.transport.covered_share == 0.5 and reset.months == 2
    assert "Transport: 50% of the fare reimbursed" in board.settings_line(reset)
    with pytest.raises(ConfigurationError, match=r"^stipned: no lever of the dashboard, allowed: (\w+, )*stipend\b"):
        board.PairedRun(n_youth=500, months=1, stipned=60)


def test_every_chart_labels_each_tick_with_its_value_and_the_funnel_counts_what_it_says():
    """Tick labels equal their ticks on all four charts (migration intent near 17% was ticked every 2.5 points and
    labelled 18%); the funnel writes its numbers on the bars, on a scale set by its stages (not the population,
    which dwarfed enrolment), and names the persons it counts among; the Settings card names scenario and
    population."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from experiments.dashboard import app as board
    from tests.figure_checks import tick_label_errors

    def labels(fig) -> list[str]:
        """The tick labels as drawn (a bare Figure's canvas draws nothing: tick_label_errors would see none)."""
        FigureCanvasAgg(fig).draw()
        return [t.get_text() for ax in fig.axes for t in (*ax.get_xticklabels(), *ax.get_yticklabels())]

    assert board.percent(0.175) == "17.5%" and board.percent(0.30000000000000004) == "30%"
    run = board.PairedRun(n_youth=2000, months=6, stipend=60)
    for _ in range(4):
        run.step()
    figures = {curve: board.curve_figure(run, curve) for curve in board.CURVES} | {"funnel": board.funnel_figure(run)}
    for name, fig in figures.items():
        assert sum(bool(text) for text in labels(fig)) >= 8 and tick_label_errors(fig) == [], name
    for top in (0.05, 0.12, 0.175, 0.185, 0.55):  # the user's chart reached 17.5%; and other ranges
        intent = board.curve_figure(run, "migration_intent_rate")
        intent.axes[0].set_ylim(0, top)
        assert labels(intent) and tick_label_errors(intent) == [], top
    funnel = {arm: m.summary()["training"]["funnel"] for arm, m in run.arms.items()}
    (ax,) = figures["funnel"].axes
    numbers = [t.get_text() for t in ax.texts]
    for arm in board.ARMS:
        for stage, _ in board.FUNNEL:
            assert f"{funnel[arm][stage]:,}" in numbers
    persons, arrived = run.population()
    assert persons == funnel["package"]["population"] == 2000 + arrived and arrived > 0
    enrolled = funnel["package"]["enrolled"]
    assert 0 < enrolled and ax.get_xlim()[1] <= 1.2 * max(funnel["package"]["applied"], funnel["no package"]["applied"])
    assert enrolled / ax.get_xlim()[1] > 0.05 and ax.get_xlim()[1] < persons  # enrolment is visible
    assert f"{persons:,} persons" in ax.get_title() and "2,000 youth at the start" in ax.get_title()
    settings = board.settings_line(run)
    assert "Scenario: baseline" in settings and f"Youth at the start: 2,000 persons (with the {arrived:,}" in settings
    assert f"{persons:,} by month 4" in settings


def test_the_module_docstring_names_the_default_calibration():
    from experiments.dashboard import app as board

    assert f"``{board.DEFAULT_CALIBRATION}``" in board.__doc__ and "simulation.policies.POLICIES" in board.__doc__
