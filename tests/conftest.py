"""Shared fixtures: the tiny hand-checkable province (tests/data/tiny, see make_tiny.py)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
from click.testing import CliRunner

TINY = Path(__file__).parent / "data" / "tiny"


@pytest.fixture(autouse=True, scope="session")
def _own_prediction_cache(tmp_path_factory):
    """The tests' predictions are cached in a folder of their own, never the user's."""
    import os

    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))


@pytest.fixture
def tiny() -> dict:
    """Paths of the tiny fixture by layer, as ``coverage.Layers`` takes them."""
    return tiny_layers()


def tiny_layers(folder: Path = TINY) -> dict:
    """The tiny fixture's layer files (in ``folder``, a copy), by layer."""
    return {
        "villages": folder / "villages.geojson",
        "communes": folder / "communes.gpkg",
        "centres": folder / "centres.geojson",
        "sites": folder / "sites.csv",
        "fibre": [folder / "fibre_nodes.gpkg", folder / "fibre_routes.gpkg"],
        "postal": folder / "postal.geojson",
    }


def tiny_args(layers: dict, *, model: str | None = "range") -> list[str]:
    """CLI arguments for a layer dict (the hand-derived values are for the range model)."""
    args: list[str] = []
    for key, value in layers.items():
        for item in value if isinstance(value, list) else [value]:
            args += [f"--{key}", str(item)]
    return [*args, "--model", model] if model else args


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


# Hand-derived shares of the tiny fixture (see tests/data/make_tiny.py for the layout).
# V1 = [0,2000]^2 against a disc r=2000 centred on its left edge (0,1000): the part inside is
# the integral of sqrt(r^2-u^2) du over u in [-1000,1000] (every chord is shorter than the
# 2000 m width), i.e. 2*(500*sqrt(3e6) + 2e6*asin(1/2)).
V1_4G = 2 * (500 * math.sqrt(3e6) + 2e6 * math.asin(0.5)) / 4e6  # 0.95661
# V2: a half disc r=800 facing east, wholly inside V2.
V2_4G = math.pi * 800**2 / 2 / 4e6  # 0.25133
# V3: a disc r=500 wholly inside V3.
V3_3G = math.pi * 500**2 / 4e6  # 0.19635
# Discs are drawn as 64-gons: their area is 0.16 % below the true disc.
POLY_TOL = 0.002


def write_flat_dem(path: Path, *, west: float, north: float, height: int, width: int) -> Path:
    """A flat 10 m int16 DEM in EPSG:4326 at 3 arc-seconds, top-left corner (west, north)."""
    transform = rasterio.transform.from_origin(west, north, 1 / 1200, 1 / 1200)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=height,
        width=width,
        count=1,
        dtype="int16",
        crs="EPSG:4326",
        transform=transform,
        nodata=-32768,
    ) as dst:
        dst.write(np.full((height, width), 10, dtype=np.int16), 1)
    return path


@pytest.fixture
def tiny_dem(tmp_path):
    """A flat 10 m DEM in EPSG:4326 covering the tiny fixture."""
    return write_flat_dem(tmp_path / "dem.tif", west=105.85, north=17.60, height=360, width=360)
