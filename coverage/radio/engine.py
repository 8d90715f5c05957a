"""The area engine: received signal on a grid around each mast, along radials.

For one mast the grid around it is swept by radials sampled every pixel. Walking out
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

One sweep serves every antenna on the mast: all its technologies, frequencies and
sectors. The geometry (profile, horizons, Bullington edge, elevation angle) is walked
once; only the terms that depend on the frequency (free space, Hata, ``v`` and
``J(v)``) and the antenna gains are evaluated per frequency and antenna, and only at
the samples some pixel reads. Each technology has its own output window (radius).

The kernels take a few records (:class:`Terrain`, :class:`Mast`, :class:`Antennas`,
:class:`Windows` and the model's parameters, :class:`Radio` here and
:class:`coverage.radio.itm_area.ItmParams` for ITM), are numba-compiled and release
the GIL, so masts run in parallel threads; there is no Python loop over pixels or
samples. The formulas come from :mod:`coverage.radio.pathloss` and
:mod:`coverage.radio.antenna`, the same code as their numpy functions.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .._numba import njit, numba
from .antenna import combined_db, horizontal_db, vertical_db
from .pathloss import (
    ENVIRONMENT_CODES,
    a_hm_db,
    free_space_db,
    fresnel_v,
    hata_distance_db,
    hata_frequency_db,
    knife_edge_db,
)

register_jitable = numba.extending.register_jitable

#: Base model codes used by the kernel.
BASE_MODELS = {"free-space": 0, "hata": 1}
#: Hata environment codes.
ENVIRONMENTS = ENVIRONMENT_CODES
EARTH_RADIUS_M = 6_371_000.0
#: Grid value marking "outside every DEM source" (NaN marks voids inside a source).
#: Any interpolated height below -10 km touches such a pixel: the radial stops there.
OFF_DEM = -1.0e30
#: Range of the effective base-station height the Hata base is evaluated with (m).
HATA_HB_RANGE_M = (10.0, 300.0)
#: Most output windows (technologies) one mast can have: one bit each in a sample mask.
MAX_WINDOWS = 31


class Terrain(NamedTuple):
    """The DEM grid the radials walk: ``dem[row, col]`` (float32; NaN a void, below
    -10 km off the DEM), the top-left corner (x0, y0) and the pixel size, metric.

    ``dem`` may be a window of a larger grid: its first pixel is row ``row0``, column
    ``col0`` of the grid whose corner is (x0, y0). Every position is still computed from
    that corner, so a kernel reading a window gives, bit for bit, the values it gives on
    the whole grid wherever its radials stay inside the window (the partitioned
    pipeline, :mod:`coverage.partition`).
    """

    dem: np.ndarray
    x0: float
    y0: float
    res: float
    row0: int = 0
    col0: int = 0


class Mast(NamedTuple):
    """Where the antennas stand: position, antenna height above the ground and the
    ground height at the mast (m; NaN: the mast has no terrain)."""

    x: float
    y: float
    height: float
    ground: float


class Antennas(NamedTuple):
    """The antennas on one mast, one entry each, sorted by frequency.

    ``window`` is the output window (technology) an antenna feeds; ``level0`` its level
    at 0 dB path loss and boresight (EIRP minus the technology's reference-signal
    offset, plus a calibration's offset, dBm); ``slope`` a calibration's distance slope
    (dB per decade of distance from 1 km, added to the level; 0 without one).
    ``azimuth`` NaN is an omni antenna (0 dB everywhere); a sector has
    the 3GPP pattern of its ``beamwidth``, ``tilt`` and the shared vertical beamwidth,
    side-lobe level and front-to-back ratio.
    """

    f_mhz: np.ndarray
    window: np.ndarray
    level0: np.ndarray
    slope: np.ndarray
    azimuth: np.ndarray
    beamwidth: np.ndarray
    tilt: np.ndarray
    vbw: float
    side_lobe: float
    front_to_back: float


class Windows(NamedTuple):
    """The output windows of one mast, one per technology: rows ``r0:r0+nr``, columns
    ``c0:c0+nc`` of the grid, pixels within ``radius`` of the mast, stored row by row
    from ``start`` in the flat output buffer. All share ``n_rad`` radials."""

    r0: np.ndarray
    c0: np.ndarray
    nr: np.ndarray
    nc: np.ndarray
    radius: np.ndarray
    start: np.ndarray
    n_rad: int


class Radio(NamedTuple):
    """Parameters of the terrain kernel: effective earth-radius factor, receiver height
    (m), base model (:data:`BASE_MODELS`), Hata environment (:data:`ENVIRONMENTS`) and
    whether to add diffraction over the terrain."""

    k: float
    rx_h: float
    base: int
    env: int
    terrain: bool


def radials(radius: float, res: float) -> int:
    """Number of radials that leaves neighbouring radials at most one pixel apart at
    ``radius`` (at least 16)."""
    return max(16, math.ceil(2.0 * math.pi * radius / res))


@njit(cache=True, nogil=True)
def _nearest(dem, x0, y0, res, row0, col0, x, y):
    """Height of the DEM pixel containing (x, y); NaN outside the grid."""
    c = math.floor((x - x0) / res) - col0
    r = math.floor((y0 - y) / res) - row0
    if c < 0 or r < 0 or c >= dem.shape[1] or r >= dem.shape[0]:
        return np.nan
    return dem[r, c]


@njit(cache=True, nogil=True)
def _bilinear(dem, x0, y0, res, row0, col0, x, y):
    col = (x - x0) / res - 0.5
    row = (y0 - y) / res - 0.5
    c_grid = math.floor(col)
    r_grid = math.floor(row)
    fc = col - c_grid
    fr = row - r_grid
    c = c_grid - col0
    r = r_grid - row0
    if c < 0 or r < 0 or c + 1 >= dem.shape[1] or r + 1 >= dem.shape[0]:
        return np.nan
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
def horizontal_pattern(theta, antennas, ah):
    """Fill ``ah`` with each antenna's horizontal attenuation towards bearing ``theta``
    (radians, compass); 0 for omni antennas (azimuth NaN)."""
    for q in range(antennas.azimuth.shape[0]):
        ah[q] = 0.0
        if not np.isnan(antennas.azimuth[q]):
            phi = math.degrees(theta) - antennas.azimuth[q]
            ah[q] = horizontal_db(phi, antennas.beamwidth[q], antennas.front_to_back)


@register_jitable
def antenna_gain(omni, ah_q, el, tilt, pattern):
    """Pattern gain (dB, <= 0) of an antenna at elevation ``el`` (degrees): 0 for an
    omni antenna; else the 3GPP combination of its horizontal attenuation ``ah_q``
    towards the sample and its vertical pattern (``tilt``; ``pattern`` is the shared
    ``(vbw, side_lobe, front_to_back)``). Scalars only: hot loops pass no records."""
    if omni:
        return 0.0
    vbw, side_lobe, front_to_back = pattern
    return combined_db(ah_q, vertical_db(el, tilt, vbw, side_lobe), front_to_back)


@njit(cache=True, nogil=True)
def off_dem(dem, x0, y0, res, row0, col0, px, py):
    """True where a sample leaves the DEM grid (bilinear needs a one-pixel margin)."""
    return (
        px < x0 + (col0 + 1) * res
        or px > x0 + (col0 + dem.shape[1] - 1) * res
        or py > y0 - (row0 + 1) * res
        or py < y0 - (row0 + dem.shape[0] - 1) * res
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
def map_windows(terrain, mast, windows, n_smp, first, pix, need, last):
    """Which radial sample each output pixel reads.

    Fills ``pix`` (flat like the output buffer: ``a * n_smp + s``, -1 beyond the
    window's radius), sets bit ``w`` of ``need[a, s]`` for every sample window ``w``
    reads and ``last[a]``, the farthest sample read on radial ``a``. Samples below
    ``first`` are read as ``first`` (ITM needs a profile of two points).
    """
    x0 = terrain.x0
    y0 = terrain.y0
    res = terrain.res
    n_rad = windows.n_rad
    for w in range(windows.r0.shape[0]):
        r0 = windows.r0[w]
        c0 = windows.c0[w]
        nc = windows.nc[w]
        radius = windows.radius[w]
        start = windows.start[w]
        bit = np.int32(1) << w
        for r in range(windows.nr[w]):
            py = y0 - (r0 + r + 0.5) * res
            for c in range(nc):
                i = start + r * nc + c
                px = x0 + (c0 + c + 0.5) * res
                dx = px - mast.x
                dy = py - mast.y
                if math.sqrt(dx * dx + dy * dy) > radius:
                    pix[i] = -1
                    continue
                a, s = radial_sample(dx, dy, res, n_rad, n_smp)
                s = max(s, first)
                pix[i] = a * n_smp + s
                need[a, s] |= bit
                last[a] = max(last[a], s)


@njit(cache=True, nogil=True)
def gather(windows, sig, pix, n_smp, out):
    """Each output pixel takes its radial sample's value (``sig[window, a, s]``)."""
    for w in range(windows.r0.shape[0]):
        start = windows.start[w]
        for i in range(start, start + windows.nr[w] * windows.nc[w]):
            p = pix[i]
            out[i] = np.nan if p < 0 else sig[w, p // n_smp, p % n_smp]


@njit(cache=True, nogil=True)
def height_at(dem, x0, y0, res, row0, col0, x, y, nearest):
    """Height at (x, y): the containing DEM pixel's (``nearest``) or bilinear."""
    if nearest:
        return _nearest(dem, x0, y0, res, row0, col0, x, y)
    return _bilinear(dem, x0, y0, res, row0, col0, x, y)


@njit(cache=True, nogil=True)
def profile_height(dem, x0, y0, res, row0, col0, px, py, nearest, z_prev):
    """Height of the radial sample at (px, py) and whether it fell on a void (then it
    is ``z_prev``, the previous sample's); -inf where the radial leaves the DEM
    (nothing is predicted beyond: never assume sea level)."""
    if off_dem(dem, x0, y0, res, row0, col0, px, py):
        return -np.inf, False
    z = height_at(dem, x0, y0, res, row0, col0, px, py, nearest)
    if z < -1.0e4:
        return -np.inf, False
    if np.isnan(z):
        return z_prev, True
    return z, False


@njit(cache=True, nogil=True)
def plan(terrain, mast, windows, out, first):
    """What a kernel needs before walking: the numbers of radials and of samples per
    radial, the pixel -> sample map, the samples each window needs, the radials any
    pixel reads and the farthest sample read on each (see :func:`map_windows`), and
    the per-window sample values (set by the walk: a radial that stops marks the rest
    NaN, see :func:`stop`)."""
    n_smp = int(windows.radius.max() / terrain.res) + 2
    n_rad = windows.n_rad
    pix = np.empty(out.shape[0], dtype=np.int64)
    need = np.zeros((n_rad, n_smp), dtype=np.int32)
    last = np.full(n_rad, -1, dtype=np.int64)
    map_windows(terrain, mast, windows, n_smp, first, pix, need, last)
    sig = np.empty((windows.r0.shape[0], n_rad, n_smp), dtype=np.float32)
    return n_rad, n_smp, pix, need, np.flatnonzero(last >= first), last, sig


@njit(cache=True, nogil=True)
def antenna_arrays(antennas, n_win):
    """The antennas' fields the per-sample loops read, as local arrays (passing a
    record to a helper per sample costs a third of the kernel): window, level0, slope,
    tilt, omni, the shared ``(vbw, side_lobe, front_to_back)``; and two scratch arrays, the
    horizontal attenuation of each antenna towards a radial and the best value of
    each of the ``n_win`` windows at a sample."""
    omni = np.isnan(antennas.azimuth)
    pattern = (antennas.vbw, antennas.side_lobe, antennas.front_to_back)
    ah = np.zeros(omni.shape[0])
    top = np.empty(n_win)
    return antennas.window, antennas.level0, antennas.slope, antennas.tilt, omni, pattern, ah, top


@njit(cache=True, nogil=True)
def radial(a, n_rad, antennas, ah):
    """Direction (sin, cos) of radial ``a`` of ``n_rad``; fills ``ah`` with each
    antenna's horizontal attenuation towards it."""
    theta = 2.0 * math.pi * a / n_rad
    horizontal_pattern(theta, antennas, ah)
    return math.sin(theta), math.cos(theta)


@njit(cache=True, nogil=True)
def stop(sig, a, s, last):
    """Radial ``a`` left the DEM at sample ``s``: its samples from there on are NaN."""
    sig[:, a, s : last + 1] = np.nan


@njit(cache=True, nogil=True)
def store(sig, top, bits, a, s):
    """Sample ``s`` of radial ``a`` of each window ``w`` with bit ``w`` of ``bits``
    takes its best antenna's value ``top[w]``."""
    for w in range(top.shape[0]):
        if (bits >> w) & 1:
            sig[w, a, s] = top[w]


@njit(cache=True, nogil=True)
def sweep(terrain, mast, antennas, windows, radio, out):
    """Signal (dBm) of one mast's antennas into ``out``, one window per technology.

    ``out`` is the flat float32 buffer the :class:`Windows` point into; each pixel
    gets the best antenna of its window's technology (strongest level0 + pattern gain
    - loss). Returns the number of radial samples that fell on DEM voids inside the
    DEM (filled with the previous sample's height), or -1 when the mast has no ground
    height. Radials stop where they leave the DEM: those pixels stay NaN.
    """
    dem, x0, y0, res, row0, col0 = terrain
    if np.isnan(mast.ground) or mast.ground < -1.0e4:
        return -1
    n_rad, n_smp, pix, need, todo, last, sig = plan(terrain, mast, windows, out, 0)
    voids = 0
    n_ant = antennas.f_mhz.shape[0]
    rx_h = radio.rx_h
    hata_f = np.empty(n_ant)  # the frequency's Hata terms
    for q in range(n_ant):
        f = antennas.f_mhz[q]
        hata_f[q] = hata_frequency_db(f, a_hm_db(f, rx_h), radio.env, f >= 1500.0, 0.0)
    r_eff = radio.k * EARTH_RADIUS_M
    htx = mast.ground + mast.height
    hb_lo, hb_hi = HATA_HB_RANGE_M
    hull_d = np.empty(n_smp + 1)
    hull_h = np.empty(n_smp + 1)
    f_ant = antennas.f_mhz
    win, level0, slope_db, tilt, omni, pattern, ah, top = antenna_arrays(antennas, sig.shape[0])
    for a in todo:
        st, ct = radial(a, n_rad, antennas, ah)
        hull_d[0] = 0.0
        hull_h[0] = htx
        m = 1
        best = -np.inf
        bd = 0.0
        bh = 0.0
        z_prev = mast.ground
        for s in range(last[a] + 1):
            d = s * res if s > 0 else 0.25 * res
            px, py = mast.x + d * st, mast.y + d * ct
            z, void = profile_height(dem, x0, y0, res, row0, col0, px, py, False, z_prev)
            if z == -np.inf:
                stop(sig, a, s, last[a])
                break
            voids += void
            z_prev = z
            zc = z - d * d / (2.0 * r_eff)
            hrx = zc + rx_h
            bits = need[a, s]
            if bits:
                # the geometry every frequency shares: slant distance, Hata's base height
                # term, the Bullington edge (height above the direct ray, distance)
                dz = htx - hrx
                d3 = math.sqrt(d * d + dz * dz)
                hata_d = hata_distance_db(max(d, 20.0) / 1000.0, min(max(htx - z, hb_lo), hb_hi))
                edge_h = 0.0
                edge_d = 0.0
                if radio.terrain and s > 1:
                    direct = (hrx - htx) / d
                    j = _tangent(hull_d, hull_h, m, d, hrx)
                    if j == 0:
                        if bd > 0.0:
                            edge_d = bd
                            edge_h = bh - (htx + direct * bd)
                    else:
                        sr = (hull_h[j] - hrx) / (d - hull_d[j])
                        db = (hrx - htx + sr * d) / (best + sr)
                        if db > 0.0 and db < d:
                            edge_d = db
                            edge_h = htx + best * db - (htx + direct * db)
                el = math.degrees(math.atan2(hrx - htx, d))
                decades = math.log10(max(d, 1.0) / 1000.0)
                top[:] = -np.inf
                f_prev = np.nan
                pl = 0.0
                diff = 0.0
                for q in range(n_ant):
                    w = win[q]
                    if not (bits >> w) & 1:
                        continue
                    f = f_ant[q]
                    if f != f_prev:  # this frequency's loss (antennas sorted by frequency)
                        f_prev = f
                        pl = free_space_db(d3, f)
                        if radio.base == 1:
                            pl = max(pl, hata_f[q] + hata_d)
                        diff = 0.0
                        if edge_d > 0.0:
                            v = fresnel_v(edge_h, edge_d, d - edge_d, 299.792458 / f)
                            diff = knife_edge_db(v)
                    gain = antenna_gain(omni[q], ah[q], el, tilt[q], pattern)
                    level = level0[q] + slope_db[q] * decades + gain - pl - diff
                    top[w] = max(top[w], level)
                store(sig, top, bits, a, s)
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
    gather(windows, sig, pix, n_smp, out)
    return voids


@njit(cache=True, nogil=True)
def _lowest_in_columns(row, c_lo, c_hi, low):
    """``low`` lowered to the lowest height of ``row[c_lo:c_hi]`` (voids and off-DEM
    pixels skipped)."""
    for c in range(c_lo, c_hi):
        z = row[c]
        if z < low and z > -1.0e4:
            low = z
    return low


@njit(cache=True, nogil=True)
def lowest_ground(terrain, x, y, radius):
    """Lowest DEM height (voids and off-DEM pixels skipped; +inf if none) among the
    pixels centred within ``radius[i, j]`` plus two pixels of the point (x[i], y[i]),
    for each radius ``j`` of the point (NaN: none; each row ascending): every height a
    radial of that reach can interpolate from. Row by row, each disc is the column span
    of the next smaller one plus the pixels on either side of it."""
    dem, x0, y0, res, row0, col0 = terrain
    n, k = radius.shape
    out = np.full((n, k), np.inf)
    ring = np.empty(k)
    for i in range(n):
        m = 0  # the point's radii: radius[i, :m]
        while m < k and radius[i, m] == radius[i, m]:
            m += 1
        if m == 0:
            continue
        ring[:] = np.inf
        far = radius[i, m - 1] + 2.0 * res
        r_lo = max(row0, math.floor((y0 - y[i] - far) / res))
        r_hi = min(row0 + dem.shape[0], math.ceil((y0 - y[i] + far) / res) + 1)
        col = (x[i] - x0) / res - 0.5  # the point's column, in pixel-centre units
        for r in range(r_lo, r_hi):
            dy = y0 - (r + 0.5) * res - y[i]
            inner_lo = inner_hi = 0
            for j in range(m):
                reach = radius[i, j] + 2.0 * res
                if dy * dy > reach * reach:
                    continue
                w = math.sqrt(reach * reach - dy * dy) / res
                lo = max(col0, math.ceil(col - w)) - col0
                hi = min(col0 + dem.shape[1], math.floor(col + w) + 1) - col0
                row = dem[r - row0]
                if inner_hi > inner_lo:  # the span of the next smaller disc is taken
                    low = _lowest_in_columns(row, lo, inner_lo, ring[j])
                    ring[j] = _lowest_in_columns(row, inner_hi, hi, low)
                else:
                    ring[j] = _lowest_in_columns(row, lo, hi, ring[j])
                inner_lo, inner_hi = lo, max(hi, lo)
        low = np.inf
        for j in range(m):
            low = min(low, ring[j])
            out[i, j] = low
    return out


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
    hb_m: np.ndarray,
    *,
    rx_height_m: float,
    env: int,
    base: int,
    cap_m: np.ndarray,
    res_m: float,
) -> np.ndarray:
    """Radius (m) beyond which no pixel of the :func:`sweep` kernel can reach the
    threshold, at least 1 km, at most ``cap_m``.

    ``hb_m`` is the most favourable effective antenna height the kernel can meet: the
    antenna top minus the lowest ground within the cap (clamped to
    :data:`HATA_HB_RANGE_M`, as the kernel does). The kernel's loss is at least Hata's
    (free space and diffraction only add, the antenna pattern is <= 0 dB), and Hata's
    loss grows with the distance and falls with the base height, so beyond the
    distance where Hata at ``hb_m`` reaches ``level0 - threshold`` nothing is covered.
    Hata's loss is linear in log10(d): it is inverted from its values at 1 and 10 km
    (:func:`~coverage.radio.pathloss.hata_distance_db`). A pixel reads the radial sample
    nearest to it, up to half a pixel nearer the mast, hence ``res_m / 2`` (and 1 m
    against rounding) more. Free space is not inverted (it reaches far): the cap.
    """
    cap = np.asarray(cap_m, dtype=float)
    if base != BASE_MODELS["hata"]:
        return cap
    f = np.asarray(f_mhz, dtype=float)
    hb = np.clip(hb_m, *HATA_HB_RANGE_M)
    a_hm = a_hm_db(f, rx_height_m)
    f_terms = np.where(
        f >= 1500.0,
        hata_frequency_db(f, a_hm, env, True, 0.0),
        hata_frequency_db(f, a_hm, env, False, 0.0),
    )
    at_1km = f_terms + hata_distance_db(1.0, hb)
    per_decade = hata_distance_db(10.0, hb) - hata_distance_db(1.0, hb)
    d_km = 10.0 ** ((level0_dbm - threshold_dbm - at_1km) / per_decade)
    return np.minimum(np.maximum(d_km * 1000.0 + 0.5 * res_m + 1.0, 1000.0), cap)
