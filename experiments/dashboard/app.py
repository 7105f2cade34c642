"""A dashboard for programme teams: ``make dashboard`` or ``livelihoods-dashboard [--port 8765]``.

Mesa's Solara visualisation (``SolaraViz``) of a *paired* run: the same population,
seed and scenario stepped twice, with the chosen package of interventions and
without it, so every difference on screen is the package's effect (common random
numbers). The levers (``configs/dashboard/levers.yaml``) are the scenario,
population, horizon, seed and each policy's main parameter; a new setting takes
effect with **Reset**. The page shows the monthly dropout, employment and
migration-intent curves of both arms, the training funnel, the breakdown by women,
mothers, returnees and far youth, and the cost so far and per completer.
The **Parameters** lever picks the behavioural parameters: a point calibration
(``configs/calibration/*.yaml``, default ``evidence``) or, once one is stored, a
posterior (``experiments.posterior``) with the **Posterior draw** to run; stepping
through draws shows how much of an effect survives the calibration's uncertainty.
The comparison names the parameters it ran with.
**Export config** writes the settings as an override list that
``python -m experiments.run`` accepts, for a colleague to run or sweep.

The server binds to 127.0.0.1 unless told otherwise, and serves every front-end
asset from installed packages (``solara-assets``): it works without internet.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path

import mesa
import yaml

from livelihoods.compose import load_config
from livelihoods.errors import ConfigurationError, entry_point, require
from livelihoods.paths import (
    CONFIG_DIR,
    ROOT,
)
from simulation.metrics import GROUPS
from simulation.model import LivelihoodsModel

LEVERS = yaml.safe_load((CONFIG_DIR / "dashboard" / "levers.yaml").read_text())
SCENARIOS = sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml"))
SWITCHES = [name for name, lever in LEVERS["policies"].items() if "min" not in lever and "policy" not in lever]
ARMS = ("package", "no package")
CURVES = ("dropout_rate", "employment_rate", "migration_intent_rate")
EXPORT_DIR = ROOT / "results" / "dashboard"
POSTERIOR = " (posterior)"  # a Parameters choice naming a stored posterior, not a point calibration
# the default calibration of configs/config.yaml: the Parameters lever starts there
DEFAULT_CALIBRATION = next(d["calibration"] for d in yaml.safe_load((CONFIG_DIR / "config.yaml").read_text())["defaults"]
                           if isinstance(d, dict) and "calibration" in d)


def parameter_choices() -> list[str]:
    """The Parameters lever: point calibrations (the default first), then stored posteriors."""
    from livelihoods import draws

    points = sorted((p.stem for p in (CONFIG_DIR / "calibration").glob("*.yaml")),
                    key=lambda n: (n != DEFAULT_CALIBRATION, n))
    return [*points, *(f"{name}{POSTERIOR}" for name in draws.available())]


def parameter_overrides(parameters: str, draw: int) -> list[str]:
    """``calibration=<name>``, or ``posterior=<name> draw=<k>`` (over the default calibration) for a posterior."""
    if parameters.endswith(POSTERIOR):
        from livelihoods import draws

        name = parameters.removesuffix(POSTERIOR)
        return [f"posterior={name}", f"draw={min(int(draw), draws.count(name) - 1)}"]
    return [f"calibration={parameters}"]


def package_overrides(levers: dict) -> list[str]:
    """The overrides that switch on the chosen package (empty: no package)."""
    policies, settings = [], []
    for name, lever in LEVERS["policies"].items():
        value = levers.get(name)
        if "policy" in lever:  # a setting of another policy
            continue
        if name in SWITCHES:
            if value:
                policies.append(name)
        elif value and float(value) > 0:
            policies.append(name)
            settings.append(f"{lever['key']}={value}")
    if "stipend" in policies:
        settings.append(f"policy.stipend.conditional_on_attendance={str(bool(levers.get('stipend_conditional'))).lower()}")
    target = levers.get("target", "all")
    if target != "all":
        settings += [f"policy.{name}.target={target}" for name in policies]
    return [f"policy=[{','.join(policies)}]", *settings] if policies else []


class PairedRun(mesa.Model):
    """Two runs of the same population and seed, with and without the package, stepped together."""

    def __init__(self, setting: str = "baseline", n_youth: int = LEVERS["run"]["n_youth"]["value"],
                 months: int = LEVERS["run"]["months"]["value"], seed: int = LEVERS["run"]["seed"]["value"],
                 parameters: str = DEFAULT_CALIBRATION, draw: int = 0, target: str = "all",
                 stipend: float = 0.0, stipend_conditional: bool = True,
                 childcare: float = 0.0, transport: float = 0.0, mobility_scheme: float = 0.0,
                 startup_kit: float = 0.0, certification: bool = False, apprenticeship: bool = False,
                 job_referral: bool = False):
        super().__init__(rng=int(seed))
        self.levers = {"stipend": stipend, "stipend_conditional": stipend_conditional, "childcare": childcare,
                       "transport": transport, "mobility_scheme": mobility_scheme, "startup_kit": startup_kit,
                       "certification": certification, "apprenticeship": apprenticeship,
                       "job_referral": job_referral, "target": target}
        self.base = [f"scenario={setting}", f"scenario.n_youth={int(n_youth)}", f"months={int(months)}",
                     f"seed={int(seed)}", *parameter_overrides(parameters, draw)]
        self.package = package_overrides(self.levers)
        self.arms = {
            "package": LivelihoodsModel(load_config(*self.base, *self.package, "progress=false", "figures=false")),
            "no package": LivelihoodsModel(load_config(*self.base, "progress=false", "figures=false")),
        }
        self.months = int(months)
        self.datacollector = mesa.DataCollector(model_reporters={
            f"{curve} ({arm})": (lambda m, curve=curve, arm=arm: m.arms[arm].latest[curve])
            for curve in CURVES for arm in ARMS})
        self.datacollector.collect(self)

    @property
    def month(self) -> int:
        return self.arms["package"].record_month

    def step(self):
        if self.month >= self.months:
            self.running = False
            return
        for arm in self.arms.values():
            arm.step()
        self.datacollector.collect(self)

    def overrides(self) -> list[str]:
        """The settings as ``experiments.run`` overrides (the package arm)."""
        return [*self.base, *self.package]

    def export(self, folder: Path = EXPORT_DIR) -> Path:
        """Write the override list to a new file (never overwriting one); return its path."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{datetime.now():%Y-%m-%d_%H-%M-%S}_overrides.txt"
        n = 1
        while path.exists():
            path = folder / f"{datetime.now():%Y-%m-%d_%H-%M-%S}_{n}_overrides.txt"
            n += 1
        path.write_text("\n".join(self.overrides()) + "\n")
        return path


