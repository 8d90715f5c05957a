"""``coverage plan fibre``: route new fibre to the targets that lack it, along the roads.

The run is ``compute``'s up to the connectivity of the commune centres and postal points
(same inputs, settings and rule); then:

1. **Targets**: the commune centres without fibre and the postal points without
   broadband, as ``compute`` decides them (``targets``: ``centres``, ``postal`` or
   ``both``), and the sites of a site plan (``sites``), which need backhaul.
2. **The road graph** (:mod:`coverage.plan.roadgraph`): lines split at crossings, near
   ends snapped, fragments joined by straight spurs; each target and the existing fibre
   (nodes, and route vertices every ``fibre_route_spacing_m``) joined to the nearest
   point of a road by a straight connector. A target farther than ``fibre_attach_max_m``
   from every road, or on a road fragment that no spur joins, is *unreachable*: it is
   listed, never dropped in silence.
3. **The network** (:mod:`coverage.plan.steiner`): a Steiner tree over the road graph
   from the existing fibre (one network: a target is connected when its path reaches any
   node or route of it) to every reachable target, shortest in length; shared trenches
   count once. Beside it, a lower bound on the shortest possible network.
4. **Costs**: each piece of new cable at the cost per km of its road class (spurs and
   connectors at their own), plus a cost per connected point. Each target's share splits
   every piece equally among the targets whose paths use it, so the shares add up to the
   total.

Without a road layer the cable runs in straight lines (between the targets, and from
each to the nearest point of the existing network) times ``fibre_detour_factor``, with a
warning.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import Delaunay, QhullError

from .._errors import ConfigError, CoverageWarning, InputError
from ..io import read_layer
from ..layers import Layers, LayerSource
from ..pipeline import Prepared, prepare
from ..projection import to_crs
from ..settings import Settings
from .roadgraph import CONNECTOR, SPUR, RoadGraph, attach, attach_lines, build_graph
from .steiner import SteinerResult, steiner_tree

log = logging.getLogger(__name__)

#: The values of ``targets``.
TARGETS = ("centres", "postal", "both")
#: The warnings about site columns a model would use (the fibre plan uses no model).
UNUSED_SITE_COLUMNS = r".*(is|are) not used by the \w+ model"
#: The class of a straight cable laid without a road layer.
STRAIGHT = "straight"

Step = Callable[[str], None]


@dataclass
class FibrePlan:
    """A fibre plan: the JSON ``summary``, one row per target (``targets``), the new
    cable as one line per piece (``network``, lengths summing to the total), and each
    target's path to the network (``routes``, overlapping where paths share a trench)."""

    summary: dict
    targets: gpd.GeoDataFrame
    network: gpd.GeoDataFrame
    routes: gpd.GeoDataFrame
    crs: object
    input_crs: object = None
    warnings: list[str] = field(default_factory=list)


