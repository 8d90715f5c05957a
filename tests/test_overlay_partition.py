"""A village's share depends only on the footprints touching it (issue 18).

The partitioned pipeline measures villages in chunks with the footprints near each
chunk; it needs the same floats, bit for bit, as one run over everything. The
one-pass measurement of all technology groups must also equal the old per-group
overlay.
"""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from coverage.metrics import village_coverage
from coverage.models.base import FootprintPrediction
from coverage.overlay import covered_share, covered_shares, points_covered, points_covered_groups
from coverage.settings import TECHNOLOGIES, Settings

CRS = "EPSG:32648"


def _villages(rng, n, side=4000.0):
    """Squares and discs of varied size, some overlapping, some far from everything."""
    xy = rng.uniform(0, side, (n, 2))
    size = rng.uniform(20, 300, n)
    squares = shapely.box(xy[:, 0], xy[:, 1], xy[:, 0] + size, xy[:, 1] + size)
    discs = shapely.buffer(shapely.points(xy), size / 2, quad_segs=6)
    return np.where(rng.random(n) < 0.5, squares, discs)


def _footprints(rng, n, side=4000.0):
    """Discs, squares and sector wedges."""
    xy = rng.uniform(0, side, (n, 2))
    r = rng.uniform(100, 700, n)
    kind = rng.integers(0, 3, n)
    discs = shapely.buffer(shapely.points(xy), r, quad_segs=8)
    squares = shapely.box(xy[:, 0] - r, xy[:, 1] - r, xy[:, 0] + r, xy[:, 1] + r)
    azimuth = rng.uniform(0, 360, n)
    wedges = np.array([_wedge(x, y, rr, a) for (x, y), rr, a in zip(xy, r, azimuth, strict=True)])
    return np.select([kind == 0, kind == 1], [discs, squares], wedges)


def _wedge(x, y, r, azimuth, width=65.0, steps=16):
    a = np.radians(90 - azimuth + np.linspace(-width / 2, width / 2, steps))
    ring = np.column_stack([np.r_[x, x + r * np.cos(a), x], np.r_[y, y + r * np.sin(a), y]])
    return shapely.Polygon(ring)


def _touching(villages, footprints):
    """Indices (input order) of the footprints touching any of ``villages``."""
    if len(villages) == 0:
        return np.empty(0, dtype=int)
    _, fi = shapely.STRtree(footprints).query(villages, predicate="intersects")
    return np.unique(fi)


def _fsub(rng, footprints, villages):
    """Footprints touching ``villages`` plus random others, in input order."""
    touch = _touching(villages, footprints)
    extra = np.flatnonzero(rng.random(len(footprints)) < 0.3)
    return np.union1d(touch, extra)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_covered_share_of_a_subset_is_bit_identical(seed, n_jobs):
    rng = np.random.default_rng(seed)
    villages = _villages(rng, 600)
    footprints = _footprints(rng, 150)
    whole = covered_share(villages, footprints, n_jobs=n_jobs)
    assert (whole > 0).any() and (whole == 1).any() and (whole == 0).any()
    for _ in range(4):
        sub = np.sort(rng.choice(len(villages), rng.integers(1, 200), replace=False))
        fsub = _fsub(rng, footprints, villages[sub])
        part = covered_share(villages[sub], footprints[fsub], n_jobs=3 - n_jobs)
        assert np.array_equal(part, whole[sub])


@pytest.mark.parametrize("seed", [3, 4])
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_area_shares_of_a_subset_is_bit_identical(seed, n_jobs):
    rng = np.random.default_rng(seed)
    villages = _villages(rng, 500)
    layers = {t: _footprints(rng, 60) for t in TECHNOLOGIES}
    groups = {"a": ("2G",), "b": ("3G", "4G"), "c": ("5G", "2G", "4G")}
    whole = covered_shares(villages, layers, groups, n_jobs=n_jobs)
    for _ in range(4):
        sub = np.sort(rng.choice(len(villages), rng.integers(1, 150), replace=False))
        part_layers = {t: f[_fsub(rng, f, villages[sub])] for t, f in layers.items()}
        part = covered_shares(villages[sub], part_layers, groups, n_jobs=3 - n_jobs)
        for key in groups:
            assert np.array_equal(part[key], whole[key][sub]), key


def _sites_and_prediction(rng, n_per_tech):
    footprints = {t: _footprints(rng, n_per_tech) for t in TECHNOLOGIES}
    return footprints, FootprintPrediction(footprints)


