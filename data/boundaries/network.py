"""The demo's cell sites, laid out as operators build them, with the toolkit's terrain model.

A build-time module of ``make_demo.py`` (issue 13), never imported by the package.

Two passes, as a rural network grows:

1. **Capacity**: sites where people are. One site per ~1,050 people in towns (three sectors,
   rooftop masts of 15-30 m) and per ~1,700 in large villages, in the village itself.
2. **Coverage**: candidate sites on high ground near the settlements: the local maxima of
   the terrain (1.1 km window) within :data:`ROAD_REACH_M` of a road (a site needs an access
   track and power) and :data:`VILLAGE_REACH_M` of a village, plus one knoll per village
   (its highest point within 800 m of the village's centre). Each candidate gets its
   technologies, EIRPs and a mast for its ground: 15-25 m on a prominent hill, 35-45 m
   elsewhere. Its 3G/4G footprint is predicted with the toolkit's own ``terrain`` model
   (:func:`coverage.models.raster.predict_raster`, the default settings, the demo DEM), and
   a greedy set cover adds, one at a time, the candidate that brings the most people of
   villages newly covered under the toolkit's village rule (area share >= 0.5), until
   :data:`TARGET_SHARE` of the villages are covered. What is left are the villages no
   candidate serves for many people: small, remote border and mountain villages, the lõm
   sóng of the provincial reports.

Operators: Viettel leads in the mountains, the three share the towns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rasterio.features import rasterize
from scipy import ndimage
from scipy.spatial import cKDTree

from coverage.models.raster import predict_raster, site_footprints
from coverage.models.terrain import hata_kernel
from coverage.radio.dem import Grid, load_dem
from coverage.settings import Settings

OPERATORS = ["Viettel", "VNPT-VinaPhone", "MobiFone"]
OPERATOR_SHARES = {
    "urban": [0.4, 0.32, 0.28],
    "rural": [0.5, 0.3, 0.2],
    "mountain": [0.72, 0.2, 0.08],
}
SITE_COLUMNS = [
    "site_id",
    "lon",
    "lat",
    "technology",
    "frequency_mhz",
    "height_m",
    "azimuth_deg",
    "beamwidth_deg",
    "eirp_dbm",
    "operator",
    "range_m",
]
EIRP_DBM = {"2G": (57.0, 60.0), "3G": (55.0, 58.0), "4G": (58.0, 61.5), "5G": (60.0, 62.0)}
TARGET_SHARE = 0.977  # the province's reported share of villages with 3G/4G
ROAD_REACH_M = 1500.0
VILLAGE_REACH_M = 6000.0
PEAK_WINDOW_CELLS = 11  # local-maximum window on the 100 m working grid
PROMINENT_M = 60.0  # a candidate this far above its 2 km surroundings is "on a hill"
HEADLINE = ("3G", "4G")
FOOTPRINT_MARGIN_M = 16_000.0  # beyond the 4G prediction radius (15 km)


@dataclass
class Site:
    """One physical site: position, class, technologies with EIRPs, operator, mast."""

    x: float
    y: float
    cls: str  # urban | rural | mountain
    cidx: int
    techs: list[tuple[str, int]]
    eirp: list[float]
    operator: str
    height: int
    sectors: tuple = field(default=(None,))


def choose_techs(cls: str, rng: np.random.Generator) -> list[tuple[str, int]]:
    """Technology/band mix of one site."""
    techs: list[tuple[str, int]] = []
    if cls == "urban" or rng.random() < 0.975:
        techs.append(("2G", 900))
    p3g = {"urban": 0.8, "rural": 0.62, "mountain": 0.35}[cls]
    if rng.random() < p3g:
        techs.append(("3G", 2100))
    if cls == "mountain":
        techs.append(("4G", 900 if rng.random() < 0.7 else 700))
        if rng.random() < 0.5:
            techs.append(("4G", 1800))
    else:
        techs.append(("4G", 1800))
        if cls == "rural" and rng.random() < 0.25:
            techs.append(("4G", 900 if rng.random() < 0.75 else 700))
    return techs


def make_site(
    x: float, y: float, cls: str, cidx: int, height: int, rng: np.random.Generator
) -> Site:
    """A site with its technologies, EIRPs and operator drawn from ``rng``."""
    techs = choose_techs(cls, rng)
    eirp = [round(float(rng.uniform(*EIRP_DBM[t])), 1) for t, _ in techs]
    op = OPERATORS[int(rng.choice(3, p=OPERATOR_SHARES[cls]))]
    sectors = (0, 120, 240) if cls == "urban" else (None,)
    return Site(x, y, cls, cidx, techs, eirp, op, height, sectors)


def site_frame(sites: list[Site], crs: str, first_id: int = 0) -> gpd.GeoDataFrame:
    """The sites' rows as the toolkit reads them (one per technology and sector)."""
    recs = []
    for i, s in enumerate(sites, start=first_id):
        for (tech, f), eirp in zip(s.techs, s.eirp, strict=True):
            for az in s.sectors:
                recs.append(
                    {
                        "site_id": f"S{i}",
                        "technology": tech,
                        "frequency_mhz": float(f),
                        "height_m": float(s.height),
                        "azimuth_deg": np.nan if az is None else float(az),
                        "beamwidth_deg": np.nan if az is None else 65.0,
                        "eirp_dbm": eirp,
                        "x": s.x,
                        "y": s.y,
                    }
                )
    frame = pd.DataFrame(recs)
    return gpd.GeoDataFrame(
        frame.drop(columns=["x", "y"]), geometry=shapely.points(frame[["x", "y"]]), crs=crs
    )


