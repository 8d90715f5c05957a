"""The gap map: one folium ``Map``, a ``FeatureGroup`` per layer, a ``LayerControl``.

Two variants share this composition:

* the **planner's map** (``static=False``): full-detail geometry, clustered site
  markers with popups, an optional OpenStreetMap base layer for when the office is
  online;
* the **leadership map** (``static=True``): coarser geometry (smaller file), sites as
  plain dots, the per-district table under the map and print styles (A4 landscape).

Either is drawn by the old communes (``units="old"``, before 1 July 2025) or by the
communes of today (``units="new"``: choropleth, tooltips, search and table by new unit).

Both are single self-contained HTML files: Leaflet, the cluster plugin, our two small
controls and the hillshade basemap are inlined, so they open with the network
unplugged. Every name, id and attribute is HTML-escaped before it reaches the page.
"""

from __future__ import annotations

import base64
import datetime
import html
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from folium.plugins import MarkerCluster
from folium.template import Template

from .. import __version__
from ..settings import TECHNOLOGIES
from . import _assets
from ._units import check_units, new_place, worst_first
from .basemap import hillshade_png
from .i18n import headline_figures, model_name, number, percent, ratio, subtitle, text
from .measure_layer import Measurements, add_measurements
from .measure_layer import legend_html as measure_legend_html
from .palette import (
    CLUSTER_GREYS,
    COVERED,
    FIBRE_COLOUR,
    NO_DATA_COLOUR,
    POINT_MISSING,
    POINT_MISSING_HALO,
    POINT_OK,
    POINT_OK_EDGE,
    SEA,
    SHARE_CLASSES,
    SHARE_LABELS,
    SITE_COLOUR,
    TECH_COLOURS,
    UNCOVERED,
    UNCOVERED_EDGE,
    share_colour,
)
from .plan_layer import Plan, add_plan, legend_sections

if TYPE_CHECKING:
    from ..models.base import CoverageMask
    from ..pipeline import CoverageResult as Result

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Detail:
    """Display detail: simplification tolerance (metres) and coordinate decimals."""

    tolerance_m: float
    decimals: int


#: About one screen pixel at zoom 14 (planner: ~9 m) and zoom 11 (leadership: ~73 m) at 17° N.
PLANNER = Detail(tolerance_m=10.0, decimals=5)
LEADERSHIP = Detail(tolerance_m=75.0, decimals=4)


def gap_map(
    result: Result,
    *,
    lang: str = "vi",
    static: bool = False,
    dem: str | os.PathLike | None = None,
    title: str | None = None,
    demo: bool = False,
    date: datetime.date | None = None,
    units: str = "old",
    plan: Plan | None = None,
    measurements: Measurements | None = None,
) -> folium.Map:
    """Compose the gap map of a run.

    Parameters
    ----------
    result
        What :func:`coverage.pipeline.run` returned; the headline figures on the map
        are its summary, never recomputed.
    lang
        ``vi`` or ``en`` for labels and number formats.
    static
        Leadership variant (smaller, tables and print styles) instead of the planner's.
    dem
        A DEM for the hillshade basemap; without it the map has a plain background.
    title
        Page title; defaults to the translated "Coverage gaps" title.
    demo
        Mark the page as showing demo data.
    date
        The date of the run shown under the title (default: today).
    units
        ``old``: the choropleth, search and table by the communes layer; ``new``: by
        the communes of today (``result.new_communes``), the subtitle naming today's
        province and the part of it the data covers. ``new`` without new units raises
        :class:`coverage.CoverageError`.
    plan
        The plans of a folder (:func:`coverage.maps.plan_layer.read_plan`): a site plan
        drawn as the overlay "Proposed sites" (numbered sites, their footprints, the
        villages they cover), a fibre plan as "Proposed fibre" (the new cable, the points
        it reaches, those no road reaches), each with its legend.
    measurements
        Measurements paired with the model
        (:func:`coverage.maps.measure_layer.read_measurements`): drawn as an overlay of
        points coloured by their residual (measured - predicted), its title summing them
        up, with a colour ramp in the legend.

    Returns
    -------
    folium.Map
        Save it with :func:`coverage.maps.write_map`.
    """
    check_units(result, units)
    new = units == "new"
    detail = LEADERSHIP if static else PLANNER
    tech_label = result.summary["headline_technologies"]
    communes = _new_units_layer(result, detail, lang) if new else _communes_layer(result, detail)
    bounds = _bounds(result)
    m = folium.Map(
        tiles=None, control_scale=True, prefer_canvas=True, zoom_snap=0.25, maxZoom=18, minZoom=6
    )
    m.fit_bounds(bounds)
    _inline_assets(m)
    if dem is not None:
        png, img_bounds = hillshade_png(dem, max_size=900 if static else 1200)
        folium.raster_layers.ImageOverlay(
            image="data:image/png;base64," + base64.b64encode(png).decode("ascii"),
            bounds=img_bounds,
            name=text("layer_hillshade", lang),
            opacity=0.55,
            interactive=False,
            zindex=1,
            overlay=True,
            control=True,
        ).add_to(m)
    if not static:
        folium.TileLayer(
            "OpenStreetMap", name=text("layer_osm", lang), show=False, overlay=True, control=True
        ).add_to(m)

    _add_communes(m, communes, lang, tech_label, new=new)
    villages = _villages_layer(result, detail, new=new)
    _add_villages(m, villages, lang, tech_label, new=new)
    for tech in TECHNOLOGIES:
        _add_technology(m, result, tech, detail, lang)
    _add_sites(m, result, lang, static=static)
    _add_fibre(m, result, detail, lang)
    _add_gaps(m, villages, lang, tech_label, new=new)
    _add_points(m, result.centres, "layer_centres", "fibre", lang)
    _add_points(m, result.postal, "layer_postal", "broadband", lang)
    if plan is not None:
        add_plan(m, plan, lang, static=static)
    if measurements is not None:
        add_measurements(m, measurements, lang, static=static)

    # collapsed: the open list of 13 layers would cover a third of a laptop screen
    folium.LayerControl(collapsed=True).add_to(m)
    legend = _legend_html(result, lang, plan=plan, measurements=measurements)
    # the leadership page shows the legend beside the map (with the table), not over it
    _add_controls(
        m, villages, communes, lang, tech_label, legend=None if static else legend, new=new
    )
    page_title = title or text("title", lang)
    place = new_place(result, lang) if new else None
    line = subtitle(_provinces(result), date or datetime.date.today(), lang, place=place)
    _add_page(
        m,
        result,
        lang=lang,
        static=static,
        title=page_title,
        subtitle=line,
        demo=demo,
        legend=legend,
        new=new,
    )
    return m


