"""The leadership report: one A4 PDF with the headline figures, the map, tables by unit
and the gap lists, Vietnamese by default or English.

Pages (A4, 595 × 842 pt): the headline figures with the model, the rule, the date and
the data sources; the gap map (drawn by :mod:`coverage.maps.png`, on a landscape page
with its legend and the headline figures beside it); then the
tables (by district, the communes with the lowest shares, uncovered villages, commune
centres without fibre, postal points without broadband), which flow from page to page,
repeating their header. Every cell is measured with the font's own metrics and
shortened with "…" when it cannot fit, so no text runs out of its cell. The text is
DejaVu Sans (it has every Vietnamese letter), embedded as TrueType so that the PDF's
text can be searched and copied.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..maps import i18n
from ..output import atomic_path
from .xlsx import about_rows, label, unconnected_points, uncovered_villages

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..pipeline import CoverageResult as Result

#: A4 portrait in points, and the page's margins.
PAGE_W, PAGE_H = 595.0, 842.0
MARGIN = 42.0
FOOTER = 16.0
#: Table text size, row height and cell padding (points).
CELL_SIZE, ROW_H, PAD = 8.0, 13.0, 4.0
HEADER_FILL, STRIPE_FILL, RULE_COLOUR = "#DCE6F1", "#F4F6F9", "#8C9BAB"
#: How many of the lowest communes (below 100 %) the report lists.
WORST_COMMUNES = 25
FONT = "DejaVu Sans"

_TEXT: dict[str, dict[str, str]] = {
    "report_title": {
        "vi": "Báo cáo hiện trạng phủ sóng và hạ tầng viễn thông",
        "en": "Telecom coverage and infrastructure report",
    },
    "headline": {"vi": "Các chỉ tiêu chính", "en": "Headline figures"},
    "by_technology": {"vi": "Thôn/bản có sóng theo công nghệ", "en": "Villages by technology"},
    "how": {"vi": "Cách tính và nguồn dữ liệu", "en": "Method and data sources"},
    "map": {"vi": "Bản đồ vùng lõm sóng", "en": "Map of the coverage gaps"},
    "gap_villages": {"vi": "Thôn/bản lõm sóng {tech}", "en": "Villages without {tech}"},
    "gap_centres": {"vi": "Trung tâm xã chưa có cáp quang", "en": "Commune centres without fibre"},
    "gap_postal": {
        "vi": "Điểm bưu chính chưa có băng rộng cố định",
        "en": "Postal points without fixed broadband",
    },
    "covered_share_short": {"vi": "Tỷ lệ DT có sóng", "en": "Area covered"},
    "distance_short": {"vi": "Cách cáp quang (m)", "en": "To fibre (m)"},
    "lon_lat": {"vi": "Kinh độ, vĩ độ", "en": "Lon, lat"},
    "pop_share": {"vi": "Tỷ lệ dân số", "en": "Population share"},
}


def _t(key: str, lang: str, **values: object) -> str:
    if key in _TEXT:
        return _TEXT[key][lang].format(**values)
    return label(key, lang, **values)


@dataclass
class Table:
    """A table to lay out: a title, headers, rows of text and each column's alignment."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    align: str  # one letter per column: "l" left, "r" right


def write_report_pdf(
    result: Result,
    path: str | os.PathLike,
    *,
    lang: str = "vi",
    dem: str | os.PathLike | None = None,
    date: dt.date | None = None,
) -> Path:
    """Write the leadership report of ``result`` as an A4 PDF (atomically); return its path.

    Parameters
    ----------
    result
        A run's result (:func:`coverage.compute`).
    path
        The ``.pdf`` file; a previous file stays until the new one is complete.
    lang
        ``"vi"`` (default) or ``"en"``.
    dem
        A DEM drawn as shaded relief under the map (optional).
    date
        The date printed on the report (default: today).

    Raises
    ------
    OutputError
        The file cannot be written (full disk, read-only folder, permissions).

    Examples
    --------
    >>> import coverage, tempfile, pathlib
    >>> result = coverage.compute(coverage.Layers.demo(), model="range")  # doctest: +SKIP
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_report_pdf(result, folder / "report.pdf").name  # doctest: +SKIP
    'report.pdf'
    """
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages

    label("report_title", lang)  # checks lang before anything is drawn
    day = date or dt.date.today()
    pages = [_headline_page(result, lang, day), _map_page(result, lang, dem)]
    pages += _table_pages(_tables(result, lang), lang)
    for number, fig in enumerate(pages, start=1):
        _footer(fig, result, lang, number, len(pages), day)
    target = Path(path)
    metadata = {
        "Title": _t("report_title", lang),
        "Creator": f"coverage {result.summary.get('coverage_version', '')}".strip(),
        "CreationDate": None,  # the same report, byte for byte, for the same day
    }
    with (
        matplotlib.rc_context({"pdf.fonttype": 42, "font.family": FONT}),
        atomic_path(target) as tmp,
    ):
        with PdfPages(tmp, metadata=metadata) as pdf:
            for fig in pages:
                pdf.savefig(fig)
    return target


