"""Reading the user's own files into a schema: one line naming the file and the key for each mistake."""

from __future__ import annotations

from pathlib import Path

from livelihoods.errors import ConfigurationError, explain


def load_checked(schema, path: Path):
    """A YAML file read into the dataclass ``schema``; an unknown key, a missing or mistyped field is refused."""
    from omegaconf import OmegaConf

    try:
        return OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(schema), OmegaConf.load(path)))
    except Exception as exc:  # noqa: BLE001 - OmegaConf's and PyYAML's errors become one line
        raise ConfigurationError(f"{path.name}: {explain(exc)}") from exc
