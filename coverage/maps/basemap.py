"""An offline basemap: a hillshade of the DEM as a PNG, laid over the map as one image.

The DEM is read once at a reduced resolution (rasterio's decimated read), shaded
with the classic Horn-style gradient formula, and resampled onto rows that are
evenly spaced in Web Mercator so Leaflet can stretch the image linearly.
"""

from __future__ import annotations

import io
import os

import numpy as np
import rasterio
from PIL import Image
from rasterio.enums import Resampling
from rasterio.warp import transform_bounds

from .._errors import InputError


def hillshade(
    elevation: np.ndarray,
    *,
    cellsize_x: float,
    cellsize_y: float,
    azimuth: float = 315.0,
    altitude: float = 45.0,
) -> np.ndarray:
    """Return illumination in [0, 1] of a DEM lit from ``azimuth`` (compass) and ``altitude``.

    Examples
    --------
    >>> flat = np.zeros((3, 3))
    >>> round(float(hillshade(flat, cellsize_x=30, cellsize_y=30)[1, 1]), 4)  # sin(45 deg)
    0.7071
    """
    dzdy, dzdx = np.gradient(elevation.astype(float), cellsize_y, cellsize_x)
    slope = np.arctan(np.hypot(dzdx, dzdy))
    aspect = np.arctan2(-dzdx, dzdy)  # direction of steepest descent, from north
    az, alt = np.radians(azimuth), np.radians(altitude)
    shade = np.sin(alt) * np.cos(slope) + np.cos(alt) * np.sin(slope) * np.cos(az - aspect)
    return np.clip(shade, 0.0, 1.0)


def shaded_relief(
    dem_path: str | os.PathLike, *, max_size: int = 1000
) -> tuple[np.ndarray, np.ndarray, tuple[float, float, float, float]]:
    """Read a DEM at reduced resolution and shade it.

    Returns
    -------
    tuple
        Illumination (rows north to south, evenly spaced in latitude), a land mask
        (elevation above 0 m) and the (west, south, east, north) bounds in degrees.
    """
    try:
        src = rasterio.open(dem_path)
    except rasterio.errors.RasterioIOError as exc:
        raise InputError(f"cannot read the DEM ({exc})", path=str(dem_path)) from None
    with src:
        if src.crs is None:
            raise InputError("the DEM has no CRS", path=str(dem_path))
        scale = max(src.width, src.height) / max_size
        shape = (max(2, int(src.height / max(scale, 1))), max(2, int(src.width / max(scale, 1))))
        band = src.read(1, out_shape=shape, resampling=Resampling.average, masked=True)
        west, south, east, north = transform_bounds(src.crs, "EPSG:4326", *src.bounds)
        if src.crs.is_geographic:
            mid_lat = np.radians((south + north) / 2)
            dx = (east - west) / shape[1] * 111_320 * np.cos(mid_lat)
            dy = (north - south) / shape[0] * 110_574
        else:
            dx = (src.bounds.right - src.bounds.left) / shape[1]
            dy = (src.bounds.top - src.bounds.bottom) / shape[0]
    elevation = band.filled(0).astype(float)
    # 3x vertical exaggeration: at map scales the relief is otherwise too faint.
    shade = hillshade(3 * elevation, cellsize_x=dx, cellsize_y=dy)
    land = ~np.ma.getmaskarray(band) & (elevation > 0)
    return shade, land, (west, south, east, north)


def hillshade_png(dem_path: str | os.PathLike, *, max_size: int = 1000) -> tuple[bytes, list]:
    """Render a DEM as a semi-transparent hillshade PNG for a web map.

    Parameters
    ----------
    dem_path
        Any raster GDAL reads, in any CRS (reprojected bounds are used for placement;
        geographic DEMs are placed exactly).
    max_size
        Longest side of the image in pixels.

    Returns
    -------
    tuple
        PNG bytes and the image's ``[[south, west], [north, east]]`` bounds in degrees.
    """
    shade, land, (west, south, east, north) = shaded_relief(dem_path, max_size=max_size)
    shape = shade.shape
    # Rows evenly spaced in Web Mercator: Leaflet stretches an image linearly in Mercator.
    merc = np.linspace(_mercator_y(north), _mercator_y(south), shape[0])
    lat = np.degrees(2 * np.arctan(np.exp(merc)) - np.pi / 2)
    rows = np.clip(((north - lat) / (north - south) * shape[0]).astype(int), 0, shape[0] - 1)
    shade, land = shade[rows], land[rows]
    # Grey relief in 32 levels (plenty for shading, and it compresses 3-4x better),
    # transparent over the sea so the page colour shows.
    grey = (80 + (np.round(shade * 31) / 31) * 175).astype(np.uint8)
    alpha = np.where(land, 255, 0).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(np.dstack([grey, alpha]), mode="LA").save(buffer, format="PNG", optimize=True)
    return buffer.getvalue(), [[south, west], [north, east]]


def _mercator_y(lat: float) -> float:
    return float(np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)))
