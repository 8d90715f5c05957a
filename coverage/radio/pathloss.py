"""Path-loss models: free space, Okumura-Hata, COST-231 Hata and terrain diffraction.

Every function is pure and vectorised with numpy: the point models accept scalars or
arrays and broadcast them; the profile models take one terrain profile (1-D arrays) at
a time. Distances and heights are in metres, frequencies in MHz, losses in dB.

The formulas themselves are written once, in the functions marked ``register_jitable``
(:func:`free_space_db`, :func:`hata_frequency_db` and :func:`hata_distance_db`,
:func:`knife_edge_db`, ...): called from Python they run on numpy arrays (the public
functions validate their arguments and call them), and the numba kernels
(:mod:`coverage.radio.engine`) compile the same functions for scalars.

Terrain profiles are two 1-D arrays of the same length: ``distance_m`` from the
transmitter (the first sample is 0, strictly increasing) and ``elevation_m``, the ground
height of each sample. The transmitter antenna stands ``tx_height_m`` above the first
sample and the receiver antenna ``rx_height_m`` above the last; ``frequency_mhz`` is the
frequency (MHz) and ``k`` the effective-Earth-radius factor. The profile functions
(:func:`line_of_sight`, :func:`deygout_loss`, :func:`bullington_loss`) all take these
six, in this order (``k`` by keyword). Earth curvature is taken
into account with the effective-Earth-radius factor ``k`` (4/3 for the median
standard atmosphere, as in ITU-R P.452 and P.530): each terrain height is raised by the Earth bulge
``d1 d2 / (2 k R)``, which turns the curved-Earth geometry into a flat one where rays are
straight lines.
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from .._numba import numba

register_jitable = numba.extending.register_jitable

#: Speed of light in vacuum, m/s (exact, SI definition).
SPEED_OF_LIGHT_M_S = 299_792_458.0

#: Mean Earth radius in metres (IUGG mean radius, rounded to the metre as commonly used).
EARTH_RADIUS_M = 6_371_000.0

#: Knife-edge loss J(v) is taken as 0 dB for v at or below this value (ITU-R P.526).
KNIFE_EDGE_MIN_V = -0.78

#: Validity ranges of Hata's (1980) formulas (inclusive). The functions do not raise
#: outside them, since callers often extrapolate; check against these where it matters.
HATA_VALIDITY: dict[str, tuple[float, float]] = {
    "frequency_mhz": (150.0, 1500.0),
    "base_height_m": (30.0, 200.0),
    "mobile_height_m": (1.0, 10.0),
    "distance_m": (1_000.0, 20_000.0),
}

#: Validity ranges of the COST-231 Hata extension (COST Action 231 final report, 1999):
#: as Hata's except for the frequency range.
COST231_VALIDITY: dict[str, tuple[float, float]] = {
    **HATA_VALIDITY,
    "frequency_mhz": (1500.0, 2000.0),
}

#: Environment codes of the formula functions and the kernels.
ENVIRONMENT_CODES: dict[str, int] = {"urban": 0, "suburban": 1, "open": 2}
_ENVIRONMENTS = tuple(ENVIRONMENT_CODES)
_CITIES = ("small", "medium", "large")

ArrayLike = npt.ArrayLike
FloatOrArray = float | np.ndarray


# --------------------------------------------------------------------------- helpers


def _positive(name: str, value: ArrayLike) -> np.ndarray:
    """Return ``value`` as a float array, raising ``ValueError`` unless all are > 0."""
    arr = np.asarray(value, dtype=float)
    if not np.all(arr > 0):
        raise ValueError(f"{name} must be > 0; got {value!r}")
    return arr


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def _result(arr: np.ndarray) -> FloatOrArray:
    """A 0-d array becomes a numpy float scalar; anything else is returned as is."""
    return arr[()] if arr.ndim == 0 else arr


# ------------------------------------------------------- formulas (numpy and numba)


@register_jitable
def free_space_db(d_m, f_mhz):
    """Free-space loss ``20 log10(4 π d f / c)`` (ITU-R P.525); d in m, f in MHz."""
    return 20.0 * np.log10(4.0 * np.pi * d_m * f_mhz * 1e6 / SPEED_OF_LIGHT_M_S)


@register_jitable
def a_hm_db(f_mhz, hm_m):
    """Hata's small/medium-city mobile correction ``(1.1 log f - 0.7) hm - (1.56 log f - 0.8)``."""
    lf = np.log10(f_mhz)
    return (1.1 * lf - 0.7) * hm_m - (1.56 * lf - 0.8)


