"""Reading input layers: files of every format into frames with canonical columns.

Reads anything GDAL/pyogrio reads (GeoPackage, Shapefile, GeoJSON, FlatGeobuf,
...), GeoParquet, CSV with ``lon``/``lat`` (or ``x``/``y``) columns, spreadsheets
(:mod:`coverage.sheets`), Google Earth KML/KMZ (:mod:`coverage.kml`), OpenCelliD CSV
exports as they are downloaded, and GeoDataFrames given from Python.
:func:`read_layer` hands the frame to :func:`coverage.validation.validate_layer`,
which reports every problem of a layer at once.
"""

from __future__ import annotations

import csv
import dataclasses
import logging
import os
import re
import unicodedata
import warnings
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from pyproj import CRS
from pyproj.exceptions import CRSError

from ._errors import CoverageWarning, InputError, Problem, ValidationError, first_line
from .encoding import fix_frame, to_unicode
from .layers import Layer, LayerSource, source_name
from .schema import (
    SCHEMAS,
    ColumnMatch,
    match_column,
    near_miss,
    normalize_name,
    spellings,
    split_unit,
    units_of,
)
from .settings import Settings
from .sheets import SHEET_SUFFIXES, read_sheet
from .validation import row_labels, validate_layer

log = logging.getLogger(__name__)

#: Columns of an OpenCelliD cell export, in file order.
OPENCELLID_COLUMNS: tuple[str, ...] = (
    "radio",
    "mcc",
    "net",
    "area",
    "cell",
    "unit",
    "lon",
    "lat",
    "range",
    "samples",
    "changeable",
    "created",
    "updated",
    "averageSignal",
)
_OPENCELLID_RADIO = {"GSM": "2G", "UMTS": "3G", "CDMA": "3G", "LTE": "4G", "NR": "5G"}

#: Vietnamese mobile network codes (MCC 452) and their operators.
VN_OPERATORS: dict[int, str] = {
    1: "MobiFone",
    2: "VinaPhone",
    4: "Viettel",
    5: "Vietnamobile",
    7: "Gmobile",
}

_VECTOR_SUFFIXES = {".gpkg", ".shp", ".geojson", ".json", ".fgb", ".gml", ".zip", ".sqlite"}
_KML_SUFFIXES = {".kml", ".kmz"}
_PARQUET_SUFFIXES = {".parquet", ".geoparquet"}
_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}


def split_layer(spec: str | os.PathLike) -> tuple[Path, str | None]:
    """Split ``FILE::LAYER`` into the path and the layer name (``None`` when absent)."""
    text = os.fspath(spec)
    if "::" in text:
        path, layer = text.rsplit("::", 1)
        return Path(path), layer or None
    return Path(text), None


