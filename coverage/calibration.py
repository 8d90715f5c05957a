"""Compare predictions with measurements, fit a calibration, cross-validate it.

The statistics and fitting core of ``coverage calibrate``. Everything here works on a
table of measurements already paired with the model's predictions, one row per
measurement:

``technology``
    ``2G``, ``3G``, ``4G`` or ``5G``.
``measured_dbm``, ``predicted_dbm``
    The measured and the predicted level; ``predicted_dbm`` is NaN where the model
    predicted nothing.
``distance_m``
    Distance to the serving (or best) site, in metres, > 0.
``site_id``
    The serving (or best) site.
``x``, ``y``
    Metric coordinates (for cross-validation folds by area).
``los`` (optional)
    Line of sight to the site: True, False, or None when unknown.

Conventions, the same in every function and output:

- **Error** = predicted - measured. A model that is too optimistic (predicts more
  signal than is measured) has a *positive* mean error.
- **Calibrated level** = predicted + ``offset_db`` + ``slope_db_per_decade`` x
  log10(d / 1 km) + the site's offset. A model 6 dB too optimistic everywhere gets
  ``offset_db = -6``. The fit is least squares of the residual measured - predicted
  (= -error) on ``a + b log10(d / 1 km)``, per technology.
- **Standard deviation** is the population one (divide by n, not n - 1), so that
  ``rmse_db**2 == mean_error_db**2 + std_db**2`` exactly.
- **Distance bands**: [0, 1), [1, 3), [3, 10) and [10, inf) km (:data:`DISTANCE_BANDS_KM`).
- **Rejected rows**: a row without a prediction, without a measurement, with an
  unknown technology or (where the table has distances) a distance that is not a
  positive number is left out and counted under that reason (:func:`usable`).

Nothing here reads files, calls a propagation model or prints: the CLI does that.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({
...     "technology": ["4G"] * 4,
...     "measured_dbm": [-80.0, -86.0, -90.0, -96.0],
...     "predicted_dbm": [-74.0, -80.0, -84.0, -90.0],
...     "distance_m": [500.0, 1000.0, 2000.0, 4000.0],
...     "site_id": ["S1"] * 4,
... })
>>> error_stats(frame)["mean_error_db"]  # the model is 6 dB too optimistic
6.0
>>> calibration = fit(frame, model="hata", date="2024-05-01")
>>> calibration.offset_db, calibration.slope_db_per_decade  # 4 points: offset only
({'4G': -6.0}, {'4G': 0.0})
>>> calibration.apply([-70.0, -100.0], "4G", [800.0, 9000.0]).tolist()
[-76.0, -106.0]
"""

from __future__ import annotations

import functools
import logging
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date as _date
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._errors import ConfigError
from .settings import TECHNOLOGIES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

log = logging.getLogger(__name__)

#: Fewest points of a technology for which a distance slope is fitted. Below this the
#: slope's standard error is too large to be of use (with 10 points spread over one
#: decade of distance and 8 dB of noise it is already about 5 dB per decade), so the
#: technology gets its offset only.
MIN_POINTS_FOR_SLOPE: int = 10

#: Smallest spread (population standard deviation) of log10(distance) in decades for
#: which a distance slope is fitted. 0.1 decade means distances within roughly
#: +-26 % of each other: the slope would mostly fit noise, so the technology gets its
#: offset only.
MIN_LOG_DISTANCE_SPREAD: float = 0.1

#: Distances below this (metres) are taken as this when a calibration is applied, so
#: that a point at a site (d = 0) gets a finite level.
MIN_DISTANCE_M: float = 1.0

#: Distance band edges in km for :func:`breakdown`; each band is closed on the left.
DISTANCE_BANDS_KM: tuple[float, ...] = (0.0, 1.0, 3.0, 10.0, math.inf)

#: The labels of the bands of :data:`DISTANCE_BANDS_KM`.
DISTANCE_BAND_LABELS: tuple[str, ...] = ("<1 km", "1-3 km", "3-10 km", ">=10 km")

#: Largest number of cells per side of the grid of area folds (see :func:`assign_folds`).
MAX_GRID_CELLS_PER_SIDE: int = 256

#: Decimals of dB written to ``calibration.toml`` (1/1000 dB: far below any noise).
TOML_DECIMALS: int = 3

_REQUIRED = ("technology", "measured_dbm", "predicted_dbm")
_BREAKDOWNS = ("technology", "distance_band", "site", "los")
_LOS_LABELS = ("LOS", "NLOS", "unknown")

Shrinkage = float | Literal["estimate"]


class CalibrationError(ConfigError, ValueError):
    """A table that cannot be calibrated, a bad option or a bad ``calibration.toml``.

    A :class:`ValueError` too, so that callers outside the CLI can catch it as one.
    """


# --------------------------------------------------------------------------- screening


