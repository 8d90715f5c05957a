#!/usr/bin/env python
"""Roads layer for the demo province: real national roads plus a least-cost local network.

One step of issue 13. The real roads come from ``roads/vn_national_roads.gpkg`` in
``shared/realdata`` (CTU-SematX LegoCity, CC BY-SA 4.0). The local network is synthetic:
least-cost paths over the DEM's slope from every commune centre and village to the roads.

Method of the local network
---------------------------
The targets are joined in a few *rounds* (commune centres first, then villages in distance
bands). Each round is ONE multi-source shortest-path search
(``scipy.sparse.csgraph.dijkstra``, ``min_only=True``) on a 16-connected grid graph (king
and knight moves) of ``cell`` metres, whose sources are all road cells so far (national
roads, then the paths of the earlier rounds). Within a round the paths are traced back
through the predecessor array of that search, nearest target first; a trace stops at the
first cell that is already road (an earlier path of the same round, or the network), so that
shared segments are one line and the result is a Steiner-like shortest-path tree. Rounds let
later villages join the tracks of earlier, nearer villages instead of running a parallel
track to the main road. Cost per cell is ``1 + (slope / 10°)²``, ``WATER_COST`` on water
(elevation ≤ 0) and nodata; an edge costs its length times the mean cost of the cells it
crosses. Each path starts exactly at its target and ends exactly on the line it joins; it is
simplified (half a cell) and Chaikin-smoothed. Last, ``join_gaps`` links the pieces of the
real network that the source leaves unnoded (on the demo: 3 links of 3, 20 and 44 m).

Choice: a fixed number of searches (1 + ``VILLAGE_BANDS``), not one per target, keeps the
demo build at a few seconds; the price is that villages of the same band do not join each
other's tracks unless those lie on their own least-cost path.

Usage::

    python data/boundaries/roads.py /tmp/roads.gpkg [--shared ../shared/realdata]

Deterministic: two builds give the same geometries.
"""

from __future__ import annotations

import argparse
import logging
import math
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from rasterio.features import rasterize
from rasterio.transform import from_origin
from rasterio.warp import Resampling, reproject
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

logger = logging.getLogger(__name__)

WGS84 = "EPSG:4326"
ROADS_FILE = Path("roads/vn_national_roads.gpkg")
#: cap_duong → class; Asean routes (AH1, AH15, …) are national roads too.
CLASS_OF_CAP = {
    "Quốc Gia": "national",
    "Asean": "national",
    "Cấp Tỉnh": "provincial",
    "Cấp Huyện": "local",
}
CLASSES = ["national", "provincial", "local", "track"]
CLIP_BUFFER_DEG = 0.02  # ~2 km: keep the roads just outside the outline, they serve border villages
CELL_M = 250.0  # grid resolution of the least-cost search (brief: ~200-300 m)
SLOPE_REF_DEG = 10.0  # slope at which a cell costs twice a flat one
WATER_COST = (
    50.0  # per-cell cost on water / nodata: crossing is possible (bridges, ferries) but rare
)
MARGIN_M = 3000.0  # grid margin around the targets
MAX_GAP_M = 2000.0  # join pieces of the network closer than this (unnoded junctions)
SNAP_M = 1.0  # pieces closer than this are already connected
SMOOTH_ITERATIONS = 2  # Chaikin passes on each traced path
VILLAGE_BANDS = 3  # rounds for the villages, nearest band first
#: half of the 16 grid moves (the graph is symmetric) → cells passed between by knight moves
MOVES = {
    (0, 1): (),
    (1, 0): (),
    (1, 1): (),
    (1, -1): (),
    (1, 2): ((0, 1), (1, 1)),
    (2, 1): ((1, 0), (1, 1)),
    (2, -1): ((1, 0), (1, -1)),
    (1, -2): ((0, -1), (1, -1)),
}
COLUMNS = ["class", "name", "ref", "length_m"]


