"""Wall time and peak memory of the default demo run, cold and warm numba cache.

python benchmarks/bench_demo.py [--repeat 3] [--tree DIR ...] [--prediction-cache]

Runs ``coverage compute --quiet --json`` (the embedded demo, terrain model):

* **cold**: every run with a fresh, empty ``NUMBA_CACHE_DIR`` (every kernel compiled);
* **warm**: all runs sharing one ``NUMBA_CACHE_DIR`` filled by a first, untimed run.

The prediction cache (``coverage.cache``) is off (``--no-cache``, where the CLI has it),
so every run predicts; ``--prediction-cache`` times a run that reads a cached prediction
too. ``--tree DIR`` runs the package of another checkout (``PYTHONPATH=DIR``), so two
versions run side by side on the same machine, alternately, each median of
``--repeat`` runs. Peak memory is the child's maximum resident set size (``wait4``, as
``/usr/bin/time -v`` reports it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMAND = ["compute", "--quiet", "--json"]


def coverage_exe() -> list[str]:
    beside = Path(sys.executable).with_name("coverage")
    exe = str(beside) if beside.exists() else shutil.which("coverage")
    return [exe] if exe else [sys.executable, "-m", "coverage.cli"]


def run_once(tree: str | None, numba_dir: str, extra: list[str], xdg: str) -> dict:
    """One run: wall seconds, peak RSS (MiB) and the summary it printed."""
    env = dict(os.environ, NUMBA_CACHE_DIR=numba_dir, XDG_CACHE_HOME=xdg)
    if tree:
        env["PYTHONPATH"] = tree
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [*coverage_exe(), *COMMAND, *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tempfile.gettempdir(),
    )
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"coverage compute failed ({proc.returncode}): {err.decode()[-2000:]}")
    summary = json.loads(out)
    return {"wall_s": wall, "summary": summary}


def measured(tree: str | None, numba_dir: str, extra: list[str], xdg: str) -> dict:
    """:func:`run_once` in a helper process (this script with ``--child``), so that its
    RUSAGE_CHILDREN peak is this run's alone."""
    args = json.dumps([tree, numba_dir, extra, xdg])
    out = subprocess.run(
        [sys.executable, __file__, "--child", args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def child(args: str) -> None:
    result = run_once(*json.loads(args))
    result["peak_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(result))


def has_no_cache(tree: str | None) -> bool:
    env = dict(os.environ, **({"PYTHONPATH": tree} if tree else {}))
    help_text = subprocess.run(
        [*coverage_exe(), "compute", "--help"], env=env, capture_output=True, text=True
    ).stdout
    return "--no-cache" in help_text


def bench(trees: list[str | None], repeat: int, prediction_cache: bool) -> list[dict]:
    """Each tree: one untimed run fills its warm numba cache; then ``repeat`` rounds of
    (cold run, warm run) per tree, the trees taking turns."""
    xdg = tempfile.mkdtemp(prefix="bench-xdg-")
    setup = []
    for tree in trees:
        extra = ["--no-cache"] if has_no_cache(tree) else []
        warm_dir = tempfile.mkdtemp(prefix="bench-numba-")
        measured(tree, warm_dir, extra, xdg)
        setup.append((tree, extra, warm_dir, {"cold": [], "warm": []}))
    try:
        for _ in range(repeat):
            for tree, extra, warm_dir, rows in setup:
                cold_dir = tempfile.mkdtemp(prefix="bench-numba-")
                try:
                    rows["cold"].append(measured(tree, cold_dir, extra, xdg))
                finally:
                    shutil.rmtree(cold_dir, ignore_errors=True)
                rows["warm"].append(measured(tree, warm_dir, extra, xdg))
        for tree, extra, warm_dir, rows in setup:
            if prediction_cache and extra:
                measured(tree, warm_dir, [], xdg)  # writes the cached prediction
                rows["warm, prediction cached"] = [measured(tree, warm_dir, [], xdg)]
    finally:
        for *_, warm_dir, _rows in setup:
            shutil.rmtree(warm_dir, ignore_errors=True)
        shutil.rmtree(xdg, ignore_errors=True)
    results = []
    for tree, _extra, _dir, rows in setup:
        summary = rows["warm"][-1]["summary"]
        results.append(
            {
                "tree": tree or "installed",
                "model": summary["model"],
                "villages_covered": summary["villages_covered"],
                "villages_total": summary["villages_total"],
                "population_covered": summary["population_covered"],
                **{
                    kind: {
                        "wall_s_median": round(statistics.median(r["wall_s"] for r in runs), 2),
                        "wall_s": [round(r["wall_s"], 2) for r in runs],
                        "peak_rss_mib_max": round(max(r["peak_mib"] for r in runs), 1),
                    }
                    for kind, runs in rows.items()
                },
            }
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tree", action="append", default=[], help="another checkout")
    parser.add_argument("--prediction-cache", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    trees = [None, *args.tree]
    print(json.dumps(bench(trees, args.repeat, args.prediction_cache), indent=2))


if __name__ == "__main__":
    main()
