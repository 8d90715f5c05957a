"""A fibre plan on the gap map: the proposed cable and the points it connects.

:func:`read_fibre_plan` reads the ``fibre.gpkg`` (layers ``fibre_network``,
``fibre_routes``, ``fibre_targets``) and ``fibre_plan.json`` that ``coverage plan fibre
--out DIR`` writes; :func:`add_fibre_plan` draws it as one switchable overlay of a
folium map and :func:`draw_fibre_plan` on a matplotlib map. The new cable is drawn in
:data:`~coverage.maps.palette.FIBRE_PLAN_COLOUR` over a dark casing, each target as a
ring of the same colour around its point, and a target that no road reaches as a hollow
red ring with a cross.

Examples
--------
>>> read_fibre_plan("no/such/fibre.gpkg")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
coverage._errors.InputError: no/such/fibre.gpkg: no such file (write one with ...)
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._errors import InputError
from .i18n import number, text
from .palette import FIBRE_PLAN_CASING, FIBRE_PLAN_COLOUR, POINT_MISSING_HALO, UNCOVERED

if TYPE_CHECKING:
    import folium
    from matplotlib.axes import Axes

#: The files of a fibre plan that the map reads.
FIBRE_GPKG, FIBRE_JSON = "fibre.gpkg", "fibre_plan.json"
#: The layers of ``fibre.gpkg`` and the columns each must have.
FIBRE_LAYERS: dict[str, tuple[str, ...]] = {
    "fibre_network": ("class", "targets", "length_m", "cost"),
    "fibre_routes": ("id", "kind", "km"),
    "fibre_targets": ("id", "kind", "reachable", "km_to_network", "cost_share"),
}
#: Lines are simplified to about a screen pixel at zoom 14 (metres).
LINE_TOLERANCE_M = 10.0
#: The plan's own cable classes (roads keep the class their layer gave them).
_OWN_CLASSES = ("connector", "spur", "straight")
_KINDS = ("centre", "postal", "site")
_HINT = "(write one with `coverage plan fibre --out DIR`)"


@dataclass(frozen=True)
class FibreOverlay:
    """A fibre plan read back for drawing, every layer in WGS 84.

    Attributes
    ----------
    network
        The new cable: one (multi)line per road class and number of targets served.
    routes
        Each target's path to the network (overlapping where paths share a trench).
    targets
        One point per target, ``reachable`` a bool.
    summary
        ``total_km``, ``total_cost``, ``currency``, ``targets_connected`` and
        ``targets_total``: from ``fibre_plan.json`` when it is there, else from the layers.
    path
        The ``fibre.gpkg`` read.
    """

    network: gpd.GeoDataFrame
    routes: gpd.GeoDataFrame
    targets: gpd.GeoDataFrame
    summary: dict
    path: Path

    @property
    def unreachable(self) -> gpd.GeoDataFrame:
        """The targets that no road reaches."""
        return self.targets[~self.targets["reachable"]]


def check_layers(path: Path, layers: list[str], hint: str) -> None:
    """Refuse a file that is not a GeoPackage or lacks one of ``layers`` (naming it)."""
    import pyogrio

    try:
        present = {str(name) for name, _ in pyogrio.list_layers(path)}
    except Exception as exc:  # pyogrio's errors vary by GDAL version
        raise InputError(f"not a GeoPackage ({exc})", path=str(path)) from exc
    missing = [name for name in layers if name not in present]
    if missing:
        raise InputError(f"layers missing: {', '.join(missing)} {hint}", path=str(path))


def read_fibre_plan(gpkg: str | os.PathLike) -> FibreOverlay:
    """Read a ``fibre.gpkg`` and the ``fibre_plan.json`` beside it (if any).

    Raises
    ------
    InputError
        The file is missing or not a GeoPackage, a layer or column is missing, a layer
        has no CRS, or the JSON beside it is damaged. The message names the file.
    """
    path = Path(gpkg)
    if not path.is_file():
        raise InputError(f"no such file {_HINT}", path=str(gpkg))
    check_layers(path, list(FIBRE_LAYERS), _HINT)
    frames: dict[str, gpd.GeoDataFrame] = {}
    problems: list[str] = []
    for name, columns in FIBRE_LAYERS.items():
        try:
            frame = gpd.read_file(path, layer=name, engine="pyogrio")
        except Exception as exc:
            problems.append(f"layer '{name}' cannot be read ({exc})")
            continue
        lacking = [c for c in columns if c not in frame.columns]
        if lacking:
            problems.append(f"layer '{name}' lacks the column(s) {', '.join(lacking)}")
        elif frame.crs is None:
            problems.append(f"layer '{name}' has no CRS")
        else:
            frames[name] = frame
    if problems:
        raise InputError("; ".join(problems), path=str(path))
    network = frames["fibre_network"]
    network = network[~(network.geometry.isna() | network.geometry.is_empty)]
    targets = frames["fibre_targets"]
    targets = targets[~(targets.geometry.isna() | targets.geometry.is_empty)].to_crs(4326)
    targets = targets.assign(reachable=targets["reachable"].fillna(False).astype(bool))
    routes = frames["fibre_routes"].to_crs(4326)
    return FibreOverlay(
        network=_lines(network),
        routes=routes.reset_index(drop=True),
        targets=targets.reset_index(drop=True),
        summary=_summary(path.with_name(FIBRE_JSON), network, targets),
        path=path,
    )


def _lines(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The network simplified in metres, then in WGS 84 rounded to about a metre."""
    if len(frame) == 0:  # every target already connected, or none reachable
        metric = frame
    elif frame.crs.is_geographic:
        metric = frame.to_crs(frame.estimate_utm_crs())
    else:
        metric = frame
    simple = shapely.simplify(metric.geometry.to_numpy(), LINE_TOLERANCE_M)
    ll = gpd.GeoSeries(simple, crs=metric.crs).to_crs(4326).to_numpy()
    columns = {c: frame[c].to_numpy() for c in FIBRE_LAYERS["fibre_network"]}
    return gpd.GeoDataFrame(columns, geometry=shapely.set_precision(ll, 1e-5), crs=4326)


