"""The fibre planner's engine: road graph and Steiner tree, on the demo and at national size.

python benchmarks/bench_fibre.py [--scales 0.25 0.5 1] [--terminals 10000] [--no-demo]

Prints JSON. The demo part builds the graph of the demo province's roads
(``data/boundaries/roads.gpkg``), attaches the commune centres as terminals and the fibre
nodes and routes as roots, and solves the tree; then runs ``coverage plan fibre`` on the
demo end to end. The synthetic part builds a
national-size road layer with numpy (seeded): a perturbed grid of long roads, with
vertices every ~600 m, plus short random local roads that cross them or lie apart
(fragments, joined by spurs), at a few scales; at scale 1 the graph has over a million
edges. Each stage reports its wall time (s) and the peak of traced Python/numpy memory
(MB, tracemalloc: numpy and Python, not GEOS or scipy's C++ internals; ``max_rss_mb`` is
the process's peak resident memory); ``growth`` gives each stage's time ratio against the
edges ratio.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

SNAP_M = 2.0
SPUR_MAX_M = 500.0


def timed(stages: dict[str, Any], name: str, fn: Callable[[], Any]) -> Any:
    """Run ``fn``, recording its time and traced peak memory under ``name``."""
    tracemalloc.start()
    t0 = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    stages[name] = {"s": round(seconds, 3), "peak_mb": round(peak / 2**20, 1)}
    return out


def demo() -> dict[str, Any]:
    from coverage.datasets import get_path
    from coverage.plan.roadgraph import attach, attach_lines, build_graph
    from coverage.plan.steiner import steiner_tree

    stages: dict[str, Any] = {}
    roads = gpd.read_file(get_path("roads"))
    crs = roads.crs
    centres = gpd.read_file(get_path("centres")).to_crs(crs)
    nodes = gpd.read_file(get_path("fibre_nodes")).to_crs(crs)
    routes = gpd.read_file(get_path("fibre_routes")).to_crs(crs)
    graph = timed(stages, "build", lambda: build_graph(roads, snap_m=SNAP_M, spur_max_m=SPUR_MAX_M))
    t = timed(stages, "attach_targets", lambda: attach(graph, centres.geometry))
    r = timed(stages, "attach_fibre_nodes", lambda: attach(t.graph, nodes.geometry))
    lines = timed(
        stages,
        "attach_fibre_routes",
        lambda: attach_lines(r.graph, routes.geometry, spacing_m=200.0, max_distance_m=1000.0),
    )
    adjacency = lines.graph.adjacency()
    roots = np.r_[r.nodes, lines.nodes]
    # every centre as a terminal (the demo has only 3 without fibre: too easy)
    result = timed(stages, "steiner", lambda: steiner_tree(adjacency, t.nodes, roots))
    plain = timed(
        stages,
        "steiner_no_local_search",
        lambda: steiner_tree(adjacency, t.nodes, roots, improve=False),
    )
    unconnected = np.flatnonzero((centres["fibre"] == "no").to_numpy())
    gaps = steiner_tree(adjacency, t.nodes[unconnected], roots)
    return {
        "roads": len(roads),
        "nodes": lines.graph.n_nodes,
        "edges": lines.graph.n_edges,
        "report": graph.report.__dict__,
        "terminals": len(centres),
        "roots": len(roots),
        "tree_km": round(result.length / 1000, 3),
        "tree_km_without_local_search": round(plain.length / 1000, 3),
        "lower_bound_km": round(result.lower_bound / 1000, 3),
        "method": result.method,
        "unreachable": len(result.unreachable),
        "centres_without_fibre": {
            "terminals": len(unconnected),
            "tree_km": round(gaps.length / 1000, 3),
            "lower_bound_km": round(gaps.lower_bound / 1000, 3),
            "optimal": gaps.optimal,
        },
        "stages": stages,
        "plan_fibre": plan_demo(),
    }


def plan_demo() -> dict[str, Any]:
    """``coverage plan fibre`` on the demo end to end (layers read, compute's connectivity,
    graph, tree, costs), as the CLI runs it."""
    from coverage import Layers
    from coverage.plan.fibre import plan_fibre

    stages: dict[str, Any] = {}
    plan = timed(stages, "plan_fibre", lambda: plan_fibre(Layers.demo()))
    s = plan.summary
    keys = ("targets_by_kind", "total_km", "lower_bound_km", "total_cost", "currency", "method")
    return {**{k: s[k] for k in keys}, "unreachable": len(s["unreachable"]), "stages": stages}


def synthetic_roads(scale: float, *, seed: int = 16) -> gpd.GeoDataFrame:
    """A national-size road layer: a perturbed grid of long roads plus local roads."""
    rng = np.random.default_rng(seed)
    n_roads = round(500 * np.sqrt(scale))  # roads each way, 1 km apart
    n_vertices = round(800 * np.sqrt(scale))  # vertices per road, ~625 m apart
    extent = n_roads * 1000.0
    along = np.linspace(0, extent, n_vertices)
    lines = []
    for axis in (0, 1):
        offsets = (np.arange(n_roads) + 0.5) * 1000.0
        across = offsets[:, None] + rng.normal(0, 80, (n_roads, n_vertices))
        xy = np.empty((n_roads, n_vertices, 2))
        xy[..., axis] = along[None, :]
        xy[..., 1 - axis] = across
        lines.append(shapely.linestrings(xy))
    n_local = round(60_000 * scale)
    start = rng.uniform(0, extent, (n_local, 1, 2))
    steps = rng.normal(0, 250, (n_local, 4, 2))
    local = shapely.linestrings(np.concatenate([start, start + np.cumsum(steps, axis=1)], 1))
    geoms = np.concatenate([*lines, local])
    classes = np.r_[np.full(2 * n_roads, "provincial"), np.full(n_local, "local")]
    return gpd.GeoDataFrame({"class": classes}, geometry=geoms, crs="EPSG:32648")


def synthetic(scale: float, n_terminals: int) -> dict[str, Any]:
    from coverage.plan.roadgraph import attach, build_graph
    from coverage.plan.steiner import steiner_tree

    stages: dict[str, Any] = {}
    roads = synthetic_roads(scale)
    bounds = roads.total_bounds
    rng = np.random.default_rng(1)
    n_terms = round(n_terminals * scale)
    n_roots = max(round(300 * scale), 1)
    pts = rng.uniform(bounds[:2], bounds[2:], (n_terms + n_roots, 2))
    graph = timed(stages, "build", lambda: build_graph(roads, snap_m=SNAP_M, spur_max_m=SPUR_MAX_M))
    att = timed(stages, "attach", lambda: attach(graph, pts))
    adjacency = att.graph.adjacency()
    terms, roots = att.nodes[:n_terms], att.nodes[n_terms:]
    result = timed(stages, "steiner", lambda: steiner_tree(adjacency, terms, roots, improve=True))
    return {
        "scale": scale,
        "road_features": len(roads),
        "segments": graph.report.segments,
        "nodes": att.graph.n_nodes,
        "edges": att.graph.n_edges,
        "spurs": graph.report.spurs,
        "components_after": graph.report.components_after,
        "terminals": n_terms,
        "roots": n_roots,
        "tree_km": round(result.length / 1000, 1),
        "lower_bound_km": round(result.lower_bound / 1000, 1),
        "ratio_to_bound": round(result.length / result.lower_bound, 3),
        "method": result.method,
        "stages": stages,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[0.25, 0.5, 1.0])
    parser.add_argument("--terminals", type=int, default=10_000)
    parser.add_argument("--no-demo", action="store_true")
    args = parser.parse_args()
    out: dict[str, Any] = {}
    if not args.no_demo:
        out["demo"] = demo()
    runs = [synthetic(s, args.terminals) for s in args.scales]
    out["synthetic"] = runs
    if len(runs) > 1:
        base = runs[0]
        out["growth"] = [
            {
                "edges_ratio": round(r["edges"] / base["edges"], 2),
                **{
                    f"{k}_time_ratio": round(
                        r["stages"][k]["s"] / max(base["stages"][k]["s"], 1e-3), 2
                    )
                    for k in r["stages"]
                },
            }
            for r in runs[1:]
        ]
    # the process's peak resident memory, native allocations (GEOS, KD-trees) included
    out["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
