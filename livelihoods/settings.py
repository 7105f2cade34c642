"""The schema of ``configs/config.yaml``: a run (``RunConfig``) and the command line's own settings.

The command line's settings change how results are shown and where they go, never the numbers: a progress
bar (``progress``), a run's figures (``figures``), completing a sweep folder (``resume``), and the report's
intervals and targets (``report``, read by ``experiments.report`` from the jobs' recorded config). The model
receives only the ``RunConfig`` (``livelihoods.compose.to_run_config``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, make_dataclass
from typing import Optional

from simulation.config import RunConfig
from simulation.metrics import GROUPS
from simulation.schema import MISSING, bounded, require, share


def _optional_share():
    return field(default=None, metadata=dict(lo=0, hi=1, lo_open=False, hi_open=False, integer=False, optional=True))


@dataclass
class GroupTargets:
    """A group's targets (``report.target.<group>.dropout_rate=0.3``); null: the group has none."""

    dropout_rate: Optional[float] = _optional_share()


# Stress-test targets: the whole population's (``report.target.dropout_rate``) and, optionally, each group's of
# summary.json's ``by_group`` (``report.target.returnees.dropout_rate=0.3``).
ReportTargets = make_dataclass("ReportTargets", [("dropout_rate", float, share()),
                                                 *((group, GroupTargets, field(default_factory=GroupTargets))
                                                   for group in GROUPS)], module=__name__)


@dataclass
class ReportSettings:
    """How ``experiments.report`` states its intervals and answers (read from the jobs' recorded config)."""

    confidence: float = bounded(0, 1, lo_open=True, hi_open=True)
    credible: float = bounded(0, 1, lo_open=True, hi_open=True)
    probability: float = bounded(0, 1, lo_open=True, hi_open=True)
    target: ReportTargets = MISSING

    def check(self, path: str) -> None:
        """A level the report prints as a whole percentage must print as 1% to 99% (0.9999999999999999 would be
        a "100% interval" of plus or minus infinity)."""
        for name in ("confidence", "credible", "probability"):
            value = getattr(self, name)
            require(1 <= round(100 * value) <= 99, f"{path}.{name}", "a number in (0, 1) that prints as 1% to 99% "
                    "(the report shows whole percentages)", value)


@dataclass
class CommandConfig(RunConfig):
    """``configs/config.yaml``: the run (``RunConfig``) and the command line's own settings, which change how
    results are shown and where they go, never the numbers: a progress bar, a run's figures, resuming a sweep
    folder, and the report's intervals and targets. ``to_run_and_settings`` splits them."""

    progress: bool = MISSING
    figures: bool = MISSING
    resume: bool = MISSING
    max_jobs: int = bounded(1, 10**9, integer=True)  # jobs a sweep may have unless asked for (livelihoods.overrides)
    report: ReportSettings = MISSING


@dataclass(frozen=True)
class CommandSettings:
    progress: bool
    figures: bool
    resume: bool
    report: ReportSettings


RUN_KEYS = tuple(f.name for f in fields(RunConfig))