def _summary(json_path: Path, network: pd.DataFrame, targets: pd.DataFrame) -> dict:
    """The plan's totals: the JSON's where it has them, the layers' otherwise."""
    summary = {
        "total_km": float(network["length_m"].sum()) / 1000.0,
        "total_cost": float(network["cost"].sum()),
        "currency": "",
        "targets_connected": int(targets["reachable"].sum()),
        "targets_total": len(targets),
    }
    if json_path.is_file():
        try:
            written = json.loads(json_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"not a fibre plan's JSON ({exc})", path=str(json_path)) from exc
        if not isinstance(written, dict):
            raise InputError("not a fibre plan's JSON (not an object)", path=str(json_path))
        summary.update({k: written[k] for k in summary if written.get(k) is not None})
    return summary


# ---------------------------------------------------------------- labels


def _esc(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value))


def class_label(value: object, lang: str) -> str:
    """A cable class as the reader says it (the plan's own classes translated; a road
    class as its layer spells it), HTML-escaped."""
    if value in _OWN_CLASSES:
        return html.escape(text(f"fibre_class_{value}", lang))
    return _esc(value)


def kind_label(value: object, lang: str) -> str:
    """A target's kind (``centre``, ``postal``, ``site``) in words, HTML-escaped."""
    if value in _KINDS:
        return html.escape(text(f"fibre_kind_{value}", lang))
    return _esc(value)


def _money(value: object, currency: str, lang: str) -> str:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return ""
    amount = number(float(value), lang)  # type: ignore[arg-type]
    return html.escape(f"{amount} {currency}".strip())


def _km(value: object, lang: str) -> str:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return ""
    return number(float(value), lang, 2)  # type: ignore[arg-type]


# ---------------------------------------------------------------- the HTML map


def target_svg(reachable: bool) -> str:
    """A target's symbol: a ring in the plan colour on a dark casing, wide enough to
    encircle the black point of a centre or postal point without fibre; an unreachable
    target's a hollow red ring on a white halo, crossed."""
    size = 28
    c = size / 2
    if reachable:
        body = (
            f'<circle cx="{c}" cy="{c}" r="11" fill="none" stroke="{FIBRE_PLAN_CASING}" '
            'stroke-width="4.5"/>'
            f'<circle class="cov-hit" cx="{c}" cy="{c}" r="11" fill="none" '
            f'stroke="{FIBRE_PLAN_COLOUR}" stroke-width="2.5"/>'
        )
    else:
        d = 5.5
        cross = f"M{c - d},{c - d}L{c + d},{c + d}M{c - d},{c + d}L{c + d},{c - d}"
        body = (
            f'<circle cx="{c}" cy="{c}" r="11" fill="none" stroke="{POINT_MISSING_HALO}" '
            'stroke-width="5"/>'
            f'<path d="{cross}" stroke="{POINT_MISSING_HALO}" stroke-width="4.5"/>'
            f'<circle class="cov-hit" cx="{c}" cy="{c}" r="11" fill="none" '
            f'stroke="{UNCOVERED}" stroke-width="2.5"/>'
            f'<path class="cov-hit" d="{cross}" stroke="{UNCOVERED}" stroke-width="2.5"/>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}">{body}</svg>'
    )