def _provinces(result: Result) -> pd.Series | None:
    """The communes' province names, when the communes layer has them."""
    return result.communes["province"] if "province" in result.communes else None


# ---------------------------------------------------------------- data preparation


def _display(geoms: np.ndarray, crs, detail: Detail, *, coverage: bool) -> np.ndarray:
    """Simplify in metres (shared edges kept when ``coverage``), then round in degrees."""
    if coverage:
        simple = shapely.coverage_simplify(geoms, detail.tolerance_m)
    else:
        simple = shapely.simplify(geoms, detail.tolerance_m, preserve_topology=True)
    ll = gpd.GeoSeries(simple, crs=crs).to_crs(4326).to_numpy()
    return shapely.set_precision(ll, 10.0**-detail.decimals)


def _esc(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return html.escape(str(value))


def _communes_layer(result: Result, detail: Detail) -> gpd.GeoDataFrame | None:
    if result.commune_geometry is None:
        return None
    frame = result.commune_geometry.merge(result.communes, on="commune_id", how="left")
    geoms = frame.geometry.to_numpy()
    out = pd.DataFrame({"commune_id": frame["commune_id"].map(_esc)})
    out["name"] = frame["name"].map(_esc) if "name" in frame else out["commune_id"]
    out["district"] = frame["district"].map(_esc) if "district" in frame else ""
    out["villages"] = frame["villages"].fillna(0).astype(int)
    out["villages_covered"] = frame["villages_covered"].fillna(0).astype(int)
    out["share"] = frame["coverage_share"]
    out["raw_name"] = frame["name"] if "name" in frame else frame["commune_id"]
    return gpd.GeoDataFrame(
        out, geometry=_display(geoms, frame.crs, detail, coverage=True), crs=4326
    )


def _new_units_layer(result: Result, detail: Detail, lang: str) -> gpd.GeoDataFrame:
    """The communes of today with their figures (``result.new_communes``), for display."""
    frame = result.new_communes
    assert frame is not None
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    names = frame["name"] if "name" in frame else frame["commune_id"]
    out = pd.DataFrame({"commune_id": frame["commune_id"].map(_esc)})
    out["name"] = names.map(_esc)
    out["code"] = out["commune_id"]
    out["villages"] = frame["villages"].fillna(0).astype(int)
    out["villages_covered"] = frame["villages_covered"].fillna(0).astype(int)
    out["share"] = frame["coverage_share"]
    pop, pop_cov = frame["population"].fillna(0), frame["population_covered"].fillna(0)
    out["population_text"] = [
        ratio(int(c), int(p), c / p if p else None, lang) for c, p in zip(pop_cov, pop, strict=True)
    ]
    out["fibre_text"] = [
        f"{int(f)}/{int(c)}" if c else "—"
        for f, c in zip(frame["centres_fibre"].fillna(0), frame["centres"].fillna(0), strict=True)
    ]
    out["raw_name"] = names
    return gpd.GeoDataFrame(
        out.reset_index(drop=True),
        geometry=_display(frame.geometry.to_numpy(), frame.crs, detail, coverage=True),
        crs=4326,
    )


def _villages_layer(result: Result, detail: Detail, *, new: bool = False) -> gpd.GeoDataFrame:
    v = result.villages
    units = result.new_communes if new else result.communes
    key = "new_commune_id" if new else "commune_id"
    assert units is not None
    names = units.set_index("commune_id")["name"].to_dict() if "name" in units else {}
    is_poly = np.isin(shapely.get_type_id(v.geometry.to_numpy()), [3, 6])
    geoms = v.geometry.to_numpy().copy()
    if is_poly.all():
        geoms = _display(geoms, v.crs, detail, coverage=True)
    else:
        geoms = shapely.set_precision(
            gpd.GeoSeries(geoms, crs=v.crs).to_crs(4326).to_numpy(), 10.0**-detail.decimals
        )
    out = pd.DataFrame(
        {
            "village_id": v["village_id"].map(_esc),
            "name": (v["name"] if "name" in v else v["village_id"]).map(_esc),
            "commune": v[key].map(lambda c: _esc(names.get(c, c))),
            "population": v["population"] if "population" in v else np.nan,
            "covered": v["covered"].astype(bool),
            "share": v["covered_share"].astype(float),
            "raw_name": v["name"] if "name" in v else v["village_id"],
            "raw_commune": v[key].map(lambda c: names.get(c, c)),
        }
    )
    return gpd.GeoDataFrame(out, geometry=geoms, crs=4326)


def _bounds(result: Result) -> list[list[float]]:
    xmin, ymin, xmax, ymax = result.villages.to_crs(4326).total_bounds
    return [[float(ymin), float(xmin)], [float(ymax), float(xmax)]]


# ---------------------------------------------------------------- layers


def _geojson(frame: gpd.GeoDataFrame, columns: list[str]) -> dict:
    return frame[[*columns, "geometry"]].to_geo_dict(show_bbox=False)


def _commune_fields(lang: str, tech: str, *, new: bool) -> tuple[list[str], list[str]]:
    """The tooltip fields of the choropleth and their labels."""
    if not new:
        return (
            ["name", "district", "villages", "villages_covered", "share_text"],
            [
                text("commune", lang),
                text("district", lang),
                text("villages", lang),
                text("villages_with", lang),
                text("share", lang),
            ],
        )
    return (
        [
            "name",
            "code",
            "villages",
            "villages_covered",
            "share_text",
            "population_text",
            "fibre_text",
        ],
        [
            text("new_commune", lang),
            text("code", lang),
            text("villages", lang),
            text("villages_with", lang),
            text("share", lang),
            text("population_covered", lang, tech=tech),
            text("centres_on_fibre", lang),
        ],
    )


def _add_communes(m, communes, lang: str, tech: str, *, new: bool = False) -> None:
    if communes is None:
        return
    frame = communes.assign(
        share_text=communes["share"].map(
            lambda s: text("no_data", lang) if pd.isna(s) else percent(s, lang)
        ),
        colour=communes["share"].map(share_colour),
    )
    fields, aliases = _commune_fields(lang, tech, new=new)
    layer = "layer_new_communes" if new else "layer_communes"
    group = folium.FeatureGroup(name=text(layer, lang, tech=tech), show=True)
    folium.GeoJson(
        _geojson(frame, [*fields, "colour"]),
        name="communes",
        style_function=lambda f: {
            "fillColor": f["properties"]["colour"],
            "color": "#4d4d4d",
            "weight": 1,
            "fillOpacity": 0.55,
        },
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, localize=False, sticky=True),
    ).add_to(group)
    group.add_to(m)


