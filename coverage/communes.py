"""Commune assignment: which commune each village belongs to, and each commune's centre."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._errors import CoverageWarning
from .layers import Layer


def assign_communes(villages: Layer, communes: Layer | None) -> gpd.GeoDataFrame:
    """Villages with every missing ``commune_id`` filled from the commune polygon holding them.

    A village keeps the ``commune_id`` it was given; one without takes the commune whose
    polygon contains its representative point (a warning says how many, and how many
    fell in none). Ids naming no commune of the communes layer are counted under an
    unknown commune, with a warning.
    """
    frame = villages.frame
    if communes is None:
        return frame if "commune_id" in frame.columns else frame.assign(commune_id=None)
    polygons = communes.frame
    need = (
        np.ones(len(frame), bool)
        if "commune_id" not in frame.columns
        else frame["commune_id"].isna().to_numpy()
    )
    if not need.any():
        unknown = ~frame["commune_id"].isin(set(polygons["commune_id"]))
        if unknown.any():
            warnings.warn(
                f"{villages.source}: {int(unknown.sum())} village(s) "
                "name a commune_id missing from the communes "
                f"layer (first: {frame['commune_id'][unknown].iloc[0]!r}); they are counted "
                "in the province totals but under an unknown commune",
                CoverageWarning,
                stacklevel=2,
            )
        return frame
    out = frame.copy()
    if "commune_id" not in out.columns:
        out["commune_id"] = None
    probe = shapely.point_on_surface(out.geometry.to_numpy()[need])
    tree = shapely.STRtree(polygons.geometry.to_numpy())
    pi, ci = tree.query(probe, predicate="within")
    ids = np.full(int(need.sum()), None, dtype=object)
    ids[pi] = polygons["commune_id"].to_numpy()[ci]
    out.loc[need, "commune_id"] = ids
    warnings.warn(
        f"{int(need.sum())} village(s) had no commune_id: taken from the commune polygon "
        f"containing each ({int(pd.isna(ids).sum())} fell in none)",
        CoverageWarning,
        stacklevel=2,
    )
    return out


def commune_centres(communes: Layer | None, centres: Layer | None) -> gpd.GeoDataFrame | None:
    """One centre point per commune: the given centres, else a representative point.

    A commune without a given centre gets ``shapely.point_on_surface`` of its polygon,
    with a warning naming how many did; ``centre_source`` says which each is.
    """
    if communes is None:
        return None if centres is None else centres.frame
    polygons = communes.frame
    ids = polygons["commune_id"]
    given = centres.frame if centres is not None else None
    have = set(given["commune_id"]) if given is not None else set()
    missing = polygons[~ids.isin(have)]
    if len(missing):
        where = (
            f"{centres.source} has no centre for"
            if centres is not None
            else "no commune centres layer was given, so"
        )
        warnings.warn(
            f"{where} {len(missing)} commune(s): using a representative point inside the "
            "commune polygon instead (give centres for exact results)",
            CoverageWarning,
            stacklevel=2,
        )
        fallback = gpd.GeoDataFrame(
            {
                "commune_id": missing["commune_id"].to_numpy(),
                "name": missing["name"].to_numpy() if "name" in missing else None,
            },
            geometry=shapely.point_on_surface(missing.geometry.to_numpy()),
            crs=polygons.crs,
        )
        fallback["centre_source"] = "representative point"
        given = given.assign(centre_source="given") if given is not None else None
        given = pd.concat([g for g in (given, fallback) if g is not None], ignore_index=True)
        given = gpd.GeoDataFrame(given, geometry="geometry", crs=polygons.crs)
    else:
        assert given is not None
        given = given.assign(centre_source="given")
    unknown = ~given["commune_id"].isin(set(ids))
    if unknown.any():
        name = centres.source if centres is not None else "centres"
        warnings.warn(
            f"{name}: {int(unknown.sum())} commune centre(s) "
            "name a commune_id missing from the communes "
            f"layer (first: {given['commune_id'][unknown].iloc[0]!r}); they are still counted",
            CoverageWarning,
            stacklevel=2,
        )
    return given
