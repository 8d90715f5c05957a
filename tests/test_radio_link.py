"""What a terrain profile shows (coverage.radio.link.profile_geometry), on hand-built profiles.

Convention (as in coverage.radio.pathloss): each ground height is raised by the earth bulge
b(d) = d (D - d) / (2 k R), R = 6,371,000 m, and the direct ray is the straight line from
ground + 30 m at the site to ground + 1.5 m at the receiver. With D = 10 km and k = 4/3,
2 k R = 16,989,333.3 m.
"""

from __future__ import annotations

import numpy as np
import pytest

from coverage.radio.link import PROFILE_KINDS, profile_geometry
from coverage.radio.pathloss import line_of_sight

D = 10_000.0
TWO_K_R = 2 * (4 / 3) * 6_371_000.0
D_STEP = np.linspace(0.0, D, 101)  # a sample every 100 m


def bulge(d: float) -> float:
    return d * (D - d) / TWO_K_R


def ray(d: float, tx: float = 30.0, rx: float = 1.5) -> float:
    return tx + (rx - tx) * d / D


def test_flat_ground_is_line_of_sight_with_the_clearance_of_the_ray():
    g = profile_geometry(D_STEP, np.zeros_like(D_STEP), 30.0, 1.5)
    assert g.shows == "line of sight"
    assert g.horizon_distance_m is None
    # the smallest clearance is the interior sample nearest the receiver (d = 9,900 m):
    # the ray is 30 - 28.5 * 0.99 = 1.785 m above ground, the bulge 0.05827 m
    assert g.obstruction_distance_m == 9_900.0
    assert g.obstruction_m == pytest.approx(-(1.785 - 0.0582718), abs=1e-6)
    assert g.obstruction_m == pytest.approx(bulge(9_900.0) - ray(9_900.0), abs=1e-9)


def test_flat_ground_without_curvature_clears_by_the_interpolated_heights():
    g = profile_geometry(D_STEP, np.zeros_like(D_STEP), 30.0, 30.0, k=1e12)
    # both antennas 30 m up: the ray is 30 m above the ground everywhere
    assert g.shows == "line of sight"
    assert g.obstruction_m == pytest.approx(-30.0, abs=1e-6)


def test_one_ridge_is_one_horizon_at_the_ridge():
    # a 100 m knife edge at 4 km
    e = np.where(D_STEP == 4_000.0, 100.0, 0.0)
    g = profile_geometry(D_STEP, e, 30.0, 1.5)
    assert g.shows == "one horizon"
    # by hand: 100 + 4000 * 6000 / 16,989,333.3 (1.41265) - (30 - 28.5 * 0.4) (18.6)
    assert g.obstruction_m == pytest.approx(100 + 1.41265 - 18.6, abs=1e-4)
    assert g.obstruction_m == pytest.approx(100 + bulge(4_000.0) - ray(4_000.0), abs=1e-9)
    assert g.obstruction_distance_m == 4_000.0
    assert g.horizon_distance_m == (4_000.0, 6_000.0)


def test_two_ridges_are_two_horizons():
    # 80 m at 3 km and 120 m at 7 km: each antenna's horizon is the nearer ridge
    e = np.zeros_like(D_STEP)
    e[D_STEP == 3_000.0] = 80.0
    e[D_STEP == 7_000.0] = 120.0
    g = profile_geometry(D_STEP, e, 30.0, 1.5)
    assert g.shows == "two horizons"
    assert g.horizon_distance_m == (3_000.0, 3_000.0)
    # the higher one above the ray: 120 + 1.23609 - (30 - 28.5 * 0.7) (10.05)
    assert g.obstruction_m == pytest.approx(120 + 1.23609 - 10.05, abs=1e-4)
    assert g.obstruction_distance_m == 7_000.0


def test_a_ridge_hidden_behind_another_is_not_a_horizon():
    # a 300 m ridge at 3 km hides a 50 m one at 7 km from both ends: one horizon
    e = np.zeros_like(D_STEP)
    e[D_STEP == 3_000.0] = 300.0
    e[D_STEP == 7_000.0] = 50.0
    g = profile_geometry(D_STEP, e, 30.0, 1.5)
    assert g.shows == "one horizon"
    assert g.horizon_distance_m == (3_000.0, 7_000.0)


def test_a_ridge_below_the_ray_leaves_line_of_sight():
    # no curvature, both antennas 30 m up; 15 m at 2 km: 15 m of clearance there
    e = np.where(D_STEP == 2_000.0, 15.0, 0.0)
    g = profile_geometry(D_STEP, e, 30.0, 30.0, k=1e12)
    assert g.shows == "line of sight"
    assert g.obstruction_m == pytest.approx(15.0 - 30.0, abs=1e-6)
    assert g.obstruction_distance_m == 2_000.0
    # with the bulge (0.94 m at 2 km, 1.47 m at mid-path), the ridge is still the highest
    g = profile_geometry(D_STEP, e, 30.0, 30.0)
    assert g.obstruction_m == pytest.approx(15.0 + bulge(2_000.0) - 30.0, abs=1e-9)


def test_earth_curvature_can_make_the_horizon():
    # flat ground, 5 m antennas, 20 km: the bulge at mid-path (5.9 m at k = 4/3) tops the ray
    d = np.linspace(0.0, 20_000.0, 201)
    g = profile_geometry(d, np.zeros_like(d), 5.0, 5.0)
    assert g.shows != "line of sight"
    assert g.obstruction_m == pytest.approx(10_000.0**2 / TWO_K_R - 5.0, abs=1e-9)
    assert profile_geometry(d, np.zeros_like(d), 5.0, 5.0, k=1e12).shows == "line of sight"


@pytest.mark.parametrize("seed", range(5))
def test_obstruction_is_minus_the_clearance_of_line_of_sight(seed):
    rng = np.random.default_rng(seed)
    e = np.cumsum(rng.normal(0, 8, D_STEP.size))
    g = profile_geometry(D_STEP, e, 30.0, 1.5, k=1.2)
    los = line_of_sight(D_STEP, e, 30.0, 1.5, 900.0, k=1.2)
    assert g.obstruction_m == pytest.approx(-los.min_clearance_m, abs=1e-9)
    assert (g.shows == "line of sight") == los.clear
    assert g.shows in PROFILE_KINDS


def test_no_samples_between_the_ends():
    g = profile_geometry(np.array([0.0, 50.0]), np.array([10.0, 12.0]), 30.0, 1.5)
    assert g.shows == "line of sight"
    assert g.obstruction_m is None and g.horizon_distance_m is None
    assert g.to_dict() == {
        "shows": "line of sight",
        "obstruction_above_ray_m": None,
        "obstruction_distance_m": None,
        "horizon_distance_m": None,
    }
