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
import network
import numpy as np
import pandas as pd
import rasterio
import real_communes
import relief
import roads as roadnet
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
PROVINCE = "Tỉnh Quảng Bình"

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


# --------------------------------------------------------------------------- communes
def load_communes(build: real_communes.Build) -> tuple[pd.DataFrame, list[shapely.Geometry]]:
    """The 145 real communes (table sorted by GSO code, polygons in UTM)."""
    c = build.communes.sort_values("code_2024", kind="stable").reset_index(drop=True)
    table = pd.DataFrame(
        {
            "ward_code": c["code_2024"].astype(str),
            "ward_name": c["ward_name"].map(nfc),
            "ward_type": c["ward_type"].map(nfc),
            "district_code": c["district_code"].astype(str),
            "district_name": c["district_name"].map(nfc),
            "population": c["population_scaled"].astype("int64"),
        }
    )
    table["short"] = table["ward_name"].map(short_name)
    geoms = [shapely.make_valid(g) for g in c.to_crs(UTM).geometry]
    return table, geoms


def label_raster(grid: Grid, geoms: list[shapely.Geometry]) -> np.ndarray:
    """Label (index + 1, 0 outside) of each working-grid cell whose centre lies in a geometry."""
    return rasterize(
        ((g, i + 1) for i, g in enumerate(geoms)),
        out_shape=grid.shape,
        transform=grid.transform,
        fill=0,
        dtype="int32",
    )


# --------------------------------------------------------------------------- villages
def village_count(urban: bool, mean_elev: float, rng: np.random.Generator) -> int:
    """Villages per commune: fewer, larger ones in the mountains."""
    if urban:
        return int(rng.integers(8, 13))
    if mean_elev > 250:
        return int(rng.integers(8, 11))
    return int(rng.integers(9, 13))


def village_polygons(
    grid: Grid, clab: np.ndarray, communes: pd.DataFrame, cpoly: list[shapely.Geometry]
) -> dict[int, shapely.Geometry]:
    """Villages tessellating each real commune (label c*100+k, c = row + 1).

    Seeds are density-weighted (people live low) and Lloyd-relaxed on the commune's cells;
    each village is the part of the commune nearest its seed in smoothly warped coordinates
    (so that borders wiggle), vectorised on the 100 m grid, simplified as a coverage and cut
    by the real commune polygon, so the villages tile the commune exactly.
    """
    qx, qy = warp(grid, 4, 180.0, "village-warp")
    rng = rng_for("village-seeds")
    cflat = clab.ravel()
    order = np.argsort(cflat, kind="stable")
    bounds = np.searchsorted(cflat[order], np.arange(len(communes) + 2))
    flat_in = grid.inside.ravel()
    inv = ~grid.transform
    out: dict[int, shapely.Geometry] = {}
    for c in range(1, len(communes) + 1):
        poly = cpoly[c - 1]
        cells = order[bounds[c] : bounds[c + 1]]
        in_c = cells[flat_in[cells]]
        urban = communes.at[c - 1, "ward_type"] != "Xã"
        elev = grid.elev.ravel()[in_c]
        n = village_count(urban, float(elev.mean()) if len(elev) else 0.0, rng)
        n = min(n, len(in_c))
        if n <= 1:
            out[c * 100 + 1] = poly
            continue
        pts = np.column_stack([qx.ravel()[in_c], qy.ravel()[in_c]])
        dens = np.ones(len(in_c)) if urban else np.exp(-elev / 100.0) + 0.02
        init = pts[rng.choice(len(pts), n, replace=False, p=dens / dens.sum())]
        seeds = lloyd(init, pts, dens, 0, 5)
        seeds = seeds[np.lexsort((seeds[:, 0], -seeds[:, 1]))]
        # label a window around the commune by nearest seed, vectorise, cut by the polygon
        minx, miny, maxx, maxy = poly.bounds
        c0, r0 = (int(v) - 3 for v in inv * (minx, maxy))
        c1, r1 = (int(v) + 4 for v in inv * (maxx, miny))
        r0, c0 = max(r0, 0), max(c0, 0)
        r1, c1 = min(r1, grid.shape[0]), min(c1, grid.shape[1])
        wx, wy = qx[r0:r1, c0:c1], qy[r0:r1, c0:c1]
        _, nearest = cKDTree(seeds).query(np.column_stack([wx.ravel(), wy.ravel()]))
        lab = (nearest + 1).reshape(wx.shape).astype(np.int32)
        wtr = grid.transform * rasterio.Affine.translation(c0, r0)
        parts: dict[int, list] = {}
        for geom, value in shapes(lab, transform=wtr, connectivity=4):
            parts.setdefault(int(value), []).append(shapely.geometry.shape(geom))
        keys = sorted(parts)
        geoms = np.array([shapely.union_all(parts[k]) for k in keys], dtype=object)
        geoms = shapely.coverage_simplify(geoms, 80.0)
        cut = shapely.make_valid(shapely.intersection(geoms, poly))
        out.update(_merge_fragments(c, keys, cut))
    return out


