"""A static gap map for printed reports: matplotlib, A4 landscape, no network."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import Bbox

from ..output import atomic_path
from ._units import check_units, new_place, worst_first
from .basemap import shaded_relief
from .i18n import headline_figures, model_name, number, percent, subtitle, text
from .measure_layer import Measurements, draw_colour_bar, draw_measurements
from .palette import (
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
    UNCOVERED,
    UNCOVERED_EDGE,
    share_colour,
)
from .plan_layer import Plan, draw_plan
from .plan_layer import legend_entries as plan_legend_entries

if TYPE_CHECKING:
    from ..pipeline import CoverageResult as Result

A4_LANDSCAPE_IN = (11.69, 8.27)
#: Where the map panel sits on the page (figure fractions: left, bottom, width, height).
MAP_BOX = (0.015, 0.035, 0.655, 0.865)
#: Marker shapes and sizes (points²) of the point layers; see :mod:`coverage.maps.palette`.
CENTRE_MARKER, POSTAL_MARKER = "o", "^"
OK_SIZE, MISSING_SIZE, MISSING_CORE = 22, 80, 26
COMMUNE_ALPHA = 0.8
#: Rows of the side table by commune of today: the lowest shares, so the names stay legible.
NEW_UNIT_ROWS = 14


def gap_png(
    result: Result,
    path: str | os.PathLike,
    *,
    lang: str = "vi",
    dem: str | os.PathLike | None = None,
    title: str | None = None,
    dpi: int = 200,
    date: datetime.date | None = None,
    units: str = "old",
    plan: Plan | None = None,
    measurements: Measurements | None = None,
) -> Path:
    """Draw the gap map as an A4-landscape PNG and write it atomically.

    The map is drawn in longitude/latitude with the aspect ratio corrected for the
    latitude, so distances look right across a province; its extent is widened to
    the panel's shape, so the map fills the panel (no blank bands). The title names
    the province (and what it is part of since 2025) and the date of the run
    (``date``, default today).

    ``units="new"`` draws the choropleth by the communes of today
    (``result.new_communes``), names today's province and the part of it the data
    covers, and replaces the table by district with the communes of today with the
    lowest shares (the worst :data:`NEW_UNIT_ROWS`, with a note when there are more).
    ``plan`` (:func:`coverage.maps.plan_layer.read_plan`) adds a site plan's proposed
    sites as numbered points, ringing the villages they newly cover, and a fibre plan's
    new cable, the points it reaches and (crossed red rings) those no road reaches.
    ``measurements`` (:func:`coverage.maps.measure_layer.read_measurements`) adds the
    measurement points coloured by their residual, with a colour bar in the map's upper
    right corner.

    Examples
    --------
    >>> import coverage, tempfile, pathlib
    >>> result = coverage.compute(model="range")  # doctest: +SKIP
    >>> gap_png(result, pathlib.Path(tempfile.mkdtemp()) / "gaps.png")  # doctest: +SKIP
    """
    fig = compose_png(
        result,
        lang=lang,
        dem=dem,
        title=title,
        dpi=dpi,
        date=date,
        units=units,
        plan=plan,
        measurements=measurements,
    )
    target = Path(path)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png")
    return target


def compose_png(
    result: Result,
    *,
    lang: str = "vi",
    dem: str | os.PathLike | None = None,
    title: str | None = None,
    dpi: int = 200,
    date: datetime.date | None = None,
    units: str = "old",
    plan: Plan | None = None,
    measurements: Measurements | None = None,
) -> Figure:
    """The figure :func:`gap_png` saves; its first axes is the map panel (lon/lat)."""
    check_units(result, units)
    new = units == "new"
    s = result.summary
    tech = s["headline_technologies"]
    fig = Figure(figsize=A4_LANDSCAPE_IN, dpi=dpi)  # no pyplot: no global state, no display
    ax = fig.add_axes(MAP_BOX)
    side = fig.add_axes((0.69, 0.035, 0.3, 0.865))
    side.axis("off")
    draw_map(ax, result, dem, units=units, plan=plan, measurements=measurements)
    if measurements is not None:
        draw_colour_bar(ax, measurements, lang)
    provinces = result.communes["province"] if "province" in result.communes else None
    fig.text(
        0.015,
        0.975,
        title or text("title", lang),
        ha="left",
        va="top",
        fontsize=15,
        fontweight="bold",
    )
    fig.text(
        0.015,
        0.935,
        subtitle(
            provinces,
            date or datetime.date.today(),
            lang,
            place=new_place(result, lang) if new else None,
        ),
        ha="left",
        va="top",
        fontsize=11,
        color="#333333",
    )
    y = _draw_headline(side, s, lang)
    _draw_legend(side, y, result, lang, plan=plan)
    if new:
        _draw_new_unit_table(side, s.get("by_new_commune") or [], tech, lang)
    else:
        _draw_district_table(side, s.get("by_district") or [], tech, lang)
    _draw_footer(fig, s, lang)
    return fig


def draw_map(
    ax: Axes,
    result: Result,
    dem: str | os.PathLike | None,
    *,
    units: str = "old",
    plan: Plan | None = None,
    measurements: Measurements | None = None,
) -> None:
    """The map panel: relief, layers, extent around the villages, no ticks, a scale bar;
    the choropleth by the old communes or (``units="new"``) by the communes of today."""
    villages = result.villages.to_crs(4326)
    xmin, ymin, xmax, ymax = villages.total_bounds
    pad = 0.03 * max(xmax - xmin, ymax - ymin)
    xmin, xmax, ymin, ymax = xmin - pad, xmax + pad, ymin - pad, ymax + pad
    aspect = 1 / np.cos(np.radians((ymin + ymax) / 2))
    # widen the short side so the data's shape matches the panel's: no blank bands
    fig_w, fig_h = ax.get_figure().get_size_inches()  # type: ignore[union-attr]
    pos = ax.get_position()
    box = (pos.width * fig_w) / (pos.height * fig_h)  # width / height of the panel
    width, height = xmax - xmin, (ymax - ymin) * aspect
    if width / height < box:
        grow = (box * height - width) / 2
        xmin, xmax = xmin - grow, xmax + grow
    else:
        grow = (width / box - height) / 2 / aspect
        ymin, ymax = ymin - grow, ymax + grow
    ax.set_facecolor(SEA)
    if dem is not None:
        _draw_relief(ax, dem)
    _draw_layers(ax, result, villages, new=units == "new")
    if plan is not None:
        draw_plan(ax, plan)
    if measurements is not None:  # above the gaps and plans, under the centres' markers
        draw_measurements(ax, measurements, zorder=6)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect(aspect, adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    _scale_bar(ax, xmin, ymin, (ymin + ymax) / 2)


def _draw_relief(ax: Axes, dem: str | os.PathLike) -> None:
    """Grey shaded relief of the DEM's land under everything else."""
    shade, land, (w, so, e, n) = shaded_relief(dem, max_size=1200)
    grey = np.ma.masked_where(~land, 0.3 + 0.7 * shade)
    ax.imshow(
        grey,
        cmap="Greys_r",
        vmin=0,
        vmax=1,
        extent=(w, e, so, n),
        zorder=0,
        interpolation="bilinear",
    )


