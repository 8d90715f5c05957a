"""The partitioned pipeline: a run's heavy work cut into independent tasks.

Raster models (``hata``, ``terrain``, ``itm``)
    The sites are cut into blocks by the tile of :data:`TILE_PIXELS` their mast stands in.
    A block's task runs the existing kernels (:func:`coverage.models.raster.run_site_on`)
    for its sites, each once, with their windows cut to the *village pixels* (the pixel
    centres inside a village and each village's representative point: every pixel the
    village rule reads), on the window of the DEM their radials cross; it returns those
    pixels' best-server signal and server count. The run combines the blocks (maxima and
    sums: pixels near a block's edge are reached from several) into its rasters and
    measures the villages exactly as a serial run does. (Cutting the pixels into tiles
    instead would walk a radial crossing several tiles once per tile: 20 % more work
    nationally.)
Range model
    Villages are cut into square blocks of :data:`BLOCK_M` by their representative points.
    A block's task predicts the footprints of the site rows that reach the block and
    measures its villages.

Every number equals the serial run's bit for bit, whatever the tiles and the workers:

- a pixel's signal depends only on its radial's samples, which a cut window reads at the
  same places (:func:`coverage.models.raster.crop_to`), from a DEM window that keeps the
  grid's corner (:class:`coverage.radio.engine.Terrain` ``row0``/``col0``), so every
  position is computed as on the whole grid; the site table (ground heights, radii) is
  computed once, on the whole grid, before the tasks;
- best servers combine by maximum and server counts by sums: both exact in any order;
- a village's share under the range model depends only on the footprints touching it, in
  the input order (:func:`coverage.overlay.covered_share`).

The DEM and the layers are read by the process that starts the run; the tasks carry
their arrays, so workers need no shared storage (see the README's deployment section).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely

from .models.range import predict as predict_range
from .models.range import range_info, site_ranges
from .models.raster import (
    RasterPrediction,
    _report_terrain,
    _setup,
    _Site,
    crop_to,
    raster_info,
    run_site_on,
)
from .models.terrain import grid_and_kernel, kernel_for
from .radio.engine import Terrain
from .settings import TECHNOLOGIES, Settings

if TYPE_CHECKING:
    from .cluster import Executor
    from .pipeline import Prepared

log = logging.getLogger(__name__)

#: Side of the tile whose masts make one raster task, in pixels (46 km at 90 m: about 240
#: tasks for Vietnam).
TILE_PIXELS = 512
#: Side of a range-model block of villages, in metres.
BLOCK_M = 40_000.0
#: Pixels of DEM kept around a site's mast and windows: radial samples fall within half a
#: pixel of the pixels that read them, and bilinear heights read one pixel further.
DEM_MARGIN_PX = 3
#: A testing aid: a task whose name is listed here (comma-separated) fails every time;
#: with ``COVERAGE_TEST_FAIL_ONCE=DIR`` every task fails on its first try (a marker file
#: per task in DIR remembers the try). Both are read by the worker running the task.
FAIL_ENV, FAIL_ONCE_ENV = "COVERAGE_TEST_FAIL_TASKS", "COVERAGE_TEST_FAIL_ONCE"

Progress = Callable[[int, int], None]


# --- raster models ---------------------------------------------------------------------


@dataclass
class RasterTile:
    """One raster task: a block of sites (windows cut to the village pixels, their
    site-table rows renumbered), the village pixels they may reach and the DEM window
    their radials cross."""

    name: str
    model: str
    settings: Settings
    width: int  # of the whole grid
    table: dict[str, np.ndarray]
    sites: list[_Site]
    dem: np.ndarray
    village: np.ndarray  # over the DEM window: True at the village pixels
    corner: tuple[float, float, float]  # x0, y0, res of the whole grid
    offset: tuple[int, int]  # the DEM window's first row and column on the grid

    @property
    def pixels(self) -> np.ndarray:
        """The village pixels the task may reach: flat indices on the grid, ascending."""
        rows, cols = np.nonzero(self.village)
        return (rows + self.offset[0]).astype(np.int64) * self.width + (cols + self.offset[1])


@dataclass
class TileResult:
    """A raster task's answer: per technology, the best signal and the server count of its
    sites at its pixels, and the sites whose radials met DEM voids."""

    name: str
    pixels: np.ndarray
    best: dict[str, np.ndarray]
    count: dict[str, np.ndarray]
    void_sites: list[str]
    seconds: float


def village_pixels(prediction: RasterPrediction, villages: gpd.GeoDataFrame) -> np.ndarray:
    """Every pixel the village rule reads: the pixel centres inside each village polygon
    and the pixel of each village's representative point (flat indices, ascending)."""
    geoms = villages.geometry.to_numpy()
    polys = shapely.get_type_id(geoms) != 0
    parts = [prediction.pixel_of(shapely.point_on_surface(geoms))]
    if polys.any():
        parts.append(prediction.zones(geoms[polys])[0])
    pixels = np.unique(np.concatenate(parts))
    return pixels[pixels >= 0]


