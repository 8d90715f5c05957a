"""The run's one metric CRS, chosen in one place, and layers brought into it."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from coverage import ConfigError
from coverage.layers import Layer
from coverage.projection import choose_metric_crs, to_crs


def test_utm_zone_of_the_villages():
    quang_binh = gpd.GeoDataFrame(geometry=[shapely.Point(106.6, 17.5)], crs=4326)
    assert choose_metric_crs(quang_binh).to_epsg() == 32648
    hanoi_west = gpd.GeoDataFrame(geometry=[shapely.Point(101.5, 21.5)], crs=4326)
    assert choose_metric_crs(hanoi_west).to_epsg() == 32647


def test_a_given_crs_must_be_metric():
    g = gpd.GeoDataFrame(geometry=[shapely.Point(106.6, 17.5)], crs=4326)
    assert choose_metric_crs(g, "EPSG:3405").to_epsg() == 3405  # VN-2000 / UTM 48N
    with pytest.raises(ConfigError, match="not a projected CRS in metres"):
        choose_metric_crs(g, "EPSG:4326")
    with pytest.raises(ConfigError, match="unknown CRS"):
        choose_metric_crs(g, "EPSG:999999")


def test_to_crs_keeps_rows_labels_and_values():
    frame = gpd.GeoDataFrame(
        {"village_id": ["a", "b"]},
        geometry=[shapely.Point(106.6, 17.5), shapely.Point(106.61, 17.5)],
        crs=4326,
    )
    layer = Layer("villages", frame, "v.gpkg", np.array(["1 (village_id=a)", "2 (village_id=b)"]))
    out = to_crs(layer, choose_metric_crs(frame))
    assert out.labels.tolist() == layer.labels.tolist() and out.source == "v.gpkg"
    # 0.01 degree of longitude at 17.5 N is 1,061 m (111,320 m x cos 17.5)
    dx = out.frame.geometry.x.diff().iloc[1]
    assert dx == pytest.approx(111_320 * np.cos(np.radians(17.5)) * 0.01, rel=2e-3)
    assert to_crs(out, out.frame.crs) is out  # already there: the same layer