def usable(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Split the rows that can be compared from those that cannot.

    Parameters
    ----------
    frame
        Measurements paired with predictions (see the module's docstring).

    Returns
    -------
    tuple
        The usable rows (a new frame; ``technology`` stripped and upper-cased) and the
        number of rejected rows by reason (only reasons that occur). Each rejected row
        is counted once, under the first reason that applies: ``"no prediction"``,
        ``"no measurement"``, ``"unknown technology"``, ``"bad distance"`` (the last
        only where the table has a ``distance_m`` column).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"technology": ["4g", "4G", "6G"],
    ...                       "measured_dbm": [-80.0, -90.0, -85.0],
    ...                       "predicted_dbm": [-75.0, float("nan"), -80.0]})
    >>> used, rejected = usable(frame)
    >>> len(used), rejected
    (1, {'no prediction': 1, 'unknown technology': 1})
    """
    _check_columns(frame, _REQUIRED)
    technology = frame["technology"].astype("string").str.strip().str.upper()
    predicted = pd.to_numeric(frame["predicted_dbm"], errors="coerce")
    measured = pd.to_numeric(frame["measured_dbm"], errors="coerce")
    checks: list[tuple[str, pd.Series]] = [
        ("no prediction", ~np.isfinite(predicted.to_numpy(dtype=float))),
        ("no measurement", ~np.isfinite(measured.to_numpy(dtype=float))),
        ("unknown technology", ~technology.isin(TECHNOLOGIES).fillna(False).to_numpy(bool)),
    ]
    if "distance_m" in frame.columns:
        distance = pd.to_numeric(frame["distance_m"], errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            checks.append(("bad distance", ~(np.isfinite(distance) & (distance > 0))))
    rejected: dict[str, int] = {}
    taken = np.zeros(len(frame), dtype=bool)
    for reason, bad in checks:
        new = np.asarray(bad, dtype=bool) & ~taken
        if new.any():
            rejected[reason] = int(new.sum())
        taken |= new
    used = frame.loc[~taken].copy()
    used["technology"] = technology[~taken].astype(object)
    used["measured_dbm"] = measured[~taken].astype(float)
    used["predicted_dbm"] = predicted[~taken].astype(float)
    if "distance_m" in used.columns:
        used["distance_m"] = pd.to_numeric(used["distance_m"]).astype(float)
    return used, rejected


def _check_columns(frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        names = ", ".join(f"'{c}'" for c in missing)
        raise CalibrationError(
            f"measurements: missing column{'s' if len(missing) > 1 else ''} {names}"
        )


# --------------------------------------------------------------------------- statistics


def error_stats(frame: pd.DataFrame) -> dict[str, Any]:
    """Error statistics of the predictions against the measurements.

    Parameters
    ----------
    frame
        Measurements paired with predictions; unusable rows are left out and counted
        (see :func:`usable`).

    Returns
    -------
    dict
        ``count`` (points used), ``points_rejected`` and ``rejected`` (by reason),
        ``mean_error_db`` (mean of predicted - measured: positive when the model is
        too optimistic), ``rmse_db``, ``std_db`` (population standard deviation, so
        rmse² = mean² + std²). The three figures are None when no point is usable.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"technology": ["3G", "3G"], "measured_dbm": [-90.0, -80.0],
    ...                       "predicted_dbm": [-86.0, -78.0]})
    >>> stats = error_stats(frame)
    >>> stats["mean_error_db"], stats["rmse_db"], stats["std_db"], stats["count"]
    (3.0, 3.1622776601683795, 1.0, 2)
    """
    used, rejected = usable(frame)
    error = (used["predicted_dbm"] - used["measured_dbm"]).to_numpy(dtype=float)
    return {
        "count": len(used),
        "points_rejected": sum(rejected.values()),
        "rejected": rejected,
        **_summary(error),
    }


def _summary(error: np.ndarray) -> dict[str, float | None]:
    if error.size == 0:
        return {"mean_error_db": None, "rmse_db": None, "std_db": None}
    return {
        "mean_error_db": float(error.mean()),
        "rmse_db": float(np.sqrt(np.mean(error**2))),
        "std_db": float(error.std(ddof=0)),
    }


def breakdown(
    frame: pd.DataFrame,
    *,
    by: Literal["technology", "distance_band", "site", "los"],
) -> pd.DataFrame:
    """Error statistics per group of measurements.

    Parameters
    ----------
    frame
        Measurements paired with predictions; unusable rows are left out (see
        :func:`usable`).
    by
        ``"technology"``; ``"distance_band"`` (the bands of
        :data:`DISTANCE_BAND_LABELS`: <1 km, 1-3 km, 3-10 km, >=10 km, from
        ``distance_m``); ``"site"`` (``site_id``); ``"los"`` (``LOS``, ``NLOS`` or
        ``unknown`` from the optional ``los`` column; all ``unknown`` without it).

    Returns
    -------
    pandas.DataFrame
        One row per non-empty group, in a natural order (technologies and bands in
        order, sites sorted), indexed by the group; columns ``count``,
        ``mean_error_db`` (predicted - measured), ``rmse_db``, ``std_db`` (population).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"technology": ["4G"] * 3, "measured_dbm": [-80.0, -90.0, -99.0],
    ...                       "predicted_dbm": [-78.0, -90.0, -95.0],
    ...                       "distance_m": [400.0, 2500.0, 12000.0]})
    >>> breakdown(frame, by="distance_band")["mean_error_db"].to_dict()
    {'<1 km': 2.0, '1-3 km': 0.0, '>=10 km': 4.0}
    """
    if by not in _BREAKDOWNS:
        raise CalibrationError(f"breakdown: by must be one of {', '.join(_BREAKDOWNS)}, not {by!r}")
    if by == "distance_band":
        _check_columns(frame, ("distance_m",))
    if by == "site":
        _check_columns(frame, ("site_id",))
    used, _ = usable(frame)
    error = used["predicted_dbm"] - used["measured_dbm"]
    key = _group_key(used, by)
    grouped = error.groupby(key, observed=True, sort=True)
    out = pd.DataFrame(
        {
            "count": grouped.size(),
            "mean_error_db": grouped.mean(),
            "rmse_db": np.sqrt((error**2).groupby(key, observed=True, sort=True).mean()),
            "std_db": grouped.std(ddof=0),
        }
    )
    out.index = pd.Index(out.index.astype(object), name=by)
    return out


def _group_key(used: pd.DataFrame, by: str) -> pd.Series:
    if by == "technology":
        return pd.Series(
            pd.Categorical(used["technology"], categories=TECHNOLOGIES, ordered=True),
            index=used.index,
        )
    if by == "distance_band":
        return distance_band(used["distance_m"])
    if by == "site":
        return used["site_id"].astype("string").fillna("unknown")
    if "los" in used.columns:
        label = used["los"].map({True: "LOS", False: "NLOS"}).fillna("unknown")
    else:
        label = pd.Series("unknown", index=used.index)
    return pd.Series(pd.Categorical(label, categories=_LOS_LABELS, ordered=True), index=used.index)


def distance_band(distance_m: pd.Series) -> pd.Series:
    """The distance band of each distance (see :data:`DISTANCE_BANDS_KM`).

    Examples
    --------
    >>> import pandas as pd
    >>> distance_band(pd.Series([999.0, 1000.0, 10000.0])).tolist()
    ['<1 km', '1-3 km', '>=10 km']
    """
    return pd.cut(
        distance_m.astype(float) / 1000.0,
        bins=list(DISTANCE_BANDS_KM),
        labels=list(DISTANCE_BAND_LABELS),
        right=False,
    ).rename("distance_band")


# --------------------------------------------------------------------------- the fit


@dataclass(frozen=True)
class Calibration:
    """Offsets and distance slopes per technology, and optional per-site offsets.

    A calibrated level is ``predicted + offset_db[t] + slope_db_per_decade[t] *
    log10(d / 1 km) + site_offsets_db[t][site]``; a technology without an entry is
    left as predicted, a site without an entry gets no site offset.

    Attributes
    ----------
    offset_db
        Offset per technology, dB (negative: the model was too optimistic).
    slope_db_per_decade
        Distance slope per technology, dB per decade of distance (0 where only the
        offset could be fitted).
    points
        Points each technology's fit used.
    site_offsets_db
        Per technology, the shrunk offset of each site, dB (empty without per-site
        offsets).
    site_points
        Per technology, the points of each site.
    shrinkage_k
        Per technology, the shrinkage constant k the site offsets used (see
        :func:`fit`); ``inf`` where the sites could not be told apart from the noise.
    notes
        Per technology, why only the offset was fitted, when it was.
    model
        The propagation model the predictions came from.
    date
        The day of the fit (ISO 8601).
    points_used
        Points used, all technologies.
    points_rejected
        Points left out (see :func:`usable`).
    """

    offset_db: dict[str, float] = field(default_factory=dict)
    slope_db_per_decade: dict[str, float] = field(default_factory=dict)
    points: dict[str, int] = field(default_factory=dict)
    site_offsets_db: dict[str, dict[str, float]] = field(default_factory=dict)
    site_points: dict[str, dict[str, int]] = field(default_factory=dict)
    shrinkage_k: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    model: str = ""
    date: str = ""
    points_used: int = 0
    points_rejected: int = 0

    def apply(
        self,
        predicted_dbm: Any,
        technology: Any,
        distance_m: Any,
        site_id: Any = None,
    ) -> Any:
        """Calibrate predicted levels (vectorised; arguments broadcast together).

        Parameters
        ----------
        predicted_dbm
            Predicted levels, dBm (NaN stays NaN).
        technology
            The technology of each level, or one for all.
        distance_m
            Distance to the site, metres (below :data:`MIN_DISTANCE_M` taken as it).
        site_id
            The site of each level, or one for all, or None for no site offsets.

        Returns
        -------
        numpy.ndarray or pandas.Series
            The calibrated levels, in the broadcast shape of the arguments; a Series
            on ``predicted_dbm``'s index when ``predicted_dbm`` is a Series.

        Examples
        --------
        >>> c = Calibration(offset_db={"4G": -6.0}, slope_db_per_decade={"4G": 2.0},
        ...                 site_offsets_db={"4G": {"S1": 1.5}})
        >>> c.apply([-80.0, -80.0, -80.0], ["4G", "4G", "3G"], [10_000.0, 1000.0, 10.0],
        ...         site_id=["S2", "S1", "S1"]).tolist()
        [-84.0, -84.5, -80.0]
        """
        arrays = [
            np.asarray(predicted_dbm, dtype=float),
            np.asarray(technology, dtype=object),
            np.asarray(distance_m, dtype=float),
        ]
        if site_id is not None:
            arrays.append(np.asarray(site_id, dtype=object))
        broadcast = np.broadcast_arrays(*arrays)
        shape = broadcast[0].shape
        predicted, tech, distance = (a.ravel() for a in broadcast[:3])
        tech_s = pd.Series(tech, dtype=object)
        offset = tech_s.map(self.offset_db).fillna(0.0).to_numpy(dtype=float)
        slope = tech_s.map(self.slope_db_per_decade).fillna(0.0).to_numpy(dtype=float)
        decades = np.log10(np.maximum(distance, MIN_DISTANCE_M) / 1000.0)
        # a technology without a slope must not turn a missing distance into NaN
        distance_term = np.where(slope == 0.0, 0.0, slope * decades)
        calibrated = predicted + offset + distance_term
        if site_id is not None and any(self.site_offsets_db.values()):
            calibrated = calibrated + self._site_term(tech_s, broadcast[3].ravel())
        result = calibrated.reshape(shape)
        if isinstance(predicted_dbm, pd.Series) and result.shape == predicted_dbm.shape:
            return pd.Series(result, index=predicted_dbm.index, name=predicted_dbm.name)
        return result

    def _site_term(self, technology: pd.Series, site_id: np.ndarray) -> np.ndarray:
        table = pd.Series(
            {
                (tech, site): offset
                for tech, sites in self.site_offsets_db.items()
                for site, offset in sites.items()
            },
            dtype=float,
        )
        sites = pd.Series(site_id, dtype=object)
        known = sites.notna().to_numpy()
        keys = pd.MultiIndex.from_arrays([technology, sites.astype(str)])
        term = table.reindex(keys).to_numpy(dtype=float)
        return np.where(known & np.isfinite(term), term, 0.0)

    def apply_to(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A copy of a measurement table with ``predicted_dbm`` calibrated.

        Uses ``technology``, ``distance_m`` and, when the table has it, ``site_id``;
        the input is not modified. :func:`error_stats` of the result gives the
        figures after calibration.
        """
        _check_columns(frame, (*_REQUIRED, "distance_m"))
        out = frame.copy()
        technology = frame["technology"].astype("string").str.strip().str.upper()
        site = frame["site_id"].astype(object) if "site_id" in frame.columns else None
        out["predicted_dbm"] = self.apply(
            pd.to_numeric(frame["predicted_dbm"], errors="coerce").to_numpy(dtype=float),
            technology.astype(object).to_numpy(),
            pd.to_numeric(frame["distance_m"], errors="coerce").to_numpy(dtype=float),
            None if site is None else site.to_numpy(),
        )
        return out

    def to_toml(self) -> str:
        """The calibration as the text of a ``calibration.toml``.

        dB figures are written with :data:`TOML_DECIMALS` decimals and k with 6
        significant digits; :func:`from_toml` reads the text back to the same figures,
        and writing that again gives the same text.

        Examples
        --------
        >>> c = Calibration(offset_db={"4G": -6.01234}, slope_db_per_decade={"4G": 2.5},
        ...                 points={"4G": 120}, model="hata", date="2024-05-01",
        ...                 points_used=120)
        >>> print(c.to_toml())  # doctest: +NORMALIZE_WHITESPACE
        # coverage calibrate: calibrated = predicted + offset_db
        #   + slope_db_per_decade * log10(distance / 1 km) + the site's offset_db
        [calibration]
        model = "hata"
        date = "2024-05-01"
        points_used = 120
        points_rejected = 0
        <BLANKLINE>
        [calibration.technology.4G]
        offset_db = -6.012
        slope_db_per_decade = 2.500
        points = 120
        """
        lines = [
            "# coverage calibrate: calibrated = predicted + offset_db",
            "#   + slope_db_per_decade * log10(distance / 1 km) + the site's offset_db",
            "[calibration]",
            f"model = {_toml_string(self.model)}",
            f"date = {_toml_string(self.date)}",
            f"points_used = {int(self.points_used)}",
            f"points_rejected = {int(self.points_rejected)}",
        ]
        for tech in (t for t in TECHNOLOGIES if t in self.offset_db):
            lines += [
                "",
                f"[calibration.technology.{tech}]",
                f"offset_db = {_toml_db(self.offset_db[tech])}",
                f"slope_db_per_decade = {_toml_db(self.slope_db_per_decade.get(tech, 0.0))}",
                f"points = {int(self.points.get(tech, 0))}",
            ]
            if tech in self.notes:
                lines.append(f"note = {_toml_string(self.notes[tech])}")
            if tech in self.shrinkage_k:
                lines.append(f"shrinkage_k = {_toml_k(self.shrinkage_k[tech])}")
            sites = self.site_offsets_db.get(tech, {})
            if sites:
                lines += ["", f"[calibration.technology.{tech}.sites]"]
                counts = self.site_points.get(tech, {})
                lines += [
                    f"{_toml_string(site)} = {{ offset_db = {_toml_db(offset)}, "
                    f"points = {int(counts.get(site, 0))} }}"
                    for site, offset in sorted(sites.items())
                ]
        return "\n".join(lines) + "\n"


