"""The launchers a run may use: the extra that installs each, and loading the kernels once before a parallel sweep."""

from __future__ import annotations

from livelihoods.errors import require
from livelihoods.overrides import CommandLine

LAUNCHER_EXTRAS = {  # launcher -> (module of its Hydra plugin, extra that installs it)
    "ray": ("hydra_plugins.hydra_ray_launcher", "ray"),
    "submitit_local": ("hydra_plugins.hydra_submitit_launcher", "slurm"),
    "submitit_slurm": ("hydra_plugins.hydra_submitit_launcher", "slurm"),
}


def check_launcher_installed(launcher: str) -> None:
    """Refuse, naming the extra to install, a launcher whose Hydra plugin is not installed."""
    if launcher in LAUNCHER_EXTRAS:
        module, extra = LAUNCHER_EXTRAS[launcher]
        require(module, extra, f"hydra/launcher={launcher}")


def load_kernels_before_parallel_sweep(line: CommandLine, launcher: str) -> None:
    """Before a sweep on a parallel launcher, compile or load every kernel once, in this process.

    The workers then find them in numba's on-disk cache (shared by every process
    of this machine, and across nodes when the cache folder is on a shared file
    system) instead of each compiling them at once on a cold cache. Skipped when
    the cache folder of these sources is marked as holding every kernel.
    """
    from simulation.kernel_cache import cache_is_warm, mark_cache_warm

    if not line.multirun or launcher == "basic" or cache_is_warm():
        return
    from livelihoods.compose import load_config
    from simulation.model import LivelihoodsModel
    from simulation.policies import POLICIES

    model = LivelihoodsModel(load_config("scenario.n_youth=200", "months=2", "progress=false",
                                         f"policy=[{','.join(POLICIES)}]"))
    for _ in range(2):
        model.step()
    mark_cache_warm()