def _village_fields(lang: str, tech: str, *, new: bool = False) -> tuple[list[str], list[str]]:
    return (
        ["name", "commune", "population_text", "status", "share_text"],
        [
            text("village", lang),
            text("new_commune" if new else "commune", lang),
            text("population", lang),
            tech,
            text("covered_area", lang, tech=tech),
        ],
    )


def _village_props(villages: gpd.GeoDataFrame, lang: str) -> gpd.GeoDataFrame:
    return villages.assign(
        population_text=villages["population"].map(lambda p: "" if pd.isna(p) else number(p, lang)),
        status=np.where(villages["covered"], text("covered", lang), text("not_covered", lang)),
        share_text=villages["share"].map(lambda s: percent(s, lang)),
    )


def _add_villages(m, villages, lang: str, tech: str, *, new: bool = False) -> None:
    frame = _village_props(villages, lang).assign(
        colour=np.where(villages["covered"], COVERED, UNCOVERED)
    )
    fields, aliases = _village_fields(lang, tech, new=new)
    group = folium.FeatureGroup(name=text("layer_villages", lang), show=False)
    folium.GeoJson(
        _geojson(frame, [*fields, "colour"]),
        name="villages",
        style_function=lambda f: {
            "fillColor": f["properties"]["colour"],
            "color": "#636363",
            "weight": 0.5,
            "fillOpacity": 0.35,
        },
        marker=folium.CircleMarker(radius=4),
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True),
    ).add_to(group)
    group.add_to(m)


def _add_gaps(m, villages, lang: str, tech: str, *, new: bool = False) -> None:
    gaps = villages[~villages["covered"]]
    group = folium.FeatureGroup(name=text("layer_gaps", lang, tech=tech), show=True)
    if len(gaps):
        frame = _village_props(gaps, lang)
        fields, aliases = _village_fields(lang, tech, new=new)
        folium.GeoJson(
            _geojson(frame, fields),
            name="gaps",
            style_function=lambda f: {
                "fillColor": UNCOVERED,
                "color": UNCOVERED_EDGE,
                "weight": 2.5,
                "fillOpacity": 0.7,
            },
            marker=folium.CircleMarker(radius=6),
            tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True),
        ).add_to(group)
    group.add_to(m)


