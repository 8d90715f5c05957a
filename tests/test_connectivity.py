import math

import geopandas as gpd
import pytest
import shapely

from coverage import CoverageWarning, Settings
from coverage.connectivity import fibre_connectivity
from coverage.layers import Layers
from coverage.pipeline import run


def points(values, xs):
    return gpd.GeoDataFrame(
        {"fibre": values}, geometry=[shapely.Point(x, 0) for x in xs], crs=32648
    )


NET = gpd.GeoDataFrame(
    geometry=[shapely.Point(0, 0), shapely.LineString([(1000, -50), (2000, -50)])], crs=32648
)


def test_attribute_wins_over_distance():
    pts = points([False, True, None, None, None], [0, 5000, 400, 1500, 3000])
    out = fibre_connectivity(pts, NET, attribute="fibre", max_distance=500)
    assert out["connected"].tolist() == [False, True, True, True, False]
    assert out["decided_by"].tolist() == [
        "attribute",
        "attribute",
        "distance",
        "distance",
        "distance",
    ]
    # beyond the route end the nearest point is its end (2000, -50)
    expected = [0, math.hypot(3000, 50), 400, 50, math.hypot(1000, 50)]
    assert out["fibre_distance_m"].tolist() == pytest.approx(expected)


def test_boundary_distance_counts():
    out = fibre_connectivity(points([None], [500]), NET, attribute="fibre", max_distance=500)
    assert out["connected"].tolist() == [True]


def test_without_fibre_layer_blank_is_not_connected_with_warning():
    with pytest.warns(CoverageWarning, match="no fibre layer"):
        out = fibre_connectivity(
            points([None, True], [0, 0]), None, attribute="fibre", max_distance=500
        )
    assert out["connected"].tolist() == [False, True]
    assert out["decided_by"].tolist() == ["no data", "attribute"]


def test_tiny_centres_and_postal(tiny):
    # C1 blank, node 300 m away -> yes; C2 explicit "no".
    # P1 blank, node 200 m -> yes; P2 blank, route 800 m -> no at 500 m; P3 "yes".
    result = run(Layers(**tiny), model="range")
    s = result.summary
    assert (s["commune_centres_total"], s["commune_centres_fibre"]) == (2, 1)
    assert s["commune_centres_decided_by"] == {"attribute": 1, "distance": 1}
    assert (s["postal_points_total"], s["postal_points_broadband"]) == (3, 2)
    wider = run(Layers(**tiny), settings=Settings(fibre_distance_m=1000), model="range").summary
    assert wider["postal_points_broadband"] == 3
    assert wider["postal_broadband_share"] == 1.0


def test_missing_centres_fall_back_with_warning(tiny):
    tiny.pop("centres")
    result = run(Layers(**tiny), model="range")
    assert result.summary["commune_centres_total"] == 2
    assert result.summary["commune_centres_source"] == {"representative point": 2}
    assert any("representative point" in w for w in result.warnings)
