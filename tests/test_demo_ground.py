"""The demo province on real ground: real communes, census population, roads, 2025 units.

The figures checked here are published ones (official district areas, the 2019 census total,
the 2025 crosswalk in ../shared/realdata), or follow from the files themselves (tiling).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from coverage import datasets

from .test_real_communes import REF, rc

CRS = "EPSG:32648"


@pytest.fixture(scope="module")
def communes():
    return gpd.read_file(datasets.get_path("communes")).to_crs(CRS)


@pytest.fixture(scope="module")
def villages():
    return gpd.read_file(datasets.get_path("villages")).to_crs(CRS)


def test_communes_are_the_145_of_the_gso_list(communes):
    ref = pd.read_csv(REF, dtype=str)
    assert sorted(communes["commune_id"]) == sorted(ref["ward_code"])
    names = dict(zip(ref["ward_code"], ref["ward_name"], strict=True))
    assert all(names[c] == n for c, n in zip(communes["commune_id"], communes["name"], strict=True))


def test_district_areas_are_close_to_the_official_ones(communes):
    area = (
        communes.to_crs("EPSG:6933")
        .groupby("district_id")
        .geometry.apply(lambda g: g.area.sum() / 1e6)
    )  # equal-area CRS
    for code, (official, _source) in rc.OFFICIAL_DISTRICT_KM2.items():
        assert area[str(code)] == pytest.approx(official, rel=0.025), code


def test_villages_tile_their_communes(communes, villages):
    by_commune = villages.dissolve("commune_id").geometry
    for _, c in communes.iterrows():
        v = by_commune[c["commune_id"]]
        # the GeoPackages' round trips (WGS 84, VN-2000) leave millimetre slivers
        assert shapely.area(shapely.symmetric_difference(v, c.geometry)) < 1e-5 * c.geometry.area
    # no two villages overlap: the areas add up to the union's
    assert villages.area.sum() == pytest.approx(villages.union_all().area, rel=1e-6)


def test_population_is_the_2019_census_total_shared_by_commune(villages):
    assert villages["population"].sum() == 895_430  # 2019 census, Quảng Bình
    assert (villages["population"] > 0).all()
    scaled = rc.build_communes().communes.set_index("code_2024")["population_scaled"]
    per = villages.groupby("commune_id")["population"].sum()
    assert all(per[str(code)] == value for code, value in scaled.items())


def test_roads_reach_every_village_and_centre(villages):
    roads = gpd.read_file(datasets.get_path("roads")).to_crs(CRS)
    assert set(roads["class"]) <= {"national", "provincial", "local", "track"}
    national = roads.loc[roads["class"] == "national"]
    assert national.length.sum() > 400_000  # QL1A, QL12A, QL9B, Hồ Chí Minh road, …
    network = roads.union_all()
    # a track ends inside every village, or a road passes within one cell (250 m) of the
    # point the builder aimed at
    assert shapely.distance(villages.geometry.to_numpy(), network).max() < 250.0
    centres = gpd.read_file(datasets.get_path("centres")).to_crs(CRS)
    assert shapely.distance(centres.geometry.to_numpy(), network).max() < 250.0


def test_communes_2025_follow_the_crosswalk(communes):
    new = gpd.read_file(datasets.get_path("communes_2025")).to_crs(CRS)
    mapping = pd.read_csv(rc.DEFAULT_SHARED / "admin" / "commune_mapping_2025_qb_qt.csv", dtype=str)
    mapping = mapping[mapping["old_ward_code"].isin(communes["commune_id"])]
    assert sorted(new["commune_id"]) == sorted(mapping["new_ward_code"].unique())
    assert set(new["province"]) == {"Tỉnh Quảng Trị"}
    # each new unit is exactly the union of the old communes the crosswalk sends to it
    old = communes.set_index("commune_id").geometry
    for _, unit in new.iterrows():
        members = mapping.loc[mapping["new_ward_code"] == unit["commune_id"], "old_ward_code"]
        assert sorted(unit["communes_2024"].split("; ")) == sorted(members)
        union = shapely.union_all(old[members.to_numpy()].to_numpy())
        assert shapely.area(shapely.symmetric_difference(union, unit.geometry)) < 1e-4 * union.area
    assert np.isclose(new.area.sum(), communes.area.sum(), rtol=1e-4)
