"""Reading Google Earth files (``.kml``, ``.kmz``) as input layers.

A Google Earth export puts its placemarks in folders (one OGR layer each, nested
folders flattened by GDAL's LIBKML driver), the attributes in ``ExtendedData``
(``<Data name=..><value>``, or ``<SchemaData>``) and the label in ``<name>``. Without
``FILE::LAYER``, :func:`read_kml` reads every folder whose placemarks suit the layer
kind and stacks them. KML styling (description HTML, time stamps, ``altitudeMode``,
``tessellate``, icons...) is left out so that it is never taken for data.
"""

from __future__ import annotations

import logging
import os
import unicodedata
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from ._errors import CoverageWarning, InputError, first_line
from .schema import SCHEMAS

log = logging.getLogger(__name__)

#: KML's own placemark fields, which LIBKML reads as columns; renamed while reading
#: (``LIBKML_<X>_FIELD``) so an ExtendedData field of the same name keeps its name.
_KML_FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "description",
    "snippet",
    "timestamp",
    "begin",
    "end",
    "altitudeMode",
    "tessellate",
    "extrude",
    "visibility",
    "drawOrder",
    "icon",
)
_PREFIX = "kml__"

#: Geometry families (shapely type ids) and, per kind, those it takes in order of preference.
_FAMILIES: dict[str, tuple[int, ...]] = {"polygon": (3, 6), "line": (1, 2, 5), "point": (0, 4)}
_KIND_FAMILIES: dict[str, tuple[str, ...]] = {
    "villages": ("polygon", "point"),
    "communes": ("polygon",),
    "centres": ("point",),
    "sites": ("point",),
    "fibre": ("line", "point"),
    "postal": ("point",),
}


def read_kml(path: Path, layer: str | None, kind: str) -> gpd.GeoDataFrame:
    """Read a ``.kml`` or ``.kmz`` file as a layer of ``kind``.

    Parameters
    ----------
    path
        The KML file, or a KMZ (a zip whose main KML, ``doc.kml`` or its first
        ``.kml``, is read).
    layer
        The folder to read (``FILE::LAYER``); ``None``: every folder whose placemarks
        have a geometry ``kind`` takes, stacked, with a ``folder`` column naming each
        feature's folder.
    kind
        One of :data:`coverage.schema.LAYER_KINDS`.

    Returns
    -------
    geopandas.GeoDataFrame
        The ExtendedData fields as columns (text, blank where a placemark lacks the
        field, as in a CSV file), the placemark's ``<name>`` as ``name`` (filling the
        blanks of an ExtendedData ``name`` field), 2D geometry in EPSG:4326.
        Placemarks whose geometry ``kind`` cannot take are left out, with a warning.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> kml = pathlib.Path(tempfile.mkdtemp()) / "tram.kml"
    >>> _ = kml.write_text('''<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
    ... <Placemark><name>Trạm Đồng Hới</name><ExtendedData><Data name="site_id">
    ... <value>QB001</value></Data></ExtendedData>
    ... <Point><coordinates>106.6,17.47,0</coordinates></Point></Placemark>
    ... </Document></kml>''', encoding="utf-8")
    >>> frame = read_kml(kml, None, "sites")
    >>> frame[["site_id", "name"]].values.tolist(), frame.geometry[0].wkt
    ([['QB001', 'Trạm Đồng Hới']], 'POINT (106.6 17.47)')
    """
    if kind not in _KIND_FAMILIES:
        raise ValueError(f"kind must be one of {', '.join(_KIND_FAMILIES)}; got {kind!r}")
    source = _dataset(path)
    with _kml_field_names():
        names = _layer_names(source, path)
        chosen = [_folder_named(layer, names, path)] if layer is not None else names
        frames = [_read_folder(source, name, path) for name in chosen]
    return _stack(frames, chosen, kind, path, several=layer is None and len(names) > 1)


# ---------------------------------------------------------------- steps


def _dataset(path: Path) -> str:
    """The GDAL dataset name: the file, or for a KMZ its main KML inside the zip.

    LIBKML reading a ``.kmz`` itself drops ``<SchemaData>`` attributes; the KML inside,
    read through ``/vsizip/``, keeps them.
    """
    if path.suffix.lower() != ".kmz":
        return str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = [n for n in archive.namelist() if n.lower().endswith(".kml")]
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"cannot read as KMZ (not a zip archive: {exc})", path=str(path)) from None
    if not members:
        raise InputError("cannot read as KMZ: the archive holds no .kml file", path=str(path))
    main = "doc.kml" if "doc.kml" in members else members[0]
    return f"/vsizip/{{{os.path.abspath(path)}}}/{main}"


@contextmanager
def _kml_field_names() -> Iterator[None]:
    """Have LIBKML name KML's own fields ``kml__name``..., restoring the settings after."""
    keys = {f"LIBKML_{f.upper()}_FIELD": f"{_PREFIX}{f.lower()}" for f in _KML_FIELDS}
    before = {k: pyogrio.get_gdal_config_option(k) for k in keys}
    pyogrio.set_gdal_config_options(keys)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(before)


def _layer_names(source: str, path: Path) -> list[str]:
    try:
        names = [str(n) for n in pyogrio.list_layers(source)[:, 0]]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(f"cannot read as KML ({first_line(exc)})", path=str(path)) from None
    if not names:
        raise InputError("holds no placemarks (no folder, no layer)", path=str(path))
    return names


