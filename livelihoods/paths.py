"""Where the project's files are: the config folder and the options of its config groups."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "configs"
RESULTS_DIR = ROOT / "results"


def group_options(group: str) -> list[str]:
    """The options of config group ``group`` (``scenario`` -> baseline, lebanon_bml, ...)."""
    return sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))