def plan_fibre(
    layers: Layers,
    *,
    roads: LayerSource | None = None,
    targets: str = "both",
    sites: LayerSource | tuple[LayerSource, ...] | None = None,
    settings: Settings | None = None,
    progress: Step | None = None,
) -> FibrePlan:
    """Plan the fibre that connects the targets to the existing network; see the module
    docstring.

    Parameters
    ----------
    layers
        The run's layers (the demo province fills what is missing, as in ``compute``).
    roads
        A line layer of roads (GeoPackage, Shapefile, GeoJSON, OSM PBF, ...); the demo's
        roads for the demo province; without one, straight lines with a warning.
    targets
        ``centres``, ``postal`` or ``both`` (default).
    sites
        A sites layer (e.g. ``proposed_sites.csv`` of a site plan) whose sites are added
        as targets needing backhaul.
    settings
        Settings (the ``fibre_*`` ones price and shape the plan).
    progress
        Called with a short message at each stage.

    Returns
    -------
    FibrePlan
    """
    if targets not in TARGETS:
        raise ConfigError(f"--targets must be one of {', '.join(TARGETS)}; got {targets!r}")
    step = progress or (lambda _msg: None)
    # the radio model plays no part: the range model skips the DEM; the sites given are
    # the targets needing backhaul, and stand in for the radio network a run reads (a
    # stand-in site when none is given), so what they say about the model is not shown
    run_layers = layers.over_demo()
    stand_in = sites if sites is not None else _no_sites(run_layers, settings)
    run_layers = run_layers.replace(sites=stand_in)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", UNUSED_SITE_COLUMNS, CoverageWarning)
        prepared = prepare(run_layers, model="range", settings=settings, step=step)
    settings = prepared.settings
    crs = prepared.projected.crs
    found = _targets(prepared, targets, sites, settings, step)
    fibre = prepared.projected.fibre
    if fibre is None or len(fibre.frame) == 0:
        raise ConfigError("no existing fibre network to connect to: give --fibre FILE")
    if roads is None and run_layers.is_demo:
        from .. import datasets

        roads = datasets.get_path("roads")
    warned: list[str] = []
    if roads is None:
        message = (
            "no road layer (--roads): cable runs in straight lines x "
            f"{settings.fibre_detour_factor:g} (fibre_detour_factor)"
        )
        warnings.warn(message, CoverageWarning, stacklevel=2)
        warned.append(message)
        step("joining the targets in straight lines")
        graph, nodes, roots, gone, report = _straight(found, fibre.frame, settings)
        source = None
    else:
        step("reading roads")
        spec = _roads_spec(roads)
        layer = read_layer(spec, "roads", settings=settings)
        if spec is not roads and "class" in layer.frame.columns:
            # OSM's lines layer holds rivers, railways and fences too: the roads are the
            # ways with a highway tag
            layer = layer.subset(layer.frame["class"].notna().to_numpy())
        layer = to_crs(layer, crs)
        source = layer.source
        step(f"building the road graph ({len(layer.frame):,} lines)")
        class_column = "class" if "class" in layer.frame.columns else None
        graph = build_graph(
            layer.frame,
            snap_m=float(settings.fibre_snap_m),
            spur_max_m=float(settings.fibre_spur_max_m),
            class_column=class_column,
            source=source,
        )
        step(f"joining {len(found):,} targets and the fibre to the roads")
        graph, nodes, roots, gone = _attach(graph, found, fibre.frame, settings, source)
        report = _report(graph)
    step(f"routing fibre to {len(found):,} targets")
    tree = steiner_tree(graph.adjacency(), nodes, roots) if len(found) else None
    return _result(prepared, found, graph, tree, gone, settings, source, report, warned)


# --------------------------------------------------------------------------- targets


def _targets(
    prepared: Prepared,
    which: str,
    sites: LayerSource | tuple[LayerSource, ...] | None,
    settings: Settings,
    step: Step,
) -> gpd.GeoDataFrame:
    """The points to connect: ``id``, ``kind``, ``name``, ``commune_id``, geometry."""
    parts = []
    if which in ("centres", "both") and prepared.centres is not None:
        parts.append(_unconnected(prepared.centres, "centre", "commune_id"))
    if which in ("postal", "both") and prepared.postal is not None:
        parts.append(_unconnected(prepared.postal, "postal", "point_id"))
    specs = () if sites is None else sites if isinstance(sites, list | tuple) else (sites,)
    for spec in specs:
        step("reading sites")
        layer = to_crs(read_layer(spec, "sites", settings=settings), prepared.projected.crs)
        first = layer.frame.drop_duplicates("site_id")
        parts.append(
            gpd.GeoDataFrame(
                {
                    "id": first["site_id"].astype(str).to_numpy(),
                    "kind": "site",
                    "name": None,
                    "commune_id": None,
                },
                geometry=first.geometry.to_numpy(),
                crs=prepared.projected.crs,
            )
        )
    if not parts:
        empty: dict[str, list] = {"id": [], "kind": [], "name": [], "commune_id": []}
        return gpd.GeoDataFrame(empty, geometry=[], crs=prepared.projected.crs)
    out = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=prepared.projected.crs)


def _no_sites(layers: Layers, settings: Settings | None) -> gpd.GeoDataFrame:
    """One stand-in site at the first village (a run reads a sites layer; fibre planning
    without sites to backhaul uses none of it)."""
    villages = read_layer(layers.villages, "villages", settings=settings).frame
    point = villages.geometry.iloc[:1].representative_point()
    return gpd.GeoDataFrame(
        {"site_id": ["-"], "technology": ["4G"]}, geometry=point.to_numpy(), crs=villages.crs
    )


