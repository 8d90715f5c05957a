"""Measurements (drive tests, quality-of-service surveys, crowd samples) against the model.

A measurements layer holds points with ``technology`` and the measured level
``level_dbm`` (aliases ``rsrp``, ``rscp``, ``rxlev``, ``signal``, ``muc_thu``, ...),
optionally the ``site_id`` of the serving cell and a ``time``. :func:`pair` gives every
measurement the model's predicted level at its point, computed by the same kernel calls
on the same pixels as ``coverage predict`` (:func:`coverage.models.raster.site_levels`):
the named serving site's level when ``site_id`` is given, else the best server's. Rows
that cannot be compared are left out and counted by reason (:data:`REJECTIONS`), never
silently: a level outside :data:`PLAUSIBLE_DBM`, a point off the DEM or outside the area
predicted (the villages' extent, as ``coverage predict`` draws it),
an unknown site or one without that technology, a point the site's prediction does not
reach. :func:`calibrate` runs the whole comparison: statistics before, the fit
(:mod:`coverage.calibration`), the statistics after and the cross-validated error.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import calibration as cal
from ._errors import ConfigError
from .io import read_layer
from .layers import Layers, LayerSource
from .models.raster import site_levels
from .models.terrain import grid_and_kernel
from .pipeline import Prepared, prepare
from .projection import to_crs
from .settings import Settings

log = logging.getLogger(__name__)

#: Plausible measured levels (dBm) per technology: RxLev, RSCP, RSRP and SS-RSRP as
#: scanners and phones report them (an RxLev index 0-63 is not a level: dBm = index - 110).
PLAUSIBLE_DBM: dict[str, tuple[float, float]] = {
    "2G": (-120.0, -20.0),
    "3G": (-125.0, -20.0),
    "4G": (-145.0, -40.0),
    "5G": (-145.0, -40.0),
}
#: Why a row is left out.
REJECTIONS = (
    "level not a number",
    "level outside plausible range",
    "unknown technology",
    "outside the prediction",
    "unknown site",
    "site without this technology",
    "no prediction",
)
#: Models that predict a level (the range model draws discs).
LEVEL_MODELS = ("hata", "terrain", "itm")

Step = Callable[[str], None]


@dataclass
class CalibrationRun:
    """A comparison of a model with measurements: ``summary`` (the ``--json`` object),
    ``points`` (one row per usable measurement, with its prediction and residuals before
    and after), the fitted :class:`~coverage.calibration.Calibration`."""

    summary: dict
    points: gpd.GeoDataFrame
    calibration: cal.Calibration
    crs: object = None
    warnings: list[str] = field(default_factory=list)


def calibrate(
    layers: Layers,
    measurements: LayerSource,
    *,
    model: str | None = None,
    settings: Settings | None = None,
    per_site: bool = False,
    folds: int = 5,
    folds_by: str = "site",
    progress: Step | None = None,
) -> CalibrationRun:
    """Compare the model with measurements, fit a calibration and cross-validate it.

    Parameters
    ----------
    layers
        The run's layers (the demo province fills what is missing, as in ``compute``).
    measurements
        The measurements layer (CSV with lon/lat or any GIS layer).
    model
        ``hata``, ``terrain`` or ``itm`` (default: as ``compute`` chooses).
    settings
        Settings.
    per_site
        Also fit per-site offsets, shrunk toward the technology's fit.
    folds, folds_by
        Cross-validation: ``folds`` groups of whole sites (``site``) or of square blocks of
        the area (``area``), never random points.
    progress
        Called with a short message at each stage.

    Returns
    -------
    CalibrationRun
    """
    if folds_by not in ("site", "area"):
        raise ConfigError(f"--folds-by must be site or area; got {folds_by!r}")
    step = progress or (lambda _msg: None)
    prepared, source, usable, rejected = _compare(layers, measurements, model, settings, step)
    name = prepared.model.name
    if len(usable) == 0:
        raise ConfigError(
            f"{source}: no measurement can be compared with the model "
            f"({', '.join(f'{n} {r}' for r, n in rejected.items() if n)})"
        )
    step("fitting")
    fitted = cal.fit(usable, per_site=per_site, model=name, date=date.today().isoformat())
    after = fitted.apply_to(usable)
    cv = cal.cross_validate(usable, folds=folds, by=folds_by, per_site=per_site)  # type: ignore[arg-type]
    points = _points(usable, after, prepared.projected.crs)
    summary = _summary(name, source, usable, after, rejected, fitted, cv)
    return CalibrationRun(summary, points, fitted, prepared.projected.crs)


def residuals(
    layers: Layers,
    measurements: LayerSource,
    *,
    model: str | None = None,
    settings: Settings | None = None,
    progress: Step | None = None,
) -> tuple[gpd.GeoDataFrame, dict[str, int]]:
    """Each usable measurement with the model's level and the residual (measured -
    predicted, dB), in WGS 84, and the rows left out by reason: what the residual map
    draws. The model's calibration (``settings.calibration``) is applied, so a calibrated
    run's residuals are shown after calibration."""
    step = progress or (lambda _msg: None)
    prepared, _source, usable, rejected = _compare(layers, measurements, model, settings, step)
    out = usable[["technology", "site_id", "distance_m", "measured_dbm", "predicted_dbm"]].copy()
    out["residual_db"] = out["measured_dbm"] - out["predicted_dbm"]
    geometry = shapely.points(usable["x"].to_numpy(), usable["y"].to_numpy())
    points = gpd.GeoDataFrame(out, geometry=geometry, crs=prepared.projected.crs)
    return points.to_crs(4326), rejected


