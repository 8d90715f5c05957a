"""3GPP TR 36.814 sector pattern and the Planet/MSI reader, against hand values."""

from pathlib import Path

import numpy as np
import pytest

from coverage._errors import InputError
from coverage.radio import antenna as ant

MSI = Path(__file__).parent / "data" / "antenna" / "sector_65deg_tilt2.msi"


# ------------------------------------------------------------------------- 3GPP


@pytest.mark.parametrize(
    ("angle", "expected"),
    [
        (0.0, 0.0),  # boresight
        (32.5, -3.0),  # φ = φ3dB/2: 12·(1/2)² = 3 dB
        (-32.5, -3.0),
        (392.5, -3.0),  # wraps to 32.5
        (65.0, -12.0),  # 12·1² = 12 dB
        (90.0, -12 * (90 / 65) ** 2),  # 23.006 dB, still under A_m
        (180.0, -25.0),  # back: 12·(180/65)² = 92 > A_m = 25
        (200.0, -25.0),  # wraps to -160
    ],
)
def test_horizontal_attenuation(angle, expected):
    assert ant.horizontal_attenuation(angle) == pytest.approx(expected)


def test_horizontal_attenuation_options():
    # 90° beam: 45° off = half the beamwidth = -3 dB ; back limited to A_m = 30
    assert ant.horizontal_attenuation(45, beamwidth_deg=90) == pytest.approx(-3.0)
    assert ant.horizontal_attenuation(180, front_to_back_db=30) == pytest.approx(-30.0)


@pytest.mark.parametrize(
    ("elevation", "tilt", "expected"),
    [
        (0.0, 0.0, 0.0),  # horizon, no tilt
        (-6.0, 6.0, 0.0),  # 6° below the horizon is the axis of a 6° downtilt
        (0.0, 6.0, -4.32),  # θ = 0: 12·((0 - 6)/10)² = 4.32 dB
        (-11.0, 6.0, -3.0),  # θ = 11: 12·(5/10)² = 3 dB (half the beamwidth)
        (-1.0, 6.0, -3.0),  # θ = 1: 12·(-5/10)² = 3 dB
        (60.0, 6.0, -20.0),  # far above: capped at SLA_v = 20 dB
    ],
)
def test_vertical_attenuation_tilt(elevation, tilt, expected):
    assert ant.vertical_attenuation(elevation, tilt_deg=tilt) == pytest.approx(expected)


def test_sector_gain_combines_and_caps():
    kw = {"tilt_deg": 4.0}
    # on both axes: 0 dB
    assert ant.sector_gain_db(120, 120, -4, **kw) == pytest.approx(0.0)
    # 3 dB points: horizontal only, then both: -3, -6
    assert ant.sector_gain_db(152.5, 120, -4, **kw) == pytest.approx(-3.0)
    assert ant.sector_gain_db(152.5, 120, -9, **kw) == pytest.approx(-6.0)
    # behind: -25; sideways (23.006) + 5° off tilt (3) = 26.006 > 25: capped at -25
    assert ant.sector_gain_db(300, 120, -4, **kw) == pytest.approx(-25.0)
    assert ant.sector_gain_db(210, 120, 1, **kw) == pytest.approx(-25.0)
    # azimuth 350, bearing 10: 20° off across north, 12·(20/65)² = 1.1361 dB
    assert ant.sector_gain_db(10, 350, 0) == pytest.approx(-12 * (20 / 65) ** 2)


def test_sector_gain_broadcasts_and_is_never_positive():
    bearing = np.arange(0, 360, 5.0)[:, None]
    elevation = np.linspace(-90, 90, 37)[None, :]
    g = ant.sector_gain_db(bearing, 90.0, elevation, tilt_deg=5.0)
    assert g.shape == (72, 37)
    assert g.max() == 0.0  # bearing 90, elevation -5 is on the grid
    assert g[18, 17] == 0.0
    assert g.min() == pytest.approx(-25.0)