def comparison_table(model: PairedRun) -> str:
    """Markdown: indicators, cost so far and cost per completer of both arms, and the difference."""
    s = {arm: m.summary() for arm, m in model.arms.items()}
    # (indicator, format of a value, format of the difference: rates differ in percentage points)
    rows = [("enrolled", "{:,.0f}", "{:+,.0f}"), ("dropout_rate", "{:.1%}", "{:+.1f} pp"),
            ("completion_rate", "{:.1%}", "{:+.1f} pp"), ("employment_rate", "{:.1%}", "{:+.1f} pp"),
            ("migration_intent_rate", "{:.1%}", "{:+.1f} pp"), ("migration_rate", "{:.2%}", "{:+.2f} pp")]
    lines = [f"**Paired comparison, month {model.month} of {model.months} (same population and seed)**", "",
             "| | with package | without | difference |", "|---|---|---|---|"]
    for key, fmt, diff_fmt in rows:
        a, b = s["package"]["indicators"][key], s["no package"]["indicators"][key]
        scale = 100 if diff_fmt.endswith("pp") else 1
        diff = "" if a is None or b is None or a != a or b != b else diff_fmt.format(scale * (a - b))
        lines.append(f"| {key.replace('_', ' ')} | {_fmt(fmt, a)} | {_fmt(fmt, b)} | {diff} |")
    # the people reached: completers' employment now (the study adds 6 and 12 months after the course)
    a, b = (s[arm]["training"]["employment_rate_completers"] for arm in ARMS)
    diff = "" if a is None or b is None or a != a or b != b else f"{100 * (a - b):+.1f} pp"
    lines.append(f"| employment of completers | {_fmt('{:.1%}', a)} | {_fmt('{:.1%}', b)} | {diff} |")
    for key, label in (("total", "cost so far (USD)"),
                       ("average_per_completer", "average cost per completer (USD)")):
        a, b = s["package"]["cost"][key], s["no package"]["cost"][key]
        diff = "" if key != "total" else _fmt('{:,.0f}', a - b)  # a difference of averages is no marginal cost
        lines.append(f"| {label} | {_fmt('{:,.0f}', a)} | {_fmt('{:,.0f}', b)} | {diff} |")
    lines += ["", incremental_line(s)]
    return "\n".join(lines)


