"""``report.xlsx``: a run's figures as a formatted Excel workbook for planners.

Four sheets: the headline figures (with the model, the rule, the date and the data
sources), one row per district, one row per commune, and the gaps (uncovered
villages, commune centres without fibre, postal points without broadband) with their
coordinates. Each sheet has a bold filled header row, frozen panes under it, an
autofilter, number formats (shares as percentages with one decimal, counts with
thousands separators: Excel shows them with the reader's own separators) and column
widths fitted to the text. Labels are Vietnamese by default, English with
``lang="en"``; those shared with the maps come from :mod:`coverage.maps.i18n`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..maps import i18n
from ..output import atomic_path

if TYPE_CHECKING:
    from ..pipeline import CoverageResult as Result

#: Labels of the exports that the maps do not have (the others come from ``maps.i18n``).
_TEXT: dict[str, dict[str, str]] = {
    "sheet_headline": {"vi": "Tổng quan", "en": "Headline"},
    "sheet_communes": {"vi": "Theo xã", "en": "By commune"},
    "sheet_new_communes": {"vi": "Theo xã mới (2025)", "en": "By commune of 2025"},
    "sheet_gaps": {"vi": "Lõm sóng", "en": "Gaps"},
    "indicator": {"vi": "Chỉ tiêu", "en": "Indicator"},
    "count": {"vi": "Số lượng", "en": "Number"},
    "total": {"vi": "Tổng số", "en": "Total"},
    "communes": {"vi": "Số xã", "en": "Communes"},
    "centres": {"vi": "Số TT xã", "en": "Commune centres"},
    "population_covered_n": {"vi": "Dân số có sóng", "en": "Population covered"},
    "population_share": {"vi": "Tỷ lệ dân số", "en": "Population share"},
    "province": {"vi": "Tỉnh", "en": "Province"},
    "commune_id": {"vi": "Mã xã", "en": "Commune code"},
    "kind": {"vi": "Loại", "en": "Kind"},
    "id": {"vi": "Mã", "en": "Code"},
    "name": {"vi": "Tên", "en": "Name"},
    "covered_share": {"vi": "Tỷ lệ diện tích có sóng", "en": "Share of area covered"},
    "lon": {"vi": "Kinh độ", "en": "Longitude"},
    "lat": {"vi": "Vĩ độ", "en": "Latitude"},
    "gap_village": {"vi": "Thôn lõm sóng", "en": "Village without coverage"},
    "gap_centre": {"vi": "TT xã chưa có cáp quang", "en": "Centre without fibre"},
    "gap_postal": {"vi": "Điểm BĐ chưa có băng rộng", "en": "Postal point without broadband"},
    "about": {"vi": "Thông tin", "en": "About"},
    "model": {"vi": "Mô hình", "en": "Model"},
    "rule": {"vi": "Quy tắc thôn có sóng", "en": "Village-covered rule"},
    "date": {"vi": "Ngày lập", "en": "Date"},
    "sources": {"vi": "Nguồn dữ liệu: {layer}", "en": "Data source: {layer}"},
    "crs": {"vi": "Hệ tọa độ tính toán", "en": "Projected CRS"},
    "version": {"vi": "Phần mềm", "en": "Software"},
    "report_title": {"vi": "Báo cáo hiện trạng phủ sóng", "en": "Coverage report"},
    "worst_communes": {"vi": "Các xã tỷ lệ thấp nhất", "en": "Communes with the lowest shares"},
    "continued": {"vi": "(tiếp)", "en": "(continued)"},
    "page": {"vi": "Trang {page}/{pages}", "en": "Page {page} of {pages}"},
    "none": {"vi": "Không có", "en": "None"},
    "layer_villages": {"vi": "thôn/bản", "en": "villages"},
    "layer_communes": {"vi": "xã", "en": "communes"},
    "layer_centres": {"vi": "trung tâm xã", "en": "commune centres"},
    "layer_sites": {"vi": "trạm BTS", "en": "cell sites"},
    "layer_fibre": {"vi": "cáp quang", "en": "fibre"},
    "layer_postal": {"vi": "điểm bưu chính", "en": "postal points"},
    "layer_dem": {"vi": "mô hình số độ cao", "en": "elevation model"},
}

#: Excel number formats (the separators shown are the reader's locale's).
COUNT_FORMAT = "#,##0"
SHARE_FORMAT = "0.0%"
DEGREE_FORMAT = "0.000000"
TEXT_FORMAT = "@"

#: Header row fill, and the widest column (characters).
HEADER_FILL = "#DCE6F1"
MAX_WIDTH = 60


def label(key: str, lang: str, **values: object) -> str:
    """A label in ``lang``: the exports' own, else the maps' (:mod:`coverage.maps.i18n`).

    Examples
    --------
    >>> label("sheet_gaps", "en"), label("district", "vi")
    ('Gaps', 'Huyện')
    """
    if lang not in i18n.LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(i18n.LANGUAGES)}, not {lang!r}")
    if key in _TEXT:
        return _TEXT[key][lang].format(**values)
    return i18n.text(key, lang, **values)


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its header, its values and how they are shown."""

    header: str
    values: Sequence[Any]
    number_format: str | None = None