# --------------------------------------------------------------------------- national roads
def national_roads(
    area: shapely.Geometry, *, path: Path | str | None = None, buffer_deg: float = CLIP_BUFFER_DEG
) -> gpd.GeoDataFrame:
    """The real national roads clipped to ``area`` (EPSG:4326) plus ``buffer_deg``.

    Parameters
    ----------
    area
        Polygon in EPSG:4326.
    path
        The roads GeoPackage; default ``<repo>/../shared/realdata/roads/vn_national_roads.gpkg``.
    buffer_deg
        Clip buffer, degrees.

    Returns
    -------
    GeoDataFrame in EPSG:4326 with ``class`` (national / provincial / local), ``name``, ``ref``.
    """
    path = Path(path) if path is not None else default_shared() / ROADS_FILE
    clip = area.buffer(buffer_deg)
    raw = gpd.read_file(path, layer="roads", bbox=clip.bounds, engine="pyogrio")
    if raw.crs is None:
        raise ValueError(f"{path}: layer 'roads' has no CRS")
    raw = raw.to_crs(WGS84)
    unknown = sorted(set(raw["cap_duong"]) - set(CLASS_OF_CAP))
    if unknown:
        raise ValueError(f"{path}: unknown cap_duong {unknown}; known: {sorted(CLASS_OF_CAP)}")
    geom = shapely.intersection(raw.geometry.to_numpy(), clip)
    keep = ~shapely.is_empty(geom)
    name = raw["ten"].where(raw["ten"] != "Không biết", "").fillna("")
    out = gpd.GeoDataFrame(
        {
            "class": raw["cap_duong"].map(CLASS_OF_CAP),
            "name": name,
            "ref": raw["ref"].fillna(""),
            "gid": raw["gid"],
        },
        geometry=geom,
        crs=WGS84,
    )[keep]
    out = out.sort_values(["gid", "ref", "name"], kind="stable").drop(columns="gid")
    return out.reset_index(drop=True)


def default_shared() -> Path:
    """``<repo>/../shared/realdata``."""
    return Path(__file__).resolve().parents[2].parent / "shared" / "realdata"


# --------------------------------------------------------------------------- local network
def local_network(
    targets: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    dem_path: Path | str,
    *,
    crs: str,
    cell: float = CELL_M,
    kind: str = "kind",
    village_bands: int = VILLAGE_BANDS,
) -> gpd.GeoDataFrame:
    """Least-cost local roads from every target point to ``roads`` (see the module docstring).

    Parameters
    ----------
    targets
        Points; column ``kind`` = ``centre`` (path class ``local``) or anything else (``track``).
        Without that column every target is a village.
    roads
        The existing network (any line CRS).
    dem_path
        Elevation raster (metres; ≤ 0 or nodata is water).
    crs
        Metric CRS of the grid and of the result.
    cell
        Grid resolution, metres.
    village_bands
        Number of rounds for the villages.

    Returns
    -------
    GeoDataFrame in ``crs`` with ``class`` (local / track), ``name``, ``ref``, ``length_m``.
    """
    tg = targets.to_crs(crs)
    rd = roads.to_crs(crs)
    grid = _make_grid(tg, rd, cell, crs)
    cost = _cell_cost(grid, dem_path)
    graph = _grid_graph(cost, cell)
    ny, nx = cost.shape
    road_geoms = [g for g in rd.geometry if g is not None and not g.is_empty]
    # owner[cell] = index into `owners` of the line that makes the cell a road cell, or -1
    owner = rasterize(
        [(g, i) for i, g in enumerate(road_geoms)],
        out_shape=(ny, nx),
        transform=grid["transform"],
        all_touched=True,
        dtype="int32",
        fill=-1,
    ).ravel()
    network = owner >= 0
    owners: list[shapely.Geometry] = list(road_geoms)
    if not network.any():
        raise ValueError("local_network: no road of 'roads' lies on the grid around the targets")
    xs = shapely.get_x(tg.geometry.to_numpy())
    ys = shapely.get_y(tg.geometry.to_numpy())
    tcol = np.floor((xs - grid["x0"]) / cell).astype(np.int64)
    trow = np.floor((grid["y1"] - ys) / cell).astype(np.int64)
    tnode = trow * nx + tcol
    is_centre = (tg[kind] == "centre").to_numpy() if kind in tg.columns else np.zeros(len(tg), bool)

    # rounds: centres, then villages in distance bands (distance from the first search)
    dist0, pred0 = _search(graph, network)
    rounds = [np.flatnonzero(is_centre)]
    vil = np.flatnonzero(~is_centre)
    if len(vil):
        order = vil[np.lexsort((vil, dist0[tnode[vil]]))]
        rounds += [b for b in np.array_split(order, max(village_bands, 1)) if len(b)]
    lines: list[shapely.LineString] = []
    classes: list[str] = []
    for k, members in enumerate(rounds):
        if not len(members):
            continue
        dist, pred = (dist0, pred0) if k == 0 else _search(graph, network)
        order = members[np.lexsort((members, dist[tnode[members]]))]
        for t in order:
            cells = _trace(int(tnode[t]), pred, network)
            if len(cells) < 2:
                continue  # already on a road cell
            r, c = np.divmod(np.asarray(cells), nx)
            px = grid["x0"] + (c + 0.5) * cell
            py = grid["y1"] - (r + 0.5) * cell
            # start exactly at the target, end exactly on the road it joins
            joint = shapely.shortest_line(shapely.points(px[-1], py[-1]), owners[owner[cells[-1]]])
            end = shapely.get_coordinates(joint)[-1]
            coords = np.column_stack(
                [np.r_[xs[t], px[1:-1], end[0]], np.r_[ys[t], py[1:-1], end[1]]]
            )
            line = _smooth(shapely.simplify(shapely.linestrings(coords), cell * 0.5))
            new = cells[:-1]
            network[new] = True
            owner[new] = len(owners)
            owners.append(line)
            lines.append(line)
            classes.append("local" if is_centre[t] else "track")
    out = gpd.GeoDataFrame(
        {"class": classes, "name": "", "ref": ""},
        geometry=gpd.GeoSeries(lines, crs=crs),
        crs=crs,
    )
    out["length_m"] = out.geometry.length
    return out[[*COLUMNS, "geometry"]]


