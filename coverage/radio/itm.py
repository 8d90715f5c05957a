"""Irregular Terrain Model (Longley-Rice), ITM version 1.2.2.

A fresh implementation written from G. A. Hufford, *The ITS Irregular Terrain Model,
version 1.2.2: The Algorithm* (NTIA/ITS), together with the 1985 memo *Modifications to
the use of the ITM* (surface refractivity from the mean path height, the ``mdvar`` options
+10 / +20). Section names below refer to the subroutines of Hufford's document:

=============  ============================================================
``_qlrps``     preparatory: wave number, surface refractivity, earth curvature,
               ground transfer impedance
``_hzns``      horizon distances and elevation angles from a profile
``_zlsq1``     least-squares straight line through part of a profile
``_dlthx``     terrain irregularity Δh (interdecile range of the detrended profile)
``_qlrpfl``    point-to-point preparation: effective heights, horizons, Δh
``_qlra``      area-mode preparation from Δh and the siting criteria
``_lrprop``    reference attenuation: line of sight, diffraction, troposcatter
               (with ``_adiff``, ``_alos``, ``_ascat`` and their helpers)
``_avar``      variability: time, location and situation quantiles
``_qerfi``     inverse of the complementary normal distribution
=============  ============================================================

The numerical core is made of scalar numba functions (``@njit(cache=True, nogil=True)``)
that take plain floats and 1-D float64 arrays, so that an area engine can call them per
path sample without Python overhead. :func:`itm_p2p` and :func:`itm_area` are the thin,
validated Python entry points.

Conventions: lengths in metres, frequencies in MHz, losses in dB. A profile is the
ground elevation at equally spaced points, transmitter first; the path length is
``(len(profile) - 1) * spacing``. Where Hufford's algorithm and NTIA's later C++ rewrite
differ in a constant (the ground permittivity ``Z0 σ / k`` with Z0 = 376.62 Ω versus
``18000 σ / f``; the inverse normal ``c0`` = 2.515516698 versus 2.515516; the distances
``d3``, ``d4`` and ``dx`` written with ``xae``) this module follows Hufford's document.
The differences are far below NTIA's 0.1 dB test tolerance.

The ITM's own range flag ``kwx`` is returned as :attr:`ItmResult.warning`:

0. no warning;
1. a parameter is near its limits of validity (results are probably fine);
2. a default value was substituted for an impossible parameter (cannot happen through the
   validated entry points here);
3. a parameter is outside its limits (use the result with care);
4. a parameter is far outside its limits (the result is not to be trusted).
"""

from __future__ import annotations

import cmath
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from coverage._numba import njit

__all__ = [
    "ITM_MODE_NAMES",
    "ITM_WARNING_TEXT",
    "ItmResult",
    "itm_area",
    "itm_p2p",
]

_THIRD = 1.0 / 3.0

#: Names of :attr:`ItmResult.mode` values.
ITM_MODE_NAMES: dict[int, str] = {0: "line of sight", 1: "diffraction", 2: "troposcatter"}

#: Meaning of ITM's warning code ``kwx`` (:attr:`ItmResult.warning`).
ITM_WARNING_TEXT: dict[int, str] = {
    0: "no warning",
    1: "some parameter is near its limits of validity",
    2: "a default was substituted for an impossible parameter",
    3: "some parameter is outside its limits of validity",
    4: "some parameter is far outside its limits: results are unreliable",
}

_SITING = (0, 1, 2)
_MDVAR_BASE = (0, 1, 2, 3)


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _dim(x: float, y: float) -> float:
    """FORTRAN ``DIM``: ``x - y`` when positive, else 0."""
    return x - y if x > y else 0.0


@njit(cache=True, nogil=True)
def _qerfi(q: float) -> float:
    """Inverse of the complementary standard normal distribution (Hufford §qerfi).

    Abramowitz & Stegun 26.2.23 (|error| < 4.5e-4), with Hufford's constants.

    Parameters
    ----------
    q
        Probability, 0 < q < 1.

    Returns
    -------
    float
        ``x`` such that Q(x) = q; positive for q < 0.5. Note that ``_qerfi(0.5)`` is not
        exactly 0 (about 1e-4), as in the original.
    """
    c0 = 2.515516698
    c1 = 0.802853
    c2 = 0.010328
    d1 = 1.432788
    d2 = 0.189269
    d3 = 0.001308
    x = 0.5 - q
    t = max(0.5 - abs(x), 0.000001)
    t = math.sqrt(-2.0 * math.log(t))
    v = t - ((c2 * t + c1) * t + c0) / (((d3 * t + d2) * t + d1) * t + 1.0)
    if x < 0.0:
        v = -v
    return v


@njit(cache=True, nogil=True)
def _refractivity(zsys: float, en0: float) -> tuple[float, float]:
    """Surface refractivity N_s and effective earth curvature γ_e (1/m) for a mean
    path height ``zsys`` (m; 0 means "use N_0 as it is"), as in :func:`_qlrps`.

    γ_e increases with ``zsys`` (N_s falls with height)."""
    ens = en0
    if zsys != 0.0:
        ens = ens * math.exp(-zsys / 9460.0)
    return ens, 157e-9 * (1.0 - 0.04665 * math.exp(ens / 179.3))


@njit(cache=True, nogil=True)
def _qlrps(
    f_mhz: float, zsys: float, en0: float, pol: int, eps: float, sgm: float
) -> tuple[float, float, float, complex]:
    """Preparatory constants (Hufford §qlrps).

    Parameters
    ----------
    f_mhz
        Frequency in MHz.
    zsys
        Mean height of the path above sea level in metres (0 in area mode: then
        N_s = N_0).
    en0
        Surface refractivity reduced to sea level, N_0 (N-units).
    pol
        0 horizontal, 1 vertical.
    eps, sgm
        Relative permittivity and conductivity (S/m) of the ground.

    Returns
    -------
    wn, ens, gme, zgnd
        Wave number ``f / 47.7`` (1/m), surface refractivity N_s, effective earth
        curvature γ_e (1/m) and the complex ground transfer impedance Z_g.
    """
    wn = f_mhz / 47.7
    ens, gme = _refractivity(zsys, en0)
    zq = complex(eps, 376.62 * sgm / wn)
    zgnd = cmath.sqrt(zq - 1.0)
    if pol != 0:
        zgnd = zgnd / zq
    return wn, ens, gme, zgnd


@njit(cache=True, nogil=True)
def _path_zsys(z: npt.NDArray[np.float64]) -> float:
    """Mean elevation of the middle of the profile (1985 memo; NTIA ``h_sys``).

    The first and last ``int(0.1 * np)`` intervals are left out, ``np = len(z) - 1``.
    """
    npts = z.shape[0] - 1
    p10 = int(0.1 * npts)
    s = 0.0
    for i in range(p10, npts - p10 + 1):
        s += z[i]
    return s / (npts - 2 * p10 + 1)


