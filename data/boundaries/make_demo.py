#!/usr/bin/env python
"""Build the embedded demo data set: a fictional-but-plausible Quảng Bình province.

Real inputs (``shared/realdata``): the Natural Earth province outline refined with the
GSHHG coast, the 8 districts and 145 communes (GSO codes and names), GeoNames district
seats, ETOPO 2022 / ETOPO5 elevation and WDBII rivers. Everything below commune level
(polygons, villages, population, cell sites, fibre, postal points) is synthetic.

Usage::

    python data/boundaries/make_demo.py --shared ../shared/realdata --out data/boundaries

The output is deterministic: two runs give byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path

# GeoPackage stores a "last change" timestamp: pin it for byte-identical output.
os.environ["OGR_CURRENT_DATE"] = "2025-01-01T00:00:00.000Z"

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from pyproj import Transformer
from rasterio.features import rasterize, shapes
from rasterio.transform import from_origin
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay, cKDTree

SEED = 2025
UTM = "EPSG:32648"
VN2000 = "EPSG:3405"
WGS84 = "EPSG:4326"
CELL = 100.0  # metres, working raster for the tessellations
DEM_RES_ARCSEC = 3  # ~90 m; the deflated file stays below 3.5 MB
PROVINCE = "Tỉnh Quảng Bình"

# Real district areas (km²) and plausible pre-2025 populations (total ~ 900,000).
DISTRICT_AREA = {
    "450": 155,
    "458": 163,
    "454": 447,
    "455": 2124,
    "456": 1190,
    "457": 1420,
    "453": 1128,
    "452": 1410,
}
DISTRICT_POP = {
    "450": 133_000,
    "458": 106_000,
    "454": 103_000,
    "455": 186_000,
    "456": 91_000,
    "457": 143_000,
    "453": 80_000,
    "452": 51_000,
}
# Hand-placed anchors (lat, lon) of the weighted Voronoi; mountain districts reach west.
DISTRICT_ANCHORS = {
    "450": [(17.475, 106.60)],
    "458": [(17.76, 106.42)],
    "454": [(17.86, 106.38), (17.93, 106.30)],
    "455": [(17.58, 106.50), (17.58, 106.30), (17.47, 106.10)],
    "456": [(17.40, 106.62), (17.33, 106.47), (17.27, 106.34)],
    "457": [(17.22, 106.78), (17.10, 106.65), (17.03, 106.50)],
    "453": [(17.88, 106.05), (17.85, 106.18), (17.98, 106.00)],
    "452": [(17.80, 105.95), (17.86, 105.75), (17.68, 105.88)],
}
# District seats (GeoNames; Quảng Trạch has none there, placed plausibly).
SEATS = {
    "450": ("Đồng Hới", 17.46885, 106.62226),
    "458": ("Ba Đồn", 17.75353, 106.42355),
    "455": ("Hoàn Lão", 17.58436, 106.53425),
    "456": ("Quán Hàu", 17.40438, 106.64072),
    "452": ("Quy Đạt", 17.80459, 105.97044),
    "457": ("Kiến Giang", 17.22328, 106.79011),
    "453": ("Đồng Lê", 17.88389, 106.02536),
    "454": ("Quảng Trạch", 17.83, 106.40),
}
# Town locations (lat, lon) of the thị trấn; phường are clustered around their seat.
TOWNS = {
    "18901": (17.80459, 105.97044),
    "18949": (17.88389, 106.02536),
    "19111": (17.58436, 106.53425),
    "19114": (17.50, 106.45),
    "19165": (17.61, 106.31),
    "19207": (17.40438, 106.64072),
    "19249": (17.22328, 106.79011),
    "19246": (17.16, 106.71),
}
PHUONG_KM2 = 6.0  # mean area of an urban ward when seeding
MOUNTAIN = {
    "Dân Hóa",
    "Trọng Hóa",
    "Hóa Sơn",
    "Thượng Hóa",
    "Lâm Hóa",
    "Thanh Hóa",
    "Kim Hóa",
    "Hương Hóa",
    "Thượng Trạch",
    "Tân Trạch",
    "Xuân Trạch",
    "Trường Sơn",
    "Trường Xuân",
    "Lâm Thủy",
    "Kim Thủy",
    "Ngân Thủy",
}
COASTAL = {
    "Bảo Ninh",
    "Quang Phú",
    "Hải Ninh",
    "Ngư Thủy Bắc",
    "Ngư Thủy",
    "Cảnh Dương",
    "Quảng Đông",
    "Quảng Phú",
    "Quảng Xuân",
    "Quảng Hưng",
    "Hải Phú",
    "Đức Trạch",
    "Nhân Trạch",
    "Thanh Trạch",
    "Quảng Văn",
    "Quảng Thủy",
    "Sen Thủy",
}
WEST_DISTRICTS = {"452", "453", "455", "456", "457"}
# Communes left with remote mountain villages out of 3G/4G reach ("lõm sóng").
LOM_SONG = [
    "Dân Hóa",
    "Trọng Hóa",
    "Thượng Hóa",
    "Kim Hóa",
    "Thượng Trạch",
    "Tân Trạch",
    "Trường Sơn",
    "Lâm Thủy",
    "Kim Thủy",
    "Ngân Thủy",
]
THON_NAMES = [
    "Trung",
    "Đông",
    "Tây",
    "Nam",
    "Bắc",
    "Thượng",
    "Hạ",
    "Tân Lập",
    "Tân Sơn",
    "Tân Hợp",
    "Phú Lộc",
    "Phú Hòa",
    "Xuân Hòa",
    "Xuân Lai",
    "An Lạc",
    "An Bình",
    "Bình Minh",
    "Đại Phong",
    "Đông Thành",
    "Hòa Bình",
    "Minh Tiến",
    "Quyết Thắng",
    "Thanh Xuân",
    "Thuận Lợi",
    "Vĩnh Phước",
    "Hợp Tiến",
    "Phúc Tự",
    "Cổ Hiền",
    "Mỹ Hòa",
    "Lộc Đại",
    "Lương Yến",
    "Hà Kiên",
    "Đồng Dương",
    "Tiền Tiến",
    "Phong Xuân",
]
BAN_NAMES = [
    "Dốc Mây",
    "Cà Xen",
    "Ón",
    "Ploang",
    "Rục Làn",
    "Yên Hợp",
    "Cha Lo",
    "Hà Vi",
    "Ka Oóc",
    "Bãi Dinh",
    "Sy",
    "Tà Vờng",
    "Chân Tròong",
    "Cồn Roàng",
    "Hát",
    "Nước Đắng",
    "Khe Cát",
    "Khe Dây",
    "Cây Dầu",
    "Tà Rà",
    "Ra Mai",
    "Ho Rum",
    "Cu Pi",
    "Chút Mút",
    "Bụt",
    "Ba Loóc",
    "Ông Ý",
    "Nà Lum",
    "Rìn Rìn",
    "Hôi Rấy",
    "Ka Định",
    "Đìn Đìn",
    "Cáo",
    "Kè",
    "Dộ",
    "Tà Ry",
    "Khe Ngát",
    "Chuôn",
    "Sắt",
    "Cầu Lát",
    "Lòm",
    "Mò Ó",
    "Kà Chăm",
    "Pa Choong",
    "Cóc",
    "Mít",
    "Hung",
    "Loọc",
]
OPERATORS = ["Viettel", "VNPT-VinaPhone", "MobiFone"]
SITE_COLUMNS = [
    "site_id",
    "lon",
    "lat",
    "technology",
    "frequency_mhz",
    "height_m",
    "azimuth_deg",
    "beamwidth_deg",
    "eirp_dbm",
    "operator",
    "range_m",
]


def rng_for(step: str) -> np.random.Generator:
    """Independent, seeded random stream per generation step."""
    return np.random.default_rng([SEED, zlib.crc32(step.encode())])


def nfc(text: str) -> str:
    """Unicode NFC normalisation."""
    return unicodedata.normalize("NFC", text)


def short_name(name: str) -> str:
    """Commune name without its type prefix."""
    for prefix in ("Thị trấn ", "Phường ", "Xã "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


_TO_UTM = Transformer.from_crs(WGS84, UTM, always_xy=True)
_TO_LL = Transformer.from_crs(UTM, WGS84, always_xy=True)


def ll_to_utm(lat: float, lon: float) -> tuple[float, float]:
    """Project one (lat, lon) to UTM 48N."""
    x, y = _TO_UTM.transform(lon, lat)
    return float(x), float(y)


# --------------------------------------------------------------------------- inputs
def load_province(shared: Path) -> shapely.Geometry:
    """NE 1:10m outline of Quảng Bình with its coast refined by GSHHG (UTM)."""
    prov = gpd.read_file(shared / "admin/qb_region_provinces_ne10m.geojson", engine="pyogrio")
    prov = prov.to_crs(UTM)
    qb = prov.loc[prov["name"] == "Quảng Bình"].geometry.iloc[0]
    others = prov.loc[prov["name"].isin(["Ha Tinh", "Quảng Trị"])].geometry.union_all()
    land = gpd.read_file(shared / "coast/gshhg_f_land.geojson", engine="pyogrio")
    land = land.to_crs(UTM).geometry.union_all()
    east = gpd.GeoSeries([shapely.box(106.35, 16.5, 107.5, 18.5)], crs=WGS84).to_crs(UTM)[0]
    extension = land.intersection(qb.buffer(3000)).intersection(east).difference(others)
    merged = shapely.make_valid(qb.intersection(land).union(extension))
    parts = [p for p in shapely.get_parts(merged) if p.geom_type == "Polygon" and p.area > 5e4]
    return shapely.make_valid(shapely.MultiPolygon(parts).buffer(0).simplify(25))


def load_communes(shared: Path) -> pd.DataFrame:
    """The 145 pre-2025 communes with GSO codes."""
    df = pd.read_csv(shared / "admin/qb_communes_pre2025.csv", dtype=str)
    for col in ("ward_name", "ward_type", "district_name", "province_name"):
        df[col] = df[col].map(nfc)
    df["short"] = df["ward_name"].map(short_name)
    return df.sort_values("ward_code", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- DEM
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


def build_dem(shared: Path, province_ll: shapely.Geometry) -> tuple[np.ndarray, rasterio.Affine]:
    """3/6 arc-second int16 DEM: smooth ETOPO base + elevation-scaled fractal relief."""
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
    rng = rng_for("dem")
    fractal = spectral_noise((ny, nx), 1.35, rng)
    ridged = 1.0 - np.abs(spectral_noise((ny, nx), 1.1, rng))
    ridged = (ridged - ridged.mean()) / ridged.std()
    hills = np.clip(base / 400.0, 0.0, 1.0) ** 1.5  # relief grows with base elevation
    relief = base * (1.0 + 0.3 * hills * fractal + 0.18 * hills * ridged)
    relief += 4.0 * np.clip(base / 30.0, 0.0, 1.0) * fractal  # gentle plain texture
    # Carve valleys along the WDBII rivers.
    rivers = gpd.read_file(shared / "coast/wdbii_rivers.geojson", engine="pyogrio")
    river_px = rasterize(
        ((g, 1) for g in rivers.geometry if g is not None and not g.is_empty),
        out_shape=(ny, nx),
        transform=transform,
        fill=0,
        dtype="uint8",
    )
    dist = ndimage.distance_transform_edt(river_px == 0) * res * 111_000.0
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
    return np.round(dem).astype(np.int16), transform


def write_dem(path: Path, dem: np.ndarray, transform: rasterio.Affine) -> None:
    """Tiled, deflate-compressed GeoTIFF."""
    profile = {
        "driver": "GTiff",
        "dtype": "int16",
        "width": dem.shape[1],
        "height": dem.shape[0],
        "count": 1,
        "crs": WGS84,
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


# --------------------------------------------------------------------------- working grid
@dataclass
class Grid:
    """100 m UTM raster used to tessellate the province."""

    transform: rasterio.Affine
    shape: tuple[int, int]
    inside: np.ndarray  # cell centre inside the province
    ring: np.ndarray  # inside the province buffered by 400 m
    elev: np.ndarray  # metres, sampled from the DEM
    x: np.ndarray  # cell-centre x (2-D)
    y: np.ndarray  # cell-centre y (2-D)


def make_grid(province: shapely.Geometry, dem: np.ndarray, dem_tr: rasterio.Affine) -> Grid:
    """Rasterise the province and sample elevation on the working grid."""
    minx, miny, maxx, maxy = province.bounds
    x0 = math.floor(minx / CELL) * CELL - 1000.0
    y1 = math.ceil(maxy / CELL) * CELL + 1000.0
    nx = math.ceil((maxx + 1000.0 - x0) / CELL)
    ny = math.ceil((y1 - miny + 1000.0) / CELL)
    tr = from_origin(x0, y1, CELL, CELL)
    shape = (ny, nx)
    inside = rasterize([(province, 1)], out_shape=shape, transform=tr, dtype="uint8") > 0
    ring = rasterize([(province.buffer(400), 1)], out_shape=shape, transform=tr, dtype="uint8") > 0
    rows, cols = np.indices(shape, dtype=np.float64)
    x = x0 + (cols + 0.5) * CELL
    y = y1 - (rows + 0.5) * CELL
    lon, lat = _TO_LL.transform(x.ravel(), y.ravel())
    fr = (np.asarray(lat) - dem_tr.f) / dem_tr.e - 0.5
    fc = (np.asarray(lon) - dem_tr.c) / dem_tr.a - 0.5
    elev = ndimage.map_coordinates(dem.astype(np.float64), [fr, fc], order=1, mode="nearest")
    return Grid(tr, shape, inside, ring, elev.reshape(shape), x, y)


def warp(grid: Grid, sigma_cells: float, amp: float, step: str) -> tuple[np.ndarray, np.ndarray]:
    """Smoothly warped cell coordinates, so that Voronoi edges wiggle like real borders."""
    rng = rng_for(step)
    out = []
    for base in (grid.x, grid.y):
        n = ndimage.gaussian_filter(rng.standard_normal(grid.shape), sigma_cells)
        out.append(base + amp * n / n.std())
    return out[0], out[1]


def fix_fragments(labels: np.ndarray, parent: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Keep each label's largest connected part; refill the rest from the same parent."""
    out = labels.copy()
    for lab, sl in enumerate(ndimage.find_objects(np.where(valid, out, 0)), start=1):
        if sl is None:
            continue
        cc, n = ndimage.label((out[sl] == lab) & valid[sl])
        if n > 1:
            keep = int(np.argmax(np.bincount(cc.ravel())[1:])) + 1
            sub = out[sl]
            sub[(cc > 0) & (cc != keep)] = 0
    holes = valid & (out == 0)
    for par, sl in enumerate(ndimage.find_objects(np.where(valid, parent, 0)), start=1):
        if sl is None or not holes[sl].any():
            continue
        mine = (parent[sl] == par) & valid[sl]
        good = mine & (out[sl] > 0)
        if not good.any():
            continue
        _, (ir, ic) = ndimage.distance_transform_edt(~good, return_indices=True)
        sub = out[sl]
        fill = mine & (sub == 0)
        sub[fill] = sub[ir[fill], ic[fill]]
    return out


