"""Link budget: reference-signal offsets, received levels and the inverse, by hand."""

import numpy as np
import pytest

from coverage.radio import linkbudget as lb
from coverage.settings import TECHNOLOGIES


def test_eirp():
    # 46 dBm + 17 dBi - 3 dB feeder = 60 dBm
    assert lb.eirp_dbm(46, 17, 3) == pytest.approx(60.0)
    assert lb.eirp_dbm(43, 15.5) == pytest.approx(58.5)
    np.testing.assert_allclose(lb.eirp_dbm(np.array([40.0, 46.0]), 17, 3), [54.0, 60.0])


@pytest.mark.parametrize(
    ("technology", "kwargs", "expected"),
    [
        ("2G", {}, 0.0),
        ("3G", {}, 10.0),  # 10·log10(1/0.1)
        ("3G", {"cpich_fraction": 0.2}, 6.9897),  # 10·log10(5)
        ("4G", {}, 30.7918),  # 20 MHz: 100 RB · 12 = 1200 RE, 10·log10(1200)
        ("4G", {"bandwidth_mhz": 10}, 27.7815),  # 600 RE
        ("4G", {"bandwidth_mhz": 1.4}, 18.5733),  # 6 RB · 12 = 72 RE
        ("5G", {}, 35.1534),  # 100 MHz at 30 kHz: 273 RB · 12 = 3276 RE
        ("5G", {"bandwidth_mhz": 40}, 31.0449),  # 106 RB · 12 = 1272 RE
        ("5G", {"bandwidth_mhz": 20, "scs_khz": 15}, 31.0449),  # 106 RB as well
        ("5G", {"bandwidth_mhz": 50, "scs_khz": 15}, 35.1055),  # 270 RB · 12 = 3240 RE
        ("2G", {"bandwidth_mhz": 5}, 0.0),  # bandwidth ignored for 2G
    ],
)
def test_reference_signal_offset(technology, kwargs, expected):
    got = lb.reference_signal_offset_db(technology, **kwargs)
    assert got == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(
    ("technology", "expected"),
    [
        ("4G", -100.79),  # RSRP: 60 - 30.79 - 130
        ("2G", -70.0),  # RxLev: 60 - 0 - 130
        ("3G", -80.0),  # RSCP: 60 - 10 - 130
        ("5G", -105.15),  # SS-RSRP: 60 - 35.15 - 130
    ],
)
def test_signal_at_130db(technology, expected):
    assert lb.signal_dbm(60.0, 130.0, technology=technology) == pytest.approx(expected, abs=0.005)


def test_signal_with_pattern_and_rx_terms():
    # 60 - 30.79 - 130 - 3 (pattern) + 2 (rx gain) - 3 (body loss) = -104.79
    got = lb.signal_dbm(
        60.0,
        130.0,
        technology="4G",
        antenna_attenuation_db=-3.0,
        rx_gain_dbi=2.0,
        rx_losses_db=3.0,
    )
    assert got == pytest.approx(-104.79, abs=0.005)
    # 10 MHz LTE: offset 27.78 instead of 30.79, so 3.01 dB more
    got10 = lb.signal_dbm(60.0, 130.0, technology="4G", bandwidth_mhz=10)
    assert got10 == pytest.approx(-97.78, abs=0.005)


def test_max_path_loss_hand_value():
    # RSRP threshold -110: 60 - 30.79 + 110 = 139.21 dB
    got = lb.max_path_loss_db(60.0, -110.0, technology="4G")
    assert got == pytest.approx(139.21, abs=0.005)


@pytest.mark.parametrize("technology", ["2G", "3G", "4G", "5G"])
def test_round_trip(technology):
    eirp = np.array([50.0, 60.0, 63.5])
    kwargs = {"antenna_attenuation_db": np.array([0.0, -7.5, -25.0]), "rx_losses_db": 1.0}
    threshold = lb.DEFAULT_THRESHOLDS_DBM[technology]
    lmax = lb.max_path_loss_db(eirp, threshold, technology=technology, **kwargs)
    level = lb.signal_dbm(eirp, lmax, technology=technology, **kwargs)
    np.testing.assert_allclose(level, threshold)
    # 1 dB more loss falls 1 dB short
    short = lb.signal_dbm(eirp, lmax + 1, technology=technology, **kwargs)
    np.testing.assert_allclose(short, threshold - 1)


def test_thresholds_cover_the_project_technologies():
    assert set(lb.DEFAULT_THRESHOLDS_DBM) == set(TECHNOLOGIES)


@pytest.mark.parametrize(
    ("table", "scs_khz"),
    [(lb.LTE_RESOURCE_BLOCKS, 15)]
    + [(lb.NR_RESOURCE_BLOCKS[scs], scs) for scs in sorted(lb.NR_RESOURCE_BLOCKS)],
)
def test_resource_block_tables_fit_their_channels(table, scs_khz):
    # the occupied bandwidth N_RB·12·SCS is 75-99 % of the channel in TS 36.101 / 38.101-1
    for bw_mhz, n_rb in table.items():
        share = n_rb * lb.RE_PER_RB * scs_khz / 1000 / bw_mhz
        assert 0.75 < share < 0.99, (bw_mhz, n_rb)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (("6G",), {}, "technology must be one of '2G', '3G', '4G', '5G'"),
        (("4G",), {"bandwidth_mhz": 7}, "bandwidth_mhz for 4G must be one of 1.4, 3, 5"),
        (("5G",), {"scs_khz": 60}, "scs_khz must be one of 15, 30"),
        (("5G",), {"scs_khz": 15}, "bandwidth_mhz for 5G at 15 kHz must be one of"),
        (("3G",), {"cpich_fraction": 0.0}, r"cpich_fraction must be in \(0, 1\]"),
        (("3G",), {"cpich_fraction": 1.5}, r"cpich_fraction must be in \(0, 1\]"),
    ],
)
def test_offset_errors(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        lb.reference_signal_offset_db(*args, **kwargs)


def test_signal_rejects_unknown_technology():
    with pytest.raises(ValueError, match="technology must be one of"):
        lb.signal_dbm(60, 120, technology="LTE")