def _empty_tables() -> dict[str, dict]:
    """The per-technology tables of a :class:`Calibration`, empty."""
    names = ("offset_db", "slope_db_per_decade", "points", "site_offsets_db", "site_points")
    return {name: {} for name in (*names, "shrinkage_k", "notes")}


def fit(
    frame: pd.DataFrame,
    *,
    per_site: bool = False,
    shrinkage: Shrinkage = "estimate",
    model: str = "",
    date: str | None = None,
) -> Calibration:
    """Fit an offset and a distance slope per technology, and optional site offsets.

    Per technology, least squares of the residual measured - predicted on
    ``a + b log10(d / 1 km)``: ``offset_db = a``, ``slope_db_per_decade = b``. A
    technology with fewer than :data:`MIN_POINTS_FOR_SLOPE` points, or whose
    log-distances spread less than :data:`MIN_LOG_DISTANCE_SPREAD`, gets the mean
    residual as its offset and slope 0, with a note; one without points gets no entry.

    Site offsets (``per_site=True``) are random-effects estimates shrunk toward the
    technology's fit: with ``r`` the residuals after that fit, a site with ``n_s``
    points gets ``n_s / (n_s + k) * mean(r over the site)``. So a site with few points
    is pulled toward 0 (the technology's fit) more than one with many.

    Parameters
    ----------
    frame
        Measurements paired with predictions (see the module's docstring); unusable
        rows are left out and counted (see :func:`usable`).
    per_site
        Fit site offsets too (needs ``site_id``; rows without one get none).
    shrinkage
        k, a number >= 0 (0: no shrinkage), or ``"estimate"`` (default): per
        technology, k = σ²_within / σ²_between, the ratio of the within-site variance
        of the residuals to the between-site variance of the site effects, both
        estimated by the one-way ANOVA method of moments for unequal group sizes:
        MSW = SSW / (N - m), MSB = SSB / (m - 1), n0 = (N - Σ n_s² / N) / (m - 1),
        σ²_between = (MSB - MSW) / n0. Where σ²_between <= 0, or there are fewer than
        two sites, or no site has two points, k = inf: the sites cannot be told apart
        from the noise and all site offsets are 0.
    model
        The propagation model's name, recorded in the calibration.
    date
        The day of the fit recorded in the calibration (ISO 8601); today by default.

    Returns
    -------
    Calibration

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> d = np.geomspace(200.0, 20_000.0, 12)
    >>> predicted = -60.0 - 35.0 * np.log10(d / 1000.0)
    >>> frame = pd.DataFrame({"technology": "3G", "predicted_dbm": predicted,
    ...                       "measured_dbm": predicted - 6.0 + 3.0 * np.log10(d / 1000.0),
    ...                       "distance_m": d})
    >>> c = fit(frame, date="2024-05-01")
    >>> round(c.offset_db["3G"], 6), round(c.slope_db_per_decade["3G"], 6)
    (-6.0, 3.0)
    """
    _check_columns(frame, (*_REQUIRED, "distance_m"))
    if per_site:
        _check_columns(frame, ("site_id",))
    k_fixed = _check_shrinkage(shrinkage)
    used, rejected = usable(frame)
    residual = (used["measured_dbm"] - used["predicted_dbm"]).to_numpy(dtype=float)
    decades = np.log10(used["distance_m"].to_numpy(dtype=float) / 1000.0)
    technology = used["technology"].to_numpy(dtype=object)
    result: dict[str, Any] = {
        **_empty_tables(),
    }
    for tech in TECHNOLOGIES:
        rows = technology == tech
        n = int(rows.sum())
        if n == 0:
            continue
        offset, slope, note = _fit_line(residual[rows], decades[rows])
        result["offset_db"][tech] = offset
        result["slope_db_per_decade"][tech] = slope
        result["points"][tech] = n
        if note:
            result["notes"][tech] = note
            log.info("calibration %s: %s", tech, note)
        if per_site:
            after = residual[rows] - offset - slope * decades[rows]
            sites = used.loc[rows, "site_id"]
            offsets, counts, k = _site_offsets(after, sites, k_fixed)
            result["site_offsets_db"][tech] = offsets
            result["site_points"][tech] = counts
            result["shrinkage_k"][tech] = k
    return Calibration(
        **result,
        model=model,
        date=_date.today().isoformat() if date is None else date,
        points_used=len(used),
        points_rejected=sum(rejected.values()),
    )