def _draw_layers(
    ax: Axes, result: Result, villages: gpd.GeoDataFrame, *, new: bool = False
) -> None:
    """Commune choropleth, fibre routes, sites, uncovered villages, centres, postal points."""
    communes = None
    if new and result.new_communes is not None:
        communes = result.new_communes.to_crs(4326)
        communes = communes[~(communes.geometry.isna() | communes.geometry.is_empty)]
    elif not new and result.commune_geometry is not None:
        communes = result.commune_geometry.merge(result.communes, on="commune_id").to_crs(4326)
    if communes is not None:
        communes.plot(
            ax=ax,
            color=[share_colour(v) for v in communes["coverage_share"]],
            edgecolor="#4d4d4d",
            linewidth=0.3,
            alpha=COMMUNE_ALPHA,
            zorder=1,
        )
    if result.fibre is not None and len(result.fibre):
        fibre = result.fibre.to_crs(4326)
        lines = fibre[fibre.geom_type.isin(["LineString", "MultiLineString"])]
        if len(lines):
            # a thin white casing keeps the routes visible on the darkest (violet) classes
            casing = [patheffects.withStroke(linewidth=1.1, foreground="white", alpha=0.8)]
            lines.plot(ax=ax, color=FIBRE_COLOUR, linewidth=0.45, zorder=2, path_effects=casing)
    if result.sites is not None and len(result.sites):
        sites = result.sites.drop_duplicates("site_id").to_crs(4326)
        ax.scatter(sites.geometry.x, sites.geometry.y, s=2, color=SITE_COLOUR, zorder=3, lw=0)
    gaps = villages[~villages["covered"].astype(bool)]
    if len(gaps):
        gaps.plot(ax=ax, color=UNCOVERED, edgecolor=UNCOVERED_EDGE, linewidth=0.8, zorder=4)
    _draw_points(ax, result.postal, POSTAL_MARKER, zorder=5)
    _draw_points(ax, result.centres, CENTRE_MARKER, zorder=7)


