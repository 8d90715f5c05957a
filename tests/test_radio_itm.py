"""Tests of the Irregular Terrain Model (coverage.radio.itm).

Reference data:

- ``tests/data/ntia/``: NTIA's own example cases for ITM 1.2.2 (``p2p.csv`` + ``pfls.csv``,
  ``area.csv``; public domain in the US, see its README), printed rounded; every row must be
  reproduced within 0.1 dB. Copied into the repository, so these tests always run.
- ``../shared/reference/splat/`` next to the repository: SPLAT! 1.4.2 ``-olditm`` losses with
  the exact profiles it handed to its ITM (level-1 check of ``splat/README.md``); skipped when
  absent.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from coverage.radio.itm import (
    ITM_MODE_NAMES,
    ITM_WARNING_TEXT,
    ItmResult,
    _dlthx,
    _hzns,
    _itm_p2p_core,
    _order_stat,
    _path_zsys,
    _qerfi,
    _zlsq1,
    _zlsq1_prefix,
    itm_area,
    itm_p2p,
)

NTIA = Path(__file__).parent / "data" / "ntia"
SPLAT = Path(__file__).parents[2] / "shared" / "reference" / "splat"

needs_splat = pytest.mark.skipif(
    not (SPLAT / "p2p_losses.csv").is_file(),
    reason=f"SPLAT! reference outputs not found in {SPLAT}",
)


# --------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------


def _ntia_p2p_cases() -> list[tuple[dict[str, str], np.ndarray, float]]:
    with open(NTIA / "p2p.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    profiles = []
    for line in (NTIA / "pfls.csv").read_text().splitlines():
        values = [float(v) for v in line.strip().strip(",").split(",") if v.strip()]
        if values:
            profiles.append(values)
    assert len(rows) == len(profiles)
    cases = []
    for row, pfl in zip(rows, profiles, strict=True):
        n = int(pfl[0])
        z = np.array(pfl[2:])
        assert z.shape[0] == n + 1
        cases.append((row, z, pfl[1]))
    return cases


def _ntia_area_cases() -> list[dict[str, str]]:
    with open(NTIA / "area.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def _splat_itm_cases() -> list[tuple[dict[str, str], dict]]:
    if not (SPLAT / "p2p_losses.csv").is_file():
        return []
    profiles = json.loads((SPLAT / "p2p_profiles.json").read_text())["points"]
    with open(SPLAT / "p2p_losses.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["model"] == "ITM"]
    return [(r, profiles[r["point_id"]]["itm_input"]) for r in rows]


NTIA_P2P = _ntia_p2p_cases()
NTIA_AREA = _ntia_area_cases()
SPLAT_ITM = _splat_itm_cases()


def _run_ntia_p2p(row: dict[str, str], z: np.ndarray, xi: float) -> ItmResult:
    return itm_p2p(
        z,
        xi,
        float(row["h_tx__meter"]),
        float(row["h_rx__meter"]),
        frequency_mhz=float(row["f__mhz"]),
        epsilon=float(row["epsilon"]),
        sigma=float(row["sigma"]),
        n0=float(row["N_0"]),
        climate=int(row["climate"]),
        polarization=int(row["pol"]),
        mdvar=int(row["mdvar"]),
        time=float(row["time"]),
        location=float(row["location"]),
        situation=float(row["situation"]),
    )


def _run_ntia_area(row: dict[str, str]) -> ItmResult:
    return itm_area(
        float(row["d__km"]),
        float(row["h_tx__meter"]),
        float(row["h_rx__meter"]),
        delta_h_m=float(row["delta_h__meter"]),
        tx_siting=int(row["tx_siting_criteria"]),
        rx_siting=int(row["rx_siting_criteria"]),
        frequency_mhz=float(row["f__mhz"]),
        epsilon=float(row["epsilon"]),
        sigma=float(row["sigma"]),
        n0=float(row["N_0"]),
        climate=int(row["climate"]),
        polarization=int(row["pol"]),
        mdvar=int(row["mdvar"]),
        time=float(row["time"]),
        location=float(row["location"]),
        situation=float(row["situation"]),
    )


def _run_splat(row: dict[str, str], itm_input: dict) -> ItmResult:
    # parameters of splat/README.md, "Two levels of check", level 1
    return itm_p2p(
        np.asarray(itm_input["elev_m"], dtype=float),
        float(itm_input["xi_m"]),
        float(row["tx_h_m"]),
        float(row["rx_h_m"]),
        frequency_mhz=float(row["freq_mhz"]),
        epsilon=15.0,
        sigma=0.005,
        n0=301.0,
        climate=3,
        polarization=1,
        mdvar=12,
        time=100.0 * float(row["frac_time"]),
        location=50.0,
        situation=100.0 * float(row["frac_situations"]),
    )


# --------------------------------------------------------------------------------------
# NTIA's published cases
# --------------------------------------------------------------------------------------


def test_ntia_cases_are_in_the_repository() -> None:
    # the copies in tests/data/ntia/ (never skipped); NTIA's files hold 5 + 5 cases
    assert len(NTIA_P2P) == 5
    assert len(NTIA_AREA) == 5
    shared = Path(__file__).parents[2] / "shared" / "reference" / "ntia-itm"
    for name in ("p2p.csv", "pfls.csv", "area.csv"):
        if (shared / name).is_file():
            assert (NTIA / name).read_bytes() == (shared / name).read_bytes(), name


@pytest.mark.parametrize("case", range(len(NTIA_P2P)))
def test_ntia_p2p_cases(case: int) -> None:
    row, z, xi = NTIA_P2P[case]
    res = _run_ntia_p2p(row, z, xi)
    err = abs(res.loss_db - float(row["A__db"]))
    assert err <= 0.1
    # the reference is printed with 2 decimals; we reproduce it to the rounding
    assert err <= 0.0051, (res.loss_db, row["A__db"])


@pytest.mark.parametrize("case", range(len(NTIA_AREA)))
def test_ntia_area_cases(case: int) -> None:
    row = NTIA_AREA[case]
    res = _run_ntia_area(row)
    err = abs(res.loss_db - float(row["A__db"]))
    assert err <= 0.1
    # printed with 1 decimal: reproduced to the rounding
    assert err <= 0.051, (res.loss_db, row["A__db"])


def test_ntia_p2p_intermediates_are_consistent() -> None:
    row, z, xi = NTIA_P2P[0]
    res = _run_ntia_p2p(row, z, xi)
    assert res.distance_m == pytest.approx((z.shape[0] - 1) * xi)
    n0 = float(row["N_0"])
    assert res.n_s == pytest.approx(n0 * math.exp(-_path_zsys(z) / 9460.0))
    assert res.gamma_e == pytest.approx(157e-9 * (1.0 - 0.04665 * math.exp(res.n_s / 179.3)))
    f = float(row["f__mhz"])
    fs = 32.45 + 20 * math.log10(f) + 20 * math.log10(res.distance_m / 1000.0)
    assert res.free_space_db == pytest.approx(fs)
    assert res.a_ref_db >= 0.0
    assert res.delta_h_m > 0.0
    assert min(res.effective_height_m) >= min(float(row["h_tx__meter"]), float(row["h_rx__meter"]))
    assert res.mode in ITM_MODE_NAMES and res.warning in ITM_WARNING_TEXT
    assert res.ntia_propmode == res.mode + 1
    assert res.effective_earth_radius_m == pytest.approx(1.0 / res.gamma_e)
    # this case is a long trans-horizon path
    assert res.mode in (1, 2)
    assert sum(res.horizon_distance_m) < res.distance_m


# --------------------------------------------------------------------------------------
# SPLAT! 1.4.2 -olditm (level 1: its exact ITM input profiles)
# --------------------------------------------------------------------------------------

#: Largest |difference| we get on SPLAT!'s ITM rows is 1.006e-3 dB. All of it is in the
#: reference attenuation A_ref: the rows where A_ref is clamped to 0 agree to 4e-7 dB
#: (free space, N_s, variability and the inverse normal are identical), and itmlogic
#: (a port of Hufford's FORTRAN) agrees with us to 1e-7 dB. SPLAT!'s ITM is the
#: ITMDLL-derived C++ with its own small corrections, hence the residual.
SPLAT_TOLERANCE_DB = 1.1e-3


@needs_splat
@pytest.mark.parametrize("case", range(max(len(SPLAT_ITM), 1)))
def test_splat_itm_level1(case: int) -> None:
    row, itm_input = SPLAT_ITM[case]
    z = np.asarray(itm_input["elev_m"], dtype=float)
    assert z.shape[0] == int(itm_input["np_intervals"]) + 1
    res = _run_splat(row, itm_input)
    assert abs(res.loss_db - float(row["itm_loss_db_6dp"])) <= SPLAT_TOLERANCE_DB
    # ITM's own warning flag agrees with SPLAT!'s errnum
    assert res.warning == int(row["errnum"])


@needs_splat
def test_splat_itm_exact_where_aref_is_zero() -> None:
    checked = 0
    for row, itm_input in SPLAT_ITM:
        res = _run_splat(row, itm_input)
        if res.a_ref_db == 0.0:
            assert abs(res.loss_db - float(row["itm_loss_db_6dp"])) <= 1e-5
            checked += 1
    assert checked > 0


# --------------------------------------------------------------------------------------
# Cross-check with itmlogic (a Python port of Hufford's FORTRAN ITM), test-only tool
# --------------------------------------------------------------------------------------


def _itmlogic_p2p(z: np.ndarray, xi: float, h0: float, h1: float, f: float) -> float:
    from itmlogic.misc.qerfi import qerfi
    from itmlogic.preparatory_subroutines.qlrpfl import qlrpfl
    from itmlogic.preparatory_subroutines.qlrps import qlrps
    from itmlogic.statistics.avar import avar

    n = z.shape[0] - 1
    prop = {
        "fmhz": f, "hg": [h0, h1], "eps": 15.0, "sgm": 0.005, "ens0": 301.0,
        "klimx": 5, "mdvarx": 12, "ipol": 1, "pfl": [n, xi, *z.tolist()], "kwx": 0,
        "lvar": 5, "klim": 5, "mdvar": 12, "wlos": 0, "wscat": 0,
    }  # fmt: skip
    zsys = _path_zsys(z)
    prop["wn"], prop["gme"], prop["ens"], prop["zgnd"] = qlrps(f, zsys, 301.0, 1, 15.0, 0.005)
    prop = qlrpfl(prop)
    fs = 32.45 + 20 * math.log10(f) + 20 * math.log10(prop["dist"] / 1000)
    zq = qerfi([0.5])[0]
    a, _ = avar(zq, zq, zq, prop)
    return a + fs


def test_itmlogic_cross_check_random_profiles() -> None:
    pytest.importorskip("itmlogic", reason="itmlogic (test-only cross-check tool) not installed")
    rng = np.random.default_rng(1)
    modes = set()
    for _ in range(25):
        n = int(rng.integers(50, 600))
        xi = float(rng.uniform(30, 200))
        z = np.cumsum(rng.normal(0, rng.uniform(1, 15), n + 1)) + 200
        h0 = float(rng.uniform(5, 60))
        h1 = float(rng.uniform(1.5, 10))
        f = float(rng.uniform(100, 3000))
        ours = itm_p2p(z, xi, h0, h1, frequency_mhz=f)
        modes.add(ours.mode)
        assert ours.loss_db == pytest.approx(_itmlogic_p2p(z, xi, h0, h1, f), abs=1e-6)
    assert modes == {0, 1, 2}


# --------------------------------------------------------------------------------------
# Core functions
# --------------------------------------------------------------------------------------


def test_qerfi() -> None:
    assert _qerfi(0.1) == pytest.approx(1.2816, abs=5e-4)
    assert _qerfi(0.9) == pytest.approx(-1.2816, abs=5e-4)
    assert abs(_qerfi(0.5)) < 5e-4


def test_zlsq1_fits_a_line_exactly() -> None:
    z = 10.0 + 0.5 * np.arange(41)
    z0, zn = _zlsq1(z, 25.0, 100.0, 800.0)
    assert z0 == pytest.approx(10.0)
    assert zn == pytest.approx(30.0)


def test_dlthx_zero_on_a_plane_and_positive_on_rough_terrain() -> None:
    z = 5.0 + 0.3 * np.arange(201)
    assert _dlthx(z, 50.0, 0.0, 10_000.0) == pytest.approx(0.0, abs=1e-9)
    rough = z + 20.0 * np.sin(np.arange(201) * 0.7)
    assert _dlthx(rough, 50.0, 0.0, 10_000.0) > 20.0
    assert _dlthx(rough, 50.0, 0.0, 60.0) == 0.0  # fewer than two intervals


def test_hzns_line_of_sight_and_obstruction() -> None:
    gme = 157e-9 * (1.0 - 0.04665 * math.exp(301.0 / 179.3))
    flat = np.zeros(101)
    the0, the1, dl0, dl1 = _hzns(flat, 100.0, 30.0, 30.0, gme)
    assert dl0 == dl1 == pytest.approx(10_000.0)
    ridge = flat.copy()
    ridge[40] = 200.0
    the0, the1, dl0, dl1 = _hzns(ridge, 100.0, 30.0, 30.0, gme)
    assert dl0 == pytest.approx(4000.0)
    assert dl1 == pytest.approx(6000.0)
    assert the0 > 0.0 and the1 > 0.0


def test_core_tuple_matches_wrapper() -> None:
    rng = np.random.default_rng(5)
    z = np.cumsum(rng.normal(0, 4, 301)) + 100
    zq = _qerfi(0.5)
    t = _itm_p2p_core(z, 90.0, 30.0, 1.5, 900.0, 15.0, 0.005, 301.0, 5, 1, 12, zq, zq, zq)
    res = itm_p2p(z, 90.0, 30.0, 1.5, frequency_mhz=900.0)
    assert t[0] == res.loss_db
    assert t[3] == res.mode


# --------------------------------------------------------------------------------------
# Behaviour
# --------------------------------------------------------------------------------------


def _profile() -> np.ndarray:
    rng = np.random.default_rng(3)
    return np.cumsum(rng.normal(0, 6, 251)) + 300


def test_loss_grows_with_time_percentage() -> None:
    z = _profile()
    losses = [itm_p2p(z, 100.0, 30, 2, frequency_mhz=900, time=t).loss_db for t in (10, 50, 90)]
    assert losses[0] < losses[1] < losses[2]


def test_mdvar_location_variability_switch() -> None:
    z = _profile()
    kw = {"frequency_mhz": 900, "location": 90.0}
    # mdvar 2 (mobile): location tied to time, so 'location' has no effect
    a = itm_p2p(z, 100.0, 30, 2, mdvar=2, **kw).loss_db
    b = itm_p2p(z, 100.0, 30, 2, mdvar=2, frequency_mhz=900, location=10.0).loss_db
    assert a == b
    # mdvar 3 (broadcast): location matters unless +10 removes it
    c = itm_p2p(z, 100.0, 30, 2, mdvar=3, **kw).loss_db
    d = itm_p2p(z, 100.0, 30, 2, mdvar=3, frequency_mhz=900, location=10.0).loss_db
    assert c > d
    e = itm_p2p(z, 100.0, 30, 2, mdvar=13, **kw).loss_db
    f = itm_p2p(z, 100.0, 30, 2, mdvar=13, frequency_mhz=900, location=10.0).loss_db
    assert e == pytest.approx(f)


def test_short_path_raises_itm_warning_4() -> None:
    z = np.full(9, 50.0)
    res = itm_p2p(z, 100.0, 10.0, 2.0, frequency_mhz=900)
    assert res.distance_m == pytest.approx(800.0)
    assert res.warning == 4
    assert res.mode == 0
    assert res.mode_name == "line of sight"
    assert "unreliable" in res.warning_text


def test_area_mode_intermediates() -> None:
    res = itm_area(50.0, 30.0, 2.0, delta_h_m=90.0, frequency_mhz=900, tx_siting=1)
    assert res.distance_m == 50_000.0
    assert res.n_s == 301.0
    assert res.effective_height_m[0] > 30.0  # careful siting raises the effective height
    assert res.effective_height_m[1] == 2.0  # random siting: effective = structural
    assert res.delta_h_m == 90.0
    assert res.loss_db > res.free_space_db


# --------------------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"frequency_mhz": 10.0}, "frequency_mhz"),
        ({"frequency_mhz": 900.0, "epsilon": 0.5}, "epsilon"),
        ({"frequency_mhz": 900.0, "sigma": 0.0}, "sigma"),
        ({"frequency_mhz": 900.0, "n0": 200.0}, "n0"),
        ({"frequency_mhz": 900.0, "climate": 8}, "climate"),
        ({"frequency_mhz": 900.0, "polarization": 2}, "polarization"),
        ({"frequency_mhz": 900.0, "mdvar": 4}, "mdvar"),
        ({"frequency_mhz": 900.0, "mdvar": 40}, "mdvar"),
        ({"frequency_mhz": 900.0, "time": 100.0}, "time"),
        ({"frequency_mhz": 900.0, "location": 0.0}, "location"),
        ({"frequency_mhz": 900.0, "situation": float("nan")}, "situation"),
    ],
)
def test_p2p_rejects_out_of_range_options(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        itm_p2p(_profile(), 100.0, 30.0, 2.0, **kwargs)


def test_p2p_rejects_bad_profile_and_heights() -> None:
    with pytest.raises(ValueError, match="profile_m"):
        itm_p2p([1.0, 2.0], 100.0, 30.0, 2.0, frequency_mhz=900)
    with pytest.raises(ValueError, match="profile_m"):
        itm_p2p([1.0, np.nan, 2.0], 100.0, 30.0, 2.0, frequency_mhz=900)
    with pytest.raises(ValueError, match="spacing_m"):
        itm_p2p(_profile(), 0.0, 30.0, 2.0, frequency_mhz=900)
    with pytest.raises(ValueError, match="tx_height_m"):
        itm_p2p(_profile(), 100.0, 0.1, 2.0, frequency_mhz=900)
    with pytest.raises(ValueError, match="rx_height_m"):
        itm_p2p(_profile(), 100.0, 30.0, 4000.0, frequency_mhz=900)


def test_area_rejects_out_of_range_inputs() -> None:
    kw = {"frequency_mhz": 900.0, "delta_h_m": 90.0}
    with pytest.raises(ValueError, match="d_km"):
        itm_area(0.0, 30.0, 2.0, **kw)
    with pytest.raises(ValueError, match="delta_h_m"):
        itm_area(10.0, 30.0, 2.0, frequency_mhz=900.0, delta_h_m=-1.0)
    with pytest.raises(ValueError, match="tx_siting"):
        itm_area(10.0, 30.0, 2.0, tx_siting=3, **kw)
    with pytest.raises(ValueError, match="rx_siting"):
        itm_area(10.0, 30.0, 2.0, rx_siting=-1, **kw)
    with pytest.raises(ValueError, match="climate"):
        itm_area(10.0, 30.0, 2.0, climate=0, **kw)


def test_order_stat_is_exact_with_any_guess() -> None:
    rng = np.random.default_rng(5)
    buf = np.empty(245)
    for trial in range(60):
        n = int(rng.integers(35, 246))
        r = rng.normal(0.0, 10.0, n) if trial % 2 else rng.integers(0, 6, n).astype(float)
        ordered = np.sort(r)
        for k in (1, 4, 25, n // 2, n - 24, n):
            k = min(max(k, 1), n)
            for guess in (np.nan, ordered[k - 1], ordered[min(k + 3, n - 1)], -1e9, 1e9):
                assert _order_stat(r.copy(), n, k, guess, buf) == ordered[k - 1]


def test_zlsq1_prefix_equals_zlsq1() -> None:
    rng = np.random.default_rng(6)
    for _ in range(200):
        n = int(rng.integers(3, 300))
        z = np.cumsum(rng.normal(0.0, 5.0, n)) + 100.0
        c0 = np.concatenate(([0.0], np.cumsum(z)))
        c1 = np.concatenate(([0.0], np.cumsum(np.arange(n) * z)))
        npts = int(rng.integers(2, n)) if n > 2 else 2
        xi = 30.0
        x1, x2 = sorted(rng.uniform(0.0, npts * xi, 2))
        want = _zlsq1(z[: npts + 1].copy(), xi, x1, x2)
        got = _zlsq1_prefix(c0, c1, z, npts, xi, x1, x2)
        assert got == pytest.approx(want, rel=1e-9, abs=1e-6)