# --- pages --------------------------------------------------------------------------------


def _page(*, landscape: bool = False) -> tuple[Figure, Axes]:
    """A blank A4 page whose axes run in points from the bottom left corner."""
    from matplotlib.figure import Figure

    w, h = (PAGE_H, PAGE_W) if landscape else (PAGE_W, PAGE_H)
    fig = Figure(figsize=(w / 72, h / 72))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, w)
    ax.set_ylim(0, h)
    ax.axis("off")
    return fig, ax


def _write(ax: Axes, x: float, y: float, s: str, size: float, **kw) -> None:
    """Text at (x, y) points, its top at y (no mathtext: '$' is a dollar)."""
    kw.setdefault("va", "top")
    ax.text(x, y, s, fontsize=size, parse_math=False, family=FONT, **kw)


def _headline_page(result: Result, lang: str, day: dt.date) -> Figure:
    s = result.summary
    fig, ax = _page()
    width = PAGE_W - 2 * MARGIN
    y = PAGE_H - MARGIN
    for line in _wrap(_t("report_title", lang), width, 17, bold=True):
        _write(ax, MARGIN, y, line, 17, fontweight="bold")
        y -= 22
    _write(ax, MARGIN, y - 2, _subtitle(result, lang, day), 11, color="#333333")
    y -= 40
    _write(ax, MARGIN, y, _t("headline", lang), 12, fontweight="bold")
    y -= 22
    for name, value in i18n.headline_figures(s, lang):
        _write(ax, MARGIN, y, _fit(name, width, 10), 10, color="#333333")
        _write(ax, MARGIN, y - 14, value, 18, fontweight="bold", color="#08306b")
        y -= 44
    y -= 6
    tech = _tech_table(result, lang)
    y = _draw_table(ax, tech, _widths(tech, width), y)
    y -= 20
    _write(ax, MARGIN, y, _t("how", lang), 12, fontweight="bold")
    y -= 20
    notes = [(n, v) for n, v in about_rows(result, lang, today=day)]
    key_w = min(max(_width(n, 8.5, bold=True) for n, _ in notes) + 10, width * 0.4)
    for name, value in notes:
        lines = _wrap(value, width - key_w, 8.5)
        if y - 12 * len(lines) < MARGIN + FOOTER:
            break
        _write(ax, MARGIN, y, _fit(name, key_w - 8, 8.5, bold=True), 8.5, fontweight="bold")
        for line in lines:
            _write(ax, MARGIN + key_w, y, line, 8.5)
            y -= 12
        y -= 3
    return fig


def _subtitle(result: Result, lang: str, day: dt.date) -> str:
    """The province(s) of the data and the date (the maps' wording where it exists)."""
    provinces = result.communes["province"] if "province" in result.communes else None
    subtitle = getattr(i18n, "subtitle", None)  # being added to maps.i18n (issue 12)
    if subtitle is not None:
        return str(subtitle(provinces, day, lang))
    names = [] if provinces is None else sorted({str(p) for p in provinces.dropna()})
    when = day.strftime("%d/%m/%Y") if lang == "vi" else day.isoformat()
    return " · ".join([*names[:3], when])


def _tech_table(result: Result, lang: str) -> Table:
    s = result.summary
    v = result.villages
    rows = []
    for t, share in (s.get("village_coverage_by_technology") or {}).items():
        column = f"covered_{t.lower()}"
        n = int(v[column].sum()) if column in v.columns else round(share * len(v))
        rows.append([t, i18n.number(n, lang), i18n.number(len(v), lang), i18n.percent(share, lang)])
    headers = [
        label("technologies", lang),
        label("villages_with", lang),
        label("villages", lang),
        label("share", lang),
    ]
    return Table(_t("by_technology", lang), headers, rows, "lrrr")