def incremental_line(s: dict) -> str:
    """The package's incremental cost per extra completer, ΔC / Δcompleted, or why there is none.

    One paired run has no interval: the line says so, and the study (``experiments.run``
    with seeds, ``experiments.report``) gives the ratio with its confidence interval.
    """
    extra_cost = s["package"]["cost"]["total"] - s["no package"]["cost"]["total"]
    extra = s["package"]["counts"]["completed"] - s["no package"]["counts"]["completed"]
    head = "**Incremental cost per extra completer** (this seed): "
    if extra <= 0:
        return head + (f"no extra completers so far ({extra:+,d}) for {extra_cost:+,.0f} USD." if extra_cost
                       else "no package cost and no extra completers so far.")
    return head + (f"{extra_cost:,.0f} USD / {extra:,d} = **{extra_cost / extra:,.0f} USD** each "
                   "(one seed: no interval; export and run over seeds for one).")


def settings_text(model: "PairedRun") -> str:
    """Markdown: the levers in words and units, the package's overrides and the parameters in use."""
    parameters = " ".join(o for o in model.base if o.startswith(("calibration=", "posterior=", "draw=")))
    return "\n\n".join([settings_line(model), f"Package: `{' '.join(model.package) or 'none'}`",
                         f"Parameters: {parameters}"])


def settings_line(model: "PairedRun") -> str:
    """The levers' current values in words and units (the sliders show a value only while dragged)."""
    parts = []
    for name, lever in LEVERS["policies"].items():
        value = model.levers.get(name)
        if "min" not in lever:
            if "policy" not in lever or float(model.levers.get(lever["policy"]) or 0) > 0:
                parts.append(f"{lever['label']}: {'yes' if value else 'no'}")
        else:
            parts.append(f"{lever['label']}: {_lever_value(lever, value)}")
    return "**Settings**: " + "; ".join(parts) + f"; package reaches: {model.levers['target']}"


def _lever_value(lever: dict, value) -> str:
    unit = lever.get("unit", "")
    if unit.startswith("%"):
        return f"{float(value):.0%}{unit[1:]}"
    return f"{float(value):,.0f} {unit}".strip()


