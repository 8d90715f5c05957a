"""Map composition without a browser: labels, colours, escaping, offline assets, PNG."""

import dataclasses
import datetime
from itertools import pairwise

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from coverage.layers import Layers
from coverage.maps import gap_map, map_html, palette
from coverage.maps.basemap import hillshade
from coverage.maps.gapmap import share_colour
from coverage.maps.i18n import number, percent, province_label, ratio
from coverage.maps.png import compose_png, gap_png
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
        (0.0, "#440154"),
        (0.4999, "#440154"),
        (0.5, "#414487"),
        (0.85, "#2a788e"),
        (0.9, "#22a884"),
        (0.99, "#7ad151"),
        (1.0, "#fde725"),
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


# ---------------------------------------------------------------- palette, checked here
# An implementation of its own (not the palette module's): sRGB -> linear RGB -> (Machado
# 2009 colour-vision deficiency, severity 1) -> XYZ (D65) -> CIELAB, and CIE76 ΔE.

MACHADO = {
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ],
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
}


def _lab(hex_colour: str, vision: str | None) -> np.ndarray:
    rgb = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    if vision:
        lin = np.clip(np.array(MACHADO[vision]) @ lin, 0, 1)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    t = (m @ lin) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _de(a: str, b: str, vision: str | None = None) -> float:
    return float(np.linalg.norm(_lab(a, vision) - _lab(b, vision)))


def _palette_problems(classes: list[str], vision: str | None) -> list[str]:
    """Pairs of colours that a reader (with ``vision``) could confuse."""
    problems = []
    for a, b in pairwise(classes):
        if _de(a, b, vision) < 12:
            problems.append(f"adjacent {a} {b}")
    for c in classes:
        for ref, name in ((palette.UNCOVERED, "gap red"), (palette.SEA, "sea")):
            if _de(c, ref, vision) < 20:
                problems.append(f"{c} ~ {name}")
    return problems


@pytest.mark.parametrize("vision", [None, "deuteranopia", "protanopia"])
def test_share_classes_stay_apart_also_for_colour_blind_readers(vision):
    classes = [c for _, c in palette.SHARE_CLASSES]
    assert len(set(classes)) == 6
    assert _palette_problems(classes, vision) == []
    # the no-data grey is not a class either
    assert min(_de(c, palette.NO_DATA_COLOUR, vision) for c in classes) > 15
    # and the palette module's own report agrees with this independent computation
    report = palette.palette_report()[vision or "normal"]
    assert report["gap_red"] == pytest.approx(
        min(_de(c, palette.UNCOVERED, vision) for c in classes), abs=0.5
    )


def test_the_check_catches_the_old_palette():
    """The defects reported in issue 12 fail the check above: < 50 % ~ gap red,
    90-95 % ~ sea."""
    old = ["#b2182b", "#ef8a62", "#fddbc7", "#d1e5f0", "#67a9cf", "#2166ac"]
    problems = _palette_problems(old, None)
    assert "#d1e5f0 ~ sea" in problems
    assert "#b2182b ~ gap red" in _palette_problems(old, "deuteranopia")


@pytest.mark.parametrize(
    ("names", "lang", "expected"),
    [
        (["Tỉnh Quảng Bình"], "vi", "Quảng Bình (nay thuộc tỉnh Quảng Trị)"),
        (["Quang Binh"], "en", "Quảng Bình (now part of Quảng Trị province)"),
        (["TP. Hải Dương"], "vi", "Hải Dương (nay thuộc thành phố Hải Phòng)"),
        (["Tỉnh Bình Dương"], "en", "Bình Dương (now part of Ho Chi Minh City)"),
        (["Tỉnh Sơn La", None, "Tỉnh Sơn La"], "vi", "Sơn La"),
        ([], "vi", None),
        (None, "en", None),
    ],
)
def test_province_label(names, lang, expected):
    assert province_label(names, lang) == expected


QUANG_BINH_DAY = datetime.date(2026, 3, 7)


@pytest.fixture(scope="module")
def quang_binh_result(tiny_result):
    """The tiny run, its communes labelled as in the demo (province column)."""
    communes = tiny_result.communes.assign(province="Tỉnh Quảng Bình")
    return dataclasses.replace(tiny_result, communes=communes)


def test_png_title_names_province_and_date(quang_binh_result):
    fig = compose_png(quang_binh_result, lang="vi", dpi=40, date=QUANG_BINH_DAY)
    texts = [t.get_text() for t in fig.texts]
    assert any("Quảng Bình (nay thuộc tỉnh Quảng Trị)" in t and "07/03/2026" in t for t in texts)
    fig = compose_png(quang_binh_result, lang="en", dpi=40, date=QUANG_BINH_DAY)
    texts = [t.get_text() for t in fig.texts]
    assert any("now part of Quảng Trị province" in t and "7 March 2026" in t for t in texts)


