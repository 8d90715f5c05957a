"""The gap maps by the communes of today (``units="new"``, ``coverage map --units new``)."""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
import shutil

import numpy as np
import pytest
from PIL import Image

from coverage import CoverageError
from coverage.cli.main import cli
from coverage.layers import Layers
from coverage.maps import gap_map, map_html, write_map
from coverage.maps.i18n import new_units_label
from coverage.maps.palette import share_colour
from coverage.maps.png import NEW_UNIT_ROWS, compose_png
from coverage.pipeline import run

from .conftest import tiny_args

DAY = datetime.date(2026, 3, 7)


@pytest.fixture(scope="module")
def demo():
    return run(Layers.demo().replace(dem=()), model="range")


def _choropleth(m) -> list[dict]:
    """The features of the commune choropleth of a folium map."""
    import folium

    layers = [
        child
        for group in m._children.values()
        for child in getattr(group, "_children", {}).values()
        if isinstance(child, folium.GeoJson) and child.layer_name == "communes"
    ]
    assert len(layers) == 1
    return layers[0].data["features"]


@pytest.mark.parametrize("static", [False, True], ids=["planner", "leadership"])
def test_choropleth_is_the_new_units(demo, static):
    features = _choropleth(gap_map(demo, lang="en", static=static, units="new", date=DAY))
    new = demo.new_communes
    assert len(new) == 41 and len(features) == 41
    by_code = {f["properties"]["code"]: f["properties"] for f in features}
    assert set(by_code) == set(new["commune_id"].astype(str))
    for _, row in new.iterrows():
        props = by_code[str(row["commune_id"])]
        assert props["name"] == row["name"]
        assert props["colour"] == share_colour(row["coverage_share"])
        assert props["villages"] == row["villages"]
        assert props["share_text"] == f"{100 * row['coverage_share']:.1f}%"
    # no old commune (nor its district) in the choropleth
    assert "district" not in features[0]["properties"]


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("vi", "Tỉnh Quảng Trị — phần thuộc tỉnh Quảng Bình cũ (41 xã, phường) · ngày 07/03/2026"),
        ("en", "Quảng Trị province — the part that was Quảng Bình (41 communes) · 7 March 2026"),
    ],
)
def test_title_names_todays_province_and_the_part(demo, lang, line):
    page = map_html(gap_map(demo, lang=lang, static=True, units="new", date=DAY))
    assert f'<p class="cov-subtitle">{line}</p>' in page
    fig = compose_png(demo, lang=lang, units="new", date=DAY, dpi=50)
    assert line in [t.get_text() for t in fig.texts]


def test_label_from_the_data_not_the_demo():
    assert new_units_label(["Thành phố Đà Nẵng"], ["Tỉnh Quảng Nam"], 93, "en") == (
        "Đà Nẵng city — the part that was Quảng Nam (93 communes)"
    )
    assert new_units_label(["Tỉnh Sơn La"], ["Sơn La"], 75, "en") == "Sơn La province (75 communes)"


def test_search_finds_villages_and_new_units(demo):
    m = gap_map(demo, lang="vi", units="new", date=DAY)
    page = map_html(m)
    (controls,) = [c for c in m._children.values() if c._name == "CovControls"]
    entries = json.loads(controls.entries)
    labels = [e["label"] for e in entries]
    new_names = set(demo.new_communes["name"])
    assert new_names <= set(labels)
    assert not set(demo.communes["name"]) - new_names & set(labels)  # no old-only commune
    assert len(labels) == 41 + len(demo.villages)
    village = demo.villages.iloc[0]
    unit = demo.new_communes.set_index("commune_id").loc[village["new_commune_id"], "name"]
    assert f"{village['name']} — {unit}" in labels
    assert "Tìm thôn, xã, phường…" in page


