"""A plan on the gap map: a site plan, a fibre plan, or both, from one folder.

:func:`read_plan` reads what ``coverage plan sites --out DIR`` wrote (``plan.gpkg``:
layers ``proposed_sites``, ``footprints`` and ``villages``) and what ``coverage plan
fibre --out DIR`` wrote (``fibre.gpkg`` and ``fibre_plan.json``, read by
:mod:`coverage.maps.fibre_layer`); either or both may be in the folder. :func:`add_plan`
draws each as its own switchable overlay of a folium map, and :func:`draw_plan` on a
matplotlib map. The proposed sites are numbered by their rank (best first); newly
covered villages and the footprints are outlined in :data:`~coverage.maps.palette.PLAN_COLOUR`.

Examples
--------
>>> read_plan("no/such/folder")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
coverage._errors.InputError: no/such/folder: no such plan folder (write one with ...)
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template

from .._errors import InputError
from ._assets import script_json
from .fibre_layer import (
    FIBRE_GPKG,
    FIBRE_JSON,
    FibreOverlay,
    add_fibre_plan,
    check_layers,
    draw_fibre_plan,
    read_fibre_plan,
)
from .fibre_layer import legend_entries as fibre_legend_entries
from .fibre_layer import legend_rows as fibre_legend_rows
from .i18n import number, percent, text
from .palette import PLAN_COLOUR, PLAN_MARKER_TEXT

if TYPE_CHECKING:
    import folium
    from matplotlib.axes import Axes

#: The layers of ``plan.gpkg`` and the columns each must have.
PLAN_LAYERS: dict[str, tuple[str, ...]] = {
    "proposed_sites": ("rank", "candidate_id"),
    "footprints": ("candidate_id",),
    "villages": ("village_id", "newly_covered"),
}

#: Footprints are simplified to about a screen pixel at zoom 14 (metres).
FOOTPRINT_TOLERANCE_M = 10.0


@dataclass(frozen=True)
class SitePlan:
    """A site plan read back for drawing, every layer in WGS 84.

    Attributes
    ----------
    sites
        One point per proposed site, sorted by ``rank``.
    footprints
        Each proposed site's 3G/4G coverage (``candidate_id``).
    villages
        The villages newly covered by the plan.
    path
        The ``plan.gpkg`` read.
    """

    sites: gpd.GeoDataFrame
    footprints: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    path: Path


@dataclass(frozen=True)
class Plan:
    """What a plan folder holds: a site plan, a fibre plan, or both (never neither).

    Attributes
    ----------
    sites
        The site plan (``plan.gpkg``), or ``None``.
    fibre
        The fibre plan (``fibre.gpkg``), or ``None``.
    """

    sites: SitePlan | None = None
    fibre: FibreOverlay | None = None


SITE_GPKG = "plan.gpkg"
_HINT = "(write one with `coverage plan sites --out DIR` or `coverage plan fibre --out DIR`)"


def read_plan(folder: str | os.PathLike) -> Plan:
    """Read the plans in a plan folder: ``plan.gpkg``, ``fibre.gpkg``, or both.

    Parameters
    ----------
    folder
        What ``coverage plan sites --out`` or ``coverage plan fibre --out`` was given
        (or one of the GeoPackages itself).

    Raises
    ------
    InputError
        The folder is missing or holds neither plan, or a plan's layer or column is
        missing; the message names the folder or the file and layer.
    """
    path = Path(folder)
    if not path.exists():
        raise InputError(f"no such plan folder {_HINT}", path=str(folder))
    if path.is_file():
        if _is_fibre(path):
            return Plan(fibre=read_fibre_plan(path))
        return Plan(sites=read_site_plan(path))
    site, fibre = path / SITE_GPKG, path / FIBRE_GPKG
    if not site.is_file() and not fibre.is_file():
        if (path / FIBRE_JSON).is_file():
            raise InputError(f"{FIBRE_JSON} without its {FIBRE_GPKG} {_HINT}", path=str(folder))
        raise InputError(f"no {SITE_GPKG} or {FIBRE_GPKG} in this folder {_HINT}", path=str(folder))
    return Plan(
        sites=read_site_plan(site) if site.is_file() else None,
        fibre=read_fibre_plan(fibre) if fibre.is_file() else None,
    )


def _is_fibre(gpkg: Path) -> bool:
    """A GeoPackage given by name is a fibre plan when it is called ``fibre.gpkg`` or
    holds a ``fibre_network`` layer."""
    import pyogrio

    if gpkg.name == FIBRE_GPKG:
        return True
    try:
        return "fibre_network" in {str(name) for name, _ in pyogrio.list_layers(gpkg)}
    except Exception:  # not a GeoPackage: read_site_plan says so
        return False


def read_site_plan(gpkg: str | os.PathLike) -> SitePlan:
    """Read a site plan's ``plan.gpkg``.

    Raises
    ------
    InputError
        The file is not a GeoPackage, or a layer or column is missing.
    """

    hint = "(write one with `coverage plan sites --out DIR`)"
    gpkg = Path(gpkg)
    check_layers(gpkg, list(PLAN_LAYERS), hint)
    frames = {}
    for name, columns in PLAN_LAYERS.items():
        frame = gpd.read_file(gpkg, layer=name, engine="pyogrio")
        lacking = [c for c in columns if c not in frame.columns]
        if lacking:
            raise InputError(
                f"layer '{name}' lacks the column(s) {', '.join(lacking)}", path=str(gpkg)
            )
        if frame.crs is None:
            raise InputError(f"layer '{name}' has no CRS", path=str(gpkg))
        frames[name] = frame
    sites = frames["proposed_sites"].sort_values("rank", kind="stable").reset_index(drop=True)
    villages = frames["villages"]
    villages = villages[villages["newly_covered"].fillna(False).astype(bool)]
    footprints = frames["footprints"]
    footprints = footprints[~(footprints.geometry.isna() | footprints.geometry.is_empty)]
    return SitePlan(
        sites=sites.to_crs(4326),
        footprints=_simplified(footprints),
        villages=villages.to_crs(4326).reset_index(drop=True),
        path=gpkg,
    )


def _simplified(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Footprints simplified in metres, then in WGS 84 rounded to about a metre."""
    metric = frame.to_crs(frame.estimate_utm_crs()) if frame.crs.is_geographic else frame
    simple = shapely.simplify(
        metric.geometry.to_numpy(), FOOTPRINT_TOLERANCE_M, preserve_topology=True
    )
    ll = gpd.GeoSeries(simple, crs=metric.crs).to_crs(4326).to_numpy()
    return gpd.GeoDataFrame(
        {"candidate_id": frame["candidate_id"].to_numpy()},
        geometry=shapely.set_precision(ll, 1e-5),
        crs=4326,
    )