def _check_shrinkage(shrinkage: Shrinkage) -> float | None:
    if shrinkage == "estimate":
        return None
    if isinstance(shrinkage, bool) or not isinstance(shrinkage, int | float):
        raise CalibrationError(f"shrinkage must be a number >= 0 or 'estimate', not {shrinkage!r}")
    if not shrinkage >= 0:
        raise CalibrationError(f"shrinkage must be a number >= 0 or 'estimate', not {shrinkage}")
    return float(shrinkage)


def _fit_line(residual: np.ndarray, decades: np.ndarray) -> tuple[float, float, str | None]:
    n = residual.size
    if n < MIN_POINTS_FOR_SLOPE:
        note = f"offset only: {n} points (a slope needs {MIN_POINTS_FOR_SLOPE})"
        return float(residual.mean()), 0.0, note
    spread = float(decades.std(ddof=0))
    if spread < MIN_LOG_DISTANCE_SPREAD:
        note = (
            f"offset only: distances spread {spread:.3f} decade "
            f"(a slope needs {MIN_LOG_DISTANCE_SPREAD})"
        )
        return float(residual.mean()), 0.0, note
    design = np.column_stack([np.ones(n), decades])
    (offset, slope), *_ = np.linalg.lstsq(design, residual, rcond=None)
    return float(offset), float(slope), None


