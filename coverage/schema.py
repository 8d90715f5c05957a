"""Canonical layer schemas and the alias table that maps other spellings to them.

Every input column is matched case-insensitively after removing Vietnamese
diacritics and turning spaces and hyphens into underscores, so ``Mã xã``,
``MA_XA`` and ``ma-xa`` all read as ``ma_xa`` and then map to ``commune_id``.
A unit in brackets or as the last word (``Bán kính (km)``, ``height_ft``) is read
too: :func:`match_column` returns the conversion to the canonical unit, and a unit
that cannot be converted is refused rather than read as the canonical one.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: Layer kinds the toolkit reads.
LAYER_KINDS: tuple[str, ...] = (
    "villages",
    "communes",
    "centres",
    "sites",
    "fibre",
    "postal",
    "new_communes",
    "crosswalk",
    "roads",
    "measurements",
)


@dataclass(frozen=True)
class LayerSchema:
    """Columns and geometry types of one layer kind."""

    kind: str
    id_column: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    geometry_types: tuple[str, ...]


SCHEMAS: dict[str, LayerSchema] = {
    "villages": LayerSchema(
        "villages",
        "village_id",
        ("village_id",),
        ("name", "commune_id", "population"),
        ("Polygon", "MultiPolygon", "Point"),
    ),
    "communes": LayerSchema(
        "communes",
        "commune_id",
        ("commune_id",),
        ("name", "district", "district_id", "province"),
        ("Polygon", "MultiPolygon"),
    ),
    "centres": LayerSchema("centres", "commune_id", ("commune_id",), ("name", "fibre"), ("Point",)),
    "sites": LayerSchema(
        "sites",
        "site_id",
        ("site_id", "technology"),
        (
            "frequency_mhz",
            "height_m",
            "azimuth_deg",
            "beamwidth_deg",
            "eirp_dbm",
            "operator",
            "range_m",
        ),
        ("Point",),
    ),
    "fibre": LayerSchema(
        "fibre",
        "node_id",
        (),
        ("node_id", "route_id", "kind"),
        ("Point", "MultiPoint", "LineString", "MultiLineString"),
    ),
    "postal": LayerSchema(
        "postal", "point_id", (), ("point_id", "name", "broadband", "commune_id"), ("Point",)
    ),
    # the units of today (2025): their polygons, and a table from the old communes to them
    "new_communes": LayerSchema(
        "new_communes",
        "commune_id",
        ("commune_id",),
        ("name", "province"),
        ("Polygon", "MultiPolygon"),
    ),
    "crosswalk": LayerSchema(
        "crosswalk",
        "old_commune_id",
        ("old_commune_id", "new_commune_id"),
        ("weight", "new_name", "new_province"),
        (),
    ),
    # drive tests, quality-of-service surveys, crowd samples: one measured level per point
    "measurements": LayerSchema(
        "measurements",
        "measurement_id",
        ("technology", "level_dbm"),
        ("measurement_id", "site_id", "time"),
        ("Point",),
    ),
    # any line layer; its class (OSM's highway tag, a national road class) prices the cable
    "roads": LayerSchema(
        "roads",
        "road_id",
        (),
        ("road_id", "class", "name", "ref"),
        ("LineString", "MultiLineString"),
    ),
}

#: Alternative spellings (after :func:`normalize_name`) of each canonical column.
#: Shared by every layer; a layer only keeps the canonical names of its schema.
ALIASES: dict[str, tuple[str, ...]] = {
    "village_id": ("id_thon", "ma_thon", "mathon", "village_code", "village", "thon_id", "ma_ban"),
    "commune_id": (
        "ma_xa",
        "maxa",
        "ma_phuong_xa",
        "ward_code",
        "ward_id",
        "commune_code",
        "commune",
        "xa_id",
        "id_xa",
    ),
    "district_id": ("ma_huyen", "mahuyen", "district_code"),
    "level_dbm": (
        "level",
        "rsrp",
        "rscp",
        "rxlev",
        "signal",
        "signal_dbm",
        "signal_strength",
        "muc_thu",
        "muc_tin_hieu",
        "cuong_do_tin_hieu",
    ),
    "time": ("timestamp", "datetime", "date_time", "thoi_gian", "thoigian"),
    "class": ("highway", "fclass", "road_class", "roadclass", "loai_duong", "cap_duong"),
    "name": ("ten", "label"),
    "district": ("huyen", "ten_huyen", "tenhuyen", "district_name", "quan_huyen"),
    "province": ("tinh", "ten_tinh", "tentinh", "province_name"),
    "population": ("dan_so", "danso", "so_dan", "pop", "population_total", "nhan_khau"),
    "site_id": (
        "ma_tram",
        "matram",
        "tram_id",
        "id_tram",
        "site",
        "site_code",
        "site_name",
        "bts_id",
        "serving_site",
        "serving_cell",
    ),
    "technology": ("tech", "radio", "rat", "cong_nghe", "congnghe", "system"),
    "frequency_mhz": ("frequency", "freq", "freq_mhz", "band_mhz", "tan_so", "tanso"),
    "height_m": ("height", "antenna_height", "antenna_height_m", "do_cao", "docao", "agl"),
    "azimuth_deg": ("azimuth", "huong", "huong_anten", "goc_phuong_vi", "az"),
    "beamwidth_deg": ("beamwidth", "hbw", "horizontal_beamwidth", "bw", "do_rong_bup_song"),
    "eirp_dbm": ("eirp", "cong_suat_eirp"),
    "operator": ("nha_mang", "nhamang", "carrier", "mno", "network", "doanh_nghiep"),
    "range_m": ("range", "radius", "radius_m", "ban_kinh", "bankinh", "cell_range"),
    "fibre": ("fiber", "cap_quang", "capquang", "fibre_connected", "fiber_connected", "has_fibre"),
    "broadband": ("bang_rong", "bangrong", "internet", "fixed_broadband", "has_broadband"),
    "node_id": ("ma_node", "node", "odf_id", "olt_id"),
    "route_id": ("ma_tuyen", "tuyen_id", "cable_id", "route"),
    "point_id": ("ma_diem", "ma_buu_cuc", "mabc", "poi_id"),
    "kind": ("loai", "type_node"),
    "old_commune_id": (
        "old_ward_code",
        "old_code",
        "old_id",
        "old_commune",
        "ma_xa_cu",
        "ma_cu",
        "commune_id_2024",
    ),
    "new_commune_id": (
        "new_ward_code",
        "new_code",
        "new_id",
        "new_commune",
        "ma_xa_moi",
        "ma_moi",
        "commune_id_2025",
    ),
    "weight": ("ty_le", "tyle", "share", "fraction", "proportion"),
    "new_name": ("new_ward_name", "ten_xa_moi", "ten_moi", "new_commune_name"),
    "new_province": ("new_province_name", "tinh_moi", "ten_tinh_moi"),
    "lon": ("longitude", "lng", "long", "kinh_do", "kinhdo"),
    "lat": ("latitude", "vi_do", "vido"),
}

#: Layer-specific aliases: a village file may carry its commune's name too, so
#: ``ten_xa`` is the name only in the communes layer.
LAYER_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "villages": {"name": ("ten_thon", "tenthon", "ten_ban", "village_name")},
    "communes": {"name": ("ten_xa", "tenxa", "ten_phuong_xa", "ward_name", "commune_name")},
    "centres": {"name": ("ten_trung_tam", "ten_xa", "tenxa")},
    "postal": {"name": ("ten_diem", "ten_buu_cuc", "ten_bc")},
    "new_communes": {"name": ("ten_xa", "tenxa", "ten_phuong_xa", "ward_name", "commune_name")},
}

_ALIAS_LOOKUP: dict[str, str] = {}
for _canonical, _names in ALIASES.items():
    _ALIAS_LOOKUP[_canonical] = _canonical
    for _name in _names:
        _ALIAS_LOOKUP.setdefault(_name, _canonical)

#: Technology spellings, after upper-casing and removing spaces/hyphens.
TECHNOLOGY_ALIASES: dict[str, str] = {
    "2G": "2G",
    "GSM": "2G",
    "GPRS": "2G",
    "EDGE": "2G",
    "DCS": "2G",
    "3G": "3G",
    "UMTS": "3G",
    "WCDMA": "3G",
    "HSPA": "3G",
    "HSPA+": "3G",
    "CDMA": "3G",
    "4G": "4G",
    "LTE": "4G",
    "LTEA": "4G",
    "LTEADVANCED": "4G",
    "5G": "5G",
    "NR": "5G",
    "5GNR": "5G",
}

#: Spellings of yes/no in attribute columns (after lower-casing and removing diacritics).
YES = frozenset({"yes", "y", "true", "t", "1", "co", "x", "connected", "ok"})
NO = frozenset({"no", "n", "false", "f", "0", "khong", "not connected", "none"})


def strip_diacritics(text: str) -> str:
    """Return ``text`` without Vietnamese diacritics (``đ`` becomes ``d``)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize_name(column: str) -> str:
    """Return the matching key of a column name.

    Examples
    --------
    >>> normalize_name("Mã xã")
    'ma_xa'
    """
    key = strip_diacritics(str(column)).strip().lower()
    return re.sub(r"[\s\-./]+", "_", key).strip("_")


