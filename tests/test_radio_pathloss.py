"""Path-loss models against values worked out by hand from the published formulas.

Logs are base 10. Common terms used below:
log10(900) = 2.954243, log10(869) = 2.939020, log10(1800) = 3.255273, log10(30) = 1.477121.
"""

import math

import numpy as np
import pytest

from coverage.radio import pathloss as pl

C = 299_792_458.0
LAMBDA_900 = C / 900e6  # 0.333103 m
F_LAMBDA_THIRD = 3 * C / 1e6  # 899.377 MHz, the frequency with λ = 1/3 m exactly


# ----------------------------------------------------------------- free space & basics


def test_free_space_1km_900mhz():
    # 4π·1000·9e8 / c = 1.130973e13 / 2.997925e8 = 37724.9 ; 20·log10(37724.9) = 91.533 dB
    # (the textbook form: 20·log10(1) + 20·log10(900) + 32.45 = 0 + 59.085 + 32.45 = 91.535)
    assert pl.free_space(1000, 900) == pytest.approx(91.533, abs=0.001)


@pytest.mark.parametrize(
    ("d_m", "f_mhz"), [(1000, 900), (10_000, 1800), (250, 2600), (35_000, 700)]
)
def test_free_space_matches_p525_shorthand(d_m, f_mhz):
    # P.525: 32.45 + 20 log d_km + 20 log f_MHz; the exact constant is 32.4478
    shorthand = 32.45 + 20 * math.log10(d_m / 1000) + 20 * math.log10(f_mhz)
    assert pl.free_space(d_m, f_mhz) == pytest.approx(shorthand, abs=0.003)


def test_free_space_broadcasts():
    out = pl.free_space(np.array([1000.0, 2000.0, 4000.0]), 900)
    assert out.shape == (3,)
    # doubling the distance adds 20·log10(2) = 6.0206 dB
    assert np.diff(out) == pytest.approx([6.0206, 6.0206], abs=1e-4)


def test_wavelength():
    assert pl.wavelength(C / 1e6) == pytest.approx(1.0)  # f = c / (1 m)
    assert pl.wavelength(900) == pytest.approx(0.333103, abs=1e-6)


@pytest.mark.parametrize(
    ("k", "expected"),
    [
        # 10000·10000 / (2·(4/3)·6371000) = 1e8 / 16989333 = 5.8860 m
        (4 / 3, 5.8860),
        # 1e8 / (2·6371000) = 7.8481 m
        (1.0, 7.8481),
        (math.inf, 0.0),
    ],
)
def test_earth_bulge_mid_20km(k, expected):
    assert pl.earth_bulge(10_000, 10_000, k=k) == pytest.approx(expected, abs=1e-4)


def test_earth_bulge_rejects_bad_k():
    with pytest.raises(ValueError, match="k must be > 0"):
        pl.earth_bulge(1000, 1000, k=0)


# ------------------------------------------------------------------------------ Hata


def test_hata_urban_medium_900mhz_1km():
    # a(1.5) = (1.1·2.954243 - 0.7)·1.5 - (1.56·2.954243 - 0.8) = 3.824501 - 3.808619 = 0.015882
    # L = 69.55 + 26.16·2.954243 - 13.82·1.477121 - 0.015882 + (...)·log10(1)
    #   = 69.55 + 77.282997 - 20.413815 - 0.015882 = 126.4033 dB
    assert pl.okumura_hata(1000, 900, 30, 1.5) == pytest.approx(126.4033, abs=1e-3)


def test_hata_869mhz_2km_hm1():
    # a(1) = (1.1·2.939020 - 0.7) - (1.56·2.939020 - 0.8) = 2.532922 - 3.784871 = -1.251949
    # L = 69.55 + 26.16·2.939020 - 20.413815 + 1.251949 + (44.9 - 6.55·1.477121)·log10(2)
    #   = 69.55 + 76.884763 - 20.413815 + 1.251949 + 35.224857·0.301030 = 137.8766 dB
    assert pl.okumura_hata(2000, 869, 30, 1) == pytest.approx(137.8766, abs=1e-3)


