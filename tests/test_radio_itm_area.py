"""The ITM area kernel (coverage.radio.itm_area) against coverage.radio.itm.itm_p2p on
profiles extracted independently here, and `coverage compute --model itm`."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine

from coverage import Settings
from coverage.models import MODELS
from coverage.models.raster import predict_raster
from coverage.models.terrain import itm_kernel
from coverage.radio.dem import Grid
from coverage.radio.itm import _qlrps
from coverage.radio.itm_area import _radial_losses
from coverage.radio.link import _run_itm
from coverage.radio.linkbudget import reference_signal_offset_db

RES = 30.0
N = 161  # 4.8 km square
X0, Y0 = 600_000.0, 1_940_000.0  # top-left corner, EPSG:32648
CENTRE = N // 2
SITE = (X0 + (CENTRE + 0.5) * RES, Y0 - (CENTRE + 0.5) * RES)  # a pixel centre
RADIUS = 2300.0
SETTINGS = Settings(
    n_jobs=1, prediction_radius_m={"2G": RADIUS, "3G": RADIUS, "4G": RADIUS, "5G": RADIUS}
)
EIRP, MAST, F = 50.0, 30.0, 900.0


def dem(kind: str) -> np.ndarray:
    rows, cols = np.mgrid[0:N, 0:N].astype(float)
    z = 20.0 + 0.0 * rows
    if kind == "ridge":
        # an east-west ridge 1.2 km north of the site and a gentle slope across the grid
        north = (CENTRE - rows) * RES
        z = z + 80.0 * np.exp(-(((north - 1200.0) / 150.0) ** 2)) + 0.01 * cols * RES
    return z.astype(np.float32)


def grid(kind: str) -> Grid:
    return Grid(
        array=dem(kind),
        transform=Affine(RES, 0, X0, 0, -RES, Y0),
        crs=gpd.GeoSeries(crs=32648).crs,
    )


def one_site(site: tuple[float, float] = SITE) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "site_id": ["S"],
            "technology": ["2G"],
            "frequency_mhz": [F],
            "height_m": [MAST],
            "eirp_dbm": [EIRP],
        },
        geometry=[shapely.Point(*site)],
        crs=32648,
    )


def expected(
    g: Grid,
    row: int,
    col: int,
    time: float = 50.0,
    situation: float = 50.0,
    heights: str = "nearest",
    site: tuple[float, float] = SITE,
) -> float:
    """Signal at pixel (row, col): ITM on the profile along its nearest radial, the
    heights read from the grid by ``heights`` (Grid.sample)."""
    px, py = X0 + (col + 0.5) * RES, Y0 - (row + 0.5) * RES
    dx, dy = px - site[0], py - site[1]
    n_rad = max(16, math.ceil(2 * math.pi * RADIUS / RES))
    a = round((math.atan2(dx, dy) % (2 * math.pi)) / (2 * math.pi) * n_rad) % n_rad
    d = np.arange(round(math.hypot(dx, dy) / RES) + 1) * RES
    theta = 2 * math.pi * a / n_rad
    profile = g.sample(site[0] + d * math.sin(theta), site[1] + d * math.cos(theta), heights)
    loss = p2p_loss(profile, RES, MAST, time=time, situation=situation)
    return EIRP - reference_signal_offset_db("2G") - loss


def p2p_loss(
    profile, xi: float, mast: float, time: float = 50.0, situation: float = 50.0, f: float = F
) -> float:
    """ITM point to point with the default settings' ground, climate and receiver (as
    ``coverage link`` runs it)."""
    s = Settings().replace(itm_time=time, itm_situation=situation)
    return _run_itm(np.asarray(profile), np.array([0.0, xi]), mast, s.rx_height_m, f, s).loss_db


# (row, col) offsets from the site: due north (on a radial, exact pixel heights), beyond
# the ridge, and arbitrary bearings (bilinear heights between radials)
PIXELS = [(-10, 0), (-50, 0), (-70, 0), (-45, 20), (31, -17), (-3, 64), (12, 5), (-2, 1)]


@pytest.mark.parametrize("heights", ["nearest", "bilinear"])
@pytest.mark.parametrize("kind", ["flat", "ridge"])
def test_pixels_match_itm_p2p_on_their_profile(kind, heights):
    g = grid(kind)
    settings = SETTINGS.replace(itm_heights=heights)
    pred = predict_raster(one_site(), g, settings=settings, kernel=itm_kernel(settings))
    assert pred.model == "itm"
    assert pred.info["itm"]["climate"] == 3
    assert pred.info["itm"]["heights"] == heights
    raster = pred.best["2G"]
    for dr, dc in PIXELS:
        row, col = CENTRE + dr, CENTRE + dc
        want = expected(g, row, col, heights=heights)
        assert raster[row, col] == pytest.approx(want, abs=0.05), (dr, dc)


@pytest.mark.parametrize("heights", ["nearest", "bilinear"])
def test_site_between_pixel_centres(heights):
    """A site off its pixel's centre on sloping ground: the profile starts from the
    site's own ground by the same height rule as every other sample."""
    g = grid("ridge")
    site = (SITE[0] + 0.37 * RES, SITE[1] - 0.21 * RES)
    settings = SETTINGS.replace(itm_heights=heights)
    pred = predict_raster(one_site(site), g, settings=settings, kernel=itm_kernel(settings))
    for dr, dc in [(-10, 0), (-50, 0), (-45, 20), (31, -17)]:
        row, col = CENTRE + dr, CENTRE + dc
        want = expected(g, row, col, heights=heights, site=site)
        assert pred.best["2G"][row, col] == pytest.approx(want, abs=2e-3), (dr, dc)


