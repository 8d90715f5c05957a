"""The area engine: received signal on a grid around each site, along radials.

For one site the grid around it is swept by ``n`` radials (enough that neighbouring
radials are at most one pixel apart at the edge) sampled every pixel. Walking out
along a radial we keep, in O(1) or O(log n) per sample:

* the **TX horizon**: the highest elevation angle from the antenna seen so far;
* the **upper convex hull** of the terrain profile seen so far, whose tangent from
  the receiver gives the **RX horizon**.

Heights are first lowered by the earth bulge ``d^2 / (2 k R)`` so rays are straight
lines. The two horizon rays meet at the Bullington equivalent knife edge (ITU-R
P.526, section 4.5); its Fresnel parameter ``v`` gives the diffraction loss ``J(v)``.
On line-of-sight paths the TX-horizon point is the candidate for partial Fresnel
obstruction. The loss is added to a base model: free space, or Okumura-Hata /
COST-231 Hata (suburban by default) with the antenna height taken above the
receiver's ground. Each pixel then takes the value of the nearest radial sample.

The kernel is numba-compiled and releases the GIL, so sites run in parallel
threads; there is no Python loop over pixels or samples.
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import njit

#: Base model codes used by the kernel.
BASE_MODELS = {"free-space": 0, "hata": 1}
#: Hata environment codes.
ENVIRONMENTS = {"urban": 0, "suburban": 1, "open": 2}
EARTH_RADIUS_M = 6_371_000.0
#: Grid value marking "outside every DEM source" (NaN marks voids inside a source).
#: Any interpolated height below -10 km touches such a pixel: the radial stops there.
OFF_DEM = -1.0e30


@njit(cache=True, nogil=True)
def knife_edge_db(v: float) -> float:
    """ITU-R P.526 J(v); 0 for v <= -0.78."""
    if v <= -0.78:
        return 0.0
    return 6.9 + 20.0 * math.log10(math.sqrt((v - 0.1) ** 2 + 1.0) + v - 0.1)


@njit(cache=True, nogil=True)
def hata_db(d_m: float, f_mhz: float, hb_m: float, hm_m: float, env: int) -> float:
    """Okumura-Hata (f < 1500 MHz) or COST-231 Hata (f >= 1500 MHz), medium city a(hm)."""
    d_km = max(d_m, 20.0) / 1000.0
    lf = math.log10(f_mhz)
    lhb = math.log10(hb_m)
    a_hm = (1.1 * lf - 0.7) * hm_m - (1.56 * lf - 0.8)
    if f_mhz < 1500.0:
        loss = 69.55 + 26.16 * lf - 13.82 * lhb - a_hm + (44.9 - 6.55 * lhb) * math.log10(d_km)
    else:
        loss = 46.3 + 33.9 * lf - 13.82 * lhb - a_hm + (44.9 - 6.55 * lhb) * math.log10(d_km)
    if env == 1:
        loss -= 2.0 * math.log10(f_mhz / 28.0) ** 2 + 5.4
    elif env == 2:
        loss -= 4.78 * lf * lf - 18.33 * lf + 40.94
    return loss


@njit(cache=True, nogil=True)
def _nearest(dem, x0, y0, res, x, y):
    """Height of the DEM pixel containing (x, y); NaN outside the grid."""
    c = math.floor((x - x0) / res)
    r = math.floor((y0 - y) / res)
    if c < 0 or r < 0 or c >= dem.shape[1] or r >= dem.shape[0]:
        return np.nan
    return dem[r, c]


@njit(cache=True, nogil=True)
def _bilinear(dem, x0, y0, res, x, y):
    col = (x - x0) / res - 0.5
    row = (y0 - y) / res - 0.5
    c = math.floor(col)
    r = math.floor(row)
    if c < 0 or r < 0 or c + 1 >= dem.shape[1] or r + 1 >= dem.shape[0]:
        return np.nan
    fc = col - c
    fr = row - r
    return (
        dem[r, c] * (1 - fc) * (1 - fr)
        + dem[r, c + 1] * fc * (1 - fr)
        + dem[r + 1, c] * (1 - fc) * fr
        + dem[r + 1, c + 1] * fc * fr
    )


@njit(cache=True, nogil=True)
def _tangent(hd, hh, m, dq, hq):
    """Index of the upper-hull vertex with the highest elevation seen from (dq, hq)."""
    lo = 0
    hi = m - 1
    while lo < hi:
        mid = (lo + hi) // 2
        e0 = (hh[mid] - hq) / (dq - hd[mid])
        e1 = (hh[mid + 1] - hq) / (dq - hd[mid + 1])
        if e1 >= e0:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True)
def horizontal_pattern(theta, azimuth, beamwidth, front_to_back, ah):
    """Fill ``ah`` with each antenna's horizontal attenuation towards bearing ``theta``
    (radians, compass); 0 for omni antennas (azimuth NaN). 3GPP TR 36.814."""
    for q in range(azimuth.shape[0]):
        ah[q] = 0.0
        if not np.isnan(azimuth[q]):
            phi = (math.degrees(theta) - azimuth[q] + 180.0) % 360.0 - 180.0
            ah[q] = -min(12.0 * (phi / beamwidth[q]) ** 2, front_to_back)


@njit(cache=True, nogil=True)
def best_antenna(level0_dbm, ah, azimuth, el, tilt, vbw, side_lobe, front_to_back):
    """Strongest level0 + pattern gain among the antennas, at elevation ``el`` (degrees)."""
    top = -np.inf
    for q in range(level0_dbm.shape[0]):
        gain = 0.0
        if not np.isnan(azimuth[q]):
            av = -min(12.0 * ((-el - tilt[q]) / vbw) ** 2, side_lobe)
            gain = -min(-(ah[q] + av), front_to_back)
        top = max(top, level0_dbm[q] + gain)
    return top


@njit(cache=True, nogil=True)
def off_dem(dem, x0, y0, res, px, py):
    """True where a sample leaves the DEM grid (bilinear needs a one-pixel margin)."""
    return (
        px < x0 + res
        or px > x0 + (dem.shape[1] - 1) * res
        or py > y0 - res
        or py < y0 - (dem.shape[0] - 1) * res
    )


@njit(cache=True, nogil=True)
def radial_sample(dx, dy, res, n_rad, n_smp):
    """(radial, sample) nearest to the offset (dx, dy) from the site."""
    dist = math.sqrt(dx * dx + dy * dy)
    s = int(dist / res + 0.5)
    if s >= n_smp:
        s = n_smp - 1
    ang = math.atan2(dx, dy)
    if ang < 0:
        ang += 2.0 * math.pi
    a = int(ang / (2.0 * math.pi) * n_rad + 0.5) % n_rad
    return a, s


@njit(cache=True, nogil=True)
def sweep(
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
    base,
    env,
    terrain,
    r0,
    c0,
    out,
):
    """Signal (dBm) of one site into ``out`` (window of the grid at row r0, col c0).

    ``level0_dbm``, ``azimuth``, ``beamwidth`` and ``tilt`` are arrays with one entry per
    antenna (sector) sharing this mast, height and frequency: the path loss is
    computed once and each pixel takes its best antenna. An azimuth of NaN is omni.

    Returns the number of radial samples that fell on DEM voids inside the DEM
    (filled with the previous sample's height), or -1 when the site itself has no
    terrain. Radials stop where they leave the DEM: those pixels stay NaN.
    """
    r_eff = k * EARTH_RADIUS_M
    lam = 299.792458 / f_mhz
    n_smp = int(radius / res) + 2
    n_rad = max(16, math.ceil(2.0 * math.pi * radius / res))
    sig = np.empty((n_rad, n_smp), dtype=np.float32)
    z_tx = _bilinear(dem, x0, y0, res, sx, sy)
    if np.isnan(z_tx) or z_tx < -1.0e4:
        return -1
    htx = z_tx + mast_m
    hull_d = np.empty(n_smp + 1)
    hull_h = np.empty(n_smp + 1)
    n_ant = level0_dbm.shape[0]
    ah = np.zeros(n_ant)
    voids = 0
    for a in range(n_rad):
        theta = 2.0 * math.pi * a / n_rad
        st = math.sin(theta)
        ct = math.cos(theta)
        horizontal_pattern(theta, azimuth, beamwidth, front_to_back, ah)
        hull_d[0] = 0.0
        hull_h[0] = htx
        m = 1
        best = -np.inf
        bd = 0.0
        bh = 0.0
        z_prev = z_tx
        stopped = False
        for s in range(n_smp):
            if stopped:
                sig[a, s] = np.nan
                continue
            d = s * res if s > 0 else 0.25 * res
            px = sx + d * st
            py = sy + d * ct
            if off_dem(dem, x0, y0, res, px, py):
                # off the DEM: nothing is predicted beyond (never assume sea level)
                stopped = True
                sig[a, s] = np.nan
                continue
            z = _bilinear(dem, x0, y0, res, px, py)
            if z < -1.0e4:
                stopped = True
                sig[a, s] = np.nan
                continue
            if np.isnan(z):
                z = z_prev
                voids += 1
            z_prev = z
            zc = z - d * d / (2.0 * r_eff)
            hrx = zc + rx_h
            dz = htx - hrx
            d3 = math.sqrt(d * d + dz * dz)
            pl = 20.0 * math.log10(d3) + 20.0 * math.log10(f_mhz) - 27.552
            if base == 1:
                hb = min(max(htx - z, 10.0), 300.0)
                pl = max(pl, hata_db(d, f_mhz, hb, rx_h, env))
            diff = 0.0
            if terrain and s > 1:
                direct = (hrx - htx) / d
                j = _tangent(hull_d, hull_h, m, d, hrx)
                if j == 0:
                    if bd > 0.0:
                        v = (bh - (htx + direct * bd)) * math.sqrt(2.0 * d / (lam * bd * (d - bd)))
                        diff = knife_edge_db(v)
                else:
                    sr = (hull_h[j] - hrx) / (d - hull_d[j])
                    db = (hrx - htx + sr * d) / (best + sr)
                    if db > 0.0 and db < d:
                        hb_edge = htx + best * db
                        v = (hb_edge - (htx + direct * db)) * math.sqrt(
                            2.0 * d / (lam * db * (d - db))
                        )
                        diff = knife_edge_db(v)
            el = math.degrees(math.atan2(hrx - htx, d))
            top = best_antenna(level0_dbm, ah, azimuth, el, tilt, vbw, side_lobe, front_to_back)
            sig[a, s] = top - pl - diff
            if s > 0:
                slope = (zc - htx) / d
                if slope > best:
                    best = slope
                    bd = d
                    bh = zc
                while (
                    m >= 2
                    and (
                        (hull_d[m - 1] - hull_d[m - 2]) * (zc - hull_h[m - 2])
                        - (hull_h[m - 1] - hull_h[m - 2]) * (d - hull_d[m - 2])
                    )
                    >= 0.0
                ):
                    m -= 1
                hull_d[m] = d
                hull_h[m] = zc
                m += 1
    nr, nc = out.shape
    for r in range(nr):
        py = y0 - (r0 + r + 0.5) * res
        for c in range(nc):
            px = x0 + (c0 + c + 0.5) * res
            dx = px - sx
            dy = py - sy
            dist = math.sqrt(dx * dx + dy * dy)
            if dist > radius:
                out[r, c] = np.nan
                continue
            a, s = radial_sample(dx, dy, res, n_rad, n_smp)
            out[r, c] = sig[a, s]
    return voids


def window(
    grid_shape: tuple[int, int], transform, x: float, y: float, radius: float
) -> tuple[int, int, int, int]:
    """Rows/cols (r0, c0, nr, nc) of the grid within ``radius`` of (x, y), clipped."""
    res = transform.a
    col = (x - transform.c) / res
    row = (transform.f - y) / res
    n = radius / res
    r0 = max(0, math.floor(row - n))
    c0 = max(0, math.floor(col - n))
    r1 = min(grid_shape[0], math.ceil(row + n) + 1)
    c1 = min(grid_shape[1], math.ceil(col + n) + 1)
    return r0, c0, max(0, r1 - r0), max(0, c1 - c0)


def reach_m(
    level0_dbm: np.ndarray,
    threshold_dbm: np.ndarray,
    f_mhz: np.ndarray,
    *,
    rx_height_m: float,
    env: int,
    base: int,
    cap_m: np.ndarray,
) -> np.ndarray:
    """Distance beyond which the base model cannot reach the threshold, capped at ``cap_m``.

    Inverts Hata / COST-231 Hata for a 300 m effective antenna height (a hilltop mast
    above a valley: the most favourable case the model allows). Terrain only adds
    loss, so nothing beyond this distance can be covered. Free space is not inverted
    (it reaches far): the cap applies.
    """
    if base != BASE_MODELS["hata"]:
        return np.asarray(cap_m, dtype=float)
    lf = np.log10(f_mhz)
    lhb = np.log10(300.0)
    a_hm = (1.1 * lf - 0.7) * rx_height_m - (1.56 * lf - 0.8)
    const = np.where(f_mhz < 1500, 69.55 + 26.16 * lf, 46.3 + 33.9 * lf) - 13.82 * lhb - a_hm
    if env == ENVIRONMENTS["suburban"]:
        const = const - (2.0 * np.log10(f_mhz / 28.0) ** 2 + 5.4)
    elif env == ENVIRONMENTS["open"]:
        const = const - (4.78 * lf * lf - 18.33 * lf + 40.94)
    slope = 44.9 - 6.55 * lhb
    d_km = 10.0 ** ((level0_dbm - threshold_dbm - const) / slope)
    return np.minimum(np.maximum(d_km * 1000.0, 1000.0), cap_m)
