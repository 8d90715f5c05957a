"""Raster predictions: received signal per pixel, best server and server count per technology.

:func:`predict_raster` runs a :class:`RasterKernel` over the site rows: the ``hata``
model (no terrain) and the ``terrain`` model (DEM profile with Bullington knife-edge
diffraction) give it :func:`coverage.radio.engine.sweep`, the ``itm`` model
(Longley-Rice on each pixel's profile) :func:`coverage.radio.itm_area.sweep_itm`, each
with its parameter record (see :mod:`coverage.models.terrain`). The kernel is called
once per mast (position and height) for all its technologies, frequencies and sectors,
and fills one window per technology. Windows of one site and technology are merged
first, so the server count counts sites, not sectors.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from pyproj import CRS
from rasterio import features

from .._errors import CoverageWarning, InputError
from .._numba import njit
from ..radio.dem import Grid
from ..radio.engine import (
    MAX_WINDOWS,
    Antennas,
    Mast,
    Terrain,
    Windows,
    lowest_ground,
    radials,
    window,
)
from ..radio.linkbudget import reference_signal_offset_db
from ..settings import DEFAULT_FREQUENCY_MHZ, TECHNOLOGIES, Settings
from .base import CoverageMask, Prediction

log = logging.getLogger(__name__)


#: ``reach(level0_dbm, threshold_dbm, f_mhz, hb_m, *, cap_m, res_m) -> radius_m``, per
#: site row (see :func:`coverage.radio.engine.reach_m`).
Reach = Callable[..., np.ndarray]


@dataclass(frozen=True)
class RasterKernel:
    """What a raster model gives :func:`predict_raster`: everything that differs.

    Attributes
    ----------
    model
        The model's name (``RasterPrediction.model``).
    sweep
        The numba kernel, ``sweep(terrain, mast, antennas, windows, params, out) ->
        voids`` (-1: the mast has no ground), see :func:`coverage.radio.engine.sweep`.
    params
        Its parameter record (:class:`coverage.radio.engine.Radio`,
        :class:`coverage.radio.itm_area.ItmParams`).
    heights
        How the mast's ground height is read from the DEM: ``"bilinear"`` or
        ``"nearest"`` (see :meth:`coverage.radio.dem.Grid.ground`).
    reach
        The link-budget bound of each site row's radius given its most favourable
        effective antenna height (see :func:`coverage.radio.engine.reach_m`); None:
        the settings' prediction radius.
    info
        The model's entries of ``RasterPrediction.info``.
    """

    model: str
    sweep: Callable
    params: NamedTuple
    heights: str = "bilinear"
    reach: Reach | None = None
    info: dict = field(default_factory=dict)


@dataclass
class RasterPrediction(Prediction):
    """Best-server signal (dBm, NaN = not computed) and server count per technology."""

    best: dict[str, np.ndarray]
    count: dict[str, np.ndarray]
    thresholds: dict[str, float]
    transform: Affine
    crs: CRS
    model: str = "terrain"
    info: dict = field(default_factory=dict)
    _zone_cache: list = field(default_factory=list, init=False, repr=False, compare=False)

    @property
    def technologies(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(self.best)

    def __getstate__(self) -> dict:
        """Pickle (the prediction cache) without the zonal cache of :meth:`_zones`."""
        return {**self.__dict__, "_zone_cache": []}

    def covered(self, technologies: Sequence[str]) -> np.ndarray:
        """Boolean raster: some technology of ``technologies`` reaches its threshold."""
        shape = next(iter(self.best.values())).shape if self.best else (0, 0)
        mask = np.zeros(shape, dtype=bool)
        for tech in technologies:
            if tech in self.best:
                with np.errstate(invalid="ignore"):
                    mask |= self.best[tech] >= self.thresholds[tech]
        return mask

    def coverage_mask(self, technology: str) -> CoverageMask | None:
        """Where ``technology`` reaches its threshold, as a boolean raster."""
        if technology not in self.best:
            return None
        return CoverageMask(self.covered([technology]), self.transform, self.crs)

    def best_of(self, technologies: Sequence[str]) -> np.ndarray:
        """Raster of the strongest signal among ``technologies`` (NaN where none)."""
        shape = next(iter(self.best.values())).shape
        out = np.full(shape, np.nan, dtype=np.float32)
        for tech in technologies:
            if tech in self.best:
                out = np.fmax(out, self.best[tech])
        return out

    def _ids(self, polygons: np.ndarray) -> np.ndarray:
        """Polygon number (1-based) of each pixel, 0 outside; see :meth:`_zonal`."""
        shape = next(iter(self.best.values())).shape
        return features.rasterize(
            zip(polygons, np.arange(1, len(polygons) + 1), strict=True),
            out_shape=shape,
            transform=self.transform,
            fill=0,
            dtype="int32",
        )

    def _layers(self, polygons: np.ndarray) -> list[np.ndarray]:
        """Split polygon indices into groups without interior overlaps (usually one).

        Two polygons overlap when their intersection has an area; it is computed only
        for the pairs whose bounding boxes meet and whose interiors do (GEOS relate, a
        fraction of the cost), and the overlapping ones are coloured greedily (lowest
        index first, the smallest layer no lower-index neighbour has)."""
        tree = shapely.STRtree(polygons)
        a, b = tree.query(polygons, predicate="intersects")
        keep = a < b
        a, b = a[keep], b[keep]
        interiors = shapely.relate_pattern(polygons[a], polygons[b], "T********")
        a, b = a[interiors], b[interiors]
        overlap = shapely.area(shapely.intersection(polygons[a], polygons[b])) > 0
        a, b = a[overlap], b[overlap]
        if len(a) == 0:
            return [np.arange(len(polygons))]
        # lower-index neighbours of each polygon, CSR
        order = np.lexsort((a, b))
        starts = np.searchsorted(b[order], np.arange(len(polygons) + 1))
        layer = _colour(starts, a[order].astype(np.int64))
        return [np.flatnonzero(layer == k) for k in range(layer.max() + 1)]

    def zones(self, polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (pixel, polygon) pair with the pixel's centre inside the polygon (flat
        pixel indices, polygon indices): the pixels that judge each polygon."""
        return self._zones(np.asarray(polygons, dtype=object))

    def _zones(self, polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (pixel, polygon) pair with the pixel's centre inside the polygon: flat
        pixel indices and polygon indices. Polygons are rasterised once per set (the
        last set is kept), in as many passes as it takes for overlapping polygons never
        to take pixels from each other."""
        key = np.fromiter(map(id, polygons), dtype=np.int64, count=len(polygons))
        if self._zone_cache and np.array_equal(self._zone_cache[0], key):
            return self._zone_cache[2]
        pix, idx = [], []
        for members in self._layers(polygons):
            ids = self._ids(polygons[members]).ravel()
            inside = np.flatnonzero(ids)
            pix.append(inside)
            idx.append(members[ids[inside] - 1])
        zones = (np.concatenate(pix), np.concatenate(idx))
        # the polygons are held with their ids, so no other object can take those ids
        self._zone_cache[:] = [key, polygons, zones]
        return zones

    def _zonal(self, polygons: np.ndarray, values: np.ndarray, how: str) -> tuple:
        """Per polygon: pixel count and the sum (``how="sum"``) or max of ``values``
        over the pixels whose centre it contains (see :meth:`_zones`)."""
        n = len(polygons)
        pix, idx = self._zones(polygons)
        total = np.bincount(idx, minlength=n).astype(float)
        vals = values.ravel()[pix]
        if how == "sum":
            return total, np.bincount(idx, weights=vals, minlength=n)
        acc = np.full(n, -np.inf)
        ok = np.isfinite(vals)
        np.maximum.at(acc, idx[ok], vals[ok])
        return total, acc

    def pixel_of(self, points: np.ndarray) -> np.ndarray:
        """Flat index of the pixel containing each point (-1 outside the grid): the pixel
        that judges a village by its point."""
        rows, cols, ok = self._pixels(np.asarray(points, dtype=object))
        width = next(iter(self.best.values())).shape[1]
        return np.where(ok, rows * width + cols, -1)

    def _pixels(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        shape = next(iter(self.best.values())).shape
        xy = shapely.get_coordinates(points)
        cols, rows = ~self.transform * (xy[:, 0], xy[:, 1])
        rows, cols = np.floor(rows).astype(int), np.floor(cols).astype(int)
        ok = (rows >= 0) & (cols >= 0) & (rows < shape[0]) & (cols < shape[1])
        return rows, cols, ok

    def area_share(self, polygons, technologies, *, n_jobs=1):
        polygons = np.asarray(polygons, dtype=object)
        covered = self.covered(technologies).astype(float)
        total, inside = self._zonal(polygons, covered, "sum")
        share = np.where(total > 0, inside / np.maximum(total, 1), np.nan)
        small = total == 0  # smaller than a pixel: judge by its representative point
        if small.any():
            share[small] = self.point_covered(
                shapely.point_on_surface(polygons[small]), technologies
            )
        return share

    def point_covered(self, points, technologies):
        rows, cols, ok = self._pixels(np.asarray(points, dtype=object))
        covered = self.covered(technologies)
        out = np.zeros(len(rows), dtype=bool)
        out[ok] = covered[rows[ok], cols[ok]]
        return out

    def max_signal(self, geoms: np.ndarray, technologies: Sequence[str]) -> np.ndarray:
        """Strongest signal (dBm) inside each polygon, or at each point."""
        geoms = np.asarray(geoms, dtype=object)
        best = self.best_of(technologies)
        out = np.full(len(geoms), np.nan)
        is_poly = np.isin(shapely.get_type_id(geoms), [3, 6])
        if is_poly.any():
            _total, acc = self._zonal(geoms[is_poly], best, "max")
            acc[np.isinf(acc)] = np.nan
            out[is_poly] = acc
        probe = shapely.point_on_surface(geoms)
        rows, cols, ok = self._pixels(probe)
        fill = np.isnan(out) & ok
        out[fill] = best[rows[fill], cols[fill]]
        return out


def _site_table(sites: gpd.GeoDataFrame, settings: Settings) -> dict[str, np.ndarray]:
    n = len(sites)

    def col(name: str, default: float) -> np.ndarray:
        if name in sites.columns:
            values = sites[name].to_numpy(dtype=float, na_value=np.nan)
            return np.where(np.isfinite(values), values, default)
        return np.full(n, default)

    tech = sites["technology"].to_numpy()
    freq = col("frequency_mhz", np.nan)
    default_freq = np.array([DEFAULT_FREQUENCY_MHZ[t] for t in tech])
    freq = np.where(np.isfinite(freq), freq, default_freq)
    eirp = col("eirp_dbm", np.nan)
    default_eirp = np.array([settings.default_eirp_dbm[t] for t in tech])
    eirp = np.where(np.isfinite(eirp), eirp, default_eirp)
    offset = np.array([reference_signal_offset_db(t) for t in tech])
    az = col("azimuth_deg", np.nan)
    bw = col("beamwidth_deg", np.nan)
    sector = np.isfinite(az) & np.isfinite(bw) & (bw < 360)
    xy = shapely.get_coordinates(sites.geometry.to_numpy())
    calibrated, slope = _calibration(settings, tech, sites["site_id"].to_numpy())
    return {
        "x": xy[:, 0],
        "y": xy[:, 1],
        "tech": tech,
        "site_id": sites["site_id"].to_numpy(),
        "height": col("height_m", settings.default_height_m),
        "freq": freq,
        "level0": eirp - offset + calibrated,
        "slope": slope,
        "azimuth": np.where(sector, az, np.nan),
        "beamwidth": np.where(sector, bw, 65.0),
        "tilt": col("tilt_deg", settings.default_tilt_deg),
        "cap": np.array([settings.prediction_radius_m[t] for t in tech], dtype=float),
        "threshold": np.array([settings.thresholds_dbm[t] for t in tech], dtype=float),
    }


def _calibration(
    settings: Settings, tech: np.ndarray, site_id: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's calibration (``settings.calibration``, a ``calibration.toml``'s text):
    the offset (its technology's and its site's, dB) and the distance slope (dB per decade
    from 1 km); zeros without one."""
    n = len(tech)
    if not settings.calibration:
        return np.zeros(n), np.zeros(n)
    from ..calibration import parse_cached

    cal = parse_cached(settings.calibration)
    offset = cal.apply(np.zeros(n), tech, np.full(n, 1000.0), site_id=site_id.astype(str))
    slope = np.array([cal.slope_db_per_decade.get(str(t), 0.0) for t in tech], dtype=float)
    return np.asarray(offset, dtype=float), slope


def _calibration_info(settings: Settings) -> dict:
    """The calibration a prediction applied, for its ``info`` (and compute's JSON)."""
    if not settings.calibration:
        return {}
    from ..calibration import describe, parse_cached

    return {"calibration": describe(parse_cached(settings.calibration))}


def _radius(table: dict, terrain: Terrain, kernel: RasterKernel) -> np.ndarray:
    """Each row's radius: the kernel's link-budget reach for the most favourable antenna
    height the row's mast can have within its cap, else the cap."""
    if kernel.reach is None:
        return table["cap"]
    # the lowest ground within each cap, in one pass per mast position
    caps, cap_of = np.unique(table["cap"], return_inverse=True)
    xy, at = np.unique(np.column_stack([table["x"], table["y"]]), axis=0, return_inverse=True)
    at, cap_of = at.ravel(), cap_of.ravel()
    radius = np.full((len(xy), len(caps)), np.nan)
    radius[at, cap_of] = caps[cap_of]
    order = np.argsort(np.isnan(radius), axis=1, kind="stable")  # each row's caps first
    low = lowest_ground(
        terrain, xy[:, 0].copy(), xy[:, 1].copy(), np.take_along_axis(radius, order, axis=1)
    )
    slot = np.argsort(order, axis=1)  # where each cap went
    lowest = np.fmin(low[at, slot[at, cap_of]], table["ground"])
    hb = table["ground"] + table["height"] - lowest
    hb = np.where(np.isfinite(hb), hb, np.inf)  # no ground: the kernel refuses the mast
    level0, threshold, f = table["level0"], table["threshold"], table["freq"]
    # a calibration's slope adds at most slope x log10(d / 1 km) within the cap (or, for
    # a negative slope, close to the mast): the reach of the strongest such level
    near = np.log10(max(terrain.res, 1.0) / 4000.0)
    far = np.log10(np.maximum(table["cap"], 1.0) / 1000.0)
    bonus = np.maximum(np.maximum(table["slope"] * far, table["slope"] * near), 0.0)
    return kernel.reach(level0 + bonus, threshold, f, hb, cap_m=table["cap"], res_m=terrain.res)


@njit(cache=True, nogil=True)
def _colour(starts, lower):
    """Greedy colouring: polygon ``i`` takes the smallest layer none of its lower-index
    neighbours ``lower[starts[i]:starts[i + 1]]`` has."""
    n = starts.shape[0] - 1
    layer = np.zeros(n, dtype=np.int64)
    taken = np.zeros(n + 1, dtype=np.bool_)
    for i in range(n):
        for k in range(starts[i], starts[i + 1]):
            taken[layer[lower[k]]] = True
        c = 0
        while taken[c]:
            c += 1
        layer[i] = c
        for k in range(starts[i], starts[i + 1]):
            taken[layer[lower[k]]] = False
    return layer


class _Site(NamedTuple):
    """One site's work: its windows (one per technology) and its masts' rows."""

    first: int  # a row of the site (for messages)
    techs: list[str]
    windows: list[tuple[int, int, int, int, float]]  # r0, c0, nr, nc, radius
    masts: list[list[int]]  # rows per mast (position, height), sorted by frequency


def _sites(table: dict, grid: Grid) -> list[_Site]:
    """Group the rows by site, technology and mast; one window per site and technology,
    centred on the technology's first row, as large as its farthest-reaching row."""
    order = np.lexsort((table["freq"], table["tech"], table["site_id"]))
    by_site: dict = {}
    for i in order.tolist():
        site = by_site.setdefault(table["site_id"][i], ({}, {}))
        site[0].setdefault(table["tech"][i], []).append(i)
        mast = (table["x"][i], table["y"][i], table["height"][i])
        site[1].setdefault(mast, []).append(i)
    out = []
    for techs, masts in by_site.values():
        windows = []
        for rows in techs.values():
            radius = float(table["radius"][rows].max())
            x, y = table["x"][rows[0]], table["y"][rows[0]]
            windows.append((*window(grid.shape, grid.transform, x, y, radius), radius))
        if len(windows) > MAX_WINDOWS:
            raise ValueError(f"at most {MAX_WINDOWS} technologies per mast")
        mast_rows = [sorted(rows, key=lambda i: table["freq"][i]) for rows in masts.values()]
        out.append(_Site(next(iter(techs.values()))[0], list(techs), windows, mast_rows))
    return out


def _mast_call(table: dict, site: _Site, rows: list[int], settings: Settings, res: float):
    """The records of one mast's kernel call: its mast, antennas and windows (only the
    site's windows of technologies this mast carries) and the output buffer."""
    idx = np.array(rows)
    techs = [t for t in site.techs if (table["tech"][idx] == t).any()]
    geo = [site.windows[site.techs.index(t)] for t in techs]
    sizes = np.array([w[2] * w[3] for w in geo], dtype=np.int64)
    caps = [settings.prediction_radius_m[t] for t in techs]
    windows = Windows(
        r0=np.array([w[0] for w in geo], dtype=np.int64),
        c0=np.array([w[1] for w in geo], dtype=np.int64),
        nr=np.array([w[2] for w in geo], dtype=np.int64),
        nc=np.array([w[3] for w in geo], dtype=np.int64),
        radius=np.array([w[4] for w in geo]),
        start=np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64),
        # the angular sampling depends on the settings' radius, not on the reach
        n_rad=radials(max(caps), res),
    )
    i = rows[0]
    mast = Mast(
        x=float(table["x"][i]),
        y=float(table["y"][i]),
        height=float(table["height"][i]),
        ground=float(table["ground"][i]),
    )
    antennas = Antennas(
        f_mhz=np.ascontiguousarray(table["freq"][idx]),
        window=np.array([techs.index(t) for t in table["tech"][idx]], dtype=np.int64),
        level0=np.ascontiguousarray(table["level0"][idx]),
        slope=np.ascontiguousarray(table["slope"][idx], dtype=np.float64),
        azimuth=np.ascontiguousarray(table["azimuth"][idx]),
        beamwidth=np.ascontiguousarray(table["beamwidth"][idx]),
        tilt=np.ascontiguousarray(table["tilt"][idx]),
        vbw=float(settings.vertical_beamwidth_deg),
        side_lobe=float(settings.side_lobe_db),
        front_to_back=float(settings.front_to_back_db),
    )
    out = np.empty(int(sizes.sum()), dtype=np.float32)
    return techs, mast, antennas, windows, out


