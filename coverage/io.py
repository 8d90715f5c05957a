"""Reading input layers into validated GeoDataFrames with canonical columns.

Reads anything GDAL/pyogrio reads (GeoPackage, Shapefile, GeoJSON, FlatGeobuf,
...), GeoParquet, CSV with ``lon``/``lat`` (or ``x``/``y``) columns, and
OpenCelliD CSV exports as they are downloaded. Every problem found in a layer
is collected and raised together as a :class:`~coverage._errors.ValidationError`.
"""

from __future__ import annotations

import csv
import logging
import os
import re
import unicodedata
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from ._errors import CoverageWarning, InputError, Problem, ValidationError
from .schema import SCHEMAS, canonical_column, parse_technology, parse_yes_no
from .settings import TECHNOLOGIES

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

_NUMERIC = {
    "sites": ("frequency_mhz", "height_m", "azimuth_deg", "beamwidth_deg", "eirp_dbm", "range_m"),
    "villages": ("population",),
}
_TEXT_ID = ("village_id", "commune_id", "district_id", "site_id", "node_id", "route_id", "point_id")
#: Layers whose id must be unique (sites repeat their id per technology and sector).
_UNIQUE_IDS = ("villages", "communes", "centres")
_VECTOR_SUFFIXES = {".gpkg", ".shp", ".geojson", ".json", ".fgb", ".gml", ".kml", ".zip", ".sqlite"}
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
    spec: str | os.PathLike,
    kind: str,
    *,
    csv_crs: str = "EPSG:4326",
    use_opencellid_range: bool = True,
    encoding: str = "auto",
) -> gpd.GeoDataFrame:
    """Read one input layer and return it with canonical columns.

    Parameters
    ----------
    spec
        A file path, optionally ``FILE::LAYER`` to pick a layer of a multi-layer file.
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

    Returns
    -------
    geopandas.GeoDataFrame
        Canonical columns of the layer's schema (others are kept after them), the
        file's CRS, Unicode text in NFC. ``attrs["source"]`` holds the path and
        ``attrs["row_labels"]`` how to name each feature in messages.

    Examples
    --------
    >>> from coverage import datasets
    >>> villages = read_layer(datasets.get_path("villages"), "villages")
    >>> villages.columns[:4].tolist()
    ['village_id', 'name', 'commune_id', 'population']
    """
    if kind not in SCHEMAS:
        raise ValueError(f"kind must be one of {', '.join(SCHEMAS)}; got {kind!r}")
    path, layer = split_layer(spec)
    source = str(spec)
    if not path.exists():
        raise InputError("file not found", path=source)
    if path.is_file() and path.stat().st_size == 0:
        raise InputError("file is empty", path=source)
    suffix = path.suffix.lower()
    if suffix in _CSV_SUFFIXES:
        frame = _read_csv(
            path,
            kind,
            csv_crs=csv_crs,
            use_opencellid_range=use_opencellid_range,
            encoding=encoding,
        )
    elif suffix in _PARQUET_SUFFIXES:
        frame = _read_parquet(path)
    else:
        frame = _read_vector(path, layer)
    frame.attrs["source"] = source
    if len(frame) == 0:
        raise InputError(f"layer is empty: no {kind} to read", path=source)
    frame = _fix_encoding(frame, source, encoding)
    if frame.crs is None:
        raise InputError(
            "layer has no CRS; add one (e.g. a .prj beside a shapefile, or "
            "`ogr2ogr -a_srs EPSG:4326`) so distances and areas can be measured",
            path=source,
        )
    frame = _canonical_columns(frame, kind, source)
    return _validate(frame, kind, source)


