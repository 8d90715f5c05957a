"""Speed of the terrain (or ITM) area engine, per site, side by side with SPLAT! 1.4.2.

Scenario (the one of ``shared/reference/splat/README.md``): one TX at 17.45 N 106.55 E,
30 m above ground, RX 1.5 m, 900 MHz ("2G") and 1800 MHz ("4G"), ERP 40 W, on the
synthetic tile ``dem_N17E106.tif``. Our engine,
:func:`coverage.models.raster.predict_raster` (the ``terrain`` model's kernel,
``n_jobs=1``, ``base_model="free-space"`` so the full radius is computed), runs on 30 m
and 90 m metric grids (EPSG:32648, bilinear from the 3" tile) for radii of 10, 20 and
30 km: best of ``--repeats`` runs, numba compilation (one warm-up at 2 km) and DEM
loading (reported on its own) excluded. One extra row uses ``base_model="hata"``, for
which the engine shortens the radius itself. With ``--model itm`` our rows run the
Longley-Rice area model instead (the ``itm`` kernel: ITM on every pixel's own profile),
which is what SPLAT! ``-olditm`` computes; there is no Hata row then.

SPLAT! (when ``splat``/``splat-hd`` are on PATH, e.g. ``apt-get install -y splat``) runs in
a temporary directory: ``splat-hd`` on a 1" tile bilinearly resampled from the 3" tile (so
both tools see the same terrain) next to our 30 m rows, ``splat`` on the 3" tile next to
our 90 m rows. Each run is timed as a whole process, under ``timeout``; SPLAT!'s compute
time is time(R) - time(R = 1 km), the R = 1 km run being its fixed start-up (tile loading).

Usage, from the repository root::

    python benchmarks/bench_terrain.py              # 10/20/30 km, ours and SPLAT!
    python benchmarks/bench_terrain.py --quick      # 10 km only
    python benchmarks/bench_terrain.py --no-splat   # our engine only
    python benchmarks/bench_terrain.py --model itm  # our ITM against SPLAT!'s ITM

Prints one JSON line per measurement, then a plain table.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import resource
import shutil
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
REFERENCE_FILES = ("dem_N17E106.tif", "N17E106.hgt.gz")

TX_LAT, TX_LON = 17.45, 106.55
TX_HEIGHT_M = 30.0
RX_HEIGHT_M = 1.5
ERP_W = 40.0
EIRP_DBM = 10.0 * math.log10(ERP_W * 1000.0) + 2.14  # SPLAT! adds 2.14 dB: 48.16 dBm
TECHNOLOGY_OF_MHZ = {900.0: "2G", 1800.0: "4G"}
CRS = "EPSG:32648"
#: Our grid resolution (m) -> the SPLAT! tool it is compared with and that tool's posts.
SPLAT_FOR_RESOLUTION = {30.0: ("splat-hd", 3601), 90.0: ("splat", 1201)}
RADII_KM = (10, 20, 30)
GRID_MARGIN_M = 1000.0  # the grid covers the disc plus this, so every radial runs to R
WARMUP_RADIUS_M = 2000.0
SPLAT_STARTUP_KM = 1


def emit(record: dict[str, Any]) -> None:
    """Print one measurement as a JSON line."""
    print(json.dumps(record), flush=True)


def find_reference(path: Path) -> Path:
    """The SPLAT! reference folder, or exit with a clear message."""
    missing = [name for name in REFERENCE_FILES if not (path / name).is_file()]
    if missing:
        sys.exit(
            f"bench_terrain: reference data not found: {path} lacks {', '.join(missing)} "
            "(expected shared/reference/splat/ next to the repository; see --reference)"
        )
    return path


def tx_xy() -> tuple[float, float]:
    """TX position in the metric CRS."""
    from pyproj import Transformer

    to_metric = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    x, y = to_metric.transform(TX_LON, TX_LAT)
    return float(x), float(y)


def make_sites(x: float, y: float, freq_mhz: float):
    """A one-row site table (omni antenna) for ``predict_raster``."""
    import geopandas as gpd
    from shapely.geometry import Point

    return gpd.GeoDataFrame(
        {
            "site_id": ["TX"],
            "technology": [TECHNOLOGY_OF_MHZ[freq_mhz]],
            "frequency_mhz": [freq_mhz],
            "height_m": [TX_HEIGHT_M],
            "eirp_dbm": [EIRP_DBM],
        },
        geometry=[Point(x, y)],
        crs=CRS,
    )


def load_grid(
    dem: Path, x: float, y: float, radius_m: float, res: float, resampling: str = "bilinear"
):
    """Load the DEM onto a grid of ``res`` metres around (x, y); return it and the seconds.
    ``resampling`` as the run would: ``nearest`` for the itm model, else ``bilinear``."""
    from coverage.radio.dem import load_dem

    half = radius_m + GRID_MARGIN_M
    t0 = time.perf_counter()
    bounds = (x - half, y - half, x + half, y + half)
    grid = load_dem(dem, crs=CRS, bounds=bounds, resolution=res, resampling=resampling)
    return grid, time.perf_counter() - t0


def make_settings(radius_m: float, base_model: str):
    """Single-threaded settings with the same prediction radius for every technology."""
    from coverage import Settings

    radii = dict.fromkeys(("2G", "3G", "4G", "5G"), radius_m)
    return Settings(
        n_jobs=1, prediction_radius_m=radii, base_model=base_model, rx_height_m=RX_HEIGHT_M
    )


def finite_pixels(pred, tech: str, x: float, y: float, radius_m: float) -> tuple[int, float]:
    """Finite pixels within ``radius_m`` of (x, y), and the farthest finite pixel (m)."""
    best = pred.best[tech]
    rows, cols = np.nonzero(np.isfinite(best))
    t = pred.transform
    px = t.c + (cols + 0.5) * t.a
    py = t.f + (rows + 0.5) * t.e
    dist = np.hypot(px - x, py - y)
    far = float(dist.max()) if dist.size else 0.0
    return int((dist <= radius_m).sum()), far


def run_ours(
    grid, x: float, y: float, freq_mhz: float, radius_m: float, base_model: str, repeats: int,
    model: str = "terrain",
) -> dict[str, Any]:  # fmt: skip
    """Best-of-``repeats`` wall time of predict_raster for the one site, and its pixels."""
    from coverage.models.raster import predict_raster
    from coverage.models.terrain import hata_kernel, itm_kernel

    sites = make_sites(x, y, freq_mhz)
    settings = make_settings(radius_m, base_model)
    kernel = itm_kernel(settings) if model == "itm" else hata_kernel(settings, terrain=True)
    times = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(repeats):
            t0 = time.perf_counter()
            pred = predict_raster(sites, grid, settings=settings, kernel=kernel)
            times.append(time.perf_counter() - t0)
    pixels, far = finite_pixels(pred, TECHNOLOGY_OF_MHZ[freq_mhz], x, y, radius_m)
    best = min(times)
    return {
        "s_per_site": round(best, 4),
        "runs_s": [round(t, 4) for t in times],
        "pixels": pixels,
        "ns_per_pixel": round(best / pixels * 1e9, 1) if pixels else None,
        "farthest_pixel_m": round(far, 1),
        "grid": list(grid.shape),
        "warnings": sorted({str(w.message) for w in caught}),
    }


def warm_up(dem: Path, x: float, y: float, model: str = "terrain") -> float:
    """Compile the numba kernel (small radius, both frequencies); return the seconds."""
    grid, _ = load_grid(dem, x, y, WARMUP_RADIUS_M, 90.0)
    t0 = time.perf_counter()
    for freq in TECHNOLOGY_OF_MHZ:
        for base in ("free-space", "hata"):
            run_ours(grid, x, y, freq, WARMUP_RADIUS_M, base, repeats=1, model=model)
    return time.perf_counter() - t0


# --- SPLAT! ---------------------------------------------------------------------------


def read_hgt3(reference: Path) -> np.ndarray:
    """The 3" tile's 1201 x 1201 posts (metres)."""
    with gzip.open(reference / "N17E106.hgt.gz", "rb") as fh:
        raw = fh.read()
    return np.frombuffer(raw, dtype=">i2").reshape(1201, 1201).astype(np.float32)


