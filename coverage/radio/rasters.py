"""Writing predictions as GeoTIFF: real dBm bands, nodata set, CRS set, written atomically."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import rasterio

from ..output import atomic_path

#: Nodata of signal rasters (dBm): far below any receiver sensitivity.
SIGNAL_NODATA = -9999.0


def write_geotiff(
    array: np.ndarray,
    path: str | os.PathLike,
    *,
    transform,
    crs,
    nodata: float | None,
    description: str,
    units: str,
) -> Path:
    """Write one band, tiled and deflate-compressed, through a temporary file."""
    target = Path(path)
    data = array
    if nodata is not None and np.issubdtype(array.dtype, np.floating):
        data = np.where(np.isfinite(array), array, nodata).astype(array.dtype)
    profile = {
        "driver": "GTiff",
        "height": data.shape[0],
        "width": data.shape[1],
        "count": 1,
        "dtype": data.dtype.name,
        "crs": crs,
        "transform": transform,
        "nodata": nodata,
        "compress": "deflate",
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
    }
    if np.issubdtype(data.dtype, np.floating):
        profile["predictor"] = 3
    with atomic_path(target) as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(data, 1)
            dst.set_band_description(1, description)
            dst.update_tags(1, units=units)
    return target


def write_prediction(prediction, out_dir: str | os.PathLike, *, prefix: str = "") -> list[Path]:
    """Write ``best_<tech>.tif`` (dBm) and ``servers_<tech>.tif`` (count) per technology."""
    out = Path(out_dir)
    written = []
    for tech, best in prediction.best.items():
        name = tech.lower()
        written.append(
            write_geotiff(
                best.astype(np.float32),
                out / f"{prefix}best_{name}.tif",
                transform=prediction.transform,
                crs=prediction.crs,
                nodata=SIGNAL_NODATA,
                description=f"{tech} best-server signal ({prediction.model} model)",
                units="dBm",
            )
        )
        written.append(
            write_geotiff(
                prediction.count[tech],
                out / f"{prefix}servers_{name}.tif",
                transform=prediction.transform,
                crs=prediction.crs,
                nodata=None,
                description=f"{tech} sites at or above {prediction.thresholds[tech]:g} dBm",
                units="count",
            )
        )
    return written
