"""The area engine against the reference formulas (numpy, tests/test_radio_pathloss.py) and
hand-derived diffraction; raster predictions, GeoTIFF output, `predict` and `link`."""

from __future__ import annotations

import math
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from pyproj import CRS

from coverage import InputError, Settings
from coverage.cli.main import cli
from coverage.models.raster import RasterPrediction, predict_raster
from coverage.models.terrain import hata_kernel
from coverage.radio import antenna, pathloss
from coverage.radio.dem import Grid, load_dem
from coverage.radio.engine import reach_m
from coverage.radio.linkbudget import reference_signal_offset_db

from .conftest import tiny_args, write_flat_dem

RES = 30.0
N = 601  # 18 km square
X0, Y0 = 600_000.0, 1_940_000.0  # top-left corner, EPSG:32648
SITE = (X0 + N * RES / 2, Y0 - N * RES / 2)


def flat_grid(height: float = 10.0) -> Grid:
    return Grid(
        array=np.full((N, N), height, dtype=np.float32),
        transform=Affine(RES, 0, X0, 0, -RES, Y0),
        crs=gpd.GeoSeries(crs=32648).crs,
    )


def one_site(**cols) -> gpd.GeoDataFrame:
    base = {
        "site_id": ["S"],
        "technology": ["2G"],
        "frequency_mhz": [900.0],
        "height_m": [30.0],
        "eirp_dbm": [50.0],
    }
    base.update({k: [v] for k, v in cols.items()})
    return gpd.GeoDataFrame(base, geometry=[shapely.Point(*SITE)], crs=32648)


