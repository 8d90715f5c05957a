"""A static gap map for printed reports: matplotlib, A4 landscape, no network."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import Bbox

from ..output import atomic_path
from .basemap import shaded_relief
from .gapmap import COVERED, NO_DATA_COLOUR, SHARE_CLASSES, UNCOVERED, share_colour
from .i18n import headline_figures, model_name, percent, text

if TYPE_CHECKING:
    from ..pipeline import CoverageResult as Result

A4_LANDSCAPE_IN = (11.69, 8.27)


def gap_png(
    result: Result,
    path: str | os.PathLike,
    *,
    lang: str = "vi",
    dem: str | os.PathLike | None = None,
    title: str | None = None,
    dpi: int = 200,
) -> Path:
    """Draw the gap map as an A4-landscape PNG and write it atomically.

    The map is drawn in longitude/latitude with the aspect ratio corrected for the
    latitude, so distances look right across a province.
    """
    s = result.summary
    tech = s["headline_technologies"]
    fig = Figure(figsize=A4_LANDSCAPE_IN, dpi=dpi)  # no pyplot: no global state, no display
    ax = fig.add_axes((0.02, 0.04, 0.66, 0.84))
    side = fig.add_axes((0.70, 0.04, 0.28, 0.84))
    side.axis("off")
    _draw_map(ax, result, dem)
    fig.suptitle(
        title or text("title", lang), x=0.02, y=0.975, ha="left", fontsize=15, fontweight="bold"
    )
    y = _draw_headline(side, s, lang)
    _draw_legend(side, y, tech, lang)
    _draw_district_table(side, s.get("by_district") or [], tech, lang)
    _draw_footer(fig, s, lang)
    target = Path(path)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png")
    return target


def _draw_map(ax: Axes, result: Result, dem: str | os.PathLike | None) -> None:
    """The map panel: relief, layers, extent around the villages, no ticks, a scale bar."""
    villages = result.villages.to_crs(4326)
    xmin, ymin, xmax, ymax = villages.total_bounds
    pad = 0.03 * max(xmax - xmin, ymax - ymin)
    ax.set_facecolor("#dbe9f4")
    if dem is not None:
        _draw_relief(ax, dem)
    _draw_layers(ax, result, villages)
    ax.set_xlim(xmin - pad, xmax + pad)
    ax.set_ylim(ymin - pad, ymax + pad)
    ax.set_aspect(1 / np.cos(np.radians((ymin + ymax) / 2)))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    _scale_bar(ax, xmin - pad, ymin - pad, (ymin + ymax) / 2)


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


def _draw_layers(ax: Axes, result: Result, villages: gpd.GeoDataFrame) -> None:
    """Commune choropleth, fibre routes, sites, uncovered villages and commune centres."""
    if result.commune_geometry is not None:
        communes = result.commune_geometry.merge(result.communes, on="commune_id").to_crs(4326)
        communes.plot(
            ax=ax,
            color=[share_colour(v) for v in communes["coverage_share"]],
            edgecolor="#4d4d4d",
            linewidth=0.3,
            alpha=0.75,
            zorder=1,
        )
    if result.fibre is not None and len(result.fibre):
        fibre = result.fibre.to_crs(4326)
        lines = fibre[fibre.geom_type.isin(["LineString", "MultiLineString"])]
        if len(lines):
            lines.plot(ax=ax, color="#6a51a3", linewidth=0.4, alpha=0.7, zorder=2)
    if result.sites is not None and len(result.sites):
        sites = result.sites.drop_duplicates("site_id").to_crs(4326)
        ax.scatter(sites.geometry.x, sites.geometry.y, s=2, color="#08306b", zorder=3, linewidths=0)
    gaps = villages[~villages["covered"].astype(bool)]
    if len(gaps):
        gaps.plot(ax=ax, color=UNCOVERED, edgecolor="#67000d", linewidth=0.8, zorder=4)
    if result.centres is not None and len(result.centres):
        centres = result.centres.to_crs(4326)
        colours = np.where(centres["connected"], COVERED, UNCOVERED)
        ax.scatter(
            centres.geometry.x,
            centres.geometry.y,
            s=14,
            c=colours,
            edgecolors="#252525",
            linewidths=0.5,
            zorder=5,
        )


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


def _legend_handles(tech: str, lang: str) -> list[Artist]:
    """Legend entries: the share classes, no data, gaps, centres, sites, fibre routes."""
    labels = ["< 50%", "50–80%", "80–90%", "90–95%", "95–<100%", "100%"]
    handles: list[Artist] = [
        Patch(color=c, label=lab) for (_, c), lab in zip(SHARE_CLASSES, labels, strict=True)
    ]
    handles += [
        Patch(color=NO_DATA_COLOUR, label=text("no_data", lang)),
        Patch(facecolor=UNCOVERED, edgecolor="#67000d", label=text("layer_gaps", lang, tech=tech)),
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            color=COVERED,
            mec="#252525",
            label=text("centres_fibre", lang),
        ),
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            color=UNCOVERED,
            mec="#252525",
            label=text("centres_no_fibre", lang),
        ),
        Line2D([], [], marker=".", ls="", color="#08306b", label=text("layer_sites", lang)),
        Line2D([], [], color="#6a51a3", label=text("layer_fibre_routes", lang)),
    ]
    return handles


def _draw_legend(side: Axes, y: float, tech: str, lang: str) -> None:
    """The legend in the side panel, its top just above ``y``."""
    side.legend(
        handles=_legend_handles(tech, lang),
        loc="upper left",
        bbox_to_anchor=(0, y + 0.01),
        fontsize=8,
        frameon=False,
        title=f"{text('legend_share', lang)} {tech}",
        title_fontsize=9,
        alignment="left",
    )


def _draw_district_table(side: Axes, rows: list[dict], tech: str, lang: str) -> None:
    """The per-district table at the bottom of the side panel (nothing without rows)."""
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
    tbl = side.table(
        cellText=table,
        colLabels=[text("district", lang), tech, text("share", lang)],
        loc="bottom",
        bbox=Bbox.from_bounds(0, 0.0, 1, 0.03 * (len(rows) + 1)),
        cellLoc="left",
    )
    tbl.auto_set_font_size(False)
    tbl.set_fontsize(7)
    for cell in tbl.get_celld().values():
        cell.set_linewidth(0.3)


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


__all__ = ["gap_png"]
