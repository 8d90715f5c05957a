"""The village rule on the tiny fixture, against shares derived by hand (see conftest)."""

import pytest

from coverage import Settings
from coverage.layers import Layers
from coverage.pipeline import run

from .conftest import POLY_TOL, V1_4G, V2_4G, V3_3G


def shares(result, column):
    return dict(zip(result.villages["village_id"], result.villages[column], strict=True))


def test_area_shares_per_technology(tiny):
    result = run(Layers(**tiny), model="range")
    assert shares(result, "share_4g") == pytest.approx(
        {"V1": V1_4G, "V2": V2_4G, "V3": 0, "V4": 0}, rel=POLY_TOL
    )
    assert shares(result, "share_3g") == pytest.approx(
        {"V1": 0, "V2": 0, "V3": V3_3G, "V4": 0}, rel=POLY_TOL
    )
    # 2G: disc r=5000 at x=7000 holds V3 and V4 entirely (farthest corner 3,162 m away)
    assert shares(result, "share_2g")["V3"] == 1.0
    assert shares(result, "share_2g")["V4"] == 1.0
    assert shares(result, "share_2g")["V1"] == 0.0  # touches V1 at one point only
    # headline 3G/4G = union of 3G and 4G footprints
    assert shares(result, "covered_share") == pytest.approx(
        {"V1": V1_4G, "V2": V2_4G, "V3": V3_3G, "V4": 0}, rel=POLY_TOL
    )


@pytest.mark.parametrize(
    ("threshold", "covered"),
    [(0.5, ["V1"]), (0.24, ["V1", "V2"]), (0.15, ["V1", "V2", "V3"]), (0.96, [])],
)
def test_area_rule_threshold(tiny, threshold, covered):
    result = run(Layers(**tiny), settings=Settings(threshold=threshold), model="range")
    flags = shares(result, "covered")
    assert sorted(v for v, c in flags.items() if c) == covered
    assert result.summary["villages_covered"] == len(covered)
    assert result.summary["village_coverage_share"] == len(covered) / 4


def test_centroid_rule(tiny):
    # V1's centre (1000,1000) is 1000 m from S1 (r 2000); V2's (3000,1000) is 900 m from the
    # sector apex (r 800); V3's is S2 itself; V4's has only 2G.
    result = run(Layers(**tiny), settings=Settings(rule="centroid"), model="range")
    assert shares(result, "covered") == {"V1": True, "V2": False, "V3": True, "V4": False}
    assert result.summary["village_coverage_share"] == 0.5
    assert result.summary["rule"] == {"name": "centroid", "threshold": 0.5}


def test_population_rule(tiny):
    result = run(Layers(**tiny), settings=Settings(rule="population"), model="range")
    expected = (100 * V1_4G + 200 * V2_4G + 300 * V3_3G) / 1000
    assert result.summary["village_coverage_share"] == pytest.approx(expected, rel=POLY_TOL)
    assert result.summary["villages_covered"] == 1  # flags still use the area threshold
    assert result.summary["population_total"] == 1000


def test_by_technology_and_per_commune(tiny):
    result = run(Layers(**tiny), model="range")
    by_tech = result.summary["village_coverage_by_technology"]
    assert by_tech == {"2G": 0.75, "3G": 0.0, "4G": 0.25, "5G": 0.0}
    communes = result.communes.set_index("commune_id")
    assert communes.loc["C1", "villages_covered"] == 1
    assert communes.loc["C2", "villages_covered"] == 0
    assert communes.loc["C1", "coverage_share"] == 0.5
    assert communes.loc["C2", "villages_2g"] == 2
    assert result.districts.set_index("district").loc["Huyện A", "villages"] == 4


def test_inputs_are_not_modified(tiny):
    """A GeoDataFrame given through the API comes back untouched."""
    import geopandas as gpd

    villages = gpd.read_file(tiny["villages"])
    before = villages.copy()
    result = run(Layers(**{**tiny, "villages": villages}), model="range")
    assert villages.equals(before)
    assert "covered" not in villages.columns
    assert result.summary["inputs"]["villages"] == "<villages GeoDataFrame>"