def _report_terrain(outside: list[str], void_sites: int) -> None:
    """Refuse sites standing off the DEM; warn about voids within the sites' reach."""
    if outside:
        raise InputError(
            f"{len(outside)} site(s) stand where the DEM has no data (first: {outside[0]}); "
            "give a DEM that covers every site"
        )
    if void_sites:
        warnings.warn(
            f"{void_sites} site(s) have DEM voids within their prediction radius: the profile "
            "carries the last known height over them",
            CoverageWarning,
            stacklevel=3,
        )


def _crop(work: list[_Site], keep: np.ndarray) -> list[_Site]:
    """Each site's windows cut to the box of its pixels where ``keep`` (2-D) is True.

    The radius stays, so every pixel left reads the same radial sample as in the whole
    window (the mapping is geometric) and the kernel sweeps only the radials reaching the
    box: the values of the pixels kept are unchanged. A window keeping none is empty.
    """
    rows, cols = np.nonzero(keep)  # row-major: rows sorted
    return crop_to(work, rows, cols)


def crop_to(work: list[_Site], rows: np.ndarray, cols: np.ndarray) -> list[_Site]:
    """:func:`_crop` to the pixels ``(rows, cols)`` of the grid, sorted by row."""
    out = []
    for site in work:  # a loop over sites, one binary search and slice each
        windows = []
        for r0, c0, nr, nc, radius in site.windows:
            lo, hi = np.searchsorted(rows, [r0, r0 + nr])
            rr, cc = rows[lo:hi], cols[lo:hi]
            inside = (cc >= c0) & (cc < c0 + nc)
            if not inside.any():
                windows.append((r0, c0, 0, 0, radius))
                continue
            rr, cc = rr[inside], cc[inside]
            r_lo, c_lo = int(rr.min()), int(cc.min())
            windows.append((r_lo, c_lo, int(rr.max()) - r_lo + 1, int(cc.max()) - c_lo + 1, radius))
        out.append(site._replace(windows=windows))
    return out


