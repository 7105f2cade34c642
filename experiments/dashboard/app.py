"""A dashboard for programme teams: ``make dashboard`` or ``livelihoods-dashboard [--port 8765]``.

Mesa's Solara visualisation (``SolaraViz``) of a *paired* run: the same population,
seed and scenario stepped twice, with the chosen package of interventions and
without it, so every difference on screen is the package's effect (common random
numbers). The run's levers (scenario, youth at the start, months, seed, who the package
reaches: ``configs/dashboard/levers.yaml``) come first; then one control per policy of
the registry (``simulation.policies.POLICIES``), from its declaration: a slider
0..``lever.high`` in ``lever.step`` for a policy with a lever (0 leaves it out; a share is
set in %), a checkbox for an on/off policy, and a checkbox for each of its ``settings``
(e.g. the stipend only for months attended). A new policy appears with no edit here.
A new setting takes effect with **Reset**; **Step** and **▶** run the months.
The page shows the monthly dropout, employment and migration-intent curves of both arms,
the training funnel, the breakdown by women, mothers, returnees and far youth, and the
cost so far and per completer; the Settings card writes every lever in its unit.
The **Parameters** lever picks the behavioural parameters: a point calibration
(``configs/calibration/*.yaml``, default that of ``configs/config.yaml``, ``evidence-v3``)
or, once one is stored, a posterior (``experiments.posterior``) with the **Posterior draw**
to run; stepping through draws shows how much of an effect survives the calibration's
uncertainty. The comparison names the parameters it ran with.
**Export config** writes the settings as an override list that
``python -m experiments.run`` accepts, for a colleague to run or sweep.

The server binds to 127.0.0.1 unless told otherwise, and serves every front-end
asset from installed packages (``solara-assets``): it works without internet.
"""

from __future__ import annotations

import math
import os
import sys
from datetime import datetime
from pathlib import Path

import mesa
import yaml

import simulation.policies as registry  # read at call time: a policy registered later has its control too
from livelihoods.compose import load_config
from livelihoods.errors import CommandParser, ConfigurationError, entry_point, require
from livelihoods.paths import (
    CONFIG_DIR,
    ROOT,
)
from simulation.metrics import GROUPS
from simulation.model import LivelihoodsModel

LEVERS = yaml.safe_load((CONFIG_DIR / "dashboard" / "levers.yaml").read_text())
RUN = LEVERS["run"]  # the run's sliders: n_youth, months, seed
SCENARIOS = sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml"))
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


# --------------------------------------------------------------------------- the policies' levers, from the registry
# A policy's control is named by the policy (``stipend``: its lever's value, 0 = off; or, for an on/off policy, a
# tick); each of its settings by ``<policy>.<field>`` (``stipend.conditional_on_attendance``). A lever whose unit
# starts with "share" (a share 0..1 in the config) is set in %, so the slider and PairedRun take 0..100.

def is_share(lever) -> bool:
    return lever.unit.startswith("share")


def shown_unit(lever) -> str:
    """The lever's unit as the page shows it: "USD/month"; a share "% of trainee mothers offered a place"."""
    return "%" + lever.unit.removeprefix("share").rstrip() if is_share(lever) else lever.unit


def setting_key(name: str, field: str) -> str:
    """The control of a policy's on/off setting: ``stipend.conditional_on_attendance``."""
    return f"{name}.{field}"


def setting_default(name: str, policy, field: str) -> bool:
    """A setting's tick at start: its value in ``configs/policy/<name>.yaml``, else its schema default, else off."""
    import dataclasses

    path = CONFIG_DIR / "policy" / f"{name}.yaml"
    values = ((yaml.safe_load(path.read_text()) or {}).get(name) or {}) if path.exists() else {}
    if field in values:
        return bool(values[field])
    default = {f.name: f.default for f in dataclasses.fields(policy.config)}.get(field)
    return default if isinstance(default, bool) else False


def _number(x: float) -> int | float:
    """A whole number as an int (a slider of whole steps is a SliderInt), else the float rounded off its noise."""
    x = round(float(x), 9)
    return int(x) if x == int(x) else x


