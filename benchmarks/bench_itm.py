"""Speed of the ITM area model and its agreement with SPLAT!'s ITM (Longley-Rice) maps.

Scenario (``shared/reference/splat/README.md``): one TX at 17.45 N 106.55 E, 30 m above
ground, RX 1.5 m, 900 MHz ("2G") and 1800 MHz ("4G"), ERP 40 W (EIRP 48.16 dBm), ε 15,
σ 0.005, N0 301, climate 3, vertical polarisation, median (50 %) time/location/situation,
on the synthetic tile ``dem_N17E106.tif`` reprojected (bilinear) to 90 m and 30 m metric
grids (EPSG:32648).

1. Speed: :func:`coverage.models.raster.predict_raster` with ``model="itm"``,
   ``n_jobs=1`` (one thread), best of ``--repeats``, numba compilation (a 2 km warm-up)
   and DEM loading excluded; R = 10 km at 90 m and 30 m, and 20 km at 90 m.
2. Agreement: the 300 pixels of ``area_sample_10km.csv`` (SPLAT! ``-olditm`` 10 km
   maps): our loss at each pixel's lon/lat (the raster pixel containing it, loss =
   EIRP - reference-signal offset - raster value) against SPLAT!'s ``loss_db_itm_900`` /
   ``loss_db_itm_1800``: median and 95th percentile of |difference| and the share
   within ±1 dB. SPLAT! uses nearest-post heights and the profile ending one sample
   short of the pixel (README, "quirks"), so a few dB on diffraction paths is expected.
3. The demo province: ``coverage compute --model itm`` (all sites, ``n_jobs = 2`` via a
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
CASES = ((90.0, 10_000.0), (90.0, 20_000.0), (30.0, 10_000.0))


def emit(record: dict[str, Any]) -> None:
    print(json.dumps(record), flush=True)


def to_metric():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", CRS, always_xy=True)


def make_settings(radius_m: float):
    from coverage import Settings

    radii = dict.fromkeys(("2G", "3G", "4G", "5G"), radius_m)
    return Settings(n_jobs=1, prediction_radius_m=radii, rx_height_m=RX_HEIGHT_M)


def run(grid, x: float, y: float, freq_mhz: float, radius_m: float, repeats: int):
    """Best wall time of predict_raster (model itm) over ``repeats`` runs, and the result."""
    from coverage.models.raster import predict_raster

    sites, settings = make_sites(x, y, freq_mhz), make_settings(radius_m)
    times = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(repeats):
            t0 = time.perf_counter()
            pred = predict_raster(sites, grid, settings=settings, terrain=True, model="itm")
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
    x, y = to_metric().transform(TX_LON, TX_LAT)

    grid, _ = load_grid(dem, x, y, WARMUP_RADIUS_M, 90.0)
    t0 = time.perf_counter()
    for freq in TECHNOLOGY_OF_MHZ:
        run(grid, x, y, freq, WARMUP_RADIUS_M, 1)
    emit({"case": "warm-up (numba compile or cache load)", "s": round(time.perf_counter() - t0, 2)})

    for res, radius in CASES:
        if res == 30.0 and args.no_30m:
            continue
        grid, _ = load_grid(dem, x, y, radius, res)
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
    if not args.no_demo:
        emit(demo(2))


if __name__ == "__main__":
    main()
