"""``hydra/sweeper=rows``: one job per row of a table, one override per column.

Hydra's basic sweeper runs the Cartesian product of its sweep values; designs
such as Saltelli's or Morris' samples are lists of points instead. This sweeper
reads such a list (``hydra.sweeper.table``: a parquet or CSV file whose columns
are dotted config keys) and hands each row, with the command line's fixed
overrides, to whichever launcher is selected (basic, joblib, ray, submitit), so
a sensitivity study runs on a laptop or a cluster unchanged. Job ``i`` is row
``i`` (its folder is ``<sweep dir>/<i>`` with the project's layout), so results
are read back by row, and ``resume=true`` skips the rows already finished.

Values are written by ``livelihoods.overrides.literal``, so Hydra reads back exactly the cell (floats by ``repr``,
text quoted as Hydra's grammar needs); a text cell holding ``${`` is refused, since a table sets values, never
interpolations such as ``${oc.env:HOME}``. (No ``from __future__
import annotations`` here: Hydra loads plugins outside ``sys.modules``, where dataclasses need real types.)
"""


import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from hydra.plugins.sweeper import Sweeper
from omegaconf import MISSING, OmegaConf

log = logging.getLogger(__name__)


@dataclass
class RowsSweeperConf:
    _target_: str = "hydra_plugins.livelihoods_sweepers.rows_sweeper.RowsSweeper"
    table: str = MISSING  # parquet or CSV: one job per row, one override per column
    max_batch_size: Optional[int] = None  # jobs handed to the launcher at once (None: all)


ConfigStore.instance().store(group="hydra/sweeper", name="rows", node=RowsSweeperConf, provider="livelihoods-abm")


def read_rows(table: str) -> "list[list[str]]":
    """The overrides of every row of ``table``: ``key=value`` per column.

    A list cell (a parquet list column, e.g. ``policy``) becomes ``key=[a,b]``; an empty cell (NaN or
    null) gives no override for that row, so a row can leave a key at its default (a lever of a
    policy the row does not select, which the config would refuse). The table is read by ``livelihoods.files``
    (a regular file, a size limit; pandas parses the bytes read, never the path): one line if it cannot be."""
    from livelihoods.errors import ConfigurationError
    from livelihoods.files import read_table

    path = Path(table)
    frame = read_table(path)
    for column in frame.columns:  # a CSV's second 'seed' column comes back from pandas as 'seed.1'
        base, _, n = str(column).rpartition(".")
        if n.isdigit() and base in frame.columns:
            raise ConfigurationError(f"hydra.sweeper.table: column {base!r} appears twice; each key is one column")
    return [[override for key, value in zip(frame.columns, row) if (override := _override(key, value)) is not None]
            for row in frame.itertuples(index=False, name=None)]


def _override(key: str, value: Any) -> "Optional[str]":
    import numpy as np

    from livelihoods.overrides import literal

    if isinstance(value, np.ndarray):  # a list cell of a parquet table
        value = value.tolist()
    if key == "policy" and isinstance(value, str):  # a CSV cell is text: '[stipend,childcare]' or 'stipend'
        value = [name.strip() for name in value.strip().strip("[]").split(",") if name.strip()]
    if not isinstance(value, (list, tuple)):
        value = getattr(value, "item", lambda: value)()
        empty = value is None or type(value).__name__ in ("NAType", "NaTType")  # pandas' missing values
        if empty or (isinstance(value, float) and value != value):  # an empty cell: no override
            return None
    return f"{key}={literal(value, f'hydra.sweeper.table column {key}')}"


class RowsSweeper(Sweeper):
    def __init__(self, table: str, max_batch_size: Optional[int] = None) -> None:
        super().__init__()
        self.table, self.max_batch_size = table, max_batch_size
        self.config = self.launcher = self.hydra_context = None

    def setup(self, *, hydra_context, task_function, config) -> None:
        from hydra.core.plugins import Plugins

        from hydra_plugins.livelihoods_sweepers.grid_sweeper import compose_once

        hydra_context = compose_once(hydra_context)  # each row's config from the first row's
        self.hydra_context, self.config = hydra_context, config
        self.launcher = Plugins.instance().instantiate_launcher(hydra_context=hydra_context,
                                                                task_function=task_function, config=config)

    def sweep(self, arguments: list[str]) -> Any:
        rows = read_rows(self.table)
        sweep_dir = Path(self.config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
        size = self.max_batch_size or len(rows) or 1
        log.info(f"rows sweeper: {len(rows)} jobs from {self.table}")
        returns = []
        for start in range(0, len(rows), size):
            batch = [list(arguments) + row for row in rows[start:start + size]]
            results = self.launcher.launch(batch, initial_job_idx=start)
            for r in results:
                _ = r.return_value  # a failed job raises here, as with the basic sweeper
            returns.append(results)
        return returns