def _setup(
    sites: gpd.GeoDataFrame,
    grid: Grid,
    settings: Settings,
    kernel: RasterKernel,
    keep: np.ndarray | None = None,
) -> tuple[dict, Terrain, list[_Site], Callable]:
    """The site table, the terrain, the work per site and the function that runs one site
    (its technologies' signal windows, the DEM voids met, or None off the DEM); with
    ``keep`` (a flat boolean raster) only the pixels where it is True are computed."""
    table = _site_table(sites, settings)
    terrain = Terrain(
        dem=np.ascontiguousarray(grid.array, dtype=np.float32),
        x0=float(grid.transform.c),
        y0=float(grid.transform.f),
        res=grid.res,
    )
    table["ground"] = grid.ground(table["x"], table["y"], kernel.heights)
    table["radius"] = _radius(table, terrain, kernel)
    work = _sites(table, grid)
    if keep is not None:
        work = _crop(work, np.asarray(keep, dtype=bool).reshape(grid.shape))

    def run_site(site: _Site):
        return run_site_on(table, terrain, settings, kernel, site)

    return table, terrain, work, run_site


def run_site_on(
    table: dict, terrain: Terrain, settings: Settings, kernel: RasterKernel, site: _Site
) -> tuple[_Site, dict[str, np.ndarray] | None, int]:
    """Run the kernel for every mast of ``site`` on ``terrain``: the site, its
    technologies' signal windows (None: the mast has no ground) and the DEM voids met."""
    local: dict[str, np.ndarray] = {}
    voids = 0
    for rows in site.masts:
        techs, mast, antennas, windows, out = _mast_call(table, site, rows, settings, terrain.res)
        status = kernel.sweep(terrain, mast, antennas, windows, kernel.params, out)
        if status < 0:
            return site, None, -1
        voids += status
        for w, tech in enumerate(techs):
            start, nr, nc = windows.start[w], windows.nr[w], windows.nc[w]
            part = out[start : start + nr * nc].reshape(nr, nc)
            local[tech] = np.fmax(local[tech], part) if tech in local else part
    return site, local, voids