# ---------------------------------------------------------------- the HTML map


def _esc(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return html.escape(str(value))


def _rank(value: object) -> str:
    return str(int(value)) if not pd.isna(value) else "?"  # type: ignore[call-overload]


def site_popup(row: pd.Series, lang: str) -> str:
    """The popup of one proposed site: id, kind, technology, height, gains, cumulative share."""

    def get(column: str) -> object:
        return row[column] if column in row.index else None

    def count(column: str) -> str:
        value = get(column)
        if value is None or pd.isna(value):  # type: ignore[call-overload]
            return ""
        return number(float(value), lang)  # type: ignore[arg-type]

    height = get("height_m")
    share = get("cumulative_coverage_share")
    rows = [
        (text("plan_candidate", lang), _esc(get("candidate_id"))),
        (text("plan_kind", lang), _esc(get("kind"))),
        (text("technologies", lang), _esc(get("technology"))),
        (
            text("height", lang),
            "" if height is None or pd.isna(height) else f"{float(height):g}",  # type: ignore[arg-type]
        ),
        (text("plan_villages_new", lang), count("villages_newly_covered")),
        (text("plan_population_new", lang), count("population_newly_covered")),
        (
            text("plan_cumulative", lang),
            "" if share is None or pd.isna(share) else percent(share, lang),  # type: ignore[arg-type]
        ),
    ]
    title = html.escape(text("plan_site", lang, rank=_rank(row["rank"])))
    body = "".join(
        f"<tr><th style='text-align:left;padding-right:6px'>{html.escape(k)}</th>"
        f"<td style='white-space:nowrap'>{v}</td></tr>"
        for k, v in rows
    )
    return f"<b>{title}</b><table>{body}</table>"


def marker_html(rank: str) -> str:
    """A round numbered marker: dark number on white, ringed in the plan colour."""
    return (
        f'<div class="cov-plan-site" style="width:22px;height:22px;border-radius:50%;'
        f"background:#ffffff;border:3px solid {PLAN_COLOUR};color:{PLAN_MARKER_TEXT};"
        f"font:bold 12px/22px sans-serif;text-align:center;box-sizing:content-box;"
        f'box-shadow:0 0 2px #000">{html.escape(rank)}</div>'
    )


def add_plan(m: folium.Map, plan: Plan, lang: str, *, static: bool = False) -> None:
    """Add the plans of a folder to a map, each as its own overlay, on in the layer
    control: the fibre plan first, so the proposed sites' markers sit above its lines."""
    if plan.fibre is not None:
        add_fibre_plan(m, plan.fibre, lang, static=static)
    if plan.sites is not None:
        add_site_plan(m, plan.sites, lang, static=static)


def add_site_plan(m: folium.Map, plan: SitePlan, lang: str, *, static: bool = False) -> None:
    """Add the site plan to a map as one overlay, on in the layer control.

    The footprints (translucent, dashed), the newly covered villages (thick outline) and
    the proposed sites as markers numbered by rank, with a popup each. The leadership
    page (``static``) leaves the footprints out (a smaller file).
    """
    import folium  # not for the PNG

    group = folium.FeatureGroup(name=text("layer_plan", lang), show=True)
    if not static and len(plan.footprints):
        folium.GeoJson(
            plan.footprints.assign(candidate_id=plan.footprints["candidate_id"].map(_esc))[
                ["candidate_id", "geometry"]
            ].to_geo_dict(show_bbox=False),
            name="plan-footprints",
            style_function=lambda f: {
                "color": PLAN_COLOUR,
                "weight": 1.5,
                "dashArray": "5 4",
                "fillColor": PLAN_COLOUR,
                "fillOpacity": 0.06,
            },
            interactive=False,
        ).add_to(group)
    if len(plan.villages):
        v = plan.villages
        frame = gpd.GeoDataFrame(
            {
                "name": (v["name"] if "name" in v else v["village_id"]).map(_esc),
                "population": (
                    v["population"].map(lambda p: "" if pd.isna(p) else number(p, lang))
                    if "population" in v
                    else ""
                ),
            },
            geometry=v.geometry.to_numpy(),
            crs=4326,
        )
        folium.GeoJson(
            frame.to_geo_dict(show_bbox=False),
            name="plan-villages",
            style_function=lambda f: {
                "color": PLAN_COLOUR,
                "weight": 3,
                "fill": False,
            },
            marker=folium.CircleMarker(radius=8, color=PLAN_COLOUR, weight=3, fill=False),
            tooltip=folium.GeoJsonTooltip(
                fields=["name", "population"],
                aliases=[text("plan_village_new", lang), text("population", lang)],
                sticky=True,
            ),
        ).add_to(group)
    _PlanMarkers(
        [
            {
                "lat": float(row.geometry.y),
                "lon": float(row.geometry.x),
                "icon": marker_html(_rank(row["rank"])),
                "popup": site_popup(row, lang),
                "title": html.escape(text("plan_site", lang, rank=_rank(row["rank"]))),
            }
            for _, row in plan.sites.iterrows()  # a handful of sites, not a hot path
        ]
    ).add_to(group)
    group.add_to(m)


class _PlanMarkers(MacroElement):
    """The numbered markers, in plain Leaflet (folium's ``Popup`` needs jQuery, which
    the self-contained page does not carry)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.sites }}.forEach(function (s) {
            L.marker([s.lat, s.lon], {
                icon: L.divIcon({html: s.icon, className: 'cov-plan-icon',
                                 iconSize: [28, 28], iconAnchor: [14, 14]}),
                zIndexOffset: 1000,
                riseOnHover: true
            }).bindPopup(s.popup, {maxWidth: 320})
              .bindTooltip(s.title)
              .addTo({{ this._parent.get_name() }});
        });
        {% endmacro %}
        """
    )

    def __init__(self, sites: list[dict]) -> None:
        super().__init__()
        self._name = "PlanMarkers"
        self.sites = script_json(sites)  # our own markup, values escaped