def policy_controls() -> dict[str, dict]:
    """Every registered policy's controls as SolaraViz inputs, in the registry's order."""
    controls = {}
    for name, policy in registry.POLICIES.items():
        lever = policy.lever
        if lever.field is None:
            controls[name] = {"type": "Checkbox", "value": False, "label": policy.label}
        else:
            scale = 100 if is_share(lever) else 1
            high, step = _number(scale * lever.high), _number(scale * lever.step)
            kind = "SliderInt" if isinstance(high, int) and isinstance(step, int) else "SliderFloat"
            unit = shown_unit(lever)
            controls[name] = {"type": kind, "value": 0, "min": 0, "max": high, "step": step,
                              "label": f"{policy.label} ({unit})" if unit else policy.label}
        for field, label in policy.settings:
            controls[setting_key(name, field)] = {"type": "Checkbox", "value": setting_default(name, policy, field),
                                                  "label": label}
    return controls


def _plain(x: float) -> str:
    """A number as an override value: 60, 0.25."""
    return str(_number(x))


def package_overrides(levers: dict) -> list[str]:
    """The overrides that switch on the chosen package (empty: no package): ``policy=[...]``, each lever's value
    in the config's unit (a share 0..1), each setting of a chosen policy, and whom it reaches."""
    controls = policy_controls()
    chosen, settings = [], []
    for name, policy in registry.POLICIES.items():
        value, lever = levers.get(name, controls[name]["value"]), policy.lever
        if not (bool(value) if lever.field is None else float(value or 0) > 0):  # unticked, or at 0: left out
            continue
        chosen.append(name)
        if lever.field is not None:
            settings.append(f"{lever.key(name)}={_plain(float(value) / (100 if is_share(lever) else 1))}")
        for field, _ in policy.settings:
            key = setting_key(name, field)
            settings.append(f"policy.{name}.{field}={str(bool(levers.get(key, controls[key]['value']))).lower()}")
    target = levers.get("target", "all")
    if target != "all":
        settings += [f"policy.{name}.target={target}" for name in chosen]
    return [f"policy=[{','.join(chosen)}]", *settings] if chosen else []


class PairedRun(mesa.Model):
    """Two runs of the same population and seed, with and without the package, stepped together.

    The run's levers are named arguments; the policies' levers are keyword arguments named as in
    ``policy_controls()`` (``stipend=60``, ``childcare=50`` (%), ``certification=True``,
    ``**{"stipend.conditional_on_attendance": False}``), each at its start value unless given: SolaraViz's
    **Reset** passes every control of ``model_params()`` by its name (``type(model)(**values)``).
    """

    def __init__(self, setting: str = "baseline", n_youth: int = RUN["n_youth"]["value"],
                 months: int = RUN["months"]["value"], seed: int = RUN["seed"]["value"],
                 parameters: str = DEFAULT_CALIBRATION, draw: int = 0, target: str = "all", scenario=None,
                 **levers):
        # ``scenario``: Mesa's Reset gives a model that takes keyword arguments a ``mesa.experimental.scenarios``
        # Scenario of its own (no seed); the paired run's scenario is ``setting`` and its seed ``seed``: unused
        controls = policy_controls()
        unknown = sorted(set(levers) - set(controls))
        if unknown:
            raise ConfigurationError(f"{unknown[0]}: no lever of the dashboard, allowed: {', '.join(controls)}")
        super().__init__(rng=int(seed))
        self.setting, self.n_youth = setting, int(n_youth)
        self.levers = {key: levers.get(key, control["value"]) for key, control in controls.items()} | {"target": target}
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

    def population(self) -> tuple[int, int]:
        """(persons so far, of whom returnees arrived after the start): the same in both arms. The persons so far
        are the ``n_youth`` at the start of the burn-in and every returnee arrived since, those abroad now
        included: the funnel's denominator."""
        people, month = self.arms["package"].people, self.arms["package"].month
        arrived = people.arrival_month <= month
        return int(arrived.sum()), int((arrived & (people.arrival_month > 0)).sum())

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
        diff = "" if _missing(a) or _missing(b) else _unsigned_zero(diff_fmt.format(scale * (a - b)))
        lines.append(f"| {key.replace('_', ' ')} | {_fmt(fmt, a)} | {_fmt(fmt, b)} | {diff} |")
    # the people reached: completers' employment now (the study adds 6 and 12 months after the course)
    a, b = (s[arm]["training"]["employment_rate_completers"] for arm in ARMS)
    diff = "" if _missing(a) or _missing(b) else _unsigned_zero(f"{100 * (a - b):+.1f} pp")
    lines.append(f"| employment of completers | {_fmt('{:.1%}', a)} | {_fmt('{:.1%}', b)} | {diff} |")
    for key, label in (("total", "cost so far (USD)"),
                       ("average_per_completer", "average cost per completer (USD)")):
        a, b = s["package"]["cost"][key], s["no package"]["cost"][key]
        diff = "" if key != "total" else _fmt('{:,.0f}', a - b)  # a difference of averages is no marginal cost
        lines.append(f"| {label} | {_fmt('{:,.0f}', a)} | {_fmt('{:,.0f}', b)} | {diff} |")
    # services people choose to use: coverage and use differ
    for name, line in s["package"]["cost"]["by_policy"].items():
        if "offered" in line:
            words = registry.POLICIES[name].words if name in registry.POLICIES else name
            lines.append(f"| {words}: offered to / used by (persons) | {line['offered']:,} / {line['used']:,} | – | |")
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


