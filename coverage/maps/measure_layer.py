"""Measurements on the gap map: each point coloured by its residual, measured - predicted.

:func:`read_measurements` pairs a measurements layer (a drive test, a quality-of-service
survey) with the run's model through :func:`coverage.measurements.residuals`: the same
layers, model and settings, so a run with ``--calibration`` shows the residuals after
calibration. :func:`add_measurements` draws them as one switchable overlay of a folium
map whose title sums them up (points, mean residual, RMSE); :func:`draw_measurements`
on a matplotlib map, with :func:`draw_colour_bar` as its legend. The colours are
:data:`~coverage.maps.palette.RESIDUAL_RAMP`: red where the measured level is below the
prediction (the model is too optimistic), blue where it is above.

Thousands of points are one compact array payload drawn by one loop of Leaflet circle
markers on the map's canvas, each with a tooltip built when it opens: not thousands of
folium markers, each with its own script.

Examples
--------
>>> import numpy as np
>>> residual_summary(np.array([-2.0, 4.0]))
{'points': 2, 'mean_db': 1.0, 'rmse_db': 3.1622776601683795}
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
from branca.element import MacroElement
from folium.template import Template

from ._assets import script_json
from .i18n import number, text
from .palette import RESIDUAL_EDGE, RESIDUAL_LIMIT_DB, RESIDUAL_RAMP, residual_class

if TYPE_CHECKING:
    import folium
    from matplotlib.axes import Axes

    from ..layers import Layers
    from ..settings import Settings


@dataclass(frozen=True)
class Measurements:
    """Measurements paired with the model, ready to draw.

    Attributes
    ----------
    points
        One usable measurement a row, in WGS 84: ``technology``, ``site_id`` (the
        serving or best site), ``distance_m``, ``measured_dbm``, ``predicted_dbm``,
        ``residual_db`` (measured - predicted).
    rejected
        Rows left out, by reason (:data:`coverage.measurements.REJECTIONS`).
    calibrated
        The predictions include a calibration (``--calibration``).
    source
        The measurements file.
    """

    points: gpd.GeoDataFrame
    rejected: dict[str, int]
    calibrated: bool
    source: str

    @property
    def summary(self) -> dict:
        """``points``, ``mean_db`` and ``rmse_db`` of the residuals."""
        return residual_summary(self.points["residual_db"].to_numpy(dtype=float))


def read_measurements(
    layers: Layers,
    path: str | os.PathLike,
    *,
    model: str | None = None,
    settings: Settings | None = None,
    progress=None,
) -> Measurements:
    """Pair a measurements layer with the run's model, as ``coverage calibrate`` does.

    Raises
    ------
    coverage.CoverageError
        The file cannot be read or lacks a level column (the message names the file and
        the column), the model predicts no level (``range``), or no row is usable.
    """
    from .._errors import ConfigError
    from ..measurements import residuals

    points, rejected = residuals(layers, path, model=model, settings=settings, progress=progress)
    if len(points) == 0:
        reasons = ", ".join(f"{n} {r}" for r, n in rejected.items() if n)
        raise ConfigError(f"{path}: no measurement can be compared with the model ({reasons})")
    calibrated = bool(settings is not None and settings.calibration)
    return Measurements(
        points, {k: int(v) for k, v in rejected.items() if v}, calibrated, str(path)
    )


def residual_summary(residual_db: np.ndarray) -> dict:
    """The number of residuals, their mean and their root mean square (dB)."""
    r = residual_db[np.isfinite(residual_db)]
    if len(r) == 0:
        return {"points": 0, "mean_db": float("nan"), "rmse_db": float("nan")}
    return {
        "points": len(r),
        "mean_db": float(r.mean()),
        "rmse_db": float(np.sqrt(np.mean(r**2))),
    }


def _signed(value: float, lang: str) -> str:
    return ("+" if value > 0.05 else "") + number(value, lang, 1)


def layer_title(meas: Measurements, lang: str) -> str:
    """The overlay's name: what it shows and its summary, "after calibration" when so.

    Plain text (the caller escapes it)."""
    s = meas.summary
    title = text(
        "layer_measurements",
        lang,
        n=number(s["points"], lang),
        mean=_signed(s["mean_db"], lang),
        rmse=number(s["rmse_db"], lang, 1),
    )
    if meas.calibrated:
        title += f" ({text('measurements_calibrated', lang)})"
    return title


# ---------------------------------------------------------------- the HTML map


def payload(meas: Measurements, lang: str, *, decimals: int = 5) -> dict:
    """The compact arrays the page draws: coordinates, colour class, technology and
    site (indices into lists of escaped names), levels, residual, distance (km), the
    ramp and the tooltip's escaped labels. The largest residuals come last (on top)."""
    p = meas.points
    residual = p["residual_db"].to_numpy(dtype=float)
    order = np.argsort(np.abs(np.nan_to_num(residual)), kind="stable")
    p = p.iloc[order]
    residual = residual[order]
    techs, tech_idx = np.unique(p["technology"].astype(str).to_numpy(), return_inverse=True)
    sites, site_idx = np.unique(
        p["site_id"].astype("string").fillna("").to_numpy(dtype=str), return_inverse=True
    )

    def rounded(values: object, n: int) -> list:
        return np.round(np.asarray(values, dtype=float), n).tolist()

    labels = ("technology", "measured_dbm", "predicted_dbm", "residual_db", "serving_site")
    return {
        "lat": rounded(p.geometry.y, decimals),
        "lon": rounded(p.geometry.x, decimals),
        "k": residual_class(residual).tolist(),
        "t": tech_idx.tolist(),
        "techs": [html.escape(t) for t in techs],
        "s": site_idx.tolist(),
        "sites": [html.escape(s) for s in sites],
        "m": rounded(p["measured_dbm"], 1),
        "p": rounded(p["predicted_dbm"], 1),
        "r": rounded(residual, 1),
        "d": rounded(p["distance_m"].to_numpy(dtype=float) / 1000.0, 2),
        "colours": list(RESIDUAL_RAMP),
        "edge": RESIDUAL_EDGE,
        "labels": [html.escape(text(k, lang)) for k in (*labels, "distance_km")],
        "comma": lang == "vi",
    }