def lloyd(seeds: np.ndarray, pts: np.ndarray, w: np.ndarray, pinned: int, iters: int) -> np.ndarray:
    """Density-weighted Lloyd relaxation; the first ``pinned`` seeds stay fixed."""
    seeds = seeds.copy()
    for _ in range(iters):
        _, idx = cKDTree(seeds).query(pts)
        sw = np.bincount(idx, weights=w, minlength=len(seeds))
        cx = np.bincount(idx, weights=w * pts[:, 0], minlength=len(seeds))
        cy = np.bincount(idx, weights=w * pts[:, 1], minlength=len(seeds))
        ok = sw > 0
        ok[:pinned] = False
        seeds[ok, 0] = cx[ok] / sw[ok]
        seeds[ok, 1] = cy[ok] / sw[ok]
    # snap to the nearest real cell (centroids of non-convex regions may fall outside)
    _, snap = cKDTree(pts).query(seeds)
    seeds[pinned:] = pts[snap[pinned:]]
    return seeds


# --------------------------------------------------------------------------- tessellation
def district_labels(grid: Grid, codes: list[str]) -> np.ndarray:
    """Power diagram of the district anchors, weights fitted to the real areas."""
    qx, qy = warp(grid, 25, 2500.0, "district-warp")
    anchors, group = [], []
    for d, code in enumerate(codes):
        for lat, lon in DISTRICT_ANCHORS[code]:
            anchors.append(ll_to_utm(lat, lon))
            group.append(d)
    a = np.array(anchors)
    g = np.array(group)
    target = np.array([DISTRICT_AREA[c] for c in codes], dtype=float)
    target /= target.sum()
    ring_idx = np.flatnonzero(grid.ring.ravel())
    ins_idx = np.flatnonzero(grid.inside.ravel())[::13]
    w = np.zeros(len(codes))
    area = float(grid.inside.sum()) * CELL * CELL

    def assign(idx: np.ndarray) -> np.ndarray:
        px, py = qx.ravel()[idx], qy.ravel()[idx]
        d2 = (px[:, None] - a[None, :, 0]) ** 2 + (py[:, None] - a[None, :, 1]) ** 2
        return g[np.argmin(d2 - w[g][None, :], axis=1)]

    for _ in range(600):
        frac = np.bincount(assign(ins_idx), minlength=len(codes)) / len(ins_idx)
        w += 0.05 * (target - frac) * area
    labels = np.zeros(grid.shape, dtype=np.int32)
    labels.ravel()[ring_idx] = assign(ring_idx) + 1
    return fix_fragments(labels, grid.ring.astype(np.int32), grid.ring)


