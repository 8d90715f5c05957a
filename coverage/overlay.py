"""Vectorised geometry kernels: how much of each polygon lies inside a set of footprints.

These are the hot paths of the range model. There is no Python loop over
villages or sites: pairs come from one STRtree query, the fully-inside test is one
prepared ``shapely.contains``, and each village's uncovered part is the village
minus its touching footprints, one vectorised ``shapely.difference`` per rank of
footprint (1st, 2nd, ... of each village), chunked across threads (shapely
releases the GIL).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely
from shapely import STRtree

_CHUNK = 2048


def covered_share(polygons: np.ndarray, footprints: np.ndarray, *, n_jobs: int = 1) -> np.ndarray:
    """Return, for each polygon, the share of its area inside the union of ``footprints``.

    A polygon's share depends only on the footprints that touch it and on their
    order in ``footprints``: the same polygon measured with any subset of the
    polygons, or any subset of the footprints (in the same order) that keeps those
    touching it, gets the same float, bit for bit, whatever ``n_jobs``.

    Parameters
    ----------
    polygons
        Polygon geometries in a metric CRS.
    footprints
        Coverage footprints (discs, wedges, or any polygons) in the same CRS.
    n_jobs
        Threads used for clipping and union.

    Returns
    -------
    numpy.ndarray
        Floats in [0, 1]; exact up to floating point (no rasterisation).

    Examples
    --------
    >>> import shapely, numpy as np
    >>> square = shapely.box(0, 0, 2, 2)
    >>> halves = np.array([shapely.box(-1, -1, 1, 3)])
    >>> covered_share(np.array([square]), halves).tolist()
    [0.5]
    """
    return covered_shares(polygons, {"": footprints}, {"": ("",)}, n_jobs=n_jobs)[""]


def covered_shares(
    polygons: np.ndarray,
    layers: Mapping[str, np.ndarray],
    groups: Mapping[str, Sequence[str]],
    *,
    n_jobs: int = 1,
) -> dict[str, np.ndarray]:
    """Return, per group of layers, each polygon's share inside the union of the group's footprints.

    One pass serves every group: one STRtree query over all footprints, each
    (polygon, footprint) pair measured once into the part of the polygon each layer
    leaves uncovered, and a group of several layers measured on the intersection of
    its layers' uncovered parts.
    ``covered_shares(p, layers, {"g": names})["g"]`` equals :func:`covered_share`
    of ``p`` and the layers' footprints concatenated, up to floating point, and has
    the same per-polygon determinism.

    Parameters
    ----------
    polygons
        Polygon geometries in a metric CRS.
    layers
        Footprints per layer name (e.g. per technology), in the same CRS.
    groups
        Layer names per group; names missing from ``layers`` cover nothing.
    n_jobs
        Threads used for clipping and union.

    Examples
    --------
    >>> import shapely, numpy as np
    >>> square = np.array([shapely.box(0, 0, 2, 2)])
    >>> a, b = shapely.box(-1, -1, 1, 3), shapely.box(1, -1, 3, 1)
    >>> layers = {"a": np.array([a]), "b": np.array([b])}
    >>> out = covered_shares(square, layers, {"a": ["a"], "ab": ["a", "b"]})
    >>> out["a"].tolist(), out["ab"].tolist()
    ([0.5], [0.75])
    """
    polygons = np.asarray(polygons, dtype=object)
    names = list(dict.fromkeys(n for techs in groups.values() for n in techs if n in layers))
    n, n_layers = len(polygons), max(len(names), 1)
    arrays = [np.asarray(layers[name], dtype=object) for name in names]
    footprints = np.concatenate(arrays) if arrays else np.empty(0, dtype=object)
    layer_of = np.repeat(np.arange(len(arrays)), [len(a) for a in arrays]).astype(np.int64)
    inside = np.zeros((n, n_layers), dtype=bool)
    remainders = np.full((n, n_layers), None, dtype=object)
    area = np.zeros((n, n_layers))
    if n and len(footprints):
        inside, remainders, area = _layer_remainders(
            polygons, footprints, layer_of, n_layers, n_jobs
        )
    areas = shapely.area(polygons)
    out = {}
    for key, techs in groups.items():
        cols = [names.index(t) for t in dict.fromkeys(techs) if t in names]
        covered = np.zeros(n)
        if len(cols) == 1:
            covered = area[:, cols[0]]
        elif len(cols) > 1:
            covered = _group_area(polygons, remainders[:, cols], area[:, cols], n_jobs)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(areas > 0, covered / areas, 0.0)
        if cols:
            share[inside[:, cols].any(axis=1)] = 1.0
        out[key] = np.clip(share, 0.0, 1.0)
    return out


def _layer_remainders(
    polygons: np.ndarray, footprints: np.ndarray, layer_of: np.ndarray, n_layers: int, n_jobs: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (polygon, layer): inside one footprint?, the part left uncovered, the area covered.

    The uncovered part is the polygon minus each touching footprint in turn (None:
    no footprint of the layer touches it); about twice as fast as clipping every
    footprint to the polygon and uniting the pieces, and equal up to floating point.
    """
    n = len(polygons)
    vi, fi = STRtree(footprints).query(polygons)
    key = vi * n_layers + layer_of[fi]
    # Prepared footprints: GEOS caches an index per footprint for the predicates.
    shapely.prepare(footprints)
    inside = _any_holds(shapely.contains, polygons, footprints, vi, fi, key, n * n_layers)
    keep = ~inside[key]
    vi, fi, key = vi[keep], fi[keep], key[keep]
    hit = shapely.intersects(footprints[fi], polygons[vi])
    vi, fi, key = vi[hit], fi[hit], key[hit]
    # Each (polygon, layer)'s footprints in input order, so that its result never
    # depends on the tree's traversal order (which depends on all footprints).
    order = np.lexsort((fi, key))
    vi, fi, key = vi[order], fi[order], key[order]
    counts = np.bincount(key, minlength=n * n_layers)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    areas = shapely.area(polygons)

    def work(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        first, count = starts[rows], counts[rows]
        left = polygons[vi[first]].copy()
        for j in range(int(count.max())):  # a loop over a row's footprints, not over rows
            active = np.flatnonzero((count > j) & ~shapely.is_empty(left))
            left[active] = shapely.difference(left[active], footprints[fi[first[active] + j]])
        return rows, left, areas[vi[first]] - shapely.area(left)

    remainders = np.full(n * n_layers, None, dtype=object)
    covered = np.zeros(n * n_layers)
    for rows, left, value in _map_rows(work, counts, n_jobs):
        remainders[rows] = left
        covered[rows] = value
    shape = (n, n_layers)
    return inside.reshape(shape), remainders.reshape(shape), covered.reshape(shape)


def _any_holds(
    predicate: Callable,
    polygons: np.ndarray,
    footprints: np.ndarray,
    vi: np.ndarray,
    fi: np.ndarray,
    key: np.ndarray,
    n_keys: int,
) -> np.ndarray:
    """Per key (polygon x layer): does ``predicate(footprint, polygon)`` hold for one pair?

    ``predicate`` is ``shapely.contains``, or ``shapely.intersects`` for points.
    Only pairs whose footprint's box holds the polygon's box can satisfy it. The
    footprint with the widest margin is tested first; the other pairs only for
    keys it does not settle (an exact short-cut of "any": in towns a village
    lies inside a dozen discs of one technology).
    """
    inside = np.zeros(n_keys, dtype=bool)
    vb, fb = shapely.bounds(polygons).T.copy(), shapely.bounds(footprints).T.copy()
    margin = np.minimum(vb[0][vi] - fb[0][fi], vb[1][vi] - fb[1][fi])
    np.minimum(margin, fb[2][fi] - vb[2][vi], out=margin)
    np.minimum(margin, fb[3][fi] - vb[3][vi], out=margin)
    cand = np.flatnonzero(margin >= 0)  # NaN (empty geometry) is not a candidate
    if len(cand) == 0:
        return inside
    # Pairs grouped by key (almost sorted already: the tree answers by polygon).
    cand = cand[np.argsort(key[cand], kind="stable")]
    group = np.flatnonzero(np.r_[True, key[cand][1:] != key[cand][:-1]])
    widest = np.repeat(np.maximum.reduceat(margin[cand], group), np.diff(np.r_[group, len(cand)]))
    first = margin[cand] == widest
    for pairs in (cand[first], cand[~first]):
        pairs = pairs[~inside[key[pairs]]]
        inside[key[pairs[predicate(footprints[fi[pairs]], polygons[vi[pairs]])]]] = True
    return inside


def _group_area(
    polygons: np.ndarray, remainders: np.ndarray, covered: np.ndarray, n_jobs: int
) -> np.ndarray:
    """Area covered by any of a row's layers: the polygon minus what all leave uncovered.

    A row touched by one layer only keeps that layer's figure.
    """
    has = shapely.is_geometry(remainders)
    out = np.where(has, covered, 0.0).sum(axis=1)
    several = np.flatnonzero(has.sum(axis=1) > 1)
    if len(several) == 0:
        return out

    def work(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        left = polygons[rows].copy()
        for col in range(remainders.shape[1]):
            take = np.flatnonzero(has[rows, col])
            left[take] = shapely.intersection(left[take], remainders[rows[take], col])
        return rows, shapely.area(polygons[rows]) - shapely.area(left)

    chunks = [several[i : i + _CHUNK] for i in range(0, len(several), _CHUNK)]
    for rows, value in _map(work, chunks, n_jobs):
        out[rows] = value
    return out


def _map_rows(fn: Callable, counts: np.ndarray, n_jobs: int) -> list:
    """Run ``fn`` on chunks of the non-empty rows, rows of similar length together."""
    rows = np.flatnonzero(counts)
    rows = rows[np.argsort(counts[rows], kind="stable")]
    return _map(fn, [rows[i : i + _CHUNK] for i in range(0, len(rows), _CHUNK)], n_jobs)


def _map(fn: Callable, chunks: list, n_jobs: int) -> list:
    if n_jobs > 1 and len(chunks) > 1:
        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            return list(pool.map(fn, chunks))
    return [fn(c) for c in chunks]


def points_covered(points: np.ndarray, footprints: np.ndarray) -> np.ndarray:
    """Return a boolean per point: does it lie in (or on the edge of) any footprint?

    Examples
    --------
    >>> import shapely, numpy as np
    >>> pts = np.array([shapely.Point(0, 0), shapely.Point(5, 5)])
    >>> points_covered(pts, np.array([shapely.Point(0, 0).buffer(1)])).tolist()
    [True, False]
    """
    points = np.asarray(points, dtype=object)
    out = np.zeros(len(points), dtype=bool)
    if len(points) and len(footprints):
        out[
            STRtree(np.asarray(footprints, dtype=object)).query(points, predicate="intersects")[0]
        ] = True
    return out


def points_covered_groups(
    points: np.ndarray, layers: Mapping[str, np.ndarray], groups: Mapping[str, Sequence[str]]
) -> dict[str, np.ndarray]:
    """Return, per group of layers, whether each point lies in any of the group's footprints.

    One tree query serves every group; equals :func:`points_covered` per group.

    Examples
    --------
    >>> import shapely, numpy as np
    >>> pts = np.array([shapely.Point(0, 0), shapely.Point(3, 0)])
    >>> layers = {"a": pts[:1], "b": pts[1:]}
    >>> out = points_covered_groups(pts, layers, {"a": ["a"], "ab": ["a", "b"]})
    >>> {k: v.tolist() for k, v in out.items()}
    {'a': [True, False], 'ab': [True, True]}
    """
    points = np.asarray(points, dtype=object)
    names = list(dict.fromkeys(n for techs in groups.values() for n in techs if n in layers))
    arrays = [np.asarray(layers[name], dtype=object) for name in names]
    n_layers = max(len(names), 1)
    hit: np.ndarray = np.zeros(len(points) * n_layers, dtype=bool)
    if len(points) and sum(len(a) for a in arrays):
        footprints = np.concatenate(arrays)
        layer_of = np.repeat(np.arange(len(arrays)), [len(a) for a in arrays])
        pi, fi = STRtree(footprints).query(points)
        shapely.prepare(footprints)
        key = pi * n_layers + layer_of[fi]
        hit = _any_holds(shapely.intersects, points, footprints, pi, fi, key, len(hit))
    hit = hit.reshape(len(points), n_layers)
    out: dict[str, np.ndarray] = {}
    for group, techs in groups.items():
        cols = [names.index(t) for t in dict.fromkeys(techs) if t in names]
        out[group] = np.asarray(hit[:, cols].any(axis=1))
    return out


def covered_share_raster(
    polygons: np.ndarray, footprints: np.ndarray, *, resolution: float = 50.0
) -> np.ndarray:
    """Approximate :func:`covered_share` by rasterising both layers on one grid.

    Used by the benchmark to compare with the exact vector method; each polygon's
    share is the fraction of its pixel centres inside any footprint.
    """
    from rasterio import features
    from rasterio.transform import from_origin

    polygons = np.asarray(polygons, dtype=object)
    xmin, ymin, xmax, ymax = shapely.total_bounds(polygons)
    width = int(np.ceil((xmax - xmin) / resolution)) + 1
    height = int(np.ceil((ymax - ymin) / resolution)) + 1
    transform = from_origin(xmin, ymax, resolution, resolution)
    ids = features.rasterize(
        zip(polygons, np.arange(1, len(polygons) + 1), strict=True),
        out_shape=(height, width),
        transform=transform,
        fill=0,
        dtype="int32",
    )
    cov = features.rasterize(
        ((g, 1) for g in footprints),
        out_shape=(height, width),
        transform=transform,
        fill=0,
        dtype="uint8",
    )
    total = np.bincount(ids.ravel(), minlength=len(polygons) + 1)[1:]
    inside = np.bincount(ids.ravel(), weights=cov.ravel(), minlength=len(polygons) + 1)[1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, inside / np.maximum(total, 1), 0.0)
