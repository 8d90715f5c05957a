"""Size-parametric synthetic country for benchmarks (deterministic for a seed).

Villages are a Voronoi tessellation of points drawn from a clustered density
(a few dozen "towns" over a rural background); sites are drawn from the same
density, so towns are dense in both, like a real network. Everything is in
EPSG:32648 metres; the country is a square whose side grows with the size.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

CRS = "EPSG:32648"
TECH_MIX = (("2G", 900.0, 0.35), ("3G", 2100.0, 0.25), ("4G", 1800.0, 0.35), ("5G", 3500.0, 0.05))


def _sample(rng: np.random.Generator, n: int, side: float, towns: np.ndarray) -> np.ndarray:
    """Half the points around towns (normal, 5-15 km spread), half uniform."""
    n_town = n // 2
    which = rng.integers(0, len(towns), n_town)
    spread = rng.uniform(5_000, 15_000, len(towns))[which]
    near = towns[which] + rng.normal(0, 1, (n_town, 2)) * spread[:, None]
    far = rng.uniform(0, side, (n - n_town, 2))
    return np.clip(np.concatenate([near, far]), 1, side - 1)


def country(
    n_villages: int, n_site_rows: int, *, seed: int = 0, km2_per_village: float = 3.3
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return (villages, sites) for a synthetic country.

    Parameters
    ----------
    n_villages
        Number of village polygons (Vietnam has about 100,000 thôn/bản/tổ dân phố).
    n_site_rows
        Number of site x technology rows.
    km2_per_village
        Area per village (Vietnam: 331,000 km2 / 100,000 villages).
    """
    rng = np.random.default_rng(seed)
    side = float(np.sqrt(n_villages * km2_per_village) * 1000)
    x0, y0 = 200_000.0, 1_000_000.0
    towns = rng.uniform(0, side, (max(3, n_villages // 2000), 2))
    pts = _sample(rng, n_villages, side, towns)
    frame = shapely.box(0, 0, side, side)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=frame))
    cells = shapely.intersection(cells, frame)
    cells = cells[shapely.area(cells) > 0]
    villages = gpd.GeoDataFrame(
        {
            "village_id": [f"V{i}" for i in range(len(cells))],
            "commune_id": [f"C{i // 10}" for i in range(len(cells))],
            "population": rng.integers(100, 3000, len(cells)),
        },
        geometry=shapely.transform(cells, lambda c: c + np.array([x0, y0])),
        crs=CRS,
    )
    n_sites = max(1, n_site_rows // 3)
    site_xy = _sample(rng, n_sites, side, towns) + np.array([x0, y0])
    pick = rng.choice(len(TECH_MIX), n_site_rows, p=[m[2] for m in TECH_MIX])
    owner = rng.integers(0, n_sites, n_site_rows)
    sites = gpd.GeoDataFrame(
        {
            "site_id": [f"S{i}" for i in owner],
            "technology": [TECH_MIX[k][0] for k in pick],
            "frequency_mhz": [TECH_MIX[k][1] for k in pick],
        },
        geometry=shapely.points(site_xy[owner]),
        crs=CRS,
    )
    return villages, sites