@pytest.mark.parametrize(
    ("f_mhz", "hm", "a_hm"),
    [
        # f >= 300: 3.2·[log10(11.75·5)]² - 4.97 = 3.2·1.769008² - 4.97 = 5.0440
        (900, 5.0, 5.0440),
        # f < 300: 8.29·[log10(1.54·5)]² - 1.1 = 8.29·0.886491² - 1.1 = 5.4148
        (200, 5.0, 5.4148),
    ],
)
def test_hata_large_city_correction(f_mhz, hm, a_hm):
    # at d = 1 km, L = 69.55 + 26.16 log f - 13.82 log 30 - a(hm)
    expected = 69.55 + 26.16 * math.log10(f_mhz) - 13.82 * 1.477121 - a_hm
    got = pl.okumura_hata(1000, f_mhz, 30, hm, city="large")
    assert got == pytest.approx(expected, abs=1e-3)
    # at 900 MHz: 69.55 + 77.282997 - 20.413815 - 5.044044 = 121.3751 dB
    if f_mhz == 900:
        assert got == pytest.approx(121.3751, abs=1e-3)


def test_hata_small_city_is_medium_city():
    assert pl.okumura_hata(3000, 900, 40, 2, city="small") == pl.okumura_hata(
        3000, 900, 40, 2, city="medium"
    )


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        # suburban: -2·[log10(900/28)]² - 5.4 = -2·1.507084² - 5.4 = -9.942606
        #   126.4033 - 9.9426 = 116.4607 dB
        ("suburban", 116.4607),
        # open: -4.78·2.954243² + 18.33·2.954243 - 40.94 = -41.717688 + 54.151274 - 40.94
        #   = -28.506414 ; 126.4033 - 28.5064 = 97.8969 dB
        ("open", 97.8969),
    ],
)
def test_hata_environment_corrections(environment, expected):
    assert pl.okumura_hata(1000, 900, 30, 1.5, environment=environment) == pytest.approx(
        expected, abs=1e-3
    )


def test_hata_broadcasts_and_extrapolates():
    # outside 1-20 km / 150-1500 MHz: no error, just the formula
    d = np.array([[500.0], [2000.0], [40_000.0]])
    out = pl.okumura_hata(d, np.array([869.0, 2100.0]), 30, 1)
    assert out.shape == (3, 2)
    assert out[1, 0] == pytest.approx(137.8766, abs=1e-3)
    assert pl.HATA_VALIDITY["frequency_mhz"] == (150.0, 1500.0)
    assert pl.HATA_VALIDITY["distance_m"] == (1000.0, 20_000.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"environment": "rural"}, "environment must be one of 'urban', 'suburban', 'open'"),
        ({"city": "huge"}, "city must be one of 'small', 'medium', 'large'"),
    ],
)
def test_hata_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pl.okumura_hata(1000, 900, 30, 1.5, **kwargs)


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((0, 900, 30, 1.5), "distance_m"),
        ((1000, -900, 30, 1.5), "frequency_mhz"),
        ((1000, 900, 0, 1.5), "base_height_m"),
        ((1000, 900, 30, 0), "mobile_height_m"),
    ],
)
def test_hata_non_positive_inputs(args, name):
    with pytest.raises(ValueError, match=f"{name} must be > 0"):
        pl.okumura_hata(*args)


# ------------------------------------------------------------------------- COST-231


def test_cost231_1800mhz_1km():
    # a(1.5) = (1.1·3.255273 - 0.7)·1.5 - (1.56·3.255273 - 0.8) = 4.321200 - 4.278226 = 0.042975
    # L = 46.3 + 33.9·3.255273 - 13.82·1.477121 - 0.042975 = 46.3 + 110.353752 - 20.413815
    #   - 0.042975 = 136.1970 dB
    assert pl.cost231_hata(1000, 1800, 30, 1.5) == pytest.approx(136.1970, abs=1e-3)


def test_cost231_metropolitan_5km():
    # + Cm 3 dB + (44.9 - 6.55·1.477121)·log10(5) = 35.224857·0.698970 = 24.621118
    # 136.1970 + 3 + 24.6211 = 163.8181 dB
    got = pl.cost231_hata(5000, 1800, 30, 1.5, metropolitan=True)
    assert got == pytest.approx(163.8181, abs=1e-3)


