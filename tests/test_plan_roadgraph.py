"""The road graph: splits, snapping, duplicates, spurs, attachment, routes on the roads."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString, MultiLineString, Point

from coverage._errors import InputError
from coverage.plan.roadgraph import attach, attach_lines, build_graph
from coverage.plan.steiner import steiner_tree

CRS = "EPSG:32648"


def _roads(*lines, cls=None):
    return gpd.GeoDataFrame({"class": cls or ["local"] * len(lines)}, geometry=list(lines), crs=CRS)


def _node(graph, x, y):
    d = np.hypot(graph.xy[:, 0] - x, graph.xy[:, 1] - y)
    assert d.min() < 1e-6, f"no node at ({x}, {y})"
    return int(np.argmin(d))


def _distance(graph, a, b):
    return float(dijkstra(graph.adjacency(), indices=a)[b])


def test_t_junction_is_split():
    graph = build_graph(
        _roads(LineString([(0, 0), (100, 0)]), LineString([(40, 0), (40, 30)])),
        snap_m=0.0,
        spur_max_m=0.0,
    )
    assert (graph.n_nodes, graph.n_edges) == (4, 3)
    assert _distance(graph, _node(graph, 0, 0), _node(graph, 40, 30)) == pytest.approx(70.0)
    assert _distance(graph, _node(graph, 100, 0), _node(graph, 40, 30)) == pytest.approx(90.0)


def test_x_crossing_is_split():
    graph = build_graph(
        _roads(LineString([(0, 0), (100, 100)]), LineString([(0, 100), (100, 0)])),
        snap_m=0.0,
        spur_max_m=0.0,
    )
    assert (graph.n_nodes, graph.n_edges) == (5, 4)
    d = _distance(graph, _node(graph, 0, 0), _node(graph, 0, 100))
    assert d == pytest.approx(2 * np.hypot(50, 50))
    assert graph.report.components == 1


@pytest.mark.parametrize(("snap", "components"), [(1.0, 1), (0.2, 2)])
def test_near_touching_ends(snap, components):
    roads = _roads(LineString([(0, 0), (100, 0)]), LineString([(100.5, 0), (200, 0)]))
    graph = build_graph(roads, snap_m=snap, spur_max_m=0.0)
    assert graph.report.components_after == components
    if components == 1:
        # the merged node keeps one of the two original ends: (100, 0)
        assert _distance(graph, _node(graph, 0, 0), _node(graph, 200, 0)) == pytest.approx(200)


@pytest.mark.parametrize(("snap", "components"), [(1.0, 1), (0.3, 2)])
def test_dangling_end_near_a_segment(snap, components):
    roads = _roads(LineString([(0, 0), (100, 0)]), LineString([(50, 0.5), (50, 50)]))
    graph = build_graph(roads, snap_m=snap, spur_max_m=0.0)
    assert graph.report.components_after == components
    if components == 1:
        d = _distance(graph, _node(graph, 0, 0), _node(graph, 50, 50))
        assert d == pytest.approx(np.hypot(50, 0.5) + 49.5)


@pytest.mark.parametrize(("spur_max", "spurs"), [(60.0, 1), (40.0, 0)])
def test_fragment_joined_by_spur(spur_max, spurs):
    roads = _roads(LineString([(0, 0), (100, 0)]), LineString([(130, 40), (200, 40)]))
    graph = build_graph(roads, snap_m=1.0, spur_max_m=spur_max)
    report = graph.report
    assert report.components == 2 and report.fragment_nodes == 2
    assert report.spurs == spurs
    assert report.components_after == 2 - spurs
    if spurs:
        assert report.spur_length_m == pytest.approx(50.0)  # (100,0)-(130,40)
        spur = graph.cls == graph.classes.index("spur")
        assert graph.length[spur].tolist() == pytest.approx([50.0])


def test_spurs_chain_like_kruskal():
    # three fragments in a row, 30 m apart: two spurs, not three
    roads = _roads(
        LineString([(0, 0), (100, 0)]),
        LineString([(130, 0), (230, 0)]),
        LineString([(260, 0), (300, 0)]),
    )
    graph = build_graph(roads, snap_m=1.0, spur_max_m=35.0)
    assert graph.report.spurs == 2
    assert graph.report.spur_length_m == pytest.approx(60.0)
    assert graph.report.components_after == 1


def test_messy_layer_multilines_duplicates_empties():
    roads = gpd.GeoDataFrame(
        {"class": ["national", "local", "local", "local", "track", "local"]},
        geometry=[
            MultiLineString([[(0, 0), (100, 0)], [(50, -50), (50, 50)]]),
            LineString([(0, 0), (100, 0)]),  # duplicate of the first part
            None,
            LineString(),
            Point(5, 5),
            LineString([(20, 0), (60, 0)]),  # overlaps the first part
        ],
        crs=CRS,
    )
    graph = build_graph(roads, snap_m=0.5, spur_max_m=0.0)
    report = graph.report
    assert (report.skipped_empty, report.skipped_type) == (2, 1)
    assert report.duplicates > 0
    # the overlapping pieces are one edge each: 100 m along x plus 100 m along y
    assert graph.length.sum() == pytest.approx(200.0)
    assert graph.n_nodes == 7  # (0,0) (20,0) (50,0) (60,0) (100,0) (50,-50) (50,50)
    assert _distance(graph, _node(graph, 0, 0), _node(graph, 50, 50)) == pytest.approx(100)
    assert set(graph.classes) >= {"national", "local", "track"}


def test_bad_layers():
    empty = gpd.GeoDataFrame({"class": ["a"]}, geometry=[Point(0, 0)], crs=CRS)
    with pytest.raises(InputError, match=r"roads\.gpkg: row 0: no usable road line"):
        build_graph(empty, snap_m=1, spur_max_m=1, source="roads.gpkg")
    geographic = _roads(LineString([(105, 17), (106, 17)])).set_crs(4326, allow_override=True)
    with pytest.raises(InputError, match="geographic"):
        build_graph(geographic, snap_m=1, spur_max_m=1)
    with pytest.raises(InputError, match="column 'kind'"):
        build_graph(
            _roads(LineString([(0, 0), (1, 0)])), snap_m=1, spur_max_m=1, class_column="kind"
        )
    graph = build_graph(
        _roads(LineString([(0, 0), (1, 0)])), snap_m=1, spur_max_m=1, class_column=None
    )
    assert graph.classes == ("road",)


def test_attach_splits_edges_at_projections():
    graph = build_graph(_roads(LineString([(0, 0), (100, 0)])), snap_m=1, spur_max_m=0)
    points = np.array([[30, 10], [70, -5], [30, 20], [0, -3], [50, 0], [50, 900]])
    out = attach(graph, points, max_distance_m=500)
    assert out.distance_m.tolist() == pytest.approx([10, 5, 20, 3, 0, 900])
    assert out.nodes[-1] == -1
    g = out.graph
    road = g.cls != g.classes.index("connector")
    assert g.length[road].sum() == pytest.approx(100.0)
    assert sorted(g.length[road].tolist()) == pytest.approx([20, 20, 30, 30])
    assert g.length[~road].sum() == pytest.approx(38.0)
    # the point on the road is its own node; others are joined through their projection
    assert np.allclose(g.xy[out.nodes[4]], [50, 0])
    d = dijkstra(g.adjacency(), indices=out.nodes[0])
    assert d[out.nodes[2]] == pytest.approx(30.0)  # both project onto (30, 0)
    assert d[out.nodes[1]] == pytest.approx(10 + 40 + 5)
    assert d[_node(g, 0, 0)] == pytest.approx(40.0)


def test_attach_geoseries_and_lines():
    graph = build_graph(_roads(LineString([(0, 0), (100, 0)])), snap_m=1, spur_max_m=0)
    pts = gpd.GeoSeries([Point(10, 4)], crs=CRS)
    out = attach(graph, pts)
    assert out.distance_m.tolist() == pytest.approx([4.0])
    # (12, 3) is 2 m from the connector of (10, 4) but joins the road, 3 m away
    again = attach(out.graph, np.array([[12.0, 3.0]]))
    assert again.distance_m.tolist() == pytest.approx([3.0])
    fibre = gpd.GeoSeries([LineString([(60, 2), (100, 2)])], crs=CRS)
    lines = attach_lines(out.graph, fibre, spacing_m=10.0)
    assert len(lines.nodes) == 5 and lines.distance_m == pytest.approx(np.full(5, 2.0))
    result = steiner_tree(lines.graph.adjacency(), out.nodes, lines.nodes)
    assert result.length == pytest.approx(4 + 50 + 2)


def test_routes_lie_on_the_roads():
    rng = np.random.default_rng(3)
    lines = [LineString([(0, y), (500, y + 20)]) for y in range(0, 500, 100)]
    lines += [LineString([(x, -10), (x + 30, 520)]) for x in range(0, 500, 120)]
    roads = _roads(*lines)
    graph = build_graph(roads, snap_m=1.0, spur_max_m=50.0)
    points = rng.uniform(0, 480, (12, 2))
    out = attach(graph, points)
    result = steiner_tree(out.graph.adjacency(), out.nodes[1:], out.nodes[:1])
    assert len(result.unreachable) == 0
    g = out.graph
    edges = g.edge_index(result.edges[:, 0], result.edges[:, 1])
    assert (edges >= 0).all()
    on_road = g.cls[edges] != g.classes.index("connector")
    union = shapely.union_all(roads.geometry.values)
    coords = g.segments(edges[on_road]).reshape(-1, 2)
    assert shapely.distance(union, shapely.points(coords)).max() < 1e-6
    # connectors end at the attached points
    ends = g.segments(edges[~on_road]).reshape(-1, 2)
    assert all(np.isclose(ends, p).all(axis=1).any() for p in points)
