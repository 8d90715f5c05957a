"""Map composition without a browser: labels, colours, escaping, offline assets, PNG."""

import numpy as np
import pytest
from PIL import Image

from coverage.layers import Layers
from coverage.maps import gap_map, map_html
from coverage.maps.basemap import hillshade
from coverage.maps.gapmap import share_colour
from coverage.maps.i18n import number, percent, ratio
from coverage.maps.png import gap_png
from coverage.pipeline import run


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "expected"),
    [
        (1435, "vi", 0, "1.435"),
        (1435, "en", 0, "1,435"),
        (1234567.891, "vi", 2, "1.234.567,89"),
        (0.5, "en", 1, "0.5"),
    ],
)
def test_number_formats(value, lang, decimals, expected):
    assert number(value, lang, decimals) == expected


def test_percent_and_ratio():
    assert percent(0.97815, "vi") == "97,8%"
    assert percent(1.0, "en", 0) == "100%"
    assert ratio(1435, 1467, 1435 / 1467, "vi") == "1.435 / 1.467 (97,8%)"


@pytest.mark.parametrize(
    ("share", "colour"),
    [
        (0.0, "#b2182b"),
        (0.4999, "#b2182b"),
        (0.5, "#ef8a62"),
        (0.9, "#d1e5f0"),
        (0.99, "#67a9cf"),
        (1.0, "#2166ac"),
        (None, "#bdbdbd"),
        (float("nan"), "#bdbdbd"),
    ],
)
def test_share_classes(share, colour):
    assert share_colour(share) == colour


def test_hillshade_of_a_slope_facing_the_light():
    # A plane rising to the east by 1 m per metre (45 deg) faces west. Lit from the west
    # (azimuth 270) at 45 deg altitude the sun is square to it: 1. Lit from the east it is
    # at grazing angle (90 deg from the normal): 0. Flat ground gets sin(altitude).
    x = np.arange(5.0)
    plane = np.tile(x, (5, 1))
    from_west = hillshade(plane, cellsize_x=1, cellsize_y=1, azimuth=270, altitude=45)
    from_east = hillshade(plane, cellsize_x=1, cellsize_y=1, azimuth=90, altitude=45)
    assert from_west[2, 2] == pytest.approx(1.0)
    assert from_east[2, 2] == pytest.approx(0.0, abs=1e-12)
    # rows run north to south: a plane rising to the south faces north
    north_facing = np.tile(x[:, None], (1, 5))
    assert hillshade(north_facing, cellsize_x=1, cellsize_y=1, azimuth=0)[2, 2] == pytest.approx(
        1.0
    )


@pytest.fixture(scope="module")
def tiny_result():
    from .conftest import tiny_layers

    return run(Layers(**tiny_layers()), model="range")


@pytest.mark.parametrize("static", [False, True])
def test_html_is_self_contained(tiny_result, static):
    html = map_html(gap_map(tiny_result, lang="en", static=static))
    # no external script or stylesheet: everything is inlined
    assert "<script src=" not in html
    assert 'rel="stylesheet" href="http' not in html
    assert "cdn.jsdelivr" not in html and "cdnjs" not in html
    assert "1 / 4 (25.0%)" in html  # the headline from the run's summary
    assert ("By district" in html) is static


def test_png_is_a4_and_not_blank(tiny_result, tmp_path):
    path = gap_png(tiny_result, tmp_path / "map.png", lang="en", dpi=50)
    image = np.asarray(Image.open(path).convert("L"))
    assert image.shape == (int(8.27 * 50), int(11.69 * 50))  # A4 landscape
    assert image.std() > 10


def test_raster_model_layers_are_image_overlays(tiny, tiny_dem):
    from coverage import Settings

    result = run(Layers(**tiny), settings=Settings(dem=(str(tiny_dem),)), model="terrain")
    html = map_html(gap_map(result, lang="en"))
    # one transparent PNG per technology with sites (2G, 3G, 4G in the tiny fixture)
    assert html.count("L.imageOverlay(") == 3
    assert "4G coverage" in html


def test_map_names_the_model_in_words(tiny, tiny_dem):
    """Leadership asks "which model?": the header says it in words, ITM with its
    reliability, in both languages."""
    from coverage import Settings

    settings = Settings(dem=(str(tiny_dem),), itm_time=90.0)
    result = run(Layers(**tiny), settings=settings, model="itm")
    html = map_html(gap_map(result, lang="en", static=True))
    assert "Model: Longley-Rice ITM 1.2.2 over the DEM, 90 % of time, 50 % of situations" in html
    vi = map_html(gap_map(result, lang="vi", static=True))
    assert "Mô hình: Longley-Rice ITM 1.2.2 trên DEM, 90% thời gian, 50% tình huống" in vi
    median = run(Layers(**tiny), settings=Settings(dem=(str(tiny_dem),)), model="itm")
    assert "Longley-Rice ITM 1.2.2 over the DEM, median" in map_html(gap_map(median, lang="en"))
    terrain = run(Layers(**tiny), settings=Settings(dem=(str(tiny_dem),)), model="terrain")
    assert "Model: terrain (knife-edge diffraction over the DEM)" in map_html(
        gap_map(terrain, lang="en")
    )
