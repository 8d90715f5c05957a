"""Which terrain profile makes our ITM reproduce SPLAT!'s ITM area map?

Our exact ITM 1.2.2 (:func:`coverage.radio.itm.itm_p2p`) reproduces SPLAT!'s point-to-point
losses to 0.001 dB when fed SPLAT!'s own profiles, so any disagreement with SPLAT!'s area map
(``shared/reference/splat/area_sample_10km.csv``, 300 pixels, ``-olditm``, 900 / 1800 MHz)
comes from the profile. This script rebuilds, for every sample pixel, the profile the way
SPLAT! 1.4.2 does and compares the resulting loss with SPLAT!'s:

* ``ReadPath``: great circle sampled every ``total / hypot(dx, dy)`` miles, where dx, dy are
  the longitude / latitude differences in 3-arcsecond posts (about one post), plus the exact
  end point; heights from the nearest post (``rint``); earth radius 3959 miles.
* Area mode (``PlotLRMap`` / ``PlotLRPath``): radials from the TX to every edge post of the
  loaded tile; sample y of a radial (2 <= y < L - 1, within the radius, pixel not yet
  filled) gets the loss of the profile made of samples 0..y-1, spacing d[y] - d[y-1].
  The csv's lat / lon are those of the sample itself (7 decimals), which identifies the
  radial and the sample index exactly.

Variants (``path`` / ``end`` / ``heights``):

* ``radial``: samples of the reconstructed SPLAT! radial to the tile edge; ``direct``: a
  ``ReadPath`` from the TX to the pixel itself (what a per-pixel p2p model would do).
* ``trunc``: the profile stops one sample before the pixel (area-mode rule); ``full``: the
  profile ends at the pixel.
* ``nearest``: nearest-post heights as SPLAT!; ``bilinear``: bilinear interpolation of the
  four surrounding posts.

Each variant is run at time 50 % and 90 % (situations 50 %, mdvar 12), since the area-map
``.lrp`` time fraction is not stated in the csv.

Usage, from the repository root::

    python benchmarks/itm_vs_splat.py [--reference DIR] [--worst N]

Prints a table per variant and frequency (median / 95th percentile of |ours - SPLAT!|,
share within ±1 dB, overall and split by SPLAT!'s obstructed flag), then the worst pixels
of the best variant.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from coverage.radio.itm import itm_p2p  # noqa: E402

DEFAULT_REFERENCE = REPO.parent / "shared" / "reference" / "splat"

# SPLAT! constants (splat.cpp 1.4.2)
DEG2RAD = 1.74532925199432957692e-02
PI = math.pi
TWOPI = 2.0 * math.pi
EARTH_MILES = 3959.0
METERS_PER_MILE = 1609.344
PPD = 1200.0  # posts per degree, 3-arcsecond
DPP = 1.0 / PPD
SAMPLES_PER_RADIAN = 68755.0

# Tile N17E106 in SPLAT!'s west-positive longitudes
MIN_NORTH, MAX_NORTH = 17.0, 18.0
MIN_WEST, MAX_WEST = 253.0, 254.0

# Scenario
TX_LAT, TX_LON_W = 17.45, 360.0 - 106.55
TX_HEIGHT_M, RX_HEIGHT_M = 30.0, 1.5
RADIUS_MILES = 10.0 / 1.609344
ITM_KW = dict(epsilon=15.0, sigma=0.005, n0=301.0, climate=3, polarization=1, mdvar=12)

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Path_:
    """A SPLAT! ``ReadPath`` result: latitudes, west longitudes, distances (miles)."""

    lat: Array
    lon_w: Array
    dist: Array


class Dem:
    """The 3″ tile with SPLAT!'s (nearest post) and a bilinear height lookup."""

    def __init__(self, path: Path) -> None:
        import rasterio

        with rasterio.open(path) as src:
            self.z = src.read(1).astype(np.float64)
        # post (r, c) is at (18 - r / 1200 N, 106 + c / 1200 E)

    @staticmethod
    def _rc(lat: Array, lon_w: Array) -> tuple[Array, Array]:
        lon_e = 360.0 - lon_w
        return (MAX_NORTH - lat) * PPD, (lon_e - (360.0 - MAX_WEST)) * PPD

    def nearest(self, lat: Array, lon_w: Array) -> Array:
        """``GetElevation``: rint of the post coordinates (feet round-trip is < 1e-6 m)."""
        x = np.rint(PPD * (lat - MIN_NORTH))  # SPLAT!'s row index, from the south
        y = np.rint(PPD * (MAX_WEST - lon_w))  # column index, from the west
        return self.z[(PPD - x).astype(int), y.astype(int)]

    def bilinear(self, lat: Array, lon_w: Array) -> Array:
        r, c = self._rc(lat, lon_w)
        r0, c0 = np.floor(r).astype(int), np.floor(c).astype(int)
        fr, fc = r - r0, c - c0
        z = self.z
        top = z[r0, c0] * (1 - fc) + z[r0, c0 + 1] * fc
        bot = z[r0 + 1, c0] * (1 - fc) + z[r0 + 1, c0 + 1] * fc
        return top * (1 - fr) + bot * fr