def _add_technology(m, result: Result, tech: str, detail: Detail, lang: str) -> None:
    prediction = result.prediction
    group = folium.FeatureGroup(name=text("layer_tech", lang, tech=tech), show=False)
    colour = TECH_COLOURS[tech]
    if prediction is None:
        return
    mask = prediction.coverage_mask(tech)
    if mask is not None:  # a raster model: the covered pixels as an image
        png, bounds = _covered_png(mask, colour)
        folium.raster_layers.ImageOverlay(
            image="data:image/png;base64," + base64.b64encode(png).decode("ascii"),
            bounds=bounds,
            name=f"tech-{tech}",
            interactive=False,
            zindex=2,
        ).add_to(group)
        group.add_to(m)
        return
    footprints = prediction.coverage_shapes(tech)
    if footprints is None:
        return
    union = shapely.union_all(footprints)
    geom = _display(np.array([union]), result.crs, detail, coverage=False)
    frame = gpd.GeoDataFrame({"tech": [tech]}, geometry=geom, crs=4326)
    folium.GeoJson(
        _geojson(frame, ["tech"]),
        name=f"tech-{tech}",
        style_function=lambda f, c=colour: {
            "fillColor": c,
            "color": c,
            "weight": 1,
            "fillOpacity": 0.25,
        },
    ).add_to(group)
    group.add_to(m)


def _covered_png(mask: CoverageMask, colour: str) -> tuple[bytes, list]:
    """The covered pixels, warped to Web Mercator, as a PNG."""
    import io

    from PIL import Image
    from rasterio.warp import Resampling, calculate_default_transform, reproject, transform_bounds

    covered = mask.covered.astype(np.uint8)
    h, w = covered.shape
    left, top = mask.transform.c, mask.transform.f
    res = mask.transform.a
    bounds = (left, top - h * res, left + w * res, top)
    dst_transform, dw, dh = calculate_default_transform(mask.crs, "EPSG:3857", w, h, *bounds)
    merc = np.zeros((dh, dw), dtype=np.uint8)
    reproject(
        covered,
        merc,
        src_transform=mask.transform,
        src_crs=mask.crs,
        dst_transform=dst_transform,
        dst_crs="EPSG:3857",
        resampling=Resampling.nearest,
    )
    rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    rgba = np.zeros((dh, dw, 4), dtype=np.uint8)
    rgba[..., 0], rgba[..., 1], rgba[..., 2] = rgb
    rgba[..., 3] = merc * 110
    buffer = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buffer, format="PNG", optimize=True)
    x0, y1 = dst_transform.c, dst_transform.f
    x1, y0 = x0 + dw * dst_transform.a, y1 + dh * dst_transform.e
    west, south, east, north = transform_bounds("EPSG:3857", "EPSG:4326", x0, y0, x1, y1)
    return buffer.getvalue(), [[south, west], [north, east]]


def _sites_table(result: Result) -> gpd.GeoDataFrame | None:
    sites = result.sites
    if sites is None or len(sites) == 0:
        return None
    frame = pd.DataFrame(sites.drop(columns="geometry"))
    frame["x"], frame["y"] = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
    for col in ("operator", "frequency_mhz", "height_m"):
        if col not in frame:
            frame[col] = np.nan

    def join(values: pd.Series) -> str:
        clean = sorted({_fmt_value(v) for v in values if not pd.isna(v)})
        return ", ".join(clean)

    grouped = frame.groupby("site_id", sort=True).agg(
        x=("x", "first"),
        y=("y", "first"),
        operator=("operator", join),
        technologies=("technology", join),
        bands=("frequency_mhz", join),
        height=("height_m", "max"),
    )
    geoms = gpd.GeoSeries(shapely.points(grouped["x"], grouped["y"]), crs=sites.crs).to_crs(4326)
    out = pd.DataFrame(
        {
            "site_id": grouped.index.map(_esc),
            "operator": grouped["operator"].map(_esc),
            "technologies": grouped["technologies"].map(_esc),
            "bands": grouped["bands"].map(_esc),
            "height": grouped["height"].map(lambda h: "" if pd.isna(h) else f"{h:g}"),
        }
    )
    return gpd.GeoDataFrame(out, geometry=shapely.set_precision(geoms.to_numpy(), 1e-5), crs=4326)