def raster_tiles(
    prepared: Prepared, *, tile_pixels: int = TILE_PIXELS
) -> tuple[RasterPrediction, list[RasterTile], list[_Site], list[str]]:
    """Cut a raster run into tasks: blocks of sites by the tile their mast stands in.

    Returns the run's (empty) prediction on the whole grid, the tasks, the whole run's
    work per site (for ``info``) and the sites standing off the DEM (refused)."""
    settings = prepared.settings
    model = prepared.model.name
    sites = prepared.projected.sites.frame
    area = tuple(prepared.villages.total_bounds)
    grid, kernel = grid_and_kernel(model, sites, settings=settings, area=area)
    table, terrain, work, _run = _setup(sites, grid, settings, kernel)
    shape = grid.shape
    techs = [t for t in TECHNOLOGIES if (table["tech"] == t).any()]
    thresholds = {t: float(settings.thresholds_dbm[t]) for t in techs}
    prediction = RasterPrediction(
        {t: np.full(shape, np.nan, dtype=np.float32) for t in techs},
        {t: np.zeros(shape, dtype=np.uint16) for t in techs},
        thresholds,
        grid.transform,
        grid.crs,
        model,
        raster_info(grid, settings, kernel, work, techs),
    )
    ground = table["ground"][[site.first for site in work]]
    off = np.isnan(ground) | (ground < -1.0e4)
    outside = [str(table["site_id"][work[i].first]) for i in np.flatnonzero(off)]
    live = [site for site, gone in zip(work, off, strict=True) if not gone]
    pixels = village_pixels(prediction, prepared.villages)
    width = shape[1]
    rows, cols = pixels // width, pixels % width
    boxes = _site_boxes(live)
    first = np.array([site.first for site in live], dtype=np.int64)
    mast_r = np.floor((terrain.y0 - table["y"][first]) / terrain.res).astype(np.int64)
    mast_c = np.floor((table["x"][first] - terrain.x0) / terrain.res).astype(np.int64)
    n_cols = (width + tile_pixels - 1) // tile_pixels
    key = (mast_r // tile_pixels) * n_cols + mast_c // tile_pixels
    order = np.argsort(key, kind="stable")
    cuts = np.flatnonzero(np.diff(key[order])) + 1
    tiles = []
    for members in np.split(order, cuts):
        box = boxes[members]
        r_lo, r_hi = int(box[:, 0].min()), int(box[:, 1].max())
        c_lo, c_hi = int(box[:, 2].min()), int(box[:, 3].max())
        lo, hi = np.searchsorted(rows, [r_lo, r_hi])
        sel = lo + np.flatnonzero((cols[lo:hi] >= c_lo) & (cols[lo:hi] < c_hi))
        if len(sel) == 0:
            continue  # no village within these sites' reach
        cut = crop_to([live[i] for i in members], rows[sel], cols[sel])
        keep = [site for site in cut if any(w[2] > 0 for w in site.windows)]
        if not keep:
            continue
        t_row, t_col = divmod(int(key[members[0]]), n_cols)
        name = (
            f"tile r{t_row}c{t_col} ({len(keep)} sites with masts in grid rows "
            f"{t_row * tile_pixels}-{min((t_row + 1) * tile_pixels, shape[0]) - 1}, columns "
            f"{t_col * tile_pixels}-{min((t_col + 1) * tile_pixels, width) - 1})"
        )
        tiles.append(_raster_tile(name, model, settings, pixels[sel], width, table, keep, terrain))
    return prediction, tiles, work, outside


def _site_boxes(work: list[_Site]) -> np.ndarray:
    """Each site's box of windows: first row, end row, first column, end column."""
    out = np.zeros((len(work), 4), dtype=np.int64)
    for i, site in enumerate(work):  # a loop over sites, once per run
        w = np.array([win[:4] for win in site.windows], dtype=np.int64)
        out[i] = (
            w[:, 0].min(),
            (w[:, 0] + w[:, 2]).max(),
            w[:, 1].min(),
            (w[:, 1] + w[:, 3]).max(),
        )
    return out


def _raster_tile(
    name: str,
    model: str,
    settings: Settings,
    pixels: np.ndarray,
    width: int,
    table: dict,
    sites: list[_Site],
    terrain: Terrain,
) -> RasterTile:
    """The task of one block of sites: their table rows renumbered, the DEM window their
    radials cross and the village pixels (of ``pixels``) in it: a pixel outside it is in
    none of the sites' cut windows."""
    used = np.unique(
        np.array([i for site in sites for rows in site.masts for i in rows], dtype=np.int64)
    )
    new = {int(old): k for k, old in enumerate(used)}
    renumbered = [
        site._replace(first=new[site.first], masts=[[new[i] for i in rows] for rows in site.masts])
        for site in sites
    ]
    sub = {key: values[used] for key, values in table.items()}
    height, grid_width = terrain.dem.shape
    if sites:
        wins = np.array([w[:4] for site in sites for w in site.windows if w[2] > 0])
        # the masts: every radial starts there
        mast_r = np.floor((terrain.y0 - table["y"][used]) / terrain.res).astype(np.int64)
        mast_c = np.floor((table["x"][used] - terrain.x0) / terrain.res).astype(np.int64)
        r_lo = min(int(wins[:, 0].min()), int(mast_r.min())) - DEM_MARGIN_PX
        r_hi = max(int((wins[:, 0] + wins[:, 2]).max()), int(mast_r.max()) + 1) + DEM_MARGIN_PX
        c_lo = min(int(wins[:, 1].min()), int(mast_c.min())) - DEM_MARGIN_PX
        c_hi = max(int((wins[:, 1] + wins[:, 3]).max()), int(mast_c.max()) + 1) + DEM_MARGIN_PX
        r_lo, c_lo = max(r_lo, 0), max(c_lo, 0)
        r_hi, c_hi = min(r_hi, height), min(c_hi, grid_width)
    else:
        r_lo = r_hi = c_lo = c_hi = 0
    village = np.zeros((r_hi - r_lo, c_hi - c_lo), dtype=bool)
    rows, cols = pixels // width, pixels % width
    inside = (rows >= r_lo) & (rows < r_hi) & (cols >= c_lo) & (cols < c_hi)
    village[rows[inside] - r_lo, cols[inside] - c_lo] = True
    return RasterTile(
        name=name,
        model=model,
        settings=settings,
        width=width,
        table=sub,
        sites=renumbered,
        dem=np.ascontiguousarray(terrain.dem[r_lo:r_hi, c_lo:c_hi]),
        village=village,
        corner=(terrain.x0, terrain.y0, terrain.res),
        offset=(r_lo, c_lo),
    )


def run_raster_tile(tile: RasterTile) -> TileResult:
    """Run one raster task (in a worker): the kernels of its sites on its DEM window, added
    into rasters over that window; their values at the village pixels some site reached."""
    start = time.perf_counter()
    _injected_fault(tile.name)
    kernel = kernel_for(tile.model, tile.settings)
    x0, y0, res = tile.corner
    terrain = Terrain(tile.dem, x0, y0, res, tile.offset[0], tile.offset[1])
    techs = [t for t in TECHNOLOGIES if (tile.table["tech"] == t).any()]
    thresholds = {t: float(tile.settings.thresholds_dbm[t]) for t in techs}
    # the DEM window's rasters, each site added as predict_raster adds it to the grid's
    best = {t: np.full(tile.village.shape, np.nan, dtype=np.float32) for t in techs}
    count = {t: np.zeros(tile.village.shape, dtype=np.uint16) for t in techs}
    void_sites = []
    for site in tile.sites:  # the kernels' loop over sites, as predict_raster's
        site, local, voids = run_site_on(tile.table, terrain, tile.settings, kernel, site)
        if local is None:  # refused before the tasks: never here
            continue
        if voids > 0:
            void_sites.append(str(tile.table["site_id"][site.first]))
        for tech, values in local.items():
            r0, c0, nr, nc, _radius = site.windows[site.techs.index(tech)]
            r0, c0 = r0 - tile.offset[0], c0 - tile.offset[1]
            view = (slice(r0, r0 + nr), slice(c0, c0 + nc))
            best[tech][view] = np.fmax(best[tech][view], values)
            with np.errstate(invalid="ignore"):
                count[tech][view] += (values >= thresholds[tech]).astype(np.uint16)
    # the village pixels (row-major, as tile.pixels), and of them only those reached
    at = {t: v[tile.village] for t, v in best.items()}
    reached = np.zeros(int(tile.village.sum()), dtype=bool)
    for values in at.values():
        reached |= ~np.isnan(values)
    pixels = tile.pixels[reached]
    return TileResult(
        tile.name,
        pixels,
        {t: v[reached] for t, v in at.items()},
        {t: v[tile.village][reached] for t, v in count.items()},
        void_sites,
        time.perf_counter() - start,
    )


def predict_partitioned(
    prepared: Prepared,
    executor: Executor,
    *,
    progress: Progress | None = None,
    tile_pixels: int = TILE_PIXELS,
) -> RasterPrediction:
    """The raster prediction at the village pixels, block by block on ``executor``.

    Pixels no village reads stay NaN (no server): the result measures villages exactly as
    the serial prediction does, and is not a map."""
    prediction, tiles, _work, outside = raster_tiles(prepared, tile_pixels=tile_pixels)
    _report_terrain(outside, 0)
    log.info(
        "partitioned: %d tiles, %d village pixels",
        len(tiles),
        sum(len(t.pixels) for t in tiles),
    )
    void_sites: set[str] = set()
    flat_best = {t: v.reshape(-1) for t, v in prediction.best.items()}
    flat_count = {t: v.reshape(-1) for t, v in prediction.count.items()}
    for result in executor.map(run_raster_tile, tiles, [t.name for t in tiles], progress):
        pix = result.pixels  # tiles' pixels overlap: maxima and sums are exact in any order
        for tech, values in result.best.items():
            flat_best[tech][pix] = np.fmax(flat_best[tech][pix], values)
            flat_count[tech][pix] += result.count[tech]
        void_sites.update(result.void_sites)
    _report_terrain([], len(void_sites))
    return prediction


# --- the range model -------------------------------------------------------------------


@dataclass
class RangeBlock:
    """One range task: a block of villages and the site rows whose footprints reach it."""

    name: str
    settings: Settings
    index: np.ndarray  # the villages' positions in the run
    villages: np.ndarray  # their geometries
    sites: gpd.GeoDataFrame


def range_blocks(prepared: Prepared, *, block_m: float = BLOCK_M) -> list[RangeBlock]:
    """Cut the villages into square blocks (by representative point) with their sites."""
    settings = prepared.settings
    geoms = prepared.villages.geometry.to_numpy()
    xy = shapely.get_coordinates(shapely.point_on_surface(geoms))
    xmin, ymin = xy.min(axis=0)
    bx = np.floor((xy[:, 0] - xmin) / block_m).astype(np.int64)
    by = np.floor((xy[:, 1] - ymin) / block_m).astype(np.int64)
    key = by * (int(bx.max()) + 1) + bx
    order = np.argsort(key, kind="stable")
    cuts = np.flatnonzero(np.diff(key[order])) + 1
    sites = prepared.projected.sites.frame
    radius = site_ranges(sites, settings=settings)
    sxy = shapely.get_coordinates(sites.geometry.to_numpy())
    bounds = shapely.bounds(geoms)
    blocks = []
    for index in np.split(order, cuts):
        index = np.sort(index)
        x0, y0 = bounds[index, 0].min(), bounds[index, 1].min()
        x1, y1 = bounds[index, 2].max(), bounds[index, 3].max()
        near = (
            (sxy[:, 0] + radius >= x0)
            & (sxy[:, 0] - radius <= x1)
            & (sxy[:, 1] + radius >= y0)
            & (sxy[:, 1] - radius <= y1)
        )
        name = f"block x{int(bx[index[0]])}y{int(by[index[0]])} ({len(index):,} villages)"
        blocks.append(RangeBlock(name, settings, index, geoms[index], sites[near]))
    return blocks


def run_range_block(block: RangeBlock) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Run one range task (in a worker): footprints of its sites, its villages measured."""
    from .metrics import village_coverage

    _injected_fault(block.name)
    prediction = predict_range(block.sites, settings=block.settings)
    frame = gpd.GeoDataFrame(geometry=block.villages, crs=block.sites.crs)
    measured = village_coverage(frame, prediction, settings=block.settings)
    return block.index, {c: measured[c].to_numpy() for c in measured.columns if c != "geometry"}


def measure_range_partitioned(
    prepared: Prepared, executor: Executor, *, progress: Progress | None = None
) -> tuple[gpd.GeoDataFrame, dict]:
    """The villages with the range model's coverage columns, block by block on
    ``executor``, and the model's ``info``."""
    blocks = range_blocks(prepared)
    n = len(prepared.villages)
    columns: dict[str, np.ndarray] = {}
    for index, values in executor.map(run_range_block, blocks, [b.name for b in blocks], progress):
        for name, column in values.items():
            if name not in columns:
                columns[name] = np.zeros(n, dtype=column.dtype)
            columns[name][index] = column
    villages = prepared.villages.copy()
    for name, column in columns.items():
        villages[name] = column
    return villages, range_info(prepared.projected.sites.frame, settings=prepared.settings)


# --- faults, for the tests -------------------------------------------------------------


def _injected_fault(name: str) -> None:
    """Fail as the testing aid asks (see :data:`FAIL_ENV`); nothing otherwise."""
    listed = os.environ.get(FAIL_ENV)
    if listed and name.split(" (")[0] in [s.strip() for s in listed.split(",")]:
        raise RuntimeError(f"injected failure of {name}")
    once = os.environ.get(FAIL_ONCE_ENV)
    if once:
        marker = Path(once) / ("".join(ch if ch.isalnum() else "_" for ch in name) + ".tried")
        if not marker.exists():
            marker.touch()
            raise RuntimeError(f"injected first-try failure of {name}")