def _site_offsets(
    residual: np.ndarray, site_id: pd.Series, k_fixed: float | None
) -> tuple[dict[str, float], dict[str, int], float]:
    known = site_id.notna().to_numpy()
    r = pd.Series(residual[known])
    sites = site_id[known].astype(str).to_numpy()
    grouped = r.groupby(sites, sort=True)
    n_s = grouped.size()
    mean_s = grouped.mean()
    k = _estimate_k(r, sites, n_s, mean_s) if k_fixed is None else k_fixed
    shrunk = mean_s * 0.0 if math.isinf(k) else n_s / (n_s + k) * mean_s
    offsets = {str(s): float(v) for s, v in shrunk.items()}
    counts = {str(s): int(v) for s, v in n_s.items()}
    return offsets, counts, k


def _estimate_k(r: pd.Series, sites: np.ndarray, n_s: pd.Series, mean_s: pd.Series) -> float:
    """k = MSW / σ²_between by the one-way ANOVA method of moments (see :func:`fit`)."""
    total = len(r)
    m = len(n_s)
    if m < 2 or total - m < 1:
        return math.inf
    within = r.to_numpy() - mean_s.reindex(sites).to_numpy()
    msw = float(np.sum(within**2)) / (total - m)
    msb = float(np.sum(n_s * (mean_s - r.mean()) ** 2)) / (m - 1)
    n0 = (total - float(np.sum(n_s**2)) / total) / (m - 1)
    between = (msb - msw) / n0
    if not between > 0:
        return math.inf
    return msw / between