def test_cost231_suburban_uses_hata_correction():
    # -2·[log10(1800/28)]² - 5.4 = -2·1.808136² - 5.4 = -11.938611 ; 136.1970 - 11.9386 = 124.2584
    got = pl.cost231_hata(1000, 1800, 30, 1.5, environment="suburban")
    assert got == pytest.approx(124.2584, abs=1e-3)


def test_cost231_is_hata_plus_constant_difference():
    # COST-231 - Hata (same a(hm)) = 46.3 - 69.55 + (33.9 - 26.16)·log f
    d = np.array([1000.0, 5000.0, 15_000.0])
    diff = pl.cost231_hata(d, 1700, 50, 1.5) - pl.okumura_hata(d, 1700, 50, 1.5)
    assert diff == pytest.approx(np.full(3, -23.25 + 7.74 * math.log10(1700)))


def test_cost231_bad_environment():
    with pytest.raises(ValueError, match="environment must be one of"):
        pl.cost231_hata(1000, 1800, 30, 1.5, environment="dense")


# ------------------------------------------------------------------- knife edge J(v)


@pytest.mark.parametrize(
    ("v", "expected", "tol"),
    [
        # 6.9 + 20 log10(sqrt(0.01 + 1) - 0.1) = 6.9 + 20 log10(0.904988) = 6.9 - 0.867148
        (0.0, 6.0329, 1e-4),
        # just above -0.78: 6.9 + 20 log10(sqrt(0.7744 + 1) - 0.88) = 6.9 - 6.8960 ≈ 0.004
        (-0.7799, 0.0047, 1e-3),
        # v = 1: 6.9 + 20 log10(sqrt(1.81) + 0.9) = 6.9 + 20 log10(2.245362) = 13.926 dB
        # (P.526's figure reads about 14 dB)
        (1.0, 13.9257, 1e-3),
        # v = 2.4: 6.9 + 20 log10(sqrt(6.29) + 2.3) = 6.9 + 20 log10(4.807987) = 20.539 dB
        (2.4, 20.5393, 1e-3),
    ],
)
def test_knife_edge_loss_values(v, expected, tol):
    assert pl.knife_edge_loss(v) == pytest.approx(expected, abs=tol)


@pytest.mark.parametrize("v", [-0.78, -0.79, -3.0, -1e12])
def test_knife_edge_loss_zero_at_and_below_threshold(v):
    assert pl.knife_edge_loss(v) == 0.0


def test_knife_edge_loss_array_and_monotonic():
    v = np.linspace(-0.77, 5, 50)
    j = pl.knife_edge_loss(v)
    assert j.shape == (50,)
    assert np.all(np.diff(j) > 0)


def test_fresnel_parameter():
    # 30·sqrt(2·10000 / (0.333103·5000·5000)) = 30·sqrt(0.00240166) = 30·0.0490068 = 1.47020
    assert pl.fresnel_parameter(30, 5000, 5000, LAMBDA_900) == pytest.approx(1.47020, abs=1e-5)
    assert pl.fresnel_parameter(-30, 5000, 5000, LAMBDA_900) == pytest.approx(-1.47020, abs=1e-5)


# ------------------------------------------------------------------ terrain profiles


def single_edge_profile():
    """10 km flat path, 60 m knife edge at 5 km, antennas 30 m above the ground."""
    d = np.linspace(0, 10_000, 101)
    e = np.zeros(101)
    e[50] = 60.0
    return d, e


@pytest.mark.parametrize(
    ("k", "expected"),
    [
        # flat Earth: h = 60 - 30 = 30 m, v = 1.47020 (above);
        # J = 6.9 + 20 log10(sqrt(1.3702² + 1) + 1.3702) = 6.9 + 20 log10(3.066506) = 16.6329
        (math.inf, 16.6329),
        # k = 4/3: bulge 5000·5000 / (2·4/3·6371000) = 1.47151 m, h = 31.47151 m,
        # v = 31.47151·0.0490068 = 1.542317, J = 6.9 + 20 log10(1.755071 + 1.442317) = 16.9959
        (4 / 3, 16.9959),
    ],
)
def test_single_knife_edge_deygout_equals_bullington(k, expected):
    d, e = single_edge_profile()
    deygout = pl.deygout_loss(d, e, 30, 30, 900, k=k)
    bullington = pl.bullington_loss(d, e, 30, 30, 900, k=k)
    assert deygout == pytest.approx(expected, abs=1e-3)
    assert bullington == pytest.approx(expected, abs=1e-3)