def test_leadership_table_by_new_unit_worst_first(demo):
    page = map_html(gap_map(demo, lang="en", static=True, units="new", date=DAY))
    table = re.search(r'<section class="cov-tables cov-new-units">(.*?)</section>', page, re.S)
    assert table is not None and "By district" not in page
    rows = re.findall(r"<tr><td>(.*?)</td>.*?<td class=n>([\d.]+)%</td>", table.group(1))
    assert len(rows) == 41
    shares = [float(s) for _, s in rows]
    assert shares == sorted(shares)
    worst = demo.new_communes.sort_values("coverage_share").iloc[0]
    assert rows[0][0] == worst["name"]


def test_old_units_unchanged(demo):
    """``units="old"`` is the default and draws what it drew before: old communes, districts."""
    default = map_html(gap_map(demo, lang="en", static=True, date=DAY))
    m = gap_map(demo, lang="en", static=True, units="old", date=DAY)
    old = map_html(m)
    strip = re.compile(r"[0-9a-f]{32}")  # folium's element ids
    assert strip.sub("", default) == strip.sub("", old)
    features = _choropleth(m)
    assert len(features) == len(demo.commune_geometry)
    assert set(features[0]["properties"]) >= {"name", "district", "share_text"}
    assert "By district" in old and "cov-new-units" not in old
    assert "Quảng Bình (now part of Quảng Trị province)" in old


def test_png_new_units_side_table(demo, tmp_path):
    fig = compose_png(demo, lang="vi", units="new", date=DAY, dpi=60)
    side = fig.axes[1]
    (table,) = side.tables
    names = [c.get_text().get_text() for (r, c_), c in table.get_celld().items() if c_ == 0]
    assert len(names) == NEW_UNIT_ROWS + 1  # and the header
    assert names and "Xã Thượng Trạch" in names
    notes = [t.get_text() for t in side.texts]
    assert f"{NEW_UNIT_ROWS} xã, phường có tỷ lệ thấp nhất trong 41" in notes


def test_new_without_new_units_raises(demo):
    bare = dataclasses.replace(demo, new_communes=None)
    with pytest.raises(CoverageError, match="--new-communes or --crosswalk"):
        gap_map(bare, units="new")
    with pytest.raises(CoverageError, match="units must be one of"):
        gap_map(demo, units="2025")


def test_cli_units_new_without_new_units(runner, tiny, tmp_path):
    out = tmp_path / "m.html"
    result = runner.invoke(cli, ["map", *tiny_args(tiny), "--units", "new", "-o", str(out)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = [ln for ln in result.output.splitlines() if "--new-communes" in ln]
    assert len(lines) == 1 and "--crosswalk" in lines[0]
    assert not out.exists()


@pytest.mark.parametrize("flags", [["--static"], ["--png"]])
def test_cli_units_new_demo(runner, tmp_path, flags):
    out = tmp_path / ("m.png" if "--png" in flags else "m.html")
    args = ["map", "--model", "range", "--units", "new", *flags, "--lang", "en", "-o", str(out)]
    result = runner.invoke(cli, [*args, "-q"])
    assert result.exit_code == 0, result.output
    if out.suffix == ".png":
        with Image.open(out) as image:
            assert image.size[0] > image.size[1]
    else:
        assert "the part that was Quảng Bình (41 communes)" in out.read_text(encoding="utf-8")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_new_units_leadership_page_in_chromium(demo, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    path = write_map(gap_map(demo, lang="vi", static=True, units="new"), tmp_path / "m.html")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1400, "height": 900}, offline=True)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.resolve().as_uri())
        page.wait_for_function("() => window.L && document.querySelector('.leaflet-pane')")
        rows = page.evaluate("document.querySelectorAll('.cov-new-units tbody tr').length")
        codes = page.evaluate(
            """() => {
              const out = new Set();
              const map = window[document.querySelector('.folium-map').id];
              map.eachLayer(l => l.feature && l.feature.properties.code
                && out.add(l.feature.properties.code));
              return out.size;
            }"""
        )
        shot = np.asarray(Image.open(__import__("io").BytesIO(page.screenshot())).convert("RGB"))
        browser.close()
    assert errors == []
    assert rows == 41
    assert codes == 41  # the choropleth is drawn, one shape per new unit
    assert shot.std() > 10  # not a blank page
