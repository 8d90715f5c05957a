"""The demo's drive-test file (data/boundaries/drive_test.csv) and its builder."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.stats import spearmanr

from coverage.datasets import get_path

ROOT = Path(__file__).resolve().parents[1]
BUILDER = ROOT / "data/boundaries/drive_test.py"
FLOOR_DBM = {"3G": -115, "4G": -125}
METRIC_CRS = "EPSG:3405"


@pytest.fixture(scope="module")
def drive() -> pd.DataFrame:
    return pd.read_csv(get_path("drive_test"), dtype={"site_id": str})


@pytest.fixture(scope="module")
def points(drive) -> gpd.GeoSeries:
    xy = gpd.points_from_xy(drive["lon"], drive["lat"], crs="EPSG:4326")
    return gpd.GeoSeries(xy).to_crs(METRIC_CRS)


def test_columns_and_types(drive):
    assert list(drive.columns) == ["lon", "lat", "technology", "level_dbm", "site_id", "time"]
    assert drive["lon"].dtype == float and drive["lat"].dtype == float
    assert drive["level_dbm"].dtype.kind == "i"
    assert set(drive["technology"]) == {"3G", "4G"}
    times = pd.to_datetime(drive["time"], format="ISO8601")
    assert times.dt.tz is not None
    assert times.is_monotonic_increasing
    assert 3000 <= len(drive.drop_duplicates(["lon", "lat", "time"])) <= 7000


@pytest.mark.parametrize("tech", ["3G", "4G"])
def test_levels_between_floor_and_saturation(drive, tech):
    level = drive.loc[drive["technology"] == tech, "level_dbm"]
    assert level.min() >= FLOOR_DBM[tech]
    assert level.max() <= -40


def test_serving_sites_exist_with_their_technology(drive):
    sites = pd.read_csv(get_path("sites"), dtype={"site_id": str})
    known = set(zip(sites["site_id"], sites["technology"], strict=True))
    pairs = set(zip(drive["site_id"], drive["technology"], strict=True))
    assert pairs <= known


def test_points_lie_on_roads(points):
    roads = gpd.read_file(get_path("roads")).to_crs(METRIC_CRS)
    tree = shapely.STRtree(roads.geometry.to_numpy())
    _, dist = tree.query_nearest(points.to_numpy(), return_distance=True, all_matches=False)
    assert dist.max() < 50.0


def test_points_spread_over_the_province(points):
    x, y = points.x.to_numpy(), points.y.to_numpy()
    # every quarter of the province's extent, north-south and west-east, is driven
    for values in (x, y):
        edges = np.linspace(values.min(), values.max(), 5)
        counts = np.histogram(values, bins=edges)[0]
        assert counts.min() > 0.1 * len(values) / 4


def test_time_increases_along_each_route(drive, points):
    # a route is a run of points 100 m apart, logged 9 s apart at 40 km/h
    one = drive.drop_duplicates(["lon", "lat", "time"])
    xy = points[one.index]
    step = xy.distance(xy.shift(-1)).to_numpy()[:-1]
    times = pd.to_datetime(one["time"], format="ISO8601")
    seconds = (times - times.iloc[0]).dt.total_seconds().to_numpy()
    gap = np.diff(seconds)
    same_route = step < 150.0
    assert same_route.mean() > 0.9
    assert (gap[same_route] > 0).all()
    assert np.median(gap[same_route]) == 9


def test_level_falls_with_distance_to_the_serving_site(drive, points):
    sites = pd.read_csv(get_path("sites"), dtype={"site_id": str}).drop_duplicates("site_id")
    where = gpd.GeoSeries(
        gpd.points_from_xy(sites["lon"], sites["lat"], crs="EPSG:4326"), index=sites["site_id"]
    ).to_crs(METRIC_CRS)
    serving = where.loc[drive["site_id"]].to_numpy()
    distance = shapely.distance(points.to_numpy(), serving)
    for tech in ("3G", "4G"):
        rows = (drive["technology"] == tech).to_numpy()
        rho = spearmanr(distance[rows], drive["level_dbm"].to_numpy()[rows]).statistic
        assert rho < -0.3


@pytest.mark.skipif(not BUILDER.exists(), reason="the builder ships with the source only")
def test_builder_is_deterministic(tmp_path):
    spec = importlib.util.spec_from_file_location("demo_drive_test", BUILDER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "drive_test.csv"
    module.build(out)
    assert out.read_bytes() == get_path("drive_test").read_bytes()