def commune_labels(
    grid: Grid, dlab: np.ndarray, codes: list[str], communes: pd.DataFrame
) -> np.ndarray:
    """Communes as Lloyd-relaxed Voronoi cells inside each district (label = row + 1)."""
    qx, qy = warp(grid, 10, 700.0, "commune-warp")
    rng = rng_for("commune-seeds")
    labels = np.zeros(grid.shape, dtype=np.int32)
    flat_in, flat_ring = grid.inside.ravel(), grid.ring.ravel()
    for d, code in enumerate(codes, start=1):
        members = communes.index[communes["district_code"] == code].to_numpy()
        in_d = np.flatnonzero((dlab.ravel() == d) & flat_in)
        pts = np.column_stack([qx.ravel()[in_d], qy.ravel()[in_d]])
        elev = grid.elev.ravel()[in_d]
        raw = np.column_stack([grid.x.ravel()[in_d], grid.y.ravel()[in_d]])
        tree = cKDTree(raw)
        pinned_rows: list[int] = []
        pinned_pts: list[np.ndarray] = []
        phuong = [i for i in members if communes.at[i, "ward_type"] == "Phường"]
        if phuong:
            sx, sy = ll_to_utm(*SEATS[code][1:])
            k = int(len(phuong) * PHUONG_KM2 * 1e6 / CELL**2)
            _, near = tree.query([sx, sy], k=k)
            core = pts[near]
            init = core[rng.choice(len(core), len(phuong), replace=False)]
            ps = lloyd(init, core, np.ones(len(core)), 0, 10)
            ps = ps[np.lexsort((ps[:, 0], -ps[:, 1]))]
            pinned_rows += phuong
            pinned_pts += list(ps)
        for i in members:
            if communes.at[i, "ward_type"] == "Thị trấn":
                _, j = tree.query(ll_to_utm(*TOWNS[communes.at[i, "ward_code"]]))
                pinned_rows.append(i)
                pinned_pts.append(pts[j])
        xa = [i for i in members if i not in pinned_rows]
        dens = np.exp(-elev / 200.0) + 0.08
        init = pts[rng.choice(len(pts), len(xa), replace=False, p=dens / dens.sum())]
        seeds = np.vstack([*pinned_pts, init]) if pinned_pts else init
        seeds = lloyd(seeds, pts, dens, len(pinned_pts), 8)
        # High seeds go to mountain communes, low ones to the coast.
        _, sj = cKDTree(pts).query(seeds[len(pinned_pts) :])
        seed_order = np.argsort(-elev[sj], kind="stable")
        score = np.array(
            [
                2.0
                if communes.at[i, "short"] in MOUNTAIN
                else -2.0
                if communes.at[i, "short"] in COASTAL
                else 0.0
                for i in xa
            ]
        )
        score += rng.uniform(-1.0, 1.0, len(xa))
        comm_order = [xa[j] for j in np.argsort(-score, kind="stable")]
        rows = pinned_rows + [0] * len(xa)
        for so, ci in zip(seed_order, comm_order, strict=True):
            rows[len(pinned_pts) + so] = ci
        ring_d = np.flatnonzero((dlab.ravel() == d) & flat_ring)
        _, nearest = cKDTree(seeds).query(np.column_stack([qx.ravel()[ring_d], qy.ravel()[ring_d]]))
        labels.ravel()[ring_d] = np.asarray(rows)[nearest] + 1
    return fix_fragments(labels, dlab, grid.ring)


