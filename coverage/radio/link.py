"""Point-to-point analysis between two coordinates over the DEM: "why is this village dark?"

The profile is sampled along the straight line (in the metric CRS of the two points'
UTM zone) every DEM pixel, with bilinear heights. The report gives what the profile
shows (line of sight, one horizon or two, and the highest terrain above the direct ray),
the line-of-sight clearance, each model's path loss and the received level against the
threshold.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from pyproj import CRS, Transformer

from .._errors import InputError
from ..settings import DEFAULT_FREQUENCY_MHZ, Settings
from . import pathloss
from .dem import Grid, load_dem, native_resolution_m
from .itm import ItmResult, itm_p2p
from .linkbudget import reference_signal_offset_db

#: What a terrain profile shows (:attr:`ProfileGeometry.shows`).
PROFILE_KINDS = ("line of sight", "one horizon", "two horizons")


@dataclass(frozen=True)
class ProfileGeometry:
    """What a terrain profile itself shows, with earth curvature (see :func:`profile_geometry`).

    Attributes
    ----------
    shows
        ``"line of sight"`` (no terrain above the direct ray), ``"one horizon"`` (the
        transmitter's and the receiver's horizons are the same point: one obstacle) or
        ``"two horizons"`` (they are different points).
    obstruction_m
        Height of the highest terrain above the direct ray, metres; negative: the
        smallest clearance. ``None`` for a profile without interior samples.
    obstruction_distance_m
        Distance of that point from the transmitter (``None`` likewise).
    horizon_distance_m
        Distances of the transmitter's horizon from the transmitter and of the
        receiver's horizon from the receiver; ``None`` on line of sight.
    """

    shows: str
    obstruction_m: float | None
    obstruction_distance_m: float | None
    horizon_distance_m: tuple[float, float] | None

    def to_dict(self) -> dict:
        def r(v: float | None) -> float | None:
            return None if v is None else round(v, 1)

        return {
            "shows": self.shows,
            "obstruction_above_ray_m": r(self.obstruction_m),
            "obstruction_distance_m": r(self.obstruction_distance_m),
            "horizon_distance_m": (
                None if self.horizon_distance_m is None else [r(v) for v in self.horizon_distance_m]
            ),
        }


def profile_geometry(
    distance_m: np.ndarray,
    elevation_m: np.ndarray,
    tx_height_m: float,
    rx_height_m: float,
    *,
    k: float = 4 / 3,
) -> ProfileGeometry:
    """Classify a terrain profile: line of sight, one horizon or two horizons.

    The terrain is raised by the earth bulge ``d (D - d) / (2 k R)``, the convention of
    :mod:`coverage.radio.pathloss`, so that rays are straight lines. The transmitter's
    horizon is the interior sample seen at the highest elevation angle from its antenna,
    the receiver's likewise from its own; each is a horizon only when it lies above the
    direct ray (then both are). One horizon: both are the same sample.

    Parameters
    ----------
    distance_m, elevation_m
        The profile: distances from the transmitter (starting at 0) and ground heights.
    tx_height_m, rx_height_m
        Antenna heights above the first and last samples' ground.
    k
        Effective-earth-radius factor.

    Examples
    --------
    A 10 km path over flat ground with a 100 m ridge in its middle, 30 m and 1.5 m
    antennas: the ridge stands 100 + 1.47 (bulge) - 15.75 (ray) m above the direct ray.

    >>> d = np.linspace(0, 10_000, 11)
    >>> e = np.where(d == 5000, 100.0, 0.0)
    >>> g = profile_geometry(d, e, 30.0, 1.5)
    >>> g.shows, round(g.obstruction_m, 2), g.obstruction_distance_m, g.horizon_distance_m
    ('one horizon', 85.72, 5000.0, (5000.0, 5000.0))
    """
    d = np.asarray(distance_m, dtype=float)
    e = np.asarray(elevation_m, dtype=float)
    length = float(d[-1])
    if d.size < 3:
        return ProfileGeometry("line of sight", None, None, None)
    z = e + pathloss.earth_bulge(d, length - d, k=k)
    z_tx = float(e[0] + tx_height_m)
    z_rx = float(e[-1] + rx_height_m)
    di, zi = d[1:-1], z[1:-1]
    above = zi - (z_tx + (z_rx - z_tx) * di / length)
    j = int(np.argmax(above))
    obstruction, at = float(above[j]), float(di[j])
    if obstruction <= 0.0:
        return ProfileGeometry("line of sight", obstruction, at, None)
    # the largest elevation angle from each antenna (slopes in the flattened frame)
    t = int(np.argmax((zi - z_tx) / di))
    r = int(np.argmax((zi - z_rx) / (length - di)))
    shows = "one horizon" if t == r else "two horizons"
    return ProfileGeometry(shows, obstruction, at, (float(di[t]), length - float(di[r])))


@dataclass
class LinkReport:
    """Everything ``coverage link`` prints, JSON-ready through :meth:`to_dict`."""

    tx_lonlat: tuple[float, float]
    rx_lonlat: tuple[float, float]
    technology: str
    frequency_mhz: float
    tx_height_m: float
    rx_height_m: float
    eirp_dbm: float
    threshold_dbm: float
    distance_m: np.ndarray
    elevation_m: np.ndarray
    los: pathloss.LineOfSight
    losses_db: dict[str, float]
    received_dbm: dict[str, float]
    model: str
    k_factor: float
    crs: str
    notes: list[str] = field(default_factory=list)
    itm: dict = field(default_factory=dict)
    #: the heights handed to ITM (``[itm] heights``: nearest DEM pixels by default)
    itm_elevation_m: np.ndarray | None = None
    #: what the profile itself shows (horizons, highest terrain above the ray)
    profile: ProfileGeometry | None = None

    @property
    def length_m(self) -> float:
        return float(self.distance_m[-1])

    def to_dict(self) -> dict:
        worst = self.los.worst_index
        clearance = float(self.los.min_clearance_m)
        fresnel = float(self.los.min_clearance_fresnel)
        return {
            "tx": {
                "lon": self.tx_lonlat[0],
                "lat": self.tx_lonlat[1],
                "ground_m": round(float(self.elevation_m[0]), 1),
                "antenna_m": self.tx_height_m,
            },
            "rx": {
                "lon": self.rx_lonlat[0],
                "lat": self.rx_lonlat[1],
                "ground_m": round(float(self.elevation_m[-1]), 1),
                "antenna_m": self.rx_height_m,
            },
            "distance_m": round(self.length_m, 1),
            "technology": self.technology,
            "frequency_mhz": self.frequency_mhz,
            "eirp_dbm": self.eirp_dbm,
            "threshold_dbm": self.threshold_dbm,
            "line_of_sight": bool(self.los.clear),
            # None: a profile without samples between the two ends
            "min_clearance_m": round(clearance, 2) if np.isfinite(clearance) else None,
            "min_clearance_fresnel": round(fresnel, 3) if np.isfinite(fresnel) else None,
            "worst_point_distance_m": (
                None if worst is None else round(float(self.distance_m[worst]), 1)
            ),
            "profile": None if self.profile is None else self.profile.to_dict(),
            "path_loss_db": {k: round(v, 2) for k, v in self.losses_db.items()},
            "received_dbm": {k: round(v, 2) for k, v in self.received_dbm.items()},
            "model": self.model,
            "covered": bool(self.received_dbm[self.model] >= self.threshold_dbm),
            "k_factor": self.k_factor,
            "crs": self.crs,
            "profile_samples": len(self.distance_m),
            "itm": self.itm,
            "notes": self.notes,
        }


def _utm_for(lon: float, lat: float) -> CRS:
    zone = int((lon + 180) // 6) + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def terrain_profile(
    grid: Grid,
    a_xy: tuple[float, float],
    b_xy: tuple[float, float],
    *,
    step: float | None = None,
    method: str = "bilinear",
) -> tuple[np.ndarray, np.ndarray]:
    """Distances from ``a`` and ground heights (``method`` of :meth:`Grid.sample`) along
    the segment a-b."""
    length = float(np.hypot(b_xy[0] - a_xy[0], b_xy[1] - a_xy[1]))
    step = step or grid.res
    n = max(3, int(np.ceil(length / step)) + 1)  # ITM needs a sample between the ends
    t = np.linspace(0.0, 1.0, n)
    x = a_xy[0] + t * (b_xy[0] - a_xy[0])
    y = a_xy[1] + t * (b_xy[1] - a_xy[1])
    return t * length, grid.sample(x, y, method)


def analyse_link(
    dem: str | os.PathLike | Sequence[str | os.PathLike],
    tx_lonlat: tuple[float, float],
    rx_lonlat: tuple[float, float],
    *,
    technology: str = "4G",
    frequency_mhz: float | None = None,
    tx_height_m: float | None = None,
    eirp_dbm: float | None = None,
    settings: Settings | None = None,
) -> LinkReport:
    """Analyse the path from a site to a receiver over the DEM.

    Parameters
    ----------
    dem
        DEM file(s) covering both ends.
    tx_lonlat, rx_lonlat
        (longitude, latitude) in degrees, WGS 84.
    technology, frequency_mhz, tx_height_m, eirp_dbm
        The link; missing values take the defaults of ``settings``.
    settings
        Receiver height, k factor, base model, environment, thresholds.

    Returns
    -------
    LinkReport
    """
    settings = settings or Settings()
    freq = float(frequency_mhz or DEFAULT_FREQUENCY_MHZ[technology])
    htx = float(tx_height_m if tx_height_m is not None else settings.default_height_m)
    eirp = float(eirp_dbm if eirp_dbm is not None else settings.default_eirp_dbm[technology])
    hrx = settings.rx_height_m
    k = settings.k_factor
    window = _dem_window(dem, tx_lonlat, rx_lonlat, settings)
    dist, elev = _checked_profile(window)
    los = pathloss.line_of_sight(dist, elev, htx, hrx, freq, k=k)
    geometry = profile_geometry(dist, elev, htx, hrx, k=k)
    losses, hb = _terrain_losses(dist, elev, htx, hrx, freq, settings)
    itm_elev = _itm_heights(window, elev, settings)
    itm = _run_itm(itm_elev, dist, htx, hrx, freq, settings)
    losses["itm"] = float(itm.loss_db)
    received = _received_levels(eirp, technology, losses)
    # what ITM's own input profile shows (its heights may differ: [itm] heights)
    itm_geometry = profile_geometry(dist, itm_elev, htx, hrx, k=k)
    return LinkReport(
        tx_lonlat=(float(tx_lonlat[0]), float(tx_lonlat[1])),
        rx_lonlat=(float(rx_lonlat[0]), float(rx_lonlat[1])),
        technology=technology,
        frequency_mhz=freq,
        tx_height_m=htx,
        rx_height_m=hrx,
        eirp_dbm=eirp,
        threshold_dbm=float(settings.thresholds_dbm[technology]),
        distance_m=dist,
        elevation_m=elev,
        itm_elevation_m=itm_elev,
        profile=geometry,
        los=los,
        losses_db=losses,
        received_dbm=received,
        model="terrain",
        k_factor=k,
        crs=window.crs.to_string(),
        notes=_notes(technology, settings, hb),
        itm=_itm_info(itm, itm_geometry),
    )


@dataclass(frozen=True)
class _DemWindow:
    """The two ends in the metric CRS of their UTM zone and the DEM window around them."""

    paths: list[str | os.PathLike]
    crs: CRS
    a: tuple[float, float]
    b: tuple[float, float]
    bounds: tuple[float, float, float, float]
    resolution: float

    def load(self, resampling: str | None = None) -> Grid:
        """The DEM over the window at the run's resolution (``load_dem``'s resampling if None)."""
        extra = {} if resampling is None else {"resampling": resampling}
        return load_dem(
            self.paths, crs=self.crs, bounds=self.bounds, resolution=self.resolution, **extra
        )


def _dem_window(
    dem: str | os.PathLike | Sequence[str | os.PathLike],
    tx_lonlat: tuple[float, float],
    rx_lonlat: tuple[float, float],
    settings: Settings,
) -> _DemWindow:
    """Project both ends to their UTM zone; the window is their box padded by 3 DEM pixels."""
    crs = _utm_for((tx_lonlat[0] + rx_lonlat[0]) / 2, (tx_lonlat[1] + rx_lonlat[1]) / 2)
    to_m = Transformer.from_crs(4326, crs, always_xy=True)
    a = to_m.transform(*tx_lonlat)
    b = to_m.transform(*rx_lonlat)
    paths = [dem] if isinstance(dem, str | os.PathLike) else list(dem)
    res = native_resolution_m(paths[0])
    pad = 3 * res
    bounds = (
        min(a[0], b[0]) - pad,
        min(a[1], b[1]) - pad,
        max(a[0], b[0]) + pad,
        max(a[1], b[1]) + pad,
    )
    return _DemWindow(paths, crs, a, b, bounds, settings.resolution_m or res)


def _checked_profile(window: _DemWindow) -> tuple[np.ndarray, np.ndarray]:
    """The bilinear terrain profile from a to b; InputError where the DEM has gaps or a == b."""
    grid = window.load()
    dist, elev = terrain_profile(grid, window.a, window.b)
    if not np.isfinite(elev).all():
        bad = dist[~np.isfinite(elev)]
        raise InputError(
            f"the DEM has no data along the path ({len(bad)} of {len(elev)} samples, first at "
            f"{bad[0]:.0f} m from the transmitter); give a DEM that covers both ends",
            path=str(window.paths[0]),
        )
    if dist[-1] < 1.0:
        raise InputError("transmitter and receiver are the same point")
    return dist, elev


def _terrain_losses(
    dist: np.ndarray,
    elev: np.ndarray,
    htx: float,
    hrx: float,
    freq: float,
    settings: Settings,
) -> tuple[dict[str, float], float]:
    """Free-space, empirical, diffraction and combined losses (dB), and the Hata base height."""
    k = settings.k_factor
    d3 = float(np.hypot(dist[-1], (elev[0] + htx) - (elev[-1] + hrx)))
    fs = float(pathloss.free_space(d3, freq))
    hb = float(np.clip(elev[0] + htx - elev[-1], 10.0, 300.0))
    if freq < 1500:
        empirical = float(
            pathloss.okumura_hata(dist[-1], freq, hb, hrx, environment=settings.environment)
        )
        empirical_name = f"okumura_hata_{settings.environment}"
    else:
        empirical = float(
            pathloss.cost231_hata(dist[-1], freq, hb, hrx, environment=settings.environment)
        )
        empirical_name = f"cost231_hata_{settings.environment}"
    bullington = float(pathloss.bullington_loss(dist, elev, htx, hrx, freq, k=k))
    deygout = float(pathloss.deygout_loss(dist, elev, htx, hrx, freq, k=k))
    base = max(empirical, fs) if settings.base_model == "hata" else fs
    losses = {
        "free_space": fs,
        empirical_name: empirical,
        "diffraction_bullington": bullington,
        "diffraction_deygout": deygout,
        "hata": max(empirical, fs),
        "terrain": base + bullington,
        "terrain_deygout": base + deygout,
    }
    return losses, hb


def _itm_heights(window: _DemWindow, elev: np.ndarray, settings: Settings) -> np.ndarray:
    """The heights handed to ITM: ``[itm] heights`` nearest or the bilinear profile."""
    if settings.itm_heights != "nearest":
        return elev
    # as the itm area model: a nearest-resampled DEM, sampled without interpolation
    near = window.load(resampling="nearest")
    itm_elev = terrain_profile(near, window.a, window.b, method="nearest")[1]
    if not np.isfinite(itm_elev).all():
        return elev
    return itm_elev


def _run_itm(
    itm_elev: np.ndarray,
    dist: np.ndarray,
    htx: float,
    hrx: float,
    freq: float,
    settings: Settings,
) -> ItmResult:
    """Longley-Rice ITM point to point with the ``[itm]`` settings (mdvar 12, vertical)."""
    return itm_p2p(
        itm_elev,
        float(dist[1] - dist[0]),
        htx,
        hrx,
        frequency_mhz=freq,
        epsilon=settings.itm_epsilon,
        sigma=settings.itm_sigma,
        n0=settings.itm_n0,
        climate=settings.itm_climate,
        polarization=1,
        mdvar=12,
        time=settings.itm_time,
        location=settings.itm_location,
        situation=settings.itm_situation,
    )


def _received_levels(eirp: float, technology: str, losses: dict[str, float]) -> dict[str, float]:
    """Each main model's received level: EIRP minus the reference-signal offset and the loss."""
    level0 = eirp - reference_signal_offset_db(technology)
    return {
        name: level0 - losses[name]
        for name in ("free_space", "hata", "terrain", "terrain_deygout", "itm")
    }


