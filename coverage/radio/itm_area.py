"""The ITM area kernel: Longley-Rice point-to-point loss on each pixel's own profile.

:func:`sweep_itm` takes the same records as :func:`coverage.radio.engine.sweep` (its
parameters in :class:`ItmParams`), so :func:`coverage.models.raster.predict_raster` can
run either: radials around the mast, one sample per pixel step along each radial
(stopping where the radial leaves the DEM), one output window per technology, and each
pixel of a window takes the value of its nearest radial sample. One walk along a radial
serves every frequency on the mast: the profile, horizons, Δh and fits do not depend on
the frequency; only ITM's propagation and variability (``lrprop``, ``avar``) and free
space are evaluated per frequency. The heights of the samples are those of the DEM pixel
they fall in (``nearest``, the default of the ``itm`` model: every profile point is a
real DEM height, as in SPLAT!) or interpolated between the four nearest (``bilinear``,
which lowers ridges that fall between pixel centres and so lowers diffraction losses).

Every radial sample ``s >= 2`` that some pixel reads gets the full ITM 1.2.2
point-to-point result (time, location and situation quantiles as given, mdvar 12) of the
profile ``z[0..s]``, the pixel's own TX -> RX profile, as SPLAT! does in its area mode;
the result equals :func:`coverage.radio.itm._itm_p2p_core` on that profile up to
rounding. What is not recomputed from scratch for each sample:

* **horizons** (Hufford §hzns). Each pixel has its own earth curvature γ_e, because
  N_s depends on the profile's mean height. For a fixed curvature q the TX horizon is
  the tangent from the antenna to the upper convex hull of the profile's heights
  lowered by ``q x²``, and the RX horizon the tangent from the receiver. Walking out
  along the radial we keep two such hulls, for the smallest and largest curvature any
  prefix of this radial has (γ_e grows with the prefix's mean height, and the extreme
  mean heights come in O(n) from prefix sums before the walk), and the running TX
  horizon for both. The
  horizon point at the pixel's own curvature lies between the two bracketing answers
  (as q grows, the TX horizon point moves towards the TX and the RX one away from the
  RX), and the hull for the largest curvature contains every vertex of the hull for
  any smaller one, so scanning its few vertices between the two answers gives the
  exact horizon: O(log n) per sample instead of O(n);
* **mean height and least-squares fits** (§zlsq1): O(1) from prefix sums;
* **terrain irregularity Δh** (§dlthx) cannot be updated from the previous sample (the
  resampled points all move), but costs at most 245 resampled points per pixel with
  no sort (two order statistics are selected), independently of the path length;
* **troposcatter** is only evaluated when the path is long enough to possibly need it.

So the cost per pixel is bounded and the time of a site grows with its pixel count,
``pi (R / res)^2``, not faster.

Signal = level0 - ITM loss + antenna gain (the same horizontal/vertical pattern as
:func:`~coverage.radio.engine.sweep`; the elevation angle uses the k-factor earth).
The kernel is numba-compiled and releases the GIL.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .._numba import njit
from .engine import (
    EARTH_RADIUS_M,
    antenna_arrays,
    antenna_gain,
    gather,
    height_at,
    plan,
    profile_height,
    radial,
    stop,
    store,
)
from .itm import (
    _avar,
    _dim,
    _dlthx_into,
    _free_space_db,
    _itm_p2p_core,
    _los_horizons,
    _lrprop,
    _qerfi,
    _qlrps,
    _refractivity,
    _zlsq1_prefix,
)

#: ITM variability mode used by the area kernel (point-to-point, as SPLAT!).
MDVAR = 12


class ItmParams(NamedTuple):
    """Parameters of the ITM kernel: effective earth-radius factor (for the antenna
    elevation angle only), receiver height (m), ground permittivity and conductivity,
    surface refractivity N0, radio climate, polarisation (0 horizontal, 1 vertical),
    the normal deviates of time, location and situation (:func:`itm_deviates`) and the
    height rule (True: each sample is its DEM pixel's height; False: bilinear)."""

    k: float
    rx_h: float
    eps: float
    sgm: float
    n0: float
    klim: int
    pol: int
    zt: float
    zl: float
    zc: float
    nearest: bool


def itm_deviates(time: float = 50.0, location: float = 50.0, situation: float = 50.0):
    """Standard normal deviates ``(zt, zl, zc)`` of the given percentages."""
    return _qerfi(time / 100.0), _qerfi(location / 100.0), _qerfi(situation / 100.0)


@njit(cache=True, nogil=True)
def _hull_push(idx, hw, m, i, w):
    """Append sample ``i`` (height ``w``) to the upper convex hull ``idx[:m]``, ``hw[:m]``
    of earlier samples (x = sample number); returns the new vertex count."""
    while m >= 2:
        i1 = idx[m - 2]
        i2 = idx[m - 1]
        # drop the last vertex when it is on or below the segment to the new point
        if (hw[m - 1] - hw[m - 2]) * (i - i1) <= (w - hw[m - 2]) * (i2 - i1):
            m -= 1
        else:
            break
    idx[m] = i
    hw[m] = w
    return m + 1


@njit(cache=True, nogil=True)
def _rx_value(z, i, xi, d, zb, q):
    """RX elevation angle of sample ``i`` seen from the receiver at ``d`` (§hzns)."""
    y = d - i * xi
    return (z[i] - zb) / y - q * y


@njit(cache=True, nogil=True)
def _rx_tangent(idx, m, z, xi, d, zb, q):
    """Sample number of the hull vertex with the highest RX elevation angle (curvature
    ``q``; the hull ``idx[:m]`` must be the one built for ``q``)."""
    lo = 0
    hi = m - 1
    while lo < hi:
        mid = (lo + hi) // 2
        i0 = idx[mid]
        i1 = idx[mid + 1]
        y0 = d - i0 * xi
        y1 = d - i1 * xi
        # _rx_value(i1) > _rx_value(i0), multiplied through by y0 * y1 > 0
        if (z[i1] - zb - q * y1 * y1) * y0 > (z[i0] - zb - q * y0 * y0) * y1:
            lo = mid + 1
        else:
            hi = mid
    return idx[lo]


@njit(cache=True, nogil=True)
def _first_at_least(idx, m, i):
    """Position of the first hull vertex with sample number >= ``i``."""
    lo = 0
    hi = m
    while lo < hi:
        mid = (lo + hi) // 2
        if idx[mid] < i:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True)