def _unconnected(points: gpd.GeoDataFrame, kind: str, id_column: str) -> gpd.GeoDataFrame:
    rows = points.loc[~points["connected"].fillna(False).astype(bool)]
    ids = rows[id_column] if id_column in rows.columns else pd.Series(rows.index, rows.index)
    return gpd.GeoDataFrame(
        {
            "id": ids.astype(str).to_numpy(),
            "kind": kind,
            "name": rows["name"].to_numpy() if "name" in rows.columns else None,
            "commune_id": (
                rows["commune_id"].astype(str).to_numpy() if "commune_id" in rows.columns else None
            ),
        },
        geometry=rows.geometry.to_numpy(),
        crs=points.crs,
    )


def _roads_spec(roads: LayerSource) -> LayerSource:
    """OSM files (.osm, .pbf) hold their ways in the layer named ``lines``."""
    if isinstance(roads, str | os.PathLike):
        text = str(roads)
        if "::" not in text and Path(text).suffix.lower() in (".pbf", ".osm"):
            return f"{text}::lines"
    return roads


# --------------------------------------------------------------------------- graphs


def _attach(
    graph: RoadGraph,
    found: gpd.GeoDataFrame,
    fibre: gpd.GeoDataFrame,
    settings: Settings,
    source: str,
) -> tuple[RoadGraph, np.ndarray, np.ndarray, np.ndarray]:
    """Join the targets and the existing fibre to the roads: the graph, each target's
    node (-1: farther than ``fibre_attach_max_m`` from every road), the roots, and the
    targets left unattached."""
    far = float(settings.fibre_attach_max_m)
    joined = attach(graph, shapely.get_coordinates(found.geometry.to_numpy()), max_distance_m=far)
    graph, nodes = joined.graph, joined.nodes
    kinds = fibre.geometry.geom_type.to_numpy()
    points = fibre.geometry.to_numpy()[np.isin(kinds, ("Point", "MultiPoint"))]
    lines = fibre.geometry.to_numpy()[np.isin(kinds, ("LineString", "MultiLineString"))]
    roots = []
    if len(points):
        at = attach(graph, shapely.get_coordinates(points), max_distance_m=far)
        graph = at.graph
        roots.append(at.nodes[at.nodes >= 0])
    if len(lines):
        at = attach_lines(
            graph, lines, spacing_m=float(settings.fibre_route_spacing_m), max_distance_m=far
        )
        graph = at.graph
        roots.append(at.nodes)
    root = np.unique(np.concatenate(roots)) if roots else np.zeros(0, dtype=np.int64)
    if len(root) == 0:
        raise InputError(
            f"no part of the existing fibre lies within {far:g} m of a road "
            "(fibre_attach_max_m): check that the fibre and the roads cover the same area",
            path=source,
        )
    return graph, nodes, root, np.flatnonzero(nodes < 0)