def _smooth(line: shapely.LineString, iterations: int = SMOOTH_ITERATIONS) -> shapely.LineString:
    """Chaikin corner cutting, end points kept: removes the grid's stair steps."""
    xy = shapely.get_coordinates(line)
    for _ in range(iterations):
        if len(xy) < 3:
            break
        a, b = xy[:-1], xy[1:]
        cut = np.empty((2 * len(a), 2))
        cut[0::2] = 0.75 * a + 0.25 * b
        cut[1::2] = 0.25 * a + 0.75 * b
        xy = np.vstack([xy[:1], cut[1:-1], xy[-1:]])
    return shapely.linestrings(xy)


def _make_grid(tg: gpd.GeoDataFrame, rd: gpd.GeoDataFrame, cell: float, crs: str) -> dict:
    """Grid around the targets and roads (plus margin), snapped to ``cell``."""
    tb, rb = tg.total_bounds, rd.total_bounds
    minx, miny = min(tb[0], rb[0]), min(tb[1], rb[1])
    maxx, maxy = max(tb[2], rb[2]), max(tb[3], rb[3])
    x0 = math.floor((minx - MARGIN_M) / cell) * cell
    y1 = math.ceil((maxy + MARGIN_M) / cell) * cell
    nx = math.ceil((maxx + MARGIN_M - x0) / cell)
    ny = math.ceil((y1 - miny + MARGIN_M) / cell)
    tr = from_origin(x0, y1, cell, cell)
    return {"x0": x0, "y1": y1, "shape": (ny, nx), "transform": tr, "crs": crs}


def _cell_cost(grid: dict, dem_path: Path | str) -> np.ndarray:
    """Per-cell travel cost ``1 + (slope/10°)²``; water and nodata cost ``WATER_COST``."""
    ny, nx = grid["shape"]
    elev = np.full((ny, nx), np.nan, dtype=np.float64)
    with rasterio.open(dem_path) as src:
        if src.crs is None:
            raise ValueError(f"{dem_path}: DEM has no CRS")
        reproject(
            source=rasterio.band(src, 1),
            destination=elev,
            dst_transform=grid["transform"],
            dst_crs=grid["crs"],
            dst_nodata=np.nan,
            resampling=Resampling.average,
        )
    cell = grid["transform"].a
    filled = np.where(np.isfinite(elev), elev, 0.0)
    gy, gx = np.gradient(filled, cell)
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    cost = 1.0 + (slope / SLOPE_REF_DEG) ** 2
    water = ~np.isfinite(elev) | (elev <= 0.0)
    return np.where(water, WATER_COST, cost)


