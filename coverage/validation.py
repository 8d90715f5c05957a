"""Validation, in one place: of each layer as it is read, and of the layers together.

:func:`validate_layer` checks one layer's features and values and repairs what can be
repaired, reporting all its problems at once; :func:`check_together` checks, in the
run's metric CRS, that the layers belong together (zero-area polygons, points far from
the villages, sites out of reach); :func:`consistency_warnings` lists the cross-layer
findings that do not stop a run; :func:`unused_site_columns` names site columns the
chosen model does not read. ``coverage compute`` and ``coverage check`` call the same
functions, so they report the same things.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod, Transformer

from ._errors import ConfigError, CoverageWarning, Problem, ValidationError
from .layers import Layer, LayerSet
from .projection import bulk_centre
from .schema import SCHEMAS, parse_technology, parse_yes_no
from .settings import TECHNOLOGIES, Settings

_NUMERIC = {
    "sites": ("frequency_mhz", "height_m", "azimuth_deg", "beamwidth_deg", "eirp_dbm", "range_m"),
    "villages": ("population",),
}
_TEXT_ID = ("village_id", "commune_id", "district_id", "site_id", "node_id", "route_id", "point_id")
#: Layers whose id must be unique (sites repeat their id per technology and sector).
_UNIQUE_IDS = ("villages", "communes", "centres", "new_communes")
_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}

#: Points (centres, postal points) farther than this outside the villages' extent
#: are an error: they belong to another area, or their coordinates are wrong.
OUTSIDE_TOLERANCE_M = 20_000.0
#: A village farther than this from the bulk of the villages (their median position) is
#: an error: a coordinate typo or a placeholder such as (0, 0), not part of the study area.
#: All of Vietnam lies within about 1,000 km of its middle.
STRAY_DISTANCE_M = 2_000_000.0
#: A village counts as "in its commune" when at least this share of its area is.
IN_COMMUNE_SHARE = 0.5
#: Two communes overlap when they share more than this share of the smaller one.
OVERLAP_SHARE = 0.01


def row_labels(frame: gpd.GeoDataFrame, kind: str, source: str) -> list[str]:
    """Name each feature for messages: CSV line numbers, else the feature's id."""
    if Path(source.split("::")[0]).suffix.lower() in _CSV_SUFFIXES:
        return [str(i + 2) for i in range(len(frame))]
    id_col = SCHEMAS[kind].id_column
    if id_col in frame.columns:
        return [f"{i + 1} ({id_col}={v})" for i, v in enumerate(frame[id_col].astype(str))]
    return [str(i + 1) for i in range(len(frame))]


def validate_layer(
    frame: gpd.GeoDataFrame,
    kind: str,
    source: str,
    *,
    repairs: dict | None = None,
    settings: Settings | None = None,
    labels: list[str] | None = None,
) -> Layer:
    """Check one layer's features and values; repair what can be; raise all problems at once.

    ``frame`` has canonical columns (:func:`coverage.io.canonical_columns`). Returns the
    :class:`~coverage.layers.Layer` with its message labels and the repairs made
    (``repairs`` holds those made while reading, e.g. a text encoding). ``labels``
    names the rows when some were left out (:func:`row_labels` of the whole file).
    """
    settings = settings or Settings()
    found = Problems(source, labels if labels is not None else row_labels(frame, kind, source))
    repairs = dict(repairs or {})
    _check_geometry(frame, kind, found)
    if not found.problems:
        frame, made_valid = _repair_geometry(frame, kind, source, found.report)
        if made_valid:
            repairs["made_valid"] = made_valid
    _check_ids(frame, kind, found)
    _check_values(frame, kind, found, settings=settings)
    if found.problems:
        raise ValidationError(found.problems)
    return Layer(kind, frame, source, np.asarray(found.labels, dtype=object), repairs)