def village_labels(grid: Grid, clab: np.ndarray, communes: pd.DataFrame) -> np.ndarray:
    """Villages as density-weighted Lloyd Voronoi inside each commune (label c*100+k)."""
    qx, qy = warp(grid, 4, 180.0, "village-warp")
    rng = rng_for("village-seeds")
    labels = np.zeros(grid.shape, dtype=np.int32)
    cflat = clab.ravel()
    order = np.argsort(cflat, kind="stable")
    bounds = np.searchsorted(cflat[order], np.arange(len(communes) + 2))
    flat_in = grid.inside.ravel()
    for c in range(1, len(communes) + 1):
        cells = order[bounds[c] : bounds[c + 1]]
        in_c = cells[flat_in[cells]]
        if len(in_c) == 0:
            continue
        elev = grid.elev.ravel()[in_c]
        urban = communes.at[c - 1, "ward_type"] != "Xã"
        mean_e = float(elev.mean())
        if urban:
            n = int(rng.integers(8, 13))
        elif mean_e > 250:
            n = int(rng.integers(8, 11))
        else:
            n = int(rng.integers(9, 13))
        n = min(n, len(in_c))
        pts = np.column_stack([qx.ravel()[in_c], qy.ravel()[in_c]])
        dens = np.ones(len(in_c)) if urban else np.exp(-elev / 100.0) + 0.02
        init = pts[rng.choice(len(pts), n, replace=False, p=dens / dens.sum())]
        seeds = lloyd(init, pts, dens, 0, 5)
        seeds = seeds[np.lexsort((seeds[:, 0], -seeds[:, 1]))]
        _, nearest = cKDTree(seeds).query(np.column_stack([qx.ravel()[cells], qy.ravel()[cells]]))
        labels.ravel()[cells] = c * 100 + nearest + 1
    return fix_fragments(labels, clab, grid.ring)


def polygonize(
    grid: Grid, vlab: np.ndarray, province: shapely.Geometry
) -> dict[int, shapely.Geometry]:
    """Vectorise the village raster, simplify as a coverage and clip to the province."""
    parts: dict[int, list] = {}
    for geom, value in shapes(vlab, mask=grid.ring, transform=grid.transform, connectivity=4):
        parts.setdefault(int(value), []).append(shapely.geometry.shape(geom))
    keys = sorted(k for k in parts if k > 0)
    geoms = np.array([shapely.union_all(parts[k]) for k in keys], dtype=object)
    geoms = shapely.coverage_simplify(geoms, 80.0)
    shapely.prepare(province)
    clipped = shapely.make_valid(shapely.intersection(geoms, province))
    out: dict[int, shapely.Geometry] = {}
    for k, g in zip(keys, clipped, strict=True):
        polys = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and p.area > 500.0]
        if polys:
            out[k] = shapely.make_valid(shapely.MultiPolygon(polys)).buffer(0)
    return out


# --------------------------------------------------------------------------- attributes
def village_names(communes: pd.DataFrame, vil: pd.DataFrame) -> list[str]:
    """Tổ dân phố / Thôn / Bản names, unique within each commune."""
    rng = rng_for("village-names")
    names = [""] * len(vil)
    for c, grp in vil.groupby("cidx", sort=True):
        row = communes.loc[c]
        idx = grp.index.to_numpy()
        if row["ward_type"] != "Xã":
            for k, i in enumerate(idx, start=1):
                names[i] = f"Tổ dân phố {k}"
            continue
        thon = list(rng.permutation(THON_NAMES))
        ban = list(rng.permutation(BAN_NAMES))
        ethnic = row["short"] in MOUNTAIN or (
            row["district_code"] in WEST_DISTRICTS and grp["elev"].mean() > 300
        )
        numbered = rng.random() < 0.45
        k_num = 0
        for i in idx:
            if ethnic and vil.at[i, "elev"] > 150:
                names[i] = f"Bản {ban.pop(0)}"
            elif numbered:
                k_num += 1
                names[i] = f"Thôn {k_num}"
            else:
                names[i] = f"Thôn {thon.pop(0)}"
    return [nfc(n) for n in names]


