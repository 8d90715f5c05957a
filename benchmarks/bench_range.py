"""Benchmark the range model + village rule at national size; compare vector vs raster shares.

Each measurement runs in a fresh subprocess so its peak memory (max RSS) is its own.

    python benchmarks/bench_range.py                 # 100,000 villages x 100,000 site rows
    python benchmarks/bench_range.py --sizes 10000 30000 100000
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


def measure(n: int, method: str, jobs: int) -> dict:
    """Run one measurement in this process (called in a subprocess)."""
    sys.path.insert(0, str(HERE))
    import numpy as np
    from synthetic import country

    from coverage.metrics import village_coverage
    from coverage.models import get_model
    from coverage.overlay import covered_share, covered_share_raster
    from coverage.settings import Settings

    t0 = time.perf_counter()
    villages, sites = country(n, n, seed=1)
    t_gen = time.perf_counter() - t0
    settings = Settings(n_jobs=jobs)
    t0 = time.perf_counter()
    pred = get_model("range").predict(sites, settings=settings)
    t_model = time.perf_counter() - t0
    t0 = time.perf_counter()
    fps = np.concatenate([pred.footprints["3G"], pred.footprints["4G"]])
    if method == "vector":  # the full village rule: 2G, 3G, 4G, 5G and 3G/4G overlays
        out = village_coverage(villages, pred, settings=settings)
        share = out["covered_share"].to_numpy()
    elif method == "vector1":  # exact shares, headline (3G/4G) overlay only
        share = covered_share(villages.geometry.to_numpy(), fps, n_jobs=jobs)
    else:  # raster zonal shares at 50 m, headline overlay only
        share = covered_share_raster(villages.geometry.to_numpy(), fps, resolution=50.0)
    t_share = time.perf_counter() - t0
    return {
        "villages": len(villages),
        "site_rows": len(sites),
        "method": method,
        "jobs": jobs,
        "generate_s": round(t_gen, 2),
        "model_s": round(t_model, 2),
        "shares_s": round(t_share, 2),
        "total_s": round(t_model + t_share, 2),
        "covered_share_mean": round(float(share.mean()), 4),
        "villages_covered": int((share >= 0.5).sum()),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument(
        "--methods",
        nargs="+",
        default=["vector", "vector1", "raster"],
        help="vector: full rule (5 overlays); vector1/raster: 3G/4G only",
    )
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        n, method, jobs = args.one
        print(json.dumps(measure(int(n), method, int(jobs))))
        return
    rows = []
    for n in args.sizes:
        for method in args.methods:
            proc = subprocess.run(
                [sys.executable, __file__, "--one", str(n), method, str(args.jobs)],
                capture_output=True,
                text=True,
                check=True,
            )
            rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            print(json.dumps(rows[-1]), flush=True)
    print("\nvillages  site_rows  method  model_s  shares_s  total_s  peak_MiB  covered")
    for r in rows:
        print(
            f"{r['villages']:>8,} {r['site_rows']:>10,}  {r['method']:6} {r['model_s']:8.2f} "
            f"{r['shares_s']:9.2f} {r['total_s']:8.2f} {r['peak_rss_mib']:9.0f}  "
            f"{r['villages_covered']:,}"
        )


if __name__ == "__main__":
    main()
