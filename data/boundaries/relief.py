"""The demo's DEM: the real ETOPO relief with a texture that fits each terrain class.

A build-time module of ``make_demo.py`` (issue 13), never imported by the package.

The base is NOAA ETOPO 2022 at 5' (ETOPO5 where the 2022 extract has no land sample, sea
at 0 m), smoothed and resampled to 3" (~90 m). ETOPO at 5' (~9 km) has no valleys or ridges
a radio path would see, so texture is added per terrain class, each class a smooth weight
(0-1) so that the classes blend without seams:

``plain``
    base below ~30 m (the coastal plain and the river flats of the east): a few metres of
    fractal texture.
``hills`` and ``mountain``
    the rest of the land, outside the karst: fractal plus ridged noise whose amplitude grows
    with the base elevation (relief of ~30 % of the base height), valleys carved along the
    WDBII rivers.
``karst``
    the limestone massifs of Phong Nha-Kẻ Bàng and of western Minh Hóa / Tuyên Hóa (outlines
    hand-drawn from the national park's published extent, :data:`KARST_OUTLINES`): steep
    cone karst, cones of 80-300 m, 300-700 m across, standing on the base between
    flat-floored dolines (Worley cones, :func:`cone_karst`), on top of the hills texture.

:func:`slope_statistics` gives the slope distribution per class; ``make_demo.py`` prints it
and the README reports it.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from rasterio.features import rasterize
from rasterio.transform import from_origin
from scipy import ndimage
from scipy.spatial import cKDTree

DEM_RES_ARCSEC = 3  # ~90 m; the deflated file stays below ~3.5 MB
M_PER_DEG = 111_320.0
PLAIN_TOP_M = 30.0  # base elevation where the plain class fades out
CLASSES = ("plain", "hills", "mountain", "karst")

#: Karst outlines (lon, lat), drawn by hand from the extent of Phong Nha-Kẻ Bàng National
#: Park and its buffer zone (the Kẻ Bàng limestone, Bố Trạch / Minh Hóa / Quảng Ninh) and
#: the limestone of western Minh Hóa and Tuyên Hóa (Hóa Sơn, Thanh Lạng, Rục Làn). Only the
#: general location is real: the cones themselves are synthetic.
KARST_OUTLINES = (
    (
        (106.03, 17.72),
        (106.20, 17.70),
        (106.35, 17.62),
        (106.42, 17.50),
        (106.38, 17.40),
        (106.28, 17.33),
        (106.16, 17.35),
        (106.07, 17.45),
        (106.00, 17.58),
    ),
    (
        (105.78, 17.92),
        (105.92, 17.95),
        (106.06, 17.90),
        (106.10, 17.80),
        (106.02, 17.74),
        (105.90, 17.76),
        (105.80, 17.82),
    ),
)


def base_elevation(shared: Path) -> tuple[np.ndarray, rasterio.Affine]:
    """ETOPO 2022 5' land samples; Laos gaps from ETOPO5, sea = 0."""
    with rasterio.open(shared / "terrain/etopo2022_5arcmin_vn_land.tif") as src:
        e22 = src.read(1).astype(np.float64)
        tr = src.transform
    with rasterio.open(shared / "terrain/etopo5_land_bathy.tif") as src:
        e5 = src.read(1).astype(np.float64)
        tr5 = src.transform
    rows, cols = np.indices(e22.shape, dtype=np.float64)
    lon = tr.c + (cols + 0.5) * tr.a
    lat = tr.f + (rows + 0.5) * tr.e
    c5 = (lon - tr5.c) / tr5.a - 0.5
    r5 = (lat - tr5.f) / tr5.e - 0.5
    e5_here = ndimage.map_coordinates(e5, [r5, c5], order=1, mode="nearest")
    base = np.where(e22 > -32000, e22, np.maximum(e5_here, 0.0))
    return np.maximum(base, 0.0), tr