def village_population(communes: pd.DataFrame, vil: pd.DataFrame, seats: dict) -> np.ndarray:
    """Populations: dense towns and coast, sparse mountains; district totals fixed."""
    rng = rng_for("population")
    urban = communes.loc[vil["cidx"], "ward_type"].to_numpy() != "Xã"
    dist_code = communes.loc[vil["cidx"], "district_code"].to_numpy()
    dens = np.exp(-vil["elev"].to_numpy() / 180.0) + 0.03
    dens *= np.where(urban, 6.0, 1.0)
    sx = np.array([seats[c][0] for c in dist_code])
    sy = np.array([seats[c][1] for c in dist_code])
    dseat = np.hypot(vil["cx"].to_numpy() - sx, vil["cy"].to_numpy() - sy)
    dens *= 1.0 + 3.0 * np.exp(-((dseat / 4000.0) ** 2))
    weight = dens * np.sqrt(vil["area_km2"].to_numpy() + 0.2) * rng.lognormal(0, 0.3, len(vil))
    pop = np.zeros(len(vil), dtype=np.int64)
    for code, total in DISTRICT_POP.items():
        m = dist_code == code
        share = weight[m] / weight[m].sum() * total
        pop[m] = np.maximum(np.round(share), 35).astype(np.int64)
    return pop


# --------------------------------------------------------------------------- sites
def radius_m(tech: str, freq: float) -> float:
    """Default range of the toolkit's disc model."""
    table = {
        "2G": (7000, 3500, 3500),
        "3G": (6000, 3000, 3000),
        "4G": (6000, 4000, 2500),
        "5G": (5000, 3000, 1200),
    }[tech]
    return table[0] if freq <= 1000 else table[1] if freq <= 2300 else table[2]


@dataclass
class Site:
    """One physical site."""

    x: float
    y: float
    cls: str  # urban | rural | mountain
    cidx: int
    techs: list[tuple[str, int]]
    operator: str
    height: int


def choose_techs(cls: str, rng: np.random.Generator) -> list[tuple[str, int]]:
    """Technology/band mix of one site."""
    techs: list[tuple[str, int]] = []
    if cls == "urban" or rng.random() < 0.975:
        techs.append(("2G", 900))
    p3g = {"urban": 0.8, "rural": 0.62, "mountain": 0.35}[cls]
    if rng.random() < p3g:
        techs.append(("3G", 2100))
    if cls == "mountain":
        techs.append(("4G", 900 if rng.random() < 0.7 else 700))
        if rng.random() < 0.5:
            techs.append(("4G", 1800))
    else:
        techs.append(("4G", 1800))
        if cls == "rural" and rng.random() < 0.25:
            techs.append(("4G", 900 if rng.random() < 0.75 else 700))
    return techs


def footprint_mask(
    tree: cKDTree,
    pts: np.ndarray,
    x: float,
    y: float,
    r: float,
    azimuth: float | None,
    beam: float | None,
) -> np.ndarray:
    """Indices of grid cells inside a disc or sector."""
    idx = np.asarray(tree.query_ball_point([x, y], r), dtype=np.int64)
    if azimuth is None or len(idx) == 0:
        return idx
    bearing = np.degrees(np.arctan2(pts[idx, 0] - x, pts[idx, 1] - y)) % 360.0
    diff = np.abs((bearing - azimuth + 180.0) % 360.0 - 180.0)
    return idx[diff <= beam / 2.0]


def site_cover(tree: cKDTree, pts: np.ndarray, s: Site, techs: set[str]) -> np.ndarray:
    """Cells covered by a site for the given technologies."""
    out = [np.zeros(0, dtype=np.int64)]
    for tech, f in s.techs:
        if tech not in techs:
            continue
        sectors = (0.0, 120.0, 240.0) if s.cls == "urban" else (None,)
        for az in sectors:
            out.append(
                footprint_mask(
                    tree, pts, s.x, s.y, radius_m(tech, f), az, 65.0 if az is not None else None
                )
            )
    return np.unique(np.concatenate(out))


