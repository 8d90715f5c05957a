#!/usr/bin/env python
"""A national synthetic benchmark case for Vietnam (issue 18), deterministic for a seed.

Built on the real commune polygons with their 2009 census population
(``shared/realdata/admin/vn_communes_2009.gpkg``, 11,163 communes). Writes into ``OUT``:

``communes.gpkg``
    The communes used (``commune_id`` = census code, ``name``, ``population``, ``province``).
``villages.gpkg``
    Villages in proportion to the commune's population (at least one): a Voronoi tessellation
    of slightly clustered points inside the commune, clipped to it; the commune's population
    is split among them (exactly).
``sites.csv``
    Site rows laid out by the demo's rules (``data/boundaries/network.py``), vectorised:
    capacity sites where people are (towns ~1 per 1,050 people, three sectors, rooftop masts
    15-30 m; villages ~1 per 1,700), then coverage sites on the local maxima of the relief
    near the villages least served, highest first, until ``site_rows`` rows.
``dem.tif``
    3" (~90 m) int16 relief over the communes' box (grown to hold their UTM box) + 0.25°:
    ETOPO 2022 at 5' (``benchmarks/data/etopo2022_5arcmin_vn.tif``) resampled by cubic
    spline, plus the demo's texture (``data/boundaries/relief.py``: fractal + ridged noise,
    relief ~30 % of the base height, a few metres on the plains), written tile by tile; sea
    and outside = 0.
``params.json``
    What was built; a second call with the same parameters reuses the folder.

Usage::

    python benchmarks/national.py /tmp/national_1x
    python benchmarks/national.py /tmp/national_10x --site-rows 1000000
    python benchmarks/national.py /tmp/north --area-fraction 0.25 --villages 25000 --no-dem

The capacity sites take at most :data:`CAPACITY_SHARE` of the rows (thinned at random when
the demo's rates give more), the coverage sites the rest. The texture noise is periodic
(two tiles of coprime size summed), so any window of the grid is computed alone, with no
seams and a bounded memory; the karst cones and river valleys of the demo are left out.
"""

from __future__ import annotations

import argparse
import json
import math
import time
import zlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import rasterio
import shapely
from rasterio.features import rasterize
from rasterio.transform import from_origin
from rasterio.windows import Window
from scipy import ndimage
from scipy.spatial import cKDTree

from coverage.schema import SCHEMAS

REPO = Path(__file__).resolve().parents[1]
ETOPO = Path(__file__).resolve().parent / "data" / "etopo2022_5arcmin_vn.tif"
COMMUNES = "realdata/admin/vn_communes_2009.gpkg"
FILES = ("communes.gpkg", "villages.gpkg", "sites.csv")
#: The sites schema's columns as an operator's export gives them (no planner's range_m).
SITE_COLUMNS = [
    "site_id",
    "lon",
    "lat",
    "technology",
    *(c for c in SCHEMAS["sites"].optional if c != "range_m"),
]
M_PER_DEG = 111_320.0
RES = 3 / 3600  # DEM pixel, degrees (~90 m)
MARGIN_DEG = 0.25
REF_LON, REF_LAT = 100.0, 25.0  # the noise is anchored here, so sub-areas match the nation
TILE = 2048  # DEM window written at once (pixels)
NOISE_PERIODS = (2048, 1777)  # coprime: the sum repeats only every ~330 km x 330 km
PLAIN_TOP_M = 30.0
# network.py's rules
OPERATORS = np.array(["Viettel", "VNPT-VinaPhone", "MobiFone"])
CLASSES = ("urban", "rural", "mountain")
OPERATOR_SHARES = np.array([[0.4, 0.32, 0.28], [0.5, 0.3, 0.2], [0.72, 0.2, 0.08]])
P3G = np.array([0.8, 0.62, 0.35])
EIRP_DBM = {"2G": (57.0, 60.0), "3G": (55.0, 58.0), "4G": (58.0, 61.5)}
PEOPLE_PER_SITE = {"urban": 1050.0, "village": 1700.0}
CAPACITY_SHARE = 0.6  # of the rows at most
PEAK_STEP = 3  # peaks are searched on every 3rd pixel (9", ~270 m) ...
PEAK_WINDOW = 5  # ... in a 5 x 5 window (~1.35 km; the demo's 1.1 km)
SURROUND_WINDOW = 15  # ~4 km box for the prominence (the demo's 41 x 100 m)
PROMINENT_M = 60.0
VILLAGE_REACH_M = 6000.0


