"""Writing results: per-village and per-commune tables (GeoPackage + CSV) and the JSON summary.

Every file is written to a temporary name in the destination folder and then
renamed over the target (``os.replace`` is atomic on one filesystem), so a run
that dies midway leaves the previous outputs intact.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .pipeline import Result

#: Village columns written, in order (those present).
VILLAGE_COLUMNS = (
    "village_id",
    "name",
    "commune_id",
    "population",
    "covered",
    "covered_share",
    "covered_2g",
    "covered_3g",
    "covered_4g",
    "covered_5g",
    "share_2g",
    "share_3g",
    "share_4g",
    "share_5g",
    "best_signal_dbm",
)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it to ``target`` on success.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "a.txt") as tmp:
    ...     _ = tmp.write_text("done")
    >>> (d / "a.txt").read_text()
    'done'
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # keep the real suffix last: GDAL picks its behaviour (and warnings) by extension
    fd, name = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=".tmp" + target.suffix, dir=target.parent
    )
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()  # let writers create it (GDAL refuses to overwrite some formats)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def _clean(value):
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    if isinstance(value, float | np.floating):
        value = float(value)
        return None if math.isnan(value) else round(value, 12)
    return value


def summary_json(summary: dict) -> str:
    """Return the summary as stable JSON (sorted keys, NaN as null, UTF-8 text)."""
    return json.dumps(_clean(summary), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _write(target: Path, writer: Callable[[Path], None]) -> Path:
    with atomic_path(target) as tmp:
        writer(tmp)
    return target


def write_result(result: Result, out_dir: str | os.PathLike) -> list[Path]:
    """Write a run's outputs into ``out_dir`` and return the paths written.

    Files: ``villages.gpkg``/``villages.csv`` (one row per village),
    ``communes.gpkg``/``communes.csv`` (one row per commune; geometry where the
    communes layer had polygons), ``centres.csv``, ``postal.csv`` and ``summary.json``.
    """
    out = Path(out_dir)
    written: list[Path] = []
    v = result.villages
    cols = [c for c in VILLAGE_COLUMNS if c in v.columns]
    src_crs = result.input_crs or v.crs
    villages = gpd.GeoDataFrame(v[cols], geometry=v.geometry.to_crs(src_crs), crs=src_crs)
    written.append(_write(out / "villages.gpkg", lambda p: _gpkg(villages, p, "villages")))
    written.append(
        _write(out / "villages.csv", lambda p: _csv(villages.drop(columns="geometry"), p))
    )
    communes = result.communes
    geoms = result.commune_geometry
    if geoms is not None:
        frame = gpd.GeoDataFrame(
            communes.merge(geoms, on="commune_id", how="left"), geometry="geometry", crs=geoms.crs
        ).to_crs(src_crs)
        written.append(_write(out / "communes.gpkg", lambda p: _gpkg(frame, p, "communes")))
    written.append(_write(out / "communes.csv", lambda p: _csv(communes, p)))
    for name, layer in (("centres", result.centres), ("postal", result.postal)):
        if layer is not None:
            table = pd.DataFrame(layer.drop(columns="geometry"))
            ll = layer.geometry.to_crs(4326)
            table["lon"], table["lat"] = ll.x.round(7), ll.y.round(7)
            written.append(_write(out / f"{name}.csv", lambda p, t=table: _csv(t, p)))
    text = summary_json(result.summary)
    written.append(_write(out / "summary.json", lambda p: p.write_text(text, encoding="utf-8")))
    return written


def _gpkg(frame: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, float_format="%.6f", lineterminator="\n", encoding="utf-8")