def distance_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """SPLAT!'s ``Distance`` (spherical law of cosines, 3959 miles)."""
    a1, o1, a2, o2 = lat1 * DEG2RAD, lon1 * DEG2RAD, lat2 * DEG2RAD, lon2 * DEG2RAD
    c = math.sin(a1) * math.sin(a2) + math.cos(a1) * math.cos(a2) * math.cos(o1 - o2)
    return EARTH_MILES * math.acos(min(1.0, max(-1.0, c)))


def azimuth_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """SPLAT!'s ``Azimuth`` (west-positive longitudes), degrees from true north."""
    a1, o1, a2, o2 = lat1 * DEG2RAD, lon1 * DEG2RAD, lat2 * DEG2RAD, lon2 * DEG2RAD
    beta = math.acos(
        min(1.0, math.sin(a1) * math.sin(a2) + math.cos(a1) * math.cos(a2) * math.cos(o1 - o2))
    )
    frac = (math.sin(a2) - math.sin(a1) * math.cos(beta)) / (math.cos(a1) * math.sin(beta))
    az = math.acos(min(1.0, max(-1.0, frac)))
    diff = o2 - o1
    if diff <= -PI:
        diff += TWOPI
    if diff >= PI:
        diff -= TWOPI
    if diff > 0.0:
        az = TWOPI - az
    return az / DEG2RAD


def read_path(lat1d: float, lon1d: float, lat2d: float, lon2d: float) -> Path_:
    """SPLAT!'s ``ReadPath``: great-circle samples at ~one post plus the exact end point."""
    lat1, lon1 = lat1d * DEG2RAD, lon1d * DEG2RAD
    lat2, lon2 = lat2d * DEG2RAD, lon2d * DEG2RAD
    az = azimuth_deg(lat1d, lon1d, lat2d, lon2d) * DEG2RAD
    total = distance_miles(lat1d, lon1d, lat2d, lon2d)
    dx = SAMPLES_PER_RADIAN * math.acos(math.cos(lon1 - lon2))
    dy = SAMPLES_PER_RADIAN * math.acos(math.cos(lat1 - lat2))
    mps = total / math.hypot(dx, dy)
    n = math.floor(total / mps) + 2
    c = np.arange(n, dtype=np.float64)
    d = mps * c
    d = d[d <= total]
    beta = d / EARTH_MILES
    la = np.arcsin(np.sin(lat1) * np.cos(beta) + math.cos(az) * np.sin(beta) * np.cos(lat1))
    num = np.cos(beta) - np.sin(lat1) * np.sin(la)
    den = np.cos(lat1) * np.cos(la)
    with np.errstate(invalid="ignore"):
        ac = np.arccos(np.clip(num / den, -1.0, 1.0))
    ac = np.where(np.abs(num / den) > 1.0, 0.0, ac)
    lo = lon1 - ac if PI - az >= 0.0 else lon1 + ac
    lo = np.mod(lo, TWOPI)
    lat = np.append(la / DEG2RAD, lat2d)
    lon = np.append(lo / DEG2RAD, lon2d)
    return Path_(lat, lon, np.append(d, total))


