import math

import numpy as np
import pytest
import shapely

from coverage.overlay import covered_share, covered_share_raster, points_covered

SQUARE = shapely.box(0, 0, 2, 2)


@pytest.mark.parametrize(
    ("footprints", "expected"),
    [
        ([shapely.box(-1, -1, 1, 3)], 0.5),  # left half
        ([shapely.box(-1, -1, 1, 3), shapely.box(0, -1, 1.5, 3)], 0.75),  # overlap counted once
        ([shapely.box(-1, -1, 1, 3), shapely.box(1, -1, 3, 3)], 1.0),  # two halves make all
        ([shapely.box(-5, -5, 5, 5)], 1.0),  # village within one footprint
        ([shapely.box(5, 5, 6, 6)], 0.0),  # disjoint
        ([shapely.box(2, 0, 3, 2)], 0.0),  # touching edge only
        ([shapely.box(0.5, 0.5, 1.5, 1.5)], 0.25),  # nested inside the village
        ([], 0.0),
    ],
)
def test_covered_share_hand_cases(footprints, expected):
    share = covered_share(np.array([SQUARE]), np.array(footprints, dtype=object))
    assert share.tolist() == pytest.approx([expected])


def test_covered_share_many_villages_threads_agree():
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 1000, (400, 2))
    villages = shapely.box(xy[:, 0], xy[:, 1], xy[:, 0] + 30, xy[:, 1] + 30)
    discs = shapely.buffer(shapely.points(rng.uniform(0, 1000, (60, 2))), 60.0)
    one = covered_share(villages, discs, n_jobs=1)
    two = covered_share(villages, discs, n_jobs=2)
    assert np.array_equal(one, two)
    # independent check: exact overlay of each village with the union of all discs
    union = shapely.union_all(discs)
    direct = shapely.area(shapely.intersection(villages, union)) / shapely.area(villages)
    assert one == pytest.approx(direct, abs=1e-9)


def test_raster_share_approximates_exact():
    disc = shapely.Point(0, 0).buffer(1000, quad_segs=64)
    village = shapely.box(0, -1000, 2000, 1000)  # half the disc: (pi r^2 / 2) / (4 r^2) = pi/8
    share = covered_share_raster(np.array([village]), np.array([disc]), resolution=10)
    assert share[0] == pytest.approx(math.pi / 8, abs=0.01)


def test_points_covered_edges_count():
    disc = shapely.box(0, 0, 1, 1)
    pts = np.array([shapely.Point(0.5, 0.5), shapely.Point(1, 0.5), shapely.Point(2, 2)])
    assert points_covered(pts, np.array([disc])).tolist() == [True, True, False]