def _itm_info(itm: ItmResult, geometry: ProfileGeometry) -> dict:
    """ITM's mode, its input profile's geometry and its intermediate values, rounded."""
    return {
        "mode": itm.mode_name,
        "profile": geometry.to_dict(),
        "warning": itm.warning_text,
        "delta_h_m": round(float(itm.delta_h_m), 1),
        "horizon_distance_m": [round(float(v), 1) for v in itm.horizon_distance_m],
        "horizon_angle_mrad": [round(1000 * float(v), 3) for v in itm.horizon_angle_rad],
        "effective_height_m": [round(float(v), 1) for v in itm.effective_height_m],
        "n_s": round(float(itm.n_s), 2),
        "reference_attenuation_db": round(float(itm.a_ref_db), 2),
    }


def _notes(technology: str, settings: Settings, hb: float) -> list[str]:
    """The report's notes: the received quantity, the terrain model and ITM's settings."""
    k = settings.k_factor
    return [
        f"received level is the {_quantity(technology)}: EIRP minus "
        f"{reference_signal_offset_db(technology):.1f} dB, minus path loss; isotropic "
        "receive antenna, no body or building loss",
        f"terrain = {settings.base_model} base (antenna {hb:.0f} m above the receiver's "
        "ground) + Bullington knife-edge diffraction (ITU-R P.526/P.1812), k = "
        f"{k:.3g}",
        f"itm = Longley-Rice ITM 1.2.2 (point to point, mdvar 12) at {settings.itm_time:g} % "
        f"time, {settings.itm_situation:g} % situations, "
        f"eps {settings.itm_epsilon:g}, sigma {settings.itm_sigma:g} S/m, N0 "
        f"{settings.itm_n0:g}, climate {settings.itm_climate}, vertical polarisation, "
        f"{settings.itm_heights} DEM heights",
    ]


