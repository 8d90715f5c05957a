"""QGIS styles in the GeoPackage (coverage.exports.qgis): the layer_styles table and its QML."""

from __future__ import annotations

import sqlite3
from xml.etree import ElementTree as ET

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from coverage.exports.qgis import (
    add_layer_styles,
    communes_style,
    coverage_styles,
    villages_style,
)
from coverage.maps.gapmap import COVERED, SHARE_CLASSES, UNCOVERED, share_colour

#: The columns of QGIS's layer_styles table, in its order.
COLUMNS = [
    "id",
    "f_table_catalog",
    "f_table_schema",
    "f_table_name",
    "f_geometry_column",
    "styleName",
    "styleQML",
    "styleSLD",
    "useAsDefault",
    "description",
    "owner",
    "ui",
    "update_time",
]


def _rgb(colour: str) -> str:
    """``#rrggbb`` as QML's ``r,g,b`` (written out here, independently of the module)."""
    return ",".join(str(int(colour[i : i + 2], 16)) for i in (1, 3, 5))


@pytest.fixture
def gpkg(tmp_path):
    """An output-like GeoPackage: communes (polygons) and villages (points), one file each."""
    communes = gpd.GeoDataFrame(
        {"commune_id": ["C1", "C2", "C3"], "name": ["Xã Một", "Xã Hai", "Xã Ba"]},
        geometry=[shapely.box(i, 0, i + 1, 1) for i in range(3)],
        crs=32648,
    ).assign(coverage_share=[0.5, 1.0, np.nan])
    villages = gpd.GeoDataFrame(
        {"village_id": ["V1", "V2"], "covered": [True, False]},
        geometry=[shapely.Point(0.5, 0.5), shapely.Point(1.5, 0.5)],
        crs=32648,
    )
    communes.to_file(tmp_path / "communes.gpkg", layer="communes", engine="pyogrio")
    villages.to_file(tmp_path / "villages.gpkg", layer="villages", engine="pyogrio")
    return tmp_path


def _rows(path) -> list[dict]:
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM layer_styles ORDER BY id")]


def test_layer_styles_table_as_qgis_writes_it(gpkg):
    path = gpkg / "communes.gpkg"
    add_layer_styles(path, {"communes": communes_style()})
    with sqlite3.connect(path) as db:
        columns = [r[1] for r in db.execute("PRAGMA table_info(layer_styles)")]
        contents = db.execute(
            "SELECT data_type, identifier FROM gpkg_contents WHERE table_name = 'layer_styles'"
        ).fetchall()
        extensions = db.execute(
            "SELECT * FROM gpkg_extensions WHERE table_name = 'layer_styles'"
        ).fetchall()
    assert columns == COLUMNS
    assert contents == [("attributes", "layer_styles")]
    assert extensions == []
    (row,) = _rows(path)
    assert row["f_table_name"] == "communes" and row["styleName"] == "communes"
    assert row["f_geometry_column"] == "geom"  # GDAL's name for it
    assert row["useAsDefault"] == 1
    assert row["f_table_catalog"] == "" and row["f_table_schema"] == ""
    assert row["update_time"].endswith("Z") and "T" in row["update_time"]
    # GDAL (as QGIS) still opens the file and reads the layer and the table
    layers = pyogrio.list_layers(path)[:, 0].tolist()
    assert layers == ["communes", "layer_styles"]
    assert pyogrio.read_dataframe(path, layer="layer_styles")["f_table_name"].tolist() == [
        "communes"
    ]
    assert len(pyogrio.read_dataframe(path, layer="communes")) == 3


def test_again_replaces_the_default(gpkg):
    path = gpkg / "villages.gpkg"
    with sqlite3.connect(path) as db:  # a planner's own style saved in QGIS earlier
        db.execute(
            "CREATE TABLE layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "
            "f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256), "
            'f_geometry_column TEXT(256), "styleName" TEXT(30), "styleQML" TEXT, '
            '"styleSLD" TEXT, "useAsDefault" BOOLEAN, description TEXT, owner TEXT(30), '
            "ui TEXT(30), update_time DATETIME)"
        )
        db.execute(
            'INSERT INTO layer_styles (f_table_name, "styleName", "useAsDefault") '
            "VALUES ('villages', 'của tôi', 1)"
        )
    add_layer_styles(path, {"villages": villages_style(geometry="point")})
    add_layer_styles(path, {"villages": villages_style(geometry="point", lang="en")})
    rows = _rows(path)
    assert [(r["styleName"], r["useAsDefault"]) for r in rows] == [
        ("của tôi", 0),
        ("villages", 1),
    ]
    assert "Covered" in rows[1]["styleQML"]


