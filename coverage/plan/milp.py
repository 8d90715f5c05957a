"""The site-planning MILPs, written for and solved by HiGHS.

Three formulations of one :class:`~coverage.plan.problem.Problem`:

- **the pixel model** (:func:`pixel_model`), exact: ``x_c`` binary (candidate chosen),
  ``y_s`` in [0, 1] for each distinct set of candidates covering some atoms, with
  ``y_s <= sum(x_c, c in s)``, and ``z_v`` binary (village covered) with
  ``sum(area_a / need_v * y_s(a)) >= (1 - REL_TOL) z_v``. Identical candidates (same atoms
  among those of the villages that count) are merged, keeping the cheapest (ties: lowest
  index); candidates covering no such atom and, in budget mode, unaffordable ones are
  dropped; atoms with the same candidate set share one ``y``.
- **the union relaxation** (:func:`union_bound`), a bound: a set of sites is taken to reach
  in a village the SUM of the areas each reaches alone (never less than their union). One
  row per village, one column per candidate: solved exactly in a moment where the pixel
  model is too large to.
- **pair configurations** (:func:`pairs_plan`), a search for good plans: each village may
  be covered by one candidate that covers it alone or by a pair that covers it together
  (their exact union), one variable per such configuration. Its LP is far tighter than the
  pixel model's, so HiGHS finds strong plans on large problems in seconds; it is *not* a
  bound, since a village may also be covered by three sites or more together.

Every solve is deterministic (one thread, fixed seed) and quiet.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .problem import REL_TOL, Mode, Plan, Prep, affordable

logger = logging.getLogger(__name__)

#: Above this many rows the MIP's LPs are solved by interior point rather than simplex.
_IPM_ROWS = 5000
#: The pair model is not built when the villages' candidate pairs exceed this many.
MAX_PAIRS = 20_000_000


@dataclass(frozen=True)
class Mip:
    """A MILP in HiGHS's column-wise form; every column lies in [0, 1]."""

    matrix: sp.csc_matrix
    col_cost: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    integer: np.ndarray
    maximise: bool


@dataclass(frozen=True)
class MipResult:
    """What HiGHS found: the columns (None without a solution), proof, gap and bound."""

    x: np.ndarray | None
    optimal: bool
    gap: float | None
    bound: float | None


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
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