def write_report_xlsx(result: Result, path: str | os.PathLike, *, lang: str = "vi") -> Path:
    """Write ``result`` as the formatted workbook ``path`` (atomically) and return its path.

    Parameters
    ----------
    result
        A run's result (:func:`coverage.compute`).
    path
        The ``.xlsx`` file to write; a previous file stays until the new one is complete.
    lang
        ``"vi"`` (default) or ``"en"``: sheet names, headers and the words in cells.

    Raises
    ------
    OutputError
        The file cannot be written (full disk, read-only folder, permissions).

    Examples
    --------
    >>> import coverage, tempfile, pathlib
    >>> result = coverage.compute(coverage.Layers.demo(), model="range")  # doctest: +SKIP
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_report_xlsx(result, folder / "report.xlsx").name  # doctest: +SKIP
    'report.xlsx'
    """
    label("sheet_gaps", lang)  # checks lang before anything is written
    target = Path(path)
    with atomic_path(target) as tmp:
        write_workbook(result, tmp, lang=lang)
    return target


def write_workbook(result: Result, path: Path, *, lang: str = "vi") -> None:
    """Fill the workbook at ``path`` (not atomic: :func:`write_report_xlsx` and
    :func:`coverage.output.write_result` write it to a temporary name)."""
    import xlsxwriter
    from xlsxwriter.exceptions import FileCreateError

    today = dt.date.today()
    tables = {
        label("by_district", lang): district_columns(result, lang),
        label("sheet_communes", lang): commune_columns(result, lang),
        label("sheet_gaps", lang): gap_columns(result, lang),
    }
    if result.new_communes is not None:
        tables = {
            label("by_district", lang): tables[label("by_district", lang)],
            label("sheet_communes", lang): tables[label("sheet_communes", lang)],
            label("sheet_new_communes", lang): new_commune_columns(result, lang),
            label("sheet_gaps", lang): tables[label("sheet_gaps", lang)],
        }
    workbook = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True})
    workbook.set_properties(
        {
            "title": label("report_title", lang),
            "comments": f"coverage {_version(result)}",
            # a fixed time of day makes two runs' workbooks the same bytes (xlsxwriter
            # then stamps the zip entries with a fixed time too)
            "created": dt.datetime.combine(today, dt.time()),
        }
    )
    formats = _Formats(workbook)
    headline = workbook.add_worksheet(label("sheet_headline", lang))
    _write_headline(headline, headline_rows(result, lang, today=today), formats, lang)
    for name, columns in tables.items():
        _write_table(workbook.add_worksheet(name), columns, formats)
    try:
        workbook.close()
    except FileCreateError as exc:  # the OSError inside, for OutputError's words
        cause = exc.args[0] if exc.args else None
        if isinstance(cause, OSError):
            raise cause from exc
        raise