def _draw_points(ax: Axes, points: gpd.GeoDataFrame | None, marker: str, *, zorder: int) -> None:
    """Connected points as small white markers with a dark edge; the others as larger
    black markers with a white halo and a thin dark ring, drawn on top."""
    if points is None or len(points) == 0:
        return
    ll = points.to_crs(4326)
    ok = ll["connected"].astype(bool).to_numpy()
    x, y = ll.geometry.x.to_numpy(), ll.geometry.y.to_numpy()
    ax.scatter(
        x[ok], y[ok], s=OK_SIZE, marker=marker, c=POINT_OK, edgecolors=POINT_OK_EDGE,
        linewidths=0.8, zorder=zorder,
    )  # fmt: skip
    ax.scatter(
        x[~ok], y[~ok], s=MISSING_SIZE, marker=marker, c=POINT_MISSING_HALO,
        edgecolors=POINT_MISSING, linewidths=0.6, zorder=zorder + 0.5,
    )  # fmt: skip
    ax.scatter(
        x[~ok], y[~ok], s=MISSING_CORE, marker=marker, c=POINT_MISSING, linewidths=0,
        zorder=zorder + 0.6,
    )  # fmt: skip


def _draw_headline(side: Axes, summary: dict, lang: str) -> float:
    """The first three headline figures at the top of the side panel; returns the next y."""
    y = 0.99
    for label, value in headline_figures(summary, lang)[:3]:
        side.text(0, y, label, fontsize=9, va="top", transform=side.transAxes)
        side.text(
            0, y - 0.035, value, fontsize=12, fontweight="bold", va="top", transform=side.transAxes
        )
        y -= 0.085
    return y


def _point_handle(marker: str, ok: bool, label: str) -> tuple[Line2D, ...]:
    """A legend symbol drawn as the map draws the point (halo and core for missing ones)."""

    def ms(area: float) -> float:  # scatter sizes are points², legend sizes points
        return float(np.sqrt(area))

    if ok:
        return (
            Line2D([], [], marker=marker, ls="", ms=ms(OK_SIZE), mfc=POINT_OK,
                   mec=POINT_OK_EDGE, mew=0.8, label=label),
        )  # fmt: skip
    return (
        Line2D([], [], marker=marker, ls="", ms=ms(MISSING_SIZE), mfc=POINT_MISSING_HALO,
               mec=POINT_MISSING, mew=0.6, label=label),
        Line2D([], [], marker=marker, ls="", ms=ms(MISSING_CORE), mfc=POINT_MISSING,
               mew=0, label=label),
    )  # fmt: skip


