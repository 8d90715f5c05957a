"""Speed of the ITM area model and its agreement with SPLAT!'s ITM (Longley-Rice) maps.

Scenario (``shared/reference/splat/README.md``): one TX at 17.45 N 106.55 E, 30 m above
ground, RX 1.5 m, 900 MHz ("2G") and 1800 MHz ("4G"), ERP 40 W (EIRP 48.16 dBm), ε 15,
σ 0.005, N0 301, climate 3, vertical polarisation, median (50 %) time/location/situation,
on the synthetic tile ``dem_N17E106.tif`` reprojected (bilinear) to 90 m and 30 m metric
grids (EPSG:32648).

ITM settings as SPLAT!'s area maps (``tx.lrp``): time 90 %, situations 50 %, mdvar 12.

1. Speed: :func:`coverage.models.raster.predict_raster` with ``model="itm"``,
   ``n_jobs=1`` (one thread), best of ``--repeats``, numba compilation (a 2 km warm-up)
   and DEM loading excluded; R = 10, 20 and 30 km at 90 m, and 10 km at 30 m. The
   side-by-side timing with SPLAT! itself is ``bench_terrain.py --model itm``.
2. Pixel agreement: the 300 pixels of ``area_sample_10km.csv`` (SPLAT! ``-olditm`` 10 km
   maps): our loss at each pixel's lon/lat (the raster pixel containing it, loss =
   EIRP - reference-signal offset - raster value) against SPLAT!'s ``loss_db_itm_900`` /
   ``loss_db_itm_1800``: median and 95th percentile of |difference| and the share
   within ±1 dB. SPLAT! uses nearest-post heights, its own radials and the profile
   ending one sample short of the pixel (README, "quirks"), so a few dB on diffraction
   paths is expected; ``itm_vs_splat.py`` shows that with SPLAT!'s sampling our ITM
   gives SPLAT!'s map.
3. Map agreement: at 90 m (SPLAT!'s 3″ posts are 88-93 m) and R = 10/20/30 km, the
   loss percentiles p10/p50/p90 and the share of pixels at or above -75/-85/-95/-105
   dBm (48.16 dBm EIRP - loss) against ``area_summary.md``'s ITM rows.
4. Point losses: SPLAT!'s 40 ITM rows of ``p2p_losses.csv`` on SPLAT!'s own profiles
   and on ours (:func:`p2p_agreement`).
5. The demo province: ``coverage compute --model itm`` (all sites, ``n_jobs = 2`` via a
   config file), wall time of the whole process (``--no-demo`` skips it).

Usage, from the repository root::

    python benchmarks/bench_itm.py [--repeats 3] [--no-demo] [--no-30m]

Prints one JSON line per measurement.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_REFERENCE = REPO.parent / "shared" / "reference" / "splat"

# The scenario (site, heights, EIRP, CRS) and its helpers are those of the terrain benchmark.
from bench_terrain import (  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
    CRS,
    EIRP_DBM,
    RX_HEIGHT_M,
    TECHNOLOGY_OF_MHZ,
    TX_LAT,
    TX_LON,
    load_grid,
    make_sites,
)

WARMUP_RADIUS_M = 2000.0
CASES = ((90.0, 10_000.0), (90.0, 20_000.0), (90.0, 30_000.0), (30.0, 10_000.0))
TIME_PERCENT = 90.0  # SPLAT!'s area maps (tx.lrp)
LEVELS_DBM = (-75.0, -85.0, -95.0, -105.0)


def emit(record: dict[str, Any]) -> None:
    print(json.dumps(record), flush=True)


def to_metric():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", CRS, always_xy=True)


def make_settings(radius_m: float):
    from coverage import Settings

    radii = dict.fromkeys(("2G", "3G", "4G", "5G"), radius_m)
    return Settings(
        n_jobs=1, prediction_radius_m=radii, rx_height_m=RX_HEIGHT_M, itm_time=TIME_PERCENT
    )


def read_summary(path: Path) -> dict[tuple[float, float], dict[str, Any]]:
    """ITM rows of ``area_summary.md``: (MHz, R km) -> percentiles and level shares."""
    out: dict[tuple[float, float], dict[str, Any]] = {}
    for line in path.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 10 or cells[0] != "ITM":
            continue
        p10, p50, p90 = (float(v) for v in cells[5].split("/"))
        out[(float(cells[1]), float(cells[2]))] = {
            "pixels": int(cells[3]),
            "loss_p10_p50_p90_db": [p10, p50, p90],
            "share_at_or_above_pct": [float(v) for v in cells[6:10]],
        }
    return out


def map_agreement(pred, freq_mhz: float, x: float, y: float, radius_m: float, splat: dict):
    """Our loss distribution within the radius against SPLAT!'s summary row."""
    loss = losses(pred, freq_mhz)
    rows, cols = np.indices(loss.shape)
    t = pred.transform
    dist = np.hypot(t.c + (cols + 0.5) * t.a - x, t.f + (rows + 0.5) * t.e - y)
    vals = loss[(dist <= radius_m) & np.isfinite(loss)]
    dbm = EIRP_DBM - vals
    ours = {
        "pixels": int(vals.size),
        "loss_p10_p50_p90_db": [round(float(v), 1) for v in np.percentile(vals, [10, 50, 90])],
        "share_at_or_above_pct": [round(float((dbm >= lv).mean() * 100), 1) for lv in LEVELS_DBM],
    }
    shares = zip(ours["share_at_or_above_pct"], splat["share_at_or_above_pct"], strict=True)
    return {
        "case": "splat-map-agreement",
        "res_m": pred.info["resolution_m"],
        "radius_km": radius_m / 1000,
        "freq_mhz": freq_mhz,
        "levels_dbm": list(LEVELS_DBM),
        "ours": ours,
        "splat": splat,
        "share_diff_points": [round(a - b, 1) for a, b in shares],
    }