def _read_vector(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # "more than one layer" etc.
            if layer is None:
                layers = pyogrio.list_layers(path)
                if len(layers) > 1:
                    names = ", ".join(str(n) for n in layers[:, 0])
                    log.info("%s has several layers (%s); reading the first", path, names)
            return pyogrio.read_dataframe(path, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(
            f"cannot read as a vector layer ({_first_line(exc)})", path=str(path)
        ) from None
    except ValueError as exc:
        raise InputError(f"cannot read ({_first_line(exc)})", path=str(path)) from None


def _read_parquet(path: Path) -> gpd.GeoDataFrame:
    try:
        return gpd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types for corrupt files
        raise InputError(
            f"cannot read as GeoParquet ({_first_line(exc)})", path=str(path)
        ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


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


def _fix_encoding(frame: gpd.GeoDataFrame, source: str, encoding: str) -> gpd.GeoDataFrame:
    """Convert legacy Vietnamese text to Unicode, saying so; NFC happens later anyway."""
    from .encoding import fix_frame

    not_utf8 = frame.attrs.get("not_utf8")
    attrs = dict(frame.attrs)
    fixed, changed = fix_frame(frame, encoding=encoding)
    fixed = gpd.GeoDataFrame(fixed, geometry=frame.geometry.name, crs=frame.crs)
    fixed.attrs.update(attrs)
    if changed:
        cols = ", ".join(f"{c} ({e})" for c, e in changed.items())
        fixed.attrs["repairs"] = {**fixed.attrs.get("repairs", {}), "text_encoding": changed}
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
    return fixed


def _sniff_delimiter(path: Path) -> tuple[str, bool]:
    """Return the delimiter and whether the first line looks like a header."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
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
) -> gpd.GeoDataFrame:
    source = str(path)
    # Legacy 8-bit text is read byte-for-byte (Latin-1) and repaired by _fix_encoding.
    text_encoding = "utf-8-sig" if encoding in ("auto", "utf-8") else "latin-1"
    try:
        delimiter, has_header = _sniff_delimiter(path)
        try:
            table = _csv_table(path, delimiter, has_header, text_encoding)
        except UnicodeDecodeError as exc:
            if encoding != "auto":
                raise
            table = _csv_table(path, delimiter, has_header, "latin-1")
            table.attrs["not_utf8"] = f"byte {exc.start}"
    except UnicodeDecodeError as exc:
        raise InputError(
            f"is not UTF-8 text (byte {exc.start}); re-save it as UTF-8 or pass --encoding",
            path=source,
        ) from None
    except pd.errors.ParserError as exc:
        raise InputError(f"cannot parse as CSV ({_first_line(exc)})", path=source) from None
    except pd.errors.EmptyDataError:
        raise InputError("file has no rows", path=source) from None
    table.columns = [str(c).strip() for c in table.columns]
    if len(table) == 0:
        raise InputError(f"layer is empty: no {kind} to read", path=source)
    lower = {c.lower() for c in table.columns}
    if {"radio", "mcc", "net", "area", "cell", "lon", "lat"} <= lower:
        if kind != "sites":
            raise InputError(f"is an OpenCelliD cell file, not a {kind} layer", path=source)
        frame = _from_opencellid(table, source, use_opencellid_range=use_opencellid_range)
    else:
        frame = _points_from_table(table, source, csv_crs)
    if "not_utf8" in table.attrs:
        frame.attrs["not_utf8"] = table.attrs["not_utf8"]
    return frame


def _coordinate_columns(table: pd.DataFrame) -> tuple[str, str, bool] | None:
    """Find the x and y columns: (x, y, geographic?)."""
    by_canonical: dict[str, str] = {}
    for col in table.columns:
        canon = canonical_column(col)
        if canon in ("lon", "lat") and canon not in by_canonical:
            by_canonical[canon] = col
    if "lon" in by_canonical and "lat" in by_canonical:
        return by_canonical["lon"], by_canonical["lat"], True
    names = {c.strip().lower(): c for c in table.columns}
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
    series: pd.Series, source: str, column: str, problems: list[Problem], *, first_row: int = 2
) -> np.ndarray:
    """Parse a text column to float; blanks become NaN, junk becomes a problem."""
    text = series.astype(str).str.strip().replace({"": None, "nan": None, "NaN": None})
    values = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    bad = values.isna() & text.notna()
    for pos in np.flatnonzero(bad.to_numpy())[:5]:
        problems.append(
            Problem(f"not a number: {series.iloc[pos]!r}", source, column, int(pos) + first_row)
        )
    if bad.sum() > 5:
        problems.append(Problem(f"{int(bad.sum()) - 5} more non-numeric values", source, column))
    return values.to_numpy(dtype=float)


def _points_from_table(table: pd.DataFrame, source: str, csv_crs: str) -> gpd.GeoDataFrame:
    found = _coordinate_columns(table)
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
    x = _parse_float(table[xcol], source, xcol, problems)
    y = _parse_float(table[ycol], source, ycol, problems)
    missing = ~(np.isfinite(x) & np.isfinite(y))
    for pos in np.flatnonzero(missing)[:5]:
        col = xcol if not np.isfinite(x[pos]) else ycol
        problems.append(Problem("missing or non-finite coordinate", source, col, int(pos) + 2))
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
                    pos + 2,
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
    technology = radio.map(_OPENCELLID_RADIO)
    unknown = technology.isna()
    for pos in np.flatnonzero(unknown.to_numpy())[:5]:
        problems.append(
            Problem(
                f"unknown radio {table['radio'].iloc[pos]!r} (expected GSM, UMTS, CDMA, LTE, NR)",
                source,
                "radio",
                int(pos) + 2,
            )
        )
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
    frame.attrs["opencellid"] = True
    log.info("%s: read as an OpenCelliD export (%d cells)", source, len(frame))
    return frame


def _canonical_columns(frame: gpd.GeoDataFrame, kind: str, source: str) -> gpd.GeoDataFrame:
    schema = SCHEMAS[kind]
    wanted = set(schema.required) | set(schema.optional)
    renames: dict[str, str] = {}
    for col in frame.columns:
        if col == frame.geometry.name:
            continue
        canon = canonical_column(col, kind)
        if canon in wanted and canon not in renames.values():
            if canon in frame.columns and canon != col:
                continue  # the canonical spelling itself is present and wins
            renames[col] = canon
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


def _row_labels(frame: gpd.GeoDataFrame, kind: str, source: str) -> list[str]:
    """Name each feature for messages: CSV line numbers, else the feature's id."""
    if Path(source.split("::")[0]).suffix.lower() in _CSV_SUFFIXES:
        return [str(i + 2) for i in range(len(frame))]
    id_col = SCHEMAS[kind].id_column
    if id_col in frame.columns:
        return [f"{i + 1} ({id_col}={v})" for i, v in enumerate(frame[id_col].astype(str))]
    return [str(i + 1) for i in range(len(frame))]


def _validate(frame: gpd.GeoDataFrame, kind: str, source: str) -> gpd.GeoDataFrame:
    schema = SCHEMAS[kind]
    labels = _row_labels(frame, kind, source)
    frame.attrs["row_labels"] = labels
    problems: list[Problem] = []

    def report(mask: np.ndarray, message: str, column: str | None) -> None:
        idx = np.flatnonzero(mask)
        for pos in idx[:3]:
            problems.append(Problem(message, source, column, labels[pos]))
        if len(idx) > 3:
            problems.append(Problem(f"{message} ({len(idx) - 3} more rows)", source, column))

    geoms = frame.geometry.values
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    report(missing, "missing or empty geometry", "geometry")
    types = np.asarray(shapely.get_type_id(geoms))
    names = np.array(
        [
            "Point",
            "LineString",
            "LinearRing",
            "Polygon",
            "MultiPoint",
            "MultiLineString",
            "MultiPolygon",
            "GeometryCollection",
        ]
    )
    type_names = np.where(types >= 0, names[np.clip(types, 0, 7)], "")
    wrong = ~missing & ~np.isin(type_names, schema.geometry_types)
    report(
        wrong,
        f"geometry type not allowed for {kind} (allowed: {', '.join(schema.geometry_types)})",
        "geometry",
    )
    xy, owner = shapely.get_coordinates(geoms, return_index=True)
    finite = np.isfinite(xy).all(axis=1)
    if not finite.all():
        bad = np.zeros(len(frame), bool)
        bad[np.unique(owner[~finite])] = True
        report(bad, "non-finite coordinate (NaN or infinity)", "geometry")
    _check_crs_range(frame, xy[finite], owner[finite], source, labels, problems)
    if not problems:
        frame = _repair_geometry(frame, kind, source, report)

    for col in _TEXT_ID:
        if col in frame.columns:
            frame[col] = frame[col].map(_id_text)
    if schema.id_column in frame.columns and schema.id_column in schema.required:
        ids = frame[schema.id_column]
        report(ids.isna().to_numpy(), "blank id", schema.id_column)
        if kind in _UNIQUE_IDS:
            dup = (ids.duplicated(keep="first") & ids.notna()).to_numpy()
            report(
                dup,
                f"duplicate {schema.id_column} (each {kind[:-1]} must appear once)",
                schema.id_column,
            )

    for col in _NUMERIC.get(kind, ()):
        if col in frame.columns:
            frame[col] = _to_float(frame[col], source, col, labels, problems)
    if kind == "villages" and "population" in frame.columns:
        pop = frame["population"].to_numpy(dtype=float)
        report(pop < 0, "negative population", "population")
        with np.errstate(invalid="ignore"):
            fractional = np.isfinite(pop) & (pop != np.round(pop))
        report(
            fractional,
            "population is not a whole number (a thousands separator such as 1.234 read as "
            "a decimal point?); write plain digits",
            "population",
        )
    if kind == "sites":
        _validate_sites(frame, source, labels, problems, report)
    for col in ("fibre", "broadband"):
        if col in frame.columns:
            frame[col] = _to_yes_no(frame[col], source, col, labels, problems)

    if problems:
        raise ValidationError(problems)
    return frame


def _check_crs_range(frame, xy, owner, source, labels, problems) -> None:
    """Coordinates that cannot be in the declared CRS: projected numbers declared as
    degrees, or degrees declared as a projected CRS."""
    if len(xy) == 0:
        return
    crs = frame.crs
    if crs.is_geographic:
        bad = (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)
        if bad.any():
            # latitude beyond 90 but a valid longitude, and the swap is valid: swapped axes
            swapped = (np.abs(xy[bad][:, 1]) <= 180) & (np.abs(xy[bad][:, 0]) <= 90)
            hint = (
                "longitude and latitude appear to be swapped; swap them back"
                if swapped.all()
                else "they look projected (metres); declare the layer's real CRS"
            )
            problems.append(
                Problem(
                    f"{len(np.unique(owner[bad]))} feature(s) have coordinates outside the degree "
                    f"range of {crs.to_string()} (e.g. {xy[bad][0][0]:.4g}, {xy[bad][0][1]:.4g}): "
                    + hint,
                    source,
                    "geometry",
                    labels[owner[bad][0]],
                )
            )
    elif crs.is_projected:
        # Degrees mislabelled as metres land, read as lon/lat, inside the CRS's own area
        # of use (106, 17 for a UTM 48N layer); genuine metres never do.
        aou = crs.area_of_use
        if aou is None:
            return
        inside = (
            (xy[:, 0] >= aou.west)
            & (xy[:, 0] <= aou.east)
            & (xy[:, 1] >= aou.south)
            & (xy[:, 1] <= aou.north)
        )
        if inside.all():
            problems.append(
                Problem(
                    f"every coordinate looks like degrees (e.g. {xy[0][0]:.4f}, {xy[0][1]:.4f}) "
                    f"but the declared CRS {crs.to_string()} is in metres; "
                    "declare EPSG:4326 (WGS 84 degrees)",
                    source,
                    "geometry",
                    labels[owner[0]],
                )
            )


def _repair_geometry(frame, kind: str, source: str, report) -> gpd.GeoDataFrame:
    """Make invalid polygons valid (with a warning and a count), reject zero-area ones."""
    geoms = frame.geometry.to_numpy()
    polygonal = np.isin(shapely.get_type_id(geoms), [3, 6])
    invalid = polygonal & ~shapely.is_valid(geoms)
    if invalid.any():
        fixed = shapely.make_valid(geoms[invalid])
        # keep the polygonal part: make_valid may add slivers as lines or points
        parts = shapely.get_parts(fixed, return_index=True)
        keep = np.isin(shapely.get_type_id(parts[0]), [3, 6])
        rebuilt = np.full(len(fixed), None, dtype=object)
        if keep.any():
            shapely.multipolygons(parts[0][keep], indices=parts[1][keep], out=rebuilt)
        frame = frame.copy()
        values = frame.geometry.to_numpy().copy()
        values[invalid] = np.where(shapely.is_missing(rebuilt), geoms[invalid], rebuilt)
        frame = frame.set_geometry(gpd.GeoSeries(values, index=frame.index, crs=frame.crs))
        frame.attrs["repairs"] = {
            **frame.attrs.get("repairs", {}),
            "made_valid": int(invalid.sum()),
        }
        warnings.warn(
            f"{source}: {int(invalid.sum())} invalid polygon(s) (self-intersections, bad rings) "
            "were repaired with make_valid",
            CoverageWarning,
            stacklevel=3,
        )
        geoms = frame.geometry.to_numpy()
    if kind in ("villages", "communes"):
        zero = polygonal & (shapely.area(geoms) <= 0)
        report(zero, "polygon has zero area; fix or remove it", "geometry")
    return frame


def _id_text(value: object) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _to_float(
    series: pd.Series, source: str, column: str, labels: list[str], problems: list[Problem]
) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series):
        return series.astype(float)
    text = series.astype(object).map(lambda v: None if v is None else str(v).strip() or None)
    values = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    bad = np.flatnonzero((values.isna() & text.notna()).to_numpy())
    for pos in bad[:3]:
        problems.append(Problem(f"not a number: {series.iloc[pos]!r}", source, column, labels[pos]))
    if len(bad) > 3:
        problems.append(Problem(f"{len(bad) - 3} more non-numeric values", source, column))
    return values.astype(float)


def _to_yes_no(
    series: pd.Series, source: str, column: str, labels: list[str], problems: list[Problem]
) -> pd.Series:
    out = []
    for pos, value in enumerate(series.tolist()):
        try:
            out.append(parse_yes_no(value))
        except ValueError:
            if len([p for p in problems if p.column == column]) < 3:
                problems.append(
                    Problem(f"expected yes/no or blank, got {value!r}", source, column, labels[pos])
                )
            out.append(None)
    return pd.Series(out, index=series.index, dtype=object)


def _validate_sites(frame, source, labels, problems, report) -> None:
    tech = frame["technology"].map(lambda v: parse_technology(v) if v is not None else None)
    report(
        tech.isna().to_numpy(),
        f"unknown technology (expected one of {', '.join(TECHNOLOGIES)}, or GSM/UMTS/LTE/NR)",
        "technology",
    )
    frame["technology"] = tech
    checks = {
        "height_m": (lambda v: (v < 0) | (v > 500), "antenna height must be 0-500 m"),
        "beamwidth_deg": (lambda v: (v <= 0) | (v > 360), "beamwidth must be in (0, 360] degrees"),
        "range_m": (
            lambda v: v < 10,
            "range must be at least 10 m (metres; a thousands separator such as 2.000 read "
            "as a decimal point?)",
        ),
        "frequency_mhz": (
            lambda v: (v < 100) | (v > 100000),
            "frequency must be in MHz (100-100000); was it given in GHz or Hz?",
        ),
        "eirp_dbm": (lambda v: (v < -30) | (v > 100), "EIRP must be in dBm (-30 to 100)"),
    }
    for col, (test, message) in checks.items():
        if col in frame.columns:
            values = frame[col].to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                report(np.isfinite(values) & test(values), message, col)
    if "azimuth_deg" in frame.columns:
        az = frame["azimuth_deg"].to_numpy(dtype=float)
        frame["azimuth_deg"] = np.mod(az, 360.0)
        if "beamwidth_deg" in frame.columns:
            bw = frame["beamwidth_deg"].to_numpy(dtype=float)
            half = np.isfinite(az) ^ np.isfinite(bw)
            if half.any():
                warnings.warn(
                    f"{source}: {int(half.sum())} site row(s) give only one of azimuth_deg and "
                    "beamwidth_deg; they are treated as omnidirectional",
                    CoverageWarning,
                    stacklevel=2,
                )