def add_measurements(m: folium.Map, meas: Measurements, lang: str, *, static: bool = False) -> None:
    """Add the measurements to a map as one overlay, on in the layer control, named by
    :func:`layer_title`; each point a circle in its residual's colour with a tooltip
    (technology, measured, predicted, residual, serving site, distance). The leadership
    page (``static``) rounds coordinates to 4 decimals (about 10 m; a smaller file)."""
    import folium  # not for the PNG

    group = folium.FeatureGroup(name=html.escape(layer_title(meas, lang)), show=True)
    _MeasurePoints(payload(meas, lang, decimals=4 if static else 5)).add_to(group)
    group.add_to(m)


class _MeasurePoints(MacroElement):
    """The points in plain Leaflet: one loop of circle markers on the map's canvas
    renderer (``prefer_canvas``), each tooltip built from the arrays when it opens."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var covMeasurements = {{ this.data }};
            var d = covMeasurements;
            var group = {{ this._parent.get_name() }};
            function f(v, n) {
                var s = v.toFixed(n);
                return d.comma ? s.replace('.', ',') : s;
            }
            function tip(i) {
                return function () {
                    var r = (d.r[i] > 0 ? '+' : '') + f(d.r[i], 1);
                    var cells = [d.techs[d.t[i]], f(d.m[i], 1), f(d.p[i], 1), r,
                                 d.sites[d.s[i]], f(d.d[i], 2)];
                    var rows = '';
                    for (var j = 0; j < cells.length; j++) {
                        rows += '<tr><th style="text-align:left;padding-right:6px">' +
                            d.labels[j] + '</th><td>' + cells[j] + '</td></tr>';
                    }
                    return '<table class="cov-measure-tip">' + rows + '</table>';
                };
            }
            for (var i = 0; i < d.lat.length; i++) {
                L.circleMarker([d.lat[i], d.lon[i]], {
                    radius: 3.5, weight: 0.5, color: d.edge, opacity: 0.9,
                    fillColor: d.colours[d.k[i]], fillOpacity: 0.95
                }).bindTooltip(tip(i), {sticky: true}).addTo(group);
            }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, data: dict) -> None:
        super().__init__()
        self._name = "MeasurePoints"
        self.count = len(data["lat"])
        self.data = script_json(data)  # names escaped, then JSON safe inside <script>


def _ramp_html() -> str:
    """The colour ramp: one swatch a class, the end and middle values under it."""
    cells = "".join(
        f'<span style="flex:1;background:{c};height:11px"></span>' for c in RESIDUAL_RAMP
    )
    limit = int(RESIDUAL_LIMIT_DB)
    ticks = (
        '<div style="display:flex;justify-content:space-between;width:176px;font-size:11px">'
        f"<span>≤ −{limit}</span><span>0</span><span>≥ +{limit}</span></div>"
    )
    return (
        f'<div class="cov-ramp" style="display:flex;width:176px;outline:1px solid '
        f'{RESIDUAL_EDGE};outline-offset:-1px">{cells}</div>{ticks}'
    )


def legend_html(meas: Measurements, lang: str) -> str:
    """The legend section of the measurements: heading, ramp, what each end means and
    the summary. Text escaped, the rest our own markup."""
    s = meas.summary
    swatch = '<i style="background:{};outline:1px solid {};outline-offset:-1px"></i>'
    rows = "".join(
        f'<div class="cov-row"><span class="cov-sym">{swatch.format(c, RESIDUAL_EDGE)}'
        f"</span><span>{html.escape(sign + ' ' + text(key, lang))}</span></div>"
        for c, sign, key in (
            (RESIDUAL_RAMP[1], "< 0:", "residual_optimistic"),
            (RESIDUAL_RAMP[-2], "> 0:", "residual_pessimistic"),
        )
    )
    note = text(
        "layer_measurements",
        lang,
        n=number(s["points"], lang),
        mean=_signed(s["mean_db"], lang),
        rmse=number(s["rmse_db"], lang, 1),
    ).split(": ", 1)[-1]
    if meas.calibrated:
        note += f" ({text('measurements_calibrated', lang)})"
    return (
        f'<div class="cov-sec">{html.escape(text("residual_legend", lang))}</div>'
        f"{_ramp_html()}{rows}"
        f'<div style="font-size:11px;color:#444">{html.escape(note)}</div>'
    )


# ---------------------------------------------------------------- the PNG map


def draw_measurements(ax: Axes, meas: Measurements, *, zorder: float = 6) -> None:
    """The points as small circles in their residual's colour, the largest on top."""
    p = meas.points
    residual = p["residual_db"].to_numpy(dtype=float)
    order = np.argsort(np.abs(np.nan_to_num(residual)), kind="stable")
    colours = np.asarray(RESIDUAL_RAMP, dtype=object)[residual_class(residual[order])]
    ax.scatter(
        p.geometry.x.to_numpy()[order],
        p.geometry.y.to_numpy()[order],
        s=4,
        c=list(colours),
        edgecolors=RESIDUAL_EDGE,
        linewidths=0.15,
        zorder=zorder,
    )