def _itm_geometry(
    z, s, xi, c0, c1, hg0, hg1, za, qlo, qhi, tx_lo, tx_hi, idx_lo, m_lo, idx_hi, m_hi,
    n0, sbuf, sel_buf, guess,
):  # fmt: skip
    """What ITM needs of the profile ``z[0..s]`` (``s >= 2``), from the incremental
    state: ``(d, he0, he1, dl0, dl1, the0, the1, dh, gme, ens)``; none of it depends on
    the frequency (see :func:`_itm_loss`).

    ``tx_lo`` / ``tx_hi`` are the samples giving the TX horizon for curvature ``qlo`` /
    ``qhi`` among samples ``1..s-1``; ``idx_lo[:m_lo]``, ``idx_hi[:m_hi]`` the upper
    hulls of those samples for the two curvatures.
    """
    d = s * xi
    # mean height of the middle of the path (1985 memo) -> N_s, gamma_e
    p10 = int(0.1 * s)
    zsys = (c0[s - p10 + 1] - c0[p10]) / (s - 2 * p10 + 1)
    ens, gme = _refractivity(zsys, n0)
    q = 0.5 * gme
    zb = z[s] + hg1
    # direct ray (line of sight)
    the0 = (zb - za) / d - q * d
    the1 = -(zb - za) / d - q * d
    dl0 = d
    dl1 = d
    # TX horizon: the best sample for q lies between those for qhi and qlo (hull_hi)
    j0 = tx_hi
    j1 = tx_lo
    best = (z[j0] - za) / (j0 * xi) - q * j0 * xi
    arg = j0
    if j1 != j0:
        k = _first_at_least(idx_hi, m_hi, j0 + 1)
        while True:
            i = idx_hi[k] if k < m_hi and idx_hi[k] < j1 else j1
            v = (z[i] - za) / (i * xi) - q * i * xi
            if v > best:
                best = v
                arg = i
            if i == j1:
                break
            k += 1
    if best > the0:
        the0 = best
        dl0 = arg * xi
        # RX horizon: between the tangents for qlo (nearer the TX) and qhi
        r0 = _rx_tangent(idx_lo, m_lo, z, xi, d, zb, qlo)
        r1 = _rx_tangent(idx_hi, m_hi, z, xi, d, zb, qhi)
        if r1 < r0:
            r0, r1 = r1, r0
        best = _rx_value(z, r0, xi, d, zb, q)
        arg = r0
        if r1 != r0:
            k = _first_at_least(idx_hi, m_hi, r0 + 1)
            while True:
                i = idx_hi[k] if k < m_hi and idx_hi[k] < r1 else r1
                v = _rx_value(z, i, xi, d, zb, q)
                if v > best:
                    best = v
                    arg = i
                if i == r1:
                    break
                k += 1
        if best > the1:
            the1 = best
            dl1 = d - arg * xi
    # Hufford §qlrpfl with O(1) fits and the bounded Δh
    xl0 = min(15.0 * hg0, 0.1 * dl0)
    xl1 = d - min(15.0 * hg1, 0.1 * dl1)
    dh = _dlthx_into(z, s, xi, xl0, xl1, sbuf, sel_buf, guess)
    if dl0 + dl1 > 1.5 * d:
        fa, fb = _zlsq1_prefix(c0, c1, z, s, xi, xl0, xl1)
        he0, he1, dl0, dl1, the0, the1 = _los_horizons(
            d, hg0 + _dim(z[0], fa), hg1 + _dim(z[s], fb), dh, gme
        )
    else:
        fa, _ = _zlsq1_prefix(c0, c1, z, s, xi, xl0, 0.9 * dl0)
        _, fb = _zlsq1_prefix(c0, c1, z, s, xi, d - 0.9 * dl1, xl1)
        he0 = hg0 + _dim(z[0], fa)
        he1 = hg1 + _dim(z[s], fb)
    return d, he0, he1, dl0, dl1, the0, the1, dh, gme, ens