@pytest.mark.parametrize("static", [False, True])
def test_html_title_names_province_and_date(quang_binh_result, static):
    page = map_html(gap_map(quang_binh_result, lang="en", static=static, date=QUANG_BINH_DAY))
    assert "Quảng Bình (now part of Quảng Trị province) · 7 March 2026" in page
    assert "<title>Coverage gaps and telecom infrastructure — Quảng Bình" in page


def test_png_draws_postal_points_at_their_positions(tiny_result, tmp_path):
    """Each postal point is drawn where it is: a white marker (broadband) or a black one
    in a white halo (none), on top of the commune colours."""
    dpi = 100
    fig = compose_png(tiny_result, lang="en", dpi=dpi, date=QUANG_BINH_DAY)
    fig.savefig(tmp_path / "m.png", dpi=dpi)
    image = np.asarray(Image.open(tmp_path / "m.png").convert("RGB")).astype(int)
    ax = fig.axes[0]
    postal = tiny_result.postal.to_crs(4326)
    xy = ax.transData.transform(np.c_[postal.geometry.x, postal.geometry.y])
    height = image.shape[0]
    assert postal["connected"].tolist() == [True, False, True]  # P2: 800 m from fibre
    for (x, y), connected in zip(xy, postal["connected"], strict=True):
        col, row = round(x), round(height - y)
        patch = image[row - 1 : row + 2, col - 1 : col + 2].reshape(-1, 3)
        expected = np.array([255, 255, 255] if connected else [0, 0, 0])
        # the centre of the marker has the marker's colour...
        assert np.abs(patch - expected).max(axis=1).min() < 30, (connected, patch)
        # ...and a missing one has its white halo around the black core
        if not connected:
            ring = image[row - 6 : row + 7, col - 6 : col + 7].reshape(-1, 3)
            assert (ring.min(axis=1) > 225).sum() >= 8
    # the halo makes a missing point stand out from anything the map draws in colour
    assert tuple(palette.POINT_MISSING) != tuple(palette.UNCOVERED)


def test_png_map_fills_its_panel(tiny_result):
    """No blank band under the title: the map panel keeps the size it was given."""
    fig = compose_png(tiny_result, lang="en", dpi=40)
    FigureCanvasAgg(fig).draw()  # applies the aspect ratio
    box = fig.axes[0].get_position()
    from coverage.maps.png import MAP_BOX

    assert box.height == pytest.approx(MAP_BOX[3], rel=0.01)
    assert box.width == pytest.approx(MAP_BOX[2], rel=0.01)


def test_png_district_table_fits_its_cells(tiny_result):
    rows = [
        {**d, "district": name}
        for d, name in zip(
            tiny_result.summary["by_district"] * 3,
            ["Huyện A", "Thành phố Đồng Hới", "Thị xã Kỳ Anh Rất Dài Tên Huyện"],
            strict=False,
        )
    ]
    long = dataclasses.replace(tiny_result, summary={**tiny_result.summary, "by_district": rows})
    fig = compose_png(long, lang="vi", dpi=80)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    table = fig.axes[1].tables[0]
    map_box = fig.axes[0].get_window_extent(renderer)
    for cell in table.get_celld().values():
        cell_box = cell.get_window_extent(renderer)
        text_box = cell.get_text().get_window_extent(renderer)
        assert text_box.x0 >= cell_box.x0 - 0.5 and text_box.x1 <= cell_box.x1 + 0.5
        assert cell_box.x0 > map_box.x1  # beside the map, never under its frame


@pytest.mark.parametrize("static", [False, True])
def test_legend_explains_every_layer(tiny_result, static):
    page = map_html(gap_map(tiny_result, lang="en", static=static))
    # the planner's legend is a Leaflet control: its markup sits in a script, JSON-escaped
    for escaped, plain in (("\\u003c", "<"), ("\\u003e", ">"), ("\\u0026", "&")):
        page = page.replace(escaped, plain)
    for label in (
        "&lt; 50%",
        "100%",
        "no villages",
        "Villages without 3G/4G",
        "Villages with 3G/4G",
        "Commune centres on fibre",
        "Commune centres without fibre",
        "Postal points with fixed broadband",
        "Postal points without broadband",
        "Cell sites",
        "Fibre routes",
    ):
        assert label in page, label


def test_png_legend_explains_every_layer(tiny_result):
    fig = compose_png(tiny_result, lang="en", dpi=40)
    from matplotlib.legend import Legend

    legends = [a for a in fig.axes[1].get_children() if isinstance(a, Legend)]
    labels = [t.get_text() for legend in legends for t in legend.get_texts()]
    assert labels[:6] == list(palette.SHARE_LABELS)
    for label in (
        "Villages without 3G/4G",
        "Commune centres without fibre",
        "Postal points with fixed broadband",
        "Postal points without broadband",
        "Cell sites",
        "Fibre routes",
    ):
        assert label in labels


def test_planner_layer_control_collapsed_and_clusters_grey(tiny_result):
    page = map_html(gap_map(tiny_result, lang="en"))
    assert '"collapsed": true' in page
    for grey in palette.CLUSTER_GREYS:
        assert grey in page