class Footprints:
    """3G/4G footprints of sites under the toolkit's terrain model, on the DEM's grid."""

    def __init__(self, dem_path: str, crs: str, bounds: tuple[float, float, float, float]):
        self.settings = Settings(dem=(dem_path,))
        self.kernel = hata_kernel(self.settings, terrain=True)
        xmin, ymin, xmax, ymax = bounds
        m = FOOTPRINT_MARGIN_M
        self.grid = load_dem([dem_path], crs=crs, bounds=(xmin - m, ymin - m, xmax + m, ymax + m))
        self.crs = crs

    def flat(self, sites: list[Site]) -> np.ndarray:
        """Flat indices (on :attr:`grid`) of the pixels the sites cover with 3G or 4G."""
        if not sites:
            return np.zeros(0, dtype=np.int64)
        pred = predict_raster(
            site_frame(sites, self.crs), self.grid, settings=self.settings, kernel=self.kernel
        )
        return np.flatnonzero(pred.covered(HEADLINE).ravel())

    def each(self, sites: list[Site]) -> list[np.ndarray]:
        """Each site's own 3G/4G pixels (flat indices on :attr:`grid`), in one threaded pass
        of the toolkit's :func:`~coverage.models.raster.site_footprints`."""
        if not sites:
            return []
        own = site_footprints(
            site_frame(sites, self.crs),
            self.grid,
            settings=self.settings,
            kernel=self.kernel,
            technologies=HEADLINE,
        )
        return [own[f"S{i}"] for i in range(len(sites))]


def village_raster(villages: gpd.GeoDataFrame, grid: Grid) -> np.ndarray:
    """Flat village index (-1: none) of each pixel whose centre lies in a village."""
    lab = rasterize(
        ((g, i + 1) for i, g in enumerate(villages.geometry)),
        out_shape=grid.shape,
        transform=grid.transform,
        fill=0,
        dtype="int32",
    )
    return lab.ravel().astype(np.int64) - 1


def candidates(
    wgrid,
    villages: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    vil: pd.DataFrame,
    todo: np.ndarray,
    rng: np.random.Generator,
) -> list[Site]:
    """Coverage candidates on high ground near the villages ``todo`` (boolean per village)
    and near roads (see module docstring)."""
    elev = wgrid.elev
    inside = wgrid.inside
    near_road = (
        rasterize(
            ((g, 1) for g in roads.geometry.buffer(ROAD_REACH_M)),
            out_shape=wgrid.shape,
            transform=wgrid.transform,
            fill=0,
            dtype="uint8",
        )
        > 0
    )
    vxy = np.column_stack([vil["cx"].to_numpy(), vil["cy"].to_numpy()])[todo]
    vidx = np.flatnonzero(todo)
    peak = (elev == ndimage.maximum_filter(elev, PEAK_WINDOW_CELLS)) & inside & near_road
    surround = ndimage.uniform_filter(elev, 41)
    rows, cols = np.nonzero(peak)
    px, py = wgrid.x[rows, cols], wgrid.y[rows, cols]
    d, nearest = cKDTree(vxy).query(np.column_stack([px, py]))
    keep = d <= VILLAGE_REACH_M
    pos = [(px[k], py[k], rows[k], cols[k], int(vidx[nearest[k]])) for k in np.flatnonzero(keep)]
    # one knoll per rural village: its highest cell within 800 m of its centre
    tree = cKDTree(np.column_stack([wgrid.x[inside], wgrid.y[inside]]))
    in_r, in_c = np.nonzero(inside)
    for v, (x, y) in zip(vidx, vxy, strict=True):
        if vil.at[v, "urban"]:
            continue
        idx = tree.query_ball_point([x, y], 800.0)
        if not idx:
            continue
        idx = np.asarray(idx)
        j = idx[np.argmax(elev[in_r[idx], in_c[idx]])]
        pos.append((wgrid.x[in_r[j], in_c[j]], wgrid.y[in_r[j], in_c[j]], in_r[j], in_c[j], v))
    out = []
    for x, y, r, c, v in pos:
        prom = elev[r, c] - surround[r, c]
        hill = prom > PROMINENT_M
        cls = "mountain" if (elev[r, c] > 200 or hill) else "rural"
        height = int(rng.integers(15, 26)) if hill else int(rng.integers(35, 46))
        out.append(make_site(float(x), float(y), cls, int(vil.at[v, "cidx"]), height, rng))
    return out


