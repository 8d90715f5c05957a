#!/usr/bin/env python
"""Drive-test file for the demo province: scanner levels along the roads (issue 17).

The file ``drive_test.csv`` gives measured 3G / 4G levels from a "true" network that the
demo does not otherwise reveal, so that ``coverage calibrate`` has something to meet. The
truth is a different model from any the toolkit predicts with, plus the errors a real
network has; it is written down here and in the README's data section only.

Routes
------
The campaign drives every national road (``class`` national of ``roads.gpkg``: QL1A
along the coast, QL12A in the north, QL15 in the centre, the two branches of the Hồ Chí
Minh road through the western hills) and a seeded subset of the synthetic local roads:
the local roads are split into ``BANDS`` north-south bands by the latitude of their
midpoint and, in each band, shuffled roads are taken until ``LOCAL_KM_PER_BAND`` km, so
the extra kilometres spread over the whole province. Each LineString (the parts of a
national road after ``line_merge``) of at least ``MIN_ROUTE_M`` is one route, driven from
its first vertex; a point is logged every ``STEP_M`` (100 m) along it
(``shapely.line_interpolate_point``, vectorised).

Time: routes are driven north to south (by the northing of their first point), packed
into campaign days of at most ``DAY_HOURS`` hours of driving from ``DAY_START`` (local
time, +07:00) with ``TRANSFER_MIN`` minutes between routes (not logged), at
``SPEED_KMH`` (40 km/h: 9 s per 100 m). Both technologies are scanned at once, so a
point's 3G and 4G rows share a time.

The true network
----------------
For every 3G and 4G row of ``sites.csv`` (read with :func:`coverage.io.read_layer`, so
with the toolkit's canonical columns and defaults) within ``MAX_DISTANCE_M`` (20 km)::

    level = EIRP - offset(technology) - L_hata + A + bias_site + BIAS_NETWORK_DB + shadow

* ``L_hata``: :func:`coverage.radio.pathloss.cost231_hata` (f >= 1500 MHz: 3G 2100,
  4G 1800) or :func:`~coverage.radio.pathloss.okumura_hata` (4G 700), mobile at
  1.5 m, base height = the mast height, horizontal distance (at least 50 m). No terrain:
  the toolkit's default ``terrain`` model (Hata suburban + diffraction over the DEM)
  sees hills this truth does not, and the truth has clutter the model does not: the
  ``urban`` environment for the three-sector sites (they stand in towns), ``suburban``
  for the omni sites.
* ``offset``: :func:`coverage.radio.linkbudget.reference_signal_offset_db`, as the raster
  models use it (4G: 10 log10(12 x 100 RB) = 30.8 dB, RSRP; 3G: 10 dB, CPICH RSCP at
  10 % of the carrier power), so ``level_dbm`` is the very quantity the toolkit predicts
  and compares with ``thresholds_dbm`` (RSRP for 4G, CPICH RSCP for 3G).
* ``A``: the 3GPP sector pattern (:func:`coverage.radio.antenna.sector_gain_db`) of the
  sector rows with the default settings (tilt 2°, 10° vertical beamwidth, 20 dB side
  lobes, 25 dB front-to-back), elevation over flat ground; 0 dB for omni rows, as the
  engine does.
* ``bias_site``: Gaussian, σ ``SITE_BIAS_DB`` (3 dB), one per site (shared by its
  sectors and technologies): some sites are weaker than their data sheet says.
* ``BIAS_NETWORK_DB``: -4 dB, the real network is weaker than planned.
* ``shadow``: log-normal shadowing, one field per site (shared by its sectors and
  technologies), σ ``SHADOW_DB`` (7 dB), spatially correlated along each route as an
  AR(1) (Gudmundson) sequence with ``ρ = exp(-Δd / D_CORR_M)`` over the 100 m steps
  (``D_CORR_M`` = 150 m: ρ = 0.51), run by ``scipy.signal.lfilter`` over points x sites,
  stationary from the first point. Routes are independent of one another (two routes
  that cross do not share their shadowing there).

The serving cell of a point and technology is the row with the highest level; its
``site_id`` is logged. ``level_dbm`` is rounded to 1 dB, as scanners log it, and kept
from the measurement floor (``FLOOR_DBM``: 4G RSRP -125 dBm, 3G RSCP -115 dBm; below it a
scanner reports no service and the point has no row for that technology) to -40 dBm
(stronger levels saturate the scanner and are dropped too).

Usage::

    python data/boundaries/drive_test.py [OUT.csv]

Default output: ``drive_test.csv`` beside this script. Seeded (``SEED``); two runs give
byte-identical files. Runs in a few seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.signal import lfilter

from coverage.io import read_layer
from coverage.radio.antenna import sector_gain_db
from coverage.radio.linkbudget import reference_signal_offset_db
from coverage.radio.pathloss import cost231_hata, okumura_hata
from coverage.settings import Settings

HERE = Path(__file__).resolve().parent
SEED = 2025
METRIC_CRS = "EPSG:3405"  # the roads' CRS (VN-2000 / UTM 48N), metres

# routes
STEP_M = 100.0
MIN_ROUTE_M = 500.0
BANDS = 5
LOCAL_KM_PER_BAND = 8.0
SPEED_KMH = 40.0
CAMPAIGN_START = "2025-11-03"  # a Monday
DAY_START = "08:00"
DAY_HOURS = 6.0
TRANSFER_MIN = 20.0
UTC_OFFSET = "+07:00"

# the true network
TECHNOLOGIES = ("3G", "4G")
RX_HEIGHT_M = 1.5
MIN_DISTANCE_M = 50.0
MAX_DISTANCE_M = 20_000.0
SITE_BIAS_DB = 3.0
BIAS_NETWORK_DB = -4.0
SHADOW_DB = 7.0
D_CORR_M = 150.0
FLOOR_DBM = {"3G": -115.0, "4G": -125.0}
CEILING_DBM = -40.0

COLUMNS = ["lon", "lat", "technology", "level_dbm", "site_id", "time"]


def build(
    out_path: Path | str,
    *,
    roads_path: Path | str = HERE / "roads.gpkg",
    sites_path: Path | str = HERE / "sites.csv",
) -> pd.DataFrame:
    """Build the drive-test table, write it to ``out_path`` (CSV) and return it."""
    rng = np.random.default_rng(SEED)
    roads = gpd.read_file(roads_path).to_crs(METRIC_CRS)
    sites = read_layer(str(sites_path), "sites").frame
    sites = sites[sites["technology"].isin(TECHNOLOGIES)].reset_index(drop=True)
    sites = sites.to_crs(METRIC_CRS)

    site_ids = np.unique(sites["site_id"].to_numpy())
    site_bias = rng.normal(0.0, SITE_BIAS_DB, len(site_ids))
    routes = _routes(roads, rng)
    points, route_of, along = _sample(routes)
    seconds = _times(routes, route_of, along)
    shadow = _shadowing(route_of, len(site_ids), rng)

    site_index = np.searchsorted(site_ids, sites["site_id"].to_numpy())
    frames = []
    for tech in TECHNOLOGIES:
        rows = sites[sites["technology"] == tech]
        idx = site_index[rows.index.to_numpy()]
        level = _levels(points, rows, tech)
        level += site_bias[idx] + BIAS_NETWORK_DB + shadow[:, idx]
        best = np.argmax(level, axis=1)
        top = np.round(level[np.arange(len(points)), best])
        keep = (top >= FLOOR_DBM[tech]) & (top <= CEILING_DBM)
        frames.append(
            pd.DataFrame(
                {
                    "point": np.flatnonzero(keep),
                    "technology": tech,
                    "level_dbm": top[keep].astype(int),
                    "site_id": rows["site_id"].to_numpy()[best[keep]],
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    table = table.sort_values(["point", "technology"], kind="stable").reset_index(drop=True)
    lonlat = shapely.get_coordinates(
        gpd.GeoSeries(points, crs=METRIC_CRS).to_crs("EPSG:4326").to_numpy()
    )
    p = table["point"].to_numpy()
    table["lon"] = np.round(lonlat[p, 0], 6)
    table["lat"] = np.round(lonlat[p, 1], 6)
    start = datetime.fromisoformat(f"{CAMPAIGN_START}T00:00:00")
    table["time"] = [
        (start + timedelta(seconds=int(s))).isoformat() + UTC_OFFSET for s in seconds[p]
    ]
    table = table[COLUMNS]
    table.to_csv(out_path, index=False, float_format="%.6f", lineterminator="\n")
    return table


def _routes(roads: gpd.GeoDataFrame, rng: np.random.Generator) -> np.ndarray:
    """The driven LineStrings: the national roads' merged parts, then the local subset."""
    national = roads.geometry[roads["class"] == "national"].to_numpy()
    merged = shapely.get_parts(shapely.line_merge(national))
    local = roads.geometry[roads["class"] == "local"].to_numpy()
    local = shapely.get_parts(shapely.line_merge(local))
    mid_y = shapely.get_y(shapely.line_interpolate_point(local, 0.5, normalized=True))
    edges = np.quantile(mid_y, np.linspace(0, 1, BANDS + 1))
    band = np.clip(np.searchsorted(edges, mid_y, side="right") - 1, 0, BANDS - 1)
    chosen = []
    for b in range(BANDS):
        members = rng.permutation(np.flatnonzero(band == b))
        km = np.cumsum(shapely.length(local[members])) / 1000.0
        chosen.append(members[: np.searchsorted(km, LOCAL_KM_PER_BAND) + 1])
    picked = local[np.sort(np.concatenate(chosen))]
    lines = np.concatenate([merged, picked])
    lines = lines[shapely.length(lines) >= MIN_ROUTE_M]
    first_y = shapely.get_y(shapely.get_point(lines, 0))
    return lines[np.argsort(-first_y, kind="stable")]  # north to south