def _quantity(technology: str) -> str:
    return {"2G": "RxLev", "3G": "CPICH RSCP", "4G": "RSRP", "5G": "SS-RSRP"}[technology]


def plot_link(report: LinkReport, path: str | os.PathLike) -> None:
    """Draw the profile (earth curvature applied), the ray, the first Fresnel zone."""
    from matplotlib.figure import Figure

    from ..output import atomic_path

    d = report.distance_m
    total = report.length_m
    bulge = d * (total - d) / (2 * report.k_factor * pathloss.EARTH_RADIUS_M)
    ground = report.elevation_m + bulge
    htx = report.elevation_m[0] + report.tx_height_m
    hrx = report.elevation_m[-1] + report.rx_height_m
    ray = htx + (hrx - htx) * d / total
    lam = 299.792458 / report.frequency_mhz
    with np.errstate(invalid="ignore"):
        fresnel = np.sqrt(lam * d * (total - d) / total)
    fig = Figure(figsize=(10, 4.5), dpi=120)
    ax = fig.add_subplot()
    ax.fill_between(d / 1000, ground.min() - 20, ground, color="#b8a07e", label="terrain")
    ax.plot(
        d / 1000, ray, color="#c0392b" if not report.los.clear else "#1a9850", label="direct ray"
    )
    ax.fill_between(
        d / 1000,
        ray - fresnel,
        ray + fresnel,
        color="#3182bd",
        alpha=0.15,
        label="1st Fresnel zone",
    )
    ax.plot([0], [htx], "^", color="black")
    ax.plot([total / 1000], [hrx], "o", color="black")
    info = report.to_dict()
    if report.profile is not None:
        shows = report.profile.shows
    else:
        shows = "line of sight" if report.los.clear else "obstructed"
    ax.set_title(
        f"{report.technology} {report.frequency_mhz:g} MHz, {total / 1000:.2f} km: "
        f"{shows}; terrain loss "
        f"{info['path_loss_db']['terrain']:.1f} dB, received "
        f"{info['received_dbm']['terrain']:.1f} dBm (threshold {report.threshold_dbm:g})",
        fontsize=9,
    )
    ax.set_xlabel("distance from site (km)")
    ax.set_ylabel("height (m), earth curvature applied")
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(alpha=0.3)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", bbox_inches="tight")