def line_svg() -> str:
    """The legend's symbol of the new cable: the plan colour on its dark casing."""
    return (
        '<svg width="20" height="8">'
        f'<line x1="1" y1="4" x2="19" y2="4" stroke="{FIBRE_PLAN_CASING}" stroke-width="6" '
        'stroke-linecap="round"/>'
        f'<line x1="1" y1="4" x2="19" y2="4" stroke="{FIBRE_PLAN_COLOUR}" stroke-width="3.5" '
        'stroke-linecap="round"/></svg>'
    )


def add_fibre_plan(m: folium.Map, plan: FibreOverlay, lang: str, *, static: bool = False) -> None:
    """Add the fibre plan to a map as one overlay, on in the layer control.

    The new cable (a tooltip per line: class, km, targets served, cost) and every
    target (a tooltip: name, id, kind, km to the network and cost share, or that no road
    reaches it). The leadership page (``static``) draws the same.
    """
    import folium  # not for the PNG

    del static  # the network and the targets are small: the same on both pages
    currency = str(plan.summary.get("currency") or "")
    group = folium.FeatureGroup(name=text("layer_fibre_plan", lang), show=True)
    net = plan.network
    if len(net):
        lines = gpd.GeoDataFrame(
            {
                "cls": net["class"].map(lambda v: class_label(v, lang)),
                "km": (net["length_m"] / 1000.0).map(lambda v: _km(v, lang)),
                "targets": net["targets"].map(lambda v: _esc(v if pd.isna(v) else int(v))),
                "cost": net["cost"].map(lambda v: _money(v, currency, lang)),
            },
            geometry=net.geometry.to_numpy(),
            crs=4326,
        )
        folium.GeoJson(
            lines[["geometry"]].to_geo_dict(show_bbox=False),
            name="fibre-plan-casing",
            style_function=lambda f: {
                "color": FIBRE_PLAN_CASING,
                "weight": 6.5,
                "opacity": 0.8,
                "lineCap": "round",
            },
            interactive=False,
        ).add_to(group)
        folium.GeoJson(
            lines.to_geo_dict(show_bbox=False),
            name="fibre-plan-network",
            style_function=lambda f: {
                "color": FIBRE_PLAN_COLOUR,
                "weight": 3.5,
                "opacity": 1,
                "lineCap": "round",
            },
            highlight_function=lambda f: {"weight": 6},
            tooltip=folium.GeoJsonTooltip(
                fields=["cls", "km", "targets", "cost"],
                aliases=[
                    html.escape(text(k, lang))
                    for k in ("fibre_class", "fibre_km", "fibre_targets_served", "fibre_cost")
                ],
                sticky=True,
            ),
        ).add_to(group)
    _add_targets(group, plan, lang, currency)
    group.add_to(m)


def _add_targets(group: folium.FeatureGroup, plan: FibreOverlay, lang: str, currency: str) -> None:
    import folium

    t = plan.targets
    if len(t) == 0:
        return
    names = t["name"] if "name" in t else pd.Series([None] * len(t), index=t.index)
    names = names.where(names.notna() & (names.astype(str) != ""), t["id"])
    reachable = t["reachable"].to_numpy()
    frame = gpd.GeoDataFrame(
        {
            "name": names.map(_esc),
            "id": t["id"].map(_esc),
            "kind": t["kind"].map(lambda v: kind_label(v, lang)),
            "km": t["km_to_network"].map(lambda v: _km(v, lang)),
            "cost": t["cost_share"].map(lambda v: _money(v, currency, lang)),
            "status": html.escape(text("fibre_unreachable_tip", lang)),
            "reachable": reachable,
        },
        geometry=shapely.set_precision(t.geometry.to_numpy(), 1e-5),
        crs=4326,
    )
    labels = {
        "name": "",
        "id": text("code", lang),
        "kind": text("plan_kind", lang),
        "km": text("fibre_km_to_network", lang),
        "cost": text("fibre_cost_share", lang),
        "status": "",
    }
    for ok in (True, False):  # the unreachable ones last, on top
        subset = frame[frame["reachable"] == ok]
        if len(subset) == 0:
            continue
        fields = ["name", "id", "kind", "km", "cost"] if ok else ["name", "id", "kind", "status"]
        icon = {
            "html": target_svg(ok),
            "className": f"cov-point cov-fibre-target cov-fibre-{'ok' if ok else 'unreachable'}",
            "iconSize": [28, 28],
            "iconAnchor": [14, 14],
        }
        folium.GeoJson(
            subset[[*fields, "geometry"]].to_geo_dict(show_bbox=False),
            name=f"fibre-plan-{'targets' if ok else 'unreachable'}",
            marker=folium.Marker(
                icon=folium.DivIcon(html="", class_name="cov-point"),
                z_index_offset=500 if ok else 1500,
            ),
            style_function=lambda f, icon=icon: icon,
            tooltip=folium.GeoJsonTooltip(
                fields=fields, aliases=[html.escape(labels[f]) for f in fields]
            ),
        ).add_to(group)


