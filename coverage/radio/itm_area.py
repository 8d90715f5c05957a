"""The ITM area kernel: Longley-Rice point-to-point loss on each pixel's own profile.

:func:`sweep_itm` has the same window/gather contract as
:func:`coverage.radio.engine.sweep`, so :func:`coverage.models.raster.predict_raster`
can run either: radials around the site (enough that neighbouring radials are at most
one pixel apart at the edge), one sample per pixel step along each radial (bilinear
DEM heights, stopping where the radial leaves the DEM), and each pixel of the output
window takes the value of its nearest radial sample.

For every radial sample ``s >= 2`` that some pixel reads, the full ITM 1.2.2
point-to-point model (:func:`coverage.radio.itm._itm_p2p_core`: median loss, time,
location and situation 50 %, mdvar 12, N_s from the profile's mean height) runs on the
prefix ``z[0..s]`` of the radial's elevations, i.e. on the pixel's own TX -> RX profile,
as SPLAT! does in its area mode. Sample 1 uses a 3-point profile at half spacing (ITM
needs three points) and sample 0 (the site's own pixel) takes sample 1's value.

Nothing is incremental: ITM's horizons, terrain irregularity Δh (the 10-90 % range of
the residuals of a least-squares line over the middle of the path) and effective
heights are recomputed from scratch on every profile, because Δh of a prefix cannot be
updated from the previous one. One call costs O(samples) for the horizon search plus a
bounded resampling (ITM's ``dlthx`` uses at most ~250 points), about 4-10 µs: a site
costs roughly ``pi (R / res)^2`` such calls, e.g. ~40 k calls (0.2-0.3 s) at 90 m and
R = 10 km, ~350 k calls (a few seconds) at 30 m. Samples that no pixel reads (most of
the outer samples of the over-sampled inner radials) are skipped.

Signal = level0 - ITM loss + antenna gain (the same horizontal/vertical pattern as
:func:`~coverage.radio.engine.sweep`; the elevation angle uses the k-factor earth).
The kernel is numba-compiled and releases the GIL.
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import njit
from .engine import (
    EARTH_RADIUS_M,
    _bilinear,
    best_antenna,
    horizontal_pattern,
    off_dem,
    radial_sample,
)
from .itm import _itm_p2p_core, _qerfi

#: ITM variability mode used by the area kernel (point-to-point, as SPLAT!).
MDVAR = 12


def itm_deviates(time: float = 50.0, location: float = 50.0, situation: float = 50.0):
    """Standard normal deviates ``(zt, zl, zc)`` of the given percentages."""
    return _qerfi(time / 100.0), _qerfi(location / 100.0), _qerfi(situation / 100.0)


@njit(cache=True, nogil=True)
def sweep_itm(
    dem,
    x0,
    y0,
    res,
    sx,
    sy,
    mast_m,
    level0_dbm,
    f_mhz,
    azimuth,
    beamwidth,
    front_to_back,
    tilt,
    vbw,
    side_lobe,
    radius,
    rx_h,
    k,
    eps,
    sgm,
    n0,
    klim,
    pol,
    zt,
    zl,
    zc,
    r0,
    c0,
    out,
):
    """Signal (dBm) of one site into ``out`` (window of the grid at row r0, col c0).

    Arguments up to ``k`` are those of :func:`coverage.radio.engine.sweep`; ``eps``,
    ``sgm``, ``n0``, ``klim``, ``pol`` are ITM's ground, refractivity, climate and
    polarisation, ``zt``, ``zl``, ``zc`` the normal deviates of time, location and
    situation (see :func:`itm_deviates`).

    Returns the number of radial samples that fell on DEM voids inside the DEM (filled
    with the previous sample's height), or -1 when the site itself has no terrain.
    Radials stop where they leave the DEM: those pixels stay NaN.
    """
    r_eff = k * EARTH_RADIUS_M
    n_smp = int(radius / res) + 2
    n_rad = max(16, math.ceil(2.0 * math.pi * radius / res))
    z_tx = _bilinear(dem, x0, y0, res, sx, sy)
    if np.isnan(z_tx) or z_tx < -1.0e4:
        return -1
    hg0 = min(max(mast_m, 0.5), 3000.0)
    hg1 = min(max(rx_h, 0.5), 3000.0)
    htx = z_tx + mast_m

    # 1. gather mapping: which radial sample each pixel reads; mark the samples needed
    nr, nc = out.shape
    pix = np.full((nr, nc), -1, dtype=np.int64)
    need = np.zeros((n_rad, n_smp), dtype=np.bool_)
    last = np.full(n_rad, -1, dtype=np.int64)
    for r in range(nr):
        py = y0 - (r0 + r + 0.5) * res
        for c in range(nc):
            px = x0 + (c0 + c + 0.5) * res
            dx = px - sx
            dy = py - sy
            dist = math.sqrt(dx * dx + dy * dy)
            if dist > radius:
                continue
            a, s = radial_sample(dx, dy, res, n_rad, n_smp)
            if s == 0:
                s = 1  # the site's own pixel: the first sample's value
            pix[r, c] = a * n_smp + s
            need[a, s] = True
            if s > last[a]:
                last[a] = s

    # 2. along each radial: elevations, then ITM on the prefix for every needed sample
    sig = np.full((n_rad, n_smp), np.nan, dtype=np.float32)
    z = np.empty(n_smp)
    z3 = np.empty(3)
    n_ant = level0_dbm.shape[0]
    ah = np.zeros(n_ant)
    voids = 0
    for a in range(n_rad):
        if last[a] < 1:
            continue
        theta = 2.0 * math.pi * a / n_rad
        st = math.sin(theta)
        ct = math.cos(theta)
        horizontal_pattern(theta, azimuth, beamwidth, front_to_back, ah)
        z[0] = z_tx
        z_prev = z_tx
        n_ok = 1  # samples 0..n_ok-1 lie on the DEM
        for s in range(1, last[a] + 1):
            d = s * res
            px = sx + d * st
            py = sy + d * ct
            if off_dem(dem, x0, y0, res, px, py):
                break  # off the DEM: nothing is predicted beyond (never assume sea level)
            h = _bilinear(dem, x0, y0, res, px, py)
            if h < -1.0e4:
                break
            if np.isnan(h):
                h = z_prev
                voids += 1
            z_prev = h
            z[s] = h
            n_ok = s + 1
        for s in range(1, n_ok):
            if not need[a, s]:
                continue
            d = s * res
            if s == 1:
                zm = _bilinear(dem, x0, y0, res, sx + 0.5 * res * st, sy + 0.5 * res * ct)
                if np.isnan(zm) or zm < -1.0e4:
                    zm = 0.5 * (z[0] + z[1])
                z3[0] = z[0]
                z3[1] = zm
                z3[2] = z[1]
                t = _itm_p2p_core(
                    z3, 0.5 * res, hg0, hg1, f_mhz, eps, sgm, n0, klim, pol, MDVAR, zt, zl, zc
                )
            else:
                t = _itm_p2p_core(
                    z[: s + 1], res, hg0, hg1, f_mhz, eps, sgm, n0, klim, pol, MDVAR, zt, zl, zc
                )
            loss = t[0]
            hrx = z[s] - d * d / (2.0 * r_eff) + rx_h
            el = math.degrees(math.atan2(hrx - htx, d))
            top = best_antenna(level0_dbm, ah, azimuth, el, tilt, vbw, side_lobe, front_to_back)
            sig[a, s] = top - loss

    # 3. gather
    for r in range(nr):
        for c in range(nc):
            i = pix[r, c]
            if i < 0:
                out[r, c] = np.nan
            else:
                out[r, c] = sig[i // n_smp, i % n_smp]
    return voids