def run_command(path: str) -> str:
    """The shell command that runs an exported file: one override per line, each passed as it is (``$(cat FILE)``
    would split values at spaces and expand ``policy=[a,b]`` against the file names of the current folder)."""
    import shlex

    return f"xargs -d '\\n' -a {shlex.quote(str(path))} python -m experiments.run"


def settings_text(model: PairedRun) -> str:
    """Markdown: the run and the levers in words and units, and the package's overrides."""
    return "\n\n".join([settings_line(model), f"Package: `{' '.join(model.package) or 'none'}`"])


def settings_line(model: PairedRun) -> str:
    """The levers' current values in words and units (the sliders show a value only while dragged): the run
    (scenario, population, length, seed, parameters), then every registered policy's lever and, for a chosen
    policy, its settings, and whom the package reaches."""
    persons, arrived = model.population()
    parameters = " ".join(o for o in model.base if o.startswith(("calibration=", "posterior=", "draw=")))
    population = (f"{RUN['n_youth']['label']}: {model.n_youth:,} persons (with the {arrived:,} returnees arrived "
                  f"since, {persons:,} by month {model.month})")
    run = [f"Scenario: {model.setting}", population,
           f"{RUN['months']['label']}: {model.months} {RUN['months']['unit']}",
           f"{RUN['seed']['label']}: {model.base[3].split('=')[1]}", f"Parameters: {parameters}"]
    chosen = set(model.package[0][len("policy=["):-1].split(",")) if model.package else set()
    parts = []
    for name, policy in registry.POLICIES.items():
        value = model.levers[name]
        if policy.lever.field is None:
            parts.append(f"{policy.label}: {'yes' if value else 'no'}")
        else:
            parts.append(f"{policy.label}: {lever_value(policy.lever, value)}")
        if name in chosen:
            parts += [f"{label}: {'yes' if model.levers[setting_key(name, field)] else 'no'}"
                      for field, label in policy.settings]
    return ("**Run**: " + "; ".join(run) + "\n\n**Levers**: " + "; ".join(parts)
            + f"; Package reaches: {model.levers['target']}")


def lever_value(lever, value) -> str:
    """A lever's value in its unit as the page shows it: "60 USD/month", "30% of trainee mothers offered a place"."""
    unit = shown_unit(lever)
    if is_share(lever):
        return f"{_number(value)}{unit}"
    return f"{_number(value):,} {unit}".strip()


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


def _unsigned_zero(text: str) -> str:
    """A difference that rounds to zero has no sign: "0.0 pp", not "-0.0 pp" or "+0"."""
    number = text.split(" ")[0]
    return text.lstrip("+-") if not number.strip("+-0.,") else text


def _missing(value) -> bool:
    return value is None or math.isnan(value)


def _fmt(fmt: str, value) -> str:
    return "–" if _missing(value) else fmt.format(value)


FUNNEL = (("applied", "applied"), ("enrolled", "enrolled"), ("completed", "completed"),
          ("certified", "completers\ncertified"), ("employed_completers", "completers\nemployed now"))