# --------------------------------------------------------------------------------------
# Profile analysis
# --------------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _hzns(
    z: npt.NDArray[np.float64], xi: float, hg0: float, hg1: float, gme: float
) -> tuple[float, float, float, float]:
    """Horizon elevation angles and distances of both terminals (Hufford §hzns).

    Parameters
    ----------
    z
        Ground elevations (m), equally spaced, transmitter first; ``len(z) >= 2``.
    xi
        Spacing of the elevations (m).
    hg0, hg1
        Antenna heights above ground at the transmitter and receiver (m).
    gme
        Effective earth curvature γ_e (1/m).

    Returns
    -------
    the0, the1, dl0, dl1
        Horizon elevation angles (rad, positive upwards) and horizon distances (m) of
        the transmitter and receiver. On a line-of-sight path both distances equal the
        path length and the angles are those of the direct ray.
    """
    npts = z.shape[0] - 1
    dist = npts * xi
    za = z[0] + hg0
    zb = z[npts] + hg1
    qc = 0.5 * gme
    q = qc * dist
    the1 = (zb - za) / dist
    the0 = the1 - q
    the1 = -the1 - q
    dl0 = dist
    dl1 = dist
    if npts >= 2:
        sa = 0.0
        sb = dist
        wq = True
        for i in range(1, npts):
            sa += xi
            sb -= xi
            q = z[i] - (qc * sa + the0) * sa - za
            if q > 0.0:
                the0 += q / sa
                dl0 = sa
                wq = False
            if not wq:
                q = z[i] - (qc * sb + the1) * sb - zb
                if q > 0.0:
                    the1 += q / sb
                    dl1 = sb
    return the0, the1, dl0, dl1


@njit(cache=True, nogil=True)
def _fit_window(xn: float, xi: float, x1: float, x2: float) -> tuple[float, float]:
    """Sample numbers bounding a :func:`_zlsq1` fit over ``xn`` intervals: ``x1``, ``x2``
    (m) rounded inwards to whole samples, widened to at least one interval."""
    xa = float(int(_dim(x1 / xi, 0.0)))
    xb = xn - float(int(_dim(xn, x2 / xi)))
    if xb <= xa:
        xa = _dim(xa, 1.0)
        xb = xn - _dim(xn, xb + 1.0)
    return xa, xb


@njit(cache=True, nogil=True)
def _zlsq1(z: npt.NDArray[np.float64], xi: float, x1: float, x2: float) -> tuple[float, float]:
    """Least-squares line through the profile between two distances (Hufford §zlsq1).

    Parameters
    ----------
    z
        Elevations, equally spaced (``len(z) >= 2``).
    xi
        Spacing (m).
    x1, x2
        Distances from the first point (m) bounding the fitted part; they are rounded
        inwards to whole samples and widened to at least one interval.

    Returns
    -------
    z0, zn
        Height of the fitted line at the first and at the last point of the *whole*
        profile.
    """
    xn = float(z.shape[0] - 1)
    xa, xb = _fit_window(xn, xi, x1, x2)
    ja = int(xa)
    jb = int(xb)
    n = jb - ja
    xa = xb - xa
    x = -0.5 * xa
    xb += x
    a = 0.5 * (z[ja] + z[jb])
    b = 0.5 * (z[ja] - z[jb]) * x
    for _ in range(2, n + 1):
        ja += 1
        x += 1.0
        a += z[ja]
        b += z[ja] * x
    a /= xa
    b = b * 12.0 / ((xa * xa + 2.0) * xa)
    return a - b * xb, a + b * (xn - xb)


@njit(cache=True, nogil=True)
def _zlsq1_prefix(
    c0: npt.NDArray[np.float64], c1: npt.NDArray[np.float64], z: npt.NDArray[np.float64],
    npts: int, xi: float, x1: float, x2: float,
) -> tuple[float, float]:  # fmt: skip
    """:func:`_zlsq1` on the profile ``z[0..npts]`` in O(1) from prefix sums.

    ``c0[i] = sum(z[:i])`` and ``c1[i] = sum(j * z[j] for j < i)``; the result equals
    :func:`_zlsq1` up to rounding.
    """
    xn = float(npts)
    xa, xb = _fit_window(xn, xi, x1, x2)
    ja = int(xa)
    jb = int(xb)
    span = xb - xa
    x = -0.5 * span
    xb += x
    s0 = c0[jb] - c0[ja + 1]  # interior points ja+1 .. jb-1
    s1 = c1[jb] - c1[ja + 1]
    a = (0.5 * (z[ja] + z[jb]) + s0) / span
    b = 0.5 * (z[ja] - z[jb]) * x + (x - ja) * s0 + s1
    b = b * 12.0 / ((span * span + 2.0) * span)
    return a - b * xb, a + b * (xn - xb)


@njit(cache=True, nogil=True)
def _dlthx(z: npt.NDArray[np.float64], xi: float, x1: float, x2: float) -> float:
    """Terrain irregularity parameter Δh between two distances (Hufford §dlthx).

    The profile between ``x1`` and ``x2`` is resampled (linear interpolation) at
    ``10 k - 5`` points (4 <= k <= 25 depending on its length), detrended with a
    least-squares line, and the interdecile range (10 % to 90 %) of the residuals is
    taken; it is then scaled to the asymptotic value with ``1 - 0.8 exp(-L / 50 km)``.

    Parameters
    ----------
    z
        Elevations, equally spaced, transmitter first.
    xi
        Spacing (m).
    x1, x2
        Distances from the first point (m) bounding the part used.

    Returns
    -------
    float
        Δh in metres (0 when the part spans fewer than two intervals).
    """
    guess = np.full(2, np.nan)
    return _dlthx_into(z, z.shape[0] - 1, xi, x1, x2, np.empty(245), np.empty(245), guess)


@njit(cache=True, nogil=True)
def _kth(r: npt.NDArray[np.float64], n: int, e: int, buf: npt.NDArray[np.float64],
         lower: float, upper: float, largest: bool) -> float:  # fmt: skip
    """The ``e``-th largest (``largest``) or smallest value among ``r[:n]`` restricted to
    ``lower < r <= upper``, with an insertion buffer of ``e`` values (``e <= len(buf)``).
    """
    sign = 1.0 if largest else -1.0
    m = 0
    for j in range(n):
        v = r[j]
        if v > lower and v <= upper:
            w = sign * v
            if m < e or w > buf[e - 1]:
                # keep buf[:m] sorted by decreasing w
                k = min(m, e - 1)
                while k > 0 and buf[k - 1] < w:
                    buf[k] = buf[k - 1]
                    k -= 1
                buf[k] = w
                m = min(m + 1, e)
    return sign * buf[e - 1]


@njit(cache=True, nogil=True)
def _order_stat(r: npt.NDArray[np.float64], n: int, k: int, guess: float,
                buf: npt.NDArray[np.float64], count: int = -1) -> float:  # fmt: skip
    """The ``k``-th smallest (1-based) of ``r[:n]``, exactly, in O(n).

    ``guess`` (any value, NaN for none) only steers the work: when about ``k`` values
    lie at or below it, the answer is found among the few values between the guess and
    it. ``count``, when given (>= 0), is the number of values ``<= guess``. Otherwise
    the ``min(k, n - k + 1)`` values at that end are kept in the buffer, which must hold
    at least that many.
    """
    e_max = min(16, buf.shape[0])
    if not np.isnan(guess):
        c = count
        if c < 0:
            c = 0
            for j in range(n):
                c += r[j] <= guess
        if k <= c < k + e_max:
            return _kth(r, n, c - k + 1, buf, -np.inf, guess, True)
        if c < k <= c + e_max:
            return _kth(r, n, k - c, buf, guess, np.inf, False)
    if 2 * k > n:
        return _kth(r, n, n - k + 1, buf, -np.inf, np.inf, True)
    return _kth(r, n, k, buf, -np.inf, np.inf, False)