def draw_colour_bar(ax: Axes, meas: Measurements, lang: str) -> None:
    """The ramp as a colour bar in the map panel's upper right corner, on a white card:
    what it measures above, what each end means and the summary under it."""
    from matplotlib.colorbar import ColorbarBase
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import FancyBboxPatch

    card = FancyBboxPatch(
        (0.595, 0.805),
        0.39,
        0.18,
        boxstyle="round,pad=0.005",
        transform=ax.transAxes,
        facecolor="#ffffff",
        edgecolor="#999999",
        linewidth=0.5,
        alpha=0.92,
        zorder=20,
    )
    ax.add_patch(card)
    cax = ax.inset_axes((0.62, 0.905, 0.34, 0.025), zorder=21)
    step = 2 * RESIDUAL_LIMIT_DB / (len(RESIDUAL_RAMP) - 1)
    bounds = np.arange(len(RESIDUAL_RAMP) + 1) * step - RESIDUAL_LIMIT_DB - step / 2
    bar = ColorbarBase(
        cax,
        cmap=ListedColormap(list(RESIDUAL_RAMP)),
        norm=BoundaryNorm(bounds, len(RESIDUAL_RAMP)),
        orientation="horizontal",
        ticks=[-RESIDUAL_LIMIT_DB, -10, 0, 10, RESIDUAL_LIMIT_DB],
    )
    limit = int(RESIDUAL_LIMIT_DB)
    bar.ax.set_xticklabels([f"≤ −{limit}", "−10", "0", "+10", f"≥ +{limit}"])
    bar.ax.tick_params(labelsize=6, length=2, width=0.4)
    bar.outline.set_linewidth(0.4)  # type: ignore[operator]
    style: dict[str, Any] = {"transform": ax.transAxes, "zorder": 22, "ha": "left", "va": "top"}
    ax.text(0.62, 0.97, text("residual_legend", lang), fontsize=7.5, fontweight="bold", **style)
    ax.text(
        0.62,
        0.872,
        f"< 0: {text('residual_optimistic', lang)}\n> 0: {text('residual_pessimistic', lang)}",
        fontsize=5.8,
        color="#333333",
        linespacing=1.3,
        **style,
    )
    summary = layer_title(meas, lang).split(": ", 1)[-1]
    ax.text(0.62, 0.834, summary, fontsize=5.8, color="#333333", **style)


__all__ = [
    "Measurements",
    "add_measurements",
    "draw_colour_bar",
    "draw_measurements",
    "layer_title",
    "legend_html",
    "payload",
    "read_measurements",
    "residual_summary",
]