def run(mip: Mip, *, time_limit: float, start: np.ndarray | None = None) -> MipResult:
    """Solve a MILP with HiGHS, from a feasible ``start`` when given."""
    import highspy

    with quiet_stdout():
        h = highspy.Highs()
    for name, value in (
        ("output_flag", False),
        ("random_seed", 0),
        ("threads", 1),
        ("time_limit", max(float(time_limit), 0.1)),
        ("mip_rel_gap", 1e-9),
    ):
        h.setOptionValue(name, value)
    matrix = mip.matrix.tocsc()
    matrix.sort_indices()
    n_row, n_col = matrix.shape
    if n_row > _IPM_ROWS:
        # the root LP of a large model: dual simplex stalls for minutes, IPM takes seconds;
        # and HiGHS's presolve of such a model runs past the time limit (minutes on the
        # demo's 177,000 atom sets), so it is off: the limit then holds
        h.setOptionValue("mip_lp_solver", "ipm")
        h.setOptionValue("presolve", "off")
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_col, n_row
    lp.col_cost_ = np.asarray(mip.col_cost, dtype=float)
    lp.col_lower_ = np.zeros(n_col)
    lp.col_upper_ = np.ones(n_col)
    lp.row_lower_ = np.where(np.isinf(mip.row_lower), -inf, mip.row_lower)
    lp.row_upper_ = np.where(np.isinf(mip.row_upper), inf, mip.row_upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(float)
    kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
    lp.integrality_ = [kinds[int(i)] for i in mip.integer]
    lp.sense_ = highspy.ObjSense.kMaximize if mip.maximise else highspy.ObjSense.kMinimize
    h.passModel(lp)
    if start is not None:
        status = h.setSolution(len(start), np.arange(len(start), dtype=np.int32), start)
        logger.debug("warm start: HiGHS says %s", status.name)
    h.run()
    info = h.getInfo()
    optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    bound = float(info.mip_dual_bound)
    if optimal:
        bound = float(info.objective_function_value)
    bound_or_none = bound if np.isfinite(bound) else None
    if info.primal_solution_status != highspy.kSolutionStatusFeasible:
        return MipResult(None, False, None, bound_or_none)
    gap = float(info.mip_gap)
    return MipResult(
        np.asarray(h.getSolution().col_value),
        optimal,
        gap if np.isfinite(gap) else None,
        bound_or_none,
    )


# --------------------------------------------------------------------------- the pixel model


@dataclass(frozen=True)
class PixelModel:
    """The exact MILP with the maps back to candidates."""

    mip: Mip
    n_x: int
    n_z: int
    candidate: np.ndarray  # eligible candidate indices (original)
    rep: np.ndarray  # per x: index into ``candidate``
    group: np.ndarray  # per original candidate: x index or -1
    link: sp.csr_matrix  # (n_y, n_x): y_s <= sum of x over s
    share: sp.csr_matrix  # (n_z or villages, n_y): area / need

    def start(self, plan: Plan) -> np.ndarray:
        """The full column vector of a plan (a warm start)."""
        x = np.zeros(self.n_x)
        sel = np.asarray(plan.selected, dtype=np.intp)
        if len(sel):
            g = self.group[sel]
            x[g[g >= 0]] = 1.0
        y = np.minimum(self.link @ x, 1.0)
        parts = [x, y]
        if self.n_z:
            parts.append((self.share @ y >= 1.0 - REL_TOL).astype(float))
        return np.concatenate(parts)

    def chosen(self, x: np.ndarray) -> list[int]:
        """The candidates (original indices) a solution chooses."""
        return [int(c) for c in self.candidate[self.rep[x[: self.n_x] > 0.5]]]


def _hash_keys(m: sp.csr_matrix, seed: int) -> np.ndarray:
    """Two random projections and the count of each row: equal rows give equal keys."""
    rng = np.random.default_rng(seed)
    r = rng.random((m.shape[1], 2))
    return np.column_stack([m @ r, m.getnnz(axis=1)])


def pixel_model(prep: Prep, mode: Mode, limit: float) -> PixelModel:
    """The exact model: candidates and atoms reduced, as described in the module docstring."""
    villages = prep.active & (prep.weight > 0) if mode != "all" else prep.active
    vil_idx = np.flatnonzero(villages)
    local = np.full(prep.n_villages, -1, dtype=np.intp)
    local[vil_idx] = np.arange(len(vil_idx))
    atoms = np.flatnonzero(villages[prep.village])
    eligible = np.arange(prep.n_candidates)
    if mode == "budget":
        eligible = eligible[affordable(prep.cost, limit)]
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
    return PixelModel(
        mip=Mip(matrix, col_cost, row_lower, row_upper, integer, maximise=mode != "all"),
        n_x=n_x,
        n_z=n_z,
        candidate=candidate,
        rep=rep,
        group=group,
        link=link,
        share=share,
    )


# --------------------------------------------------------------------------- union relaxation


def union_bound(prep: Prep, mode: Mode, limit: float, time_limit: float) -> float | None:
    """The union relaxation's optimum: a bound on the true one from above (max modes) or
    below (cover-all); None when there is nothing to bound."""
    villages = prep.active & (prep.weight > 0) if mode != "all" else prep.active
    vil = np.flatnonzero(villages)
    if len(vil) == 0 or prep.n_candidates == 0:
        return None
    atoms = np.flatnonzero(villages[prep.village])
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
        mip = Mip(
            reach.T.tocsc(),
            prep.cost.astype(float),
            np.full(n_v, one),
            np.full(n_v, np.inf),
            np.ones(n_x, dtype=bool),
            maximise=False,
        )
    else:
        cover_rows = sp.hstack([reach.T, -one * sp.identity(n_v)])
        lim = np.ones(n_x) if mode == "sites" else prep.cost
        lim_row = sp.hstack([sp.csr_matrix(lim), sp.csr_matrix((1, n_v))])
        cap = limit if mode == "sites" else limit * (1.0 + REL_TOL)
        mip = Mip(
            sp.vstack([cover_rows, lim_row]).tocsc(),
            np.r_[np.zeros(n_x), prep.weight[vil]],
            np.r_[np.zeros(n_v), -np.inf],
            np.r_[np.full(n_v, np.inf), cap],
            np.ones(n_x + n_v, dtype=bool),
            maximise=True,
        )
    bound = run(mip, time_limit=time_limit).bound
    logger.debug("union relaxation: %d candidates x %d villages, bound %s", n_x, n_v, bound)
    return bound


# --------------------------------------------------------------------------- pair configurations


def pairs_plan(
    prep: Prep, mode: Mode, limit: float, warm: Plan, time_limit: float
) -> list[int] | None:
    """The best plan HiGHS finds among those that cover each village by one of its sites
    or by two together, or None when the model cannot be written (too many pairs; in
    cover-all mode, a village that no single or pair covers)."""
    villages = prep.active & (prep.weight > 0) if mode != "all" else prep.active
    vil = np.flatnonzero(villages)
    atoms = np.flatnonzero(villages[prep.village])
    eligible = np.ones(prep.n_candidates, dtype=bool)
    if mode == "budget":
        eligible = affordable(prep.cost, limit)
    sub = prep.cover[:, atoms].tocoo()
    keep = eligible[sub.row]
    cand, atom = sub.row[keep], sub.col[keep]
    local = np.full(prep.n_villages, -1, dtype=np.intp)
    local[vil] = np.arange(len(vil))
    atom_vil = local[prep.village[atoms]]
    # one row per (village, candidate touching it), villages in order
    key = atom_vil[atom].astype(np.int64) * prep.n_candidates + cand
    keys, row_of = np.unique(key, return_inverse=True)
    row_vil, row_cand = keys // prep.n_candidates, keys % prep.n_candidates
    n_r = len(keys)
    sizes = np.bincount(row_vil, minlength=len(vil))
    if int((sizes * (sizes - 1) // 2).sum()) > MAX_PAIRS:
        logger.debug("pair model skipped: more than %d candidate pairs", MAX_PAIRS)
        return None
    touch = sp.csr_matrix((prep.area[atoms][atom], (row_of.ravel(), atom)), shape=(n_r, len(atoms)))
    overlap = (touch @ (touch > 0).T.astype(float)).tocsr()  # same village only: atoms differ
    alone = overlap.diagonal()
    thr = prep.thr[vil][row_vil]
    single = alone >= thr
    # every pair of rows of one village, neither covering it alone
    end = np.cumsum(sizes)[row_vil]
    after = end - np.arange(n_r) - 1
    first = np.repeat(np.arange(n_r), after)
    offset = np.arange(int(after.sum())) - np.repeat(np.cumsum(after) - after, after)
    second = first + 1 + offset
    upper = sp.triu(overlap, k=1).tocoo()
    both = upper.row.astype(np.int64) * n_r + upper.col
    order = np.argsort(both)
    both, shared = both[order], upper.data[order]
    wanted = first.astype(np.int64) * n_r + second
    common = np.zeros(len(wanted))
    if len(both):
        pos = np.minimum(np.searchsorted(both, wanted), len(both) - 1)
        found = both[pos] == wanted
        common[found] = shared[pos[found]]
    union = alone[first] + alone[second] - common
    pair = (union >= thr[first]) & ~single[first] & ~single[second]
    first, second = first[pair], second[pair]
    ones = np.flatnonzero(single)
    n_x, n_v = prep.n_candidates, len(vil)
    n_1, n_2 = len(ones), len(first)
    if mode == "all" and np.any(np.bincount(row_vil[np.r_[ones, first]], minlength=n_v) == 0):
        return None
    # columns: x, z (max modes), one per single, one per pair
    n_z = 0 if mode == "all" else n_v
    c1 = n_x + n_z + np.arange(n_1)
    c2 = n_x + n_z + n_1 + np.arange(n_2)
    conf_vil = np.r_[row_vil[ones], row_vil[first]]
    # rows: per village, its configurations (minus z); per (village, candidate) row,
    # x_c minus the configurations using it; and the limit
    r_use = n_v + np.arange(n_r)
    rows = [conf_vil, r_use, r_use[ones], r_use[first], r_use[second]]
    cols = [np.r_[c1, c2], row_cand, c1, c2, c2]
    vals = [np.ones(n_1 + n_2), np.ones(n_r), -np.ones(n_1), -np.ones(n_2), -np.ones(n_2)]
    n_row = n_v + n_r
    if n_z:
        rows.append(np.arange(n_v))
        cols.append(n_x + np.arange(n_v))
        vals.append(-np.ones(n_v))
        # (an unaffordable candidate has no configuration, and its cost exceeds the budget)
        lim = np.ones(n_x) if mode == "sites" else prep.cost
        rows.append(np.full(n_x, n_row))
        cols.append(np.arange(n_x))
        vals.append(lim)
        n_row += 1
    n_col = n_x + n_z + n_1 + n_2
    matrix = sp.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_row, n_col),
    )
    lower = np.r_[np.full(n_v, 1.0 if mode == "all" else 0.0), np.zeros(n_r)]
    upper = np.full(n_v + n_r, np.inf)
    if n_z:
        cap = limit if mode == "sites" else limit * (1.0 + REL_TOL)
        lower, upper = np.r_[lower, -np.inf], np.r_[upper, cap]
    cost = np.zeros(n_col)
    if mode == "all":
        cost[:n_x] = prep.cost
    else:
        cost[n_x : n_x + n_v] = prep.weight[vil]
    integer = np.zeros(n_col, dtype=bool)
    integer[: n_x + n_z] = True
    mip = Mip(matrix, cost, lower, upper, integer, maximise=mode != "all")
    # the warm plan: its x, the configurations it holds, the villages they cover
    x = np.zeros(n_x)
    x[np.asarray(warm.selected, dtype=np.intp)] = 1.0
    x *= eligible
    conf = np.r_[x[row_cand[ones]], x[row_cand[first]] * x[row_cand[second]]]
    parts = [x]
    if n_z:
        parts.append(np.minimum(np.bincount(conf_vil, weights=conf, minlength=n_v), 1.0))
    start: np.ndarray | None = np.concatenate([*parts, conf])
    if mode == "all" and np.any(np.bincount(conf_vil, weights=conf, minlength=n_v) < 1):
        start = None  # the warm plan covers some village only with three sites or more
    logger.debug("pair model: %d candidates, %d villages, %d singles, %d pairs", n_x, n_v, n_1, n_2)
    found = run(mip, time_limit=time_limit, start=start)
    if found.x is None:
        return None
    return [int(c) for c in np.flatnonzero(found.x[:n_x] > 0.5)]
