"""Terrain: read one or many DEM files (GeoTIFF, SRTM .hgt, anything GDAL reads) onto one
metric grid.

Every source is reprojected (bilinear) into the destination grid and mosaicked
(first source wins where several overlap). Pixels no source covers stay NaN; the
engine reports them, it never assumes sea level.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from pyproj import CRS, Transformer
from rasterio._err import CPLE_BaseError
from rasterio.warp import Resampling, reproject
from rasterio.windows import Window

from .._errors import InputError, first_line

#: Value of grid pixels outside every DEM source (see :mod:`coverage.radio.engine`).
OFF_DEM = -1.0e30

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Grid:
    """A north-up raster on a metric CRS: ``array[row, col]``, NaN = no terrain data.

    ``sources`` are the DEM files the grid was resampled from (:func:`load_dem`), if
    any: :meth:`ground` reads them at their own resolution.
    """

    array: np.ndarray
    transform: Affine
    crs: CRS
    sources: tuple[str, ...] = ()

    @property
    def res(self) -> float:
        """Pixel size in metres."""
        return float(self.transform.a)

    @property
    def shape(self) -> tuple[int, int]:
        return self.array.shape

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax)."""
        h, w = self.array.shape
        x0, y0 = self.transform.c, self.transform.f
        return x0, y0 - h * self.res, x0 + w * self.res, y0

    def sample(self, x: np.ndarray, y: np.ndarray, method: str = "bilinear") -> np.ndarray:
        """Elevation at metric coordinates (NaN outside or next to voids): ``bilinear``
        between the four nearest pixel centres, or ``nearest``, the pixel's own value."""
        col = (np.asarray(x, float) - self.transform.c) / self.res
        row = (self.transform.f - np.asarray(y, float)) / self.res
        return _sample(self.array, col, row, method)

    def ground(self, x: np.ndarray, y: np.ndarray, method: str = "bilinear") -> np.ndarray:
        """Ground height at metric coordinates, read like :meth:`sample` but from the
        source DEM files' own pixels when the grid has ``sources`` (so it does not
        depend on the grid's resolution); the grid where the sources have no data."""
        on_grid = self.sample(x, y, method)
        if not self.sources:
            return on_grid
        native = source_heights(self.sources, self.crs, x, y, method)
        return np.where(np.isnan(native), on_grid, native)


def _sample(array: np.ndarray, col: np.ndarray, row: np.ndarray, method: str) -> np.ndarray:
    """Heights at fractional pixel coordinates (``col``, ``row``: 0 at the array's outer
    corner): ``nearest`` the containing pixel, ``bilinear`` between the four nearest
    pixel centres; NaN outside, next to voids (NaN) or off-DEM pixels."""
    h, w = array.shape
    out = np.full(np.shape(col), np.nan)
    if method == "nearest":
        c0, r0 = np.floor(col).astype(int), np.floor(row).astype(int)
        ok = (c0 >= 0) & (r0 >= 0) & (c0 < w) & (r0 < h)
        out[ok] = array[r0[ok], c0[ok]]
        out[out <= OFF_DEM / 2] = np.nan
        return out
    col, row = col - 0.5, row - 0.5
    c0, r0 = np.floor(col).astype(int), np.floor(row).astype(int)
    fc, fr = col - c0, row - r0
    ok = (c0 >= 0) & (r0 >= 0) & (c0 + 1 < w) & (r0 + 1 < h)
    c0, r0, fc, fr = c0[ok], r0[ok], fc[ok], fr[ok]
    corners = [array[r0 + i, c0 + j] for i in (0, 1) for j in (0, 1)]
    a = [np.where(z <= OFF_DEM / 2, np.nan, z) for z in corners]
    out[ok] = (
        a[0] * (1 - fc) * (1 - fr) + a[1] * fc * (1 - fr) + a[2] * (1 - fc) * fr + a[3] * fc * fr
    )
    return out