def place_sites(
    grid: Grid, vlab: np.ndarray, vil: pd.DataFrame, communes: pd.DataFrame, centres_xy: np.ndarray
) -> list[Site]:
    """Population-driven densification, then greedy fill so villages get 3G/4G."""
    rng = rng_for("sites")
    flat_in = np.flatnonzero(grid.inside.ravel())
    pts = np.column_stack([grid.x.ravel()[flat_in], grid.y.ravel()[flat_in]])
    lut = np.full(int(vlab.max()) + 1, -1, dtype=np.int64)
    lut[vil["label"].to_numpy()] = np.arange(len(vil))
    cell_v = lut[vlab.ravel()[flat_in]]
    has_v = cell_v >= 0
    pts, cell_v = pts[has_v], cell_v[has_v]
    cell_elev = grid.elev.ravel()[flat_in][has_v]
    tree = cKDTree(pts)
    nv = len(vil)
    ncell = np.bincount(cell_v, minlength=nv)
    order = np.argsort(cell_v, kind="stable")
    starts = np.searchsorted(cell_v[order], np.arange(nv + 1))
    cov = np.zeros(len(pts), dtype=bool)
    sites: list[Site] = []
    vtype = communes.loc[vil["cidx"], "ward_type"].to_numpy()

    def add(x: float, y: float, cls: str, v: int, small: bool = False) -> None:
        op_p = {
            "urban": [0.4, 0.32, 0.28],
            "rural": [0.5, 0.3, 0.2],
            "mountain": [0.75, 0.2, 0.05],
        }[cls]
        op = OPERATORS[int(rng.choice(3, p=op_p))]
        lo, hi = {"urban": (15, 31), "rural": (24, 41), "mountain": (30, 46)}[cls]
        techs = [("2G", 900), ("4G", 1800)] if small else choose_techs(cls, rng)
        s = Site(x, y, cls, int(vil.at[v, "cidx"]), techs, op, int(rng.integers(lo, hi)))
        sites.append(s)
        cov[site_cover(tree, pts, s, {"3G", "4G"})] = True

    # 1) allowed "lõm sóng": remote villages of a few western border communes
    cand = np.zeros(nv, dtype=bool)
    lom = np.zeros(nv, dtype=bool)  # villages of the lõm sóng communes: 1800 MHz only
    remote = np.zeros(nv)
    for c in communes.index[communes["short"].isin(LOM_SONG)]:
        vs = vil.index[vil["cidx"] == c].to_numpy()
        d = np.hypot(vil.loc[vs, "cx"] - centres_xy[c, 0], vil.loc[vs, "cy"] - centres_xy[c, 1])
        remote[vs] = d.to_numpy() / 1000.0 + vil.loc[vs, "elev"].to_numpy() / 100.0
        cand[vs] = True
        lom[vs] = True
        cand[vs[np.argmin(d.to_numpy())]] = False  # the centre village keeps its site
    # 2) densification proportional to population (not in the lõm sóng villages)
    for v in range(nv):
        cells = order[starts[v] : starts[v + 1]]
        if len(cells) == 0 or cand[v]:
            continue
        urban = vtype[v] != "Xã"
        per = 1050.0 if urban else 1700.0
        n = int(np.floor(vil.at[v, "population"] / per + rng.random()))
        cls = "urban" if urban else ("mountain" if vil.at[v, "elev"] > 200 else "rural")
        for j in rng.choice(cells, size=min(n, len(cells)), replace=False):
            add(pts[j, 0] + rng.uniform(-40, 40), pts[j, 1] + rng.uniform(-40, 40), cls, v)

    def frac_covered() -> np.ndarray:
        return np.bincount(cell_v[cov], minlength=nv) / np.maximum(ncell, 1)

    def cover_village(v: int) -> None:
        cells = order[starts[v] : starts[v + 1]]
        c = pts[cells].mean(axis=0)
        j = cells[np.argmin(np.hypot(*(pts[cells] - c).T) + 0.5 * cell_elev[cells])]
        urban = vtype[v] != "Xã"
        cls = "urban" if urban else "mountain" if vil.at[v, "elev"] > 120 else "rural"
        add(pts[j, 0], pts[j, 1], cls, v, small=bool(lom[v]))

    # 3) greedy fill of every other village, most populous first
    tried = np.zeros(nv, dtype=bool)
    while True:
        todo = np.flatnonzero((frac_covered() < 0.5) & ~cand & ~tried & (ncell > 0))
        if len(todo) == 0:
            break
        v = int(todo[np.argmax(vil["population"].to_numpy()[todo])])
        tried[v] = True
        cover_village(v)
    # 4) cover the least remote candidates until ~2.2% of villages remain uncovered
    target = round(0.022 * nv)
    for v in np.flatnonzero(cand)[np.argsort(remote[cand], kind="stable")]:
        unc = int(np.sum((frac_covered() < 0.5) & (ncell > 0)))
        if unc <= target:
            break
        if frac_covered()[v] < 0.5:
            cover_village(int(v))
    return sites