# --- the contents ------------------------------------------------------------------------


def headline_rows(result: Result, lang: str, *, today: dt.date | None = None) -> dict[str, list]:
    """The headline sheet's figures (indicator, number, total, share) and its notes."""
    s = result.summary
    tech = s["headline_technologies"]
    v = result.villages
    figures: list[tuple[str, float | None, float | None, float | None]] = [
        (
            label("villages_covered", lang, tech=tech),
            s["villages_covered"],
            s["villages_total"],
            s["village_coverage_share"],
        )
    ]
    if "population_total" in s:
        figures.append(
            (
                label("population_covered", lang, tech=tech),
                s["population_covered"],
                s["population_total"],
                s["population_coverage_share"],
            )
        )
    for t, share in (s.get("village_coverage_by_technology") or {}).items():
        column = f"covered_{t.lower()}"
        n = int(v[column].sum()) if column in v.columns else None
        figures.append(
            (label("villages_covered", lang, tech=t), n, s["villages_total"], _num(share))
        )
    figures += [
        (
            label("centres_fibre", lang),
            s["commune_centres_fibre"],
            s["commune_centres_total"],
            _num(s["commune_centre_fibre_share"]),
        ),
        (
            label("postal_broadband", lang),
            s["postal_points_broadband"],
            s["postal_points_total"],
            _num(s["postal_broadband_share"]),
        ),
    ]
    return {"figures": figures, "notes": about_rows(result, lang, today=today)}


def about_rows(result: Result, lang: str, *, today: dt.date | None = None) -> list[tuple[str, str]]:
    """(label, text) pairs: model, rule, date, CRS, software and one per data source."""
    s = result.summary
    rule = s["rule"]
    rows = [
        (label("model", lang), i18n.model_name(s, lang)),
        (
            label("rule", lang),
            label(
                f"rule_{rule['name']}",
                lang,
                threshold=i18n.percent(rule["threshold"], lang, 0),
            ),
        ),
        (label("date", lang), _date(today or dt.date.today(), lang)),
        (label("crs", lang), str(s.get("crs", result.crs))),
        (label("version", lang), f"coverage {_version(result)}"),
    ]
    for layer, source in (s.get("inputs") or {}).items():
        key = f"layer_{layer}"
        name = _TEXT[key][lang] if key in _TEXT else str(layer)
        files = source if isinstance(source, list) else [source]
        rows.append((label("sources", lang, layer=name), "; ".join(str(f) for f in files)))
    return rows


def district_columns(result: Result, lang: str) -> list[Column]:
    """One row per district: communes, villages, shares, population and centres."""
    d = result.districts
    columns = [
        Column(label("district", lang), _texts(_column(d, "district"))),
        Column(label("communes", lang), _ints(d, "communes"), COUNT_FORMAT),
    ]
    return columns + _unit_figures(d, result.summary, lang)


def commune_columns(result: Result, lang: str) -> list[Column]:
    """One row per commune, lowest share first: code, name, district, province, figures."""
    c = result.communes.sort_values(["coverage_share", "commune_id"], na_position="first")
    columns = [Column(label("commune_id", lang), _texts(c["commune_id"]))]
    for column, key in (("name", "commune"), ("district", "district"), ("province", "province")):
        if column in c.columns:
            columns.append(Column(label(key, lang), _texts(c[column])))
    columns += _unit_figures(c, result.summary, lang)
    if "centre_fibre" in c.columns:
        columns.append(Column(label("centres_on_fibre", lang), _yes_no(c["centre_fibre"], lang)))
    return columns