def _grid_graph(cost: np.ndarray, cell: float) -> sparse.csr_matrix:
    """16-connected grid graph (king + knight moves, fewer stair steps than 8-connected).

    An edge costs its length times the mean cost of the cells it crosses: its two end cells
    and, for a knight move, the two cells it passes between (so it cannot jump a ridge cell).
    """
    ny, nx = cost.shape
    flat = cost.ravel()
    idx = np.arange(ny * nx).reshape(ny, nx)
    rows, cols, w = [], [], []
    for (dr, dc), middle in MOVES.items():
        a = idx[0 : ny - dr, max(0, -dc) : nx - max(0, dc)].ravel()
        b = a + dr * nx + dc
        crossed = [flat[a], flat[b]] + [flat[a + mr * nx + mc] for mr, mc in middle]
        wt = cell * math.hypot(dr, dc) * np.mean(crossed, axis=0)
        rows += [a, b]
        cols += [b, a]
        w += [wt, wt]
    n = ny * nx
    return sparse.csr_matrix(
        (np.concatenate(w), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    )


def _search(graph: sparse.csr_matrix, network: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One multi-source Dijkstra from every network cell: distance and predecessor."""
    dist, pred, _ = dijkstra(
        graph, directed=True, indices=np.flatnonzero(network), min_only=True,
        return_predecessors=True,
    )  # fmt: skip
    return dist, pred


def _trace(start: int, pred: np.ndarray, network: np.ndarray) -> list[int]:
    """Cells from ``start`` back to the first network cell (included)."""
    cells = [start]
    node = start
    while not network[node]:
        node = int(pred[node])
        if node < 0:
            break
        cells.append(node)
    return cells


# --------------------------------------------------------------------------- both
def build_roads(
    area: shapely.Geometry,
    targets: gpd.GeoDataFrame,
    dem_path: Path | str,
    *,
    crs: str,
    roads_path: Path | str | None = None,
) -> gpd.GeoDataFrame:
    """National roads in ``area`` plus the local network to ``targets``, one layer in ``crs``.

    Returns
    -------
    GeoDataFrame with ``class`` (national / provincial / local / track), ``name``, ``ref``,
    ``length_m``.
    """
    nat = national_roads(area, path=roads_path).to_crs(crs)
    nat["length_m"] = nat.geometry.length
    loc = local_network(targets, nat, dem_path, crs=crs)
    out = pd.concat([nat[[*COLUMNS, "geometry"]], loc], ignore_index=True)
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=crs)
    gaps = join_gaps(out)
    out = pd.concat([out, gaps], ignore_index=True) if len(gaps) else out
    return gpd.GeoDataFrame(out, geometry="geometry", crs=crs)


def join_gaps(roads: gpd.GeoDataFrame, *, max_gap: float = MAX_GAP_M) -> gpd.GeoDataFrame:
    """Short ``local`` links that join the network's separate pieces (Kruskal over pieces).

    The source does not node its roads: on the demo, three junctions miss by 3 to 44 m
    (the local paths, which end exactly on a road, join the rest). Pieces closer than
    ``max_gap`` (metres, metric CRS) are joined by their shortest line, nearest pairs first,
    until they are one network.
    """
    pieces = shapely.get_parts(shapely.union_all(roads.geometry.buffer(SNAP_M).to_numpy()))
    k = len(pieces)
    pairs = sorted(
        (float(shapely.distance(pieces[i], pieces[j])), i, j)
        for i in range(k)
        for j in range(i + 1, k)
    )
    parent = list(range(k))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    links = []
    for gap, i, j in pairs:
        if gap > max_gap:
            break
        ri, rj = root(i), root(j)
        if ri == rj:
            continue
        parent[max(ri, rj)] = min(ri, rj)
        a, b = shapely.get_coordinates(shapely.shortest_line(pieces[i], pieces[j]))[[0, -1]]
        # extend the link across the buffer so that it touches both roads
        u = (b - a) / max(float(np.hypot(*(b - a))), 1e-9)
        links.append(shapely.linestrings([a - SNAP_M * u, b + SNAP_M * u]))
    out = gpd.GeoDataFrame(
        {"class": "local", "name": "", "ref": ""},
        index=range(len(links)),
        geometry=gpd.GeoSeries(links, crs=roads.crs),
        crs=roads.crs,
    )
    out["length_m"] = out.geometry.length
    return out[[*COLUMNS, "geometry"]]


# --------------------------------------------------------------------------- demo
def demo_inputs(here: Path) -> tuple[shapely.Geometry, gpd.GeoDataFrame, Path, str]:
    """Outline (EPSG:4326), targets, DEM and CRS of the current demo in ``here``."""
    communes = gpd.read_file(here / "communes.gpkg", engine="pyogrio")
    area = communes.to_crs(WGS84).union_all()
    centres = gpd.read_file(here / "centres.gpkg", engine="pyogrio").to_crs(communes.crs)
    villages = gpd.read_file(here / "villages.gpkg", engine="pyogrio").to_crs(communes.crs)
    targets = gpd.GeoDataFrame(
        {"kind": ["centre"] * len(centres) + ["village"] * len(villages)},
        geometry=list(centres.geometry) + list(villages.geometry.representative_point()),
        crs=communes.crs,
    )
    return area, targets, here / "dem.tif", str(communes.crs)


def main() -> None:
    """Build the roads of the current demo into the path given on the command line."""
    here = Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--shared", type=Path, default=default_shared())
    args = ap.parse_args()
    t0 = time.perf_counter()
    area, targets, dem, crs = demo_inputs(here)
    roads = build_roads(area, targets, dem, crs=crs, roads_path=args.shared / ROADS_FILE)
    elapsed = time.perf_counter() - t0
    if args.out.exists():
        args.out.unlink()
    roads.to_file(args.out, layer="roads", driver="GPKG", engine="pyogrio")
    per = roads.groupby("class")["length_m"].sum().reindex(CLASSES).fillna(0.0)
    for cls, m in per.items():
        print(f"{cls:<11}{m / 1000:9.1f} km")
    print(
        f"{'total':<11}{per.sum() / 1000:9.1f} km  {len(roads)} features  built in {elapsed:.1f} s"
    )


if __name__ == "__main__":
    main()
