"""Canonical layer schemas and the alias table that maps other spellings to them.

Every input column is matched case-insensitively after removing Vietnamese
diacritics and turning spaces and hyphens into underscores, so ``Mã xã``,
``MA_XA`` and ``ma-xa`` all read as ``ma_xa`` and then map to ``commune_id``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: Layer kinds the toolkit reads.
LAYER_KINDS: tuple[str, ...] = ("villages", "communes", "centres", "sites", "fibre", "postal")


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
    key = normalize_name(column)
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
