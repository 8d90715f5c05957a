"""A routable road graph for fibre planning: segments as edges, split, snapped and joined.

The graph is built from any line layer in a metric CRS. Its edges are straight
*segments* (consecutive vertex pairs of the road lines), so a national layer of a
million segments needs no noding of whole lines: the nodes are the unique vertices
after snapping, plus the points where segments cross or touch another segment's
interior, found with one STRtree query of segments against segments and solved with
array arithmetic. A route through the graph is a chain of segments, so its geometry is
the chain of its nodes' coordinates and lies on the roads.

Repairs, in order:

1. multi-lines are exploded; empty, missing and non-line geometries are skipped and
   counted (an :class:`~coverage._errors.InputError` when nothing usable remains);
2. every segment is split where another segment crosses it, where another segment's
   end touches its interior (a T-junction), where a collinear overlapping segment's
   end lies on it, and where a dangling line end lies within ``snap_m`` of it;
3. vertices within ``snap_m`` of each other are merged (a KD-tree and connected
   components) when at least one of them is a line end, a junction or a split point,
   so near-touching ends join but a finely digitised road does not collapse on itself;
   a merged cluster keeps the coordinate of one of its original road vertices;
4. overlapping duplicate segments become one edge (the shortest is kept);
5. disconnected fragments are joined to the nearest other component by a straight
   ``spur`` edge when it is at most ``spur_max_m`` long: a minimum spanning forest of the
   components under their nearest-node distances (Kruskal's rule: the shortest joins
   first), so joins chain until no two components are within ``spur_max_m``.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import LineString
>>> roads = gpd.GeoDataFrame(
...     {"class": ["local", "local"]},
...     geometry=[LineString([(0, 0), (100, 0)]), LineString([(50, -50), (50, 50)])],
...     crs="EPSG:32648",
... )
>>> graph = build_graph(roads, snap_m=1.0, spur_max_m=0.0)
>>> graph.n_nodes, graph.n_edges, float(graph.length.sum())
(5, 4, 200.0)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial import cKDTree

from .._errors import InputError

log = logging.getLogger(__name__)

#: Geometric tolerance (m): a split closer than this to a segment's end uses the end.
EPS_M = 1e-6

#: Class names the graph adds to the road classes.
SPUR = "spur"
CONNECTOR = "connector"

#: Nearest neighbours examined per fragment node when looking for another fragment.
_FRAGMENT_NEIGHBOURS = 16


@dataclass(frozen=True)
class BuildReport:
    """What :func:`build_graph` repaired and found.

    Attributes
    ----------
    features
        Features in the input layer.
    skipped_empty
        Features with a missing or empty geometry, skipped.
    skipped_type
        Features that are not (multi-)lines, skipped.
    segments
        Straight segments read (after exploding multi-lines, before splitting).
    splits
        Split points added on segments (crossings, T-junctions, overlaps, snapped ends).
    snapped
        Vertices merged into another within the snap distance.
    duplicates
        Duplicate (overlapping) edges dropped.
    components
        Connected components before the spurs.
    fragment_nodes
        Nodes outside the largest component before the spurs.
    spurs
        Spur edges added.
    spur_length_m
        Their total length (m).
    components_after
        Connected components after the spurs (islands farther than ``spur_max_m``).
    """

    features: int
    skipped_empty: int
    skipped_type: int
    segments: int
    splits: int
    snapped: int
    duplicates: int
    components: int
    fragment_nodes: int
    spurs: int
    spur_length_m: float
    components_after: int


@dataclass(frozen=True)
class RoadGraph:
    """An undirected road graph whose edges are straight segments.

    Attributes
    ----------
    xy
        Node coordinates, shape ``(n_nodes, 2)``, in the CRS ``crs``.
    u, v
        Edge end nodes, shape ``(n_edges,)``; ``u < v``, each pair once.
    length
        Edge lengths (m), all positive.
    cls
        Edge class codes, indices into ``classes``.
    classes
        Class names: the road classes, then ``spur``, ``connector`` as they are added.
    crs
        The CRS of ``xy``.
    report
        What the build repaired and found.
    """

    xy: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length: np.ndarray
    cls: np.ndarray
    classes: tuple[str, ...]
    crs: Any = None
    report: BuildReport | None = None

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.xy.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of edges."""
        return int(self.u.shape[0])

    def adjacency(self) -> sparse.csr_matrix:
        """The symmetric CSR adjacency matrix, weights = lengths (m), for scipy's csgraph."""
        n = self.n_nodes
        rows = np.concatenate([self.u, self.v])
        cols = np.concatenate([self.v, self.u])
        data = np.concatenate([self.length, self.length])
        return sparse.csr_matrix((data, (rows, cols)), shape=(n, n))

    def edge_index(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The edge joining each pair of nodes ``a[i]``, ``b[i]`` (either order), or -1.

        Examples
        --------
        >>> g = RoadGraph(np.array([[0.0, 0], [1, 0]]), np.array([0]), np.array([1]),
        ...               np.array([1.0]), np.array([0]), ("local",))
        >>> g.edge_index(np.array([1, 0]), np.array([0, 0])).tolist()
        [0, -1]
        """
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        keys = _pair_keys(self.u, self.v, self.n_nodes)
        want = _pair_keys(a, b, self.n_nodes)
        if len(keys) == 0:
            return np.full(len(want), -1, dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        pos = np.minimum(np.searchsorted(keys, want, sorter=order), len(keys) - 1)
        found = order[pos]
        return np.where(keys[found] == want, found, -1).astype(np.int64)

    def segments(self, edges: np.ndarray | None = None) -> np.ndarray:
        """The coordinates of edges (all by default), shape ``(k, 2, 2)``: start, end."""
        idx = slice(None) if edges is None else np.asarray(edges, dtype=np.int64)
        return np.stack([self.xy[self.u[idx]], self.xy[self.v[idx]]], axis=1)

    def lines(self, edges: np.ndarray | None = None) -> np.ndarray:
        """The edges as shapely LineStrings (all by default)."""
        return shapely.linestrings(self.segments(edges))

    def class_code(self, name: str) -> tuple[RoadGraph, int]:
        """This graph with class ``name`` known, and its code."""
        if name in self.classes:
            return self, self.classes.index(name)
        return replace(self, classes=(*self.classes, name)), len(self.classes)


class Attached(NamedTuple):
    """The result of :func:`attach` and :func:`attach_lines`.

    Attributes
    ----------
    graph
        The new graph: edges split at the attachment points, connectors added.
    nodes
        The node of each point (-1 for a point farther than ``max_distance_m``).
    distance_m
        The connector length of each point (its distance to the nearest road).
    """

    graph: RoadGraph
    nodes: np.ndarray
    distance_m: np.ndarray


def build_graph(
    roads: gpd.GeoDataFrame,
    *,
    snap_m: float,
    spur_max_m: float,
    class_column: str | None = "class",
    source: str = "roads",
) -> RoadGraph:
    """Build the road graph of a line layer: split, snapped, de-duplicated and joined.

    Parameters
    ----------
    roads
        A line layer (LineString / MultiLineString) in a metric CRS.
    snap_m
        Vertices closer than this (m) are merged, and a dangling end this close to a
        segment is joined to it.
    spur_max_m
        Fragments are joined to the nearest other component by a straight ``spur`` edge
        at most this long (m); 0 joins none.
    class_column
        The column holding each road's class (kept per edge, for costs per class);
        ``None`` gives every road the class ``road``.
    source
        The file name used in error messages.

    Returns
    -------
    RoadGraph
        The graph, with its :class:`BuildReport`.

    Raises
    ------
    InputError
        The CRS is geographic, the class column is missing, or no feature is a usable line.
    """
    if roads.crs is not None and roads.crs.is_geographic:
        raise InputError(
            f"the road layer is in a geographic CRS ({roads.crs.to_string()}); "
            "reproject it to a metric CRS first",
            path=source,
        )
    if snap_m < 0 or spur_max_m < 0:
        raise ValueError(f"snap_m and spur_max_m must be >= 0, got {snap_m}, {spur_max_m}")
    if class_column is not None and class_column not in roads.columns:
        raise InputError(
            f"no column '{class_column}' in the road layer (columns: "
            f"{', '.join(map(str, roads.columns))}); pass class_column=None for none",
            path=source,
            column=class_column,
        )
    geoms = np.asarray(roads.geometry.array, dtype=object)
    geoms, missing = _clean_missing(geoms)
    empty = missing | shapely.is_empty(geoms)
    kind = shapely.get_type_id(geoms)
    usable = ~empty & np.isin(kind, (1, 5))
    skipped_type = int((~empty & ~usable).sum())
    if not usable.any():
        bad = np.flatnonzero(~usable)
        row = roads.index[bad[0]] if len(bad) else None
        raise InputError(
            "no usable road line: every feature is empty or not a (multi-)line "
            f"({int(empty.sum())} empty, {skipped_type} of another type)",
            path=source,
            row=row,
        )
    if class_column is None:
        names = np.array(["road"])
        codes = np.zeros(len(roads), dtype=np.int64)
    else:
        values = roads[class_column].astype("string").fillna("unknown").to_numpy()
        codes, names = pd.factorize(values, sort=True)
        names = np.asarray(names, dtype=str)
    classes = tuple(str(n) for n in names)

    parts, part_of = shapely.get_parts(geoms[usable], return_index=True)
    part_cls = codes[np.flatnonzero(usable)][part_of]
    coords, line_of = shapely.get_coordinates(parts, return_index=True)
    xy, u, v, length, cls, counts = _segments_to_edges(coords, line_of, part_cls[line_of], snap_m)
    graph = RoadGraph(xy, u, v, length, cls, classes, crs=roads.crs)
    graph, joins = _join_fragments(graph, spur_max_m)
    report = BuildReport(
        features=len(roads),
        skipped_empty=int(empty.sum()),
        skipped_type=skipped_type,
        components_after=_n_components(graph),
        **counts,
        **joins,
    )
    if report.skipped_empty or report.skipped_type:
        log.warning(
            "%s: skipped %d empty and %d non-line features",
            source,
            report.skipped_empty,
            report.skipped_type,
        )
    log.info(
        "%s: %d nodes, %d edges; %d splits, %d snapped, %d duplicates; %d components, "
        "%d spurs (%.0f m), %d components after",
        source,
        graph.n_nodes,
        graph.n_edges,
        report.splits,
        report.snapped,
        report.duplicates,
        report.components,
        report.spurs,
        report.spur_length_m,
        report.components_after,
    )
    return replace(graph, report=report)


def attach(
    graph: RoadGraph,
    points: np.ndarray | gpd.GeoSeries,
    *,
    max_distance_m: float | None = None,
) -> Attached:
    """Join points to the graph at the nearest point on an edge.

    The nearest edge (a road or a spur, never a connector) is split at the point's
    projection (a new node, unless the projection falls on an end of the edge), and a
    straight ``connector`` edge joins the point (a new node) to it; a point lying on a
    road is its own attachment node. Several
    points on one edge split it at their sorted offsets; points projecting onto the same
    spot share its node.

    Parameters
    ----------
    graph
        The road graph.
    points
        Point coordinates, shape ``(n, 2)``, or a GeoSeries of points in the graph's CRS.
    max_distance_m
        Points farther than this from every edge are not attached (node -1); ``None``
        attaches every point.

    Returns
    -------
    Attached
        The new graph, the node of each point and its connector length (m); the length
        is the distance to the nearest edge even for a point left unattached.
    """
    pts = _point_array(points)
    n = len(pts)
    if n == 0 or graph.n_edges == 0:
        return Attached(graph, np.full(n, -1, dtype=np.int64), np.full(n, np.inf))
    # roads and spurs only: a point never joins another point's connector
    usable = np.arange(graph.n_edges)
    if CONNECTOR in graph.classes:
        usable = usable[graph.cls != graph.classes.index(CONNECTOR)]
    if len(usable) == 0:
        return Attached(graph, np.full(n, -1, dtype=np.int64), np.full(n, np.inf))
    tree = shapely.STRtree(graph.lines(usable))
    which, edge = tree.query_nearest(shapely.points(pts), all_matches=False)
    nearest = np.full(n, -1, dtype=np.int64)
    nearest[which] = usable[edge]
    a, b = graph.xy[graph.u[nearest]], graph.xy[graph.v[nearest]]
    t, proj, dist = _project(pts, a, b)
    ok = np.ones(n, dtype=bool) if max_distance_m is None else dist <= max_distance_m
    graph, on_node = _split_edges(graph, nearest[ok], t[ok], proj[ok])
    nodes = np.full(n, -1, dtype=np.int64)
    nodes[ok] = on_node
    off = ok & (dist > EPS_M)
    if off.any():
        graph, code = graph.class_code(CONNECTOR)
        new = graph.n_nodes + np.arange(int(off.sum()))
        graph = _add_edges(
            graph, pts[off], new, nodes[off], dist[off], np.full(int(off.sum()), code)
        )
        nodes[off] = new
    return Attached(graph, nodes, dist)


def attach_lines(
    graph: RoadGraph,
    lines: np.ndarray | gpd.GeoSeries,
    *,
    spacing_m: float,
    max_distance_m: float | None = None,
) -> Attached:
    """Join existing lines (fibre routes) to the graph; their points become roots.

    The rule: the existing fibre is one network, already built, so reaching any point of
    it costs nothing more. Each route is densified to a vertex at least every
    ``spacing_m`` and every vertex is attached with :func:`attach` (nearest point on an
    edge, with a connector). All these vertices are returned as nodes, to be passed as
    roots to :func:`coverage.plan.steiner.steiner_tree`, which merges all roots into one
    super-terminal: this is the same as adding the routes as zero-cost edges, without
    zero-length edges in the graph. A path reaches the network at the first route vertex
    it meets, so ``spacing_m`` bounds how far past a crossing it may run.

    Parameters
    ----------
    graph
        The road graph.
    lines
        LineStrings / MultiLineStrings in the graph's CRS.
    spacing_m
        The largest distance between vertices after densifying (m).
    max_distance_m
        Vertices farther than this from every edge are not attached; ``None`` attaches all.

    Returns
    -------
    Attached
        The new graph and, per attached route vertex, its node and connector length;
        unattached vertices are left out.
    """
    geoms = np.asarray(lines.array if isinstance(lines, gpd.GeoSeries) else lines, dtype=object)
    geoms, missing = _clean_missing(geoms)
    geoms = geoms[~(missing | shapely.is_empty(geoms))]
    dense = shapely.segmentize(geoms, spacing_m)
    pts = shapely.get_coordinates(dense)
    if len(pts):
        pts = np.unique(pts, axis=0)
    out = attach(graph, pts, max_distance_m=max_distance_m)
    keep = out.nodes >= 0
    return Attached(out.graph, out.nodes[keep], out.distance_m[keep])


# --- private steps ---------------------------------------------------------------------


def _clean_missing(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Geometries with NaN/None as None, and the mask of the missing ones."""
    missing = np.asarray(pd.isna(geoms), dtype=bool)
    out = geoms.copy()
    out[missing] = None
    return out, missing


def _pair_keys(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    lo = np.minimum(a, b).astype(np.int64)
    hi = np.maximum(a, b).astype(np.int64)
    return lo * np.int64(max(n, 1)) + hi


def _point_array(points: np.ndarray | gpd.GeoSeries) -> np.ndarray:
    if isinstance(points, gpd.GeoSeries):
        return shapely.get_coordinates(np.asarray(points.array, dtype=object)).reshape(-1, 2)
    pts = np.asarray(points, dtype=float)
    return pts.reshape(-1, 2)


def _project(
    p: np.ndarray, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parameter (0..1), point and distance of each point's projection on segment a-b."""
    d = b - a
    dd = np.einsum("ij,ij->i", d, d)
    t = np.einsum("ij,ij->i", p - a, d) / np.where(dd > 0, dd, 1.0)
    t = np.clip(t, 0.0, 1.0)
    proj = a + t[:, None] * d
    return t, proj, np.hypot(*(p - proj).T)


def _add_edges(
    graph: RoadGraph,
    new_xy: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    length: np.ndarray,
    cls: np.ndarray,
) -> RoadGraph:
    u, v = np.minimum(a, b), np.maximum(a, b)
    return replace(
        graph,
        xy=np.concatenate([graph.xy, np.asarray(new_xy, dtype=float).reshape(-1, 2)]),
        u=np.concatenate([graph.u, u]).astype(np.int64),
        v=np.concatenate([graph.v, v]).astype(np.int64),
        length=np.concatenate([graph.length, length]).astype(float),
        cls=np.concatenate([graph.cls, cls]).astype(np.int64),
    )


def _split_edges(
    graph: RoadGraph, edge: np.ndarray, t: np.ndarray, proj: np.ndarray
) -> tuple[RoadGraph, np.ndarray]:
    """Split ``edge[i]`` at parameter ``t[i]`` (point ``proj[i]``); the node of each split."""
    seg_len = graph.length[edge]
    at_u = t * seg_len <= EPS_M
    at_v = ~at_u & ((1 - t) * seg_len <= EPS_M)
    nodes = np.where(at_u, graph.u[edge], graph.v[edge]).astype(np.int64)
    inner = ~at_u & ~at_v
    if not inner.any():
        return graph, nodes
    e, ti = edge[inner], t[inner]
    # one new node per distinct (edge, offset)
    order = np.lexsort((ti, e))
    es, ts = e[order], ti[order]
    first = np.ones(len(es), dtype=bool)
    first[1:] = (es[1:] != es[:-1]) | (ts[1:] != ts[:-1])
    group = np.cumsum(first) - 1
    new_ids = graph.n_nodes + np.arange(int(first.sum()))
    inner_nodes = np.empty(len(e), dtype=np.int64)
    inner_nodes[order] = new_ids[group]
    nodes[inner] = inner_nodes
    ue, un = es[first], new_ids
    new_xy = proj[inner][order][first]
    # chains u -> splits (sorted by offset) -> v, per split edge
    start = np.ones(len(ue), dtype=bool)
    start[1:] = ue[1:] != ue[:-1]
    prev = np.where(start, graph.u[ue], np.concatenate([[-1], un[:-1]]))
    last = np.ones(len(ue), dtype=bool)
    last[:-1] = ue[1:] != ue[:-1]
    xy = np.concatenate([graph.xy, new_xy])
    a = np.concatenate([prev, un[last]])
    b = np.concatenate([un, graph.v[ue[last]]])
    cls = graph.cls[np.concatenate([ue, ue[last]])]
    keep = np.ones(graph.n_edges, dtype=bool)
    keep[ue] = False
    length = np.hypot(*(xy[a] - xy[b]).T)
    base = replace(
        graph,
        u=graph.u[keep],
        v=graph.v[keep],
        length=graph.length[keep],
        cls=graph.cls[keep],
    )
    return _add_edges(base, new_xy, a, b, length, cls), nodes


def _segments_to_edges(
    coords: np.ndarray, line_of: np.ndarray, vertex_cls: np.ndarray, snap_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
    """Nodes and edges from line vertices: split, snapped and de-duplicated."""
    same = line_of[1:] == line_of[:-1]
    i0 = np.flatnonzero(same)
    i0 = i0[np.any(coords[i0] != coords[i0 + 1], axis=1)]
    a, b = coords[i0], coords[i0 + 1]
    seg_cls = vertex_cls[i0]
    n_seg = len(i0)
    # unique vertex ids of the segment ends, and which are line ends (degree 1)
    _, vid = np.unique(coords[:, 0] + 1j * coords[:, 1], return_inverse=True)
    vid = vid.ravel()
    ends = np.zeros(len(coords), dtype=bool)
    ends[np.r_[0, np.flatnonzero(~same) + 1]] = True
    ends[np.r_[np.flatnonzero(~same), len(coords) - 1]] = True
    sa, sb = vid[i0], vid[i0 + 1]
    degree = np.bincount(np.concatenate([sa, sb]), minlength=int(vid.max()) + 1)

    seg_geoms = shapely.linestrings(np.stack([a, b], axis=1))
    tree = shapely.STRtree(seg_geoms)
    split_seg, split_t, split_xy = _crossings(tree, a, b, sa, sb)
    if snap_m > 0:
        dangling = np.flatnonzero(ends & (degree[vid] == 1))
        ds, dt, dxy = _dangling_splits(tree, a, b, sa, sb, coords[dangling], vid[dangling], snap_m)
        split_seg = np.concatenate([split_seg, ds])
        split_t = np.concatenate([split_t, dt])
        split_xy = np.concatenate([split_xy, dxy])

    # all points: original vertices first, then split points; unique coordinates
    allxy = np.concatenate([coords, split_xy])
    is_orig = np.r_[np.ones(len(coords), bool), np.zeros(len(split_xy), bool)]
    snappable = np.r_[(degree[vid] != 2) | ends, np.ones(len(split_xy), bool)]
    uniq, pid = np.unique(allxy[:, 0] + 1j * allxy[:, 1], return_inverse=True)
    pid = pid.ravel()
    n_u = len(uniq)
    u_orig = np.zeros(n_u, bool)
    u_orig[pid[is_orig]] = True
    u_snap = np.zeros(n_u, bool)
    u_snap[pid[snappable]] = True
    uxy = np.stack([uniq.real, uniq.imag], axis=1)

    label = np.arange(n_u)
    snapped = 0
    if snap_m > 0 and n_u > 1:
        pairs = cKDTree(uxy).query_pairs(snap_m, output_type="ndarray")
        pairs = pairs[u_snap[pairs[:, 0]] | u_snap[pairs[:, 1]]]
        if len(pairs):
            m = sparse.coo_matrix(
                (np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n_u, n_u)
            )
            _, label = connected_components(m, directed=False)
    # a representative per cluster: an original vertex first, then the lowest index
    rank = np.lexsort((np.arange(n_u), ~u_orig, label))
    first = np.ones(n_u, bool)
    first[1:] = label[rank][1:] != label[rank][:-1]
    n_nodes = int(first.sum())
    rep = rank[first]
    node_of_label = np.empty(int(label.max()) + 1, dtype=np.int64)
    node_of_label[label[rep]] = np.arange(n_nodes)
    node_of = node_of_label[label]  # unique point -> node
    snapped = n_u - n_nodes
    xy = uxy[rep]

    # pieces of each segment: its ends and split points sorted along it
    seg_ids = np.concatenate([np.arange(n_seg), np.arange(n_seg), split_seg])
    t = np.concatenate([np.zeros(n_seg), np.ones(n_seg), split_t])
    pts = np.concatenate([pid[i0], pid[i0 + 1], pid[len(coords) + np.arange(len(split_xy))]])
    order = np.lexsort((t, seg_ids))
    seg_ids, pts = seg_ids[order], node_of[pts[order]]
    consecutive = seg_ids[1:] == seg_ids[:-1]
    eu, ev = pts[:-1][consecutive], pts[1:][consecutive]
    ecls = seg_cls[seg_ids[:-1][consecutive]]
    loop = eu != ev
    eu, ev, ecls = eu[loop], ev[loop], ecls[loop]
    elen = np.hypot(*(xy[eu] - xy[ev]).T)
    keys = _pair_keys(eu, ev, n_nodes)
    order = np.lexsort((elen, keys))
    keep = np.ones(len(order), bool)
    keep[1:] = keys[order][1:] != keys[order][:-1]
    sel = order[keep]
    u, v = np.minimum(eu, ev)[sel], np.maximum(eu, ev)[sel]
    counts = {
        "segments": n_seg,
        "splits": len(split_seg),
        "snapped": snapped,
        "duplicates": int(len(order) - keep.sum()),
    }
    return xy, u, v, elen[sel], ecls[sel].astype(np.int64), counts


def _crossings(
    tree: shapely.STRtree, a: np.ndarray, b: np.ndarray, sa: np.ndarray, sb: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split points where segments cross, touch or overlap another segment's interior."""
    left, right = tree.query(tree.geometries)
    keep = left < right
    left, right = left[keep], right[keep]
    shared = (sa[left] == sa[right]) | (sa[left] == sb[right]) | (sb[left] == sa[right])
    shared |= sb[left] == sb[right]
    left, right = left[~shared], right[~shared]
    p, r = a[left], b[left] - a[left]
    q, s = a[right], b[right] - a[right]
    qp = q - p
    denom = r[:, 0] * s[:, 1] - r[:, 1] * s[:, 0]
    len_r, len_s = np.hypot(*r.T), np.hypot(*s.T)
    parallel = np.abs(denom) <= 1e-12 * len_r * len_s
    safe = np.where(parallel, 1.0, denom)
    t = (qp[:, 0] * s[:, 1] - qp[:, 1] * s[:, 0]) / safe
    w = (qp[:, 0] * r[:, 1] - qp[:, 1] * r[:, 0]) / safe
    tol_t, tol_w = EPS_M / len_r, EPS_M / len_s
    hit = ~parallel & (t >= -tol_t) & (t <= 1 + tol_t) & (w >= -tol_w) & (w <= 1 + tol_w)
    # the crossing point, exactly an existing end when it is one
    pt = p + t[:, None] * r
    pt = np.where((t <= tol_t)[:, None], p, pt)
    pt = np.where((t >= 1 - tol_t)[:, None], b[left], pt)
    pt = np.where((w <= tol_w)[:, None], q, pt)
    pt = np.where((w >= 1 - tol_w)[:, None], b[right], pt)
    inner_t = hit & (t > tol_t) & (t < 1 - tol_t)
    inner_w = hit & (w > tol_w) & (w < 1 - tol_w)
    segs = [left[inner_t], right[inner_w]]
    ts = [t[inner_t], w[inner_w]]
    xys = [pt[inner_t], pt[inner_w]]
    # collinear overlaps: each segment's ends that lie inside the other split it
    off_line = np.abs(qp[:, 0] * r[:, 1] - qp[:, 1] * r[:, 0]) / len_r
    col = parallel & (off_line <= EPS_M)
    for seg, other, end in (
        (left, right, a),
        (left, right, b),
        (right, left, a),
        (right, left, b),
    ):
        pts = end[other[col]]
        sp, sq = a[seg[col]], b[seg[col]]
        tt, _, dist = _project(pts, sp, sq)
        seglen = np.hypot(*(sq - sp).T)
        inside = (dist <= EPS_M) & (tt * seglen > EPS_M) & ((1 - tt) * seglen > EPS_M)
        segs.append(seg[col][inside])
        ts.append(tt[inside])
        xys.append(pts[inside])
    return np.concatenate(segs), np.concatenate(ts), np.concatenate(xys).reshape(-1, 2)


def _dangling_splits(
    tree: shapely.STRtree,
    a: np.ndarray,
    b: np.ndarray,
    sa: np.ndarray,
    sb: np.ndarray,
    end_xy: np.ndarray,
    end_vid: np.ndarray,
    snap_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split points on the nearest other segment within ``snap_m`` of each dangling end."""
    empty = (np.zeros(0, np.int64), np.zeros(0), np.zeros((0, 2)))
    if len(end_xy) == 0:
        return empty
    which, seg = tree.query(shapely.points(end_xy), predicate="dwithin", distance=snap_m)
    own = (sa[seg] == end_vid[which]) | (sb[seg] == end_vid[which])
    which, seg = which[~own], seg[~own]
    if len(which) == 0:
        return empty
    t, proj, dist = _project(end_xy[which], a[seg], b[seg])
    order = np.lexsort((dist, which))
    first = np.ones(len(order), bool)
    first[1:] = which[order][1:] != which[order][:-1]
    sel = order[first]
    seglen = np.hypot(*(b[seg[sel]] - a[seg[sel]]).T)
    ts = t[sel]
    inner = (ts * seglen > EPS_M) & ((1 - ts) * seglen > EPS_M)
    return seg[sel][inner], ts[inner], proj[sel][inner]


def _n_components(graph: RoadGraph) -> int:
    if graph.n_nodes == 0:
        return 0
    return int(connected_components(graph.adjacency(), directed=False)[0])


def _join_fragments(graph: RoadGraph, spur_max_m: float) -> tuple[RoadGraph, dict[str, Any]]:
    """Join components by straight spurs: a minimum spanning forest of component distances.

    Candidate joins: each node outside the largest component to its nearest node in the
    largest, and to its nearest nodes of other fragments (the first
    ``_FRAGMENT_NEIGHBOURS`` nearest fragment nodes), all within ``spur_max_m``.
    """
    n_comp, label = connected_components(graph.adjacency(), directed=False)
    sizes = np.bincount(label)
    giant = int(np.argmax(sizes))
    outside = np.flatnonzero(label != giant)
    info: dict[str, Any] = {
        "components": int(n_comp),
        "fragment_nodes": len(outside),
        "spurs": 0,
        "spur_length_m": 0.0,
    }
    if n_comp == 1 or spur_max_m <= 0:
        return graph, info
    inside = np.flatnonzero(label == giant)
    cand_a, cand_b, cand_d = [], [], []
    d, j = cKDTree(graph.xy[inside]).query(graph.xy[outside], k=1, distance_upper_bound=spur_max_m)
    ok = np.isfinite(d)
    cand_a.append(outside[ok])
    cand_b.append(inside[j[ok]])
    cand_d.append(d[ok])
    if len(outside) > 1:
        k = min(_FRAGMENT_NEIGHBOURS, len(outside))
        d, j = cKDTree(graph.xy[outside]).query(
            graph.xy[outside], k=k, distance_upper_bound=spur_max_m
        )
        d, j = d.reshape(len(outside), k), j.reshape(len(outside), k)
        src = np.repeat(outside, k)
        d, j = d.ravel(), j.ravel()
        ok = np.isfinite(d)
        src, dst, d = src[ok], outside[j[ok]], d[ok]
        other = label[src] != label[dst]
        cand_a.append(src[other])
        cand_b.append(dst[other])
        cand_d.append(d[other])
    na, nb, dist = np.concatenate(cand_a), np.concatenate(cand_b), np.concatenate(cand_d)
    if len(na) == 0:
        return graph, info
    ca, cb = label[na], label[nb]
    keys = _pair_keys(ca, cb, n_comp)
    order = np.lexsort((dist, keys))
    first = np.ones(len(order), bool)
    first[1:] = keys[order][1:] != keys[order][:-1]
    best = order[first]
    # distances are > 0 (distinct nodes have distinct coordinates)
    comp_graph = sparse.coo_matrix(
        (dist[best], (np.minimum(ca, cb)[best], np.maximum(ca, cb)[best])), shape=(n_comp, n_comp)
    ).tocsr()
    forest = minimum_spanning_tree(comp_graph).tocoo()
    chosen = best[np.searchsorted(keys[best], _pair_keys(forest.row, forest.col, n_comp))]
    graph, code = graph.class_code(SPUR)
    graph = _add_edges(
        graph,
        np.zeros((0, 2)),
        na[chosen],
        nb[chosen],
        dist[chosen],
        np.full(len(chosen), code),
    )
    info["spurs"] = len(chosen)
    info["spur_length_m"] = float(dist[chosen].sum())
    return graph, info
