"""Choose new cell sites among candidates: a greedy heuristic and an exact MILP (HiGHS).

The caller turns each candidate's predicted coverage into a :class:`Problem`: the uncovered
area of every village is cut into *atoms*, pieces covered by exactly the same set of
candidates. A selection of candidates covers a target village when the area of its atoms
reached by at least one selected candidate (the union of the footprints) is at least the
village's ``need``, up to a relative tolerance of ``REL_TOL``.

Three modes, exactly one per call:

- ``max_sites=K``: at most K sites, maximise the weight of the villages covered;
- ``budget=B``: total cost at most B, maximise the weight of the villages covered;
- ``cover_all=True``: cover every reachable target village at the least total cost.

A target village that all the candidates together cannot cover is *unreachable*: it is
reported in :attr:`Plan.unreachable` and never counted by the optimisation.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp

logger = logging.getLogger(__name__)

#: Relative tolerance of the coverage test: covered when area >= need * (1 - REL_TOL).
REL_TOL = 1e-9
#: Weight of partial progress in the greedy gain (share of a village's need gained),
#: so that villages that need two candidates can still be reached.
TIE_BREAK = 1e-3

#: Above this many rows the MIP's LPs are solved by interior point rather than simplex.
_IPM_ROWS = 5000

Mode = Literal["sites", "budget", "all"]


@dataclass(frozen=True)
class Problem:
    """The matrices of a site-planning problem.

    Attributes
    ----------
    cover
        ``(n_candidates, n_atoms)`` boolean sparse matrix: candidate c covers atom a.
    atom_village
        ``(n_atoms,)`` int: the village of each atom.
    atom_area
        ``(n_atoms,)`` float > 0: the area of each atom (any unit).
    need
        ``(n_villages,)`` float: the area still to cover for the village to count.
    weight
        ``(n_villages,)`` float >= 0: objective weight (1 per village, or its population).
    target
        ``(n_villages,)`` bool: the villages that count (uncovered now, eligible).
    cost
        ``(n_candidates,)`` float > 0: cost of each candidate (ones when unknown).
    """

    cover: sp.csr_matrix
    atom_village: np.ndarray
    atom_area: np.ndarray
    need: np.ndarray
    weight: np.ndarray
    target: np.ndarray
    cost: np.ndarray

    @property
    def n_candidates(self) -> int:
        """Number of candidates."""
        return int(self.cover.shape[0])

    @property
    def n_villages(self) -> int:
        """Number of villages."""
        return len(self.need)


@dataclass(frozen=True)
class Plan:
    """A chosen set of sites and what it achieves.

    Attributes
    ----------
    selected
        Candidate indices, ranked: each one is the one that adds the most (weight of villages
        newly covered, then partial progress) given those before it.
    covered
        Bool per village: the target villages covered by the plan.
    objective
        Weight covered (``max_sites`` and ``budget``) or total cost (``cover_all``).
    cost
        Total cost of the selected candidates.
    solver
        ``"greedy"`` or ``"milp"``.
    optimal
        Whether the plan is proved optimal.
    gap
        Relative MIP gap (0 when optimal), None when unknown.
    bound
        Best bound on the objective (upper for the max modes, lower for ``cover_all``).
    unreachable
        Indices of the target villages that even all the candidates cannot cover.
    status
        A short sentence for the edge cases, "" otherwise.
    """

    selected: list[int]
    covered: np.ndarray
    objective: float
    cost: float
    solver: str
    optimal: bool
    gap: float | None
    bound: float | None
    unreachable: np.ndarray
    status: str = ""


# --------------------------------------------------------------------------- public helpers


def newly_covered(problem: Problem, selected: Sequence[int] | np.ndarray) -> np.ndarray:
    """Target villages covered by a selection of candidates.

    Parameters
    ----------
    problem
        The problem.
    selected
        Candidate indices.

    Returns
    -------
    numpy.ndarray
        Bool per village.
    """
    cover = _clean_cover(problem.cover)
    got = _area_got(cover, problem, np.asarray(selected, dtype=np.intp))
    need = np.asarray(problem.need, dtype=float)
    return np.asarray(problem.target, dtype=bool) & (got >= _threshold(need)) & (need > 0)


def marginal(problem: Problem, ranked: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Villages and weight newly covered at each step of a ranked selection.

    Parameters
    ----------
    problem
        The problem.
    ranked
        Candidate indices in the order they are added.

    Returns
    -------
    tuple of numpy.ndarray
        ``(villages_per_step, weight_per_step)``, each of length ``len(ranked)``.
    """
    ranked = np.asarray(ranked, dtype=np.intp)
    k = len(ranked)
    if k == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    village, step = _covering_step(_clean_cover(problem.cover), problem, ranked)
    weight = np.asarray(problem.weight, dtype=float)
    return (
        np.bincount(step, minlength=k).astype(np.int64),
        np.bincount(step, weights=weight[village], minlength=k),
    )


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
    mode, limit = _mode(max_sites, budget, cover_all)
    prep = _prepare(problem)
    edge = _edge_plan(prep, mode, limit, "greedy")
    if edge is not None:
        return edge
    weight = np.ones(prep.n_villages) if mode == "all" else prep.weight
    eligible = np.arange(prep.n_candidates)
    if mode == "budget":
        eligible = eligible[_affordable(prep.cost, limit)]
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

    Variables: ``x_c`` binary (candidate chosen), ``y_s`` in [0, 1] for each distinct set of
    candidates covering some atoms, with ``y_s <= sum(x_c, c in s)``, and ``z_v`` binary
    (village covered) with ``sum(area_a / need_v * y_s(a)) >= (1 - REL_TOL) z_v``.
    ``max_sites``: ``sum x <= K``, maximise ``sum weight z``; ``budget``:
    ``sum cost x <= B``, maximise ``sum weight z``; ``cover_all``: ``z_v = 1`` for every
    reachable target, minimise ``sum cost x``.

    Before solving: identical candidates (same atoms among those of reachable targets) are
    merged, keeping the cheapest (ties: lowest index); candidates covering no target atom and,
    in budget mode, unaffordable ones are dropped; atoms with the same candidate set share
    one ``y`` (their areas are summed per village). The solve is deterministic (one thread,
    fixed seed) and quiet.

    Parameters
    ----------
    problem
        The problem.
    max_sites, budget, cover_all
        Exactly one mode, as in :func:`greedy`.
    warm
        A plan to start from (usually :func:`greedy`'s); when None, greedy is run for it.
    time_limit
        Seconds in all (a quarter for the bound of :func:`_union_bound`, the rest for the
        exact model); past it the best plan found is returned with ``optimal=False`` and
        its gap against the tighter of the two bounds.

    Returns
    -------
    Plan
        ``optimal`` when HiGHS proved it, ``gap`` the relative MIP gap and ``bound`` the dual
        bound, in the units of ``objective``.
    """
    mode, limit = _mode(max_sites, budget, cover_all)
    prep = _prepare(problem)
    edge = _edge_plan(prep, mode, limit, "milp")
    if edge is not None:
        return edge
    if warm is None:
        warm = greedy(problem, max_sites=max_sites, budget=budget, cover_all=cover_all)
    model = _build_model(prep, mode, limit)
    if model.n_x == 0:
        return _finish(prep, mode, [], "milp", 0.0, 0.0, proved=True)
    # a quarter of the time for the small relaxation's bound, the rest for the exact model
    relaxed = _union_bound(prep, mode, limit, 0.25 * time_limit)
    x, optimal, gap, bound = _run_highs(model, warm, 0.75 * time_limit)
    if x is None:
        logger.warning("HiGHS found no solution in %.1f s: keeping the warm start", time_limit)
        plan = _finish(prep, mode, list(warm.selected), "milp", None, None, proved=False)
    else:
        chosen = model.candidate[model.rep[x > 0.5]]
        plan = _finish(prep, mode, [int(c) for c in chosen], "milp", gap, bound, proved=optimal)
    return _with_bound(plan, relaxed, mode)


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


def _union_bound(prep: _Prep, mode: Mode, limit: float, time_limit: float) -> float | None:
    """A bound from a small relaxation: a set of sites is taken to reach in a village the
    SUM of the areas each reaches alone (never less than their union), so every plan that
    truly covers a village covers it here too. One row per village, one column per
    candidate: HiGHS solves it exactly in a moment where the pixel model is too large to.
    Its optimum bounds the true one from above (max modes) or below (cover-all)."""
    import highspy

    villages = prep.active & (prep.weight > 0) if mode != "all" else prep.active
    vil = np.flatnonzero(villages)
    if len(vil) == 0 or prep.n_candidates == 0:
        return None
    pick = villages[prep.village]
    atoms = np.flatnonzero(pick)
    local = np.full(prep.n_villages, -1, dtype=np.intp)
    local[vil] = np.arange(len(vil))
    to_village = sp.csr_matrix(
        (
            prep.area[atoms] / prep.need[prep.village[atoms]],
            (atoms, local[prep.village[atoms]]),
        ),
        shape=(prep.cover.shape[1], len(vil)),
    )
    reach = (prep.cover @ to_village).tocsc()  # candidate x village: share of need reached
    n_x, n_v = reach.shape
    one = 1.0 - REL_TOL
    if mode == "all":
        matrix = reach.T.tocsc()
        row_lower, row_upper = np.full(n_v, one), np.full(n_v, np.inf)
        cost, integer = prep.cost.astype(float), np.ones(n_x, dtype=bool)
        n_col = n_x
    else:
        cover_rows = sp.hstack([reach.T, -one * sp.identity(n_v)])
        lim = np.ones(n_x) if mode == "sites" else prep.cost
        lim_row = sp.hstack([sp.csr_matrix(lim), sp.csr_matrix((1, n_v))])
        matrix = sp.vstack([cover_rows, lim_row]).tocsc()
        cap = limit if mode == "sites" else limit * (1.0 + REL_TOL)
        row_lower = np.r_[np.zeros(n_v), -np.inf]
        row_upper = np.r_[np.full(n_v, np.inf), cap]
        cost = np.r_[np.zeros(n_x), prep.weight[vil]]
        integer = np.ones(n_x + n_v, dtype=bool)
        n_col = n_x + n_v
    with _quiet_stdout():
        h = highspy.Highs()
    for name, value in (
        ("output_flag", False),
        ("random_seed", 0),
        ("threads", 1),
        ("time_limit", float(time_limit)),
        ("mip_rel_gap", 1e-9),
    ):
        h.setOptionValue(name, value)
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_col, matrix.shape[0]
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_ = np.zeros(n_col)
    lp.col_upper_ = np.ones(n_col)
    lp.row_lower_ = np.where(np.isinf(row_lower), -inf, row_lower)
    lp.row_upper_ = np.where(np.isinf(row_upper), inf, row_upper)
    matrix.sort_indices()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(float)
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer
    ]
    lp.sense_ = highspy.ObjSense.kMinimize if mode == "all" else highspy.ObjSense.kMaximize
    h.passModel(lp)
    h.run()
    bound = float(h.getInfo().mip_dual_bound)
    if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        bound = float(h.getInfo().objective_function_value)
    logger.debug("union relaxation: %d candidates x %d villages, bound %g", n_x, n_v, bound)
    return bound if np.isfinite(bound) else None


# --------------------------------------------------------------------------- preparation


@dataclass(frozen=True)
class _Prep:
    """Validated, normalised arrays shared by both solvers."""

    problem: Problem
    cover: sp.csr_matrix  # float, explicit ones only, sorted indices
    village: np.ndarray
    area: np.ndarray
    need: np.ndarray
    thr: np.ndarray
    weight: np.ndarray
    cost: np.ndarray
    target: np.ndarray
    active: np.ndarray  # reachable targets
    unreachable: np.ndarray

    @property
    def n_candidates(self) -> int:
        return self.problem.n_candidates

    @property
    def n_villages(self) -> int:
        return self.problem.n_villages


def _mode(max_sites: int | None, budget: float | None, cover_all: bool) -> tuple[Mode, float]:
    """Check that exactly one mode is given and return it with its limit."""
    given = [max_sites is not None, budget is not None, bool(cover_all)]
    if sum(given) != 1:
        raise ValueError("give exactly one of max_sites=K, budget=B or cover_all=True")
    if max_sites is not None:
        if isinstance(max_sites, bool) or int(max_sites) != max_sites or max_sites < 0:
            raise ValueError(f"max_sites must be an integer >= 0, not {max_sites!r}")
        return "sites", float(max_sites)
    if budget is not None:
        if not np.isfinite(budget) or budget < 0:
            raise ValueError(f"budget must be a finite number >= 0, not {budget!r}")
        return "budget", float(budget)
    return "all", np.inf


def _clean_cover(cover: sp.spmatrix) -> sp.csr_matrix:
    """The cover matrix as float CSR with explicit ones and sorted indices."""
    m = sp.csr_matrix(cover, dtype=float, copy=True)
    m.sum_duplicates()
    m.eliminate_zeros()
    m.data[:] = 1.0
    m.sort_indices()
    return m


def _prepare(problem: Problem) -> _Prep:
    """Validate the problem (all problems at once) and precompute shared arrays."""
    cover = _clean_cover(problem.cover)
    n_c, n_a = cover.shape
    village = np.asarray(problem.atom_village)
    area = np.asarray(problem.atom_area, dtype=float)
    need = np.asarray(problem.need, dtype=float)
    weight = np.asarray(problem.weight, dtype=float)
    target = np.asarray(problem.target)
    cost = np.asarray(problem.cost, dtype=float)
    n_v = len(need)
    errors = []
    if village.shape != (n_a,) or area.shape != (n_a,):
        errors.append(f"atom_village and atom_area must have shape ({n_a},) (columns of cover)")
    elif n_a and (village.min() < 0 or village.max() >= n_v):
        errors.append(f"atom_village must hold village indices in [0, {n_v})")
    if weight.shape != (n_v,) or target.shape != (n_v,):
        errors.append(f"weight and target must have shape ({n_v},) like need")
    if cost.shape != (n_c,):
        errors.append(f"cost must have shape ({n_c},) (rows of cover)")
    if area.shape == (n_a,) and not np.all(area > 0):
        errors.append("atom_area must be > 0")
    if cost.shape == (n_c,) and not np.all(np.isfinite(cost) & (cost > 0)):
        errors.append("cost must be finite and > 0")
    if weight.shape == (n_v,) and not np.all(np.isfinite(weight) & (weight >= 0)):
        errors.append("weight must be finite and >= 0")
    if target.shape == (n_v,) and not np.all(need[target.astype(bool)] > 0):
        errors.append("need must be > 0 for every target village")
    if errors:
        raise ValueError("invalid planning problem: " + "; ".join(errors))
    village = village.astype(np.intp)
    target = target.astype(bool)
    thr = _threshold(need)
    reach = np.bincount(village, weights=area * (cover.getnnz(axis=0) > 0), minlength=n_v)
    active = target & (reach >= thr)
    return _Prep(
        problem=problem,
        cover=cover,
        village=village,
        area=area,
        need=need,
        thr=thr,
        weight=weight,
        cost=cost,
        target=target,
        active=active,
        unreachable=np.flatnonzero(target & ~active),
    )


def _threshold(need: np.ndarray) -> np.ndarray:
    return need * (1.0 - REL_TOL)


def _affordable(cost: np.ndarray, budget: float) -> np.ndarray:
    return cost <= budget * (1.0 + REL_TOL)


def _area_got(cover: sp.csr_matrix, problem: Problem, selected: np.ndarray) -> np.ndarray:
    """Area reached per village by the union of the selected candidates' footprints."""
    n_v = len(problem.need)
    if len(selected) == 0:
        return np.zeros(n_v)
    hit = cover[selected].getnnz(axis=0) > 0
    area = np.asarray(problem.atom_area, dtype=float)
    village = np.asarray(problem.atom_village, dtype=np.intp)
    return np.bincount(village, weights=area * hit, minlength=n_v)


def _covering_step(
    cover: sp.csr_matrix, problem: Problem, ranked: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Target villages covered by a ranked selection and the step at which each is."""
    k = len(ranked)
    sub = cover[ranked].tocsc()
    n_a = sub.shape[1]
    first = np.full(n_a, k, dtype=np.intp)
    cols = np.repeat(np.arange(n_a), np.diff(sub.indptr))
    np.minimum.at(first, cols, sub.indices)
    village = np.asarray(problem.atom_village, dtype=np.intp)
    target = np.asarray(problem.target, dtype=bool)
    keep = (first < k) & target[village]
    v, s = village[keep], first[keep]
    a = np.asarray(problem.atom_area, dtype=float)[keep]
    order = np.lexsort((s, v))
    v, s, a = v[order], s[order], a[order]
    csum = np.cumsum(a)
    starts = np.r_[True, v[1:] != v[:-1]] if len(v) else np.zeros(0, dtype=bool)
    base = np.maximum.accumulate(np.where(starts, csum - a, 0.0)) if len(v) else csum
    reached = (csum - base) >= _threshold(np.asarray(problem.need, dtype=float))[v]
    idx = np.flatnonzero(reached)
    uniq, pos = np.unique(v[idx], return_index=True)
    return uniq, s[idx[pos]]


def _edge_plan(prep: _Prep, mode: Mode, limit: float, solver: str) -> Plan | None:
    """A plan for the cases with nothing to choose, or None."""
    if not prep.target.any():
        status = "no uncovered villages"
    elif prep.n_candidates == 0:
        status = "no candidates"
    elif mode == "budget" and not _affordable(prep.cost, limit).any():
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
    prep: _Prep,
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
    prep: _Prep,
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
            score[~_affordable(cost, limit - spent)] = -np.inf
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


def _rank(prep: _Prep, selected: np.ndarray) -> list[int]:
    """Order a chosen set so that adding its sites one at a time gains the most each step."""
    if len(selected) == 0:
        return []
    ranked, _ = _greedy_core(prep, selected, prep.weight, "rank", np.inf)
    return ranked


def _drop_redundant(prep: _Prep, chosen: list[int]) -> list[int]:
    """Drop sites whose removal keeps every reachable target covered, dearest first."""
    keep = list(chosen)
    order = sorted(range(len(chosen)), key=lambda i: (-prep.cost[chosen[i]], -i))
    for i in order:  # a loop over the few chosen sites, not over candidates
        trial = [c for c in keep if c != chosen[i]]
        got = _area_got(prep.cover, prep.problem, np.asarray(trial, dtype=np.intp))
        if np.all(got[prep.active] >= prep.thr[prep.active]):
            keep = trial
    return keep


# --------------------------------------------------------------------------- MILP model


@dataclass(frozen=True)
class _Model:
    """The MILP in HiGHS's column-wise form, with the maps back to candidates."""

    n_x: int
    n_y: int
    n_z: int
    candidate: np.ndarray  # eligible candidate indices (original)
    rep: np.ndarray  # per x: index into ``candidate``
    group: np.ndarray  # per original candidate: x index or -1
    link: sp.csr_matrix  # (n_y, n_x): y_s <= sum of x over s
    share: sp.csr_matrix  # (n_z or villages, n_y): area / need
    matrix: sp.csc_matrix
    col_cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    integer: np.ndarray
    maximise: bool


def _hash_keys(m: sp.csr_matrix, seed: int) -> np.ndarray:
    """Two random projections and the count of each row: equal rows give equal keys."""
    rng = np.random.default_rng(seed)
    r = rng.random((m.shape[1], 2))
    return np.column_stack([m @ r, m.getnnz(axis=1)])


def _build_model(prep: _Prep, mode: Mode, limit: float) -> _Model:
    """Reduce the problem (merge candidates and atoms) and write the MILP."""
    villages = prep.active & (prep.weight > 0) if mode != "all" else prep.active
    vil_idx = np.flatnonzero(villages)
    local = np.full(prep.n_villages, -1, dtype=np.intp)
    local[vil_idx] = np.arange(len(vil_idx))
    atoms = np.flatnonzero(villages[prep.village])
    eligible = np.arange(prep.n_candidates)
    if mode == "budget":
        eligible = eligible[_affordable(prep.cost, limit)]
    sub = prep.cover[eligible][:, atoms].tocsr()
    sub.sort_indices()
    # drop candidates covering no target atom, merge identical ones (keep cheapest, lowest)
    nz = sub.getnnz(axis=1) > 0
    candidate = eligible[nz]
    sub = sub[nz]
    _, grp = np.unique(_hash_keys(sub, 1), axis=0, return_inverse=True)
    grp = grp.ravel()
    order = np.lexsort((candidate, prep.cost[candidate], grp))
    firsts = order[np.r_[True, grp[order][1:] != grp[order][:-1]]] if len(order) else order
    rep = firsts[np.argsort(grp[firsts])]
    group = np.full(prep.n_candidates, -1, dtype=np.intp)
    group[candidate] = grp
    x_mat = sub[rep]  # (n_x, n_atoms)
    n_x = x_mat.shape[0]
    # atoms with the same candidate set share one y
    covered_atom = x_mat.getnnz(axis=0) > 0
    cols = np.flatnonzero(covered_atom)
    xt = x_mat[:, cols].T.tocsr()
    xt.sort_indices()
    _, agrp = np.unique(_hash_keys(xt, 2), axis=0, return_inverse=True)
    agrp = agrp.ravel()
    n_y = int(agrp.max()) + 1 if len(agrp) else 0
    first_col = np.zeros(n_y, dtype=np.intp)
    first_col[agrp[::-1]] = np.arange(len(agrp))[::-1]
    link = xt[first_col]  # (n_y, n_x)
    av = prep.village[atoms[cols]]
    share = sp.csr_matrix(
        (prep.area[atoms[cols]] / prep.need[av], (local[av], agrp)),
        shape=(len(vil_idx), n_y),
    )
    share.sum_duplicates()
    n_v = len(vil_idx)
    one = 1.0 - REL_TOL
    link_rows = sp.hstack([-link, sp.identity(n_y, format="csr")])
    if mode == "all":
        n_z = 0
        blocks = [link_rows, sp.hstack([sp.csr_matrix((n_v, n_x)), share])]
        row_lower = np.r_[np.full(n_y, -np.inf), np.full(n_v, one)]
        row_upper = np.r_[np.zeros(n_y), np.full(n_v, np.inf)]
        col_cost = np.r_[prep.cost[candidate[rep]], np.zeros(n_y)]
    else:
        n_z = n_v
        link_rows = sp.hstack([link_rows, sp.csr_matrix((n_y, n_z))])
        vil_rows = sp.hstack([sp.csr_matrix((n_v, n_x)), share, -one * sp.identity(n_z)])
        lim = np.ones(n_x) if mode == "sites" else prep.cost[candidate[rep]]
        lim_row = sp.hstack([sp.csr_matrix(lim), sp.csr_matrix((1, n_y + n_z))])
        blocks = [link_rows, vil_rows, lim_row]
        row_lower = np.r_[np.full(n_y, -np.inf), np.zeros(n_v), -np.inf]
        cap = limit if mode == "sites" else limit * (1.0 + REL_TOL)
        row_upper = np.r_[np.zeros(n_y), np.full(n_v, np.inf), cap]
        col_cost = np.r_[np.zeros(n_x + n_y), prep.weight[vil_idx]]
    matrix = sp.vstack(blocks).tocsc()
    matrix.sort_indices()
    n_col = n_x + n_y + n_z
    integer = np.zeros(n_col, dtype=bool)
    integer[:n_x] = True
    integer[n_x + n_y :] = True
    logger.debug(
        "MILP: %d candidates (%d eligible), %d atom sets, %d villages, %d nonzeros",
        n_x,
        len(eligible),
        n_y,
        n_v,
        matrix.nnz,
    )
    return _Model(
        n_x=n_x,
        n_y=n_y,
        n_z=n_z,
        candidate=candidate,
        rep=rep,
        group=group,
        link=link,
        share=share,
        matrix=matrix,
        col_cost=col_cost,
        col_lower=np.zeros(n_col),
        col_upper=np.ones(n_col),
        row_lower=row_lower,
        row_upper=row_upper,
        integer=integer,
        maximise=mode != "all",
    )


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence C-level stdout (HiGHS prints a banner when the first solver is built)."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError, AttributeError):
        yield
        return
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _run_highs(
    model: _Model, warm: Plan, time_limit: float
) -> tuple[np.ndarray | None, bool, float | None, float | None]:
    """Solve the model; return x (or None), proved optimal, gap and bound."""
    import highspy

    with _quiet_stdout():
        h = highspy.Highs()
    for name, value in (
        ("output_flag", False),
        ("random_seed", 0),
        ("threads", 1),
        ("time_limit", float(time_limit)),
        ("mip_rel_gap", 1e-9),
    ):
        h.setOptionValue(name, value)
    if model.matrix.shape[0] > _IPM_ROWS:
        # the root LP of a large model: dual simplex stalls for minutes, IPM takes seconds;
        # and HiGHS's presolve of such a model runs past the time limit (minutes on the
        # demo's 177,000 atom sets), so it is off: the limit then holds
        h.setOptionValue("mip_lp_solver", "ipm")
        h.setOptionValue("presolve", "off")
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = model.matrix.shape[1]
    lp.num_row_ = model.matrix.shape[0]
    lp.col_cost_ = model.col_cost
    lp.col_lower_ = model.col_lower
    lp.col_upper_ = model.col_upper
    lp.row_lower_ = np.where(np.isinf(model.row_lower), -inf, model.row_lower)
    lp.row_upper_ = np.where(np.isinf(model.row_upper), inf, model.row_upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = model.matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = model.matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = model.matrix.data.astype(float)
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
        for i in model.integer
    ]
    lp.sense_ = highspy.ObjSense.kMaximize if model.maximise else highspy.ObjSense.kMinimize
    h.passModel(lp)
    start = _warm_vector(model, warm)
    status = h.setSolution(len(start), np.arange(len(start), dtype=np.int32), start)
    logger.debug("warm start of %d sites: HiGHS says %s", len(warm.selected), status.name)
    h.run()
    info = h.getInfo()
    proved = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    if info.primal_solution_status != highspy.kSolutionStatusFeasible:
        return None, False, None, None
    x = np.asarray(h.getSolution().col_value)[: model.n_x]
    gap = float(info.mip_gap)
    bound = float(info.mip_dual_bound)
    return x, proved, (gap if np.isfinite(gap) else None), (bound if np.isfinite(bound) else None)


def _warm_vector(model: _Model, warm: Plan) -> np.ndarray:
    """The full column vector of a warm plan in the reduced model."""
    x = np.zeros(model.n_x)
    sel = np.asarray(warm.selected, dtype=np.intp)
    if len(sel):
        g = model.group[sel]
        x[g[g >= 0]] = 1.0
    y = np.minimum(model.link @ x, 1.0)
    parts = [x, y]
    if model.n_z:
        parts.append((model.share @ y >= 1.0 - REL_TOL).astype(float))
    return np.concatenate(parts)