def new_commune_columns(result: Result, lang: str) -> list[Column]:
    """One row per commune of today (2025), lowest share first: code, name, province,
    figures (:mod:`coverage.units`)."""
    frame = pd.DataFrame(result.new_communes).drop(columns="geometry")
    c = frame.sort_values(["coverage_share", "commune_id"], na_position="first")
    columns = [Column(label("commune_id", lang), _texts(c["commune_id"]))]
    for column, key in (("name", "commune"), ("province", "province")):
        if column in c.columns:
            columns.append(Column(label(key, lang), _texts(c[column])))
    return columns + _unit_figures(c, result.summary, lang)


def _unit_figures(frame: pd.DataFrame, summary: dict, lang: str) -> list[Column]:
    tech = summary["headline_technologies"]
    columns = [
        Column(label("villages", lang), _ints(frame, "villages"), COUNT_FORMAT),
        Column(
            label("villages_with", lang) + f" {tech}",
            _ints(frame, "villages_covered"),
            COUNT_FORMAT,
        ),
        Column(label("share", lang), _floats(_column(frame, "coverage_share")), SHARE_FORMAT),
    ]
    if "population" in frame.columns and frame["population"].notna().any():
        population = frame["population"].astype(float)
        covered = frame["population_covered"].astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(population > 0, covered / population, np.nan)
        columns += [
            Column(label("population", lang), _ints(frame, "population"), COUNT_FORMAT),
            Column(
                label("population_covered_n", lang),
                _ints(frame, "population_covered"),
                COUNT_FORMAT,
            ),
            Column(label("population_share", lang), _floats(pd.Series(share)), SHARE_FORMAT),
        ]
    if "centres" in frame.columns:
        columns += [
            Column(label("centres", lang), _ints(frame, "centres"), COUNT_FORMAT),
            Column(label("centres_on_fibre", lang), _ints(frame, "centres_fibre"), COUNT_FORMAT),
        ]
    return columns


def gap_columns(result: Result, lang: str) -> list[Column]:
    """The gaps in one table: uncovered villages (least covered first), centres without
    fibre and postal points without broadband, each with its longitude and latitude."""
    frames = [_village_gaps(result, lang), *_point_gaps(result, lang)]
    filled = [f for f in frames if len(f)]
    gaps = pd.concat(filled, ignore_index=True) if filled else frames[0]
    return [
        Column(label("kind", lang), _texts(gaps["kind"])),
        Column(label("id", lang), _texts(gaps["id"])),
        Column(label("name", lang), _texts(gaps["name"])),
        Column(label("commune", lang), _texts(gaps["commune"])),
        Column(label("district", lang), _texts(gaps["district"])),
        Column(label("population", lang), _floats(gaps["population"]), COUNT_FORMAT),
        Column(label("covered_share", lang), _floats(gaps["covered_share"]), SHARE_FORMAT),
        Column(label("distance_m", lang), _floats(gaps["distance"]), COUNT_FORMAT),
        Column(label("lon", lang), _floats(gaps["lon"]), DEGREE_FORMAT),
        Column(label("lat", lang), _floats(gaps["lat"]), DEGREE_FORMAT),
    ]


_GAP_COLUMNS = [
    "kind",
    "id",
    "name",
    "commune",
    "district",
    "population",
    "covered_share",
    "distance",
    "lon",
    "lat",
]


def uncovered_villages(result: Result) -> pd.DataFrame:
    """The villages not covered, least covered first, with commune, district and lon/lat."""
    v = result.villages
    gaps = v[~v["covered"].astype(bool)]
    ll = gaps.geometry.representative_point().to_crs(4326)
    commune_id = _column(gaps, "commune_id")
    frame = pd.DataFrame(
        {
            "id": _column(gaps, "village_id"),
            "name": _column(gaps, "name"),
            "commune": _commune_field(result, commune_id, "name"),
            "district": _commune_field(result, commune_id, "district"),
            "population": _column(gaps, "population"),
            "covered_share": _column(gaps, "covered_share"),
            "lon": ll.x.round(7),
            "lat": ll.y.round(7),
        },
        index=gaps.index,
    )
    return frame.sort_values(["covered_share", "id"], kind="stable").reset_index(drop=True)


