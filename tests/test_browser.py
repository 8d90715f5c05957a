"""The maps in a real browser: Debian's headless Chromium, with networking disabled.

Skipped when no Chromium is installed, unless COVERAGE_REQUIRE_BROWSER=1 (set by CI),
where a missing browser is a failure.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from coverage import datasets
from coverage.cli.main import cli
from coverage.layers import Layers
from coverage.maps import gap_map, write_map
from coverage.pipeline import run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    if os.environ.get("COVERAGE_REQUIRE_BROWSER") == "1":
        raise RuntimeError("COVERAGE_REQUIRE_BROWSER=1 but no chromium on PATH")
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Page:
    """A page opened offline, recording console errors, dialogs and network attempts."""

    def __init__(self, browser, path: Path, *, size: tuple[int, int] = (1280, 860)) -> None:
        viewport = {"width": size[0], "height": size[1]}
        self.context = browser.new_context(viewport=viewport, offline=True)
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("request", lambda r: r.url.startswith("http") and self.requests.append(r.url))
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_function("() => window.L && document.querySelector('.leaflet-pane')")
        self.page.wait_for_timeout(300)

    def js(self, script: str):
        return self.page.evaluate(script)

    def close(self) -> None:
        self.context.close()


# JavaScript helpers run in the page: the folium map object and the features it draws.
MAP = "window[document.querySelector('.folium-map').id]"
FEATURES = f"""() => {{
  const out = [];
  {MAP}.eachLayer(l => {{
    if (l.feature && l.feature.properties) out.push(l.feature.properties);
  }});
  return out;
}}"""


@pytest.fixture(scope="module")
def demo_maps(tmp_path_factory):
    out = tmp_path_factory.mktemp("maps")
    result = run(Layers.demo().replace(dem=()), model="range")
    paths = {}
    for static in (False, True):
        m = gap_map(result, lang="vi", static=static, dem=datasets.get_path("dem"), demo=True)
        paths[static] = write_map(m, out / f"map_{static}.html")
    return result, paths


@pytest.mark.parametrize("static", [False, True], ids=["planner", "leadership"])
def test_demo_map_in_chromium(browser, demo_maps, runner, static, tmp_path):
    result, paths = demo_maps
    page = Page(browser, paths[static])
    try:
        assert page.errors == []
        assert page.requests == []  # nothing tried to reach the network
        assert page.js("typeof L.version") == "string"
        overlays = page.js(
            "() => Array.from(document.querySelectorAll('.leaflet-control-layers-overlays "
            "label span')).map(s => s.textContent.trim())"
        )
        for expected in (
            "Địa hình",
            "Xã: tỷ lệ thôn có sóng 3G/4G",
            "Thôn/bản (có sóng / lõm sóng)",
            "Vùng phủ 2G",
            "Vùng phủ 3G",
            "Vùng phủ 4G",
            "Vùng phủ 5G",
            "Trạm BTS",
            "Tuyến cáp quang",
            "Nút cáp quang",
            "Trung tâm xã (cáp quang)",
            "Điểm bưu chính (băng rộng)",
            "Thôn lõm sóng 3G/4G",
        ):
            assert expected in overlays
        # the uncovered villages are drawn, one feature each
        features = page.js(FEATURES)
        gaps = [f for f in features if f.get("status") == "Lõm sóng"]
        expected_gaps = result.summary["villages_total"] - result.summary["villages_covered"]
        assert len(gaps) == expected_gaps > 0
        # the title shows what `coverage compute --json` says, formatted in Vietnamese
        data = json.loads(
            runner.invoke(cli, ["compute", "--json", "-q", "--model", "range"]).stdout
        )
        share = f"{100 * data['village_coverage_share']:.1f}".replace(".", ",")
        covered = f"{data['villages_covered']:,}".replace(",", ".")
        total = f"{data['villages_total']:,}".replace(",", ".")
        header = page.js("document.querySelector('.cov-header').innerText")
        assert f"{covered} / {total} ({share}%)" in header
        assert f"{data['commune_centres_fibre']} / {data['commune_centres_total']}" in header
        assert ("Theo huyện" in page.js("document.body.innerText")) is static
        # a screenshot that is not blank: many colours, real contrast
        shot = tmp_path / "shot.png"
        page.page.screenshot(path=str(shot))
        pixels = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3)
        assert pixels.std() > 20
        assert len(np.unique(pixels[::7], axis=0)) > 200
    finally:
        page.close()


def test_search_box_zooms_to_a_village(browser, demo_maps):
    result, paths = demo_maps
    page = Page(browser, paths[False])
    try:
        village = result.summary["gaps"]["villages"][0]
        label = f"{village['name']} — {village['commune']}"
        before = page.js(f"{MAP}.getZoom()")
        page.page.fill(".cov-search input", label)
        page.page.press(".cov-search input", "Enter")
        page.page.wait_for_timeout(600)
        assert page.js(f"{MAP}.getZoom()") > before
    finally:
        page.close()


BOX = (
    "(s) => {{ const r = document.querySelector(s).getBoundingClientRect(); "
    "return [r.left, r.top, r.right, r.bottom]; }}"
)


def _box(page: Page, selector: str) -> list[float]:
    return page.page.evaluate(BOX.format(), selector)


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


SCREEN = (1400, 900)  # a leader's laptop


def _layer_control_collapsed(page: Page) -> bool:
    return page.js(
        "() => { const c = document.querySelector('.leaflet-control-layers');"
        " const list = c.querySelector('.leaflet-control-layers-list');"
        " return !c.classList.contains('leaflet-control-layers-expanded')"
        " && list.getBoundingClientRect().width === 0; }"
    )


def test_leadership_page_layout_at_1400x900(browser, demo_maps, tmp_path):
    """The leadership page on a 1400x900 screen: the district table's cells hold their
    text, the table sits beside the map (not under its frame) and on the screen, the
    layer list is folded, the title names the province and the date."""
    _, paths = demo_maps
    page = Page(browser, paths[True], size=SCREEN)
    try:
        assert page.errors == []
        overflowing = page.js(
            "() => Array.from(document.querySelectorAll('.cov-tables th, .cov-tables td'))"
            ".filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.innerText)"
        )
        assert overflowing == []
        table, side, frame = (
            _box(page, ".cov-tables table"),
            _box(page, ".cov-side"),
            _box(page, ".folium-map"),
        )
        assert not _overlap(table, frame) and not _overlap(side, frame)
        assert table[2] <= side[2] + 0.5  # no horizontal overflow of the side panel
        assert table[3] <= SCREEN[1] and frame[3] <= SCREEN[1]  # all of it on the screen
        assert frame[2] - frame[0] > 0.6 * SCREEN[0]  # and the map keeps most of the width
        assert page.js("document.documentElement.scrollHeight") <= SCREEN[1]
        assert _layer_control_collapsed(page)
        # the legend is beside the map, not over it
        legend = _box(page, ".cov-legend")
        assert not _overlap(legend, frame)
        header = page.js("document.querySelector('.cov-header').innerText")
        assert "Quảng Bình (nay thuộc tỉnh Quảng Trị)" in header
        assert datetime.date.today().strftime("%d/%m/%Y") in header
        page.page.screenshot(path=str(tmp_path / "leadership.png"))
    finally:
        page.close()


def test_planner_map_at_1400x900(browser, demo_maps, tmp_path):
    """The planner's map: layer list folded, cluster bubbles grey, the legend on the map
    and not taller than it, missing centres drawn as their own symbol."""
    result, paths = demo_maps
    page = Page(browser, paths[False], size=SCREEN)
    try:
        assert page.errors == []
        assert _layer_control_collapsed(page)
        colours = page.js(
            "() => Array.from(document.querySelectorAll('.marker-cluster div'))"
            ".map(d => getComputedStyle(d).backgroundColor)"
        )
        assert colours  # the demo's sites are clustered at this zoom
        for colour in colours:
            r, g, b = (int(v) for v in re.findall(r"\d+", colour)[:3])
            assert r == g == b, colour  # neutral grey
        frame, legend = _box(page, ".folium-map"), _box(page, ".cov-legend")
        assert frame[0] <= legend[0] and legend[2] <= frame[2] and legend[3] <= frame[3]
        missing = page.js("document.querySelectorAll('.cov-circle.cov-missing').length")
        assert (
            missing
            == result.summary["commune_centres_total"] - (result.summary["commune_centres_fibre"])
        )
        postal_missing = page.js("document.querySelectorAll('.cov-triangle.cov-missing').length")
        assert (
            postal_missing
            == result.summary["postal_points_total"] - (result.summary["postal_points_broadband"])
        )
        legend_text = page.js("document.querySelector('.cov-legend').innerText")
        for label in ("Trung tâm xã chưa có cáp quang", "Điểm BĐ-VHX chưa có băng rộng"):
            assert label in legend_text
        page.page.screenshot(path=str(tmp_path / "planner.png"))
    finally:
        page.close()


@pytest.mark.parametrize("static", [False, True], ids=["planner", "leadership"])
def test_small_screen_folds_the_panels(browser, demo_maps, static):
    """On a phone the layer list and the map's legend start folded; the leadership page
    stacks map and table instead of squeezing them side by side."""
    _, paths = demo_maps
    page = Page(browser, paths[static], size=(420, 800))
    try:
        assert page.errors == []
        assert _layer_control_collapsed(page)
        if static:
            frame, side = _box(page, ".folium-map"), _box(page, ".cov-side")
            assert side[1] >= frame[3] - 0.5  # under the map, not over it
            overflowing = page.js(
                "() => Array.from(document.querySelectorAll('.cov-tables td'))"
                ".filter(c => c.scrollWidth > c.clientWidth + 1).length"
            )
            assert overflowing == 0
        else:
            assert page.js("document.querySelector('.cov-legend').open") is False
    finally:
        page.close()


NASTY = "<script>alert(1)</script>"
NASTY_COMMUNE = '<img src=x onerror="alert(2)">'


def test_names_are_escaped(browser, tiny, tmp_path):
    import geopandas as gpd

    villages = gpd.read_file(tiny["villages"])
    villages.loc[villages["village_id"] == "V4", "name"] = NASTY  # V4 is a gap
    villages.to_file(tmp_path / "v.geojson")
    communes = gpd.read_file(tiny["communes"])
    communes.loc[communes["commune_id"] == "C2", "name"] = NASTY_COMMUNE
    communes.loc[:, "district"] = "</script><b>bold</b>"
    communes.to_file(tmp_path / "c.gpkg")
    result = run(
        Layers(**{**tiny, "villages": tmp_path / "v.geojson", "communes": tmp_path / "c.gpkg"}),
        model="range",
    )
    for static in (False, True):
        path = write_map(gap_map(result, lang="en", static=static), tmp_path / f"m{static}.html")
        page = Page(browser, path)
        try:
            assert page.dialogs == [] and page.errors == []
            # the names show as text in the tooltips
            page.js(f"""() => {{ {MAP}.eachLayer(g => {{
                if (!(g instanceof L.GeoJSON)) return;
                g.eachLayer(c => {{
                    if (c.feature.properties.status !== 'Not covered') return;
                    const at = c.getCenter ? c.getCenter() : c.getLatLng();
                    c.fire('mouseover', {{latlng: at}}, true);  // what a hovering user does
                }});
            }}); }}""")
            tips = page.js(
                "() => Array.from(document.querySelectorAll('.leaflet-tooltip'))"
                ".map(t => t.innerText).join(' ')"
            )
            assert NASTY in tips
            assert page.js("document.querySelectorAll('img[src=x]').length") == 0
            assert page.js("document.querySelectorAll('td b').length") == 0  # district: text
            if static:
                assert "</script><b>bold</b>" in page.js("document.body.innerText")
            options = page.js(
                "() => Array.from(document.querySelectorAll('datalist option')).map(o => o.value)"
            )
            assert NASTY_COMMUNE in options
        finally:
            page.close()
