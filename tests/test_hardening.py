"""Atomic and reproducible outputs, property-based checks of the geometry core."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coverage import Settings
from coverage.cli.main import cli
from coverage.layers import Layers
from coverage.models import get_model
from coverage.output import TEST_WRITE_HOOK_ENV
from coverage.overlay import covered_share
from coverage.pipeline import run

from .conftest import tiny_args

# ------------------------------------------------------------------ reproducible outputs


def test_same_inputs_give_byte_identical_json_and_csv(runner, tiny, tmp_path):
    for name in ("a", "b"):
        result = runner.invoke(
            cli, ["compute", *tiny_args(tiny), "--out", str(tmp_path / name), "-q"]
        )
        assert result.exit_code == 0
    for file in ("summary.json", "villages.csv", "communes.csv", "centres.csv", "postal.csv"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file


# ------------------------------------------------------------------ atomic outputs


def test_killed_run_leaves_previous_outputs_intact(tiny, tmp_path):
    """Write outputs once, then SIGKILL a second run in the middle of writing its files.

    The second run stops (``COVERAGE_TEST_WRITE_HOOK``, test-only) once it has written
    the first file of its set under a temporary name, so the kill is known to land
    mid-write; with files written in place it would leave a new ``villages.gpkg``.
    """
    out = tmp_path / "out"
    compute = [sys.executable, "-m", "coverage.cli", "compute", *tiny_args(tiny), "-q"]
    compute += ["--out", str(out)]
    first = subprocess.run(compute, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert {"villages.gpkg", "villages.csv", "summary.json"} <= set(before)

    marker = tmp_path / "mid-write"
    second = subprocess.Popen(
        # another threshold: V2 (25 % covered) flips, so every file's content changes
        [*compute, "--threshold", "0.2"],
        env={**os.environ, TEST_WRITE_HOOK_ENV: str(marker)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert second.poll() is None, f"the run ended before writing: {second.stderr.read()}"
            assert time.monotonic() < deadline, "the run never reached its writer"
            time.sleep(0.05)
        staged = Path(marker.read_text(encoding="utf-8"))
        # mid-write: the first new file is complete, under a temporary name beside its target
        assert staged.parent == out and staged.suffix == ".gpkg"
        assert f".{second.pid}." in staged.name
        assert staged.read_bytes() != before["villages.gpkg"]
    finally:
        os.kill(second.pid, signal.SIGKILL)
        second.wait()
        second.stderr.close()

    # the previous outputs are all there, byte for byte, and no output is partial
    visible = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}
    assert visible == before
    # the killed run's temporaries are hidden and marked with its process id ...
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert leftovers == [staged.name]
    # ... and the next run into the folder removes them
    third = subprocess.run(compute, capture_output=True, text=True, timeout=300)
    assert third.returncode == 0, third.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(before)


def test_interrupted_write_keeps_the_old_file(tmp_path):
    from coverage.output import atomic_path

    target = tmp_path / "summary.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half-writ")
        raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


# ------------------------------------------------------------------ properties

coords = st.floats(min_value=0, max_value=5000, allow_nan=False)
sizes = st.floats(min_value=50, max_value=3000, allow_nan=False)


@st.composite
def scenes(draw):
    n_v = draw(st.integers(1, 6))
    villages = [
        shapely.box(x, y, x + w, y + h)
        for x, y, w, h in [
            (draw(coords), draw(coords), draw(sizes), draw(sizes)) for _ in range(n_v)
        ]
    ]
    n_s = draw(st.integers(0, 5))
    sites = [(draw(coords), draw(coords), draw(st.floats(100, 4000))) for _ in range(n_s)]
    return villages, sites


def _shares(villages, sites) -> np.ndarray:
    discs = np.array(
        [shapely.Point(x, y).buffer(r, quad_segs=16) for x, y, r in sites], dtype=object
    )
    return covered_share(np.array(villages, dtype=object), discs)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenes())
def test_share_is_within_0_and_1(scene):
    villages, sites = scene
    share = _shares(villages, sites)
    assert ((share >= 0) & (share <= 1)).all()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenes(), st.tuples(coords, coords, st.floats(100, 4000)))
def test_adding_a_site_never_lowers_coverage(scene, extra):
    villages, sites = scene
    before = _shares(villages, sites)
    after = _shares(villages, [*sites, extra])
    assert (after >= before - 1e-9).all()


@pytest.mark.parametrize("epsg", [4326, 3857, 3405, 32648, 9210])
def test_reprojecting_inputs_does_not_change_results(tiny, tmp_path, epsg):
    """Any input CRS gives the same shares within 1e-6 (all are measured in one UTM CRS)."""
    folder = tmp_path
    villages = gpd.read_file(tiny["villages"]).to_crs(epsg)
    villages.to_file(folder / "v.gpkg")
    base = run(Layers(**tiny), model="range").villages["covered_share"].to_numpy()
    moved = (
        run(Layers(**{**tiny, "villages": folder / "v.gpkg"}), model="range")
        .villages["covered_share"]
        .to_numpy()
    )
    assert moved == pytest.approx(base, abs=1e-6)


def test_range_model_monotone_in_range(tiny):
    from coverage.pipeline import load, project

    projected = project(load(Layers(**tiny), settings=Settings()), settings=Settings())
    sites = projected.sites.frame
    small = get_model("range").predict(sites.assign(range_m=500.0), settings=Settings())
    large = get_model("range").predict(sites.assign(range_m=900.0), settings=Settings())
    v = projected.villages.frame.geometry.to_numpy()
    for tech in ("2G", "3G", "4G"):
        assert (large.area_share(v, [tech]) >= small.area_share(v, [tech]) - 1e-12).all()


def test_dms_coordinates_are_converted_with_a_warning(tiny, tmp_path):
    import pandas as pd

    table = pd.read_csv(tiny["sites"])

    def dms(value: float, pos: str, neg: str) -> str:
        hemi = pos if value >= 0 else neg
        value = abs(value)
        d = int(value)
        m = int((value - d) * 60)
        s = (value - d - m / 60) * 3600
        return f"{d}°{m}'{s:.4f}\"{hemi}"

    table["lon"] = [dms(v, "E", "W") for v in table["lon"]]
    table["lat"] = [dms(v, "N", "S") for v in table["lat"]]
    path = tmp_path / "dms.csv"
    table.to_csv(path, index=False)
    result = run(Layers(**{**tiny, "sites": path}), model="range")
    assert any("degrees-minutes-seconds" in w for w in result.warnings)
    base = run(Layers(**tiny), model="range").villages["covered_share"].to_numpy()
    # 4-decimal seconds are ~3 mm on the ground
    assert result.villages["covered_share"].to_numpy() == pytest.approx(base, abs=1e-5)


def test_package_is_importable_as_module_for_cli():
    # python -m coverage.cli is what the kill test uses
    assert (Path(__file__).parents[1] / "coverage" / "cli" / "__main__.py").exists()