def _folder_named(layer: str, names: list[str], path: Path) -> str:
    """The folder named ``layer``, also when typed in another case or Unicode form."""
    if layer in names:
        return layer

    def key(name: str) -> str:
        return unicodedata.normalize("NFC", name).strip().casefold()

    for name in names:
        if key(name) == key(layer):
            return name
    raise InputError(f"has no folder (layer) {layer!r}; it has: {', '.join(names)}", path=str(path))


def _read_folder(source: str, name: str, path: Path) -> gpd.GeoDataFrame:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return pyogrio.read_dataframe(source, layer=name)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(
            f"cannot read folder {name!r} as KML ({first_line(exc)})", path=str(path)
        ) from None


def _stack(
    frames: list[gpd.GeoDataFrame], names: list[str], kind: str, path: Path, *, several: bool
) -> gpd.GeoDataFrame:
    """Keep the placemarks ``kind`` takes, stack the folders, tidy the columns."""
    kept: list[gpd.GeoDataFrame] = []
    left_out: dict[str, int] = {}
    found: set[str] = set()
    for name, frame in zip(names, frames, strict=True):
        geoms = _suited(frame.geometry.to_numpy(), kind)
        found.update(str(t) for t in frame.geometry.dropna().geom_type.unique())
        ok = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
        if (~ok).any() and ok.any():
            left_out[name] = int((~ok).sum())
        if not ok.any():
            if len(frame):
                log.info("%s: folder %r has no %s geometry; not read", path, name, kind)
            continue
        part = _tidy(pd.DataFrame(frame.drop(columns=frame.geometry.name)[ok]))
        if several:
            part.insert(0, "folder", name)
        kept.append(gpd.GeoDataFrame(part, geometry=geoms[ok], crs=4326))
    if not kept:
        wanted = " or ".join(SCHEMAS[kind].geometry_types)
        has = ", ".join(sorted(found)) or "no geometry"
        raise InputError(
            f"no placemark with a {wanted} geometry for {kind} (found: {has})", path=str(path)
        )
    if left_out:
        where = ", ".join(f"{n} in {name!r}" for name, n in left_out.items())
        warnings.warn(
            f"{path}: placemarks whose geometry {kind} cannot take were left out ({where})",
            CoverageWarning,
            stacklevel=3,
        )
    if several:
        log.info("%s: %d folders stacked as %s", path, len(kept), kind)
    frame = pd.concat(kept, ignore_index=True)
    for col in frame.columns:  # ExtendedData is text: blank where a placemark lacks it,
        if col != "geometry" and pd.api.types.is_string_dtype(frame[col]):  # as in a CSV
            frame[col] = frame[col].astype(object).fillna("")
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)


def _suited(geoms: np.ndarray, kind: str) -> np.ndarray:
    """2D geometries of the family ``kind`` prefers; ``None`` where it has none.

    A ``MultiGeometry`` (GeometryCollection) keeps its parts of that family: Google Earth
    exports often pair a label point with each polygon.
    """
    geoms = shapely.force_2d(geoms)
    types = shapely.get_type_id(geoms)
    out = np.full(len(geoms), None, dtype=object)
    filled = np.zeros(len(geoms), dtype=bool)
    collections = np.flatnonzero(types == 7)
    parts, index = shapely.get_parts(geoms[collections], return_index=True)
    part_types = shapely.get_type_id(parts)
    for family in _KIND_FAMILIES[kind]:
        codes = _FAMILIES[family]
        plain = np.isin(types, codes) & ~filled
        out[plain] = geoms[plain]
        filled |= plain
        mine = np.isin(part_types, codes) & ~filled[collections[index]]
        if mine.any():
            rows = np.unique(collections[index[mine]])
            out[rows] = _gather(parts[mine], index[mine], family)
            filled[rows] = True
    return out


def _gather(parts: np.ndarray, index: np.ndarray, family: str) -> np.ndarray:
    """One geometry per collection from its parts of one family."""
    _, index = np.unique(index, return_inverse=True)
    counts = np.bincount(index)
    if family == "polygon":
        polygons = shapely.get_parts(parts, return_index=True)
        merged = shapely.multipolygons(polygons[0], indices=index[polygons[1]])
    elif family == "line":
        lines = shapely.get_parts(parts, return_index=True)
        merged = shapely.multilinestrings(lines[0], indices=index[lines[1]])
    else:
        points = shapely.get_parts(parts, return_index=True)
        merged = shapely.multipoints(points[0], indices=index[points[1]])
    single = counts == 1  # a collection with one part keeps that part as it is
    merged[single] = parts[np.searchsorted(index, np.flatnonzero(single))]
    return merged


def _tidy(table: pd.DataFrame) -> pd.DataFrame:
    """Drop KML's own fields; the placemark's name is ``name``, or fills its blanks
    where an ExtendedData ``name`` field is there."""
    own = [c for c in table.columns if str(c).startswith(_PREFIX)]
    out = table.drop(columns=own)
    placemark = table.get(f"{_PREFIX}name")
    if placemark is None:
        return out
    field = next((c for c in out.columns if str(c).lower() == "name"), None)
    if field is None:
        out.insert(0, "name", placemark.to_numpy())
    else:
        blank = out[field].isna() | (out[field].astype(str).str.strip() == "")
        out[field] = out[field].where(~blank, placemark)
    return out