@register_jitable
def environment_db(f_mhz, env):
    """Hata's correction to the urban loss: suburban (``env`` 1)
    ``-2 [log(f / 28)]^2 - 5.4``, open (2) ``-4.78 (log f)^2 + 18.33 log f - 40.94``."""
    if env == 1:
        return -2.0 * np.log10(f_mhz / 28.0) ** 2 - 5.4
    if env == 2:
        lf = np.log10(f_mhz)
        return -4.78 * lf**2 + 18.33 * lf - 40.94
    return 0.0 * f_mhz


@register_jitable
def hata_frequency_db(f_mhz, a_hm, env, cost231, cm_db):
    """The Hata terms that do not depend on the base height or the distance: ``69.55 +
    26.16 log f`` (COST-231: ``46.3 + 33.9 log f``) ``- a(hm) + Cm`` + the environment
    correction. Add :func:`hata_distance_db` for the loss."""
    lf = np.log10(f_mhz)
    if cost231:
        intercept = 46.3 + 33.9 * lf
    else:
        intercept = 69.55 + 26.16 * lf
    return intercept - a_hm + cm_db + environment_db(f_mhz, env)


@register_jitable
def hata_distance_db(d_km, hb_m):
    """The Hata terms of the base height and the distance:
    ``-13.82 log hb + (44.9 - 6.55 log hb) log d_km``."""
    lhb = np.log10(hb_m)
    return -13.82 * lhb + (44.9 - 6.55 * lhb) * np.log10(d_km)


@register_jitable
def knife_edge_db(v):
    """ITU-R P.526 ``J(v) = 6.9 + 20 log10(sqrt((v - 0.1)^2 + 1) + v - 0.1)``, 0 for
    ``v <= -0.78``."""
    w = np.maximum(v, KNIFE_EDGE_MIN_V) - 0.1
    return (6.9 + 20.0 * np.log10(np.sqrt(w * w + 1.0) + w)) * (v > KNIFE_EDGE_MIN_V)


@register_jitable
def fresnel_v(h_m, d1_m, d2_m, wavelength_m):
    """Fresnel-Kirchhoff ``v = h sqrt(2 (d1 + d2) / (λ d1 d2))``."""
    return h_m * np.sqrt(2.0 * (d1_m + d2_m) / (wavelength_m * d1_m * d2_m))


# --------------------------------------------------------------------- basic physics


def wavelength(frequency_mhz: ArrayLike) -> FloatOrArray:
    """Return the free-space wavelength in metres, ``λ = c / f``.

    Parameters
    ----------
    frequency_mhz
        Frequency in MHz (> 0).
    """
    f = _positive("frequency_mhz", frequency_mhz)
    return _result(SPEED_OF_LIGHT_M_S / (f * 1e6))


def free_space(distance_m: ArrayLike, frequency_mhz: ArrayLike) -> FloatOrArray:
    """Return the free-space basic transmission loss in dB (ITU-R P.525).

    ``L = 20 log10(4 π d f / c)``, which is the familiar
    ``20 log10(d_km) + 20 log10(f_MHz) + 32.45`` with the constant kept exact
    (32.4478 dB).

    Parameters
    ----------
    distance_m
        Distance in metres (> 0).
    frequency_mhz
        Frequency in MHz (> 0).
    """
    d = _positive("distance_m", distance_m)
    f = _positive("frequency_mhz", frequency_mhz)
    return _result(np.asarray(free_space_db(d, f)))


def earth_bulge(d1_m: ArrayLike, d2_m: ArrayLike, *, k: float = 4 / 3) -> FloatOrArray:
    """Return the Earth bulge in metres at distances ``d1`` and ``d2`` from the path ends.

    ``h = d1 d2 / (2 k R)`` with ``R`` = :data:`EARTH_RADIUS_M` (6,371,000 m) and ``k`` the
    effective-Earth-radius factor (4/3 for the standard atmosphere). ``k = inf`` gives a
    flat Earth.

    Parameters
    ----------
    d1_m, d2_m
        Distances in metres from the two ends of the path (>= 0).
    k
        Effective-Earth-radius factor (> 0).
    """
    _check_k(k)
    d1 = np.asarray(d1_m, dtype=float)
    d2 = np.asarray(d2_m, dtype=float)
    return _result(d1 * d2 / (2.0 * k * EARTH_RADIUS_M))