def funnel_figure(model: PairedRun):
    """Horizontal bars, each with its number: applied, enrolled, completed, certified and employed completers since
    month 1, per arm, on a scale of persons from 0 set by the largest stage (enrolment stays visible); the persons
    they are counted among (the youth at the start and the returnees arrived since) are in the title."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(6, 3.4))
    ax = fig.subplots()
    top = 0
    for i, (arm, colour) in enumerate(zip(ARMS, ("tab:green", "tab:gray"))):
        funnel = model.arms[arm].summary()["training"]["funnel"]
        values = [funnel[key] for key, _ in FUNNEL]
        bars = ax.barh([k + 0.4 * i - 0.2 for k in range(len(FUNNEL))], values, height=0.4, label=arm, color=colour)
        ax.bar_label(bars, labels=[f"{v:,}" for v in values], padding=3, fontsize=7)
        top = max(top, *values)
    ax.set_yticks(range(len(FUNNEL)), [words for _, words in FUNNEL], fontsize=7)
    ax.invert_yaxis()  # the funnel from the top
    ax.set_xlim(0, max(1, 1.15 * top))  # room for the numbers
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, steps=[1, 2, 5, 10]))
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel("persons (since month 1)", fontsize=8)
    persons, arrived = model.population()
    ax.set_title(f"Training funnel by month {model.month}, among {persons:,} persons so far\n"
                 f"({model.n_youth:,} youth at the start + {arrived:,} returnees arrived since, "
                 "those abroad now included)", fontsize=8)
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


CURVE_AXES = {"dropout_rate": "dropout\n(% of enrolees)", "employment_rate": "employment\n(% of persons at home)",
              "migration_intent_rate": "migration intent\n(% of persons at home)"}


def percent(x: float, _position=None) -> str:
    """A share as the percentage it is: 0.175 -> "17.5%", 0.3 -> "30%" (no rounding of a tick to another value)."""
    return f"{round(100 * x, 6):g}%"


def curve_figure(model: PairedRun, curve: str):
    """One monthly curve of both arms: month of the programme on x (the whole programme), the rate in % from 0 on
    y, ticks at whole steps of 1, 2 or 5 labelled with their exact value (one figure per card, so that each fits
    the card SolaraViz gives it)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    df = model.datacollector.get_model_vars_dataframe()
    fig = Figure(figsize=(6, 3.4))
    ax = fig.subplots()
    top = 0.0
    for arm, colour in zip(ARMS, ("tab:green", "tab:gray")):
        y = df[f"{curve} ({arm})"].astype(float)
        ax.plot(range(len(y)), y, color=colour, label=arm)
        top = max(top, float(y.max()) if y.notna().any() else 0.0)
    ax.set_ylim(0, max(0.05, 1.15 * top))  # from 0: a small difference is not drawn as a large one
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(FuncFormatter(percent))
    ax.set_ylabel(CURVE_AXES[curve], fontsize=8)
    ax.set_xlim(0, max(1, model.months))
    ax.set_xlabel("month of the programme (after the burn-in)", fontsize=8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(alpha=0.3)
    ax.set_title(f"{CURVE_AXES[curve].splitlines()[0].capitalize()} by month, package vs none (one seed)", fontsize=9)
    fig.tight_layout()
    return fig


def model_params() -> dict:
    """The levers as SolaraViz inputs: the run's (``configs/dashboard/levers.yaml``), the Parameters (and the
    Posterior draw once a posterior is stored), whom the package reaches, then every registered policy's controls
    (``policy_controls``)."""
    from livelihoods import draws

    params = {
        "setting": {"type": "Select", "value": "baseline", "values": SCENARIOS, "label": "Scenario"},
        **{name: {"type": "SliderInt", **_slider(spec)} for name, spec in RUN.items()},
        "parameters": {"type": "Select", "value": DEFAULT_CALIBRATION, "values": parameter_choices(),
                       "label": "Parameters"},
    }
    most = max((draws.count(name) for name in draws.available()), default=0)
    if most:  # a posterior is stored: which of its draws (a draw beyond a smaller posterior's last is its last)
        params["draw"] = {"type": "SliderInt", "value": 0, "min": 0, "max": most - 1, "step": 1,
                          "label": "Posterior draw (with a posterior as Parameters)"}
    params["target"] = {"type": "Select", "value": "all", "values": LEVERS["targets"], "label": "Package reaches"}
    return params | policy_controls()


def _slider(spec: dict) -> dict:
    """A run slider's SolaraViz options, its unit in the label: "Programme length (months)"."""
    label = f"{spec['label']} ({spec['unit']})" if spec.get("unit") else spec["label"]
    return {"label": label, "min": spec["min"], "max": spec["max"], "step": spec["step"], "value": spec["value"]}


# Mesa's SolaraViz shows controls a programme officer does not use: the play and render intervals and "Use
# Threads" (its Controls card keeps Reset, Play and Step), the tab of its only page ("Page 0") and its step
# counter (the Information card; the comparison names the month). Its sliders put the label beside the track,
# which a long label squeezes to nothing: here the label goes above a full-width track. Its cards have one fixed
# height: the text is a little smaller, and what still does not fit scrolls inside its card instead of
# spilling over the next.
CSS = """
.v-navigation-drawer .v-card:first-child .v-input { display: none !important; }
.v-navigation-drawer .v-card:nth-child(3) { display: none !important; }
.v-tabs { display: none !important; }
.vue-grid-item { overflow-y: auto; }
.vue-grid-item .solara-markdown { font-size: 13px; }
.vue-grid-item .solara-markdown code { font-size: 12px; }
.v-navigation-drawer .v-input__slider .v-input__slot { flex-wrap: wrap; }
.v-navigation-drawer .v-input__slider .v-input__slot > .v-label {
    flex: 0 0 100%; max-width: 100%; margin: 0 0 2px 0; white-space: normal; height: auto; line-height: 1.3; }
.v-navigation-drawer .v-input__slider .v-slider { flex: 1 0 100%; margin: 0; min-width: 0; }
"""


def make_page():
    """The Solara page: SolaraViz with the paired run, its curves, tables, funnel and export button.

    Each browser session steps its own PairedRun; one is built here first, so that the numba kernels are
    compiled and the burn-in cached before the first page is served."""
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
            solara.Markdown(f"Wrote `{written.value}`. Run it with:\n\n`{run_command(written.value)}`")

    def curve(name):
        @solara.component
        def Curve(model):
            update_counter.get()
            solara.FigureMatplotlib(curve_figure(model, name), dependencies=[model.month, id(model)])
        return Curve

    # SolaraViz lays cards out two by two, each of one fixed height: comparison | settings and export,
    # dropout | employment, migration intent | groups, funnel
    dropout, employment, intent = (curve(name) for name in CURVES)
    components = [(Comparison, 0), (Settings, 0), (dropout, 0), (employment, 0), (intent, 0), (Breakdown, 0),
                  (Funnel, 0)]
    PairedRun()

    @solara.component
    def Page():
        model = solara.use_memo(PairedRun, [])
        params = solara.use_memo(model_params, [])
        solara.Style(CSS)
        SolaraViz(model, components=components, model_params=params,
                  name="Training, work and migration: a package vs none")

    return Page()


# Solara phones home unless told not to: usage telemetry (Mixpanel, with a look-up of the server's
# public IP), a version check against PyPI at start (--no-check-version below), and its asset proxy
# fetches from a public CDN what the installed solara-assets lack. Programme data in humanitarian
# settings is sensitive: telemetry is off, and the proxy (which serves the packaged assets) is pointed
# at this machine, so a missing asset fails here instead of being fetched from outside.
OFFLINE = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/"}
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@entry_point
def main(argv: list[str] | None = None) -> int:
    ap = CommandParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1",
                    help="address to bind (default 127.0.0.1: this machine only; the page has no login)")
    ap.add_argument("--port", type=int, default=8765)
    args = ap.parse_args(argv)
    require("solara", "dashboard", "experiments.dashboard")
    require("solara_assets", "dashboard", "experiments.dashboard")
    if args.host not in LOOPBACK:
        print(f"warning: --host {args.host} serves the dashboard to every machine that can reach this one, "
              "without any login: anyone there can run it and read its results. To share it, keep the default "
              "--host 127.0.0.1 and put it behind an authenticating proxy or an SSH tunnel (docs/dashboard.md).",
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