@njit(cache=True, nogil=True)
def _dlthx_into(
    z: npt.NDArray[np.float64], npts: int, xi: float, x1: float, x2: float,
    s: npt.NDArray[np.float64], buf: npt.NDArray[np.float64],
    guess: npt.NDArray[np.float64],
) -> float:  # fmt: skip
    """:func:`_dlthx` on the profile ``z[0..npts]`` with caller-owned work buffers.

    ``s`` holds at least 245 values and ``buf`` at least 25. The two order statistics
    (``ka``-th smallest and largest residual) are selected in O(n), ``n <= 245``, without
    sorting. ``guess`` (2 values, NaN for none) holds the previous call's two order
    statistics, which speeds up the selection along a radial, and is updated; it never
    changes the result.
    """
    xa = x1 / xi
    xb = x2 / xi
    if xb - xa < 2.0:
        return 0.0
    ka = int(0.1 * (xb - xa + 8.0))
    ka = min(max(4, ka), 25)
    n = 10 * ka - 5
    sn = float(n - 1)
    step = (xb - xa) / sn
    k = int(xa + 1.0)
    xa -= k
    tot = 0.0
    mom = 0.0
    for j in range(n):
        while xa > 0.0 and k < npts:  # Hufford's stepping (twice as fast as ceil here)
            xa -= 1.0
            k += 1
        v = z[k] + (z[k] - z[k - 1]) * xa
        s[j] = v
        tot += v
        mom += j * v
        xa += step
    # least-squares line through s[0..n-1] (:func:`_zlsq1` with x1 = 0, x2 = n - 1)
    first = s[0]
    last = s[n - 1]
    x = -0.5 * sn
    inner = tot - first - last
    a = (0.5 * (first + last) + inner) / sn
    b = 0.5 * (first - last) * x + x * inner + (mom - (n - 1) * last)
    b = b * 12.0 / ((sn * sn + 2.0) * sn)
    za = a + b * x
    g0 = guess[0]
    g1 = guess[1]
    c0 = 0
    c1 = 0
    for j in range(n):
        v = s[j] - (za + b * j)
        s[j] = v
        c0 += v <= g0
        c1 += v <= g1
    # ka-th largest minus ka-th smallest residual
    lo = _order_stat(s, n, ka, g0, buf, c0)
    hi = _order_stat(s, n, n - ka + 1, g1, buf, c1)
    guess[0] = lo
    guess[1] = hi
    return (hi - lo) / (1.0 - 0.8 * math.exp(-(x2 - x1) / 50e3))


@njit(cache=True, nogil=True)
def _qlrpfl(
    z: npt.NDArray[np.float64], xi: float, hg0: float, hg1: float, gme: float
) -> tuple[float, float, float, float, float, float, float, float]:
    """Point-to-point preparation from a profile (Hufford §qlrpfl).

    Finds the horizons (:func:`_hzns`), Δh over the path less the first and last
    ``min(15 hg, 0.1 dl)`` (:func:`_dlthx`), and the effective heights above a
    least-squares fit of the foreground (:func:`_zlsq1`). On line-of-sight paths
    (``dl0 + dl1 > 1.5 d``) the horizon distances and angles are replaced by the
    empirical smooth-earth values.

    Parameters
    ----------
    z, xi
        Profile elevations (m) and spacing (m).
    hg0, hg1
        Antenna heights above ground (m).
    gme
        Effective earth curvature (1/m).

    Returns
    -------
    dist, he0, he1, dl0, dl1, the0, the1, dh
        Path length, effective heights, horizon distances, horizon angles and Δh.
    """
    npts = z.shape[0] - 1
    dist = npts * xi
    the0, the1, dl0, dl1 = _hzns(z, xi, hg0, hg1, gme)
    xl0 = min(15.0 * hg0, 0.1 * dl0)
    xl1 = dist - min(15.0 * hg1, 0.1 * dl1)
    dh = _dlthx(z, xi, xl0, xl1)
    if dl0 + dl1 > 1.5 * dist:
        za, zb = _zlsq1(z, xi, xl0, xl1)
        he0, he1, dl0, dl1, the0, the1 = _los_horizons(
            dist, hg0 + _dim(z[0], za), hg1 + _dim(z[npts], zb), dh, gme
        )
    else:
        za, _ = _zlsq1(z, xi, xl0, 0.9 * dl0)
        _, zb = _zlsq1(z, xi, dist - 0.9 * dl1, xl1)
        he0 = hg0 + _dim(z[0], za)
        he1 = hg1 + _dim(z[npts], zb)
    return dist, he0, he1, dl0, dl1, the0, the1, dh


@njit(cache=True, nogil=True)
def _los_horizons(
    dist: float, he0: float, he1: float, dh: float, gme: float
) -> tuple[float, float, float, float, float, float]:
    """Empirical effective heights, horizon distances and angles of a line-of-sight
    profile (the ``dl0 + dl1 > 1.5 d`` branch of Hufford §qlrpfl), from the effective
    heights above the least-squares fit."""
    dl0 = math.sqrt(2.0 * he0 / gme) * math.exp(-0.07 * math.sqrt(dh / max(he0, 5.0)))
    dl1 = math.sqrt(2.0 * he1 / gme) * math.exp(-0.07 * math.sqrt(dh / max(he1, 5.0)))
    q = dl0 + dl1
    if q <= dist:
        q = dist / q
        q = q * q
        he0 *= q
        he1 *= q
        dl0 = math.sqrt(2.0 * he0 / gme) * math.exp(-0.07 * math.sqrt(dh / max(he0, 5.0)))
        dl1 = math.sqrt(2.0 * he1 / gme) * math.exp(-0.07 * math.sqrt(dh / max(he1, 5.0)))
    q = math.sqrt(2.0 * he0 / gme)
    the0 = (0.65 * dh * (q / dl0 - 1.0) - 2.0 * he0) / q
    q = math.sqrt(2.0 * he1 / gme)
    the1 = (0.65 * dh * (q / dl1 - 1.0) - 2.0 * he1) / q
    return he0, he1, dl0, dl1, the0, the1


@njit(cache=True, nogil=True)
def _qlra(
    hg0: float, hg1: float, dh: float, gme: float, kst0: int, kst1: int
) -> tuple[float, float, float, float, float, float]:
    """Area-mode preparation (Hufford §qlra).

    Parameters
    ----------
    hg0, hg1
        Antenna heights above ground (m).
    dh
        Terrain irregularity Δh (m).
    gme
        Effective earth curvature (1/m).
    kst0, kst1
        Siting criteria: 0 random, 1 careful, 2 very careful.

    Returns
    -------
    he0, he1, dl0, dl1, the0, the1
        Effective heights, horizon distances and horizon angles from the empirical
        formulas.
    """
    he = np.empty(2)
    dl = np.empty(2)
    th = np.empty(2)
    for j in range(2):
        hg = hg0 if j == 0 else hg1
        kst = kst0 if j == 0 else kst1
        if kst <= 0:
            he[j] = hg
        else:
            q = 4.0 if kst == 1 else 9.0
            if hg < 5.0:
                q *= math.sin(0.3141593 * hg)
            he[j] = hg + (1.0 + q) * math.exp(-min(20.0, 2.0 * hg / max(1e-3, dh)))
        q = math.sqrt(2.0 * he[j] / gme)
        dl[j] = q * math.exp(-0.07 * math.sqrt(dh / max(he[j], 5.0)))
        th[j] = (0.65 * dh * (q / dl[j] - 1.0) - 2.0 * he[j]) / q
    return he[0], he[1], dl[0], dl[1], th[0], th[1]


# --------------------------------------------------------------------------------------
# lrprop and its pieces
# --------------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _aknfe(v2: float) -> float:
    """Knife-edge diffraction loss as a function of v² (Hufford §aknfe)."""
    if v2 < 5.76:
        return 6.02 + 9.11 * math.sqrt(v2) - 1.27 * v2
    return 12.953 + 4.343 * math.log(v2)


