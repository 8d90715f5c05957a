"""The site-planning problem and its plans, shared by the solvers.

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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp

#: Relative tolerance of the coverage test: covered when area >= need * (1 - REL_TOL).
REL_TOL = 1e-9

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
    cover = clean_cover(problem.cover)
    got = area_got(cover, problem, np.asarray(selected, dtype=np.intp))
    need = np.asarray(problem.need, dtype=float)
    return np.asarray(problem.target, dtype=bool) & (got >= threshold(need)) & (need > 0)


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
    village, step = covering_step(clean_cover(problem.cover), problem, ranked)
    weight = np.asarray(problem.weight, dtype=float)
    return (
        np.bincount(step, minlength=k).astype(np.int64),
        np.bincount(step, weights=weight[village], minlength=k),
    )


# --------------------------------------------------------------------------- preparation


@dataclass(frozen=True)
class Prep:
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


def check_mode(max_sites: int | None, budget: float | None, cover_all: bool) -> tuple[Mode, float]:
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


def clean_cover(cover: sp.spmatrix) -> sp.csr_matrix:
    """The cover matrix as float CSR with explicit ones and sorted indices."""
    m = sp.csr_matrix(cover, dtype=float, copy=True)
    m.sum_duplicates()
    m.eliminate_zeros()
    m.data[:] = 1.0
    m.sort_indices()
    return m


def prepare(problem: Problem) -> Prep:
    """Validate the problem (all problems at once) and precompute shared arrays."""
    cover = clean_cover(problem.cover)
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
    thr = threshold(need)
    reach = np.bincount(village, weights=area * (cover.getnnz(axis=0) > 0), minlength=n_v)
    active = target & (reach >= thr)
    return Prep(
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


def threshold(need: np.ndarray) -> np.ndarray:
    return need * (1.0 - REL_TOL)


def affordable(cost: np.ndarray, budget: float) -> np.ndarray:
    return cost <= budget * (1.0 + REL_TOL)


def area_got(cover: sp.csr_matrix, problem: Problem, selected: np.ndarray) -> np.ndarray:
    """Area reached per village by the union of the selected candidates' footprints."""
    n_v = len(problem.need)
    if len(selected) == 0:
        return np.zeros(n_v)
    hit = cover[selected].getnnz(axis=0) > 0
    area = np.asarray(problem.atom_area, dtype=float)
    village = np.asarray(problem.atom_village, dtype=np.intp)
    return np.bincount(village, weights=area * hit, minlength=n_v)


def covering_step(
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
    reached = (csum - base) >= threshold(np.asarray(problem.need, dtype=float))[v]
    idx = np.flatnonzero(reached)
    uniq, pos = np.unique(v[idx], return_index=True)
    return uniq, s[idx[pos]]