def _each_site(
    sites: gpd.GeoDataFrame,
    grid: Grid,
    settings: Settings,
    kernel: RasterKernel,
    progress: Callable[[int, int], None] | None,
    keep: np.ndarray | None = None,
) -> Iterator[tuple[str, _Site, dict[str, np.ndarray]]]:
    """Run the kernel for every site on ``grid`` (threaded; only the pixels of ``keep``
    when given) and yield each one's id, work record and technologies' signal windows;
    sites off the DEM are refused at the end."""
    table, _terrain, work, run_site = _setup(sites, grid, settings, kernel, keep)
    outside: list[str] = []
    with ThreadPoolExecutor(max_workers=settings.n_jobs) as pool:
        for done, (site, local, _voids) in enumerate(pool.map(run_site, work), start=1):
            site_id = str(table["site_id"][site.first])
            if local is None:
                outside.append(site_id)
                continue
            yield site_id, site, local
            if progress is not None:
                progress(done, len(work))
    _report_terrain(outside, 0)


def site_footprints(
    sites: gpd.GeoDataFrame,
    grid: Grid,
    *,
    settings: Settings,
    kernel: RasterKernel,
    technologies: Sequence[str],
    keep: np.ndarray | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, np.ndarray]:
    """Each site's own coverage: flat indices (on ``grid``) of the pixels where one of
    ``technologies`` reaches its threshold from that site, by ``site_id`` (only the pixels
    where ``keep``, a flat boolean raster, is True, when given).

    The same kernel calls as :func:`predict_raster`, so a site's footprint is exactly its
    part of a prediction of many sites (the best server covers a pixel when some site
    does); used to plan new sites (:mod:`coverage.plan`). Sites off the DEM are refused.
    """
    thresholds = {t: float(settings.thresholds_dbm[t]) for t in TECHNOLOGIES}
    width = grid.shape[1]
    out: dict[str, np.ndarray] = {}
    for site_id, site, local in _each_site(sites, grid, settings, kernel, progress, keep):
        parts = [np.zeros(0, dtype=np.int64)]
        for tech, values in local.items():
            if tech not in technologies:
                continue
            r0, c0, _nr, _nc, _radius_m = site.windows[site.techs.index(tech)]
            with np.errstate(invalid="ignore"):
                rr, cc = np.nonzero(values >= thresholds[tech])
            parts.append((rr + r0).astype(np.int64) * width + (cc + c0))
        flat = np.unique(np.concatenate(parts))
        out[site_id] = flat if keep is None else flat[keep[flat]]
    return out