def legend_rows(plan: FibreOverlay, lang: str) -> list[tuple[str, str]]:
    """(symbol HTML, label) rows for the map legend; the unreachable row only when some
    target is unreachable."""
    rows = [(line_svg(), text("fibre_plan_legend", lang))]
    if len(plan.targets):
        rows.append((_small(target_svg(True)), text("fibre_targets_legend", lang)))
    if len(plan.unreachable):
        rows.append((_small(target_svg(False)), text("fibre_unreachable_legend", lang)))
    return rows


def _small(svg: str) -> str:
    """A 28-pixel symbol shown at 16 pixels in the legend."""
    return svg.replace('width="28" height="28"', 'width="16" height="16"', 1)


# ---------------------------------------------------------------- the PNG map


def draw_fibre_plan(ax: Axes, plan: FibreOverlay, *, zorder: float = 8) -> None:
    """The new cable over a dark casing (under the centres and postal points, above the
    gaps), the targets ringed at ``zorder``, the unreachable ones as crossed red rings."""
    from matplotlib import patheffects

    if len(plan.network):
        plan.network.plot(
            ax=ax,
            color=FIBRE_PLAN_COLOUR,
            linewidth=1.3,
            zorder=zorder - 3.5,
            path_effects=[
                patheffects.Stroke(linewidth=2.6, foreground=FIBRE_PLAN_CASING),
                patheffects.Normal(),
            ],
        )
    ok = plan.targets[plan.targets["reachable"]]
    if len(ok):
        x, y = ok.geometry.x.to_numpy(), ok.geometry.y.to_numpy()
        ax.scatter(x, y, **_RING, edgecolors=FIBRE_PLAN_CASING, linewidths=2.0, zorder=zorder)
        ax.scatter(x, y, **_RING, edgecolors=FIBRE_PLAN_COLOUR, linewidths=1.0, zorder=zorder)
    gone = plan.unreachable
    if len(gone):
        x, y = gone.geometry.x.to_numpy(), gone.geometry.y.to_numpy()
        halo = [patheffects.Stroke(linewidth=2.6, foreground=POINT_MISSING_HALO)]
        for marker, size in (("o", _RING["s"]), ("x", 22)):
            ax.scatter(
                x,
                y,
                s=size,
                marker=marker,
                facecolors="none" if marker == "o" else None,
                edgecolors=UNCOVERED if marker == "o" else None,
                color=None if marker == "o" else UNCOVERED,
                linewidths=1.2,
                zorder=zorder + 1,
                path_effects=[*halo, patheffects.Normal()],
            )


_RING: dict = {"s": 90, "marker": "o", "facecolors": "none"}


def legend_entries(plan: FibreOverlay, lang: str) -> list[tuple[object, str]]:
    """(matplotlib handle, label) of what :func:`draw_fibre_plan` draws."""
    from matplotlib import patheffects
    from matplotlib.lines import Line2D

    line = Line2D(
        [],
        [],
        color=FIBRE_PLAN_COLOUR,
        lw=1.3,
        path_effects=[
            patheffects.Stroke(linewidth=2.6, foreground=FIBRE_PLAN_CASING),
            patheffects.Normal(),
        ],
    )
    entries: list[tuple[object, str]] = [(line, text("fibre_plan_legend", lang))]
    if len(plan.targets):
        ring = (
            Line2D([], [], marker="o", ls="", ms=7, mfc="none", mec=FIBRE_PLAN_CASING, mew=2.0),
            Line2D([], [], marker="o", ls="", ms=7, mfc="none", mec=FIBRE_PLAN_COLOUR, mew=1.0),
        )
        entries.append((ring, text("fibre_targets_legend", lang)))
    if len(plan.unreachable):
        cross = (
            Line2D([], [], marker="o", ls="", ms=7, mfc="none", mec=UNCOVERED, mew=1.2),
            Line2D([], [], marker="x", ls="", ms=4, mec=UNCOVERED, mew=1.2),
        )
        entries.append((cross, text("fibre_unreachable_legend", lang)))
    return entries


__all__ = [
    "FIBRE_LAYERS",
    "FibreOverlay",
    "add_fibre_plan",
    "draw_fibre_plan",
    "legend_entries",
    "legend_rows",
    "read_fibre_plan",
]
