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


def test_footprints_on_some_pixels_equal_the_whole_ones_there():
    """site_footprints with ``keep`` computes only those pixels (windows cut to their box):
    the result is the whole footprint's pixels where ``keep`` holds, on the demo's DEM."""
    import geopandas as gpd

    from coverage import datasets
    from coverage.io import read_layer
    from coverage.models.raster import site_footprints
    from coverage.models.terrain import grid_and_kernel
    from coverage.settings import Settings

    settings = Settings(dem=(str(datasets.get_path("dem")),))
    sites = read_layer(datasets.get_path("sites"), "sites").frame.to_crs(32648)
    sites = sites[sites["site_id"].isin(sites["site_id"].unique()[:6])]
    sites = gpd.GeoDataFrame(sites, geometry="geometry", crs=32648)
    xmin, ymin, xmax, ymax = sites.total_bounds
    area = (xmin - 5000, ymin - 5000, xmax + 5000, ymax + 5000)
    grid, kernel = grid_and_kernel("terrain", sites, settings=settings, area=area)
    rng = np.random.default_rng(3)
    keep = np.zeros(grid.shape, dtype=bool)
    cols, rows = ~grid.transform * (sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy())
    for r, c in zip(rows.astype(int), cols.astype(int), strict=True):
        # a box 1-3 km from each mast, like the open pixels of a village nearby
        dr, dc = rng.integers(-60, 60, 2)
        r0, c0 = max(r + dr, 0), max(c + dc, 0)
        keep[r0 : r0 + 40, c0 : c0 + 30] = True
    keep = keep.ravel()
    techs = ("3G", "4G")
    whole = site_footprints(sites, grid, settings=settings, kernel=kernel, technologies=techs)
    some = site_footprints(
        sites, grid, settings=settings, kernel=kernel, technologies=techs, keep=keep
    )
    assert set(some) == set(whole)
    for site_id, flat in whole.items():
        np.testing.assert_array_equal(some[site_id], flat[keep[flat]])
    assert sum(len(v) for v in some.values()) > 0
