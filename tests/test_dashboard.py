"""The dashboard end to end in a real browser (Debian's chromium driven by Playwright), offline.

The app is started as a user would (``python -m experiments.dashboard``); the browser may
reach 127.0.0.1 only, so the page must render from installed assets. The test moves the
stipend lever, resets and steps the paired run, and checks that the indicators and charts
change and that the package's effect appears next to the same population without it; then
it exports the settings and runs them with ``experiments.run``. It saves a screenshot.
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

import numpy as np
import pytest

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
        page = browser.new_page(viewport={"width": 1400, "height": 1700})

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
        if os.environ.get("DASHBOARD_SCREENSHOT"):  # to refresh the README's picture
            page.screenshot(path=os.environ["DASHBOARD_SCREENSHOT"], full_page=True)

        page.get_by_role("button", name="Export config").click()
        written = page.get_by_text("Wrote").inner_text()
        browser.close()
    assert (tmp_path / "dashboard.png").stat().st_size > 20_000
    assert external == [], f"the page asked for outside resources: {external[:3]}"
    assert outside_connections(sockets) == []  # nor did the server, while serving the whole session

    path = re.search(r"(\S+_overrides\.txt)", written).group(1)
    overrides = open(path).read().split()
    os.unlink(path)
    assert "policy=[stipend]" in overrides and "policy.stipend.monthly_amount=60" in overrides
    run = subprocess.run([sys.executable, "-m", "experiments.run", *overrides, "months=3", "figures=false",
                          f"hydra.run.dir={tmp_path / 'run'}"], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert (tmp_path / "run" / "summary.json").exists()


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
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
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
