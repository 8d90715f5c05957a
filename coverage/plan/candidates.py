"""Candidate sites for ``coverage plan sites``: from a file, or generated near the gaps.

A candidate is one or more rows in the sites schema sharing a ``site_id`` (its
technologies), plus ``cost`` and ``kind`` (``new``, ``upgrade`` or ``file``). Generated
candidates (``--auto-candidates``), near the villages without coverage:

- ``peak``: the DEM's high points, the highest pixel of each ``[plan] peak_window_m``
  window, within ``[plan] reach_m`` of an uncovered village (a planner puts masts on
  hills);
- ``upgrade``: existing sites that lack every headline technology, within reach: the
  technology added on the same tower (cost ``[plan] cost_upgrade``);
- ``grid``: a ``[plan] grid_m`` grid inside the uncovered villages, and each uncovered
  village's representative point, as a fallback (and the only kind without a DEM).

New sites carry ``[plan] technology``, ``frequency_mhz``, ``height_m``, ``eirp_dbm``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import ndimage

from .._errors import InputError, ValidationError
from ..layers import Layer
from ..settings import Settings
from ..validation import Problems, to_float

#: Columns of a candidate table (the sites schema, plus cost and kind).
COLUMNS = (
    "site_id",
    "technology",
    "frequency_mhz",
    "height_m",
    "eirp_dbm",
    "cost",
    "kind",
)


def from_layer(layer: Layer, *, settings: Settings) -> gpd.GeoDataFrame:
    """The candidates of a file read as a sites layer; ``cost`` checked (a positive number
    per row, the same on every row of a site; default ``[plan] cost_new``)."""
    frame = layer.frame.copy()
    if "cost" in frame.columns:
        labels = [str(lab) for lab in layer.labels]
        found = Problems(layer.source, labels)
        cost = to_float(frame["cost"], layer.source, "cost", labels, found.problems)
        found.report(~(cost > 0).to_numpy(), "cost must be a positive number", "cost")
        if found.problems:
            raise ValidationError(found.problems)
        frame["cost"] = cost
        per_site = frame.groupby("site_id")["cost"].nunique()
        if (per_site > 1).any():
            site = per_site.index[per_site > 1][0]
            raise InputError(
                f"site {site!r} has different costs on its rows; give one cost per site",
                path=layer.source,
                column="cost",
            )
    else:
        frame["cost"] = float(settings.plan_cost_new)
    frame["kind"] = "file"
    return frame


def _new_rows(xy: np.ndarray, kind: str, start: int, settings: Settings, crs) -> gpd.GeoDataFrame:
    n = len(xy)
    return gpd.GeoDataFrame(
        {
            "site_id": [f"CAND-{start + i:05d}" for i in range(n)],
            "technology": settings.plan_technology,
            "frequency_mhz": float(settings.plan_frequency_mhz),
            "height_m": float(settings.plan_height_m),
            "eirp_dbm": float(settings.plan_eirp_dbm),
            "cost": float(settings.plan_cost_new),
            "kind": kind,
        },
        geometry=shapely.points(xy) if n else [],
        crs=crs,
    )


def peaks(grid, gaps: gpd.GeoDataFrame, settings: Settings) -> np.ndarray:
    """High points of the DEM ``grid`` within reach of the ``gaps`` (x, y rows)."""
    if grid is None or len(gaps) == 0:
        return np.zeros((0, 2))
    dem = np.where(np.isfinite(grid.array), grid.array, -np.inf)
    size = max(3, round(settings.plan_peak_window_m / grid.res) | 1)
    top = (dem == ndimage.maximum_filter(dem, size=size, mode="nearest")) & np.isfinite(grid.array)
    rows, cols = np.nonzero(top)
    x = grid.transform.c + (cols + 0.5) * grid.res
    y = grid.transform.f - (rows + 0.5) * grid.res
    pts = shapely.points(x, y)
    tree = shapely.STRtree(gaps.geometry.to_numpy())
    near = np.unique(tree.query(pts, predicate="dwithin", distance=settings.plan_reach_m)[0])
    return np.column_stack([x[near], y[near]])


def upgrades(
    sites: gpd.GeoDataFrame, gaps: gpd.GeoDataFrame, settings: Settings
) -> gpd.GeoDataFrame:
    """Existing sites without any headline technology, within reach of the gaps: the plan's
    technology on the same tower."""
    headline = set(settings.headline_technologies)
    has = sites.groupby("site_id")["technology"].agg(lambda t: bool(headline & set(t)))
    lacking = has.index[~has.to_numpy()]
    first = sites.drop_duplicates("site_id").set_index("site_id").loc[lacking]
    if len(first) == 0 or len(gaps) == 0:
        return _new_rows(np.zeros((0, 2)), "upgrade", 0, settings, sites.crs)
    tree = shapely.STRtree(gaps.geometry.to_numpy())
    near = np.unique(
        tree.query(first.geometry.to_numpy(), predicate="dwithin", distance=settings.plan_reach_m)[
            0
        ]
    )
    first = first.iloc[near]
    height = (
        first["height_m"].astype(float).fillna(settings.plan_height_m)
        if "height_m" in first.columns
        else pd.Series(float(settings.plan_height_m), index=first.index)
    )
    return gpd.GeoDataFrame(
        {
            "site_id": first.index.astype(str),
            "technology": settings.plan_technology,
            "frequency_mhz": float(settings.plan_frequency_mhz),
            "height_m": height.to_numpy(),
            "eirp_dbm": float(settings.plan_eirp_dbm),
            "cost": float(settings.plan_cost_upgrade),
            "kind": "upgrade",
        },
        geometry=first.geometry.to_numpy(),
        crs=sites.crs,
    )


def grid_points(gaps: gpd.GeoDataFrame, settings: Settings) -> np.ndarray:
    """A ``grid_m`` grid inside the gaps, plus each gap's representative point."""
    if len(gaps) == 0:
        return np.zeros((0, 2))
    step = float(settings.plan_grid_m)
    xmin, ymin, xmax, ymax = gaps.total_bounds
    gx = np.arange(np.floor(xmin / step) * step + step / 2, xmax, step)
    gy = np.arange(np.floor(ymin / step) * step + step / 2, ymax, step)
    xx, yy = np.meshgrid(gx, gy)
    pts = shapely.points(xx.ravel(), yy.ravel())
    tree = shapely.STRtree(gaps.geometry.to_numpy())
    inside = np.unique(tree.query(pts, predicate="intersects")[0])
    own = shapely.get_coordinates(shapely.point_on_surface(gaps.geometry.to_numpy()))
    return np.vstack([shapely.get_coordinates(pts[inside]), own])


def auto(
    gaps: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    grid,
    *,
    settings: Settings,
) -> gpd.GeoDataFrame:
    """Peaks, upgrades and grid points near the ``gaps`` (uncovered villages), one table."""
    hill = peaks(grid, gaps, settings)
    fallback = grid_points(gaps, settings)
    parts = [
        _new_rows(hill, "peak", 1, settings, gaps.crs),
        upgrades(sites, gaps, settings),
        _new_rows(fallback, "grid", 1 + len(hill), settings, gaps.crs),
    ]
    out = (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else parts[0]
    )
    return gpd.GeoDataFrame(out, geometry="geometry", crs=gaps.crs)