@njit(cache=True, nogil=True)
def _fht(x: float, pk: float) -> float:
    """Height-gain term of smooth-earth diffraction (Hufford §fht)."""
    if x < 200.0:
        w = -math.log(pk)
        if pk < 1e-5 or x * w * w * w > 5495.0:
            f = -117.0
            if x > 1.0:
                f = 17.372 * math.log(x) + f
        else:
            f = 2.5e-5 * x * x / pk - 8.686 * w - 15.0
    else:
        f = 0.05751 * x - 4.343 * math.log(x)
        if x < 2000.0:
            w = 0.0134 * x * math.exp(-0.005 * x)
            f = (1.0 - w) * f + w * (17.372 * math.log(x) - 117.0)
    return f


@njit(cache=True, nogil=True)
def _h0f(r: float, et: float) -> float:
    """Frequency-gain function H_0 of troposcatter (Hufford §h0f)."""
    it = int(et)
    if it <= 0:
        it = 1
        q = 0.0
    elif it >= 5:
        it = 5
        q = 0.0
    else:
        q = et - it
    x = 1.0 / r
    x = x * x
    a = (25.0, 80.0, 177.0, 395.0, 705.0)
    b = (24.0, 45.0, 68.0, 80.0, 105.0)
    h = 4.343 * math.log((a[it - 1] * x + b[it - 1]) * x + 1.0)
    if q != 0.0:
        h = (1.0 - q) * h + q * 4.343 * math.log((a[it] * x + b[it]) * x + 1.0)
    return h


@njit(cache=True, nogil=True)
def _ahd(td: float) -> float:
    """Attenuation function F(θd) of troposcatter (Hufford §ahd)."""
    if td <= 10e3:
        return 133.4 + 0.332e-3 * td - 4.343 * math.log(td)
    if td <= 70e3:
        return 104.6 + 0.212e-3 * td - 1.086 * math.log(td)
    return 71.8 + 0.157e-3 * td + 2.171 * math.log(td)


@njit(cache=True, nogil=True)
def _adiff_init(
    hg0: float, hg1: float, he0: float, he1: float, dl0: float, dl1: float,
    dh: float, wn: float, gme: float, dla: float, dlsa: float, tha: float,
    zgnd: complex, p2p: bool,
) -> tuple[float, float, float, float, float, float]:  # fmt: skip
    """Distance-independent part of the diffraction attenuation (Hufford §adiff, d = 0).

    Returns
    -------
    wd1, xd1, afo, qk, aht, xht
        Weighting constants, clutter term ``afo``, ``1/|Z_g|`` and the height-gain sums.
    """
    q = hg0 * hg1
    qk = he0 * he1 - q
    if p2p:
        q += 10.0
    wd1 = math.sqrt(1.0 + qk / q)
    xd1 = dla + tha / gme
    q = (1.0 - 0.8 * math.exp(-dlsa / 50e3)) * dh
    q *= 0.78 * math.exp(-((q / 16.0) ** 0.25))
    afo = min(15.0, 2.171 * math.log(1.0 + 4.77e-4 * hg0 * hg1 * wn * q))
    qk = 1.0 / abs(zgnd)
    aht = 20.0
    xht = 0.0
    for j in range(2):
        dl = dl0 if j == 0 else dl1
        he = he0 if j == 0 else he1
        a = 0.5 * dl * dl / he
        wa = (a * wn) ** _THIRD
        pk = qk / wa
        q = (1.607 - pk) * 151.0 * wa * dl / a
        xht += q
        aht += _fht(q, pk)
    return wd1, xd1, afo, qk, aht, xht


@njit(cache=True, nogil=True)
def _adiff(
    d: float, wd1: float, xd1: float, afo: float, qk: float, aht: float, xht: float,
    dl0: float, dl1: float, dh: float, wn: float, gme: float, dla: float, tha: float,
) -> float:  # fmt: skip
    """Diffraction attenuation at distance ``d`` (Hufford §adiff).

    A weighted blend of double knife-edge (Fresnel-integral approximation
    :func:`_aknfe`) and smooth-earth (rounded-earth, :func:`_fht`) diffraction, plus
    the clutter term ``afo``; constants from :func:`_adiff_init`.
    """
    th = tha + d * gme
    ds = d - dla
    q = 0.0795775 * wn * ds * th * th
    a_k = _aknfe(q * dl0 / (ds + dl0)) + _aknfe(q * dl1 / (ds + dl1))
    a = ds / th
    wa = (a * wn) ** _THIRD
    pk = qk / wa
    q = (1.607 - pk) * 151.0 * wa * th + xht
    ar = 0.05751 * q - 4.343 * math.log(q) - aht
    q = (wd1 + xd1 / d) * min((1.0 - 0.8 * math.exp(-d / 50e3)) * dh * wn, 6283.2)
    wd = 25.1 / (25.1 + math.sqrt(q))
    return ar * wd + (1.0 - wd) * a_k + afo


@njit(cache=True, nogil=True)
def _alos(
    d: float, wls: float, he0: float, he1: float, dh: float, wn: float,
    zgnd: complex, emd: float, aed: float,
) -> float:  # fmt: skip
    """Line-of-sight attenuation at distance ``d`` (Hufford §alos).

    Two-ray (direct plus rough-earth reflection) attenuation blended with the
    extrapolated diffraction line ``aed + emd d`` by the weight ``wls``.
    """
    q = (1.0 - 0.8 * math.exp(-d / 50e3)) * dh
    s = 0.78 * q * math.exp(-((q / 16.0) ** 0.25))
    q = he0 + he1
    sps = q / math.sqrt(d * d + q * q)
    r = (sps - zgnd) / (sps + zgnd) * math.exp(-min(10.0, wn * s * sps))
    q = r.real * r.real + r.imag * r.imag
    if q < 0.25 or q < sps:
        r = r * math.sqrt(sps / q)
    a = emd * d + aed
    q = wn * he0 * he1 * 2.0 / d
    if q > 1.57:
        q = 3.14 - 2.4649 / q
    t = complex(math.cos(q), -math.sin(q)) + r
    return (-4.343 * math.log(t.real * t.real + t.imag * t.imag) - a) * wls + a


@njit(cache=True, nogil=True)
def _ascat(
    d: float, h0s: float, ad: float, rr: float, etq: float, he0: float, he1: float,
    the0: float, the1: float, wn: float, gme: float, tha: float, ens: float,
) -> tuple[float, float]:  # fmt: skip
    """Troposcatter attenuation at distance ``d`` (Hufford §ascat).

    ``h0s`` carries the frequency-gain value between successive calls exactly as the
    original's saved variable (start with -15); the updated value is returned. Returns
    1001 dB (and ``h0s`` unchanged) when both scatter parameters r1, r2 are below 0.2.
    """
    if h0s > 15.0:
        h0 = h0s
    else:
        th = the0 + the1 + d * gme
        r2 = 2.0 * wn * th
        r1 = r2 * he0
        r2 *= he1
        if r1 < 0.2 and r2 < 0.2:
            return 1001.0, h0s
        ss = (d - ad) / (d + ad)
        q = rr / ss
        ss = max(0.1, ss)
        q = min(max(0.1, q), 10.0)
        z0 = (d - ad) * (d + ad) * th * 0.25 / d
        et = (etq * math.exp(-(min(1.7, z0 / 8.0e3) ** 6)) + 1.0) * z0 / 1.7556e3
        ett = max(et, 1.0)
        h0 = (_h0f(r1, ett) + _h0f(r2, ett)) * 0.5
        h0 += min(h0, (1.38 - math.log(ett)) * math.log(ss) * math.log(q) * 0.49)
        h0 = _dim(h0, 0.0)
        if et < 1.0:
            t = (1.0 + 1.4142 / r1) * (1.0 + 1.4142 / r2)
            h0 = et * h0 + (1.0 - et) * 4.343 * math.log(t * t * (r1 + r2) / (r1 + r2 + 2.8284))
        if h0 > 15.0 and h0s >= 0.0:
            h0 = h0s
    th = tha + d * gme
    a = (
        _ahd(th * d)
        + 4.343 * math.log(47.7 * wn * th**4)
        - 0.1 * (ens - 301.0) * math.exp(-th * d / 40e3)
        + h0
    )
    return a, h0