def test_communes_qml(gpkg):
    qml = communes_style(lang="en")
    root = ET.fromstring(qml.split("\n", 1)[1])
    renderer = root.find("renderer-v2")
    assert renderer.get("type") == "graduatedSymbol"
    assert '"coverage_share"' in renderer.get("attr")
    ranges = renderer.findall("ranges/range")
    colours = {
        s.get("name"): s.find("layer/Option/Option[@name='color']").get("value")
        for s in renderer.findall("symbols/symbol")
    }
    drawn = [colours[r.get("symbol")].rsplit(",", 1)[0] for r in ranges]
    assert drawn == [_rgb(share_colour(None))] + [_rgb(c) for _, c in SHARE_CLASSES]
    assert [r.get("label") for r in ranges][1:] == [
        "< 50%",
        "50–80%",
        "80–90%",
        "90–95%",
        "95–<100%",
        "100%",
    ]

    def qgis_class(value: float) -> str:
        """The colour QGIS draws: the first range holding the value, bounds included."""
        for r in ranges:
            if float(r.get("lower")) <= value <= float(r.get("upper")):
                return colours[r.get("symbol")].rsplit(",", 1)[0]
        return "not drawn"

    for share in (0.0, 0.3, 0.5, 0.79, 0.8, 0.9, 0.95, 0.999, 1.0):
        assert qgis_class(share) == _rgb(share_colour(share)), share
    assert qgis_class(-1.0) == _rgb(share_colour(None))  # coalesce(NULL, -1): no villages


def test_villages_qml():
    root = ET.fromstring(villages_style(geometry="point").split("\n", 1)[1])
    renderer = root.find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol"
    assert '"covered"' in renderer.get("attr")
    symbols = {s.get("name"): s for s in renderer.findall("symbols/symbol")}
    by_value = {}
    for category in renderer.findall("categories/category"):
        symbol = symbols[category.get("symbol")]
        assert symbol.get("type") == "marker"
        colour = symbol.find("layer/Option/Option[@name='color']").get("value")
        by_value[category.get("value")] = (colour.rsplit(",", 1)[0], category.get("label"))
    assert by_value == {"1": (_rgb(COVERED), "Có sóng"), "0": (_rgb(UNCOVERED), "Lõm sóng")}
    assert root.findtext("layerGeometryType") == "0"
    polygons = ET.fromstring(villages_style().split("\n", 1)[1])
    assert polygons.find("renderer-v2/symbols/symbol").get("type") == "fill"


def test_coverage_styles_follow_the_geometry(gpkg):
    for name, code in (("communes", "2"), ("villages", "0")):
        path = gpkg / f"{name}.gpkg"
        styles = coverage_styles(path)
        assert list(styles) == [name]
        assert f"<layerGeometryType>{code}</layerGeometryType>" in styles[name]
        add_layer_styles(path, styles)
        assert [r["f_table_name"] for r in _rows(path)] == [name]


def test_unknown_layer(gpkg):
    with pytest.raises(ValueError, match=r"no feature table 'thon'.*it has: communes"):
        add_layer_styles(gpkg / "communes.gpkg", {"thon": villages_style()})
    with sqlite3.connect(gpkg / "communes.gpkg") as db:
        assert not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'layer_styles'").fetchone()


def test_compute_out_geopackages_open_styled_in_qgis(runner, tiny, tmp_path):
    """`coverage compute --out` writes villages.gpkg and communes.gpkg with their default
    styles in layer_styles, naming the columns the layers really have."""
    import sqlite3

    from coverage.cli.main import cli

    from .conftest import tiny_args

    result = runner.invoke(cli, ["compute", "--quiet", *tiny_args(tiny), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for layer, field in (("villages", "covered"), ("communes", "coverage_share")):
        with sqlite3.connect(tmp_path / f"{layer}.gpkg") as db:
            rows = db.execute(
                "SELECT f_table_name, useAsDefault, styleQML FROM layer_styles"
            ).fetchall()
            columns = [r[1] for r in db.execute(f'PRAGMA table_info("{layer}")')]
        assert [(r[0], r[1]) for r in rows] == [(layer, 1)]
        renderer = ET.fromstring(rows[0][2].split(">", 1)[1]).find(".//renderer-v2")
        assert field in columns and f'"{field}"' in renderer.get("attr")