def _check_k(k: float) -> None:
    if not k > 0:
        raise ValueError(f"k must be > 0 (4/3 for the standard atmosphere); got {k!r}")


# ------------------------------------------------------------------ empirical models


def _hata_a_hm(f: np.ndarray, hm: np.ndarray, city: str) -> np.ndarray:
    """Hata's mobile-antenna correction a(hm) in dB: :func:`a_hm_db` for small and medium
    cities; large city: ``8.29 [log(1.54 hm)]^2 - 1.1`` for f < 300 MHz and
    ``3.2 [log(11.75 hm)]^2 - 4.97`` for f >= 300 MHz.
    """
    if city == "large":
        low = 8.29 * np.log10(1.54 * hm) ** 2 - 1.1
        high = 3.2 * np.log10(11.75 * hm) ** 2 - 4.97
        return np.where(f >= 300.0, high, low)
    return a_hm_db(f, hm)


def _hata(
    distance_m, frequency_mhz, base_height_m, mobile_height_m, *, environment, city, cost231, cm
) -> FloatOrArray:
    _choice("environment", environment, _ENVIRONMENTS)
    _choice("city", city, _CITIES)
    d_km = _positive("distance_m", distance_m) / 1000.0
    f = _positive("frequency_mhz", frequency_mhz)
    hb = _positive("base_height_m", base_height_m)
    hm = _positive("mobile_height_m", mobile_height_m)
    env = ENVIRONMENT_CODES[environment]
    loss = hata_frequency_db(f, _hata_a_hm(f, hm, city), env, cost231, cm)
    return _result(np.asarray(loss + hata_distance_db(d_km, hb)))


def okumura_hata(
    distance_m: ArrayLike,
    frequency_mhz: ArrayLike,
    base_height_m: ArrayLike,
    mobile_height_m: ArrayLike,
    *,
    environment: str = "urban",
    city: str = "medium",
) -> FloatOrArray:
    """Return the Okumura-Hata median path loss in dB (Hata, 1980).

    Urban: ``L = 69.55 + 26.16 log f - 13.82 log hb - a(hm)
    + (44.9 - 6.55 log hb) log d``, f in MHz, d in km, heights in metres, with

    * a(hm), small/medium city: ``(1.1 log f - 0.7) hm - (1.56 log f - 0.8)``;
    * a(hm), large city: ``3.2 [log(11.75 hm)]^2 - 4.97`` (f >= 300 MHz),
      ``8.29 [log(1.54 hm)]^2 - 1.1`` (f < 300 MHz);
    * suburban: ``L_urban - 2 [log(f / 28)]^2 - 5.4``;
    * open: ``L_urban - 4.78 (log f)^2 + 18.33 log f - 40.94``.

    The suburban and open corrections apply to the urban loss computed with the
    chosen ``city`` correction. Validity (:data:`HATA_VALIDITY`): 150-1500 MHz,
    hb 30-200 m, hm 1-10 m, d 1-20 km; values outside are extrapolated, not refused.

    Parameters
    ----------
    distance_m, frequency_mhz
        Distance in metres and frequency in MHz (> 0).
    base_height_m
        Base-station antenna height in metres (> 0).
    mobile_height_m
        Mobile antenna height in metres (> 0).
    environment
        ``"urban"``, ``"suburban"`` or ``"open"``.
    city
        ``"small"``, ``"medium"`` (same formula) or ``"large"``: selects a(hm).
    """
    return _hata(
        distance_m, frequency_mhz, base_height_m, mobile_height_m,
        environment=environment, city=city, cost231=False, cm=0.0,
    )  # fmt: skip