def _fmt_value(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _add_sites(m, result: Result, lang: str, *, static: bool) -> None:
    sites = _sites_table(result)
    if sites is None:
        return
    fields = ["site_id", "operator", "technologies", "bands", "height"]
    aliases = [text(k, lang) for k in ("site", "operator", "technologies", "band", "height")]
    group = folium.FeatureGroup(name=text("layer_sites", lang), show=not static)
    layer = folium.GeoJson(
        _geojson(sites, fields),
        name="sites",
        marker=folium.CircleMarker(
            radius=4, color=SITE_COLOUR, weight=1, fill=True, fill_color="#2171b5", fill_opacity=0.9
        ),
        popup=folium.GeoJsonPopup(fields=fields, aliases=aliases),
        tooltip=folium.GeoJsonTooltip(
            fields=["site_id", "technologies"], aliases=aliases[:1] + aliases[2:3]
        ),
    )
    if static:
        layer.add_to(group)
    else:
        cluster = MarkerCluster(
            name="sites-cluster", control=False, options={"disableClusteringAtZoom": 13}
        )
        cluster.default_js = []
        cluster.default_css = []
        layer.add_to(cluster)
        cluster.add_to(group)
    group.add_to(m)


def _add_fibre(m, result: Result, detail: Detail, lang: str) -> None:
    fibre = result.fibre
    if fibre is None or len(fibre) == 0:
        return
    types = shapely.get_type_id(fibre.geometry.to_numpy())
    lines = fibre[np.isin(types, [1, 5])]
    points = fibre[np.isin(types, [0, 4])]
    if len(lines):
        geoms = _display(lines.geometry.to_numpy(), fibre.crs, detail, coverage=False)
        group = folium.FeatureGroup(name=text("layer_fibre_routes", lang), show=True)
        folium.GeoJson(
            gpd.GeoDataFrame(geometry=geoms, crs=4326).to_geo_dict(show_bbox=False),
            name="fibre-routes",
            style_function=lambda f: {"color": FIBRE_COLOUR, "weight": 1.5, "opacity": 0.8},
        ).add_to(group)
        group.add_to(m)
    if len(points):
        geoms = gpd.GeoSeries(points.geometry.to_numpy(), crs=fibre.crs).to_crs(4326)
        group = folium.FeatureGroup(name=text("layer_fibre_nodes", lang), show=False)
        folium.GeoJson(
            gpd.GeoDataFrame(
                geometry=shapely.set_precision(geoms.to_numpy(), 1e-5), crs=4326
            ).to_geo_dict(show_bbox=False),
            name="fibre-nodes",
            marker=folium.CircleMarker(
                radius=2.5,
                color="#3f007d",
                weight=1,
                fill=True,
                fill_color="#9e9ac8",
                fill_opacity=1,
            ),
        ).add_to(group)
        group.add_to(m)


#: Point symbols as inline SVG: the shape says what the point is (circle: commune centre,
#: triangle: postal point), white means connected, black (with a white halo and a thin
#: dark ring) means not; the missing ones are larger. See :mod:`coverage.maps.palette`.
_SHAPES = {"layer_centres": "circle", "layer_postal": "triangle"}


def point_svg(shape: str, connected: bool, size: int | None = None) -> str:
    """The SVG symbol of a centre (``circle``) or postal point (``triangle``)."""
    size = size or (14 if connected else 20)
    c = size / 2

    def figure(r: float, fill: str, stroke: str, width: float) -> str:
        style = f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"'
        if shape == "circle":
            return f'<circle cx="{c}" cy="{c}" r="{r:.2f}" {style}/>'
        pts = [(c, c - r), (c + 0.866 * r, c + r / 2), (c - 0.866 * r, c + r / 2)]
        pts = [(x, y + r * 0.15) for x, y in pts]  # the triangle's centroid on the point
        xy = " ".join(f"{x:.2f},{y:.2f}" for x, y in pts)
        return f'<polygon points="{xy}" {style} stroke-linejoin="round"/>'

    if connected:
        body = figure(c - 1.5, POINT_OK, POINT_OK_EDGE, 1.5)
    else:
        body = figure(c - 0.75, POINT_MISSING_HALO, POINT_MISSING, 1) + figure(
            c * 0.55, POINT_MISSING, POINT_MISSING, 0
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}">{body}</svg>'
    )


def _add_points(m, points: gpd.GeoDataFrame | None, layer_key: str, what: str, lang: str) -> None:
    if points is None or len(points) == 0:
        return
    geoms = points.geometry.to_crs(4326).to_numpy()
    name_col = points["name"] if "name" in points else points.iloc[:, 0]
    connected = points["connected"].astype(bool).to_numpy()
    frame = gpd.GeoDataFrame(
        {
            "name": name_col.map(_esc),
            "status": np.where(connected, text("yes", lang), text("no", lang)),
            "decided": points["decided_by"].map(lambda d: text(f"decided_{d}", lang)),
            "distance": points["fibre_distance_m"].map(
                lambda d: "" if pd.isna(d) else number(d, lang)
            ),
            "connected": connected,
        },
        geometry=shapely.set_precision(geoms, 1e-5),
        crs=4326,
    )
    fields = ["name", "status", "decided", "distance"]
    aliases = ["", text(what, lang), text("decided_by", lang), text("distance_m", lang)]
    shape = _SHAPES[layer_key]
    icons = {}
    for ok in (True, False):
        size = 14 if ok else 20
        icons[ok] = {
            "html": point_svg(shape, ok, size),
            "className": f"cov-point cov-{shape} cov-{'ok' if ok else 'missing'}",
            "iconSize": [size, size],
            "iconAnchor": [size / 2, size / 2],
        }
    group = folium.FeatureGroup(name=text(layer_key, lang), show=True)
    for ok in (True, False):  # the missing ones last, so they are drawn on top
        subset = frame[frame["connected"] == ok]
        if len(subset) == 0:
            continue
        folium.GeoJson(
            subset[[*fields, "connected", "geometry"]].to_geo_dict(show_bbox=False),
            name=layer_key,
            # a missing one above the site clusters: it must never hide under a bubble
            marker=folium.Marker(
                icon=folium.DivIcon(html="", class_name="cov-point"),
                z_index_offset=0 if ok else 1000,
            ),
            style_function=lambda f: icons[bool(f["properties"]["connected"])],
            tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases),
        ).add_to(group)
    group.add_to(m)


