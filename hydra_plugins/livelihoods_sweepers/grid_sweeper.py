"""``hydra/sweeper=grid`` (the project's default): Hydra's basic sweeper, composing each job's config once per
combination of config groups (``hydra_plugins.livelihoods_sweepers.compose_once.ComposeOnce``).

The jobs, their order and numbering, the batches and what each launcher receives
are the basic sweeper's; only the composition of a job's config is cheaper. (No
``from __future__ import annotations`` here: Hydra loads plugins outside
``sys.modules``, where dataclasses need real types.)
"""


from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.config_store import ConfigStore
from hydra.types import HydraContext


@dataclass
class GridSweeperConf:
    _target_: str = "hydra_plugins.livelihoods_sweepers.grid_sweeper.GridSweeper"
    max_batch_size: Optional[int] = None  # jobs handed to the launcher at once (None: all)
    params: Optional[Dict[str, str]] = field(default_factory=dict)  # a preset's swept keys: key -> values


ConfigStore.instance().store(group="hydra/sweeper", name="grid", node=GridSweeperConf, provider="livelihoods-abm")


def compose_once(hydra_context: HydraContext) -> HydraContext:
    """``hydra_context`` whose config loader composes once per combination of config groups."""
    from hydra_plugins.livelihoods_sweepers.compose_once import ComposeOnce

    loader = hydra_context.config_loader
    if not isinstance(loader, ComposeOnce):
        loader = ComposeOnce(loader)
    return HydraContext(config_loader=loader, callbacks=hydra_context.callbacks)


class GridSweeper(BasicSweeper):
    def setup(self, *, hydra_context: HydraContext, task_function: Any, config: Any) -> None:
        super().setup(hydra_context=compose_once(hydra_context), task_function=task_function, config=config)

    def validate_batch_is_legal(self, batch: Any) -> None:
        """Compose one job per combination of config groups before launching (Hydra composes every job here).

        ``experiments.run`` has checked every job's values before Hydra started
        (``check_sweep_values``), and each launcher composes every job again.
        """
        loader = self.hydra_context.config_loader
        seen = set()
        for overrides in batch:
            shape = loader.shape(self.config, list(overrides))
            if shape not in seen:
                seen.add(shape)
                loader.load_sweep_config(self.config, list(overrides))