def cost231_hata(
    distance_m: ArrayLike,
    frequency_mhz: ArrayLike,
    base_height_m: ArrayLike,
    mobile_height_m: ArrayLike,
    *,
    environment: str = "urban",
    metropolitan: bool = False,
) -> FloatOrArray:
    """Return the COST-231 Hata median path loss in dB (COST Action 231, 1999, §4.4).

    ``L = 46.3 + 33.9 log f - 13.82 log hb - a(hm) + (44.9 - 6.55 log hb) log d + Cm``,
    f in MHz, d in km, with a(hm) Hata's small/medium-city correction
    ``(1.1 log f - 0.7) hm - (1.56 log f - 0.8)`` and ``Cm`` = 3 dB for metropolitan
    centres, 0 dB otherwise. Validity (:data:`COST231_VALIDITY`): 1500-2000 MHz, other
    ranges as Hata's; values outside are extrapolated, not refused.

    COST-231 itself defines only this urban formula. For ``"suburban"`` and ``"open"``
    Hata's corrections (see :func:`okumura_hata`) are applied to it: common planning
    practice, not part of COST-231.

    Parameters
    ----------
    distance_m, frequency_mhz, base_height_m, mobile_height_m, environment
        As for :func:`okumura_hata`.
    metropolitan
        Add the 3 dB metropolitan-centre correction ``Cm``.
    """
    return _hata(
        distance_m, frequency_mhz, base_height_m, mobile_height_m,
        environment=environment, city="medium", cost231=True, cm=3.0 if metropolitan else 0.0,
    )  # fmt: skip


# -------------------------------------------------------------------- diffraction


def knife_edge_loss(v: ArrayLike) -> FloatOrArray:
    """Return the single knife-edge diffraction loss J(v) in dB (ITU-R P.526).

    ``J(v) = 6.9 + 20 log10(sqrt((v - 0.1)^2 + 1) + v - 0.1)`` for ``v > -0.78``,
    and 0 dB otherwise (the approximation is within about 0.004 dB of 0 at -0.78).

    Parameters
    ----------
    v
        Fresnel-Kirchhoff diffraction parameter (see :func:`fresnel_parameter`).
    """
    return _result(np.asarray(knife_edge_db(np.asarray(v, dtype=float)), dtype=float))


def fresnel_parameter(
    height_m: ArrayLike, d1_m: ArrayLike, d2_m: ArrayLike, wavelength_m: ArrayLike
) -> FloatOrArray:
    """Return the Fresnel-Kirchhoff diffraction parameter v (ITU-R P.526).

    ``v = h sqrt(2 (d1 + d2) / (λ d1 d2))``, with ``h`` the height of the obstacle top
    above the straight line joining the path ends (negative when below it).

    Parameters
    ----------
    height_m
        Obstacle height above the line of sight in metres.
    d1_m, d2_m
        Distances from the obstacle to the two ends in metres (> 0).
    wavelength_m
        Wavelength in metres (> 0).
    """
    h = np.asarray(height_m, dtype=float)
    d1 = _positive("d1_m", d1_m)
    d2 = _positive("d2_m", d2_m)
    lam = _positive("wavelength_m", wavelength_m)
    return _result(np.asarray(fresnel_v(h, d1, d2, lam)))


# ----------------------------------------------------------------- terrain profiles


class _Profile(NamedTuple):
    d: np.ndarray  # distances from TX, m
    z: np.ndarray  # terrain heights plus Earth bulge, m
    z_tx: float  # TX antenna height above datum, m
    z_rx: float  # RX antenna height above datum, m
    length: float  # path length, m
    lam: float  # wavelength, m


def _profile(
    distance_m: ArrayLike,
    elevation_m: ArrayLike,
    tx_height_m: float,
    rx_height_m: float,
    frequency_mhz: float,
    k: float,
) -> _Profile:
    d = np.asarray(distance_m, dtype=float)
    e = np.asarray(elevation_m, dtype=float)
    if d.ndim != 1 or d.size < 2:
        raise ValueError(f"distance_m must be a 1-D array of >= 2 samples; got shape {d.shape}")
    if e.shape != d.shape:
        raise ValueError(f"elevation_m must have the shape of distance_m {d.shape}; got {e.shape}")
    if not (np.all(np.isfinite(d)) and np.all(np.isfinite(e))):
        raise ValueError("distance_m and elevation_m must be finite")
    if d[0] != 0:
        raise ValueError(f"distance_m must start at 0 (the transmitter); got {d[0]!r}")
    if not np.all(np.diff(d) > 0):
        raise ValueError("distance_m must be strictly increasing")
    for name, value in (("tx_height_m", tx_height_m), ("rx_height_m", rx_height_m)):
        if not np.isfinite(value):
            raise ValueError(f"{name} must be finite; got {value!r}")
    if not frequency_mhz > 0:
        raise ValueError(f"frequency_mhz must be > 0; got {frequency_mhz!r}")
    _check_k(k)
    length = float(d[-1])
    z = e + d * (length - d) / (2.0 * k * EARTH_RADIUS_M)
    return _Profile(
        d=d,
        z=z,
        z_tx=float(e[0] + tx_height_m),
        z_rx=float(e[-1] + rx_height_m),
        length=length,
        lam=SPEED_OF_LIGHT_M_S / (frequency_mhz * 1e6),
    )


