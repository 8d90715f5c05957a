"""Model A, ranges: each site x technology covers a disc, or a wedge for a sector.

The radius is, in order: the row's ``range_m`` (a planner's override, or
OpenCelliD's observed range), else the default of :data:`coverage.settings.DEFAULT_RANGES_M`
for the technology and the band class of ``frequency_mhz``. A row with both
``azimuth_deg`` (compass degrees: 0 = north, clockwise) and ``beamwidth_deg`` is a
sector: a wedge of that width centred on the azimuth. Otherwise it is omni.
"""

from __future__ import annotations

import logging
from typing import ClassVar

import geopandas as gpd
import numpy as np
import shapely

from ..settings import DEFAULT_FREQUENCY_MHZ, TECHNOLOGIES, Settings, band_class
from .base import FootprintPrediction, PropagationModel

log = logging.getLogger(__name__)


def site_ranges(sites: gpd.GeoDataFrame, *, settings: Settings) -> np.ndarray:
    """Return the coverage radius in metres of each site row.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> s = gpd.GeoDataFrame({"technology": ["2G", "4G"], "frequency_mhz": [900, 2600]},
    ...                      geometry=[shapely.Point(0, 0)] * 2, crs=32648)
    >>> site_ranges(s, settings=Settings()).tolist()
    [7000.0, 2500.0]
    """
    tech = sites["technology"].to_numpy()
    freq = _column(sites, "frequency_mhz")
    default_freq = np.array([DEFAULT_FREQUENCY_MHZ[t] for t in tech], dtype=float)
    freq = np.where(np.isfinite(freq), freq, default_freq)
    # The table has 4 x 3 entries: look it up per distinct (technology, band) pair.
    bands = np.array([band_class(f) for f in np.unique(freq)])
    band_of = dict(zip(np.unique(freq), bands, strict=True))
    keys = np.array([f"{t}|{band_of[f]}" for t, f in zip(tech, freq, strict=True)])
    table = {
        f"{t}|{b}": settings.ranges_m[t][b] for t in TECHNOLOGIES for b in ("low", "mid", "high")
    }
    default = np.array([table[k] for k in keys], dtype=float)
    override = _column(sites, "range_m")
    radius = np.where(np.isfinite(override) & (override > 0), override, default)
    # range_m above the cap was capped, with a warning, when the layer was validated;
    # the settings refuse table ranges above it
    return np.minimum(radius, settings.max_range_m)


def _column(frame: gpd.GeoDataFrame, name: str) -> np.ndarray:
    if name in frame.columns:
        return frame[name].to_numpy(dtype=float, na_value=np.nan)
    return np.full(len(frame), np.nan)


def range_footprints(sites: gpd.GeoDataFrame, *, settings: Settings) -> gpd.GeoDataFrame:
    """Return one footprint polygon per site row (disc or wedge), in the sites' metric CRS.

    Parameters
    ----------
    sites
        Site rows in a projected CRS in metres, with canonical columns.
    settings
        Ranges, cap and circle resolution.

    Returns
    -------
    geopandas.GeoDataFrame
        ``site_id``, ``technology``, ``range_m``, ``sector`` (bool) and the footprint.
    """
    radius = site_ranges(sites, settings=settings)
    xy = shapely.get_coordinates(sites.geometry.values)
    az = _column(sites, "azimuth_deg")
    bw = _column(sites, "beamwidth_deg")
    sector = np.isfinite(az) & np.isfinite(bw) & (bw < 360)
    geoms = np.empty(len(sites), dtype=object)
    omni = ~sector
    geoms[omni] = shapely.buffer(
        shapely.points(xy[omni]), radius[omni], quad_segs=settings.quad_segs
    )
    if sector.any():
        geoms[sector] = _wedges(
            xy[sector], radius[sector], az[sector], bw[sector], steps=4 * settings.quad_segs
        )
    return gpd.GeoDataFrame(
        {
            "site_id": sites["site_id"].to_numpy(),
            "technology": sites["technology"].to_numpy(),
            "range_m": radius,
            "sector": sector,
        },
        geometry=geoms,
        crs=sites.crs,
    )


def _wedges(
    xy: np.ndarray, radius: np.ndarray, azimuth: np.ndarray, beamwidth: np.ndarray, *, steps: int
) -> np.ndarray:
    """Build circular sectors: apex at ``xy``, arc from azimuth - bw/2 to azimuth + bw/2."""
    t = np.linspace(-0.5, 0.5, steps + 1)[None, :]
    bearing = np.radians(azimuth[:, None] + beamwidth[:, None] * t)  # compass: 0 = north
    arc_x = xy[:, :1] + radius[:, None] * np.sin(bearing)
    arc_y = xy[:, 1:] + radius[:, None] * np.cos(bearing)
    apex = xy[:, None, :]
    ring = np.concatenate([apex, np.stack([arc_x, arc_y], axis=-1), apex], axis=1)
    return shapely.polygons(ring)


def predict(
    sites: gpd.GeoDataFrame, *, settings: Settings, area=None, progress=None
) -> FootprintPrediction:
    """Run the range model: footprints per technology.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> s = gpd.GeoDataFrame({"site_id": ["a"], "technology": ["4G"], "range_m": [1000.0]},
    ...                      geometry=[shapely.Point(0, 0)], crs=32648)
    >>> p = predict(s, settings=Settings())
    >>> bool(p.point_covered(np.array([shapely.Point(900, 0)]), ["4G"])[0])
    True
    """
    fp = range_footprints(sites, settings=settings)
    tech = fp["technology"].to_numpy()
    geoms = fp.geometry.to_numpy()
    footprints = {t: geoms[tech == t] for t in TECHNOLOGIES}
    info = _info(tech, fp["range_m"].to_numpy(), fp["sector"].to_numpy())
    log.info("range model: %d footprints (%d sectors)", len(fp), info["sectors"])
    return FootprintPrediction(footprints=footprints, model="range", info=info)


def range_info(sites: gpd.GeoDataFrame, *, settings: Settings) -> dict:
    """The range model's ``info`` for ``sites`` (what :func:`predict` records), without
    building the footprints."""
    az = _column(sites, "azimuth_deg")
    bw = _column(sites, "beamwidth_deg")
    sector = np.isfinite(az) & np.isfinite(bw) & (bw < 360)
    radius = site_ranges(sites, settings=settings)
    return _info(sites["technology"].to_numpy(), radius, sector)


def _info(tech: np.ndarray, radius: np.ndarray, sector: np.ndarray) -> dict:
    return {
        "site_rows": {t: int((tech == t).sum()) for t in TECHNOLOGIES},
        "sectors": int(sector.sum()),
        "median_range_m": {
            t: float(np.median(radius[tech == t])) for t in TECHNOLOGIES if (tech == t).any()
        },
    }


class RangeModel(PropagationModel):
    """Discs or sector wedges of each row's ``range_m`` or the default range table."""

    name = "range"
    title = "fixed ranges: discs or sector wedges (range_m, else the range table)"
    needs_dem = False
    produces = "footprints"
    uses_columns: ClassVar[frozenset[str]] = frozenset(
        {"range_m", "frequency_mhz", "azimuth_deg", "beamwidth_deg"}
    )

    def predict(self, sites, *, settings, area=None, progress=None):
        return predict(sites, settings=settings, area=area, progress=progress)