@njit(cache=True, nogil=True)
def _lrprop(
    dist: float, hg0: float, hg1: float, he0: float, he1: float, dl0: float, dl1: float,
    the0: float, the1: float, dh: float, wn: float, gme: float, ens: float,
    zgnd: complex, p2p: bool,
) -> tuple[float, int, int, float, float]:  # fmt: skip
    """Reference attenuation relative to free space (Hufford §lrprop).

    Parameters
    ----------
    dist
        Path length (m), > 0.
    hg0, hg1
        Antenna heights above ground (m).
    he0, he1
        Effective heights (m), from :func:`_qlrpfl` or :func:`_qlra`.
    dl0, dl1, the0, the1
        Horizon distances (m) and elevation angles (rad).
    dh
        Terrain irregularity Δh (m).
    wn, gme, ens, zgnd
        Wave number, effective earth curvature, surface refractivity and ground
        impedance from :func:`_qlrps`.
    p2p
        True in point-to-point mode (Hufford's ``mdp < 0``: adds 10 m² to the clutter
        weighting of :func:`_adiff`), False in area mode.

    Returns
    -------
    aref, mode, kwx, dlsa, dx
        Reference attenuation A_ref (dB, >= 0); mode 0 line of sight (``dist < dlsa``),
        1 diffraction, 2 troposcatter (``dist > dx``); warning code; smooth-earth
        line-of-sight distance ``dlsa`` and diffraction/troposcatter transition ``dx``
        (NaN where it is not needed: on line-of-sight paths, and on diffraction paths
        shorter than its lower bound ``dla + 0.3 xae ln(47.7 k)``, where the scatter
        line is not computed at all).
    """
    kwx = 0
    dls0 = math.sqrt(2.0 * he0 / gme)
    dls1 = math.sqrt(2.0 * he1 / gme)
    dlsa = dls0 + dls1
    dla = dl0 + dl1
    tha = max(the0 + the1, -dla * gme)
    if wn < 0.838 or wn > 210.0:
        kwx = max(kwx, 1)
    if hg0 < 1.0 or hg0 > 1000.0 or hg1 < 1.0 or hg1 > 1000.0:
        kwx = max(kwx, 1)
    if abs(the0) > 200e-3 or dl0 < 0.1 * dls0 or dl0 > 3.0 * dls0:
        kwx = max(kwx, 3)
    if abs(the1) > 200e-3 or dl1 < 0.1 * dls1 or dl1 > 3.0 * dls1:
        kwx = max(kwx, 3)
    if (
        ens < 250.0
        or ens > 400.0
        or gme < 75e-9
        or gme > 250e-9
        or zgnd.real <= abs(zgnd.imag)
        or wn < 0.419
        or wn > 420.0
    ):
        kwx = 4
    if hg0 < 0.5 or hg0 > 3000.0 or hg1 < 0.5 or hg1 > 3000.0:
        kwx = 4
    dmin = abs(he0 - he1) / 200e-3

    # diffraction line through two points well beyond the horizons
    wd1, xd1, afo, qk, aht, xht = _adiff_init(
        hg0, hg1, he0, he1, dl0, dl1, dh, wn, gme, dla, dlsa, tha, zgnd, p2p
    )
    xae = (wn * gme * gme) ** (-_THIRD)
    d3 = max(dlsa, 1.3787 * xae + dla)
    d4 = d3 + 2.7574 * xae
    a3 = _adiff(d3, wd1, xd1, afo, qk, aht, xht, dl0, dl1, dh, wn, gme, dla, tha)
    a4 = _adiff(d4, wd1, xd1, afo, qk, aht, xht, dl0, dl1, dh, wn, gme, dla, tha)
    emd = (a4 - a3) / (d4 - d3)
    aed = a3 - emd * d3

    if dist > 1000e3:
        kwx = max(kwx, 1)
    if dist < dmin:
        kwx = max(kwx, 3)
    if dist < 1e3 or dist > 2000e3:
        kwx = 4

    dx = math.nan
    if dist < dlsa:
        # line of sight: fit ael + ak1 d + ak2 ln d through three points
        mode = 0
        wls = 0.021 / (0.021 + wn * dh / max(10e3, dlsa))
        d2 = dlsa
        a2 = aed + d2 * emd
        d0 = 1.908 * wn * he0 * he1
        if aed >= 0.0:
            d0 = min(d0, 0.5 * dla)
            d1 = d0 + 0.25 * (dla - d0)
        else:
            d1 = max(-aed / emd, 0.25 * dla)
        a1 = _alos(d1, wls, he0, he1, dh, wn, zgnd, emd, aed)
        wq = False
        ak1 = 0.0
        ak2 = 0.0
        if d0 < d1:
            a0 = _alos(d0, wls, he0, he1, dh, wn, zgnd, emd, aed)
            q = math.log(d2 / d0)
            ak2 = max(
                0.0,
                ((d2 - d0) * (a1 - a0) - (d1 - d0) * (a2 - a0))
                / ((d2 - d0) * math.log(d1 / d0) - (d1 - d0) * q),
            )
            wq = aed >= 0.0 or ak2 > 0.0
            if wq:
                ak1 = (a2 - a0 - ak2 * q) / (d2 - d0)
                if ak1 < 0.0:
                    ak1 = 0.0
                    ak2 = _dim(a2, a0) / q
                    if ak2 == 0.0:
                        ak1 = emd
        if not wq:
            ak1 = _dim(a2, a1) / (d2 - d1)
            ak2 = 0.0
            if ak1 == 0.0:
                ak1 = emd
        ael = a2 - ak1 * d2 - ak2 * math.log(d2)
        aref = ael + ak1 * dist + ak2 * math.log(dist)
    else:
        # beyond the smooth-earth horizon: diffraction or troposcatter line
        ad = dl0 - dl1
        rr = he1 / he0
        if ad < 0.0:
            ad = -ad
            rr = 1.0 / rr
        if dist <= dla + 0.3 * xae * math.log(47.7 * wn):
            # dx >= this bound whatever the scatter line: diffraction, no need for it
            return max(aed + emd * dist, 0.0), 1, kwx, dlsa, dx
        etq = (5.67e-6 * ens - 2.32e-3) * ens + 0.031
        h0s = -15.0
        d5 = dla + 200e3
        d6 = d5 + 200e3
        a6, h0s = _ascat(d6, h0s, ad, rr, etq, he0, he1, the0, the1, wn, gme, tha, ens)
        a5, h0s = _ascat(d5, h0s, ad, rr, etq, he0, he1, the0, the1, wn, gme, tha, ens)
        if a5 < 1000.0:
            ems = (a6 - a5) / 200e3
            dx = max(
                dlsa,
                max(dla + 0.3 * xae * math.log(47.7 * wn), (a5 - aed - ems * d5) / (emd - ems)),
            )
            aes = (emd - ems) * dx + aed
        else:
            ems = emd
            aes = aed
            dx = 10.0e6
        if dist > dx:
            mode = 2
            aref = aes + ems * dist
        else:
            mode = 1
            aref = aed + emd * dist
    return max(aref, 0.0), mode, kwx, dlsa, dx