class LineOfSight(NamedTuple):
    """Result of :func:`line_of_sight`.

    Attributes
    ----------
    clear
        No interior terrain sample is above the TX-RX ray (after the Earth bulge).
    min_clearance_m
        Smallest height of the ray above the (bulged) terrain at the interior samples;
        negative when blocked; ``inf`` for a profile without interior samples.
    min_clearance_fresnel
        ``min_clearance_m`` divided by the first Fresnel-zone radius at that same sample
        (``inf`` without interior samples).
    worst_index
        Index into the profile arrays of the sample with ``min_clearance_m`` (``None``
        without interior samples).
    """

    clear: bool
    min_clearance_m: float
    min_clearance_fresnel: float
    worst_index: int | None


def line_of_sight(
    distance_m: ArrayLike, elevation_m: ArrayLike, tx_height_m: float, rx_height_m: float,
    frequency_mhz: float, *, k: float = 4 / 3,
) -> LineOfSight:  # fmt: skip
    """Return whether the TX-RX ray clears the terrain, and by how much.

    At each interior sample i, the clearance is ``c_i = y_i - (e_i + b_i)``, with
    ``y_i`` the straight TX-RX ray, ``e_i`` the ground and ``b_i = d_i (D - d_i) / (2 k R)``
    the Earth bulge; the first Fresnel-zone radius is ``F1 = sqrt(λ d1 d2 / (d1 + d2))``
    (ITU-R P.530). The path is clear when every ``c_i >= 0``.

    Parameters
    ----------
    distance_m, elevation_m, tx_height_m, rx_height_m, frequency_mhz, k
        The path (see the module docstring); the frequency sets the Fresnel zone.
    """
    p = _profile(distance_m, elevation_m, tx_height_m, rx_height_m, frequency_mhz, k)
    if p.d.size < 3:
        return LineOfSight(True, float("inf"), float("inf"), None)
    d = p.d[1:-1]
    ray = p.z_tx + (p.z_rx - p.z_tx) * d / p.length
    clearance = ray - p.z[1:-1]
    j = int(np.argmin(clearance))
    fresnel = np.sqrt(p.lam * d[j] * (p.length - d[j]) / p.length)
    c = float(clearance[j])
    return LineOfSight(c >= 0, c, c / float(fresnel), j + 1)


def _span_v(p: _Profile, top: np.ndarray, a: int, b: int) -> np.ndarray:
    """v of the interior samples a+1..b-1 relative to the line from top[a] to top[b]."""
    d = p.d[a + 1 : b]
    d1 = d - p.d[a]
    d2 = p.d[b] - d
    line = top[a] + (top[b] - top[a]) * d1 / (p.d[b] - p.d[a])
    return fresnel_v(p.z[a + 1 : b] - line, d1, d2, p.lam)


