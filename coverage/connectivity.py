"""Fibre connectivity of commune centres and broadband at public service points.

Rule: an explicit attribute decides when present (yes = connected, no = not);
when it is blank or absent, a point is connected when a fibre node or route lies
within ``fibre_distance_m``. The ``decided_by`` column says which rule decided.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import STRtree

from ._errors import CoverageWarning


def fibre_connectivity(
    points: gpd.GeoDataFrame,
    fibre: gpd.GeoDataFrame | None,
    *,
    attribute: str,
    max_distance: float,
    source: str = "a layer",
) -> pd.DataFrame:
    """Decide, for each point, whether it is fibre-connected.

    Parameters
    ----------
    points
        Commune centres or service points, in a metric CRS.
    fibre
        Fibre nodes and/or routes in the same CRS, or ``None``.
    attribute
        The column holding an explicit yes/no (``fibre`` or ``broadband``).
    max_distance
        Distance in metres within which fibre counts as reaching a point.
    source
        How to name the points' layer in messages.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``points``: ``connected`` (bool), ``decided_by`` (``attribute``,
        ``distance`` or ``no data``) and ``fibre_distance_m`` (to the nearest node or
        route; NaN without fibre data).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> pts = gpd.GeoDataFrame({"fibre": [None, None, False]},
    ...     geometry=[shapely.Point(0, 0), shapely.Point(0, 900), shapely.Point(0, 1)], crs=32648)
    >>> net = gpd.GeoDataFrame(geometry=[shapely.Point(0, 100)], crs=32648)
    >>> fibre_connectivity(pts, net, attribute="fibre", max_distance=500)["connected"].tolist()
    [True, False, False]
    """
    n = len(points)
    explicit = (
        points[attribute].to_numpy(dtype=object)
        if attribute in points.columns
        else np.full(n, None, dtype=object)
    )
    has_attr = np.array([v is not None for v in explicit], dtype=bool)
    distance = np.full(n, np.nan)
    if fibre is not None and len(fibre) and n:
        tree = STRtree(fibre.geometry.to_numpy())
        idx, dist = tree.query_nearest(points.geometry.to_numpy(), return_distance=True)
        distance[idx[0]] = dist
    connected = np.where(has_attr, explicit, distance <= max_distance).astype(bool)
    decided = np.where(has_attr, "attribute", np.where(np.isnan(distance), "no data", "distance"))
    unknown = int((decided == "no data").sum())
    if unknown:
        warnings.warn(
            f"{unknown} point(s) of {source} have no '{attribute}' "
            "value and there is no fibre layer to measure from: counted as not connected",
            CoverageWarning,
            stacklevel=2,
        )
    return pd.DataFrame(
        {"connected": connected, "decided_by": decided, "fibre_distance_m": distance},
        index=points.index,
    )