def _sample(routes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points every STEP_M along each route; each point's route and distance along it."""
    counts = np.ceil(shapely.length(routes) / STEP_M).astype(int)
    route_of = np.repeat(np.arange(len(routes)), counts)
    first = np.cumsum(counts) - counts
    along = (np.arange(counts.sum()) - np.repeat(first, counts)) * STEP_M
    points = shapely.line_interpolate_point(routes[route_of], along)
    return points, route_of, along


def _times(routes: np.ndarray, route_of: np.ndarray, along: np.ndarray) -> np.ndarray:
    """Seconds from the campaign's first midnight for every point."""
    drive_s = shapely.length(routes) / (SPEED_KMH / 3.6)
    hours, minutes = map(int, DAY_START.split(":"))
    day_start = hours * 3600.0 + minutes * 60.0
    start = np.empty(len(routes))
    day, used = 0, 0.0
    for i, duration in enumerate(drive_s):  # a few dozen routes, not a hot path
        if used > 0 and used + duration > DAY_HOURS * 3600.0:
            day, used = day + 1, 0.0
        start[i] = day * 86400.0 + day_start + used
        used += duration + TRANSFER_MIN * 60.0
    return np.round(start[route_of] + along / (SPEED_KMH / 3.6))


def _shadowing(route_of: np.ndarray, n_sites: int, rng: np.random.Generator) -> np.ndarray:
    """AR(1) shadowing along each route, points x sites, σ SHADOW_DB, ρ per STEP_M."""
    rho = np.exp(-STEP_M / D_CORR_M)
    noise = rng.standard_normal((len(route_of), n_sites))
    shadow = np.empty_like(noise)
    bounds = np.flatnonzero(np.diff(np.r_[-1, route_of, -2]))
    for a, b in pairwise(bounds):  # one filter per route
        e = noise[a:b] * (SHADOW_DB * np.sqrt(1.0 - rho**2))
        e[0] = noise[a] * SHADOW_DB  # stationary from the first point
        shadow[a:b] = lfilter([1.0], [1.0, -rho], e, axis=0)
    return shadow


def _levels(points: np.ndarray, rows: gpd.GeoDataFrame, tech: str) -> np.ndarray:
    """Level (dBm, technology's measured quantity) of every row at every point, without
    the biases and shadowing; -inf beyond MAX_DISTANCE_M."""
    settings = Settings()
    px, py = shapely.get_x(points)[:, None], shapely.get_y(points)[:, None]
    sx = shapely.get_x(rows.geometry.to_numpy())[None, :]
    sy = shapely.get_y(rows.geometry.to_numpy())[None, :]
    dx, dy = px - sx, py - sy
    dist = np.hypot(dx, dy)
    d = np.maximum(dist, MIN_DISTANCE_M)
    f = rows["frequency_mhz"].to_numpy(dtype=float)
    hb = rows["height_m"].to_numpy(dtype=float)
    az = rows["azimuth_deg"].to_numpy(dtype=float, na_value=np.nan)
    bw = rows["beamwidth_deg"].to_numpy(dtype=float, na_value=np.nan)
    sector = np.isfinite(az) & np.isfinite(bw) & (bw < 360)
    loss = np.empty_like(d)
    for urban in (True, False):
        for high in (True, False):
            cols = (sector == urban) & ((f >= 1500) == high)
            if not cols.any():
                continue
            model = cost231_hata if high else okumura_hata
            loss[:, cols] = model(
                d[:, cols], f[cols], hb[cols], RX_HEIGHT_M,
                environment="urban" if urban else "suburban",
            )  # fmt: skip
    gain = np.zeros_like(d)
    for width in np.unique(bw[sector]):  # the pattern takes one beamwidth a call
        cols = sector & (bw == width)
        bearing = np.degrees(np.arctan2(dx[:, cols], dy[:, cols]))
        elevation = -np.degrees(np.arctan2(hb[cols] - RX_HEIGHT_M, d[:, cols]))
        gain[:, cols] = sector_gain_db(
            bearing, az[cols], elevation,
            beamwidth_deg=float(width), front_to_back_db=settings.front_to_back_db,
            tilt_deg=settings.default_tilt_deg,
            vertical_beamwidth_deg=settings.vertical_beamwidth_deg,
            side_lobe_db=settings.side_lobe_db,
        )  # fmt: skip
    eirp = rows["eirp_dbm"].to_numpy(dtype=float)
    level = eirp - reference_signal_offset_db(tech) - loss + gain
    return np.where(dist <= MAX_DISTANCE_M, level, -np.inf)


def _summary(table: pd.DataFrame, seconds: float) -> str:
    points = table.drop_duplicates(["lon", "lat", "time"])
    lines = [
        f"drive test: {len(points):,} points logged, {len(table):,} rows, "
        f"{table['time'].str[:10].nunique()} days, {seconds:.1f} s"
    ]
    for tech, group in table.groupby("technology"):
        q = np.percentile(group["level_dbm"], [5, 25, 50, 75, 95])
        lines.append(
            f"  {tech}: {len(group):,} points, {group['site_id'].nunique()} serving sites; "
            "level p5/p25/p50/p75/p95 = " + " / ".join(f"{v:.0f}" for v in q) + " dBm"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=str(HERE / "drive_test.csv"))
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    table = build(args.out)
    print(_summary(table, time.perf_counter() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