def upsample_posts(posts: np.ndarray, factor: int) -> np.ndarray:
    """Bilinear resampling of a post grid onto ``factor`` times finer posts (same corners).

    Post i of the fine grid lies at coarse index i / factor; bilinear on a regular grid
    is separable, so rows then columns are interpolated linearly."""

    def along(a: np.ndarray, axis: int) -> np.ndarray:
        n = a.shape[axis]
        pos = np.arange((n - 1) * factor + 1) / factor
        i0 = np.minimum(np.floor(pos).astype(int), n - 2)
        frac = (pos - i0).astype(np.float32)
        lo, hi = np.take(a, i0, axis=axis), np.take(a, i0 + 1, axis=axis)
        shape = [1, 1]
        shape[axis] = -1
        frac = frac.reshape(shape)
        return lo * (1 - frac) + hi * frac

    return along(along(posts, 0), 1)


def prepare_splat_dir(reference: Path, workdir: Path, tool: str, posts: int) -> dict[str, Any]:
    """Write the .hgt tile SPLAT! ``tool`` needs into ``workdir`` and convert it to .sdf."""
    workdir.mkdir(parents=True, exist_ok=True)
    hgt3 = read_hgt3(reference)
    t0 = time.perf_counter()
    tile = hgt3 if posts == 1201 else upsample_posts(hgt3, (posts - 1) // 1200)
    np.rint(tile).astype(">i2").tofile(workdir / "N17E106.hgt")
    t_resample = time.perf_counter() - t0
    convert = "srtm2sdf-hd" if tool == "splat-hd" else "srtm2sdf"
    t0 = time.perf_counter()
    proc = subprocess.run(
        ["timeout", "300", convert, "N17E106.hgt"], cwd=workdir, capture_output=True, text=True
    )
    t_convert = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{convert} failed ({proc.returncode}): {proc.stderr[-500:]}")
    return {
        "tool": tool,
        "posts": posts,
        "resample_s": round(t_resample, 3),
        "convert_s": round(t_convert, 3),
        "sdf": sorted(p.name for p in workdir.glob("*.sdf")),
    }


def write_site_files(workdir: Path, freq_mhz: float, frac_time: float = 0.9) -> None:
    """tx.qth (longitude West) and tx.lrp (ITM parameters of the reference runs)."""
    (workdir / "tx.qth").write_text(f"tx\n{TX_LAT:.6f}\n{360.0 - TX_LON:.6f}\n30 meters\n")
    lrp = [
        "15.000 ; Earth dielectric constant",
        "0.005 ; Earth conductivity (S/m)",
        "301.000 ; Atmospheric bending constant (N-units)",
        f"{freq_mhz:.3f} ; Frequency (MHz)",
        "3 ; Radio climate (maritime subtropical)",
        "1 ; Polarisation (vertical)",
        "0.50 ; Fraction of situations",
        f"{frac_time:.2f} ; Fraction of time",
        f"{ERP_W:.1f} ; ERP (W)",
    ]
    (workdir / "tx.lrp").write_text("\n".join(lrp) + "\n")


def ano_pixels(path: Path) -> int:
    """Pixels in a SPLAT! -ano file (its two header lines carry a ';')."""
    if not path.is_file():
        return 0
    with path.open() as fh:
        return sum(1 for line in fh if line.strip() and ";" not in line)


def run_splat(
    workdir: Path, tool: str, radius_km: float, timeout_s: int, repeats: int
) -> dict[str, Any]:
    """Best-of-``repeats`` whole-process wall time of one SPLAT! area run, and its pixels."""
    cmd = [
        "timeout", str(timeout_s), tool, "-t", "tx.qth", "-L", f"{RX_HEIGHT_M}", "-metric",
        "-R", f"{radius_km}", "-erp", f"{ERP_W:g}", "-dbm", "-olditm", "-o", "map",
        "-ano", "losses.txt",
    ]  # fmt: skip
    times, codes = [], []
    for _ in range(repeats):
        (workdir / "losses.txt").unlink(missing_ok=True)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        codes.append(proc.returncode)
        if proc.returncode != 0:
            break  # a timeout (124) or an error: no point repeating
    ok = [t for t, c in zip(times, codes, strict=True) if c == 0]
    return {
        "total_s": round(min(ok), 3) if ok else None,
        "runs_s": [round(t, 3) for t in times],
        "returncodes": codes,
        "timed_out": 124 in codes,
        "pixels": ano_pixels(workdir / "losses.txt"),
    }


def splat_series(
    reference: Path, tmp: Path, res: float, freqs: list[float], radii_km: list[int], args
) -> dict[tuple[float, float, int], dict[str, Any]]:
    """SPLAT! runs matching our ``res`` rows: start-up, then every radius, per frequency."""
    tool, posts = SPLAT_FOR_RESOLUTION[res]
    workdir = tmp / tool
    setup = prepare_splat_dir(reference, workdir, tool, posts)
    emit({"kind": "splat_setup", "resolution_m": res, **setup})
    out: dict[tuple[float, float, int], dict[str, Any]] = {}
    for freq in freqs:
        write_site_files(workdir, freq)
        start = run_splat(workdir, tool, SPLAT_STARTUP_KM, args.splat_timeout, args.splat_repeats)
        emit({"kind": "splat", "tool": tool, "freq_mhz": freq, "radius_km": 1, **start})
        for radius in radii_km:
            rec = run_splat(workdir, tool, radius, args.splat_timeout, args.splat_repeats)
            rec["startup_s"] = start["total_s"]
            rec["compute_s"] = (
                round(rec["total_s"] - start["total_s"], 3)
                if rec["total_s"] is not None and start["total_s"] is not None
                else None
            )
            emit({"kind": "splat", "tool": tool, "freq_mhz": freq, "radius_km": radius, **rec})
            out[(res, freq, radius)] = {"tool": tool, **rec}
    return out


# --- report ---------------------------------------------------------------------------


def fmt(value: Any, spec: str = "") -> str:
    return "-" if value is None else format(value, spec)


def print_table(rows: list[dict[str, Any]], model: str = "terrain") -> None:
    """The plain summary table."""
    head = (
        f"{'res':>4} {'R km':>4} {'MHz':>5} {'base':>10} {'ours s':>8} {'x R10':>6} "
        f"{'pixels':>9} {'ns/px':>6} {'SPLAT tool':>10} {'SPLAT s':>8} {'compute':>8} "
        f"{'SPLAT px':>9} {'ratio':>6}"
    )
    print()
    print(head)
    print("-" * len(head))
    for r in rows:
        sp = r.get("splat") or {}
        ratio = (
            sp["compute_s"] / r["s_per_site"]
            if sp.get("compute_s") is not None and r["s_per_site"] > 0
            else None
        )
        print(
            f"{r['resolution_m']:>4.0f} {r['radius_km']:>4.0f} {r['freq_mhz']:>5.0f} "
            f"{r['base_model']:>10} {r['s_per_site']:>8.3f} {fmt(r.get('growth'), '.2f'):>6} "
            f"{r['pixels']:>9} {fmt(r['ns_per_pixel'], '.0f'):>6} {sp.get('tool', '-'):>10} "
            f"{fmt(sp.get('total_s'), '.2f'):>8} {fmt(sp.get('compute_s'), '.2f'):>8} "
            f"{fmt(sp.get('pixels')):>9} {fmt(ratio, '.1f'):>6}"
        )
    print(
        "\nours s: best wall time of predict_raster for one site (n_jobs=1, compile and DEM "
        "load excluded);\nx R10: its time over the 10 km time (pixels grow x4, x9); "
        "SPLAT s: whole process; compute = SPLAT s - SPLAT s at R = 1 km;\n"
        "ratio = SPLAT compute / ours. SPLAT! runs ITM (Longley-Rice) per pixel, "
        + (
            "and so do we (model itm)."
            if model == "itm"
            else "ours a Bullington knife edge on a base model."
        )
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10 km only")
    parser.add_argument(
        "--model", choices=("terrain", "itm"), default="terrain", help="our model to time"
    )
    parser.add_argument("--no-splat", action="store_true", help="skip SPLAT!")
    parser.add_argument("--repeats", type=int, default=3, help="runs of ours (best kept)")
    parser.add_argument("--splat-repeats", type=int, default=3, help="runs of each SPLAT! case")
    parser.add_argument("--splat-timeout", type=int, default=120, help="seconds per SPLAT! run")
    parser.add_argument(
        "--reference", type=Path, default=DEFAULT_REFERENCE, help="SPLAT! reference folder"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    reference = find_reference(args.reference.resolve())
    dem = reference / "dem_N17E106.tif"
    radii_km = [10] if args.quick else list(RADII_KM)
    freqs = list(TECHNOLOGY_OF_MHZ)
    x, y = tx_xy()

    emit({"kind": "warmup", "seconds": round(warm_up(dem, x, y, args.model), 3)})
    rows: list[dict[str, Any]] = []
    for res in SPLAT_FOR_RESOLUTION:
        for radius in radii_km:
            resampling = "nearest" if args.model == "itm" else "bilinear"
            grid, t_load = load_grid(dem, x, y, radius * 1000.0, res, resampling)
            emit(
                {
                    "kind": "dem_load",
                    "resolution_m": res,
                    "radius_km": radius,
                    "grid": list(grid.shape),
                    "seconds": round(t_load, 4),
                }
            )
            for freq in freqs:
                rec = run_ours(
                    grid, x, y, freq, radius * 1000.0, "free-space", args.repeats, args.model
                )
                row = {
                    "resolution_m": res,
                    "radius_km": radius,
                    "freq_mhz": freq,
                    "base_model": "itm" if args.model == "itm" else "free-space",
                    "dem_load_s": round(t_load, 4),
                    **rec,
                }
                emit({"kind": "ours", **row})
                rows.append(row)
            del grid
    extra: list[dict[str, Any]] = []
    if args.model == "terrain":
        # for information: Hata base model, the engine shortens the radius itself
        radius = radii_km[-1]
        grid, t_load = load_grid(dem, x, y, radius * 1000.0, 30.0)
        rec = run_ours(grid, x, y, 900.0, radius * 1000.0, "hata", args.repeats)
        hata = {
            "resolution_m": 30.0,
            "radius_km": radius,
            "freq_mhz": 900.0,
            "base_model": "hata",
            "dem_load_s": round(t_load, 4),
            **rec,
        }
        emit({"kind": "ours", **hata})
        extra.append(hata)
        del grid

    first = {(r["resolution_m"], r["freq_mhz"]): r["s_per_site"] for r in rows[::-1]}
    for r in rows:  # time over the time at the smallest radius
        base = first[(r["resolution_m"], r["freq_mhz"])]
        r["growth"] = round(r["s_per_site"] / base, 2) if base > 0 else None
    rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    if args.no_splat:
        emit({"kind": "splat_skipped", "reason": "--no-splat"})
    elif not (shutil.which("splat") and shutil.which("splat-hd")):
        reason = "splat/splat-hd not on PATH (apt-get install -y splat)"
        emit({"kind": "splat_skipped", "reason": reason})
        print("NOTE: SPLAT! not found on PATH; SPLAT! columns left empty", file=sys.stderr)
    else:
        with tempfile.TemporaryDirectory(prefix="bench_terrain_splat_") as tmpname:
            for res in SPLAT_FOR_RESOLUTION:
                series = splat_series(reference, Path(tmpname), res, freqs, radii_km, args)
                for r in rows:
                    key = (r["resolution_m"], r["freq_mhz"], r["radius_km"])
                    if key in series:
                        r["splat"] = series[key]
    rss_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    emit({"kind": "peak_rss", "self_mb": round(rss_self, 1), "children_mb": round(rss_children, 1)})
    print_table([*rows, *extra], args.model)


if __name__ == "__main__":
    main()