def breakdown_table(model: PairedRun) -> str:
    """Markdown: dropout, employment and intent by group, both arms."""
    groups = [g for g in ("women", "mothers", "returnees", "far") if g in GROUPS]
    lines = ["**By group (with package / without)**", "",
             "| group | dropout | employment | migration intent |", "|---|---|---|---|"]
    s = {arm: m.summary()["by_group"] for arm, m in model.arms.items()}
    for g in groups:
        cells = [f"{_fmt('{:.1%}', s['package'][g][k])} / {_fmt('{:.1%}', s['no package'][g][k])}" for k in CURVES]
        lines.append(f"| {g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _fmt(fmt: str, value) -> str:
    return "–" if value is None or value != value else fmt.format(value)


def funnel_figure(model: PairedRun):
    """Grouped bars: population, applied, enrolled, completed, certified, employed completers, per arm."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3.2))
    ax = fig.subplots()
    stages = ("population", "applied", "enrolled", "completed", "certified", "employed_completers")
    for i, arm in enumerate(ARMS):
        funnel = model.arms[arm].summary()["training"]["funnel"]
        ax.bar([x + 0.4 * i for x in range(len(stages))], [funnel[k] for k in stages], width=0.4, label=arm,
               color=("tab:green", "tab:gray")[i])
    ax.set_xticks([x + 0.2 for x in range(len(stages))], [k.replace("_", "\n") for k in stages], fontsize=7)
    ax.set_ylabel("persons")
    ax.set_title("Training funnel", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


CURVE_AXES = {"dropout_rate": "dropout\n(% of enrolees)", "employment_rate": "employment\n(% of persons at home)",
              "migration_intent_rate": "migration intent\n(% of persons at home)"}


def curve_figure(model: PairedRun, curve: str):
    """One monthly curve of both arms: month of the programme on x, the rate in % from 0 on y
    (one figure per card, so that each fits the card SolaraViz gives it)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    df = model.datacollector.get_model_vars_dataframe()
    fig = Figure(figsize=(6, 3.4))
    ax = fig.subplots()
    top = 0.0
    for arm, colour in zip(ARMS, ("tab:green", "tab:gray")):
        y = df[f"{curve} ({arm})"].astype(float)
        ax.plot(range(len(y)), y, color=colour, label=arm)
        top = max(top, float(y.max()) if y.notna().any() else 0.0)
    ax.set_ylim(0, max(0.05, 1.15 * top))  # from 0: a small difference is not drawn as a large one
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylabel(CURVE_AXES[curve], fontsize=8)
    ax.set_xlabel("month of the programme (after the burn-in)", fontsize=8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(alpha=0.3)
    ax.set_title(f"{CURVE_AXES[curve].splitlines()[0].capitalize()} by month, package vs none (one seed)", fontsize=9)
    fig.tight_layout()
    return fig


def model_params() -> dict:
    """The levers as SolaraViz inputs."""
    run = LEVERS["run"]
    params = {
        "setting": {"type": "Select", "value": "baseline", "values": SCENARIOS, "label": "Scenario"},
        **{name: {"type": "SliderInt", **_slider(spec)} for name, spec in run.items()},
        "parameters": {"type": "Select", "value": DEFAULT_CALIBRATION, "values": parameter_choices(),
                       "label": "Parameters"},
        "target": {"type": "Select", "value": "all", "values": LEVERS["targets"], "label": "Package reaches"},
    }
    from livelihoods import draws

    most = max((draws.count(name) for name in draws.available()), default=0)
    if most:  # a posterior is stored: which of its draws (a draw beyond a smaller posterior's last is its last)
        params["draw"] = {"type": "SliderInt", "value": 0, "min": 0, "max": most - 1, "step": 1,
                          "label": "Posterior draw (with a posterior as Parameters)"}
    for name, lever in LEVERS["policies"].items():
        if "min" in lever:
            kind = "SliderFloat" if isinstance(lever["step"], float) or lever["max"] <= 1 else "SliderInt"
            params[name] = {"type": kind, "value": 0, **_slider(lever)}
        else:
            params[name] = {"type": "Checkbox", "value": name == "stipend_conditional", "label": lever["label"]}
    return params


def _slider(lever: dict) -> dict:
    """A slider's SolaraViz options, its unit in the label: "Stipend (USD/month)"."""
    unit = lever.get("unit", "").removeprefix("% of ").removeprefix("%")
    label = f"{lever['label']} ({unit})" if unit else lever["label"]
    return {"label": label, "min": lever["min"], "max": lever["max"], "step": lever["step"],
            **({"value": lever["value"]} if "value" in lever else {})}


def make_page():
    """The Solara page: SolaraViz with the paired run, its curves, tables, funnel and export button."""
    import solara
    from mesa.visualization import SolaraViz
    from mesa.visualization.utils import update_counter

    @solara.component
    def Comparison(model):
        update_counter.get()  # redraw after every step, as Mesa's own components do
        solara.Markdown(comparison_table(model))

    @solara.component
    def Breakdown(model):
        update_counter.get()
        solara.Markdown(breakdown_table(model))

    @solara.component
    def Funnel(model):
        update_counter.get()
        solara.FigureMatplotlib(funnel_figure(model), dependencies=[model.month, id(model)])

    @solara.component
    def Settings(model):  # the sliders show their value only while dragged: here all of them, in units
        update_counter.get()
        written = solara.use_reactive("")
        solara.Markdown(settings_text(model))
        solara.Button("Export config", color="primary", on_click=lambda: written.set(str(model.export())))
        if written.value:
            solara.Markdown(f"Wrote `{written.value}`. Run it with:\n\n"
                            f"`python -m experiments.run $(cat {written.value})`")

    def curve(name):
        @solara.component
        def Curve(model):
            update_counter.get()
            solara.FigureMatplotlib(curve_figure(model, name), dependencies=[model.month, id(model)])
        return Curve

    # SolaraViz lays cards out two by two, each of one fixed height: comparison | settings and export,
    # dropout | employment, migration intent | groups, funnel
    dropout, employment, intent = (curve(name) for name in CURVES)
    return SolaraViz(PairedRun(), components=[(Comparison, 0), (Settings, 0), (dropout, 0), (employment, 0),
                                              (intent, 0), (Breakdown, 0), (Funnel, 0)],
                     model_params=model_params(), name="Training, work and migration: a package vs none")


# Solara phones home unless told not to: usage telemetry (Mixpanel, with a look-up of the server's
# public IP), a version check against PyPI at start (--no-check-version below), and its asset proxy
# fetches from a public CDN what the installed solara-assets lack. Programme data in humanitarian
# settings is sensitive: telemetry is off, and the proxy (which serves the packaged assets) is pointed
# at this machine, so a missing asset fails here instead of being fetched from outside.
OFFLINE = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/"}
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@entry_point
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1",
                    help="address to bind (default 127.0.0.1: this machine only; the page has no login)")
    ap.add_argument("--port", type=int, default=8765)
    args = ap.parse_args(argv)
    require("solara", "dashboard", "experiments.dashboard")
    require("solara_assets", "dashboard", "experiments.dashboard")
    if args.host not in LOOPBACK:
        print(f"warning: --host {args.host} serves the dashboard to every machine that can reach this one, "
              "without any login: anyone there can run it and read its results. To share it, keep the default "
              "--host 127.0.0.1 and put it behind an authenticating proxy or an SSH tunnel (README, Dashboard).",
              file=sys.stderr, flush=True)
    if not 0 < args.port < 65536:
        raise ConfigurationError(f"--port: must be an integer in [1, 65535], got {args.port}")
    env = {**os.environ, **OFFLINE,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    print(f"dashboard: http://{args.host}:{args.port}  (Ctrl-C stops it)", flush=True)
    os.chdir(ROOT)
    # the server replaces this process: stopping this PID (Ctrl-C, kill, a service manager) stops the server
    os.execve(sys.executable, [sys.executable, "-m", "solara", "run", "experiments.dashboard.page", "--host", args.host,
                               "--port", str(args.port), "--production", "--no-open", "--no-check-version"], env)