@njit(cache=True, nogil=True)
def _itm_loss(geometry, hg0, hg1, f_mhz, wn, zgnd, params):
    """ITM loss (dB) at one frequency (wave number ``wn``, ground impedance ``zgnd``)
    of a profile described by :func:`_itm_geometry`."""
    d, he0, he1, dl0, dl1, the0, the1, dh, gme, ens = geometry
    aref, _mode, _kwx, _dlsa, _dx = _lrprop(
        d, hg0, hg1, he0, he1, dl0, dl1, the0, the1, dh, wn, gme, ens, zgnd, True
    )
    a, _kv, _sgc = _avar(
        params.zt, params.zl, params.zc, aref, d, he0, he1, dh, wn, params.klim, MDVAR
    )
    return a + _free_space_db(d, f_mhz)


@njit(cache=True, nogil=True)
def _radial_losses(
    z, n_ok, need, loss, xi, hg0, hg1, f_mhz, wn, zgnd, feeds, params, work, iwork,
):  # fmt: skip
    """ITM loss into ``loss[b, s]`` of every profile ``z[0..s]``, ``2 <= s < n_ok``, at
    each frequency ``b`` (``f_mhz[b]``, ``wn[b]``, ``zgnd[b]``) whose ``feeds[b]`` bit
    mask shares a bit with ``need[s]``, walking once along the radial ``z[0..n_ok-1]``.

    ``work`` is a float array of at least 7 rows of ``n_ok + 245``, ``iwork`` an int64
    array of at least 2 rows of ``n_ok``.
    """
    if work.shape[0] < 7 or work.shape[1] < n_ok + 245 or iwork.shape[1] < n_ok:
        raise ValueError("_radial_losses: work arrays too small")
    c0 = work[0]  # prefix sums of z and of j * z
    c1 = work[1]
    hw_lo = work[2]
    hw_hi = work[3]
    sbuf = work[4]
    sel_buf = work[5]
    guess = work[6, :2]
    guess[:] = np.nan
    idx_lo = iwork[0]
    idx_hi = iwork[1]
    za = z[0] + hg0
    # prefix sums, then the curvature bracket: gamma_e grows with the mean height zsys,
    # so the extreme zsys over the samples walked give the extreme curvatures (widened
    # by a hair against rounding)
    c0[0] = 0.0
    c1[0] = 0.0
    for s in range(n_ok):
        c0[s + 1] = c0[s] + z[s]
        c1[s + 1] = c1[s] + s * z[s]
    zmin = np.inf
    zmax = -np.inf
    for s in range(2, n_ok):
        p10 = int(0.1 * s)
        zsys = (c0[s - p10 + 1] - c0[p10]) / (s - 2 * p10 + 1)
        zmin = min(zmin, zsys)
        zmax = max(zmax, zsys)
    if zmin > zmax:
        return
    n0 = params.n0
    qlo = 0.5 * _refractivity(zmin, n0)[1]
    qhi = 0.5 * _refractivity(zmax, n0)[1]
    qlo -= 1e-9 * qlo + 1e-20
    qhi += 1e-9 * qhi + 1e-20
    m_lo = 0
    m_hi = 0
    tx_lo = 1
    tx_hi = 1
    best_lo = -np.inf
    best_hi = -np.inf
    for s in range(2, n_ok):
        # sample s - 1 joins the horizon candidates
        i = s - 1
        x = i * xi
        v = (z[i] - za) / x
        if v - qlo * x > best_lo:
            best_lo = v - qlo * x
            tx_lo = i
        if v - qhi * x > best_hi:
            best_hi = v - qhi * x
            tx_hi = i
        m_lo = _hull_push(idx_lo, hw_lo, m_lo, i, z[i] - qlo * x * x)
        m_hi = _hull_push(idx_hi, hw_hi, m_hi, i, z[i] - qhi * x * x)
        if need[s]:
            geometry = _itm_geometry(
                z, s, xi, c0, c1, hg0, hg1, za, qlo, qhi, tx_lo, tx_hi,
                idx_lo, m_lo, idx_hi, m_hi, n0, sbuf, sel_buf, guess,
            )  # fmt: skip
            for b in range(f_mhz.shape[0]):
                if need[s] & feeds[b]:
                    loss[b, s] = _itm_loss(geometry, hg0, hg1, f_mhz[b], wn[b], zgnd[b], params)


