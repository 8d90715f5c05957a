"""Cross-layer consistency checks that do not stop a run but must be known.

Each returns warning messages (also raised as :class:`CoverageWarning` by the
pipeline), so ``coverage check`` and ``coverage compute`` report the same things.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

#: A village counts as "in its commune" when at least this share of its area is.
IN_COMMUNE_SHARE = 0.5
#: Two communes overlap when they share more than this share of the smaller one.
OVERLAP_SHARE = 0.01


def overlapping_communes(communes: gpd.GeoDataFrame) -> list[str]:
    """Pairs of communes sharing more than 1 % of the smaller one's area."""
    geoms = communes.geometry.to_numpy()
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
    ids = communes["commune_id"].to_numpy()
    first = np.flatnonzero(bad)[0]
    return [
        f"{communes.attrs.get('source', 'communes')}: {int(bad.sum())} pair(s) of communes "
        f"overlap (first: {ids[a[first]]} and {ids[b[first]]}, "
        f"{shared[first] / smaller[first]:.0%} of the smaller): villages may be counted in "
        "the wrong commune"
    ]


def villages_outside_their_commune(
    villages: gpd.GeoDataFrame, communes: gpd.GeoDataFrame
) -> list[str]:
    """Villages whose polygon lies mostly outside the commune their commune_id names."""
    if "commune_id" not in villages.columns:
        return []
    lookup = communes.drop_duplicates("commune_id").set_index("commune_id").geometry
    known = villages["commune_id"].isin(lookup.index).to_numpy()
    polys = np.isin(shapely.get_type_id(villages.geometry.to_numpy()), [3, 6])
    pick = known & polys
    if not pick.any():
        return []
    v = villages.geometry.to_numpy()[pick]
    c = lookup.loc[villages["commune_id"].to_numpy()[pick]].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = shapely.area(shapely.intersection(v, c)) / shapely.area(v)
    bad = share < IN_COMMUNE_SHARE
    if not bad.any():
        return []
    ids = villages["village_id"].to_numpy()[pick][bad]
    return [
        f"{villages.attrs.get('source', 'villages')}: {int(bad.sum())} village(s) lie mostly "
        f"outside the commune their commune_id names (first: {ids[0]}, "
        f"{share[bad][0]:.0%} inside): check commune_id or the geometry"
    ]
