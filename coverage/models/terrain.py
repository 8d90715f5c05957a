"""Models "hata", "terrain" and "itm": signal rasters from a link budget and a path-loss model.

``hata``
    Okumura-Hata below 1.5 GHz, COST-231 Hata above (suburban by default), on
    flat ground: no DEM needed.
``terrain``
    The same base plus knife-edge diffraction over the DEM profile of every pixel
    (Bullington's equivalent edge, ITU-R P.526, with earth curvature k = 4/3), and
    the base model's antenna height measured above each receiver's ground.
``itm``
    Longley-Rice ITM 1.2.2 point-to-point (median: time, location and situation
    50 %) on every pixel's own DEM profile, as SPLAT! maps it
    (:mod:`coverage.radio.itm_area`); ground, refractivity and climate from the
    ``[itm]`` settings. Slower than ``terrain`` (one full ITM run per pixel).

A pixel is covered by a technology when its best server reaches the technology's
threshold (:data:`coverage.radio.linkbudget.DEFAULT_THRESHOLDS_DBM`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import ClassVar

import geopandas as gpd
import numpy as np
from affine import Affine

from .._errors import ConfigError, InputError
from ..radio.dem import Grid, load_dem
from ..radio.engine import BASE_MODELS, ENVIRONMENTS, Radio, reach_m, sweep
from ..radio.itm_area import ItmParams, itm_deviates, sweep_itm
from ..settings import Settings
from .base import PropagationModel
from .raster import RasterKernel, RasterPrediction, predict_raster

log = logging.getLogger(__name__)

#: Grid size used by the hata model when no DEM sets one (metres).
HATA_RESOLUTION_M = 100.0


def _extent(area: tuple[float, float, float, float], settings: Settings, sites) -> tuple:
    """The area of interest grown by the largest prediction radius in use."""
    used = set(sites["technology"])
    margin = max(settings.prediction_radius_m[t] for t in used) if used else 0.0
    xmin, ymin, xmax, ymax = area
    return xmin - margin, ymin - margin, xmax + margin, ymax + margin


def hata_kernel(settings: Settings, *, terrain: bool = False) -> RasterKernel:
    """The ``hata`` model's kernel (``terrain=True``: the ``terrain`` model's): the engine
    sweep with its :class:`~coverage.radio.engine.Radio` record, the mast's ground read
    bilinearly, radii bounded by the Hata link budget."""
    base = BASE_MODELS[settings.base_model]
    env = ENVIRONMENTS[settings.environment]
    radio = Radio(
        k=float(settings.k_factor),
        rx_h=float(settings.rx_height_m),
        base=base,
        env=env,
        terrain=terrain,
    )
    return RasterKernel(
        model="terrain" if terrain else "hata",
        sweep=sweep,
        params=radio,
        heights="bilinear",
        reach=partial(reach_m, rx_height_m=settings.rx_height_m, env=env, base=base),
        info={"base_model": settings.base_model, "environment": settings.environment},
    )


def itm_kernel(settings: Settings) -> RasterKernel:
    """The ``itm`` model's kernel: :func:`~coverage.radio.itm_area.sweep_itm` with the
    ``[itm]`` settings; ITM has no closed-form inversion: the prediction radius."""
    zt, zl, zc = itm_deviates(
        float(settings.itm_time), float(settings.itm_location), float(settings.itm_situation)
    )
    params = ItmParams(
        k=float(settings.k_factor),
        rx_h=float(settings.rx_height_m),
        eps=float(settings.itm_epsilon),
        sgm=float(settings.itm_sigma),
        n0=float(settings.itm_n0),
        klim=int(settings.itm_climate),
        pol=1,  # vertical polarisation
        zt=zt,
        zl=zl,
        zc=zc,
        nearest=settings.itm_heights == "nearest",
    )
    info = {
        "itm": {
            "epsilon": settings.itm_epsilon,
            "sigma": settings.itm_sigma,
            "n0": settings.itm_n0,
            "climate": settings.itm_climate,
            "polarization": "vertical",
            "heights": settings.itm_heights,
            "mdvar": 12,
            "time_location_situation_percent": [
                settings.itm_time,
                settings.itm_location,
                settings.itm_situation,
            ],
        }
    }
    return RasterKernel(
        model="itm", sweep=sweep_itm, params=params, heights=settings.itm_heights, info=info
    )


def _dem_grid(sites, *, settings: Settings, area, kernel: RasterKernel) -> Grid:
    if not settings.dem:
        raise ConfigError(f"the {kernel.model} model needs a DEM: give one with --dem FILE")
    area = area or tuple(sites.total_bounds)
    grid = load_dem(
        settings.dem,
        crs=sites.crs,
        bounds=_extent(area, settings, sites),
        resolution=settings.resolution_m,
        resampling=kernel.heights,
    )
    _require_dem_over(grid, area, settings)
    return grid


def _flat_grid(sites, *, settings: Settings, area) -> Grid:
    area = area or tuple(sites.total_bounds)
    xmin, ymin, xmax, ymax = _extent(area, settings, sites)
    res = float(settings.resolution_m or HATA_RESOLUTION_M)
    width, height = int(np.ceil((xmax - xmin) / res)), int(np.ceil((ymax - ymin) / res))
    return Grid(
        array=np.zeros((height, width), dtype=np.float32),
        transform=Affine(res, 0, xmin, 0, -res, ymax),
        crs=sites.crs,
    )


def grid_and_kernel(
    model: str, sites: gpd.GeoDataFrame, *, settings: Settings, area: tuple | None = None
) -> tuple[Grid, RasterKernel]:
    """The grid and kernel a raster model (``hata``, ``terrain``, ``itm``) predicts
    ``sites`` with over ``area``: what its ``predict`` uses, for work that predicts site
    by site on the same pixels (:func:`coverage.models.raster.site_footprints`)."""
    kernel = kernel_for(model, settings)
    if model == "hata":
        return _flat_grid(sites, settings=settings, area=area), kernel
    return _dem_grid(sites, settings=settings, area=area, kernel=kernel), kernel


def kernel_for(model: str, settings: Settings) -> RasterKernel:
    """The kernel of a raster model (``hata``, ``terrain``, ``itm``) for ``settings``."""
    if model == "hata":
        return hata_kernel(settings)
    return hata_kernel(settings, terrain=True) if model == "terrain" else itm_kernel(settings)


def _predict_on_dem(sites, *, settings: Settings, area, progress, kernel: RasterKernel):
    grid = _dem_grid(sites, settings=settings, area=area, kernel=kernel)
    return predict_raster(sites, grid, settings=settings, kernel=kernel, progress=progress)


#: Pixels across the area when :func:`check_dem` reads the DEM (coarse, so it is quick).
CHECK_PIXELS = 512


def check_dem(settings: Settings, *, crs, area: tuple) -> None:
    """Read the DEM over ``area`` at a coarse resolution, before any prediction.

    A missing or damaged file, heights in a unit that is not a length or beyond any on
    Earth, or a DEM that does not cover the villages is refused here, so that ``coverage
    check`` reports it as ``compute`` would.
    """
    from ..radio.dem import native_resolution_m

    if not settings.dem:
        raise ConfigError("the terrain models need a DEM: give one with --dem FILE")
    xmin, ymin, xmax, ymax = area
    span = max(xmax - xmin, ymax - ymin, 1.0)
    resolution = max(native_resolution_m(settings.dem[0]), span / CHECK_PIXELS)
    grid = load_dem(settings.dem, crs=crs, bounds=area, resolution=resolution)
    _require_dem_over(grid, area, settings)


def _require_dem_over(grid, area: tuple, settings: Settings) -> None:
    """Refuse a DEM that leaves part of the area of interest (the villages) uncovered:
    those villages would silently count as uncovered. Never assume sea level."""
    from ..radio.dem import OFF_DEM

    xmin, ymin, xmax, ymax = area
    inv = ~grid.transform
    c0, r0 = (int(v) for v in inv * (xmin, ymax))
    c1, r1 = (int(np.ceil(v)) for v in inv * (xmax, ymin))
    h, w = grid.shape
    box = grid.array[max(r0, 0) : min(r1, h), max(c0, 0) : min(c1, w)]
    missing = float((box <= OFF_DEM / 2).mean()) if box.size else 1.0
    if missing > 0:
        raise InputError(
            f"the DEM covers only {100 * (1 - missing):.1f}% of the villages' extent "
            f"({xmin:.0f}, {ymin:.0f}, {xmax:.0f}, {ymax:.0f} in {grid.crs.to_string()}); "
            "give DEM tiles covering every village (repeat --dem to mosaic), or use "
            "--model hata or range",
            path=str(settings.dem[0]),
        )


def predict_terrain(
    sites: gpd.GeoDataFrame, *, settings: Settings, area: tuple | None = None, progress=None
) -> RasterPrediction:
    """Run the terrain model over ``area`` (metric bounds; default: the sites' extent)."""
    kernel = hata_kernel(settings, terrain=True)
    return _predict_on_dem(sites, settings=settings, area=area, progress=progress, kernel=kernel)


def predict_itm(
    sites: gpd.GeoDataFrame, *, settings: Settings, area: tuple | None = None, progress=None
) -> RasterPrediction:
    """Run the ITM (Longley-Rice) model over ``area`` (needs a DEM, like terrain)."""
    kernel = itm_kernel(settings)
    return _predict_on_dem(sites, settings=settings, area=area, progress=progress, kernel=kernel)


def predict_hata(
    sites: gpd.GeoDataFrame, *, settings: Settings, area: tuple | None = None, progress=None
) -> RasterPrediction:
    """Run the Hata model (no terrain) over ``area``."""
    grid = _flat_grid(sites, settings=settings, area=area)
    kernel = hata_kernel(settings)
    return predict_raster(sites, grid, settings=settings, kernel=kernel, progress=progress)


class _RasterModel(PropagationModel):
    """The models that compute signal levels per pixel from a link budget; each names
    its module-level predict function."""

    produces = "raster"
    uses_columns: ClassVar[frozenset[str]] = frozenset(
        {"height_m", "frequency_mhz", "eirp_dbm", "azimuth_deg", "beamwidth_deg", "tilt_deg"}
    )
    _predict: ClassVar[Callable[..., RasterPrediction]]

    def predict(self, sites, *, settings, area=None, progress=None):
        return type(self)._predict(sites, settings=settings, area=area, progress=progress)


class HataModel(_RasterModel):
    """Okumura-Hata / COST-231 Hata on flat ground."""

    name, needs_dem = "hata", False
    title = "Okumura-Hata / COST-231 Hata link budget, no terrain"
    _predict = staticmethod(predict_hata)


class TerrainModel(_RasterModel):
    """Hata base plus Bullington knife-edge diffraction over the DEM."""

    name, needs_dem = "terrain", True
    title = "Hata plus knife-edge diffraction over the DEM"
    _predict = staticmethod(predict_terrain)


class ItmModel(_RasterModel):
    """Longley-Rice ITM on every pixel's DEM profile."""

    name, needs_dem = "itm", True
    title = "Longley-Rice ITM on every pixel's DEM profile"
    _predict = staticmethod(predict_itm)