def test_reliability_settings_reach_the_kernel():
    """Time 90 % / situation 80 %: the same pixels equal ITM at those percentages, and
    the signal is lower than the median (a loss exceeded less often is larger)."""
    g = grid("ridge")
    settings = SETTINGS.replace(itm_time=90.0, itm_situation=80.0)
    pred = predict_raster(one_site(), g, settings=settings, kernel=itm_kernel(settings))
    median = predict_raster(one_site(), g, settings=SETTINGS, kernel=itm_kernel(SETTINGS))
    assert pred.info["itm"]["time_location_situation_percent"] == [90.0, 50.0, 80.0]
    for dr, dc in PIXELS:
        row, col = CENTRE + dr, CENTRE + dc
        want = expected(g, row, col, time=90.0, situation=80.0)
        assert pred.best["2G"][row, col] == pytest.approx(want, abs=0.05), (dr, dc)
        assert pred.best["2G"][row, col] < median.best["2G"][row, col]


def test_ridge_shadows_and_radius_cap():
    flat = predict_raster(one_site(), grid("flat"), settings=SETTINGS, kernel=itm_kernel(SETTINGS))
    ridge = predict_raster(
        one_site(), grid("ridge"), settings=SETTINGS, kernel=itm_kernel(SETTINGS)
    )
    behind = (CENTRE - 55, CENTRE)  # 1.65 km north, in the ridge's shadow
    assert ridge.best["2G"][behind] < flat.best["2G"][behind] - 10
    # no Hata inversion: everything within the prediction radius is computed, nothing beyond
    rows, cols = np.mgrid[0:N, 0:N]
    dist = np.hypot(cols - CENTRE, rows - CENTRE) * RES
    b = flat.best["2G"]
    assert np.isfinite(b[dist <= RADIUS - 1]).all()
    assert np.isnan(b[dist > RADIUS + 1]).all()


def test_radials_stop_at_the_dem_edge():
    g = grid("flat")
    shift = g.transform * Affine.translation(CENTRE - 40, 0)
    edge = Grid(array=g.array[:, CENTRE - 40 :], transform=shift, crs=g.crs)
    pred = predict_raster(one_site(), edge, settings=SETTINGS, kernel=itm_kernel(SETTINGS))
    b = pred.best["2G"]
    assert np.isnan(b[CENTRE, 0])  # on the DEM's first pixel column: no profile to it
    assert np.isfinite(b[CENTRE, 20])