def capacity_sites(
    vil: pd.DataFrame, cells: dict[int, np.ndarray], rng: np.random.Generator
) -> list[Site]:
    """Population-driven sites inside towns and large villages."""
    out = []
    for v in range(len(vil)):
        xy = cells.get(v)
        if xy is None or len(xy) == 0:
            continue
        urban = bool(vil.at[v, "urban"])
        per = 1050.0 if urban else 1700.0
        n = math.floor(vil.at[v, "population"] / per + rng.random())
        cls = "urban" if urban else ("mountain" if vil.at[v, "elev"] > 200 else "rural")
        lo, hi = (15, 31) if urban else (30, 46)
        for j in rng.choice(len(xy), size=min(n, len(xy)), replace=False):
            x, y = xy[j] + rng.uniform(-40, 40, 2)
            out.append(
                make_site(
                    float(x), float(y), cls, int(vil.at[v, "cidx"]), int(rng.integers(lo, hi)), rng
                )
            )
    return out


def village_shares(vid: np.ndarray, covered: np.ndarray) -> np.ndarray:
    """Share of each village's pixels in ``covered`` (flat pixel indices)."""
    nv = int(vid.max()) + 1
    npx = np.bincount(vid[vid >= 0], minlength=nv)
    hit = vid[covered]
    got = np.bincount(hit[hit >= 0], minlength=nv)
    return np.where(npx > 0, got / np.maximum(npx, 1), 0.0)


def greedy_cover(
    fp: Footprints,
    vid: np.ndarray,
    population: np.ndarray,
    base: np.ndarray,
    cands: list[Site],
    *,
    target: float = TARGET_SHARE,
    log=print,
) -> list[int]:
    """Indices of the candidates chosen, in order (see module docstring)."""
    nv = len(population)
    npx = np.bincount(vid[vid >= 0], minlength=nv).astype(np.float64)
    cov = np.zeros(vid.size, dtype=bool)
    cov[base] = True

    def shares() -> np.ndarray:
        got = np.bincount(vid[cov & (vid >= 0)], minlength=nv)
        return np.where(npx > 0, got / np.maximum(npx, 1), 0.0)

    # every candidate's pixels inside villages, as one long array
    log(f"  footprints of {len(cands)} candidates")
    pix = [f[vid[f] >= 0] for f in fp.each(cands)]
    who = [np.full(len(f), k, dtype=np.int64) for k, f in enumerate(pix)]
    pix_all = np.concatenate(pix)
    who_all = np.concatenate(who)
    chosen: list[int] = []
    weight = population.astype(np.float64)
    while True:
        share = shares()
        done = share >= 0.5 - 1e-9
        if done.mean() >= target:
            break
        keep = ~cov[pix_all] & ~done[vid[pix_all]]
        pix_all, who_all = pix_all[keep], who_all[keep]
        if len(pix_all) == 0:
            break
        v = vid[pix_all]
        tally = np.bincount(who_all * nv + v, minlength=len(cands) * nv)
        pair = np.flatnonzero(tally)
        counts = tally[pair]
        pc, pv = pair // nv, pair % nv
        new_share = share[pv] + counts / npx[pv]
        crossing = new_share >= 0.5 - 1e-9
        gain = np.bincount(pc, weights=weight[pv] * crossing, minlength=len(cands))
        gain += 0.05 * np.bincount(pc, weights=weight[pv] * counts / npx[pv], minlength=len(cands))
        best = int(np.argmax(gain))
        if gain[best] <= 0:
            break
        chosen.append(best)
        cov[pix_all[who_all == best]] = True
    return chosen
