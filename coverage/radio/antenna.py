"""Antenna patterns: the 3GPP parametric sector pattern and Planet/MSI pattern files.

All pattern functions return the gain relative to boresight in dB (0 at boresight,
negative elsewhere); add the antenna's peak gain in dBi for the absolute gain.

The formulas are written once, in the functions marked ``register_jitable``
(:func:`horizontal_db`, :func:`vertical_db`, :func:`combined_db`): the public numpy
functions call them on arrays and the numba kernels (:mod:`coverage.radio.engine`)
compile them for scalars.

Angle conventions: azimuths and bearings are degrees clockwise from north; the
horizontal angle off boresight is ``bearing - azimuth`` wrapped to [-180, 180).
Elevation angles are degrees above the horizontal (negative below it, as seen from the
antenna towards a mobile on lower ground); tilts are downtilts, positive downward.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .._errors import InputError
from .._numba import numba

register_jitable = numba.extending.register_jitable

FloatOrArray = float | np.ndarray

#: dBi = dBd + 2.15: the gain of a half-wave dipole over the isotropic antenna.
DIPOLE_GAIN_DBI = 2.15


def _result(arr: np.ndarray) -> FloatOrArray:
    return arr[()] if arr.ndim == 0 else arr


def _positive(name: str, value: float) -> None:
    if not value > 0:
        raise ValueError(f"{name} must be > 0; got {value!r}")


def _non_negative(name: str, value: float) -> None:
    if not value >= 0:
        raise ValueError(f"{name} must be >= 0; got {value!r}")


@register_jitable
def wrap_angle(angle_deg):
    """``angle`` wrapped to [-180, 180) degrees."""
    return (angle_deg + 180.0) % 360.0 - 180.0


@register_jitable
def horizontal_db(phi_deg, beamwidth_deg, front_to_back_db):
    """3GPP horizontal pattern ``-min(12 (φ / φ3dB)^2, A_m)``, φ wrapped to [-180, 180)."""
    return -np.minimum(12.0 * (wrap_angle(phi_deg) / beamwidth_deg) ** 2, front_to_back_db)


@register_jitable
def vertical_db(elevation_deg, tilt_deg, vertical_beamwidth_deg, side_lobe_db):
    """3GPP vertical pattern ``-min(12 ((θ - θtilt) / θ3dB)^2, SLA_v)``, θ = -elevation."""
    off = (-elevation_deg - tilt_deg) / vertical_beamwidth_deg
    return -np.minimum(12.0 * off**2, side_lobe_db)


@register_jitable
def combined_db(a_h, a_v, max_db):
    """3GPP combination of the two cuts ``-min(-(A_H + A_V), A_m)``."""
    return -np.minimum(-(a_h + a_v), max_db)


def wrap_degrees(angle_deg: npt.ArrayLike) -> FloatOrArray:
    """Return angles wrapped to [-180, 180) degrees."""
    return _result(np.asarray(wrap_angle(np.asarray(angle_deg, dtype=float))))


def horizontal_attenuation(
    angle_deg: npt.ArrayLike, *, beamwidth_deg: float = 65.0, front_to_back_db: float = 25.0
) -> FloatOrArray:
    """Return the 3GPP horizontal sector pattern in dB (<= 0).

    ``A_H(φ) = -min(12 (φ / φ3dB)^2, A_m)`` with φ wrapped to [-180, 180)
    (3GPP TR 36.814 Table A.2.1.1-2: φ3dB = 65°, A_m = 25 dB).

    Parameters
    ----------
    angle_deg
        Horizontal angle off boresight in degrees, clockwise positive.
    beamwidth_deg
        Horizontal half-power beamwidth φ3dB in degrees (> 0).
    front_to_back_db
        Maximum attenuation A_m in dB (>= 0).
    """
    _positive("beamwidth_deg", beamwidth_deg)
    _non_negative("front_to_back_db", front_to_back_db)
    phi = np.asarray(angle_deg, dtype=float)
    return _result(np.asarray(horizontal_db(phi, beamwidth_deg, front_to_back_db)))


def vertical_attenuation(
    elevation_deg: npt.ArrayLike,
    *,
    tilt_deg: float = 0.0,
    vertical_beamwidth_deg: float = 10.0,
    side_lobe_db: float = 20.0,
) -> FloatOrArray:
    """Return the 3GPP vertical sector pattern in dB (<= 0).

    ``A_V(θ) = -min(12 ((θ - θtilt) / θ3dB)^2, SLA_v)`` (3GPP TR 36.814
    Table A.2.1.1-2: θ3dB = 10°, SLA_v = 20 dB), where θ is measured downward from the
    horizontal, so ``θ = -elevation_deg`` and ``θtilt = tilt_deg`` is the downtilt: a
    mobile seen ``tilt_deg`` below the horizon is on the beam axis.

    Parameters
    ----------
    elevation_deg
        Elevation angle of the direction in degrees, positive upward.
    tilt_deg
        Downtilt of the beam in degrees, positive downward.
    vertical_beamwidth_deg
        Vertical half-power beamwidth θ3dB in degrees (> 0).
    side_lobe_db
        Side-lobe level SLA_v in dB (>= 0).
    """
    _positive("vertical_beamwidth_deg", vertical_beamwidth_deg)
    _non_negative("side_lobe_db", side_lobe_db)
    el = np.asarray(elevation_deg, dtype=float)
    return _result(np.asarray(vertical_db(el, tilt_deg, vertical_beamwidth_deg, side_lobe_db)))


def sector_gain_db(
    bearing_deg: npt.ArrayLike,
    azimuth_deg: npt.ArrayLike,
    elevation_deg: npt.ArrayLike,
    *,
    beamwidth_deg: float = 65.0,
    front_to_back_db: float = 25.0,
    **vertical: float,
) -> FloatOrArray:
    """Return the 3GPP combined sector pattern in dB relative to boresight (<= 0).

    ``A(φ, θ) = -min(-(A_H(φ) + A_V(θ)), A_m)`` (3GPP TR 36.814 Table A.2.1.1-2), with
    ``φ = bearing - azimuth`` (see :func:`horizontal_attenuation`) and θ from
    ``elevation_deg`` and ``tilt_deg`` (see :func:`vertical_attenuation`).

    Parameters
    ----------
    bearing_deg
        Bearing from the antenna to the point, degrees clockwise from north.
    azimuth_deg
        Antenna boresight azimuth, degrees clockwise from north.
    elevation_deg
        Elevation of the point seen from the antenna, degrees, positive upward.
    beamwidth_deg, front_to_back_db
        Horizontal pattern parameters (φ3dB, A_m).
    **vertical
        The vertical pattern's ``tilt_deg``, ``vertical_beamwidth_deg`` and
        ``side_lobe_db`` (downtilt, θ3dB, SLA_v), as :func:`vertical_attenuation`.
    """
    phi = np.asarray(bearing_deg, dtype=float) - np.asarray(azimuth_deg, dtype=float)
    a_h = horizontal_attenuation(
        phi, beamwidth_deg=beamwidth_deg, front_to_back_db=front_to_back_db
    )
    a_v = vertical_attenuation(elevation_deg, **vertical)
    return _result(np.asarray(combined_db(a_h, a_v, front_to_back_db)))


#: An omnidirectional antenna's pattern in dB: the 3GPP vertical part only (the
#: horizontal pattern is flat), that is :func:`vertical_attenuation`.
omni_gain_db = vertical_attenuation


# ----------------------------------------------------------------------- MSI files


def _interp_periodic(table: np.ndarray, angle_deg: np.ndarray) -> np.ndarray:
    """Linear interpolation in a 360-sample table at 1° steps, periodic in 360°."""
    a = np.mod(angle_deg, 360.0)
    i0 = np.floor(a).astype(int) % 360
    frac = a - np.floor(a)
    return table[i0] * (1.0 - frac) + table[(i0 + 1) % 360] * frac


@dataclass(frozen=True)
class AntennaPattern:
    """An antenna pattern read from a Planet/MSI file.

    Attributes
    ----------
    name
        The ``NAME`` header (empty when absent).
    frequency_mhz
        The ``FREQUENCY`` header in MHz (``nan`` when absent).
    gain_dbi
        Peak gain in dBi (``GAIN`` in dBd is converted, + 2.15 dB).
    horizontal
        360 attenuations in dB (positive = below peak), index = degrees clockwise from
        boresight.
    vertical
        360 attenuations in dB, index = degrees below the horizontal (the MSI
        convention: 90 = straight down, 270 = straight up).
    """

    name: str
    frequency_mhz: float
    gain_dbi: float
    horizontal: np.ndarray
    vertical: np.ndarray

    @property
    def max_attenuation_db(self) -> float:
        """Largest attenuation found in either pattern, in dB."""
        return float(max(self.horizontal.max(), self.vertical.max()))

    def gain_db(
        self, bearing_from_boresight_deg: npt.ArrayLike, elevation_deg: npt.ArrayLike
    ) -> FloatOrArray:
        """Return the pattern in dB relative to the peak (<= 0 for a normalised file).

        The two cuts are interpolated linearly (1° table, periodic) and combined like
        the 3GPP rule: ``-min(A_H(φ) + A_V(θ), A_max)`` with ``A_max`` the largest
        attenuation in the file, φ clockwise from boresight and θ = -elevation. Add
        :attr:`gain_dbi` for the absolute gain.

        Parameters
        ----------
        bearing_from_boresight_deg
            Horizontal angle off boresight in degrees, clockwise positive.
        elevation_deg
            Elevation of the direction in degrees, positive upward.
        """
        h = _interp_periodic(self.horizontal, np.asarray(bearing_from_boresight_deg, float))
        v = _interp_periodic(self.vertical, -np.asarray(elevation_deg, dtype=float))
        return _result(np.asarray(combined_db(-h, -v, self.max_attenuation_db)))


def _parse_cut(
    lines: list[str], start: int, count: int, key: str, path: str
) -> tuple[np.ndarray, int]:
    """Parse ``count`` ``angle attenuation`` lines after line ``start``; resample to 1°."""
    rows: list[tuple[float, float]] = []
    i = start
    while len(rows) < count:
        if i >= len(lines):
            raise InputError(
                f"{key} announces {count} lines but the file ends after {len(rows)}",
                path=path,
            )
        text = lines[i].strip()
        i += 1
        if not text:
            continue
        parts = text.split()
        try:
            if len(parts) != 2:
                raise ValueError
            rows.append((float(parts[0]), float(parts[1])))
        except ValueError:
            raise InputError(
                f"{key}: expected 'angle attenuation', got {text!r}", path=path, row=i
            ) from None
    data = np.asarray(rows, dtype=float)
    angles, values = data[:, 0], data[:, 1]
    if not (np.all(np.isfinite(data)) and angles[0] >= 0 and angles[-1] < 360):
        raise InputError(f"{key}: angles must be finite and within [0, 360)", path=path)
    if not np.all(np.diff(angles) > 0):
        raise InputError(f"{key}: angles must be strictly increasing", path=path)
    grid = np.arange(360.0)
    if angles.size == 360 and np.array_equal(angles, grid):
        return values, i
    # periodic linear resampling of other angle steps onto the 1° grid
    table = np.interp(grid, angles, values, period=360.0)
    return table, i


def read_msi(path: str | Path) -> AntennaPattern:
    """Read a Planet/MSI antenna pattern file.

    The format: header lines ``KEY value`` (``NAME``, ``FREQUENCY`` in MHz,
    ``GAIN <value> [dBi|dBd]``; other keys such as ``MAKE``, ``TILT`` or ``COMMENT`` are
    ignored), then ``HORIZONTAL <n>`` and ``VERTICAL <n>`` each followed by ``n`` lines
    ``angle attenuation`` (degrees, dB below the peak). A ``GAIN`` without a unit is in
    dBd, the format's default. Cuts not sampled every degree are resampled to 1° by
    periodic linear interpolation.

    Parameters
    ----------
    path
        The ``.msi`` (or ``.pln``/``.txt``) file.

    Raises
    ------
    coverage._errors.InputError
        When the file cannot be read or is not a valid MSI pattern.
    """
    where = str(path)
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read antenna file: {exc.strerror or exc}", path=where) from exc
    header: dict[str, str] = {}
    cuts: dict[str, np.ndarray] = {}
    i = 0
    while i < len(lines):
        text = lines[i].strip()
        i += 1
        if not text:
            continue
        parts = text.split(None, 1)
        key, value = parts[0].upper(), (parts[1].strip() if len(parts) > 1 else "")
        if key in ("HORIZONTAL", "VERTICAL"):
            try:
                count = int(float(value.split()[0]))
            except (ValueError, IndexError):
                raise InputError(
                    f"{key} must be followed by a line count, got {value!r}", path=where, row=i
                ) from None
            if count < 2:
                raise InputError(f"{key} needs at least 2 lines; got {count}", path=where)
            cuts[key], i = _parse_cut(lines, i, count, key, where)
        else:
            header.setdefault(key, value)
    for key in ("HORIZONTAL", "VERTICAL"):
        if key not in cuts:
            raise InputError(f"no {key} section: not an MSI antenna file?", path=where)
    if "GAIN" not in header:
        raise InputError("no GAIN line", path=where)
    gain_parts = header["GAIN"].split()
    try:
        gain = float(gain_parts[0])
    except (ValueError, IndexError):
        raise InputError(f"GAIN must be a number, got {header['GAIN']!r}", path=where) from None
    unit = gain_parts[1].lower() if len(gain_parts) > 1 else "dbd"
    if unit not in ("dbi", "dbd"):
        raise InputError(f"GAIN unit must be dBi or dBd, got {gain_parts[1]!r}", path=where)
    if unit == "dbd":
        gain += DIPOLE_GAIN_DBI
    frequency = float("nan")
    if "FREQUENCY" in header:
        try:
            frequency = float(header["FREQUENCY"].split()[0])
        except (ValueError, IndexError):
            raise InputError(
                f"FREQUENCY must be a number in MHz, got {header['FREQUENCY']!r}", path=where
            ) from None
    return AntennaPattern(
        name=header.get("NAME", ""),
        frequency_mhz=frequency,
        gain_dbi=gain,
        horizontal=cuts["HORIZONTAL"],
        vertical=cuts["VERTICAL"],
    )