def deygout_loss(
    distance_m: ArrayLike, elevation_m: ArrayLike, tx_height_m: float, rx_height_m: float,
    frequency_mhz: float, *, k: float = 4 / 3, max_edges: int = 3,
) -> float:  # fmt: skip
    """Return the multiple knife-edge diffraction loss over a profile in dB (Deygout, 1966).

    The Deygout construction as described in ITU-R P.526 (multiple isolated obstacles):
    every interior sample is a candidate knife edge, with the Earth bulge added to its
    height. The principal edge is the sample with the largest v relative to the TX-RX
    line; the sub-paths TX-edge and edge-RX (ending on the edge top) are then searched
    the same way, breadth first, until ``max_edges`` edges have been found. Only edges
    with ``v > -0.78`` count and are split further; the loss is the sum of their
    :func:`knife_edge_loss` values, 0 for a path that clears the first Fresnel zone
    sufficiently. No empirical correction terms are added.

    Parameters
    ----------
    distance_m, elevation_m, tx_height_m, rx_height_m, frequency_mhz, k
        The path (see the module docstring).
    max_edges
        Maximum number of edges summed (>= 1); 3 is the classic principal + two
        secondary edges.
    """
    if isinstance(max_edges, bool) or not isinstance(max_edges, int | np.integer):
        raise ValueError(f"max_edges must be an integer >= 1; got {max_edges!r}")
    if max_edges < 1:
        raise ValueError(f"max_edges must be an integer >= 1; got {max_edges!r}")
    p = _profile(distance_m, elevation_m, tx_height_m, rx_height_m, frequency_mhz, k)
    top = p.z.copy()
    top[0], top[-1] = p.z_tx, p.z_rx
    total = 0.0
    edges = 0
    spans = deque([(0, p.d.size - 1)])
    while spans and edges < max_edges:
        a, b = spans.popleft()
        if b - a < 2:
            continue
        v = _span_v(p, top, a, b)
        j = int(np.argmax(v))
        if v[j] <= KNIFE_EDGE_MIN_V:
            continue
        total += float(knife_edge_loss(v[j]))
        edges += 1
        edge = a + 1 + j
        spans.extend([(a, edge), (edge, b)])
    return total


def bullington_loss(
    distance_m: ArrayLike, elevation_m: ArrayLike, tx_height_m: float, rx_height_m: float,
    frequency_mhz: float, *, k: float = 4 / 3,
) -> float:  # fmt: skip
    """Return the Bullington knife-edge diffraction loss over a profile in dB.

    The knife-edge ("Bullington part") of the general-path method of ITU-R P.1812-4
    §4.3.1 / P.452-16 §4.2.1 (also in P.526), written in metres. With ``D`` the path
    length, ``h_ts``/``h_rs`` the antenna heights above the datum and
    ``g_i = e_i + d_i (D - d_i) / (2 k R)`` the bulged terrain:

    * ``S_tim = max_i (g_i - h_ts) / d_i`` (steepest slope from TX to an obstacle) and
      ``S_tr = (h_rs - h_ts) / D`` (slope of the TX-RX line);
    * line of sight (``S_tim <= S_tr``):
      ``v = max_i [g_i - (h_ts (D - d_i) + h_rs d_i) / D] sqrt(2 D / (λ d_i (D - d_i)))``;
    * otherwise ``S_rim = max_i (g_i - h_rs) / (D - d_i)``, the Bullington point is at
      ``d_b = (h_rs - h_ts + S_rim D) / (S_tim + S_rim)`` and
      ``v = [h_ts + S_tim d_b - (h_ts (D - d_b) + h_rs d_b) / D]
      sqrt(2 D / (λ d_b (D - d_b)))``.

    Returns ``J(v)`` (:func:`knife_edge_loss`). P.1812/P.452 add an empirical term
    ``(1 - exp(-J/6)) (10 + 0.02 d_km)`` and a spherical-Earth part: neither is included.
    (P.1812 tests ``S_tim < S_tr``; ``<=`` here avoids a 0/0 at exact grazing, where both
    branches give J(0).)

    Parameters
    ----------
    distance_m, elevation_m, tx_height_m, rx_height_m, frequency_mhz, k
        The path (see the module docstring).
    """
    p = _profile(distance_m, elevation_m, tx_height_m, rx_height_m, frequency_mhz, k)
    if p.d.size < 3:
        return 0.0
    d = p.d[1:-1]
    g = p.z[1:-1]
    big_d, hts, hrs = p.length, p.z_tx, p.z_rx
    s_tim = np.max((g - hts) / d)
    s_tr = (hrs - hts) / big_d
    if s_tim <= s_tr:
        line = (hts * (big_d - d) + hrs * d) / big_d
        v = np.max(fresnel_v(g - line, d, big_d - d, p.lam))
    else:
        s_rim = np.max((g - hrs) / (big_d - d))
        d_b = (hrs - hts + s_rim * big_d) / (s_tim + s_rim)
        line = (hts * (big_d - d_b) + hrs * d_b) / big_d
        v = fresnel_v(hts + s_tim * d_b - line, d_b, big_d - d_b, p.lam)
    return float(knife_edge_loss(v))