def edge_points() -> list[tuple[float, float]]:
    """Destinations of ``PlotLRMap``'s radials: every edge post of the loaded tile."""
    minwest, maxnorth = DPP + MIN_WEST, MAX_NORTH - DPP
    edges: list[tuple[float, float]] = []
    n = round(PPD)
    for y in range(n):  # north edge, lon = minwest .. max_west
        edges.append((MAX_NORTH, minwest + DPP * y))
    for y in range(n + 1):  # west edge
        edges.append((maxnorth - DPP * y, MAX_WEST))
    for y in range(n):  # south edge
        edges.append((MIN_NORTH, minwest + DPP * y))
    for y in range(n):  # east edge
        edges.append((MIN_NORTH + DPP * y, MIN_WEST))
    return edges


def find_radial(
    lat: float, lon_w: float, edges: list[tuple[float, float]], edge_az: Array
) -> tuple[Path_, int] | None:
    """The first radial (in SPLAT!'s order) one of whose samples is (lat, lon_w)."""
    az = azimuth_deg(TX_LAT, TX_LON_W, lat, lon_w)
    dif = np.abs((edge_az - az + 180.0) % 360.0 - 180.0)
    for i in np.flatnonzero(dif < 0.05):
        p = read_path(TX_LAT, TX_LON_W, *edges[i])
        hit = np.flatnonzero((np.abs(p.lat - lat) < 6e-8) & (np.abs(p.lon_w - lon_w) < 6e-8))
        if hit.size:
            return p, int(hit[0])
    return None


def profile(
    variant: tuple[str, str, str], row: dict[str, str], radial: tuple[Path_, int] | None,
    dem: Dem,
) -> tuple[Array, float] | None:  # fmt: skip
    """Elevations (m) and spacing (m) of the profile a variant hands to ITM."""
    path_kind, end, heights = variant
    lat, lon_w = float(row["lat"]), 360.0 - float(row["lon"])
    if path_kind == "radial":
        if radial is None:
            return None
        p, y = radial
        last = y - 1 if end == "trunc" else y
        lats, lons = p.lat[: last + 1], p.lon_w[: last + 1]
        xi = (p.dist[y] - p.dist[y - 1]) * METERS_PER_MILE
    else:
        p = read_path(TX_LAT, TX_LON_W, lat, lon_w)
        n = p.lat.size  # last sample is the exact pixel
        if end == "trunc":
            lats, lons = p.lat[: n - 1], p.lon_w[: n - 1]
            xi = (p.dist[1] - p.dist[0]) * METERS_PER_MILE
        else:
            lats, lons = p.lat, p.lon_w
            xi = p.dist[-1] * METERS_PER_MILE / (n - 1)
    z = dem.nearest(lats, lons) if heights == "nearest" else dem.bilinear(lats, lons)
    if z.size < 3:
        return None
    return z, xi


def loss(z: Array, xi: float, freq: float, time_pct: float) -> float:
    r = itm_p2p(
        z, xi, TX_HEIGHT_M, RX_HEIGHT_M, frequency_mhz=freq, time=time_pct, situation=50.0,
        location=50.0, **ITM_KW,
    )  # fmt: skip
    return float(r.loss_db)


