"""Hostile names are escaped in the maps' HTML, checked on the text (no browser).

Village, commune, district, site, operator, commune-centre and postal-point names are set
to markup and quotes; the rendered planner's map and leadership page must carry them only
in escaped forms: HTML-escaped once in the tooltip data and in the page (folium's tooltips
insert the properties as HTML, so they are escaped beforehand), or JSON-escaped with ``<``,
``>``, ``&`` as ``\\u003c``, ``\\u003e``, ``\\u0026`` inside our own scripts (the search box).
``tests/test_browser.py`` checks the same in Chromium.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser

import geopandas as gpd
import pandas as pd
import pytest

from coverage.layers import Layers
from coverage.maps import gap_map, map_html
from coverage.maps._assets import script_json
from coverage.pipeline import run

from .conftest import tiny_layers

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
QUOTES = "\"quotes' & ampersands"
HOSTILE = (SCRIPT, IMG, QUOTES)


def _escaped_forms(name: str) -> list[str]:
    """Every form in which ``name`` may appear in a safe page, longest first."""
    once = html.escape(name)  # text and attribute values; tooltip data
    forms = {once}
    for text in (name, once):
        # inside a <script>: JSON with < > & as \u escapes (our script_json; folium's
        # data JSON also escapes the apostrophe)
        inner = script_json(text)[1:-1]
        forms |= {inner, inner.replace("'", "\\u0027")}
    return sorted(forms, key=len, reverse=True)


@pytest.fixture(scope="module")
def hostile_result(tmp_path_factory):
    from pathlib import Path

    tiny = Path(__file__).parent / "data" / "tiny"
    folder = tmp_path_factory.mktemp("hostile")

    villages = gpd.read_file(tiny / "villages.geojson")
    # V2 and V4 are gaps (drawn twice: villages and gaps layers), V1 and V3 are not
    villages["name"] = [SCRIPT, IMG, QUOTES, SCRIPT]
    villages.to_file(folder / "villages.geojson")

    communes = gpd.read_file(tiny / "communes.gpkg")
    communes["name"] = [IMG, QUOTES]
    communes["district"] = [SCRIPT, QUOTES]
    communes.to_file(folder / "communes.gpkg")

    centres = gpd.read_file(tiny / "centres.geojson")
    centres["name"] = [SCRIPT, QUOTES]
    centres.to_file(folder / "centres.geojson")

    postal = gpd.read_file(tiny / "postal.geojson")
    postal["name"] = [SCRIPT, IMG, QUOTES]
    postal.to_file(folder / "postal.geojson")

    sites = pd.read_csv(tiny / "sites.csv")
    sites["site_id"] = [SCRIPT, IMG, QUOTES, "S3"]
    sites["operator"] = [IMG, QUOTES, SCRIPT, "VinaPhone"]
    sites.to_csv(folder / "sites.csv", index=False)

    layers = {**tiny_layers(folder), "fibre": tiny_layers()["fibre"]}
    result = run(Layers(**layers), model="range")
    # the names went through reading unchanged
    assert set(result.villages["name"]) == set(HOSTILE)
    assert set(result.sites["site_id"]) == {SCRIPT, IMG, QUOTES, "S3"}
    return result


def _feature_properties(page: str) -> list[dict]:
    """The properties of every feature of folium's GeoJSON layers, as the page's JS gets them."""
    decoder = json.JSONDecoder()
    out = []
    for match in re.finditer(r"geo_json_[0-9a-f]+_add\(", page):
        data, _ = decoder.raw_decode(page, match.end())
        out += [feature["properties"] for feature in data["features"]]
    return out


class _Page(HTMLParser):
    """The tags, attributes and table-cell texts of a page, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.cells: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        if tag == "td":
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.cells.append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


@pytest.mark.parametrize("lang", ["en", "vi"])
@pytest.mark.parametrize("static", [False, True], ids=["planner", "leadership"])
def test_hostile_names_are_escaped(hostile_result, static, lang):
    page = map_html(gap_map(hostile_result, lang=lang, static=static))

    # never raw
    for name in HOSTILE:
        assert name not in page
    assert "<script>alert" not in page and "<img src=x" not in page
    # every occurrence of the names is an escaped form: strip those and nothing is left
    rest = page
    for name in HOSTILE:
        for form in _escaped_forms(name):
            rest = rest.replace(form, "")
    assert "alert(1)" not in rest
    assert "ampersands" not in rest

    # folium's tooltips and popups insert feature properties as HTML: every string
    # property is HTML-safe, and unescapes to the name (escaped once, not twice)
    properties = _feature_properties(page)
    assert properties
    shown = set()
    for props in properties:
        for value in props.values():
            if isinstance(value, str):
                assert not re.search(r"[<>\"']|&(?!(lt|gt|amp|quot|#x27);)", value), props
                shown.add(html.unescape(value))
    assert set(HOSTILE) <= shown
    # the search box gets the raw names, JSON-escaped for its <script>
    assert script_json(f"{SCRIPT} — {IMG}")[1:-1] in page  # village V1 in commune C1

    # parsed as a browser would: no injected element or event handler
    parsed = _Page()
    parsed.feed(page)
    parsed.close()
    for tag, attrs in parsed.tags:
        assert not (tag == "img" and ("src", "x") in attrs)
        for key, value in attrs:
            assert not key.startswith("on"), (tag, attrs)
            assert "alert(" not in (value or ""), (tag, attrs)

    if static:
        # the district table shows the names as text, exactly
        assert {SCRIPT, QUOTES} <= set(parsed.cells)