def run(grid, x: float, y: float, freq_mhz: float, radius_m: float, repeats: int):
    """Best wall time of predict_raster (model itm) over ``repeats`` runs, and the result."""
    from coverage.models.raster import predict_raster
    from coverage.models.terrain import itm_kernel

    sites, settings = make_sites(x, y, freq_mhz), make_settings(radius_m)
    times = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(repeats):
            t0 = time.perf_counter()
            pred = predict_raster(sites, grid, settings=settings, kernel=itm_kernel(settings))
            times.append(time.perf_counter() - t0)
    return min(times), pred


def losses(pred, freq_mhz: float) -> np.ndarray:
    """Our basic transmission loss raster (dB) for the one site."""
    from coverage.radio.linkbudget import reference_signal_offset_db

    tech = TECHNOLOGY_OF_MHZ[freq_mhz]
    return EIRP_DBM - reference_signal_offset_db(tech) - pred.best[tech].astype(float)


def agreement(pred, freq_mhz: float, sample: list[dict], res: float) -> dict[str, Any]:
    loss = losses(pred, freq_mhz)
    lon = np.array([float(r["lon"]) for r in sample])
    lat = np.array([float(r["lat"]) for r in sample])
    splat = np.array([float(r[f"loss_db_itm_{int(freq_mhz)}"]) for r in sample])
    obstructed = np.array([r["obstructed"] == "1" for r in sample])
    xs, ys = to_metric().transform(lon, lat)
    cols, rows = ~pred.transform * (np.asarray(xs), np.asarray(ys))
    rows, cols = np.floor(rows).astype(int), np.floor(cols).astype(int)
    ours = loss[rows, cols]
    diff = ours - splat
    ok = np.isfinite(diff)
    ad = np.abs(diff[ok])

    def stats(mask: np.ndarray) -> dict[str, Any]:
        a = np.abs(diff[mask & ok])
        if a.size == 0:
            return {"n": 0}
        return {
            "n": int(a.size),
            "median_abs_db": round(float(np.median(a)), 2),
            "p95_abs_db": round(float(np.percentile(a, 95)), 2),
            "within_1db": round(float((a <= 1.0).mean()), 3),
        }

    return {
        "case": "splat-agreement",
        "res_m": res,
        "freq_mhz": freq_mhz,
        "pixels": int(ok.sum()),
        "median_abs_db": round(float(np.median(ad)), 2),
        "p95_abs_db": round(float(np.percentile(ad, 95)), 2),
        "within_1db": round(float((ad <= 1.0).mean()), 3),
        "within_3db": round(float((ad <= 3.0).mean()), 3),
        "mean_diff_db": round(float(diff[ok].mean()), 2),
        "line_of_sight": stats(~obstructed),
        "obstructed": stats(obstructed),
    }