def test_single_knife_edge_line_of_sight():
    d, e = single_edge_profile()
    los = pl.line_of_sight(d, e, 30, 30, 900, k=math.inf)
    assert los.clear is False
    assert los.worst_index == 50
    assert los.min_clearance_m == pytest.approx(-30.0)
    # F1 at mid-path = sqrt(0.333103·5000·5000/10000) = sqrt(832.757) = 28.8576 m
    assert los.min_clearance_fresnel == pytest.approx(-30 / 28.8576, abs=1e-4)


def two_edge_profile():
    """3 km, antennas 10 m over flat ground, two 30 m edges at 1 and 2 km (20 m above LOS)."""
    d = np.array([0, 500, 1000, 1500, 2000, 2500, 3000], dtype=float)
    e = np.array([0, 0, 30, 0, 30, 0, 0], dtype=float)
    return d, e


def test_two_equal_edges_deygout():
    # λ = 1/3 m, flat Earth. Principal edge (tie, the first is kept): h = 20 m at 1 km,
    # v1 = 20·sqrt(2·3000 / (1/3·1000·2000)) = 20·sqrt(0.009) = 1.897367, J = 18.6187.
    # Sub-path edge1 (1 km, 30 m) to RX (3 km, 10 m): line at 2 km = 20 m, h = 10 m,
    # v2 = 10·sqrt(2·2000 / (1/3·1000·1000)) = 10·sqrt(0.012) = 1.095445, J = 14.5275.
    # TX-edge1 and the sub-sub-paths only hold flat ground far below their lines.
    d, e = two_edge_profile()
    loss = pl.deygout_loss(d, e, 10, 10, F_LAMBDA_THIRD, k=math.inf)
    assert loss == pytest.approx(18.6187 + 14.5275, abs=1e-3)
    # with one edge only the principal one counts
    one = pl.deygout_loss(d, e, 10, 10, F_LAMBDA_THIRD, k=math.inf, max_edges=1)
    assert one == pytest.approx(18.6187, abs=1e-3)


def test_two_equal_edges_bullington():
    # S_tim = max(20/1000, 20/2000) = 0.02 > S_tr = 0 ; S_rim = max(20/2000, 20/1000) = 0.02
    # d_b = (0 + 0.02·3000) / 0.04 = 1500 m, height above the line 10 + 0.02·1500 - 10 = 30 m
    # v_b = 30·sqrt(2·3000 / (1/3·1500·1500)) = 30·sqrt(0.008) = 2.683282
    # J = 6.9 + 20 log10(sqrt(2.583282² + 1) + 2.583282) = 21.4725 dB
    d, e = two_edge_profile()
    loss = pl.bullington_loss(d, e, 10, 10, F_LAMBDA_THIRD, k=math.inf)
    assert loss == pytest.approx(21.4725, abs=1e-3)
    # here Deygout (33.15 dB) exceeds Bullington (21.47 dB), the known Bullington optimism
    assert pl.deygout_loss(d, e, 10, 10, F_LAMBDA_THIRD, k=math.inf) > loss


def test_clear_flat_short_path():
    # 1 km over flat ground, antennas 30 m: clearance 30 m minus the bulge at 500 m
    # (500·500 / (2·4/3·6371000) = 0.0147 m); F1 = sqrt(0.333103·250) = 9.1256 m;
    # v = -29.985·sqrt(2·1000 / (0.333103·500·500)) = -4.65 < -0.78: no loss
    d = np.linspace(0, 1000, 11)
    e = np.zeros(11)
    los = pl.line_of_sight(d, e, 30, 30, 900)
    assert los.clear is True
    assert los.worst_index == 5
    assert los.min_clearance_m == pytest.approx(30 - 0.0147, abs=1e-4)
    assert los.min_clearance_fresnel == pytest.approx((30 - 0.0147) / 9.1256, abs=1e-3)
    assert pl.deygout_loss(d, e, 30, 30, 900) == 0.0
    assert pl.bullington_loss(d, e, 30, 30, 900) == 0.0