# ---------------------------------------------------------------- page furniture


def _figure(m: folium.Map) -> Figure:
    """The page the map lives in (folium's root element is a branca Figure)."""
    root = m.get_root()
    assert isinstance(root, Figure)
    return root


def _inline_assets(m: folium.Map) -> None:
    """Replace folium's CDN links by inlined Leaflet + cluster plugin + our controls."""
    m.default_js = []
    m.default_css = []
    header = _figure(m).header
    style = _assets.leaflet_css() + _assets.markercluster_css() + _assets.CONTROLS_CSS + PAGE_CSS
    header.add_child(Element(f"<style>{style}</style>"), name="cov_css")
    header.add_child(Element(f"<script>{_assets.leaflet_js()}</script>"), name="cov_leaflet")
    header.add_child(Element(f"<script>{_assets.markercluster_js()}</script>"), name="cov_cluster")
    header.add_child(Element(f"<script>{_assets.CONTROLS_JS}</script>"), name="cov_controls")


class _Controls(MacroElement):
    """Adds the full-screen and search controls to the map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var covMap = {{ this._parent.get_name() }};
        new L.Control.CovFullscreen({title: {{ this.title }} }).addTo(covMap);
        new L.Control.CovSearch({placeholder: {{ this.placeholder }},
            entries: {{ this.entries }} }).addTo(covMap);
        {% if this.legend != "null" %}(function () {
            var legend = L.control({position: 'bottomright'});
            legend.onAdd = function () {
                var div = L.DomUtil.create('div', 'cov-legend-wrap');
                div.innerHTML = {{ this.legend }};
                // on a phone-sized screen the legend starts folded, like the layer list
                if (window.innerWidth < 700 || window.innerHeight < 560) {
                    div.querySelector('details').open = false;
                }
                L.DomEvent.disableScrollPropagation(div);
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            legend.addTo(covMap);
        })();{% endif %}
        {% endmacro %}
        """
    )

    def __init__(
        self, *, title: str, placeholder: str, entries: list[dict], legend: str | None
    ) -> None:
        super().__init__()
        self._name = "CovControls"
        self.legend = _assets.script_json(legend)  # our own markup, names escaped
        self.title = _assets.script_json(title)
        self.placeholder = _assets.script_json(placeholder)
        self.entries = _assets.script_json(entries)


def _search_entries(villages, communes) -> list[dict]:
    entries = []

    def add(frame, labels) -> None:
        b = shapely.bounds(frame.geometry.to_numpy())
        for label, (x0, y0, x1, y1) in zip(labels, b, strict=True):
            entries.append({"label": label, "bounds": [[y0, x0], [y1, x1]]})

    if communes is not None:
        add(communes, [str(n) for n in communes["raw_name"]])
    add(
        villages,
        [f"{n} — {c}" for n, c in zip(villages["raw_name"], villages["raw_commune"], strict=True)],
    )
    return entries


def _add_controls(
    m, villages, communes, lang: str, tech: str, *, legend: str | None, new: bool = False
) -> None:
    m.add_child(
        _Controls(
            title=text("fullscreen", lang),
            placeholder=text("search_new" if new else "search", lang),
            entries=_search_entries(villages, communes),
            legend=legend,
        )
    )