def unconnected_points(result: Result, layer: str) -> pd.DataFrame:
    """Commune centres (``layer="centres"``) without fibre or postal points
    (``"postal"``) without broadband, with commune, district, distance and lon/lat."""
    points = getattr(result, layer)
    if points is None or not len(points):
        return pd.DataFrame(columns=["id", "name", "commune", "district", "distance", "lon", "lat"])
    gaps = points[~points["connected"].astype(bool)]
    ll = gaps.geometry.to_crs(4326)
    commune_id = _column(gaps, "commune_id")
    commune = _commune_field(result, commune_id, "name")
    return pd.DataFrame(
        {
            "id": commune_id if layer == "centres" else _column(gaps, "point_id"),
            "name": _column(gaps, "name").fillna(commune),
            "commune": commune,
            "district": _commune_field(result, commune_id, "district"),
            "distance": _column(gaps, "fibre_distance_m"),
            "lon": ll.x.round(7),
            "lat": ll.y.round(7),
        },
        index=gaps.index,
    ).reset_index(drop=True)


def _column(frame: pd.DataFrame, column: str) -> pd.Series:
    """``frame[column]``, or missing values where the layer has no such column."""
    if column in frame.columns:
        return frame[column]
    return pd.Series(None, index=frame.index, dtype=object)


def _commune_field(result: Result, commune_id: pd.Series, field: str) -> pd.Series:
    """The communes' ``field`` (name, district) for each commune code."""
    communes = result.communes
    if field not in communes.columns:
        return pd.Series(None, index=commune_id.index, dtype=object)
    return commune_id.map(communes.drop_duplicates("commune_id").set_index("commune_id")[field])


def _village_gaps(result: Result, lang: str) -> pd.DataFrame:
    frame = uncovered_villages(result)
    frame.insert(0, "kind", label("gap_village", lang))
    frame["distance"] = np.nan
    return frame[_GAP_COLUMNS]


def _point_gaps(result: Result, lang: str) -> list[pd.DataFrame]:
    frames = []
    for layer, key in (("centres", "gap_centre"), ("postal", "gap_postal")):
        frame = unconnected_points(result, layer)
        frame.insert(0, "kind", label(key, lang))
        frame["population"] = np.nan
        frame["covered_share"] = np.nan
        frames.append(frame[_GAP_COLUMNS])
    return frames


# --- writing -----------------------------------------------------------------------------


class _Formats:
    """The workbook's cell formats, made once."""

    def __init__(self, workbook: Any) -> None:
        self.header = workbook.add_format(
            {
                "bold": True,
                "bg_color": HEADER_FILL,
                "border": 1,
                "text_wrap": False,
                "valign": "top",
            }
        )
        self.title = workbook.add_format({"bold": True, "font_size": 13})
        self.bold = workbook.add_format({"bold": True})
        self.by_number = {
            fmt: workbook.add_format({"num_format": fmt})
            for fmt in (COUNT_FORMAT, SHARE_FORMAT, DEGREE_FORMAT)
        }
        self.text = workbook.add_format({"num_format": TEXT_FORMAT})

    def of(self, number_format: str | None) -> Any:
        return self.by_number.get(number_format or "", self.text)


def _write_table(sheet: Any, columns: list[Column], formats: _Formats) -> None:
    """Header row, rows, frozen panes under the header, autofilter and fitted widths."""
    rows = len(columns[0].values) if columns else 0
    for j, col in enumerate(columns):
        sheet.write_string(0, j, col.header, formats.header)
        cell_format = formats.of(col.number_format)
        for i, value in enumerate(col.values, start=1):
            _write_cell(sheet, i, j, value, cell_format)
        sheet.set_column(
            j, j, _width([col.header, *(_shown(v, col.number_format) for v in col.values)])
        )
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(rows, 1), max(len(columns) - 1, 0))