def value_at(pred: RasterPrediction, tech: str, dx: float, dy: float) -> tuple[float, float]:
    """Signal at the pixel containing SITE + (dx, dy), and that pixel centre's distance."""
    col = int((SITE[0] + dx - X0) // RES)
    row = int((Y0 - (SITE[1] + dy)) // RES)
    px, py = X0 + (col + 0.5) * RES, Y0 - (row + 0.5) * RES
    return float(pred.best[tech][row, col]), math.hypot(px - SITE[0], py - SITE[1])


def terrain_kernel(settings: Settings):
    return hata_kernel(settings, terrain=True)


SETTINGS = Settings(
    n_jobs=1, prediction_radius_m={"2G": 8000.0, "3G": 8000.0, "4G": 8000.0, "5G": 8000.0}
)

#: Every technology's threshold so low that the link budget never shortens the radius.
UNBOUNDED = SETTINGS.replace(
    thresholds_dbm={"2G": -400.0, "3G": -400.0, "4G": -400.0, "5G": -400.0}
)


def test_free_space_on_flat_ground_matches_formula():
    settings = SETTINGS.replace(base_model="free-space", k_factor=1e9)
    pred = predict_raster(one_site(), flat_grid(), settings=settings, kernel=hata_kernel(settings))
    got, d = value_at(pred, "2G", 0, 5000)
    d3 = math.hypot(d, 30 - 1.5)
    fspl = 20 * math.log10(4 * math.pi * d3 * 900e6 / 299_792_458)  # ITU-R P.525
    assert got == pytest.approx(50.0 - fspl, abs=0.01)


@pytest.mark.parametrize(("tech", "freq"), [("2G", 900.0), ("4G", 1800.0)])
def test_hata_base_matches_numpy_reference(tech, freq):
    pred = predict_raster(
        one_site(technology=tech, frequency_mhz=freq),
        flat_grid(),
        settings=UNBOUNDED,
        kernel=hata_kernel(UNBOUNDED),
    )
    got, d = value_at(pred, tech, 3000, 0)
    model = pathloss.okumura_hata if freq < 1500 else pathloss.cost231_hata
    hata = float(model(d, freq, 30.0, 1.5, environment="suburban"))
    expected = (
        50.0
        - reference_signal_offset_db(tech)
        - max(hata, float(pathloss.free_space(math.hypot(d, 28.5), freq)))
    )
    assert got == pytest.approx(expected, abs=0.01)


def test_ridge_gives_the_hand_computed_knife_edge_loss():
    # A 100 m ridge 3 km north of a 30 m mast on flat ground at 0 m; receiver 6 km north at
    # 1.5 m; no earth curvature. The ray is 30 - 28.5 * 3/6 = 15.75 m high at the ridge, so
    # h = 84.25 m; lambda = c / 900 MHz; v = h sqrt(2 d / (lambda d1 d2)).
    grid = flat_grid(0.0)
    row = int((Y0 - (SITE[1] + 3000)) // RES)
    grid.array[row - 1 : row + 2, :] = 100.0
    settings = SETTINGS.replace(base_model="free-space", k_factor=1e9)
    pred = predict_raster(one_site(), grid, settings=settings, kernel=terrain_kernel(settings))
    got, d = value_at(pred, "2G", 0, 6000)
    lam = 299.792458 / 900
    v = 84.25 * math.sqrt(2 * 6000 / (lam * 3000 * 3000))
    j = 6.9 + 20 * math.log10(math.sqrt((v - 0.1) ** 2 + 1) + v - 0.1)
    fspl = 20 * math.log10(4 * math.pi * math.hypot(d, 28.5) * 900e6 / 299_792_458)
    assert got == pytest.approx(50.0 - fspl - j, abs=0.5)  # the ridge top is ~2 pixels wide
    # and the engine agrees with the profile reference (Bullington) on the same geometry
    dist = np.arange(0, 6001, RES)
    elev = np.where(np.abs(dist - 3000) <= RES, 100.0, 0.0)
    ref = float(pathloss.bullington_loss(dist, elev, 30.0, 1.5, 900.0, k=1e9))
    assert j == pytest.approx(ref, abs=0.5)


def test_sector_back_is_front_to_back_lower():
    site = one_site(azimuth_deg=0.0, beamwidth_deg=65.0, tilt_deg=0.0)
    settings = SETTINGS.replace(base_model="free-space")
    pred = predict_raster(site, flat_grid(), settings=settings, kernel=hata_kernel(settings))
    front, _ = value_at(pred, "2G", 0, 4000)
    back, _ = value_at(pred, "2G", 0, -4000)
    assert front - back == pytest.approx(25.0, abs=0.3)  # 3GPP front-to-back ratio


def test_radials_stop_where_the_dem_ends(tmp_path):
    grid = flat_grid()
    grid.array[:, : N // 2 - 60] = -1.0e30  # from 1.8 km west of the site on: no DEM
    pred = predict_raster(one_site(), grid, settings=SETTINGS, kernel=terrain_kernel(SETTINGS))
    assert np.isnan(value_at(pred, "2G", -4000, 0)[0])
    assert np.isfinite(value_at(pred, "2G", 4000, 0)[0])


def test_site_without_terrain_is_an_error():
    grid = flat_grid()
    grid.array[:] = -1.0e30
    with pytest.raises(InputError, match="no data"):
        predict_raster(one_site(), grid, settings=SETTINGS, kernel=terrain_kernel(SETTINGS))


def hilly_grid() -> Grid:
    """Ridges, a valley 150 m below the site and noise: diffraction on most pixels."""
    rows, cols = np.mgrid[0:N, 0:N].astype(float)
    east, north = (cols - N // 2) * RES, (N // 2 - rows) * RES
    z = (
        120.0
        + 90.0 * np.sin(east / 1300.0) * np.cos(north / 1700.0)
        + 60.0 * np.exp(-(((north - 2500.0) / 300.0) ** 2))
        - 150.0 * np.exp(-(((east + 3000.0) / 800.0) ** 2))
        + np.random.default_rng(5).normal(0.0, 3.0, (N, N))
    )
    return Grid(
        array=z.astype(np.float32),
        transform=Affine(RES, 0, X0, 0, -RES, Y0),
        crs=gpd.GeoSeries(crs=32648).crs,
    )


def mast_rows() -> gpd.GeoDataFrame:
    """One mast carrying 2G (three sectors, 900 MHz), 4G at 1800 (two sectors) and at
    900 MHz (omni), and 5G at 3500 MHz (one sector)."""
    rows = [
        ("2G", 900.0, 52.0, 0.0, 65.0, 2.0),
        ("2G", 900.0, 51.0, 120.0, 65.0, 4.0),
        ("2G", 900.0, 50.0, 240.0, 90.0, 0.0),
        ("4G", 1800.0, 50.0, 30.0, 65.0, 3.0),
        ("4G", 1800.0, 49.0, 200.0, 65.0, 6.0),
        ("4G", 900.0, 46.0, np.nan, np.nan, 0.0),
        ("5G", 3500.0, 62.0, 300.0, 65.0, 5.0),
    ]
    tech, freq, eirp, az, bw, tilt = map(list, zip(*rows, strict=True))
    return gpd.GeoDataFrame(
        {
            "site_id": ["M"] * len(rows),
            "technology": tech,
            "frequency_mhz": freq,
            "height_m": [35.0] * len(rows),
            "eirp_dbm": eirp,
            "azimuth_deg": az,
            "beamwidth_deg": bw,
            "tilt_deg": tilt,
        },
        geometry=[shapely.Point(*SITE)] * len(rows),
        crs=32648,
    )


def test_one_sweep_serves_every_technology_frequency_and_sector():
    """All antennas of a mast in one sweep give, bit for bit, what sweeping each
    technology and each frequency alone gives (same radials: same prediction radius)."""
    grid, sites, kernel = hilly_grid(), mast_rows(), terrain_kernel(UNBOUNDED)
    together = predict_raster(sites, grid, settings=UNBOUNDED, kernel=kernel)
    for tech in ("2G", "4G", "5G"):
        alone = predict_raster(
            sites[sites.technology == tech], grid, settings=UNBOUNDED, kernel=kernel
        )
        assert np.array_equal(together.best[tech], alone.best[tech], equal_nan=True), tech
        assert np.array_equal(together.count[tech], alone.count[tech]), tech
    bands = [sites[(sites.technology == "4G") & (sites.frequency_mhz == f)] for f in (900, 1800)]
    each = [predict_raster(b, grid, settings=UNBOUNDED, kernel=kernel).best["4G"] for b in bands]
    assert np.array_equal(together.best["4G"], np.fmax(*each), equal_nan=True)
    assert np.isfinite(together.best["4G"]).sum() > 100_000


def radial_profile(grid: Grid, row: int, col: int, n_rad: int):
    """The kernel's profile towards pixel (row, col): its nearest radial sample ``s`` on
    radial bearing ``theta`` (rad), and the bilinear heights of samples 1..s."""
    px, py = X0 + (col + 0.5) * RES, Y0 - (row + 0.5) * RES
    dx, dy = px - SITE[0], py - SITE[1]
    a = round((math.atan2(dx, dy) % (2 * math.pi)) / (2 * math.pi) * n_rad) % n_rad
    s = round(math.hypot(dx, dy) / RES)
    theta = 2 * math.pi * a / n_rad
    d = np.arange(s + 1) * RES
    z = grid.sample(SITE[0] + d * math.sin(theta), SITE[1] + d * math.cos(theta))
    return s, theta, z


def diffraction(z: np.ndarray, f_mhz: float, k: float) -> float:
    """The engine's knife edge on the profile ``z`` (mast 35 m, receiver 1.5 m): beyond
    the line of sight Bullington's (pathloss.bullington_loss); on it, the partial
    obstruction of the TX-horizon sample (the steepest one seen from the mast)."""
    dist = np.arange(len(z)) * RES
    if not pathloss.line_of_sight(dist, z, 35.0, 1.5, f_mhz, k=k).clear:
        return pathloss.bullington_loss(dist, z, 35.0, 1.5, f_mhz, k=k)
    big_d = dist[-1]
    d = dist[1:-1]
    bulged = z[1:-1] + d * (big_d - d) / (2 * k * 6_371_000.0)
    i = int(np.argmax((bulged - z[0] - 35.0) / d))
    line = z[0] + 35.0 + (z[-1] + 1.5 - z[0] - 35.0) * d[i] / big_d
    lam = float(pathloss.wavelength(f_mhz))
    v = pathloss.fresnel_parameter(bulged[i] - line, d[i], big_d - d[i], lam)
    return float(pathloss.knife_edge_loss(v))


@pytest.mark.parametrize("base_model", ["hata", "free-space"])
def test_pixels_match_the_numpy_formulas_on_their_profile(base_model):
    """Each pixel: best antenna (numpy sector pattern) - max(free space, Hata) - the
    knife-edge loss of its own profile (:func:`diffraction`), to float32."""
    grid, sites = hilly_grid(), mast_rows()
    settings = UNBOUNDED.replace(base_model=base_model)
    pred = predict_raster(sites, grid, settings=settings, kernel=terrain_kernel(settings))
    n_rad = max(16, math.ceil(2 * math.pi * 8000.0 / RES))
    ground = float(grid.sample(np.array([SITE[0]]), np.array([SITE[1]]))[0])
    rng = np.random.default_rng(3)
    checked = 0
    for row, col in rng.integers(N // 2 - 250, N // 2 + 250, (40, 2)):
        s, theta, z = radial_profile(grid, row, col, n_rad)
        if s < 2 or math.hypot(row - N // 2, col - N // 2) * RES > 8000:
            continue
        z[0] = ground
        d = s * RES
        hrx = z[s] - d * d / (2 * settings.k_factor * 6_371_000.0) + 1.5
        htx = ground + 35.0
        el = math.degrees(math.atan2(hrx - htx, d))
        for tech, rows in sites.groupby("technology"):
            top = -np.inf
            for band, ants in rows.groupby("frequency_mhz"):
                loss = float(pathloss.free_space(math.hypot(d, htx - hrx), band))
                if base_model == "hata":
                    model = pathloss.okumura_hata if band < 1500 else pathloss.cost231_hata
                    hb = min(max(htx - z[s], 10.0), 300.0)
                    hata = model(d, band, hb, 1.5, environment="suburban")
                    loss = max(loss, float(hata))
                loss += diffraction(z, band, settings.k_factor)
                for a in ants.itertuples():
                    gain = 0.0
                    if np.isfinite(a.azimuth_deg):
                        gain = float(
                            antenna.sector_gain_db(
                                math.degrees(theta), a.azimuth_deg, el,
                                beamwidth_deg=a.beamwidth_deg, tilt_deg=a.tilt_deg,
                            )
                        )  # fmt: skip
                    level0 = a.eirp_dbm - reference_signal_offset_db(tech)
                    top = max(top, level0 + gain - loss)
            assert pred.best[tech][row, col] == pytest.approx(top, abs=2e-3), (tech, row, col)
            checked += 1
    assert checked > 60


def distance_from_site(shape: tuple[int, int]) -> np.ndarray:
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    return np.hypot(X0 + (cols + 0.5) * RES - SITE[0], Y0 - (rows + 0.5) * RES - SITE[1])


def test_link_budget_bound_holds_where_the_valley_favours_the_mast():
    """Nothing the bounded run leaves out could reach the threshold: run the kernel
    unbounded (the whole prediction radius) and every pixel at or above the threshold
    lies where the bounded run computed the very same value. The mast overlooks a
    valley 150 m below it (effective heights up to ~190 m)."""
    grid, sites = hilly_grid(), mast_rows()
    settings = SETTINGS.replace(prediction_radius_m=dict.fromkeys(("2G", "4G", "5G"), 9000.0))
    kernel = terrain_kernel(settings)
    bounded = predict_raster(sites, grid, settings=settings, kernel=kernel)
    full = predict_raster(sites, grid, settings=settings, kernel=replace(kernel, reach=None))
    dist = distance_from_site(grid.shape)
    for tech, b in bounded.best.items():
        f = full.best[tech]
        covered = f >= settings.thresholds_dbm[tech]
        assert covered.any(), tech
        assert np.array_equal(b[covered], f[covered]), tech  # computed, the same value
        inside = np.isfinite(b)
        assert np.array_equal(b[inside], f[inside]), tech
        if tech != "2G":  # 2G's budget reaches the prediction radius from the mast
            assert inside.sum() < 0.9 * np.isfinite(f).sum(), tech  # something was cut
            assert dist[inside].max() < 9000 - RES, tech


def test_link_budget_bound_is_tight_on_flat_ground():
    """On flat ground the most favourable effective height is the mast itself: the
    radius is where Hata at 30 m reaches the threshold (+ half a pixel), well inside
    the former bound for a 300 m effective height."""
    settings = SETTINGS.replace(prediction_radius_m=dict.fromkeys(("2G", "4G"), 20_000.0))
    sites = one_site(technology="4G", frequency_mhz=1800.0, eirp_dbm=60.0)
    pred = predict_raster(sites, flat_grid(), settings=settings, kernel=hata_kernel(settings))
    b = pred.best["4G"]
    dist = distance_from_site(b.shape)
    far = dist[np.isfinite(b)].max()
    level0 = 60.0 - reference_signal_offset_db("4G")
    lmax = level0 - settings.thresholds_dbm["4G"]
    hata = pathloss.cost231_hata(far - RES / 2, 1800.0, 30.0, 1.5, environment="suburban")
    assert hata == pytest.approx(lmax, abs=0.02)  # the threshold, half a pixel nearer
    covered = b >= settings.thresholds_dbm["4G"]
    assert dist[covered].max() > far - 1.5 * RES  # covered pixels up to the edge
    kw = dict(rx_height_m=1.5, env=1, base=1, cap_m=np.array([1e6]), res_m=RES)
    level, threshold, f = np.array([level0]), np.array([-110.0]), np.array([1800.0])
    before = reach_m(level, threshold, f, np.array([300.0]), **kw)[0]
    assert far <= reach_m(level, threshold, f, np.array([30.0]), **kw)[0] < 0.4 * before


def test_mast_ground_is_read_from_the_dem_file_not_the_grid(tmp_path):
    """A mast on a one-post peak (100 m amid 10 m ground, 3" posts): its ground is the
    post's own height whatever the grid's resolution (90 m or the DEM's 90.29 m), where
    the resampled grids disagree by metres; the kernel's antenna height follows."""
    from pyproj import Transformer
    from rasterio.transform import from_origin

    posts = np.full((200, 200), 10, dtype=np.int16)
    posts[100, 100] = 100
    west, north = 105.90, 17.60
    path = tmp_path / "peak.tif"
    profile = dict(
        driver="GTiff", width=200, height=200, count=1, dtype="int16", crs="EPSG:4326",
        transform=from_origin(west, north, 1 / 1200, 1 / 1200), nodata=-32768,
    )  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(posts, 1)
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32648", always_xy=True)
    x, y = to_utm.transform(west + 100.5 / 1200, north - 100.5 / 1200)  # the peak post
    sites = one_site(eirp_dbm=50.0)
    sites.geometry = [shapely.Point(x, y)]
    settings = UNBOUNDED.replace(prediction_radius_m=dict.fromkeys(("2G",), 3000.0))
    crs = gpd.GeoSeries(crs=32648).crs
    for res in (90.0, 90.29):
        grid = load_dem(
            path, crs=crs, bounds=(x - 5000, y - 5000, x + 5000, y + 5000), resolution=res
        )
        on_grid = float(grid.sample(np.array([x]), np.array([y]))[0])
        assert abs(on_grid - 100.0) > 5  # the resampled grid lowers the peak
        assert float(grid.ground(np.array([x]), np.array([y]))[0]) == pytest.approx(100.0)
        pred = predict_raster(sites, grid, settings=settings, kernel=hata_kernel(settings))
        # 2 km north on the flat: Hata with hb = 100 + 30 - 10 m (no diffraction)
        col, row = (int(v) for v in ~grid.transform * (x, y + 2000))
        px, py = grid.transform * (col + 0.5, row + 0.5)
        d = round(math.hypot(px - x, py - y) / res) * res  # its radial sample
        hrx = 10.0 - d * d / (2 * settings.k_factor * 6_371_000.0) + 1.5
        hata = pathloss.okumura_hata(d, 900.0, 120.0, 1.5, environment="suburban")
        fs = pathloss.free_space(math.hypot(d, 130.0 - hrx), 900.0)
        assert pred.best["2G"][row, col] == pytest.approx(50.0 - max(hata, fs), abs=2e-3)


def test_area_share_from_raster():
    best = np.full((10, 10), -120.0, dtype=np.float32)
    best[:, :5] = -80.0  # west half above the -95 dBm threshold
    pred = RasterPrediction(
        best={"2G": best},
        count={"2G": np.zeros((10, 10), np.uint16)},
        thresholds={"2G": -95.0},
        transform=Affine(10, 0, 0, 0, -10, 100),
        crs=gpd.GeoSeries(crs=32648).crs,
    )
    polys = np.array(
        [shapely.box(0, 0, 100, 100), shapely.box(0, 0, 40, 100), shapely.box(52, 52, 54, 54)]
    )  # last: smaller than a pixel, east half
    assert pred.area_share(polys, ["2G"]).tolist() == pytest.approx([0.5, 1.0, 0.0])
    assert pred.max_signal(polys, ["2G"]).tolist() == pytest.approx([-80, -80, -120])


def test_load_dem_reprojects_and_mosaics(tiny_dem):
    grid = load_dem(
        [tiny_dem],
        crs=gpd.GeoSeries(crs=32648).crs,
        bounds=(600_000, 1_930_000, 610_000, 1_935_000),
        resolution=50,
    )
    assert grid.shape == (100, 200)
    assert np.nanmax(grid.array) == pytest.approx(10.0)
    assert grid.res == 50


def test_dem_not_covering_the_villages_is_refused(runner, tiny, tmp_path):
    # a DEM covering only the western half of the tiny fixture's villages
    path = write_flat_dem(tmp_path / "half.tif", west=105.93, north=17.60, height=360, width=48)
    result = runner.invoke(
        cli, ["compute", *tiny_args(tiny, model="terrain"), "--dem", str(path), "-q"]
    )
    assert result.exit_code == 2
    assert "half.tif" in result.stderr and "covers only" in result.stderr


def test_nearest_resampling_keeps_real_posts(tmp_path):
    """A random 3" DEM reprojected to UTM: with ``nearest`` every pixel is one of the
    source posts (no peak is lowered); bilinear produces values between posts."""
    from rasterio.transform import from_origin

    rng = np.random.default_rng(4)
    posts = rng.integers(0, 1000, (240, 240)).astype(np.float32)
    path = tmp_path / "rough.tif"
    profile = dict(
        driver="GTiff", width=240, height=240, count=1, dtype="float32", crs="EPSG:4326",
        transform=from_origin(106.0, 17.6, 1 / 1200, 1 / 1200),
    )  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(posts, 1)
    kw = dict(crs=gpd.GeoSeries(crs=32648).crs, bounds=(608_000, 1_930_000, 612_000, 1_934_000))
    near = load_dem(path, resampling="nearest", **kw)
    smooth = load_dem(path, **kw)
    assert np.isin(near.array, posts).all()
    assert not np.isin(smooth.array, posts).all()
    assert near.array.max() > smooth.array.max()
    # a grid three times finer than the DEM would only repeat posts in terraces: bilinear
    fine = load_dem(path, resampling="nearest", resolution=30.0, **kw)
    assert not np.isin(fine.array, posts).all()
    # Grid.sample(method="nearest") returns the containing pixel's value
    x = near.transform.c + (np.array([3, 10]) + 0.9) * near.res
    y = near.transform.f - (np.array([5, 7]) + 0.1) * near.res
    assert near.sample(x, y, "nearest").tolist() == [near.array[5, 3], near.array[7, 10]]


def test_a_truncated_dem_is_bad_input_not_an_internal_error(runner, tiny, tmp_path, tiny_dem):
    # the header survives (the file opens), the pixel data is cut: reading the heights fails
    data = tiny_dem.read_bytes()
    cut = tmp_path / "cut.tif"
    cut.write_bytes(data[: len(data) // 3])
    result = runner.invoke(
        cli, ["compute", *tiny_args(tiny, model="terrain"), "--dem", str(cut), "-q", "--no-cache"]
    )
    assert result.exit_code == 2, result.output
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(f"error: {cut}: cannot read the DEM's heights (")
    )


def _dem_with_unit(path, unit: str, value: float):
    transform = rasterio.transform.from_origin(105.85, 17.60, 1 / 1200, 1 / 1200)
    with rasterio.open(
        path, "w", driver="GTiff", height=120, width=120, count=1, dtype="float32",
        crs="EPSG:4326", transform=transform,
    ) as dst:  # fmt: skip
        dst.write(np.full((120, 120), value, dtype=np.float32), 1)
        dst.units = (unit,)
    return path


@pytest.mark.parametrize(
    ("unit", "expected"), [("", 100.0), ("m", 100.0), ("ft", 30.48), ("US-ft", 30.48006)]
)
def test_dem_heights_in_feet_are_converted(tmp_path, unit, expected):
    path = _dem_with_unit(tmp_path / "dem.tif", unit, 100.0)
    bounds = (593_500.0, 1_938_600.0, 597_500.0, 1_942_600.0)  # inside, in UTM 48N
    grid = load_dem(path, crs=CRS.from_epsg(32648), bounds=bounds, resolution=100)
    assert np.nanmax(grid.array) == pytest.approx(expected, abs=1e-3)
    assert np.nanmin(grid.array) == pytest.approx(expected, abs=1e-3)
    # the mast's ground, read from the file's own posts, is in metres too
    assert grid.ground(np.array([595_500.0]), np.array([1_940_600.0]))[0] == pytest.approx(
        expected, abs=1e-3
    )


def test_dem_heights_in_an_unknown_unit_are_refused(tmp_path):
    path = _dem_with_unit(tmp_path / "dem.tif", "degC", 25.0)
    bounds = (593_500.0, 1_938_600.0, 597_500.0, 1_942_600.0)
    with pytest.raises(InputError, match=r"heights are in 'degc'.*convert the DEM to metres"):
        load_dem(path, crs=CRS.from_epsg(32648), bounds=bounds, resolution=100)


@pytest.mark.parametrize(
    ("unit", "value", "shown"),
    [("", 31_430.0, "31,430"), ("ft", 40_000.0, "12,192"), ("m", -20_000.0, "-20,000")],
)
def test_dem_heights_beyond_earth_are_refused(tmp_path, unit, value, shown):
    # decimetres read as metres (Fansipan 3,143 m as 31,430), or feet beyond Everest
    path = _dem_with_unit(tmp_path / "dem.tif", unit, value)
    bounds = (593_500.0, 1_938_600.0, 597_500.0, 1_942_600.0)
    with pytest.raises(InputError, match=f"heights of {shown} m, beyond any on Earth"):
        load_dem(path, crs=CRS.from_epsg(32648), bounds=bounds, resolution=100)