# --------------------------------------------------------------------------- cross-validation


@dataclass(frozen=True)
class Folds:
    """An assignment of measurements to cross-validation folds.

    Attributes
    ----------
    fold
        The fold (0 to ``n_folds`` - 1) of each row, on the table's index.
    group
        The group of each row: its site, or its grid cell for area folds (a whole
        group is always in one fold).
    n_folds
        Folds used.
    by
        ``"site"`` or ``"area"``.
    cell_size_m
        For area folds, the side of the square grid cells, metres.
    origin
        For area folds, the grid's lower-left corner (x, y).
    """

    fold: pd.Series
    group: pd.Series
    n_folds: int
    by: str
    cell_size_m: float | None = None
    origin: tuple[float, float] | None = None


def assign_folds(
    frame: pd.DataFrame,
    *,
    folds: int = 5,
    by: Literal["site", "area"] = "site",
    seed: int = 0,
) -> Folds:
    """Assign measurements to folds by whole sites or by spatial blocks, never by point.

    ``by="site"``: each site is one group. ``by="area"``: the groups are the cells of
    a square grid over the points' ``x``/``y`` extent, the coarsest (from
    ⌈√folds⌉ cells per side up, at most :data:`MAX_GRID_CELLS_PER_SIDE`) with at least
    ``folds`` non-empty cells. The groups, shuffled with ``seed`` and then ordered by
    size (largest first), are dealt to the folds back and forth (0, 1, ..., k-1,
    k-1, ..., 0, ...) so the folds hold similar numbers of points. With fewer groups
    than ``folds``, there are as many folds as groups.

    Parameters
    ----------
    frame
        Measurements with ``site_id`` (site folds) or ``x`` and ``y`` (area folds).
    folds
        Folds wanted, >= 2.
    by
        ``"site"`` or ``"area"``.
    seed
        Seed of the shuffle of the groups.

    Returns
    -------
    Folds

    Raises
    ------
    CalibrationError
        With fewer than two groups, a site missing, or a coordinate not finite.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"site_id": ["A", "A", "B", "C", "C", "C"]})
    >>> f = assign_folds(frame, folds=5)
    >>> f.n_folds, int(f.fold.groupby(frame["site_id"]).nunique().max())
    (3, 1)
    """
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise CalibrationError(f"folds must be an integer >= 2, not {folds!r}")
    cell_size: float | None = None
    origin: tuple[float, float] | None = None
    if by == "site":
        _check_columns(frame, ("site_id",))
        missing = int(frame["site_id"].isna().sum())
        if missing:
            raise CalibrationError(
                f"measurements: {missing} rows without a site_id; site folds need one on every row"
            )
        group = frame["site_id"].astype(str)
    elif by == "area":
        _check_columns(frame, ("x", "y"))
        group, cell_size, origin = _grid_cells(frame, folds)
    else:
        raise CalibrationError(f"cross-validation: by must be 'site' or 'area', not {by!r}")
    sizes = group.value_counts(sort=False)
    if len(sizes) < 2:
        what = "site" if by == "site" else "non-empty grid cell"
        raise CalibrationError(
            f"cross-validation needs at least 2 groups; the measurements have {len(sizes)} {what}"
        )
    n_folds = min(folds, len(sizes))
    if n_folds < folds:
        log.warning(
            "cross-validation: %d groups, so %d folds instead of %d", len(sizes), n_folds, folds
        )
    rng = np.random.default_rng(seed)
    ranked = sizes.iloc[rng.permutation(len(sizes))].sort_values(ascending=False, kind="stable")
    position = np.arange(len(ranked))
    lap, seat = np.divmod(position, n_folds)
    fold_of_group = pd.Series(np.where(lap % 2 == 0, seat, n_folds - 1 - seat), index=ranked.index)
    fold = group.map(fold_of_group).astype(int).rename("fold")
    return Folds(
        fold=fold,
        group=group.rename("group"),
        n_folds=n_folds,
        by=by,
        cell_size_m=cell_size,
        origin=origin,
    )


