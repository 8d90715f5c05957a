"""``coverage link``: what the terrain profile shows, beside ITM's smooth-earth region.

DEMs built here: 90 m pixels in EPSG:32648 (the UTM zone the command picks for these
points), ground at 10 m, and ridges one pixel wide running north-south across the path.
The path runs east along the centre of row 20, from the centre of column 10 to the centre
of column 120: D = 9,900 m, a profile sample every 90 m on every column centre. The site's
antenna is 30 m up, the receiver's 1.5 m; with k = 4/3, 2 k R = 16,989,333.3 m.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import rasterio
from pyproj import Transformer
from rasterio.transform import from_origin

from coverage.cli.main import cli

X0, Y0, RES = 600_000.0, 1_932_000.0, 90.0
TWO_K_R = 2 * (4 / 3) * 6_371_000.0
D = 110 * RES


def _lonlat(col: float) -> str:
    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(
        X0 + (col + 0.5) * RES, Y0 - 20.5 * RES
    )
    return f"{lon:.9f},{lat:.9f}"


def _dem(path, ridges: dict[int, float]):
    heights = np.full((41, 160), 10.0, dtype=np.float32)
    for col, height in ridges.items():
        heights[:, col] = height
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=160,
        height=41,
        count=1,
        dtype="float32",
        crs="EPSG:32648",
        transform=from_origin(X0, Y0, RES, RES),
    ) as dst:
        dst.write(heights, 1)
    return path


def _above_ray(d: float, ground: float) -> float:
    """Hand formula: ground + bulge - ray at ``d`` metres from the site."""
    return ground + d * (D - d) / TWO_K_R - (40.0 + (11.5 - 40.0) * d / D)


def _link(runner, dem, *extra: str):
    args = ["link", "--from", _lonlat(10), "--to", _lonlat(120), "--dem", str(dem), *extra]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    return result


def test_flat_ground_shows_line_of_sight(runner, tmp_path):
    dem = _dem(tmp_path / "flat.tif", {})
    data = json.loads(_link(runner, dem, "--json").stdout)
    assert data["distance_m"] == pytest.approx(D, abs=0.5)
    # the least clearance is at the last sample before the receiver, d = 9,810 m:
    # 10 + 0.0520 (bulge) - 11.759 (ray) = -1.707 m
    expected = _above_ray(9_810.0, 10.0)
    assert expected == pytest.approx(-1.707, abs=1e-3)
    assert data["profile"] == {
        "shows": "line of sight",
        "obstruction_above_ray_m": round(expected, 1),
        "obstruction_distance_m": 9_810.0,
        "horizon_distance_m": None,
    }
    assert data["itm"]["profile"]["shows"] == "line of sight"
    assert data["itm"]["mode"] == "line of sight"

    text = _link(runner, dem).stdout
    assert (
        "profile (earth curvature k = 1.33): line of sight; highest terrain -1.7 m above the "
        "direct ray (negative = clearance) at 9.81 km" in text
    )
    itm_line = next(line for line in text.splitlines() if line.startswith("  itm ("))
    assert "smooth-earth line of sight region; its profile shows line of sight" in itm_line
    assert "note:" not in text


def test_one_ridge_shows_one_horizon(runner, tmp_path):
    # a 300 m ridge on column 55: 4,050 m from the site, 5,850 m from the receiver
    dem = _dem(tmp_path / "ridge.tif", {55: 300.0})
    data = json.loads(_link(runner, dem, "--json").stdout)
    profile = data["profile"]
    assert profile["shows"] == "one horizon"
    assert profile["horizon_distance_m"] == [4_050.0, 5_850.0]
    assert profile["obstruction_distance_m"] == 4_050.0
    # ITM's heights are the DEM's posts (nearest): the ridge stands at its full 300 m,
    # 300 + 1.3946 (bulge) - 28.341 (ray) = 273.05 m above the ray
    expected = _above_ray(4_050.0, 300.0)
    assert expected == pytest.approx(273.05, abs=0.01)
    assert data["itm"]["profile"] == {
        "shows": "one horizon",
        "obstruction_above_ray_m": round(expected, 1),
        "obstruction_distance_m": 4_050.0,
        "horizon_distance_m": [4_050.0, 5_850.0],
    }
    # ITM finds the same horizons on that profile (its own code, its own curvature)...
    assert data["itm"]["horizon_distance_m"] == [4_050.0, 5_850.0]
    # ... yet calls the path "line of sight": its region comes from a smooth-earth fit
    assert data["itm"]["mode"] == "line of sight"
    # the bilinear profile rounds the one-pixel crest off, but it still blocks the ray
    assert 0 < profile["obstruction_above_ray_m"] < expected
    assert data["line_of_sight"] is False
    assert profile["obstruction_above_ray_m"] == pytest.approx(-data["min_clearance_m"], abs=0.06)

    text = _link(runner, dem).stdout
    height = profile["obstruction_above_ray_m"]
    assert (
        "profile (earth curvature k = 1.33): one horizon at 4.05 km from the site (5.85 km "
        f"from the receiver); highest terrain +{height:.1f} m above the direct ray "
        "(negative = clearance) at 4.05 km" in text
    )
    itm_line = next(line for line in text.splitlines() if line.startswith("  itm ("))
    assert "smooth-earth line of sight region" in itm_line
    assert f"its profile shows one horizon, terrain +{expected:.1f} m above the ray" in itm_line
    assert "note: ITM's region comes from its smooth-earth fit of the profile" in text


def test_two_ridges_show_two_horizons(runner, tmp_path):
    # 200 m on column 40 (2,700 m from the site), 250 m on column 90 (2,700 m from the
    # receiver)
    dem = _dem(tmp_path / "ridges.tif", {40: 200.0, 90: 250.0})
    data = json.loads(_link(runner, dem, "--json").stdout)
    assert data["profile"]["shows"] == "two horizons"
    assert data["profile"]["horizon_distance_m"] == [2_700.0, 2_700.0]
    own = data["itm"]["profile"]
    assert own["shows"] == "two horizons"
    # the higher above the ray, by hand: 250 + 1.1443 (bulge) - 19.273 (ray) = 231.87 m
    expected = _above_ray(7_200.0, 250.0)
    assert expected == pytest.approx(231.87, abs=0.01)
    assert own["obstruction_above_ray_m"] == round(expected, 1)
    assert own["obstruction_distance_m"] == 7_200.0
    assert data["itm"]["horizon_distance_m"] == [2_700.0, 2_700.0]

    text = _link(runner, dem).stdout
    assert (
        "profile (earth curvature k = 1.33): two horizons, 2.70 km from the site and 2.70 km "
        "from the receiver; highest terrain +" in text
    )
    itm_line = next(line for line in text.splitlines() if line.startswith("  itm ("))
    assert f"its profile shows two horizons, terrain +{expected:.1f} m above the ray" in itm_line
    # ITM names its region from a smooth-earth fit; it disagrees with the terrain here
    assert data["itm"]["mode"] == "line of sight"
    assert "note: ITM's region comes from its smooth-earth fit" in text


def test_a_link_shorter_than_a_pixel_has_a_profile(runner, tmp_path):
    # 45 m between the ends on a 90 m DEM: the profile still has a middle sample
    dem = _dem(tmp_path / "flat.tif", {})
    args = ["link", "--from", _lonlat(10), "--to", _lonlat(10.5), "--dem", str(dem), "--json"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["profile_samples"] == 3
    assert data["profile"]["shows"] == "line of sight"
    assert data["profile"]["obstruction_distance_m"] == pytest.approx(22.5, abs=0.1)


def test_help_says_what_the_profile_shows(runner):
    result = runner.invoke(cli, ["link", "--help"])
    assert result.exit_code == 0
    assert "link [OPTIONS]" in result.output
    assert "one horizon or two horizons" in result.output


def test_link_over_flat_ground(runner, tiny_dem):
    result = runner.invoke(
        cli,
        [
            "link",
            "--from",
            "105.90,17.50",
            "--to",
            "105.93,17.52",
            "--technology",
            "2G",
            "--dem",
            str(tiny_dem),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["line_of_sight"] is True
    d3 = math.hypot(data["distance_m"], 30 - 1.5)
    fspl = 20 * math.log10(4 * math.pi * d3 * 900e6 / 299_792_458)
    assert data["path_loss_db"]["free_space"] == pytest.approx(fspl, abs=0.02)
    assert data["received_dbm"]["free_space"] == pytest.approx(58 - fspl, abs=0.02)
    # ITM on the same profile: line of sight over smooth ground, never below free space
    assert data["itm"]["mode"] == "line of sight"
    assert data["path_loss_db"]["itm"] >= data["path_loss_db"]["free_space"] - 0.01
    # the text output names ITM's region, horizons and terrain irregularity
    args = ["link", "--from", "105.90,17.50", "--to", "105.93,17.52", "--dem", str(tiny_dem)]
    text = runner.invoke(cli, [*args, "--technology", "2G"])
    assert text.exit_code == 0, text.output
    itm_line = next(line for line in text.stdout.splitlines() if "itm (" in line)
    assert "line of sight region" in itm_line
    assert "delta h 0 m" in itm_line  # flat DEM


def test_link_outside_the_dem_is_an_error(runner, tiny_dem):
    result = runner.invoke(
        cli, ["link", "--from", "105.90,17.50", "--to", "107.5,17.52", "--dem", str(tiny_dem)]
    )
    assert result.exit_code == 2
    assert "no data along the path" in result.stderr