def _map_page(result: Result, lang: str, dem: str | os.PathLike | None) -> Figure:
    """An A4 landscape page: the gap map as drawn for the PNG, and beside it the legend
    and the headline figures, so that the page can be shown on its own."""
    from matplotlib.legend_handler import HandlerTuple

    from ..maps import png

    fig, ax = _page(landscape=True)
    w, h = PAGE_H, PAGE_W
    _write(ax, MARGIN, h - MARGIN, _t("map", lang), 14, fontweight="bold")
    box = getattr(png, "MAP_BOX", None)
    ratio = 1.0
    if box is not None:  # the PNG's panel shape, which its map extent is widened to
        ratio = (box[2] * png.A4_LANDSCAPE_IN[0]) / (box[3] * png.A4_LANDSCAPE_IN[1])
    top = h - MARGIN - 24
    height = top - MARGIN - FOOTER
    width = min(height * ratio, w * 0.62)
    map_ax = fig.add_axes((MARGIN / w, (top - height) / h, width / w, height / h))
    png.draw_map(map_ax, result, dem)
    side = MARGIN + width + 18
    handles, labels = _legend(result, lang)
    fig.legend(
        handles=handles,
        labels=labels,
        loc="upper left",
        bbox_to_anchor=(side / w, top / h),
        ncol=1,
        fontsize=8,
        frameon=False,
        title=f"{label('legend_share', lang)} {result.summary['headline_technologies']}",
        title_fontsize=9,
        alignment="left",
        handler_map={tuple: HandlerTuple(ndivide=1, pad=0)},
        borderaxespad=0,
        labelspacing=0.45,
    )
    room = w - MARGIN - side
    y = MARGIN + FOOTER + 4 * 34
    for name, value in i18n.headline_figures(result.summary, lang):
        _write(ax, side, y, _fit(name, room, 8.5), 8.5, color="#333333")
        _write(ax, side, y - 11, _fit(value, room, 12, bold=True), 12, fontweight="bold")
        y -= 34
    return fig


def _legend(result: Result, lang: str) -> tuple[list, list[str]]:
    """The PNG's legend entries: every drawn layer."""
    from ..maps import png

    handles, labels = zip(*png.legend_entries(result, lang), strict=True)
    return list(handles), list(labels)


def _footer(fig: Figure, result: Result, lang: str, number: int, pages: int, day: dt.date) -> None:
    ax = fig.axes[0]
    page_w = ax.get_xlim()[1]  # portrait or landscape
    ax.plot([MARGIN, page_w - MARGIN], [MARGIN - 6, MARGIN - 6], color=RULE_COLOUR, lw=0.5)
    left = f"{_t('report_title', lang)} · {day.strftime('%d/%m/%Y') if lang == 'vi' else day}"
    right = _t("page", lang, page=number, pages=pages)
    _write(ax, page_w - MARGIN, MARGIN - 10, right, 7.5, ha="right", color="#555555")
    room = page_w - 2 * MARGIN - _width(right, 7.5) - 12
    _write(ax, MARGIN, MARGIN - 10, _fit(left, room, 7.5), 7.5, color="#555555")


# --- tables -------------------------------------------------------------------------------


def _tables(result: Result, lang: str) -> list[Table]:
    s = result.summary
    tech = s["headline_technologies"]
    n, p = i18n.number, i18n.percent
    tables = []
    d = result.districts
    if len(d) and "district" in d.columns:
        rows = [
            [
                str(r.district),
                n(r.communes, lang),
                n(r.villages, lang),
                n(r.villages_covered, lang),
                p(r.coverage_share, lang),
                p(_ratio(r.population_covered, r.population), lang),
                f"{n(r.centres_fibre, lang)} / {n(r.centres, lang)}",
            ]
            for r in d.itertuples()
        ]
        headers = [
            label("district", lang),
            label("communes", lang),
            label("villages", lang),
            f"{label('villages_with', lang)} {tech}",
            label("share", lang),
            _t("pop_share", lang),
            label("centres_on_fibre", lang),
        ]
        tables.append(Table(label("by_district", lang), headers, rows, "lrrrrrr"))
    c = result.communes.sort_values(["coverage_share", "commune_id"], na_position="first")
    c = c[~(c["coverage_share"] >= 1.0)].head(WORST_COMMUNES)  # fully covered ones are no gap
    rows = [
        [
            str(_get(r, "name", r.commune_id)),
            str(_get(r, "district", "")),
            n(r.villages, lang),
            n(r.villages_covered, lang),
            p(_nan_none(r.coverage_share), lang),
            _yes_no(_get(r, "centre_fibre", None), lang),
        ]
        for r in c.itertuples()
    ]
    headers = [
        label("commune", lang),
        label("district", lang),
        label("villages", lang),
        f"{label('villages_with', lang)} {tech}",
        label("share", lang),
        label("centres_on_fibre", lang),
    ]
    tables.append(Table(label("worst_communes", lang), headers, rows, "llrrrl"))
    gaps = uncovered_villages(result)
    rows = [
        [
            _text(r.name),
            _text(r.commune),
            _text(r.district),
            "" if pd.isna(r.population) else n(r.population, lang),
            p(_nan_none(r.covered_share), lang),
            _lon_lat(r.lon, r.lat, lang),
        ]
        for r in gaps.itertuples()
    ]
    headers = [
        label("village", lang),
        label("commune", lang),
        label("district", lang),
        label("population", lang),
        _t("covered_share_short", lang),
        _t("lon_lat", lang),
    ]
    tables.append(Table(_t("gap_villages", lang, tech=tech), headers, rows, "lllrrr"))
    for layer, key, first in (
        ("centres", "gap_centres", "commune"),
        ("postal", "gap_postal", "name"),
    ):
        if getattr(result, layer) is None:  # the layer was not given: nothing to list
            continue
        points = unconnected_points(result, layer)
        rows = [
            [
                _text(r.name),
                _text(r.commune) if layer == "postal" else _text(r.id),
                _text(r.district),
                "" if pd.isna(r.distance) else n(r.distance, lang),
                _lon_lat(r.lon, r.lat, lang),
            ]
            for r in points.itertuples()
        ]
        headers = [
            label(first, lang),
            label("commune", lang) if layer == "postal" else label("id", lang),
            label("district", lang),
            _t("distance_short", lang),
            _t("lon_lat", lang),
        ]
        tables.append(Table(_t(key, lang), headers, rows, "lllrr"))
    return tables


