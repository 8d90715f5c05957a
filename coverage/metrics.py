"""The village-covered rule and the shares reported to leadership.

Rules (see :class:`coverage.settings.Settings`):

``area``
    A village is covered when the share of its polygon inside coverage is at
    least ``threshold``. The headline is covered villages / all villages.
``centroid``
    A village is covered when its representative point (a point guaranteed to
    lie inside the polygon, ``shapely.point_on_surface``) is covered.
``population``
    Villages are flagged as for ``area``, but the headline share is
    population-weighted: sum(population x covered area share) / sum(population),
    assuming people are spread evenly within a village.

"3G/4G" (the headline technologies) means covered by 3G *or* 4G: the union of
both footprints, not the larger of two shares.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .models.base import Prediction
from .settings import TECHNOLOGIES, Settings

#: Tolerance on the threshold comparison, so that a share of exactly 0.5 computed
#: as 0.49999999999 from polygon areas still counts as half.
_EPS = 1e-9


def headline_label(settings: Settings) -> str:
    """Return the label of the headline technologies, e.g. ``"3G/4G"``."""
    return "/".join(settings.headline_technologies)


def village_coverage(
    villages: gpd.GeoDataFrame,
    prediction: Prediction,
    *,
    settings: Settings,
    source: str = "villages",
) -> gpd.GeoDataFrame:
    """Return the villages with coverage columns added (the input is not modified).

    Parameters
    ----------
    villages
        Villages in a metric CRS (polygons, or points where only centres are known).
    prediction
        A model's prediction in the same CRS.
    settings
        Rule, threshold, headline technologies, threads.
    source
        How to name the villages layer in messages.

    Returns
    -------
    geopandas.GeoDataFrame
        Adds ``share_<tech>`` (covered area share, 0-1) and ``covered_<tech>`` for
        2G..5G, then ``covered_share`` and ``covered`` for the headline technologies
        (3G or 4G by default).
    """
    geoms = villages.geometry.to_numpy()
    is_point = shapely.get_type_id(geoms) == 0
    rule = settings.rule
    polys = ~is_point
    probe = shapely.point_on_surface(geoms)
    out = villages.copy()
    groups: dict[str, tuple[str, ...]] = {t.lower(): (t,) for t in TECHNOLOGIES}
    groups["headline"] = tuple(settings.headline_technologies)
    shares = (
        prediction.area_shares(geoms[polys], groups, n_jobs=settings.n_jobs) if polys.any() else {}
    )
    at_points = prediction.point_covered_groups(probe, groups)
    for key in groups:
        share = np.zeros(len(geoms))
        if polys.any():
            share[polys] = shares[key]
        at_point = at_points[key]
        share[is_point] = at_point[is_point].astype(float)
        if rule == "centroid":
            covered = at_point
        else:
            covered = share >= settings.threshold - _EPS
        if key == "headline":
            out["covered_share"] = share
            out["covered"] = covered
        else:
            out[f"share_{key}"] = share
            out[f"covered_{key}"] = covered
    return out


def _weighted(
    flags: np.ndarray, share: np.ndarray, population: np.ndarray | None, rule: str
) -> float | None:
    if len(flags) == 0:
        return None
    if rule == "population" and population is not None:
        total = population.sum()
        return float((population * share).sum() / total) if total > 0 else None
    return float(flags.mean())


def village_summary(villages: gpd.GeoDataFrame, *, settings: Settings) -> dict:
    """Return the headline village figures of :func:`village_coverage`'s output.

    Keys: ``villages_total``, ``villages_covered``, ``village_coverage_share``,
    ``village_coverage_by_technology``, and population figures when known.
    """
    population = (
        villages["population"].to_numpy(dtype=float)
        if "population" in villages.columns and villages["population"].notna().all()
        else None
    )
    covered = villages["covered"].to_numpy(dtype=bool)
    by_tech = {}
    for tech in TECHNOLOGIES:
        key = tech.lower()
        by_tech[tech] = _weighted(
            villages[f"covered_{key}"].to_numpy(dtype=bool),
            villages[f"share_{key}"].to_numpy(dtype=float),
            population,
            settings.rule,
        )
    summary = {
        "villages_total": len(villages),
        "villages_covered": int(covered.sum()),
        "village_coverage_share": _weighted(
            covered, villages["covered_share"].to_numpy(dtype=float), population, settings.rule
        ),
        "village_coverage_by_technology": by_tech,
    }
    if population is not None:
        share = villages["covered_share"].to_numpy(dtype=float)
        summary["population_total"] = round(float(population.sum()))
        summary["population_covered"] = round(float((population * share).sum()))
        summary["population_coverage_share"] = (
            float((population * share).sum() / population.sum()) if population.sum() > 0 else None
        )
    return summary


def commune_summary(
    villages: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame | None,
    centres: pd.DataFrame | None,
    *,
    settings: Settings,
) -> pd.DataFrame:
    """Return one row per commune: village counts and shares, population, centre fibre.

    Communes without villages are kept (0 villages, share empty); villages whose
    ``commune_id`` matches no commune form their own rows (name unknown).
    """
    v = pd.DataFrame(
        {
            "commune_id": villages["commune_id"] if "commune_id" in villages else None,
            "covered": villages["covered"].astype(int),
            "covered_share": villages["covered_share"].astype(float),
        }
    )
    has_pop = "population" in villages.columns and villages["population"].notna().all()
    v["population"] = villages["population"].astype(float) if has_pop else np.nan
    v["population_covered"] = v["population"] * v["covered_share"]
    for tech in TECHNOLOGIES:
        v[f"covered_{tech.lower()}"] = villages[f"covered_{tech.lower()}"].astype(int)
    agg = v.groupby("commune_id", dropna=False, sort=True).agg(
        villages=("covered", "size"),
        villages_covered=("covered", "sum"),
        population=("population", "sum"),
        population_covered=("population_covered", "sum"),
        **{f"villages_{t.lower()}": (f"covered_{t.lower()}", "sum") for t in TECHNOLOGIES},
    )
    if has_pop and settings.rule == "population":
        agg["coverage_share"] = agg["population_covered"] / agg["population"].where(
            agg["population"] > 0
        )
    else:
        agg["coverage_share"] = agg["villages_covered"] / agg["villages"]
    if not has_pop:
        agg = agg.drop(columns=["population", "population_covered"])
    agg = agg.reset_index()
    if communes is not None:
        keep = [
            c
            for c in ("commune_id", "name", "district", "district_id", "province")
            if c in communes.columns
        ]
        base = pd.DataFrame(communes[keep]).drop_duplicates("commune_id")
        agg = base.merge(agg, on="commune_id", how="outer", sort=False)
        for col in (
            "villages",
            "villages_covered",
            *(f"villages_{t.lower()}" for t in TECHNOLOGIES),
        ):
            agg[col] = agg[col].fillna(0).astype(int)
    if centres is not None and len(centres):
        fibre = centres[["commune_id", "connected", "decided_by"]].rename(
            columns={"connected": "centre_fibre", "decided_by": "centre_fibre_decided_by"}
        )
        agg = agg.merge(fibre.drop_duplicates("commune_id"), on="commune_id", how="left")
    return agg.sort_values("commune_id", kind="stable").reset_index(drop=True)


def district_summary(communes: pd.DataFrame, *, settings: Settings) -> pd.DataFrame:
    """Aggregate :func:`commune_summary` rows per district."""
    if "district" not in communes.columns:
        return pd.DataFrame()
    cols = {"villages": "sum", "villages_covered": "sum"}
    if "population" in communes.columns:
        cols.update(population="sum", population_covered="sum")
    frame = communes.assign(district=communes["district"].fillna("(unknown)"))
    if "centre_fibre" in frame.columns:
        frame = frame.assign(
            centres=frame["centre_fibre"].notna().astype(int),
            centres_fibre=frame["centre_fibre"].fillna(False).astype(bool).astype(int),
        )
        cols.update(centres="sum", centres_fibre="sum")
    out = frame.groupby("district", sort=True).agg(cols)
    out.insert(0, "communes", frame.groupby("district", sort=True).size())
    if settings.rule == "population" and "population" in out.columns:
        out["coverage_share"] = out["population_covered"] / out["population"].where(
            out["population"] > 0
        )
    else:
        out["coverage_share"] = out["villages_covered"] / out["villages"].where(out["villages"] > 0)
    return out.reset_index()