def canonical_column(column: str, kind: str | None = None) -> str | None:
    """Return the canonical name a column maps to in a layer kind, or ``None``.

    Examples
    --------
    >>> canonical_column("Tên thôn", "villages")
    'name'
    """
    return _canonical_key(normalize_name(column), kind)


#: A conversion of a column's values to its canonical unit.
Convert = Callable[[np.ndarray], np.ndarray]


def _scale(factor: float) -> Convert:
    return lambda values: values * factor


def _watts_to_dbm(values: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(values > 0, 10.0 * np.log10(values * 1000.0), np.nan)


_METRES = {
    "m": _scale(1.0),
    "met": _scale(1.0),
    "metre": _scale(1.0),
    "metres": _scale(1.0),
    "meter": _scale(1.0),
    "meters": _scale(1.0),
    "km": _scale(1000.0),
    "kilomet": _scale(1000.0),
    "ft": _scale(0.3048),
    "feet": _scale(0.3048),
}
_DEGREES = {
    "deg": _scale(1.0),
    "degree": _scale(1.0),
    "degrees": _scale(1.0),
    "do": _scale(1.0),
    "°": _scale(1.0),
    "º": _scale(1.0),
    "dd": _scale(1.0),
}

#: The units each numeric column may be given in (after :func:`normalize_name`), and
#: how its values convert to the canonical unit (metres, MHz, dBm, degrees, people).
UNITS: dict[str, dict[str, Convert]] = {
    "range_m": _METRES,
    "height_m": _METRES,
    "frequency_mhz": {"mhz": _scale(1.0), "ghz": _scale(1000.0), "khz": _scale(1e-3)},
    "eirp_dbm": {
        "dbm": _scale(1.0),
        "dbw": lambda values: values + 30.0,
        "w": _watts_to_dbm,
        "watt": _watts_to_dbm,
        "watts": _watts_to_dbm,
    },
    "azimuth_deg": _DEGREES,
    "beamwidth_deg": _DEGREES,
    "lon": _DEGREES,
    "lat": _DEGREES,
    "population": {
        unit: _scale(1.0)
        for unit in ("nguoi", "ng", "nhan_khau", "khau", "people", "persons", "inhabitants")
    }
    | {"nghin_nguoi": _scale(1000.0), "1000_nguoi": _scale(1000.0), "thousand": _scale(1000.0)},
}

_BRACKETED = re.compile(r"^(?P<name>.*?)_*[(\[{](?P<unit>[^)\]}]*)[)\]}]_*$")
_ALL_UNITS = frozenset(u for table in UNITS.values() for u in table)


@dataclass(frozen=True)
class ColumnMatch:
    """How an input column maps onto the schema.

    ``canonical`` is the schema's name (``None``: not a known field); ``unit`` the unit
    the header gave (``None``: none given); ``convert`` turns its values into the
    canonical unit (``None``: nothing to convert, or the unit is unknown, see
    ``unknown_unit``).
    """

    column: str
    canonical: str | None
    unit: str | None = None
    convert: Convert | None = None
    unknown_unit: bool = False


def split_unit(column: str) -> tuple[str, str | None]:
    """Split a header into its matching key and the unit in brackets, if any.

    Examples
    --------
    >>> split_unit("Bán kính (m)")
    ('ban_kinh', 'm')
    >>> split_unit("Mã trạm")
    ('ma_tram', None)
    """
    key = normalize_name(column)
    match = _BRACKETED.match(key)
    if match is None:
        return key, None
    unit = normalize_name(match["unit"]).replace("_", "") if match["unit"].strip() else None
    if unit is not None and unit not in _ALL_UNITS:
        unit = normalize_name(match["unit"])
    return match["name"].strip("_"), unit


def match_column(column: str, kind: str | None = None) -> ColumnMatch:
    """Match a header to a canonical column and its unit.

    The whole header is tried first (``range_m``, ``freq_mhz``), then the header
    without a unit in brackets (``Bán kính (km)``), then without a last word that is
    a unit (``radius_km``). A known field with a unit it cannot be given in is
    returned with ``unknown_unit`` set.

    Examples
    --------
    >>> m = match_column("Bán kính (km)", "sites")
    >>> m.canonical, m.unit, float(m.convert(np.array([1.1]))[0])
    ('range_m', 'km', 1100.0)
    >>> match_column("height_ft").convert(np.array([100.0]))
    array([30.48])
    """
    whole = canonical_column(column, kind)
    if whole is not None:
        return ColumnMatch(column, whole)
    key, unit = split_unit(column)
    if unit is None:
        head, _, last = key.rpartition("_")
        if head and last in _ALL_UNITS:
            key, unit = head, last
    canonical = _canonical_key(key, kind)
    if canonical is None:
        return ColumnMatch(column, None)
    if unit is None or canonical not in UNITS or unit.isdigit():
        # text fields take any note in brackets ("Mã trạm (BTS)"), as numbers take a year
        return ColumnMatch(column, canonical)
    convert = UNITS[canonical].get(unit)
    return ColumnMatch(column, canonical, unit, convert, unknown_unit=convert is None)


_UNIT_DISPLAY = ("m", "km", "ft", "MHz", "GHz", "kHz", "dBm", "dBW", "W", "deg", "người")


def units_of(canonical: str) -> list[str]:
    """The units a column may be given in, as written in messages (``m, km, ft``)."""
    table = UNITS.get(canonical, {})
    return [u for u in _UNIT_DISPLAY if normalize_name(u) in table]


def near_miss(column: str, candidates: dict[str, str]) -> str | None:
    """The canonical column a header looks like a misspelling of, or ``None``.

    ``candidates`` maps spellings (aliases, canonical names) to canonical names.
    Diacritics, case, punctuation, a unit and underscores are ignored; a match
    needs 85 % similarity (one wrong letter in a word of seven).

    Examples
    --------
    >>> near_miss("Populaton", {"population": "population"})
    'population'
    """
    key = split_unit(column)[0].replace("_", "")
    if len(key) < 4:
        return None
    squeezed = {k.replace("_", ""): v for k, v in candidates.items()}
    close = difflib.get_close_matches(key, list(squeezed), n=1, cutoff=0.85)
    return squeezed[close[0]] if close else None


def spellings(kind: str) -> dict[str, str]:
    """Every spelling of the columns of a layer kind, mapped to its canonical name."""
    schema = SCHEMAS[kind]
    wanted = {*schema.required, *schema.optional}
    out = {name: canonical for name, canonical in _ALIAS_LOOKUP.items() if canonical in wanted}
    for canonical, names in LAYER_ALIASES.get(kind, {}).items():
        out.update(dict.fromkeys(names, canonical))
    return out


def _canonical_key(key: str, kind: str | None) -> str | None:
    for canonical, names in LAYER_ALIASES.get(kind or "", {}).items():
        if key in names:
            return canonical
    return _ALIAS_LOOKUP.get(key)


def parse_technology(value: str) -> str | None:
    """Return ``2G``..``5G`` for a technology spelling, or ``None`` when unknown."""
    key = re.sub(r"[\s\-_/]+", "", str(value)).upper()
    return TECHNOLOGY_ALIASES.get(key)


def parse_yes_no(value: object) -> bool | None:
    """Return True, False, or None (blank) for an attribute value; raise ValueError otherwise."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value != value:  # NaN
        return None
    text = strip_diacritics(str(value)).strip().lower()
    if text in ("", "nan", "null", "<na>"):
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(value)