def test_model_is_registered():
    assert "itm" in MODELS


def radial_profiles(rng: np.random.Generator):
    """Varied profiles: random walks, near-flat ground, hills, a wall, valley floors, and
    a flat sea (exactly 0 m: every residual ties) then a coast."""
    for trial in range(48):
        n = int(rng.integers(3, 360))
        kind = trial % 6
        x = np.arange(n, dtype=float)
        if kind == 0:
            z = np.cumsum(rng.normal(0.0, 8.0, n)) + 300.0
        elif kind == 1:
            z = 20.0 + rng.normal(0.0, 0.5, n)
        elif kind == 2:
            z = 200.0 + 150.0 * np.sin(x / rng.uniform(3.0, 40.0)) + rng.normal(0.0, 3.0, n)
        elif kind == 3:
            z = np.where(x > n * 0.3, 400.0, 10.0) + rng.normal(0.0, 1.0, n)
        elif kind == 4:
            z = 900.0 - 800.0 * np.exp(-(((x - n / 2) / (n / 6 + 1)) ** 2))
        else:
            z = np.where(x < n * 0.7, 0.0, 5.0 + (x - n * 0.7) * 3.0)
        yield z, float(rng.choice([30.0, 90.0])), float(rng.choice([2.0, 10.0, 30.0, 60.0]))


def test_radial_walk_equals_itm_p2p_on_every_prefix():
    """The incremental walk (hulls for the curvature bracket, prefix sums, bounded Δh)
    gives, for every sample, ITM's own result on the profile ending there."""
    rng = np.random.default_rng(11)
    params = itm_kernel(SETTINGS).params
    freqs = np.array([F, 1800.0])
    bands = [_qlrps(f, 0.0, params.n0, params.pol, params.eps, params.sgm) for f in freqs]
    wn = np.array([b[0] for b in bands])
    zgnd = np.array([b[3] for b in bands])
    feeds = np.array([1, 2])  # band 0 feeds window 0, band 1 window 1
    checked = 0
    for z, xi, mast in radial_profiles(rng):
        n = len(z)
        loss = np.full((2, n), np.nan)
        need = rng.integers(0, 4, n)  # skipped samples (0) still feed the state
        work, iwork = np.empty((7, n + 245)), np.empty((2, n), dtype=np.int64)
        args = (freqs, wn, zgnd, feeds, params, work, iwork)
        _radial_losses(z, n, need, loss, xi, mast, params.rx_h, *args)
        for b, f in enumerate(freqs):
            wanted = (need & feeds[b]) > 0
            assert np.isnan(loss[b, 2:][~wanted[2:]]).all()
            for k in np.flatnonzero(wanted[2:]) + 2:
                want = p2p_loss(z[: k + 1], xi, mast, f=f)
                assert loss[b, k] == pytest.approx(want, abs=1e-6), (len(z), k, xi, mast, f)
                checked += 1
    assert checked > 3000


def test_one_walk_serves_every_frequency():
    """2G at 900 MHz and 4G at 1800 MHz on one mast: one ITM walk per radial gives, bit
    for bit, what each technology alone gives, and 1800 MHz loses more than 900 MHz."""
    g = grid("ridge")
    two = pd.concat([one_site(), one_site().assign(technology="4G", frequency_mhz=1800.0)])
    kernel = itm_kernel(SETTINGS)
    together = predict_raster(two, g, settings=SETTINGS, kernel=kernel)
    for tech in ("2G", "4G"):
        alone = predict_raster(two[two.technology == tech], g, settings=SETTINGS, kernel=kernel)
        assert np.array_equal(together.best[tech], alone.best[tech], equal_nan=True), tech
    row, col = CENTRE - 50, CENTRE
    offset = reference_signal_offset_db("4G") - reference_signal_offset_db("2G")
    assert together.best["4G"][row, col] < together.best["2G"][row, col] - offset