# --------------------------------------------------------------------------------------
# avar
# --------------------------------------------------------------------------------------

# Climate constants of Hufford §avar, index = climate - 1 (1 equatorial, 2 continental
# subtropical, 3 maritime subtropical, 4 desert, 5 continental temperate, 6 maritime
# temperate over land, 7 maritime temperate over sea).
_BV1 = np.array([-9.67, -0.62, 1.26, -9.21, -0.62, -0.39, 3.15])
_BV2 = np.array([12.7, 9.19, 15.5, 9.05, 9.19, 2.86, 857.9])
_XV1 = np.array([144.9e3, 228.9e3, 262.6e3, 84.1e3, 228.9e3, 141.7e3, 2222.0e3])
_XV2 = np.array([190.3e3, 205.2e3, 185.2e3, 101.1e3, 205.2e3, 315.9e3, 164.8e3])
_XV3 = np.array([133.8e3, 143.6e3, 99.8e3, 98.6e3, 143.6e3, 167.4e3, 116.3e3])
_BSM1 = np.array([2.13, 2.66, 6.11, 1.98, 2.68, 6.86, 8.51])
_BSM2 = np.array([159.5, 7.67, 6.65, 13.11, 7.16, 10.38, 169.8])
_XSM1 = np.array([762.2e3, 100.4e3, 138.2e3, 139.1e3, 93.7e3, 187.8e3, 609.8e3])
_XSM2 = np.array([123.6e3, 172.5e3, 242.2e3, 132.7e3, 186.8e3, 169.6e3, 119.9e3])
_XSM3 = np.array([94.5e3, 136.4e3, 178.6e3, 193.5e3, 133.5e3, 108.9e3, 106.6e3])
_BSP1 = np.array([2.11, 6.87, 10.08, 3.68, 4.75, 8.58, 8.43])
_BSP2 = np.array([102.3, 15.53, 9.60, 159.3, 8.12, 13.97, 8.19])
_XSP1 = np.array([636.9e3, 138.7e3, 165.3e3, 464.4e3, 93.2e3, 216.0e3, 136.2e3])
_XSP2 = np.array([134.8e3, 143.7e3, 225.7e3, 93.1e3, 135.9e3, 152.0e3, 188.5e3])
_XSP3 = np.array([95.6e3, 98.6e3, 129.7e3, 94.2e3, 113.4e3, 122.7e3, 122.9e3])
_BSD1 = np.array([1.224, 0.801, 1.380, 1.000, 1.224, 1.518, 1.518])
_BZD1 = np.array([1.282, 2.161, 1.282, 20.0, 1.282, 1.282, 1.282])
_BFM1 = np.array([1.0, 1.0, 1.0, 1.0, 0.92, 1.0, 1.0])
_BFM2 = np.array([0.0, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0])
_BFM3 = np.array([0.0, 0.0, 0.0, 0.0, 1.77, 0.0, 0.0])
_BFP1 = np.array([1.0, 0.93, 1.0, 0.93, 0.93, 1.0, 1.0])
_BFP2 = np.array([0.0, 0.31, 0.0, 0.19, 0.31, 0.0, 0.0])
_BFP3 = np.array([0.0, 2.00, 0.0, 1.79, 2.00, 0.0, 0.0])


@njit(cache=True, nogil=True)
def _curve(c1: float, c2: float, x1: float, x2: float, x3: float, de: float) -> float:
    """Climate curve of Hufford §avar (``curv``)."""
    t1 = (de - x2) / x3
    t2 = de / x1
    t1 *= t1
    t2 *= t2
    return (c1 + c2 / (1.0 + t1)) * t2 / (1.0 + t2)


@njit(cache=True, nogil=True)
def _avar(
    zzt: float, zzl: float, zzc: float, aref: float, dist: float, he0: float, he1: float,
    dh: float, wn: float, klim: int, mdvar: int,
) -> tuple[float, int, float]:  # fmt: skip
    """Attenuation for given time, location and situation quantiles (Hufford §avar).

    Parameters
    ----------
    zzt, zzl, zzc
        Standard normal deviates of time, location and situation (confidence):
        ``_qerfi(percent / 100)``.
    aref
        Reference attenuation from :func:`_lrprop` (dB).
    dist, he0, he1, dh, wn
        Path length, effective heights, Δh and wave number.
    klim
        Radio climate 1..7.
    mdvar
        Variability mode 0 single message, 1 accidental, 2 mobile, 3 broadcast; +10 no
        location variability; +20 no situation variability (direct situation variance
        ``vs0`` dropped).

    Returns
    -------
    avar, kwx, sgc
        Attenuation relative to free space (dB), warning code (1 when a deviate exceeds
        3.1 in magnitude, 0 otherwise) and the situation standard deviation.
    """
    kwx = 0
    k = klim - 1
    kdv = mdvar
    ws = kdv >= 20
    if ws:
        kdv -= 20
    w1 = kdv >= 10
    if w1:
        kdv -= 10
    q = math.log(0.133 * wn)
    gm = _BFM1[k] + _BFM2[k] / ((_BFM3[k] * q) ** 2 + 1.0)
    gp = _BFP1[k] + _BFP2[k] / ((_BFP3[k] * q) ** 2 + 1.0)
    dexa = math.sqrt(18e6 * he0) + math.sqrt(18e6 * he1) + (575.7e12 / wn) ** _THIRD
    if dist < dexa:
        de = 130e3 * dist / dexa
    else:
        de = 130e3 + dist - dexa
    vmd = _curve(_BV1[k], _BV2[k], _XV1[k], _XV2[k], _XV3[k], de)
    sgtm = _curve(_BSM1[k], _BSM2[k], _XSM1[k], _XSM2[k], _XSM3[k], de) * gm
    sgtp = _curve(_BSP1[k], _BSP2[k], _XSP1[k], _XSP2[k], _XSP3[k], de) * gp
    sgtd = sgtp * _BSD1[k]
    zd = _BZD1[k]
    tgtd = (sgtp - sgtd) * zd
    if w1:
        sgl = 0.0
    else:
        q = (1.0 - 0.8 * math.exp(-dist / 50e3)) * dh * wn
        sgl = 10.0 * q / (q + 13.0)
    if ws:
        vs0 = 0.0
    else:
        t = 5.0 + 3.0 * math.exp(-de / 100e3)
        vs0 = t * t

    zt = zzt
    zl = zzl
    zc = zzc
    if kdv == 0:
        zt = zc
        zl = zc
    elif kdv == 1:
        zl = zc
    elif kdv == 2:
        zl = zt
    if abs(zt) > 3.1 or abs(zl) > 3.1 or abs(zc) > 3.1:
        kwx = 1
    if zt < 0.0:
        sgt = sgtm
    elif zt <= zd:
        sgt = sgtp
    else:
        sgt = sgtd + tgtd / zt
    t1 = sgt * zt
    t2 = sgl * zl
    vs = vs0 + t1 * t1 / (7.8 + zc * zc) + t2 * t2 / (24.0 + zc * zc)
    if kdv == 0:
        yr = 0.0
        sgc = math.sqrt(sgt * sgt + sgl * sgl + vs)
    elif kdv == 1:
        yr = sgt * zt
        sgc = math.sqrt(sgl * sgl + vs)
    elif kdv == 2:
        yr = math.sqrt(sgt * sgt + sgl * sgl) * zt
        sgc = math.sqrt(vs)
    else:
        yr = sgt * zt + sgl * zl
        sgc = math.sqrt(vs)
    a = aref - vmd - yr - sgc * zc
    if a < 0.0:
        a = a * (29.0 - a) / (29.0 - 10.0 * a)
    return a, kwx, sgc


