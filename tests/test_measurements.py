"""``coverage calibrate``: measurements made from the project's own prediction plus a known
offset and noise give back the offset and the noise; bad rows are counted, not used.

A flat province (UTM 48N, 12 x 12 km) with four 4G sites and the Hata model (no DEM). The
"true" levels are ``coverage predict``'s own: the prediction of all sites sampled at each
measurement's pixel (the best server), or that of the named site alone, an independent
path from the pairing under test.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from coverage import Layers
from coverage.api import predict_rasters
from coverage.calibration import from_toml
from coverage.cli.main import cli
from coverage.measurements import calibrate

CRS = "EPSG:32648"
X0, Y0 = 600_000.0, 1_900_000.0
OFFSET, SIGMA = -6.0, 2.0

VILLAGES = gpd.GeoDataFrame(
    {"village_id": ["v1"]},
    geometry=[shapely.box(X0, Y0, X0 + 12_000, Y0 + 12_000)],
    crs=CRS,
)
SITES = gpd.GeoDataFrame(
    {
        "site_id": ["A", "B", "C", "D"],
        "technology": ["4G"] * 4,
        "height_m": [30.0] * 4,
        "eirp_dbm": [60.0] * 4,
        "frequency_mhz": [900.0] * 4,
    },
    geometry=[
        shapely.Point(X0 + 3000, Y0 + 3000),
        shapely.Point(X0 + 9000, Y0 + 3000),
        shapely.Point(X0 + 3000, Y0 + 9000),
        shapely.Point(X0 + 9000, Y0 + 9000),
    ],
    crs=CRS,
)


@pytest.fixture(scope="module")
def truth(tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("cal")
    paths = {"villages": d / "villages.gpkg", "sites": d / "sites.gpkg"}
    VILLAGES.to_file(paths["villages"])
    SITES.to_file(paths["sites"])
    layers = Layers(villages=paths["villages"], sites=paths["sites"])
    best = predict_rasters(layers, model="hata", cache=False)[0][1]
    rng = np.random.default_rng(7)
    n = 1500
    xy = np.column_stack([rng.uniform(X0, X0 + 12_000, n), rng.uniform(Y0, Y0 + 12_000, n)])
    points = shapely.points(xy)
    pix = best.pixel_of(points)
    level = best.best["4G"].ravel()[pix]
    named = np.where(rng.random(n) < 0.5, rng.choice(list("ABCD"), n), "")
    for site in "ABCD":  # the named site's own prediction (itself alone), where one is named
        alone = Layers(villages=paths["villages"], sites=SITES[SITES["site_id"] == site])
        own = predict_rasters(alone, model="hata", cache=False)[0][1]
        here = named == site
        level[here] = own.best["4G"].ravel()[own.pixel_of(points[here])]
    keep = np.isfinite(level)
    measured = level + OFFSET + rng.normal(0, SIGMA, n)
    ll = gpd.GeoSeries(points, crs=CRS).to_crs(4326)
    table = pd.DataFrame(
        {
            "lon": ll.x.round(7),
            "lat": ll.y.round(7),
            "Công nghệ": "4G",
            "RSRP (dBm)": measured.round(2),
            "serving_cell": named,
        }
    )[keep]
    # bad rows: not a number, implausible, an unknown site, a 2G row on a 4G-only site,
    # a point outside the area predicted
    far = gpd.GeoSeries([shapely.Point(X0 + 40_000, Y0)], crs=CRS).to_crs(4326).iloc[0]
    bad = pd.DataFrame(
        {
            "lon": [ll.x.iloc[0]] * 4 + [far.x],
            "lat": [ll.y.iloc[0]] * 4 + [far.y],
            "Công nghệ": ["4G", "4G", "4G", "2G", "4G"],
            "RSRP (dBm)": ["abc", "35", "-90", "-90", "-90"],
            "serving_cell": ["", "", "ZZ", "A", ""],
        }
    )
    paths["measurements"] = d / "drive.csv"
    pd.concat([table, bad]).to_csv(paths["measurements"], index=False)
    return {"layers": layers, "paths": paths, "n": int(keep.sum())}


@pytest.fixture(scope="module")
def run(truth):
    return calibrate(truth["layers"], truth["paths"]["measurements"], model="hata")


def test_offset_and_noise_come_back(run, truth):
    s = run.summary
    assert s["points_used"] == truth["n"]
    se = SIGMA / np.sqrt(truth["n"])
    # the fit also has a slope: the offset's error is a few times the mean's
    assert s["offset_db"]["4G"] == pytest.approx(OFFSET, abs=10 * se)
    assert s["before"]["mean_error_db"] == pytest.approx(-OFFSET, abs=4 * se)
    assert s["after"]["rmse_db"] == pytest.approx(SIGMA, rel=0.1)
    assert s["cross_validated_rmse_db"] == pytest.approx(SIGMA, rel=0.1)
    assert s["cross_validated_rmse_db"] >= s["after"]["rmse_db"]
    assert abs(s["slope_db_per_decade"]["4G"]) < 1.0


def test_bad_rows_are_counted_not_used(run):
    assert run.summary["rejected"] == {
        "level not a number": 1,
        "level outside plausible range": 1,
        "unknown site": 1,
        "site without this technology": 1,
        "outside the prediction": 1,
    }
    assert run.summary["points_rejected"] == 5


def test_cli_writes_a_calibration_that_reads_back(truth, tmp_path):
    p = truth["paths"]
    out = tmp_path / "cal"
    args = ["calibrate", "-q", "--villages", str(p["villages"]), "--sites", str(p["sites"])]
    args += ["--model", "hata", "--measurements", str(p["measurements"]), "--no-cache"]
    result = CliRunner().invoke(cli, [*args, "--json", "--out", str(out), "--folds-by", "area"])
    assert result.exit_code == 0, result.output
    s = json.loads(result.stdout)
    for key in ("points_used", "points_rejected", "before", "after", "cross_validated_rmse_db"):
        assert key in s
    assert {"mean_error_db", "rmse_db", "std_db"} <= set(s["before"]) == set(s["after"])
    assert s["cross_validation"]["by"] == "area"
    back = from_toml((out / "calibration.toml").read_text(encoding="utf-8"))
    assert back.offset_db["4G"] == pytest.approx(s["offset_db"]["4G"], abs=1e-3)
    points = gpd.read_file(out / "measurements.gpkg", layer="measurements")
    assert len(points) == s["points_used"]
    for f in ("calibration_scatter.png", "calibration_residuals.png", "calibration.json"):
        assert (out / f).stat().st_size > 0


def test_the_range_model_has_no_level_to_compare(truth):
    p = truth["paths"]
    args = ["calibrate", "-q", "--villages", str(p["villages"]), "--sites", str(p["sites"])]
    args += ["--model", "range", "--measurements", str(p["measurements"])]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "predicts no signal level" in result.output


def test_a_file_without_levels_is_refused(truth, tmp_path):
    bad = tmp_path / "nolevel.csv"
    bad.write_text("lon,lat,technology\n106.5,17.2,4G\n", encoding="utf-8")
    p = truth["paths"]
    args = ["calibrate", "-q", "--villages", str(p["villages"]), "--sites", str(p["sites"])]
    result = CliRunner().invoke(cli, [*args, "--model", "hata", "--measurements", str(bad)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "nolevel.csv" in result.output and "level_dbm" in result.output


def test_a_calibration_shifts_every_prediction_by_its_offset_and_slope(truth, tmp_path):
    """A hand-written calibration: 4G -5 dB and +3 dB per decade, site A +2 dB more.
    Each site predicted alone, with and without it: the difference at a pixel is the
    offset plus the slope x log10(distance in km) (the kernel's distance is its radial
    sample's, within half a pixel of the pixel centre's)."""
    from coverage.calibration import Calibration
    from coverage.settings import Settings

    text = Calibration(
        offset_db={"4G": -5.0},
        slope_db_per_decade={"4G": 3.0},
        site_offsets_db={"4G": {"A": 2.0}},
        model="hata",
    ).to_toml()
    plain = Settings()
    tuned = Settings(calibration=text)
    for site, extra in (("A", 2.0), ("B", 0.0)):
        alone = Layers(villages=truth["paths"]["villages"], sites=SITES[SITES["site_id"] == site])
        a = predict_rasters(alone, model="hata", settings=plain, cache=False)[0][1]
        b = predict_rasters(alone, model="hata", settings=tuned, cache=False)[0][1]
        assert b.info["calibration"]["offset_db"] == {"4G": -5.0}
        rows, cols = np.nonzero(np.isfinite(a.best["4G"]) & np.isfinite(b.best["4G"]))
        x, y = a.transform * (cols + 0.5, rows + 0.5)
        here = SITES.loc[SITES["site_id"] == site].geometry.iloc[0]
        d = np.hypot(x - here.x, y - here.y)
        far = d > 1000.0
        diff = (b.best["4G"] - a.best["4G"])[rows, cols][far]
        expected = -5.0 + extra + 3.0 * np.log10(d[far] / 1000.0)
        res = abs(a.transform.a)
        slack = 3.0 * np.log10((d[far] + res) / np.maximum(d[far] - res, 1.0)) + 1e-3
        assert np.all(np.abs(diff - expected) <= slack)
        assert far.sum() > 1000


def test_compute_records_the_calibration(truth, tmp_path):
    from coverage.calibration import Calibration

    path = tmp_path / "calibration.toml"
    path.write_text(
        Calibration(offset_db={"4G": -6.0}, slope_db_per_decade={"4G": 0.0}).to_toml(),
        encoding="utf-8",
    )
    p = truth["paths"]
    args = ["compute", "-q", "--villages", str(p["villages"]), "--sites", str(p["sites"])]
    args += ["--model", "hata", "--json", "--no-cache"]
    before = json.loads(CliRunner().invoke(cli, args).stdout)
    result = CliRunner().invoke(cli, [*args, "--calibration", str(path)])
    assert result.exit_code == 0, result.output
    after = json.loads(result.stdout)
    assert after["model_info"]["calibration"]["offset_db"] == {"4G": -6.0}
    assert "calibration" not in before["model_info"]
    bad = tmp_path / "bad.toml"
    bad.write_text("[calibration]\nmodel = 3\n", encoding="utf-8")
    result = CliRunner().invoke(cli, [*args, "--calibration", str(bad)])
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_line_of_sight_over_a_ridge():
    """A flat DEM 10 m high with a 60 m ridge across x = 500-530 m: a 30 m mast at x = 0
    sees a receiver at x = 1000 (1.5 m) over flat ground, not over the ridge (the ray is
    about 25 m above the ground there: 10 + 30 + (11.5 - 40) x 0.5)."""
    from affine import Affine

    from coverage.measurements import line_of_sight
    from coverage.radio.dem import Grid

    flat = np.full((10, 200), 10.0)
    ridge = flat.copy()
    ridge[:, 50:53] = 60.0
    transform = Affine(10.0, 0, 0.0, 0, -10.0, 100.0)
    site = np.array([[5.0, 50.0], [5.0, 50.0]])
    point = np.array([[1005.0, 50.0], [1005.0, 50.0]])
    antenna = np.array([30.0, 30.0])
    for array, expected in ((flat, [True, True]), (ridge, [False, False])):
        grid = Grid(array, transform, CRS)
        got = line_of_sight(grid, site, antenna, point, rx_height_m=1.5, k=4 / 3)
        assert got.tolist() == expected
