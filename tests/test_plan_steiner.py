"""Steiner trees against brute force on small hand-made and random graphs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import sparse

from coverage.plan.steiner import steiner_tree


def _csr(n, edges):
    u, v, w = (np.array(x) for x in zip(*edges, strict=True))
    return sparse.csr_matrix((np.r_[w, w], (np.r_[u, v], np.r_[v, u])), shape=(n, n))


def _kruskal(nodes, edges):
    """Weight of the MST spanning ``nodes`` using edges inside them, or None if disconnected."""
    parent = {x: x for x in nodes}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    total, joined = 0.0, 0
    for u, v, w in sorted(edges, key=lambda e: e[2]):
        if u in parent and v in parent and find(u) != find(v):
            parent[find(u)] = find(v)
            total += w
            joined += 1
    return total if joined == len(nodes) - 1 else None


def _brute_force(n, edges, terminals, roots):
    """Optimal tree: a virtual node joined to the roots at 0, all Steiner node subsets."""
    virtual = n
    aug = list(edges) + [(r, virtual, 0.0) for r in roots]
    must = {*terminals, virtual} - set(roots)
    others = [x for x in range(n) if x not in must]
    best = np.inf
    for k in range(len(others) + 1):
        for extra in itertools.combinations(others, k):
            w = _kruskal(must | set(extra), aug)
            if w is not None:
                best = min(best, w)
    return best


def _connected_to_roots(result, terminals, roots, n):
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in result.edges:
        parent[find(a)] = find(b)
    for r in roots[1:]:
        parent[find(r)] = find(roots[0])
    return all(find(t) == find(roots[0]) for t in terminals)


def _random_instance(seed):
    rng = np.random.default_rng(seed)
    n = 10
    pts = rng.uniform(0, 100, (n, 2))
    edges = {}
    for i in range(1, n):  # a random spanning tree keeps it connected
        j = int(rng.integers(0, i))
        edges[(j, i)] = None
    for _ in range(8):
        i, j = sorted(rng.choice(n, 2, replace=False).tolist())
        edges[(i, j)] = None
    edges = [(i, j, float(np.hypot(*(pts[i] - pts[j]))) + 1.0) for i, j in edges]
    nodes = rng.permutation(n)
    roots = np.sort(nodes[: int(rng.integers(1, 3))])
    terminals = nodes[len(roots) : len(roots) + int(rng.integers(2, 5))]
    return n, edges, terminals, roots


# A hand-made instance: a star whose centre (4) is the only Steiner node worth taking.
#   0 --3-- 4 --3-- 1,  4 --3-- 2, and a ring 0-1-2-0 of edges 5: optimum 9 via node 4;
#   Mehlhorn's terminal MST uses two ring edges (10).
STAR = [(0, 4, 3.0), (1, 4, 3.0), (2, 4, 3.0), (0, 1, 5.0), (1, 2, 5.0), (0, 2, 5.0)]


def test_star_exact_and_bound():
    graph = _csr(5, STAR)
    result = steiner_tree(graph, np.array([1, 2]), np.array([0]))
    assert result.optimal and result.length == pytest.approx(9.0)
    assert result.lower_bound == pytest.approx(9.0)
    assert "dreyfus-wagner" in result.method
    approx = steiner_tree(graph, np.array([1, 2]), np.array([0]), exact=False)
    # l = 3 terminals: within 2 (1 - 1/3) = 4/3 of the optimum; the bound is MST/(4/3) = 7.5
    assert 9.0 - 1e-9 <= approx.length <= 4 / 3 * 9.0 + 1e-9
    assert approx.lower_bound == pytest.approx(10.0 / (4 / 3))
    assert not approx.optimal


def test_per_terminal_km_and_shares():
    # root 0 - 1 - 2, 1 - 3: terminals 2 and 3 share edge 0-1 (length 4)
    graph = _csr(4, [(0, 1, 4.0), (1, 2, 1.0), (1, 3, 3.0)])
    result = steiner_tree(graph, np.array([2, 3, 0]), np.array([0]))
    assert result.length == pytest.approx(8.0)
    assert result.km.tolist() == pytest.approx([5.0, 7.0, 0.0])
    assert result.share.tolist() == pytest.approx([3.0, 5.0, 0.0])
    assert np.nansum(result.share) == pytest.approx(result.length)
    costs = result.shares(result.edge_length * 10)
    assert costs.tolist() == pytest.approx([30.0, 50.0, 0.0])
    path = result.path_edges(1)
    assert sorted(result.edge_length[path].tolist()) == [3.0, 4.0]


def test_roots_are_one_network():
    # two roots 0 and 5 at the ends of a line; each terminal goes to its nearer root
    graph = _csr(6, [(0, 1, 1.0), (1, 2, 10.0), (2, 3, 10.0), (3, 4, 10.0), (4, 5, 1.0)])
    result = steiner_tree(graph, np.array([1, 4]), np.array([5, 0]))
    assert result.length == pytest.approx(2.0)
    assert result.km.tolist() == pytest.approx([1.0, 1.0])


def test_unreachable_island_and_unattached():
    # nodes 3-4 form an island; -1 is a terminal that could not be attached
    graph = _csr(5, [(0, 1, 2.0), (1, 2, 2.0), (3, 4, 1.0)])
    result = steiner_tree(graph, np.array([2, 4, -1]), np.array([0]))
    assert result.unreachable.tolist() == [1, 2]
    assert result.length == pytest.approx(4.0)
    assert result.km[0] == pytest.approx(4.0)
    assert np.isnan(result.km[1]) and np.isnan(result.share[2])


def test_no_terminal_left():
    graph = _csr(3, [(0, 1, 2.0), (1, 2, 2.0)])
    result = steiner_tree(graph, np.array([0]), np.array([0]))
    assert result.length == 0.0 and len(result.edges) == 0 and result.km.tolist() == [0.0]


def test_bad_arguments():
    graph = _csr(3, [(0, 1, 2.0), (1, 2, 2.0)])
    with pytest.raises(ValueError, match="roots"):
        steiner_tree(graph, np.array([1]), np.array([], dtype=int))
    with pytest.raises(ValueError, match="node ids"):
        steiner_tree(graph, np.array([7]), np.array([0]))


@pytest.mark.parametrize("seed", range(12))
def test_random_against_brute_force(seed):
    n, edges, terminals, roots = _random_instance(seed)
    graph = _csr(n, edges)
    opt = _brute_force(n, edges, terminals.tolist(), roots.tolist())
    ell = len(set(terminals.tolist()) - set(roots.tolist())) + 1
    for improve in (False, True):
        approx = steiner_tree(graph, terminals, roots, exact=False, improve=improve)
        assert opt - 1e-9 <= approx.length <= 2 * (1 - 1 / ell) * opt + 1e-9
        assert approx.lower_bound <= opt + 1e-9
        assert _connected_to_roots(approx, terminals, roots, n)
        assert len(approx.unreachable) == 0
        assert np.nansum(approx.share) == pytest.approx(approx.length)
    exact = steiner_tree(graph, terminals, roots)
    assert exact.optimal and exact.length == pytest.approx(opt)
    assert exact.lower_bound == pytest.approx(opt)
    assert _connected_to_roots(exact, terminals, roots, n)
    # the tree is a tree: edges = nodes - 1 once the roots are merged
    nodes = set(exact.edges.ravel().tolist())
    merged = len(nodes - set(roots.tolist())) + (1 if nodes & set(roots.tolist()) else 0)
    assert len(exact.edges) == max(merged - 1, 0)