def _straight(
    found: gpd.GeoDataFrame, fibre: gpd.GeoDataFrame, settings: Settings
) -> tuple[RoadGraph, np.ndarray, np.ndarray, np.ndarray, dict]:
    """A graph of straight cables: the targets' Delaunay edges (which hold their minimum
    spanning tree) and, from each target, the nearest point of the existing fibre; every
    length times the detour factor."""
    xy = shapely.get_coordinates(found.geometry.to_numpy())
    n = len(xy)
    tree = shapely.STRtree(fibre.geometry.to_numpy())
    which, nearest = tree.query_nearest(shapely.points(xy), all_matches=False)
    near = np.zeros((n, 2))
    if n:
        hit = shapely.shortest_line(shapely.points(xy[which]), fibre.geometry.to_numpy()[nearest])
        near[which] = shapely.get_coordinates(shapely.get_point(hit, 1))
    pairs = [np.column_stack([np.arange(n), n + np.arange(n)])]  # target -> its fibre point
    if n >= 3:
        try:
            tri = Delaunay(xy).simplices
            pairs.append(np.vstack([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [0, 2]]]))
        except QhullError:  # all in a line: join them in order along it
            order = np.lexsort((xy[:, 1], xy[:, 0]))
            pairs.append(np.column_stack([order[:-1], order[1:]]))
    elif n == 2:
        pairs.append(np.array([[0, 1]]))
    edges = np.sort(np.vstack(pairs), axis=1)
    edges = np.unique(edges, axis=0)
    points = np.vstack([xy, near])
    length = np.linalg.norm(points[edges[:, 0]] - points[edges[:, 1]], axis=1)
    length = length * float(settings.fibre_detour_factor)
    keep = length > 0
    edges, length = edges[keep], length[keep]
    # a target on the network: its own node is a root
    on = np.flatnonzero(np.linalg.norm(xy - near, axis=1) == 0)
    roots = np.r_[n + np.arange(n), on]
    graph = RoadGraph(
        points,
        edges[:, 0].astype(np.int64),
        edges[:, 1].astype(np.int64),
        length,
        np.zeros(len(edges), dtype=np.int64),
        (STRAIGHT,),
        found.crs,
    )
    report = {"mode": "straight lines", "detour_factor": float(settings.fibre_detour_factor)}
    return graph, np.arange(n), roots, np.zeros(0, dtype=np.int64), report


def _report(graph: RoadGraph) -> dict:
    """The road graph's repairs, for the JSON ``roads``."""
    r = graph.report
    if r is None:
        return {}
    return {
        "mode": "roads",
        "features": r.features,
        "skipped_empty": r.skipped_empty,
        "skipped_not_lines": r.skipped_type,
        "splits": r.splits,
        "snapped_vertices": r.snapped,
        "duplicate_segments": r.duplicates,
        "fragments": max(r.components - 1, 0),
        "spurs": r.spurs,
        "spur_km": round(r.spur_length_m / 1000.0, 3),
        "islands_left": max(r.components_after - 1, 0),
    }


# --------------------------------------------------------------------------- the result


def _edge_costs(
    graph: RoadGraph, tree: SteinerResult, settings: Settings
) -> tuple[np.ndarray, np.ndarray]:
    """Each tree edge's class name and cost (length x cost per km of its class)."""
    index = graph.edge_index(tree.edges[:, 0], tree.edges[:, 1])
    names = np.asarray(graph.classes, dtype=object)[graph.cls[index]]
    per_km = dict(settings.fibre_cost_per_km)
    default = float(per_km["default"])
    rate = np.array([float(per_km.get(str(c), default)) for c in graph.classes])
    return names, tree.edge_length / 1000.0 * rate[graph.cls[index]]


def _result(
    prepared: Prepared,
    found: gpd.GeoDataFrame,
    graph: RoadGraph,
    tree: SteinerResult | None,
    gone: np.ndarray,
    settings: Settings,
    source: str | None,
    report: dict,
    warned: list[str],
) -> FibrePlan:
    crs = prepared.projected.crs
    n = len(found)
    per_point = float(settings.fibre_cost_per_point)
    unreachable = np.zeros(n, dtype=bool)
    km = np.full(n, np.nan)
    share = np.full(n, np.nan)
    network = gpd.GeoDataFrame(
        {"class": [], "length_m": [], "cost": [], "targets": []}, geometry=[], crs=crs
    )
    routes = gpd.GeoDataFrame({"id": [], "kind": [], "km": []}, geometry=[], crs=crs)
    length = lower = 0.0
    optimal, method = True, "none"
    cost_cable = 0.0
    if tree is not None:
        unreachable[tree.unreachable] = True
        unreachable[gone] = True
        names, cost = _edge_costs(graph, tree, settings)
        km = tree.km / 1000.0
        share = tree.shares(cost)
        cost_cable = float(cost.sum())
        length, lower = tree.length, tree.lower_bound
        optimal, method = tree.optimal, tree.method
        network = gpd.GeoDataFrame(
            {
                "class": names.astype(str),
                "length_m": tree.edge_length,
                "cost": cost,
                "targets": tree.edge_users,
            },
            geometry=graph.lines(graph.edge_index(tree.edges[:, 0], tree.edges[:, 1])),
            crs=crs,
        )
        network = _merge_pieces(network)
        routes = _routes(found, tree, graph, unreachable)
    reached = ~unreachable
    table = found.copy()
    table["reachable"] = reached
    table["km_to_network"] = np.where(reached, np.round(km, 4), np.nan)
    table["cost_share"] = np.where(reached, share + per_point, np.nan)
    total_cost = cost_cable + per_point * int(reached.sum())
    summary = _summary(prepared, table, length, lower, optimal, method, total_cost, settings)
    summary["roads"] = {"source": source, **report}
    summary["warnings"] = list(warned)
    return FibrePlan(
        summary=summary,
        targets=table,
        network=network,
        routes=routes,
        crs=crs,
        input_crs=prepared.input_crs,
        warnings=warned,
    )


