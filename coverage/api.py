"""The public Python API: the same path the CLI takes.

>>> import coverage
>>> result = coverage.compute(model="range")          # the demo province
>>> result.summary["villages_total"]
1483
>>> coverage.check().ok
True

``compute`` returns a :class:`~coverage.pipeline.CoverageResult` whose ``summary`` is,
as a dict, what ``coverage compute --json`` prints for the same inputs; ``predict``
returns the model's prediction (rasters for hata/terrain/itm, footprints for range);
``check`` validates without predicting. ``layers=None`` means the demo province with
its DEM; layers given without villages are filled from the demo, as on the command line.
"""

from __future__ import annotations

from .layers import Layers
from .models.base import Prediction
from .pipeline import CheckReport, CoverageResult, Step, run
from .pipeline import check as _check
from .pipeline import predict_rasters as _predict_rasters
from .settings import Settings


def _layers(layers: Layers | None, settings: Settings | None) -> Layers:
    """The layers of a run: a DEM named in the settings counts as given; without
    villages the demo province fills the rest (its DEM included, when none is given)."""
    layers = layers or Layers()
    if not layers.dem and settings is not None and settings.dem:
        layers = layers.replace(dem=settings.dem)
    return layers.over_demo()


def compute(
    layers: Layers | None = None,
    *,
    model: str | None = None,
    settings: Settings | None = None,
    progress: Step | None = None,
    cache: bool = True,
    workers: int | None = None,
    scheduler: str | None = None,
) -> CoverageResult:
    """Coverage shares for leadership, overall and per commune/district.

    Parameters
    ----------
    layers
        The input layers; ``None``: the demo province (with its DEM).
    model
        ``range``, ``hata``, ``terrain`` or ``itm``; ``None`` chooses as the CLI does:
        terrain with a DEM, else range when every site row gives ``range_m``, else hata.
    settings
        Rules, thresholds and model settings (:func:`coverage.load_config`).
    progress
        Called with a message as each stage starts.
    cache
        Reuse a prediction made earlier for exactly the same inputs and settings.
    workers
        Run the prediction and measurement as independent tasks on a Dask
        ``LocalCluster`` of this many worker processes (:mod:`coverage.partition`).
    scheduler
        The same on the Dask cluster whose scheduler has this address
        (``tcp://host:8786``). Either gives the serial run's numbers bit for bit; the
        result then holds no prediction.
    """
    return run(
        _layers(layers, settings),
        model=model,
        settings=settings,
        progress=progress,
        use_cache=cache,
        workers=workers,
        scheduler=scheduler,
    )


def predict(
    layers: Layers | None = None,
    *,
    model: str | None = None,
    settings: Settings | None = None,
    sites: tuple[str, ...] = (),
    progress: Step | None = None,
    cache: bool = True,
) -> Prediction:
    """The chosen model's prediction for the sites (some of them, by ``site_id``).

    Examples
    --------
    >>> p = predict(model="hata", sites=("QB0002",))   # one site of the demo
    >>> p.technologies, p.model
    (('2G', '3G', '4G'), 'hata')
    """
    return predict_rasters(
        layers, model=model, settings=settings, sites=sites, progress=progress, cache=cache
    )[0][1]


def predict_rasters(
    layers: Layers | None = None,
    *,
    model: str | None = None,
    settings: Settings | None = None,
    sites: tuple[str, ...] = (),
    per_site: bool = False,
    progress: Step | None = None,
    cache: bool = True,
) -> list[tuple[str, Prediction]]:
    """Like :func:`predict`, with ``per_site`` one more prediction per selected site.

    Returns ``(file prefix, prediction)`` pairs, the combined prediction first (prefix "").
    """
    return _predict_rasters(
        _layers(layers, settings),
        model=model,
        settings=settings,
        site_ids=tuple(sites),
        per_site=per_site,
        progress=progress,
        use_cache=cache,
    )


def check(
    layers: Layers | None = None,
    *,
    model: str | None = None,
    settings: Settings | None = None,
) -> CheckReport:
    """Validate and cross-check the layers without predicting: errors and warnings."""
    return _check(_layers(layers, settings), model=model, settings=settings)


__all__ = [
    "CheckReport",
    "CoverageResult",
    "Layers",
    "check",
    "compute",
    "predict",
    "predict_rasters",
]