@dataclass
class Problems:
    """The problems found in one layer, each naming the file, feature and column."""

    source: str
    labels: list[str]
    problems: list[Problem] = field(default_factory=list)

    def report(self, mask: np.ndarray, message: str, column: str | None) -> None:
        """One problem per flagged row, the first three named, the rest counted."""
        idx = np.flatnonzero(mask)
        for pos in idx[:3]:
            self.problems.append(Problem(message, self.source, column, self.labels[pos]))
        if len(idx) > 3:
            self.problems.append(
                Problem(f"{message} ({len(idx) - 3} more rows)", self.source, column)
            )


_GEOMETRY_TYPES = np.array(
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


def _check_geometry(frame: gpd.GeoDataFrame, kind: str, found: Problems) -> None:
    """Missing, empty, wrongly typed and non-finite geometries; coordinates outside the CRS."""
    schema = SCHEMAS[kind]
    geoms = frame.geometry.values
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    found.report(missing, "missing or empty geometry", "geometry")
    types = np.asarray(shapely.get_type_id(geoms))
    type_names = np.where(types >= 0, _GEOMETRY_TYPES[np.clip(types, 0, 7)], "")
    wrong = ~missing & ~np.isin(type_names, schema.geometry_types)
    found.report(
        wrong,
        f"geometry type not allowed for {kind} (allowed: {', '.join(schema.geometry_types)})",
        "geometry",
    )
    xy, owner = shapely.get_coordinates(geoms, return_index=True)
    finite = np.isfinite(xy).all(axis=1)
    if not finite.all():
        bad = np.zeros(len(frame), bool)
        bad[np.unique(owner[~finite])] = True
        found.report(bad, "non-finite coordinate (NaN or infinity)", "geometry")
    _check_crs_range(frame, xy[finite], owner[finite], found.source, found.labels, found.problems)


def _check_ids(frame: gpd.GeoDataFrame, kind: str, found: Problems) -> None:
    """Ids as text; blank ids, and duplicates where each feature must appear once."""
    schema = SCHEMAS[kind]
    for col in _TEXT_ID:
        if col in frame.columns:
            frame[col] = frame[col].map(id_text)
    if schema.id_column in frame.columns and schema.id_column in schema.required:
        ids = frame[schema.id_column]
        found.report(ids.isna().to_numpy(), "blank id", schema.id_column)
        if kind in _UNIQUE_IDS:
            dup = (ids.duplicated(keep="first") & ids.notna()).to_numpy()
            found.report(
                dup,
                f"duplicate {schema.id_column} (each {kind[:-1]} must appear once)",
                schema.id_column,
            )


def _check_values(
    frame: gpd.GeoDataFrame, kind: str, found: Problems, *, settings: Settings
) -> None:
    """Numbers, populations, site values and yes/no attributes."""
    source, labels, problems = found.source, found.labels, found.problems
    for col in _NUMERIC.get(kind, ()):
        if col in frame.columns:
            frame[col] = to_float(frame[col], source, col, labels, problems)
    if kind == "villages" and "population" in frame.columns:
        pop = frame["population"].to_numpy(dtype=float)
        found.report(pop < 0, "negative population", "population")
        with np.errstate(invalid="ignore"):
            fractional = np.isfinite(pop) & (pop != np.round(pop))
        found.report(
            fractional,
            "population is not a whole number (a thousands separator such as 1.234 read as "
            "a decimal point?); write plain digits",
            "population",
        )
        limit = settings.max_village_population
        found.report(
            np.isfinite(pop) & (pop > limit),
            f"population above the plausible limit of {limit:,.0f} for one village "
            "([limits] max_village_population): a misplaced value or a province total?",
            "population",
        )
        total = float(np.nansum(pop[np.isfinite(pop) & (pop >= 0)]))
        if total > settings.max_total_population and not found.problems:
            found.problems.append(
                Problem(
                    f"the villages total {total:,.0f} people, above the plausible limit of "
                    f"{settings.max_total_population:,.0f} ([limits] max_total_population); "
                    "check the population column's unit",
                    source,
                    "population",
                )
            )
    if kind == "sites":
        _validate_sites(frame, source, labels, problems, found.report, settings=settings)
    for col in ("fibre", "broadband"):
        if col in frame.columns:
            frame[col] = to_yes_no(frame[col], source, col, labels, problems)


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


def _repair_geometry(frame, kind: str, source: str, report) -> tuple[gpd.GeoDataFrame, int]:
    """Make invalid polygons valid (with a warning), reject zero-area ones; return the count."""
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
    return frame, int(invalid.sum())


def id_text(value: object) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _blank(value: object) -> bool:
    """None, NaN or pandas' NA: an empty cell, whatever the column's type made of it."""
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def to_float(
    series: pd.Series, source: str, column: str, labels: list[str], problems: list[Problem]
) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series):
        return series.astype(float)
    text = series.astype(object).map(lambda v: None if _blank(v) else str(v).strip() or None)
    values = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    bad = np.flatnonzero((values.isna() & text.notna()).to_numpy())
    for pos in bad[:3]:
        problems.append(Problem(f"not a number: {series.iloc[pos]!r}", source, column, labels[pos]))
    if len(bad) > 3:
        problems.append(Problem(f"{len(bad) - 3} more non-numeric values", source, column))
    return values.astype(float)