@njit(cache=True, nogil=True)
def _bands(antennas, params):
    """The distinct frequencies of the (frequency-sorted) antennas: each antenna's band,
    and per band the frequency, ITM's wave number and ground impedance, and the mask of
    the windows it feeds."""
    n_ant = antennas.f_mhz.shape[0]
    band = np.empty(n_ant, dtype=np.int64)
    n_band = 0
    for q in range(n_ant):
        if q == 0 or antennas.f_mhz[q] != antennas.f_mhz[q - 1]:
            n_band += 1
        band[q] = n_band - 1
    f_mhz = np.empty(n_band)
    wn = np.empty(n_band)
    zgnd = np.empty(n_band, dtype=np.complex128)
    feeds = np.zeros(n_band, dtype=np.int64)
    for q in range(n_ant):
        b = band[q]
        f_mhz[b] = antennas.f_mhz[q]
        feeds[b] |= np.int64(1) << antennas.window[q]
    for b in range(n_band):
        wn[b], _ens, _gme, zgnd[b] = _qlrps(
            f_mhz[b], 0.0, params.n0, params.pol, params.eps, params.sgm
        )
    return band, f_mhz, wn, zgnd, feeds


@njit(cache=True, nogil=True)
def sweep_itm(terrain, mast, antennas, windows, params, out):
    """Signal (dBm) of one mast's antennas into ``out``, one window per technology:
    the contract of :func:`coverage.radio.engine.sweep` (and its return value), with
    :class:`ItmParams`."""
    dem, x0, y0, res, row0, col0 = terrain
    if np.isnan(mast.ground) or mast.ground < -1.0e4:
        return -1
    # 1. which radial sample each pixel reads (the mast's own pixel reads the first one)
    n_rad, n_smp, pix, need, todo, last, sig = plan(terrain, mast, windows, out, 1)
    voids = 0

    # 2. along each radial: elevations, then ITM on the prefix for every needed sample
    r_eff = params.k * EARTH_RADIUS_M
    hg0 = min(max(mast.height, 0.5), 3000.0)
    hg1 = min(max(params.rx_h, 0.5), 3000.0)
    htx = mast.ground + mast.height
    band, f_mhz, wn, zgnd, feeds = _bands(antennas, params)
    n_ant = band.shape[0]
    z = np.empty(n_smp)
    z3 = np.empty(3)
    loss = np.empty((f_mhz.shape[0], n_smp))
    work = np.empty((7, n_smp + 245))
    iwork = np.empty((2, n_smp), dtype=np.int64)
    win, level0, slope_db, tilt, omni, pattern, ah, top = antenna_arrays(antennas, sig.shape[0])
    for a in todo:
        st, ct = radial(a, n_rad, antennas, ah)
        z[0] = mast.ground
        z_prev = mast.ground
        n_ok = 1  # samples 0..n_ok-1 lie on the DEM
        for s in range(1, last[a] + 1):
            d = s * res
            px, py = mast.x + d * st, mast.y + d * ct
            h, void = profile_height(dem, x0, y0, res, row0, col0, px, py, params.nearest, z_prev)
            if h == -np.inf:
                stop(sig, a, s, last[a])
                break
            voids += void
            z_prev = h
            z[s] = h
            n_ok = s + 1
        _radial_losses(
            z, n_ok, need[a], loss, res, hg0, hg1, f_mhz, wn, zgnd, feeds, params, work, iwork
        )
        for s in range(1, n_ok):
            bits = need[a, s]
            if not bits:
                continue
            d = s * res
            if s == 1:
                # the first pixel step: ITM on three points (mast, midpoint, sample 1)
                xm = mast.x + 0.5 * res * st
                ym = mast.y + 0.5 * res * ct
                zm = height_at(dem, x0, y0, res, row0, col0, xm, ym, params.nearest)
                if np.isnan(zm) or zm < -1.0e4:
                    zm = 0.5 * (z[0] + z[1])
                z3[0] = z[0]
                z3[1] = zm
                z3[2] = z[1]
                for b in range(f_mhz.shape[0]):
                    if bits & feeds[b]:
                        loss[b, 1] = _itm_p2p_core(
                            z3, 0.5 * res, hg0, hg1, f_mhz[b], params.eps, params.sgm,
                            params.n0, params.klim, params.pol, MDVAR,
                            params.zt, params.zl, params.zc,
                        )[0]  # fmt: skip
            hrx = z[s] - d * d / (2.0 * r_eff) + params.rx_h
            el = math.degrees(math.atan2(hrx - htx, d))
            decades = math.log10(d / 1000.0)
            top[:] = -np.inf
            for q in range(n_ant):
                w = win[q]
                if (bits >> w) & 1:
                    gain = antenna_gain(omni[q], ah[q], el, tilt[q], pattern)
                    level = level0[q] + slope_db[q] * decades + gain - loss[band[q], s]
                    top[w] = max(top[w], level)
            store(sig, top, bits, a, s)

    # 3. gather
    gather(windows, sig, pix, n_smp, out)
    return voids
