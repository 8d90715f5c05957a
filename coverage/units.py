"""Report on the units of today: the communes of 2025 beside the ones the data carries.

On 2025-07-01 Vietnam merged provinces and communes and abolished districts; village
layers, site lists and statistics still carry the old commune codes. Given the new units'
polygons (``--new-communes``) and/or a crosswalk (``--crosswalk``: ``old_commune_id,
new_commune_id`` with optional ``weight``, ``new_name``, ``new_province``), each village,
commune centre and postal point gets exactly one new unit, in this order:

1. the new polygon containing the feature (a village's representative point,
   ``shapely.point_on_surface``);
2. else the crosswalk row of its old commune;
3. for an old commune split between new units, the unit with the largest ``weight``
   (ties: the first row), with a warning naming the old commune.

A feature is never counted twice or dropped: one left without a unit is refused, so the
totals over new units equal the totals over old units.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._errors import CoverageWarning, InputError, Problem, ValidationError
from .layers import Layer
from .validation import Problems, Projected, id_text, to_float

#: Weights of an old commune's rows must sum to 1 within this.
WEIGHT_TOLERANCE = 1e-3
#: New polygons may share edges; an overlap above this share of the smaller one's area is
#: refused (slivers from digitising are tolerated).
OVERLAP_SHARE = 1e-4

#: The columns of ``by_new_commune`` (JSON, ``new_communes.csv``), in order.
COLUMNS = (
    "commune_id",
    "name",
    "province",
    "villages",
    "villages_covered",
    "coverage_share",
    "population",
    "population_covered",
    "centres",
    "centres_fibre",
    "postal_points",
    "postal_points_broadband",
)


@dataclass(frozen=True)
class NewUnits:
    """The units of today as given: polygons (in the run's CRS) and/or a crosswalk."""

    polygons: Layer | None
    crosswalk: Layer | None

    @property
    def given(self) -> bool:
        return self.polygons is not None or self.crosswalk is not None


def check_crosswalk(crosswalk: Layer, old_ids: set[str]) -> Layer:
    """Refuse unknown old codes, blank codes, duplicate rows and weights not summing to 1;
    return the crosswalk with its codes as text (as the villages' are) and weights as numbers.

    ``old_ids`` are the old communes the run knows (the communes layer's, or the villages'
    ``commune_id`` values).
    """
    frame = crosswalk.frame.copy()
    found = Problems(crosswalk.source, [str(lab) for lab in crosswalk.labels])
    old = frame["old_commune_id"] = frame["old_commune_id"].map(id_text)
    new = frame["new_commune_id"] = frame["new_commune_id"].map(id_text)
    found.report(old.isna().to_numpy(), "blank old_commune_id", "old_commune_id")
    found.report(new.isna().to_numpy(), "blank new_commune_id", "new_commune_id")
    unknown = (old.notna() & ~old.isin(old_ids)).to_numpy()
    for i in np.flatnonzero(unknown)[:3]:
        found.problems.append(
            Problem(
                f"old commune {old.iloc[i]!r} is not a commune of the villages or communes layer",
                found.source,
                "old_commune_id",
                found.labels[i],
            )
        )
    if unknown.sum() > 3:
        found.problems.append(
            Problem(f"{unknown.sum() - 3} more unknown old communes", found.source)
        )
    pair = pd.Series(list(zip(old, new, strict=True)), index=frame.index)
    found.report(
        (pair.duplicated() & old.notna() & new.notna()).to_numpy(),
        "duplicate row (the same old and new commune again)",
        "new_commune_id",
    )
    if "weight" in frame.columns:
        weight = frame["weight"] = to_float(
            frame["weight"], found.source, "weight", found.labels, found.problems
        )
        found.report(((weight < 0) | (weight > 1)).to_numpy(), "weight outside 0-1", "weight")
        totals = weight.groupby(old).sum(min_count=1).dropna()
        for code in totals.index[(totals - 1.0).abs() > WEIGHT_TOLERANCE]:
            found.report(
                (old == code).to_numpy() & (np.cumsum((old == code).to_numpy()) == 1),
                f"the weights of old commune {code!r} sum to {totals[code]:g}, not 1",
                "weight",
            )
    if found.problems:
        raise ValidationError(found.problems)
    return crosswalk.with_frame(frame)


def check_polygons(polygons: Layer) -> None:
    """Refuse new communes that overlap (beyond digitising slivers)."""
    geoms = polygons.frame.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    if len(a) == 0:
        return
    inter = shapely.area(shapely.intersection(geoms[a], geoms[b]))
    smaller = np.minimum(shapely.area(geoms[a]), shapely.area(geoms[b]))
    bad = inter > OVERLAP_SHARE * smaller
    problems = []
    ids = polygons.frame["commune_id"].to_numpy()
    for i, j, area in zip(a[bad][:3], b[bad][:3], inter[bad][:3], strict=True):
        problems.append(
            Problem(
                f"new communes {ids[i]!r} and {ids[j]!r} overlap ({area / 1e4:,.2f} ha); "
                "each place must belong to one new commune",
                polygons.source,
                "geometry",
                str(polygons.labels[i]),
            )
        )
    if problems:
        raise ValidationError(problems)


def _crosswalk_choice(crosswalk: Layer) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Old commune -> its one new unit (largest weight; ties: the first row), and the split
    ones -> all their units (a crosswalk checked by :func:`check_crosswalk`)."""
    frame = pd.DataFrame(crosswalk.frame[["old_commune_id", "new_commune_id"]])
    frame["weight"] = (
        crosswalk.frame["weight"].fillna(0.0) if "weight" in crosswalk.frame.columns else 0.0
    )
    ranked = frame.sort_values(["old_commune_id", "weight"], ascending=[True, False], kind="stable")
    choice = ranked.drop_duplicates("old_commune_id").set_index("old_commune_id")
    units = frame.groupby("old_commune_id", sort=False)["new_commune_id"].agg(list)
    split = units[units.map(len) > 1]
    return choice["new_commune_id"].to_dict(), split.to_dict()


def assign(
    points: np.ndarray,
    old_commune: np.ndarray,
    units: NewUnits,
    *,
    what: str,
    labels: np.ndarray,
    source: str,
) -> np.ndarray:
    """The new unit of each feature (see the module docstring); ``points`` are shapely
    points in the run's CRS, ``old_commune`` the features' old codes (None: unknown)."""
    out = np.full(len(points), None, dtype=object)
    if units.polygons is not None and len(points):
        frame = units.polygons.frame
        tree = shapely.STRtree(frame.geometry.to_numpy())
        p, g = tree.query(points, predicate="intersects")  # a point on a border: the first
        ids = frame["commune_id"].to_numpy()
        first = np.unique(p, return_index=True)[1]
        out[p[first]] = ids[g[first]]
    todo = np.flatnonzero(pd.isna(out))
    if units.crosswalk is not None and len(todo):
        choice, split = _crosswalk_choice(units.crosswalk)
        old = np.array([id_text(v) for v in old_commune[todo]], dtype=object)
        out[todo] = [choice.get(o) if o is not None else None for o in old]
        used_split = sorted({o for o in old if o in split})
        for o in used_split:
            warnings.warn(
                f"{units.crosswalk.source}: old commune {o!r} is split between new communes "
                f"{', '.join(split[o])}; its {what} without a new polygon go to "
                f"{choice[o]} (the largest weight)",
                CoverageWarning,
                stacklevel=3,
            )
    missing = np.flatnonzero(pd.isna(out))
    if len(missing):
        i = int(missing[0])
        how = []
        if units.polygons is not None:
            how.append("lies in no new commune polygon")
        if units.crosswalk is not None:
            how.append(f"its commune {id_text(old_commune[i])!r} is not in the crosswalk")
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise InputError(
            f"{what[:-1] if what.endswith('s') else what} has no new commune: "
            f"{' and '.join(how)}{more}",
            path=source,
            row=str(labels[i]),
        )
    return out


def apply(
    projected: Projected,
    villages: gpd.GeoDataFrame,
    centres: gpd.GeoDataFrame | None,
    postal: gpd.GeoDataFrame | None,
    units: NewUnits,
    centres_source: str,
    postal_source: str,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None, gpd.GeoDataFrame | None, NewUnits]:
    """Check the new units and give every village, centre and postal point its new
    commune (``new_commune_id``); the units come back with the crosswalk checked."""
    if units.crosswalk is not None:
        old_ids = (
            {str(v) for v in villages["commune_id"].dropna()}
            if ("commune_id" in villages.columns)
            else set()
        )
        if projected.communes is not None:
            old_ids |= {str(v) for v in projected.communes.frame["commune_id"].dropna()}
        units = NewUnits(units.polygons, check_crosswalk(units.crosswalk, old_ids))
    if units.polygons is not None:
        check_polygons(units.polygons)

    def old_of(frame: gpd.GeoDataFrame) -> np.ndarray:
        if "commune_id" in frame.columns:
            return frame["commune_id"].to_numpy(dtype=object)
        return np.full(len(frame), None, dtype=object)

    villages = villages.copy()
    villages["new_commune_id"] = assign(
        shapely.point_on_surface(villages.geometry.to_numpy()),
        old_of(villages),
        units,
        what="villages",
        labels=projected.villages.labels,
        source=projected.villages.source,
    )
    out = []
    for frame, source, what in (
        (centres, centres_source, "centres"),
        (postal, postal_source, "postal points"),
    ):
        if frame is not None:
            frame = frame.copy()
            frame["new_commune_id"] = assign(
                frame.geometry.to_numpy(),
                old_of(frame),
                units,
                what=what,
                labels=np.array([str(i + 1) for i in range(len(frame))], dtype=object),
                source=source,
            )
        out.append(frame)
    return villages, out[0], out[1], units


def names(units: NewUnits) -> pd.DataFrame:
    """Name and province of each new unit: the polygons' where given, else the crosswalk's
    (its first row that names them)."""
    table = pd.DataFrame(columns=["name", "province"], index=pd.Index([], name="commune_id"))
    if units.crosswalk is not None:
        f = units.crosswalk.frame
        named = pd.DataFrame(
            {
                "commune_id": f["new_commune_id"],
                "name": f["new_name"] if "new_name" in f.columns else None,
                "province": f["new_province"] if "new_province" in f.columns else None,
            }
        )
        table = named.groupby("commune_id", sort=False).first()
    if units.polygons is not None:
        f = units.polygons.frame
        own = pd.DataFrame(f.drop(columns="geometry")).set_index("commune_id")
        own = own.reindex(columns=["name", "province"])
        table = own.combine_first(table) if len(table) else own
    return table[["name", "province"]]


def summary(
    villages: gpd.GeoDataFrame,
    centres: gpd.GeoDataFrame | None,
    postal: gpd.GeoDataFrame | None,
    units: NewUnits,
    *,
    population_weighted: bool,
) -> gpd.GeoDataFrame:
    """One row per new unit that has villages or points (:data:`COLUMNS`), with its
    geometry: the new polygon when given, else the dissolve of its villages.

    Shares as for the old communes (:func:`coverage.metrics.commune_summary`): villages
    covered / villages, or population-weighted under the ``population`` rule.
    """
    v = pd.DataFrame(
        {
            "commune_id": villages["new_commune_id"].to_numpy(dtype=object),
            "covered": villages["covered"].astype(int).to_numpy(),
        }
    )
    spec: dict = {"villages": ("covered", "size"), "villages_covered": ("covered", "sum")}
    has_pop = "population" in villages.columns and villages["population"].notna().all()
    if has_pop:
        v["population"] = villages["population"].to_numpy(dtype=float)
        v["population_covered"] = v["population"] * villages["covered_share"].to_numpy(float)
        spec |= {
            "population": ("population", "sum"),
            "population_covered": ("population_covered", "sum"),
        }
    table = v.groupby("commune_id").agg(**spec)
    for frame, count_col, yes_col in (
        (centres, "centres", "centres_fibre"),
        (postal, "postal_points", "postal_points_broadband"),
    ):
        if frame is None or "new_commune_id" not in frame.columns:
            continue
        key = frame["new_commune_id"].to_numpy(dtype=object)
        counts = (
            pd.DataFrame(
                {
                    "commune_id": key,
                    count_col: 1,
                    yes_col: frame["connected"].astype(int).to_numpy(),
                }
            )
            .groupby("commune_id")[[count_col, yes_col]]
            .sum()
        )
        table = table.join(counts, how="outer")
    table = table.fillna({c: 0 for c in table.columns if not c.startswith("population")})
    for col in table.columns:
        if not col.startswith("population"):
            table[col] = table[col].astype(int)
    if has_pop and population_weighted:
        table["coverage_share"] = table["population_covered"] / table["population"].where(
            table["population"] > 0
        )
    else:
        table["coverage_share"] = table["villages_covered"] / table["villages"].where(
            table["villages"] > 0
        )
    for col in ("population", "population_covered"):
        if col in table.columns:
            table[col] = table[col].round().astype("Int64")
    table = names(units).reindex(table.index).join(table)
    table.index.name = "commune_id"
    table = table.reset_index().sort_values("commune_id", kind="stable")
    table = table.reset_index(drop=True)
    geometry = _geometry(table["commune_id"], villages, units)
    ordered = [c for c in COLUMNS if c in table.columns]
    return gpd.GeoDataFrame(table[ordered], geometry=geometry, crs=villages.crs)


def _geometry(ids: pd.Series, villages: gpd.GeoDataFrame, units: NewUnits) -> list:
    if units.polygons is not None:
        by_id = dict(
            zip(
                units.polygons.frame["commune_id"],
                units.polygons.frame.geometry.to_numpy(),
                strict=True,
            )
        )
    else:
        by_id = {}
    polys = villages.loc[shapely.get_type_id(villages.geometry.to_numpy()) != 0]
    dissolved = polys.groupby("new_commune_id").geometry.apply(
        lambda g: shapely.union_all(g.to_numpy())
    )
    return [by_id.get(i, dissolved.get(i)) for i in ids]


def records(table: gpd.GeoDataFrame) -> list[dict]:
    """``by_new_commune`` for the JSON: plain numbers, None for missing."""
    out = []
    for row in pd.DataFrame(table.drop(columns="geometry")).to_dict("records"):
        rec: dict[str, object] = {}
        for k, val in row.items():
            if val is None or (isinstance(val, float) and np.isnan(val)) or val is pd.NA:
                rec[k] = None
            elif isinstance(val, np.integer):
                rec[k] = int(val)
            elif isinstance(val, np.floating | float):
                rec[k] = round(float(val), 12)
            else:
                rec[k] = val
        out.append(rec)
    return out
