"""Documented defaults, read at call time.

Precedence, lowest first: the defaults here, a TOML config file
(:func:`load_config`), then options given on the command line or as keyword
arguments (:meth:`Settings.replace`). Every default says why it is what it is.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: Technologies the toolkit knows, in display order.
TECHNOLOGIES: tuple[str, ...] = ("2G", "3G", "4G", "5G")

#: Frequency classes, by the carrier frequency in MHz: sub-GHz coverage bands,
#: the 1.7-2.3 GHz mid bands, and 2.3 GHz and above.
BAND_CLASSES: tuple[str, ...] = ("low", "mid", "high")

#: Default cell range in metres by technology and band class.
#:
#: Rationale: these are rounded planning radii for a macro site (25-45 m mast,
#: outdoor handset at 1.5 m) in mixed rural/suburban terrain, the situation of a
#: Vietnamese provincial network outside city centres. They follow from a
#: COST-231/Okumura-Hata *suburban* link budget with the maximum allowable path
#: losses operators typically plan with (about 140-150 dB for GSM 900 and LTE
#: 800/900, 135-140 dB for UMTS 2100 and LTE 1800, less for 2.6/3.5 GHz), and
#: they agree with the fixed-radius approach used for coverage estimates when
#: no prediction exists (a few km for 3G/4G, more for 2G 900). They are
#: deliberately conservative in mountains, where the terrain model is the right
#: tool. Override per site with the ``range_m`` column or per table entry in the
#: config file (``[ranges.4G] mid = 3500``).
DEFAULT_RANGES_M: dict[str, dict[str, float]] = {
    "2G": {"low": 7000.0, "mid": 3500.0, "high": 3500.0},
    "3G": {"low": 6000.0, "mid": 3000.0, "high": 3000.0},
    "4G": {"low": 6000.0, "mid": 4000.0, "high": 2500.0},
    "5G": {"low": 5000.0, "mid": 3000.0, "high": 1200.0},
}

#: Carrier frequency assumed when a site row gives none (MHz): GSM 900, UMTS
#: 2100, LTE 1800 and NR 3500 are the bands deployed nationwide in Vietnam.
DEFAULT_FREQUENCY_MHZ: dict[str, float] = {"2G": 900.0, "3G": 2100.0, "4G": 1800.0, "5G": 3500.0}

#: Radius around each site within which the raster models compute the signal (m).
#: Beyond these, the default EIRPs are below the thresholds under the Hata base model
#: even from a hilltop (2G 900 MHz reaches its -95 dBm RxLev at about 11 km in
#: suburban Hata from a 30 m mast).
DEFAULT_PREDICTION_RADIUS_M: dict[str, float] = {
    "2G": 20000.0,
    "3G": 12000.0,
    "4G": 15000.0,
    "5G": 6000.0,
}

#: EIRP assumed when a site row gives none (dBm, main beam): 20 W (43 dBm) per GSM/UMTS
#: carrier, 40 W (46 dBm) LTE and 200 W (53 dBm) NR radios, 17 dBi (NR: 24 dBi beam)
#: antennas, 2-3 dB of feeder and connector losses.
DEFAULT_EIRP_DBM: dict[str, float] = {"2G": 58.0, "3G": 58.0, "4G": 60.0, "5G": 74.0}

#: Outdoor coverage thresholds, dBm, in the quantity each technology is measured in.
#:
#: These are the project's defaults, not a regulator's figures: no regulator's threshold
#: could be checked against its primary text when this module was written. Where each
#: value comes from:
#:
#: * ``"2G"`` -95 dBm RxLev: the lower bound of the "average" class (-95 to -85 dBm;
#:   "poor" is -105 to -95 dBm) of the RxLev legend in VNPT's network-quality rules
#:   (QĐ 1705/QĐ-VNPT-CNM-CLG, as reproduced in a public operator drive-test template).
#: * ``"3G"`` -100 dBm CPICH RSCP: a conventional outdoor planning value, unsourced. The
#:   same VNPT legend uses the RxLev classes for RSCP, so it would rate -100 dBm "poor".
#: * ``"4G"`` -110 dBm RSRP: a conventional basic outdoor coverage value, unsourced. It
#:   is more permissive than the about -105 dBm RSRP often quoted for Ofcom's "good"
#:   outdoor 4G (not checked against Ofcom's own methodology).
#: * ``"5G"`` -110 dBm SS-RSRP: as 4G (SS-RSRP is also per resource element).
#:
#: Override them per study; indoor coverage needs a building-penetration margin on top.
DEFAULT_THRESHOLDS_DBM: dict[str, float] = {
    "2G": -95.0,
    "3G": -100.0,
    "4G": -110.0,
    "5G": -110.0,
}

#: Village-covered rules; see :mod:`coverage.metrics`.
RULES: tuple[str, ...] = ("area", "centroid", "population")


def _thresholds() -> dict[str, float]:
    return dict(DEFAULT_THRESHOLDS_DBM)


def band_class(frequency_mhz: float) -> str:
    """Return the band class (``low``, ``mid`` or ``high``) of a frequency in MHz."""
    if frequency_mhz < 1000:
        return "low"
    if frequency_mhz < 2300:
        return "mid"
    return "high"


@dataclass(frozen=True)
class Settings:
    """Every tunable of a run. Build with :func:`load_config` or ``Settings()``.

    Attributes
    ----------
    rule
        Village-covered rule: ``area`` (default: the share of the village area
        inside coverage must reach ``threshold``; it is what "the village has
        signal" means to a planner walking it), ``centroid`` (the village's
        representative point is covered; for point-only village layers) or
        ``population`` (like ``area``, but the headline share is weighted by
        village population).
    threshold
        Minimum covered share for ``area``/``population`` (default 0.5: most of
        the village, the usual reading of "covered" in provincial reports).
    headline_technologies
        Technologies whose union is the headline "3G/4G" coverage.
    fibre_distance_m
        A commune centre or postal point without an explicit attribute counts
        as fibre-connected when a fibre node or route lies within this distance
        (default 500 m: a typical FTTx drop/distribution span from a splitter).
    ranges_m
        Default range table, see :data:`DEFAULT_RANGES_M`.
    max_range_m
        Ranges above this are capped, with a warning (default 35 km, the GSM
        timing-advance limit; OpenCelliD's estimated ranges often exceed it).
    use_opencellid_range
        Use OpenCelliD's ``range`` column as the cell radius (default True). It
        estimates where the cell was *observed*, not a designed radius.
    crs
        Metric CRS for all measurements; ``None`` picks the UTM zone of the
        villages (EPSG:32648 for Quang Binh).
    csv_crs
        CRS of CSV ``lon``/``lat`` or ``x``/``y`` columns (default EPSG:4326).
    encoding
        Attribute text encoding: ``auto`` (UTF-8; legacy TCVN3/VNI/Windows-1258
        Vietnamese detected and converted with a warning) or one to force.
    quad_segs
        Segments per quarter circle when drawing range discs (16: the polygon's
        area is 0.16 % below the true disc).
    n_jobs
        Threads for the geometry work (shapely releases the GIL); default: all cores.
    itm_epsilon, itm_sigma, itm_n0, itm_climate
        Longley-Rice (ITM) ground and atmosphere: average ground (relative permittivity
        15, conductivity 0.005 S/m), surface refractivity 301 N-units, climate 3
        "maritime subtropical" (coastal central Vietnam; NTIA's codes 1-7).
    itm_heights
        Profile heights of the ``itm`` model: ``nearest`` (default; the DEM is
        reprojected and sampled without interpolation, so every profile point is a
        real DEM height, as SPLAT! does; on a grid finer than the DEM it is first
        interpolated bilinearly, since repeated posts would make terraces) or
        ``bilinear`` (smoother; ridges between DEM posts are lowered, which lowers
        diffraction losses: on the SPLAT! reference tile it raises the share of pixels
        above a level by 2-8 points).
    itm_time, itm_location, itm_situation
        ITM reliability and confidence (percent, 0.1-99.9): the loss not exceeded for
        this share of the time, of the locations, and of the situations (mdvar 12:
        point-to-point, time and situation variability only; ``itm_location`` is
        accepted for completeness and has no effect there). 50/50/50 gives the median;
        SPLAT!'s area maps use time 90 %.
    max_village_population, max_total_population
        Plausibility limits: a village of more people than this (default 1,000,000,
        more than any commune-level unit of Vietnam, even the 2025 merged ones), or a
        run totalling more (default 200,000,000, twice Vietnam), is refused as a
        misplaced value rather than counted.
    max_height_m, min_range_m
        Antenna heights above this (default 500 m: the tallest masts are about 300 m)
        and site ranges below this (default 10 m: a picocell's radius is tens of metres)
        are refused as implausible.
    plan_technology, plan_frequency_mhz, plan_height_m, plan_eirp_dbm
        A new site proposed by ``coverage plan sites --auto-candidates``: 4G at 900 MHz
        (the rural coverage band), a 30 m mast, 60 dBm EIRP (40 W, 17 dBi, 3 dB losses).
    plan_cost_new, plan_cost_upgrade
        Their relative costs: a new site 1, adding the technology to an existing tower
        0.3 (the tower, power and backhaul are there).
    plan_reach_m, plan_peak_window_m, plan_grid_m
        Auto candidates: the DEM's high points (the highest pixel of each
        ``plan_peak_window_m`` window) within ``plan_reach_m`` of an uncovered village,
        and a ``plan_grid_m`` grid over the uncovered villages as a fallback.
    plan_time_limit_s
        Time limit of the exact (MILP) planner; beyond it the plan reports its gap.
    calibration
        The text of a ``calibration.toml`` (``coverage calibrate --out``; ``--calibration
        FILE`` or ``[model] calibration = "FILE"``): the raster models add its offset and
        distance slope per technology (and per-site offsets) to every site's level, and
        the run records it. Empty: no calibration.
    fibre_snap_m, fibre_spur_max_m
        ``coverage plan fibre``'s road graph: road vertices closer than ``fibre_snap_m``
        (default 5 m, about a GPS trace's error) are joined; road fragments are joined to
        the network by straight spurs of at most ``fibre_spur_max_m`` (default 1 km).
    fibre_attach_max_m
        A target farther than this from every road (default 5 km) is reported
        unreachable rather than joined by a long straight cable.
    fibre_route_spacing_m
        Existing fibre routes are joined to the roads every this many metres (default 50).
    fibre_detour_factor
        Without a road layer, cable runs as straight lines times this factor (default
        1.3: road distance is 1.2-1.4 times the straight line in most countries; Ballou,
        Rahardja and Sakai, *Transportation Research A* 36 (2002) 843-848).
    fibre_cost_per_km, fibre_cost_per_point, fibre_currency
        Cost of new cable per km by road class (``default`` for any class not listed;
        ``spur``, ``connector`` and ``straight`` for the off-road pieces) and per
        connected point, in ``fibre_currency``. Default USD 15,850 per km, Analysys
        Mason's figure for rural fibre in emerging markets (2011; urban: 44,350), and
        no per-point cost (equipment quotes vary too much for one figure). These are
        not Vietnamese tariffs: set your own (README, "Planning fibre").
    """

    rule: str = "area"
    threshold: float = 0.5
    headline_technologies: tuple[str, ...] = ("3G", "4G")
    fibre_distance_m: float = 500.0
    ranges_m: Mapping[str, Mapping[str, float]] = field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_RANGES_M.items()}
    )
    max_range_m: float = 35000.0
    use_opencellid_range: bool = True
    crs: str | None = None
    csv_crs: str = "EPSG:4326"
    encoding: str = "auto"
    quad_segs: int = 16
    n_jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    dem: tuple[str, ...] = ()
    resolution_m: float | None = None
    thresholds_dbm: Mapping[str, float] = field(default_factory=lambda: dict(_thresholds()))
    default_eirp_dbm: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_EIRP_DBM))
    default_height_m: float = 30.0
    default_tilt_deg: float = 2.0
    prediction_radius_m: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_PREDICTION_RADIUS_M)
    )
    base_model: str = "hata"
    environment: str = "suburban"
    rx_height_m: float = 1.5
    k_factor: float = 4.0 / 3.0
    front_to_back_db: float = 25.0
    vertical_beamwidth_deg: float = 10.0
    side_lobe_db: float = 20.0
    itm_epsilon: float = 15.0
    itm_sigma: float = 0.005
    itm_n0: float = 301.0
    itm_climate: int = 3
    itm_heights: str = "nearest"
    itm_time: float = 50.0
    itm_location: float = 50.0
    itm_situation: float = 50.0
    max_village_population: float = 1_000_000.0
    max_total_population: float = 200_000_000.0
    max_height_m: float = 500.0
    min_range_m: float = 10.0
    plan_technology: str = "4G"
    plan_frequency_mhz: float = 900.0
    plan_height_m: float = 30.0
    plan_eirp_dbm: float = 60.0
    plan_cost_new: float = 1.0
    plan_cost_upgrade: float = 0.3
    plan_reach_m: float = 8000.0
    plan_peak_window_m: float = 1000.0
    plan_grid_m: float = 2000.0
    plan_time_limit_s: float = 30.0
    calibration: str = ""
    fibre_snap_m: float = 5.0
    fibre_spur_max_m: float = 1000.0
    fibre_attach_max_m: float = 5000.0
    fibre_route_spacing_m: float = 50.0
    fibre_detour_factor: float = 1.3
    fibre_cost_per_km: Mapping[str, float] = field(default_factory=lambda: {"default": 15850.0})
    fibre_cost_per_point: float = 0.0
    fibre_currency: str = "USD"

    def __post_init__(self) -> None:
        _check_types(self)
        if self.rule not in RULES:
            raise ConfigError(f"rule must be one of {', '.join(RULES)}; got {self.rule!r}")
        if not 0.0 < float(self.threshold) <= 1.0:
            raise ConfigError(f"threshold must be in (0, 1]; got {self.threshold!r}")
        if not float(self.fibre_distance_m) >= 0:
            raise ConfigError(f"fibre distance must be >= 0 m; got {self.fibre_distance_m!r}")
        unknown = [t for t in self.headline_technologies if t not in TECHNOLOGIES]
        if unknown or not self.headline_technologies:
            raise ConfigError(
                f"headline technologies must be among {', '.join(TECHNOLOGIES)}; "
                f"got {list(self.headline_technologies)}"
            )
        for tech, table in self.ranges_m.items():
            if tech not in TECHNOLOGIES:
                raise ConfigError(f"ranges: unknown technology {tech!r}")
            for band, value in table.items():
                if band not in BAND_CLASSES:
                    raise ConfigError(f"ranges.{tech}: unknown band class {band!r}")
                if not (isinstance(value, int | float) and value > 0):
                    raise ConfigError(f"ranges.{tech}.{band} must be a positive number of metres")
                if value > self.max_range_m:
                    raise ConfigError(
                        f"ranges.{tech}.{band} = {value:g} m is above max_range_m "
                        f"({self.max_range_m:g} m); lower it or raise max_range_m"
                    )
        for name in ("max_village_population", "max_total_population", "max_height_m"):
            if not float(getattr(self, name)) > 0:
                raise ConfigError(f"[limits] {name} must be positive")
        if not 0 <= float(self.min_range_m) < self.max_range_m:
            raise ConfigError("[limits] min_range_m must be within 0 and max_range_m")
        if self.plan_technology not in TECHNOLOGIES:
            raise ConfigError(
                f"[plan] technology must be one of {', '.join(TECHNOLOGIES)}; "
                f"got {self.plan_technology!r}"
            )
        for name in (
            "plan_frequency_mhz",
            "plan_height_m",
            "plan_cost_new",
            "plan_cost_upgrade",
            "plan_reach_m",
            "plan_peak_window_m",
            "plan_grid_m",
            "plan_time_limit_s",
        ):
            if not float(getattr(self, name)) > 0:
                raise ConfigError(f"{_setting_name(name)} must be positive")
        self._check_fibre()
        if self.calibration:
            from .calibration import parse_cached

            parse_cached(self.calibration)  # a bad file is refused here, with its key
        if self.quad_segs < 2:
            raise ConfigError("quad_segs must be >= 2")
        if self.n_jobs < 1:
            raise ConfigError("n_jobs must be >= 1")
        self._check_radio()

    def _check_fibre(self) -> None:
        for name in ("fibre_snap_m", "fibre_spur_max_m", "fibre_cost_per_point"):
            if not float(getattr(self, name)) >= 0:
                raise ConfigError(f"{_setting_name(name)} must be >= 0")
        for name in ("fibre_attach_max_m", "fibre_route_spacing_m"):
            if not float(getattr(self, name)) > 0:
                raise ConfigError(f"{_setting_name(name)} must be positive")
        if not float(self.fibre_detour_factor) >= 1.0:
            raise ConfigError("[fibre] detour_factor must be >= 1 (a cable is never shorter)")
        if "default" not in self.fibre_cost_per_km:
            raise ConfigError("[fibre.cost_per_km] needs a default (for the classes not listed)")
        if any(not float(v) >= 0 for v in self.fibre_cost_per_km.values()):
            raise ConfigError("[fibre.cost_per_km] costs must be >= 0")

    def _check_radio(self) -> None:
        from .encoding import ENCODINGS

        if self.encoding != "auto" and self.encoding not in ENCODINGS:
            raise ConfigError(
                f"encoding must be auto or one of {', '.join(ENCODINGS)}; got {self.encoding!r}"
            )
        if self.base_model not in ("hata", "free-space"):
            raise ConfigError(f"base model must be hata or free-space; got {self.base_model!r}")
        if self.environment not in ("urban", "suburban", "open"):
            raise ConfigError(
                f"environment must be urban, suburban or open; got {self.environment!r}"
            )
        if not 0.5 <= float(self.k_factor) <= 1e9:
            raise ConfigError(f"k factor must be >= 0.5; got {self.k_factor!r}")
        if self.resolution_m is not None and not float(self.resolution_m) > 0:
            raise ConfigError("resolution_m must be a positive number of metres")
        for name in ("thresholds_dbm", "default_eirp_dbm", "prediction_radius_m"):
            table = getattr(self, name)
            unknown = [t for t in table if t not in TECHNOLOGIES]
            if unknown:
                raise ConfigError(f"{name}: unknown technology {unknown[0]!r}")
        if any(float(v) <= 0 for v in self.prediction_radius_m.values()):
            raise ConfigError("prediction radii must be positive")
        self._check_itm()

    def _check_itm(self) -> None:
        if not float(self.itm_epsilon) >= 1.0:
            raise ConfigError(f"[itm] epsilon must be >= 1; got {self.itm_epsilon!r}")
        if not float(self.itm_sigma) > 0.0:
            raise ConfigError(f"[itm] sigma must be > 0 S/m; got {self.itm_sigma!r}")
        if not 250.0 <= float(self.itm_n0) <= 400.0:
            raise ConfigError(f"[itm] n0 must be within 250-400 N-units; got {self.itm_n0!r}")
        if self.itm_climate not in range(1, 8) or isinstance(self.itm_climate, bool):
            raise ConfigError(f"[itm] climate must be an integer 1-7; got {self.itm_climate!r}")
        if self.itm_heights not in ("nearest", "bilinear"):
            raise ConfigError(
                f"[itm] heights must be nearest or bilinear; got {self.itm_heights!r}"
            )
        for key in ("time", "location", "situation"):
            value = getattr(self, f"itm_{key}")
            if isinstance(value, bool) or not 0.1 <= float(value) <= 99.9:
                raise ConfigError(
                    f"[itm] {key} must be a percentage within 0.1-99.9; got {value!r}"
                )

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with the non-``None`` entries of ``changes`` applied."""
        changes = {k: v for k, v in changes.items() if v is not None}
        if "ranges_m" in changes:
            merged = {k: dict(v) for k, v in self.ranges_m.items()}
            for tech, table in changes["ranges_m"].items():
                merged.setdefault(tech, {}).update(table)
            changes["ranges_m"] = merged
        for name in ("thresholds_dbm", "default_eirp_dbm", "prediction_radius_m"):
            if name in changes:
                changes[name] = {**getattr(self, name), **changes[name]}
        if "dem" in changes:
            dem = changes["dem"]
            changes["dem"] = (dem,) if isinstance(dem, str | os.PathLike) else tuple(dem)
        if "headline_technologies" in changes:
            changes["headline_technologies"] = tuple(changes["headline_technologies"])
        return dataclasses.replace(self, **changes)

    def default_range_m(self, technology: str, frequency_mhz: float) -> float:
        """Return the default range of a technology at a frequency."""
        return float(self.ranges_m[technology][band_class(frequency_mhz)])

    def describe_rule(self) -> dict[str, Any]:
        """Return the village rule as it appears in the JSON output."""
        return {"name": self.rule, "threshold": self.threshold}


_CONFIG_KEYS = {
    "rule": ("rule", "name"),
    "threshold": ("rule", "threshold"),
    "headline_technologies": ("rule", "headline_technologies"),
    "fibre_distance_m": ("connectivity", "fibre_distance_m"),
    "max_range_m": ("sites", "max_range_m"),
    "use_opencellid_range": ("sites", "use_opencellid_range"),
    "crs": ("projection", "crs"),
    "csv_crs": ("projection", "csv_crs"),
    "encoding": ("input", "encoding"),
    "quad_segs": ("model", "quad_segs"),
    "n_jobs": ("model", "n_jobs"),
    "dem": ("terrain", "dem"),
    "resolution_m": ("terrain", "resolution_m"),
    "k_factor": ("terrain", "k_factor"),
    "base_model": ("radio", "base_model"),
    "environment": ("radio", "environment"),
    "rx_height_m": ("radio", "rx_height_m"),
    "default_height_m": ("radio", "default_height_m"),
    "default_tilt_deg": ("radio", "default_tilt_deg"),
    "front_to_back_db": ("radio", "front_to_back_db"),
    "vertical_beamwidth_deg": ("radio", "vertical_beamwidth_deg"),
    "side_lobe_db": ("radio", "side_lobe_db"),
    "itm_epsilon": ("itm", "epsilon"),
    "itm_sigma": ("itm", "sigma"),
    "itm_n0": ("itm", "n0"),
    "itm_climate": ("itm", "climate"),
    "itm_heights": ("itm", "heights"),
    "itm_time": ("itm", "time"),
    "itm_location": ("itm", "location"),
    "itm_situation": ("itm", "situation"),
    "max_village_population": ("limits", "max_village_population"),
    "max_total_population": ("limits", "max_total_population"),
    "max_height_m": ("limits", "max_height_m"),
    "min_range_m": ("limits", "min_range_m"),
    "plan_technology": ("plan", "technology"),
    "plan_frequency_mhz": ("plan", "frequency_mhz"),
    "plan_height_m": ("plan", "height_m"),
    "plan_eirp_dbm": ("plan", "eirp_dbm"),
    "plan_cost_new": ("plan", "cost_new"),
    "plan_cost_upgrade": ("plan", "cost_upgrade"),
    "plan_reach_m": ("plan", "reach_m"),
    "plan_peak_window_m": ("plan", "peak_window_m"),
    "plan_grid_m": ("plan", "grid_m"),
    "plan_time_limit_s": ("plan", "time_limit_s"),
    "calibration": ("model", "calibration"),
    "fibre_snap_m": ("fibre", "snap_m"),
    "fibre_spur_max_m": ("fibre", "spur_max_m"),
    "fibre_attach_max_m": ("fibre", "attach_max_m"),
    "fibre_route_spacing_m": ("fibre", "route_spacing_m"),
    "fibre_detour_factor": ("fibre", "detour_factor"),
    "fibre_cost_per_km": ("fibre", "cost_per_km"),
    "fibre_cost_per_point": ("fibre", "cost_per_point"),
    "fibre_currency": ("fibre", "currency"),
}

#: Per-technology tables in the config file: [thresholds] 4G = -105, etc.
_TABLES = {
    "thresholds": "thresholds_dbm",
    "eirp": "default_eirp_dbm",
    "prediction_radius": "prediction_radius_m",
}


def _setting_name(field_name: str) -> str:
    """How a setting is named in messages: its config key where it has one."""
    if field_name in _CONFIG_KEYS:
        section, key = _CONFIG_KEYS[field_name]
        return f"[{section}] {key}"
    for section, name in _TABLES.items():
        if name == field_name:
            return f"[{section}]"
    return "[ranges]" if field_name == "ranges_m" else field_name


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _type_problem(annotation: str, value: Any) -> str | None:
    """What is wrong with ``value`` for a field annotated ``annotation``, or None."""
    if value is None and annotation.endswith("| None"):
        return None
    kind = annotation.removesuffix(" | None")
    checks: dict[str, tuple[Any, str]] = {
        "float": (_is_number, "a number"),
        "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number"),
        "bool": (lambda v: isinstance(v, bool), "true or false"),
        "str": (lambda v: isinstance(v, str), "text"),
        "tuple[str, ...]": (
            lambda v: (
                isinstance(v, tuple | list) and all(isinstance(x, str | os.PathLike) for x in v)
            ),
            "a list of text",
        ),
        "Mapping[str, float]": (
            lambda v: isinstance(v, Mapping) and all(_is_number(x) for x in v.values()),
            "a table of numbers",
        ),
        "Mapping[str, Mapping[str, float]]": (
            lambda v: (
                isinstance(v, Mapping)
                and all(
                    isinstance(t, Mapping) and all(_is_number(x) for x in t.values())
                    for t in v.values()
                )
            ),
            "tables of numbers",
        ),
    }
    test, what = checks[kind]
    if test(value):
        return None
    hint = " (write numbers without quotes)" if isinstance(value, str) and "number" in what else ""
    return f"must be {what}; got {value!r}{hint}"


#: Settings whose own check already names the allowed values (of any type).
_OWN_TYPE_CHECK = frozenset({"itm_climate"})


def _check_types(settings: Settings) -> None:
    """Refuse a setting of the wrong type (``threshold = "0.8"``) before it is used."""
    for f in dataclasses.fields(settings):
        if f.name in _OWN_TYPE_CHECK:
            continue
        value = getattr(settings, f.name)
        if str(f.type) == "Mapping[str, float]" and isinstance(value, Mapping):
            for key, entry in value.items():  # name the entry, not the whole table
                problem = _type_problem("float", entry)
                if problem:
                    raise ConfigError(f"{_setting_name(f.name)} {key} {problem}")
        problem = _type_problem(str(f.type), value)
        if problem:
            raise ConfigError(f"{_setting_name(f.name)} {problem}")


def read_calibration(path: str | os.PathLike) -> str:
    """The text of a ``calibration.toml`` for :attr:`Settings.calibration`."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: calibration file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the calibration ({exc})") from None


def load_config(path: str | os.PathLike | None = None, **overrides: Any) -> Settings:
    """Read a TOML config file and apply ``overrides`` on top.

    Parameters
    ----------
    path
        A TOML file, or ``None`` for the defaults. Sections and keys::

            [rule]          name, threshold, headline_technologies
            [connectivity]  fibre_distance_m
            [sites]         max_range_m, use_opencellid_range
            [projection]    crs, csv_crs
            [input]         encoding
            [model]         quad_segs, n_jobs, calibration (a calibration.toml)
            [terrain]       dem, resolution_m, k_factor
            [radio]         base_model, environment, rx_height_m, default_height_m,
                            default_tilt_deg, front_to_back_db, vertical_beamwidth_deg,
                            side_lobe_db
            [itm]           epsilon, sigma, n0, climate, heights, time, location,
                            situation
            [limits]        max_village_population, max_total_population,
                            max_height_m, min_range_m
            [plan]          technology, frequency_mhz, height_m, eirp_dbm, cost_new,
                            cost_upgrade, reach_m, peak_window_m, grid_m, time_limit_s
            [fibre]         snap_m, spur_max_m, attach_max_m, route_spacing_m,
                            detour_factor, cost_per_point, currency
            [fibre.cost_per_km]  default = ..., national = ..., (per road class)
            [ranges.4G]     low, mid, high   (metres, per band class)
            [thresholds] / [eirp] / [prediction_radius]   2G = ..., 4G = ... (per
                            technology: dBm, dBm, metres)
    **overrides
        Keyword values (e.g. from the CLI) that win over the file; ``None`` is ignored.

    Examples
    --------
    >>> load_config(rule="centroid").rule
    'centroid'
    """
    values: dict[str, Any] = {}
    if path is not None:
        try:
            with open(path, "rb") as fh:
                doc = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"{path}: config file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
        known_sections = {s for s, _ in _CONFIG_KEYS.values()} | {"ranges", *_TABLES}
        for section in doc:
            if section not in known_sections:
                raise ConfigError(
                    f"{path}: unknown section [{section}]; "
                    f"expected one of {', '.join(sorted(known_sections))}"
                )
        for name, (section, key) in _CONFIG_KEYS.items():
            if key in doc.get(section, {}):
                values[name] = doc[section][key]
        for section, keys in doc.items():
            if section == "ranges" or section in _TABLES or not isinstance(keys, dict):
                continue
            allowed = {k for s, k in _CONFIG_KEYS.values() if s == section}
            for key in keys:
                if key not in allowed:
                    raise ConfigError(
                        f"{path}: unknown key {key!r} in [{section}]; "
                        f"expected one of {', '.join(sorted(allowed))}"
                    )
        if "ranges" in doc:
            values["ranges_m"] = doc["ranges"]
        if "calibration" in values:  # a file named in the config, relative to it
            values["calibration"] = read_calibration(Path(path).parent / str(values["calibration"]))
        for section, name in _TABLES.items():
            if section in doc:
                values[name] = doc[section]
    try:
        from_file = Settings().replace(**values)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except TypeError as exc:  # a value of the wrong kind where a table was expected
        raise ConfigError(f"{path}: {exc}") from None
    return from_file.replace(**overrides)