def _grid_cells(frame: pd.DataFrame, folds: int) -> tuple[pd.Series, float, tuple[float, float]]:
    x = pd.to_numeric(frame["x"], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(frame["y"], errors="coerce").to_numpy(dtype=float)
    bad = int((~(np.isfinite(x) & np.isfinite(y))).sum())
    if bad:
        raise CalibrationError(
            f"measurements: {bad} rows without finite x/y; area folds need coordinates"
        )
    x0, y0 = float(x.min()), float(y.min())
    span = max(float(x.max()) - x0, float(y.max()) - y0)
    if span == 0.0:
        return pd.Series(0, index=frame.index), 0.0, (x0, y0)
    start = min(max(1, math.ceil(math.sqrt(folds))), MAX_GRID_CELLS_PER_SIDE)
    for per_side in range(start, MAX_GRID_CELLS_PER_SIDE + 1):
        size = span / per_side
        ix = np.minimum(((x - x0) / size).astype(np.int64), per_side - 1)
        iy = np.minimum(((y - y0) / size).astype(np.int64), per_side - 1)
        cell = ix * per_side + iy
        if np.unique(cell).size >= folds:
            break
    return pd.Series(cell, index=frame.index), size, (x0, y0)


def cross_validate(
    frame: pd.DataFrame,
    *,
    folds: int = 5,
    by: Literal["site", "area"] = "site",
    per_site: bool = False,
    shrinkage: Shrinkage = "estimate",
    seed: int = 0,
) -> dict[str, Any]:
    """K-fold cross-validated error of the calibration, folds by site or by area.

    Folds come from :func:`assign_folds` (whole sites or spatial blocks, never random
    points, so that neighbouring samples do not leak between fit and test). Each fold
    in turn is held out: the calibration is fitted (:func:`fit`) on the others and
    applied to it. The held-out errors (calibrated - measured) of all folds are pooled.
    A technology absent from the other folds leaves its held-out points as predicted;
    with site folds, held-out sites get no site offset (the fit never saw them).

    Parameters
    ----------
    frame
        Measurements paired with predictions; unusable rows are left out and counted
        (see :func:`usable`).
    folds
        Folds wanted (fewer when there are fewer groups; an error with fewer than 2).
    by
        ``"site"`` or ``"area"``.
    per_site
        Fit site offsets in each fold (see :func:`fit`).
    shrinkage
        As for :func:`fit`.
    seed
        Seed of the assignment of groups to folds.

    Returns
    -------
    dict
        ``by``, ``folds`` (used), ``folds_requested``, ``seed``, ``count``,
        ``points_rejected``, ``rejected``, pooled ``mean_error_db``, ``rmse_db``,
        ``std_db``, ``cell_size_m`` (area folds; else None) and ``per_fold``: for each
        fold its ``points``, ``groups``, ``mean_error_db`` and ``rmse_db``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> d = rng.uniform(200.0, 8000.0, 60)
    >>> frame = pd.DataFrame({"technology": "4G", "predicted_dbm": -80.0,
    ...                       "measured_dbm": -86.0 + rng.normal(0.0, 1.0, 60),
    ...                       "distance_m": d, "site_id": np.repeat(list("ABCDEF"), 10)})
    >>> cv = cross_validate(frame, folds=3)
    >>> cv["folds"], cv["count"], 0.8 < cv["rmse_db"] < 1.3
    (3, 60, True)
    """
    _check_columns(frame, (*_REQUIRED, "distance_m"))
    used, rejected = usable(frame)
    assignment = assign_folds(used, folds=folds, by=by, seed=seed)
    fold = assignment.fold.to_numpy()
    held_out = np.full(len(used), np.nan)
    site = used["site_id"] if "site_id" in used.columns else None
    for f in range(assignment.n_folds):
        test = fold == f
        calibration = fit(used.loc[~test], per_site=per_site, shrinkage=shrinkage, date="")
        held_out[test] = calibration.apply(
            used["predicted_dbm"].to_numpy()[test],
            used["technology"].to_numpy(dtype=object)[test],
            used["distance_m"].to_numpy()[test],
            None if site is None else site.to_numpy(dtype=object)[test],
        )
    error = held_out - used["measured_dbm"].to_numpy(dtype=float)
    per_fold = pd.DataFrame(
        {"fold": fold, "error": error, "squared": error**2, "group": assignment.group.to_numpy()}
    )
    grouped = per_fold.groupby("fold", sort=True)
    table = pd.DataFrame(
        {
            "points": grouped.size(),
            "groups": grouped["group"].nunique(),
            "mean_error_db": grouped["error"].mean(),
            "rmse_db": np.sqrt(grouped["squared"].mean()),
        }
    )
    return {
        "by": by,
        "folds": assignment.n_folds,
        "folds_requested": folds,
        "seed": seed,
        "count": len(used),
        "points_rejected": sum(rejected.values()),
        "rejected": rejected,
        **_summary(error),
        "cell_size_m": assignment.cell_size_m,
        "per_fold": [
            {
                "fold": int(f),
                "points": int(row.points),
                "groups": int(row.groups),
                "mean_error_db": float(row.mean_error_db),
                "rmse_db": float(row.rmse_db),
            }
            for f, row in table.iterrows()
        ],
    }


# --------------------------------------------------------------------------- calibration.toml


def from_toml(text: str, *, source: str = "calibration.toml") -> Calibration:
    """Read a calibration from the text of a ``calibration.toml`` (see :meth:`Calibration.to_toml`).

    Every problem is reported at once, each naming its key.

    Parameters
    ----------
    text
        The file's text.
    source
        How to name the file in messages.

    Returns
    -------
    Calibration

    Raises
    ------
    CalibrationError
        (a ValueError) for text that is not TOML, a missing ``[calibration]`` table,
        an unknown key or technology, or a value of the wrong kind.

    Examples
    --------
    >>> c = from_toml('[calibration]\\nmodel = "hata"\\n[calibration.technology.4G]\\noffset_db = -6')
    >>> c.offset_db, c.slope_db_per_decade
    ({'4G': -6.0}, {'4G': 0.0})
    >>> from_toml('[calibration.technology.6G]\\noffset_db = -6')
    Traceback (most recent call last):
    ...
    coverage.calibration.CalibrationError: calibration.toml: calibration.technology.6G: unknown technology; expected one of 2G, 3G, 4G, 5G
    """  # noqa: E501
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CalibrationError(f"{source}: not valid TOML: {exc}") from exc
    reader = _Reader()
    reader.unknown_keys(doc, {"calibration"}, "")
    head = doc.get("calibration")
    if not isinstance(head, dict):
        reader.problem("calibration", "missing [calibration] table")
        reader.raise_if_any(source)
        raise AssertionError  # pragma: no cover - raise_if_any raised
    reader.unknown_keys(
        head, {"model", "date", "points_used", "points_rejected", "technology"}, "calibration"
    )
    result: dict[str, Any] = {
        **_empty_tables(),
        "model": reader.text(head, "model", "calibration"),
        "date": reader.date(head, "date", "calibration"),
        "points_used": reader.count(head, "points_used", "calibration"),
        "points_rejected": reader.count(head, "points_rejected", "calibration"),
    }
    technologies = head.get("technology", {})
    if not isinstance(technologies, dict):
        reader.problem("calibration.technology", "expected a table per technology")
        technologies = {}
    for tech, table in technologies.items():
        key = f"calibration.technology.{tech}"
        if tech not in TECHNOLOGIES:
            reader.problem(key, f"unknown technology; expected one of {', '.join(TECHNOLOGIES)}")
            continue
        if not isinstance(table, dict):
            reader.problem(key, "expected a table")
            continue
        _read_technology(reader, table, tech, key, result)
    reader.raise_if_any(source)
    return Calibration(**result)


def _read_technology(
    reader: _Reader, table: dict[str, Any], tech: str, key: str, result: dict[str, Any]
) -> None:
    allowed = {"offset_db", "slope_db_per_decade", "points", "note", "shrinkage_k", "sites"}
    reader.unknown_keys(table, allowed, key)
    if "offset_db" not in table:
        reader.problem(f"{key}.offset_db", "missing")
    result["offset_db"][tech] = reader.db(table, "offset_db", key)
    result["slope_db_per_decade"][tech] = reader.db(table, "slope_db_per_decade", key)
    result["points"][tech] = reader.count(table, "points", key)
    if "note" in table:
        result["notes"][tech] = reader.text(table, "note", key)
    if "shrinkage_k" in table:
        value = table["shrinkage_k"]
        if _is_number(value) and (value >= 0 or math.isinf(value)) and not math.isnan(value):
            result["shrinkage_k"][tech] = float(value)
        else:
            reader.problem(f"{key}.shrinkage_k", f"expected a number >= 0 or inf, got {value!r}")
    sites = table.get("sites", {})
    if not isinstance(sites, dict):
        reader.problem(f"{key}.sites", "expected a table of sites")
        return
    offsets: dict[str, float] = {}
    counts: dict[str, int] = {}
    for site, entry in sites.items():
        site_key = f"{key}.sites.{_toml_string(site)}"
        if not isinstance(entry, dict):
            reader.problem(site_key, "expected { offset_db = ..., points = ... }")
            continue
        reader.unknown_keys(entry, {"offset_db", "points"}, site_key)
        if "offset_db" not in entry:
            reader.problem(f"{site_key}.offset_db", "missing")
        offsets[site] = reader.db(entry, "offset_db", site_key)
        counts[site] = reader.count(entry, "points", site_key)
    if offsets:
        result["site_offsets_db"][tech] = offsets
        result["site_points"][tech] = counts


class _Reader:
    """Reads typed values out of parsed TOML, gathering every problem."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(f"{key}: {message}")

    def raise_if_any(self, source: str) -> None:
        if self.problems:
            raise CalibrationError(f"{source}: " + "; ".join(self.problems))

    def unknown_keys(self, table: Mapping[str, Any], allowed: set[str], key: str) -> None:
        for name in table:
            if name not in allowed:
                where = f"{key}.{name}" if key else name
                self.problem(where, f"unknown key; expected one of {', '.join(sorted(allowed))}")

    def db(self, table: Mapping[str, Any], name: str, key: str) -> float:
        value = table.get(name, 0.0)
        if _is_number(value) and math.isfinite(value):
            return float(value)
        self.problem(f"{key}.{name}", f"expected a number of dB, got {value!r}")
        return 0.0

    def count(self, table: Mapping[str, Any], name: str, key: str) -> int:
        value = table.get(name, 0)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        self.problem(f"{key}.{name}", f"expected a whole number >= 0, got {value!r}")
        return 0

    def text(self, table: Mapping[str, Any], name: str, key: str) -> str:
        value = table.get(name, "")
        if isinstance(value, str):
            return value
        self.problem(f"{key}.{name}", f"expected a string, got {value!r}")
        return ""

    def date(self, table: Mapping[str, Any], name: str, key: str) -> str:
        value = table.get(name, "")
        if isinstance(value, _date):  # a TOML date (a datetime is a date too)
            return value.isoformat()
        return self.text(table, name, key)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _toml_db(value: float) -> str:
    rounded = round(float(value), TOML_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{rounded:.{TOML_DECIMALS}f}"


def _toml_k(value: float) -> str:
    return "inf" if math.isinf(value) else f"{float(value):.6g}"


def _toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for char in str(text):
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


@functools.lru_cache(maxsize=8)
def parse_cached(text: str) -> Calibration:
    """:func:`from_toml` of a calibration's text, read once per text (the models apply the
    calibration in :class:`~coverage.settings.Settings` to every prediction)."""
    return from_toml(text, source="the calibration")


def describe(cal: Calibration) -> dict[str, Any]:
    """What a run records of the calibration it applied (its JSON ``calibration``)."""
    return {
        "model": cal.model,
        "date": cal.date,
        "points_used": cal.points_used,
        "offset_db": dict(cal.offset_db),
        "slope_db_per_decade": dict(cal.slope_db_per_decade),
        "site_offsets": sum(len(v) for v in cal.site_offsets_db.values()),
    }
