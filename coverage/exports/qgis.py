"""QGIS styles inside the output GeoPackages, so a double-click shows the map's picture.

QGIS reads a layer's default style from the GeoPackage's ``layer_styles`` table (the
table QGIS itself writes with *Save Style → In Database*): one row per style, the
style as QML (QGIS's style XML) in ``styleQML``, ``useAsDefault`` marking the one
loaded with the layer. This module builds the QML of the two layers planners open
(``communes``: graduated on the coverage share in the map's classes and colours;
``villages``: categorized covered / uncovered) and writes the rows with the standard
library's :mod:`sqlite3`.

The table is created with the columns and types QGIS creates through GDAL, and
registered in ``gpkg_contents`` as an ``attributes`` table, as GDAL registers it when
QGIS saves a style. Nothing is added to ``gpkg_extensions``: QGIS adds no row there for
this table, and a read-write extension GDAL does not know makes it warn on every open.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from contextlib import closing
from xml.etree import ElementTree as ET

from matplotlib.colors import to_rgb

from .. import __version__
from ..maps.i18n import text
from ..maps.palette import COVERED, SHARE_CLASSES, SHARE_LABELS, UNCOVERED, share_colour

#: The table QGIS reads styles from, and its columns as QGIS (through GDAL) creates them.
STYLES_TABLE = "layer_styles"
_CREATE = """
CREATE TABLE "layer_styles" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "f_table_catalog" TEXT(256),
    "f_table_schema" TEXT(256),
    "f_table_name" TEXT(256),
    "f_geometry_column" TEXT(256),
    "styleName" TEXT(30),
    "styleQML" TEXT,
    "styleSLD" TEXT,
    "useAsDefault" BOOLEAN,
    "description" TEXT,
    "owner" TEXT(30),
    "ui" TEXT(30),
    "update_time" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
)
"""
#: QGIS's geometry type codes in QML (``layerGeometryType``).
_GEOMETRY_CODES = {"point": "0", "line": "1", "polygon": "2"}
#: Opacity of the filled classes, as in the PNG map.
FILL_ALPHA = 0.75
OUTLINE = "#4d4d4d"
#: A share standing for "no villages" (QGIS draws no NULL in a graduated renderer).
_NO_DATA = -1.0
#: How far below a class's upper bound its QGIS range ends: QGIS ranges include both
#: bounds and the first match wins, the map's classes include only the lower one.
_BELOW = 1e-9


def add_layer_styles(gpkg_path: str | os.PathLike, styles: dict[str, str]) -> None:
    """Store QML styles as the default styles of layers of a GeoPackage.

    Parameters
    ----------
    gpkg_path
        The GeoPackage, written already (e.g. by geopandas).
    styles
        QML by layer (table) name, e.g. ``{"communes": communes_style()}``. A style of
        the same name for that layer is replaced; the layer's other styles stay, no
        longer the default.

    Raises
    ------
    ValueError
        A layer that is not a feature table of the GeoPackage, naming the ones it has.

    Examples
    --------
    >>> import tempfile, pathlib, geopandas as gpd, shapely
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "communes.gpkg"
    >>> frame = gpd.GeoDataFrame({"coverage_share": [0.4]}, geometry=[shapely.box(0, 0, 1, 1)],
    ...                          crs=4326)
    >>> frame.to_file(path, layer="communes")
    >>> add_layer_styles(path, {"communes": communes_style()})
    >>> import sqlite3
    >>> sql = "SELECT f_table_name, useAsDefault FROM layer_styles"
    >>> sqlite3.connect(path).execute(sql).fetchall()
    [('communes', 1)]
    """
    now = file_timestamp()
    with closing(sqlite3.connect(os.fspath(gpkg_path))) as db, db:
        geometry_columns = dict(
            db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
        )
        missing = sorted(set(styles) - set(geometry_columns))
        if missing:
            raise ValueError(
                f"{gpkg_path}: no feature table {', '.join(map(repr, missing))} to style; "
                f"it has: {', '.join(sorted(geometry_columns)) or 'none'}"
            )
        _ensure_table(db, now)
        for table, qml in styles.items():
            db.execute(
                'DELETE FROM layer_styles WHERE f_table_name = ? AND "styleName" = ?',
                (table, table),
            )
            db.execute(
                'UPDATE layer_styles SET "useAsDefault" = 0 WHERE f_table_name = ?', (table,)
            )
            db.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                'f_geometry_column, "styleName", "styleQML", "styleSLD", "useAsDefault", '
                "description, owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', "
                "NULL, ?)",
                (
                    table,
                    geometry_columns[table],
                    table,
                    qml,
                    f"coverage {__version__}: the gap map's classes and colours",
                    now,
                ),
            )


def communes_style(
    *, field: str = "coverage_share", lang: str = "vi", geometry: str = "polygon"
) -> str:
    """QML of the commune layer: graduated on ``field`` in the map's share classes.

    Communes without villages (no share) are drawn in the map's grey.

    Examples
    --------
    >>> qml = communes_style(lang="en")
    >>> 'type="graduatedSymbol"' in qml and 'coverage_share' in qml
    True
    """
    ranges: list[tuple[float, float, str, str]] = [
        (_NO_DATA, _NO_DATA, share_colour(None), text("no_data", lang))
    ]
    lower = 0.0
    for (upper, colour), label in zip(SHARE_CLASSES, SHARE_LABELS, strict=True):
        ranges.append((lower, lower if upper == float("inf") else upper - _BELOW, colour, label))
        lower = upper
    root = _qgis(geometry)
    renderer = ET.SubElement(
        root,
        "renderer-v2",
        type="graduatedSymbol",
        attr=f'coalesce("{field}", {_NO_DATA:g})',
        graduatedMethod="GraduatedColor",
        symbollevels="0",
        forceraster="0",
        enableorderby="0",
    )
    ranges_element = ET.SubElement(renderer, "ranges")
    symbols = ET.SubElement(renderer, "symbols")
    for i, (low, high, colour, label) in enumerate(ranges):
        ET.SubElement(
            ranges_element,
            "range",
            symbol=str(i),
            lower=f"{low:.10f}",
            upper=f"{high:.10f}",
            label=label,
            render="true",
        )
        symbols.append(_symbol(str(i), geometry, colour, FILL_ALPHA))
    ET.SubElement(renderer, "classificationMethod", id="Fixed")
    return _qml(root)


def villages_style(*, field: str = "covered", lang: str = "vi", geometry: str = "polygon") -> str:
    """QML of the village layer: categorized on ``field``, covered / not covered.

    The category is taken from ``if("covered", 1, 0)``, so a boolean column and a 0/1
    integer column are drawn alike.

    Examples
    --------
    >>> 'type="categorizedSymbol"' in villages_style(geometry="point")
    True
    """
    root = _qgis(geometry)
    renderer = ET.SubElement(
        root,
        "renderer-v2",
        type="categorizedSymbol",
        attr=f'if("{field}", 1, 0)',
        symbollevels="0",
        forceraster="0",
        enableorderby="0",
    )
    categories = ET.SubElement(renderer, "categories")
    symbols = ET.SubElement(renderer, "symbols")
    for i, (value, colour, label) in enumerate(
        ((1, COVERED, text("covered", lang)), (0, UNCOVERED, text("not_covered", lang)))
    ):
        ET.SubElement(
            categories,
            "category",
            symbol=str(i),
            value=str(value),
            label=label,
            render="true",
        )
        symbols.append(_symbol(str(i), geometry, colour, FILL_ALPHA))
    return _qml(root)


def coverage_styles(gpkg_path: str | os.PathLike, *, lang: str = "vi") -> dict[str, str]:
    """The styles of the ``communes`` and ``villages`` layers a GeoPackage holds.

    The symbols follow each layer's geometry (polygons filled, points as circles), so
    ``add_layer_styles(path, coverage_styles(path))`` styles any output GeoPackage.
    """
    builders = {"communes": communes_style, "villages": villages_style}
    with closing(sqlite3.connect(os.fspath(gpkg_path))) as db:
        rows = db.execute("SELECT table_name, geometry_type_name FROM gpkg_geometry_columns")
        types = {name: kind.upper() for name, kind in rows.fetchall()}
    styles = {}
    for table, build in builders.items():
        if table in types:
            geometry = "point" if "POINT" in types[table] else "polygon"
            styles[table] = build(lang=lang, geometry=geometry)
    return styles


# ---------------------------------------------------------------- QML pieces


def _qgis(geometry: str) -> ET.Element:
    if geometry not in ("point", "polygon"):
        raise ValueError(f"geometry must be 'point' or 'polygon'; got {geometry!r}")
    root = ET.Element("qgis", version="3.28.0", styleCategories="Symbology")
    ET.SubElement(root, "layerGeometryType").text = _GEOMETRY_CODES[geometry]
    return root


def _symbol(name: str, geometry: str, colour: str, alpha: float) -> ET.Element:
    """One QGIS symbol: a filled polygon with a grey outline, or a circle marker."""
    kind, layer_class = (
        ("fill", "SimpleFill") if geometry == "polygon" else ("marker", "SimpleMarker")
    )
    symbol = ET.Element(
        "symbol", type=kind, name=name, alpha="1", clip_to_extent="1", force_rhr="0"
    )
    layer = ET.SubElement(symbol, "layer", {"class": layer_class, "enabled": "1", "locked": "0"})
    layer.set("pass", "0")
    options = ET.SubElement(layer, "Option", type="Map")
    values = {
        "color": _qgis_colour(colour, alpha),
        "outline_color": _qgis_colour(OUTLINE, 1.0),
        "outline_style": "solid",
        "outline_width": "0.26",
        "outline_width_unit": "MM",
        "style": "solid",
        "joinstyle": "bevel",
    }
    if geometry == "point":
        values |= {"name": "circle", "size": "2.6", "size_unit": "MM"}
    for key, value in values.items():
        ET.SubElement(options, "Option", type="QString", name=key, value=value)
    return symbol


def _qgis_colour(colour: str, alpha: float) -> str:
    """``r,g,b,a`` in 0-255, as QML writes colours.

    >>> _qgis_colour("#d7301f", 0.75)
    '215,48,31,191'
    """
    r, g, b = (round(c * 255) for c in to_rgb(colour))
    return f"{r},{g},{b},{round(alpha * 255)}"


def _qml(root: ET.Element) -> str:
    body = ET.tostring(root, encoding="unicode")
    return f"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n{body}\n"


def file_timestamp() -> str:
    """The time written into a GeoPackage (ISO 8601, UTC, milliseconds): now, or
    ``SOURCE_DATE_EPOCH`` when set (the reproducible-builds convention), so that the same
    results give the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    moment = (
        dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
        if epoch.isdigit()
        else dt.datetime.now(dt.timezone.utc)
    )
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _ensure_table(db: sqlite3.Connection, now: str) -> None:
    """Create ``layer_styles`` and register it in ``gpkg_contents`` unless it is there."""
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (STYLES_TABLE,)
    ).fetchone()
    if not exists:
        db.execute(_CREATE)
    registered = db.execute(
        "SELECT 1 FROM gpkg_contents WHERE table_name = ?", (STYLES_TABLE,)
    ).fetchone()
    if not registered:
        db.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
            "last_change, srs_id) VALUES (?, 'attributes', ?, '', ?, 0)",
            (STYLES_TABLE, STYLES_TABLE, now),
        )