@njit(cache=True, nogil=True)
def _free_space_db(dist: float, f_mhz: float) -> float:
    """Free-space basic transmission loss (dB) for a distance in metres."""
    return 32.45 + 20.0 * math.log10(f_mhz) + 20.0 * math.log10(dist / 1000.0)


# --------------------------------------------------------------------------------------
# Complete calculations (numba) and the Python entry points
# --------------------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _itm_p2p_core(
    z: npt.NDArray[np.float64], xi: float, hg0: float, hg1: float, f_mhz: float,
    eps: float, sgm: float, n0: float, klim: int, pol: int, mdvar: int,
    zt: float, zl: float, zc: float,
) -> tuple[float, float, float, int, int, float, float, float, float, float, float,
           float, float, float, float, float]:  # fmt: skip
    """Complete point-to-point ITM on one profile (no input checking).

    Parameters
    ----------
    z, xi
        Elevations (m, transmitter first, ``len(z) >= 3``) and their spacing (m).
    hg0, hg1
        Antenna heights above ground (m).
    f_mhz, eps, sgm, n0, klim, pol, mdvar
        As :func:`itm_p2p`.
    zt, zl, zc
        Standard normal deviates (``_qerfi(percent / 100)``) of time, location and
        situation.

    Returns
    -------
    tuple
        ``(loss, free_space, aref, mode, kwx, dist, he0, he1, dl0, dl1, the0, the1, dh,
        ens, gme, dlsa)``.
    """
    zsys = _path_zsys(z)
    wn, ens, gme, zgnd = _qlrps(f_mhz, zsys, n0, pol, eps, sgm)
    dist, he0, he1, dl0, dl1, the0, the1, dh = _qlrpfl(z, xi, hg0, hg1, gme)
    aref, mode, kwx, dlsa, _dx = _lrprop(
        dist, hg0, hg1, he0, he1, dl0, dl1, the0, the1, dh, wn, gme, ens, zgnd, True
    )
    a, kwx_v, _sgc = _avar(zt, zl, zc, aref, dist, he0, he1, dh, wn, klim, mdvar)
    fs = _free_space_db(dist, f_mhz)
    return (a + fs, fs, aref, mode, max(kwx, kwx_v), dist, he0, he1, dl0, dl1, the0, the1,
            dh, ens, gme, dlsa)  # fmt: skip


@njit(cache=True, nogil=True)
def _itm_area_core(
    dist: float, hg0: float, hg1: float, dh: float, kst0: int, kst1: int, f_mhz: float,
    eps: float, sgm: float, n0: float, klim: int, pol: int, mdvar: int,
    zt: float, zl: float, zc: float,
) -> tuple[float, float, float, int, int, float, float, float, float, float, float,
           float, float, float, float, float]:  # fmt: skip
    """Complete area-mode ITM (no input checking); same output tuple as the p2p core."""
    wn, ens, gme, zgnd = _qlrps(f_mhz, 0.0, n0, pol, eps, sgm)
    he0, he1, dl0, dl1, the0, the1 = _qlra(hg0, hg1, dh, gme, kst0, kst1)
    aref, mode, kwx, dlsa, _dx = _lrprop(
        dist, hg0, hg1, he0, he1, dl0, dl1, the0, the1, dh, wn, gme, ens, zgnd, False
    )
    a, kwx_v, _sgc = _avar(zt, zl, zc, aref, dist, he0, he1, dh, wn, klim, mdvar)
    fs = _free_space_db(dist, f_mhz)
    return (a + fs, fs, aref, mode, max(kwx, kwx_v), dist, he0, he1, dl0, dl1, the0, the1,
            dh, ens, gme, dlsa)  # fmt: skip


@dataclass(frozen=True)
class ItmResult:
    """Result of one ITM prediction.

    Attributes
    ----------
    loss_db
        Basic transmission loss A (dB) at the requested time / location / situation.
    free_space_db
        Free-space basic transmission loss over the path length (dB).
    a_ref_db
        Reference attenuation A_ref relative to free space, before variability (dB).
    mode
        Propagation mode: 0 line of sight, 1 diffraction, 2 troposcatter
        (:data:`ITM_MODE_NAMES`; NTIA's ``propmode`` is ``mode + 1``).
    warning
        ITM's warning code ``kwx``, 0–4 (:data:`ITM_WARNING_TEXT`).
    distance_m
        Path length (m).
    horizon_distance_m, horizon_angle_rad
        Horizon distances (m) and elevation angles (rad) at (transmitter, receiver), as
        used by the model (replaced by empirical values on line-of-sight profiles and in
        area mode).
    effective_height_m
        Effective antenna heights (transmitter, receiver) in metres.
    delta_h_m
        Terrain irregularity parameter Δh (m).
    n_s
        Surface refractivity N_s (N-units).
    gamma_e
        Effective earth curvature γ_e (1/m); the effective earth radius is ``1/gamma_e``.
    smooth_earth_los_distance_m
        Sum of the smooth-earth horizon distances (the line-of-sight limit ``dlsa``).
    """

    loss_db: float
    free_space_db: float
    a_ref_db: float
    mode: int
    warning: int
    distance_m: float
    horizon_distance_m: tuple[float, float]
    horizon_angle_rad: tuple[float, float]
    effective_height_m: tuple[float, float]
    delta_h_m: float
    n_s: float
    gamma_e: float
    smooth_earth_los_distance_m: float

    @property
    def mode_name(self) -> str:
        """Name of :attr:`mode`."""
        return ITM_MODE_NAMES[self.mode]

    @property
    def ntia_propmode(self) -> int:
        """The mode as NTIA's C++ ``propmode`` numbers it (1 LOS, 2 diffraction, 3 tropo)."""
        return self.mode + 1

    @property
    def warning_text(self) -> str:
        """Meaning of :attr:`warning`."""
        return ITM_WARNING_TEXT[self.warning]

    @property
    def effective_earth_radius_m(self) -> float:
        """Effective earth radius ``1 / gamma_e`` (m)."""
        return 1.0 / self.gamma_e


def _result(t: tuple) -> ItmResult:
    (loss, fs, aref, mode, kwx, dist, he0, he1, dl0, dl1, th0, th1, dh, ens, gme, dlsa) = t
    return ItmResult(
        loss_db=float(loss),
        free_space_db=float(fs),
        a_ref_db=float(aref),
        mode=int(mode),
        warning=int(kwx),
        distance_m=float(dist),
        horizon_distance_m=(float(dl0), float(dl1)),
        horizon_angle_rad=(float(th0), float(th1)),
        effective_height_m=(float(he0), float(he1)),
        delta_h_m=float(dh),
        n_s=float(ens),
        gamma_e=float(gme),
        smooth_earth_los_distance_m=float(dlsa),
    )


def _check_range(name: str, value: float, lo: float, hi: float, *, open_: bool = False) -> float:
    v = float(value)
    ok = (lo < v < hi) if open_ else (lo <= v <= hi)
    if not math.isfinite(v) or not ok:
        br = ("(", ")") if open_ else ("[", "]")
        raise ValueError(f"{name} must be in {br[0]}{lo:g}, {hi:g}{br[1]}, got {value!r}")
    return v


