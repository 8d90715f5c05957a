"""Choose new cell sites among candidates: a greedy heuristic and an exact MILP (HiGHS).

The problem (:class:`Problem`) and its plans (:class:`Plan`) are described in
:mod:`coverage.plan.problem`; the MILP formulations in :mod:`coverage.plan.milp`.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence
from typing import Literal

import numpy as np
import scipy.sparse as sp

from . import milp
from .problem import (
    REL_TOL,
    Mode,
    Plan,
    Prep,
    Problem,
    affordable,
    area_got,
    check_mode,
    marginal,
    newly_covered,
    prepare,
)

__all__ = ["REL_TOL", "Plan", "Problem", "greedy", "marginal", "newly_covered", "solve_milp"]

logger = logging.getLogger(__name__)

#: Weight of partial progress in the greedy gain (share of a village's need gained),
#: so that villages that need two candidates can still be reached.
TIE_BREAK = 1e-3


# --------------------------------------------------------------------------- greedy


def greedy(
    problem: Problem,
    *,
    max_sites: int | None = None,
    budget: float | None = None,
    cover_all: bool = False,
) -> Plan:
    """Choose sites greedily, one at a time, the best gain (per cost) first.

    The gain of a candidate is the weight of the target villages it newly covers plus a small
    tie-break (``TIE_BREAK`` x weight x share of the need gained) for partial progress, so that
    villages needing two candidates can still be reached. With ``budget`` and ``cover_all`` the
    gain is divided by the candidate's cost. All candidates' gains are evaluated at each step
    with one sparse product.

    With the union of footprints and an area threshold the objective is *not* submodular (a
    village may need two candidates), so the classic ``(1 - 1/e)`` guarantee of greedy
    coverage holds only when every village can be covered by one candidate alone. In budget
    mode the plan is the better of the greedy one and the best single affordable candidate.
    In ``cover_all`` mode, sites made redundant by later ones are dropped, dearest first.

    Parameters
    ----------
    problem
        The problem.
    max_sites, budget, cover_all
        Exactly one mode: at most ``max_sites`` sites, a total cost of at most ``budget``, or
        every reachable target covered at least cost.

    Returns
    -------
    Plan
        ``optimal`` is True only when it is proved (every reachable target covered in a
        max mode, or nothing to choose).
    """
    mode, limit = check_mode(max_sites, budget, cover_all)
    prep = prepare(problem)
    edge = _edge_plan(prep, mode, limit, "greedy")
    if edge is not None:
        return edge
    weight = np.ones(prep.n_villages) if mode == "all" else prep.weight
    eligible = np.arange(prep.n_candidates)
    if mode == "budget":
        eligible = eligible[affordable(prep.cost, limit)]
    chosen, first_gain = _greedy_core(prep, eligible, weight, mode, limit)
    if mode == "budget" and len(first_gain):
        # the best single candidate guards against a poor ratio-greedy start
        best = int(eligible[np.argmax(first_gain)])
        if first_gain.max() > prep.weight[newly_covered(problem, chosen)].sum():
            chosen = [best]
    if mode == "all":
        chosen = _drop_redundant(prep, chosen)
    return _finish(prep, mode, chosen, "greedy", None, None)


# --------------------------------------------------------------------------- MILP


def solve_milp(
    problem: Problem,
    *,
    max_sites: int | None = None,
    budget: float | None = None,
    cover_all: bool = False,
    warm: Plan | None = None,
    time_limit: float = 30.0,
) -> Plan:
    """Choose sites by mixed-integer programming with HiGHS.

    Three solves share ``time_limit`` (see :mod:`coverage.plan.milp`): the union
    relaxation for a bound (at most 15 % of the time), the pair-configuration model for a
    strong plan fast (at most 45 %), and the exact pixel model, warm-started from the
    better of ``warm`` and that plan, with the rest. The pixel model proves optimality on
    small and medium problems; past the limit the best plan found is returned with
    ``optimal=False`` and its gap against the tighter of the two bounds.

    ``max_sites``: ``sum x <= K``, maximise the weight of the villages covered;
    ``budget``: ``sum cost x <= B``, the same; ``cover_all``: every reachable target
    covered, minimise ``sum cost x``.

    Parameters
    ----------
    problem
        The problem.
    max_sites, budget, cover_all
        Exactly one mode, as in :func:`greedy`.
    warm
        A plan to start from (usually :func:`greedy`'s); when None, greedy is run for it.
    time_limit
        Seconds in all.

    Returns
    -------
    Plan
        ``optimal`` when proved, ``gap`` the relative gap and ``bound`` the best bound, in
        the units of ``objective``.
    """
    mode, limit = check_mode(max_sites, budget, cover_all)
    prep = prepare(problem)
    edge = _edge_plan(prep, mode, limit, "milp")
    if edge is not None:
        return edge
    if warm is None:
        warm = greedy(problem, max_sites=max_sites, budget=budget, cover_all=cover_all)
    t0 = time.perf_counter()
    model = milp.pixel_model(prep, mode, limit)
    if model.n_x == 0:
        return _finish(prep, mode, [], "milp", 0.0, 0.0, proved=True)
    relaxed = milp.union_bound(prep, mode, limit, 0.15 * time_limit)
    best = _finish(prep, mode, list(warm.selected), "milp", None, None)
    found = milp.pairs_plan(prep, mode, limit, best, 0.45 * time_limit)
    if found is not None:
        paired = _finish(prep, mode, found, "milp", None, None)
        if _better(prep, mode, paired, best):
            logger.debug("pair model: %g against %g", paired.objective, best.objective)
            best = paired
    left = time_limit - (time.perf_counter() - t0)
    result = milp.run(model.mip, time_limit=left, start=model.start(best))
    plan = best
    if result.x is not None:
        solved = _finish(
            prep,
            mode,
            model.chosen(result.x),
            "milp",
            result.gap,
            result.bound,
            proved=result.optimal,
        )
        if result.optimal or not _better(prep, mode, best, solved):
            plan = solved
    if plan is best:
        plan = _with_bound(plan, result.bound, mode)
    return _with_bound(plan, relaxed, mode)


def _better(prep: Prep, mode: Mode, plan: Plan, than: Plan) -> bool:
    """Whether ``plan`` beats ``than``: more weight covered, or in cover-all mode every
    reachable target covered at a lower cost."""
    if mode != "all":
        return plan.objective > than.objective * (1.0 + REL_TOL)
    complete = bool(np.all(plan.covered[prep.active]))
    return complete and plan.cost < than.cost * (1.0 - REL_TOL)


def _with_bound(plan: Plan, relaxed: float | None, mode: Mode) -> Plan:
    """The plan with the tighter of its bound and the union relaxation's, and the gap
    between it and the plan (optimal when they meet)."""
    if plan.optimal or relaxed is None:
        return plan
    if mode == "all":
        bound = max(relaxed, plan.bound if plan.bound is not None else -np.inf)
        gap = (plan.objective - bound) / plan.objective if plan.objective > 0 else 0.0
    else:
        bound = min(relaxed, plan.bound if plan.bound is not None else np.inf)
        gap = (bound - plan.objective) / plan.objective if plan.objective > 0 else np.inf
    gap = max(float(gap), 0.0)
    proved = gap <= 1e-9
    return dataclasses.replace(plan, bound=float(bound), gap=0.0 if proved else gap, optimal=proved)


def _edge_plan(prep: Prep, mode: Mode, limit: float, solver: str) -> Plan | None:
    """A plan for the cases with nothing to choose, or None."""
    if not prep.target.any():
        status = "no uncovered villages"
    elif prep.n_candidates == 0:
        status = "no candidates"
    elif mode == "budget" and not affordable(prep.cost, limit).any():
        status = "the budget is below every candidate's cost"
    elif mode == "sites" and limit == 0:
        status = "max_sites is 0: no site can be added"
    elif not prep.active.any():
        status = "no uncovered village can be covered by the candidates"
    else:
        return None
    return Plan(
        selected=[],
        covered=np.zeros(prep.n_villages, dtype=bool),
        objective=0.0,
        cost=0.0,
        solver=solver,
        optimal=True,
        gap=0.0,
        bound=0.0,
        unreachable=prep.unreachable,
        status=status,
    )


def _finish(
    prep: Prep,
    mode: Mode,
    chosen: Sequence[int],
    solver: str,
    gap: float | None,
    bound: float | None,
    *,
    proved: bool = False,
) -> Plan:
    """Rank the chosen sites and measure the plan."""
    ranked = _rank(prep, np.asarray(sorted(set(chosen)), dtype=np.intp))
    covered = newly_covered(prep.problem, ranked)
    cost = float(prep.cost[ranked].sum()) if ranked else 0.0
    if mode == "all":
        objective = cost
    else:
        objective = float(prep.weight[covered].sum())
        # everything reachable is covered: nothing can do better
        if objective >= prep.weight[prep.active].sum() * (1.0 - REL_TOL):
            proved = True
    if proved:
        gap, bound = 0.0, objective
    return Plan(
        selected=ranked,
        covered=covered,
        objective=objective,
        cost=cost,
        solver=solver,
        optimal=proved,
        gap=gap,
        bound=bound,
        unreachable=prep.unreachable,
    )


# --------------------------------------------------------------------------- greedy engine


def _greedy_core(
    prep: Prep,
    cand: np.ndarray,
    weight: np.ndarray,
    mode: Mode | Literal["rank"],
    limit: float,
) -> tuple[list[int], np.ndarray]:
    """Greedy over the candidates ``cand``; returns the chosen ones and the first step's gains.

    ``mode="rank"`` orders all of ``cand`` (no stopping rule, absolute gains).
    """
    active = prep.active
    useful_atoms = np.flatnonzero(active[prep.village])
    cover = prep.cover[cand][:, useful_atoms].tocsr()
    cover.sort_indices()
    village = prep.village[useful_atoms]
    area = prep.area[useful_atoms]
    n_c, n_a = cover.shape
    n_v = prep.n_villages
    cost = prep.cost[cand]
    per_cost = mode in ("budget", "all")
    atom_on = np.zeros(n_a, dtype=bool)
    got = np.zeros(n_v)
    covered = np.zeros(n_v, dtype=bool)
    avail = np.ones(n_c, dtype=bool)
    spent = 0.0
    chosen: list[int] = []
    first_gain: np.ndarray = np.zeros(0)
    indptr = np.arange(n_a + 1)
    while avail.any():
        if mode == "sites" and len(chosen) >= limit:
            break
        open_ = active & ~covered
        if mode != "rank" and not open_.any():
            break
        live = open_[village] & ~atom_on
        d = sp.csr_matrix((area * live, village, indptr), shape=(n_a, n_v))
        m = (cover @ d).tocsr()
        m_rows = np.repeat(np.arange(n_c), np.diff(m.indptr))
        v = m.indices
        val = m.data
        ok = (val > 0) & open_[v]
        rem = prep.need[v] - got[v]
        new = ok & (got[v] + val >= prep.thr[v])
        share = np.minimum(val, np.maximum(rem, 0.0)) / prep.need[v]
        per_entry = np.where(ok, weight[v] * (new + TIE_BREAK * share), 0.0)
        # (np.bincount of an empty array is int even with weights)
        gain = np.bincount(m_rows, weights=per_entry, minlength=n_c).astype(float)
        if not chosen:
            first_gain = np.bincount(m_rows, weights=np.where(new, weight[v], 0.0), minlength=n_c)
        score = gain / cost if per_cost else gain.copy()
        score[~avail] = -np.inf
        if mode == "budget":
            score[~affordable(cost, limit - spent)] = -np.inf
        best = int(np.argmax(score))
        if not np.isfinite(score[best]) or (mode != "rank" and gain[best] <= 0):
            break
        chosen.append(best)
        avail[best] = False
        spent += cost[best]
        atoms = cover.indices[cover.indptr[best] : cover.indptr[best + 1]]
        atoms = atoms[~atom_on[atoms]]
        atom_on[atoms] = True
        got += np.bincount(village[atoms], weights=area[atoms], minlength=n_v)
        covered = active & (got >= prep.thr)
    return [int(cand[c]) for c in chosen], first_gain


def _rank(prep: Prep, selected: np.ndarray) -> list[int]:
    """Order a chosen set so that adding its sites one at a time gains the most each step."""
    if len(selected) == 0:
        return []
    ranked, _ = _greedy_core(prep, selected, prep.weight, "rank", np.inf)
    return ranked


def _drop_redundant(prep: Prep, chosen: list[int]) -> list[int]:
    """Drop sites whose removal keeps every reachable target covered, dearest first."""
    keep = list(chosen)
    order = sorted(range(len(chosen)), key=lambda i: (-prep.cost[chosen[i]], -i))
    for i in order:  # a loop over the few chosen sites, not over candidates
        trial = [c for c in keep if c != chosen[i]]
        got = area_got(prep.cover, prep.problem, np.asarray(trial, dtype=np.intp))
        if np.all(got[prep.active] >= prep.thr[prep.active]):
            keep = trial
    return keep
