"""``coverage plan fibre`` on a hand-checked province and on the demo.

The hand case (UTM 48N, km from X0, Y0): a road runs east from the existing fibre node F
at (0, 0) to (10, 0), then north to (10, 5). The centre C1 (no fibre) lies 100 m north of
the road's end, at (10, 5.1); the postal point P2 (no broadband) 300 m north of the road
at (5, 0.3); the postal point P1 (no broadband) 200 m from an island road at (14, 3), 1 km
long and 3.5 km from the others, farther than any spur (1 km). The centre C2 lies 100 m
from F (fibre within 500 m).

So the targets are C1, P2 and P1; P1 is unreachable. The shortest network is the whole
road (15 km) plus the two connectors (0.1 + 0.3 km) = 15.4 km: C1's path is 15.1 km, P2's
5.3 km; the first 5 km are shared, so C1's share is 2.5 + 10.1 = 12.6 km and P2's
2.5 + 0.3 = 2.8 km, at USD 15,850 per km.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from scipy.sparse.csgraph import minimum_spanning_tree

from coverage import Layers, compute
from coverage.cli.main import cli
from coverage.plan.fibre import plan_fibre
from coverage.settings import Settings

CRS = "EPSG:32648"
X0, Y0 = 600_000.0, 1_900_000.0
RATE = 15850.0


def pt(x: float, y: float) -> shapely.Point:
    return shapely.Point(X0 + 1000 * x, Y0 + 1000 * y)


def line(*xy: tuple[float, float]) -> shapely.LineString:
    return shapely.LineString([(X0 + 1000 * x, Y0 + 1000 * y) for x, y in xy])


VILLAGES = gpd.GeoDataFrame(
    {"village_id": ["v1"], "commune_id": ["X1"]},
    geometry=[shapely.box(X0 + 1000, Y0 + 1000, X0 + 2000, Y0 + 2000)],
    crs=CRS,
)
COMMUNES = gpd.GeoDataFrame(
    {"commune_id": ["X1", "X2"], "name": ["Xã Một", "Xã Hai"]},
    geometry=[
        shapely.box(X0 + 500, Y0 - 1000, X0 + 12_000, Y0 + 6000),
        shapely.box(X0 - 1000, Y0 - 1000, X0 + 500, Y0 + 6000),
    ],
    crs=CRS,
)
CENTRES = gpd.GeoDataFrame(
    {"commune_id": ["X1", "X2"], "name": ["UBND Xã Một", "UBND Xã Hai"]},
    geometry=[pt(10, 5.1), pt(0, 0.1)],
    crs=CRS,
)
POSTAL = gpd.GeoDataFrame(
    {"point_id": ["P1", "P2"], "name": ["Đảo", "Bưu điện"], "broadband": ["no", "no"]},
    geometry=[pt(14, 3.2), pt(5, 0.3)],
    crs=CRS,
)
FIBRE = gpd.GeoDataFrame({"node_id": ["F"]}, geometry=[pt(0, 0)], crs=CRS)
ROADS = gpd.GeoDataFrame(
    {"class": ["local", "local", "track"]},
    geometry=[line((0, 0), (10, 0)), line((10, 0), (10, 5)), line((13.5, 3), (14.5, 3))],
    crs=CRS,
)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("fibre")
    paths = {}
    for name, frame in (
        ("villages", VILLAGES),
        ("communes", COMMUNES),
        ("centres", CENTRES),
        ("postal", POSTAL),
        ("fibre", FIBRE),
        ("roads", ROADS),
    ):
        paths[name] = d / f"{name}.gpkg"
        frame.to_file(paths[name])
    return paths


def base_args(files: dict) -> list[str]:
    args = ["-q"]
    for name in ("villages", "communes", "centres", "postal", "fibre"):
        args += [f"--{name}", str(files[name])]
    return args


def test_hand_case_through_the_cli(files, tmp_path):
    out = tmp_path / "plan"
    args = ["plan", "fibre", *base_args(files), "--roads", str(files["roads"])]
    result = CliRunner().invoke(cli, [*args, "--json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    s = json.loads(result.stdout)
    assert {"targets", "total_km", "total_cost", "lower_bound_km", "unreachable"} <= set(s)
    by_id = {t["id"]: t for t in s["targets"]}
    assert set(by_id) == {"X1", "P1", "P2"}  # C2 is within 500 m of the fibre
    assert by_id["X1"]["kind"] == "centre" and by_id["P2"]["kind"] == "postal"
    assert s["total_km"] == pytest.approx(15.4, abs=1e-6)
    assert by_id["X1"]["km_to_network"] == pytest.approx(15.1, abs=1e-4)
    assert by_id["P2"]["km_to_network"] == pytest.approx(5.3, abs=1e-4)
    assert by_id["X1"]["cost_share"] == pytest.approx(12.6 * RATE, abs=0.01)
    assert by_id["P2"]["cost_share"] == pytest.approx(2.8 * RATE, abs=0.01)
    assert s["total_cost"] == pytest.approx(15.4 * RATE, abs=0.01)
    assert [t["id"] for t in s["unreachable"]] == ["P1"]
    assert by_id["P1"]["km_to_network"] is None
    # two targets, a small graph: solved exactly, and the bound meets it
    assert s["optimal"] and s["lower_bound_km"] == pytest.approx(15.4, abs=1e-6)
    for f in ("fibre.gpkg", "fibre_routes.csv", "fibre_targets.csv", "fibre_plan.json"):
        assert (out / f).is_file()
    network = gpd.read_file(out / "fibre.gpkg", layer="fibre_network")
    assert network["length_m"].sum() == pytest.approx(15_400, abs=1e-3)
    # the cable lies on the roads but for the two connectors
    on_road = network.loc[network["class"] != "connector"]
    assert on_road.geometry.difference(ROADS.union_all().buffer(0.01)).length.sum() < 1e-6
    routes = pd.read_csv(out / "fibre_routes.csv")
    assert sorted(routes["id"]) == ["P2", "X1"] and routes["wkt"].str.startswith("LINESTRING").all()


def test_text_output_lists_the_unreachable(files):
    args = ["plan", "fibre", *base_args(files), "--roads", str(files["roads"])]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "15.4 km" in result.stdout and "Unreachable by road (1): Đảo" in result.stdout


def test_targets_option_and_backhaul_sites(files, tmp_path):
    sites = tmp_path / "proposed.csv"
    lon, lat = gpd.GeoSeries([pt(10, 2)], crs=CRS).to_crs(4326).iloc[0].coords[0]
    sites.write_text(f"site_id,technology,lon,lat\nS1,4G,{lon},{lat}\n", encoding="utf-8")
    args = ["plan", "fibre", *base_args(files), "--roads", str(files["roads"]), "--json"]
    s = json.loads(CliRunner().invoke(cli, [*args, "--targets", "centres"]).stdout)
    assert [t["id"] for t in s["targets"]] == ["X1"]
    assert s["total_km"] == pytest.approx(15.1, abs=1e-6)
    s = json.loads(CliRunner().invoke(cli, [*args, "--sites", str(sites)]).stdout)
    by_id = {t["id"]: t for t in s["targets"]}
    assert by_id["S1"]["kind"] == "site"
    # S1 lies on the north road, 2 km up it: its path is 12 km, the network unchanged
    assert by_id["S1"]["km_to_network"] == pytest.approx(12.0, abs=1e-3)
    assert s["total_km"] == pytest.approx(15.4, abs=1e-3)


def test_without_roads_straight_lines_times_the_detour(files):
    layers = Layers(
        villages=files["villages"],
        communes=files["communes"],
        centres=files["centres"],
        postal=files["postal"],
        fibre=(files["fibre"],),
    )
    with pytest.warns(UserWarning, match="no road layer"):
        plan = plan_fibre(layers, settings=Settings(fibre_detour_factor=1.3))
    s = plan.summary
    # independently: the MST of the targets and the fibre node, straight distances x 1.3
    xy = np.array([[10, 5.1], [14, 3.2], [5, 0.3], [0, 0]]) * 1000
    d = np.linalg.norm(xy[:, None] - xy[None], axis=2)
    expected = minimum_spanning_tree(d).sum() * 1.3 / 1000
    assert s["total_km"] == pytest.approx(expected, abs=1e-3)  # the JSON rounds to metres
    assert s["unreachable"] == [] and s["roads"]["mode"] == "straight lines"


def test_road_layer_without_crs_is_refused(files, tmp_path):
    bare = tmp_path / "roads_nocrs.gpkg"
    with pytest.warns(UserWarning, match="crs"):
        ROADS.set_crs(None, allow_override=True).to_file(bare)
    args = ["plan", "fibre", *base_args(files), "--roads", str(bare)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "roads_nocrs.gpkg" in result.output and "CRS" in result.output


def test_messy_roads_are_repaired(files, tmp_path):
    # the road drawn as a multi-line with a 3 m gap at the corner and a duplicated piece
    messy = gpd.GeoDataFrame(
        {"highway": ["tertiary", "tertiary", "track"]},
        geometry=[
            shapely.MultiLineString([line((0, 0), (5, 0)), line((5, 0), (10, 0))]),
            shapely.LineString([(X0 + 10_000, Y0 + 3), (X0 + 10_000, Y0 + 5000)]),
            line((0, 0), (5, 0)),
        ],
        crs=CRS,
    )
    path = tmp_path / "messy.geojson"
    messy.to_crs(4326).to_file(path)
    args = ["plan", "fibre", *base_args(files), "--roads", str(path), "--json"]
    result = CliRunner().invoke(cli, [*args, "--targets", "centres"])
    assert result.exit_code == 0, result.output
    s = json.loads(result.stdout)
    assert s["roads"]["snapped_vertices"] + s["roads"]["splits"] >= 1
    # 10 km east, 3 m across the mended gap, 4.997 km north, 0.1 km connector
    assert s["total_km"] == pytest.approx(15.1, abs=0.01)


def osm_xml(ways: list[tuple[str, str, list[tuple[float, float]]]]) -> str:
    """An OSM XML file of ways (key, value, km points), nodes in WGS 84."""
    ll = gpd.GeoSeries([pt(x, y) for _, _, xy in ways for x, y in xy], crs=CRS).to_crs(4326)
    nodes, body, k = [], [], 0
    for w, (key, value, xy) in enumerate(ways, start=1):
        refs = []
        for _ in xy:
            k += 1
            p = ll.iloc[k - 1]
            nodes.append(f'<node id="{k}" lat="{p.y:.8f}" lon="{p.x:.8f}" version="1"/>')
            refs.append(f'<nd ref="{k}"/>')
        tag = f'<tag k="{key}" v="{value}"/>'
        body.append(f'<way id="{100 + w}" version="1">{"".join(refs)}{tag}</way>')
    return '<?xml version="1.0"?>\n<osm version="0.6">\n' + "\n".join(nodes + body) + "\n</osm>\n"


def test_osm_roads_and_not_its_rivers(files, tmp_path):
    # the road as in the hand case; a river straight from the fibre to C1 is no road
    path = tmp_path / "roads.osm"
    path.write_text(
        osm_xml(
            [
                ("highway", "tertiary", [(0, 0), (10, 0), (10, 5)]),
                ("waterway", "river", [(0, 0), (10, 5.1)]),
            ]
        ),
        encoding="utf-8",
    )
    args = ["plan", "fibre", *base_args(files), "--roads", str(path), "--json"]
    result = CliRunner().invoke(cli, [*args, "--targets", "centres"])
    assert result.exit_code == 0, result.output
    s = json.loads(result.stdout)
    assert s["roads"]["features"] == 1
    assert s["total_km"] == pytest.approx(15.1, abs=0.01)


@pytest.fixture(scope="module")
def demo_plan():
    return plan_fibre(Layers.demo())


def test_demo_targets_are_those_compute_leaves_without_fibre(demo_plan):
    result = compute(Layers.demo(), model="range")
    centres = result.centres.loc[~result.centres["connected"].astype(bool)]
    postal = result.postal.loc[~result.postal["connected"].astype(bool)]
    kinds = demo_plan.summary["targets_by_kind"]
    assert kinds == {"centre": len(centres), "postal": len(postal)}
    assert set(demo_plan.targets.loc[demo_plan.targets["kind"] == "centre", "id"]) == set(
        centres["commune_id"].astype(str)
    )


def test_demo_plan_adds_up(demo_plan):
    s = demo_plan.summary
    assert s["targets_connected"] == s["targets_total"] > 0
    assert 0 < s["lower_bound_km"] <= s["total_km"]
    shares = sum(t["cost_share"] for t in s["targets"])
    assert shares == pytest.approx(s["total_cost"], rel=1e-6)
    assert demo_plan.network["length_m"].sum() / 1000 == pytest.approx(s["total_km"], abs=1e-3)
    # every target's own path is at most the whole network, at least its straight distance
    # to the nearest fibre
    km = demo_plan.targets["km_to_network"].to_numpy()
    assert np.all(km <= s["total_km"] + 1e-9)
