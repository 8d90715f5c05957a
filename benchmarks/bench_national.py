#!/usr/bin/env python
"""National scale: the whole of Vietnam, serial and partitioned (issue 18).

The cases come from ``benchmarks/national.py`` (the 2009 communes, villages inside them,
sites laid out by the demo's rules, a 3" relief from ETOPO 2022 plus the demo's texture),
built once into ``--data`` (default ``/tmp/coverage-national``) and reused.

Each measurement runs in a fresh subprocess, so its peak memory is its own: ``rss`` is the
run's process, ``workers_rss`` the largest worker process of a LocalCluster. Times:
``prepare_s`` (read, check and project the layers, communes, connections), ``run_s`` (the
prediction and the measurement of every village: what the partitioned pipeline cuts into
tasks), ``cluster_s`` (starting the LocalCluster, not in ``run_s``).

    python benchmarks/bench_national.py range            # 10^5 villages x 10^5 rows
    python benchmarks/bench_national.py range --sites 10  # x 10^6 rows (OpenCelliD size)
    python benchmarks/bench_national.py terrain --modes serial workers1 workers2
    python benchmarks/bench_national.py itm --area 0.05 --modes workers2
    python benchmarks/bench_national.py growth --model terrain --area 0.1

``growth`` measures three sizes each of villages, sites and area (the others fixed; area
with villages and sites in proportion) from the base ``--area``, and fits the exponent
of ``run_s`` ~ size^k for each. Prints one JSON line per measurement, then a table.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: The 1x case: 10^5 villages, 10^5 site rows (the issue's national size).
VILLAGES, SITE_ROWS = 100_000, 100_000


def case(data: Path, *, area: float = 1.0, villages: float = 1.0, sites: float = 1.0) -> Path:
    """The folder of a case (built when missing): ``area`` of the country, with
    ``villages`` and ``sites`` times the national counts scaled to that area."""
    sys.path.insert(0, str(HERE))
    from national import build

    n_v = round(VILLAGES * area * villages)
    n_s = round(SITE_ROWS * area * sites)
    out = data / f"a{area:g}_v{n_v}_s{n_s}"
    build(out, villages=n_v, site_rows=n_s, area_fraction=area)
    return out


def measure(folder: Path, model: str, mode: str) -> dict:
    """One run in this process: prepare, then predict and measure (``mode``: ``serial``,
    ``tiled`` (the tasks in this process) or ``workersN``)."""
    import warnings

    from coverage import cluster
    from coverage.layers import Layers
    from coverage.pipeline import measure as measure_stage
    from coverage.pipeline import predict, prepare, run_partitioned
    from coverage.settings import Settings

    warnings.simplefilter("ignore")
    dem = (str(folder / "dem.tif"),) if model != "range" else ()
    layers = Layers(
        villages=str(folder / "villages.gpkg"),
        communes=str(folder / "communes.gpkg"),
        sites=str(folder / "sites.csv"),
        dem=dem,
    )
    settings = Settings(n_jobs=2)
    t0 = time.perf_counter()
    prepared = prepare(layers, model=model, settings=settings)
    prepare_s = time.perf_counter() - t0
    cluster_s = 0.0
    quiet = lambda _m: None  # noqa: E731
    if mode == "serial":
        t0 = time.perf_counter()
        result = measure_stage(prepared, predict(prepared, use_cache=False), step=quiet)
        run_s = time.perf_counter() - t0
    else:
        workers = None if mode == "tiled" else int(mode.removeprefix("workers"))
        t0 = time.perf_counter()
        with cluster.executor(workers) as executor:
            cluster_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            result = run_partitioned(prepared, step=quiet, label="", executor=executor)
            run_s = time.perf_counter() - t0
    s = result.summary
    return {
        "model": model,
        "mode": mode,
        "case": folder.name,
        "villages": s["villages_total"],
        "site_rows": len(prepared.projected.sites.frame),
        "prepare_s": round(prepare_s, 1),
        "cluster_s": round(cluster_s, 1),
        "run_s": round(run_s, 1),
        "share": s["village_coverage_share"],
        "grid": s["model_info"].get("grid"),
        "rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "workers_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    }


def _one(folder: Path, model: str, mode: str) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, model, "--one", str(folder), model, mode],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode:
        raise SystemExit(f"{model} {mode} on {folder.name} failed:\n{proc.stderr[-3000:]}")
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    print(json.dumps(row), flush=True)
    return row


def _fit(rows: list[dict], size_key: str) -> float:
    """Least-squares exponent k of run_s ~ size^k."""
    import numpy as np

    x = np.log([r[size_key] for r in rows])
    y = np.log([max(r["run_s"], 1e-3) for r in rows])
    return float(np.polyfit(x, y, 1)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["range", "hata", "terrain", "itm", "growth"])
    parser.add_argument("--data", type=Path, default=Path("/tmp/coverage-national"))
    parser.add_argument("--area", type=float, default=1.0, help="share of the country")
    parser.add_argument("--sites", type=float, default=1.0, help="x the 1x site rows")
    parser.add_argument("--modes", nargs="+", default=["serial", "workers2"])
    parser.add_argument("--model", default="terrain", help="growth: the model measured")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        folder, model, mode = args.one
        print(json.dumps(measure(Path(folder), model, mode)))
        return
    rows: list[dict] = []
    if args.what != "growth":
        folder = case(args.data, area=args.area, sites=args.sites)
        rows = [_one(folder, args.what, mode) for mode in args.modes]
    else:
        mode = args.modes[-1]
        fits = {}
        for key in ("villages", "sites", "area"):
            study = []
            for f in (0.25, 0.5, 1.0):
                kw = {"area": args.area * f} if key == "area" else {"area": args.area, key: f}
                row = _one(case(args.data, **kw), args.model, mode)
                row["size"] = f
                study.append(row)
            rows += study
            fits[key] = _fit(study, "size")
        print(json.dumps({"exponents": {k: round(v, 2) for k, v in fits.items()}}))
    print(
        "\nmodel    mode      case                    villages  site_rows  prepare_s  run_s"
        "  rss_MiB  workers_MiB"
    )
    for r in rows:
        print(
            f"{r['model']:8} {r['mode']:9} {r['case']:22} {r['villages']:>9,} "
            f"{r['site_rows']:>10,} "
            f"{r['prepare_s']:>10} {r['run_s']:>6} {r['rss_mib']:>8} {r['workers_rss_mib']:>12}"
        )


if __name__ == "__main__":
    main()
