"""Tests of coverage.calibration: statistics, the fit, site shrinkage, folds, calibration.toml.

The synthetic measurements are a known "prediction" plus a known offset and distance
slope per technology (and, where said, a known offset per site) plus Gaussian noise of
known sigma. Tolerances come from the standard errors of the estimates (4 standard
errors: a chance failure about once in 16,000 draws; the draws are seeded anyway).
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pandas as pd
import pytest

from coverage.calibration import (
    MIN_POINTS_FOR_SLOPE,
    Calibration,
    CalibrationError,
    assign_folds,
    breakdown,
    cross_validate,
    error_stats,
    fit,
    from_toml,
    usable,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SIGMA = 4.0
#: technology -> (offset dB, slope dB per decade) of the "true" network against the model
TRUE = {"4G": (-6.0, 3.0), "3G": (2.0, -1.5)}
N_SITES = 20


def synthetic(
    *, per_site: int = 150, site_sigma: float = 0.0, seed: int = 1
) -> tuple[pd.DataFrame, pd.Series]:
    """Measurements around 20 sites (12 4G, 8 3G) and the true offset of each site.

    measured = predicted + offset_t + slope_t * log10(d / 1 km) + site offset + N(0, SIGMA)
    """
    rng = np.random.default_rng(seed)
    site_ids = [f"S{i:02d}" for i in range(N_SITES)]
    site_tech = np.array(["4G"] * 12 + ["3G"] * 8)
    site_xy = rng.uniform(0.0, 30_000.0, size=(N_SITES, 2))
    site_offset = pd.Series(rng.normal(0.0, site_sigma, N_SITES), index=site_ids)
    site = np.repeat(np.arange(N_SITES), per_site)
    n = site.size
    distance = 10 ** rng.uniform(np.log10(200.0), np.log10(8000.0), n)
    bearing = rng.uniform(0.0, 2 * np.pi, n)
    decades = np.log10(distance / 1000.0)
    # the model's own prediction: a path-loss line plus its own terrain wiggle
    predicted = -50.0 - 35.0 * decades + rng.normal(0.0, 6.0, n)
    tech = site_tech[site]
    offset = np.where(tech == "4G", TRUE["4G"][0], TRUE["3G"][0])
    slope = np.where(tech == "4G", TRUE["4G"][1], TRUE["3G"][1])
    measured = (
        predicted
        + offset
        + slope * decades
        + site_offset.to_numpy()[site]
        + rng.normal(0.0, SIGMA, n)
    )
    frame = pd.DataFrame(
        {
            "technology": tech,
            "measured_dbm": measured,
            "predicted_dbm": predicted,
            "distance_m": distance,
            "site_id": np.array(site_ids)[site],
            "x": site_xy[site, 0] + distance * np.cos(bearing),
            "y": site_xy[site, 1] + distance * np.sin(bearing),
        }
    )
    return frame, site_offset


@pytest.fixture(scope="module")
def measurements() -> pd.DataFrame:
    return synthetic()[0]


def ols_standard_errors(decades: np.ndarray, sigma: float) -> np.ndarray:
    """Standard errors of (a, b) in r = a + b x + N(0, sigma): sigma² (XᵀX)⁻¹."""
    design = np.column_stack([np.ones_like(decades), decades])
    return np.sqrt(np.diag(sigma**2 * np.linalg.inv(design.T @ design)))


def rmse(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.asarray(values) ** 2)))


# --------------------------------------------------------------------------- conventions


def test_a_model_6_db_too_optimistic_has_error_plus_6_and_offset_minus_6() -> None:
    distance = np.geomspace(300.0, 9000.0, 12)
    measured = -70.0 - 30.0 * np.log10(distance / 1000.0)
    frame = pd.DataFrame(
        {
            "technology": "4G",
            "measured_dbm": measured,
            "predicted_dbm": measured + 6.0,  # predicts 6 dB more than is measured
            "distance_m": distance,
        }
    )
    stats = error_stats(frame)
    assert stats["mean_error_db"] == pytest.approx(6.0)
    assert stats["rmse_db"] == pytest.approx(6.0)
    assert stats["std_db"] == pytest.approx(0.0, abs=1e-12)
    calibration = fit(frame, date="2024-05-01")
    assert calibration.offset_db["4G"] == pytest.approx(-6.0)
    assert calibration.slope_db_per_decade["4G"] == pytest.approx(0.0, abs=1e-9)
    after = calibration.apply(frame["predicted_dbm"], "4G", distance)
    np.testing.assert_allclose(after, measured)


def test_error_stats_by_hand_population_std() -> None:
    # errors (predicted - measured) 1, -1, 3, 5: mean 2, rmse sqrt(36/4) = 3,
    # population std sqrt(9 - 4) = sqrt(5) (the sample one would be sqrt(20/3))
    frame = pd.DataFrame(
        {
            "technology": ["3G"] * 4,
            "measured_dbm": [-80.0, -80.0, -90.0, -100.0],
            "predicted_dbm": [-79.0, -81.0, -87.0, -95.0],
        }
    )
    stats = error_stats(frame)
    assert stats["count"] == 4
    assert stats["mean_error_db"] == pytest.approx(2.0)
    assert stats["rmse_db"] == pytest.approx(3.0)
    assert stats["std_db"] == pytest.approx(math.sqrt(5.0))


def test_breakdowns_by_hand() -> None:
    frame = pd.DataFrame(
        {
            "technology": ["4G", "4G", "3G", "2G", "4G", "3G"],
            "measured_dbm": [-80.0] * 6,
            "predicted_dbm": [-78.0, -82.0, -77.0, -80.0, -70.0, -81.0],  # errors 2 -2 3 0 10 -1
            "distance_m": [999.0, 1000.0, 2999.0, 3000.0, 10_000.0, 50_000.0],
            "site_id": ["B", "A", "A", "C", "B", "B"],
            "los": [True, False, None, True, False, None],
        }
    )
    tech = breakdown(frame, by="technology")
    assert list(tech.index) == ["2G", "3G", "4G"]
    assert tech["count"].tolist() == [1, 2, 3]
    assert tech.loc["4G", "mean_error_db"] == pytest.approx((2 - 2 + 10) / 3)
    assert tech.loc["3G", "rmse_db"] == pytest.approx(math.sqrt((9 + 1) / 2))
    assert tech.loc["3G", "std_db"] == pytest.approx(2.0)  # errors 3, -1 around 1
    bands = breakdown(frame, by="distance_band")
    assert list(bands.index) == ["<1 km", "1-3 km", "3-10 km", ">=10 km"]
    assert bands["count"].tolist() == [1, 2, 1, 2]
    assert bands.loc[">=10 km", "mean_error_db"] == pytest.approx(4.5)
    sites = breakdown(frame, by="site")
    assert sites["count"].to_dict() == {"A": 2, "B": 3, "C": 1}
    assert sites.loc["B", "mean_error_db"] == pytest.approx((2 + 10 - 1) / 3)
    los = breakdown(frame, by="los")
    assert los["count"].to_dict() == {"LOS": 2, "NLOS": 2, "unknown": 2}
    assert los.loc["NLOS", "mean_error_db"] == pytest.approx(4.0)
    without = breakdown(frame.drop(columns="los"), by="los")
    assert without["count"].to_dict() == {"unknown": 6}
    with pytest.raises(CalibrationError, match="by must be one of"):
        breakdown(frame, by="colour")  # type: ignore[arg-type]


def test_nan_predictions_are_rejected_and_counted(measurements: pd.DataFrame) -> None:
    frame = measurements.copy()
    frame.loc[frame.index[:7], "predicted_dbm"] = np.nan
    frame.loc[frame.index[7], "technology"] = "6G"
    stats = error_stats(frame)
    assert stats["count"] == len(frame) - 8
    assert stats["points_rejected"] == 8
    assert stats["rejected"] == {"no prediction": 7, "unknown technology": 1}
    assert math.isfinite(stats["rmse_db"])
    calibration = fit(frame, date="2024-05-01")
    assert calibration.points_used == len(frame) - 8
    assert calibration.points_rejected == 8
    assert sum(calibration.points.values()) == len(frame) - 8
    cv = cross_validate(frame, folds=5)
    assert cv["count"] == len(frame) - 8
    assert cv["rejected"] == {"no prediction": 7, "unknown technology": 1}
    # a table with only unusable rows: counted, no figures
    empty = error_stats(frame.iloc[:7])
    assert empty["count"] == 0
    assert empty["rmse_db"] is None


def test_a_row_is_counted_once_under_its_first_reason() -> None:
    frame = pd.DataFrame(
        {
            "technology": ["4G", "9G", "4G", "4g"],
            "measured_dbm": [-80.0, np.nan, np.nan, -80.0],
            "predicted_dbm": [np.nan, -70.0, -70.0, -70.0],
            "distance_m": [100.0, 100.0, 100.0, 0.0],
        }
    )
    used, rejected = usable(frame)
    assert used.empty
    assert rejected == {"no prediction": 1, "no measurement": 2, "bad distance": 1}


def test_missing_columns_are_named() -> None:
    frame = pd.DataFrame({"technology": ["4G"], "measured_dbm": [-80.0]})
    with pytest.raises(CalibrationError, match="missing columns 'predicted_dbm', 'distance_m'"):
        fit(frame)


# --------------------------------------------------------------------------- the global fit


def test_fit_gives_back_offset_and_slope(measurements: pd.DataFrame) -> None:
    calibration = fit(measurements, model="hata", date="2024-05-01")
    assert set(calibration.offset_db) == {"3G", "4G"}  # no 2G or 5G points: no entry
    for tech, (offset, slope) in TRUE.items():
        rows = measurements["technology"] == tech
        se_offset, se_slope = ols_standard_errors(
            np.log10(measurements.loc[rows, "distance_m"].to_numpy() / 1000.0), SIGMA
        )
        assert se_offset < 0.25 and se_slope < 0.5  # the test can tell a fraction of a dB
        assert abs(calibration.offset_db[tech] - offset) < 4 * se_offset
        assert abs(calibration.slope_db_per_decade[tech] - slope) < 4 * se_slope
        assert calibration.points[tech] == rows.sum()
    assert calibration.notes == {}
    assert calibration.model == "hata"


def test_rmse_after_calibration_is_the_noise(measurements: pd.DataFrame) -> None:
    before = error_stats(measurements)
    after = error_stats(fit(measurements, date="").apply_to(measurements))
    n = after["count"]
    # sd of an RMSE of n Gaussian errors ~ sigma / sqrt(2 n)
    assert abs(after["rmse_db"] - SIGMA) < 4 * SIGMA / math.sqrt(2 * n)
    # least squares with an intercept leaves residuals summing to 0 per technology
    assert after["mean_error_db"] == pytest.approx(0.0, abs=1e-9)
    assert after["rmse_db"] ** 2 == pytest.approx(
        after["mean_error_db"] ** 2 + after["std_db"] ** 2
    )
    assert before["rmse_db"] > SIGMA + 1.0
    assert before["mean_error_db"] > 2.0  # the 4G part is too optimistic by about 6 dB


def test_three_points_get_the_offset_only() -> None:
    frame = pd.DataFrame(
        {
            "technology": ["3G"] * 3,
            "measured_dbm": [-80.0, -90.0, -100.0],
            "predicted_dbm": [-76.0, -88.0, -93.0],  # residuals -4, -2, -7
            "distance_m": [300.0, 2000.0, 9000.0],
        }
    )
    calibration = fit(frame, date="")
    assert calibration.offset_db == {"3G": pytest.approx(-13.0 / 3.0)}
    assert calibration.slope_db_per_decade == {"3G": 0.0}
    assert "3 points" in calibration.notes["3G"]
    assert str(MIN_POINTS_FOR_SLOPE) in calibration.notes["3G"]


def test_distances_all_alike_get_the_offset_only() -> None:
    rng = np.random.default_rng(3)
    distance = rng.uniform(1990.0, 2010.0, 50)
    frame = pd.DataFrame(
        {
            "technology": "5G",
            "measured_dbm": -90.0 + rng.normal(0.0, 1.0, 50),
            "predicted_dbm": -85.0,
            "distance_m": distance,
        }
    )
    calibration = fit(frame, date="")
    assert calibration.slope_db_per_decade == {"5G": 0.0}
    assert calibration.offset_db["5G"] == pytest.approx(frame["measured_dbm"].mean() + 85.0)
    assert "spread" in calibration.notes["5G"]


def test_apply_is_vectorised_and_leaves_the_unknown_alone() -> None:
    calibration = Calibration(
        offset_db={"4G": -6.0, "3G": 1.0},
        slope_db_per_decade={"4G": 2.0, "3G": 0.0},
        site_offsets_db={"4G": {"S1": 1.5, "7": -0.5}},
    )
    predicted = np.full((2, 3), -80.0)
    distance = np.array([[100.0, 1000.0, 10_000.0], [0.0, 1000.0, np.nan]])
    out = calibration.apply(predicted, "4G", distance)
    assert out.shape == (2, 3)
    # -80 - 6 + 2 log10(d / 1 km); d = 0 taken as 1 m (three decades below 1 km)
    expected = [[-88.0, -86.0, -84.0], [-92.0, -86.0, np.nan]]
    np.testing.assert_allclose(out, expected)
    # 3G has no slope, so a missing distance does not matter; 2G has no entry: unchanged
    series = pd.Series([-80.0, np.nan, -70.0], index=[10, 11, 12], name="level")
    out = calibration.apply(series, ["3G", "3G", "2G"], [np.nan, 500.0, 500.0])
    assert isinstance(out, pd.Series)
    assert out.index.tolist() == [10, 11, 12]
    np.testing.assert_allclose(out.to_numpy(), [-79.0, np.nan, -70.0])
    # site offsets by (technology, site); an unknown or missing site gets none; ids as text
    out = calibration.apply(
        -80.0, ["4G", "4G", "4G", "3G", "4G"], 1000.0, ["S1", "S9", None, "S1", 7]
    )
    np.testing.assert_allclose(out, [-84.5, -86.0, -86.0, -79.0, -86.5])


def test_inputs_are_not_modified(measurements: pd.DataFrame) -> None:
    frame = measurements.copy()
    frame.loc[frame.index[0], "predicted_dbm"] = np.nan
    frame["technology"] = frame["technology"].str.lower()
    kept = frame.copy()
    calibration = fit(frame, per_site=True, date="")
    calibration.apply_to(frame)
    cross_validate(frame, folds=3, by="area")
    pd.testing.assert_frame_equal(frame, kept)


# --------------------------------------------------------------------------- per-site offsets


def test_shrinkage_with_a_fixed_k_by_hand() -> None:
    # predicted 0 and every distance 1 km (no spread: offset only), so the residuals are
    # the measurements: A: 4, 6; B: eight 0s. Global offset (4 + 6) / 10 = 1.
    # After it, A's mean residual is 4 and B's -1; with k = 2:
    # A: 2 / (2 + 2) * 4 = 2.0, B: 8 / (8 + 2) * -1 = -0.8
    frame = pd.DataFrame(
        {
            "technology": "4G",
            "measured_dbm": [4.0, 6.0] + [0.0] * 8,
            "predicted_dbm": 0.0,
            "distance_m": 1000.0,
            "site_id": ["A"] * 2 + ["B"] * 8,
        }
    )
    calibration = fit(frame, per_site=True, shrinkage=2, date="")
    assert calibration.offset_db["4G"] == pytest.approx(1.0)
    assert calibration.site_offsets_db["4G"] == pytest.approx({"A": 2.0, "B": -0.8})
    assert calibration.site_points["4G"] == {"A": 2, "B": 8}
    assert calibration.shrinkage_k["4G"] == 2.0
    # the small site keeps half of its mean residual, the large one four fifths
    assert (
        calibration.site_offsets_db["4G"]["A"] / 4.0 < calibration.site_offsets_db["4G"]["B"] / -1.0
    )
    # k = 0: no shrinkage, the sites' own mean residuals
    raw = fit(frame, per_site=True, shrinkage=0, date="")
    assert raw.site_offsets_db["4G"] == pytest.approx({"A": 4.0, "B": -1.0})
    with pytest.raises(CalibrationError, match="shrinkage"):
        fit(frame, per_site=True, shrinkage=-1.0)


def test_estimated_shrinkage_by_hand() -> None:
    # residuals after the global offset (mean 4): A: -4, -2 (mean -3), B: 0, 2, 4 (mean 2)
    # SSW = (1 + 1) + (4 + 0 + 4) = 10, MSW = 10 / (5 - 2) = 10/3
    # SSB = 2 * 9 + 3 * 4 = 30, MSB = 30 / (2 - 1) = 30
    # n0 = (5 - (4 + 9) / 5) / (2 - 1) = 2.4, between = (30 - 10/3) / 2.4 = 100/9
    # k = (10/3) / (100/9) = 0.3; A: 2 / 2.3 * -3, B: 3 / 3.3 * 2
    frame = pd.DataFrame(
        {
            "technology": "2G",
            "measured_dbm": [0.0, 2.0, 4.0, 6.0, 8.0],
            "predicted_dbm": 0.0,
            "distance_m": 1000.0,
            "site_id": ["A", "A", "B", "B", "B"],
        }
    )
    calibration = fit(frame, per_site=True, date="")
    assert calibration.offset_db["2G"] == pytest.approx(4.0)
    assert calibration.shrinkage_k["2G"] == pytest.approx(0.3)
    assert calibration.site_offsets_db["2G"] == pytest.approx({"A": -6.0 / 2.3, "B": 6.0 / 3.3})


def test_sites_no_more_different_than_the_noise_get_no_offset() -> None:
    # both sites have mean residual 0 around the same global fit: between-site variance <= 0
    frame = pd.DataFrame(
        {
            "technology": "4G",
            "measured_dbm": [-1.0, 1.0, -1.0, 1.0],
            "predicted_dbm": 0.0,
            "distance_m": 1000.0,
            "site_id": ["A", "A", "B", "B"],
        }
    )
    calibration = fit(frame, per_site=True, date="")
    assert calibration.shrinkage_k["4G"] == math.inf
    assert calibration.site_offsets_db["4G"] == {"A": 0.0, "B": 0.0}


def test_per_site_offsets_are_recovered() -> None:
    site_sigma, per_site = 3.0, 200
    frame, true_site = synthetic(per_site=per_site, site_sigma=site_sigma, seed=7)
    calibration = fit(frame, per_site=True, date="")
    global_only = fit(frame, date="")
    for tech in TRUE:
        k = calibration.shrinkage_k[tech]
        # k estimates sigma² / site_sigma² = 16/9 from 8 or 12 sites: only roughly
        assert 0.2 < k / (SIGMA**2 / site_sigma**2) < 5.0
        sites = frame.loc[frame["technology"] == tech, "site_id"].unique()
        # the global offset absorbs the mean of the site offsets; compare totals:
        # fitted offset + site offset against true offset + true site offset, with the
        # standard error of a site's mean (the global fit's error is far smaller) and the
        # pull of the shrinkage, k / (n + k) of the site's deviation (at most ~3 sigma)
        tol = 4 * SIGMA / math.sqrt(per_site) + k / (per_site + k) * 3 * site_sigma
        for site in sites:
            fitted = calibration.offset_db[tech] + calibration.site_offsets_db[tech][site]
            true = TRUE[tech][0] + true_site[site]
            assert abs(fitted - true) < tol, site
    # the site offsets take the site spread out of the error
    n = len(frame)
    with_sites = error_stats(calibration.apply_to(frame))["rmse_db"]
    without = error_stats(global_only.apply_to(frame))["rmse_db"]
    assert abs(with_sites - SIGMA) < 4 * SIGMA / math.sqrt(2 * n) + 0.1
    assert without > math.hypot(SIGMA, site_sigma) - 1.0


# --------------------------------------------------------------------------- cross-validation


def test_site_folds_never_split_a_site(measurements: pd.DataFrame) -> None:
    folds = assign_folds(measurements, folds=5, seed=3)
    assert folds.n_folds == 5
    per_site = folds.fold.groupby(measurements["site_id"]).nunique()
    assert (per_site == 1).all()
    assert sorted(folds.fold.unique()) == [0, 1, 2, 3, 4]
    sites_per_fold = measurements.groupby(folds.fold)["site_id"].nunique()
    assert sites_per_fold.sum() == N_SITES
    # 20 sites of 150 points dealt evenly: 4 sites per fold
    assert sites_per_fold.tolist() == [4] * 5
    # another seed, another assignment of the same kind
    other = assign_folds(measurements, folds=5, seed=4)
    assert not other.fold.equals(folds.fold)
    assert (other.fold.groupby(measurements["site_id"]).nunique() == 1).all()


def test_cross_validated_rmse_is_the_noise_and_not_below_in_sample(
    measurements: pd.DataFrame,
) -> None:
    in_sample = error_stats(fit(measurements, date="").apply_to(measurements))["rmse_db"]
    n = len(measurements)
    for by in ("site", "area"):
        cv = cross_validate(measurements, folds=5, by=by)
        assert cv["folds"] == 5 and cv["count"] == n
        assert sum(f["points"] for f in cv["per_fold"]) == n
        assert abs(cv["rmse_db"] - SIGMA) < 4 * SIGMA / math.sqrt(2 * n) + 0.1
        # For least squares the held-out residuals of a block are (I - H_bb)^-1 times
        # its in-sample residuals, and H_bb's eigenvalues lie in [0, 1): a held-out
        # block never fits better than in sample, so this holds without a margin.
        assert cv["rmse_db"] >= in_sample - 1e-12
    assert cv["cell_size_m"] is not None


def test_fewer_sites_than_folds(measurements: pd.DataFrame) -> None:
    three = measurements[measurements["site_id"].isin(["S00", "S01", "S02"])]
    cv = cross_validate(three, folds=5)
    assert cv["folds"] == 3 and cv["folds_requested"] == 5
    assert [f["groups"] for f in cv["per_fold"]] == [1, 1, 1]
    one = measurements[measurements["site_id"] == "S00"]
    with pytest.raises(ValueError, match="at least 2 groups; the measurements have 1 site"):
        cross_validate(one, folds=5)
    with pytest.raises(CalibrationError, match="folds must be an integer >= 2"):
        cross_validate(measurements, folds=1)


def test_area_folds_are_spatial_blocks() -> None:
    # four tight clusters at the corners of a 10 km square: a 2 x 2 grid has 4 cells
    rng = np.random.default_rng(5)
    corners = np.array([[0.0, 0.0], [10_000.0, 0.0], [0.0, 10_000.0], [10_000.0, 10_000.0]])
    cluster = np.repeat(np.arange(4), 25)
    xy = corners[cluster] + rng.uniform(0.0, 300.0, size=(100, 2))
    frame = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]})
    folds = assign_folds(frame, folds=4, by="area")
    assert folds.n_folds == 4
    assert (folds.fold.groupby(cluster).nunique() == 1).all()
    assert folds.fold.groupby(cluster).first().nunique() == 4


def test_area_folds_follow_the_grid(measurements: pd.DataFrame) -> None:
    folds = assign_folds(measurements, folds=5, by="area", seed=2)
    size = folds.cell_size_m
    assert folds.origin is not None and size is not None
    x0, y0 = folds.origin
    x, y = measurements["x"].to_numpy(), measurements["y"].to_numpy()
    per_side = round(max(np.ptp(x), np.ptp(y)) / size)

    def cells(side: float, n: int) -> np.ndarray:
        ix = np.minimum(np.floor((x - x0) / side), n - 1)
        iy = np.minimum(np.floor((y - y0) / side), n - 1)
        return ix * n + iy

    # the square cells, recomputed from the reported size: one fold per cell
    cell = cells(size, per_side)
    assert (folds.fold.groupby(cell).nunique() == 1).all()
    assert np.unique(cell).size >= 5
    # and the grid is the coarsest with at least 5 non-empty cells (from 3 per side up)
    if per_side > 3:
        coarser = size * per_side / (per_side - 1)
        assert np.unique(cells(coarser, per_side - 1)).size < 5
    # a site's samples may straddle cells: area folds are about places, not sites
    assert folds.fold.groupby(measurements["site_id"]).nunique().max() > 1


def test_site_folds_never_see_the_held_out_site_offsets() -> None:
    frame, _ = synthetic(per_site=60, site_sigma=3.0, seed=11)
    by_area = cross_validate(frame, folds=4, by="area", per_site=True)
    by_site = cross_validate(frame, folds=4, by="site", per_site=True)
    # held-out sites never get their own offset, so site folds see the site spread;
    # area folds mostly hold out parts of sites the fit has seen
    assert by_area["rmse_db"] < by_site["rmse_db"]


# --------------------------------------------------------------------------- calibration.toml


def test_toml_round_trip(measurements: pd.DataFrame) -> None:
    frame = measurements.copy()
    frame["site_id"] = frame["site_id"].replace({"S03": 'Trạm "Đồng Hới" \\ 3', "S04": "4"})
    few = pd.DataFrame(
        {
            "technology": ["2G"] * 3,
            "measured_dbm": [-80.0, -90.0, -100.0],
            "predicted_dbm": [-76.0, -88.0, -93.0],
            "distance_m": [300.0, 2000.0, 9000.0],
            "site_id": ["S00"] * 3,
        }
    )
    frame = pd.concat([frame, few], ignore_index=True)
    frame.loc[0, "predicted_dbm"] = np.nan
    calibration = fit(frame, per_site=True, model="cost231", date="2024-05-01")
    text = calibration.to_toml()
    back = from_toml(text)
    assert back.model == "cost231" and back.date == "2024-05-01"
    assert back.points_used == len(frame) - 1 and back.points_rejected == 1
    assert back.points == calibration.points
    assert back.notes == calibration.notes and "2G" in back.notes
    assert back.site_points == calibration.site_points
    for tech in calibration.offset_db:
        assert back.offset_db[tech] == pytest.approx(calibration.offset_db[tech], abs=5e-4)
        assert back.slope_db_per_decade[tech] == pytest.approx(
            calibration.slope_db_per_decade[tech], abs=5e-4
        )
        assert back.shrinkage_k[tech] == pytest.approx(calibration.shrinkage_k[tech], rel=1e-5)
        assert back.site_offsets_db[tech].keys() == calibration.site_offsets_db[tech].keys()
        for site, offset in calibration.site_offsets_db[tech].items():
            assert back.site_offsets_db[tech][site] == pytest.approx(offset, abs=5e-4)
    assert back.to_toml() == text  # exact at the printed precision
    # any TOML reader sees the documented layout
    doc = tomllib.loads(text)
    assert doc["calibration"]["points_used"] == len(frame) - 1
    assert set(doc["calibration"]["technology"]) == {"2G", "3G", "4G"}
    assert 'Trạm "Đồng Hới" \\ 3' in doc["calibration"]["technology"]["4G"]["sites"]


def test_a_hand_written_toml_is_read() -> None:
    text = """
