"""The prediction cache: a model's prediction, stored under a hash of everything it depends on.

The key hashes the model's name, the code of the models and the radio engine, the site
rows (geometry and every column, in the run's CRS), the area of interest, every setting
and the *contents* of the DEM files, so a cached prediction can never be stale: change
anything and the key changes. ``coverage compute`` followed by ``coverage map`` on the
same inputs predicts once. Entries live in ``$XDG_CACHE_HOME/coverage/predictions``
(``~/.cache/...`` by default); the oldest are removed beyond :data:`MAX_BYTES`.
Turn it off with ``--no-cache`` or ``cache=False``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import inspect
import logging
import os
import pickle
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from . import __version__
from ._errors import CoverageWarning

if TYPE_CHECKING:
    import geopandas as gpd

    from .models.base import Prediction
    from .settings import Settings

log = logging.getLogger(__name__)

#: The cache keeps its newest entries up to this many bytes (a demo terrain prediction
#: is about 100 MB).
MAX_BYTES = 2 * 1024**3
#: Settings that do not change a prediction's numbers (threads).
_NOT_IN_KEY = frozenset({"n_jobs"})


def cache_dir() -> Path:
    """The folder of the prediction cache (honours ``XDG_CACHE_HOME``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "coverage" / "predictions"


@functools.lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """Hash of the code that makes predictions, so a code change never reads old entries."""
    root = Path(__file__).resolve().parent
    h = hashlib.blake2b(__version__.encode(), digest_size=16)
    for folder in ("models", "radio"):
        for path in sorted((root / folder).glob("*.py")):
            h.update(path.name.encode())
            h.update(path.read_bytes())
    for name in ("settings.py", "overlay.py"):
        h.update((root / name).read_bytes())
    return h.hexdigest()


def _source_digest(predict) -> str:
    """Hash of the file defining ``predict`` (a model registered from outside the package)."""
    try:
        path = inspect.getsourcefile(predict)
    except TypeError:
        return ""
    return _file_digest(path) if path and os.path.exists(path) else ""


def _file_digest(path: str | os.PathLike) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def prediction_key(
    model: str,
    sites: gpd.GeoDataFrame,
    *,
    settings: Settings,
    area: tuple[float, float, float, float] | None,
    code: str = "",
) -> str:
    """The cache key of a prediction: a hex digest of everything it depends on.

    ``code`` identifies the model's own code when it lives outside this package."""
    h = hashlib.blake2b(digest_size=20)
    h.update(_code_fingerprint().encode())
    h.update(code.encode())
    h.update(model.encode())
    h.update(sites.crs.to_wkt().encode() if sites.crs is not None else b"")
    h.update(b"".join(shapely.to_wkb(sites.geometry.to_numpy(), hex=False)))
    table = pd.DataFrame(sites.drop(columns=sites.geometry.name))
    h.update(repr(list(table.columns)).encode())
    h.update(pd.util.hash_pandas_object(table.astype(str), index=False).to_numpy().tobytes())
    h.update(np.asarray(area if area is not None else [], dtype=float).tobytes())
    for f in dataclasses.fields(settings):
        if f.name in _NOT_IN_KEY:
            continue
        value = getattr(settings, f.name)
        if f.name == "dem":
            value = [_file_digest(p) for p in value]
        h.update(f"{f.name}={value!r};".encode())
    return h.hexdigest()


def load(key: str) -> tuple[Prediction, list[str]] | None:
    """The cached prediction under ``key`` and the warnings it raised, or None."""
    path = cache_dir() / f"{key}.pkl"
    try:
        with open(path, "rb") as fh:
            prediction = pickle.load(fh)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except Exception as exc:  # a damaged or unreadable entry is a miss, and goes
        log.warning("prediction cache: unreadable entry %s (%s); recomputing", path.name, exc)
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
        return None
    os.utime(path)  # most recently used
    log.info("prediction cache: hit %s", path.name)
    return prediction


def store(key: str, entry: tuple[Prediction, list[str]]) -> None:
    """Store a prediction and its warnings under ``key`` (atomically); a cache that cannot
    be written is skipped with a warning in the log."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    except OSError as exc:
        log.warning("prediction cache: cannot write in %s (%s); not cached", folder, exc)
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(entry, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / f"{key}.pkl")
    except OSError as exc:  # a full disk: no half-written entry stays
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        log.warning("prediction cache: cannot write in %s (%s); not cached", folder, exc)
        return
    _trim(folder)


def _trim(folder: Path) -> None:
    """Remove the least recently used entries beyond :data:`MAX_BYTES`."""
    entries = sorted(folder.glob("*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
    total = 0
    for path in entries:
        total += path.stat().st_size
        if total > MAX_BYTES:
            path.unlink(missing_ok=True)


def cached_predict(
    predict,
    model: str,
    sites: gpd.GeoDataFrame,
    *,
    settings: Settings,
    area: tuple[float, float, float, float] | None,
    use_cache: bool = True,
    **kwargs,
) -> Prediction:
    """``predict(sites, settings=..., area=..., **kwargs)``, through the cache when allowed.

    The warnings the prediction raised are stored with it and raised again on a hit, so
    a run reports the same whether its prediction was cached or not.
    """
    if not use_cache:
        return predict(sites, settings=settings, area=area, **kwargs)
    key = prediction_key(model, sites, settings=settings, area=area, code=_source_digest(predict))
    hit = load(key)
    if hit is not None:
        prediction, messages = hit
    else:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CoverageWarning)
            prediction = predict(sites, settings=settings, area=area, **kwargs)
        messages = [str(w.message) for w in caught if issubclass(w.category, CoverageWarning)]
        store(key, (prediction, messages))
    for message in messages:
        warnings.warn(message, CoverageWarning, stacklevel=2)
    return prediction
