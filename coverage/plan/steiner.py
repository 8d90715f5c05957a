"""Steiner trees on a road graph: connect every terminal to the existing network.

:func:`steiner_tree` connects each terminal (a target's node) to a *root set* (the
nodes of the existing fibre), all roots counting as one super-terminal: the roots are
contracted into one node, which is the same as joining them to a virtual node by
zero-length edges. The tree is built in three steps:

1. **Mehlhorn's 2-approximation**: a multi-source Dijkstra from all terminals gives each
   node its nearest terminal (Voronoi regions); each edge between two regions gives a
   terminal-to-terminal distance, the cheapest per pair forms the terminal distance
   graph, whose minimum spanning tree (MST) has the weight of the MST of the terminals'
   metric closure; its edges expanded to shortest paths, the MST of the subgraph they
   induce, and repeated removal of non-terminal leaves give a tree at most
   ``2 (1 - 1/l)`` times the optimum, with ``l`` terminals (the roots counting as one).
2. **Local search**, never worse by construction: an *MST-prune* pass (the MST of the
   subgraph induced by the tree's nodes, then pruning; the tree itself spans those
   nodes, so the MST weighs no more, and pruning only removes weight), then *key-path
   exchange*: each key path (a path of the tree between key nodes, its inner nodes of
   degree 2 and not terminals) is removed and the two parts reconnected by the shortest
   path between them, found by a Dijkstra from the smaller part bounded by the key
   path's length; a replacement is kept only when strictly shorter.
3. **Exact** on small instances: the Dreyfus-Wagner dynamic programme over terminal
   subsets, when there are few terminals and nodes; the result is then optimal.

A lower bound is always reported: the terminal MST weight divided by ``2 (1 - 1/l)``
(valid because the MST of the metric closure is at most ``2 (1 - 1/l)`` times the
optimal Steiner tree), or the optimum itself when the exact method ran.

Shared trenches are counted once: the result is a tree. Per terminal, ``km`` is the
cable on its path to the network inside the tree, so paths that share edges overlap and
their sum exceeds the total; ``share`` splits each edge equally among the terminals whose
paths use it, so the shares sum to the total length.

Examples
--------
>>> import numpy as np
>>> from scipy import sparse
>>> u, v, w = np.array([0, 1, 1]), np.array([1, 2, 3]), np.array([1.0, 1.0, 1.0])
>>> graph = sparse.csr_matrix((np.r_[w, w], (np.r_[u, v], np.r_[v, u])), shape=(4, 4))
>>> result = steiner_tree(graph, np.array([2, 3]), np.array([0]))
>>> result.length, result.optimal, result.km.tolist(), result.share.tolist()
(3.0, True, [2.0, 2.0], [1.5, 1.5])
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra, minimum_spanning_tree

log = logging.getLogger(__name__)

#: The exact method runs when there are at most this many terminals (roots excluded) ...
EXACT_MAX_TERMINALS = 9
#: ... and at most this many nodes in the roots' component.
EXACT_MAX_NODES = 400
#: Key-path exchange runs at most ``KEY_PATH_WORK / nodes`` Dijkstra searches (each one
#: costs about the number of nodes): all key paths on a province, the longest ones first
#: on a national graph.
KEY_PATH_WORK = 2e9


@dataclass(frozen=True)
class _TreeWalk:
    order: np.ndarray
    bounds: np.ndarray
    parent: np.ndarray
    parent_edge: np.ndarray

    def sums(self, per_edge: np.ndarray) -> np.ndarray:
        """Per node: the sum of ``per_edge`` over the edges of its path to the root."""
        out = np.zeros(len(self.parent))
        for i in range(1, len(self.bounds) - 1):
            nodes = self.order[self.bounds[i] : self.bounds[i + 1]]
            e = self.parent_edge[nodes]
            add = np.where(e >= 0, per_edge[np.maximum(e, 0)], 0.0)
            out[nodes] = out[self.parent[nodes]] + add
        return out


@dataclass(frozen=True)
class SteinerResult:
    """A Steiner tree connecting terminals to a root set.

    Attributes
    ----------
    edges
        The tree's edges as node pairs, shape ``(k, 2)``, in the input graph's node ids.
    edge_length
        Their lengths (the graph's weights).
    length
        The total length of the tree.
    lower_bound
        A lower bound on the optimal tree's length (the optimum when ``optimal``).
    optimal
        Whether the tree is proven optimal (the exact method ran).
    method
        The steps that produced it, e.g. ``mehlhorn+mst-prune+key-path``.
    terminals
        The terminals, as given.
    km
        Per terminal: the length of its path to the network inside the tree (0 for a
        terminal on a root; NaN when unreachable). Paths that share edges overlap.
    share
        Per terminal: its share of the tree's length, each edge split equally among the
        terminals whose paths use it; the shares sum to ``length`` (NaN when unreachable).
    edge_users
        Per tree edge: the number of terminals whose path uses it.
    unreachable
        Positions (in ``terminals``) of the terminals with no path to any root, or with a
        negative node id (not attached); they are not in the tree.
    parent_edge
        Per node of the input graph: the tree edge (index into ``edges``) towards the
        network, or -1.
    """

    edges: np.ndarray
    edge_length: np.ndarray
    length: float
    lower_bound: float
    optimal: bool
    method: str
    terminals: np.ndarray
    km: np.ndarray
    share: np.ndarray
    edge_users: np.ndarray
    unreachable: np.ndarray
    parent_edge: np.ndarray
    _walk: _TreeWalk = field(repr=False, compare=False)

    def path_edges(self, i: int) -> np.ndarray:
        """The tree edges (indices into ``edges``) on terminal ``i``'s path to the network.

        Ordered from the terminal towards the network; empty for a terminal on a root or
        an unreachable one.
        """
        node = int(self.terminals[i])
        out: list[int] = []
        if node < 0 or node >= len(self.parent_edge):
            return np.zeros(0, dtype=np.int64)
        while self.parent_edge[node] >= 0:
            e = int(self.parent_edge[node])
            out.append(e)
            a, b = self.edges[e]
            node = int(b if a == node else a)
        return np.asarray(out, dtype=np.int64)

    def shares(self, edge_cost: np.ndarray) -> np.ndarray:
        """Per terminal, its share of a per-edge cost (split equally among the edge's users).

        Parameters
        ----------
        edge_cost
            The cost of each tree edge, aligned with ``edges``.

        Returns
        -------
        numpy.ndarray
            Per terminal, the sum over the edges of its path of cost / users; they sum to
            ``edge_cost.sum()``; NaN for unreachable terminals.
        """
        cost = np.asarray(edge_cost, dtype=float)
        per_use = np.divide(
            cost, self.edge_users, out=np.zeros_like(cost), where=self.edge_users > 0
        )
        return _path_sums(self, per_use)


def steiner_tree(
    graph: sparse.spmatrix | sparse.sparray,
    terminals: np.ndarray,
    roots: np.ndarray,
    *,
    improve: bool = True,
    exact: bool | Literal["auto"] = "auto",
) -> SteinerResult:
    """A Steiner tree joining every reachable terminal to the root set.

    Parameters
    ----------
    graph
        A symmetric sparse matrix, weights = edge lengths, all positive (explicit zeros
        are dropped; an asymmetric entry keeps the smaller of its two weights).
    terminals
        Node ids of the terminals; a negative id marks a terminal that could not be
        attached (reported unreachable). Repeated ids are allowed.
    roots
        Node ids of the existing network, all merged into one super-terminal.
    improve
        Run the local search after Mehlhorn's approximation.
    exact
        ``"auto"`` runs the exact method when there are at most
        :data:`EXACT_MAX_TERMINALS` terminals and :data:`EXACT_MAX_NODES` nodes in the
        roots' component; ``True`` forces it (mind the time: it grows as ``3^l n``);
        ``False`` never runs it.

    Returns
    -------
    SteinerResult
        The tree, its length, a lower bound, per-terminal km and shares, the
        unreachable terminals.

    Raises
    ------
    ValueError
        No roots, a node id out of range, a negative weight, or a non-square matrix.
    """
    csr = sparse.csr_matrix(graph, dtype=float)
    n = csr.shape[0]
    if csr.shape != (n, n):
        raise ValueError(f"graph must be a square matrix, got shape {csr.shape}")
    terminals = np.asarray(terminals, dtype=np.int64).ravel()
    roots = np.unique(np.asarray(roots, dtype=np.int64).ravel())
    if len(roots) == 0:
        raise ValueError("roots is empty: give at least one node of the existing network")
    if roots[0] < 0 or roots[-1] >= n or (terminals >= n).any():
        raise ValueError(f"node ids must lie in 0..{n - 1}")
    csr.eliminate_zeros()
    if (csr.data < 0).any():
        raise ValueError("graph weights must be positive")

    eu, ev, ew = _edge_list(csr)
    # contract the roots into roots[0]
    r0 = int(roots[0])
    m = np.arange(n)
    m[roots] = r0
    cu, cv = m[eu], m[ev]
    ok = cu != cv
    keys = _keys(cu[ok], cv[ok], n)
    order = np.lexsort((ew[ok], keys))
    first = np.ones(len(order), bool)
    first[1:] = keys[order][1:] != keys[order][:-1]
    orig = np.flatnonzero(ok)[order[first]]  # contracted edge -> original edge
    cu, cv, cw = np.minimum(m[eu], m[ev])[orig], np.maximum(m[eu], m[ev])[orig], ew[orig]
    contracted = _Graph(n, cu, cv, cw)

    dist_root = dijkstra(contracted.csr, indices=r0, min_only=True)
    valid = terminals >= 0
    node_c = np.where(valid, m[np.where(valid, terminals, 0)], -1)
    reach = valid & np.isfinite(dist_root[np.where(valid, node_c, 0)])
    unreachable = np.flatnonzero(~reach)
    term = np.unique(node_c[reach])
    term = term[term != r0]
    kset = np.r_[r0, term].astype(np.int64)
    is_term = np.zeros(n, bool)
    is_term[kset] = True

    if len(term) == 0:
        tree = np.zeros(0, dtype=np.int64)
        lower, optimal, method = 0.0, True, "trivial"
    else:
        tree, mst_weight = _mehlhorn(contracted, kset, is_term)
        method = "mehlhorn"
        ell = len(kset)
        # the tree holds a path from every terminal to the network: at least the farthest
        # one's distance; and at least the MST of the terminals' distances / 2(1 - 1/l)
        lower = max(mst_weight / (2.0 * (1.0 - 1.0 / ell)), float(dist_root[term].max()))
        optimal = False
        if improve:
            tree = _mst_prune_loop(contracted, tree, is_term)
            budget = max(int(KEY_PATH_WORK // max(n, 1)), 1)
            tree, checked, total = _key_path_exchange(contracted, tree, is_term, r0, budget)
            method += "+mst-prune+key-path"
            if checked >= budget:
                method += f"(stopped at its budget of {budget} searches; {total} key paths)"
        comp = connected_components(contracted.csr, directed=False)[1]
        in_comp = int((comp == comp[r0]).sum())
        run_exact = exact is True or (
            exact == "auto" and len(term) <= EXACT_MAX_TERMINALS and in_comp <= EXACT_MAX_NODES
        )
        if run_exact:
            exact_tree = _dreyfus_wagner(contracted, kset, is_term, comp == comp[r0])
            if contracted.w[exact_tree].sum() <= contracted.w[tree].sum():
                tree = exact_tree
            lower, optimal = float(contracted.w[tree].sum()), True
            method += "+dreyfus-wagner"
        if ell == 2:  # two terminals: the shortest path, which Mehlhorn's step finds
            lower, optimal = float(contracted.w[tree].sum()), True
    tree_orig = orig[tree]
    edges = np.stack([eu[tree_orig], ev[tree_orig]], axis=1)
    edge_length = ew[tree_orig]
    length = float(edge_length.sum())
    lower = min(lower, length)
    result = _per_terminal(n, edges, edge_length, terminals, reach, roots)
    log.info(
        "Steiner tree (%s): %d terminals, %d unreachable, %d edges, %.0f (lower bound %.0f)",
        method,
        len(terminals),
        len(unreachable),
        len(edges),
        length,
        lower,
    )
    return SteinerResult(
        edges=edges,
        edge_length=edge_length,
        length=length,
        lower_bound=float(lower),
        optimal=bool(optimal),
        method=method,
        terminals=terminals,
        unreachable=unreachable,
        **result,
    )


# --- private steps ---------------------------------------------------------------------


class _Graph:
    """An undirected graph as edge arrays (u < v, each pair once) with its CSR matrix."""

    def __init__(self, n: int, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> None:
        self.n, self.u, self.v, self.w = n, u, v, w
        self.keys = _keys(u, v, n)
        self.key_order = np.argsort(self.keys, kind="stable")
        rows = np.r_[u, v]
        cols = np.r_[v, u]
        self.csr = sparse.csr_matrix((np.r_[w, w], (rows, cols)), shape=(n, n))

    def edge_ids(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The edge of each node pair (which must exist)."""
        pos = np.searchsorted(self.keys, _keys(a, b, self.n), sorter=self.key_order)
        return self.key_order[pos]

    def induced_mst(self, nodes: np.ndarray) -> np.ndarray:
        """Edge ids of a minimum spanning forest of the subgraph induced by ``nodes``."""
        mask = np.zeros(self.n, bool)
        mask[nodes] = True
        inside = np.flatnonzero(mask[self.u] & mask[self.v])
        local = np.full(self.n, -1, dtype=np.int64)
        local[nodes] = np.arange(len(nodes))
        k = len(nodes)
        sub = sparse.csr_matrix(
            (self.w[inside], (local[self.u[inside]], local[self.v[inside]])), shape=(k, k)
        )
        mst = minimum_spanning_tree(sub).tocoo()
        return self.edge_ids(nodes[mst.row], nodes[mst.col])


def _keys(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    return np.minimum(a, b).astype(np.int64) * np.int64(n) + np.maximum(a, b).astype(np.int64)


def _edge_list(csr: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Undirected edges (u < v, once each, the smaller weight) of a sparse matrix."""
    coo = csr.tocoo()
    a, b, w = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data
    ok = a != b
    a, b, w = a[ok], b[ok], w[ok]
    keys = _keys(a, b, csr.shape[0])
    order = np.lexsort((w, keys))
    first = np.ones(len(order), bool)
    first[1:] = keys[order][1:] != keys[order][:-1]
    sel = order[first]
    return np.minimum(a, b)[sel], np.maximum(a, b)[sel], w[sel]


def _tree_nodes(g: _Graph, tree: np.ndarray) -> np.ndarray:
    return np.unique(np.r_[g.u[tree], g.v[tree]])


def _prune(g: _Graph, tree: np.ndarray, is_term: np.ndarray) -> np.ndarray:
    """Remove non-terminal leaves until none is left."""
    tree = np.asarray(tree, dtype=np.int64)
    while len(tree):
        deg = np.bincount(np.r_[g.u[tree], g.v[tree]], minlength=g.n)
        leaf = (deg == 1) & ~is_term
        drop = leaf[g.u[tree]] | leaf[g.v[tree]]
        if not drop.any():
            break
        tree = tree[~drop]
    return tree


def _mehlhorn(g: _Graph, kset: np.ndarray, is_term: np.ndarray) -> tuple[np.ndarray, float]:
    """Mehlhorn's tree (edge ids) and the weight of the terminal distance graph's MST."""
    dist, pred, src = dijkstra(g.csr, indices=kset, min_only=True, return_predecessors=True)
    su, sv = src[g.u], src[g.v]
    bridge = np.flatnonzero((su != sv) & (su >= 0) & (sv >= 0))
    pos = np.full(g.n, -1, dtype=np.int64)
    pos[kset] = np.arange(len(kset))
    a, b = pos[su[bridge]], pos[sv[bridge]]
    d = dist[g.u[bridge]] + g.w[bridge] + dist[g.v[bridge]]
    k = len(kset)
    pair = _keys(a, b, k)
    order = np.lexsort((d, pair))
    first = np.ones(len(order), bool)
    first[1:] = pair[order][1:] != pair[order][:-1]
    best = order[first]
    tdg = sparse.csr_matrix(
        (d[best], (np.minimum(a, b)[best], np.maximum(a, b)[best])), shape=(k, k)
    )
    mst = minimum_spanning_tree(tdg).tocoo()
    mst_weight = float(mst.data.sum())
    chosen = bridge[best[np.searchsorted(pair[best], _keys(mst.row, mst.col, k))]]
    # expand: the bridge edges and the shortest paths from their ends to their terminals
    marked = np.zeros(g.n, bool)
    frontier = np.unique(np.r_[g.u[chosen], g.v[chosen]])
    marked[frontier] = True
    while len(frontier):
        p = pred[frontier]
        p = np.unique(p[p >= 0])
        p = p[~marked[p]]
        marked[p] = True
        frontier = p
    nodes = np.flatnonzero(marked)
    tree = _prune(g, g.induced_mst(nodes), is_term)
    return tree, mst_weight


def _mst_prune_loop(g: _Graph, tree: np.ndarray, is_term: np.ndarray) -> np.ndarray:
    """MST of the tree's induced subgraph, then prune, while that makes it lighter."""
    weight = g.w[tree].sum()
    while True:
        candidate = _prune(g, g.induced_mst(_tree_nodes(g, tree)), is_term)
        new = g.w[candidate].sum()
        if new >= weight - 1e-9 * max(weight, 1.0):
            return tree
        tree, weight = candidate, new


def _rooted(
    g: _Graph, tree: np.ndarray, root: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Parent node, parent edge, depth-first order and subtree size of the tree's nodes."""
    from scipy.sparse.csgraph import depth_first_order

    t = sparse.csr_matrix(
        (np.ones(2 * len(tree)), (np.r_[g.u[tree], g.v[tree]], np.r_[g.v[tree], g.u[tree]])),
        shape=(g.n, g.n),
    )
    order, parent = depth_first_order(t, root, directed=False, return_predecessors=True)
    parent = parent.astype(np.int64)
    has = parent >= 0
    parent_edge = np.full(g.n, -1, dtype=np.int64)
    parent_edge[has] = g.edge_ids(np.flatnonzero(has), parent[has])
    # subtree sizes bottom-up by depth levels
    depth = _depths(order, parent, g.n)
    size = np.zeros(g.n, dtype=np.int64)
    size[order] = 1
    by_depth = order[np.argsort(depth[order], kind="stable")]
    bounds = np.searchsorted(depth[by_depth], np.arange(depth[order].max() + 2))
    for level in range(len(bounds) - 2, 0, -1):
        nodes = by_depth[bounds[level] : bounds[level + 1]]
        np.add.at(size, parent[nodes], size[nodes])
    return parent, parent_edge, order, size


def _depths(order: np.ndarray, parent: np.ndarray, n: int) -> np.ndarray:
    """Depth of each node of a rooted tree (pointer doubling, O(n log depth))."""
    depth = np.zeros(n, dtype=np.int64)
    up = np.where(parent >= 0, parent, np.arange(n))
    step = (parent >= 0).astype(np.int64)
    # depth = number of steps to reach the root: doubling on (ancestor, distance)
    while True:
        nxt = up[up]
        if np.array_equal(nxt, up):
            break
        step = step + step[up]
        up = nxt
    depth[:] = step
    return depth


def _key_path_exchange(
    g: _Graph, tree: np.ndarray, is_term: np.ndarray, root: int, max_checks: int
) -> tuple[np.ndarray, int, int]:
    """Replace key paths by shorter connections between the two parts they join.

    Key paths are tried longest first; after each replacement the tree is rooted again
    and the scan starts over. At most ``max_checks`` Dijkstra searches are run in all
    (each costs at least the number of nodes). Returns the tree, the number of searches
    run and the number of key paths of the last tree.
    """
    checks = 0
    total = 0
    improved = True
    while improved and checks < max_checks:
        improved = False
        parent, parent_edge, order, size = _rooted(g, tree, root)
        in_tree = np.zeros(g.n, bool)
        in_tree[order] = True
        deg = np.bincount(np.r_[g.u[tree], g.v[tree]], minlength=g.n)
        key = in_tree & ((deg != 2) | is_term)
        key[root] = True
        # the key node at the bottom of each edge's key path: top-down pass over order
        bottom = np.full(g.n, -1, dtype=np.int64)
        bottom[key] = np.flatnonzero(key)
        # a non-key node has one child; propagate child's bottom upwards by depth levels
        depth = _depths(order, parent, g.n)
        nonroot = order[1:]
        by_depth = nonroot[np.argsort(-depth[nonroot], kind="stable")]
        dl = depth[by_depth]
        bounds = np.flatnonzero(np.r_[True, dl[1:] != dl[:-1], True])
        for i in range(len(bounds) - 1):
            nodes = by_depth[bounds[i] : bounds[i + 1]]
            p = parent[nodes]
            up = ~key[p]
            bottom[p[up]] = bottom[nodes[up]]
        # key path of each key node x (not the root): edges (z, parent z) with bottom(z) == x
        edge_bottom = bottom[nonroot]
        lengths = np.bincount(edge_bottom, weights=g.w[parent_edge[nonroot]], minlength=g.n)
        candidates = np.flatnonzero(key & (parent >= 0))
        candidates = candidates[np.argsort(-lengths[candidates], kind="stable")]
        pos = np.empty(g.n, dtype=np.int64)
        pos[order] = np.arange(len(order))
        total = len(candidates)
        grouped = nonroot[np.argsort(edge_bottom, kind="stable")]
        starts = np.searchsorted(np.sort(edge_bottom), candidates)
        ends = np.searchsorted(np.sort(edge_bottom), candidates, side="right")
        for x, lo, hi in zip(candidates, starts, ends, strict=True):
            if checks >= max_checks:
                break
            checks += 1
            path_nodes = grouped[lo:hi]  # x and the inner nodes above it
            path_edges = parent_edge[path_nodes]
            limit = float(g.w[path_edges].sum())
            below = order[pos[x] : pos[x] + size[x]]
            mask_b = in_tree.copy()
            mask_b[below] = False
            mask_b[path_nodes[path_nodes != x]] = False
            side_b = np.flatnonzero(mask_b)
            small, other = (below, side_b) if len(below) <= len(side_b) else (side_b, below)
            dist, pred, _ = dijkstra(
                g.csr, indices=small, min_only=True, limit=limit, return_predecessors=True
            )
            d_other = dist[other]
            j = int(np.argmin(d_other))
            if not d_other[j] < limit - 1e-9 * max(limit, 1.0):
                continue
            node = int(other[j])
            new_edges = []
            while pred[node] >= 0:
                new_edges.append(int(g.edge_ids(np.array([node]), np.array([pred[node]]))[0]))
                node = int(pred[node])
            keep = ~np.isin(tree, path_edges)
            joined = np.unique(np.r_[tree[keep], new_edges]).astype(np.int64)
            candidate = _prune(g, g.induced_mst(_tree_nodes(g, joined)), is_term)
            if g.w[candidate].sum() < g.w[tree].sum() - 1e-9:
                tree = candidate
                improved = True
                break
    return tree, checks, total


def _dreyfus_wagner(
    g: _Graph, kset: np.ndarray, is_term: np.ndarray, in_comp: np.ndarray
) -> np.ndarray:
    """An optimal Steiner tree (edge ids) by the Dreyfus-Wagner dynamic programme."""
    nodes = np.flatnonzero(in_comp)
    local = np.full(g.n, -1, dtype=np.int64)
    local[nodes] = np.arange(len(nodes))
    inside = np.flatnonzero(in_comp[g.u] & in_comp[g.v])
    nn = len(nodes)
    sub = sparse.csr_matrix(
        (
            np.r_[g.w[inside], g.w[inside]],
            (
                np.r_[local[g.u[inside]], local[g.v[inside]]],
                np.r_[local[g.v[inside]], local[g.u[inside]]],
            ),
        ),
        shape=(nn, nn),
    )
    dist, pred = dijkstra(sub, return_predecessors=True)
    root = int(local[kset[0]])
    terms = local[kset[1:]]
    k = len(terms)
    full = 1 << k
    dp = np.full((full, nn), np.inf)
    split = np.full((full, nn), -1, dtype=np.int64)
    came = np.full((full, nn), -1, dtype=np.int64)
    for s in range(1, full):
        if s & (s - 1) == 0:  # one terminal
            g_s = np.full(nn, np.inf)
            g_s[terms[s.bit_length() - 1]] = 0.0
        else:
            g_s = np.full(nn, np.inf)
            t = (s - 1) & s
            while t:
                if t < (s ^ t):  # each split once
                    cand = dp[t] + dp[s ^ t]
                    better = cand < g_s
                    g_s[better] = cand[better]
                    split[s][better] = t
                t = (t - 1) & s
        total = g_s[:, None] + dist
        came[s] = np.argmin(total, axis=0)
        dp[s] = total[came[s], np.arange(nn)]
    # rebuild: (subset, node) -> paths
    pairs: list[tuple[int, int]] = []
    stack = [(full - 1, root)]
    while stack:
        s, v = stack.pop()
        u = int(came[s, v])
        x = v
        while x != u:
            px = int(pred[u, x])
            pairs.append((px, x))
            x = px
        if s & (s - 1):
            t = int(split[s, u])
            stack.append((t, u))
            stack.append((s ^ t, u))
    if not pairs:
        return np.zeros(0, dtype=np.int64)
    arr = nodes[np.asarray(pairs, dtype=np.int64)]
    ids = np.unique(g.edge_ids(arr[:, 0], arr[:, 1]))
    tree = _prune(g, g.induced_mst(_tree_nodes(g, ids)), is_term)
    return tree if g.w[tree].sum() <= g.w[ids].sum() + 1e-9 else ids


def _per_terminal(
    n: int,
    edges: np.ndarray,
    edge_length: np.ndarray,
    terminals: np.ndarray,
    reach: np.ndarray,
    roots: np.ndarray,
) -> dict[str, Any]:
    """Parent edges, edge users, km and shares per terminal, with the network as root."""
    virtual = n
    present_roots = np.intersect1d(roots, edges.ravel()) if len(edges) else roots[:0]
    rows = np.r_[edges[:, 0], np.full(len(present_roots), virtual)]
    cols = np.r_[edges[:, 1], present_roots]
    t = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n + 1, n + 1))
    from scipy.sparse.csgraph import breadth_first_order

    order, parent = breadth_first_order(t, virtual, directed=False, return_predecessors=True)
    parent = parent.astype(np.int64)
    # parent edge of each node
    keys = _keys(edges[:, 0], edges[:, 1], n + 1)
    korder = np.argsort(keys, kind="stable")
    parent_edge = np.full(n + 1, -1, dtype=np.int64)
    child = order[1:]
    real = parent[child] != virtual
    if real.any():
        want = _keys(child[real], parent[child][real], n + 1)
        parent_edge[child[real]] = korder[np.searchsorted(keys, want, sorter=korder)]
    # users per edge: terminals in the child's subtree, bottom-up in reverse BFS order
    count = np.zeros(n + 1, dtype=np.int64)
    tn = terminals[reach]
    np.add.at(count, tn, 1)
    count[roots] = 0  # a terminal on a root uses no edge
    depth = _depths(order, np.where(parent < 0, -1, parent), n + 1)
    by_depth = order[np.argsort(depth[order], kind="stable")]
    dl = depth[by_depth]
    bounds = np.flatnonzero(np.r_[True, dl[1:] != dl[:-1], True])
    for i in range(len(bounds) - 2, 0, -1):
        nodes = by_depth[bounds[i] : bounds[i + 1]]
        np.add.at(count, parent[nodes], count[nodes])
    users = np.zeros(len(edges), dtype=np.int64)
    has = parent_edge >= 0
    users[parent_edge[has]] = count[has]
    partial = _TreeWalk(order=by_depth, bounds=bounds, parent=parent, parent_edge=parent_edge)
    km_node = partial.sums(edge_length)
    share_node = partial.sums(
        np.divide(edge_length, users, out=np.zeros(len(edges)), where=users > 0)
    )
    km = np.full(len(terminals), np.nan)
    share = np.full(len(terminals), np.nan)
    km[reach] = km_node[tn]
    share[reach] = share_node[tn]
    on_root = reach & np.isin(terminals, roots)
    km[on_root] = 0.0
    share[on_root] = 0.0
    return {
        "km": km,
        "share": share,
        "edge_users": users,
        "parent_edge": parent_edge[:n],
        "_walk": partial,
    }


def _path_sums(result: SteinerResult, per_edge: np.ndarray) -> np.ndarray:
    node_sums = result._walk.sums(per_edge)
    reach = np.ones(len(result.terminals), bool)
    reach[result.unreachable] = False
    out = np.full(len(result.terminals), np.nan)
    out[reach] = node_sums[result.terminals[reach]]
    return out
