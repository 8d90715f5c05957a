"""The national benchmark builder (``benchmarks/national.py``) on a tiny northern case."""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely

REPO = Path(__file__).resolve().parents[1]
KW = {"villages": 300, "site_rows": 300, "area_fraction": 0.02, "seed": 0}


def _national():
    """Import ``benchmarks/national.py`` (a script, not a package) by path."""
    if "national" in sys.modules:
        return sys.modules["national"]
    spec = importlib.util.spec_from_file_location("national", REPO / "benchmarks" / "national.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["national"] = module
    spec.loader.exec_module(module)
    return module


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> tuple[Path, dict]:
    """The tiny case: the northernmost province, 300 villages, 300 site rows."""
    out = tmp_path_factory.mktemp("national")
    return out, _national().build(out, **KW)


def test_villages(case):
    out, info = case
    vil = gpd.read_file(out / "villages.gpkg")
    com = gpd.read_file(out / "communes.gpkg")
    assert info["provinces"] == 1
    # every commune gets at least one village, so a few more than asked at most
    assert 300 <= len(vil) <= 300 + len(com)
    assert len(vil) == info["village_count"]
    assert vil["village_id"].is_unique
    assert vil.crs.to_epsg() == com.crs.to_epsg() == 4326
    assert set(vil.geom_type) <= {"Polygon", "MultiPolygon"}
    assert vil.is_valid.all() and not vil.is_empty.any()
    poly = com.set_index("commune_id").geometry.loc[vil["commune_id"]].to_numpy()
    inside = shapely.covers(poly, shapely.point_on_surface(vil.geometry.to_numpy()))
    assert inside.all()
    got = vil.groupby("commune_id")["population"].sum()
    want = com.set_index("commune_id")["population"]
    pd.testing.assert_series_equal(
        got.sort_index(), want.loc[got.index].sort_index(), check_names=False
    )
    assert set(com["commune_id"]) == set(vil["commune_id"])


def test_sites(case):
    out, _ = case
    sites = pd.read_csv(out / "sites.csv")
    assert list(sites.columns) == _national().SITE_COLUMNS
    assert abs(len(sites) - 300) <= 3
    omni = sites["azimuth_deg"].isna()
    assert sites.loc[omni, "beamwidth_deg"].isna().all()
    assert (sites.loc[~omni, "beamwidth_deg"] == 65).all()
    assert set(sites["technology"]) <= {"2G", "3G", "4G"}
    assert sites["height_m"].between(15, 45).all()
    com = gpd.read_file(out / "communes.gpkg")
    w, s, e, n = com.total_bounds
    assert sites["lon"].between(w, e).all() and sites["lat"].between(s, n).all()


def test_dem(case):
    out, _ = case
    com = gpd.read_file(out / "communes.gpkg")
    with rasterio.open(out / "dem.tif") as src:
        assert src.crs.to_epsg() == 4326
        assert src.res == pytest.approx((1 / 1200, 1 / 1200))
        assert src.dtypes[0] == "int16"
        w, s, e, n = com.total_bounds
        b = src.bounds
        # the communes' box + 0.25°, a little more where their UTM box sticks out
        assert w - 0.4 < b.left <= w - 0.25 and e + 0.25 <= b.right < e + 0.4
        assert s - 0.4 < b.bottom <= s - 0.25 and n + 0.25 <= b.top < n + 0.4
        z = src.read(1)
        pts = shapely.get_coordinates(shapely.point_on_surface(com.geometry.to_numpy()))
        land = np.array([v[0] for v in src.sample(pts)])
        corner = z[0, 0]  # 0.25° outside the province: China, not in the case
    assert land.mean() > 100
    assert corner == 0


def test_rebuild_is_identical_and_reused(case, tmp_path):
    out, info = case
    national = _national()
    again = national.build(tmp_path, **KW)
    assert again["village_count"] == info["village_count"]
    for name in ("communes.gpkg", "villages.gpkg", "sites.csv", "dem.tif"):
        assert _md5(tmp_path / name) == _md5(out / name), name
    before = (tmp_path / "dem.tif").stat().st_mtime_ns
    assert national.build(tmp_path, **KW) == again  # reused, not rebuilt
    assert (tmp_path / "dem.tif").stat().st_mtime_ns == before


def test_coverage_check_reads_it(case):
    out, _ = case
    cmd = [
        sys.executable,
        "-m",
        "coverage.cli",
        "check",
        "--villages",
        str(out / "villages.gpkg"),
        "--communes",
        str(out / "communes.gpkg"),
        "--sites",
        str(out / "sites.csv"),
        "--dem",
        str(out / "dem.tif"),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 error(s)" in done.stdout + done.stderr


def test_village_counts():
    n = _national().village_counts(np.array([0, 100, 900, 0]), 10)
    assert n.tolist() == [1, 1, 9, 1]
    n = _national().village_counts(np.array([50, 50, 50]), 10)
    assert n.sum() == 10