def _check_common(
    tx_height_m: float, rx_height_m: float, frequency_mhz: float, epsilon: float,
    sigma: float, n0: float, climate: int, polarization: int, mdvar: int, time: float,
    location: float, situation: float,
) -> tuple[float, float, float]:  # fmt: skip
    """Validate the parameters shared by both modes (NTIA's input limits)."""
    _check_range("tx_height_m", tx_height_m, 0.5, 3000.0)
    _check_range("rx_height_m", rx_height_m, 0.5, 3000.0)
    _check_range("frequency_mhz", frequency_mhz, 20.0, 20000.0)
    if not math.isfinite(float(epsilon)) or float(epsilon) < 1.0:
        raise ValueError(f"epsilon must be >= 1, got {epsilon!r}")
    if not math.isfinite(float(sigma)) or float(sigma) <= 0.0:
        raise ValueError(f"sigma must be > 0, got {sigma!r}")
    _check_range("n0", n0, 250.0, 400.0)
    if climate not in range(1, 8):
        raise ValueError(f"climate must be an integer 1..7, got {climate!r}")
    if polarization not in (0, 1):
        raise ValueError(
            f"polarization must be 0 (horizontal) or 1 (vertical), got {polarization!r}"
        )
    if not isinstance(mdvar, (int, np.integer)) or (
        mdvar % 10 not in _MDVAR_BASE or mdvar < 0 or mdvar > 33
    ):
        raise ValueError(f"mdvar must be 0..3, optionally +10 and/or +20, got {mdvar!r}")
    zt = _qerfi(_check_range("time", time, 0.0, 100.0, open_=True) / 100.0)
    zl = _qerfi(_check_range("location", location, 0.0, 100.0, open_=True) / 100.0)
    zc = _qerfi(_check_range("situation", situation, 0.0, 100.0, open_=True) / 100.0)
    return zt, zl, zc


def itm_p2p(
    profile_m: npt.ArrayLike,
    spacing_m: float,
    tx_height_m: float,
    rx_height_m: float,
    *,
    frequency_mhz: float,
    epsilon: float = 15.0,
    sigma: float = 0.005,
    n0: float = 301.0,
    climate: int = 5,
    polarization: int = 1,
    mdvar: int = 12,
    time: float = 50.0,
    location: float = 50.0,
    situation: float = 50.0,
) -> ItmResult:
    """Point-to-point ITM 1.2.2 basic transmission loss over a terrain profile.

    Hufford §qlrps (with N_s = N_0 exp(−z_sys / 9460), z_sys the mean height of the
    middle 80 % of the profile), §qlrpfl (§hzns, §dlthx, §zlsq1), §lrprop and §avar.

    Parameters
    ----------
    profile_m
        Ground elevations (m) at equal spacing, transmitter first, receiver last; at
        least 3 points.
    spacing_m
        Distance between successive elevations (m), > 0.
    tx_height_m, rx_height_m
        Antenna heights above ground (m), 0.5–3000.
    frequency_mhz
        Frequency (MHz), 20–20000.
    epsilon, sigma
        Ground relative permittivity (>= 1) and conductivity (S/m, > 0).
    n0
        Surface refractivity at sea level N_0 (N-units), 250–400.
    climate
        Radio climate: 1 equatorial, 2 continental subtropical, 3 maritime subtropical,
        4 desert, 5 continental temperate, 6 maritime temperate over land, 7 maritime
        temperate over sea.
    polarization
        0 horizontal, 1 vertical.
    mdvar
        Variability mode: 0 single message, 1 accidental, 2 mobile, 3 broadcast; add 10
        to drop location variability and 20 to drop the direct situation variability.
        The default 12 is the usual point-to-point choice.
    time, location, situation
        Percentages (0 < p < 100) of time, locations and situations.

    Returns
    -------
    ItmResult
        Loss, free-space loss, mode, ITM warning code and the intermediate values.

    Raises
    ------
    ValueError
        For out-of-range inputs; the message names the argument.
    """
    z = np.asarray(profile_m, dtype=np.float64)
    if z.ndim != 1 or z.shape[0] < 3:
        raise ValueError("profile_m must be a 1-D array of at least 3 elevations")
    if not np.all(np.isfinite(z)):
        raise ValueError("profile_m must contain only finite elevations")
    xi = float(spacing_m)
    if not math.isfinite(xi) or xi <= 0.0:
        raise ValueError(f"spacing_m must be > 0, got {spacing_m!r}")
    zt, zl, zc = _check_common(
        tx_height_m, rx_height_m, frequency_mhz, epsilon, sigma, n0, climate,
        polarization, mdvar, time, location, situation,
    )  # fmt: skip
    t = _itm_p2p_core(
        np.ascontiguousarray(z), xi, float(tx_height_m), float(rx_height_m),
        float(frequency_mhz), float(epsilon), float(sigma), float(n0), int(climate),
        int(polarization), int(mdvar), zt, zl, zc,
    )  # fmt: skip
    return _result(t)


def itm_area(
    d_km: float,
    tx_height_m: float,
    rx_height_m: float,
    *,
    delta_h_m: float,
    tx_siting: int = 0,
    rx_siting: int = 0,
    frequency_mhz: float,
    epsilon: float = 15.0,
    sigma: float = 0.005,
    n0: float = 301.0,
    climate: int = 5,
    polarization: int = 1,
    mdvar: int = 12,
    time: float = 50.0,
    location: float = 50.0,
    situation: float = 50.0,
) -> ItmResult:
    """Area-prediction-mode ITM 1.2.2 basic transmission loss.

    Hufford §qlrps (N_s = N_0), §qlra, §lrprop and §avar: the terrain is described by
    Δh and the siting criteria instead of a profile.

    Parameters
    ----------
    d_km
        Path length (km), > 0.
    tx_height_m, rx_height_m
        Antenna heights above ground (m), 0.5–3000.
    delta_h_m
        Terrain irregularity Δh (m), >= 0.
    tx_siting, rx_siting
        Siting criteria: 0 random, 1 careful, 2 very careful.
    frequency_mhz, epsilon, sigma, n0, climate, polarization, mdvar, time, location, situation
        As in :func:`itm_p2p`.

    Returns
    -------
    ItmResult

    Raises
    ------
    ValueError
        For out-of-range inputs; the message names the argument.
    """
    d = float(d_km)
    if not math.isfinite(d) or d <= 0.0:
        raise ValueError(f"d_km must be > 0, got {d_km!r}")
    dh = float(delta_h_m)
    if not math.isfinite(dh) or dh < 0.0:
        raise ValueError(f"delta_h_m must be >= 0, got {delta_h_m!r}")
    if tx_siting not in _SITING:
        raise ValueError(f"tx_siting must be 0, 1 or 2, got {tx_siting!r}")
    if rx_siting not in _SITING:
        raise ValueError(f"rx_siting must be 0, 1 or 2, got {rx_siting!r}")
    zt, zl, zc = _check_common(
        tx_height_m, rx_height_m, frequency_mhz, epsilon, sigma, n0, climate,
        polarization, mdvar, time, location, situation,
    )  # fmt: skip
    t = _itm_area_core(
        d * 1000.0, float(tx_height_m), float(rx_height_m), dh, int(tx_siting),
        int(rx_siting), float(frequency_mhz), float(epsilon), float(sigma), float(n0),
        int(climate), int(polarization), int(mdvar), zt, zl, zc,
    )  # fmt: skip
    return _result(t)
