"""Raster predictions: received signal per pixel, best server and server count per technology.

Used by the ``hata`` model (no terrain) and the ``terrain`` model (DEM profile with
Bullington knife-edge diffraction), which run :func:`coverage.radio.engine.sweep`, and
by the ``itm`` model (Longley-Rice on each pixel's profile), which runs
:func:`coverage.radio.itm_area.sweep_itm` with the same window/gather contract. Rows of
one site and technology (its sectors) are merged first, so the server count counts
sites, not sectors.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from pyproj import CRS
from rasterio import features

from .._errors import CoverageWarning, InputError
from ..radio.dem import Grid
from ..radio.engine import BASE_MODELS, ENVIRONMENTS, reach_m, sweep, window
from ..radio.itm_area import itm_deviates, sweep_itm
from ..radio.linkbudget import reference_signal_offset_db
from ..settings import DEFAULT_FREQUENCY_MHZ, TECHNOLOGIES, Settings
from .base import Prediction

log = logging.getLogger(__name__)


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

    @property
    def technologies(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(self.best)

    def covered(self, technologies: Sequence[str]) -> np.ndarray:
        """Boolean raster: some technology of ``technologies`` reaches its threshold."""
        shape = next(iter(self.best.values())).shape if self.best else (0, 0)
        mask = np.zeros(shape, dtype=bool)
        for tech in technologies:
            if tech in self.best:
                with np.errstate(invalid="ignore"):
                    mask |= self.best[tech] >= self.thresholds[tech]
        return mask

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
        """Split polygon indices into groups without interior overlaps (usually one)."""
        tree = shapely.STRtree(polygons)
        a, b = tree.query(polygons, predicate="intersects")
        keep = a < b
        a, b = a[keep], b[keep]
        overlap = shapely.area(shapely.intersection(polygons[a], polygons[b])) > 0
        a, b = a[overlap], b[overlap]
        if len(a) == 0:
            return [np.arange(len(polygons))]
        # greedy colouring of the (few) overlapping polygons; the others stay in layer 0
        layer = np.zeros(len(polygons), dtype=int)
        neighbours: dict[int, set[int]] = {}
        for i, j in zip(a.tolist(), b.tolist(), strict=True):
            neighbours.setdefault(i, set()).add(j)
            neighbours.setdefault(j, set()).add(i)
        for i in sorted(neighbours):
            used = {layer[j] for j in neighbours[i] if j < i}
            layer[i] = next(k for k in range(len(used) + 1) if k not in used)
        return [np.flatnonzero(layer == k) for k in range(layer.max() + 1)]

    def _zonal(self, polygons: np.ndarray, values: np.ndarray, how: str) -> tuple:
        """Per polygon: pixel count and the sum (``how="sum"``) or max of ``values``.

        Polygons are rasterised once (pixel centres inside), in as many passes as it
        takes for overlapping polygons never to take pixels from each other."""
        n = len(polygons)
        total = np.zeros(n)
        acc = np.zeros(n) if how == "sum" else np.full(n, -np.inf)
        flat = values.ravel()
        for members in self._layers(polygons):
            ids = self._ids(polygons[members]).ravel()
            inside = ids > 0
            idx = members[ids[inside] - 1]
            total += np.bincount(idx, minlength=n)
            if how == "sum":
                acc += np.bincount(idx, weights=flat[inside], minlength=n)
            else:
                vals = flat[inside]
                ok = np.isfinite(vals)
                np.maximum.at(acc, idx[ok], vals[ok])
        return total, acc

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
    return {
        "x": xy[:, 0],
        "y": xy[:, 1],
        "tech": tech,
        "site_id": sites["site_id"].to_numpy(),
        "height": col("height_m", settings.default_height_m),
        "freq": freq,
        "level0": eirp - offset,
        "azimuth": np.where(sector, az, np.nan),
        "beamwidth": np.where(sector, bw, 65.0),
        "tilt": col("tilt_deg", settings.default_tilt_deg),
        "radius": np.array([settings.prediction_radius_m[t] for t in tech], dtype=float),
    }


def predict_raster(
    sites: gpd.GeoDataFrame,
    grid: Grid,
    *,
    settings: Settings,
    terrain: bool,
    model: str,
    progress: Callable[[int, int], None] | None = None,
) -> RasterPrediction:
    """Run the engine for every site row on ``grid`` and combine per technology."""
    table = _site_table(sites, settings)
    dem = np.ascontiguousarray(grid.array, dtype=np.float32)
    if not terrain:
        dem = np.zeros_like(dem)
    x0, y0, res = grid.transform.c, grid.transform.f, grid.res
    base = BASE_MODELS[settings.base_model]
    env = ENVIRONMENTS[settings.environment]
    itm = model == "itm"
    if not itm:
        # ITM has no closed-form inversion: it keeps the settings' prediction radius
        thresholds_row = np.array([settings.thresholds_dbm[t] for t in table["tech"]])
        table["radius"] = reach_m(
            table["level0"],
            thresholds_row,
            table["freq"],
            rx_height_m=settings.rx_height_m,
            env=env,
            base=base,
            cap_m=table["radius"],
        )
    zt, zl, zc = itm_deviates(
        float(settings.itm_time), float(settings.itm_location), float(settings.itm_situation)
    )
    # One group per site and technology (the server count counts sites); inside it, one
    # sweep per mast position, height and frequency, sectors evaluated together.
    groups: dict[tuple, dict[tuple, list[int]]] = {}
    for i in np.lexsort((table["freq"], table["tech"], table["site_id"])):
        key = (table["site_id"][i], table["tech"][i])
        mast = (table["x"][i], table["y"][i], table["height"][i], table["freq"][i])
        groups.setdefault(key, {}).setdefault(mast, []).append(int(i))

    def run_group(masts: dict[tuple, list[int]]):
        first = next(iter(masts.values()))[0]
        radius = max(table["radius"][i] for rows in masts.values() for i in rows)
        r0, c0, nr, nc = window(
            grid.shape, grid.transform, table["x"][first], table["y"][first], radius
        )
        best = np.full((nr, nc), np.nan, dtype=np.float32)
        out = np.empty((nr, nc), dtype=np.float32)
        voids = 0
        for rows in masts.values():
            i = rows[0]
            idx = np.array(rows)
            common = (
                dem,
                x0,
                y0,
                res,
                table["x"][i],
                table["y"][i],
                table["height"][i],
                np.ascontiguousarray(table["level0"][idx]),
                table["freq"][i],
                np.ascontiguousarray(table["azimuth"][idx]),
                np.ascontiguousarray(table["beamwidth"][idx]),
                settings.front_to_back_db,
                np.ascontiguousarray(table["tilt"][idx]),
                settings.vertical_beamwidth_deg,
                settings.side_lobe_db,
                float(table["radius"][idx].max()),
                settings.rx_height_m,
                settings.k_factor,
            )
            if itm:
                status = sweep_itm(
                    *common,
                    float(settings.itm_epsilon),
                    float(settings.itm_sigma),
                    float(settings.itm_n0),
                    int(settings.itm_climate),
                    1,  # vertical polarisation
                    zt,
                    zl,
                    zc,
                    settings.itm_heights == "nearest",
                    r0,
                    c0,
                    out,
                )
            else:
                status = sweep(*common, base, env, terrain, r0, c0, out)
            if status < 0:
                return first, None, -1
            voids += status
            best = np.fmax(best, out)
        return first, (r0, c0, best), voids

    shape = grid.shape
    best = {
        t: np.full(shape, np.nan, dtype=np.float32)
        for t in TECHNOLOGIES
        if (table["tech"] == t).any()
    }
    count = {t: np.zeros(shape, dtype=np.uint16) for t in best}
    thresholds = {t: float(settings.thresholds_dbm[t]) for t in best}
    outside, void_sites = [], 0
    items = list(groups.values())
    with ThreadPoolExecutor(max_workers=settings.n_jobs) as pool:
        for done, (first, result, voids) in enumerate(pool.map(run_group, items), start=1):
            if result is None:
                outside.append(str(table["site_id"][first]))
                continue
            void_sites += voids > 0
            r0, c0, local = result
            tech = table["tech"][first]
            view = (slice(r0, r0 + local.shape[0]), slice(c0, c0 + local.shape[1]))
            best[tech][view] = np.fmax(best[tech][view], local)
            with np.errstate(invalid="ignore"):
                count[tech][view] += (local >= thresholds[tech]).astype(np.uint16)
            if progress is not None:
                progress(done, len(items))
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
            stacklevel=2,
        )
    info = {
        "resolution_m": res,
        "grid": list(shape),
        "site_groups": len(items),
        "thresholds_dbm": thresholds,
        "prediction_radius_m": {t: settings.prediction_radius_m[t] for t in best},
        "base_model": settings.base_model,
        "environment": settings.environment,
        "k_factor": settings.k_factor,
        "rx_height_m": settings.rx_height_m,
    }
    if itm:
        for name in ("base_model", "environment"):
            del info[name]
        info["itm"] = {
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
    return RasterPrediction(
        best=best,
        count=count,
        thresholds=thresholds,
        transform=grid.transform,
        crs=grid.crs,
        model=model,
        info=info,
    )
