"""Wall time and peak memory of `coverage compute` on the demo province, start-up included.

python benchmarks/bench_compute.py [--repeat 5] [--prediction-cache]

Every run predicts (``--no-cache``) unless ``--prediction-cache``; numba's cache is
whatever the environment has (see ``bench_demo.py`` for cold and warm numba caches).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--prediction-cache", action="store_true")
    args = parser.parse_args()
    beside = Path(sys.executable).with_name("coverage")
    exe = str(beside) if beside.exists() else shutil.which("coverage")
    cmd = [exe] if exe else [sys.executable, "-m", "coverage.cli"]
    cmd += ["compute", "--json", "-q"]
    if not args.prediction_cache:
        cmd.append("--no-cache")
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        times.append(time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    data = json.loads(proc.stdout)
    print(
        json.dumps(
            {
                "command": "coverage " + " ".join(cmd[1:] if exe else cmd[3:]),
                "villages": data["villages_total"],
                "site_rows": data["sites"]["rows"],
                "wall_s_median": round(statistics.median(times), 2),
                "wall_s_min": round(min(times), 2),
                "peak_rss_mib": round(peak, 1),
                "village_coverage_share": data["village_coverage_share"],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
