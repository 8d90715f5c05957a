"""The gaps as a Google Earth KMZ: commune shares, uncovered villages, sites, centres
without fibre and postal points without broadband, one folder each, styled like the map.

The KML is built with :mod:`xml.etree.ElementTree`, which escapes every text and
attribute (names are Vietnamese, and may hold ``<`` or ``&``). The icons travel inside
the KMZ, so the file opens offline: a white disc tinted per style (sites, villages given
as points), and the map's symbols for what is missing, black with a white halo (a circle
for a commune centre without fibre, a triangle for a postal point without broadband).
Colours and class labels come from :mod:`coverage.maps.palette`, as the maps' do.
Attributes travel as ``ExtendedData`` (a stable field name, and a ``displayName`` in
the chosen language), which Google Earth shows in each placemark's balloon and GIS
readers read as columns.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.colors import to_hex, to_rgb

from ..maps.i18n import text
from ..maps.palette import (
    COVERED,
    POINT_MISSING,
    POINT_MISSING_HALO,
    SHARE_CLASSES,
    SHARE_LABELS,
    SITE_COLOUR,
    UNCOVERED,
    UNCOVERED_EDGE,
    share_colour,
)
from ..output import atomic_path

if TYPE_CHECKING:
    from ..pipeline import CoverageResult

KML_NS = "http://www.opengis.net/kml/2.2"
#: The icon every point style tints (white, so the style's colour shows as it is).
ICON = "files/dot.png"
#: Points that are not connected, drawn as on the map: black with a white halo, a circle
#: for a commune centre, a triangle for a postal point (shown untinted).
CENTRE_ICON = "files/centre.png"
POSTAL_ICON = "files/postal.png"
#: The legend, drawn over the globe's lower-left corner.
LEGEND = "files/legend.png"
#: Opacity of filled polygons, as in the map (communes 0.55, gaps 0.7).
COMMUNE_ALPHA = 0.55
GAP_ALPHA = 0.7
OUTLINE = "#4d4d4d"
NO_DATA_STYLE = "share-none"

#: Labels the map does not have (the rest come from :mod:`coverage.maps.i18n`).
_LABELS: dict[str, dict[str, str]] = {
    "postal_no_broadband": {
        "vi": "Điểm bưu chính chưa có băng rộng cố định",
        "en": "Postal points without fixed broadband",
    },
    "commune_id": {"vi": "Mã xã", "en": "Commune code"},
    "village_id": {"vi": "Mã thôn", "en": "Village code"},
    "point_id": {"vi": "Mã điểm", "en": "Point code"},
    "population_covered": {"vi": "Dân số có sóng", "en": "Population covered"},
}


def write_kmz(
    result: CoverageResult,
    path: str | os.PathLike,
    *,
    lang: str = "vi",
    title: str | None = None,
) -> Path:
    """Write the gaps of a run as a KMZ for Google Earth, atomically.

    Parameters
    ----------
    result
        What :func:`coverage.compute` returned.
    path
        The ``.kmz`` file to write.
    lang
        ``vi`` or ``en``: folder names and attribute labels.
    title
        The document's name; defaults to the map's title.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib, zipfile
    >>> from coverage import Layers, compute
    >>> result = compute(Layers.demo(), model="range")  # doctest: +SKIP
    >>> kmz = write_kmz(result, pathlib.Path(tempfile.mkdtemp()) / "gaps.kmz")  # doctest: +SKIP
    >>> zipfile.ZipFile(kmz).namelist()  # doctest: +SKIP
    ['doc.kml', 'files/dot.png', 'files/centre.png', 'files/postal.png', 'files/legend.png']
    """
    document = kml_document(result, lang=lang, title=title)
    data = ET.tostring(document, encoding="utf-8", xml_declaration=True)
    legend = _legend_png(result.summary["headline_technologies"], lang)
    target = Path(path)
    with atomic_path(target) as tmp:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("doc.kml", data)  # first entry: the KML Google Earth opens
            archive.writestr(ICON, _icon_png("circle", "#ffffff", "#282828"))
            archive.writestr(CENTRE_ICON, _icon_png("circle", POINT_MISSING, POINT_MISSING_HALO))
            archive.writestr(POSTAL_ICON, _icon_png("triangle", POINT_MISSING, POINT_MISSING_HALO))
            archive.writestr(LEGEND, legend)
    return target


def kml_document(
    result: CoverageResult, *, lang: str = "vi", title: str | None = None
) -> ET.Element:
    """The ``<kml>`` element of :func:`write_kmz` (folders, styles, placemarks)."""
    ET.register_namespace("", KML_NS)
    tech = result.summary["headline_technologies"]
    kml = ET.Element(_tag("kml"))
    doc = _sub(kml, "Document")
    _sub(doc, "name", _value(title or text("title", lang)))
    _sub(doc, "open", "1")
    for style in _styles():
        doc.append(style)
    _legend_overlay(doc, lang)
    _communes_folder(doc, result, lang, tech)
    _gaps_folder(doc, result, lang, tech)
    _sites_folder(doc, result, lang)
    _points_folder(doc, result.centres, "centres", text("centres_no_fibre", lang), lang, result)
    _points_folder(doc, result.postal, "postal", _label("postal_no_broadband", lang), lang, result)
    return kml


def kml_colour(colour: str, alpha: float = 1.0) -> str:
    """A colour as KML writes it: ``aabbggrr`` in hexadecimal.

    Examples
    --------
    >>> kml_colour("#d7301f"), kml_colour("#d7301f", 0.5)
    ('ff1f30d7', '801f30d7')
    """
    rgb = to_hex(colour)[1:]
    return f"{round(alpha * 255):02x}{rgb[4:6]}{rgb[2:4]}{rgb[0:2]}"


def share_style_id(share: float | None) -> str:
    """The style of a commune with ``share``: the map's class of that share.

    Examples
    --------
    >>> share_style_id(0.3), share_style_id(1.0), share_style_id(None)
    ('share-0', 'share-5', 'share-none')
    """
    colour = share_colour(share)
    for i, (_, class_colour) in enumerate(SHARE_CLASSES):
        if class_colour == colour:
            return f"share-{i}"
    return NO_DATA_STYLE


# ---------------------------------------------------------------- styles


def _styles() -> list[ET.Element]:
    styles = [
        _area_style(f"share-{i}", colour, COMMUNE_ALPHA, OUTLINE, 1.0)
        for i, (_, colour) in enumerate(SHARE_CLASSES)
    ]
    styles.append(_area_style(NO_DATA_STYLE, share_colour(None), COMMUNE_ALPHA, OUTLINE, 1.0))
    styles.append(_area_style("gap", UNCOVERED, GAP_ALPHA, UNCOVERED_EDGE, 2.5, icon_scale=0.9))
    styles.append(_point_style("site", SITE_COLOUR, 0.6))
    styles.append(_point_style("centre", "#ffffff", 1.0, icon=CENTRE_ICON))
    styles.append(_point_style("postal", "#ffffff", 1.0, icon=POSTAL_ICON))
    styles.append(_point_style("covered", COVERED, 0.9))
    return styles


def _area_style(
    style_id: str,
    fill: str,
    alpha: float,
    outline: str,
    width: float,
    *,
    icon_scale: float | None = None,
) -> ET.Element:
    style = ET.Element(_tag("Style"), id=style_id)
    if icon_scale is not None:  # villages given as points
        _icon(style, fill, icon_scale)
    line = _sub(style, "LineStyle")
    _sub(line, "color", kml_colour(outline))
    _sub(line, "width", f"{width:g}")
    poly = _sub(style, "PolyStyle")
    _sub(poly, "color", kml_colour(fill, alpha))
    return style


def _point_style(style_id: str, colour: str, scale: float, *, icon: str = ICON) -> ET.Element:
    style = ET.Element(_tag("Style"), id=style_id)
    _icon(style, colour, scale, icon)
    return style


def _icon(style: ET.Element, colour: str, scale: float, icon: str = ICON) -> None:
    icon_style = _sub(style, "IconStyle")
    _sub(icon_style, "color", kml_colour(colour))
    _sub(icon_style, "scale", f"{scale:g}")
    _sub(_sub(icon_style, "Icon"), "href", icon)


def _icon_png(shape: str, core: str, rim: str) -> bytes:
    """A 32-pixel icon: a ``circle`` or ``triangle`` of ``core`` colour in a ``rim`` halo.

    The white disc (``core`` white, dark rim) is tinted by each style's colour; the black
    symbols of points without fibre or broadband are shown as they are.
    """
    from PIL import Image, ImageDraw

    def rgb(colour: str) -> tuple[int, int, int]:
        r, g, b = (round(c * 255) for c in to_rgb(colour))
        return r, g, b

    image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if core == "#ffffff":  # the tintable disc: white with a thin dark rim
        draw.ellipse((2, 2, 29, 29), fill=rgb(core), outline=rgb(rim))
    elif shape == "circle":
        draw.ellipse((1, 1, 30, 30), fill=rgb(rim), outline=rgb(core))
        draw.ellipse((7, 7, 24, 24), fill=rgb(core))
    else:
        draw.polygon([(16, 1), (31, 29), (1, 29)], fill=rgb(rim), outline=rgb(core))
        draw.polygon([(16, 9), (25, 25), (7, 25)], fill=rgb(core))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _legend_overlay(doc: ET.Element, lang: str) -> None:
    overlay = _sub(doc, "ScreenOverlay", id="legend")
    _sub(overlay, "name", _label("legend", lang))
    _sub(_sub(overlay, "Icon"), "href", LEGEND)
    xy = {"x": "0", "y": "0", "xunits": "fraction", "yunits": "fraction"}
    _sub(overlay, "overlayXY", **xy)
    _sub(overlay, "screenXY", x="10", y="40", xunits="pixels", yunits="pixels")
    _sub(overlay, "size", x="0", y="0", xunits="pixels", yunits="pixels")  # as drawn


def _legend_png(tech: str, lang: str) -> bytes:
    """The legend: the share classes, no villages, gaps, sites, centres, postal points."""
    from matplotlib.artist import Artist
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Artist] = [
        Patch(facecolor=colour, edgecolor=OUTLINE, label=label)
        for (_, colour), label in zip(SHARE_CLASSES, SHARE_LABELS, strict=True)
    ]
    handles.append(
        Patch(facecolor=share_colour(None), edgecolor=OUTLINE, label=text("no_data", lang))
    )
    handles.append(
        Patch(
            facecolor=UNCOVERED, edgecolor=UNCOVERED_EDGE, label=text("layer_gaps", lang, tech=tech)
        )
    )
    for marker, colour, size, label in (
        ("o", SITE_COLOUR, 6, text("layer_sites", lang)),
        ("o", POINT_MISSING, 8, text("centres_no_fibre", lang)),
        ("^", POINT_MISSING, 8, _label("postal_no_broadband", lang)),
    ):
        handles.append(
            Line2D([], [], marker=marker, ls="", color=colour, mec="#282828", ms=size, label=label)
        )
    fig = Figure(figsize=(4.4, 3.2), dpi=100)
    FigureCanvasAgg(fig)
    fig.legend(
        handles=handles,
        loc="center",
        fontsize=8,
        title=f"{text('legend_share', lang)} {tech}",
        title_fontsize=9,
        framealpha=0.9,
        alignment="left",
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", transparent=True, bbox_inches="tight", pad_inches=0.06)
    return buffer.getvalue()


# ---------------------------------------------------------------- folders


def _communes_folder(doc: ET.Element, result: CoverageResult, lang: str, tech: str) -> None:
    if result.commune_geometry is None:
        return
    frame = result.commune_geometry.merge(result.communes, on="commune_id", how="left")
    frame = frame.to_crs(4326)
    folder = _folder(doc, "communes", text("layer_communes", lang, tech=tech))
    fields = [
        ("commune_id", _label("commune_id", lang)),
        ("district", text("district", lang)),
        ("villages", text("villages", lang)),
        ("villages_covered", text("villages_with", lang)),
        ("coverage_share", text("share", lang)),
        ("population", text("population", lang)),
        ("population_covered", _label("population_covered", lang)),
    ]
    names = frame["name"] if "name" in frame else frame["commune_id"]
    frame["population_covered"] = frame["population_covered"].round()
    styles = [share_style_id(s) for s in frame["coverage_share"]]
    _placemarks(folder, frame, names, styles, fields)


def _gaps_folder(doc: ET.Element, result: CoverageResult, lang: str, tech: str) -> None:
    villages = result.villages
    gaps = villages[~villages["covered"].astype(bool)].to_crs(4326)
    communes = result.communes
    if "name" in communes:
        names = communes.set_index("commune_id")["name"]
        gaps = gaps.assign(commune=gaps["commune_id"].map(names))
    gaps = gaps.assign(covered_share=gaps["covered_share"].round(4))
    folder = _folder(doc, "gaps", text("layer_gaps", lang, tech=tech))
    fields = [
        ("village_id", _label("village_id", lang)),
        ("commune_id", _label("commune_id", lang)),
        ("commune", text("commune", lang)),
        ("population", text("population", lang)),
        ("covered_share", text("covered_area", lang, tech=tech)),
    ]
    names = gaps["name"] if "name" in gaps else gaps["village_id"]
    _placemarks(folder, gaps, names, ["gap"] * len(gaps), fields)


def _sites_folder(doc: ET.Element, result: CoverageResult, lang: str) -> None:
    sites = result.sites
    if sites is None or len(sites) == 0:
        return
    table = pd.DataFrame(sites.drop(columns=sites.geometry.name))
    for col in ("operator", "frequency_mhz", "height_m"):
        if col not in table:
            table[col] = np.nan
    table["geometry"] = sites.geometry.to_crs(4326).to_numpy()
    grouped = table.groupby("site_id", sort=True).agg(
        geometry=("geometry", "first"),
        operator=("operator", _joined),
        technologies=("technology", _joined),
        bands=("frequency_mhz", _joined),
        height_m=("height_m", "max"),
    )
    frame = gpd.GeoDataFrame(grouped.reset_index(), geometry="geometry", crs=4326)
    folder = _folder(doc, "sites", text("layer_sites", lang))
    fields = [
        ("site_id", text("site", lang)),
        ("operator", text("operator", lang)),
        ("technologies", text("technologies", lang)),
        ("bands", text("band", lang)),
        ("height_m", text("height", lang)),
    ]
    _placemarks(folder, frame, frame["site_id"], ["site"] * len(frame), fields)


def _points_folder(
    doc: ET.Element,
    points: gpd.GeoDataFrame | None,
    key: str,
    title: str,
    lang: str,
    result: CoverageResult,
) -> None:
    """Commune centres without fibre, or postal points without broadband."""
    if points is None:
        return
    off = points[~points["connected"].astype(bool)].to_crs(4326)
    id_col = "commune_id" if key == "centres" else "point_id"
    if "name" in off:
        names = off["name"]
    elif key == "centres" and "name" in result.communes:
        names = off["commune_id"].map(result.communes.set_index("commune_id")["name"])
    else:
        names = off[id_col]
    off = off.assign(
        name=names.where(names.notna(), off[id_col]),
        decided_by=off["decided_by"].map(lambda d: text(f"decided_{d}", lang)),
        fibre_distance_m=off["fibre_distance_m"].round(1),
    )
    fields = [
        (id_col, _label(id_col, lang)),
        ("decided_by", text("decided_by", lang)),
        ("fibre_distance_m", text("distance_m", lang)),
    ]
    folder = _folder(doc, key, title)
    _placemarks(folder, off, off["name"], [key] * len(off), fields)


# ---------------------------------------------------------------- placemarks


def _folder(doc: ET.Element, folder_id: str, name: str) -> ET.Element:
    folder = _sub(doc, "Folder", id=folder_id)
    _sub(folder, "name", name)
    return folder


def _placemarks(
    folder: ET.Element,
    frame: gpd.GeoDataFrame,
    names: Iterable[object],
    styles: Iterable[str],
    fields: list[tuple[str, str]],
) -> None:
    present = [(col, label) for col, label in fields if col in frame.columns]
    values = {col: frame[col].tolist() for col, _ in present}
    geoms = shapely.set_precision(frame.geometry.to_numpy(), 1e-6)
    for i, (name, style, geom) in enumerate(zip(names, styles, geoms, strict=True)):
        placemark = _sub(folder, "Placemark")
        _sub(placemark, "name", _value(name))
        _sub(placemark, "styleUrl", f"#{style}")
        data = _sub(placemark, "ExtendedData")
        for col, label in present:
            item = _sub(data, "Data", name=col)
            _sub(item, "displayName", label)
            _sub(item, "value", _value(values[col][i]))
        _geometry(placemark, geom)


def _geometry(parent: ET.Element, geom) -> None:
    """KML geometry of a shapely geometry (Point, LineString, Polygon, Multi*)."""
    if geom is None or geom.is_empty:
        return
    kind = geom.geom_type
    if kind.startswith("Multi") or kind == "GeometryCollection":
        multi = _sub(parent, "MultiGeometry")
        for part in geom.geoms:
            _geometry(multi, part)
    elif kind == "Point":
        _sub(_sub(parent, "Point"), "coordinates", _coordinates(geom))
    elif kind == "LineString":
        line = _sub(parent, "LineString")
        _sub(line, "tessellate", "1")
        _sub(line, "coordinates", _coordinates(geom))
    elif kind == "Polygon":
        polygon = _sub(parent, "Polygon")
        _sub(polygon, "tessellate", "1")
        outer = _sub(_sub(polygon, "outerBoundaryIs"), "LinearRing")
        _sub(outer, "coordinates", _coordinates(geom.exterior))
        for ring in geom.interiors:
            inner = _sub(_sub(polygon, "innerBoundaryIs"), "LinearRing")
            _sub(inner, "coordinates", _coordinates(ring))


def _coordinates(geom) -> str:
    xy = shapely.get_coordinates(geom)
    return " ".join(f"{x:.6f},{y:.6f}" for x, y in xy)


def _joined(values: pd.Series) -> str:
    clean = sorted({_value(v) for v in values if not pd.isna(v)})
    return ", ".join(clean)


#: Characters XML 1.0 cannot hold even escaped (C0 controls but tab and newlines).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _value(value: object) -> str:
    """Text of an attribute value: blank when missing, integers without ``.0``."""
    if value is None or (
        not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)
    ):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    return _NOT_XML.sub("", str(value))


def _label(key: str, lang: str) -> str:
    return _LABELS[key][lang] if key in _LABELS else text(key, lang)


def _tag(name: str) -> str:
    return f"{{{KML_NS}}}{name}"


def _sub(parent: ET.Element, tag: str, value: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, _tag(tag), attrib)
    if value is not None:
        element.text = value
    return element
