"""RasterPrediction's zonal statistics: overlapping polygons each get all their pixels,
the layers are computed once per polygon set."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine
from rasterio import features

from coverage.models.raster import RasterPrediction

RES = 10.0
SHAPE = (60, 80)
TRANSFORM = Affine(RES, 0, 0, 0, -RES, SHAPE[0] * RES)


def prediction(values: np.ndarray) -> RasterPrediction:
    return RasterPrediction(
        best={"2G": values.astype(np.float32)},
        count={"2G": np.zeros(SHAPE, np.uint16)},
        thresholds={"2G": -95.0},
        transform=TRANSFORM,
        crs=gpd.GeoSeries(crs=32648).crs,
    )


def polygons() -> np.ndarray:
    """Nested, overlapping, edge-sharing, separate and multi-part polygons."""
    return np.array(
        [
            shapely.box(0, 0, 400, 300),
            shapely.box(100, 100, 200, 200),  # inside the first
            shapely.box(150, 150, 300, 250),  # overlaps both
            shapely.box(300, 250, 500, 400),  # shares a corner with the third
            shapely.box(500, 0, 700, 200),  # shares an edge with the next
            shapely.box(700, 0, 800, 200),
            shapely.Point(250, 450).buffer(80),  # overlaps the fourth
            shapely.MultiPolygon([shapely.box(20, 420, 60, 460), shapely.box(520, 420, 560, 460)]),
        ]
    )


def alone(polygon, values: np.ndarray) -> tuple[float, float, float]:
    """Pixel count, sum and max of ``values`` over the polygon rasterised on its own."""
    mask = features.rasterize([(polygon, 1)], out_shape=SHAPE, transform=TRANSFORM) > 0
    v = values[mask]
    return float(mask.sum()), float(v.sum()), float(v.max()) if v.size else -np.inf


def test_overlapping_polygons_get_all_their_pixels():
    rng = np.random.default_rng(2)
    values = rng.normal(-90.0, 10.0, SHAPE)
    polys = polygons()
    pred = prediction(values)
    total, acc = pred._zonal(polys, values, "sum")
    _, top = pred._zonal(polys, values, "max")
    for i, poly in enumerate(polys):
        n, s, m = alone(poly, values.astype(np.float32).astype(float))
        assert total[i] == n
        assert acc[i] == pytest.approx(s, rel=1e-5)
        assert top[i] == pytest.approx(m, rel=1e-6)
    layers = pred._layers(polys)
    assert sorted(np.concatenate(layers).tolist()) == list(range(len(polys)))
    assert len(layers) == 3  # 0 < 1 < 2 all overlap each other; the rest fits in two


def test_layers_are_computed_once_per_polygon_set(monkeypatch):
    values = np.zeros(SHAPE)
    polys = polygons()
    pred = prediction(values)
    calls = []
    rasterize = pred._ids
    monkeypatch.setattr(pred, "_ids", lambda p: calls.append(len(p)) or rasterize(p))
    first = pred.area_share(polys, ["2G"])
    again = pred.area_share(np.array(list(polys), dtype=object), ["2G"])  # same objects
    assert np.array_equal(first, again, equal_nan=True)
    n = len(calls)
    pred.max_signal(polys, ["2G"])
    assert len(calls) == n  # reused
    pred.area_share(polys[:4], ["2G"])
    assert len(calls) > n  # another set: rasterised again