def stats(diff: Array) -> str:
    a = np.abs(diff[np.isfinite(diff)])
    if a.size == 0:
        return f"{'n=0':>33}"
    mean = float(np.mean(diff[np.isfinite(diff)]))
    return (
        f"{np.median(a):5.2f} {np.percentile(a, 95):6.2f} {100 * (a <= 1.0).mean():5.1f}% "
        f"{mean:+6.2f} (n={a.size:3d})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    ap.add_argument("--worst", type=int, default=15)
    args = ap.parse_args()
    ref: Path = args.reference

    # 0. check ReadPath + nearest heights against SPLAT!'s exact p2p profiles
    dem = Dem(ref / "dem_N17E106.tif")
    pts = json.loads((ref / "p2p_profiles.json").read_text())["points"]
    worst_z, worst_d = 0.0, 0.0
    for v in pts.values():
        p = read_path(TX_LAT, TX_LON_W, v["rx_lat"], 360.0 - v["rx_lon"])
        if p.lat.size != len(v["elev_m"]):
            print(f"  p2p check: {v['rx_lat']} sample count {p.lat.size} != {len(v['elev_m'])}")
            continue
        worst_z = max(worst_z, float(np.max(np.abs(dem.nearest(p.lat, p.lon_w) - v["elev_m"]))))
        worst_d = max(worst_d, float(np.max(np.abs(p.dist * 1.609344 - v["dist_km"]))))
    print(f"ReadPath check vs p2p_profiles.json: max |dz| {worst_z:.3f} m, "
          f"max |dd| {worst_d * 1000:.3f} m over {len(pts)} paths")  # fmt: skip

    # 1. the sample pixels and their SPLAT! radials
    with open(ref / "area_sample_10km.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    edges = edge_points()
    edge_az = np.array([azimuth_deg(TX_LAT, TX_LON_W, a, o) for a, o in edges])
    radials = [find_radial(float(r["lat"]), 360.0 - float(r["lon"]), edges, edge_az) for r in rows]
    found = sum(r is not None for r in radials)
    print(f"radials reconstructed (sample lat/lon matched to 6e-8°): {found}/{len(rows)}")
    obstructed = np.array([r["obstructed"] == "1" for r in rows])

    variants = [
        (p, e, h) for p in ("radial", "direct") for e in ("trunc", "full")
        for h in ("nearest", "bilinear")
    ]  # fmt: skip
    header = "median   p95  ±1dB   mean"
    print(f"\n{'variant':<26} {'MHz':>4} {'time':>4} | {'all: ' + header:<39} | "
          f"{'LOS: ' + header:<39} | {'obstructed: ' + header}")  # fmt: skip
    results: dict[tuple, Array] = {}
    for var in variants:
        profs = [profile(var, r, rad, dem) for r, rad in zip(rows, radials, strict=True)]
        for freq in (900.0, 1800.0):
            splat = np.array([float(r[f"loss_db_itm_{int(freq)}"]) for r in rows])
            for tpct in (50.0, 90.0):
                ours = np.array([np.nan if pr is None else loss(*pr, freq, tpct) for pr in profs])
                diff = ours - splat
                results[(var, freq, tpct)] = diff
                print(f"{'/'.join(var):<26} {freq:4.0f} {tpct:4.0f} | {stats(diff):<39} | "
                      f"{stats(diff[~obstructed]):<39} | {stats(diff[obstructed])}")  # fmt: skip

    # 2. the best variant and its worst pixels
    def score(key: tuple) -> float:
        a = np.abs(results[key])
        return float(np.nanmean(a <= 1.0)) - 1e-3 * float(np.nanmedian(a))

    best = max(results, key=score)
    var, _, tpct = best
    print(f"\nbest: {'/'.join(var)} at time {tpct:.0f} %")
    profs = [profile(var, r, rad, dem) for r, rad in zip(rows, radials, strict=True)]
    for freq in (900.0, 1800.0):
        diff = results[(var, freq, tpct)]
        splat = np.array([float(r[f"loss_db_itm_{int(freq)}"]) for r in rows])
        order = np.argsort(-np.nan_to_num(np.abs(diff), nan=1e9))[: args.worst]
        print(
            f"  worst pixels at {freq:.0f} MHz (idx, dist km, az, obstructed, sample y, "
            "ours-SPLAT!, and ours-SPLAT! with the spacing nudged by -1e-12 / +1e-12 relative):"
        )
        for i in order:
            r, pr = rows[i], profs[i]
            y = radials[i][1] if radials[i] is not None else -1
            nudged = ""
            if pr is not None:
                z, xi = pr
                lo, hi = (loss(z, xi * (1 + e), freq, tpct) - splat[i] for e in (-1e-12, 1e-12))
                nudged = f"  nudged {lo:+6.2f} / {hi:+6.2f}"
            print(f"    {i:3d} {float(r['distance_km']):6.2f} {float(r['azimuth_deg']):7.2f} "
                  f"obs={r['obstructed']} y={y:3d} {diff[i]:+7.2f}{nudged}")  # fmt: skip


if __name__ == "__main__":
    main()
