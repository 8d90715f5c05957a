"""The partitioned pipeline (coverage/partition.py) gives the serial run's numbers bit for bit.

Here the tasks run in this process (:class:`coverage.cluster.InProcess`); the Dask runs
(LocalCluster, a scheduler started by the test) are in test_cluster.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from coverage.cluster import ClusterError, InProcess
from coverage.layers import Layers
from coverage.models.raster import RasterKernel, _mast_call, _setup, crop_to
from coverage.models.terrain import grid_and_kernel
from coverage.output import summary_json
from coverage.partition import (
    FAIL_ENV,
    range_blocks,
    raster_tiles,
    run_raster_tile,
    village_pixels,
)
from coverage.pipeline import prepare, run, run_partitioned
from coverage.radio.engine import Terrain
from coverage.settings import Settings

#: Coarse enough for ITM to take seconds on the demo; the same for both runs.
COARSE = Settings(resolution_m=360.0)


def _quiet(_message: str) -> None:
    pass


def _same_results(serial, tiled) -> None:
    """Every village column and the whole summary (warnings aside) are identical."""
    assert list(serial.villages.columns) == list(tiled.villages.columns)
    for column in serial.villages.columns:
        a, b = serial.villages[column].to_numpy(), tiled.villages[column].to_numpy()
        if column == "geometry":
            assert all(x is y or x.equals_exact(y, 0) for x, y in zip(a, b, strict=True))
        elif a.dtype.kind == "f":
            assert np.array_equal(a, b, equal_nan=True), column
            assert a.tobytes() == b.tobytes(), column  # the same bits, not only equal
        else:
            assert np.array_equal(a, b), column
    assert summary_json(serial.summary) == summary_json(tiled.summary)


@pytest.mark.parametrize(
    ("model", "settings", "tile_pixels"),
    [
        ("range", Settings(), None),
        ("hata", COARSE, 48),
        ("terrain", COARSE, 40),
        ("itm", COARSE, 64),
        ("terrain", Settings(), 256),  # the demo as it runs (90 m): 64 tiles
    ],
)
def test_tiled_run_equals_serial_run(model, settings, tile_pixels):
    layers = Layers.demo()
    serial = run(layers, model=model, settings=settings, use_cache=False)
    prepared = prepare(layers, model=model, settings=settings)
    cut = {} if tile_pixels is None else {"tile_pixels": tile_pixels}
    tiled = run_partitioned(prepared, step=_quiet, label="", executor=InProcess(), **cut)
    tiled.summary["warnings"] = serial.summary["warnings"]
    _same_results(serial, tiled)
    assert tiled.prediction is None  # village pixels only: not a map


def test_every_site_runs_once_on_the_village_pixels_of_its_reach():
    prepared = prepare(Layers.demo(), model="terrain", settings=COARSE)
    prediction, tiles, work, outside = raster_tiles(prepared, tile_pixels=40)
    assert outside == []
    assert len(tiles) > 20
    ids = [str(tile.table["site_id"][s.first]) for tile in tiles for s in tile.sites]
    assert len(ids) == len(set(ids))  # each site in one task
    every = {str(v) for v in prepared.projected.sites.frame["site_id"]}
    assert set(ids) <= every
    village = village_pixels(prediction, prepared.villages)
    width = prediction.best["4G"].shape[1]
    reached = np.zeros(prediction.best["4G"].size, dtype=bool)
    for tile in tiles:
        assert np.all(np.diff(tile.pixels) > 0)
        assert np.isin(tile.pixels, village).all()
        assert tile.dem.size < prediction.best["4G"].size  # a window, not the grid
        rows, cols = tile.pixels // width, tile.pixels % width
        for site in tile.sites:
            for r0, c0, nr, nc, _radius in site.windows:
                inside = (rows >= r0) & (rows < r0 + nr) & (cols >= c0) & (cols < c0 + nc)
                reached[tile.pixels[inside]] = True
    assert len(ids) <= len(work)
    assert reached[village].mean() > 0.9


def test_village_pixels_are_what_the_village_rule_reads():
    """Pixels outside the village pixels may hold anything: the result does not change."""
    prepared = prepare(Layers.demo(), model="hata", settings=COARSE)
    serial = run(Layers.demo(), model="hata", settings=COARSE, use_cache=False)
    prediction, tiles, _work, _out = raster_tiles(prepared, tile_pixels=64)
    for tile in tiles:
        result = run_raster_tile(tile)
        for tech, values in result.best.items():
            best = prediction.best[tech].reshape(-1)
            best[result.pixels] = np.fmax(best[result.pixels], values)
            prediction.count[tech].reshape(-1)[result.pixels] += result.count[tech]
    keep = np.zeros(prediction.best["4G"].size, dtype=bool)
    keep[village_pixels(prediction, prepared.villages)] = True
    for tech in prediction.best:
        prediction.best[tech].reshape(-1)[~keep] = 99.0  # strong signal everywhere else
    from coverage.pipeline import measure

    noisy = measure(prepared, prediction, step=_quiet)
    noisy.summary["warnings"] = serial.summary["warnings"]
    _same_results(serial, noisy)


def test_a_kernel_on_a_dem_window_gives_the_whole_grids_bits():
    """The engine's Terrain row0/col0: the same sweep on a window of the DEM (with the
    mast and the cut window inside it) gives the same float32 values."""
    prepared = prepare(Layers.demo(), model="terrain")
    sites = prepared.projected.sites.frame
    for model in ("terrain", "itm"):
        grid, kernel = grid_and_kernel(
            model, sites, settings=prepared.settings, area=tuple(prepared.villages.total_bounds)
        )
        table, terrain, work, _run = _setup(sites, grid, prepared.settings, kernel)
        site = work[len(work) // 2]
        r0, c0, nr, nc, _radius = site.windows[0]
        rows, cols = np.mgrid[r0 + nr // 2 : r0 + nr, c0 : c0 + nc // 3]
        cut = crop_to([site], rows.ravel(), cols.ravel())[0]
        whole = _sweep(table, terrain, cut, kernel, prepared.settings)
        mr = int((terrain.y0 - table["y"][cut.first]) // terrain.res)
        mc = int((table["x"][cut.first] - terrain.x0) // terrain.res)
        lo_r, lo_c = min(mr, rows.min()) - 3, min(mc, cols.min()) - 3
        hi_r, hi_c = max(mr, rows.max()) + 4, max(mc, cols.max()) + 4
        window = Terrain(
            np.ascontiguousarray(terrain.dem[lo_r:hi_r, lo_c:hi_c]),
            terrain.x0,
            terrain.y0,
            terrain.res,
            int(lo_r),
            int(lo_c),
        )
        part = _sweep(table, window, cut, kernel, prepared.settings)
        assert np.isfinite(whole).sum() > 100
        assert whole.tobytes() == part.tobytes(), model


def _sweep(table, terrain: Terrain, site, kernel: RasterKernel, settings) -> np.ndarray:
    rows = site.masts[0]
    _techs, mast, antennas, windows, out = _mast_call(table, site, rows, settings, terrain.res)
    assert kernel.sweep(terrain, mast, antennas, windows, kernel.params, out) >= 0
    return out


def test_range_blocks_cover_every_village_once_with_the_sites_reaching_them():
    prepared = prepare(Layers.demo(), model="range")
    blocks = range_blocks(prepared, block_m=15_000.0)
    index = np.concatenate([b.index for b in blocks])
    assert np.array_equal(np.sort(index), np.arange(len(prepared.villages)))
    assert len(blocks) > 20
    assert all(len(b.sites) < len(prepared.projected.sites.frame) for b in blocks)


def test_a_task_failing_every_try_stops_the_run_naming_it(monkeypatch):
    prepared = prepare(Layers.demo(), model="hata", settings=COARSE)
    _prediction, tiles, _work, _out = raster_tiles(prepared, tile_pixels=64)
    victim = tiles[3].name.split(" (")[0]
    monkeypatch.setenv(FAIL_ENV, victim)
    with pytest.raises(ClusterError, match=rf"^{victim} \(\d+ sites with masts .* failed 3 times"):
        run_partitioned(prepared, step=_quiet, label="", executor=InProcess(), tile_pixels=64)