def _village_frame(geoms):
    return gpd.GeoDataFrame(
        {"village_id": [f"V{i}" for i in range(len(geoms))]}, geometry=geoms, crs=CRS
    )


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_village_coverage_of_a_subset_is_bit_identical(n_jobs):
    rng = np.random.default_rng(5)
    geoms = _villages(rng, 400)
    geoms[::17] = shapely.points(rng.uniform(0, 4000, (len(geoms[::17]), 2)))  # point villages
    footprints, pred = _sites_and_prediction(rng, 50)
    settings = Settings(n_jobs=n_jobs)
    whole = village_coverage(_village_frame(geoms), pred, settings=settings)
    cols = [c for c in whole.columns if c.startswith(("share_", "covered"))]
    for _ in range(3):
        sub = np.sort(rng.choice(len(geoms), rng.integers(1, 120), replace=False))
        part_pred = FootprintPrediction(
            {t: f[_fsub(rng, f, geoms[sub])] for t, f in footprints.items()}
        )
        part = village_coverage(
            _village_frame(geoms[sub]), part_pred, settings=Settings(n_jobs=3 - n_jobs)
        )
        for col in cols:
            assert np.array_equal(part[col].to_numpy(), whole[col].to_numpy()[sub]), col


def _old_village_coverage(villages, prediction, settings):
    """The per-group path before issue 18: one area_share and point_covered per group."""
    geoms = villages.geometry.to_numpy()
    is_point = shapely.get_type_id(geoms) == 0
    probe = shapely.point_on_surface(geoms)
    groups = {t.lower(): (t,) for t in TECHNOLOGIES}
    groups["headline"] = tuple(settings.headline_technologies)
    out = {}
    for key, techs in groups.items():
        share = np.zeros(len(geoms))
        if (~is_point).any():
            share[~is_point] = prediction.area_share(geoms[~is_point], techs)
        at_point = prediction.point_covered(probe, techs)
        share[is_point] = at_point[is_point]
        out[key] = (share, at_point)
    return out


@pytest.mark.parametrize("seed", [6, 7, 8])
@pytest.mark.parametrize("rule", ["area", "centroid"])
def test_one_pass_equals_the_per_group_overlay(seed, rule):
    rng = np.random.default_rng(seed)
    geoms = _villages(rng, 300)
    # a village far inside one big disc, villages touching nothing, multipolygons, points
    geoms[0] = shapely.box(1000, 1000, 1010, 1010)
    geoms[1] = shapely.box(90_000, 90_000, 90_100, 90_100)
    geoms[2] = shapely.MultiPolygon(
        [shapely.box(0, 0, 300, 300), shapely.box(900, 900, 1200, 1300)]
    )
    geoms[3] = shapely.MultiPolygon([shapely.box(50_000, 0, 50_010, 10), shapely.box(5, 5, 90, 90)])
    geoms[4:40:6] = shapely.points(rng.uniform(0, 4000, (len(geoms[4:40:6]), 2)))
    footprints, _ = _sites_and_prediction(rng, 40)
    footprints["4G"] = np.concatenate([footprints["4G"], [shapely.Point(1005, 1005).buffer(500)]])
    footprints["5G"] = footprints["5G"][:0]  # a technology without footprints
    pred = FootprintPrediction(footprints)
    settings = Settings(rule=rule, threshold=0.5)
    new = village_coverage(_village_frame(geoms), pred, settings=settings)
    old = _old_village_coverage(_village_frame(geoms), pred, settings)
    assert new["covered_share"].iloc[0] == 1.0 and new["covered_share"].iloc[1] == 0.0
    for key, (share, at_point) in old.items():
        got = new["covered_share" if key == "headline" else f"share_{key}"].to_numpy()
        np.testing.assert_allclose(got, share, rtol=0, atol=1e-12)
        flag = new["covered" if key == "headline" else f"covered_{key}"].to_numpy()
        expected = at_point if rule == "centroid" else share >= 0.5 - 1e-9
        assert np.array_equal(flag, expected), key


def test_covered_shares_group_equals_covered_share_of_the_concatenation():
    rng = np.random.default_rng(9)
    villages = _villages(rng, 400)
    layers = {t: _footprints(rng, 50) for t in ("3G", "4G", "2G")}
    groups = {"all": ("2G", "3G", "4G"), "34": ("3G", "4G"), "none": ("6G",)}
    got = covered_shares(villages, layers, groups, n_jobs=2)
    for key, techs in groups.items():
        parts = [layers[t] for t in techs if t in layers]
        fps = np.concatenate(parts) if parts else np.empty(0, dtype=object)
        np.testing.assert_allclose(got[key], covered_share(villages, fps), rtol=0, atol=1e-12)
    assert not got["none"].any()


def test_points_covered_groups_equals_points_covered_edges_included():
    rng = np.random.default_rng(10)
    layers = {t: _footprints(rng, 40) for t in ("3G", "4G")}
    layers["3G"] = np.concatenate([layers["3G"], [shapely.box(9000, 0, 9010, 10)]])
    edge = [shapely.Point(9010, 5), shapely.Point(9000, 0), shapely.Point(9011, 5)]
    points = np.concatenate([shapely.points(rng.uniform(0, 4000, (500, 2))), edge])
    groups = {"3g": ("3G",), "4g": ("4G",), "headline": ("3G", "4G"), "none": ()}
    got = points_covered_groups(points, layers, groups)
    for key, techs in groups.items():
        parts = [layers[t] for t in techs]
        fps = np.concatenate(parts) if parts else np.empty(0, dtype=object)
        assert np.array_equal(got[key], points_covered(points, fps)), key
    assert got["3g"][-3:].tolist() == [True, True, False]