def _table_pages(tables: Sequence[Table], lang: str) -> list[Figure]:
    """Lay the tables out one after another, page after page; a table that does not fit
    continues on the next page under its title (marked continued) and its header."""
    pages: list[Figure] = []
    width = PAGE_W - 2 * MARGIN
    bottom = MARGIN + FOOTER
    fig, ax = _page()
    pages.append(fig)
    y = PAGE_H - MARGIN
    for table in tables:
        widths = _widths(table, width)
        header_h = _header_height(table, widths)
        if y - (20 + header_h + ROW_H) < bottom:
            fig, ax = _page()
            pages.append(fig)
            y = PAGE_H - MARGIN
        rows = table.rows
        continued = False
        while True:
            room = int((y - 20 - header_h - bottom) // ROW_H)
            part = Table(
                table.title + (f" {label('continued', lang)}" if continued else ""),
                table.headers,
                rows[: max(room, 0)],
                table.align,
            )
            y = _draw_table(ax, part, widths, y, empty=label("none", lang))
            rows = rows[max(room, 0) :]
            if not rows:
                break
            fig, ax = _page()
            pages.append(fig)
            y = PAGE_H - MARGIN
            continued = True
        y -= 22
    return pages


def _draw_table(
    ax: Axes, table: Table, widths: list[float], y: float, *, empty: str = "—"
) -> float:
    """Draw ``table`` with its top at ``y``; return the y under it."""
    from matplotlib.patches import Rectangle

    _write(ax, MARGIN, y, table.title, 11, fontweight="bold")
    y -= 18
    xs = np.concatenate([[MARGIN], MARGIN + np.cumsum(widths)])
    total = float(xs[-1] - MARGIN)
    header_h = _header_height(table, widths)
    ax.add_patch(Rectangle((MARGIN, y - header_h), total, header_h, color=HEADER_FILL, lw=0))
    for j, header in enumerate(table.headers):
        for k, line in enumerate(_header_lines(header, widths[j] - 2 * PAD)):
            x, ha = _cell_x(xs, j, table.align[j])
            _write(ax, x, y - 3 - k * 10, line, CELL_SIZE, fontweight="bold", ha=ha)
    y -= header_h
    ax.plot([MARGIN, MARGIN + total], [y, y], color=RULE_COLOUR, lw=0.6)
    if not table.rows:
        _write(ax, MARGIN + PAD, y - 3, empty, CELL_SIZE, style="italic", color="#555555")
        return y - ROW_H
    for i, row in enumerate(table.rows):
        if i % 2:
            ax.add_patch(Rectangle((MARGIN, y - ROW_H), total, ROW_H, color=STRIPE_FILL, lw=0))
        for j, cell in enumerate(row):
            x, ha = _cell_x(xs, j, table.align[j])
            _write(ax, x, y - 2.5, _fit(cell, widths[j] - 2 * PAD, CELL_SIZE), CELL_SIZE, ha=ha)
        y -= ROW_H
    ax.plot([MARGIN, MARGIN + total], [y, y], color=RULE_COLOUR, lw=0.6)
    return y


def _cell_x(xs: np.ndarray, j: int, align: str) -> tuple[float, str]:
    if align == "r":
        return float(xs[j + 1] - PAD), "right"
    return float(xs[j] + PAD), "left"


def _header_height(table: Table, widths: list[float]) -> float:
    lines = max(
        len(_header_lines(h, w - 2 * PAD)) for h, w in zip(table.headers, widths, strict=True)
    )
    return 6 + 10 * lines


def _header_width(header: str) -> float:
    """The narrowest width that holds ``header`` on two lines at most (one line when it
    is short)."""
    full = _width(header, CELL_SIZE, bold=True)
    if full <= 60:
        return full
    w = max(max(_width(w, CELL_SIZE, bold=True) for w in header.split()), full / 2)
    while len(_wrap(header, w, CELL_SIZE, bold=True)) > 2:
        w += 2
    return w


def _header_lines(header: str, width: float) -> list[str]:
    """``header`` on two lines at most within ``width``; what is left over ends in '…'."""
    lines = _wrap(header, width, CELL_SIZE, bold=True)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
    return [_fit(line, width, CELL_SIZE, bold=True) for line in lines]


def _widths(table: Table, width: float) -> list[float]:
    """Column widths that fit the widest cell of each column (a header may wrap on two
    lines); when the page is too narrow, the left-aligned text columns give way."""
    natural = []
    for j, header in enumerate(table.headers):
        cells = max((_width(r[j], CELL_SIZE) for r in table.rows), default=0.0)
        natural.append(max(cells, _header_width(header), 18.0) + 2 * PAD)
    widths = np.array(natural)
    if widths.sum() > width:
        text = np.array([a == "l" for a in table.align])
        fixed = widths[~text].sum()
        room = max(width - fixed, 40.0 * text.sum())
        # shrink the widest text columns first: cap them at a common width
        caps = np.sort(widths[text])[::-1]
        cap = caps[0]
        while widths[text].clip(max=cap).sum() > room and cap > 40:
            cap -= 2
        widths[text] = widths[text].clip(max=cap)
        if widths.sum() > width:
            widths *= width / widths.sum()
    else:
        widths *= width / widths.sum()  # fill the page width
    return [float(w) for w in widths]


# --- text measure -------------------------------------------------------------------------


@functools.lru_cache(maxsize=65536)
def _width(s: str, size: float, *, bold: bool = False) -> float:
    """The width of ``s`` in points, at ``size`` points, in the report's font."""
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(family=FONT, size=size, weight="bold" if bold else "normal")
    w, _, _ = _measurer().get_text_width_height_descent(s, prop, ismath=False)
    return float(w)


@functools.lru_cache(maxsize=1)
def _measurer():
    from matplotlib.textpath import TextToPath

    return TextToPath()


def _fit(s: str, width: float, size: float, *, bold: bool = False) -> str:
    """``s``, or its longest beginning that fits ``width`` points followed by '…'."""
    if _width(s, size, bold=bold) <= width:
        return s
    lo, hi = 0, len(s)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _width(s[:mid].rstrip() + "…", size, bold=bold) <= width:
            lo = mid
        else:
            hi = mid - 1
    return s[:lo].rstrip() + "…"


def _wrap(s: str, width: float, size: float, *, bold: bool = False) -> list[str]:
    """``s`` broken into lines that fit ``width`` points: at spaces, and inside a word
    (a long file path) only where it cannot fit on a line of its own."""
    lines: list[str] = []
    line = ""
    for word in s.split():
        candidate = f"{line} {word}" if line else word
        if _width(candidate, size, bold=bold) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while _width(line, size, bold=bold) > width and len(line) > 1:
            cut = _longest_fit(line, width, size, bold=bold)
            lines.append(line[:cut])
            line = line[cut:]
    lines.append(line)
    return lines


def _longest_fit(s: str, width: float, size: float, *, bold: bool) -> int:
    lo, hi = 1, len(s)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _width(s[:mid], size, bold=bold) <= width:
            lo = mid
        else:
            hi = mid - 1
    return lo


# --- values -------------------------------------------------------------------------------


def _get(row: object, name: str, default: object) -> object:
    value = getattr(row, name, default)
    return default if value is None or (isinstance(value, float) and np.isnan(value)) else value


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _nan_none(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def _ratio(part: float, total: float) -> float | None:
    return float(part) / float(total) if total and not pd.isna(total) and total > 0 else None


def _yes_no(value: object, lang: str) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return label("yes" if value else "no", lang)


def _lon_lat(lon: float, lat: float, lang: str) -> str:
    return f"{i18n.number(lon, lang, 5)}; {i18n.number(lat, lang, 5)}"


__all__ = ["write_report_pdf"]
