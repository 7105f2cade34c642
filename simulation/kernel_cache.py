"""Where numba caches the decision core's kernels, and whether that cache holds them all (without importing numba).

The folder is named by a hash of the decision-core sources and numba's version
(see ``simulation/kernels/__init__.py``). ``WARM`` marks a folder into which
every kernel of the model was compiled, so that a sweep's parent loads them
once before its workers start only when they are not there yet.
"""

from __future__ import annotations

import hashlib
import os
from importlib import metadata
from pathlib import Path

WARM = ".every-kernel-compiled"


def decision_core_cache_dir() -> Path | None:
    """The folder of numba's cache for these sources; None when the user set ``NUMBA_CACHE_DIR``."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    here = Path(__file__).resolve().parent
    sources = sorted((here / "kernels").glob("*.py")) + [here / name for name in ("state.py", "params.py", "rng.py",
                                                                                     "phases.py")]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:16]
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "livelihoods-abm" / "numba" / f"{digest}-numba{metadata.version('numba')}"


def cache_is_warm() -> bool:
    """Whether every kernel was compiled into this cache folder (``mark_cache_warm``); False for a user's folder."""
    folder = decision_core_cache_dir()
    return folder is not None and (folder / WARM).exists()


def mark_cache_warm() -> None:
    """Mark the cache folder as holding every kernel (after a model with every policy has stepped)."""
    folder = decision_core_cache_dir()
    if folder is not None and folder.is_dir():
        (folder / WARM).touch()
