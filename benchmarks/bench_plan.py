"""``coverage plan sites`` on the demo province: where the time goes, and how good the plan is.

python benchmarks/bench_plan.py [--model terrain] [--max-sites 20] [--objective villages]
    [--fractions 0.25 0.5 1]

Runs the plan with auto candidates (the default model, as ``compute`` chooses it) and
prints JSON: the number of candidates, the time of each stage (existing network,
candidates' predictions, greedy, MILP, the figure after), greedy against the MILP and
its bound, the gap; then the same with a fraction of the candidates, to show how the
time grows with candidates x open pixels. The prediction of the existing network comes
from the cache after the first run, as in a planner's session.

Each run also reports the pair-configuration model alone (``pairs_plan_covers``, its
time): the best plan HiGHS finds in 30 s among those in which every village is covered by
one of its sites or two together.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=None)
    parser.add_argument("--max-sites", type=int, default=20)
    parser.add_argument("--objective", choices=("villages", "population"), default="villages")
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.25, 0.5, 1.0])
    args = parser.parse_args()

    from coverage import Layers
    from coverage.metrics import village_coverage
    from coverage.pipeline import predict, prepare
    from coverage.plan import sites as plan
    from coverage.plan import solve

    layers = Layers.demo()
    t0 = time.perf_counter()
    prepared = prepare(layers, model=args.model)
    prediction = predict(prepared)
    settings = prepared.settings
    before = village_coverage(prepared.villages, prediction, settings=settings)
    gaps = before.loc[~before["covered"].to_numpy(dtype=bool)]
    t_existing = time.perf_counter() - t0
    table = plan._candidates(prepared, gaps, None, True, settings, lambda _m: None)
    ids = np.array(sorted(table["site_id"].unique()))
    rows = []
    for fraction in args.fractions:
        keep = ids[np.linspace(0, len(ids) - 1, max(1, int(len(ids) * fraction))).astype(int)]
        part = table.loc[table["site_id"].isin(set(keep))]
        t1 = time.perf_counter()
        world = plan._world(
            prepared,
            prediction,
            part,
            settings,
            lambda _m: None,
            before.index.get_indexer(gaps.index),
        )
        problem, _ids = plan._problem(world, before, gaps.index, part, settings, args.objective)
        t2 = time.perf_counter()
        greedy = solve.greedy(problem, max_sites=args.max_sites)
        t3 = time.perf_counter()
        milp = solve.solve_milp(
            problem,
            max_sites=args.max_sites,
            warm=greedy,
            time_limit=float(settings.plan_time_limit_s),
        )
        t4 = time.perf_counter()
        rows.append(
            {
                "candidates": len(keep),
                "open_pixels": int(problem.atom_area.sum()),
                "atoms": len(problem.atom_area),
                "cover_nonzeros": int(problem.cover.nnz),
                "villages_to_cover": int(problem.target.sum()),
                "candidate_predictions_s": round(t2 - t1, 2),
                "greedy_s": round(t3 - t2, 2),
                "milp_s": round(t4 - t3, 2),
                "greedy_objective": greedy.objective,
                "milp_objective": milp.objective,
                "milp_bound": milp.bound,
                "milp_optimal": milp.optimal,
                "milp_gap": milp.gap,
                **pairs_search(problem, args.max_sites, greedy),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    print(
        json.dumps(
            {
                "model": prepared.model.name,
                "max_sites": args.max_sites,
                "objective": args.objective,
                "existing_network_s": round(t_existing, 2),
                "runs": rows,
            },
            indent=2,
        )
    )


def pairs_search(problem, max_sites: int, warm, time_limit: float = 30.0) -> dict:
    """The pair-configuration model alone (see coverage.plan.milp): the plan it finds, what
    that plan truly covers, and its time."""
    from coverage.plan import milp, solve
    from coverage.plan.problem import prepare

    t0 = time.perf_counter()
    prep = prepare(problem)
    chosen = milp.pairs_plan(prep, "sites", float(max_sites), warm, time_limit)
    covered = solve.newly_covered(problem, chosen or [])
    return {
        "pairs_plan_covers": float(prep.weight[covered].sum()),
        "pairs_s": round(time.perf_counter() - t0, 2),
    }


if __name__ == "__main__":
    main()
