"""data/boundaries/real_communes.py: 2024 Quảng Bình communes from the 2009 polygons.

The module is a build-time tool (not in the wheel); it reads ../shared/realdata, which CI has.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "real_communes", ROOT / "data" / "boundaries" / "real_communes.py"
)
rc = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("real_communes", rc)  # dataclasses look their module up
_spec.loader.exec_module(rc)

REF = rc.DEFAULT_SHARED / "admin" / "qb_communes_pre2025.csv"


@pytest.fixture(scope="module")
def build():
    return rc.build_communes()


@pytest.fixture(scope="module")
def ref():
    return pd.read_csv(REF)


def test_every_2024_code_present_once(build, ref):
    codes = build.communes["code_2024"]
    assert codes.is_unique
    assert sorted(codes) == sorted(ref["ward_code"])
    assert len(codes) == rc.N_COMMUNES
    assert build.problems == ()


def test_every_2009_polygon_used_once(build):
    polys = build.polygons
    assert len(polys) == rc.N_POLYGONS
    assert polys["census_commune_id"].is_unique
    assert (polys["code_2024"] > 0).all()
    assert build.communes["n_polygons_2009"].sum() == rc.N_POLYGONS
    listed = "; ".join(build.communes["communes_2009"]).split("; ")
    assert sorted(listed) == sorted(polys["commune"])


def test_areas_add_up(build):
    ours = build.communes["area_km2"].sum()
    union = rc.geodesic_km2(gpd.GeoSeries([build.polygons.union_all()], crs=rc.WGS84))[0]
    raw = rc.geodesic_km2(build.polygons.geometry).sum()
    # the communes tile the union of the 159 polygons exactly ...
    assert ours == pytest.approx(union, rel=1e-4)
    # ... which is the raw sum less the 16 km² of thinning overlaps (README: 0.2 %)
    assert ours == pytest.approx(raw, rel=2.5e-3)


def test_communes_valid_and_disjoint(build):
    geoms = build.communes.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    assert set(build.communes.geom_type) <= {"Polygon", "MultiPolygon"}
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    a, b = geoms[left[keep]], geoms[right[keep]]
    shared = shapely.area(shapely.intersection(a, b))
    smaller = np.minimum(shapely.area(a), shapely.area(b))
    assert (shared < 1e-3 * smaller).all()


def test_districts(build, ref):
    d = build.districts
    assert sorted(d["district_code"]) == sorted(ref["district_code"].unique())
    assert len(d) == 8
    assert d["n_communes"].sum() == rc.N_COMMUNES
    assert shapely.is_valid(d.geometry.to_numpy()).all()
    assert d["area_km2"].sum() == pytest.approx(build.communes["area_km2"].sum(), rel=1e-4)
    assert (d["diff_pct"].abs() < 5).all()


def test_population_preserved(build):
    c, p = build.communes, build.polygons
    assert c["population_2009"].sum() == p["population_2009"].sum() == 797_849
    assert c["population_scaled"].sum() == rc.POPULATION_TARGET
    d = build.districts.set_index("district_code")["population_scaled"]
    assert d.sum() == rc.POPULATION_TARGET
    for code, pop in rc.DISTRICT_POPULATION_2019.items():
        assert d[code] == pop


def test_rules_cover_the_none_polygons(build):
    none = build.polygons.loc[build.polygons["match_method"] == "none", "commune"]
    assert sorted(none) == sorted(r.name_2009 for r in rc.RULES)
    flagged = build.polygons.loc[build.polygons["flagged"], "commune"]
    assert sorted(flagged) == sorted(r.name_2009 for r in rc.RULES if r.code is None)
    assert len(build.guesses) == len(flagged)


def test_undecided_rule_is_flagged_guess(monkeypatch):
    rules = tuple(
        rc.Rule(r.name_2009, None, "guess", "test") if r.name_2009 == "Xã Nam Hóa" else r
        for r in rc.RULES
    )
    monkeypatch.setattr(rc, "RULES", rules)
    build = rc.build_communes()
    flagged = build.polygons[build.polygons["flagged"]]
    assert flagged["commune"].tolist() == ["Xã Nam Hóa"]
    # the longest shared border picks Sơn Hóa; NQ 862 says Thạch Hóa: hence the flag
    assert flagged["code_2024"].tolist() == [18973]
    assert len(build.guesses) == 1 and build.guesses[0].startswith("GUESS Xã Nam Hóa")
    assert "GUESS Xã Nam Hóa" in rc.summary(build)


def test_rule_target_must_be_adjacent(monkeypatch, capsys):
    rules = tuple(
        rc.Rule(r.name_2009, 19321, "resolution", "test") if r.name_2009 == "Xã Nam Hóa" else r
        for r in rc.RULES
    )
    monkeypatch.setattr(rc, "RULES", rules)
    assert rc.main(["--check"]) == 1
    assert "rule target not adjacent: Xã Nam Hóa → 19321" in capsys.readouterr().out


def test_reprojects_to_vn2000(build):
    vn = build.communes.to_crs(rc.VN2000)
    assert shapely.is_valid(vn.geometry.to_numpy()).all()
    assert vn.area.sum() / 1e6 == pytest.approx(build.communes["area_km2"].sum(), rel=5e-3)


def test_deterministic(build):
    again = rc.build_communes()
    assert list(again.communes.geometry.to_wkb()) == list(build.communes.geometry.to_wkb())
    assert list(again.districts.geometry.to_wkb()) == list(build.districts.geometry.to_wkb())
    pd.testing.assert_frame_equal(
        again.communes.drop(columns="geometry"), build.communes.drop(columns="geometry")
    )


def test_check_exit_code(capsys):
    assert rc.main(["--check"]) == 0
    out = capsys.readouterr().out
    assert "145 / 145" in out
    assert "Flagged guesses: none" in out
    assert "Problems: none" in out


def test_the_2025_units_the_old_communes_fed(build):
    """41 of Quảng Trị's 78 units of 2025 lie in former Quảng Bình (realdata README); each
    is the dissolve of the 2024 communes mapped to it, nothing lost or counted twice."""
    new = rc.communes_2025(build.communes)
    assert len(new) == 41 and new["code_2025"].is_unique
    assert new["name"].notna().all() and set(new["province"]) == {"Tỉnh Quảng Trị"}
    old = [int(c) for codes in new["codes_2024"] for c in codes.split("; ")]
    assert sorted(old) == sorted(build.communes["code_2024"].tolist())
    assert new["population_scaled"].sum() == pytest.approx(
        build.communes["population_scaled"].sum()
    )
    assert new["area_km2"].sum() == pytest.approx(build.communes["area_km2"].sum(), rel=1e-4)
    # the measured areas follow the official ones (a few units differ: see the note)
    ratio = (new["area_km2"] / new["official_area_km2"]).dropna()
    assert abs(float(np.median(ratio)) - 1) < 0.02