def source_heights(
    paths: Sequence[str | os.PathLike], crs: CRS, x: np.ndarray, y: np.ndarray, method: str
) -> np.ndarray:
    """Heights of the DEM files themselves at metric points (``crs``), ``nearest`` (the
    post's pixel) or ``bilinear`` between the four nearest posts, at the files' own
    resolution; the first file with data at a point wins (as in :func:`load_dem`).
    NaN where no file has data."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    out = np.full(x.shape, np.nan)
    for path in paths:
        todo = np.flatnonzero(np.isnan(out))
        if todo.size == 0:
            break
        with _open(path) as src:
            to_src = Transformer.from_crs(crs, src.crs, always_xy=True)
            sx, sy = to_src.transform(x[todo], y[todo])
            col, row = ~src.transform * (np.asarray(sx), np.asarray(sy))
            # read only the posts around the points
            c_lo = int(max(np.floor(np.nanmin(col)) - 1, 0))
            r_lo = int(max(np.floor(np.nanmin(row)) - 1, 0))
            c_hi = int(min(np.ceil(np.nanmax(col)) + 2, src.width))
            r_hi = int(min(np.ceil(np.nanmax(row)) + 2, src.height))
            if c_hi <= c_lo or r_hi <= r_lo:
                continue
            part = src.read(1, window=Window(c_lo, r_lo, c_hi - c_lo, r_hi - r_lo))
            posts = part.astype(np.float64)
            if src.nodata is not None:
                posts[part == src.nodata] = np.nan
            posts *= height_scale(src, Path(os.fspath(path)))
            out[todo] = _sample(posts, col - c_lo, row - r_lo, method)
    return out


def _open(path: str | os.PathLike) -> rasterio.DatasetReader:
    text = os.fspath(path)
    if not text.startswith("/vsi") and not Path(text).exists():
        raise InputError("file not found", path=text)
    if text.endswith(".gz") and not text.startswith("/vsigzip/"):
        text = "/vsigzip/" + text
    elif text.endswith(".zip") and not text.startswith("/vsizip/"):
        text = "/vsizip/" + text
    try:
        src = rasterio.open(text)
    except rasterio.errors.RasterioIOError as exc:
        raise InputError(f"cannot read as a DEM ({exc})", path=os.fspath(path)) from None
    if src.crs is None:
        src.close()
        raise InputError("the DEM has no CRS", path=os.fspath(path))
    return src


def native_resolution_m(path: str | os.PathLike) -> float:
    """The DEM's pixel size in metres (for geographic DEMs, at its centre latitude)."""
    with _open(path) as src:
        if src.crs.is_geographic:
            lat = np.radians((src.bounds.top + src.bounds.bottom) / 2)
            return float(
                np.sqrt(abs(src.res[0]) * 111_320 * np.cos(lat) * abs(src.res[1]) * 110_574)
            )
        return float(np.sqrt(abs(src.res[0] * src.res[1])))


def _mosaic(
    paths: list[Path], shape: tuple[int, int], transform: Affine, crs: CRS, resampling: str
) -> tuple[np.ndarray, np.ndarray]:
    """The files reprojected onto one grid, the first file winning where they overlap,
    and where any file has a footprint (voids inside a file stay NaN)."""
    mosaic = np.full(shape, np.nan, dtype=np.float32)
    inside = np.zeros(shape, dtype=bool)
    for path in paths:
        try:
            _add_file(path, mosaic, inside, transform, crs, resampling)
        except (rasterio.errors.RasterioError, CPLE_BaseError) as exc:
            # a truncated or damaged file fails while its pixels are read, not when opened
            raise InputError(
                f"cannot read the DEM's heights ({first_line(exc)})", path=str(path)
            ) from None
    return mosaic, inside


#: Height units a DEM may declare (``rasterio``'s band unit, lower case), as metres per unit.
#: No unit means metres, as in SRTM and Copernicus tiles.
HEIGHT_UNITS: dict[str, float] = {
    "": 1.0,
    "m": 1.0,
    "metre": 1.0,
    "metres": 1.0,
    "meter": 1.0,
    "meters": 1.0,
    "ft": 0.3048,
    "foot": 0.3048,
    "feet": 0.3048,
    "us-ft": 1200 / 3937,
    "us survey foot": 1200 / 3937,
}


#: Heights beyond these (metres) are not on Earth (Everest 8,849 m, the Challenger Deep
#: -10,935 m): a DEM reaching them has heights in another unit than it declares, or
#: an undeclared nodata value such as 32767.
HEIGHT_LIMITS_M: tuple[float, float] = (-11_000.0, 8_900.0)


def _check_heights(heights: np.ndarray, path: Path) -> None:
    """Refuse heights that cannot be on Earth, naming the value and the likely cause."""
    if not np.isfinite(heights).any():
        return
    low, high = float(np.nanmin(heights)), float(np.nanmax(heights))
    lo_limit, hi_limit = HEIGHT_LIMITS_M
    if low >= lo_limit and high <= hi_limit:
        return
    value = high if high > hi_limit else low
    raise InputError(
        f"the DEM has heights of {value:,.0f} m, beyond any on Earth ({lo_limit:,.0f} to "
        f"{hi_limit:,.0f} m): heights in decimetres or feet without their unit, or an "
        "undeclared nodata value (declare it with gdal_edit.py -a_nodata, or the unit "
        "with -units)",
        path=str(path),
    )