def legend_sections(plan: Plan, lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(heading, rows of (symbol HTML, label)) for the map legend, one per plan drawn;
    headings and labels are plain text, the symbols our own markup."""
    sections = []
    if plan.fibre is not None:
        sections.append((text("layer_fibre_plan", lang), fibre_legend_rows(plan.fibre, lang)))
    if plan.sites is not None:
        sections.append((text("layer_plan", lang), site_legend_rows(lang)))
    return sections


def site_legend_rows(lang: str) -> list[tuple[str, str]]:
    """(symbol HTML, label) rows of the site plan for the map legend."""
    dot = (
        f'<svg width="14" height="14"><circle cx="7" cy="7" r="5.5" fill="#ffffff" '
        f'stroke="{PLAN_COLOUR}" stroke-width="2.5"/></svg>'
    )
    ring = (
        f'<i style="background:transparent;outline:2px solid {PLAN_COLOUR};'
        'outline-offset:-2px"></i>'
    )
    return [(dot, text("layer_plan", lang)), (ring, text("plan_villages_legend", lang))]


# ---------------------------------------------------------------- the PNG map


def draw_plan(ax: Axes, plan: Plan) -> None:
    """The plans on a matplotlib map: the fibre plan's cable and targets, then the
    proposed sites above them."""
    if plan.fibre is not None:
        draw_fibre_plan(ax, plan.fibre, zorder=8)
    if plan.sites is not None:
        draw_plan_points(ax, plan.sites, zorder=10)


def legend_entries(plan: Plan, lang: str) -> list[tuple[object, str]]:
    """(matplotlib handle, label) of what :func:`draw_plan` draws."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    entries: list[tuple[object, str]] = []
    if plan.fibre is not None:
        entries += fibre_legend_entries(plan.fibre, lang)
    if plan.sites is not None:
        site = Line2D([], [], marker="o", ms=6, ls="", mfc="#ffffff", mec=PLAN_COLOUR, mew=1.6)
        ring = Patch(facecolor="none", edgecolor=PLAN_COLOUR, lw=1.0)
        entries.append((site, text("layer_plan", lang)))
        entries.append((ring, text("plan_villages_legend", lang)))
    return entries


def draw_plan_points(ax: Axes, plan: SitePlan, *, zorder: int = 8) -> None:
    """The proposed sites as numbered points and the newly covered villages outlined."""
    if len(plan.villages):
        polys = plan.villages[plan.villages.geom_type.isin(["Polygon", "MultiPolygon"])]
        if len(polys):
            polys.plot(ax=ax, facecolor="none", edgecolor=PLAN_COLOUR, linewidth=1.0, zorder=zorder)
        points = plan.villages[plan.villages.geom_type == "Point"]
        if len(points):
            ax.scatter(
                points.geometry.x,
                points.geometry.y,
                s=30,
                facecolors="none",
                edgecolors=PLAN_COLOUR,
                linewidths=1.0,
                zorder=zorder,
            )
    x, y = plan.sites.geometry.x.to_numpy(), plan.sites.geometry.y.to_numpy()
    ax.scatter(
        x, y, s=70, color="#ffffff", edgecolors=PLAN_COLOUR, linewidths=1.6, zorder=zorder + 1
    )
    for xi, yi, rank in zip(x, y, plan.sites["rank"], strict=True):
        ax.annotate(
            _rank(rank),
            (xi, yi),
            ha="center",
            va="center",
            fontsize=4.5,
            fontweight="bold",
            color=PLAN_MARKER_TEXT,
            zorder=zorder + 2,
        )


__all__ = [
    "PLAN_LAYERS",
    "Plan",
    "SitePlan",
    "add_plan",
    "add_site_plan",
    "draw_plan",
    "draw_plan_points",
    "legend_entries",
    "legend_sections",
    "read_plan",
    "read_site_plan",
]