def build(
    out: str | Path,
    *,
    villages: int = 100_000,
    site_rows: int = 100_000,
    area_fraction: float = 1.0,
    seed: int = 0,
    dem: bool = True,
    shared: str | Path | None = None,
) -> dict:
    """Build (or reuse) the national case in ``out``; return what ``params.json`` holds.

    Parameters
    ----------
    out
        Output folder (created).
    villages
        Number of villages wanted (up to rounding: every commune gets at least one).
    site_rows
        Number of site rows wanted (within one site's rows).
    area_fraction
        Share of the national area kept: whole provinces, north to south.
    seed
        Seed of every random draw.
    dem
        Write ``dem.tif`` (the sites are the same without it).
    shared
        The shared data folder (default ``REPO/../shared``).

    Examples
    --------
    >>> info = build("/tmp/nat", villages=300, site_rows=300, area_fraction=0.02)  # doctest: +SKIP
    """
    out = Path(out)
    shared = Path(shared) if shared is not None else REPO.parent / "shared"
    if not 0 < area_fraction <= 1:
        raise ValueError(f"area_fraction must be in (0, 1], got {area_fraction}")
    if villages < 1 or site_rows < 1:
        raise ValueError("villages and site_rows must be positive")
    params = {
        "villages": villages,
        "site_rows": site_rows,
        "area_fraction": area_fraction,
        "seed": seed,
        "dem": dem,
    }
    done = _reusable(out, params)
    if done is not None:
        return done
    out.mkdir(parents=True, exist_ok=True)
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2025-01-01T00:00:00.000Z"})
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    communes = select_communes(load_communes(shared), area_fraction)
    relief = Relief(_extent(communes), seed)
    timings["communes_s"] = time.perf_counter() - t0

    t = time.perf_counter()
    vil = make_villages(communes, villages, _rng(seed, "villages"))
    timings["villages_s"] = time.perf_counter() - t

    t = time.perf_counter()
    sites = make_sites(communes, vil, relief, site_rows, seed)
    timings["sites_s"] = time.perf_counter() - t

    t = time.perf_counter()
    _write_gpkg(
        communes[["commune_id", "name", "population", "province", "geometry"]], out, "communes"
    )
    _write_gpkg(vil[["village_id", "commune_id", "population", "geometry"]], out, "villages")
    sites.to_csv(out / "sites.csv", index=False, lineterminator="\n")
    timings["write_s"] = time.perf_counter() - t
    if dem:
        t = time.perf_counter()
        relief.write(out / "dem.tif", communes.geometry.to_numpy())
        timings["dem_s"] = time.perf_counter() - t
    timings["total_s"] = time.perf_counter() - t0
    info = {
        "params": params,
        "communes": len(communes),
        "provinces": int(communes["province"].nunique()),
        "population": int(communes["population"].sum()),
        "village_count": len(vil),
        "site_row_count": len(sites),
        "site_count": int(sites["site_id"].nunique()),
        "dem_shape": list(relief.shape),
        "timings": {k: round(v, 2) for k, v in timings.items()},
    }
    (out / "params.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def _reusable(out: Path, params: dict) -> dict | None:
    """The stored ``params.json`` when ``out`` already holds this build, else None."""
    path = out / "params.json"
    if not path.exists():
        return None
    info = json.loads(path.read_text(encoding="utf-8"))
    files = FILES + (("dem.tif",) if params["dem"] else ())
    if info.get("params") != params or not all((out / f).exists() for f in files):
        return None
    return info


def _extent(communes: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """The communes' lon/lat box, grown to hold their UTM box too: the toolkit checks the
    DEM over the villages' rectangle in UTM, whose corners stick out of the lon/lat box."""
    from pyproj import Transformer

    utm = communes.estimate_utm_crs()
    box = communes.to_crs(utm).total_bounds
    back = Transformer.from_crs(utm, communes.crs, always_xy=True).transform_bounds(
        *box, densify_pts=101
    )
    ll = communes.total_bounds
    return (
        min(ll[0], back[0]),
        min(ll[1], back[1]),
        max(ll[2], back[2]),
        max(ll[3], back[3]),
    )


def _rng(seed: int, step: str) -> np.random.Generator:
    """An independent random stream per step."""
    return np.random.default_rng([seed, zlib.crc32(step.encode())])


def _write_gpkg(frame: gpd.GeoDataFrame, out: Path, layer: str) -> None:
    """Write one layer, replacing the file."""
    path = out / f"{layer}.gpkg"
    path.unlink(missing_ok=True)
    frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")


# --------------------------------------------------------------------------- communes
def load_communes(shared: Path) -> gpd.GeoDataFrame:
    """The 2009 communes (EPSG:4326) with ``commune_id``, ``name``, ``population``,
    ``province``, ``urban``."""
    raw = gpd.read_file(shared / COMMUNES, engine="pyogrio")
    frame = gpd.GeoDataFrame(
        {
            "commune_id": raw["census_commune_id"].astype(str),
            "name": raw["commune"].fillna(""),
            "population": raw["population_2009"].fillna(0).round().astype("int64"),
            "province": raw["province"],
            "urban": raw["commune_type"].isin(["Phường", "Thị trấn"]).to_numpy(),
        },
        geometry=raw.geometry,
        crs=raw.crs,
    )
    return frame.sort_values("commune_id", kind="stable").reset_index(drop=True)


def select_communes(communes: gpd.GeoDataFrame, fraction: float) -> gpd.GeoDataFrame:
    """Whole provinces, north to south by centroid latitude, until ``fraction`` of the area."""
    if fraction >= 1:
        return communes
    lat0 = math.radians(16.0)
    area = shapely.area(communes.geometry.to_numpy()) * math.cos(lat0)
    cy = shapely.get_y(shapely.centroid(communes.geometry.to_numpy()))
    prov = pd.DataFrame({"p": communes["province"], "a": area, "ay": area * cy})
    prov = prov.groupby("p", sort=True).sum()
    prov["lat"] = prov["ay"] / prov["a"]
    prov = prov.sort_values("lat", ascending=False, kind="stable")
    before = prov["a"].cumsum().shift(fill_value=0.0) / prov["a"].sum()
    keep = prov.index[before < fraction]
    return communes[communes["province"].isin(keep)].reset_index(drop=True)


# --------------------------------------------------------------------------- villages
def village_counts(population: np.ndarray, total: int) -> np.ndarray:
    """Villages per commune: ``total`` shared by population (largest remainders), >= 1."""
    pop = population.astype(np.float64)
    quota = total * pop / pop.sum() if pop.sum() > 0 else np.full(len(pop), total / len(pop))
    n = np.maximum(np.floor(quota).astype(np.int64), 1)
    short = total - int(n.sum())
    if short > 0:
        order = np.argsort(-(quota - np.floor(quota)), kind="stable")
        n[order[:short]] += 1
    return n


def _points_in(
    geoms: np.ndarray, which: np.ndarray, rng: np.random.Generator, *, around: np.ndarray | None
) -> np.ndarray:
    """One point inside ``geoms[which[i]]`` per i: near ``around[i]`` (normal) when given,
    else uniform in the polygon; rejection sampling, vectorised over all points."""
    bounds = shapely.bounds(geoms)[which]
    xy = np.empty((len(which), 2))
    todo = np.arange(len(which))
    for attempt in range(60):
        if len(todo) == 0:
            break
        b = bounds[todo]
        if around is not None and attempt < 20:
            spread = around[todo, 2:3]
            cand = around[todo, :2] + rng.standard_normal((len(todo), 2)) * spread
        else:
            cand = b[:, :2] + rng.random((len(todo), 2)) * (b[:, 2:] - b[:, :2])
        ok = shapely.contains_xy(geoms[which[todo]], cand[:, 0], cand[:, 1])
        xy[todo[ok]] = cand[ok]
        todo = todo[~ok]
    if len(todo):  # very thin polygons: a point surely inside
        rp = shapely.point_on_surface(geoms[which[todo]])
        xy[todo] = shapely.get_coordinates(rp)
    return xy


def make_villages(
    communes: gpd.GeoDataFrame, total: int, rng: np.random.Generator
) -> gpd.GeoDataFrame:
    """Village polygons tessellating each commune, with ``population`` summing to it."""
    geoms = communes.geometry.to_numpy()
    n = village_counts(communes["population"].to_numpy(), total)
    which = np.repeat(np.arange(len(geoms)), n)
    # clustered a little: a third of the points near a few "hamlet" centres
    centres = _points_in(geoms, which, rng, around=None)
    lead = np.concatenate([[0], np.cumsum(n)[:-1]])
    k_in = np.arange(len(which)) - lead[which]
    n_centres = np.maximum(n // 4, 1)
    centre_of = lead[which] + k_in % n_centres[which]
    spread = np.sqrt(shapely.area(geoms) / n)[which] * 0.35
    near = np.column_stack([centres[centre_of], spread])
    clustered = rng.random(len(which)) < 0.33
    pts = centres.copy()
    sub = np.flatnonzero(clustered & (k_in >= n_centres[which]))
    pts[sub] = _points_in(geoms, which[sub], rng, around=near[sub])
    # Voronoi per commune, clipped to it; points that coincide (a thin commune's fallback
    # point) or cells that clip to nothing make a commune's count a little lower
    cells: list[np.ndarray] = []
    for c in range(len(geoms)):
        if n[c] == 1:
            cells.append(np.array([geoms[c]], dtype=object))
            continue
        p = np.unique(pts[lead[c] : lead[c] + n[c]], axis=0)
        vor = shapely.voronoi_polygons(shapely.multipoints(p), extend_to=geoms[c])
        cut = shapely.intersection(shapely.get_parts(vor), geoms[c])
        cut = cut[shapely.area(cut) > 0]
        cells.append(cut if len(cut) else np.array([geoms[c]], dtype=object))
    n = np.array([len(x) for x in cells])
    which = np.repeat(np.arange(len(geoms)), n)
    lead = np.concatenate([[0], np.cumsum(n)[:-1]])
    k_in = np.arange(len(which)) - lead[which]
    geom = _polygonal(np.concatenate(cells))
    pop = _split_population(communes["population"].to_numpy(), n, which, rng)
    ids = communes["commune_id"].to_numpy()[which]
    vid = pd.Series(ids) + "-" + pd.Series(k_in + 1).astype(str).str.zfill(3)
    return gpd.GeoDataFrame(
        {
            "village_id": vid.to_numpy(),
            "commune_id": ids,
            "population": pop,
            "cidx": which,
            "urban": communes["urban"].to_numpy()[which],
        },
        geometry=geom,
        crs=communes.crs,
    )


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep the polygonal parts of each geometry (clipping can add slivers of lines)."""
    bad = ~np.isin(shapely.get_type_id(geoms), [3, 6]) | ~shapely.is_valid(geoms)
    for i in np.flatnonzero(bad):
        g = shapely.make_valid(geoms[i])
        parts = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and p.area > 0]
        if not parts:
            parts = [p for q in shapely.get_parts(g) for p in shapely.get_parts(q)]
            parts = [p for p in parts if p.geom_type == "Polygon" and p.area > 0]
        geoms[i] = parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)
    return geoms


def _split_population(
    pop: np.ndarray, n: np.ndarray, which: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Each commune's population shared among its villages (lognormal weights, largest
    remainders), summing exactly to it."""
    w = rng.lognormal(0.0, 0.6, len(which))
    wsum = np.bincount(which, weights=w, minlength=len(n))
    quota = pop[which] * w / wsum[which]
    base = np.floor(quota).astype(np.int64)
    left = pop - np.bincount(which, weights=base, minlength=len(n)).astype(np.int64)
    order = np.lexsort((-(quota - base), which))
    lead = np.concatenate([[0], np.cumsum(n)[:-1]])
    rank = np.empty(len(which), dtype=np.int64)
    rank[order] = np.arange(len(which)) - lead[which[order]]
    return base + (rank < left[which])


# --------------------------------------------------------------------------- relief
class Relief:
    """The national 3" relief: ETOPO 5' spline plus periodic texture, computed per window.

    Parameters
    ----------
    bounds
        (west, south, east, north) of the communes; the grid adds :data:`MARGIN_DEG`.
    seed
        Seed of the texture.
    """

    def __init__(self, bounds: np.ndarray, seed: int):
        west, south, east, north = (float(v) for v in bounds)
        self.c_off = math.floor((west - MARGIN_DEG - REF_LON) / RES)
        self.r_off = math.floor((REF_LAT - north - MARGIN_DEG) / RES)
        width = math.ceil((east + MARGIN_DEG - REF_LON) / RES) - self.c_off
        height = math.ceil((REF_LAT - south + MARGIN_DEG) / RES) - self.r_off
        self.shape = (height, width)
        self.transform = from_origin(
            REF_LON + self.c_off * RES, REF_LAT - self.r_off * RES, RES, RES
        )
        with rasterio.open(ETOPO) as src:
            z = src.read(1).astype(np.float64)
            self.etopo_tr = src.transform
            valid = z != src.nodata
        # nearest valid land sample everywhere (the land mask decides later), never below 0
        _, (ir, ic) = ndimage.distance_transform_edt(~valid, return_indices=True)
        z = np.maximum(z[ir, ic], 0.0)
        self.base5 = ndimage.spline_filter(ndimage.gaussian_filter(z, 0.6), order=3)
        rng = _rng(seed, "texture")
        self.fractal = [_spectral_noise(p, 1.35, rng) for p in NOISE_PERIODS]
        ridged = [1.0 - np.abs(_spectral_noise(p, 1.1, rng)) for p in NOISE_PERIODS]
        self.ridged = [((r - r.mean()) / r.std()).astype(np.float32) for r in ridged]

    def land(self, geoms: np.ndarray, rows: slice, cols: slice, step: int = 1) -> np.ndarray:
        """Boolean land mask (pixel centre in a commune) of a window, every ``step`` pixels."""
        tr = self.transform * rasterio.Affine.translation(cols.start, rows.start)
        tr = tr * rasterio.Affine.translation(0.5 - step / 2, 0.5 - step / 2)
        tr = tr * rasterio.Affine.scale(step)
        shape = (
            len(range(rows.start, rows.stop, step)),
            len(range(cols.start, cols.stop, step)),
        )
        x0, y1 = tr * (0, 0)
        x1, y0 = tr * (shape[1], shape[0])
        box = shapely.box(x0, y0, x1, y1)
        hit = geoms[shapely.intersects(geoms, box)]
        if len(hit) == 0:
            return np.zeros(shape, dtype=bool)
        return rasterize(
            ((g, 1) for g in hit), out_shape=shape, transform=tr, fill=0, dtype="uint8"
        ).astype(bool)

    def write(self, path: Path, geoms: np.ndarray) -> None:
        """Write the DEM (int16, sea and outside 0) window by window."""
        profile = {
            "driver": "GTiff",
            "dtype": "int16",
            "width": self.shape[1],
            "height": self.shape[0],
            "count": 1,
            "crs": "EPSG:4326",
            "transform": self.transform,
            "tiled": True,
            "blockxsize": 256,
            "blockysize": 256,
            "compress": "deflate",
            "predictor": 2,
            "BIGTIFF": "IF_SAFER",
        }
        with rasterio.open(path, "w", **profile) as dst:
            for r0 in range(0, self.shape[0], TILE):
                for c0 in range(0, self.shape[1], TILE):
                    rs = slice(r0, min(r0 + TILE, self.shape[0]))
                    cs = slice(c0, min(c0 + TILE, self.shape[1]))
                    land = self.land(geoms, rs, cs)
                    if land.any():
                        z = self.elevation(
                            np.arange(rs.start, rs.stop), np.arange(cs.start, cs.stop)
                        )
                        z = np.where(land, np.clip(np.round(z), 0, 32767), 0).astype(np.int16)
                    else:
                        z = np.zeros(land.shape, dtype=np.int16)
                    win = Window(cs.start, rs.start, z.shape[1], z.shape[0])
                    dst.write(z, 1, window=win)

    def peaks(self, geoms: np.ndarray) -> pd.DataFrame:
        """Local maxima on land, on every :data:`PEAK_STEP`-th pixel: lon, lat, elev and
        prominence over the ~4 km surroundings."""
        rows = np.arange(PEAK_STEP // 2, self.shape[0], PEAK_STEP)
        cols = np.arange(PEAK_STEP // 2, self.shape[1], PEAK_STEP)
        band = 1024
        elev = np.vstack(
            [
                self.elevation(rows[i : i + band], cols).astype(np.float32)
                for i in range(0, len(rows), band)
            ]
        )
        land = self.land(
            geoms,
            slice(0, rows[-1] + 1 + PEAK_STEP // 2),
            slice(0, cols[-1] + 1 + PEAK_STEP // 2),
            PEAK_STEP,
        )[: len(rows), : len(cols)]
        elev = np.where(land, elev, 0.0).astype(np.float32)
        peak = (elev == ndimage.maximum_filter(elev, PEAK_WINDOW)) & land
        surround = ndimage.uniform_filter(elev, SURROUND_WINDOW)
        r, c = np.nonzero(peak)
        return pd.DataFrame(
            {
                "lon": self.transform.c + (cols[c] + 0.5) * RES,
                "lat": self.transform.f - (rows[r] + 0.5) * RES,
                "elev": elev[r, c].astype(np.float64),
                "prom": (elev[r, c] - surround[r, c]).astype(np.float64),
            }
        )

    def at(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Relief (float metres, before the land mask) at points, on their nearest pixel."""
        c = np.clip(((lon - self.transform.c) / RES).astype(np.int64), 0, self.shape[1] - 1)
        r = np.clip(((self.transform.f - lat) / RES).astype(np.int64), 0, self.shape[0] - 1)
        return self._relief(r, c, lambda f, gr, gc: f[gr % len(f), gc % len(f)])

    def elevation(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Relief (float metres, before the land mask) on the window ``rows`` x ``cols``
        (1-D pixel indices; the result is 2-D)."""
        rr, cc = np.meshgrid(rows, cols, indexing="ij")
        return self._relief(rr, cc, lambda f, gr, gc: f[np.ix_(gr[:, 0] % len(f), gc[0] % len(f))])

    def _relief(self, r: np.ndarray, c: np.ndarray, take) -> np.ndarray:
        """The relief formula at pixels ``r``, ``c``; ``take`` reads a periodic noise tile."""
        lat = self.transform.f - (r + 0.5) * RES
        lon = self.transform.c + (c + 0.5) * RES
        fr = (lat - self.etopo_tr.f) / self.etopo_tr.e - 0.5
        fc = (lon - self.etopo_tr.c) / self.etopo_tr.a - 0.5
        base = ndimage.map_coordinates(
            self.base5, [fr.ravel(), fc.ravel()], order=3, mode="nearest", prefilter=False
        )
        base = np.maximum(base.reshape(r.shape), 0.0)
        gr, gc = r + self.r_off, c + self.c_off
        fractal = sum(take(f, gr, gc) for f in self.fractal) / math.sqrt(2)
        ridged = sum(take(f, gr, gc) for f in self.ridged) / math.sqrt(2)
        plain = np.clip(1.0 - base / PLAIN_TOP_M, 0.0, 1.0)
        hills = np.clip(base / 400.0, 0.0, 1.0) ** 1.5  # relief grows with base elevation
        relief = base * (1.0 + 0.3 * hills * fractal + 0.18 * hills * ridged)
        return relief + 3.0 * plain * fractal  # a few metres on the plains


def _spectral_noise(n: int, slope: float, rng: np.random.Generator) -> np.ndarray:
    """Periodic n x n fractal noise, amplitude ~ k**-slope, zero mean, unit std (float32);
    ``relief.spectral_noise`` of the demo."""
    ky = np.fft.fftfreq(n)[:, None]
    kx = np.fft.rfftfreq(n)[None, :]
    k = np.hypot(kx, ky)
    k[0, 0] = 1.0
    spec = (rng.standard_normal(k.shape) + 1j * rng.standard_normal(k.shape)) * k**-slope
    spec[0, 0] = 0.0
    field = np.fft.irfft2(spec, s=(n, n))
    return ((field - field.mean()) / field.std()).astype(np.float32)


# --------------------------------------------------------------------------- sites
def make_sites(
    communes: gpd.GeoDataFrame,
    vil: gpd.GeoDataFrame,
    relief: Relief,
    site_rows: int,
    seed: int,
) -> pd.DataFrame:
    """Capacity sites, then coverage sites up to ``site_rows`` rows (see module docstring)."""
    vgeom = vil.geometry.to_numpy()
    vxy = shapely.get_coordinates(shapely.point_on_surface(vgeom))
    velev = relief.at(vxy[:, 0], vxy[:, 1])
    urban = vil["urban"].to_numpy()
    # capacity: one site per ~1,050 people in towns, ~1,700 in villages
    rng = _rng(seed, "capacity")
    per = np.where(urban, PEOPLE_PER_SITE["urban"], PEOPLE_PER_SITE["village"])
    n_cap = np.floor(vil["population"].to_numpy() / per + rng.random(len(vil))).astype(np.int64)
    at_v = np.repeat(np.arange(len(vil)), n_cap)
    cls = np.where(urban[at_v], 0, np.where(velev[at_v] > 200, 2, 1))
    height = np.where(cls == 0, rng.integers(15, 31, len(at_v)), rng.integers(30, 46, len(at_v)))
    xy = _points_in(vgeom, at_v, rng, around=None)
    cap = _equip(xy, cls, height, rng)
    budget = int(CAPACITY_SHARE * site_rows)
    if cap["rows"].sum() > budget:  # thin at random to the capacity budget
        order = rng.permutation(len(cap["rows"]))
        keep = np.sort(order[np.cumsum(cap["rows"][order]) <= budget])
        cap = {k: v[keep] for k, v in cap.items()}
        at_v = at_v[keep]
    served = np.bincount(at_v, minlength=len(vil))
    # coverage: local maxima near villages, each village's highest first, the least served first
    rng = _rng(seed, "coverage")
    peaks = relief.peaks(communes.geometry.to_numpy())
    kx = M_PER_DEG * math.cos(math.radians(float(np.mean(vxy[:, 1]))))
    d, near = cKDTree(vxy * [kx, M_PER_DEG]).query(
        peaks[["lon", "lat"]].to_numpy() * [kx, M_PER_DEG]
    )
    peaks = peaks[d <= VILLAGE_REACH_M].assign(v=near[d <= VILLAGE_REACH_M]).reset_index(drop=True)
    by_v = np.lexsort((-peaks["elev"].to_numpy(), peaks["v"].to_numpy()))
    first = np.searchsorted(peaks["v"].to_numpy()[by_v], peaks["v"].to_numpy()[by_v])
    rank = np.empty(len(peaks), dtype=np.int64)
    rank[by_v] = np.arange(len(peaks)) - first
    order = np.lexsort((-peaks["elev"].to_numpy(), served[peaks["v"].to_numpy()], rank))
    peaks = peaks.iloc[order].reset_index(drop=True)
    want = site_rows - int(cap["rows"].sum())
    parts, got, copy = [], 0, 0
    while got < want and len(peaks) and copy < 100:
        # past the last peak: the same high ground again, a few hundred metres off
        off = rng.uniform(300, 800, len(peaks)) * (copy > 0)
        ang = rng.uniform(0, 2 * np.pi, len(peaks))
        lon = peaks["lon"].to_numpy() + off * np.cos(ang) / kx
        lat = peaks["lat"].to_numpy() + off * np.sin(ang) / M_PER_DEG
        hill = peaks["prom"].to_numpy() > PROMINENT_M
        cls = np.where((peaks["elev"].to_numpy() > 200) | hill, 2, 1)
        height = np.where(hill, rng.integers(15, 26, len(peaks)), rng.integers(35, 46, len(peaks)))
        cov = _equip(np.column_stack([lon, lat]), cls, height, rng)
        cum = got + np.cumsum(cov["rows"])
        k = int(np.searchsorted(cum, want, side="right"))
        if k < len(cum) and cum[k] - want < want - (cum[k - 1] if k else got):
            k += 1  # one more site brings the count nearer
        parts.append({key: v[:k] for key, v in cov.items()})
        got = int(cum[k - 1]) if k else got
        copy += 1
        if k < len(cum):
            break
    return _rows([cap, *parts])


def _equip(xy: np.ndarray, cls: np.ndarray, height: np.ndarray, rng: np.random.Generator) -> dict:
    """Technologies, EIRPs, operator and sectors of sites (``network.choose_techs`` and
    ``make_site``, vectorised); slots are 2G 900, 3G 2100, 4G 1800, 4G 900/700."""
    n = len(cls)
    u = rng.random((n, 7))
    mountain = cls == 2
    has = np.column_stack(
        [
            (cls == 0) | (u[:, 0] < 0.975),
            u[:, 1] < P3G[cls],
            ~mountain | (u[:, 5] < 0.5),
            mountain | ((cls == 1) & (u[:, 4] < 0.25)),
        ]
    )
    low = np.where(mountain, np.where(u[:, 2] < 0.7, 900, 700), np.where(u[:, 3] < 0.75, 900, 700))
    lo = np.array([EIRP_DBM["2G"][0], EIRP_DBM["3G"][0], EIRP_DBM["4G"][0], EIRP_DBM["4G"][0]])
    hi = np.array([EIRP_DBM["2G"][1], EIRP_DBM["3G"][1], EIRP_DBM["4G"][1], EIRP_DBM["4G"][1]])
    eirp = np.round(lo + rng.random((n, 4)) * (hi - lo), 1)
    cum = OPERATOR_SHARES.cumsum(axis=1)[cls]
    op = np.minimum((u[:, 6:7] > cum).sum(axis=1), 2)
    sectors = np.where(cls == 0, 3, 1)
    return {
        "xy": xy,
        "cls": cls,
        "height": height,
        "has": has,
        "low": low,
        "eirp": eirp,
        "op": op,
        "sectors": sectors,
        "rows": has.sum(axis=1) * sectors,
    }


def _rows(groups: list[dict]) -> pd.DataFrame:
    """One row per site x technology x sector, in the toolkit's columns."""
    g = {k: np.concatenate([grp[k] for grp in groups]) for k in groups[0]}
    site, slot = np.nonzero(g["has"])
    rep = g["sectors"][site]
    site, slot = np.repeat(site, rep), np.repeat(slot, rep)
    start = np.concatenate([[0], np.cumsum(rep)[:-1]])
    sector = np.arange(len(site)) - np.repeat(start, rep)
    urban = g["cls"][site] == 0
    tech = np.array(["2G", "3G", "4G", "4G"])[slot]
    freq = np.array([900, 2100, 1800, 0])[slot]
    freq = np.where(slot == 3, g["low"][site], freq)
    width = len(str(len(g["cls"])))
    ids = pd.Series(np.arange(1, len(g["cls"]) + 1)).astype(str).str.zfill(max(width, 6))
    return pd.DataFrame(
        {
            "site_id": ("VN" + ids).to_numpy()[site],
            "lon": np.round(g["xy"][site, 0], 6),
            "lat": np.round(g["xy"][site, 1], 6),
            "technology": tech,
            "frequency_mhz": freq,
            "height_m": g["height"][site],
            "azimuth_deg": np.where(urban, sector * 120.0, np.nan),
            "beamwidth_deg": np.where(urban, 65.0, np.nan),
            "eirp_dbm": g["eirp"][site, slot],
            "operator": OPERATORS[g["op"][site]],
        },
        columns=SITE_COLUMNS,
    )


def main(argv: list[str] | None = None) -> None:
    """Command line (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--villages", type=int, default=100_000)
    ap.add_argument("--site-rows", type=int, default=100_000)
    ap.add_argument("--area-fraction", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-dem", action="store_true")
    ap.add_argument("--shared", type=Path, default=None)
    a = ap.parse_args(argv)
    info = build(
        a.out,
        villages=a.villages,
        site_rows=a.site_rows,
        area_fraction=a.area_fraction,
        seed=a.seed,
        dem=not a.no_dem,
        shared=a.shared,
    )
    print(json.dumps(info, indent=2))


if __name__ == "__main__":
    main()