PAGE_CSS = (
    """
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; font-family: "Segoe UI", Roboto, Arial,
  sans-serif; color: #222; background: SEA; }
.cov-header { order: 0; padding: 8px 14px; background: #fff; border-bottom: 1px solid #ccc; }
.cov-header h1 { font-size: 18px; margin: 0; }
.cov-subtitle { font-size: 13px; color: #333; margin: 1px 0 4px 0; }
.cov-figures { display: flex; flex-wrap: wrap; gap: 6px 22px; font-size: 14px; }
.cov-figures b { font-size: 17px; }
.cov-meta { font-size: 11px; color: #555; margin-top: 3px; }
.folium-map { order: 1; flex: 1 1 auto; min-height: 420px; position: relative !important;
  height: auto !important; background: SEA; }
.cov-legend { background: #fff; padding: 5px 8px; border-radius: 4px; font-size: 12px;
  box-shadow: 0 1px 4px #0004; line-height: 1.35; max-height: 60vh; overflow-y: auto; }
.cov-legend summary { font-weight: bold; cursor: pointer; }
.cov-legend .cov-sec { margin-top: 4px; font-weight: bold; }
.cov-legend .cov-row { display: flex; align-items: center; gap: 6px; white-space: nowrap; }
.cov-legend .cov-sym { display: inline-flex; justify-content: center; align-items: center;
  width: 20px; height: 16px; flex: 0 0 20px; }
.cov-legend i { display: inline-block; width: 16px; height: 11px; }
.cov-point { background: none; border: 0; }
.cov-point svg { display: block; overflow: visible; }
/* a fibre target's ring answers the mouse on its stroke only: the point inside keeps its own */
.leaflet-marker-icon.cov-fibre-target { pointer-events: none; }
.cov-fibre-target .cov-hit { pointer-events: visibleStroke; }
.cov-tables { order: 2; background: #fff; padding: 6px 14px; font-size: 12px; }
.cov-tables h2 { font-size: 13px; margin: 2px 0 6px 0; }
.cov-tables table { border-collapse: collapse; }
.cov-tables th, .cov-tables td { padding: 3px 6px; border-bottom: 1px solid #ddd;
  overflow-wrap: break-word; vertical-align: top; }
.cov-tables th { text-align: left; font-weight: 600; background: #f4f4f4; }
.cov-tables td.n { text-align: right; white-space: nowrap; }
/* the leadership page at a screen: header on top, map left, the district table right */
body.cov-static { display: grid; grid-template-columns: minmax(0, 1fr) minmax(340px, 31%);
  grid-template-rows: auto minmax(0, 1fr); height: 100vh; overflow: hidden; }
body.cov-static .cov-header { grid-column: 1 / -1; grid-row: 1; }
body.cov-static .folium-map { grid-column: 1; grid-row: 2; min-height: 0; height: auto !important; }
.cov-side { order: 2; background: #fff; }
body.cov-static .cov-side { grid-column: 2; grid-row: 2; overflow: auto;
  border-left: 1px solid #ccc; }
.cov-side .cov-legend { box-shadow: none; max-height: none; margin: 4px 14px 10px 14px;
  padding: 0; }
.cov-tables td:first-child { white-space: nowrap; }
body.cov-static .cov-tables table { width: 100%; }
/* marker clusters in neutral greys, so they do not compete with the coverage colours */
.marker-cluster-small, .marker-cluster-medium, .marker-cluster-large {
  background-color: rgba(255, 255, 255, 0.7); }
.marker-cluster-small div { background-color: GREY0; color: #222; }
.marker-cluster-medium div { background-color: GREY1; color: #222; }
.marker-cluster-large div { background-color: GREY2; color: #fff; }
.marker-cluster div { box-shadow: 0 0 0 1px #525252; }
@media (max-width: 900px) {
  body.cov-static { display: flex; height: auto; overflow: visible; }
  body.cov-static .folium-map { flex: 0 0 auto; height: 70vh !important; }
  body.cov-static .cov-side { border-left: 0; }
}
@media print {
  @page { size: A4 landscape; margin: 8mm; }
  body, body.cov-static { display: block; background: #fff; height: auto; overflow: visible; }
  .leaflet-control-container .leaflet-top { display: none; }
  body.cov-static .folium-map, .folium-map { height: 130mm !important; }
  .cov-side { page-break-before: auto; border-left: 0; }
}
""".replace("SEA", SEA)
    .replace("GREY0", CLUSTER_GREYS[0])
    .replace("GREY1", CLUSTER_GREYS[1])
    .replace("GREY2", CLUSTER_GREYS[2])
)


def _legend_row(symbol: str, label: str) -> str:
    return (
        f'<div class="cov-row"><span class="cov-sym">{symbol}</span>'
        f"<span>{html.escape(label)}</span></div>"
    )


def _swatch(fill: str, edge: str | None = None) -> str:
    outline = f";outline:2px solid {edge};outline-offset:-2px" if edge else ""
    return f'<i style="background:{fill}{outline}"></i>'


def _legend_html(
    result: Result,
    lang: str,
    *,
    plan: Plan | None = None,
    measurements: Measurements | None = None,
) -> str:
    """A legend for every layer drawn: the commune classes, villages, centres, postal
    points, sites, fibre, the plans, the measurements and the technology footprints."""
    tech = result.summary["headline_technologies"]
    labels = list(SHARE_LABELS)
    rows = f'<div class="cov-sec">{html.escape(text("legend_share", lang))} {tech}</div>'
    rows += "".join(
        _legend_row(_swatch(colour), label)
        for (_, colour), label in zip(SHARE_CLASSES, labels, strict=True)
    )
    rows += _legend_row(_swatch(NO_DATA_COLOUR), text("no_data", lang))
    rows += f'<div class="cov-sec">{html.escape(text("village", lang))}</div>'
    rows += _legend_row(_swatch(UNCOVERED, UNCOVERED_EDGE), text("layer_gaps", lang, tech=tech))
    rows += _legend_row(_swatch(COVERED), text("villages_covered", lang, tech=tech))
    points = ""
    if result.centres is not None and len(result.centres):
        points += _legend_row(point_svg("circle", True), text("centres_fibre", lang))
        points += _legend_row(point_svg("circle", False), text("centres_no_fibre", lang))
    if result.postal is not None and len(result.postal):
        points += _legend_row(point_svg("triangle", True), text("postal_broadband", lang))
        points += _legend_row(point_svg("triangle", False), text("postal_no_broadband", lang))
    if result.sites is not None and len(result.sites):
        dot = (
            '<svg width="10" height="10"><circle cx="5" cy="5" r="4" fill="#2171b5" '
            f'stroke="{SITE_COLOUR}"/></svg>'
        )
        points += _legend_row(dot, text("layer_sites", lang))
    if result.fibre is not None and len(result.fibre):
        line = (
            f'<svg width="18" height="6"><line x1="0" y1="3" x2="18" y2="3" '
            f'stroke="{FIBRE_COLOUR}" stroke-width="2"/></svg>'
        )
        points += _legend_row(line, text("layer_fibre_routes", lang))
    if points:
        rows += f'<div class="cov-sec">{html.escape(text("infrastructure", lang))}</div>' + points
    for heading, section in legend_sections(plan, lang) if plan is not None else []:
        rows += f'<div class="cov-sec">{html.escape(heading)}</div>'
        rows += "".join(_legend_row(symbol, label) for symbol, label in section)
    if measurements is not None:
        rows += measure_legend_html(measurements, lang)
    if result.prediction is not None:
        techs = "".join(
            f'<span class="cov-row" style="display:inline-flex;margin-right:6px">'
            f"{_swatch(TECH_COLOURS[t])}{t}</span>"
            for t in TECHNOLOGIES
        )
        rows += (
            f'<div class="cov-sec">{html.escape(text("layer_tech", lang, tech="2G–5G"))}</div>'
            f"<div>{techs}</div>"
        )
    return (
        f'<details class="cov-legend" open><summary>{html.escape(text("legend", lang))}'
        f"</summary>{rows}</details>"
    )