def to_yes_no(
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


def _validate_sites(frame, source, labels, problems, report, *, settings: Settings) -> None:
    tech = frame["technology"].map(lambda v: parse_technology(v) if v is not None else None)
    report(
        tech.isna().to_numpy(),
        f"unknown technology (expected one of {', '.join(TECHNOLOGIES)}, or GSM/UMTS/LTE/NR)",
        "technology",
    )
    frame["technology"] = tech
    checks = {
        "height_m": (
            lambda v: (v < 0) | (v > settings.max_height_m),
            f"antenna height must be 0-{settings.max_height_m:g} m ([limits] max_height_m)",
        ),
        "beamwidth_deg": (lambda v: (v <= 0) | (v > 360), "beamwidth must be in (0, 360] degrees"),
        "range_m": (
            lambda v: v < settings.min_range_m,
            f"range must be at least {settings.min_range_m:g} m (metres; a thousands "
            "separator such as 2.000 read as a decimal point? [limits] min_range_m; for "
            "OpenCelliD's estimates, [sites] use_opencellid_range = false)",
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
    if "range_m" in frame.columns:
        radius = frame["range_m"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            capped = radius > settings.max_range_m
        if capped.any():
            warnings.warn(
                f"{source}: {int(capped.sum())} site row(s) have a range above "
                f"{settings.max_range_m:,.0f} m; capped to it",
                CoverageWarning,
                stacklevel=2,
            )
            frame["range_m"] = np.where(capped, settings.max_range_m, radius)
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


# --- the layers together, in the run's metric CRS ------------------------------------


@dataclass(frozen=True)
class Projected(LayerSet):
    """The layers of a run in one metric CRS, after :func:`check_together`."""

    crs: CRS = field(kw_only=True)
    #: Site rows dropped for lying beyond the reach of every village.
    sites_out_of_reach: int = field(default=0, kw_only=True)


def _zero_area(layer: Layer, problems: list[Problem]) -> None:
    """Zero-area polygons, measured where it matters: a sliver in degrees may be flat in metres."""
    geoms = layer.frame.geometry.to_numpy()
    flat = np.isin(shapely.get_type_id(geoms), [3, 6]) & (shapely.area(geoms) < 1.0)
    if flat.any():
        first = int(np.flatnonzero(flat)[0])
        problems.append(
            Problem(
                f"{int(flat.sum())} polygon(s) have (almost) zero area in metres "
                "(< 1 m2); fix or remove them",
                layer.source,
                "geometry",
                layer.label(first),
            )
        )


def check_together(layers: LayerSet, crs: CRS, *, settings: Settings) -> Projected:
    """Check that layers already in the metric ``crs`` belong together.

    Points of other layers far outside the villages' extent are an error (with a hint
    when swapping lon/lat would fix them), as is a fibre or site layer entirely out of
    reach; site rows beyond the reach of every village (farther than the maximum range)
    are dropped with a warning, fibre far away is dropped silently.
    """
    villages, sites = layers.villages, layers.sites
    xmin, ymin, xmax, ymax = villages.frame.total_bounds
    study = shapely.box(xmin, ymin, xmax, ymax)

    def outside(layer: Layer, margin: float) -> np.ndarray:
        # points the projection cannot place (infinite coordinates) are outside too
        with np.errstate(invalid="ignore"):
            return ~shapely.dwithin(layer.frame.geometry.to_numpy(), study, margin)

    problems: list[Problem] = []
    for name in ("villages", "communes"):
        layer = getattr(layers, name)
        if layer is not None:
            _zero_area(layer, problems)
    for name in ("communes", "centres", "postal"):
        layer = getattr(layers, name)
        if layer is not None:
            far = outside(layer, OUTSIDE_TOLERANCE_M)
            if far.any():
                problems.append(_far_problem(layer, far, crs, study, name))
    fibre = layers.fibre
    if fibre is not None:
        far = outside(fibre, settings.fibre_distance_m + OUTSIDE_TOLERANCE_M)
        if far.all():
            problems.append(_far_problem(fibre, far, crs, study, "fibre"))
        fibre = fibre.subset(~far)
    far = outside(sites, settings.max_range_m)
    if far.all():
        problems.append(_far_problem(sites, far, crs, study, "sites"))
    if problems:
        raise ValidationError(problems)
    ignored = int(far.sum()) + sites.dropped
    if ignored:
        warnings.warn(
            f"{ignored:,} of {len(far) + sites.dropped:,} site row(s) of {sites.source} lie "
            f"more than {settings.max_range_m / 1000:g} km from every village and are ignored",
            CoverageWarning,
            stacklevel=2,
        )
        sites = sites.subset(~far)
    return Projected(
        villages=villages,
        sites=sites,
        communes=layers.communes,
        centres=layers.centres,
        postal=layers.postal,
        fibre=fibre,
        new_communes=layers.new_communes,
        crosswalk=layers.crosswalk,
        crs=crs,
        sites_out_of_reach=ignored,
    )


def near_villages(
    villages: Layer, *, settings: Settings
) -> Callable[[gpd.GeoDataFrame], np.ndarray]:
    """A row filter for a site layer: the rows that may reach a village.

    Rows farther outside the villages' extent than the maximum range (with a wide
    margin: :func:`check_together` draws the exact line later) are left out before
    their values are judged, so a national file is not refused for rows at the other
    end of the country. Rows without a usable position are kept, to be named; when
    every row would go, all are kept, for :func:`check_together` to explain.
    """
    frame = villages.frame
    to_degrees = Transformer.from_crs(frame.crs, 4326, always_xy=True)
    xmin, ymin, xmax, ymax = (float(v) for v in frame.total_bounds)
    with np.errstate(invalid="ignore"):
        lon0, lat0, lon1, lat1 = to_degrees.transform_bounds(xmin, ymin, xmax, ymax, densify_pts=21)
    margin_m = 1.5 * settings.max_range_m + OUTSIDE_TOLERANCE_M
    dlat = margin_m / 110_574.0
    coslat = np.cos(np.radians(min(max(abs(lat0), abs(lat1)) + dlat, 89.0)))
    dlon = margin_m / (111_320.0 * coslat)

    def keep(sites: gpd.GeoDataFrame) -> np.ndarray:
        geoms = sites.geometry
        if sites.crs is not None and not sites.crs.equals(4326):
            with np.errstate(invalid="ignore"):
                geoms = geoms.to_crs(4326)
        with np.errstate(invalid="ignore"):
            x = shapely.get_x(geoms.to_numpy())
            y = shapely.get_y(geoms.to_numpy())
            placed = np.isfinite(x) & np.isfinite(y)
            far = placed & (
                (x < lon0 - dlon) | (x > lon1 + dlon) | (y < lat0 - dlat) | (y > lat1 + dlat)
            )
        return ~far if not far.all() else np.ones(len(sites), dtype=bool)

    return keep


def _far_problem(layer: Layer, far: np.ndarray, crs: CRS, study, name: str) -> Problem:
    first = int(np.flatnonzero(far)[0])
    hint = "check its CRS"
    geo = layer.frame.to_crs(4326)
    swapped = shapely.transform(geo.geometry.to_numpy(), lambda xy: xy[:, ::-1])
    try:
        swapped_m = gpd.GeoSeries(swapped, crs=4326).to_crs(crs).to_numpy()
        if (shapely.dwithin(swapped_m, study, OUTSIDE_TOLERANCE_M)).mean() > 0.5:
            hint = "lon and lat appear to be swapped"
    except Exception:  # swapped values may be out of range for the projection
        pass
    column = "lon/lat" if str(layer.source).lower().endswith((".csv", ".txt")) else "geometry"
    return Problem(
        f"{int(far.sum())} of {len(far)} {name} lie far outside the villages' extent: {hint}",
        layer.source,
        column,
        layer.label(first),
    )


def consistency_warnings(villages: Layer, communes: Layer | None) -> list[str]:
    """Cross-layer findings that do not stop a run: overlapping communes, villages
    lying mostly outside the commune their ``commune_id`` names."""
    if communes is None:
        return []
    return [*overlapping_communes(communes), *villages_outside_their_commune(villages, communes)]


def overlapping_communes(communes: Layer) -> list[str]:
    """Pairs of communes sharing more than 1 % of the smaller one's area."""
    geoms = communes.frame.geometry.to_numpy()
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    if len(a) == 0:
        return []
    shared = shapely.area(shapely.intersection(geoms[a], geoms[b]))
    smaller = np.minimum(shapely.area(geoms[a]), shapely.area(geoms[b]))
    bad = shared > OVERLAP_SHARE * smaller
    if not bad.any():
        return []
    ids = communes.frame["commune_id"].to_numpy()
    first = np.flatnonzero(bad)[0]
    return [
        f"{communes.source}: {int(bad.sum())} pair(s) of communes "
        f"overlap (first: {ids[a[first]]} and {ids[b[first]]}, "
        f"{shared[first] / smaller[first]:.0%} of the smaller): villages may be counted in "
        "the wrong commune"
    ]


def villages_outside_their_commune(villages: Layer, communes: Layer) -> list[str]:
    """Villages whose polygon lies mostly outside the commune their commune_id names."""
    frame = villages.frame
    if "commune_id" not in frame.columns:
        return []
    lookup = communes.frame.drop_duplicates("commune_id").set_index("commune_id").geometry
    known = frame["commune_id"].isin(lookup.index).to_numpy()
    polys = np.isin(shapely.get_type_id(frame.geometry.to_numpy()), [3, 6])
    pick = known & polys
    if not pick.any():
        return []
    v = frame.geometry.to_numpy()[pick]
    c = lookup.loc[frame["commune_id"].to_numpy()[pick]].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = shapely.area(shapely.intersection(v, c)) / shapely.area(v)
    bad = share < IN_COMMUNE_SHARE
    if not bad.any():
        return []
    ids = frame["village_id"].to_numpy()[pick][bad]
    return [
        f"{villages.source}: {int(bad.sum())} village(s) lie mostly "
        f"outside the commune their commune_id names (first: {ids[0]}, "
        f"{share[bad][0]:.0%} inside): check commune_id or the geometry"
    ]


def given_site_columns(sites: Layer) -> dict[str, int]:
    """Optional site columns the user gave, with how many rows give a value."""
    optional = set(SCHEMAS["sites"].optional) | {"tilt_deg"}
    frame = sites.frame
    counts = {c: int(frame[c].notna().sum()) for c in optional if c in frame.columns}
    return {c: n for c, n in counts.items() if n}


#: Site columns that change the prediction of some model, with the option that uses them.
MODEL_COLUMNS: dict[str, str] = {
    "range_m": "--model range",
    "height_m": "--model hata, terrain or itm",
    "eirp_dbm": "--model hata, terrain or itm",
    "tilt_deg": "--model hata, terrain or itm",
}


def unused_site_columns(sites: Layer, model_name: str, uses: frozenset[str]) -> list[str]:
    """One warning naming the site columns the user gave that the chosen model ignores.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> frame = gpd.GeoDataFrame({"range_m": [900.0]}, geometry=[shapely.Point(0, 0)])
    >>> layer = Layer("sites", frame, "bts.csv", np.array(["2"]))
    >>> unused_site_columns(layer, "hata", frozenset({"eirp_dbm"}))
    ["bts.csv: column 'range_m' (--model range would use it) is not used by the hata model"]
    """
    given = given_site_columns(sites)
    unused = sorted((set(given) & set(MODEL_COLUMNS)) - set(uses))
    if not unused:
        return []
    by_option: dict[str, list[str]] = {}
    for col in unused:
        rows = "" if given[col] == len(sites) else f" on {given[col]:,} of {len(sites):,} rows"
        by_option.setdefault(MODEL_COLUMNS[col], []).append(f"'{col}'{rows}")
    parts = []
    for option, cols in by_option.items():
        them = "it" if len(cols) == 1 else "them"
        parts.append(f"{', '.join(cols)} ({option} would use {them})")
    noun = "column" if len(unused) == 1 else "columns"
    verb = "is" if len(unused) == 1 else "are"
    return [f"{sites.source}: {noun} {'; '.join(parts)} {verb} not used by the {model_name} model"]


def check_rule(villages: gpd.GeoDataFrame, *, settings: Settings, source: str) -> None:
    """Refuse a rule the villages cannot support; warn where it falls back.

    The population rule needs a population for every village (an error); with the area
    or population rule, point villages are judged by whether the point is covered.
    """
    rule = settings.rule
    if rule == "population" and (
        "population" not in villages.columns or villages["population"].isna().any()
    ):
        raise ConfigError(
            "the population rule needs a population for every village "
            f"({source}, column 'population')"
        )
    points = int((shapely.get_type_id(villages.geometry.to_numpy()) == 0).sum())
    if points and rule in ("area", "population"):
        warnings.warn(
            f"{source}: {points} village(s) are points, not polygons: for them the {rule} "
            "rule uses whether the point is covered",
            CoverageWarning,
            stacklevel=2,
        )


def stray_villages(villages: Layer) -> None:
    """Refuse villages thousands of kilometres from the bulk of the others, naming them."""
    frame = villages.frame
    lon, lat = bulk_centre(frame)
    points = gpd.GeoSeries(shapely.point_on_surface(frame.geometry.to_numpy()), crs=frame.crs)
    xy = shapely.get_coordinates(points.to_crs(4326).to_numpy())
    _, _, dist = Geod(ellps="WGS84").inv(
        np.full(len(xy), lon), np.full(len(xy), lat), xy[:, 0], xy[:, 1]
    )
    far = np.flatnonzero(dist > STRAY_DISTANCE_M)
    problems = [
        Problem(
            f"lies {dist[i] / 1000:,.0f} km from the other villages (their median position "
            f"is {lon:.4f}, {lat:.4f}, lon/lat): check its coordinates",
            villages.source,
            "geometry",
            villages.label(i),
        )
        for i in far[:3]
    ]
    if len(far) > 3:
        problems.append(
            Problem(f"{len(far) - 3} more villages lie that far away", villages.source, "geometry")
        )
    if problems:
        raise ValidationError(problems)