def spectral_noise(shape: tuple[int, int], slope: float, rng: np.random.Generator) -> np.ndarray:
    """Fractal noise with amplitude spectrum ~ k**-slope, zero mean, unit std."""
    ky = np.fft.fftfreq(shape[0])[:, None]
    kx = np.fft.rfftfreq(shape[1])[None, :]
    k = np.hypot(kx, ky)
    k[0, 0] = 1.0
    spec = (rng.standard_normal(k.shape) + 1j * rng.standard_normal(k.shape)) * k**-slope
    spec[0, 0] = 0.0
    field = np.fft.irfft2(spec, s=shape)
    return (field - field.mean()) / field.std()


def cone_karst(
    lon: np.ndarray, lat: np.ndarray, weight: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Cone karst (metres above the base) where ``weight`` > 0.

    Cone centres are a jittered lattice about 650 m apart; each cone has a height of 80-300
    m and a foot radius of 0.3-0.55 km plus 1.1 m per metre of height, a slightly convex
    profile ``h (1 - d / r) ** 0.8``, and the surface is the highest cone at each pixel, so
    the low ground between cones is flat-floored at the base (dolines and poljes).
    """
    lat0 = float(np.mean(lat))
    x = lon * M_PER_DEG * math.cos(math.radians(lat0))
    y = lat * M_PER_DEG
    inside = weight > 0.01
    spacing = 650.0
    xs = np.arange(x[inside].min() - spacing, x[inside].max() + spacing, spacing)
    ys = np.arange(y[inside].min() - spacing, y[inside].max() + spacing, spacing)
    cx, cy = (a.ravel() for a in np.meshgrid(xs, ys))
    cx = cx + rng.uniform(-0.4, 0.4, cx.size) * spacing
    cy = cy + rng.uniform(-0.4, 0.4, cy.size) * spacing
    height = rng.uniform(80.0, 300.0, cx.size)
    radius = rng.uniform(300.0, 550.0, cx.size) + 1.1 * height
    d, j = cKDTree(np.column_stack([cx, cy])).query(np.column_stack([x[inside], y[inside]]), k=6)
    cones = height[j] * np.clip(1.0 - d / radius[j], 0.0, None) ** 0.8
    out = np.zeros(lon.shape)
    out[inside] = cones.max(axis=1)
    return out * weight


def karst_weight(lon: np.ndarray, lat: np.ndarray, res_deg: float) -> np.ndarray:
    """0-1 weight of the karst class: the outlines, feathered over ~2 km."""
    polys = [shapely.Polygon(ring) for ring in KARST_OUTLINES]
    ny, nx = lon.shape
    transform = from_origin(
        float(lon[0, 0] - res_deg / 2), float(lat[0, 0] + res_deg / 2), res_deg, res_deg
    )
    mask = rasterize(((p, 1) for p in polys), out_shape=(ny, nx), transform=transform)
    sigma = 2000.0 / (res_deg * M_PER_DEG)
    return np.clip(ndimage.gaussian_filter(mask.astype(np.float64), sigma) * 1.6, 0.0, 1.0)


def class_weights(base: np.ndarray, karst: np.ndarray) -> dict[str, np.ndarray]:
    """Smooth 0-1 weights of the terrain classes (they sum to 1 on land)."""
    plain = np.clip(1.0 - base / PLAIN_TOP_M, 0.0, 1.0)
    rest = 1.0 - plain
    mountain = rest * np.clip((base - 300.0) / 300.0, 0.0, 1.0) * (1.0 - karst)
    karst_w = rest * karst
    return {
        "plain": plain,
        "hills": rest - mountain - karst_w,
        "mountain": mountain,
        "karst": karst_w,
    }


def build_dem(
    shared: Path, province_ll: shapely.Geometry, rng: np.random.Generator
) -> tuple[np.ndarray, rasterio.Affine, np.ndarray]:
    """3" int16 DEM over the province (+0.1°) and each pixel's dominant terrain class."""
    res = DEM_RES_ARCSEC / 3600.0
    minx, miny, maxx, maxy = province_ll.bounds
    x0 = math.floor((minx - 0.1) / res) * res
    y1 = math.ceil((maxy + 0.1) / res) * res
    nx = round((maxx + 0.1 - x0) / res) + 1
    ny = round((y1 - (miny - 0.1)) / res) + 1
    transform = from_origin(x0, y1, res, res)
    base5, tr = base_elevation(shared)
    rows, cols = np.indices((ny, nx), dtype=np.float64)
    lon = x0 + (cols + 0.5) * res
    lat = y1 - (rows + 0.5) * res
    fr = (lat - tr.f) / tr.e - 0.5
    fc = (lon - tr.c) / tr.a - 0.5
    smooth = ndimage.gaussian_filter(base5, 0.6)
    base = np.maximum(ndimage.map_coordinates(smooth, [fr, fc], order=3, mode="nearest"), 0.0)
    fractal = spectral_noise((ny, nx), 1.35, rng)
    ridged = 1.0 - np.abs(spectral_noise((ny, nx), 1.1, rng))
    ridged = (ridged - ridged.mean()) / ridged.std()
    karst = karst_weight(lon, lat, res)
    w = class_weights(base, karst)
    hills = np.clip(base / 400.0, 0.0, 1.0) ** 1.5  # relief grows with base elevation
    relief = base * (1.0 + 0.3 * hills * fractal + 0.18 * hills * ridged)
    relief += 3.0 * w["plain"] * fractal  # gentle plain texture
    relief += cone_karst(lon, lat, w["karst"], rng)
    # Carve valleys along the WDBII rivers.
    rivers = gpd.read_file(shared / "coast/wdbii_rivers.geojson", engine="pyogrio")
    river_px = rasterize(
        ((g, 1) for g in rivers.geometry if g is not None and not g.is_empty),
        out_shape=(ny, nx),
        transform=transform,
        fill=0,
        dtype="uint8",
    )
    dist = ndimage.distance_transform_edt(river_px == 0) * res * M_PER_DEG
    relief *= 1.0 - 0.45 * np.exp(-dist / 1500.0)
    land = gpd.read_file(shared / "coast/gshhg_f_land.geojson", engine="pyogrio")
    land_px = rasterize(
        ((g, 1) for g in land.geometry),
        out_shape=(ny, nx),
        transform=transform,
        fill=0,
        dtype="uint8",
    ).astype(bool)
    dem = np.where(land_px, np.maximum(relief, 0.0), 0.0)
    stack = np.stack([w[c] for c in CLASSES])
    dominant = np.where(land_px, np.argmax(stack, axis=0), -1).astype(np.int8)
    return np.round(dem).astype(np.int16), transform, dominant


def slope_deg(dem: np.ndarray, transform: rasterio.Affine) -> np.ndarray:
    """Slope in degrees of a geographic DEM (central differences, metres per degree at
    each row's latitude)."""
    res = transform.a
    lat = transform.f + (np.arange(dem.shape[0]) + 0.5) * transform.e
    dx = res * M_PER_DEG * np.cos(np.radians(lat))[:, None]
    dy = res * M_PER_DEG
    gy, gx = np.gradient(dem.astype(np.float64))
    return np.degrees(np.arctan(np.hypot(gx / dx, gy / dy)))


def slope_statistics(
    dem: np.ndarray, transform: rasterio.Affine, dominant: np.ndarray, within: np.ndarray
) -> list[dict]:
    """Per terrain class (pixels ``within`` the province): share of the area, elevation and
    slope percentiles, share steeper than 30°."""
    slope = slope_deg(dem, transform)
    rows = []
    for k, name in enumerate(CLASSES):
        m = within & (dominant == k)
        if not m.any():
            continue
        s, e = slope[m], dem[m]
        rows.append(
            {
                "class": name,
                "area_share": float(m.sum() / within.sum()),
                "elev_median_m": float(np.median(e)),
                "elev_p95_m": float(np.percentile(e, 95)),
                "slope_median_deg": float(np.median(s)),
                "slope_p90_deg": float(np.percentile(s, 90)),
                "steeper_than_30": float(np.mean(s > 30.0)),
            }
        )
    return rows


def write_dem(path: Path, dem: np.ndarray, transform: rasterio.Affine) -> None:
    """Tiled, deflate-compressed GeoTIFF (EPSG:4326)."""
    profile = {
        "driver": "GTiff",
        "dtype": "int16",
        "width": dem.shape[1],
        "height": dem.shape[0],
        "count": 1,
        "crs": "EPSG:4326",
        "transform": transform,
        "nodata": -32768,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
        "predictor": 2,
        "zlevel": 9,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(dem, 1)