def _write_headline(sheet: Any, content: dict[str, list], formats: _Formats, lang: str) -> None:
    """The figures as a table (indicator, number, total, share), then the notes below it."""
    headers = [
        label("indicator", lang),
        label("count", lang),
        label("total", lang),
        label("share", lang),
    ]
    figures = content["figures"]
    for j, header in enumerate(headers):
        sheet.write_string(0, j, header, formats.header)
    numbers = (COUNT_FORMAT, COUNT_FORMAT, SHARE_FORMAT)
    for i, (name, *values) in enumerate(figures, start=1):
        sheet.write_string(i, 0, name, formats.bold)
        for j, (value, fmt) in enumerate(zip(values, numbers, strict=True), start=1):
            _write_cell(sheet, i, j, value, formats.of(fmt))
    notes = content["notes"]
    top = len(figures) + 2
    sheet.write_string(top, 0, label("about", lang), formats.header)
    sheet.write_string(top, 1, "", formats.header)
    for i, (name, value) in enumerate(notes, start=top + 1):
        sheet.write_string(i, 0, name, formats.bold)
        sheet.write_string(i, 1, value)
    sheet.set_column(0, 0, _width([headers[0], *(f[0] for f in figures), *(n[0] for n in notes)]))
    sheet.set_column(1, 1, _width([headers[1], *(n[1] for n in notes)]))
    for j in (2, 3):
        sheet.set_column(
            j, j, _width([headers[j], *(_shown(f[j], numbers[j - 1]) for f in figures)])
        )
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(figures), len(headers) - 1)


def _write_cell(sheet: Any, row: int, col: int, value: Any, cell_format: Any) -> None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        sheet.write_blank(row, col, None, cell_format)
    elif isinstance(value, bool | np.bool_):
        sheet.write_boolean(row, col, bool(value), cell_format)
    elif isinstance(value, int | float | np.integer | np.floating):
        sheet.write_number(row, col, float(value), cell_format)
    else:
        sheet.write_string(row, col, str(value), cell_format)


def _shown(value: Any, number_format: str | None) -> str:
    """The text a cell shows, as wide as Excel draws it (for the column width)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if number_format == SHARE_FORMAT:
        return f"{100 * float(value):.1f}%"
    if number_format == COUNT_FORMAT:
        return f"{float(value):,.0f}"
    if number_format == DEGREE_FORMAT:
        return f"{float(value):.6f}"
    return str(value)


def _width(texts: Sequence[str]) -> float:
    """A column width (characters) that fits the longest line of ``texts``, bold headers
    and a filter button included."""
    longest = max((len(line) for t in texts for line in str(t).splitlines() or [""]), default=0)
    return float(min(max(longest * 1.1 + 4, 8), MAX_WIDTH))


# --- values ------------------------------------------------------------------------------


def _texts(values: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else str(v) for v in values]


def _ints(frame: pd.DataFrame, column: str) -> list[int | None]:
    if column not in frame.columns:
        return [None] * len(frame)
    return [None if pd.isna(v) else round(float(v)) for v in frame[column]]


def _floats(values: pd.Series) -> list[float | None]:
    return [None if pd.isna(v) else float(v) for v in values]


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _yes_no(values: pd.Series, lang: str) -> list[str | None]:
    return [None if pd.isna(v) else label("yes" if v else "no", lang) for v in values]


def _date(day: dt.date, lang: str) -> str:
    return day.strftime("%d/%m/%Y") if lang == "vi" else day.isoformat()


def _version(result: Result) -> str:
    from .. import __version__

    return str(result.summary.get("coverage_version", __version__))


__all__ = ["write_report_xlsx"]
