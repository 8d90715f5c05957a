"""Choosing the one metric CRS of a run and bringing every layer into it."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from ._errors import ConfigError
from .layers import Layer

log = logging.getLogger(__name__)


def choose_metric_crs(reference: gpd.GeoDataFrame, crs: str | None = None) -> CRS:
    """Return the metric CRS for measuring distances and areas.

    Parameters
    ----------
    reference
        The layer whose extent decides (the villages).
    crs
        A user choice (``"EPSG:32648"``, a WKT or PROJ string); ``None`` picks the
        UTM zone containing the bulk of ``reference`` (:func:`bulk_centre`).

    Returns
    -------
    pyproj.CRS
        A projected CRS in metres.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoDataFrame(geometry=[shapely.Point(106.6, 17.5)], crs=4326)
    >>> choose_metric_crs(g).to_epsg()
    32648
    """
    if crs is not None:
        try:
            chosen = CRS.from_user_input(crs)
        except CRSError:
            raise ConfigError(f"unknown CRS {crs!r}") from None
        if not chosen.is_projected or chosen.axis_info[0].unit_name not in ("metre", "meter"):
            raise ConfigError(f"CRS {crs!r} is not a projected CRS in metres")
        log.info("metric CRS (given): %s", chosen.to_string())
        return chosen
    lon, lat = bulk_centre(reference)
    chosen = gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326).estimate_utm_crs()
    log.info("metric CRS (UTM zone of the villages): %s", chosen.to_string())
    return chosen


def bulk_centre(layer: gpd.GeoDataFrame) -> tuple[float, float]:
    """Median longitude and latitude of the features: where the bulk of them is, whatever a
    few stray ones say (one village at 0, 0 must not move a Vietnamese run to zone 31).

    Examples
    --------
    >>> g = gpd.GeoDataFrame(geometry=[shapely.Point(106.6, 17.5)] * 3 + [shapely.Point(0, 0)],
    ...                      crs=4326)
    >>> bulk_centre(g)
    (106.6, 17.5)
    """
    points = gpd.GeoSeries(shapely.point_on_surface(layer.geometry.to_numpy()), crs=layer.crs)
    xy = shapely.get_coordinates(points.to_crs(4326).to_numpy())
    return float(np.median(xy[:, 0])), float(np.median(xy[:, 1]))


def to_crs(layer: Layer, crs: CRS) -> Layer:
    """Return ``layer`` with its features in ``crs`` (same rows, same labels)."""
    frame = layer.frame
    if frame.crs is not None and CRS.from_user_input(frame.crs) == crs:
        return layer
    log.debug("reprojecting %s from %s", layer.source, frame.crs)
    return layer.with_frame(frame.to_crs(crs))
