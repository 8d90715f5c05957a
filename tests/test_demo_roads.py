"""The demo's roads-layer builder (data/boundaries/roads.py) on a tiny synthetic DEM."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

ROOT = Path(__file__).resolve().parents[1]
CRS = "EPSG:32648"
CELL = 200.0
RIDGE_TOP = 500.0
PASS_HEIGHT = 100.0
PASS_X = 7000.0


def _load_roads():
    spec = importlib.util.spec_from_file_location("demo_roads", ROOT / "data/boundaries/roads.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


roads_mod = _load_roads()


@pytest.fixture(scope="module")
def dem(tmp_path_factory) -> Path:
    """20 km × 20 km, 100 m: flat 20 m plain with an E–W ridge at y = 5 km, a pass at x = 7 km."""
    res = 100.0
    x = np.arange(-5000, 15000, res) + res / 2
    y = np.arange(15000, -5000, -res) - res / 2
    xx, yy = np.meshgrid(x, y)
    crest = RIDGE_TOP - (RIDGE_TOP - PASS_HEIGHT) * np.exp(-(((xx - PASS_X) / 800.0) ** 2))
    elev = 20.0 + (crest - 20.0) * np.exp(-(((yy - 5000.0) / 600.0) ** 2))
    path = tmp_path_factory.mktemp("dem") / "ridge.tif"
    profile = {
        "driver": "GTiff",
        "dtype": "float32",
        "width": len(x),
        "height": len(y),
        "count": 1,
        "crs": CRS,
        "transform": from_origin(-5000, 15000, res, res),
        "nodata": -32768,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(elev.astype("float32"), 1)
    return path


@pytest.fixture
def road() -> gpd.GeoDataFrame:
    """One E–W road along y = 1 km, south of the ridge."""
    line = shapely.LineString([(0, 1000), (10000, 1000)])
    return gpd.GeoDataFrame({"class": ["national"]}, geometry=[line], crs=CRS)


def _targets(xy, kind="village") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"kind": [kind] * len(xy)}, geometry=shapely.points(xy), crs=CRS)


def _network(targets, road, dem):
    return roads_mod.local_network(targets, road, dem, crs=CRS, cell=CELL)


def test_every_target_within_one_cell_of_a_road(dem, road):
    targets = _targets([(2000, 8000), (9000, 9500), (500, 3000), (4000, 1100)])
    targets.loc[0, "kind"] = "centre"
    net = _network(targets, road, dem)
    everything = shapely.union_all([*net.geometry, *road.geometry])
    dist = shapely.distance(targets.geometry.to_numpy(), everything)
    assert (dist <= CELL * np.sqrt(2)).all()
    assert set(net["class"]) == {"local", "track"}
    assert list(net.columns) == ["class", "name", "ref", "length_m", "geometry"]


def test_path_over_the_ridge_goes_through_the_pass(dem, road):
    net = _network(_targets([(2000, 8000)]), road, dem)
    line = shapely.segmentize(shapely.union_all(net.geometry), 50.0)
    xy = shapely.get_coordinates(line)
    with rasterio.open(dem) as src:
        elev = np.array([v[0] for v in src.sample(xy)])
    # straight over the top would climb to ~500 m; through the pass stays near 100 m
    assert elev.max() < PASS_HEIGHT + 60.0
    assert elev.max() > PASS_HEIGHT - 40.0  # it does cross the ridge


def test_shared_segments_are_not_duplicated(dem, road):
    xy = [(2000, 2000), (2000, 3000), (2000, 4000)]
    together = _network(_targets(xy), road, dem)["length_m"].sum()
    alone = sum(_network(_targets([p]), road, dem)["length_m"].sum() for p in xy)
    assert alone == pytest.approx(6000, rel=0.1)
    assert together < 0.7 * alone
    assert together == pytest.approx(3000, rel=0.15)


def test_deterministic(dem, road):
    targets = _targets([(2000, 8000), (9000, 9500), (500, 3000), (2000, 2000)])
    a = _network(targets, road, dem)
    b = _network(targets, road, dem)
    assert len(a) > 2
    assert list(a.geometry.to_wkb()) == list(b.geometry.to_wkb())


REAL_ROADS = ROOT.parent / "shared" / "realdata" / "roads" / "vn_national_roads.gpkg"


@pytest.mark.skipif(not REAL_ROADS.exists(), reason="shared/realdata not available")
def test_national_roads_near_dong_hoi():
    box = shapely.box(106.55, 17.40, 106.70, 17.55)  # around Đồng Hới
    nat = roads_mod.national_roads(box, path=REAL_ROADS)
    assert nat.crs == "EPSG:4326"
    ql1a = nat[nat["ref"] == "QL1A"]
    assert len(ql1a) and set(ql1a["class"]) == {"national"}
    assert set(nat["class"]) <= {"national", "provincial", "local"}
    assert shapely.union_all(nat.geometry).within(box.buffer(roads_mod.CLIP_BUFFER_DEG + 1e-9))


def test_join_gaps_links_near_pieces_only():
    lines = [
        shapely.LineString([(0, 0), (1000, 0)]),
        shapely.LineString([(1300, 0), (2000, 0)]),  # 300 m gap: joined
        shapely.LineString([(9000, 0), (9500, 0)]),  # 7 km away: left alone
    ]
    roads = gpd.GeoDataFrame({"class": ["national"] * 3}, geometry=lines, crs=CRS)
    links = roads_mod.join_gaps(roads, max_gap=2000.0)
    assert len(links) == 1
    assert links["class"].tolist() == ["local"]
    assert links["length_m"].iloc[0] == pytest.approx(300, abs=3)
    assert links.geometry.iloc[0].intersects(lines[0])
    assert links.geometry.iloc[0].intersects(lines[1])