def _merge_pieces(network: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Join the tree's segments into lines, one per road class and number of users."""
    if len(network) == 0:
        return network
    groups = network.groupby(["class", "targets"], sort=True)
    rows = []
    for (cls, users), part in groups:  # a loop over (class, users) groups, a few dozen
        merged = shapely.line_merge(shapely.union_all(part.geometry.to_numpy()))
        rows.append(
            {
                "class": cls,
                "targets": int(users),
                "length_m": float(part["length_m"].sum()),
                "cost": float(part["cost"].sum()),
                "geometry": merged,
            }
        )
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=network.crs)
    return out[["class", "targets", "length_m", "cost", "geometry"]]


def _routes(
    found: gpd.GeoDataFrame, tree: SteinerResult, graph: RoadGraph, unreachable: np.ndarray
) -> gpd.GeoDataFrame:
    """Each reachable target's path to the network, as one line following the roads."""
    edge_of = graph.edge_index(tree.edges[:, 0], tree.edges[:, 1])
    lines = graph.lines(edge_of)
    geoms, keep = [], []
    for i in np.flatnonzero(~unreachable):  # one merge per target: its own path
        path = tree.path_edges(int(i))
        if len(path) == 0:
            continue
        geoms.append(shapely.line_merge(shapely.union_all(lines[path])))
        keep.append(i)
    keep_idx = np.asarray(keep, dtype=np.intp)
    return gpd.GeoDataFrame(
        {
            "id": found["id"].to_numpy()[keep_idx],
            "kind": found["kind"].to_numpy()[keep_idx],
            "km": np.round(tree.km[keep_idx] / 1000.0, 4),
        },
        geometry=geoms,
        crs=found.crs,
    )


def _summary(
    prepared: Prepared,
    table: gpd.GeoDataFrame,
    length: float,
    lower: float,
    optimal: bool,
    method: str,
    total_cost: float,
    settings: Settings,
) -> dict:
    ll = table.geometry.to_crs(4326) if len(table) else table.geometry
    items = []
    for i, row in enumerate(table.itertuples(index=False)):
        items.append(
            {
                "id": str(row.id),
                "kind": str(row.kind),
                "name": None if pd.isna(row.name) else str(row.name),
                "commune_id": None if pd.isna(row.commune_id) else str(row.commune_id),
                "lon": round(float(ll.x.iloc[i]), 6),
                "lat": round(float(ll.y.iloc[i]), 6),
                "km_to_network": None if not row.reachable else float(row.km_to_network),
                "cost_share": None if not row.reachable else round(float(row.cost_share), 2),
            }
        )
    unreachable = [t for t, ok in zip(items, table["reachable"], strict=True) if not ok]
    return {
        "targets": items,
        "targets_total": len(items),
        "targets_by_kind": {
            str(k): int(v) for k, v in table["kind"].value_counts().sort_index().items()
        },
        "targets_connected": int(table["reachable"].sum()),
        "total_km": round(length / 1000.0, 3),
        "lower_bound_km": round(lower / 1000.0, 3),
        "optimal": bool(optimal),
        "method": method,
        "total_cost": round(total_cost, 2),
        "currency": settings.fibre_currency,
        "cost_per_km": {k: float(v) for k, v in settings.fibre_cost_per_km.items()},
        "cost_per_point": float(settings.fibre_cost_per_point),
        "unreachable": unreachable,
    }


__all__ = ["CONNECTOR", "SPUR", "STRAIGHT", "TARGETS", "FibrePlan", "plan_fibre"]