def _rule_text(summary: dict, lang: str) -> str:
    rule = summary["rule"]
    threshold = percent(rule["threshold"], lang, 0)
    return text(f"rule_{rule['name']}", lang, threshold=threshold)


def _header_html(result: Result, *, lang: str, title: str, subtitle: str, demo: bool) -> str:
    s = result.summary
    figures = headline_figures(s, lang)
    items = "".join(
        f'<div class="cov-figure" data-key="{i}">{html.escape(label)}: <b>{html.escape(value)}</b>'
        f"</div>"
        for i, (label, value) in enumerate(figures)
    )
    meta = text("model_rule", lang, model=model_name(s, lang), rule=_rule_text(s, lang))
    meta += f" · CRS {s['crs']} · " + text("generated", lang, version=__version__)
    if demo:
        meta += " · " + text("demo_note", lang)
    return (
        f'<header class="cov-header"><h1>{html.escape(title)}</h1>'
        f'<p class="cov-subtitle">{html.escape(subtitle)}</p>'
        f'<div class="cov-figures">{items}</div>'
        f'<div class="cov-meta">{html.escape(meta)}</div></header>'
    )


def _district_table_html(result: Result, lang: str) -> str:
    rows = result.summary.get("by_district") or []
    return _unit_table_html(
        [(d["district"], d) for d in rows], result, lang, "district", "by_district", ""
    )


def _new_unit_table_html(result: Result, lang: str) -> str:
    """The table by commune of today, lowest share first."""
    rows = worst_first(result.summary.get("by_new_commune") or [])
    return _unit_table_html(
        [(d.get("name", d["commune_id"]), d) for d in rows],
        result,
        lang,
        "new_commune",
        "by_new_commune",
        " cov-new-units",
    )


def _unit_table_html(
    rows: list[tuple[object, dict]], result: Result, lang: str, unit: str, title: str, cls: str
) -> str:
    """A table of units (name, villages, covered, share, centres on fibre) for the side
    panel; ``rows`` pairs each unit's name with its figures."""
    if not rows:
        return ""
    tech = result.summary["headline_technologies"]
    head = "".join(
        f"<th>{html.escape(h)}</th>"
        for h in (
            text(unit, lang),
            text("villages", lang),
            text("villages_covered", lang, tech=tech),
            text("share", lang),
            text("centres_on_fibre", lang),
        )
    )
    body = ""
    for name, d in rows:
        known = d.get("centres") is not None and d.get("centres_fibre") is not None
        fibre = f"{d['centres_fibre']}/{d['centres']}" if known else "—"
        body += (
            f"<tr><td>{_esc(name)}</td><td class=n>{number(d['villages'], lang)}</td>"
            f"<td class=n>{number(d['villages_covered'], lang)}</td>"
            f"<td class=n>{percent(d['coverage_share'], lang)}</td><td class=n>{fibre}</td></tr>"
        )
    return (
        f'<section class="cov-tables{cls}"><h2>{html.escape(text(title, lang))}</h2>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></section>"
    )


def _add_page(
    m: folium.Map,
    result: Result,
    *,
    lang: str,
    static: bool,
    title: str,
    subtitle: str,
    demo: bool,
    legend: str,
    new: bool = False,
) -> None:
    root = _figure(m)
    root.title = html.escape(f"{title} — {subtitle}")
    root.html.add_child(
        Element(_header_html(result, lang=lang, title=title, subtitle=subtitle, demo=demo))
    )
    if static:
        table = _new_unit_table_html(result, lang) if new else _district_table_html(result, lang)
        side = table + legend
        root.html.add_child(Element(f'<aside class="cov-side">{side}</aside>'))
        root.html.add_child(Element("<script>document.body.classList.add('cov-static');</script>"))
    root.header.add_child(
        Element(f'<meta name="description" content="{html.escape(title)}">'), name="cov_meta"
    )