def test_omni_is_vertical_part():
    el = np.array([-20.0, -3.0, 0.0, 10.0])
    np.testing.assert_allclose(
        ant.omni_gain_db(el, tilt_deg=3), ant.vertical_attenuation(el, tilt_deg=3)
    )
    assert ant.omni_gain_db(-3, tilt_deg=3) == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("fn", "kwargs", "match"),
    [
        (ant.horizontal_attenuation, {"beamwidth_deg": 0}, "beamwidth_deg must be > 0"),
        (ant.horizontal_attenuation, {"front_to_back_db": -1}, "front_to_back_db must be >= 0"),
        (ant.vertical_attenuation, {"vertical_beamwidth_deg": -5}, "vertical_beamwidth_deg"),
        (ant.vertical_attenuation, {"side_lobe_db": -1}, "side_lobe_db must be >= 0"),
    ],
)
def test_bad_pattern_options(fn, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fn(0.0, **kwargs)


# -------------------------------------------------------------------------- MSI


def test_read_msi_header_and_tables():
    p = ant.read_msi(MSI)
    assert p.name == "3GPP-65-10-T2"
    assert p.frequency_mhz == 1800.0
    assert p.gain_dbi == 17.5
    assert p.horizontal.shape == (360,) and p.vertical.shape == (360,)
    # 12·32²/65² = 2.9084 -> 2.91 in the file ; vertical peak at 2° below the horizon
    assert p.horizontal[32] == 2.91
    assert p.vertical[2] == 0.0
    assert p.max_attenuation_db == 25.0


@pytest.mark.parametrize(
    ("bearing", "elevation", "expected"),
    [
        (0.0, -2.0, 0.0),  # beam axis (2° downtilt)
        (0.0, 0.0, -0.48),  # horizon: 12·(2/10)² = 0.48
        (32.5, -2.0, -3.00),  # between 2.91 (32°) and 3.09 (33°)
        (-32.5, -2.0, -3.00),  # 327.5°: between 3.09 (327° = -33°) and 2.91 (328°)
        (10.5, -2.0, -0.31),  # between 0.28 (10°) and 0.34 (11°)
        (0.0, -2.5, -0.06),  # vertical between 0.00 (2°) and 0.12 (3°: 12·(1/10)²)
        (180.0, -2.0, -25.0),  # back
        (90.0, 30.0, -25.0),  # 23.01 + 20.00 capped at the file's maximum 25
    ],
)
def test_msi_gain_db(bearing, elevation, expected):
    p = ant.read_msi(MSI)
    assert p.gain_db(bearing, elevation) == pytest.approx(expected, abs=1e-9)


def test_msi_gain_db_vectorised_matches_3gpp_formula():
    p = ant.read_msi(MSI)
    bearing = np.arange(-180, 180, 1.0)
    elevation = np.full_like(bearing, -2.0)
    got = p.gain_db(bearing, elevation)
    # the file was written from the 3GPP formula rounded to 0.01 dB
    np.testing.assert_allclose(got, ant.horizontal_attenuation(bearing), atol=0.005 + 1e-9)


def _write_msi(path, horizontal, vertical, gain="17.5 dBi", step=1.0, extra=""):
    n_h, n_v = len(horizontal), len(vertical)
    lines = ["NAME test", "FREQUENCY 900", f"GAIN {gain}" if gain else "", extra]
    lines.append(f"HORIZONTAL {n_h}")
    lines += [f"{i * step:g} {v:.3f}" for i, v in enumerate(horizontal)]
    lines.append(f"VERTICAL {n_v}")
    lines += [f"{i * step:g} {v:.3f}" for i, v in enumerate(vertical)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_msi_round_trip(tmp_path):
    h = np.round(np.linspace(0, 30, 360) % 17, 3)
    v = np.round(np.abs(np.sin(np.radians(np.arange(360)))) * 20, 3)
    p = ant.read_msi(_write_msi(tmp_path / "a.msi", h, v))
    np.testing.assert_array_equal(p.horizontal, h)
    np.testing.assert_array_equal(p.vertical, v)
    assert (p.name, p.frequency_mhz, p.gain_dbi) == ("test", 900.0, 17.5)


@pytest.mark.parametrize(("gain", "dbi"), [("15.35 dBd", 17.5), ("15.35", 17.5), ("12 DBI", 12)])
def test_msi_gain_units(tmp_path, gain, dbi):
    # dBi = dBd + 2.15; no unit means dBd (the MSI default)
    p = ant.read_msi(_write_msi(tmp_path / "g.msi", np.zeros(360), np.zeros(360), gain=gain))
    assert p.gain_dbi == pytest.approx(dbi)


def test_msi_tab_separated_header(tmp_path):
    path = _write_msi(tmp_path / "t.msi", np.zeros(360), np.zeros(360), gain="")
    path.write_text(path.read_text().replace("NAME test", "NAME\tmy antenna\nGAIN\t3 dBi"))
    p = ant.read_msi(path)
    assert (p.name, p.gain_dbi) == ("my antenna", 3.0)


def test_msi_half_degree_steps_are_resampled(tmp_path):
    # 720 samples at 0.5°: value = angle / 10 on [0, 359.5], so 1° samples are angle / 10
    h = np.arange(720) * 0.5 / 10
    p = ant.read_msi(_write_msi(tmp_path / "h.msi", h, h, step=0.5))
    np.testing.assert_allclose(p.horizontal, np.arange(360) / 10, atol=1e-9)


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda t: t.replace("VERTICAL 360", "VERTICAL x"), "VERTICAL must be followed"),
        (lambda t: t.split("VERTICAL")[0], "no VERTICAL section"),
        (lambda t: t.rsplit("\n", 5)[0] + "\n", "announces 360 lines but the file ends"),
        (lambda t: t.replace("\n5 0.", "\n5 zero 0."), "expected 'angle attenuation'"),
        (lambda t: t.replace("GAIN 17.5 dBi", "GAIN 17.5 W"), "GAIN unit must be dBi or dBd"),
        (lambda t: t.replace("GAIN 17.5 dBi", "GAIN high"), "GAIN must be a number"),
        (lambda t: t.replace("GAIN 17.5 dBi", ""), "no GAIN line"),
        (lambda t: t.replace("\n3 0.", "\n1 0.", 1), "strictly increasing"),
    ],
)
def test_msi_errors(tmp_path, mutate, match):
    bad = tmp_path / "bad.msi"
    bad.write_text(mutate(MSI.read_text()))
    with pytest.raises(InputError, match=match) as info:
        ant.read_msi(bad)
    assert info.value.path == str(bad)


def test_msi_missing_file(tmp_path):
    missing = tmp_path / "nope.msi"
    with pytest.raises(InputError, match="cannot read antenna file") as info:
        ant.read_msi(missing)
    assert info.value.path == str(missing)