def legend_entries(
    result: Result, lang: str, *, plan: Plan | None = None
) -> list[tuple[object, str]]:
    """(handle, label) of every layer drawn: classes, no data, gaps, points, sites, fibre."""
    tech = result.summary["headline_technologies"]
    entries: list[tuple[object, str]] = [
        (Patch(facecolor=c, alpha=COMMUNE_ALPHA, edgecolor="#4d4d4d", lw=0.3), lab)
        for (_, c), lab in zip(SHARE_CLASSES, SHARE_LABELS, strict=True)
    ]
    entries.append((Patch(facecolor=NO_DATA_COLOUR, alpha=COMMUNE_ALPHA), text("no_data", lang)))
    entries.append(
        (Patch(facecolor=UNCOVERED, edgecolor=UNCOVERED_EDGE), text("layer_gaps", lang, tech=tech))
    )
    if result.centres is not None and len(result.centres):
        for ok, key in ((True, "centres_fibre"), (False, "centres_no_fibre")):
            entries.append((_point_handle(CENTRE_MARKER, ok, ""), text(key, lang)))
    if result.postal is not None and len(result.postal):
        for ok, key in ((True, "postal_broadband"), (False, "postal_no_broadband")):
            entries.append((_point_handle(POSTAL_MARKER, ok, ""), text(key, lang)))
    if result.sites is not None and len(result.sites):
        entries.append(
            (
                Line2D([], [], marker="o", ms=2.5, ls="", color=SITE_COLOUR),
                text("layer_sites", lang),
            )
        )
    if result.fibre is not None and len(result.fibre):
        entries.append((Line2D([], [], color=FIBRE_COLOUR), text("layer_fibre_routes", lang)))
    if plan is not None:
        entries += plan_legend_entries(plan, lang)
    return entries


def _draw_legend(
    side: Axes, y: float, result: Result, lang: str, *, plan: Plan | None = None
) -> None:
    """The legend in the side panel, its top just above ``y``: the commune classes under
    their title, then (measured, right under them) the villages and point layers."""
    tech = result.summary["headline_technologies"]
    entries = legend_entries(result, lang, plan=plan)
    n_classes = len(SHARE_CLASSES) + 1  # and "no villages"
    style: dict[str, Any] = {
        "fontsize": 7.5,
        "frameon": False,
        "alignment": "left",
        "handler_map": {tuple: HandlerTuple(ndivide=1, pad=0)},
        "handlelength": 1.6,
        "labelspacing": 0.35,
        "borderaxespad": 0,
        "borderpad": 0,
    }
    handles, labels = zip(*entries[:n_classes], strict=True)
    classes = side.legend(
        handles=list(handles),
        labels=list(labels),
        bbox_to_anchor=(0, y + 0.01),
        title=f"{text('legend_share', lang)} {tech}",
        title_fontsize=8.5,
        loc="upper left",
        **style,
    )
    side.add_artist(classes)
    fig = side.get_figure()
    assert isinstance(fig, Figure)
    renderer = FigureCanvasAgg(fig).get_renderer()
    bottom = side.transAxes.inverted().transform(classes.get_window_extent(renderer))[0][1]
    handles, labels = zip(*entries[n_classes:], strict=True)
    side.legend(
        handles=list(handles),
        labels=list(labels),
        bbox_to_anchor=(0, bottom - 0.015),
        loc="upper left",
        **style,
    )


def _draw_district_table(side: Axes, rows: list[dict], tech: str, lang: str) -> None:
    """The per-district table at the bottom of the side panel (nothing without rows).

    Columns are sized to their content (the name column takes what the numbers leave),
    and the font shrinks until the longest name fits its cell.
    """
    if not rows:
        return
    table = [
        [
            str(d["district"]),
            f"{d['villages_covered']}/{d['villages']}",
            percent(d["coverage_share"], lang),
        ]
        for d in rows
    ]
    header = [text("district", lang), tech, text("share", lang)]
    _side_table(side, header, table, bottom=0.0, height=min(0.032 * (len(rows) + 1), 0.42))