def p2p_agreement(reference: Path) -> dict[str, Any]:
    """SPLAT!'s 40 ITM point losses (``p2p_losses.csv``, model ITM) against ours.

    Level 1: our ITM on SPLAT!'s own profiles (``p2p_profiles.json`` ``itm_input``).
    Level 2: ``coverage link``'s ITM on our own profile from the DEM, as a user gets it
    (straight line on a UTM grid, nearest heights, ending at the receiver), and the
    same profile less its last two samples (SPLAT!'s truncation, README quirk 2).
    """
    from coverage import Settings
    from coverage.radio.itm import itm_p2p
    from coverage.radio.link import analyse_link

    profiles = json.loads((reference / "p2p_profiles.json").read_text())["points"]
    with open(reference / "p2p_losses.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["model"] == "ITM"]
    level1, level2, trunc = [], [], []
    for r in rows:
        kw = dict(
            frequency_mhz=float(r["freq_mhz"]), epsilon=15.0, sigma=0.005, n0=301.0,
            climate=3, polarization=1, mdvar=12, time=float(r["frac_time"]) * 100,
            situation=float(r["frac_situations"]) * 100,
        )  # fmt: skip
        htx, hrx, want = float(r["tx_h_m"]), float(r["rx_h_m"]), float(r["itm_loss_db_6dp"])
        inp = profiles[r["point_id"]]["itm_input"]
        z = np.asarray(inp["elev_m"], dtype=float)
        level1.append(itm_p2p(z, float(inp["xi_m"]), htx, hrx, **kw).loss_db - want)
        settings = Settings(rx_height_m=hrx, itm_time=kw["time"], itm_situation=kw["situation"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rep = analyse_link(
                reference / "dem_N17E106.tif",
                (float(r["tx_lon"]), float(r["tx_lat"])),
                (float(r["rx_lon"]), float(r["rx_lat"])),
                technology="2G",
                frequency_mhz=kw["frequency_mhz"],
                tx_height_m=htx,
                settings=settings,
            )
            level2.append(rep.losses_db["itm"] - want)
            xi = float(rep.distance_m[1] - rep.distance_m[0])
            elev = np.asarray(rep.itm_elevation_m, dtype=float)
            trunc.append(itm_p2p(elev[:-2], xi, htx, hrx, **kw).loss_db - want)

    def summary(diff: list[float]) -> dict[str, Any]:
        a = np.abs(np.asarray(diff))
        return {
            "median_abs_db": round(float(np.median(a)), 4),
            "p95_abs_db": round(float(np.percentile(a, 95)), 4),
            "max_abs_db": round(float(a.max()), 4),
            "within_1db": round(float((a <= 1.0).mean()), 3),
        }

    return {
        "case": "splat-p2p",
        "losses": len(rows),
        "splat_profiles": summary(level1),
        "own_profiles": summary(level2),
        "own_profiles_truncated_like_splat": summary(trunc),
    }


def demo(n_jobs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "coverage.toml"
        config.write_text(f"[model]\nn_jobs = {n_jobs}\n")
        cmd = [
            sys.executable, "-c", "from coverage.cli.main import cli; cli()",
            "compute", "--model", "itm", "--config", str(config),
            "--json", "-q", "--out", str(Path(tmp) / "out"),
        ]  # fmt: skip
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False)
        wall = time.perf_counter() - t0
    record: dict[str, Any] = {"case": "demo", "n_jobs": n_jobs, "wall_s": round(wall, 2)}
    record["rc"] = proc.returncode
    if proc.returncode == 0:
        data = json.loads(proc.stdout)
        record["model"] = data.get("model")
        record["village_coverage_share"] = data.get("village_coverage_share")
    else:
        record["stderr_tail"] = proc.stderr[-800:]
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument("--no-30m", action="store_true")
    args = parser.parse_args()
    dem = args.reference / "dem_N17E106.tif"
    if not dem.is_file():
        sys.exit(f"bench_itm: {dem} not found (see --reference)")
    with open(args.reference / "area_sample_10km.csv", newline="") as fh:
        sample = list(csv.DictReader(fh))
    emit(p2p_agreement(args.reference))
    summary = read_summary(args.reference / "area_summary.md")
    x, y = to_metric().transform(TX_LON, TX_LAT)

    grid, _ = load_grid(dem, x, y, WARMUP_RADIUS_M, 90.0, "nearest")
    t0 = time.perf_counter()
    for freq in TECHNOLOGY_OF_MHZ:
        run(grid, x, y, freq, WARMUP_RADIUS_M, 1)
    emit({"case": "warm-up (numba compile or cache load)", "s": round(time.perf_counter() - t0, 2)})

    for res, radius in CASES:
        if res == 30.0 and args.no_30m:
            continue
        grid, _ = load_grid(dem, x, y, radius, res, "nearest")
        for freq in TECHNOLOGY_OF_MHZ:
            best, pred = run(grid, x, y, freq, radius, args.repeats)
            pixels = int(np.isfinite(pred.best[TECHNOLOGY_OF_MHZ[freq]]).sum())
            emit(
                {
                    "case": "per-site",
                    "res_m": res,
                    "radius_km": radius / 1000,
                    "freq_mhz": freq,
                    "s_per_site": round(best, 3),
                    "pixels": pixels,
                    "ns_per_pixel": round(best / pixels * 1e9, 1),
                }
            )
            if radius == 10_000.0:
                emit(agreement(pred, freq, sample, res))
            if res == 90.0 and (freq, radius / 1000) in summary:
                emit(map_agreement(pred, freq, x, y, radius, summary[(freq, radius / 1000)]))
    if not args.no_demo:
        emit(demo(2))


if __name__ == "__main__":
    main()