def _merge_fragments(c: int, keys: list[int], geoms: np.ndarray) -> dict[int, shapely.Geometry]:
    """Keep each village's largest part; give its other parts to the village of the same
    commune they share the longest border with (one polygon per village)."""
    main: dict[int, shapely.Geometry] = {}
    loose: list[shapely.Geometry] = []
    for k, g in zip(keys, geoms, strict=True):
        polys = sorted(
            (p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and p.area > 0),
            key=lambda p: -p.area,
        )
        if polys:
            main[k] = polys[0]
            loose += polys[1:]
    for p in loose:
        best = max(main, key=lambda k: (shapely.length(shapely.intersection(main[k], p)), -k))
        main[best] = shapely.union_all([main[best], p])
    out = {}
    for k, g in main.items():
        g = shapely.make_valid(g)
        polys = [q for q in shapely.get_parts(g) if q.geom_type == "Polygon"]
        out[c * 100 + k] = polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
    return out


def village_population(communes: pd.DataFrame, vil: pd.DataFrame, seats: dict) -> np.ndarray:
    """Each commune's census population shared among its villages: towns and valleys dense,
    mountains sparse, at least 35 people a village; the commune totals are kept exactly."""
    rng = rng_for("population")
    urban = vil["urban"].to_numpy()
    dist_code = communes.loc[vil["cidx"], "district_code"].to_numpy()
    dens = np.exp(-vil["elev"].to_numpy() / 180.0) + 0.03
    dens *= np.where(urban, 6.0, 1.0)
    sx = np.array([seats[c][0] for c in dist_code])
    sy = np.array([seats[c][1] for c in dist_code])
    dseat = np.hypot(vil["cx"].to_numpy() - sx, vil["cy"].to_numpy() - sy)
    dens *= 1.0 + 3.0 * np.exp(-((dseat / 4000.0) ** 2))
    weight = dens * np.sqrt(vil["area_km2"].to_numpy() + 0.2) * rng.lognormal(0, 0.3, len(vil))
    pop = np.zeros(len(vil), dtype=np.int64)
    cidx = vil["cidx"].to_numpy()
    for c, total in enumerate(communes["population"].to_numpy()):
        m = np.flatnonzero(cidx == c)
        floor = min(35, int(total) // len(m))
        rest = int(total) - floor * len(m)
        share = weight[m] / weight[m].sum() * rest
        base = np.floor(share).astype(np.int64)
        short = rest - int(base.sum())
        base[np.argsort(-(share - base), kind="stable")[:short]] += 1
        pop[m] = floor + base
    return pop


def write_crosswalk(shared: Path, codes: pd.Series, path: Path) -> None:
    """The 2024 -> 2025 crosswalk of the demo's communes, as a planner would get it."""
    mapping = pd.read_csv(shared / "admin/commune_mapping_2025_qb_qt.csv", dtype=str)
    new_units = pd.read_csv(shared / "admin/qt2025_communes.csv", dtype=str)
    mapping = mapping[mapping["old_ward_code"].isin(set(codes))]
    table = mapping.merge(
        new_units[["ward_code", "province_name"]],
        left_on="new_ward_code",
        right_on="ward_code",
        how="left",
    )
    out = pd.DataFrame(
        {
            "old_commune_id": table["old_ward_code"],
            "new_commune_id": table["new_ward_code"],
            "new_name": table["new_ward_name"].map(nfc),
            "new_province": table["province_name"].map(nfc),
        }
    ).sort_values(["old_commune_id", "new_commune_id"], kind="stable")
    out.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


# --------------------------------------------------------------------------- sites
def site_rows(
    sites: list[network.Site], seat_xy: dict[str, tuple[float, float]], dist_of: np.ndarray
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
    mountain_ids = [i for i, s in enumerate(sites) if s.cls == "mountain"]
    long_range = set(mountain_ids[:: max(1, len(mountain_ids) // 6)][:6])
    lon, lat = _TO_LL.transform([s.x for s in sites], [s.y for s in sites])
    rows = []
    for i, s in enumerate(sites):
        techs = list(zip(s.techs, s.eirp, strict=True))
        if i in five_g:
            techs.append((("5G", five_g[i]), round(float(rng.uniform(60.0, 62.0)), 1)))
        for (tech, f), eirp in techs:
            rng_m = "10000" if (i in long_range and tech == "2G") else ""
            for az in s.sectors:
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


def lay_out_sites(
    out: Path,
    grid: Grid,
    vil: pd.DataFrame,
    vgeoms: list[shapely.Geometry],
    roads: gpd.GeoDataFrame,
) -> list[network.Site]:
    """Capacity sites, then coverage sites chosen with the terrain model (network.py)."""
    villages = gpd.GeoDataFrame(geometry=vgeoms, crs=UTM)
    fp = network.Footprints(str(out / "dem.tif"), UTM, tuple(villages.total_bounds))
    vid = network.village_raster(villages, fp.grid)
    vlab = label_raster(grid, vgeoms).ravel()
    has = np.flatnonzero(vlab > 0)
    cells: dict[int, np.ndarray] = {}
    xy = np.column_stack([grid.x.ravel()[has], grid.y.ravel()[has]])
    order = np.argsort(vlab[has], kind="stable")
    starts = np.searchsorted(vlab[has][order], np.arange(1, len(vil) + 2))
    for v in range(len(vil)):
        cells[v] = xy[order[starts[v] : starts[v + 1]]]
    capacity = network.capacity_sites(vil, cells, rng_for("capacity"))
    base = fp.flat(capacity)
    todo = network.village_shares(vid, base) < 0.5
    cands = network.candidates(grid, villages, roads, vil, todo, rng_for("candidates"))
    print(f"sites: {len(capacity)} for capacity, {len(cands)} coverage candidates")
    chosen = network.greedy_cover(fp, vid, vil["population"].to_numpy(), base, cands)
    print(f"sites: {len(chosen)} chosen for coverage")
    return capacity + [cands[k] for k in chosen]


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
    sites: list[network.Site],
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

    build = real_communes.build_communes(args.shared)
    if build.problems:
        raise SystemExit("real communes: " + "; ".join(build.problems))
    communes, cpoly = load_communes(build)
    province = shapely.make_valid(shapely.union_all(cpoly))
    province_ll = gpd.GeoSeries([province], crs=UTM).to_crs(WGS84)[0]

    dem, dem_tr, dem_class = relief.build_dem(args.shared, province_ll, rng_for("dem"))
    relief.write_dem(out / "dem.tif", dem, dem_tr)
    within = rasterize([(province_ll, 1)], out_shape=dem.shape, transform=dem_tr).astype(bool)
    for r in relief.slope_statistics(dem, dem_tr, dem_class, within):
        print(
            f"relief {r['class']:<9} {100 * r['area_share']:5.1f}% of the area, elevation "
            f"median {r['elev_median_m']:.0f} m (p95 {r['elev_p95_m']:.0f}), slope median "
            f"{r['slope_median_deg']:.1f}° (p90 {r['slope_p90_deg']:.1f}°), "
            f"{100 * r['steeper_than_30']:.1f}% steeper than 30°"
        )
    grid = make_grid(province, dem, dem_tr)
    clab = label_raster(grid, cpoly)
    vgeom = village_polygons(grid, clab, communes, cpoly)

    # village table (raster statistics on the working grid)
    keys = sorted(vgeom)
    geoms = [vgeom[k] for k in keys]
    vlab = label_raster(grid, geoms)
    elev = ndimage.mean(grid.elev, labels=vlab, index=np.arange(1, len(keys) + 1))
    cent = shapely.point_on_surface(geoms)
    vil = pd.DataFrame(
        {
            "label": keys,
            "cidx": [k // 100 - 1 for k in keys],
            "area_km2": shapely.area(geoms) / 1e6,
            "cx": shapely.get_x(cent),
            "cy": shapely.get_y(cent),
        }
    )
    # villages smaller than a cell take their point's elevation
    px = ndimage.map_coordinates(
        grid.elev,
        [
            (grid.transform.f - vil["cy"].to_numpy()) / CELL - 0.5,
            (vil["cx"].to_numpy() - grid.transform.c) / CELL - 0.5,
        ],
        order=1,
        mode="nearest",
    )
    vil["elev"] = np.where(np.isfinite(elev), elev, px)
    vil["urban"] = communes.loc[vil["cidx"], "ward_type"].to_numpy() != "Xã"
    seat_xy = {c: ll_to_utm(*SEATS[c][1:]) for c in sorted(SEATS)}
    vil["population"] = village_population(communes, vil, seat_xy)
    vil["name"] = village_names(communes, vil)
    vil["village_id"] = [
        f"{communes.at[c, 'ward_code']}-{k:02d}"
        for c, k in zip(vil["cidx"], vil.groupby("cidx").cumcount() + 1, strict=True)
    ]

    comm_gdf = gpd.GeoDataFrame(
        {
            "commune_id": communes["ward_code"],
            "name": communes["ward_name"],
            "type": communes["ward_type"],
            "district_id": communes["district_code"],
            "district": communes["district_name"],
            "province": PROVINCE,
        },
        geometry=cpoly,
        crs=UTM,
    )
    write_gpkg(comm_gdf.to_crs(VN2000), out / "communes.gpkg", "communes")
    c25 = real_communes.communes_2025(build.communes, args.shared)
    c25 = gpd.GeoDataFrame(
        {
            "commune_id": c25["code_2025"].astype(str),
            "name": c25["name"].map(nfc),
            "type": c25["type"].map(nfc),
            "province": c25["province"].map(nfc),
            "communes_2024": c25["codes_2024"],
            "official_area_km2": c25["official_area_km2"],
        },
        geometry=c25.geometry,
        crs=c25.crs,
    )
    write_gpkg(c25.to_crs(VN2000), out / "communes_2025.gpkg", "communes_2025")
    write_crosswalk(args.shared, communes["ward_code"], out / "crosswalk_2025.csv")

    # commune centres: the district seat if inside, else the densest village's interior point
    centres = np.zeros((len(communes), 2))
    vil["density"] = vil["population"] / np.maximum(vil["area_km2"], 0.01)
    for c in range(len(communes)):
        seat_in = [xy for xy in seat_xy.values() if cpoly[c].contains(shapely.Point(xy))]
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

    # roads: the real national roads and a local network to every centre and village
    targets = gpd.GeoDataFrame(
        {"kind": ["centre"] * len(communes) + ["village"] * len(vil)},
        geometry=list(shapely.points(centres)) + list(cent),
        crs=UTM,
    )
    roads = roadnet.build_roads(
        province_ll, targets, out / "dem.tif", crs=UTM, roads_path=args.shared / roadnet.ROADS_FILE
    )
    write_gpkg(roads.to_crs(VN2000), out / "roads.gpkg", "roads")

    # sites
    sites = lay_out_sites(out, grid, vil, geoms, roads)
    rows = site_rows(sites, seat_xy, communes["district_code"].to_numpy())
    with open(out / "sites.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=network.SITE_COLUMNS, lineterminator="\n")
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
    postal = postal_points(communes, cpoly, centres, fibre_union, seat_xy, elev_c)
    write_gpkg(postal, out / "postal.gpkg", "postal")

    print(
        f"communes={len(comm_gdf)} communes_2025={len(c25)} villages={len(vil_gdf)} "
        f"population={int(vil['population'].sum())} sites={len(sites)} rows={len(rows)} "
        f"roads={len(roads)} fibre_nodes={len(nodes)} routes={len(routes)} "
        f"postal={len(postal)} dem_max={int(dem.max())}"
    )


if __name__ == "__main__":
    main()
