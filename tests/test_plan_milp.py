"""Tests of the site-planning MILP formulations (coverage/plan/milp.py) against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from coverage.plan.milp import pairs_plan, union_bound
from coverage.plan.problem import Problem, newly_covered, prepare
from coverage.plan.solve import greedy, solve_milp

from .test_plan_solve import random_problem


def by_one_or_two(prob: Problem, chosen: tuple[int, ...]) -> np.ndarray:
    """Target villages covered by one chosen candidate alone or by two of them together,
    each judged by the exact union (newly_covered), never by the pair model."""
    out = np.zeros(prob.n_villages, dtype=bool)
    for group in itertools.chain(
        itertools.combinations(chosen, 1), itertools.combinations(chosen, 2)
    ):
        out |= newly_covered(prob, list(group))
    return out


def best_by_pairs(prob: Problem, *, k=None, budget=None, cover_all=False) -> float | None:
    """Brute force over every selection: the best weight covered by singles and pairs
    within the limit, or (cover_all) the least cost covering every reachable target so."""
    prep = prepare(prob)
    best = None
    for size in range(prob.n_candidates + 1):
        for chosen in itertools.combinations(range(prob.n_candidates), size):
            cost = float(prob.cost[list(chosen)].sum())
            got = by_one_or_two(prob, chosen)
            if cover_all:
                if np.all(got[prep.active]) and (best is None or cost < best):
                    best = cost
            elif (k is None or size <= k) and (budget is None or cost <= budget + 1e-9):
                value = float(prob.weight[got].sum())
                best = value if best is None else max(best, value)
    return best


@pytest.mark.parametrize("seed", range(6))
def test_pairs_plan_is_the_best_plan_of_singles_and_pairs(seed: int) -> None:
    prob = random_problem(seed, population=True)
    prep = prepare(prob)
    for k in (2, 3):
        chosen = pairs_plan(prep, "sites", float(k), greedy(prob, max_sites=k), 20.0)
        assert chosen is not None and len(chosen) <= k
        value = float(prob.weight[by_one_or_two(prob, tuple(chosen))].sum())
        assert value == pytest.approx(best_by_pairs(prob, k=k))
        # and what it truly covers is never less (three sites may cover more)
        assert prob.weight[newly_covered(prob, chosen)].sum() >= value - 1e-9


@pytest.mark.parametrize("seed", range(4))
def test_pairs_plan_with_a_budget(seed: int) -> None:
    prob = random_problem(seed + 10, population=True, costs=True)
    prep = prepare(prob)
    chosen = pairs_plan(prep, "budget", 4.0, greedy(prob, budget=4.0), 20.0)
    assert chosen is not None and prob.cost[chosen].sum() <= 4.0
    value = float(prob.weight[by_one_or_two(prob, tuple(chosen))].sum())
    assert value == pytest.approx(best_by_pairs(prob, budget=4.0))


@pytest.mark.parametrize("seed", range(4))
def test_pairs_plan_cover_all(seed: int) -> None:
    prob = random_problem(seed + 20, costs=True)
    prep = prepare(prob)
    expected = best_by_pairs(prob, cover_all=True)
    chosen = pairs_plan(prep, "all", np.inf, greedy(prob, cover_all=True), 20.0)
    if expected is None:
        assert chosen is None
    else:
        assert chosen is not None
        assert prob.cost[chosen].sum() == pytest.approx(expected)
        assert np.all(newly_covered(prob, chosen)[prep.active])


def three_needed() -> Problem:
    """One village of three pixels, each candidate covers one: only all three cover it."""
    return Problem(
        cover=sp.csr_matrix(np.eye(3, dtype=bool)),
        atom_village=np.zeros(3, dtype=int),
        atom_area=np.ones(3),
        need=np.array([3.0]),
        weight=np.array([1.0]),
        target=np.array([True]),
        cost=np.ones(3),
    )


def test_a_village_that_needs_three_sites() -> None:
    prob = three_needed()
    prep = prepare(prob)
    # no single or pair covers it: cover-all has no plan of that kind, max-sites covers nothing
    assert pairs_plan(prep, "all", np.inf, greedy(prob, cover_all=True), 5.0) is None
    chosen = pairs_plan(prep, "sites", 3.0, greedy(prob, max_sites=3), 5.0)
    assert chosen is not None and not by_one_or_two(prob, tuple(chosen)).any()
    # greedy (by partial progress) and the exact model still find it
    assert greedy(prob, max_sites=3).covered.all()
    plan = solve_milp(prob, max_sites=3)
    assert plan.optimal and plan.covered.all() and sorted(plan.selected) == [0, 1, 2]
    plan = solve_milp(prob, cover_all=True)
    assert plan.optimal and plan.cost == 3.0


def test_union_bound_of_the_three_site_village() -> None:
    prep = prepare(three_needed())
    # by sums of areas two sites reach 2 < 3 pixels: the bound is 0 with two, 1 with three
    assert union_bound(prep, "sites", 2.0, 5.0) == pytest.approx(0.0)
    assert union_bound(prep, "sites", 3.0, 5.0) == pytest.approx(1.0)
    assert union_bound(prep, "all", np.inf, 5.0) == pytest.approx(3.0)