def height_scale(src: rasterio.DatasetReader, path: Path) -> float:
    """Metres per unit of the DEM's heights; a unit that is not a length is refused."""
    unit = (src.units[0] or "").strip().lower() if src.units else ""
    if unit not in HEIGHT_UNITS:
        raise InputError(
            f"the DEM's heights are in {unit!r}, which is not a length this tool knows "
            "(metres or feet); convert the DEM to metres",
            path=str(path),
        )
    if HEIGHT_UNITS[unit] != 1.0:
        log.info("DEM %s: heights in %s, converted to metres", path.name, unit)
    return HEIGHT_UNITS[unit]


def _add_file(
    path: Path,
    mosaic: np.ndarray,
    inside: np.ndarray,
    transform: Affine,
    crs: CRS,
    resampling: str,
) -> None:
    """Reproject one file into ``mosaic`` where it is still empty; mark its footprint."""
    shape = mosaic.shape
    with _open(path) as src:
        part = np.full(shape, np.nan, dtype=np.float32)
        reproject(
            source=rasterio.band(src, 1),
            destination=part,
            src_nodata=src.nodata,
            dst_transform=transform,
            dst_crs=crs,
            dst_nodata=np.nan,
            resampling=Resampling[resampling],
        )
        part *= height_scale(src, path)
        _check_heights(part, path)
        fill = np.isnan(mosaic) & ~np.isnan(part)
        mosaic[fill] = part[fill]
        footprint = np.zeros(shape, dtype=np.uint8)
        reproject(
            source=np.ones(src.shape, dtype=np.uint8),
            destination=footprint,
            src_transform=src.transform,
            src_crs=src.crs,
            dst_transform=transform,
            dst_crs=crs,
            resampling=Resampling.nearest,
        )
        inside |= footprint.astype(bool)


def load_dem(
    paths: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    crs: CRS,
    bounds: tuple[float, float, float, float],
    resolution: float | None = None,
    resampling: str = "bilinear",
) -> Grid:
    """Mosaic and reproject DEM file(s) onto a metric grid covering ``bounds``.

    Parameters
    ----------
    paths
        One path or several (tiles to mosaic). ``.hgt``, ``.hgt.gz`` and ``.zip`` are read
        through GDAL's virtual file systems.
    crs
        The metric CRS of the run.
    bounds
        (xmin, ymin, xmax, ymax) in ``crs`` to cover.
    resolution
        Pixel size in metres; default: the first DEM's native resolution.
    resampling
        ``bilinear`` (smooth; lowers peaks that fall between posts) or ``nearest``
        (every pixel keeps a real post's height; used by the ITM model). ``nearest`` on
        a grid much finer than the DEM (below 0.75 of its pixel size) would build
        terraces of repeated posts with steps between them: bilinear is used there.

    Returns
    -------
    Grid
        With ``sources`` set to ``paths``, so that :meth:`Grid.ground` reads the files'
        own posts.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    files = [Path(os.fspath(p)) for p in paths]
    if not files:
        raise InputError("no DEM given")
    native = native_resolution_m(files[0])
    res = float(resolution or round(native, 1))
    if resampling == "nearest" and res < 0.75 * native:
        log.info("DEM: %.0f m grid finer than the DEM's %.0f m: bilinear, not nearest", res, native)
        resampling = "bilinear"
    xmin, ymin, xmax, ymax = bounds
    width = int(np.ceil((xmax - xmin) / res))
    height = int(np.ceil((ymax - ymin) / res))
    transform = Affine(res, 0, xmin, 0, -res, ymax)
    mosaic, inside = _mosaic(files, (height, width), transform, crs, resampling)
    # Outside every source: a sentinel the engine stops at. NaN left inside = voids.
    mosaic[~inside] = OFF_DEM
    covered = float(inside.mean())
    log.info(
        "DEM: %d file(s) -> %dx%d grid at %.0f m, %.1f%% covered",
        len(files),
        width,
        height,
        res,
        100 * covered,
    )
    if covered == 0:
        raise InputError("the DEM does not cover the study area", path=str(files[0]))
    return Grid(
        array=mosaic,
        transform=transform,
        crs=CRS.from_user_input(crs),
        sources=tuple(str(p) for p in files),
    )