[calibration]
model = "hata"
date = 2024-05-01

[calibration.technology.3G]
offset_db = -4
"""
    calibration = from_toml(text)
    assert calibration.date == "2024-05-01"
    assert calibration.offset_db == {"3G": -4.0}
    assert calibration.slope_db_per_decade == {"3G": 0.0}
    assert calibration.apply(-80.0, "3G", 5000.0) == pytest.approx(-84.0)


GOOD = '[calibration]\nmodel = "hata"\n\n[calibration.technology.4G]\noffset_db = -6.0\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[calibration\n", "not valid TOML"),
        ('model = "hata"\n', "calibration: missing [calibration] table"),
        ("[calibration]\n[calibration.technology.6G]\noffset_db = 1.0\n", "technology.6G: unknown"),
        (GOOD.replace("-6.0", '"minus six"'), "calibration.technology.4G.offset_db: expected a"),
        (GOOD + "slope_db_per_decade = true\n", "4G.slope_db_per_decade: expected a number"),
        (GOOD + "points = -3\n", "calibration.technology.4G.points: expected a whole number"),
        (GOOD + "ofset_db = 1.0\n", "calibration.technology.4G.ofset_db: unknown key"),
        (GOOD.replace("offset_db", "slope_db_per_decade"), "4G.offset_db: missing"),
        (GOOD + "offset_db_x = nan\n", "unknown key"),
        (GOOD.replace("-6.0", "nan"), "4G.offset_db: expected a number of dB, got nan"),
        (
            GOOD + '[calibration.technology.4G.sites]\n"S1" = { offset_db = "x" }\n',
            '"S1".offset_db',
        ),
        (GOOD.replace('"hata"', "3"), "calibration.model: expected a string"),
    ],
    ids=[
        "not-toml",
        "no-calibration-table",
        "unknown-technology",
        "text-offset",
        "boolean-slope",
        "negative-points",
        "misspelt-key",
        "missing-offset",
        "unknown-key",
        "nan-offset",
        "text-site-offset",
        "numeric-model",
    ],
)
def test_bad_toml_is_refused_naming_the_key(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        from_toml(text, source="cal.toml")
    assert str(caught.value).startswith("cal.toml: ")
    assert message in str(caught.value)


def test_every_toml_problem_is_reported_at_once() -> None:
    text = (
        "[calibration]\npoints_used = 1.5\n"
        "[calibration.technology.4G]\noffset_db = 'x'\n"
        "[calibration.technology.7G]\noffset_db = 1\n"
    )
    with pytest.raises(CalibrationError) as caught:
        from_toml(text)
    message = str(caught.value)
    for key in ("calibration.points_used", "technology.4G.offset_db", "technology.7G"):
        assert key in message