def read_layer(
    spec: LayerSource,
    kind: str,
    *,
    csv_crs: str = "EPSG:4326",
    use_opencellid_range: bool = True,
    encoding: str = "auto",
    settings: Settings | None = None,
    rows: Callable[[gpd.GeoDataFrame], np.ndarray] | None = None,
) -> Layer:
    """Read one input layer, validate it, and return it with canonical columns.

    Parameters
    ----------
    spec
        A file path, optionally ``FILE::LAYER`` to pick a layer of a multi-layer file
        (without it, the layer named like ``kind`` is read, and a file with several
        layers and none so named is refused), or a GeoDataFrame.
    kind
        One of :data:`coverage.schema.LAYER_KINDS`.
    csv_crs
        CRS of coordinate columns in CSV files.
    use_opencellid_range
        Keep OpenCelliD's ``range`` as ``range_m`` (otherwise the default table applies).
    encoding
        Text encoding of the attributes: ``auto`` (UTF-8, with legacy Vietnamese TCVN3,
        VNI and Windows-1258 text detected and converted, with a warning), or one of
        :data:`coverage.encoding.ENCODINGS` to force it.
    settings
        Limits used by validation (e.g. the maximum range); default settings if omitted.
    rows
        Which rows take part (a mask from the frame with canonical columns, e.g.
        :func:`coverage.validation.near_villages`); the others are left out before
        their values are judged and counted in the layer's ``dropped``.

    Returns
    -------
    coverage.layers.Layer
        ``frame`` holds the canonical columns of the layer's schema (others are kept
        after them), the file's CRS, Unicode text in NFC; ``source`` and ``labels``
        name the file and each feature in messages.

    Examples
    --------
    >>> from coverage import datasets
    >>> villages = read_layer(datasets.get_path("villages"), "villages")
    >>> villages.frame.columns[:4].tolist()
    ['village_id', 'name', 'commune_id', 'population']
    """
    if kind not in SCHEMAS:
        raise ValueError(f"kind must be one of {', '.join(SCHEMAS)}; got {kind!r}")
    source = source_name(spec, kind)
    repairs: dict = {}
    labels: list[str] | None = None
    if isinstance(spec, pd.DataFrame):
        if len(spec) == 0:
            raise InputError(f"layer is empty: no {kind} to read", path=source)
        if isinstance(spec, gpd.GeoDataFrame):
            frame = spec.copy()
        else:  # a table with coordinate columns, read like a CSV file
            text = spec.astype(object).where(spec.notna(), "").astype(str)
            frame = _points_from_table(text, source, csv_crs)
    else:
        frame, not_utf8, labels = _read_file(
            spec,
            kind,
            csv_crs=csv_crs,
            use_opencellid_range=use_opencellid_range,
            encoding=encoding,
        )
        frame, changed = _fix_encoding(frame, source, encoding, not_utf8)
        if changed:
            repairs["text_encoding"] = changed
    if frame.crs is None:
        raise InputError(
            "layer has no CRS; add one (e.g. a .prj beside a shapefile, or "
            "`ogr2ogr -a_srs EPSG:4326`) so distances and areas can be measured",
            path=source,
        )
    frame = canonical_columns(frame, kind, source)
    dropped = 0
    if rows is not None:
        keep = rows(frame)
        dropped = int((~keep).sum())
        if dropped:  # the rows keep their names (line numbers) in messages
            named = labels if labels is not None else row_labels(frame, kind, source)
            labels = [lab for lab, k in zip(named, keep, strict=True) if k]
            frame = frame[keep]
    layer = validate_layer(frame, kind, source, repairs=repairs, settings=settings, labels=labels)
    return dataclasses.replace(layer, dropped=dropped) if dropped else layer


def _read_file(
    spec: str | os.PathLike,
    kind: str,
    *,
    csv_crs: str,
    use_opencellid_range: bool,
    encoding: str,
) -> tuple[gpd.GeoDataFrame, str | None, list[str] | None]:
    """Read a file as it is; return the frame, for CSV read as Latin-1 why, and for a
    spreadsheet each row's number in the sheet."""
    path, layer, suffix = _existing(spec)
    source = os.fspath(spec)
    not_utf8, sheet_rows = None, None
    if suffix in SHEET_SUFFIXES:
        table, sheet_rows = read_sheet(path, layer, kind)
        if len(table) == 0:
            raise InputError(f"layer is empty: no {kind} to read", path=source)
        frame = _points_from_table(table, source, csv_crs, rows=sheet_rows)
    elif suffix in _CSV_SUFFIXES:
        frame, not_utf8 = _read_csv(
            path,
            kind,
            csv_crs=csv_crs,
            use_opencellid_range=use_opencellid_range,
            encoding=encoding,
        )
    elif suffix in _PARQUET_SUFFIXES:
        frame = _read_parquet(path)
    elif suffix in _KML_SUFFIXES:
        from .kml import read_kml  # Google Earth: folders of placemarks, ExtendedData

        frame = read_kml(path, layer, kind)
    else:
        frame = _read_vector(path, layer, kind)
    if len(frame) == 0:
        raise InputError(f"layer is empty: no {kind} to read", path=source)
    return frame, not_utf8, sheet_rows


def _existing(spec: str | os.PathLike) -> tuple[Path, str | None, str]:
    """The file of ``FILE[::LAYER]``, its layer and its suffix; refused when missing or
    empty."""
    path, layer = split_layer(spec)
    if not path.exists():
        raise InputError("file not found", path=os.fspath(spec))
    if path.is_file() and path.stat().st_size == 0:
        raise InputError("file is empty", path=os.fspath(spec))
    return path, layer, path.suffix.lower()