def _compare(
    layers: Layers,
    measurements: LayerSource,
    model: str | None,
    settings: Settings | None,
    step: Step,
) -> tuple[Prepared, str, pd.DataFrame, dict[str, int]]:
    """The run prepared (a model that predicts levels), the measurements' source, the
    usable measurements paired with their predictions, and the rows left out by reason."""
    prepared = prepare(layers.over_demo(), model=model, settings=settings, step=step)
    name = prepared.model.name
    if name not in LEVEL_MODELS:
        raise ConfigError(
            f"the {name} model predicts no signal level to compare: choose "
            f"--model {', '.join(LEVEL_MODELS)}"
        )
    step("reading measurements")
    layer = read_layer(measurements, "measurements", settings=prepared.settings)
    layer = to_crs(layer, prepared.projected.crs)
    step(f"predicting the level at {len(layer.frame):,} measurements ({name} model)")
    frame, rejected = pair(prepared, layer.frame)
    usable, more = cal.usable(frame)
    for reason, n in more.items():
        rejected[reason] = rejected.get(reason, 0) + n
    return prepared, layer.source, usable, rejected


def pair(prepared: Prepared, points: gpd.GeoDataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Each measurement with the model's predicted level: columns ``technology``,
    ``measured_dbm``, ``predicted_dbm``, ``distance_m`` (to the serving or best site),
    ``site_id``, ``x``, ``y``, ``los`` (line of sight over the DEM between the serving
    site's antenna and the receiver; None for the models without terrain) and ``row``;
    and the rows left out, counted by reason (:data:`REJECTIONS`)."""
    rejected = dict.fromkeys(REJECTIONS, 0)
    n = len(points)
    level = pd.to_numeric(points["level_dbm"], errors="coerce").to_numpy(dtype=float)
    tech = points["technology"].astype(str).to_numpy()
    keep = np.ones(n, dtype=bool)

    def drop(mask: np.ndarray, reason: str) -> None:
        hit = keep & mask
        rejected[reason] += int(hit.sum())
        keep[hit] = False

    drop(~np.isfinite(level), "level not a number")
    drop(~np.isin(tech, list(PLAUSIBLE_DBM)), "unknown technology")
    low = np.array([PLAUSIBLE_DBM.get(t, (np.nan, np.nan))[0] for t in tech])
    high = np.array([PLAUSIBLE_DBM.get(t, (np.nan, np.nan))[1] for t in tech])
    with np.errstate(invalid="ignore"):
        drop(~((level >= low) & (level <= high)), "level outside plausible range")
    sites = prepared.projected.sites.frame
    named = (
        points["site_id"].astype("string").fillna("").to_numpy(dtype=str)
        if "site_id" in points.columns
        else np.full(n, "")
    )
    known = set(sites["site_id"].astype(str))
    drop((named != "") & ~np.isin(named, list(known)), "unknown site")
    has = set(zip(sites["site_id"].astype(str), sites["technology"].astype(str), strict=True))
    carries = np.array([(s, t) in has for s, t in zip(named, tech, strict=True)])
    drop((named != "") & ~carries, "site without this technology")
    xy = shapely.get_coordinates(points.geometry.to_numpy())
    settings = prepared.settings
    pad = max(float(v) for v in settings.prediction_radius_m.values())
    # the prediction's own grid (as ``coverage predict`` draws it over the villages)
    area = tuple(prepared.villages.total_bounds)
    grid, kernel = grid_and_kernel(prepared.model.name, sites, settings=settings, area=area)
    # levels out to the prediction radius, not only to the link-budget reach a prediction
    # stops at (beyond it the level is below the threshold): a measurement there is the
    # model's error too (the same kernel: within the reach the levels are predict's)
    kernel = dataclasses.replace(kernel, reach=None)
    cols, rows = ~grid.transform * (xy[:, 0], xy[:, 1])
    rows, cols = np.floor(rows).astype(np.int64), np.floor(cols).astype(np.int64)
    inside = (rows >= 0) & (cols >= 0) & (rows < grid.shape[0]) & (cols < grid.shape[1])
    ground = np.full(n, np.nan)
    ground[inside] = grid.array[rows[inside], cols[inside]]
    drop(~inside | ~np.isfinite(ground), "outside the prediction")
    pixels = np.where(keep, rows * grid.shape[1] + cols, -1)
    # only the sites a measurement may hear: those within reach of a kept point
    reach = shapely.STRtree(shapely.points(xy[keep])).query(
        sites.geometry.to_numpy(), predicate="dwithin", distance=pad
    )
    nearby = sites.iloc[np.unique(reach[0])] if keep.any() else sites.iloc[:0]
    levels = (
        site_levels(nearby, grid, pixels, settings=settings, kernel=kernel)
        if len(nearby)
        else pd.DataFrame({"point": [], "site_id": [], "technology": [], "level_dbm": []})
    )
    levels = levels.loc[levels["technology"].to_numpy() == tech[levels["point"].to_numpy(int)]]
    chosen = _serving(levels, named)
    predicted = np.full(n, np.nan)
    server = np.full(n, "", dtype=object)
    predicted[chosen["point"].to_numpy(int)] = chosen["level_dbm"].to_numpy()
    server[chosen["point"].to_numpy(int)] = chosen["site_id"].to_numpy()
    drop(~np.isfinite(predicted), "no prediction")
    first = sites.drop_duplicates("site_id")
    located = pd.Series(first.geometry.to_numpy(), index=first["site_id"].astype(str))
    where = shapely.get_coordinates(located.reindex(server[keep]).to_numpy())
    distance = np.full(n, np.nan)
    distance[keep] = np.hypot(where[:, 0] - xy[keep, 0], where[:, 1] - xy[keep, 1])
    idx = np.flatnonzero(keep)
    los = np.full(n, None, dtype=object)
    if prepared.model.needs_dem and len(idx):
        heights = pd.to_numeric(
            first.set_index(first["site_id"].astype(str))
            .get("height_m", pd.Series(dtype=float))
            .reindex(server[idx]),
            errors="coerce",
        ).to_numpy(dtype=float)
        heights = np.where(np.isfinite(heights), heights, settings.default_height_m)
        los[idx] = line_of_sight(
            grid, where, heights, xy[idx], rx_height_m=settings.rx_height_m, k=settings.k_factor
        )
    frame = pd.DataFrame(
        {
            "row": idx,
            "technology": tech[idx],
            "measured_dbm": level[idx],
            "predicted_dbm": predicted[idx],
            "distance_m": distance[idx],
            "site_id": server[idx].astype(str),
            "x": xy[idx, 0],
            "y": xy[idx, 1],
            "los": los[idx],
        }
    )
    return frame, rejected


#: Samples per chunk of paths in :func:`line_of_sight` (bounds its memory).
_LOS_CHUNK = 2_000_000


def line_of_sight(
    grid,
    site_xy: np.ndarray,
    antenna_m: np.ndarray,
    point_xy: np.ndarray,
    *,
    rx_height_m: float,
    k: float,
) -> np.ndarray:
    """Whether the direct ray from each site's antenna (``antenna_m`` above the ground at
    ``site_xy``) to a receiver ``rx_height_m`` above the ground at ``point_xy`` clears the
    DEM (``grid``, nearest pixel, sampled every pixel along the path), with the earth's
    bulge for an effective radius ``k`` x 6,371 km."""
    from .radio.engine import EARTH_RADIUS_M

    n = len(point_xy)
    out = np.ones(n, dtype=bool)
    if n == 0:
        return out
    res = grid.res
    dist = np.hypot(point_xy[:, 0] - site_xy[:, 0], point_xy[:, 1] - site_xy[:, 1])
    steps = np.maximum(np.ceil(dist / res).astype(np.int64), 1)

    def ground(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        cols, rows = ~grid.transform * (x, y)
        r = np.clip(np.floor(rows).astype(np.int64), 0, grid.shape[0] - 1)
        c = np.clip(np.floor(cols).astype(np.int64), 0, grid.shape[1] - 1)
        return np.nan_to_num(grid.array[r, c].astype(float), nan=0.0)

    h_tx = ground(site_xy[:, 0], site_xy[:, 1]) + antenna_m
    h_rx = ground(point_xy[:, 0], point_xy[:, 1]) + rx_height_m
    r_eff = k * EARTH_RADIUS_M
    start = 0
    while start < n:  # chunks of paths, each sampled all at once
        total = np.cumsum(steps[start:])
        stop = start + max(int(np.searchsorted(total, _LOS_CHUNK)), 1)
        part = np.arange(start, min(stop, n))
        m = steps[part]
        path = np.repeat(np.arange(len(part)), m)
        t = (np.arange(int(m.sum())) - np.repeat(np.cumsum(m) - m, m)) / np.repeat(m, m)
        inner = t > 0
        path, t = path[inner], t[inner]
        p = part[path]
        x = site_xy[p, 0] + t * (point_xy[p, 0] - site_xy[p, 0])
        y = site_xy[p, 1] + t * (point_xy[p, 1] - site_xy[p, 1])
        d = t * dist[p]
        bulge = d * (dist[p] - d) / (2.0 * r_eff)
        ray = h_tx[p] + t * (h_rx[p] - h_tx[p])
        blocked = ground(x, y) + bulge > ray
        out[part] = np.bincount(path, weights=blocked, minlength=len(part)) == 0
        start = part[-1] + 1
    return out


def _serving(levels: pd.DataFrame, named: np.ndarray) -> pd.DataFrame:
    """Per point: the named site's level where a site is named, else the best server's."""
    if len(levels) == 0:
        return levels
    point = levels["point"].to_numpy(int)
    wanted = named[point]
    mine = levels.loc[(wanted == "") | (levels["site_id"].to_numpy() == wanted)]
    best = mine.sort_values(["point", "level_dbm"], ascending=[True, False], kind="stable")
    return best.drop_duplicates("point")


def _points(usable: pd.DataFrame, after: pd.DataFrame, crs) -> gpd.GeoDataFrame:
    """The usable measurements with their residuals (measured - predicted) before and
    after calibration, for the residual map and the plots."""
    out = usable[["row", "technology", "site_id", "distance_m", "measured_dbm"]].copy()
    out["predicted_dbm"] = usable["predicted_dbm"].to_numpy()
    out["calibrated_dbm"] = after["predicted_dbm"].to_numpy()
    out["residual_db"] = out["measured_dbm"] - out["predicted_dbm"]
    out["residual_after_db"] = out["measured_dbm"] - out["calibrated_dbm"]
    geometry = shapely.points(usable["x"].to_numpy(), usable["y"].to_numpy())
    return gpd.GeoDataFrame(out, geometry=geometry, crs=crs)


def _stats(stats: dict) -> dict:
    return {k: stats[k] for k in ("mean_error_db", "rmse_db", "std_db")}


def _summary(
    model: str,
    source: str,
    usable: pd.DataFrame,
    after: pd.DataFrame,
    rejected: dict[str, int],
    fitted: cal.Calibration,
    cv: dict,
) -> dict:
    before = cal.error_stats(usable)

    def table(by: str) -> list[dict]:
        frame = cal.breakdown(usable, by=by)  # type: ignore[arg-type]
        return frame.reset_index().to_dict(orient="records")

    return {
        "model": model,
        "measurements": source,
        "points_used": len(usable),
        "points_rejected": int(sum(rejected.values())),
        "rejected": {k: int(v) for k, v in rejected.items() if v},
        "before": _stats(before),
        "after": _stats(cal.error_stats(after)),
        "cross_validated_rmse_db": cv["rmse_db"],
        "cross_validation": {k: cv[k] for k in ("by", "folds", "mean_error_db", "rmse_db")},
        "offset_db": dict(fitted.offset_db),
        "slope_db_per_decade": dict(fitted.slope_db_per_decade),
        "per_site_offsets": sum(len(v) for v in fitted.site_offsets_db.values()),
        "notes": dict(fitted.notes),
        "by_technology": table("technology"),
        "by_distance_band": table("distance_band"),
        "by_los": table("los"),
        "by_site": table("site"),
        "error_sign": "predicted - measured: positive when the model is too optimistic",
    }