def test_partial_fresnel_obstruction_on_a_clear_path():
    # 2 km, antennas 20 m, a 17 m hump at 1 km, flat Earth, λ = 1/3 m: the ray clears it by
    # 3 m (line of sight) but v = -3·sqrt(2·2000 / (1/3·1000·1000)) = -3·0.109545 = -0.328634
    # gives J = 6.9 + 20 log10(sqrt(0.428634² + 1) - 0.428634) = 6.9 - 3.61756 = 3.2824 dB
    d = np.array([0, 500, 1000, 1500, 2000], dtype=float)
    e = np.array([0, 0, 17, 0, 0], dtype=float)
    los = pl.line_of_sight(d, e, 20, 20, F_LAMBDA_THIRD, k=math.inf)
    assert los.clear is True
    assert los.min_clearance_m == pytest.approx(3.0)
    # F1 = sqrt(1/3·1000·1000 / 2000) = 12.9099 m
    assert los.min_clearance_fresnel == pytest.approx(3 / 12.9099, abs=1e-5)
    for fn in (pl.deygout_loss, pl.bullington_loss):
        assert fn(d, e, 20, 20, F_LAMBDA_THIRD, k=math.inf) == pytest.approx(3.2824, abs=1e-3)


def test_sloped_path_uses_ground_plus_antenna_heights():
    # TX ground 100 m + 10 m = 110 m; RX ground 0 + 10 m = 10 m; D = 2 km; flat Earth.
    # Line at 1 km: 60 m. An 80 m edge there: h = 20 m,
    # v = 20·sqrt(2·2000 / (1/3·1000·1000)) = 20·0.109545 = 2.190890,
    # J = 6.9 + 20 log10(sqrt(2.090890² + 1) + 2.090890) = 6.9 + 20 log10(4.408641) = 19.7860
    d = np.array([0, 1000, 2000], dtype=float)
    e = np.array([100, 80, 0], dtype=float)
    for fn in (pl.deygout_loss, pl.bullington_loss):
        assert fn(d, e, 10, 10, F_LAMBDA_THIRD, k=math.inf) == pytest.approx(19.7860, abs=1e-3)


def test_two_sample_profile():
    d = np.array([0.0, 100.0])
    e = np.array([5.0, 7.0])
    los = pl.line_of_sight(d, e, 10, 2, 900)
    assert los == (True, math.inf, math.inf, None)
    assert pl.deygout_loss(d, e, 10, 2, 900) == 0.0
    assert pl.bullington_loss(d, e, 10, 2, 900) == 0.0


@pytest.mark.parametrize(
    ("d", "e", "match"),
    [
        ([10.0, 20.0, 30.0], [0.0, 0.0, 0.0], "distance_m must start at 0"),
        ([0.0, 20.0, 20.0], [0.0, 0.0, 0.0], "strictly increasing"),
        ([0.0, 20.0, 30.0], [0.0, 0.0], "elevation_m must have the shape"),
        ([0.0], [0.0], ">= 2 samples"),
        ([0.0, 10.0, 20.0], [0.0, np.nan, 0.0], "must be finite"),
    ],
)
@pytest.mark.parametrize("fn", [pl.line_of_sight, pl.deygout_loss, pl.bullington_loss])
def test_profile_validation(fn, d, e, match):
    with pytest.raises(ValueError, match=match):
        fn(np.array(d), np.array(e), 10, 10, 900)


@pytest.mark.parametrize("max_edges", [0, -1, 2.5, True])
def test_deygout_bad_max_edges(max_edges):
    d, e = single_edge_profile()
    with pytest.raises(ValueError, match="max_edges must be an integer >= 1"):
        pl.deygout_loss(d, e, 30, 30, 900, max_edges=max_edges)


def test_profile_bad_k_and_frequency():
    d, e = single_edge_profile()
    with pytest.raises(ValueError, match="k must be > 0"):
        pl.bullington_loss(d, e, 30, 30, 900, k=-1)
    with pytest.raises(ValueError, match="frequency_mhz must be > 0"):
        pl.deygout_loss(d, e, 30, 30, 0)