def _read_vector(path: Path, layer: str | None, kind: str) -> gpd.GeoDataFrame:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # "more than one layer" etc.
            if layer is None:
                layer = _pick_layer(path, kind)
            if _declares_cp1258(path):
                return _read_cp1258(path, layer)
            return pyogrio.read_dataframe(path, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(
            f"cannot read as a vector layer ({first_line(exc)})", path=str(path)
        ) from None
    except ValueError as exc:
        raise InputError(f"cannot read ({first_line(exc)})", path=str(path)) from None


def _declares_cp1258(path: Path) -> bool:
    """Whether a shapefile's ``.cpg`` names Windows-1258 (``1258``, ``CP1258``, ...)."""
    if path.suffix.lower() != ".shp":
        return False
    for cpg in (path.with_suffix(".cpg"), path.with_suffix(".CPG")):
        if cpg.is_file():
            text = cpg.read_bytes()[:64].decode("ascii", errors="replace")
            return re.sub(r"[^0-9]", "", text) == "1258"
    return False


def _read_cp1258(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    """Read a shapefile declared as Windows-1258 with this package's own decoder.

    GDAL's decoder drops the last character of every field name and value in this
    encoding (its tone marks combine with the letter before them), so the bytes are
    read one character per byte and decoded here.
    """
    frame = pyogrio.read_dataframe(path, layer=layer, encoding="latin1")
    frame, _ = fix_frame(frame, encoding="cp1258")
    geometry = frame.geometry.name
    names = {c: to_unicode(c, "cp1258") for c in frame.columns if c != geometry}
    log.info("%s: text read as Windows-1258, as its .cpg declares", path)
    return frame.rename(columns=names)


def _pick_layer(path: Path, kind: str) -> str | None:
    """The layer to read from a file that may hold several: the only one, or the one
    named like ``kind``; otherwise refuse, listing them."""
    names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    if len(names) <= 1:
        return None
    for name in names:
        if name.lower() == kind or normalize_name(name) == kind:
            log.info("%s has %d layers; reading the one named %r", path, len(names), name)
            return name
    raise InputError(
        f"has {len(names)} layers ({', '.join(names)}) and none is named {kind!r}: "
        f"name the one to read as FILE::LAYER, e.g. {path}::{names[0]}",
        path=str(path),
    )


def _read_parquet(path: Path) -> gpd.GeoDataFrame:
    try:
        return gpd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types for corrupt files
        raise InputError(f"cannot read as GeoParquet ({first_line(exc)})", path=str(path)) from None


def _csv_table(path: Path, delimiter: str, has_header: bool, encoding: str) -> pd.DataFrame:
    return pd.read_csv(
        path,
        sep=delimiter,
        dtype=str,
        keep_default_na=False,
        encoding=encoding,
        header=0 if has_header else None,
        names=None if has_header else list(OPENCELLID_COLUMNS),
    )


def _fix_encoding(
    frame: gpd.GeoDataFrame, source: str, encoding: str, not_utf8: str | None
) -> tuple[gpd.GeoDataFrame, dict]:
    """Convert legacy Vietnamese text to Unicode, saying so; NFC happens later anyway.

    Returns the frame and the converted columns with their encodings."""
    fixed, changed = fix_frame(frame, encoding=encoding)
    fixed = gpd.GeoDataFrame(fixed, geometry=frame.geometry.name, crs=frame.crs)
    if changed:
        cols = ", ".join(f"{c} ({e})" for c, e in changed.items())
        warnings.warn(
            f"{source}: legacy Vietnamese text encoding converted to Unicode in column(s) {cols}"
            "; check a few names, or pass --encoding to choose",
            CoverageWarning,
            stacklevel=3,
        )
    elif not_utf8:
        warnings.warn(
            f"{source}: not UTF-8 ({not_utf8}) and no Vietnamese legacy encoding recognised: "
            "read as Latin-1; re-save the file as UTF-8 or pass --encoding",
            CoverageWarning,
            stacklevel=3,
        )
    return fixed, dict(changed)


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_BINARY = {
    b"PK\x03\x04": "a zip archive (an .xlsx or .ods workbook?)",
    b"\xd0\xcf\x11\xe0": "an Excel 97-2003 (.xls) workbook",
}


def _wide_text_encoding(path: Path) -> str | None:
    """UTF-16/32 text, as Excel's "Unicode Text" export writes it, by its BOM or its
    zero bytes; refuse binary files named like text. ``None``: 8-bit text."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    for magic, what in _BINARY.items():
        if head.startswith(magic):
            raise InputError(
                f"is {what}, not text; save it as CSV (UTF-8) or give the workbook's sheet "
                "as a layer file",
                path=str(path),
            )
    zeros = head[: len(head) // 2 * 2]
    if zeros and zeros.count(0) * 3 >= len(zeros):  # ASCII in UTF-16: every other byte 0
        if zeros[1::2].count(0) * 2 >= len(zeros) // 2:
            return "utf-16-le"
        if zeros[0::2].count(0) * 2 >= len(zeros) // 2:
            return "utf-16-be"
    if b"\x00" in head:  # no 8-bit text holds a NUL
        raise InputError("is not text (it holds binary data)", path=str(path))
    return None


def _sniff_delimiter(path: Path, encoding: str = "utf-8-sig") -> tuple[str, bool]:
    """Return the delimiter and whether the first line looks like a header."""
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        sample = fh.read(16384)
    first = sample.splitlines()[0] if sample else ""
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    fields = next(csv.reader([first], delimiter=delimiter), [])
    is_opencellid_row = (
        bool(fields)
        and fields[0].strip().upper() in _OPENCELLID_RADIO
        and len(fields) == len(OPENCELLID_COLUMNS)
    )
    return delimiter, not is_opencellid_row


def _read_csv(
    path: Path, kind: str, *, csv_crs: str, use_opencellid_range: bool, encoding: str = "auto"
) -> tuple[gpd.GeoDataFrame, str | None]:
    source = str(path)
    table, not_utf8 = _csv_text(path, kind, encoding)
    lower = {c.lower() for c in table.columns}
    if {"radio", "mcc", "net", "area", "cell", "lon", "lat"} <= lower:
        if kind != "sites":
            raise InputError(f"is an OpenCelliD cell file, not a {kind} layer", path=source)
        frame = _from_opencellid(table, source, use_opencellid_range=use_opencellid_range)
    else:
        frame = _points_from_table(table, source, csv_crs)
    return frame, not_utf8


def _csv_text(path: Path, kind: str, encoding: str) -> tuple[pd.DataFrame, str | None]:
    """A CSV file's cells as text, and for one read as Latin-1 why (for _fix_encoding)."""
    source = str(path)
    not_utf8 = None
    # Legacy 8-bit text is read byte-for-byte (Latin-1) and repaired by _fix_encoding.
    wide = _wide_text_encoding(path)
    text_encoding = wide or ("utf-8-sig" if encoding in ("auto", "utf-8") else "latin-1")
    try:
        delimiter, has_header = _sniff_delimiter(path, text_encoding)
        try:
            table = _csv_table(path, delimiter, has_header, text_encoding)
        except UnicodeDecodeError as exc:
            if encoding != "auto" or wide:
                raise
            table = _csv_table(path, delimiter, has_header, "latin-1")
            not_utf8 = f"byte {exc.start}"
    except UnicodeDecodeError as exc:
        raise InputError(
            f"is not {exc.encoding.upper().replace('-SIG', '')} text (byte {exc.start}); "
            "re-save it as UTF-8 or pass --encoding",
            path=source,
        ) from None
    except pd.errors.ParserError as exc:
        raise InputError(f"cannot parse as CSV ({first_line(exc)})", path=source) from None
    except pd.errors.EmptyDataError:
        raise InputError("file has no rows", path=source) from None
    table.columns = [str(c).strip() for c in table.columns]
    if len(table) == 0:
        raise InputError(f"layer is empty: no {kind} to read", path=source)
    return table, not_utf8


def read_table(spec: LayerSource, kind: str, *, encoding: str = "auto") -> Layer:
    """Read a table without geometry (the ``crosswalk``): CSV, a spreadsheet or any table
    GDAL reads, or a DataFrame; canonical columns, text cells, rows named as in files.

    The returned layer's ``frame`` is a GeoDataFrame without geometry values (a column of
    None), so that the layer machinery applies; nothing is checked beyond the columns.
    """
    source = source_name(spec, kind)
    labels: list[str] | None = None
    repairs: dict = {}
    if isinstance(spec, pd.DataFrame):
        table = pd.DataFrame(spec).drop(columns="geometry", errors="ignore")
        table = table.astype(object).where(table.notna(), None)
    else:
        path, layer, suffix = _existing(spec)
        not_utf8 = None
        if suffix in SHEET_SUFFIXES:
            table, labels = read_sheet(path, layer, kind)
        elif suffix in _CSV_SUFFIXES:
            table, not_utf8 = _csv_text(path, kind, encoding)
        else:
            try:
                table = pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
            except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
                raise InputError(
                    f"cannot read as a table ({first_line(exc)})", path=source
                ) from None
        fixed, changed = _fix_encoding(
            gpd.GeoDataFrame(table, geometry=[None] * len(table)), source, encoding, not_utf8
        )
        if changed:
            repairs["text_encoding"] = changed
        table = pd.DataFrame(fixed.drop(columns="geometry"))
    if len(table) == 0:
        raise InputError(f"layer is empty: no {kind} to read", path=source)
    frame = canonical_columns(gpd.GeoDataFrame(table, geometry=[None] * len(table)), kind, source)
    if labels is None:
        labels = row_labels(frame, kind, source)
    return Layer(kind, frame, source, np.asarray(labels, dtype=object), repairs)


def _coordinate_columns(table: pd.DataFrame, source: str) -> tuple[str, str, bool] | None:
    """Find the x and y columns: (x, y, geographic?)."""
    by_canonical: dict[str, str] = {}
    for col in table.columns:
        m = match_column(col)
        if m.canonical in ("lon", "lat") and m.canonical not in by_canonical:
            if m.unknown_unit:
                raise InputError(
                    f"coordinates in {m.unit!r} cannot be read: give decimal degrees or "
                    "degrees-minutes-seconds",
                    path=source,
                    column=col,
                )
            by_canonical[m.canonical] = col
    if "lon" in by_canonical and "lat" in by_canonical:
        return by_canonical["lon"], by_canonical["lat"], True
    names = {split_unit(c)[0]: c for c in table.columns}
    for x, y in (("x", "y"), ("easting", "northing"), ("east", "north")):
        if x in names and y in names:
            return names[x], names[y], False
    return None


_DMS = re.compile(
    r"""^\s*([NSEW])?\s*(\d+(?:[.,]\d+)?)\s*(?:°|º|d|:|\s)\s*
        (?:(\d+(?:[.,]\d+)?)\s*(?:'|′|m|:|\s)?\s*)?
        (?:(\d+(?:[.,]\d+)?)\s*(?:"|″|''|s)?\s*)?([NSEW])?\s*$""",
    re.VERBOSE,
)


def _dms_to_decimal(series: pd.Series) -> tuple[pd.Series, int]:
    """Convert 106°33'12"E / 17 27 30 N style values to decimal degrees (others kept).

    Examples
    --------
    >>> _dms_to_decimal(pd.Series(["106°30'00E", "17 15 36 S", "106.5"]))[0].tolist()
    ['106.5', '-17.26', '106.5']
    """
    out = series.astype(object).copy()
    count = 0
    for pos, value in enumerate(series.tolist()):
        if not isinstance(value, str) or not value.strip():
            continue
        text = value.strip()
        try:
            float(text.replace(",", "."))
            continue
        except ValueError:
            pass
        match = _DMS.match(text)
        if not match:
            continue
        lead, deg, minutes, seconds, trail = match.groups()
        hemi = (lead or trail or "").upper()
        parts = [float(v.replace(",", ".")) if v else 0.0 for v in (deg, minutes, seconds)]
        decimal = parts[0] + parts[1] / 60 + parts[2] / 3600
        if hemi in ("S", "W"):
            decimal = -decimal
        out.iloc[pos] = f"{decimal:.10g}"
        count += 1
    return out, count


def _parse_float(
    series: pd.Series,
    source: str,
    column: str,
    problems: list[Problem],
    *,
    rows: list[str] | None = None,
) -> np.ndarray:
    """Parse a text column to float; blanks become NaN, junk becomes a problem."""
    text = series.astype(str).str.strip().replace({"": None, "nan": None, "NaN": None})
    values = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    bad = values.isna() & text.notna()
    for pos in np.flatnonzero(bad.to_numpy())[:5]:
        problems.append(
            Problem(f"not a number: {series.iloc[pos]!r}", source, column, _row(rows, pos))
        )
    if bad.sum() > 5:
        problems.append(Problem(f"{int(bad.sum()) - 5} more non-numeric values", source, column))
    return values.to_numpy(dtype=float)


def _row(rows: list[str] | None, pos: int) -> str | int:
    """How messages name the row at ``pos``: its number in the sheet, else its CSV line."""
    return rows[int(pos)] if rows is not None else int(pos) + 2


def _points_from_table(
    table: pd.DataFrame, source: str, csv_crs: str, rows: list[str] | None = None
) -> gpd.GeoDataFrame:
    found = _coordinate_columns(table, source)
    if found is None:
        raise InputError(
            "no coordinate columns: expected lon/lat (or longitude/latitude, kinh_do/vi_do) "
            f"or x/y; found {', '.join(table.columns)}",
            path=source,
        )
    xcol, ycol, geographic = found
    problems: list[Problem] = []
    if geographic:
        table = table.copy()
        converted = 0
        for col in (xcol, ycol):
            table[col], n = _dms_to_decimal(table[col])
            converted += n
        if converted:
            warnings.warn(
                f"{source}: {converted} coordinate(s) in degrees-minutes-seconds were converted "
                "to decimal degrees",
                CoverageWarning,
                stacklevel=3,
            )
    x = _parse_float(table[xcol], source, xcol, problems, rows=rows)
    y = _parse_float(table[ycol], source, ycol, problems, rows=rows)
    missing = ~(np.isfinite(x) & np.isfinite(y))
    for pos in np.flatnonzero(missing)[:5]:
        col = xcol if not np.isfinite(x[pos]) else ycol
        problems.append(Problem("missing or non-finite coordinate", source, col, _row(rows, pos)))
    try:
        crs = CRS.from_user_input(csv_crs)
    except CRSError:
        raise InputError(
            f"unknown CRS {csv_crs!r} given for CSV coordinates", path=source
        ) from None
    if geographic and not crs.is_geographic:
        crs = CRS.from_epsg(4326)
    if not geographic and crs.is_geographic:
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.any() and (np.abs(x[ok]).max() > 180 or np.abs(y[ok]).max() > 90):
            problems.append(
                Problem(
                    f"x/y values look projected (metres), but the CSV CRS is {csv_crs}; "
                    "pass the right one with --csv-crs",
                    source,
                    xcol,
                )
            )
    if geographic:
        ok = np.isfinite(x) & np.isfinite(y)
        bad_lat = np.flatnonzero(ok & (np.abs(y) > 90))
        bad_lon = np.flatnonzero(ok & (np.abs(x) > 180))
        if len(bad_lat) or len(bad_lon):
            pos = int((bad_lat if len(bad_lat) else bad_lon)[0])
            col = ycol if len(bad_lat) else xcol
            problems.append(
                Problem(
                    f"{len(bad_lat) + len(bad_lon)} coordinate(s) outside the valid degree range "
                    "(latitude within +-90, longitude within +-180): are the columns swapped or "
                    "in metres?",
                    source,
                    col,
                    _row(rows, pos),
                )
            )
    if problems:
        raise ValidationError(problems)
    rest = table.drop(columns=[xcol, ycol])
    rest["lon" if geographic else "x"] = x
    rest["lat" if geographic else "y"] = y
    return gpd.GeoDataFrame(rest, geometry=gpd.points_from_xy(x, y), crs=crs)


def _from_opencellid(
    table: pd.DataFrame, source: str, *, use_opencellid_range: bool
) -> gpd.GeoDataFrame:
    table = table.rename(columns={c: c.lower() for c in table.columns})
    problems: list[Problem] = []
    radio = table["radio"].str.strip().str.upper()
    # an unknown radio is kept as it is: validation names it if the row takes part
    technology = radio.map(_OPENCELLID_RADIO).fillna(table["radio"])
    mcc = _parse_float(table["mcc"], source, "mcc", problems)
    net = _parse_float(table["net"], source, "net", problems)
    rng = _parse_float(table["range"], source, "range", problems) if "range" in table else None
    if problems:
        raise ValidationError(problems)
    out = pd.DataFrame(
        {
            "site_id": radio
            + "-"
            + table["mcc"].str.strip()
            + "-"
            + table["net"].str.strip()
            + "-"
            + table["area"].str.strip()
            + "-"
            + table["cell"].str.strip(),
            "technology": technology,
            "operator": [
                VN_OPERATORS.get(int(n), f"{int(m)}-{int(n):02d}")
                if m == 452
                else f"{int(m)}-{int(n):02d}"
                for m, n in zip(mcc, net, strict=True)
            ],
            "mcc": mcc.astype(int),
            "net": net.astype(int),
            "samples": table.get("samples"),
        }
    )
    if rng is not None and use_opencellid_range:
        out["range_m"] = np.where(rng > 0, rng, np.nan)
    out["lon"] = table["lon"]
    out["lat"] = table["lat"]
    frame = _points_from_table(out, source, "EPSG:4326")
    log.info("%s: read as an OpenCelliD export (%d cells)", source, len(frame))
    return frame


def canonical_columns(frame: gpd.GeoDataFrame, kind: str, source: str) -> gpd.GeoDataFrame:
    """Rename aliased columns to the schema's names, check the required ones, NFC text.

    A unit in the header (``Bán kính (km)``) is converted to the canonical one; a unit
    that cannot be converted is refused. A column that looks like a known field but is
    not read (a second spelling of a column already read, or a near misspelling) is
    named in a warning.
    """
    schema = SCHEMAS[kind]
    wanted = set(schema.required) | set(schema.optional)
    matches = [match_column(col, kind) for col in frame.columns if col != frame.geometry.name]
    chosen: dict[str, ColumnMatch] = {}
    for m in sorted(matches, key=lambda m: m.column != m.canonical):  # exact names win
        if m.canonical in wanted and m.canonical not in chosen:
            chosen[m.canonical] = m
    for canon, m in chosen.items():
        if m.unknown_unit:
            raise InputError(
                f"looks like {canon} but its unit {m.unit!r} is not one it can be "
                f"given in ({', '.join(units_of(canon))}); convert the values, or "
                f"rename the column to {canon} if they are already in that unit",
                path=source,
                column=m.column,
            )
    frame = _convert_units(frame, [m for m in chosen.values() if m.convert is not None], source)
    _warn_unread(matches, chosen, kind, source)
    renames = {m.column: canon for canon, m in chosen.items() if m.column != canon}
    frame = frame.rename(columns=renames)
    if frame.geometry.name != "geometry":
        frame = frame.rename_geometry("geometry")
    missing = [c for c in schema.required if c not in frame.columns]
    if missing:
        known = ", ".join(c for c in frame.columns if c != "geometry")
        raise InputError(
            f"missing required column {', '.join(repr(m) for m in missing)} for the {kind} layer "
            f"(found: {known}); rename it or see the alias table in the README",
            path=source,
            column=missing[0],
        )
    for col in frame.columns:
        if (col != "geometry" and frame[col].dtype == object) or pd.api.types.is_string_dtype(
            frame[col]
        ):
            if col == "geometry":
                continue
            frame[col] = frame[col].map(
                lambda v: unicodedata.normalize("NFC", v).strip() if isinstance(v, str) else v
            )
    ordered = [c for c in (*schema.required, *schema.optional) if c in frame.columns]
    others = [c for c in frame.columns if c not in ordered and c != "geometry"]
    return frame[[*ordered, *others, "geometry"]]


def _convert_units(
    frame: gpd.GeoDataFrame, converted: list[ColumnMatch], source: str
) -> gpd.GeoDataFrame:
    """Convert columns given in another unit; values that are not numbers are kept as
    they are, for validation to name."""
    if not converted:
        return frame
    frame = frame.copy()
    for m in converted:
        raw = frame[m.column]
        text = raw.astype(object).map(lambda v: v if not isinstance(v, str) else v.strip())
        numbers = pd.to_numeric(
            text.map(lambda v: v.replace(",", ".") if isinstance(v, str) else v), errors="coerce"
        ).to_numpy(dtype=float)
        values = m.convert(numbers) if m.convert else numbers
        ok = np.isfinite(numbers)
        frame[m.column] = pd.Series(
            np.where(ok, values, raw.to_numpy(dtype=object)), index=frame.index, dtype=object
        )
        if ok.all():
            frame[m.column] = frame[m.column].astype(float)
        log.info(
            "%s: column %r read in %s and converted to %s", source, m.column, m.unit, m.canonical
        )
    return frame


def _warn_unread(
    matches: list[ColumnMatch], chosen: dict[str, ColumnMatch], kind: str, source: str
) -> None:
    """Name the columns that look like a known field of this layer but are not read."""
    used = {m.column for m in chosen.values()}
    lines = []
    candidates = spellings(kind)
    for m in matches:
        if m.column in used:
            continue
        if m.canonical in chosen:
            lines.append(
                f"column {m.column!r} also looks like {m.canonical} and is ignored; "
                f"{chosen[m.canonical].column!r} is read"
            )
            continue
        if m.canonical is not None:
            continue
        guess = near_miss(m.column, candidates)
        if guess is not None and guess not in chosen:
            lines.append(
                f"column {m.column!r} looks like a misspelling of {guess} and is not read; "
                f"rename it to {guess} if it is one"
            )
    for line in lines:
        warnings.warn(f"{source}: {line}", CoverageWarning, stacklevel=4)