def site_rows(
    sites: list[Site], seat_xy: dict[str, tuple[float, float]], dist_of: np.ndarray
) -> list[dict]:
    """CSV rows: one per site x technology (x sector for urban sites)."""
    rng = rng_for("site-rows")
    # 5G on the urban sites closest to Đồng Hới and Ba Đồn seats
    five_g: dict[int, int] = {}
    for code, n in (("450", 6), ("458", 3)):
        sx, sy = seat_xy[code]
        cand = [i for i, s in enumerate(sites) if s.cls == "urban" and dist_of[s.cidx] == code]
        cand.sort(key=lambda i: (math.hypot(sites[i].x - sx, sites[i].y - sy), i))
        for i in cand[:n]:
            five_g[i] = 2600 if sites[i].operator == "VNPT-VinaPhone" else 3500
    eirp_range = {"2G": (57.0, 60.0), "3G": (55.0, 58.0), "4G": (58.0, 61.5), "5G": (60.0, 62.0)}
    mountain_ids = [i for i, s in enumerate(sites) if s.cls == "mountain"]
    long_range = set(mountain_ids[:: max(1, len(mountain_ids) // 6)][:6])
    lon, lat = _TO_LL.transform([s.x for s in sites], [s.y for s in sites])
    rows = []
    for i, s in enumerate(sites):
        techs = list(s.techs) + ([("5G", five_g[i])] if i in five_g else [])
        sectors = (0, 120, 240) if s.cls == "urban" else (None,)
        for tech, f in techs:
            eirp = round(float(rng.uniform(*eirp_range[tech])), 1)
            rng_m = "10000" if (i in long_range and tech == "2G") else ""
            for az in sectors:
                rows.append(
                    {
                        "site_id": f"QB{i + 1:04d}",
                        "lon": f"{lon[i]:.6f}",
                        "lat": f"{lat[i]:.6f}",
                        "technology": tech,
                        "frequency_mhz": str(f),
                        "height_m": str(s.height),
                        "azimuth_deg": "" if az is None else str(az),
                        "beamwidth_deg": "" if az is None else "65",
                        "eirp_dbm": f"{eirp:.1f}",
                        "operator": s.operator,
                        "range_m": rng_m,
                    }
                )
    return rows


# --------------------------------------------------------------------------- fibre & postal
def pick_unconnected(communes: pd.DataFrame, centres_xy: np.ndarray) -> list[int]:
    """Three remote mountain commune centres without fibre (furthest west)."""
    cands = communes.index[communes["short"].isin(LOM_SONG)].to_numpy()
    others = np.delete(np.arange(len(communes)), cands)
    d, _ = cKDTree(centres_xy[others]).query(centres_xy[cands])
    return sorted(int(c) for c in cands[np.argsort(-d, kind="stable")[:3]])


def fibre_network(
    communes: pd.DataFrame,
    centres_xy: np.ndarray,
    sites: list[Site],
    unconnected: list[int],
    seat_xy: dict[str, tuple[float, float]],
    province: shapely.Geometry,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Fibre nodes at centres, towns and many sites; coastal backbone + MST feeders."""
    rng = rng_for("fibre")
    seat_pts = np.array(list(seat_xy.values()))
    nodes: list[tuple[float, float, str]] = []
    for c in range(len(communes)):
        if c in unconnected:
            continue
        cx, cy = centres_xy[c]
        is_seat = np.min(np.hypot(seat_pts[:, 0] - cx, seat_pts[:, 1] - cy)) < 1500
        ang, dist = rng.uniform(0, 2 * np.pi), rng.uniform(15, 90)
        kind = "POP" if is_seat else "OLT"
        nodes.append((cx + dist * np.sin(ang), cy + dist * np.cos(ang), kind))
    for sx, sy in seat_pts:
        for _ in range(3):
            ang, dist = rng.uniform(0, 2 * np.pi), rng.uniform(900, 2200)
            p = shapely.Point(sx + dist * np.sin(ang), sy + dist * np.cos(ang))
            if province.contains(p):
                nodes.append((p.x, p.y, "OLT"))
    far = centres_xy[unconnected]
    p_node = {"urban": 0.45, "rural": 0.5, "mountain": 0.25}
    for s in sites:
        near_bad = np.min(np.hypot(far[:, 0] - s.x, far[:, 1] - s.y)) < 3000
        if rng.random() < p_node[s.cls] and not near_bad:
            nodes.append((s.x + rng.uniform(-20, 20), s.y + rng.uniform(-20, 20), "splitter"))
    xy = np.array([(n[0], n[1]) for n in nodes])
    # backbone: coastal plain, north to south through the lowland seats
    bb_ll = [
        (17.93, 106.42),
        (17.83, 106.40),
        (17.75353, 106.42355),
        (17.58436, 106.53425),
        (17.46885, 106.62226),
        (17.40438, 106.64072),
        (17.22328, 106.79011),
        (17.05, 106.86),
    ]
    backbone = shapely.LineString([ll_to_utm(a, b) for a, b in bb_ll])
    # feeders: minimum spanning tree of the Delaunay graph, avoiding the unconnected
    tri = Delaunay(xy)
    e = np.vstack([tri.simplices[:, [0, 1]], tri.simplices[:, [1, 2]], tri.simplices[:, [0, 2]]])
    e = np.unique(np.sort(e, axis=1), axis=0)
    lines = shapely.linestrings(np.stack([xy[e[:, 0]], xy[e[:, 1]]], axis=1))
    length = shapely.length(lines)
    bad = shapely.MultiPoint(far.tolist()).buffer(1300)
    zone = province.buffer(500)
    shapely.prepare(zone)
    ok = (length < 15000) & ~shapely.intersects(lines, bad) & shapely.within(lines, zone)
    e, length = e[ok], length[ok]
    graph = coo_matrix((length, (e[:, 0], e[:, 1])), shape=(len(xy), len(xy)))
    mst = minimum_spanning_tree(graph).tocoo()
    pairs = sorted(zip(mst.row.tolist(), mst.col.tolist(), strict=True))
    routes = [("BB-01", "backbone", backbone)]
    for k, (i, j) in enumerate(pairs, start=1):
        routes.append((f"FR-{k:04d}", "feeder", shapely.LineString([xy[i], xy[j]])))
    node_gdf = gpd.GeoDataFrame(
        {
            "node_id": [f"FN-{k:04d}" for k in range(1, len(nodes) + 1)],
            "kind": [n[2] for n in nodes],
        },
        geometry=shapely.points(xy),
        crs=UTM,
    ).to_crs(WGS84)
    route_gdf = gpd.GeoDataFrame(
        {"route_id": [r[0] for r in routes], "kind": [r[1] for r in routes]},
        geometry=[r[2] for r in routes],
        crs=UTM,
    ).to_crs(WGS84)
    return node_gdf, route_gdf


def postal_points(
    communes: pd.DataFrame,
    cgeom: list[shapely.Geometry],
    centres_xy: np.ndarray,
    fibre_union: shapely.Geometry,
    seat_xy: dict[str, tuple[float, float]],
    elev_of: np.ndarray,
) -> gpd.GeoDataFrame:
    """One postal point per commune near its centre plus the district post offices."""
    rng = rng_for("postal")
    recs = []
    for c, row in communes.iterrows():
        for _ in range(20):
            ang, dist = rng.uniform(0, 2 * np.pi), rng.uniform(40, 300)
            p = shapely.Point(
                centres_xy[c, 0] + dist * np.sin(ang), centres_xy[c, 1] + dist * np.cos(ang)
            )
            if cgeom[c].contains(p):
                break
        else:
            p = shapely.Point(centres_xy[c])
        label = "Điểm BĐ-VHX" if row["ward_type"] == "Xã" else "Bưu cục"
        recs.append(
            (p, f"{label} {row['short']}", row["ward_code"], row["ward_type"] != "Xã", elev_of[c])
        )
    for code, (sx, sy) in seat_xy.items():
        name = "Bưu điện tỉnh Quảng Bình" if code == "450" else f"Bưu cục {SEATS[code][0]}"
        p = shapely.Point(sx + rng.uniform(-150, 150), sy + rng.uniform(-150, 150))
        c = next((i for i, g in enumerate(cgeom) if g.contains(p)), None)
        if c is None:
            continue
        recs.append((p, name, communes.at[c, "ward_code"], True, elev_of[c]))
    n = len(recs)
    near = np.array([fibre_union.distance(r[0]) <= 500.0 for r in recs])
    urban = np.array([r[3] for r in recs])
    elev = np.array([r[4] for r in recs])
    # "no" mostly for points out of fibre reach and for mountain points
    p_no = np.where(~near, 50.0, 1.0) * (1.0 + elev / 150.0) * rng.uniform(0.5, 1.5, n)
    no = np.argsort(-p_no, kind="stable")[: round(0.20 * n)]
    bb = np.full(n, "", dtype=object)
    bb[no] = "no"
    rest = np.flatnonzero(bb == "")
    p_yes = np.where(urban[rest], 2.0, 1.0) * rng.uniform(0.3, 1.0, len(rest))
    bb[rest[np.argsort(-p_yes, kind="stable")[: round(0.35 * n)]]] = "yes"
    gdf = gpd.GeoDataFrame(
        {
            "point_id": [f"BD-{k:03d}" for k in range(1, n + 1)],
            "name": [nfc(r[1]) for r in recs],
            "commune_id": [r[2] for r in recs],
            "broadband": list(bb),
        },
        geometry=[r[0] for r in recs],
        crs=UTM,
    )
    return gdf.to_crs(WGS84)


# --------------------------------------------------------------------------- writing
def write_gpkg(gdf: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    """Write a single-layer GeoPackage (replacing any old file)."""
    if path.exists():
        path.unlink()
    gdf.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")


def main() -> None:
    """Generate every file."""
    here = Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=here.parents[1] / ".." / "shared" / "realdata")
    ap.add_argument("--out", type=Path, default=here)
    args = ap.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    province = load_province(args.shared)
    province_ll = gpd.GeoSeries([province], crs=UTM).to_crs(WGS84)[0]
    communes = load_communes(args.shared)
    codes = sorted(DISTRICT_AREA)

    dem, dem_tr = build_dem(args.shared, province_ll)
    write_dem(out / "dem.tif", dem, dem_tr)
    grid = make_grid(province, dem, dem_tr)

    dlab = district_labels(grid, codes)
    clab = commune_labels(grid, dlab, codes, communes)
    vlab = village_labels(grid, clab, communes)
    vgeom = polygonize(grid, vlab, province)

    # village table (raster statistics on in-province cells)
    keys = sorted(vgeom)
    lab_in = np.where(grid.inside, vlab, 0)
    elev = ndimage.mean(grid.elev, labels=lab_in, index=keys)
    elev = np.where(np.isfinite(elev), elev, 0.0)
    geoms = [vgeom[k] for k in keys]
    cent = shapely.centroid(geoms)
    vil = pd.DataFrame(
        {
            "label": keys,
            "cidx": [k // 100 - 1 for k in keys],
            "elev": elev,
            "area_km2": shapely.area(geoms) / 1e6,
            "cx": shapely.get_x(cent),
            "cy": shapely.get_y(cent),
        }
    )
    seat_xy = {c: ll_to_utm(*SEATS[c][1:]) for c in codes}
    vil["population"] = village_population(communes, vil, seat_xy)
    vil["name"] = village_names(communes, vil)
    vil["village_id"] = [
        f"{communes.at[c, 'ward_code']}-{k:02d}"
        for c, k in zip(vil["cidx"], vil.groupby("cidx").cumcount() + 1, strict=True)
    ]

    # communes
    cgeom = [
        shapely.make_valid(shapely.union_all([geoms[i] for i in np.flatnonzero(vil["cidx"] == c)]))
        for c in range(len(communes))
    ]
    cgeom = [
        shapely.MultiPolygon([p for p in shapely.get_parts(g) if p.geom_type == "Polygon"])
        for g in cgeom
    ]
    cgeom = [g.geoms[0] if len(g.geoms) == 1 else g for g in cgeom]
    comm_gdf = gpd.GeoDataFrame(
        {
            "commune_id": communes["ward_code"],
            "name": communes["ward_name"],
            "type": communes["ward_type"],
            "district_id": communes["district_code"],
            "district": communes["district_name"],
            "province": PROVINCE,
        },
        geometry=cgeom,
        crs=UTM,
    )
    write_gpkg(comm_gdf.to_crs(VN2000), out / "communes.gpkg", "communes")

    # commune centres: seat if inside, else the densest village's interior point
    centres = np.zeros((len(communes), 2))
    vil["density"] = vil["population"] / np.maximum(vil["area_km2"], 0.01)
    for c in range(len(communes)):
        seat_in = [xy for xy in seat_xy.values() if cgeom[c].contains(shapely.Point(xy))]
        if seat_in:
            centres[c] = seat_in[0]
            continue
        vs = vil.index[vil["cidx"] == c]
        best = vs[np.argmax(vil.loc[vs, "density"].to_numpy())]
        p = shapely.point_on_surface(geoms[best])
        centres[c] = (p.x, p.y)
    unconnected = pick_unconnected(communes, centres)
    fibre_flag = np.full(len(communes), "", dtype=object)
    fibre_flag[unconnected] = "no"
    rng = rng_for("centre-flags")
    urban_idx = communes.index[communes["ward_type"] != "Xã"].to_numpy()
    fibre_flag[rng.choice(urban_idx, 6, replace=False)] = "yes"
    centre_gdf = gpd.GeoDataFrame(
        {
            "commune_id": communes["ward_code"],
            "name": ["UBND " + n for n in communes["ward_name"]],
            "fibre": fibre_flag,
        },
        geometry=shapely.points(centres),
        crs=UTM,
    ).to_crs(WGS84)
    write_gpkg(centre_gdf, out / "centres.gpkg", "centres")

    vil_gdf = gpd.GeoDataFrame(
        {
            "village_id": vil["village_id"],
            "name": vil["name"],
            "commune_id": communes.loc[vil["cidx"], "ward_code"].to_numpy(),
            "population": vil["population"].astype("int64"),
        },
        geometry=geoms,
        crs=UTM,
    ).to_crs(WGS84)
    write_gpkg(vil_gdf, out / "villages.gpkg", "villages")

    # sites
    sites = place_sites(grid, vlab, vil, communes, centres)
    rows = site_rows(sites, seat_xy, communes["district_code"].to_numpy())
    with open(out / "sites.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=SITE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    # fibre and postal
    nodes, routes = fibre_network(communes, centres, sites, unconnected, seat_xy, province)
    write_gpkg(nodes, out / "fibre_nodes.gpkg", "fibre_nodes")
    write_gpkg(routes, out / "fibre_routes.gpkg", "fibre_routes")
    fibre_union = shapely.union_all(
        list(nodes.to_crs(UTM).geometry) + list(routes.to_crs(UTM).geometry)
    )
    elev_c = vil.groupby("cidx")["elev"].mean().reindex(range(len(communes))).fillna(0).to_numpy()
    postal = postal_points(communes, cgeom, centres, fibre_union, seat_xy, elev_c)
    write_gpkg(postal, out / "postal.gpkg", "postal")

    print(
        f"communes={len(comm_gdf)} villages={len(vil_gdf)} "
        f"population={int(vil['population'].sum())} sites={len(sites)} rows={len(rows)} "
        f"fibre_nodes={len(nodes)} routes={len(routes)} postal={len(postal)} "
        f"dem_max={int(dem.max())}"
    )


if __name__ == "__main__":
    main()