def _side_table(
    side: Axes, header: list[str], table: list[list[str]], *, bottom: float, height: float
) -> None:
    """A name / count / share table at the bottom of the side panel: grey header, right-
    aligned numbers, the font shrunk until the longest name fits (about 7 characters per
    cm at 7 pt)."""
    widths = [0.56, 0.24, 0.20]
    tbl = side.table(
        cellText=table,
        colLabels=header,
        colWidths=widths,
        loc="bottom",
        bbox=Bbox.from_bounds(0, bottom, 1, height),
        cellLoc="left",
    )
    tbl.auto_set_font_size(False)
    name_cm = widths[0] * side.get_position().width * A4_LANDSCAPE_IN[0] * 2.54
    longest = max(len(r[0]) for r in [header, *table])
    size = float(np.clip(7.0 * (name_cm * 0.9 * 7) / max(longest, 1), 5.0, 7.0))
    tbl.set_fontsize(size)
    for (row, col), cell in tbl.get_celld().items():
        cell.set_linewidth(0.3)
        cell.set_edgecolor("#999999")
        cell.PAD = 0.04
        if row == 0:
            cell.set_facecolor("#f0f0f0")
            cell.get_text().set_fontweight("bold")
        if col > 0:
            cell.get_text().set_horizontalalignment("right")
            cell._loc = "right"  # type: ignore[attr-defined]


def _draw_new_unit_table(side: Axes, rows: list[dict], tech: str, lang: str) -> None:
    """The communes of today with the lowest shares at the bottom of the side panel, and
    a note under it saying how many of how many it shows."""
    if not rows:
        return
    shown = worst_first(rows)[:NEW_UNIT_ROWS]
    table = [
        [
            str(d.get("name", d["commune_id"])),
            f"{d['villages_covered']}/{d['villages']}",
            percent(d["coverage_share"], lang),
        ]
        for d in shown
    ]
    header = [text("new_commune", lang), tech, text("share", lang)]
    note = 0.03 if len(rows) > len(shown) else 0.0
    _side_table(side, header, table, bottom=note, height=min(0.024 * (len(shown) + 1), 0.40))
    if note:
        side.text(
            0,
            0,
            text("worst_of", lang, shown=number(len(shown), lang), total=number(len(rows), lang)),
            fontsize=7,
            color="#333333",
            va="bottom",
            transform=side.transAxes,
        )


def _draw_footer(fig: Figure, summary: dict, lang: str) -> None:
    """The model, rule and CRS line at the foot of the page."""
    meta = text(
        "model_rule",
        lang,
        model=model_name(summary, lang),
        rule=text(
            f"rule_{summary['rule']['name']}",
            lang,
            threshold=percent(summary["rule"]["threshold"], lang, 0),
        ),
    )
    fig.text(0.02, 0.012, meta + f" · CRS {summary['crs']}", fontsize=7, color="#555555")


def _scale_bar(ax: Axes, x0: float, y0: float, lat: float) -> None:
    """A 10/20/50 km bar in the lower left corner."""
    width = ax.get_xlim()[1] - ax.get_xlim()[0]
    km_per_deg = 111.32 * np.cos(np.radians(lat))
    length_km = next(k for k in (50, 20, 10, 5, 2, 1) if k / km_per_deg < width / 4)
    dx = length_km / km_per_deg
    height = ax.get_ylim()[1] - ax.get_ylim()[0]
    x, y = x0 + 0.03 * width, y0 + 0.03 * height
    ax.plot([x, x + dx], [y, y], color="black", linewidth=3, solid_capstyle="butt", zorder=6)
    ax.text(x + dx / 2, y + 0.012 * height, f"{length_km} km", ha="center", fontsize=8, zorder=6)


__all__ = ["compose_png", "gap_png"]