def site_levels(
    sites: gpd.GeoDataFrame,
    grid: Grid,
    pixels: np.ndarray,
    *,
    settings: Settings,
    kernel: RasterKernel,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Each site's own signal at some pixels: one row per (pixel, site, technology) the
    site's prediction reaches, with ``point`` (the index into ``pixels``), ``site_id``,
    ``technology`` and ``level_dbm``.

    The same kernel calls as :func:`predict_raster`, so a site's level is exactly its part
    of a prediction of many sites (the best server's level at a pixel is the largest);
    used to compare predictions with measurements (:mod:`coverage.measurements`).
    ``pixels`` are flat indices on ``grid`` (-1: none). Sites off the DEM are refused.
    """
    pixels = np.asarray(pixels, dtype=np.int64)
    width = grid.shape[1]
    valid = pixels >= 0
    rows = np.where(valid, pixels // width, -1)
    cols = np.where(valid, pixels % width, -1)
    parts: list[pd.DataFrame] = []
    for site_id, site, local in _each_site(sites, grid, settings, kernel, progress):
        for tech, values in local.items():
            r0, c0, nr, nc, _radius_m = site.windows[site.techs.index(tech)]
            inside = valid & (rows >= r0) & (rows < r0 + nr) & (cols >= c0) & (cols < c0 + nc)
            idx = np.flatnonzero(inside)
            level = values[rows[idx] - r0, cols[idx] - c0]
            reached = np.isfinite(level)
            parts.append(
                pd.DataFrame(
                    {
                        "point": idx[reached],
                        "site_id": site_id,
                        "technology": tech,
                        "level_dbm": level[reached].astype(float),
                    }
                )
            )
    if not parts:
        return pd.DataFrame({"point": [], "site_id": [], "technology": [], "level_dbm": []})
    return pd.concat(parts, ignore_index=True)


def predict_raster(
    sites: gpd.GeoDataFrame,
    grid: Grid,
    *,
    settings: Settings,
    kernel: RasterKernel,
    progress: Callable[[int, int], None] | None = None,
) -> RasterPrediction:
    """Run ``kernel`` for every mast of ``sites`` on ``grid`` and combine per technology."""
    table, _terrain, work, run_site = _setup(sites, grid, settings, kernel)

    shape = grid.shape
    best = {
        t: np.full(shape, np.nan, dtype=np.float32)
        for t in TECHNOLOGIES
        if (table["tech"] == t).any()
    }
    count = {t: np.zeros(shape, dtype=np.uint16) for t in best}
    thresholds = {t: float(settings.thresholds_dbm[t]) for t in best}
    outside, void_sites = [], 0
    with ThreadPoolExecutor(max_workers=settings.n_jobs) as pool:
        for done, (site, local, voids) in enumerate(pool.map(run_site, work), start=1):
            if local is None:
                outside.append(str(table["site_id"][site.first]))
                continue
            void_sites += voids > 0
            for tech, values in local.items():
                r0, c0, nr, nc, _radius_m = site.windows[site.techs.index(tech)]
                view = (slice(r0, r0 + nr), slice(c0, c0 + nc))
                best[tech][view] = np.fmax(best[tech][view], values)
                with np.errstate(invalid="ignore"):
                    count[tech][view] += (values >= thresholds[tech]).astype(np.uint16)
            if progress is not None:
                progress(done, len(work))
    _report_terrain(outside, void_sites)
    info = raster_info(grid, settings, kernel, work, tuple(best))
    return RasterPrediction(best, count, thresholds, grid.transform, grid.crs, kernel.model, info)


def raster_info(
    grid: Grid,
    settings: Settings,
    kernel: RasterKernel,
    work: list[_Site],
    technologies: Sequence[str],
) -> dict:
    """A raster prediction's ``info``: its grid, settings and kernel (compute's
    ``model_info``)."""
    return {
        "resolution_m": grid.res,
        "grid": list(grid.shape),
        "site_groups": sum(len(site.techs) for site in work),
        "thresholds_dbm": {t: float(settings.thresholds_dbm[t]) for t in technologies},
        "prediction_radius_m": {t: settings.prediction_radius_m[t] for t in technologies},
        "k_factor": settings.k_factor,
        "rx_height_m": settings.rx_height_m,
        **kernel.info,
        **_calibration_info(settings),
    }
